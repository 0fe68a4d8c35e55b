################################################################################
#
# linuxptp: built as a library (libptp.a) from the pinned release tarball.
# Never copied into this repository; fetched, hash-checked and built under
# $(O)/build/linuxptp-$(LINUXPTP_VERSION).
#
################################################################################

LINUXPTP_VERSION = 3.1.1
LINUXPTP_SOURCE = linuxptp_$(LINUXPTP_VERSION).orig.tar.gz
LINUXPTP_SITE = apt-source://linuxptp
LINUXPTP_LICENSE = GPL-2.0-or-later
LINUXPTP_HASHFILE = ptp/linuxptp.hash

LINUXPTP_DL = $(DL_DIR)/$(LINUXPTP_SOURCE)
LINUXPTP_SRCDIR = $(O)/src/linuxptp-$(LINUXPTP_VERSION)
LINUXPTP_OBJDIR = $(BUILD)/linuxptp
LINUXPTP_LIB = $(LINUXPTP_OBJDIR)/libptp.a

# Every object of linuxptp's makefile except those holding a main().
LINUXPTP_MAIN_OBJS = ptp4l.o hwstamp_ctl.o nsm.o phc2sys.o phc_ctl.o pmc.o \
	timemaster.o ts2phc.o
LINUXPTP_OBJS = $(filter-out $(LINUXPTP_MAIN_OBJS), \
	$(shell sed -n 's/\\$$//; /^\(OBJ\|OBJECTS\|FILTERS\|SERVOS\|TRANSP\|TS2PHC\)/,/^$$/p' \
	$(LINUXPTP_SRCDIR)/makefile 2>/dev/null | tr ' \t' '\n\n' | grep '\.o$$' | sort -u))

# linuxptp's own include flags (feature probes of incdefs.sh), for the few
# files of ours that include its headers.
LINUXPTP_CFLAGS = -I$(LINUXPTP_SRCDIR) $(shell cat $(LINUXPTP_OBJDIR)/incdefs 2>/dev/null)

$(LINUXPTP_DL): $(LINUXPTP_HASHFILE) scripts/fetch-linuxptp.sh
	@scripts/fetch-linuxptp.sh $(LINUXPTP_VERSION) $(LINUXPTP_SOURCE) $(DL_DIR) $(LINUXPTP_HASHFILE)
	@touch $@

$(LINUXPTP_SRCDIR)/.stamp_extracted: $(LINUXPTP_DL)
	@rm -rf $(LINUXPTP_SRCDIR) && mkdir -p $(dir $(LINUXPTP_SRCDIR))
	@# Check again: the file in dl/ may have been replaced since it was fetched.
	@scripts/fetch-linuxptp.sh $(LINUXPTP_VERSION) $(LINUXPTP_SOURCE) $(DL_DIR) $(LINUXPTP_HASHFILE)
	tar -xzf $< -C $(dir $(LINUXPTP_SRCDIR))
	@touch $@

# Out-of-tree build with linuxptp's own makefile (its VPATH support).  Its
# warnings are its own: no -Werror on its files.
$(LINUXPTP_LIB): $(LINUXPTP_SRCDIR)/.stamp_extracted
	@mkdir -p $(LINUXPTP_OBJDIR)
	cd $(LINUXPTP_SRCDIR) && ./incdefs.sh > $(abspath $(LINUXPTP_OBJDIR))/incdefs
	$(MAKE) --no-print-directory -C $(LINUXPTP_OBJDIR) \
		-f $(abspath $(LINUXPTP_SRCDIR))/makefile \
		EXTRA_CFLAGS="-O2 -g $(SAN_CFLAGS)" CC=$(CC) \
		$(LINUXPTP_OBJS) > $(LINUXPTP_OBJDIR)/build.log 2>&1 || \
		{ tail -30 $(LINUXPTP_OBJDIR)/build.log; exit 1; }
	@echo "linuxptp: $(words $(LINUXPTP_OBJS)) objects, $$(grep -c 'warning:' $(LINUXPTP_OBJDIR)/build.log) warnings (see $(LINUXPTP_OBJDIR)/build.log)"
	rm -f $@ && cd $(LINUXPTP_OBJDIR) && $(AR) rcs libptp.a $(LINUXPTP_OBJS)

linuxptp: $(LINUXPTP_LIB)
linuxptp-source: $(LINUXPTP_SRCDIR)/.stamp_extracted
.PHONY: linuxptp linuxptp-source
