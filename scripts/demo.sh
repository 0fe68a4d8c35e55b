#!/bin/bash
# make demo: the whole chain on this machine, on the hardware emulator.
#
#   grandmaster (Debian ptp4l -H, emulated PHC = TAI, GNSS-like via pmc)
#     -> bridged (emulated NIC A with PHC A +1 s +30 ppm, system clock
#        +0.2 s -40 ppm, NIC B with PHC B -2 s +15 ppm)
#     -> two chronyd clients (xleave, hwtimestamp), each with its own
#        emulated system clock, behind a Linux bridge
#
# The wire is the emulator's "ideal wire" (DEMO_WIRE=ideal, the default:
# every packet's hardware timestamps carry exactly 1.5 us +- 50 ns, as a NIC
# with hardware timestamping would see it); DEMO_WIRE=kernel uses the
# kernel's software timestamps instead (microseconds of noise, more through
# the Linux bridge in front of the two clients).
#
# Runs DEMO_SECONDS (default 90), prints `bridgectl status`, and as its last
# line the error of the clients' emulated clocks against truth (the host's
# CLOCK_REALTIME, only read) over the last third of the run.  Exits 0 only
# if the bridge reached synced.  Namespaces, processes and files are removed
# on exit; the host clock is checked unchanged.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib/common.sh
. tests/integration/ptp_lib.sh

DEMO_SECONDS=${DEMO_SECONDS:-90}
DEMO_WIRE=${DEMO_WIRE:-ideal}
[ "$DEMO_SECONDS" -ge 30 ] 2>/dev/null || { echo "demo: DEMO_SECONDS must be >= 30"; exit 2; }
WINDOW=$((DEMO_SECONDS / 3))

tl_init demo
echo "demo: GM -> bridged -> 2 chronyd clients on the emulator for $DEMO_SECONDS s ($DEMO_WIRE wire)"
if [ "$DEMO_WIRE" = ideal ]; then
	pb_chain_init --clients 2 --ideal
else
	pb_chain_init --clients 2
fi
pb_gm gm "$NGM" "$IGM" 100 || { echo "demo: the grandmaster did not start"; exit 1; }
pb_bridge br
pb_chronyd cl1 "$NCL" clsys "$ICL" 10.78.2.1
pb_chronyd cl2 "$NCL2" clsys2 "$ICL2" 10.78.2.1

t0=$(date +%s)
synced=0
first=""
while [ $(($(date +%s) - t0)) -lt $((DEMO_SECONDS - WINDOW)) ]; do
	st=$(pb_state br)
	if [ "$st" = synced ] && [ $synced = 0 ]; then
		synced=1
		first=$(($(date +%s) - t0))
		echo "demo: bridge synced after $first s"
	fi
	sleep 1
done
# Measure both clients over the last window (truth is read, never set).
hwsimctl log "$TL_TMP/clients.log" --interval 0.25 --duration "$WINDOW" clsys clsys2 >/dev/null
[ "$(pb_state br)" = synced ] && synced=1

echo
pb_ctl br status
echo
echo "client 1 (chronyc tracking):"
pb_chronyc cl1 tracking | sed -n '1,4p;8,9p' | sed 's/^/  /'
echo "client 1 interleaved: $(pb_chronyc cl1 ntpdata 10.78.2.1 | sed -n 's/^Interleaved *: //p')"
echo

tl_stop
if ! "$HWSIM_BIN/clockguard" check "$TL_TMP/clockguard" >/dev/null; then
	echo "demo: HOST CLOCK CHANGED"
	synced=0
fi
[ $synced = 1 ] || echo "demo: the bridge never reached synced (see $TL_TMP/br.log with TL_KEEP=1)"
awk '/^#/ { next } { for (i = 2; i <= 3; i++) { v = $i / 1000; s += v * v; n++;
		a = v < 0 ? -v : v; if (a > m) m = a } }
	END { if (n) printf "demo: served time error vs truth: rms %.2f us, max %.2f us (%d samples)\n",
		sqrt(s / n), m, n;
	      else print "demo: served time error vs truth: rms nan us, max nan us (0 samples)" }' \
	"$TL_TMP/clients.log"
[ $synced = 1 ]
