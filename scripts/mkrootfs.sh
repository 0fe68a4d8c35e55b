#!/bin/sh
# Assemble the root filesystem of the selected board from Debian packages
# and our build, and pack it as a compressed initramfs (the read-only root).
#
#   O=output DL_DIR=dl KCONFIG_CONFIG=.config BUILD=output/build scripts/mkrootfs.sh
#
# Leaves $O/images/vmlinuz, $O/images/rootfs.cpio.zst, and the staging tree
# in $O/build/image-<board>/target.  See docs/image.md.
set -eu
. scripts/image-common.sh
: "${BUILD:=$O/build}"
TARGET=$WORK/target
: > "$MANIFEST_PKGS"

# --- kernel -------------------------------------------------------------------
KPKG=$(kernel_package)
msg "kernel package $KPKG (from $PB_BOARD_KERNEL_PACKAGE)"
deb=$(pkg_fetch "$KPKG")
KDIR=$(pkg_extract "$deb")
KVER=$(ls "$KDIR/lib/modules" | head -n1)
[ -n "$KVER" ] && [ -f "$KDIR/boot/vmlinuz-$KVER" ] || die "$KPKG: no kernel inside"

# --- busybox (static) and the other base packages ----------------------------
BB_DIR=
BASE_PKGS=$(cat board/common/packages.txt $([ -f "$BOARD_DIR/packages.txt" ] && echo "$BOARD_DIR/packages.txt") | sed 's/#.*//')
# NAME=PATH,PATH takes only those files of the package.
: > "$WORK/pkg.only"
for p in $BASE_PKGS; do
	deb=$(pkg_fetch "${p%%=*}")
	d=$(pkg_extract "$deb")
	case $p in
	busybox-static) BB_DIR=$d ;;
	tzdata) TZ_DIR=$d ;;
	*=*)
		EXTRA_PKG_DIRS="${EXTRA_PKG_DIRS:-} $d"
		echo "${p#*=}" | tr ',' '\n' | sed "s|^|$d .|" >> "$WORK/pkg.only"
		;;
	*) EXTRA_PKG_DIRS="${EXTRA_PKG_DIRS:-} $d" ;;
	esac
done
BUSYBOX=$BB_DIR/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static is not in board/common/packages.txt"
[ -n "${TZ_DIR:-}" ] || die "tzdata is not in board/common/packages.txt"

# The Debian package ships no modules.dep: BusyBox's depmod makes one on the
# build host, without kmod.
if [ ! -f "$KDIR/.depmod-done" ]; then
	msg "depmod $KVER (busybox)"
	"$BUSYBOX" depmod -b "$KDIR" "$KVER"
	touch "$KDIR/.depmod-done"
fi

# --- staging tree -------------------------------------------------------------
msg "assembling $TARGET"
rm -rf "$TARGET"
mkdir -p "$TARGET"
for d in bin sbin usr/bin usr/sbin usr/lib usr/libexec usr/share lib/x86_64-linux-gnu \
	lib64 etc dev proc sys run tmp root data boot var/lib/ptpbridge var/log \
	usr/share/ptpbridge/defaults; do
	mkdir -p "$TARGET/$d"
done
ln -s ../run "$TARGET/var/run"
ln -s ../tmp "$TARGET/var/tmp"

# BusyBox and its applet links.
cp "$BUSYBOX" "$TARGET/bin/busybox"
"$BUSYBOX" --list-full | while read -r a; do
	[ "$a" = bin/busybox ] && continue
	mkdir -p "$TARGET/$(dirname "$a")"
	ln -sf /bin/busybox "$TARGET/$a"
done
ln -sf /bin/busybox "$TARGET/init"

# Kernel modules: the board's list and everything they depend on.
MODS_ALL="$PB_BOARD_MODULES $PB_BOARD_EXTRA_MODULES"
awk -v want="$MODS_ALL" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
	FILENAME ~ /modules\.builtin$/ { builtin[base($1)] = 1; next }
	{ k = $1; sub(/:$/, "", k); dep[base(k)] = $0; path[base(k)] = k }
	function add(m,   i, n, f) {
		if (m in seen) return; seen[m] = 1
		if (m in builtin) return
		if (!(m in path)) { print "missing " m; return }
		print path[m]
		n = split(dep[m], f, " ")
		for (i = 2; i <= n; i++) add(base(f[i]))
	}
	END { n = split(want, w, " "); for (i = 1; i <= n; i++) { m = w[i]; gsub(/-/, "_", m); add(m) } }
' "$KDIR/lib/modules/$KVER/modules.builtin" "$KDIR/lib/modules/$KVER/modules.dep" > "$WORK/modules.list"
if grep -q '^missing ' "$WORK/modules.list"; then
	die "kernel $KVER has no module: $(sed -n 's/^missing //p' "$WORK/modules.list" | tr '\n' ' ')"
fi
while read -r m; do
	mkdir -p "$TARGET/lib/modules/$KVER/$(dirname "$m")"
	cp "$KDIR/lib/modules/$KVER/$m" "$TARGET/lib/modules/$KVER/$m"
