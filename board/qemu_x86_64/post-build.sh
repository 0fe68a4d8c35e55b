#!/bin/sh
# qemu_x86_64: runs on the staging tree ($1) before it is packed.
# QEMU 7.2's e1000e exposes a /dev/ptp0 whose clock never advances; say so
# where someone on the console will look.
set -eu
target=$1
cat > "$target/etc/motd" <<'EOT'
ptpbridge on QEMU (qemu_x86_64): eth0 = e1000e (PTP side), eth1 = virtio-net
(NTP side).  QEMU's e1000e PHC (/dev/ptp0) does not advance: hardware
timestamping cannot lock here.  `bridgectl status`, `logread`, `poweroff`.
EOT
