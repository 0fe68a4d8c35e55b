#!/bin/bash
# Reload: a change outside what the engine sees keeps it running and
# locked; a [ptp] change (a pass-through key) restarts the engine in the
# same process (linuxptp 3.1.1's config is reused, see docs/ptp.md), which
# locks again; a pass-through key linuxptp refuses is a config error and
# changes nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init ptp-reload
pb_chain_init
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
tl_pass "synced"
pid=$TL_PID_br

# 1. [clock] only: the engine keeps its Syncs counting, the state synced
n1=$(pb_json br ptp '.current.sync_count')
sed -i 's/^\[clock\]$/[clock]\nholdover_drift = 2/' "$TL_TMP/br.conf"
pb_ctl br reload >/dev/null 2>&1 || tl_fail "reload of a [clock] change refused"
sleep 1
n2=$(pb_json br ptp '.current.sync_count')
# (kernel-wire noise can unlock the servo for one update right after the
# first lock, whatever the reload did: allow the state a few seconds)
# (and wait a few Sync intervals before counting again: pb_wait_state may
# return within one)
pb_wait_state br synced 5 && [ "${n2:-0}" -gt "${n1:-0}" ] && sleep 0.5 &&
	[ "$(pb_json br ptp '.current.sync_count')" -gt "$n2" ] &&
	tl_pass "a [clock] change leaves the engine running ($n1 -> $n2 Syncs)" ||
	tl_fail "a [clock] change disturbed the engine (state $(pb_state br), Syncs $n1 -> $n2)"

# 2. a pass-through key: the engine restarts in place and locks again
sed -i 's/^announceReceiptTimeout = 3$/announceReceiptTimeout = 4/' "$TL_TMP/br.conf"
pb_ctl br reload >/dev/null 2>&1 || tl_fail "reload of a [ptp] change refused"
sleep 1
n3=$(pb_json br ptp '.current.sync_count')
[ "${n3:-0}" -lt "${n2:-0}" ] && tl_pass "the engine restarted (Syncs $n2 -> $n3)" ||
	tl_fail "the engine did not restart (Syncs $n2 -> $n3)"
for _ in $(seq 40); do
	[ "$(pb_json br ptp '.port.portState')" = SLAVE ] && break
	sleep 0.5
done
[ "$(pb_json br ptp '.port.portState')" = SLAVE ] && tl_pass "locked again after the restart" ||
	tl_fail "port $(pb_json br ptp '.port.portState') after the restart"
kill -0 "$pid" 2>/dev/null && tl_pass "same process" || tl_fail "bridged died"

# 3. a value linuxptp refuses: refused whole, the engine keeps running
sed -i 's/^announceReceiptTimeout = 4$/announceReceiptTimeout = banana/' "$TL_TMP/br.conf"
if pb_ctl br reload >"$TL_TMP/reload.out" 2>&1; then
	tl_fail "a bad pass-through value was accepted"
else
	tl_pass "a bad pass-through value is refused: $(head -c 100 "$TL_TMP/reload.out")"
fi
sleep 1
[ "$(pb_json br ptp '.port.portState')" = SLAVE ] && kill -0 "$pid" 2>/dev/null &&
	tl_pass "still running and locked" || tl_fail "a refused reload disturbed the engine"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
