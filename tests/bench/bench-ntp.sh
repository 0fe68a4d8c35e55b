#!/bin/bash
# make bench-ntp: bridged's NTP server against Debian's chronyd 4.3 and a
# bare recvmmsg/sendmmsg echo (the ceiling), side by side in one run.
#
# Two namespaces joined by a veth; the client side makes 10.240.0.0/15 local
# (AnyIP) so tests/bench/ntpload can send from up to 130k addresses.  For
# each server: CPU time (user+sys from /proc) per response at fixed offered
# rates, basic and interleaved, 1k and 100k clients (after a warm-up in
# which every client makes its first exchanges); then the highest rate with
# <= 0.1% loss.  Bounded: every run is a few seconds.  Not pass/fail.
#
#   BENCH_RATES="20000 60000"  fixed rates
#   BENCH_DUR=3                seconds per measurement
#   BENCH_MAX_STEPS="20000 40000 60000 80000 100000 130000"
#   BENCH_OUT=file             also write the markdown table there
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../integration/ntp_lib.sh"
RATES=${BENCH_RATES:-20000 60000}
DUR=${BENCH_DUR:-3}
MAX_STEPS=${BENCH_MAX_STEPS:-20000 40000 60000 80000 100000 130000}
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

# load SERVER CLIENTS RATE [-x] -> key=value line
load() {
	local srv=$1 c=$2 r=$3 x=${4:-} w
	w=$(awk -v c="$c" 'BEGIN { w = 2.2 * c / 50000; if (w < 0.5) w = 0.5; print w }')
	ip netns exec "$NS_C" "$LOAD" -s "$SRV" -p "${PORT[$srv]}" -c "$c" -r "$r" -d "$DUR" \
		-W "$w" -R 50000 -P "${PID[$srv]}" $x
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

RES=$TL_TMP/results
: > "$RES"
for c in 1000 100000; do
	for mode in basic xleave; do
		for r in $RATES; do
			for srv in bridged chronyd echo; do
				[ $srv = echo ] && [ $mode = xleave ] && continue
				out=$(load $srv $c $r $([ $mode = xleave ] && echo -x))
				echo "$srv $mode $c $r $out" >> "$RES"
				tl_log "$srv $mode clients=$c rate=$r: $out"
			done
		done
	done
done
# highest rate with <= 0.1% loss: basic with 1k clients, interleaved with 100k
for mode in basic xleave; do
	c=1000
	[ $mode = xleave ] && c=100000
	for srv in bridged chronyd echo; do
		[ $srv = echo ] && [ $mode = xleave ] && continue
		best=0
		for r in $MAX_STEPS; do
			out=$(DUR=2 load $srv $c $r $([ $mode = xleave ] && echo -x))
			loss=$(field "$out" loss_pct)
			got=$(field "$out" rate)
			tl_log "$srv $mode max-rate step $r: $out"
			awk -v l="$loss" 'BEGIN { exit !(l <= 0.1) }' || break
			best=$got
		done
		echo "$srv max_$mode $c 0 best=$best" >> "$RES"
	done
done
# --- table -------------------------------------------------------------------
get() { # srv mode clients rate field
	awk -v s="$1" -v m="$2" -v c="$3" -v r="$4" '$1 == s && $2 == m && $3 == c && $4 == r' "$RES" |
		tr ' ' '\n' | sed -n "s/^$5=//p"
}
# the transmit-stamp error of the mode's responses: "mean (sd)"
txerr() {
	local k=basic
	[ "$2" = xleave ] && k=xleave
	echo "$(get "$1" "$2" "$3" "$4" tx_err_${k}_us) ($(get "$1" "$2" "$3" "$4" tx_err_${k}_sd_us))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
{
	echo "| clients | mode | rate/s | bridged us/resp | chronyd us/resp | echo us/resp | bridged/chronyd | bridged/echo | interleaved bridged / chronyd | p99 us bridged / chronyd | TX-stamp error us, mean (sd), bridged / chronyd |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for c in 1000 100000; do
		for mode in basic xleave; do
			for r in $RATES; do
				b=$(get bridged $mode $c $r cpu_us_per_resp)
				h=$(get chronyd $mode $c $r cpu_us_per_resp)
				e=$(get echo basic $c $r cpu_us_per_resp)
				echo "| $c | $mode | $r | $b | $h | $e | $(ratio "$b" "$h") | $(ratio "$b" "$e") |" \
					"$(get bridged $mode $c $r interleaved_pct)% / $(get chronyd $mode $c $r interleaved_pct)% |" \
					"$(get bridged $mode $c $r p99_us) / $(get chronyd $mode $c $r p99_us) |" \
					"$(txerr bridged $mode $c $r) / $(txerr chronyd $mode $c $r) |"
			done
		done
	done
	echo
	echo "| max rate, <= 0.1% loss | bridged | chronyd | echo | bridged/chronyd | bridged/echo |"
	echo "|---|---|---|---|---|---|"
	for mode in basic xleave; do
		c=1000
		[ $mode = xleave ] && c=100000
		b=$(get bridged max_$mode $c 0 best)
		h=$(get chronyd max_$mode $c 0 best)
		e=$(get echo max_basic 1000 0 best)
		[ $mode = xleave ] && e=-
		echo "| $mode, $c clients | $b | $h | $e | $(ratio "$b" "$h") | $(ratio "$b" "$e") |"
	done
	echo
	echo "Server RSS after the 100k-client runs (KiB): bridged $(get bridged xleave 100000 $(echo $RATES | awk '{ print $NF }') rss_kb), chronyd $(get chronyd xleave 100000 $(echo $RATES | awk '{ print $NF }') rss_kb), echo $(get echo basic 100000 $(echo $RATES | awk '{ print $NF }') rss_kb)."
	echo
	echo "The last max-rate step ($(echo $MAX_STEPS | awk '{ print $NF }')/s) is the generator's ceiling here; a server that passed it is at least that fast."
} > "$TL_TMP/table.md"
cat "$TL_TMP/table.md"
[ -n "${BENCH_OUT:-}" ] && cp "$TL_TMP/table.md" "$BENCH_OUT"
tl_finish
