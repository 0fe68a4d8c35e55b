#!/bin/sh
# A signed RAUC bundle (verity format) holding one boot slot image.
#
#   scripts/mkbundle.sh SLOT.vfat COMPATIBLE VERSION BUILD KEY CERT OUT.raucb
#
# COMPATIBLE is ptpbridge-<board>: a box installs only bundles made for
# its board.  See docs/image.md (bundle format).
set -eu
[ $# -eq 7 ] || { echo "usage: mkbundle.sh SLOT.vfat COMPATIBLE VERSION BUILD KEY CERT OUT.raucb" >&2; exit 2; }
slot=$1 compatible=$2 version=$3 build=$4 key=$5 cert=$6 out=$7
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/content"
cp "$slot" "$work/content/slot.vfat"
cat > "$work/content/manifest.raucm" <<EOT
[update]
compatible=$compatible
version=$version
build=$build
description=ptpbridge $version ($compatible)

[bundle]
format=verity

[image.boot]
filename=slot.vfat
EOT
rm -f "$out"
rauc bundle --cert="$cert" --key="$key" "$work/content" "$out" > "$work/log" 2>&1 ||
	{ cat "$work/log" >&2; echo "mkbundle: rauc bundle failed" >&2; exit 1; }
