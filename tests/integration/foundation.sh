#!/bin/bash
# Foundation, end to end: the linuxptp recipe refuses a bad tarball, Kconfig
# targets work, `bridgectl config check` reports FILE:LINE, and a running
# bridged answers bridgectl (status in 80 ASCII columns, JSON that parses),
# enforces its access rules, reloads (refusing a bad file whole) and stops
# cleanly on SIGTERM.
. "$(dirname "$0")/../lib/common.sh"
tl_init foundation
# The control group's member below must reach the socket in here.
chmod 755 "$TL_TMP"

B=$TL_ROOT/$O/build/bin
PY=/usr/bin/python3
cd "$TL_ROOT"

check() { tl_expect "$@"; }

# --- the linuxptp recipe --------------------------------------------------
mkdir -p "$TL_TMP/dl"
head -c 4096 /dev/urandom > "$TL_TMP/dl/linuxptp_3.1.1.orig.tar.gz"
if scripts/fetch-linuxptp.sh 3.1.1 linuxptp_3.1.1.orig.tar.gz "$TL_TMP/dl" ptp/linuxptp.hash \
	> "$TL_TMP/fetch.log" 2>&1; then
	tl_fail "a tarball with the wrong sha256 was accepted"
else
	check "a wrong sha256 is refused with a clear message" \
		grep -q "sha256 mismatch" "$TL_TMP/fetch.log"
fi
check "the pinned tarball passes its check" \
	scripts/fetch-linuxptp.sh 3.1.1 linuxptp_3.1.1.orig.tar.gz "${DL_DIR:-dl}" ptp/linuxptp.hash
check "bridged reports the linked linuxptp version" \
	bash -c "'$B/bridged' --version | grep -q 'linuxptp 3.1.1'"

# --- Kconfig ----------------------------------------------------------------
export KCONFIG_CONFIG=$TL_TMP/kconfig
check "make list-defconfigs lists the boards" \
	bash -c "make -s list-defconfigs | grep -q qemu_x86_64_defconfig"
check "make qemu_x86_64_defconfig writes the selection" \
	bash -c "make -s qemu_x86_64_defconfig >/dev/null && grep -q '^PB_BOARD_QEMU_X86_64=y' '$KCONFIG_CONFIG'"
check "the generated header follows the selection" \
	bash -c "scripts/kconfig-header.sh '$KCONFIG_CONFIG' | grep -q '#define PB_BOARD_NAME \"qemu_x86_64\"'"
unset KCONFIG_CONFIG

# --- config check -----------------------------------------------------------
cat > "$TL_TMP/typo.conf" <<EOF
[ptp]
interface = veth0
[ntp]
interface = veth1
clientloglimt = 1M
EOF
"$B/bridgectl" config check "$TL_TMP/typo.conf" > "$TL_TMP/typo.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^$TL_TMP/typo.conf:5: ntp.clientloglimt: unknown key (did you mean ntp.clientloglimit?)" \
	"$TL_TMP/typo.out"; then
	tl_pass "a typo fails config check with FILE:LINE and exit status 1"
else
	tl_fail "config check of a typo: rc=$rc: $(cat "$TL_TMP/typo.out")"
fi
check "the sample config is valid" "$B/bridgectl" config check bridge/bridge.conf.sample
check "config check --json parses" \
	bash -c "'$B/bridgectl' --json config check '$TL_TMP/typo.conf' | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d[\"valid\"])'"

# --- a running bridged ------------------------------------------------------
tl_netns NS
tl_veth "$NS" "$NS" PTPIF NTPIF
SOCK=$TL_TMP/bridged.sock
cat > "$TL_TMP/bridge.conf" <<EOF
[ptp]
interface = $PTPIF
time_stamping = software
[ntp]
interface = $NTPIF
allow = 127.0.0.0/8
port = 11123
[control]
socket = $SOCK
pidfile = $TL_TMP/bridged.pid
group = nogroup
EOF
# Under the emulator (CAP_SYS_TIME dropped): software time stamping steers
# the system clock, which must only ever be an emulated one.
hwsim_init
hwsimctl add-sysclk "$NS" > /dev/null
# The script itself (not the hwsim_run function) so that the pid is bridged's.
tl_bg bridged "$TL_ROOT/tests/hwsim/hwsim-run" -n "$NS" -s "$NS" -- "$B/bridged" -n -f "$TL_TMP/bridge.conf"
if ! tl_wait_log bridged "started: config" 10; then
	tl_fail "bridged did not start"
	cat "$TL_TMP/bridged.log"
	tl_finish
fi
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

"$B/bridgectl" -s "$SOCK" status > "$TL_TMP/status.txt" 2>&1
if grep -q '#define PB_SECCOMP 1' "$TL_ROOT/$O/build/include/pb_autoconf.h"; then
	check "the seccomp filter is installed" \
		grep -qE '^Seccomp:[[:space:]]+2' "/proc/$TL_PID_bridged/status"
fi
check "bridgectl status answers" grep -q "^ptpbridge " "$TL_TMP/status.txt"
check "status names both NICs" grep -q "ptp $PTPIF, ntp $NTPIF" "$TL_TMP/status.txt"
check "status fits 80 columns" bash -c "! awk 'length > 80' '$TL_TMP/status.txt' | grep -q ."
check "status is plain ASCII without escapes" bash -c "! LC_ALL=C grep -q '[^ -~]' '$TL_TMP/status.txt'"
check "status fits 24 lines" bash -c "[ \$(wc -l < '$TL_TMP/status.txt') -le 24 ]"
check "status --json parses" \
	bash -c "'$B/bridgectl' -s '$SOCK' --json status | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"daemon\"][\"linuxptp\"] == \"3.1.1\"'"
