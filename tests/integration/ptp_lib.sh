# tests/integration/ptp_lib.sh - the chain on the emulator, for the ptp_*
# and chain_* tests and scripts/demo.sh.  Source after tests/lib/common.sh.
#
#   pb_chain_init [--ideal] [--clients N] [--gms N] [--shift S]
#                             emulator, namespaces, veths, clocks (all
#                             offsets below plus S seconds):
#       $NGM  grandmaster, PHC on $IGM = TAI (truth + 37 s)
#       $NBR  the bridge: PHC A on $IA (+1 s, +30 ppm), system clock brsys
#             (+0.2 s, -40 ppm), PHC B on $IB (-2 s, +15 ppm)
#             with --gms 2 also $NGM2/$IGM2 (TAI too), all on a Linux
#             bridge in $NSWA
#       $NCL  NTP client: PHC on $ICL, system clock clsys (+0.3 s, +20 ppm)
#             with --clients 2 also $NCL2/$ICL2/clsys2 (-0.4 s, -25 ppm) at
#             10.78.2.3, both behind a Linux bridge in $NSW
#   pb_gm NAME NS IFACE PRIO1 [CLASS]   Debian ptp4l -H as GM, made to look
#                                       GNSS-locked with pmc
#   pb_gm_set NAME SETTINGS...          pmc SET GRANDMASTER_SETTINGS_NP
#   pb_bridge NAME [NS IFA IFB SYSCLK]  bridged (default on $IA/$IB) under the
#                                       emulator; [clock] lines in $PB_CLOCK_CONF
#   pb_chronyd NAME NS SYSCLK IFACE SERVER...   chronyd client (xleave, hwts)
#   pb_ctl NAME ARGS...                 bridgectl of bridge NAME
#   pb_json NAME CMD JQ                 one value from bridgectl --json CMD
#   pb_wait_state NAME STATE TIMEOUT    wait for reference.state
#
# Addresses: GM side 10.78.1.0/24, NTP side 10.78.2.0/24.

PB_BIN=$TL_ROOT/$O/build/bin
# The script itself, not common.sh's hwsim_run function: tl_bg of a shell
# function records the pid of a subshell, and killing that leaves the
# daemon running.  The script execs all the way down to the daemon.
PB_HWSIM_RUN=$TL_ROOT/tests/hwsim/hwsim-run
PB_GM_SETTINGS='clockClass 6 clockAccuracy 0x21 offsetScaledLogVariance 0x4e5d currentUtcOffset 37 leap61 0 leap59 0 currentUtcOffsetValid 1 ptpTimescale 1 timeTraceable 1 frequencyTraceable 1 timeSource 0x20'

pb_chain_init() {
	local wire="" clients=1 gms=1
	PB_SHIFT=0
	while [ $# -gt 0 ]; do
		case $1 in
		--shift) PB_SHIFT=$2; shift ;;
		--ideal) wire="--wire ideal --delay 1500 --jitter 50" ;;
		--clients) clients=$2; shift ;;
		--gms) gms=$2; shift ;;
		esac
		shift
	done
	# shellcheck disable=SC2086
	hwsim_init $wire >/dev/null
	tl_netns NGM
	tl_netns NBR
	tl_netns NCL
	if [ "$gms" = 1 ]; then
		tl_veth "$NGM" "$NBR" IGM IA 10.78.1.1/24 10.78.1.2/24
	else
		tl_netns NGM2
		tl_netns NSWA
		tl_switch "$NSWA" "$NGM" IGM 10.78.1.1/24 "$NGM2" IGM2 10.78.1.3/24 \
			"$NBR" IA 10.78.1.2/24
		hwsimctl add-phc "$IGM2" --netns "$NGM2" --offset "$(pb_off 37)" >/dev/null
	fi
	if [ "$clients" = 1 ]; then
		tl_veth "$NBR" "$NCL" IB ICL 10.78.2.1/24 10.78.2.2/24
	else
		tl_netns NSW
		tl_netns NCL2
		tl_switch "$NSW" "$NBR" IB 10.78.2.1/24 "$NCL" ICL 10.78.2.2/24 \
			"$NCL2" ICL2 10.78.2.3/24
		hwsimctl add-phc "$ICL2" --netns "$NCL2" >/dev/null
		hwsimctl add-sysclk clsys2 --offset "$(pb_off -0.4)" --freq -25 >/dev/null
	fi
	# The GM's PHC counts TAI: truth (UTC) + 37 s.
	hwsimctl add-phc "$IGM" --netns "$NGM" --offset "$(pb_off 37)" >/dev/null
	hwsimctl add-phc "$IA" --netns "$NBR" --offset "$(pb_off 38)" --freq 30 >/dev/null
	hwsimctl add-phc "$IB" --netns "$NBR" --offset "$(pb_off -2)" --freq 15 >/dev/null
	hwsimctl add-phc "$ICL" --netns "$NCL" --offset "$(pb_off 0)" >/dev/null
	hwsimctl add-sysclk gmsys --offset "$(pb_off 0)" >/dev/null
	hwsimctl add-sysclk brsys --offset "$(pb_off 0.2)" --freq -40 >/dev/null
	hwsimctl add-sysclk clsys --offset "$(pb_off 0.3)" --freq 20 >/dev/null
}

# An offset in s from truth, plus the test's --shift (the emulated world
# may run at another date than the host, e.g. just before a leap second).
pb_off() {
	awk -v a="$1" -v b="${PB_SHIFT:-0}" 'BEGIN { printf "%.9f", a + b }'
}

