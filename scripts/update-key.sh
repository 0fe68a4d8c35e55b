#!/bin/sh
# The key pair that signs update bundles, and the certificate the image
# trusts (its RAUC keyring).  Prints "KEY CERT" (two paths).
#
#   O=output PB_UPDATE_KEY=... PB_UPDATE_CERT=... scripts/update-key.sh
#
# With PB_UPDATE_KEY and PB_UPDATE_CERT set (environment or Kconfig,
# Target -> Image), those are used.  Otherwise a development key is made
# once in $O/keys/ and kept: anyone holding it can sign bundles the image
# accepts, so never ship an image built with it (see docs/image.md).
set -eu
: "${O:=output}"
key=${PB_UPDATE_KEY:-}
cert=${PB_UPDATE_CERT:-}
if [ -n "$key" ] || [ -n "$cert" ]; then
	[ -r "$key" ] && [ -r "$cert" ] || {
		echo "update-key: PB_UPDATE_KEY ($key) and PB_UPDATE_CERT ($cert) must both be readable files" >&2
		exit 1
	}
	echo "$key $cert"
	exit 0
fi
dir=$O/keys
key=$dir/development.key.pem
cert=$dir/development.cert.pem
if [ ! -s "$key" ] || [ ! -s "$cert" ]; then
	mkdir -p "$dir"
	chmod 0700 "$dir"
	rm -f "$key" "$cert"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$key" -out "$cert" -days 36500 \
		-subj "/O=ptpbridge development/CN=ptpbridge development update key, not for production" \
		2>/dev/null || { echo "update-key: openssl could not make a key" >&2; exit 1; }
	chmod 0600 "$key"
fi
echo "image: WARNING: update bundles are signed with the DEVELOPMENT key $key: set PB_UPDATE_KEY and PB_UPDATE_CERT for a box in the field" >&2
echo "$key $cert"
