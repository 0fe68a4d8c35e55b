#!/bin/sh
# Boot a ptpbridge disk image in QEMU with the qemu_x86_64 board's hardware:
# an e1000e (eth0) and a virtio-net (eth1) NIC on user-mode networking, a
# virtio disk and the serial console on this terminal (Ctrl-A X quits).
#
#   scripts/qemu.sh DISK.img [extra qemu arguments]
#
# QEMU_FIRMWARE  bios (SeaBIOS, default) or uefi (OVMF)
# QEMU_ACCEL     auto (default), tcg or kvm.  auto uses KVM only when
#                /dev/kvm is usable and is not a PVM host (a stock Debian
#                kernel fails to boot under PVM); otherwise TCG.
# QEMU_SERIAL    mon:stdio (default: console and monitor on the terminal),
#                or stdio for scripts
# QEMU_MEM       MiB of RAM (default 512)
# QEMU_NO_REBOOT 1: a guest reboot (or a panic) ends QEMU, for scripts
# QEMU_NTP_PORT  forward this UDP port on 127.0.0.1 to port 123 of the
#                NTP NIC (eth1), e.g. 10123 to query bridged from the host
# QEMU_SSH_PORT  forward this TCP port on 127.0.0.1 to port 22 of eth1
# The two NICs are on two user-mode networks, 10.0.2.0/24 (eth0) and
# 10.0.3.0/24 (eth1), so that replies leave by the NIC a request came in.
# QEMU_BOARD     qemu_x86_64 (default) or x86_64_edge: the latter has no
#                virtio drivers, so it gets a q35 machine with the disk on
#                AHCI and two e1000e NICs (a stand-in for the real box)
set -eu
disk=${1:?usage: qemu.sh DISK.img [qemu args]}
shift
accel=${QEMU_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
		accel=kvm
	fi
fi
case $accel in
kvm) cpu="-accel kvm -cpu host" ;;
*) cpu="-accel tcg -cpu max" ;;
esac
case ${QEMU_FIRMWARE:-bios} in
uefi)
	fw=
	for f in /usr/share/ovmf/OVMF.fd /usr/share/qemu/OVMF.fd; do
		[ -f "$f" ] && { fw="-bios $f"; break; }
	done
	[ -n "$fw" ] || { echo "qemu.sh: no OVMF (apt-get install ovmf)" >&2; exit 1; }
	;;
*) fw= ;;
esac
ntpfwd=${QEMU_NTP_PORT:+,hostfwd=udp:127.0.0.1:$QEMU_NTP_PORT-:123}${QEMU_SSH_PORT:+,hostfwd=tcp:127.0.0.1:$QEMU_SSH_PORT-:22}
case ${QEMU_BOARD:-qemu_x86_64} in
x86_64_edge)
	hw="-M q35 -drive file=$disk,format=raw,if=none,id=disk0,cache=unsafe
	    -device ide-hd,drive=disk0,bus=ide.0
	    -netdev user,id=ptp0 -device e1000e,netdev=ptp0
	    -netdev user,id=ntp0,net=10.0.3.0/24$ntpfwd -device e1000e,netdev=ntp0" ;;
*)
	hw="-drive file=$disk,format=raw,if=virtio,cache=unsafe
	    -netdev user,id=ptp0 -device e1000e,netdev=ptp0
	    -netdev user,id=ntp0,net=10.0.3.0/24$ntpfwd -device virtio-net-pci,netdev=ntp0" ;;
esac
echo "qemu.sh: $disk, ${QEMU_BOARD:-qemu_x86_64} hardware, ${QEMU_FIRMWARE:-bios}, $accel" >&2
# shellcheck disable=SC2086
exec qemu-system-x86_64 $cpu -smp 1 -m "${QEMU_MEM:-512}" $fw \
	-display none -serial "${QEMU_SERIAL:-mon:stdio}" -monitor none $hw \
	${QEMU_NO_REBOOT:+-no-reboot} "$@"
