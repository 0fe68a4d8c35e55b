# ntp/: the NTP server (docs/ntp.md).

NTP_SRCS = ntp/ntp.c ntp/ntp_server.c ntp/ntp_io.c ntp/ntp_core.c ntp/ntp_packet.c ntp/ntp_clientlog.c ntp/ntp_acl.c
BRIDGED_SRCS += $(NTP_SRCS)
BRIDGECTL_SRCS += ntp/ntp_view.c

UNIT_TESTS += test_ntp_packet test_ntp_clientlog test_ntp_acl test_ntp_interleave test_ntp_core
UNIT_EXCLUDE_test_ntp_interleave = ntp/ntp_server.c

FUZZ_TARGETS += fuzz_ntp_request
FUZZ_SRCS_fuzz_ntp_request = ntp/ntp_packet.c

CHECK_TARGETS += check-ntp
NTP_TESTS ?= $(filter-out tests/integration/ntp_lib.sh,$(sort $(wildcard tests/integration/ntp_*.sh)))

check-ntp: build
	@pass=0; fail=0; \
	for t in $(NTP_TESTS); do \
		echo "== $$t"; \
		if BUILD=$(BUILD) timeout 300 $$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAIL $$t"; fi; \
	done; \
	echo "ntp: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

.PHONY: check-ntp

# Test helper: hand-made NTP/mode 6/7 packets (tests/integration/ntp_probe.c).
NTP_PROBE = $(BUILD)/tests/ntp_probe
$(NTP_PROBE): tests/integration/ntp_probe.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(OUR_CFLAGS) -o $@ $<
check-ntp: $(NTP_PROBE)
