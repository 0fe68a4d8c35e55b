# tests/lib/common.sh - shared helpers for ptpbridge integration tests.
# Source it from a test script (sh/bash):  . "$(dirname "$0")/../lib/common.sh"
#
#   tl_init NAME             temp dir $TL_TMP, cleanup trap, host clock record
#   tl_netns VAR             new network namespace, its name stored in VAR
#   tl_veth NS1 NS2 VAR1 VAR2 [ADDR1/PFX ADDR2/PFX]
#                            veth pair between two namespaces (names in VAR1/2)
#   tl_switch SWNS NS VAR ADDR...  a Linux bridge in SWNS with a port to each NS
#   hwsim_init [hwsimctl init options]   emulator state in $HWSIM_DIR
#   hwsimctl ARGS...         the emulator's control tool
#   hwsim_run [-n NS] [-s SYSCLK] [-e VAR=VAL]... -- CMD...
#                            run CMD under the emulator, CAP_SYS_TIME dropped
#   tl_bg NAME CMD...        run in background, output in $TL_TMP/NAME.log,
#                            killed (by its pid) at cleanup; pid in TL_PID_NAME
#   tl_wait_log NAME REGEX TIMEOUT   wait until the log matches
#   tl_stats FILE COL [FROM] [SUBCOL]   "rms max n" of a hwsimctl log column
#   tl_mean FILE COL [FROM] [SUBCOL]    its mean
#   tl_log MSG / tl_pass MSG / tl_fail MSG
#   tl_finish                host clock check, summary line, exit status
#
# Everything a test creates (namespaces, veths, processes, temp files) is
# removed by the EXIT trap.  Set TL_KEEP=1 to keep $TL_TMP for debugging.
# Never run anything that could set the host clock outside hwsim_run.

TL_ROOT=$(cd "$(dirname "${BASH_SOURCE:-$0}")/../.." 2>/dev/null && pwd)
[ -f "$TL_ROOT/tests/lib/common.sh" ] || TL_ROOT=$(pwd)
: "${O:=output}"
: "${HWSIM_BIN:=$TL_ROOT/$O/build/hwsim}"
export HWSIM_BIN
TL_NETNS=""
TL_PIDS=""
TL_FAILS=0
TL_SEQ=0

tl_log() { echo "[$(date +%H:%M:%S)] ${TL_NAME:-test}: $*"; }
tl_pass() { tl_log "PASS: $*"; }
tl_fail() { tl_log "FAIL: $*"; TL_FAILS=$((TL_FAILS + 1)); }
# tl_expect DESCRIPTION COMMAND...: pass if the command succeeds, else fail
# and show the start of its output.
tl_expect() {
	local what=$1
	shift
	if "$@" > "$TL_TMP/expect.out" 2>&1; then
		tl_pass "$what"
	else
		tl_fail "$what"
		sed 's/^/    /' "$TL_TMP/expect.out" | head -20
	fi
}

# tl_kill_tree PID [SIG]: the process and its descendants, children first
# (so none is re-parented to init before it is found).
tl_kill_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		tl_kill_tree "$c" "${2:-TERM}"
	done
	kill "-${2:-TERM}" "$1" 2>/dev/null
}

tl_cleanup() {
	local p ns
	for p in $TL_PIDS; do
		tl_kill_tree "$p"
	done
	[ -n "$TL_PIDS" ] && sleep 0.3
	for p in $TL_PIDS; do
		tl_kill_tree "$p" KILL
	done
	for ns in $TL_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	for d in ${TL_RMDIRS:-}; do	# cgroups a bench made (empty once its tasks are gone)
		rmdir "$d" 2>/dev/null
	done
	if [ -n "${TL_TMP:-}" ] && [ -z "${TL_KEEP:-}" ]; then
		rm -rf "$TL_TMP"
	fi
}

tl_init() {
	TL_NAME=$1
	[ "$(id -u)" = 0 ] || { echo "$TL_NAME: needs root (netns)"; exit 77; }
	TL_TMP=$(mktemp -d "/tmp/pbtest-$TL_NAME.XXXXXX")
	TL_TAG=$(printf '%05d' $(($$ % 100000)))
	trap tl_cleanup EXIT
	trap 'exit 130' INT TERM
	if [ -x "$HWSIM_BIN/clockguard" ]; then
		"$HWSIM_BIN/clockguard" record "$TL_TMP/clockguard" ||
			{ echo "$TL_NAME: clockguard record failed"; exit 1; }
	else
		echo "$TL_NAME: $HWSIM_BIN/clockguard missing (make hwsim)"; exit 1
	fi
}

# tl_netns VAR: a namespace named pb<pid><n>, deleted at cleanup.
tl_netns() {
	local name
	TL_SEQ=$((TL_SEQ + 1))
	name="pb$TL_TAG-$TL_SEQ"
	ip netns add "$name" || return 1
	TL_NETNS="$TL_NETNS $name"
	ip -n "$name" link set lo up
	eval "$1=\$name"
}

