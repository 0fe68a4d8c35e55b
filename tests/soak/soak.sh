#!/bin/bash
# make soak (and, short, make check): faults and floods against the whole
# chain on the emulator (issue 12).  Debian's ptp4l is the GM, bridged is
# synced, a chronyd client (xleave, hardware stamps) is measured against
# truth throughout, and tests/bench/ntpload loads the server beside it.
# Every case prints its figure and adds a row to the table in
# $SOAK_TABLE (default $O/soak.md): case, load, duration, result, figure.
#
#   SOAK_SECONDS   length of the long cases (default 600; make check: 20)
#   SOAK_CASES     which cases, in order (default: all)
#   SOAK_KILL_BOUND  seconds from a restart to serving synced (default 5;
#                  make check, beside other loads, allows 8)
#
# Everything runs in namespaces this script creates and deletes; the host
# clock is never touched (hwsim, clockguard); every load stops by itself.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../integration/ptp_lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_CASES=${SOAK_CASES:-"flood spoof amp reload kill link config ctl"}
SOAK_TABLE=${SOAK_TABLE:-$TL_ROOT/${O:-output}/soak.md}
SOAK_KILL_BOUND=${SOAK_KILL_BOUND:-5}
LOAD=$TL_ROOT/${O:-output}/build/bench/ntpload
JUNK=$TL_ROOT/tests/soak/ntpjunk.py
SRV=10.78.2.1
CLI=10.78.2.2

tl_init soak
[ -x "$LOAD" ] || { tl_fail "no $LOAD (make output/build/bench/ntpload)"; tl_finish; }
mkdir -p "$(dirname "$SOAK_TABLE")"
{
	echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$TL_ROOT" describe --always --dirty 2>/dev/null), SOAK_SECONDS=$SOAK_SECONDS"
	echo
	echo "| case | load | duration | result | figure |"
	echo "|---|---|---|---|---|"
} >"$SOAK_TABLE"
row() { echo "| $1 | $2 | $3 | $4 | $5 |" >>"$SOAK_TABLE"; }
# verdict pass|FAIL CASE LOAD DURATION FIGURE: say it, and add its row
verdict() {
	if [ "$1" = pass ]; then tl_pass "$2: $5"; else tl_fail "$2: $5"; fi
	row "$2" "$3" "$4" "$1" "$5"
}

pb_chain_init
# the load comes from 10.240.0.0/15 in the client's namespace (AnyIP)
ip -n "$NCL" route add local 10.240.0.0/15 dev lo
ip -n "$NBR" route add 10.240.0.0/15 via "$CLI"
ip netns exec "$NCL" sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec "$NBR" sysctl -qw net.ipv4.conf.all.rp_filter=0

PB_NTP_CONF="clientloglimit = 16M"
pb_gm gm "$NGM" "$IGM" 100 || tl_finish
# the control socket open to a group, as on the image (nogroup here): its
# members may read, not change
pb_bridge_conf br
sed -i 's/^\[control\]$/[control]\ngroup = nogroup/' "$TL_TMP/br.conf"
pb_bridge br
pb_chronyd cl "$NCL" clsys "$ICL" "$SRV"
pb_wait_state br synced 45 || { tl_fail "not synced within 45 s"; tl_finish; }
sleep 5