done < "$WORK/modules.list"
cp "$KDIR/lib/modules/$KVER/modules.builtin" "$KDIR/lib/modules/$KVER/modules.order" \
	"$TARGET/lib/modules/$KVER/"
"$BUSYBOX" depmod -b "$TARGET" "$KVER"
msg "$(wc -l < "$WORK/modules.list") kernel modules"

# Time zones and a leap second file that has not expired: without them
# PTP tools have stopped before.
mkdir -p "$TARGET/usr/share/zoneinfo"
(cd "$TZ_DIR/usr/share/zoneinfo" && tar cf - --exclude=./right .) | (cd "$TARGET/usr/share/zoneinfo" && tar xf -)
ln -sf /usr/share/zoneinfo/Etc/UTC "$TARGET/etc/localtime"
echo UTC > "$TARGET/etc/timezone"
LEAP=$TARGET/usr/share/zoneinfo/leap-seconds.list
leap_expires=$(($(sed -n 's/^#@[[:space:]]*//p' "$LEAP") - 2208988800))
if [ "$leap_expires" -lt "$(date +%s)" ]; then
	echo "image: WARNING: leap-seconds.list expired on $(date -u -d "@$leap_expires" +%F): update tzdata" >&2
fi
echo "$(date -u -d "@$leap_expires" +%F)" > "$WORK/leap-expires"

