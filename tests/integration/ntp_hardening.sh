#!/bin/bash
# Defects found from outside, as an operator and an attacker would try
# them (issue 18), each kept as a regression test: a reload that cannot
# apply keeps the running config; pidfile, control socket and linuxptp's
# UDS never follow or remove what they should not; one bridged per
# namespace; a failed module says why; bridgectl against another file, a
# busy daemon, a malformed or huge reply; bytes of the file that are not
# text; `config set` through a symlink; what status says with local.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/ntp_lib.sh"
tl_init ntp_hardening
# The control group's member below must reach the socket in here.
chmod 755 "$TL_TMP"
PY=/usr/bin/python3
ntp_net || { tl_fail "namespaces"; tl_finish; }

answers() { probe -n 2 -i 100 -w 500 "$SRV" 123 2>/dev/null | grep -q "received [12]"; }
expect() { tl_expect "$@"; }

# --- what status says with local_stratum (12) -------------------------------
ntp_conf "allow=10.0.0.0/8" "local_stratum=1"
sed -i "s|^\[control\]|[control]\\ngroup = nogroup|" "$TL_TMP/bridge.conf"
ntp_bridged || { tl_fail "bridged did not start"; cat "$TL_TMP/bridged.log"; tl_finish; }
PID1=$TL_PID_bridged
expect "bridged answers" answers
bctl status > "$TL_TMP/st.txt"
expect "status says clients get the local clock at stratum 1" \
	grep -q "^Reference   : local clock (local_stratum), stratum 1" "$TL_TMP/st.txt"
expect "status says leap Normal, as clients see it" grep -q "^Leap status : Normal" "$TL_TMP/st.txt"

# --- a reload that cannot apply keeps the running config (1) -----------------
cp "$TL_TMP/bridge.conf" "$TL_TMP/good.conf"
if bctl -f "$TL_TMP/bridge.conf" config set ntp.bindaddress 10.231.0.11 > "$TL_TMP/set.out" 2>&1; then
	tl_fail "config set of an address not on the interface exited 0"
else
	expect "config set refuses an address not on the ntp interface (libnl-route)" \
		grep -q "bridge.conf:[0-9]*: ntp.bindaddress: 10.231.0.11 is not an address of $IF_S (it has $SRV" \
		"$TL_TMP/set.out"
fi
expect "the file is unchanged" cmp "$TL_TMP/good.conf" "$TL_TMP/bridge.conf"
# The same edit by hand, then a reload: refused by the daemon with FILE:LINE.
sed -i "s|^interface = $IF_S|interface = $IF_S\nbindaddress = 10.231.0.11|" "$TL_TMP/bridge.conf"
expect "a reload of it is refused with FILE:LINE" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' reload 2>&1 | grep -q 'bridge.conf:[0-9]*: ntp.bindaddress: 10.231.0.11 is not an address of'"
cp "$TL_TMP/good.conf" "$TL_TMP/bridge.conf"
expect "NTP still answers on the old config" answers
# A client log the address space cannot hold: the allocation fails.
prlimit --pid "$PID1" --as=1073741824:unlimited
if bctl -f "$TL_TMP/bridge.conf" config set ntp.clientloglimit 2G > "$TL_TMP/set2.out" 2>&1; then
	tl_fail "a 2G client log under a 1 GiB address space was applied"
else
	expect "a module that cannot take the change gives its reason" \
		grep -q "cannot apply the change: ntp: .*client log" "$TL_TMP/set2.out"
