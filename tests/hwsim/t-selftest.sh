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
# ethtool 6.1 asks for TSINFO over netlink (libmnl): the reply must carry
# our PHC index and hardware capabilities.
if command -v ethtool >/dev/null; then
	hwsim_run -n "$N" -e HWSIM_DEBUG=1 -- ethtool -T "$IA" >"$TL_TMP/ethtool.out" 2>&1
	if grep -q 'netlink TSINFO' "$TL_TMP/ethtool.out" &&
		grep -Eq 'PTP Hardware Clock: *0' "$TL_TMP/ethtool.out" &&
		grep -q 'hardware-raw-clock' "$TL_TMP/ethtool.out"; then
		tl_pass "ethtool -T (netlink TSINFO) sees PHC 0"
	else
		tl_fail "ethtool -T (netlink TSINFO)"
		cat "$TL_TMP/ethtool.out"
	fi
fi

# Two emulated NICs in one namespace (what bridged has), ntp/-style socket.
tl_netns PA
tl_netns PB
tl_veth "$N" "$PA" NA XA 10.79.1.1/24 10.79.1.2/24
tl_veth "$N" "$PB" NB XB 10.79.2.1/24 10.79.2.2/24
hwsimctl add-phc "$NA" --netns "$N" --offset 100 >/dev/null
hwsimctl add-phc "$NB" --netns "$N" --offset -100 >/dev/null
tl_bg echoa hwsim_run -n "$PA" -- "$HWSIM_BIN/hwsim_selftest" echo 31999
tl_bg echob hwsim_run -n "$PB" -- "$HWSIM_BIN/hwsim_selftest" echo 31999
sleep 0.3
if hwsim_run -n "$N" -s self -- "$HWSIM_BIN/hwsim_selftest" twonic \
	"$NA" 10.79.1.1 10.79.1.2 "$NB" 10.79.2.1 10.79.2.2; then
	tl_pass "two NICs in one namespace: stamps from each interface's PHC"
else
	tl_fail "two NICs in one namespace"
fi
# Same on the ideal wire: TX stamps without payload (OPT_TSONLY) come from
# the socket's send record.
hwsimctl wire ideal --delay 1000
hits0=$(hwsimctl show | sed -n 's/.*wire matches \([0-9]*\).*/\1/p')
if hwsim_run -n "$N" -s self -- "$HWSIM_BIN/hwsim_selftest" twonic \
	"$NA" 10.79.1.1 10.79.1.2 "$NB" 10.79.2.1 10.79.2.2 &&
	[ "$(hwsimctl show | sed -n 's/.*wire matches \([0-9]*\).*/\1/p')" -ge $((hits0 + 6)) ]; then
	tl_pass "two NICs, ideal wire: OPT_TSONLY TX stamps matched"
else
	tl_fail "two NICs, ideal wire"
fi
hwsimctl wire kernel
n=$(hwsimctl show | sed -n 's/.*refused real-clock calls \([0-9]*\).*/\1/p')
[ "${n:-0}" -ge 6 ] && tl_pass "$n refused calls counted" || tl_fail "refused calls counted: ${n:-none}"
tl_finish
