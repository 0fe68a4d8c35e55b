# board/: the disk image of a board with PB_IMAGE=y (Kconfig), and QEMU.
#
#   make                 also builds $(IMAGE) (see docs/image.md)
#   make image           rebuilds the image even when nothing changed
#   make qemu            boots it on this terminal (Ctrl-A X quits)
#   make qemu-test       boots it twice and checks it on the serial console
#   make check           runs qemu-check: qemu-test of qemu_x86_64 in
#                        $(O)/qemu-check, when QEMU is installed

IMAGE = $(O)/images/ptpbridge-$(PB_BOARD_NAME).img
IMAGE_SCRIPTS = scripts/image-common.sh scripts/mkrootfs.sh scripts/mkimage.sh \
	scripts/mkcpio.py scripts/mkusers.sh scripts/update-key.sh scripts/mkbundle.sh
IMAGE_INPUTS = $(IMAGE_SCRIPTS) $(KCONFIG_CONFIG) VERSION \
	$(shell find rootfs-overlay board/common board/$(PB_BOARD_NAME) -type f 2>/dev/null)

ifeq ($(PB_IMAGE),y)
PROGRAMS += $(IMAGE)
endif

# Whatever is in $(BUILD)/bin goes into the image; bridged and bridgectl
# must be there first.
$(IMAGE): $(BRIDGED) $(BRIDGECTL) $(IMAGE_INPUTS)
	@echo "  IMAGE   $@"
	@scripts/deps.sh
	@O=$(O) BUILD=$(BUILD) DL_DIR=$(DL_DIR) KCONFIG_CONFIG=$(KCONFIG_CONFIG) scripts/mkrootfs.sh
	@O=$(O) DL_DIR=$(DL_DIR) KCONFIG_CONFIG=$(KCONFIG_CONFIG) scripts/mkimage.sh

image-check-board:
	@[ "$(PB_IMAGE)" = y ] || { echo "board '$(PB_BOARD_NAME)' has no image: make qemu_x86_64_defconfig first" >&2; exit 1; }

image: image-check-board $(BRIDGED) $(BRIDGECTL)
	@rm -f $(IMAGE)
	@$(MAKE) --no-print-directory $(IMAGE)

# `make qemu` boots a copy of the image, kept until the image is rebuilt:
# config changes made in the guest survive from one `make qemu` to the next.
QEMU_DISK = $(O)/images/qemu-disk.img
qemu: image-check-board $(IMAGE)
	@[ "$(PB_BOARD_NAME)" = qemu_x86_64 ] || echo "note: board $(PB_BOARD_NAME) is meant for hardware; booting it on a q35 stand-in"
	@[ $(QEMU_DISK) -nt $(IMAGE) ] || cp $(IMAGE) $(QEMU_DISK)
	@echo "serial console on this terminal; Ctrl-A X quits QEMU"
	QEMU_BOARD=$(PB_BOARD_NAME) scripts/qemu.sh $(QEMU_DISK)

# The update key the image was built with signs the test's bundles.
qemu-test: image-check-board $(IMAGE)
	@set -- $$(O=$(O) KCONFIG_CONFIG=$(KCONFIG_CONFIG) sh -c '. scripts/image-common.sh >/dev/null && scripts/update-key.sh' 2>/dev/null) && \
	QEMU_BOARD=$(PB_BOARD_NAME) python3 tests/qemu/qemu-test.py --workdir $(O)/qemu-test \
		--key "$$1" --cert "$$2" $(IMAGE)

# For `make check` (no .config on CI: the host board): build the
# qemu_x86_64 image in its own output directory with its own .config, so
# the developer's selection and build are not touched, and boot-test it.
QEMU_CHECK_O = $(O)/qemu-check
qemu-check:
	@if ! command -v qemu-system-x86_64 >/dev/null; then \
		echo "qemu-check: SKIPPED (no qemu-system-x86_64; scripts/deps.sh installs it)"; \
	else \
		t0=$$(date +%s); \
		mkdir -p $(QEMU_CHECK_O) && \
		KCONFIG_CONFIG=$(QEMU_CHECK_O)/.config kconfig-conf \
			--defconfig=board/qemu_x86_64/defconfig Kconfig >/dev/null && \
		$(MAKE) --no-print-directory O=$(QEMU_CHECK_O) BUILD=$(QEMU_CHECK_O)/build \
			KCONFIG_CONFIG=$(QEMU_CHECK_O)/.config qemu-test && \
		echo "qemu-check: passed in $$(( $$(date +%s) - t0 )) s"; \
	fi

CHECK_TARGETS += qemu-check

# The data partition's format rules, on a directory (no QEMU).
check-data-format:
	@sh tests/image/data_format.sh

CHECK_TARGETS += check-data-format

.PHONY: image image-check-board qemu qemu-test qemu-check check-data-format
