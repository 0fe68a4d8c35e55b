#!/bin/sh
# The disk image: a GPT disk that boots with legacy BIOS (gptmbr.bin +
# syslinux on the ESP) and UEFI (a unified kernel image built from
# systemd-boot's EFI stub), plus the ext4 data partition.  No root, no mounts:
# mtools, syslinux (mtools installer), objcopy and genimage.
#
#   O=output DL_DIR=dl KCONFIG_CONFIG=.config scripts/mkimage.sh
#
# Needs scripts/mkrootfs.sh's outputs.  Leaves $O/images/ptpbridge-<board>.img,
# BOOTX64.EFI and manifest.txt.  See docs/image.md.
set -eu
. scripts/image-common.sh
IMG_NAME=ptpbridge-$BOARD.img
KVER=$(cat "$WORK/kernel-version")
GPTMBR=/usr/lib/syslinux/mbr/gptmbr.bin
EFISTUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
for f in "$GPTMBR" "$EFISTUB" "$IMAGES/vmlinuz" "$IMAGES/rootfs.cpio.zst"; do
	[ -f "$f" ] || die "missing $f (scripts/packages.txt installs the tools)"
done

CONSOLE_TTY=${PB_BOARD_CONSOLE%%,*}
CONSOLE_BAUD=${PB_BOARD_CONSOLE#*,}
CMDLINE="$PB_BOARD_CMDLINE console=$PB_BOARD_CONSOLE panic=10"
CMDLINE=$(echo $CMDLINE)
# Same inputs, same image: timestamps are the last commit's, UUIDs are
# derived from the board and that time (mtools, mke2fs and genimage take
# them from here).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH E2FSPROGS_FAKE_TIME
uuid_of() {
	echo "ptpbridge $BOARD $SOURCE_DATE_EPOCH $1" | sha256sum |
		sed 's/^\(.\{8\}\)\(.\{4\}\).\(.\{3\}\).\(.\{3\}\)\(.\{12\}\).*/\1-\2-4\3-8\4-\5/'
}
IMGWORK=$WORK/genimage
rm -rf "$IMGWORK"
mkdir -p "$IMGWORK/input" "$IMGWORK/root/data" "$IMGWORK/tmp"

# --- UEFI: one PE file with the stub, kernel, command line and initramfs ------
msg "unified EFI image (systemd-boot stub)"
printf '%s' "$CMDLINE" > "$IMGWORK/cmdline"
ksize=$(stat -c %s "$IMAGES/vmlinuz")
# Sections go well above the stub; the initramfs after the kernel, 1 MiB
# aligned.
initrd_vma=$(( (0x2000000 + ksize + 0x100000) / 0x100000 * 0x100000 ))
objcopy \
	--add-section .osrel="$WORK/target/etc/os-release" --change-section-vma .osrel=0x20000 \
	--add-section .cmdline="$IMGWORK/cmdline" --change-section-vma .cmdline=0x30000 \
	--add-section .linux="$IMAGES/vmlinuz" --change-section-vma .linux=0x2000000 \
	--add-section .initrd="$IMAGES/rootfs.cpio.zst" --change-section-vma .initrd=$initrd_vma \
	"$EFISTUB" "$IMAGES/BOOTX64.EFI"
# objcopy stamps the PE header with the current time: use the commit's,
# and recompute the PE checksum over it.
python3 - "$IMAGES/BOOTX64.EFI" "$SOURCE_DATE_EPOCH" <<'EOT'
import struct, sys
path, when = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
pe = struct.unpack_from("<I", b, 0x3c)[0]
struct.pack_into("<I", b, pe + 8, when & 0xffffffff)
csum_at = pe + 24 + 64
struct.pack_into("<I", b, csum_at, 0)
data = b + (b"\0" if len(b) % 2 else b"")
s = 0
for (w,) in struct.iter_unpack("<H", data):
    s += w
    s = (s & 0xffff) + (s >> 16)
struct.pack_into("<I", b, csum_at, ((s & 0xffff) + len(b)) & 0xffffffff)
open(path, "wb").write(b)
EOT

# --- the ESP (FAT32): syslinux for BIOS, BOOTX64.EFI for UEFI -----------------
ESP=$IMGWORK/input/esp.vfat
# Twice the boot files: ptpbridge-upgrade copies the new ones beside the old.
need_kb=$(( 2 * ($(stat -c %s "$IMAGES/BOOTX64.EFI") + $(stat -c %s "$IMAGES/vmlinuz") + \
	$(stat -c %s "$IMAGES/rootfs.cpio.zst")) / 1024 + 2048 ))
[ "$need_kb" -lt $((PB_BOARD_ESP_SIZE * 1024)) ] ||
	die "ESP of $PB_BOARD_ESP_SIZE MiB is too small (need $((need_kb / 1024)) MiB with room for an upgrade): raise PB_BOARD_ESP_SIZE"
msg "ESP ($PB_BOARD_ESP_SIZE MiB FAT32)"
mkfs.vfat -C -F 32 -n PTPBOOT --invariant "$ESP" $((PB_BOARD_ESP_SIZE * 1024)) >/dev/null
cat > "$IMGWORK/syslinux.cfg" <<EOT
SERIAL ${CONSOLE_TTY#ttyS} $CONSOLE_BAUD
DEFAULT ptpbridge
PROMPT 0
TIMEOUT 20
SAY ptpbridge $(cat VERSION 2>/dev/null) ($BOARD): booting kernel $KVER
LABEL ptpbridge
	KERNEL /vmlinuz
	INITRD /initrd.zst
	APPEND $CMDLINE
EOT
export MTOOLS_SKIP_CHECK=1
mmd -i "$ESP" ::/EFI ::/EFI/BOOT ::/syslinux
touch -d "@$SOURCE_DATE_EPOCH" "$IMAGES/BOOTX64.EFI" "$IMAGES/vmlinuz" \
	"$IMAGES/rootfs.cpio.zst" "$IMGWORK/syslinux.cfg"
mcopy -m -i "$ESP" "$IMAGES/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$ESP" "$IMAGES/vmlinuz" ::/vmlinuz
mcopy -m -i "$ESP" "$IMAGES/rootfs.cpio.zst" ::/initrd.zst
mcopy -m -i "$ESP" "$IMGWORK/syslinux.cfg" ::/syslinux/syslinux.cfg
syslinux --install --directory /syslinux "$ESP"

# --- the disk (genimage) ----------------------------------------------------------
cp "$GPTMBR" "$IMGWORK/input/gptmbr.bin"
tmpl=$BOARD_DIR/genimage.cfg.in
[ -f "$tmpl" ] || tmpl=board/common/genimage.cfg.in
sed -e "s|@IMAGE_NAME@|$IMG_NAME|g" -e "s|@DATA_SIZE@|$PB_BOARD_DATA_SIZE|g" \
	-e "s|@DISK_UUID@|$(uuid_of disk)|g" -e "s|@ESP_UUID@|$(uuid_of esp)|g" \
	-e "s|@DATA_UUID@|$(uuid_of data)|g" -e "s|@DATA_FS_UUID@|$(uuid_of datafs)|g" \
	-e "s|@DATA_FS_SEED@|$(uuid_of seed)|g" \
	-e "s|@FS_TIME@|$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)|g" \
	-e "s|@GPTMBR@|gptmbr.bin|g" "$tmpl" > "$IMGWORK/genimage.cfg"
msg "genimage ($tmpl)"
rm -f "$IMAGES/$IMG_NAME"
genimage --config "$IMGWORK/genimage.cfg" --rootpath "$IMGWORK/root" \
	--tmppath "$IMGWORK/tmp" --inputpath "$IMGWORK/input" \
	--outputpath "$IMGWORK" > "$IMGWORK/genimage.log" 2>&1 ||
	{ cat "$IMGWORK/genimage.log" >&2; die "genimage failed"; }
mv "$IMGWORK/$IMG_NAME" "$IMAGES/$IMG_NAME"

if [ -x "$BOARD_DIR/post-image.sh" ]; then
	msg "$BOARD_DIR/post-image.sh"
	"$BOARD_DIR/post-image.sh" "$IMAGES"
fi

# --- manifest -----------------------------------------------------------------------
M=$IMAGES/manifest.txt
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
{
	echo "ptpbridge $(cat VERSION 2>/dev/null) $(git describe --always --dirty 2>/dev/null || true)"
	echo "board: $BOARD"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $KVER ($PB_BOARD_KERNEL_PACKAGE), cmdline: $CMDLINE"
	echo "leap-seconds.list expires: $(cat "$WORK/leap-expires")"
	echo "image: $IMG_NAME $(stat -c %s "$IMAGES/$IMG_NAME") bytes ($(( $(stat -c %s "$IMAGES/$IMG_NAME") / 1048576 )) MiB)"
	echo "sizes: vmlinuz $(stat -c %s "$IMAGES/vmlinuz"), rootfs.cpio.zst $(stat -c %s "$IMAGES/rootfs.cpio.zst") ($(du -sb "$WORK/target" | cut -f1) unpacked), BOOTX64.EFI $(stat -c %s "$IMAGES/BOOTX64.EFI") bytes"
	echo
	echo "sha256:"
	(cd "$IMAGES" && sha256sum "$IMG_NAME" vmlinuz rootfs.cpio.zst BOOTX64.EFI | sed 's/^/  /')
	echo
	echo "packages in the image (Debian):"
	sort "$MANIFEST_PKGS" | sed 's/^/  /'
	echo
	echo "programs:"
	for p in "$WORK"/target/usr/sbin/bridged "$WORK"/target/usr/bin/bridgectl; do
		[ -f "$p" ] && echo "  ${p#$WORK/target} $(stat -c %s "$p") bytes sha256 $(sha256sum < "$p" | cut -d' ' -f1)"
	done
	echo
	echo "kernel modules: $(sed 's|.*/||; s|\.ko.*||' "$WORK/modules.list" | sort | tr '\n' ' ')"
	echo
	echo "build tools: genimage $(ver genimage), syslinux $(ver syslinux), syslinux-common $(ver syslinux-common), systemd-boot-efi $(ver systemd-boot-efi), mtools $(ver mtools), dosfstools $(ver dosfstools), e2fsprogs $(ver e2fsprogs)"
} > "$M"
(cd "$IMAGES" && sha256sum "$IMG_NAME" vmlinuz rootfs.cpio.zst BOOTX64.EFI > SHA256SUMS)
msg "$IMAGES/$IMG_NAME: $(( $(stat -c %s "$IMAGES/$IMG_NAME") / 1048576 )) MiB, manifest $M"
