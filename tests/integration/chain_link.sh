#!/bin/bash
# Link: NIC A down -> holdover (linuxptp faults the port through its own
# rtnetlink watch); NIC A up -> synced again.  NIC B down -> a warning in
# status, serving resumes when it comes back.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-link
pb_chain_init
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
tl_pass "synced"
sleep 3

ip -n "$NBR" link set "$IA" down
tl_log "NIC A down"
if pb_wait_state br holdover 5; then
	tl_pass "holdover with NIC A down (port $(pb_json br status '.modules.ptp.port_state'))"
else
	tl_fail "no holdover with NIC A down (state $(pb_state br))"
fi
sleep 3
ip -n "$NBR" link set "$IA" up
tl_log "NIC A up"
if pb_wait_state br synced 30; then
	tl_pass "synced again after NIC A came back"
else
	tl_fail "not synced 30 s after NIC A came back (state $(pb_state br), port $(pb_json br status '.modules.ptp.port_state'))"
fi

ip -n "$NBR" link set "$IB" down
tl_log "NIC B down"
sleep 3
if pb_ctl br status | grep -qi "link.*down\|down.*link"; then
	tl_pass "status warns about NIC B's link"
else
	tl_fail "no link warning in status with NIC B down"
	pb_ctl br status | sed -n '/Warnings/,$p'
fi
[ "$(pb_state br)" = synced ] || tl_fail "NIC B down changed the reference state"
ip -n "$NBR" link set "$IB" up
tl_log "NIC B up"
sleep 2
rx1=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Total valid RX *: *//p')
sleep 4
rx2=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Total valid RX *: *//p')
if [ -n "$rx1" ] && [ -n "$rx2" ] && [ "$rx2" -gt "$rx1" ]; then
	tl_pass "serving again after NIC B came back ($rx1 -> $rx2 valid replies)"
else
	tl_fail "no replies after NIC B came back ($rx1 -> $rx2)"
fi
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