# --- our programs and the libraries they need -----------------------------------
# Every ELF from $(BUILD)/bin: bridged in /usr/sbin, the rest in /usr/bin.
: > "$WORK/elves"
for b in "$BUILD"/bin/*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	n=$(basename "$b")
	case $n in bridged) dest=usr/sbin ;; *) dest=usr/bin ;; esac
	if [ "$(head -c 4 "$b" | tail -c 3)" = ELF ]; then
		strip --strip-unneeded -o "$TARGET/$dest/$n" "$b"
		echo "$TARGET/$dest/$n" >> "$WORK/elves"
	else
		cp "$b" "$TARGET/$dest/$n"
	fi
	msg "program /$dest/$n"
done
# Other packages of the board's list go in whole, less documentation and
# service files; their programs get their libraries resolved like ours.
for d in ${EXTRA_PKG_DIRS:-}; do
	msg "package $(basename "$d")"
	if grep -q "^$d " "$WORK/pkg.only"; then
		sed -n "s|^$d ||p" "$WORK/pkg.only" > "$WORK/pkg.files"
		while read -r f; do
			[ -e "$d/$f" ] || die "$(basename "$d"): no $f in the package"
		done < "$WORK/pkg.files"
	else
		(cd "$d" && find . ! -type d ! -path './usr/share/doc/*' ! -path './usr/share/man/*' \
			! -path './usr/share/lintian/*' ! -path './usr/share/bug/*' ! -path './lib/systemd/*' \
			! -path './usr/lib/systemd/*' ! -name .done) > "$WORK/pkg.files"
	fi
	while read -r f; do
		mkdir -p "$TARGET/$(dirname "$f")"
		rm -f "$TARGET/$f"	# never write through a busybox applet link
		cp -a "$d/$f" "$TARGET/$f"
		if [ -f "$TARGET/$f" ] && [ -x "$TARGET/$f" ] && [ "$(head -c 4 "$TARGET/$f" | tail -c 3)" = ELF ]; then
			echo "$TARGET/$f" >> "$WORK/elves"
		fi
	done < "$WORK/pkg.files"
done
for n in bridged bridgectl; do
	[ -e "$TARGET/usr/sbin/$n" ] || [ -e "$TARGET/usr/bin/$n" ] ||
		echo "image: WARNING: $BUILD/bin/$n missing: the image has no $n" >&2
done

# Shared libraries, resolved from the binaries: NEEDED entries, the host file
# that satisfies each one, the Debian package that owns it (dpkg -S) at the
# installed version, downloaded and unpacked; the library is taken from the
# unpacked package.  Repeated on each new library until nothing is missing.
LIBDIRS="/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64"
host_lib() {
	for d in $LIBDIRS; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
owner_pkg() {
	for p in "$1" "$(readlink -f "$1")" "$(echo "$1" | sed 's|^/usr/lib/|/lib/|')" \
		"$(echo "$1" | sed 's|^/lib/|/usr/lib/|')"; do
		o=$(dpkg -S "$p" 2>/dev/null | head -n1 | sed 's/: .*//') && [ -n "$o" ] && { echo "$o"; return 0; }
	done
	return 1
}
install_lib() { # NAME-AS-NEEDED HOST-PATH
	pkg=$(owner_pkg "$2") || die "$2: no Debian package owns it"
	ver=$(dpkg-query -W -f '${Version}' "$pkg")
	# The installed version, the one we linked against; when the archive
	# no longer has it (a stable update since), the candidate: same ABI.
	if ! deb=$(pkg_fetch "$pkg" "$ver" 2>/dev/null); then
		echo "image: WARNING: $pkg $ver is not in the archive any more: using the candidate version" >&2
		deb=$(pkg_fetch "$pkg")
	fi
	pdir=$(pkg_extract "$deb")
	src=
	for d in $LIBDIRS; do
		[ -e "$pdir$d/$1" ] && { src=$pdir$d/$1; break; }
	done
	[ -n "$src" ] || die "$1: not in package $pkg $ver"
	cp -L "$src" "$TARGET/lib/x86_64-linux-gnu/$1"
	echo "$TARGET/lib/x86_64-linux-gnu/$1" >> "$WORK/elves"
	echo "$1 $pkg" >> "$WORK/libs"
}
: > "$WORK/libs"
interp=
n=0
while [ $n -lt "$(wc -l < "$WORK/elves")" ]; do
	n=$((n + 1))
	elf=$(sed -n "${n}p" "$WORK/elves")
	i=$(readelf -l "$elf" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	[ -n "$i" ] && interp=$i
	for lib in $(objdump -p "$elf" | awk '$1 == "NEEDED" { print $2 }'); do
		[ -e "$TARGET/lib/x86_64-linux-gnu/$lib" ] && continue
		hp=$(host_lib "$lib") || die "$elf needs $lib: not found on this host"
		install_lib "$lib" "$hp"
	done
done
if [ -n "$interp" ]; then
	ib=$(basename "$interp")
	[ -e "$TARGET/lib/x86_64-linux-gnu/$ib" ] || install_lib "$ib" "$(host_lib "$ib")"
	mkdir -p "$TARGET/$(dirname "$interp")"
	[ -e "$TARGET$interp" ] || ln -s "/lib/x86_64-linux-gnu/$ib" "$TARGET$interp"
fi
msg "$(wc -l < "$WORK/libs") shared libraries"

# --- overlay, defaults, users, board settings -----------------------------------
cp -a rootfs-overlay/. "$TARGET/"
[ -d "$BOARD_DIR/rootfs-overlay" ] && cp -a "$BOARD_DIR/rootfs-overlay/." "$TARGET/"
# The data partition is bind-mounted on /etc/ptpbridge at boot; the image's
# own copy seeds it and stays available for a factory reset.
cp -a "$TARGET/etc/ptpbridge/." "$TARGET/usr/share/ptpbridge/defaults/"
scripts/mkusers.sh board/common/users.table "$TARGET"
echo "$PB_BOARD_HOSTNAME" > "$TARGET/etc/hostname"
cat > "$TARGET/etc/board.conf" <<EOT
# Generated by scripts/mkrootfs.sh from the Kconfig selection.
BOARD=$BOARD
BOARD_MODULES="$PB_BOARD_MODULES"
BOARD_CONSOLE="$PB_BOARD_CONSOLE"
BOARD_AUTOLOGIN=${PB_BOARD_AUTOLOGIN:-n}
KERNEL_VERSION=$KVER
EOT
cat > "$TARGET/etc/os-release" <<EOT
NAME=ptpbridge
ID=ptpbridge
PRETTY_NAME="ptpbridge $(cat VERSION 2>/dev/null) ($BOARD)"
VERSION_ID=$(cat VERSION 2>/dev/null)
BUILD_ID=$(git describe --always --dirty 2>/dev/null || echo unknown)
VARIANT_ID=$BOARD
EOT

# Updates: RAUC's system config and the keyring bundles must verify
# against (the update certificate, scripts/update-key.sh).
set -- $(scripts/update-key.sh 2>/dev/null)
mkdir -p "$TARGET/etc/rauc"
cp "$2" "$TARGET/etc/rauc/keyring.pem"
cat > "$TARGET/etc/rauc/system.conf" <<EOT
# Generated by scripts/mkrootfs.sh.  Slots: the boot partitions of the
# disk, linked by rcS from their GPT names.  docs/image.md.
[system]
compatible=ptpbridge-$BOARD
bootloader=grub
grubenv=/boot/grub/grubenv
data-directory=/data/rauc
mountprefix=/run/rauc
bundle-formats=-plain

[keyring]
path=/etc/rauc/keyring.pem

[slot.boot.0]
device=/dev/ptpbridge/slot-a
type=vfat
bootname=A

[slot.boot.1]
device=/dev/ptpbridge/slot-b
type=vfat
bootname=B
EOT
echo "BOOT_TRIES=$PB_BOARD_BOOT_TRIES" >> "$TARGET/etc/board.conf"
mkdir -p "$TARGET/usr/lib/ptpbridge/migrate"

if [ -x "$BOARD_DIR/post-build.sh" ]; then
	msg "$BOARD_DIR/post-build.sh"
	"$BOARD_DIR/post-build.sh" "$TARGET"
fi

# --- pack -----------------------------------------------------------------------
msg "packing initramfs"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
python3 scripts/mkcpio.py "$TARGET" board/common/permissions.table "$WORK/rootfs.cpio"
zstd -q -f -19 -T0 "$WORK/rootfs.cpio" -o "$IMAGES/rootfs.cpio.zst"
cp "$KDIR/boot/vmlinuz-$KVER" "$IMAGES/vmlinuz"
echo "$KVER" > "$WORK/kernel-version"
msg "rootfs: $(du -sh "$TARGET" | cut -f1) unpacked, $(du -h "$IMAGES/rootfs.cpio.zst" | cut -f1) compressed"
