#!/bin/bash
# Real clients against bridged's NTP server over veth with kernel software
# timestamps: sntp and ntpdate -q get valid answers; Debian's chronyd with
# xleave and minpoll 0 runs interleaved (chronyc ntpdata: Interleaved: Yes,
# measurements with interleaved samples) within tens of us; serverstats,
# clients and metrics show it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ntp_lib.sh"

tl_init ntp_clients
ntp_net || { tl_fail "namespaces"; tl_finish; }
# IPv6 too: the wildcard sockets serve both families
ip -n "$NS_S" -6 addr add "fd00:$NTP_NET6::1/64" dev "$IF_S" nodad
ip -n "$NS_C" -6 addr add "fd00:$NTP_NET6::2/64" dev "$IF_C" nodad
ntp_conf "allow=10.0.0.0/8" "allow=fd00::/8" "local_stratum=1" "clientloglimit=1M"
ntp_bridged || { tl_fail "bridged did not start"; cat "$TL_TMP/bridged.log"; tl_finish; }
tl_pass "bridged serves on $IF_S"

# sntp (ntpsec's ntpdig) and ntpdate -q
out=$(timeout 20 ip netns exec "$NS_C" sntp -t 2 "$SRV" 2>&1)
if echo "$out" | grep -qE "^[0-9-]+ [0-9:.]+ .* [+-][0-9.]+ .*$SRV s1 no-leap"; then
	tl_pass "sntp: $(echo "$out" | tail -1)"
else
	tl_fail "sntp: $out"
fi
out=$(timeout 20 ip netns exec "$NS_C" ntpdate -q "$SRV" 2>&1)
if echo "$out" | grep -qE "$SRV .*s1 no-leap|stratum 1"; then
	tl_pass "ntpdate -q: $(echo "$out" | tail -1)"
else
	tl_fail "ntpdate -q: $out"
fi

out=$(timeout 20 ip netns exec "$NS_C" sntp -t 2 "fd00:$NTP_NET6::1" 2>&1)
if echo "$out" | grep -qE "fd00:$NTP_NET6::1 s1 no-leap"; then
	tl_pass "sntp over IPv6: $(echo "$out" | tail -1)"
else
	tl_fail "sntp over IPv6: $out"
fi

# chronyd -x with xleave, minpoll 0
ntp_chronyd chrony "iburst minpoll 0 maxpoll 0 xleave"
ok=
for _ in $(seq 1 40); do
	sleep 0.5
	if chronyc_ntpdata chrony | grep -q "Interleaved *: Yes"; then
		ok=1
		break
	fi
done
nd=$(chronyc_ntpdata chrony)
if [ -n "$ok" ]; then
	tl_pass "chronyd xleave: Interleaved : Yes"
else
	tl_fail "chronyd xleave not interleaved: $nd"
fi
# let it take a dozen samples, then judge the interleaved ones
sleep 12
ml=$TL_TMP/chrony/measurements.log
# columns: date time addr L St 123 567 ABCD LP RP Score Offset ... ; mode flags "4I K K"
n_i=$(awk '$3 == "'"$SRV"'" && $(NF-2) == "4I"' "$ml" | wc -l)
n_all=$(awk '$3 == "'"$SRV"'"' "$ml" | wc -l)
# robust to a stall of the shared machine: judge the median |offset| of
# the interleaved samples (after the first 3), report rms and max
stats=$(awk '$3 == "'"$SRV"'" && $(NF-2) == "4I" { n++; if (n > 3) { o = $12 * 1e6; s += o * o; a = o < 0 ? -o : o; if (a > m) m = a; k++; print a > "/dev/stderr" } }
	END { if (k) printf "%d %.2f %.2f\n", k, sqrt(s / k), m; else print "0 nan nan" }' "$ml" 2>"$TL_TMP/abs_off")
med=$(sort -g "$TL_TMP/abs_off" | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "nan" }')
set -- $stats
if [ "$n_i" -ge 5 ] && [ "$1" -ge 3 ] && awk -v r="$med" 'BEGIN { exit !(r == r && r < 20) }'; then
	tl_pass "chronyd: $n_i of $n_all samples interleaved; |offset| median $med us, rms $2 us, max $3 us"
else
	tl_fail "chronyd: $n_i of $n_all interleaved samples, |offset| median $med us, rms $2 us, max $3 us"
	tail -5 "$ml"
fi
echo "$nd" | grep -E "Offset|TX timestamping|RX timestamping" | sed 's/^/    /'

# visibility
st=$(bctl --json serverstats)
inter=$(echo "$st" | sed -n 's/.*"ntp_interleaved_responses": *\([0-9]*\).*/\1/p')
ktx=$(echo "$st" | sed -n 's/.*"ntp_kernel_tx_timestamps": *\([0-9]*\).*/\1/p')
if [ "${inter:-0}" -gt 0 ] && [ "${ktx:-0}" -gt 0 ]; then
	tl_pass "serverstats --json: $inter interleaved responses, $ktx kernel TX stamps"
else
	tl_fail "serverstats: $st"
fi
bctl serverstats | grep -q "Client log bytes per record *: 64" &&
	tl_pass "serverstats states 64 bytes per record" || tl_fail "serverstats text: $(bctl serverstats)"
if bctl clients | grep -qE "^$CLI +[0-9]+ +0 +[1-9]"; then
	tl_pass "clients: $(bctl clients | grep "^$CLI")"
else
	tl_fail "clients: $(bctl clients)"
fi
bctl --json clients | grep -q "\"address\": *\"$CLI\"" && tl_pass "clients --json" ||
	tl_fail "clients --json: $(bctl --json clients)"
if bctl metrics | grep -qE '^ptpbridge_serverstats_ntp_interleaved_packets_received_total [1-9]'; then
	tl_pass "metrics: $(bctl metrics | grep -c '^ptpbridge_serverstats_') ntp lines"
else
	tl_fail "metrics: $(bctl metrics | grep serverstats | head)"
fi
bctl --json status | grep -q '"interleaved_share"' && tl_pass "status has the ntp section" ||
	tl_fail "status: $(bctl --json status)"
tl_finish