fi
expect "the file is put back as it was" cmp "$TL_TMP/good.conf" "$TL_TMP/bridge.conf"
expect "status warns of the refused reload" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' status | grep -q '! last reload refused: ntp: '"
expect "--json status has the reason, ntp runs on the old config" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' --json status | $PY -c 'import json,sys; d=json.load(sys.stdin); e = d[\"daemon\"].get(\"last_reload_error\", \"\"); s = d[\"modules\"][\"ntp\"][\"state\"]; assert \"client log\" in e and s in (\"running\", \"serving\"), (e, s)'"
prlimit --pid "$PID1" --as=unlimited:unlimited
expect "NTP still answers after the failed allocation" answers
expect "the old client log size stays" \
	bash -c "[ \"\$('$BRIDGECTL' -s '$TL_TMP/bridged.sock' config get ntp.clientloglimit)\" = 8M ]"

# --- another file than the daemon's (6) ----------------------------------------
cp "$TL_TMP/good.conf" "$TL_TMP/other.conf"
bctl -f "$TL_TMP/other.conf" config set ntp.local_stratum 2 > "$TL_TMP/other.out" 2>&1
expect "config set on another file says the change is not live" \
	grep -q "not reloaded, the change is not live" "$TL_TMP/other.out"
expect "the daemon keeps its value" \
	bash -c "[ \"\$('$BRIDGECTL' -s '$TL_TMP/bridged.sock' config get ntp.local_stratum)\" = 1 ]"

# --- one bridged per namespace; its pidfile is its own (4) ---------------------
sed -e "s|^socket = .*|socket = $TL_TMP/second.sock|" "$TL_TMP/good.conf" > "$TL_TMP/second.conf"
ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	timeout 10 "$BRIDGED" -n -f "$TL_TMP/second.conf" > "$TL_TMP/second.log" 2>&1
rc=$?
expect "a second bridged (same pidfile) is refused" \
	bash -c "[ $rc = 1 ] && grep -q 'another bridged' '$TL_TMP/second.log'"
sed -i "s|^pidfile = .*|pidfile = $TL_TMP/second.pid|" "$TL_TMP/second.conf"
ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	timeout 10 "$BRIDGED" -n -f "$TL_TMP/second.conf" > "$TL_TMP/second2.log" 2>&1
rc=$?
expect "a second bridged (its own pidfile and socket) is refused" \
	bash -c "[ $rc = 1 ] && grep -q 'another bridged runs in this network namespace' '$TL_TMP/second2.log'"
expect "the first one's pidfile is untouched" \
	bash -c "[ \"\$(cat '$TL_TMP/bridged.pid')\" = '$PID1' ] && [ ! -e '$TL_TMP/second.sock' ]"
expect "the first one still answers" answers
# With one worker there is no reuseport group to join at all.
expect "no other socket can join port 123 (workers = 1)" \
	bash -c "ip netns exec '$NS_S' $PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b\"$IF_S\"); s.bind((\"0.0.0.0\", 123))' 2>&1 | grep -q 'Address already in use'"

# --- a busy control socket (8) -------------------------------------------------
# A member of the control group holds connections open; it cannot lock
# the socket for everyone, and bridgectl says the daemon is busy.
cat > "$TL_TMP/hold.py" <<'EOF'
import socket, sys, time
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
time.sleep(float(sys.argv[3]))
EOF
setpriv --reuid=65534 --regid=65534 --clear-groups $PY "$TL_TMP/hold.py" "$TL_TMP/bridged.sock" 2 1.5 &
HOLD=$!
sleep 0.3
setpriv --reuid=65534 --regid=65534 --clear-groups "$BRIDGECTL" -s "$TL_TMP/bridged.sock" status \
	> "$TL_TMP/busy.out" 2>&1
rc=$?
expect "bridgectl of a user with too many connections says busy (not SIGPIPE)" \
	bash -c "[ $rc = 1 ] && grep -q 'busy' '$TL_TMP/busy.out'"
expect "root still gets in" bctl status
wait $HOLD

# --- a module that fails to start says why (5) ----------------------------------
ntp_bridged_stop
sed -e "s|^interface = $IF_S|interface = nosuch1|" "$TL_TMP/good.conf" > "$TL_TMP/bridge.conf"
tl_bg failed ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	-- "$BRIDGED" -n -f "$TL_TMP/bridge.conf"
tl_wait_log failed "ntp: failed to start" 10
bctl status > "$TL_TMP/failed.txt" 2>&1
expect "status warns that ntp failed, with the reason" \
	grep -q "! ntp failed: ntp: .*nosuch1" "$TL_TMP/failed.txt"
expect "--json has state failed and the error" \
	bash -c "'$BRIDGECTL' -s '$TL_TMP/bridged.sock' --json status | $PY -c 'import json,sys; d=json.load(sys.stdin)[\"modules\"][\"ntp\"]; assert d[\"state\"] == \"failed\" and \"nosuch1\" in d[\"error\"]'"
ntp_bridged_stop

# --- paths: pidfile symlink (2), control socket and uds_address naming a file (3)
echo "precious" > "$TL_TMP/victim"
ln -s "$TL_TMP/victim" "$TL_TMP/link.pid"
sed -e "s|^pidfile = .*|pidfile = $TL_TMP/link.pid|" "$TL_TMP/good.conf" > "$TL_TMP/link.conf"
ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	timeout 10 "$BRIDGED" -n -f "$TL_TMP/link.conf" > "$TL_TMP/link.log" 2>&1
expect "a pidfile that is a symlink is refused" grep -q "is a symbolic link: refused" "$TL_TMP/link.log"
expect "its target is untouched" bash -c "[ \"\$(cat '$TL_TMP/victim')\" = precious ]"
sed -e "s|^socket = .*|socket = $TL_TMP/victim|" "$TL_TMP/good.conf" > "$TL_TMP/sock.conf"
"$BRIDGECTL" config check "$TL_TMP/sock.conf" > "$TL_TMP/sock.out" 2>&1
expect "config check refuses a control socket that names a file, with FILE:LINE" \
	grep -q "sock.conf:[0-9]*: control.socket: .*victim exists and is not a socket" "$TL_TMP/sock.out"
printf '[ptp]\ninterface = %s\nuds_address = %s\n[ntp]\ninterface = %s\n' \
	"$IF_P" "$TL_TMP/victim" "$IF_S" > "$TL_TMP/uds.conf"
"$BRIDGECTL" config check "$TL_TMP/uds.conf" > "$TL_TMP/uds.out" 2>&1
expect "config check refuses a uds_address that names a file" \
	grep -q "ptp.uds_address: .*victim exists and is not a socket" "$TL_TMP/uds.out"
expect "and the file is still there" bash -c "[ \"\$(cat '$TL_TMP/victim')\" = precious ]"

# --- a relative path, detached (7) ---------------------------------------------
sed -e "s|^socket = .*|socket = $TL_TMP/rel.sock|" -e "s|^pidfile = .*|pidfile = $TL_TMP/rel.pid|" \
	"$TL_TMP/good.conf" > "$TL_TMP/rel.conf"
(cd "$TL_TMP" && ip netns exec "$NS_S" setpriv --inh-caps=-sys_time --bounding-set=-sys_time \
	"$BRIDGED" -f rel.conf)
for _ in $(seq 50); do [ -S "$TL_TMP/rel.sock" ] && break; sleep 0.1; done
expect "a detached bridged started from a relative path reloads" \
	"$BRIDGECTL" -s "$TL_TMP/rel.sock" reload
kill "$(cat "$TL_TMP/rel.pid")" 2>/dev/null
for _ in $(seq 30); do [ -e "$TL_TMP/rel.pid" ] || break; sleep 0.1; done

# --- bytes of the file that are not text (9) -----------------------------------
printf '[ptp]\ninterface = eth\033[31m0\a\n[ntp]\ninterface = eth1\n' > "$TL_TMP/esc.conf"
"$BRIDGECTL" config check "$TL_TMP/esc.conf" > "$TL_TMP/esc.out" 2>&1
expect "ESC in the file is refused by position" grep -q "esc.conf:2: byte 0x1b at column 16" "$TL_TMP/esc.out"
expect "and never echoed" bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f-\\xff]' '$TL_TMP/esc.out'"
printf '[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\nallow = 10.0.0.0/8 # \xff\n' > "$TL_TMP/ff.conf"
"$BRIDGECTL" config check "$TL_TMP/ff.conf" > "$TL_TMP/ff.out" 2>&1
rc=$?
expect "a byte that is not UTF-8 is refused" \
	bash -c "[ $rc = 1 ] && grep -q 'ff.conf:5: byte 0xff' '$TL_TMP/ff.out'"

