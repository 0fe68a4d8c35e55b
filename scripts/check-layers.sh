#!/bin/bash
# The layer check of `make check` (docs/design-notes.md, "Layers and module
# shape").  Reads the #include lines and the function definitions of the
# product sources and fails, naming file and line, on:
#
#   - an include against the layers: bridge/core (0) < ptp (1) < phc (2)
#     < ntp (3) < bridge/prog (4); a file includes its own folder and the
#     layers below it, never one above (so there is no include circle);
#   - a linuxptp header ("clock.h", ...) outside ptp/ and phc/, or one that a
#     file of ours next to the includer would shadow;
#   - a function that is not static and whose name does not start with its
#     file's name (ntp/ntp_packet.c: ntp_packet_*; the entry file ntp/ntp.c:
#     ntp_*), or that the header of its file (same name, .h) does not
#     declare;
#   - a .c file over 1,000 lines.
#
# usage: scripts/check-layers.sh [ROOT]     (exit 0 clean, 1 otherwise)
cd "${1:-$(dirname "$0")/..}" || exit 2

MAX_LINES=1000
# Defined by a rule of the linker or the C runtime, not by our naming.
EXEMPT_FUNCS="main __wrap_poll __wrap_clockadj_set_freq __wrap_servo_sample __real_servo_sample"

layer_of() {
	case $1 in
	bridge/core/*) echo 0 ;;
	ptp/*) echo 1 ;;
	phc/*) echo 2 ;;
	ntp/*) echo 3 ;;
	bridge/prog/*) echo 4 ;;
	*) echo -1 ;;
	esac
}
folder_of() {
	case $1 in
	bridge/core/*) echo bridge/core ;;
	bridge/prog/*) echo bridge/prog ;;
	*) echo "${1%%/*}" ;;
	esac
}

bad=0
fail() {
	echo "$1" >&2
	bad=1
}

files=$(ls bridge/core/*.[ch] bridge/prog/*.[ch] ptp/*.[ch] phc/*.[ch] ntp/*.[ch] 2>/dev/null)
stray=$(ls bridge/*.[ch] 2>/dev/null)
for f in $stray; do
	fail "$f: a source directly in bridge/: it belongs to bridge/core or bridge/prog"
done

for f in $files; do
	mine=$(layer_of "$f")
	myfolder=$(folder_of "$f")
	while IFS=: read -r line inc; do
		case $inc in
		pb_autoconf.h) continue ;;
		*/*)
			if [ ! -e "$inc" ]; then
				fail "$f:$line: includes \"$inc\", which is not in the tree"
				continue
			fi
			theirs=$(layer_of "$inc")
			if [ "$theirs" -lt 0 ]; then
				fail "$f:$line: includes \"$inc\", outside the product folders"
			elif [ "$(folder_of "$inc")" != "$myfolder" ] && [ "$theirs" -ge "$mine" ]; then
				fail "$f:$line: includes \"$inc\" (layer $(folder_of "$inc")) from layer $myfolder: a layer includes only the ones below it (core < ptp < phc < ntp < prog)"
			fi
			;;
		*)
			# A bare name is looked up next to the includer first: a file
			# of ours there would shadow linuxptp's (phc/phc.h vs phc.h).
			if [ -e "$(dirname "$f")/$inc" ]; then
				fail "$f:$line: \"$inc\" names a file next to it: include ours by path, linuxptp's is shadowed"
				continue
			fi
			case $myfolder in
			ptp | phc) ;;
			*) fail "$f:$line: includes linuxptp's \"$inc\": only ptp/ and phc/ reach linuxptp" ;;
			esac
			;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p;' "$f" |
		 paste -d: <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | cut -d: -f1) -)
done

for f in $(ls bridge/core/*.c bridge/prog/*.c ptp/*.c phc/*.c ntp/*.c 2>/dev/null); do
	n=$(wc -l < "$f")
	[ "$n" -gt "$MAX_LINES" ] && fail "$f: $n lines, over $MAX_LINES: split it"
	base=$(basename "$f" .c)
	hdr=${f%.c}.h
	# An entry file ntp/ntp.c names its functions ntp_*.
	prefix=${base}_
	# Non-static definitions: a line at column 0 that starts a function.
	while read -r line fn; do
		case " $EXEMPT_FUNCS " in *" $fn "*) continue ;; esac
		case $fn in
		"$prefix"*) ;;
		*) fail "$f:$line: $fn() does not start with ${prefix} (the file's name)" ;;
		esac
		if [ ! -f "$hdr" ] || ! grep -qE "[ *]$fn\(" "$hdr"; then
			fail "$f:$line: $fn() is not declared in $hdr"
		fi
	done < <(grep -nE '^[a-z_][a-z0-9_ ]*[ *]+[a-z_][a-z0-9_]*\(' "$f" |
		 grep -vE '^[0-9]+:(static|typedef|extern) ' |
		 grep -vE ';[[:space:]]*$' |
		 sed -E 's/^([0-9]+):.*[ *]([a-z_][a-z0-9_]*)\(.*/\1 \2/')
done

[ $bad = 0 ] && echo "layers: clean ($(echo "$files" | wc -w) files)"
exit $bad
