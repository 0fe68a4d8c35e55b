# phc/: CLOCK_REALTIME follows PHC A; the reference state (docs/clock.md);
# PHC access and NIC B tracking that ntp/ uses for hardware timestamps.

BRIDGED_SRCS += phc/phc.c phc/phc_addr_watch.c phc/phc_sys.c phc/phc_ref.c phc/phc_leapfile.c phc/phc_nl.c \
	phc/phc_pps.c phc/phc_dev.c phc/phc_track.c phc/phc_sysadj.c
LINUXPTP_USERS += phc/phc_sys.c
BRIDGECTL_SRCS += phc/phc_view.c
# config check (bridgectl) and reload (bridged): is ntp.bindaddress on its NIC?
COMMON_SRCS += phc/phc_addr.c

UNIT_TESTS += test_phc_track test_phc_sys test_phc_dev
UNIT_EXCLUDE_test_phc_sys = phc/phc_sys.c
UNIT_EXCLUDE_test_phc_dev = phc/phc_dev.c

UNIT_TESTS += test_phc_ref
UNIT_TESTS += test_phc_nl
UNIT_EXCLUDE_test_phc_nl = phc/phc_nl.c

# the leap-seconds list: outside input (tzdata, the operator)
FUZZ_TARGETS += fuzz_leapfile
FUZZ_SRCS_fuzz_leapfile = phc/phc_leapfile.c

# netlink answers as phc_nl.c parses them (the file is included by the target)
FUZZ_TARGETS += fuzz_nl
FUZZ_SRCS_fuzz_nl = bridge/core/log.c bridge/core/loop.c
