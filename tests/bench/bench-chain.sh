#!/bin/bash
# bench-chain: served-time error of ptpbridge vs the reference stack, in
# one run on the emulator with the same clocks, wire and GM.
#
#   GM (Debian ptp4l -H) --+-- bridged (PHC A, system clock, PHC B) -- chronyd client
#        Linux bridge      +-- ptp4l -s + phc2sys -w + chronyd -x (local
#                              stratum 1, hwtimestamp on NIC B only) -- chronyd client
#
# Both sides get identical clocks (PHC A +1 s +30 ppm, system +0.2 s
# -40 ppm, PHC B -2 s +15 ppm, client system +0.3 s +20 ppm) and the same
# ideal wire (BENCH_DELAY ns ± BENCH_JITTER ns).  The clients' emulated
# clocks are compared with truth over BENCH_WINDOW s after BENCH_WARMUP s.
# A third chronyd client of a chronyd whose clocks are perfect gives the
# floor: what the client's own wire, PHC and filters leave.  Prints RMS,
# p99, max and mean for all three and the ratio (target: ptpbridge RMS
# <= 0.6 x reference).  Not pass/fail.  The clients wander slowly: windows
# under a few minutes give ratios that differ by 2x from run to run.  The
# warm-up is 120 s because ptpbridge uses its filtered PHC A offset only
# after 48 s of locked Syncs.  BENCH_WANDER=PPM gives both PHC As a random
# walk of frequency (hwsim --wander: N(0, PPM) per second).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../integration/ptp_lib.sh"

WARMUP=${BENCH_WARMUP:-120}
WINDOW=${BENCH_WINDOW:-240}
DELAY=${BENCH_DELAY:-1500}
JITTER=${BENCH_JITTER:-50}
WIRE=${BENCH_WIRE:-ideal}

tl_init bench-chain
if [ "$WIRE" = ideal ]; then
	hwsim_init --wire ideal --delay "$DELAY" --jitter "$JITTER" >/dev/null
else
	hwsim_init >/dev/null
fi
tl_netns NGM
tl_netns NSWA
tl_netns NBR
tl_netns NCL
tl_netns NREF
tl_netns NCLR
tl_netns NFL
tl_netns NCLF
tl_switch "$NSWA" "$NGM" IGM 10.78.1.1/24 "$NBR" IA 10.78.1.2/24 "$NREF" RA 10.78.1.4/24
tl_veth "$NBR" "$NCL" IB ICL 10.78.2.1/24 10.78.2.2/24
tl_veth "$NREF" "$NCLR" RB RCL 10.78.3.1/24 10.78.3.2/24
tl_veth "$NFL" "$NCLF" FB FCL 10.78.4.1/24 10.78.4.2/24

hwsimctl add-phc "$IGM" --netns "$NGM" --offset 37 >/dev/null
hwsimctl add-sysclk gmsys >/dev/null
# the same clocks on both sides
WANDER=${BENCH_WANDER:+--wander $BENCH_WANDER}
hwsimctl add-phc "$IA" --netns "$NBR" --offset 38 --freq 30 $WANDER >/dev/null
hwsimctl add-phc "$IB" --netns "$NBR" --offset -2 --freq 15 >/dev/null
hwsimctl add-sysclk brsys --offset 0.2 --freq -40 >/dev/null
hwsimctl add-phc "$ICL" --netns "$NCL" >/dev/null
hwsimctl add-sysclk clsys --offset 0.3 --freq 20 >/dev/null
hwsimctl add-phc "$RA" --netns "$NREF" --offset 38 --freq 30 $WANDER >/dev/null
hwsimctl add-phc "$RB" --netns "$NREF" --offset -2 --freq 15 >/dev/null
hwsimctl add-sysclk refsys --offset 0.2 --freq -40 >/dev/null
hwsimctl add-phc "$RCL" --netns "$NCLR" >/dev/null
hwsimctl add-sysclk clref --offset 0.3 --freq 20 >/dev/null
# the floor: a server whose clocks are perfect, i.e. what the client alone
# (its wire, its PHC, its filters) makes of ideal served time
hwsimctl add-phc "$FB" --netns "$NFL" >/dev/null
hwsimctl add-sysclk flsys >/dev/null
hwsimctl add-phc "$FCL" --netns "$NCLF" >/dev/null
hwsimctl add-sysclk clfl --offset 0.3 --freq 20 >/dev/null

pb_gm gm "$NGM" "$IGM" 100 || tl_finish

# ptpbridge (BENCH_BR_PTP, BENCH_BR_CLOCK: extra [ptp] or [clock] lines, e.g.
# "delay_filter_length = 64" or "phc_filter = no", for trying a tuning
# against the same reference)
pb_bridge_conf br "$IA" "$IB"
[ -z "${BENCH_BR_PTP:-}" ] || printf '%s\n' "$BENCH_BR_PTP" |
	sed -i '/^\[ptp\]$/r /dev/stdin' "$TL_TMP/br.conf"
[ -z "${BENCH_BR_CLOCK:-}" ] || printf '%s\n' "$BENCH_BR_CLOCK" |
	sed -i '/^\[clock\]$/r /dev/stdin' "$TL_TMP/br.conf"
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" 10.78.2.1

