# tests/: unit tests (cmocka), fuzz targets (libFuzzer), integration tests.
#
# A unit test tests/unit/<name>.c links the objects of COMMON_SRCS and
# BRIDGED_SRCS except bridged.c's main; a test may also #include a module's
# .c to reach its internals (chrony's way), then it must list that file in
# UNIT_EXCLUDE_<name> so it is not linked twice.

UNIT_TESTS += test_conf test_ctl test_module test_ref_state test_sandbox test_slots

UNIT_LINK_SRCS = $(filter-out bridge/prog/bridged.c,$(COMMON_SRCS) $(BRIDGED_SRCS))

$(BUILD)/tests/%: tests/unit/%.c $(call obj,$(UNIT_LINK_SRCS)) $(LINUXPTP_LIB) $(AUTOCONF_H)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(OUR_CFLAGS) $(PKG_CFLAGS) $(LINUXPTP_CFLAGS) -o $@ $< \
		$(filter-out $(call obj,$(UNIT_EXCLUDE_$*)),$(call obj,$(UNIT_LINK_SRCS))) \
		$(OUR_LDFLAGS) $(LIBS) -lcmocka

UNIT_BINS = $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))

unit: $(UNIT_BINS)
	@pass=0; fail=0; \
	for t in $(UNIT_BINS); do \
		if (cd tests/unit && $(abspath $$t)) > $$t.log 2>&1; then \
			pass=$$((pass+1)); \
		else \
			fail=$$((fail+1)); echo "FAIL $$t"; cat $$t.log; \
		fi; \
		grep -h '^\[  PASSED  \]\|^\[  FAILED  \]' $$t.log | sed "s|^|$$(basename $$t): |"; \
	done; \
	echo "unit$(if $(SAN), (ASan+UBSan)): $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

# --- fuzzing (clang, libFuzzer) ----------------------------------------------
FUZZ_TARGETS += fuzz_conf
FUZZ_SECONDS ?= 20
FUZZ_BUILD = $(O)/build-fuzz
FUZZ_CFLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I$(BUILD)/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DPTPBRIDGE_VERSION='"fuzz"'

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(AUTOCONF_H) $(LINUXPTP_LIB) FORCE
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) $(LINUXPTP_CFLAGS) -o $@ $< \
		$(FUZZ_SRCS_$*) $(LIBS)

# fuzz_conf's dictionary: every section and key of the table, and the
# words values are made of (made from the table, so it never goes stale).
$(FUZZ_BUILD)/fuzz_conf.dict: bridge/core/conf_table.c
	@mkdir -p $(dir $@)
	@{ grep -oE '(SCALAR|LIST|LIST_F)\("[a-z]+", "[a-z_]+"' $< | \
		sed -E 's/.*\("([a-z]+)", "([a-z_]+)"/"[\1]"\n"\2 = "/'; \
	   for w in yes no on off auto all interval burst leak kod ms min s h d K M G KiB MiB \
		"\\x0a" "#" ";" "=" "::ffff:" "/0" "/32" "/128" "0x" "1e308" "-1" "nan"; do \
		printf '"%s"\n' "$$w"; done; } | sort -u > $@

