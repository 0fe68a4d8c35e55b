#!/bin/bash
# Two bridges: one GM, two bridged (different clocks), one chronyd client
# using both.  Stop the bridge the client selected: the client switches to
# the other (chronyc sources shows it) and keeps its time.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-two-bridges
# ideal wire: kernel timestamps through two software bridges on a loaded
# machine make the two bridges disagree by tens of us (path delay 2-20 us)
hwsim_init --wire ideal --delay 1500 --jitter 50 >/dev/null
tl_netns NGM
tl_netns NSWA
tl_netns NSWB
tl_netns NBR
tl_netns NBR2
tl_netns NCL
tl_switch "$NSWA" "$NGM" IGM 10.78.1.1/24 "$NBR" IA 10.78.1.2/24 "$NBR2" IA2 10.78.1.3/24
tl_switch "$NSWB" "$NBR" IB 10.78.2.1/24 "$NBR2" IB2 10.78.2.4/24 "$NCL" ICL 10.78.2.2/24
hwsimctl add-phc "$IGM" --netns "$NGM" --offset 37 >/dev/null
hwsimctl add-sysclk gmsys >/dev/null
hwsimctl add-phc "$IA" --netns "$NBR" --offset 38 --freq 30 >/dev/null
hwsimctl add-phc "$IB" --netns "$NBR" --offset -2 --freq 15 >/dev/null
hwsimctl add-sysclk brsys --offset 0.2 --freq -40 >/dev/null
hwsimctl add-phc "$IA2" --netns "$NBR2" --offset 36.5 --freq -10 >/dev/null
hwsimctl add-phc "$IB2" --netns "$NBR2" --offset 3 --freq -5 >/dev/null
hwsimctl add-sysclk brsys2 --offset -0.1 --freq 25 >/dev/null
hwsimctl add-phc "$ICL" --netns "$NCL" >/dev/null
hwsimctl add-sysclk clsys --offset 0.3 --freq 20 >/dev/null

pb_gm gm "$NGM" "$IGM" 100 || tl_finish
# the whole run, for the post-mortem (TL_KEEP=1)
hwsimctl log "$TL_TMP/clocks.log" --interval 0.25 --duration 120 brsys brsys2 clsys >/dev/null &
pb_bridge br1 "$NBR" "$IA" "$IB" brsys
pb_bridge br2 "$NBR2" "$IA2" "$IB2" brsys2
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1 10.78.2.4
pb_wait_state br1 synced 45 && pb_wait_state br2 synced 20 ||
	{ tl_fail "bridges not synced ($(pb_state br1), $(pb_state br2))"; tl_finish; }
tl_pass "both bridges synced"
# ntp/ fits NIC B's PHC over its last 16 s: let the window pass the start
sleep 16

selected() { pb_chronyc cl -n sources | awk '$1 ~ /^\^\*/ { print $2 }'; }
# wait until the client uses both: one selected, the other combined (+)
for _ in $(seq 40); do
	sel=$(selected)
	[ -n "$sel" ] && pb_chronyc cl -n sources | grep -q '^\^+' && break
	sleep 1
done
[ -n "$sel" ] || { tl_fail "the client selected no bridge"; pb_chronyc cl sources; tl_finish; }
tl_log "client selected $sel"
pb_chronyc cl sources | sed 's/^/  /'
if [ "$sel" = 10.78.2.1 ]; then victim=br1 other=10.78.2.4; else victim=br2 other=10.78.2.1; fi
sleep 5

hwsimctl log "$TL_TMP/switch.log" --interval 0.25 --duration 25 clsys >/dev/null &
logpid=$!
eval "kill \$TL_PID_$victim"
tl_log "$victim stopped"
t0=$(date +%s)
new=""
for _ in $(seq 60); do
	new=$(selected)
	[ "$new" = "$other" ] && break
	sleep 0.5
done
if [ "$new" = "$other" ]; then
	tl_pass "the client switched to $other after $(($(date +%s) - t0)) s"
else
	tl_fail "the client did not switch to $other (selected: '$new')"
fi
pb_chronyc cl sources | sed 's/^/  /'
wait $logpid
read -r rms max n < <(tl_stats "$TL_TMP/switch.log" 2)
tl_log "client clock vs truth around the switch: rms $rms ns, max $max ns ($n samples)"
awk -v m="$max" 'BEGIN { exit !(m < 10000) }' && tl_pass "the client kept its time (max $max ns)" ||
	tl_fail "the client lost its time: max $max ns"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
