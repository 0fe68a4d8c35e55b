# bridge/: bridged (the daemon), bridgectl (the CLI), the unified config,
# the core loop, the control socket and the reference state.

# Shared by both programs.
COMMON_SRCS += bridge/conf.c bridge/conf_table.c bridge/log.c ptp/ptp_conf.c

BRIDGED_SRCS += bridge/bridged.c bridge/loop.c bridge/ctl.c bridge/ref_state.c \
	bridge/modules.c bridge/sandbox.c bridge/privdrop.c

BRIDGECTL_SRCS += bridge/bridgectl.c bridge/view.c

# Files that include linuxptp's headers get its include flags.
LINUXPTP_USERS += ptp/ptp_conf.c

MANPAGES = $(BUILD)/man/bridge.conf.5 $(BUILD)/man/bridged.8 $(BUILD)/man/bridgectl.8
PROGRAMS += $(MANPAGES)

$(BUILD)/man/%.8: bridge/%.8
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/man/bridge.conf.5: $(BRIDGECTL)
	@mkdir -p $(dir $@)
	$(BRIDGECTL) config man > $@
