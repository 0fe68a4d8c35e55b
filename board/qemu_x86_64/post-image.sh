#!/bin/sh
# qemu_x86_64: runs after the disk image is made ($1 = output/images).
# Leaves a start script next to the image, as Buildroot's QEMU boards do.
set -eu
images=$1
cat > "$images/start-qemu.sh" <<'EOT'
#!/bin/sh
# Boot ptpbridge-qemu_x86_64.img (a copy, so the image stays pristine)
# with its two NICs and the serial console here.  Ctrl-A X quits.
# QEMU_FIRMWARE=uefi boots through OVMF instead of SeaBIOS.
cd "$(dirname "$0")"
[ qemu-disk.img -nt ptpbridge-qemu_x86_64.img ] || cp ptpbridge-qemu_x86_64.img qemu-disk.img
accel="-accel tcg -cpu max"
[ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && accel="-accel kvm -cpu host"
fw=
[ "${QEMU_FIRMWARE:-bios}" = uefi ] && fw="-bios /usr/share/ovmf/OVMF.fd"
exec qemu-system-x86_64 $accel -smp 1 -m 512 $fw -display none \
	-serial mon:stdio -monitor none \
	-drive file=qemu-disk.img,format=raw,if=virtio \
	-netdev user,id=ptp0 -device e1000e,netdev=ptp0 \
	-netdev user,id=ntp0,net=10.0.3.0/24 -device virtio-net-pci,netdev=ntp0 "$@"
EOT
chmod +x "$images/start-qemu.sh"
