#!/bin/bash
# Chain: Debian ptp4l GM -> bridged (emulated PHC A +1 s +30 ppm, system
# clock +0.2 s -40 ppm, PHC B -2 s +15 ppm) -> chronyd client with xleave
# and hwtimestamp.  Within 60 s the client's clock must be within 5 us of
# truth (kernel timestamps; PB_IDEAL=1: ideal wire, report the RMS).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

LIMIT_NS=${PB_LIMIT_NS:-5000}
tl_init chain-basic
if [ -n "${PB_IDEAL:-}" ]; then
	pb_chain_init --ideal
	LIMIT_NS=${PB_LIMIT_NS:-1000}
else
	pb_chain_init
fi
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1

t0=$(date +%s)
if pb_wait_state br synced 45; then
	tl_pass "bridge synced after $(($(date +%s) - t0)) s"
else
	tl_fail "bridge not synced within 45 s (state $(pb_state br))"
	pb_ctl br status
	tail -n 20 "$TL_TMP/br.log"
	tl_finish
fi
pb_ctl br status

# the bridge's own clocks against truth
phca=$(hwsimctl offset "$IA")
sys=$(hwsimctl offset brsys)
tl_log "bridge: PHC A - truth = $phca ns (expect 37e9), system clock - truth = $sys ns"
awk -v v="$phca" 'BEGIN { v -= 37e9; exit !(v < 100000 && v > -100000) }' ||
	tl_fail "PHC A is not TAI: $phca ns"
awk -v v="$sys" 'BEGIN { exit !(v < 100000 && v > -100000) }' ||
	tl_fail "bridge system clock is not UTC: $sys ns"

# let the client converge until 60 s after the start, then measure
left=$((60 - ($(date +%s) - t0)))
[ $left -gt 0 ] && sleep $left
ok=0
for w in 1 2; do
	read -r rms max n < <(pb_measure clsys 15 "$TL_TMP/client$w.log")
	tl_log "window $w: client clock vs truth: rms $rms ns, max $max ns ($n samples)"
	if awk -v m="$max" -v n="$n" -v l="$LIMIT_NS" 'BEGIN { exit !(n >= 40 && m < l) }'; then
		ok=1
		break
	fi
done
if [ $ok = 1 ]; then
	tl_pass "client within $LIMIT_NS ns of truth (rms $rms ns, max $max ns)"
else
	tl_fail "client not within $LIMIT_NS ns of truth (rms $rms ns, max $max ns)"
	pb_chronyc cl sourcestats
fi
if pb_chronyc cl ntpdata 10.78.2.1 | grep -q 'Interleaved *: Yes'; then
	tl_pass "chronyd uses interleaved mode"
else
	tl_fail "chronyd does not report Interleaved : Yes"
fi
pb_chronyc cl tracking | sed 's/^/  /'
# by now PHC A's offset has been filtered over 48 s of locked Syncs, and
# the system clock is steered to PHC A minus that estimate
pb_ctl br tracking | sed 's/^/  /'
f=$(pb_json br ptp '.current.filtered // .data.current.filtered')
if [ "$f" = true ] && [ "$(pb_json br tracking '.phc_filtered // .data.phc_filtered')" = true ]; then
	tl_pass "PHC A's offset is filtered and steers the system clock ($(pb_ctl br ptp | sed -n 's/^ *offset, filtered  *//p'))"
else
	tl_fail "PHC A's offset is not filtered after 60 s (ptp: $f)"
	pb_ctl br ptp
fi
[ "$(pb_json br status '.reference.stratum // .data.reference.stratum')" = 1 ] ||
	tl_fail "stratum is not 1 with a clockClass 6 GM"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
