# ptp/: linuxptp's engine embedded in bridged (docs/ptp.md).

BRIDGED_SRCS += ptp/ptp.c ptp/ptp_engine.c ptp/ptp_offset.c ptp/ptp_guard.c
LINUXPTP_USERS += ptp/ptp_engine.c

# linuxptp's own check of pass-through [ptp] keys, and its version: both
# programs.
COMMON_SRCS += ptp/ptp_conf.c
LINUXPTP_USERS += ptp/ptp_conf.c

# The engine joins the core loop through a poll() wrapper, and tells the
# offset filter its frequency changes of PHC A through a wrapper of
# clockadj_set_freq, and guards the servo against a grandmaster's time
# jump through a wrapper of servo_sample (ptp_engine.c): bridged and every
# unit test (they all link ptp_engine.o) link with all three.
PTP_ENGINE_WRAP = -Wl,--wrap=poll -Wl,--wrap=clockadj_set_freq -Wl,--wrap=servo_sample
$(BUILD)/bin/bridged: LIBS += $(PTP_ENGINE_WRAP)
$(BUILD)/tests/%: LIBS += $(PTP_ENGINE_WRAP)

UNIT_TESTS += test_ptp_engine test_ptp_offset test_ptp_guard
UNIT_EXCLUDE_test_ptp_engine = ptp/ptp_engine.c
UNIT_EXCLUDE_test_ptp_offset = ptp/ptp_offset.c

# bridgectl's views of the PTP and clock side.
BRIDGECTL_SRCS += ptp/ptp_view.c

# make demo runs the chain on the emulator (scripts/demo.sh).
DEMO_DEPS += hwsim

# Integration tests of the chain on the emulator (root, netns, linuxptp,
# chrony).  Each creates and deletes its own namespaces and checks that the
# host clock did not move.
CHECK_TARGETS += check-ptp
PTP_TESTS ?= $(sort $(wildcard tests/integration/chain_*.sh tests/integration/ptp_*.sh))
PTP_TESTS := $(filter-out tests/integration/ptp_lib.sh,$(PTP_TESTS))

check-ptp: build hwsim
	@pass=0; fail=0; \
	for t in $(PTP_TESTS); do \
		echo "== $$t"; \
		if O=$(O) timeout 300 $$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAIL $$t"; fi; \
	done; \
	echo "ptp: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

.PHONY: check-ptp

# make bench-chain: ptpbridge vs ptp4l+phc2sys+chronyd, served-time error
# (tests/bench/bench-chain.sh, docs/performance.md).  Not pass/fail.
bench-chain: build hwsim
	@O=$(O) tests/bench/bench-chain.sh

BENCH_TARGETS += bench-chain
.PHONY: bench-chain
