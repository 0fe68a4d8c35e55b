#!/bin/bash
# make bench-ntp: bridged's NTP server against Debian's chronyd 4.3 and a
# bare recvmmsg/sendmmsg echo (the ceiling), side by side in one run.
#
# Two namespaces joined by a veth; the client side makes 10.240.0.0/15 local
# (AnyIP) so tests/bench/ntpload can send from up to 130k addresses.
#
# Where things run.  Every server is pinned to CPU 1 and the generator to
# CPU 0 (with fewer than two CPUs nothing is pinned, and the report says
# so).  On a veth the receive softirq of a datagram runs on the CPU that
# sends it, inside that send: a request's (UDP lookup, queueing, our RX
# stamp) on the generator's CPU, a reply's (the client's side) on the
# server's, inside its sendmmsg/sendmsg.  Without IRQ time accounting
# (the report says which) that softirq time is charged to the task that
# sent: every server's CPU per reply includes its replies' delivery.
#
# For each server, at fixed offered rates (BENCH_RATES, and the highest rate
# the generator sustains, found as the echo's highest step), basic,
# interleaved and a half-and-half mix, 1k and 100k clients (after a warm-up
# in which every client makes its first exchanges): CPU time per reply
# (/proc schedstat), loss, stale replies (to an earlier request of the
# client), late replies (100 ms or more), interleaved share, p99 round trip,
# and the transmit-stamp error of basic and interleaved replies measured
# from the generator's own kernel RX stamp of each reply (mean, sd, median,
# and the 99th percentile of its absolute value: a few preempted replies
# make the sd). Then the highest rate with <= 0.1% loss (a server that
# passes the last step is at least that fast: the step is the generator's
# ceiling, never the server's). Then overload: each server in turn limited
# to BENCH_CPU_PCT % of a CPU (a cgroup v1 CPU quota over a 10 ms period,
# removed afterwards), its highest interleaved rate found, and 1.5x that
# offered: interleaved share, stale, late and loss, and bridged's drops of
# requests older than max_answer_delay. BENCH_PROFILE=1 adds a perf profile
# of bridged at 60k/s, basic and interleaved. Bounded: every measurement is
# a few seconds. Not pass/fail.
#
#   BENCH_RATES="20000 60000"  fixed rates (the generator's ceiling is added)
#   BENCH_DUR=3                seconds per measurement
#   BENCH_MAX_STEPS="20000 40000 60000 80000 100000 130000"
#   BENCH_CPU_PCT=30           the overload runs' CPU quota (0: none)
#   BENCH_OUT=file             also write the markdown report there
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../integration/ntp_lib.sh"
RATES=${BENCH_RATES:-20000 60000}
DUR=${BENCH_DUR:-3}
MAX_STEPS=${BENCH_MAX_STEPS:-20000 40000 60000 80000 100000 130000}
CPU_PCT=${BENCH_CPU_PCT:-30}
LOAD=$BUILD/bench/ntpload
ECHO=$BUILD/bench/ntpecho

tl_init bench_ntp
for b in "$LOAD" "$ECHO"; do
	[ -x "$b" ] || { tl_fail "$b is missing: make bench-ntp builds it"; tl_finish; }
done
ntp_net || { tl_fail "namespaces"; tl_finish; }
ip -n "$NS_C" route add local 10.240.0.0/15 dev lo
ip -n "$NS_S" route add 10.240.0.0/15 via "$CLI"
ip netns exec "$NS_C" sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec "$NS_S" sysctl -qw net.ipv4.conf.all.rp_filter=0

if [ "$(nproc)" -ge 2 ]; then
	SRV_CPU=1
	GEN_CPU=0
	GEN=(taskset -c "$GEN_CPU")
	WHERE="servers pinned to CPU $SRV_CPU, the generator to CPU $GEN_CPU"
else
	GEN=()
	WHERE="one CPU: nothing pinned"
fi
IRQACC=unknown
[ -r /proc/config.gz ] &&
	IRQACC=$(zcat /proc/config.gz | grep -q '^CONFIG_IRQ_TIME_ACCOUNTING=y' && echo on || echo off)

