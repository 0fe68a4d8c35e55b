# Shared by scripts/mkrootfs.sh and scripts/mkimage.sh (sourced, POSIX sh).
# Environment: O (output dir), DL_DIR (downloads), KCONFIG_CONFIG (.config).

: "${O:=output}" "${DL_DIR:=dl}" "${KCONFIG_CONFIG:=.config}"
[ -f "$KCONFIG_CONFIG" ] || { echo "image: no $KCONFIG_CONFIG" >&2; exit 1; }
# .config is shell syntax: PB_FOO="bar" / PB_FOO=y.
# The update key may come from the environment; it wins over .config.
_key=${PB_UPDATE_KEY:-} _cert=${PB_UPDATE_CERT:-}
case $KCONFIG_CONFIG in /*) . "$KCONFIG_CONFIG" ;; *) . "./$KCONFIG_CONFIG" ;; esac
PB_UPDATE_KEY=${_key:-${PB_UPDATE_KEY:-}} PB_UPDATE_CERT=${_cert:-${PB_UPDATE_CERT:-}}
export O PB_UPDATE_KEY PB_UPDATE_CERT
BOARD=$PB_BOARD_NAME
[ -n "$BOARD" ] && [ "$PB_IMAGE" = y ] || { echo "image: board '$BOARD' makes no image" >&2; exit 1; }
BOARD_DIR=board/$BOARD
WORK=$O/build/image-$BOARD
IMAGES=$O/images
MANIFEST_PKGS=$WORK/manifest.pkgs
mkdir -p "$DL_DIR" "$WORK" "$IMAGES"

msg() { echo ">>> image: $*"; }
die() { echo "image: error: $*" >&2; exit 1; }

# pkg_fetch NAME [VERSION]: the .deb of NAME (candidate version unless
# given) in $DL_DIR, downloaded with `apt-get download` when missing; its
# path on stdout.  Records "NAME VERSION" for the manifest.
pkg_fetch() {
	_n=$1
	_v=${2:-$(apt-cache policy "$_n" 2>/dev/null | sed -n 's/^ *Candidate: //p')}
	if { [ -z "$_v" ] || [ "$_v" = "(none)" ]; } && [ -z "${_apt_updated:-}" ] && [ "$(id -u)" = 0 ]; then
		# A fresh machine may never have read the package lists.
		_apt_updated=1
		apt-get update -qq >&2 || true
		_v=${2:-$(apt-cache policy "$_n" 2>/dev/null | sed -n 's/^ *Candidate: //p')}
	fi
	[ -n "$_v" ] && [ "$_v" != "(none)" ] || die "package $_n: no candidate (apt-get update?)"
	_a=$(apt-cache show "$_n=$_v" 2>/dev/null | sed -n 's/^Architecture: //p' | head -n1)
	_f=$DL_DIR/${_n%%:*}_$(echo "$_v" | sed 's/:/%3a/')_${_a:-amd64}.deb
	if [ ! -s "$_f" ]; then
		# (apt warns that it downloads unsandboxed as root: not an error)
		(cd "$DL_DIR" && apt-get download -qq "$_n=$_v") > "$WORK/apt.log" 2>&1 ||
			{ cat "$WORK/apt.log" >&2; die "apt-get download $_n=$_v failed"; }
		[ -s "$_f" ] || die "apt-get download $_n=$_v: no $_f"
	fi
	grep -qx "${_n%%:*} $_v" "$MANIFEST_PKGS" 2>/dev/null || echo "${_n%%:*} $_v" >> "$MANIFEST_PKGS"
	echo "$_f"
}

# pkg_extract DEB: unpack once under $WORK/debs/, print the directory.
pkg_extract() {
	_d=$WORK/debs/$(basename "$1" .deb)
	if [ ! -f "$_d/.done" ]; then
		rm -rf "$_d" && mkdir -p "$_d"
		dpkg-deb -x "$1" "$_d" || die "dpkg-deb -x $1"
		touch "$_d/.done"
	fi
	echo "$_d"
}

# The kernel's ABI package: a metapackage (linux-image-amd64) depends on it.
kernel_package() {
	_k=$(apt-cache depends "$PB_BOARD_KERNEL_PACKAGE" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	echo "${_k:-$PB_BOARD_KERNEL_PACKAGE}"
}