# pb_gm NAME NS IFACE PRIO1 [SETTINGS]
pb_gm() {
	local name=$1 ns=$2 ifc=$3 prio=$4
	cat >"$TL_TMP/$name.cfg" <<EOC
[global]
uds_address $TL_TMP/$name.sock
network_transport UDPv4
time_stamping hardware
tx_timestamp_timeout 100
priority1 $prio
logSyncInterval -3
logMinDelayReqInterval -3
logAnnounceInterval -2
announceReceiptTimeout 3
summary_interval 0
EOC
	tl_bg "$name" "$PB_HWSIM_RUN" -n "$ns" -s gmsys -- ptp4l -f "$TL_TMP/$name.cfg" -i "$ifc" -m
	# A second GM hears the better one and becomes its slave (or passive).
	tl_wait_log "$name" 'assuming the grand master role|LISTENING to MASTER|GRAND_MASTER|to SLAVE|to UNCALIBRATED|to PASSIVE' 20 ||
		{ tl_fail "$name did not start"; return 1; }
	pb_gm_set "$name" "${5:-$PB_GM_SETTINGS}"
}

pb_gm_set() {
	local name=$1
	shift
	pmc -u -b 0 -s "$TL_TMP/$name.sock" -i "$TL_TMP/pmc-$name.$$" \
		"SET GRANDMASTER_SETTINGS_NP $*" >"$TL_TMP/pmc-$name.log" 2>&1 ||
		{ tl_fail "pmc SET on $name"; return 1; }
	grep -q 'currentUtcOffsetValid' "$TL_TMP/pmc-$name.log" ||
		{ tl_fail "pmc SET on $name: no reply"; return 1; }
}

# pb_bridge_conf NAME [IFACE-A IFACE-B]: bridge.conf for NAME (extra [ptp]
# lines from $PB_PTP_CONF, [clock] lines from $PB_CLOCK_CONF, [ntp] lines
# from $PB_NTP_CONF)
pb_bridge_conf() {
	local name=$1 ifa=${2:-$IA} ifb=${3:-$IB}
	mkdir -p "$TL_TMP/$name"
	cat >"$TL_TMP/$name.conf" <<EOC
[ptp]
interface = $ifa
# linuxptp keys, passed through: react to a silent GM within 0.75 s
logAnnounceInterval = -2
announceReceiptTimeout = 3
${PB_PTP_CONF:-}

[clock]
${PB_CLOCK_CONF:-}

[ntp]
interface = $ifb
allow = all
hwtimestamp = yes
${PB_NTP_CONF:-}

[control]
socket = $TL_TMP/$name/bridged.sock
pidfile = $TL_TMP/$name/bridged.pid

[log]
target = stderr
level = info
linuxptp_level = info
EOC
}

# pb_bridge NAME [NETNS IFACE-A IFACE-B SYSCLK]  (default: $NBR $IA $IB brsys)
pb_bridge() {
	local name=$1 ns=${2:-$NBR} ifa=${3:-$IA} ifb=${4:-$IB} clk=${5:-brsys}
	[ -f "$TL_TMP/$name.conf" ] || pb_bridge_conf "$name" "$ifa" "$ifb"
	tl_bg "$name" "$PB_HWSIM_RUN" -n "$ns" -s "$clk" -- "$PB_BIN/bridged" -n -f "$TL_TMP/$name.conf"
}

pb_ctl() {
	local name=$1
	shift
	# a UNIX socket: reachable from any network namespace
	"$PB_BIN/bridgectl" -s "$TL_TMP/$name/bridged.sock" "$@"
}

# pb_json NAME CMD JQ-FILTER
pb_json() {
	pb_ctl "$1" --json $2 2>/dev/null | jq -r "$3" 2>/dev/null
}

pb_state() {
	pb_json "$1" status '.reference.state // .data.reference.state'
}

# pb_wait_state NAME STATE TIMEOUT
pb_wait_state() {
	local i=0
	while [ $i -lt $(($3 * 2)) ]; do
		[ "$(pb_state "$1")" = "$2" ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	return 1
}

# pb_chronyd NAME NS SYSCLK IFACE SERVER...
pb_chronyd() {
	local name=$1 ns=$2 clk=$3 ifc=$4 s
	shift 4
	# chronyd refuses a command socket in a directory others can read
	mkdir -p -m 700 "$TL_TMP/$name"
	{
		for s in "$@"; do
			echo "server $s iburst minpoll -2 maxpoll -2 xleave"
		done
		echo "hwtimestamp $ifc"
		echo "makestep 0.01 3"
		echo "bindcmdaddress $TL_TMP/$name/chronyd.sock"
		echo "pidfile $TL_TMP/$name/chronyd.pid"
		echo "driftfile $TL_TMP/$name/drift"
	} >"$TL_TMP/$name.conf"
	tl_bg "$name" "$PB_HWSIM_RUN" -n "$ns" -s "$clk" -- chronyd -d -u root -f "$TL_TMP/$name.conf"
}

pb_chronyc() {
	local name=$1
	shift
	chronyc -h "$TL_TMP/$name/chronyd.sock" "$@"
}

# pb_measure CLOCK SECONDS FILE: "rms max n" of the clock vs truth, in ns.
pb_measure() {
	hwsimctl log "$3" --interval 0.25 --duration "$2" "$1" >/dev/null
	tl_stats "$3" 2
}