# All three servers run at once, each on its own port, and every
# configuration is measured on each in turn: the machine is shared, and
# interleaving keeps a change in background load from favouring one server.
declare -A PORT PID
PORT[bridged]=123
PORT[chronyd]=1123
PORT[echo]=2123

ntp_conf "allow=10.0.0.0/8" "local_stratum=1" "clientloglimit=16M" "hwtimestamp=no"
tl_bg bridged ip netns exec "$NS_S" setpriv --inh-caps=-sys_time \
	--bounding-set=-sys_time -- "$BRIDGED" -n -f "$TL_TMP/bridge.conf"
tl_wait_log bridged "ntp: started" 10 || { tl_fail "bridged did not start"; tl_finish; }
PID[bridged]=$TL_PID_bridged

mkdir -p "$TL_TMP/chronyd-srv"
chmod 770 "$TL_TMP/chronyd-srv"
cat > "$TL_TMP/chronyd-srv/chrony.conf" <<EOC
port ${PORT[chronyd]}
allow 10.0.0.0/8
local stratum 1
clientloglimit 16777216
cmdport 0
pidfile $TL_TMP/chronyd-srv/chronyd.pid
EOC
tl_bg chronyd ip netns exec "$NS_S" setpriv --inh-caps=-sys_time \
	--bounding-set=-sys_time -- chronyd -x -d -u root -f "$TL_TMP/chronyd-srv/chrony.conf"
PID[chronyd]=$TL_PID_chronyd
tl_bg echo ip netns exec "$NS_S" "$ECHO" -p "${PORT[echo]}"
PID[echo]=$TL_PID_echo
sleep 2
for s in bridged chronyd echo; do
	[ -n "${SRV_CPU:-}" ] && taskset -a -p -c "$SRV_CPU" "${PID[$s]}" > /dev/null
done

# load SERVER CLIENTS RATE [-x | -X PCT] -> key=value line.  The warm-up lets every
# client make two exchanges, at 50k/s or the measured rate if lower.
load() {
	local srv=$1 c=$2 r=$3 w wr
	wr=$(awk -v r="$r" 'BEGIN { print (r < 50000 ? r : 50000) }')
	w=$(awk -v c="$c" -v wr="$wr" 'BEGIN { w = 2.2 * c / wr; if (w < 0.5) w = 0.5; print w }')
	ip netns exec "$NS_C" "${GEN[@]}" "$LOAD" -s "$SRV" -p "${PORT[$srv]}" -c "$c" -r "$r" \
		-d "$DUR" -W "$w" -R "$wr" -P "${PID[$srv]}" "${@:4}"
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ok_loss() { awk -v l="$(field "$1" loss_pct)" 'BEGIN { exit !(l <= 0.1) }'; }

RES=$TL_TMP/results
: > "$RES"
record() { echo "$*" >> "$RES"; }

# best SERVER CLIENTS MODE STEPS...: the highest step with <= 0.1% loss
best() {
	local srv=$1 c=$2 mode=$3 best=0 r out
	shift 3
	for r in "$@"; do
		out=$(DUR=2 load "$srv" "$c" "$r" $([ "$mode" = xleave ] && echo -x))
		tl_log "$srv $mode clients=$c step $r: $out" >&2
		ok_loss "$out" || break
		best=$r
	done
	echo "$best"
}

# --- the generator's ceiling: the echo's highest step ----------------------
GMAX=$(best echo 1000 basic $MAX_STEPS)
record "echo max_basic 1000 0 best=$GMAX"
FIXED="$RATES"
case " $RATES " in *" $GMAX "*) ;; *) [ "$GMAX" -gt 0 ] && FIXED="$RATES $GMAX" ;; esac

# --- fixed rates -----------------------------------------------------------
# mixed: half the clients interleave (-X 50), as in the field; its TX-stamp
# error column is the basic replies', the ones a model learnt from the
# interleaved replies' stamps could get wrong.
mode_opt() { case $1 in xleave) echo -x ;; mixed) echo -X 50 ;; esac; }
for c in 1000 100000; do
	for mode in basic xleave mixed; do
		for r in $FIXED; do
			for srv in bridged chronyd echo; do
				[ $srv = echo ] && [ $mode != basic ] && continue
				out=$(load $srv $c $r $(mode_opt $mode))
				record "$srv $mode $c $r $out"
				tl_log "$srv $mode clients=$c rate=$r: $out"
			done
		done
	done
