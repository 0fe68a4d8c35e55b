#!/bin/bash
# Failover: two grandmasters (priority1 100 and 110) on one segment; stop
# the better one: BMCA picks the other, the NTP side never says
# unsynchronised (holdover bridges the gap), the client's clock stays close.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-failover
pb_chain_init --gms 2
pb_gm gm1 "$NGM" "$IGM" 100 || tl_finish
pb_gm gm2 "$NGM2" "$IGM2" 110 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
sleep 15
gm_a=$(pb_json br status '.modules.ptp.gm_identity')
tl_log "synced to GM $gm_a"

kill "$TL_PID_gm1"
tl_log "GM 1 stopped"
hwsimctl log "$TL_TMP/failover.log" --interval 0.25 --duration 20 clsys >/dev/null &
logpid=$!
t0=$(date +%s.%N)
worst=synced switched=""
for _ in $(seq 80); do
	st=$(pb_state br)
	gm=$(pb_json br status '.modules.ptp.gm_identity')
	[ "$st" = unsynchronised ] && worst=unsynchronised
	[ "$st" = holdover ] && [ "$worst" = synced ] && worst=holdover
	if [ -z "$switched" ] && [ "$st" = synced ] && [ -n "$gm" ] && [ "$gm" != "$gm_a" ]; then
		switched=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		tl_log "synced to GM $gm after $switched s (worst state on the way: $worst)"
	fi
	sleep 0.2
done
wait $logpid
if [ -n "$switched" ]; then
	tl_pass "failover to the second GM in $switched s"
else
	tl_fail "no failover to the second GM (state $(pb_state br), GM $(pb_json br status '.modules.ptp.gm_identity'))"
fi
[ "$worst" != unsynchronised ] && tl_pass "never unsynchronised during the failover" ||
	tl_fail "the NTP side said unsynchronised during the failover"
read -r rms max n < <(tl_stats "$TL_TMP/failover.log" 2)
tl_log "client clock vs truth during the failover: rms $rms ns, max $max ns ($n samples)"
awk -v m="$max" 'BEGIN { exit !(m < 20000) }' && tl_pass "client within 20 us through the failover" ||
	tl_fail "client off by $max ns during the failover"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