# tl_veth NS1 NS2 VAR1 VAR2 [ADDR1 ADDR2]: veth pair, one end in each
# namespace (interface names <= 15 chars), up, optional addresses.
tl_veth() {
	local a b
	TL_SEQ=$((TL_SEQ + 1))
	a="pb${TL_TAG}a$TL_SEQ"
	b="pb${TL_TAG}b$TL_SEQ"
	ip link add "$a" netns "$1" type veth peer name "$b" netns "$2" || return 1
	ip -n "$1" link set "$a" up
	ip -n "$2" link set "$b" up
	if [ -n "${5:-}" ]; then
		ip -n "$1" addr add "$5" dev "$a"
		ip -n "$2" addr add "$6" dev "$b"
	fi
	eval "$3=\$a; $4=\$b"
}

# tl_switch SWNS NS VAR ADDR [NS VAR ADDR]...: a Linux bridge (a switch
# that knows nothing of PTP) in namespace SWNS, and for each NS a veth from
# it to the switch; the name of NS's end goes to VAR and gets ADDR (a
# CIDR address, or - for none).
tl_switch() {
	local _sw=$1 _ns _var _addr _port
	shift
	ip -n "$_sw" link add sw type bridge || return 1
	ip -n "$_sw" link set sw up
	while [ $# -ge 3 ]; do
		_ns=$1 _var=$2 _addr=$3
		shift 3
		tl_veth "$_ns" "$_sw" "$_var" _port || return 1
		ip -n "$_sw" link set "$_port" master sw
		[ "$_addr" = - ] || eval "ip -n \"\$_ns\" addr add \"\$_addr\" dev \"\$$_var\""
	done
}

hwsimctl() { "$HWSIM_BIN/hwsimctl" "$@"; }

hwsim_init() {
	HWSIM_DIR=$TL_TMP/hwsim
	export HWSIM_DIR
	hwsimctl init "$@"
}

hwsim_run() { "$TL_ROOT/tests/hwsim/hwsim-run" "$@"; }

# tl_bg NAME CMD...: background process whose pid is recorded for cleanup.
# hwsim_run and hwsimctl are replaced by their programs, so that the pid is
# the daemon's own (hwsim-run execs down to it); other shell functions run
# in a subshell, whose descendants cleanup also kills.
tl_bg() {
	local name=$1
	shift
	case $1 in
	hwsim_run) shift; set -- "$TL_ROOT/tests/hwsim/hwsim-run" "$@" ;;
	hwsimctl) shift; set -- "$HWSIM_BIN/hwsimctl" "$@" ;;
	esac
	"$@" >"$TL_TMP/$name.log" 2>&1 &
	TL_PIDS="$TL_PIDS $!"
	eval "TL_PID_$name=$!"
}

tl_wait_log() {
	local i=0 max=$(($3 * 10))
	while [ $i -lt $max ]; do
		grep -qE "$2" "$TL_TMP/$1.log" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Stop the background processes now (cleanup would do it too): TERM, up
# to 3 s to exit, then KILL.
tl_stop() {
	local p i alive
	for p in $TL_PIDS; do
		tl_kill_tree "$p"
	done
	for i in $(seq 30); do
		alive=0
		for p in $TL_PIDS; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in $TL_PIDS; do
		tl_kill_tree "$p" KILL
		wait "$p" 2>/dev/null
	done
	TL_PIDS=""
}

# rms/max of column COL (1-based) of a log, over lines whose truth time
# (column 1) is >= FROM; prints "rms max n" in the log's unit.
tl_stats() {
	awk -v c="$2" -v from="${3:-0}" -v sub_col="${4:-0}" '
		/^#/ { next }
		$1 >= from { v = $c; if (sub_col) v -= $sub_col; s += v * v; n++;
			a = v < 0 ? -v : v; if (a > m) m = a }
		END { if (n) printf "%.1f %.1f %d\n", sqrt(s / n), m, n; else print "nan nan 0" }' "$1"
}

# mean of column COL (minus SUBCOL) over lines with truth >= FROM
tl_mean() {
	awk -v c="$2" -v from="${3:-0}" -v sub_col="${4:-0}" '
		/^#/ { next }
		$1 >= from { v = $c; if (sub_col) v -= $sub_col; s += v; n++ }
		END { if (n) printf "%.1f\n", s / n; else print "nan" }' "$1"
}

tl_finish() {
	tl_stop
	if ! "$HWSIM_BIN/clockguard" check "$TL_TMP/clockguard"; then
		tl_fail "host clock changed"
	fi
	if [ "$TL_FAILS" = 0 ]; then
		tl_log "OK"
		exit 0
	fi
	tl_log "FAILED ($TL_FAILS)"
	if [ -n "${TL_VERBOSE:-}" ]; then
		tail -n 30 "$TL_TMP"/*.log
	fi
	exit 1
}