done

# --- highest rate: basic with 1k clients, interleaved with 100k ------------
for mode in basic xleave; do
	c=1000
	[ $mode = xleave ] && c=100000
	for srv in bridged chronyd; do
		record "$srv max_$mode $c 0 best=$(best $srv $c $mode $MAX_STEPS)"
	done
done

# --- overload: a CPU quota, then 1.5x the highest rate under it -----------
CG=/sys/fs/cgroup/cpu/ptpbridge-bench-$$
late_drops() {
	bctl --json serverstats 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("ntp_dropped_late", 0))' ||
		echo 0
}
OVER=no
if [ "$CPU_PCT" -gt 0 ] && mkdir "$CG" 2>/dev/null; then
	OVER=yes
	TL_RMDIRS="$CG"
	# a 10 ms period (the quota's floor is 1 ms): a throttled server
	# waits at most a few ms, far below max_answer_delay
	echo 10000 > "$CG/cpu.cfs_period_us"
	echo $((CPU_PCT * 100)) > "$CG/cpu.cfs_quota_us" || { tl_fail "cgroup CPU quota"; OVER=no; }
	OC=10000
	for srv in $([ $OVER = yes ] && echo bridged chronyd); do
		for t in /proc/"${PID[$srv]}"/task/*; do echo "${t##*/}" > "$CG/tasks"; done
		m=$(best $srv $OC xleave 5000 10000 15000 20000 25000 30000 40000 50000 60000)
		r=$((m * 3 / 2))
		[ "$m" -gt 0 ] || r=10000
		l0=$([ $srv = bridged ] && late_drops || echo 0)
		out=$(load $srv $OC $r -x)
		l1=$([ $srv = bridged ] && late_drops || echo 0)
		tl_log "$srv overload (max $m, offered $r): $out late_drops=$((l1 - l0))"
		record "$srv over $OC $r max=$m late_drops=$((l1 - l0)) $out"
		for t in /proc/"${PID[$srv]}"/task/*; do
			echo "${t##*/}" > /sys/fs/cgroup/cpu/tasks
		done
	done
	rmdir "$CG"
fi

# --- where bridged's time goes ---------------------------------------------
if [ -n "${BENCH_PROFILE:-}" ] && command -v perf > /dev/null; then
	for mode in basic xleave; do
		ip netns exec "$NS_C" "${GEN[@]}" "$LOAD" -s "$SRV" -p 123 -c 1000 -r 60000 -d 6 \
			$([ $mode = xleave ] && echo -x) > /dev/null &
		lp=$!
		sleep 1
		perf record -q -g -o "$TL_TMP/perf-$mode.data" -p "${PID[bridged]}" -- sleep 4 \
			> /dev/null 2>&1
		wait $lp
		{
			perf report -q --stdio -i "$TL_TMP/perf-$mode.data" --no-children \
				--sort dso -g none 2>/dev/null | awk 'NF >= 2 { print $1, $2 }' | head -6
			echo
			perf report -q --stdio -i "$TL_TMP/perf-$mode.data" --no-children \
				--sort dso,symbol --percent-limit 1.5 -g none 2>/dev/null |
				awk 'NF >= 4 { printf "%7s %-14s %s\n", $1, $2, $4 }' | head -25
		} > "$TL_TMP/profile-$mode.txt"
	done
fi

