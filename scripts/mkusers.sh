#!/bin/sh
# Add the users and groups of a table (Buildroot's makeusers format, see
# board/common/users.table) to TARGET/etc/passwd, group and shadow.
#   mkusers.sh TABLE TARGET
set -eu
table=$1 target=$2
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$table" |
while read -r user uid group gid pass home shell groups comment; do
	grep -q "^$group:" "$target/etc/group" ||
		echo "$group:x:$gid:" >> "$target/etc/group"
	grep -q "^$user:" "$target/etc/passwd" ||
		echo "$user:x:$uid:$gid:$comment:$home:$shell" >> "$target/etc/passwd"
	case $pass in -) pass= ;; esac
	grep -q "^$user:" "$target/etc/shadow" ||
		echo "$user:$pass:19000:0:99999:7:::" >> "$target/etc/shadow"
	[ "$groups" = - ] && continue
	for g in $(echo "$groups" | tr , ' '); do
		line=$(grep "^$g:" "$target/etc/group") || { echo "mkusers: $user: no group $g" >&2; exit 1; }
		case ${line##*:} in
		"") sed -i "s/^$g:.*/&$user/" "$target/etc/group" ;;
		*) sed -i "s/^$g:.*/&,$user/" "$target/etc/group" ;;
		esac
	done
done
