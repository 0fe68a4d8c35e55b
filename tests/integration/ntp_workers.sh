#!/bin/bash
# workers = 2: SO_REUSEPORT sockets steered by a BPF hash of the source
# address.  Every client must reach the one worker holding its record even
# though each request comes from a new source port (as chronyd sends them),
# and chronyd xleave still runs interleaved.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ntp_lib.sh"

tl_init ntp_workers
ntp_net || { tl_fail "namespaces"; tl_finish; }
ntp_conf "allow=10.0.0.0/8" "local_stratum=1" "workers=2"
ntp_bridged || { tl_fail "bridged did not start"; cat "$TL_TMP/bridged.log"; tl_finish; }
grep -q "2 workers" "$TL_TMP/bridged.log" && tl_pass "2 workers" || tl_fail "not 2 workers"

N=16
for i in $(seq 10 $((9 + N))); do
	ip -n "$NS_C" addr add "10.$NTP_NET.$i/24" dev "$IF_C"
done
# Another root process joins the workers' reuseport group (same address,
# port and device): the steering program picks among our sockets only, so
# it must never see a request.
cat > "$TL_TMP/intruder.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.bind(("0.0.0.0", 123))
print("joined", flush=True)
s.settimeout(0.2)
n, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        pass
print("received", n, flush=True)
EOF
ip netns exec "$NS_S" /usr/bin/python3 "$TL_TMP/intruder.py" "$IF_S" 6 > "$TL_TMP/intruder.out" 2>&1 &
INTRUDER=$!
sleep 1
bad=0
for i in $(seq 10 $((9 + N))); do
	out=$(probe -s "10.$NTP_NET.$i" -P -n 4 -w 300 "$SRV" 123 | tail -1)
	echo "$out" | grep -q "received 4 " || { bad=$((bad + 1)); tl_log "10.$NTP_NET.$i: $out"; }
done
[ $bad = 0 ] && tl_pass "$N clients x 4 requests (new port each) all answered" ||
	tl_fail "$bad clients lost answers"
wait "$INTRUDER"
if grep -q "^joined" "$TL_TMP/intruder.out"; then
	grep -q "^received 0$" "$TL_TMP/intruder.out" &&
		tl_pass "a socket another process added to the reuseport group got no request" ||
		tl_fail "the intruder's socket got requests: $(cat "$TL_TMP/intruder.out")"
else
	tl_pass "another process could not join the reuseport group: $(tail -1 "$TL_TMP/intruder.out")"
fi

js=$(bctl --json clients)
rows=$(echo "$js" | tr -d ' \n' | sed 's/},{/}\n{/g' | grep -o '"address":"[^"]*","ntp_hits":[0-9]*,"ntp_interleaved":[0-9]*,"ntp_drops":[0-9]*,"last_s":[0-9.e-]*,"worker":[0-9]*')
n_rows=$(echo "$rows" | grep -c "10.$NTP_NET.[1-9][0-9]\"")
n_full=$(echo "$rows" | grep "10.$NTP_NET.[1-9][0-9]\"" | grep -c '"ntp_hits":4,')
workers=$(echo "$rows" | sed -n 's/.*"worker":\([0-9]*\)/\1/p' | sort -u | tr '\n' ' ')
if [ "$n_rows" = "$N" ] && [ "$n_full" = "$N" ]; then
	tl_pass "each client has one record with all 4 hits (workers used: $workers)"
else
	tl_fail "records: $n_rows rows, $n_full with 4 hits: $rows"
fi
[ "$(echo "$workers" | wc -w)" = 2 ] && tl_pass "both workers serve clients" ||
	tl_fail "only workers $workers got clients"

ntp_chronyd chrony "iburst minpoll 0 maxpoll 0 xleave"
ok=
for _ in $(seq 1 40); do
	sleep 0.5
	chronyc_ntpdata chrony | grep -q "Interleaved *: Yes" && { ok=1; break; }
done
[ -n "$ok" ] && tl_pass "chronyd xleave interleaved with 2 workers" ||
	tl_fail "chronyd with workers: $(chronyc_ntpdata chrony)"
tl_finish
