#!/bin/bash
# Kernel semantics of the emulated clocks (adjtimex, leap seconds, PHC
# ioctls), refusal of real-clock writes, and the CAP_SYS_TIME drop.
. "$(dirname "$0")/../lib/common.sh"
tl_init selftest
hwsim_init
tl_netns N
tl_veth "$N" "$N" IA IB
hwsimctl add-phc "$IA" --netns "$N" --offset 7 --freq -10 >/dev/null
hwsimctl add-sysclk self --offset 100
if hwsim_run -n "$N" -s self -- "$HWSIM_BIN/hwsim_selftest" sysclk "$IA"; then
	tl_pass "emulated clock semantics"
else
	tl_fail "emulated clock semantics"
fi
if hwsim_run -n "$N" -- "$HWSIM_BIN/hwsim_selftest" refuse 2>"$TL_TMP/refuse.err"; then
	tl_pass "real-clock writes refused"
else
	tl_fail "real-clock writes not refused"
fi
n=$(hwsimctl show | sed -n 's/.*refused real-clock calls \([0-9]*\).*/\1/p')
[ "${n:-0}" -ge 6 ] && tl_pass "$n refused calls counted" || tl_fail "refused calls counted: ${n:-none}"
tl_finish
