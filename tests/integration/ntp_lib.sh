# tests/integration/ntp_lib.sh - helpers of the ntp_*.sh integration tests.
# Sourced after tests/lib/common.sh (namespaces, cleanup, host-clock guard).
#
#   ntp_net                server and client namespaces ($NS_S, $NS_C), a
#                          veth NIC B ($IF_S $SRV <-> $IF_C $CLI),
#                          and an idle veth for NIC A ($IF_P)
#   ntp_conf [KEY=VALUE]...  write $TL_TMP/bridge.conf ([ntp] keys appended)
#   ntp_bridged [WRAPPER...] start bridged -n -f in $NS_S, CAP_SYS_TIME dropped
#   bctl ARGS...           bridgectl on that daemon's socket
#   ntp_chronyd NAME SERVER_OPTS   chronyd -x client in $NS_C (xleave etc.)
#   chronyc_ntpdata NAME   chronyc ntpdata of that client

: "${BUILD:=output/build}"
case $BUILD in /*) ;; *) BUILD=$TL_ROOT/$BUILD ;; esac
BRIDGED=$BUILD/bin/bridged
BRIDGECTL=$BUILD/bin/bridgectl
NTP_PROBE=$BUILD/tests/ntp_probe
# A /24 per test run (10.201-250.x.0/24: $SRV, $CLI), inside namespaces only.
NTP_NET=$((201 + $$ % 50)).$(( ($$ / 50) % 250 ))
NTP_NET6=$(printf '%x' $(( $$ % 65536 )))
SRV=10.$NTP_NET.1
CLI=10.$NTP_NET.2

ntp_net() {
	tl_netns NS_S || return 1
	tl_netns NS_C || return 1
	tl_veth "$NS_S" "$NS_C" IF_S IF_C "$SRV/24" "$CLI/24" || return 1
	tl_veth "$NS_S" "$NS_C" IF_P IF_PC || return 1
}

ntp_conf() {
	{
		echo "[ptp]"
		echo "interface = $IF_P"
		echo "time_stamping = software"
		echo "[ntp]"
		echo "interface = $IF_S"
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
		echo "[control]"
		echo "socket = ${NTP_SOCK:-$TL_TMP/bridged.sock}"
		echo "pidfile = $TL_TMP/bridged.pid"
		echo "[log]"
		echo "level = info"
	} > "$TL_TMP/bridge.conf"
}

# ntp_bridged [NAME]: start and wait for the NTP module.
ntp_bridged() {
	local name=${1:-bridged}
	tl_bg "$name" ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
		-- "$BRIDGED" -n -f "$TL_TMP/bridge.conf"
	tl_wait_log "$name" "ntp: started|exiting|error" 10 || return 1
	grep -q "ntp: started" "$TL_TMP/$name.log"
}

ntp_bridged_stop() {
	local pid
	pid=$(cat "$TL_TMP/bridged.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
}

bctl() { "$BRIDGECTL" -s "${NTP_SOCK:-$TL_TMP/bridged.sock}" "$@"; }

# ntp_chronyd NAME "server line options"
ntp_chronyd() {
	local d=$TL_TMP/$1
	mkdir -p "$d"
	chmod 770 "$d"
	cat > "$d/chrony.conf" <<EOC
server $SRV $2
bindcmdaddress $d/chronyd.sock
cmdport 0
pidfile $d/chronyd.pid
driftfile $d/drift
logdir $d
log measurements
EOC
	tl_bg "$1" ip netns exec "$NS_C" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
		-- chronyd -x -d -u root -f "$d/chrony.conf"
}

chronyc_ntpdata() { chronyc -n -h "$TL_TMP/$1/chronyd.sock" ntpdata 2>&1; }

probe() { ip netns exec "$NS_C" "$NTP_PROBE" "$@"; }