bridged_pid() { cat "$TL_TMP/br/bridged.pid" 2>/dev/null; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$(bridged_pid)/status" 2>/dev/null; }
stat_of() { pb_json br serverstats ".$1"; }
# the NTP client's clock against truth over S seconds: "rms max n" in ns
client_err() { pb_measure clsys "$1" "$TL_TMP/clerr.$2.log"; }
valid_rx() { pb_chronyc cl ntpdata "$SRV" | sed -n 's/^Total valid RX *: *//p'; }
# ntpload in the client's namespace; its one line of key=value
load() { ip netns exec "$NCL" "$LOAD" -s "$SRV" "$@" 2>/dev/null | tail -1; }
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

read -r q_rms q_max _ < <(client_err 10 quiet)
tl_log "quiet: the client's clock rms $q_rms ns, max $q_max ns from truth"

# --- long flood: 100k clients at 20k/s; RSS flat, the client unharmed ----
case_flood() {
	local d=$SOAK_SECONDS rss0 rss rss_max rss_mid="" out rms max i=0
	rss0=$(rss_kb)
	rss_max=$rss0
	load -c 100000 -r 20000 -d "$d" -x >"$TL_TMP/flood.out" &
	local lp=$! t0
	t0=$(date +%s.%N)
	pb_measure clsys "$d" "$TL_TMP/clerr.flood.log" >"$TL_TMP/flood.err" &
	local mp=$!
	while kill -0 $lp 2>/dev/null; do
		sleep 1
		i=$((i + 1))
		[ $((i % 10)) = 0 ] || [ $i = 1 ] || continue
		rss=$(rss_kb)
		[ -n "$rss" ] || continue
		[ "$rss" -gt "$rss_max" ] && rss_max=$rss
		[ $i -ge $((d / 2)) ] && [ -z "$rss_mid" ] && rss_mid=$rss
		echo "$(secs "$t0") $rss" >>"$TL_TMP/rss.log"
	done
	wait $mp
	out=$(cat "$TL_TMP/flood.out")
	read -r rms max _ <"$TL_TMP/flood.err"
	rss=$(rss_kb)
	local grow=$((rss_max - rss0)) late=$(( ${rss:-0} - ${rss_mid:-${rss:-0}} ))
	local limit=$((16 * 1024 + 8 * 1024))
	local fig="RSS $((rss0 / 1024)) -> max $((rss_max / 1024)) MiB (+$((grow / 1024)), second half +$((late / 1024))); loss $(kv "$out" loss_pct)%, interleaved $(kv "$out" interleaved_pct)%; client rms $rms ns (quiet $q_rms), max $max"
	if [ "$grow" -le "$limit" ] && [ "$late" -le 1024 ] &&
	   awk -v r="$rms" -v q="$q_rms" 'BEGIN { exit !(r <= 2 * (q > 500 ? q : 500)) }'; then r=pass; else r=FAIL; fi
	verdict "$r" "long flood" "100k clients, 20k req/s, xleave" "${d} s" "$fig"
}

# --- spoofed flood: the client's own address, far over the rate limit -----
case_spoof() {
	local d=$(( SOAK_SECONDS < 60 ? SOAK_SECONDS : 60 )) rx0 rx1 out rms max q0 r0 q1 r1
	pb_ctl br -f "$TL_TMP/br.conf" config set ntp.ratelimit "interval -2 burst 16 leak 2 kod" \
		>/dev/null || tl_fail "config set ratelimit"
	sleep 2
	rx0=$(valid_rx)
	q0=$(stat_of ntp_requests); r0=$(stat_of ntp_responses)
	# ntpload sends from BASE + 1: the client's own address
	load -b 10.78.2.1 -c 1 -r 5000 -d "$d" >"$TL_TMP/spoof.out" &
	local lp=$!
	read -r rms max _ < <(client_err "$d" spoof)
	wait $lp
	rx1=$(valid_rx)
	q1=$(stat_of ntp_requests); r1=$(stat_of ntp_responses)
	out=$(cat "$TL_TMP/spoof.out")
	# what the server sent toward the address, time and KoD, as it counts
	# them (ntpload counts only answers to its latest request)
	local sent got=$((r1 - r0)) req=$((q1 - q0))
	sent=$(kv "$out" sent)
	local pct
	pct=$(awk -v a="$got" -v b="$req" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }')
	local fig="$sent forged requests; $got replies to $req requests from the address ($pct%, $(stat_of ntp_kod_sent) KoD in all); the real client $((rx1 - rx0)) valid replies in $d s, rms $rms ns, max $max ns"
	if [ "${sent:-0}" -gt $((d * 4000)) ] && [ $((rx1 - rx0)) -ge $((d / 4)) ] &&
	   [ $((got * 10)) -le $((req * 3)) ] && awk -v m="$max" 'BEGIN { exit !(m < 20000) }'; then r=pass; else r=FAIL; fi
	verdict "$r" "spoofed flood" "5k req/s with the client's address; ratelimit interval -2 burst 16 leak 2 kod" "${d} s" "$fig"
	pb_ctl br -f "$TL_TMP/br.conf" config set ntp.ratelimit off >/dev/null
}

# --- amplification: nothing that is not a request is answered ------------
case_amp() {
	local n=$(( SOAK_SECONDS < 60 ? 20000 : 200000 )) out got maxlen rx0 rx1 dm0 dm1 di0 di1 acc
	rx0=$(stat_of ntp_packets_received); dm0=$(stat_of ntp_dropped_mode)
	di0=$(stat_of ntp_dropped_invalid)
	out=$(ip netns exec "$NCL" /usr/bin/python3 "$JUNK" "$SRV" 123 "$n" 10000)
	sleep 0.5
	rx1=$(stat_of ntp_packets_received); dm1=$(stat_of ntp_dropped_mode)
	di1=$(stat_of ntp_dropped_invalid)
	got=$(kv "$out" received); maxlen=$(kv "$out" maxlen)
	# the chronyd client's requests arrive too: every junk packet must be
	# counted as dropped (mode or invalid)
	acc=$(( (dm1 - dm0) + (di1 - di0) ))
	local fig="$n packets of 20 kinds at 10k/s: $got replies, longest $maxlen bytes; dropped as not a request or malformed: $acc of $n (all packets received: $((rx1 - rx0)))"
	if [ "$got" = 0 ] && [ "$acc" = "$n" ]; then r=pass; else r=FAIL; fi
	verdict "$r" "amplification" "mode 6/7, responses, short, odd, bad versions, lying extension lengths, oversized" "$n packets" "$fig"
}

# --- reload and SIGHUP under load: nothing lost, client log kept ----------
case_reload() {
	local d=$(( SOAK_SECONDS < 60 ? 10 : 60 )) out c0 c1 ev0 ev1
	load -c 10000 -r 20000 -d 3 -x >/dev/null	# warm the client log
	c0=$(pb_json br serverstats '.clientlog_records')
	load -c 10000 -r 20000 -d "$d" -x >"$TL_TMP/reload.out" &
	local lp=$! i
	for i in $(seq 1 $((d / 2))); do
		sleep 1
		if [ $((i % 2)) = 0 ]; then pb_ctl br reload >/dev/null; else kill -HUP "$(bridged_pid)"; fi
	done
	wait $lp
	c1=$(pb_json br serverstats '.clientlog_records')
	out=$(cat "$TL_TMP/reload.out")
	local fig="$((d / 2)) reloads (bridgectl and SIGHUP) in $d s: loss $(kv "$out" loss_pct)%, interleaved $(kv "$out" interleaved_pct)%; client log $c0 -> $c1 records"
	if awk -v l="$(kv "$out" loss_pct)" 'BEGIN { exit !(l <= 0.1) }' && [ "$c1" -ge "$c0" ]; then r=pass; else r=FAIL; fi
	verdict "$r" "reload under load" "10k clients, 20k req/s, xleave" "${d} s" "$fig"
}

# --- kill -9 under load: restarted, serving stratum 1 within 5 s ---------
case_kill() {
	local out t0 dt="" i
	load -c 10000 -r 20000 -d 20 -x >"$TL_TMP/kill.out" &
	local lp=$!
	sleep 3
	kill -9 "$TL_PID_br"
	wait "$TL_PID_br" 2>/dev/null
	mv "$TL_TMP/br.log" "$TL_TMP/br-killed.log"
	t0=$(date +%s.%N)
	pb_bridge br
	for i in $(seq 1 100); do
		if [ "$(pb_json br status '.modules.ntp.served.stratum // empty')" = 1 ] &&
		   [ "$(pb_state br)" = synced ]; then
			dt=$(secs "$t0")
			break
		fi
		sleep 0.1
	done
	wait $lp
	out=$(cat "$TL_TMP/kill.out")
	local left
	left=$(find "$TL_TMP/br" -name '*.tmp*' -o -name '*.new' 2>/dev/null | wc -l)
	local fig="synced and serving stratum 1 ${dt:-never (10 s)} s after the restart; $left temporary files left"
	if [ -n "$dt" ] && awk -v d="$dt" -v b="$SOAK_KILL_BOUND" 'BEGIN { exit !(d <= b) }' &&
	   [ "$left" = 0 ]; then r=pass; else r=FAIL; fi
	verdict "$r" "kill -9 under load" "10k clients, 20k req/s" "restart" "$fig"
}

# --- config set killed at random points: the file is old or new ----------
case_config() {
	local n=$(( SOAK_SECONDS < 60 ? 50 : 200 )) i bad=0 f="$TL_TMP/br.conf" m0 o0
	chgrp nogroup "$f" 2>/dev/null || chgrp 65534 "$f"
	chmod 640 "$f"
	m0=$(stat -c %a "$f"); o0=$(stat -c %U:%G "$f")
	local oldv newv v changed=0
	for i in $(seq 1 "$n"); do
		cp "$f" "$TL_TMP/cfg.before"
		oldv=$(sed -n 's/^max_answer_delay = //p' "$f")
		newv="$((40 + i % 20))ms"
		"$PB_BIN/bridgectl" -s "$TL_TMP/br/bridged.sock" -f "$f" \
			config set ntp.max_answer_delay "$newv" >/dev/null 2>&1 &
		local p=$!
		# from before its exec to after its rename: every other try within
		# its first millisecond (plus sleep's own start), else within 10 ms
		if [ $((i % 2)) = 1 ]; then
			sleep "0.000$((RANDOM % 10))$((RANDOM % 10))$((RANDOM % 10))"
		else
			sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
		fi
		kill -9 $p 2>/dev/null
		wait $p 2>/dev/null
		v=$(sed -n 's/^max_answer_delay = //p' "$f")
		[ "$v" = "$oldv" ] || changed=$((changed + 1))
		# the old file or the new one: every other line as it was, the
		# key absent (as at first) or at its old or new value, parseable,
		# mode and owner kept
		if ! "$PB_BIN/bridgectl" config check "$f" >/dev/null 2>&1 ||
		   ! diff -q <(grep -v '^max_answer_delay = ' "$TL_TMP/cfg.before") \
			     <(grep -v '^max_answer_delay = ' "$f") >/dev/null ||
		   { [ "$v" != "$oldv" ] && [ "$v" != "$newv" ]; } ||
		   [ "$(stat -c %a "$f")" != "$m0" ] || [ "$(stat -c %U:%G "$f")" != "$o0" ]; then
			bad=$((bad + 1))
		fi
	done
	# killed writers leave their temporaries (.NAME.XXXXXX); a write
	# removes those a minute old: age them, write once more
	local left after
	left=$(find "$(dirname "$f")" -maxdepth 1 -name ".$(basename "$f").??????" | wc -l)
	find "$(dirname "$f")" -maxdepth 1 -name ".$(basename "$f").??????" \
		-exec touch -d '2 minutes ago' {} +
	"$PB_BIN/bridgectl" -s "$TL_TMP/br/bridged.sock" -f "$f" \
		config set ntp.max_answer_delay 50ms >/dev/null 2>&1 || bad=$((bad + 1))
	after=$(find "$(dirname "$f")" -maxdepth 1 -name ".$(basename "$f").??????" | wc -l)
	local fig="$n config set killed at random points ($changed had written the new value): $bad left anything but the old or the new file, parseable, mode and owner kept; $left temporaries of killed writers, $after after the next write; bridged serving: $(pb_state br)"
	if [ "$bad" = 0 ] && [ "$after" = 0 ] && [ "$(pb_state br)" = synced ]; then r=pass; else r=FAIL; fi
	verdict "$r" "atomic config set" "kill -9 of bridgectl mid-write" "$n tries" "$fig"
}

# --- link flap under load: NIC B back serving within 5 s; NIC A down is
# holdover, never leap 3 before holdover_max, and synced again once up ----
case_link() {
	local hold=$(( SOAK_SECONDS < 60 ? 5 : 60 )) t0 dt_b="" dt_a="" r0 i worst=synced st lp
	load -c 1000 -r 10000 -d $((hold + 45)) >"$TL_TMP/link.out" &
	lp=$!
	sleep 1
	ip -n "$NBR" link set "$IB" down
	sleep 3
	ip -n "$NBR" link set "$IB" up
	t0=$(date +%s.%N)
	r0=$(stat_of ntp_responses)
	for i in $(seq 1 100); do
		sleep 0.1
		if [ "$(stat_of ntp_responses)" -gt "$r0" ]; then
			dt_b=$(secs "$t0")
			break
		fi
	done
	ip -n "$NBR" link set "$IA" down
	local disp0="" disp1="" strat=1
	for i in $(seq 1 $((hold * 2))); do
		sleep 0.5
		st=$(pb_state br)
		[ "$(pb_json br status '.modules.ntp.served.leap')" = 3 ] && worst=leap3
		[ "$st" = unsynchronised ] && worst=unsynchronised
		[ "$worst" = synced ] && [ "$st" = holdover ] && worst=holdover
		[ "$(pb_json br status '.modules.ntp.served.stratum')" = 1 ] || strat=lost
		if [ "$st" = holdover ]; then
			disp1=$(pb_ctl br metrics | awk '$1 == "ptpbridge_root_dispersion_seconds" { print $2 }')
			[ -n "$disp0" ] || disp0=$disp1
		fi
	done
	ip -n "$NBR" link set "$IA" up
	t0=$(date +%s.%N)
	pb_wait_state br synced 30 && dt_a=$(secs "$t0")
	wait $lp
	local fig="NIC B down 3 s: answering again ${dt_b:-never} s after link up; NIC A down ${hold} s: worst state $worst, stratum $([ "$strat" = 1 ] && echo "1 kept" || echo "not kept"), root dispersion ${disp0:-?} -> ${disp1:-?} s; synced ${dt_a:-never (30 s)} s after it came back"
	if [ -n "$dt_b" ] && awk -v d="$dt_b" 'BEGIN { exit !(d <= 5) }' &&
	   [ "$worst" = holdover ] && [ "$strat" = 1 ] && [ -n "$dt_a" ] &&
	   awk -v a="${disp0:-1}" -v b="${disp1:-0}" 'BEGIN { exit !(b > a) }'; then r=pass; else r=FAIL; fi
	verdict "$r" "link flap under load" "1000 clients, 10k req/s" "B 3 s, A ${hold} s" "$fig"
}

# --- bad control clients: NTP keeps serving ------------------------------
# A local user (not root, not in the control group) connects and says
# nothing, sends 1 MiB, closes before the reply, opens 500 at once, and
# asks for a change; root's bridgectl must still answer meanwhile.
case_ctl() {
	local sock="$TL_TMP/br/bridged.sock" rx0 rx1 out st
	rx0=$(valid_rx)
	load -c 1000 -r 5000 -d 12 >"$TL_TMP/ctl.out" &
	local lp=$!
	chmod 711 "$TL_TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
		"$TL_ROOT/tests/soak/ctlabuse.py" "$sock" >"$TL_TMP/ctl.py.out" 2>&1 &
	local pp=$!
	sleep 2
	st=$(pb_ctl br status 2>&1 | head -1)
	wait $pp
	# its connections closed, the user asks for a change
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PB_BIN/bridgectl" -s "$sock" \
		reload 2>&1)
	chmod 700 "$TL_TMP"
	wait $lp
	rx1=$(valid_rx)
	local load_out logl
	load_out=$(cat "$TL_TMP/ctl.out")
	logl=$(grep -c 'ctl: ' "$TL_TMP/br.log")
	local fig="a user's silent, 1 MiB, closed-early and 500 connections: root's status answered (\"$(echo "$st" | cut -c1-24)\"); the user's reload: \"$(echo "$out" | head -1 | cut -c1-50)\"; $logl ctl log lines; NTP loss $(kv "$load_out" loss_pct)%, the client $((rx1 - rx0)) valid replies"
	if echo "$st" | grep -q '^ptpbridge ' && echo "$out" | grep -q 'needs root' &&
	   awk -v l="$(kv "$load_out" loss_pct)" 'BEGIN { exit !(l <= 0.1) }' &&
	   [ $((rx1 - rx0)) -gt 10 ] && [ "$logl" -gt 0 ]; then r=pass; else r=FAIL; fi
	verdict "$r" "bad control clients" "5k req/s NTP beside" "12 s" "$fig"
	[ "$r" = pass ] || cat "$TL_TMP/ctl.py.out"
}

for c in $SOAK_CASES; do
	tl_log "== $c"
	"case_$c"
done
grep -q 'hwsim.*refused' "$TL_TMP"/*.log && tl_fail "a real-clock call was refused"
tl_log "table: $SOAK_TABLE"
cat "$SOAK_TABLE"
tl_finish
