# ptp/: linuxptp's engine embedded in bridged (docs/ptp.md).

BRIDGED_SRCS += ptp/ptp_engine.c ptp/ptp_ctl.c
LINUXPTP_USERS += ptp/ptp_engine.c

# The engine joins the core loop through a poll() wrapper (ptp_engine.c):
# only bridged, and the unit tests that run the engine, link with it.
$(BUILD)/bin/bridged: LIBS += -Wl,--wrap=poll

UNIT_TESTS += test_ptp_engine
$(BUILD)/tests/test_ptp_engine: LIBS += -Wl,--wrap=poll
UNIT_EXCLUDE_test_ptp_engine = ptp/ptp_engine.c

# bridgectl's views of the PTP and clock side.
BRIDGECTL_SRCS += ptp/ptp_view.c

# make demo runs the chain on the emulator (scripts/demo.sh).
DEMO_DEPS += hwsim
