# tests/hwsim: the LD_PRELOAD hardware emulator (libhwsim.so, hwsimctl,
# clockguard) and its tests.  Included by the top-level Makefile.
#   make hwsim         build the emulator into $(BUILD)/hwsim/
#   make check-hwsim   run tests/hwsim/t-*.sh (needs root, netns, linuxptp, chrony)

HWSIM_OUT := $(BUILD)/hwsim
HWSIM_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARN_CFLAGS) -Itests/hwsim
HWSIM_BINS := $(HWSIM_OUT)/libhwsim.so $(HWSIM_OUT)/hwsimctl $(HWSIM_OUT)/clockguard \
	$(HWSIM_OUT)/hwsim_selftest

PROGRAMS += $(HWSIM_BINS)
CHECK_TARGETS += check-hwsim

$(HWSIM_OUT)/libhwsim.so: tests/hwsim/libhwsim.c tests/hwsim/hwsim_state.c tests/hwsim/hwsim_state.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(HWSIM_CFLAGS) -fPIC -shared -o $@ tests/hwsim/libhwsim.c \
		tests/hwsim/hwsim_state.c -ldl -lpthread -lm

$(HWSIM_OUT)/hwsimctl: tests/hwsim/hwsimctl.c tests/hwsim/hwsim_state.c tests/hwsim/hwsim_state.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(HWSIM_CFLAGS) -o $@ tests/hwsim/hwsimctl.c tests/hwsim/hwsim_state.c -lpthread -lm

$(HWSIM_OUT)/clockguard: tests/hwsim/clockguard.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(HWSIM_CFLAGS) -o $@ $<

$(HWSIM_OUT)/hwsim_selftest: tests/hwsim/hwsim_selftest.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(HWSIM_CFLAGS) -o $@ $<

.PHONY: hwsim check-hwsim
hwsim: $(HWSIM_BINS)

check-hwsim: $(HWSIM_BINS)
	@HWSIM_BIN=$(abspath $(HWSIM_OUT)) tests/hwsim/run-tests.sh
