#!/bin/sh
# Install what the build and the tests need (scripts/packages.txt), the way
# a fresh Debian 12 machine needs it: quick when everything is present.
set -eu
here=$(dirname "$0")
want=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.txt" | sort -u)
missing=
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# linuxptp's sources come from deb-src.
"$here/apt-source-enable.sh"
