#!/bin/sh
# The disk image: a GPT disk that boots with legacy BIOS and UEFI through
# GRUB, which picks boot slot A or B (RAUC's GRUB environment, boot tries
# counted), plus the ext4 data partition; and the signed update bundle
# holding the boot slot.  No root, no mounts: grub-mkimage, mtools,
# genimage, rauc.
#
#   O=output DL_DIR=dl KCONFIG_CONFIG=.config scripts/mkimage.sh
#
# Needs scripts/mkrootfs.sh's outputs.  Leaves in $O/images/
# ptpbridge-<board>.img, ptpbridge-<board>-<version>.raucb, slot.vfat,
# BOOTX64.EFI (GRUB) and manifest.txt.  See docs/image.md.
set -eu
. scripts/image-common.sh
IMG_NAME=ptpbridge-$BOARD.img
KVER=$(cat "$WORK/kernel-version")
VERSION=$(cat VERSION)
BUILD_ID=$(git describe --always --dirty 2>/dev/null || echo unknown)
for f in /usr/lib/grub/i386-pc/boot.img "$IMAGES/vmlinuz" "$IMAGES/rootfs.cpio.zst"; do
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

# --- the boot slot: kernel, initramfs and their command line -------------------
# The same FAT image is slot A of the disk and the payload of the update
# bundle (scripts/mkbundle.sh).  Its volume id is derived from its content,
# so it never equals the ESP's, which GRUB searches for.
SLOTDIR=$IMGWORK/slot
mkdir -p "$SLOTDIR"
cp "$IMAGES/vmlinuz" "$SLOTDIR/vmlinuz"
cp "$IMAGES/rootfs.cpio.zst" "$SLOTDIR/initrd.zst"
cat > "$SLOTDIR/boot.cfg" <<EOT
# ptpbridge $VERSION ($BOARD), read by GRUB (board/common/grub.cfg.in)
set cmdline="$CMDLINE"
EOT
printf 'version=%s\nbuild=%s\nboard=%s\nkernel=%s\n' "$VERSION" "$BUILD_ID" "$BOARD" "$KVER" \
	> "$SLOTDIR/slot.info"
slot_kb=$(( $(du -sk --apparent-size "$SLOTDIR" | cut -f1) * 105 / 100 + 1024 ))
[ "$slot_kb" -le $((PB_BOARD_SLOT_SIZE * 1024)) ] ||
	die "boot slot of $PB_BOARD_SLOT_SIZE MiB is too small (need $((slot_kb / 1024 + 1)) MiB): raise PB_BOARD_SLOT_SIZE"
