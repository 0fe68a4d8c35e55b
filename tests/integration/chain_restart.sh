#!/bin/bash
# Restart: kill -9 bridged; the harness starts it again (the image's init
# respawns it); it must be serving synced time again within 30 s, without
# stepping the clocks it left disciplined.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init chain-restart
pb_chain_init
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
sleep 10

kill -9 "$TL_PID_br"
mv "$TL_TMP/br.log" "$TL_TMP/br-first.log"
tl_log "bridged killed (-9)"
sleep 1
t0=$(date +%s)
pb_bridge br
if pb_wait_state br synced 30; then
	tl_pass "synced again $(($(date +%s) - t0)) s after the restart"
else
	tl_fail "not synced 30 s after the restart (state $(pb_state br))"
	tail -n 20 "$TL_TMP/br.log"
fi
rx1=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Total valid RX *: *//p')
sleep 4
rx2=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Total valid RX *: *//p')
if [ -n "$rx1" ] && [ -n "$rx2" ] && [ "$rx2" -gt "$rx1" ]; then
	tl_pass "serving after the restart ($rx1 -> $rx2 valid replies)"
else
	tl_fail "not serving after the restart ($rx1 -> $rx2)"
fi
grep -q 'stepping CLOCK_REALTIME' "$TL_TMP/br.log" &&
	tl_fail "the restarted bridged stepped the system clock it had left disciplined"
read -r rms max n < <(pb_measure clsys 5 "$TL_TMP/client.log")
tl_log "client clock vs truth after the restart: rms $rms ns, max $max ns"
awk -v m="$max" 'BEGIN { exit !(m < 20000) }' || tl_fail "client off by $max ns after the restart"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