check "config show prints a valid file" \
	bash -c "'$B/bridgectl' -s '$SOCK' config show > '$TL_TMP/shown.conf' && '$B/bridgectl' config check '$TL_TMP/shown.conf'"
check "config get reads one key" \
	bash -c "[ \"\$('$B/bridgectl' -s '$SOCK' config get ntp.port)\" = 11123 ]"
check "metrics are Prometheus text" \
	bash -c "'$B/bridgectl' -s '$SOCK' metrics | grep -q '^ptpbridge_up 1$'"

# Access: a member of the control group may read but not change; others
# may do neither.
check "the control group may read" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$B/bridgectl" -s "$SOCK" status
if setpriv --reuid=65534 --regid=65534 --clear-groups "$B/bridgectl" -s "$SOCK" reload \
	> "$TL_TMP/acc.out" 2>&1; then
	tl_fail "a non-root user could reload"
else
	check "changes need root" grep -q "needs root" "$TL_TMP/acc.out"
fi
check "reload (root) works" "$B/bridgectl" -s "$SOCK" reload
check "a user outside the group may not read" \
	bash -c "! setpriv --reuid=65534 --regid=1 --clear-groups '$B/bridgectl' -s '$SOCK' status"

# A bad file is refused whole; the running config stays.
cp "$TL_TMP/bridge.conf" "$TL_TMP/good.conf"
sed -i 's/^port = 11123/port = 11124\nport = 0/' "$TL_TMP/bridge.conf"
if "$B/bridgectl" -s "$SOCK" reload > "$TL_TMP/reload.out" 2>&1; then
	tl_fail "a bad file was reloaded"
else
	check "a bad reload names FILE:LINE" grep -q "bridge.conf:8: ntp.port" "$TL_TMP/reload.out"
fi
check "the running config stays after a refused reload" \
	bash -c "[ \"\$('$B/bridgectl' -s '$SOCK' config get ntp.port)\" = 11123 ]"
check "status shows the refused reload" \
	bash -c "'$B/bridgectl' -s '$SOCK' status | grep -q 'last reload refused'"
# config set: checked, written, then the daemon reloads.
cp "$TL_TMP/good.conf" "$TL_TMP/bridge.conf"
check "config set rewrites the file and bridged reloads it" \
	"$B/bridgectl" -s "$SOCK" -f "$TL_TMP/bridge.conf" config set ntp.port 11125
check "the new value is live" \
	bash -c "[ \"\$('$B/bridgectl' -s '$SOCK' config get ntp.port)\" = 11125 ]"
check "config set refuses a bad value and keeps the file" \
	bash -c "! '$B/bridgectl' -s '$SOCK' -f '$TL_TMP/bridge.conf' config set ntp.port 99999 && grep -q '^port = 11125' '$TL_TMP/bridge.conf'"
# SIGHUP reloads too.
sed -i 's/^port = 11125/port = 11126/' "$TL_TMP/bridge.conf"
kill -HUP "$TL_PID_bridged"
for _ in $(seq 30); do
	[ "$("$B/bridgectl" -s "$SOCK" config get ntp.port)" = 11126 ] && break
	sleep 0.1
done
check "SIGHUP reloads" bash -c "[ \"\$('$B/bridgectl' -s '$SOCK' config get ntp.port)\" = 11126 ]"

# Clean stop.
kill -TERM "$TL_PID_bridged"
wait "$TL_PID_bridged"
rc=$?
TL_PIDS=""
check "SIGTERM stops bridged with status 0" [ "$rc" = 0 ]
check "the socket and pidfile are removed" bash -c "[ ! -e '$SOCK' ] && [ ! -e '$TL_TMP/bridged.pid' ]"

# [control] user: another daemon (one bridged per namespace: after the
# first stopped) drops root, keeps only the capabilities it needs
# (CAP_SYS_TIME is already gone here: setpriv), and still serves.
sed -e "s|^socket = .*|socket = $TL_TMP/priv.sock|" -e "s|^pidfile = .*|pidfile = $TL_TMP/priv.pid|" \
    -e "s|^port = .*|port = 11200|" -e "s|^group = nogroup|group = nogroup\nuser = nobody|" \
    "$TL_TMP/good.conf" > "$TL_TMP/priv.conf"
tl_bg priv ip netns exec "$NS" setpriv --bounding-set=-sys_time --inh-caps=-sys_time \
	"$B/bridged" -n -f "$TL_TMP/priv.conf"
if tl_wait_log priv "privdrop: running as nobody" 10; then
	check "[control] user drops root" \
		grep -qE '^Uid:[[:space:]]+65534[[:space:]]+65534' "/proc/$TL_PID_priv/status"
	# CAP_NET_BIND_SERVICE (10), NET_ADMIN (12), NET_RAW (13) and no other.
	check "only the needed capabilities stay" \
		grep -qE '^CapEff:[[:space:]]+0000000000003400$' "/proc/$TL_PID_priv/status"
	check "the unprivileged daemon answers" "$B/bridgectl" -s "$TL_TMP/priv.sock" status
else
	tl_fail "bridged with [control] user did not start"
	cat "$TL_TMP/priv.log"
fi
kill "$TL_PID_priv"
wait "$TL_PID_priv" 2>/dev/null

check "bridgectl without a daemon fails clearly" \
	bash -c "'$B/bridgectl' -s '$SOCK' status 2>&1 | grep -q 'cannot reach bridged'"

tl_finish
