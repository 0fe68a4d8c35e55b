#!/bin/bash
# PPS input ([clock] pps_device): the emulator's /dev/pps0 gives an assert
# edge at every second of truth, as a GNSS receiver would, stamped with the
# bridge's system clock.  Synced to the GM, the edges must land within 1 us
# of the system clock's second; a receiver 50 us off must be reported (log,
# status warning) and must steer nothing: the state stays synced and the
# system clock stays on the GM's time.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-pps
pb_chain_init --ideal
hwsimctl pps 0
PB_CLOCK_CONF="pps_device = /dev/pps0"
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
tl_pass "synced"
grep -q "PPS input /dev/pps0 checks PHC A" "$TL_TMP/br.log" && tl_pass "PPS input opened" ||
	tl_fail "PPS input not opened: $(grep -i pps "$TL_TMP/br.log" | head -3)"
sleep 5

n1=$(pb_json br tracking '.pps_pulses')
off=$(pb_json br tracking '.pps_offset_ns')
sleep 3
n2=$(pb_json br tracking '.pps_pulses')
if [ "${n2:-0}" -ge $((${n1:-0} + 2)) ] &&
	awk -v o="$off" 'BEGIN { exit !(o == o + 0 && o < 1000 && o > -1000) }'; then
	tl_pass "PPS edges counted ($n1 -> $n2), last one $off ns from the second"
else
	tl_fail "PPS: pulses $n1 -> $n2, offset $off ns"
fi

# A receiver 50 us late: reported, never followed.
hwsimctl pps 0 --offset 50000
for _ in $(seq 10); do
	pb_ctl br status | grep -q 'PPS input is +50.0 us from PHC A' && break
	sleep 0.5
done
if pb_ctl br status | grep -q 'PPS input is +50.0 us from PHC A'; then
	tl_pass "status: $(pb_ctl br status | grep -o 'the PPS input is [^!]*from PHC A')"
else
	tl_fail "no PPS warning in status: $(pb_ctl br --json status | jq -c '.modules.phc.warnings // .')"
fi
grep -q "PHC A and the PPS disagree" "$TL_TMP/br.log" && tl_pass "logged: PHC A and the PPS disagree" ||
	tl_fail "no log line for the disagreeing PPS"
sleep 3
sys=$(hwsimctl offset brsys)
[ "$(pb_state br)" = synced ] && [ "${sys#-}" -lt 1000 ] &&
	tl_pass "still synced, system clock $sys ns from truth: the PPS steers nothing" ||
	tl_fail "state $(pb_state br), system clock $sys ns from truth"
tl_finish