fuzz: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS)) $(FUZZ_BUILD)/fuzz_conf.dict
	@for f in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$f; \
		cp -n tests/fuzz/corpus/$$f/* $(FUZZ_BUILD)/corpus-$$f/ 2>/dev/null; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		d=; [ -f $(FUZZ_BUILD)/$$f.dict ] && d=-dict=$(FUZZ_BUILD)/$$f.dict; \
		$(FUZZ_BUILD)/$$f $$d -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			$(FUZZ_BUILD)/corpus-$$f > $(FUZZ_BUILD)/$$f.log 2>&1 || \
			{ tail -40 $(FUZZ_BUILD)/$$f.log; exit 1; }; \
		grep -h 'Done [0-9]* runs' $(FUZZ_BUILD)/$$f.log | sed "s/^/  $$f: /"; \
	done

# make fuzz-long: the campaign (not in make check).  Each target runs for
# FUZZ_LONG_RUNS executions or FUZZ_LONG_SECONDS, whichever comes first,
# on its corpus (kept between runs in $(FUZZ_BUILD)/corpus-TARGET; new
# findings stay there and in crash-TARGET-* files); a table of executions,
# coverage and findings goes to $(FUZZ_BUILD)/fuzz-long.md
# (docs/reliability.md keeps the last one).
FUZZ_LONG_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 3600
fuzz-long: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS)) $(FUZZ_BUILD)/fuzz_conf.dict
	@out=$(FUZZ_BUILD)/fuzz-long.md; fail=0; \
	echo "| target | executions | time s | exec/s | coverage (edges) | features | corpus | findings |" > $$out; \
	echo "|---|---|---|---|---|---|---|---|" >> $$out; \
	for f in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$f; \
		cp -n tests/fuzz/corpus/$$f/* $(FUZZ_BUILD)/corpus-$$f/ 2>/dev/null; \
		echo "fuzz-long: $$f ($(FUZZ_LONG_RUNS) runs or $(FUZZ_LONG_SECONDS) s)"; \
		t0=$$(date +%s); \
		d=; [ -f $(FUZZ_BUILD)/$$f.dict ] && d=-dict=$(FUZZ_BUILD)/$$f.dict; \
		if $(FUZZ_BUILD)/$$f $$d -runs=$(FUZZ_LONG_RUNS) -max_total_time=$(FUZZ_LONG_SECONDS) \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$$f- \
			$(FUZZ_BUILD)/corpus-$$f > $(FUZZ_BUILD)/$$f.long.log 2>&1; then \
			found=none; \
		else \
			found="CRASH: $$(ls $(FUZZ_BUILD)/crash-$$f-* 2>/dev/null | head -1)"; fail=1; \
			tail -40 $(FUZZ_BUILD)/$$f.long.log; \
		fi; \
		t=$$(( $$(date +%s) - t0 )); \
		n=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/$$f.long.log); \
		cov=$$(grep -o 'cov: [0-9]*' $(FUZZ_BUILD)/$$f.long.log | tail -1 | cut -d' ' -f2); \
		ft=$$(grep -o 'ft: [0-9]*' $(FUZZ_BUILD)/$$f.long.log | tail -1 | cut -d' ' -f2); \
		corp=$$(grep -o 'corp: [0-9]*' $(FUZZ_BUILD)/$$f.long.log | tail -1 | cut -d' ' -f2); \
		echo "| $$f | $$n | $$t | $$(( $${n:-0} / ($$t > 0 ? $$t : 1) )) | $$cov | $$ft | $$corp | $$found |" >> $$out; \
		tail -1 $$out; \
	done; \
	echo "fuzz-long: table in $$out"; \
	[ $$fail = 0 ]

FUZZ_SRCS_fuzz_conf = bridge/core/conf.c bridge/core/conf_parse.c bridge/core/conf_table.c bridge/core/conf_text.c \
	bridge/core/conf_file.c bridge/core/log.c ptp/ptp_conf.c

.PHONY: unit fuzz fuzz-long FORCE
FORCE:

# --- integration: the foundation (config, control socket, reload, Kconfig) --
CHECK_TARGETS += check-foundation
check-foundation: build $(HWSIM_BINS)
	@bash tests/integration/foundation.sh > $(BUILD)/foundation.log 2>&1; rc=$$?; \
	grep -E 'PASS|FAIL' $(BUILD)/foundation.log | sed 's/^\[[0-9:]*\] //'; \
	p=$$(grep -c 'PASS:' $(BUILD)/foundation.log); f=$$(grep -c 'FAIL:' $(BUILD)/foundation.log); \
	echo "foundation: $$p passed, $$f failed"; \
	if [ $$rc != 0 ]; then tail -20 $(BUILD)/foundation.log; exit 1; fi
.PHONY: check-foundation

# --- the fault and flood suite (tests/soak/soak.sh, docs/reliability.md) ---
# make soak: the full lengths (SOAK_SECONDS=600), not in make check;
# make check runs the short version (check-soak, SOAK_SECONDS=20).
soak: build hwsim $(BUILD)/bench/ntpload
	@O=$(O) SOAK_SECONDS=$${SOAK_SECONDS:-600} tests/soak/soak.sh

check-soak: build hwsim $(BUILD)/bench/ntpload
	@O=$(O) SOAK_SECONDS=20 SOAK_KILL_BOUND=8 SOAK_TABLE=$(O)/soak-short.md \
		timeout 600 tests/soak/soak.sh

CHECK_TARGETS += check-soak
.PHONY: soak check-soak