# --- a daemon's reply of an unexpected shape, or too big (10) ------------------
cat > "$TL_TMP/fake.py" <<'EOF'
import os, socket, sys
path, reply, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.settimeout(10)
srv.bind(path)
srv.listen(1)
for _ in range(count):
    c, _ = srv.accept()
    c.recv(4096)
    try:
        if reply == "huge":
            c.sendall(b'{"ok":true,"data":{"x":"' + b"a" * (16 << 20) + b'"}}')
        else:
            c.sendall(reply.encode())
    except OSError:
        pass
    c.close()
EOF
# fake REPLY OUT: bridgectl status against a daemon that answers REPLY
fake() {
	$PY "$TL_TMP/fake.py" "$TL_TMP/fake.sock" "$1" 1 &
	sleep 0.5
	"$BRIDGECTL" -s "$TL_TMP/fake.sock" status > "$TL_TMP/$2" 2>&1
	rc=$?
	wait
}
fake '{"ok":true,"data":{"daemon":5,"modules":7}}' shape.out
expect "a reply of an unexpected shape does not crash bridgectl" bash -c "[ $rc -lt 128 ]"
fake '{"ok":true,"data":[1,2]}' shape2.out
expect "data that is not an object is refused clearly" \
	bash -c "[ $rc = 1 ] && grep -q 'malformed reply' '$TL_TMP/shape2.out'"
fake huge huge.out
expect "a huge reply is refused, not read whole" \
	bash -c "[ $rc = 1 ] && grep -q 'refused' '$TL_TMP/huge.out'"

# --- config set through a symlink, owner and mode kept (11) ---------------------
cp "$TL_TMP/good.conf" "$TL_TMP/real.conf"
chown root:nogroup "$TL_TMP/real.conf"
chmod 0640 "$TL_TMP/real.conf"
ln -s "$TL_TMP/real.conf" "$TL_TMP/linked.conf"
ln -s "$TL_TMP/victim" "$TL_TMP/real.conf.new"
"$BRIDGECTL" -s "$TL_TMP/none.sock" -f "$TL_TMP/linked.conf" config set ntp.local_stratum 3 \
	> "$TL_TMP/link-set.out" 2>&1
expect "config set writes through a symlinked config" \
	bash -c "[ -L '$TL_TMP/linked.conf' ] && grep -q '^local_stratum = 3' '$TL_TMP/real.conf'"
expect "group owner and mode are kept" \
	bash -c "[ \"\$(stat -c '%G %a' '$TL_TMP/real.conf')\" = 'nogroup 640' ]"
expect "a planted FILE.new symlink is not followed" \
	bash -c "[ \"\$(cat '$TL_TMP/victim')\" = precious ]"

tl_finish
