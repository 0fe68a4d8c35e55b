#!/bin/sh
# x86_64_edge: runs on the staging tree ($1) before it is packed.
set -eu
target=$1
cat > "$target/etc/motd" <<'EOT'
ptpbridge (x86_64_edge).  NICs are named eth0, eth1... in driver load order
(igb igc e1000e ice mlx5_core): check `ip link` and ptp.interface /
ntp.interface in /etc/ptpbridge/bridge.conf.  `bridgectl status`, `logread`.
EOT
# A login prompt on the screen too (the serial console stays the main one).
echo 'tty1::respawn:/sbin/getty 38400 tty1' >> "$target/etc/inittab"
