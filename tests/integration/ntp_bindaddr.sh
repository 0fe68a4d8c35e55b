#!/bin/bash
# Bind addresses that come and go (issue 18, item 13): bridged starts with
# ntp.bindaddress not yet on the ntp interface (a DHCP lease or IPv6
# duplicate-address detection still to come), says so in its log and
# status, and serves each address as soon as it is usable; an address that
# leaves and comes back is served again, without a restart.  libnl-route's
# cache manager follows the addresses (phc/phc_addr_watch.c).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ntp_lib.sh"
tl_init ntp_bindaddr
ntp_net || { tl_fail "namespaces"; tl_finish; }

A4=10.$NTP_NET.11
A6=fd00:$NTP_NET6::1
ip -n "$NS_C" addr add "fd00:$NTP_NET6::2/64" dev "$IF_C" nodad
# Three probes of duplicate-address detection: tentative for about 3 s.
ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$IF_S.dad_transmits=3"

answers() { probe -n 2 -i 100 -w 500 "$1" 123 2>/dev/null | grep -q "received [12]"; }
answers6() { timeout 20 ip netns exec "$NS_C" sntp -t 2 "$A6" 2>&1 | grep -q "$A6 s1 no-leap"; }
silent() { ! answers "$1"; }
json_state() {
	bctl --json status | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["modules"]["ntp"]
print(" ".join(b["address"] + "=" + b["state"] for b in d.get("bindaddresses", [])))'
}
wait_state() {	# ADDR STATE: up to 10 s
	for _ in $(seq 1 50); do
		json_state | grep -qw "$1=$2" && return 0
		sleep 0.2
	done
	json_state
	return 1
}

ntp_conf "allow=10.0.0.0/8" "allow=fd00::/8" "local_stratum=1" \
	"bindaddress=$A4" "bindaddress=$A6"
ntp_bridged || { tl_fail "bridged did not start with its bind addresses absent"; \
	cat "$TL_TMP/bridged.log"; tl_finish; }
tl_pass "bridged starts with its bind addresses not yet on $IF_S"
PID=$TL_PID_bridged
tl_expect "the log says each address is missing" \
	bash -c "grep -q 'bindaddress $A4 is not on $IF_S' '$TL_TMP/bridged.log' &&
		 grep -q 'bindaddress $A6 is not on $IF_S' '$TL_TMP/bridged.log'"
bctl status > "$TL_TMP/st.txt"
tl_expect "status warns of the missing address" \
	grep -q "! .*bindaddress $A4 is not on $IF_S" "$TL_TMP/st.txt"
tl_expect "--json status: both absent" wait_state "$A4" absent
tl_expect "nothing answers on $A4 before it exists" silent "$A4"

ip -n "$NS_S" addr add "$A4/24" dev "$IF_S"
tl_expect "the address that arrives is seen (libnl-route events)" wait_state "$A4" present
tl_expect "the log says it is served" \
	tl_wait_log bridged "bindaddress $A4 is on $IF_S: serving it" 5
tl_expect "it is answered" answers "$A4"
tl_expect "the interface's other address is not (bound to the listed ones)" silent "$SRV"

ip -n "$NS_S" addr add "$A6/64" dev "$IF_S"
tl_expect "an IPv6 address in duplicate-address detection is tentative" \
	wait_state "$A6" tentative
tl_expect "then present when detection is over" wait_state "$A6" present
tl_expect "and answered (sntp over IPv6)" answers6

ip -n "$NS_S" addr del "$A4/24" dev "$IF_S"
tl_expect "an address that leaves is seen" wait_state "$A4" absent
tl_expect "status warns again" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' status | grep -q '! .*bindaddress $A4 is not on'"
# While it is away, nothing else is blocked: an unrelated change reloads,
# and bridgectl finds the socket from the file.
tl_expect "an unrelated config set still reloads" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' -f '$TL_TMP/bridge.conf' config set log.level debug |
		 grep -q 'reloaded'"
tl_expect "bridgectl -f FILE finds the daemon's socket in the file" \
	bash -c "'$BRIDGECTL' -f '$TL_TMP/bridge.conf' status | grep -q '^NTP server'"
tl_expect "a new address that is not there is still refused" \
	bash -c "! '$BRIDGECTL' -f '$TL_TMP/bridge.conf' config set ntp.bindaddress 10.$NTP_NET.99 \
		 > '$TL_TMP/new.out' 2>&1 && grep -q '10.$NTP_NET.99 is not an address of $IF_S' '$TL_TMP/new.out'"
ip -n "$NS_S" addr add "$A4/24" dev "$IF_S"
tl_expect "when it comes back it is present" wait_state "$A4" present
tl_expect "and answered again" answers "$A4"
tl_expect "without a restart of ntp or bridged" \
	bash -c "kill -0 $PID && [ \$(grep -c 'ntp: started' '$TL_TMP/bridged.log') = 1 ]"
tl_expect "no warning left" \
	bash -c "! '$BRIDGECTL' -s '$TL_TMP/bridged.sock' status | grep -q 'bindaddress'"
tl_finish