# reference stack: ptp4l + phc2sys + chronyd, as an operator would set it up
cat >"$TL_TMP/ref-ptp4l.cfg" <<EOC
[global]
uds_address $TL_TMP/ref-ptp4l.sock
network_transport UDPv4
time_stamping hardware
tx_timestamp_timeout 100
slaveOnly 1
logAnnounceInterval -2
announceReceiptTimeout 3
EOC
tl_bg refptp "$PB_HWSIM_RUN" -n "$NREF" -s refsys -- ptp4l -f "$TL_TMP/ref-ptp4l.cfg" -i "$RA" -m
tl_wait_log refptp 'INITIALIZING to LISTENING' 10 || tl_fail "reference ptp4l did not start"
tl_bg refphc2sys "$PB_HWSIM_RUN" -n "$NREF" -s refsys -- \
	phc2sys -s "$RA" -c CLOCK_REALTIME -w -z "$TL_TMP/ref-ptp4l.sock" -m
# chronyd -x as a stratum-1 server of its system clock: NAME NS SYSCLK ADDR IFACE
ntp_chronyd() {
	mkdir -p -m 700 "$TL_TMP/$1"
	cat >"$TL_TMP/$1.conf" <<EOC
bindaddress $4
hwtimestamp $5
local stratum 1
allow
bindcmdaddress $TL_TMP/$1/chronyd.sock
pidfile $TL_TMP/$1/chronyd.pid
EOC
	tl_bg "$1" "$PB_HWSIM_RUN" -n "$2" -s "$3" -- chronyd -x -d -u root -f "$TL_TMP/$1.conf"
}
ntp_chronyd refntp "$NREF" refsys 10.78.3.1 "$RB"
pb_chronyd clr "$NCLR" clref "$RCL" 10.78.3.1
ntp_chronyd flntp "$NFL" flsys 10.78.4.1 "$FB"
pb_chronyd clf "$NCLF" clfl "$FCL" 10.78.4.1

tl_log "warming up $WARMUP s ($WIRE wire${WIRE:+, delay $DELAY ns jitter $JITTER ns}${WANDER:+, PHC A $WANDER})"
sleep "$WARMUP"
# columns: 2 PHC A, 3 ref PHC A, 4 system, 5 ref system, 6 client, 7 ref
# client, 8 floor client
hwsimctl log "$TL_TMP/clients.log" --interval 0.25 --duration "$WINDOW" \
	"$IA" "$RA" brsys refsys clsys clref clfl >/dev/null

stats() {	# column [minus: a number, or cN for another column] -> "rms p99 max n mean" in ns
	awk -v c="$1" -v k="${2:-0}" '!/^#/ { v = $c - (k ~ /^c/ ? $(substr(k, 2)) : k);
		print (v < 0 ? -v : v), v * v, v }' "$TL_TMP/clients.log" |
		sort -g | awk '{ a[NR] = $1; s += $2; m += $3 } END {
			n = NR; if (!n) { print "nan nan nan 0 nan"; exit }
			i = int(0.99 * n); if (i < 1) i = 1
			printf "%.1f %.1f %.1f %d %.1f\n", sqrt(s / n), a[i], a[n], n, m / n }'
}
read -r b_rms b_p99 b_max n b_mean < <(stats 6)
read -r r_rms r_p99 r_max _ r_mean < <(stats 7)
read -r f_rms f_p99 f_max _ f_mean < <(stats 8)
ratio=$(awk -v a="$b_rms" -v b="$r_rms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
interleaved=$(pb_chronyc cl ntpdata 10.78.2.1 | sed -n 's/^Interleaved *: //p')/$(pb_chronyc clr ntpdata 10.78.3.1 | sed -n 's/^Interleaved *: //p')
echo
echo "bench-chain: $WIRE wire, warm-up $WARMUP s, window $WINDOW s ($n samples per client), interleaved (ptpbridge/reference): $interleaved"
printf '%-34s %10s %10s %10s %10s\n' "client clock vs truth (ns)" rms p99 max mean
printf '%-34s %10s %10s %10s %10s\n' "ptpbridge (bridged)" "$b_rms" "$b_p99" "$b_max" "$b_mean"
printf '%-34s %10s %10s %10s %10s\n' "reference (ptp4l+phc2sys+chronyd)" "$r_rms" "$r_p99" "$r_max" "$r_mean"
printf '%-34s %10s %10s %10s %10s\n' "floor (perfect server clocks)" "$f_rms" "$f_p99" "$f_max" "$f_mean"
echo "bench-chain: ratio ptpbridge/reference rms $ratio (target <= 0.60)"
excess=$(awk -v a="$b_rms" -v b="$r_rms" -v f="$f_rms" 'BEGIN {
	x = a * a - f * f; y = b * b - f * f
	printf "%.1f / %.1f ns", (x > 0 ? sqrt(x) : 0), (y > 0 ? sqrt(y) : 0) }')
echo "bench-chain: above the floor (sqrt(rms^2 - floor^2)), ptpbridge / reference: $excess"
echo "stages (rms p99 max mean, ns): PHC A - TAI | system clock - UTC | client - server's system clock"
printf '  %-12s %-22s | %-22s | %s\n' "ptpbridge" "$(stats 2 37e9 | cut -d' ' -f1-3,5)" \
	"$(stats 4 | cut -d' ' -f1-3,5)" "$(stats 6 c4 | cut -d' ' -f1-3,5)"
printf '  %-12s %-22s | %-22s | %s\n' "reference" "$(stats 3 37e9 | cut -d' ' -f1-3,5)" \
	"$(stats 5 | cut -d' ' -f1-3,5)" "$(stats 7 c5 | cut -d' ' -f1-3,5)"
pb_ctl br serverstats | grep -E '^(NIC B clock|RX stamp)' | sed 's/^/  ptpbridge /'
tl_finish
