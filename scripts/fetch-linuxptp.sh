#!/bin/sh
# fetch-linuxptp.sh VERSION TARBALL DLDIR HASHFILE
#
# Put linuxptp's release tarball into DLDIR and check it against the pinned
# sha256 in HASHFILE.  A tarball the user dropped into DLDIR is used as is
# (after the same check); otherwise it comes from Debian's source archive
# with `apt-get source --download-only`.  A mismatch is refused.
set -eu
ver=$1 tarball=$2 dl=$3 hashfile=$4
mkdir -p "$dl"
want=$(awk -v f="$tarball" '$1 == "sha256" && $3 == f {print $2}' "$hashfile")
if [ -z "$want" ]; then
	echo "fetch-linuxptp: no sha256 for $tarball in $hashfile" >&2
	exit 1
fi
if [ ! -f "$dl/$tarball" ]; then
	"$(dirname "$0")/apt-source-enable.sh"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "fetch-linuxptp: apt-get source --download-only linuxptp ($ver)" >&2
	if ! (cd "$tmp" && apt-get source -qq --download-only linuxptp >/dev/null 2>&1); then
		echo "fetch-linuxptp: apt-get source failed; drop $tarball into $dl/ by hand" >&2
		exit 1
	fi
	chmod 644 "$tmp/$tarball" 2>/dev/null || {
		echo "fetch-linuxptp: Debian did not serve $tarball (found: $(ls "$tmp"))" >&2
		exit 1
	}
	mv "$tmp/$tarball" "$dl/$tarball.part"
	mv "$dl/$tarball.part" "$dl/$tarball"
fi
got=$(sha256sum "$dl/$tarball" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
	echo "fetch-linuxptp: $dl/$tarball: sha256 mismatch" >&2
	echo "  expected $want" >&2
	echo "  got      $got" >&2
	echo "  refusing to build from it; remove the file to fetch again" >&2
	exit 1
fi
echo "fetch-linuxptp: $tarball sha256 OK" >&2
