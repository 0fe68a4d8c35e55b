#!/bin/bash
# A PHC that exists but never advances (QEMU 7.2's e1000e has one) is named
# as present-but-broken in the log and in `bridgectl status`, and the bridge
# never claims to be synced on it.  A working PHC on the same setup is not
# flagged.
. "$(dirname "$0")/../lib/common.sh"
tl_init broken-phc
B=$TL_ROOT/$O/build/bin
hwsim_init
tl_netns NS
tl_veth "$NS" "$NS" A NB
# -1e6 ppm: the emulated clock stands still.
hwsimctl add-phc "$A" --netns "$NS" --freq -1000000 > /dev/null
hwsimctl add-phc "$NB" --netns "$NS" > /dev/null
hwsimctl add-sysclk br > /dev/null
cat > "$TL_TMP/br.conf" <<EOC
[ptp]
interface = $A
[ntp]
interface = $NB
allow = all
[control]
socket = $TL_TMP/br.sock
pidfile = $TL_TMP/br.pid
EOC
tl_bg br "$TL_ROOT/tests/hwsim/hwsim-run" -n "$NS" -s br -- "$B/bridged" -n -f "$TL_TMP/br.conf"
if tl_wait_log br "does not advance" 10; then
	tl_pass "the log names the broken PHC"
else
	tl_fail "no log line about the PHC that does not advance"
fi
sleep 1
"$B/bridgectl" -s "$TL_TMP/br.sock" status > "$TL_TMP/status.txt"
grep -q "does not advance: PHC present but broken" "$TL_TMP/status.txt" &&
	tl_pass "status says present but broken" || tl_fail "status: $(cat "$TL_TMP/status.txt")"
[ "$("$B/bridgectl" -s "$TL_TMP/br.sock" --json status | jq -r .modules.phc.phc_broken)" = true ] &&
	tl_pass "--json status has phc_broken" || tl_fail "phc_broken not true in --json"
grep -q "^Reference   : synced" "$TL_TMP/status.txt" && tl_fail "synced on a clock that does not run"
tl_stop

# The same with a working PHC A: no such warning.
hwsimctl set ptp0 --freq 0 > /dev/null 2>&1 || hwsimctl set "$A" --freq 0 > /dev/null
TL_PIDS=""
tl_bg br2 "$TL_ROOT/tests/hwsim/hwsim-run" -n "$NS" -s br -- "$B/bridged" -n -f "$TL_TMP/br.conf"
tl_wait_log br2 "phc: PHC A is" 10 || tl_fail "bridged did not open PHC A"
grep -q "does not advance" "$TL_TMP/br2.log" && tl_fail "a working PHC was called broken" ||
	tl_pass "a working PHC is not flagged"
tl_finish
