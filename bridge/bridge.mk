# bridge/: the core every module builds on (bridge/core: config, loop, log,
# control socket, reference state, module walk, privileges, sandbox, view
# and metric helpers) and the programs on top (bridge/prog: bridged,
# bridgectl, the module table, the view dispatch).  docs/design-notes.md,
# "Layers and module shape".

# Shared by both programs.
COMMON_SRCS += bridge/core/conf.c bridge/core/conf_parse.c bridge/core/conf_table.c bridge/core/conf_text.c \
	bridge/core/conf_file.c bridge/core/log.c

BRIDGED_SRCS += bridge/core/loop.c bridge/core/ctl.c bridge/core/ref_state.c \
	bridge/core/module.c bridge/core/metric.c bridge/core/sandbox.c \
	bridge/core/privdrop.c bridge/prog/bridged.c bridge/prog/modules.c

BRIDGECTL_SRCS += bridge/core/view.c bridge/prog/bridgectl.c bridge/prog/view.c bridge/prog/slots.c

MANPAGES = $(BUILD)/man/bridge.conf.5 $(BUILD)/man/bridged.8 $(BUILD)/man/bridgectl.8
PROGRAMS += $(MANPAGES)

$(BUILD)/man/%.8: bridge/prog/%.8
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/man/bridge.conf.5: $(BRIDGECTL)
	@mkdir -p $(dir $@)
	$(BRIDGECTL) config man > $@

# outside input: control requests (bridged) and the daemon's replies (bridgectl)
FUZZ_TARGETS += fuzz_ctl fuzz_view
FUZZ_SRCS_fuzz_ctl = bridge/core/ctl.c bridge/core/loop.c bridge/core/log.c bridge/core/conf.c \
	bridge/core/conf_parse.c bridge/core/conf_table.c bridge/core/conf_text.c
FUZZ_SRCS_fuzz_view = bridge/core/view.c bridge/prog/view.c ptp/ptp_view.c phc/phc_view.c \
	ntp/ntp_view.c
