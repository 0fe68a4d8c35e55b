#!/bin/bash
# Exactly one writer of CLOCK_REALTIME: when another process (here Debian's
# phc2sys, on the bridge's emulated system clock) starts steering it too,
# bridged says so in its log and in status.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init ptp-other-writer
pb_chain_init
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
sleep 3
pb_ctl br status | grep -q 'another process' && tl_fail "warning before anyone else steers the clock"

# a second writer: phc2sys steering the same (emulated) system clock from
# PHC B, which nobody disciplines
tl_bg intruder "$PB_HWSIM_RUN" -n "$NBR" -s brsys -- phc2sys -s "$IB" -c CLOCK_REALTIME -O 0 -m
for _ in $(seq 20); do
	pb_ctl br status | grep -q 'another process' && break
	sleep 0.5
done
if pb_ctl br status | grep -q 'another process'; then
	tl_pass "status warns about another writer"
else
	tl_fail "no warning with phc2sys steering the clock too"
	tail -n 5 "$TL_TMP/intruder.log"
fi
grep -q 'another process is steering it' "$TL_TMP/br.log" && tl_pass "logged" || tl_fail "not logged"
[ "$(pb_json br tracking '.other_writer')" = true ] || tl_fail "tracking.other_writer not set"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
