# ptpbridge: top-level Makefile, in the Buildroot way.
#
#   make <board>_defconfig   select a board (board/<board>/defconfig)
#   make menuconfig          edit the selection (.config)
#   make savedefconfig       write the minimal selection back to the board
#   make list-defconfigs     list the boards
#   make                     build (host_defconfig when there is no .config)
#   make check               install test dependencies, build, run every test
#   make demo                run the bridge end to end on this machine
#   make bench               benchmarks (not pass/fail)
#
# Output goes under $(O) (default output/).

O ?= output
BUILD ?= $(O)/build
DL_DIR ?= dl
export O DL_DIR

CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG
# Kconfig symbols are spelled PB_*, as Buildroot spells its own BR2_*.
export CONFIG_ = PB_

PTPBRIDGE_VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)$(shell \
	git describe --always --dirty --exclude '*' 2>/dev/null | sed 's/^/-g/')

# Sanitizer build: `make SAN=1` builds into $(O)/build-san with ASan+UBSan.
ifeq ($(SAN),1)
BUILD := $(O)/build-san
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif

# Our code is built strict; linuxptp's is not (see ptp/linuxptp.mk).
WARN_CFLAGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers -Wno-unused-parameter
OUR_CFLAGS = -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARN_CFLAGS) $(SAN_CFLAGS) \
	-I. -I$(BUILD)/include -DPTPBRIDGE_VERSION='"$(PTPBRIDGE_VERSION)"' \
	$(EXTRA_CFLAGS)
OUR_LDFLAGS = $(SAN_CFLAGS) $(EXTRA_LDFLAGS)

all: build

# --- configuration (Kconfig) ------------------------------------------------
BOARDS := $(sort $(patsubst board/%/defconfig,%,$(wildcard board/*/defconfig)))

# kconfig-frontends may not be there yet on a fresh machine: every Kconfig
# target installs what it needs first (quick when it is present).
KCONFIG_DEPS = @command -v kconfig-conf >/dev/null || scripts/deps.sh

%_defconfig: board/%/defconfig
	$(KCONFIG_DEPS)
	@KCONFIG_CONFIG=$(KCONFIG_CONFIG) kconfig-conf --defconfig=$< Kconfig >/dev/null
	@echo "configured for board $* ($(KCONFIG_CONFIG))"

menuconfig: $(KCONFIG_CONFIG)
	$(KCONFIG_DEPS)
	kconfig-mconf Kconfig

nconfig: $(KCONFIG_CONFIG)
	$(KCONFIG_DEPS)
	kconfig-nconf Kconfig

olddefconfig oldconfig:
	$(KCONFIG_DEPS)
	kconfig-conf --olddefconfig Kconfig

savedefconfig: $(KCONFIG_CONFIG)
	@d=board/$(PB_BOARD_NAME)/defconfig; \
	kconfig-conf --savedefconfig=$$d.new Kconfig && \
	{ grep '^# *desc:' $$d 2>/dev/null; cat $$d.new; } > $$d.tmp && \
	rm -f $$d.new && mv $$d.tmp $$d
	@echo "wrote board/$(PB_BOARD_NAME)/defconfig"

list-defconfigs:
	@echo "Board defconfigs (make <name>):"
	@for b in $(BOARDS); do \
		printf '  %-32s - %s\n' "$${b}_defconfig" \
		"$$(sed -n 's/^# *desc: *//p' board/$$b/defconfig | head -n1)"; \
	done

# With no .config, `make` uses the host board.
$(KCONFIG_CONFIG):
	@echo "no $(KCONFIG_CONFIG): using host_defconfig"
	$(KCONFIG_DEPS)
	@KCONFIG_CONFIG=$(KCONFIG_CONFIG) kconfig-conf --defconfig=board/host/defconfig Kconfig >/dev/null

-include $(KCONFIG_CONFIG)
PB_BOARD_NAME := $(patsubst "%",%,$(PB_BOARD_NAME))

# autoconf.h for C, regenerated whenever .config changes.
AUTOCONF_H = $(BUILD)/include/pb_autoconf.h
$(AUTOCONF_H): $(KCONFIG_CONFIG) scripts/kconfig-header.sh
	@mkdir -p $(dir $@)
	@scripts/kconfig-header.sh $< > $@.tmp && mv $@.tmp $@

.PHONY: all build menuconfig nconfig olddefconfig oldconfig savedefconfig \
	list-defconfigs

# --- build definitions (before the fragments: their prerequisites use them) --
PKGS := inih json-c libnl-3.0 libnl-route-3.0 libmnl libcap $(if $(PB_SECCOMP),libseccomp)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
LIBS = $(LINUXPTP_LIB) $(PKG_LIBS) -lm -lrt -pthread

BRIDGED = $(BUILD)/bin/bridged
BRIDGECTL = $(BUILD)/bin/bridgectl

# Objects: $(BUILD)/obj/<path>.o for <path>.c
obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# --- modules ----------------------------------------------------------------
# Each fragment appends to these lists:
#   BRIDGED_SRCS BRIDGECTL_SRCS COMMON_SRCS  sources of the two programs
#   UNIT_TESTS       tests/unit/<name>.c, each a cmocka binary
#   CHECK_TARGETS    phony targets `make check` runs after the unit tests
#   FUZZ_TARGETS     tests/fuzz/<name>.c, each a libFuzzer target
#   BENCH_TARGETS    phony targets `make bench` runs
#   PROGRAMS         extra build outputs `make build` makes
include ptp/linuxptp.mk
include bridge/bridge.mk
-include ptp/ptp.mk
-include phc/phc.mk
-include ntp/ntp.mk
-include tests/hwsim/hwsim.mk
-include tests/bench/bench.mk
-include board/board.mk
# Last: its rules use the lists every fragment above appended to.
include tests/tests.mk

$(BUILD)/obj/%.o: %.c $(AUTOCONF_H) | $(LINUXPTP_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(OUR_CFLAGS) $(PKG_CFLAGS) $(if $(filter $(LINUXPTP_USERS),$<),$(LINUXPTP_CFLAGS)) \
		-MMD -MP -c $< -o $@

$(BRIDGED): $(call obj,$(BRIDGED_SRCS) $(COMMON_SRCS)) $(LINUXPTP_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(OUR_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS)

$(BRIDGECTL): $(call obj,$(BRIDGECTL_SRCS) $(COMMON_SRCS)) $(LINUXPTP_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(OUR_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS)

build: $(BRIDGED) $(BRIDGECTL) $(PROGRAMS)
	@echo "built $(BRIDGED) $(BRIDGECTL) (board $(PB_BOARD_NAME), linuxptp $(LINUXPTP_VERSION))"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- tests ------------------------------------------------------------------
# `make check` is what CI runs: it installs what it needs (scripts/deps.sh),
# checks the layers (scripts/check-layers.sh), builds strict, runs the unit tests, runs them again under ASan+UBSan, runs
# the fuzz targets briefly, then the integration targets.
check:
	@scripts/deps.sh
	@scripts/check-layers.sh
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory SAN=1 unit
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory -k check-integration
	@echo "make check: all passed"

check-integration: build $(CHECK_TARGETS)

check-layers:
	@scripts/check-layers.sh

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory build $(DEMO_DEPS)
	@scripts/demo.sh

bench: $(BENCH_TARGETS)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(O)/build $(O)/build-san $(O)/build-fuzz

distclean:
	rm -rf $(O) $(KCONFIG_CONFIG) $(KCONFIG_CONFIG).old

.PHONY: check check-integration check-layers demo bench deps clean distclean
