#!/bin/bash
# One NIC for both sides (share_ptp_interface = yes): NIC B is NIC A, so
# the NTP timestamps come from PHC A itself (TAI, steered by linuxptp).
# The bridge must notice the shared PHC, never steer it twice, and serve
# UTC all the same.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ptp_lib.sh"

tl_init ptp-shared-phc
# ideal wire: kernel timestamps through a software bridge on a loaded
# machine vary by microseconds (see chain_two_bridges.sh)
hwsim_init --wire ideal --delay 1500 --jitter 50 >/dev/null
tl_netns NGM
tl_netns NSWA
tl_netns NBR
tl_netns NCL
tl_switch "$NSWA" "$NGM" IGM 10.78.1.1/24 "$NBR" IA 10.78.1.2/24 "$NCL" ICL 10.78.1.5/24
hwsimctl add-phc "$IGM" --netns "$NGM" --offset 37 >/dev/null
hwsimctl add-sysclk gmsys >/dev/null
hwsimctl add-phc "$IA" --netns "$NBR" --offset 38 --freq 30 >/dev/null
hwsimctl add-sysclk brsys --offset 0.2 --freq -40 >/dev/null
hwsimctl add-phc "$ICL" --netns "$NCL" >/dev/null
hwsimctl add-sysclk clsys --offset 0.3 --freq 20 >/dev/null

pb_gm gm "$NGM" "$IGM" 100 || tl_finish
pb_bridge_conf br "$IA" "$IA"
sed -i 's/^\[ntp\]$/[ntp]\nshare_ptp_interface = yes/' "$TL_TMP/br.conf"
pb_bridge br "$NBR" "$IA" "$IA" brsys
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.1.2
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s (state $(pb_state br))"; tail -n 20 "$TL_TMP/br.log"; tl_finish; }
tl_pass "synced"
[ "$(pb_json br tracking '.shared_phc')" = true ] && tl_pass "the shared PHC is noticed" ||
	tl_fail "shared_phc is $(pb_json br tracking '.shared_phc')"
grep -q 'phc:.*share' "$TL_TMP/br.log" && tl_log "$(grep -h 'phc:.*share' "$TL_TMP/br.log" | head -1)"
sleep 40
read -r rms max n < <(pb_measure clsys 15 "$TL_TMP/client.log")
tl_log "client clock vs truth: rms $rms ns, max $max ns ($n samples)"
awk -v m="$max" -v n="$n" 'BEGIN { exit !(n >= 40 && m < 1000) }' &&
	tl_pass "client within 1 us of truth through the shared NIC" ||
	tl_fail "client off: rms $rms ns, max $max ns"
a=$(hwsimctl offset "$IA")
awk -v v="$a" 'BEGIN { v -= 37e9; exit !(v < 100000 && v > -100000) }' &&
	tl_pass "PHC A is still TAI ($a ns)" || tl_fail "PHC A is $a ns from truth (want 37e9)"
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
