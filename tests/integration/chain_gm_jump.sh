#!/bin/bash
# The grandmaster time-jump guard (issue 12, item 4): once synced, a GM
# whose time jumps by more than [clock] max_gm_jump is not followed: the
# bridge goes to holdover and says why, its system clock (and so what the
# NTP client gets) stays on time; a GM that comes back is followed again
# without a step; a jump is followed on `bridgectl accept-gm-jump`, or
# once it has persisted for gm_jump_confirm.  The GM is stepped on the
# emulator (its PHC moved by hwsimctl, as phc_ctl would step a real one).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-gm-jump
pb_chain_init
PB_CLOCK_CONF="max_gm_jump = 1ms
gm_jump_confirm = 0"
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
tl_pass "synced"

off_ms() { hwsimctl offset "$1" | awk '{ printf "%.3f", $1 / 1e6 }'; }
within() { awk -v v="$1" -v c="$2" -v w="$3" 'BEGIN { d = v - c; exit !(d < w && d > -w) }'; }
steps() { hwsimctl steps brsys | grep -c .; }
steps0=$(steps)

# 1. the GM jumps by +0.5 s: held, holdover, said in status and log
hwsimctl set "$IGM" --offset "$(pb_off 37.5)" >/dev/null
t0=$(date +%s.%N)
if pb_wait_state br holdover 5; then
	tl_pass "holdover $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the GM jumped +0.5 s"
else
	tl_fail "no holdover after the GM jumped (state $(pb_state br))"
fi
for i in 1 2 3 4 5 6; do
	scr=$(pb_ctl br status)
	echo "$scr" | grep -qE '! ptp.*: GM jumped \+0\.(5|49)' && break
	sleep 0.5
done
echo "$scr" | grep -qE '! ptp.*: GM jumped \+0\.(5|49)' && tl_pass "status says: $(echo "$scr" | grep 'GM jumped')" ||
	tl_fail "status does not warn of the jump: $scr"
[ "$(echo "$scr" | awk '{ if (length($0) > 80) n++ } END { print n + 0 }')" = 0 ] ||
	tl_fail "status is wider than 80 columns"
tl_wait_log br "grandmaster's time jumped by \+0\.(5|49)" 5 && tl_pass "the log says what happened" ||
	tl_fail "no log line of the jump"
[ "$(pb_json br status '.reference.stratum')" = 1 ] && tl_pass "stratum 1 kept in holdover" ||
	tl_fail "stratum $(pb_json br status '.reference.stratum') in holdover"
sleep 4
b=$(off_ms brsys) c=$(off_ms clsys)
within "$b" 0 0.05 && within "$c" 0 0.05 &&
	tl_pass "5 s later the bridge's clock is $b ms and the NTP client's $c ms from truth" ||
	tl_fail "the jump was followed: bridge $b ms, client $c ms from truth"
[ "$(pb_ctl br metrics | awk '$1 == "ptpbridge_ptp_gm_jump_held" { print $2 }')" = 1 ] ||
	tl_fail "metrics do not say a jump is held"
# a reload that restarts the engine does not let the jump in
sed -i 's/^announceReceiptTimeout = 3$/announceReceiptTimeout = 4/' "$TL_TMP/br.conf"
pb_ctl br reload >/dev/null || tl_fail "reload (engine restart)"
sleep 1
[ "$(grep -c 'ptp: engine on' "$TL_TMP/br.log")" -ge 2 ] || tl_fail "the reload did not restart the engine"
sleep 5
b=$(off_ms brsys)
scr=$(pb_ctl br status)
if within "$b" 0 0.1 && echo "$scr" | grep -qE 'GM jumped \+0\.(5|49)'; then
	tl_pass "an engine restart keeps the jump held (bridge $b ms from truth)"
else
	tl_fail "after an engine restart: bridge $b ms from truth, status: $(echo "$scr" | grep 'GM jumped')"
fi

# 2. the GM comes back: synced again, no step anywhere
hwsimctl set "$IGM" --offset "$(pb_off 37)" >/dev/null
if pb_wait_state br synced 15; then
	tl_pass "synced again when the GM came back"
else
	tl_fail "not synced 15 s after the GM came back (state $(pb_state br))"
fi
tl_wait_log br "back within max_gm_jump" 2 || tl_fail "no log line of the GM's return"
[ "$(steps)" = "$steps0" ] && tl_pass "no step of the system clock" ||
	tl_fail "the system clock was stepped: $(hwsimctl steps brsys)"

# 3. nothing held: accept-gm-jump refuses
out=$(pb_ctl br accept-gm-jump 2>&1) && tl_fail "accept-gm-jump with nothing held: $out" ||
	tl_pass "accept-gm-jump with nothing held: $out"

# 4. the GM jumps again and the operator accepts: the bridge follows
hwsimctl set "$IGM" --offset "$(pb_off 37.5)" >/dev/null
pb_wait_state br holdover 5 || tl_fail "no holdover after the second jump"
sleep 2
out=$(pb_ctl br accept-gm-jump 2>&1) && tl_pass "accept-gm-jump: $out" ||
	tl_fail "accept-gm-jump: $out"
t0=$(date +%s.%N)
if pb_wait_state br synced 30; then
	tl_pass "synced on the GM's new time $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the operator's word"
else
	tl_fail "not synced 30 s after accept-gm-jump (state $(pb_state br))"
fi
b=$(off_ms brsys)
within "$b" 500 0.05 && tl_pass "the bridge's clock is +0.5 s on the GM's new time ($b ms)" ||
	tl_fail "the bridge's clock is $b ms from truth, not +500 ms"

# 5. confirm time: a reload sets 4 s; the GM jumps back by -0.5 s and the
# bridge follows by itself after holding it that long
sed -i 's/^gm_jump_confirm = 0$/gm_jump_confirm = 4s/' "$TL_TMP/br.conf"
pb_ctl br reload >/dev/null || tl_fail "reload"
hwsimctl set "$IGM" --offset "$(pb_off 37)" >/dev/null
t0=$(date +%s.%N)
pb_wait_state br holdover 5 || tl_fail "no holdover after the GM jumped back"
if pb_wait_state br synced 40; then
	dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	awk -v d="$dt" 'BEGIN { exit !(d >= 4) }' &&
		tl_pass "the jump was followed after gm_jump_confirm: synced $dt s after it" ||
		tl_fail "synced $dt s after the jump, before gm_jump_confirm (4 s)"
else
	tl_fail "not synced 40 s after a jump with gm_jump_confirm 4 s (state $(pb_state br))"
fi
b=$(off_ms brsys)
within "$b" 0 0.05 && tl_pass "the bridge's clock is back on truth ($b ms)" ||
	tl_fail "the bridge's clock is $b ms from truth"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
