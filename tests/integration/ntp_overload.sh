#!/bin/bash
# Overload (issue 19, item 2): past the rate bridged can answer, a request
# that waited longer than max_answer_delay is dropped and counted, not
# answered late; the receive buffer is sized from the bound.  The server is
# held still (SIGSTOP) while two bursts queue: the older burst outlives the
# bound and gets nothing, the younger is answered, none held longer than
# the bound.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ntp_lib.sh"
tl_init ntp_overload
ntp_net || { tl_fail "namespaces"; tl_finish; }

BOUND_MS=200
ntp_conf "allow=10.0.0.0/8" "local_stratum=1" "max_answer_delay=${BOUND_MS}ms"
ntp_bridged || { tl_fail "bridged did not start"; cat "$TL_TMP/bridged.log"; tl_finish; }
PID=$(cat "$TL_TMP/bridged.pid")
answers() { probe -n 2 -i 100 -w 500 "$SRV" 123 2>/dev/null | grep -q "received [12]"; }
stat() {
	bctl --json serverstats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
tl_expect "bridged answers" answers

# 0.2 s x 250k/s x 1 KiB: the kernel shows twice what was asked, as rb.
rb=$(ip netns exec "$NS_S" ss -uamn "sport = :123" | grep -o 'rb[0-9]*' | head -1)
tl_expect "the receive buffer is sized from the bound ($rb)" [ "$rb" = rb51200000 ]
tl_expect "and no warning that it could not be had" \
	bash -c "! grep -q 'receive buffer' '$TL_TMP/bridged.log'"

late0=$(stat ntp_dropped_late)
kill -STOP "$PID"
probe -n 40 -w 2500 "$SRV" 123 > "$TL_TMP/old.out" 2>&1 &
p1=$!
sleep 0.8
probe -n 40 -w 1500 "$SRV" 123 > "$TL_TMP/young.out" 2>&1 &
p2=$!
sleep 0.05
kill -CONT "$PID"
wait $p1 $p2
tl_log "older burst: $(tail -1 "$TL_TMP/old.out")"
tl_log "younger burst: $(tail -1 "$TL_TMP/young.out")"
tl_expect "the burst that waited past the bound gets no answer" \
	grep -q "^sent 40 received 0 " "$TL_TMP/old.out"
tl_expect "the younger burst is answered" grep -q "^sent 40 received 40 " "$TL_TMP/young.out"
held=$(awk '/^sent/ { print $NF }' "$TL_TMP/young.out")
tl_expect "it waited (held ${held} ms), but no answer was held past ${BOUND_MS} ms" \
	awk -v h="$held" -v b="$BOUND_MS" 'BEGIN { exit !(h >= 20 && h <= b) }'
late=$(($(stat ntp_dropped_late) - late0))
tl_expect "the 40 late requests are counted in serverstats ($late)" [ "$late" = 40 ]
tl_expect "and in the metrics" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' metrics | grep -q '^ptpbridge_serverstats_ntp_late_dropped_total $((late0 + 40))'"
bctl serverstats > "$TL_TMP/ss.txt"
tl_expect "bridgectl serverstats shows them" \
	grep -q "^NTP dropped (waited too long) *: $((late0 + 40))$" "$TL_TMP/ss.txt"

# The bound is live: a reload applies it without a restart.
bctl -f "$TL_TMP/bridge.conf" config set ntp.max_answer_delay 2s > "$TL_TMP/set.out" 2>&1
tl_expect "max_answer_delay changes in place" \
	bash -c "[ \$(grep -c 'ntp: started' '$TL_TMP/bridged.log') = 1 ]"
kill -STOP "$PID"
probe -n 10 -w 2000 "$SRV" 123 > "$TL_TMP/again.out" 2>&1 &
p1=$!
sleep 0.5
kill -CONT "$PID"
wait $p1
tl_expect "a 0.5 s wait is answered under the new bound" grep -q "^sent 10 received 10 " "$TL_TMP/again.out"
tl_finish
