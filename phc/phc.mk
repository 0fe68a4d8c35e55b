# phc/: CLOCK_REALTIME follows PHC A; the reference state (docs/clock.md).

BRIDGED_SRCS += phc/phc_sys.c phc/phc_ref.c phc/phc_leapfile.c phc/phc_nl.c phc/phc_pps.c
LINUXPTP_USERS += phc/phc_sys.c

UNIT_TESTS += test_phc_ref
UNIT_TESTS += test_phc_nl
UNIT_EXCLUDE_test_phc_nl = phc/phc_nl.c
