#!/bin/bash
# Holdover: stop the GM -> holdover (stratum kept, root dispersion seen by
# the NTP client grows by holdover_drift x age) -> after holdover_max the
# client is told leap=3 -> GM back -> synced again.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

HMAX=15
tl_init chain-holdover
pb_chain_init
PB_CLOCK_CONF="holdover_max = ${HMAX}s
holdover_drift = 10"
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
tl_pass "synced"
sleep 5

# root dispersion and leap as the client sees them (chronyc ntpdata)
ntp_field() { pb_chronyc cl ntpdata 10.78.2.1 | sed -n "s/^$1 *: *//p" | awk '{print $1}'; }
ntp_leap() { pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Leap status *: *//p'; }
[ "$(ntp_leap)" = Normal ] || tl_fail "client sees leap '$(ntp_leap)' while synced"

kill "$TL_PID_gm"
t_stop=$(date +%s.%N)
tl_log "GM stopped"
if pb_wait_state br holdover 6; then
	tl_pass "holdover $(awk -v a="$t_stop" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the GM stopped"
else
	tl_fail "no holdover after the GM stopped (state $(pb_state br))"
fi
[ "$(pb_json br status '.reference.stratum')" = 1 ] || tl_fail "stratum not kept in holdover"
sleep 1
# the rate, from what bridged serves now (metrics: dispersion at this instant)
served() { pb_ctl br metrics | awk '$1 == "ptpbridge_root_dispersion_seconds" { print $2 }'; }
m1=$(served); t1=$(date +%s.%N)
d1=$(ntp_field 'Root dispersion')
sleep 5
m2=$(served); t2=$(date +%s.%N)
d2=$(ntp_field 'Root dispersion')
rate=$(awk -v a="$m1" -v b="$m2" -v s="$t1" -v e="$t2" 'BEGIN { printf "%.2f", (b - a) / (e - s) * 1e6 }')
tl_log "served root dispersion $m1 -> $m2 s: $rate ppm; seen by the client $d1 -> $d2 s"
awk -v r="$rate" 'BEGIN { exit !(r > 9 && r < 11) }' &&
	tl_pass "root dispersion grows at 10 ppm of age" ||
	tl_fail "root dispersion grows at $rate ppm, not 10"
# the client sees it grow (its reads lag by a poll or two)
awk -v a="$d1" -v b="$d2" 'BEGIN { exit !(b - a > 10e-6) }' &&
	tl_pass "the client sees the dispersion grow" ||
	tl_fail "the client does not see the dispersion grow ($d1 -> $d2)"
[ "$(ntp_leap)" = Normal ] || tl_fail "client sees leap '$(ntp_leap)' in holdover"

if pb_wait_state br unsynchronised $((HMAX + 5)); then
	age=$(awk -v a="$t_stop" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	tl_log "unsynchronised $age s after the GM stopped (holdover_max $HMAX s)"
	awk -v a="$age" -v h=$HMAX 'BEGIN { exit !(a >= h - 1.5 && a <= h + 4) }' &&
		tl_pass "unsynchronised after holdover_max" ||
		tl_fail "unsynchronised at $age s, holdover_max $HMAX s"
else
	tl_fail "still $(pb_state br) after holdover_max"
fi
sleep 2
leap=$(ntp_leap)
[ "$leap" = "Not synchronised" ] && tl_pass "the client is told leap=3" ||
	tl_fail "client sees leap '$leap' after holdover_max"

pb_gm gm2 "$NGM" "$IGM" 100 || tl_finish
if pb_wait_state br synced 30; then
	tl_pass "synced again after the GM returned"
else
	tl_fail "not synced 30 s after the GM returned (state $(pb_state br))"
fi
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
