#!/bin/bash
# time_stamping = software: linuxptp's servo steers CLOCK_REALTIME itself
# (no PHC A), status says so, the bridge still reaches synced; and the
# views: `bridgectl ptp`, `tracking`, `metrics`, `--json`.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init ptp-software
pb_chain_init
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
PB_PTP_CONF="time_stamping = software"
pb_bridge br
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s (state $(pb_state br))"; tl_finish; }
tl_pass "synced with software timestamping"
sleep 5
pb_ctl br status > "$TL_TMP/status.txt"
cat "$TL_TMP/status.txt"
grep -q '(sw ts)' "$TL_TMP/status.txt" && grep -q 'software timestamping' "$TL_TMP/status.txt" &&
	tl_pass "status says software timestamping" || tl_fail "status does not say software timestamping"
[ "$(pb_json br tracking '.disciplining')" = false ] &&
	tl_pass "phc/ leaves CLOCK_REALTIME to the engine" || tl_fail "phc/ disciplines in software mode"
sys=$(hwsimctl offset brsys)
tl_log "bridge system clock - truth = $sys ns"
awk -v v="$sys" 'BEGIN { exit !(v < 200000 && v > -200000) }' &&
	tl_pass "the engine steered the system clock to UTC" || tl_fail "system clock is $sys ns off"

pb_ctl br ptp > "$TL_TMP/ptp.txt"
grep -q 'portState *SLAVE' "$TL_TMP/ptp.txt" && grep -q 'gm.ClockClass *6' "$TL_TMP/ptp.txt" &&
	grep -q 'currentUtcOffsetValid *1' "$TL_TMP/ptp.txt" &&
	tl_pass "bridgectl ptp shows the data sets" || { tl_fail "bridgectl ptp"; cat "$TL_TMP/ptp.txt"; }
[ "$(pb_json br ptp '.parent.clockClass')" = 6 ] && tl_pass "bridgectl --json ptp" ||
	tl_fail "bridgectl --json ptp: clockClass $(pb_json br ptp '.parent.clockClass')"
pb_ctl br tracking | grep -q '^Reference ID *: PTP' && tl_pass "bridgectl tracking" ||
	tl_fail "bridgectl tracking"
pb_ctl br metrics > "$TL_TMP/metrics.txt"
grep -q '^ptpbridge_ptp_locked 1' "$TL_TMP/metrics.txt" &&
	grep -q '^ptpbridge_link_up{nic="a",interface="'"$IA"'"} 1' "$TL_TMP/metrics.txt" &&
	grep -q '^ptpbridge_ptp_gm_clock_class 6' "$TL_TMP/metrics.txt" &&
	tl_pass "metrics" || { tl_fail "metrics"; grep ptpbridge_ptp "$TL_TMP/metrics.txt"; }
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
