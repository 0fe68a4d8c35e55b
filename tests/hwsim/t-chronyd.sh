#!/bin/bash
# chronyd client (hwtimestamp *, xleave) against a chronyd server, both
# under the emulator (own PHC on each veth end, own system clock each).
# The client must log interleaved hardware samples ("4I ... H H" in
# measurements.log) and chronyc ntpdata must say "Interleaved : Yes".
# Its measured offset must match the emulator's truth (sysS - sysC):
#   t-chronyd.sh          kernel stamps, within 2 µs
#   t-chronyd.sh ideal    ideal wire (1.5 µs), within 100 ns: the emulator
#                         itself must add no bias on the NTP path
. "$(dirname "$0")/../lib/common.sh"
MODE=${1:-kernel}
case $MODE in
kernel) RUN=${HWSIM_CHRONY_RUN:-25}; LIMIT_NS=2000; WIRE="--wire kernel" ;;
ideal) RUN=${HWSIM_CHRONY_RUN:-15}; LIMIT_NS=100; WIRE="--wire ideal --delay 1500" ;;
*) echo "usage: $0 [kernel|ideal]"; exit 2 ;;
esac
tl_init "chronyd-$MODE"
# shellcheck disable=SC2086
hwsim_init ${HWSIM_CHRONY_WIRE:-$WIRE}
tl_netns NS
tl_netns NC
tl_veth "$NS" "$NC" IS IC 10.78.0.1/24 10.78.0.2/24
hwsimctl add-phc "$IS" --netns "$NS" --offset 5 --freq 12 >/dev/null
hwsimctl add-phc "$IC" --netns "$NC" --offset -3 --freq -25 >/dev/null
hwsimctl add-sysclk sysS --offset -0.000005
hwsimctl add-sysclk sysC --offset 0.000025
mkdir -p "$TL_TMP/clog"

cat >"$TL_TMP/server.conf" <<EOC
allow all
local stratum 1
hwtimestamp *
bindcmdaddress $TL_TMP/server.sock
cmdport 0
pidfile $TL_TMP/server.pid
EOC
cat >"$TL_TMP/client.conf" <<EOC
server 10.78.0.1 iburst xleave minpoll -2 maxpoll -2 noselect
hwtimestamp *
bindcmdaddress $TL_TMP/client.sock
cmdport 0
pidfile $TL_TMP/client.pid
logdir $TL_TMP/clog
log measurements
EOC

tl_bg server hwsim_run -n "$NS" -s sysS ${HWSIM_SERVER_ENV:+-e "$HWSIM_SERVER_ENV"} -- chronyd -x -d -u root -f "$TL_TMP/server.conf"
sleep 1
tl_bg client hwsim_run -n "$NC" -s sysC -- chronyd -x -d -u root -f "$TL_TMP/client.conf"
sleep "$RUN"
hwsim_run -n "$NC" -s sysC -- chronyc -h "$TL_TMP/client.sock" ntpdata >"$TL_TMP/ntpdata.txt" 2>&1
hwsimctl show | sed 's/^/  /'
M=$TL_TMP/clog/measurements.log
total=$(grep -vc '^ *[=D]' "$M" 2>/dev/null || echo 0)
hh=$(awk '/ 4I H H$/ { n++ } END { print n + 0 }' "$M" 2>/dev/null)
tl_log "measurements: $total, interleaved with hardware TX/RX stamps: $hh"
grep -E 'Interleaved|TX timestamping|RX timestamping|Offset' "$TL_TMP/ntpdata.txt" | sed 's/^/  /'
if [ "${hh:-0}" -ge 10 ]; then
	tl_pass "chronyd client logged $hh '4I ... H H' samples"
else
	tl_fail "chronyd client logged $hh '4I ... H H' samples (need >= 10)"
	tail -n 5 "$M" 2>/dev/null
	tail -n 10 "$TL_TMP/client.log"
fi
grep -q 'Interleaved *: Yes' "$TL_TMP/ntpdata.txt" && tl_pass "chronyc ntpdata: Interleaved : Yes" ||
	tl_fail "chronyc ntpdata does not say Interleaved : Yes"
# The source is `noselect`: chronyd -x would otherwise correct its own
# (virtual) timescale and log offsets near 0.  Offset column of
# measurements.log (seconds, positive = local clock slow; printed with 4
# digits, hence the small system clock offsets): its median over
# the H H samples must match the emulator's truth, sysS - sysC.
true_off=$(( $(hwsimctl offset sysS) - $(hwsimctl offset sysC) ))
med=$(awk '/ 4I H H$/ && NF == 20 { print $12 }' "$M" | sort -g |
	awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] * 1e9; else print "nan" }')
tl_log "offset: chronyd median $med ns, emulator truth $true_off ns"
awk -v m="$med" -v t="$true_off" -v l="$LIMIT_NS" 'BEGIN { d = m - t; exit !(m == m && d < l && d > -l) }' &&
	tl_pass "chronyd measured offset within $LIMIT_NS ns of truth" ||
	tl_fail "chronyd measured offset $med ns vs truth $true_off ns (limit $LIMIT_NS ns)"
grep -q 'refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_finish
