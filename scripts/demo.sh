#!/bin/bash
# make demo (first stage): start bridged on the sample config inside a
# network namespace made for it, print `bridgectl status`, clean up.
# The full chain (grandmaster -> bridge -> NTP clients on emulated NICs)
# replaces this once ptp/ and the emulator are in.
set -euo pipefail
cd "$(dirname "$0")/.."
B=output/build/bin
ns=pbdemo$$
dir=$(mktemp -d /tmp/ptpbridge-demo.XXXXXX)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add ptp0 type veth peer name ntp0
ip -n "$ns" link set ptp0 up
ip -n "$ns" link set ntp0 up
ip -n "$ns" link set lo up
sed -e "s|^interface = eth0|interface = ptp0|" -e "s|^interface = eth1|interface = ntp0|" \
    -e "s|^socket = .*|socket = $dir/bridged.sock|" \
    -e "s|^time_stamping = hardware|time_stamping = software|" \
    -e "s|^\[control\]|[control]\npidfile = $dir/bridged.pid|" \
    bridge/bridge.conf.sample > "$dir/bridge.conf"
echo "demo: bridged -n -f $dir/bridge.conf in netns $ns (CAP_SYS_TIME dropped)"
ip netns exec "$ns" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	"$B/bridged" -n -f "$dir/bridge.conf" > "$dir/bridged.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	[ -S "$dir/bridged.sock" ] && break
	sleep 0.1
done
"$B/bridgectl" -s "$dir/bridged.sock" status || { cat "$dir/bridged.log"; exit 1; }
echo
"$B/bridgectl" -s "$dir/bridged.sock" --json status | head -5
echo "..."
kill "$pid"
wait "$pid" || true
pid=
echo "demo: bridged log:"
sed 's/^/  /' "$dir/bridged.log"
