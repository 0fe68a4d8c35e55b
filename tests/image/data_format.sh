#!/bin/sh
# The data partition's format (rootfs-overlay/usr/libexec/ptpbridge/
# data-format), run here on a directory: a new partition gets the image's
# format; older data is migrated step by step; data an older image can
# still read is used after a rollback; data it cannot read, or a damaged
# or planted FORMAT, is refused and left as it was.
set -u
here=$(cd "$(dirname "$0")" && pwd)
df=$here/../../rootfs-overlay/usr/libexec/ptpbridge/data-format
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0 n=0
check() { # NAME EXPECTED-RC EXPECTED-TEXT FORMAT-FILE-AFTER ... (run in $d)
	name=$1 want_rc=$2 want=$3 want_file=$4
	n=$((n + 1))
	if [ "$rc" != "$want_rc" ] || ! echo "$out" | grep -q -- "$want" ||
		[ "$(cat "$d/FORMAT" 2>/dev/null | tr '\n' ' ')" != "$want_file" ]; then
		echo "data-format: FAIL: $name: rc $rc, said '$out', FORMAT '$(cat "$d/FORMAT" 2>/dev/null | tr '\n' ' ')'"
		fail=$((fail + 1))
	else
		echo "data-format: PASS: $name: $out"
	fi
}
run() { out=$(PB_DATA_FORMAT=$1 PB_MIGRATE_DIR=$work/migrate "$df" "$d" 2>&1); rc=$?; }

mkdir -p "$work/migrate"
# format 2 adds a file (older images still read the data); format 3
# changes what format 1 and 2 relied on.
cat > "$work/migrate/002" <<'EOT'
#!/bin/sh
echo hello > "$1/added-by-2"
EOT
cat > "$work/migrate/003" <<'EOT'
#!/bin/sh
mv "$1/added-by-2" "$1/renamed-by-3" && echo compat=3
EOT
chmod +x "$work/migrate/002" "$work/migrate/003"

d=$work/a; mkdir -p "$d"
run 1; check "a new partition" 0 "data format 1 (new)" "format=1 compat=1 "
run 1; check "the same image again" 0 "" "format=1 compat=1 "
run 2; check "an update to format 2" 0 "migrated from format 1 to 2 (readable from format 1 on)" "format=2 compat=1 "
[ -f "$d/added-by-2" ] || { echo "data-format: FAIL: migration 002 did not run"; fail=$((fail + 1)); }
run 1; check "a rollback to format 1 reads it" 0 "newer than this image's 1 but readable" "format=2 compat=1 "
run 3; check "an update to format 3" 0 "migrated from format 2 to 3 (readable from format 3 on)" "format=3 compat=3 "
run 2; check "a rollback to format 2 is refused" 1 "written by a newer ptpbridge (format 3, readable from format 3 on)" "format=3 compat=3 "
[ -f "$d/renamed-by-3" ] || { echo "data-format: FAIL: the refused data was touched"; fail=$((fail + 1)); }

d=$work/b; mkdir -p "$d"
run 1; run 3; check "two steps at once" 0 "migrated from format 1 to 3 (readable from format 3 on)" "format=3 compat=3 "

d=$work/c; mkdir -p "$d"
printf 'format=x\ncompat=1\n' > "$d/FORMAT"
run 1; check "a damaged FORMAT is refused" 1 "is damaged" "format=x compat=1 "
printf 'format=1\ncompat=2\n' > "$d/FORMAT"
run 2; check "compat above format is damage" 1 "is damaged" "format=1 compat=2 "
rm "$d/FORMAT"; ln -s /etc/passwd "$d/FORMAT"
run 1; n=$((n + 1))
if [ "$rc" = 1 ] && [ -L "$d/FORMAT" ] && echo "$out" | grep -q "not a regular file"; then
	echo "data-format: PASS: a planted link is refused and not followed: $out"
else
	echo "data-format: FAIL: a planted link: rc $rc, $out"; fail=$((fail + 1))
fi

d=$work/e; mkdir -p "$d"
run 1
printf '#!/bin/sh\nexit 1\n' > "$work/migrate/002"
run 2; check "a failed migration keeps the old format" 1 "migration of the data to format 2 failed" "format=1 compat=1 "

echo "data-format: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
