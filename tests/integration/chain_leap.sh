#!/bin/bash
# Leap second: the emulated world runs at 31 December, 23:59:15 UTC (all
# emulated clocks shifted by the same amount; the host clock is untouched).
# The GM announces leap61.  Before midnight the NTP client must see leap
# indicator 1 (insert); after it, the bridge's and the client's system
# clocks must have played 23:59:59 twice (-1 s against a UTC without the
# leap), PHC A (TAI) must not have moved, and the served TAI-UTC is 38.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-leap
now=$(date +%s)
year=$(date -u +%Y)
target=$(date -u -d "$year-12-31 23:59:15" +%s)
[ "$target" -gt $((now + 60)) ] || target=$(date -u -d "$((year + 1))-12-31 23:59:15" +%s)
shift_s=$((target - now))
midnight_truth=$((now + 45))	# truth (host time) at the emulated midnight
pb_chain_init --shift "$shift_s"
tl_log "emulated UTC starts at $(date -u -d @$target '+%F %T'), shift $shift_s s"

pb_gm gm "$NGM" "$IGM" 100 "${PB_GM_SETTINGS/leap61 0/leap61 1}" || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 25 || { tl_fail "not synced within 25 s"; tl_finish; }
tl_pass "synced"

# offset of a clock against the emulated UTC without the leap, in ms
off_ms() { awk -v v="$(hwsimctl offset "$1")" -v s="$shift_s" -v k="${2:-0}" \
	'BEGIN { printf "%.3f", (v - (s + k) * 1e9) / 1e6 }'; }

sleep 8
li=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Leap status *: *//p')
if [ "$li" = "Insert second" ]; then
	tl_pass "the client sees leap indicator 1 before midnight"
else
	tl_fail "the client sees '$li' before midnight, not 'Insert second'"
fi
tl_log "before: bridge system clock $(off_ms brsys) ms, client $(off_ms clsys) ms, PHC A - 37 s $(off_ms "$IA" 37) ms"
tl_log "bridge tracking: leap_pending $(pb_json br tracking '.leap_pending'), TAI-UTC $(pb_json br tracking '.utc_offset')"

# past the emulated midnight; then the GM does what a real one does
left=$((midnight_truth - $(date +%s) + 2))
[ $left -gt 0 ] && sleep $left
pb_gm_set gm "${PB_GM_SETTINGS/currentUtcOffset 37/currentUtcOffset 38}"
sleep 8
b=$(off_ms brsys)
c=$(off_ms clsys)
a=$(off_ms "$IA" 37)
tl_log "after: bridge system clock $b ms, client $c ms, PHC A - 37 s $a ms"
awk -v v="$b" 'BEGIN { exit !(v > -1001 && v < -999) }' &&
	tl_pass "the bridge's system clock inserted the leap second" ||
	tl_fail "the bridge's system clock is $b ms from UTC-without-leap (want -1000)"
awk -v v="$c" 'BEGIN { exit !(v > -1001 && v < -999) }' &&
	tl_pass "the client's clock inserted the leap second" ||
	tl_fail "the client's clock is $c ms from UTC-without-leap (want -1000)"
awk -v v="$a" 'BEGIN { exit !(v > -1 && v < 1) }' &&
	tl_pass "PHC A (TAI) did not move" || tl_fail "PHC A moved: $a ms"
[ "$(pb_json br tracking '.utc_offset')" = 38 ] && tl_pass "TAI-UTC is 38 after the leap" ||
	tl_fail "TAI-UTC is $(pb_json br tracking '.utc_offset') after the leap"
[ "$(pb_state br)" = synced ] || tl_fail "state $(pb_state br) after the leap"
li=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Leap status *: *//p')
[ "$li" = Normal ] && tl_pass "leap indicator back to 0" || tl_fail "client sees '$li' after the leap"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
