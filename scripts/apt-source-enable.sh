#!/bin/sh
# Make sure Debian's source archive (deb-src) is known to apt, so that
# `apt-get source` can fetch linuxptp.  Adds one entry mirroring the main
# archive's "deb" entry if none exists.  Needs root; idempotent.
set -eu
have_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
have_src && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "apt-source-enable: no deb-src entry and not root; add one for Debian's main archive" >&2
	exit 1
fi
uri=http://deb.debian.org/debian
suite=bookworm
f=/etc/apt/sources.list.d/debian.sources
if [ -f "$f" ]; then
	uri=$(awk '/^URIs:/{print $2; exit}' "$f")
	suite=$(awk '/^Suites:/{print $2; exit}' "$f")
fi
cat > /etc/apt/sources.list.d/ptpbridge-src.sources <<SRC
Types: deb-src
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
echo "apt-source-enable: added deb-src for $uri $suite" >&2
apt-get update -qq