msg "boot slot image ($((slot_kb / 1024)) MiB FAT, slot $PB_BOARD_SLOT_SIZE MiB)"
SLOTIMG=$IMGWORK/input/slot.vfat
slot_id=$(cat "$SLOTDIR"/* | sha256sum | cut -c1-8)
[ "$slot_id" != "$(uuid_of espfs | cut -c1-8)" ] || slot_id=$(echo "$slot_id" | tr 0-9a-f 1-9a-f0)
mkfs.vfat -C -n PTPSLOT -i "$slot_id" "$SLOTIMG" "$slot_kb" >/dev/null
export MTOOLS_SKIP_CHECK=1
for f in vmlinuz initrd.zst boot.cfg slot.info; do
	touch -d "@$SOURCE_DATE_EPOCH" "$SLOTDIR/$f"
	mcopy -m -i "$SLOTIMG" "$SLOTDIR/$f" "::/$f"
done
cp "$SLOTIMG" "$IMAGES/slot.vfat"

# --- GRUB: BIOS core.img + boot.img, UEFI BOOTX64.EFI -------------------------------
# Both find the ESP by its volume id and read grub/grub.cfg from it.
ESP_ID=$(uuid_of espfs | cut -c1-8 | tr a-f A-F)
ESP_FSUUID=$(echo "$ESP_ID" | sed 's/^\(....\)/\1-/')
cat > "$IMGWORK/early.cfg" <<EOT
serial --unit=${CONSOLE_TTY#ttyS} --speed=$CONSOLE_BAUD
terminal_input serial console
terminal_output serial console
search --no-floppy --fs-uuid --set=root $ESP_FSUUID
set prefix=(\$root)/grub
configfile (\$root)/grub/grub.cfg
EOT
GRUB_MODS="part_gpt fat search search_fs_uuid configfile normal test echo loadenv linux regexp serial terminal sleep reboot halt"
msg "GRUB (i386-pc, x86_64-efi), slot choice after $PB_BOARD_BOOT_TRIES tries"
grub-mkimage -O i386-pc -o "$IMGWORK/core.img" -p /grub -c "$IMGWORK/early.cfg" biosdisk $GRUB_MODS
grub-mkimage -O x86_64-efi -o "$IMAGES/BOOTX64.EFI" -p /grub -c "$IMGWORK/early.cfg" $GRUB_MODS
# What grub-bios-setup would do, without a device: boot.img loads the first
# sector of core.img from BIOS_LBA; that sector's block list names the rest.
BIOS_LBA=2048
python3 - /usr/lib/grub/i386-pc/boot.img "$IMGWORK/core.img" "$IMGWORK/input" "$BIOS_LBA" <<'EOT'
import struct, sys
boot = bytearray(open(sys.argv[1], "rb").read())
core = bytearray(open(sys.argv[2], "rb").read())
out, lba = sys.argv[3], int(sys.argv[4])
core += b"\0" * (-len(core) % 512)
nsec = len(core) // 512
if nsec > 2048:
    sys.exit("core.img does not fit the 1 MiB BIOS boot partition")
struct.pack_into("<Q", boot, 0x5c, lba)      # GRUB_BOOT_MACHINE_KERNEL_SECTOR
boot[0x64] = 0xff                             # boot drive: the one the BIOS says
boot[0x66:0x68] = b"\x90\x90"                 # no floppy drive check
# diskboot.img's block list ends the first sector: start, length, segment;
# the entry before it stays zero (the terminator).
end = 512 - 12
if any(core[end - 12:end]):
    sys.exit("core.img: unexpected block list layout")
struct.pack_into("<QHH", core, end, lba + 1, nsec - 1, 0x820)
open(out + "/boot.img", "wb").write(boot[:440])
open(out + "/core.img", "wb").write(core)
EOT

# --- the ESP (FAT32): GRUB for UEFI, grub.cfg, the environment block ---------------
ESP=$IMGWORK/input/esp.vfat
msg "ESP ($PB_BOARD_ESP_SIZE MiB FAT32)"
mkfs.vfat -C -F 32 -n PTPBOOT -i "$ESP_ID" "$ESP" $((PB_BOARD_ESP_SIZE * 1024)) >/dev/null
sed -e "s|@SERIAL_UNIT@|${CONSOLE_TTY#ttyS}|g" -e "s|@SERIAL_SPEED@|$CONSOLE_BAUD|g" \
	-e "s|@TRIES@|$PB_BOARD_BOOT_TRIES|g" -e "s|@PART_A@|3|g" -e "s|@PART_B@|4|g" \
	board/common/grub.cfg.in > "$IMGWORK/grub.cfg"
# Slot A is complete and preferred; B is empty.
rm -f "$IMGWORK/grubenv"
grub-editenv "$IMGWORK/grubenv" create
grub-editenv "$IMGWORK/grubenv" set "ORDER=A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0
mmd -i "$ESP" ::/EFI ::/EFI/BOOT ::/grub
for f in "$IMAGES/BOOTX64.EFI" "$IMGWORK/grub.cfg" "$IMGWORK/grubenv"; do
	touch -d "@$SOURCE_DATE_EPOCH" "$f"
done
mcopy -m -i "$ESP" "$IMAGES/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$ESP" "$IMGWORK/grub.cfg" "$IMGWORK/grubenv" ::/grub/

# --- the disk (genimage) ----------------------------------------------------------
tmpl=$BOARD_DIR/genimage.cfg.in
[ -f "$tmpl" ] || tmpl=board/common/genimage.cfg.in
sed -e "s|@IMAGE_NAME@|$IMG_NAME|g" -e "s|@DATA_SIZE@|$PB_BOARD_DATA_SIZE|g" \
	-e "s|@DISK_UUID@|$(uuid_of disk)|g" -e "s|@ESP_UUID@|$(uuid_of esp)|g" \
	-e "s|@DATA_UUID@|$(uuid_of data)|g" -e "s|@DATA_FS_UUID@|$(uuid_of datafs)|g" \
	-e "s|@DATA_FS_SEED@|$(uuid_of seed)|g" \
	-e "s|@FS_TIME@|$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)|g" \
	-e "s|@BIOS_UUID@|$(uuid_of bios)|g" -e "s|@SLOTA_UUID@|$(uuid_of slota)|g" \
	-e "s|@SLOTB_UUID@|$(uuid_of slotb)|g" -e "s|@BIOS_OFFSET@|$((BIOS_LBA * 512))|g" \
	-e "s|@SLOT_SIZE@|$PB_BOARD_SLOT_SIZE|g" "$tmpl" > "$IMGWORK/genimage.cfg"
msg "genimage ($tmpl)"
rm -f "$IMAGES/$IMG_NAME"
genimage --config "$IMGWORK/genimage.cfg" --rootpath "$IMGWORK/root" \
	--tmppath "$IMGWORK/tmp" --inputpath "$IMGWORK/input" \
	--outputpath "$IMGWORK" > "$IMGWORK/genimage.log" 2>&1 ||
	{ cat "$IMGWORK/genimage.log" >&2; die "genimage failed"; }
mv "$IMGWORK/$IMG_NAME" "$IMAGES/$IMG_NAME"

# --- the update bundle: slot A's image, signed --------------------------------------
BUNDLE=ptpbridge-$BOARD-$VERSION.raucb
set -- $(scripts/update-key.sh)
msg "update bundle $BUNDLE (signed by $2)"
rm -f "$IMAGES"/ptpbridge-"$BOARD"-*.raucb
scripts/mkbundle.sh "$IMAGES/slot.vfat" "ptpbridge-$BOARD" "$VERSION" "$BUILD_ID" "$1" "$2" \
	"$IMAGES/$BUNDLE"

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
	echo "bundle: $BUNDLE $(stat -c %s "$IMAGES/$BUNDLE") bytes, compatible ptpbridge-$BOARD, signed by $(openssl x509 -noout -subject -in "$2" | sed 's/^subject=//')"
	echo "sizes: vmlinuz $(stat -c %s "$IMAGES/vmlinuz"), rootfs.cpio.zst $(stat -c %s "$IMAGES/rootfs.cpio.zst") ($(du -sb "$WORK/target" | cut -f1) unpacked), slot.vfat $(stat -c %s "$IMAGES/slot.vfat"), BOOTX64.EFI (GRUB) $(stat -c %s "$IMAGES/BOOTX64.EFI") bytes"
	echo
	echo "sha256:"
	(cd "$IMAGES" && sha256sum "$IMG_NAME" "$BUNDLE" vmlinuz rootfs.cpio.zst slot.vfat BOOTX64.EFI | sed 's/^/  /')
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
	echo "build tools: genimage $(ver genimage), grub-pc-bin $(ver grub-pc-bin), grub-efi-amd64-bin $(ver grub-efi-amd64-bin), rauc $(ver rauc), squashfs-tools $(ver squashfs-tools), mtools $(ver mtools), dosfstools $(ver dosfstools), e2fsprogs $(ver e2fsprogs)"
} > "$M"
(cd "$IMAGES" && sha256sum "$IMG_NAME" "$BUNDLE" vmlinuz rootfs.cpio.zst slot.vfat BOOTX64.EFI > SHA256SUMS)
msg "$IMAGES/$IMG_NAME: $(( $(stat -c %s "$IMAGES/$IMG_NAME") / 1048576 )) MiB, manifest $M"