# --- report ----------------------------------------------------------------
get() { # srv mode clients rate field
	awk -v s="$1" -v m="$2" -v c="$3" -v r="$4" '$1 == s && $2 == m && $3 == c && $4 == r' "$RES" |
		tr ' ' '\n' | sed -n "s/^$5=//p"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
# the generator could not send what was asked: its limit, not the server's
sent_rate() {
	local a
	a=$(get "$@" rate)
	awk -v a="$a" -v r="$4" 'BEGIN { printf "%d%s", a, (a < 0.98 * r ? " (generator)" : "") }'
}
txerr() {
	local k=basic
	[ "$2" = xleave ] && k=xleave
	echo "$(get "$1" "$2" "$3" "$4" tx_err_${k}_us) ($(get "$1" "$2" "$3" "$4" tx_err_${k}_sd_us))" \
		"| $(get "$1" "$2" "$3" "$4" tx_err_${k}_p50_us) | $(get "$1" "$2" "$3" "$4" tx_err_${k}_p99abs_us)"
}
{
	echo "Run of $(date -u +%Y-%m-%d), $(git -C "$TL_ROOT" describe --always --dirty 2>/dev/null):" \
		"$WHERE; IRQ time accounting $IRQACC (softirq charged to the sending task: each" \
		"server's CPU includes its replies' delivery, the generator's the requests')."
	echo
	echo "| clients | mode | offered/s | server | sent/s | CPU us/reply | / chronyd | / echo | loss % | stale | late | interleaved | p99 us | TX-stamp error us, mean (sd) | median | 99% of abs |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for c in 1000 100000; do
		for mode in basic xleave mixed; do
			for r in $FIXED; do
				h=$(get chronyd $mode $c $r cpu_us_per_resp)
				e=$(get echo basic $c $r cpu_us_per_resp)
				for srv in bridged chronyd echo; do
					[ $srv = echo ] && [ $mode != basic ] && continue
					u=$(get $srv $mode $c $r cpu_us_per_resp)
					echo "| $c | $mode | $r | $srv | $(sent_rate $srv $mode $c $r) | $u |" \
						"$(ratio "$u" "$h") | $(ratio "$u" "$e") |" \
						"$(get $srv $mode $c $r loss_pct) | $(get $srv $mode $c $r stale) |" \
						"$(get $srv $mode $c $r late) | $(get $srv $mode $c $r interleaved_pct)% |" \
						"$(get $srv $mode $c $r p99_us) | $(txerr $srv $mode $c $r) |"
				done
			done
		done
	done
	echo
	echo "| highest rate, <= 0.1% loss | bridged | chronyd | echo |"
	echo "|---|---|---|---|"
	for mode in basic xleave; do
		c=1000
		[ $mode = xleave ] && c=100000
		e=$GMAX
		[ $mode = xleave ] && e=-
		echo "| $mode, $c clients | $(get bridged max_$mode $c 0 best) | $(get chronyd max_$mode $c 0 best) | $e |"
	done
	echo
	echo "The last step ($(echo $MAX_STEPS | awk '{ print $NF }')/s) is the generator's ceiling here:" \
		"a server that passed it is at least that fast."
	if [ $OVER = yes ]; then
		echo
		echo "Overload: each server limited to $CPU_PCT% of a CPU, interleaved, 10k clients," \
			"offered 1.5x its own highest rate under that limit."
		echo
		echo "| server | highest rate | offered/s | sent/s | loss % | stale | late | interleaved | p50 us | p99 us | late drops (bridged) |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		for srv in bridged chronyd; do
			line=$(awk -v s=$srv '$1 == s && $2 == "over"' "$RES")
			f() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
			echo "| $srv | $(f max) | $(echo "$line" | awk '{ print $4 }') | $(f rate) |" \
				"$(f loss_pct) | $(f stale) | $(f late) | $(f interleaved_pct)% | $(f p50_us) | $(f p99_us) |" \
				"$([ $srv = bridged ] && f late_drops || echo -) |"
		done
	fi
	echo
	echo "Server RSS after the 100k-client runs (KiB): bridged $(get bridged xleave 100000 ${FIXED##* } rss_kb)," \
		"chronyd $(get chronyd xleave 100000 ${FIXED##* } rss_kb), echo $(get echo basic 100000 ${FIXED##* } rss_kb)."
	for mode in basic xleave; do
		[ -s "$TL_TMP/profile-$mode.txt" ] || continue
		echo
		echo "bridged at 60k/s, $mode, 1k clients: perf, self time by object, then by symbol (>= 1.5%):"
		echo
		echo '```'
		cat "$TL_TMP/profile-$mode.txt"
		echo '```'
	done
} > "$TL_TMP/table.md"
cat "$TL_TMP/table.md"
[ -n "${BENCH_OUT:-}" ] && cp "$TL_TMP/table.md" "$BENCH_OUT"
tl_finish
