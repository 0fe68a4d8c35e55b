#!/bin/sh
# kconfig-header.sh .config > pb_autoconf.h
# The C view of the Kconfig selection: PB_FOO=y -> #define PB_FOO 1,
# strings and numbers as they are; unset symbols are left undefined.
set -eu
echo "/* Generated from $1 by scripts/kconfig-header.sh; do not edit. */"
echo "#ifndef PB_AUTOCONF_H"
echo "#define PB_AUTOCONF_H"
sed -n -e 's/^\(PB_[A-Za-z0-9_]*\)=y$/#define \1 1/p' \
       -e 's/^\(PB_[A-Za-z0-9_]*\)=\(".*"\)$/#define \1 \2/p' \
       -e 's/^\(PB_[A-Za-z0-9_]*\)=\(-\{0,1\}[0-9][0-9a-fA-Fx]*\)$/#define \1 \2/p' "$1"
echo "#endif"
