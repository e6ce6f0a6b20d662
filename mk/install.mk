# make install [PREFIX=/usr/local] [DESTDIR=...]: the daemon, the command
# line, libqcreg (shared, with a soname, and static), its headers and
# pkg-config file, the man pages, an example configuration with the data
# files it names, and a hardened systemd unit. Release build only.

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
SBINDIR	 = $(PREFIX)/sbin
LIBDIR	 = $(PREFIX)/lib
INCDIR	 = $(PREFIX)/include/qcreg
DATADIR	 = $(PREFIX)/share/qcreg
MANDIR	 = $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMD	 = $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)
UNITDIR	 = $(SYSTEMD)/systemd/system
SYSUSERSDIR = $(SYSTEMD)/sysusers.d
# The shared library's ABI version: its soname is libqcreg.so.$(SOVER).
SOVER	 = 1
VERSION	 = $(shell sed -n 's/.*QCD_VERSION.*"qcregd \(.*\)".*/\1/p' \
	   server/common/version.h)

# Position-independent objects of the library and what it uses of proto/.
LIB_PIC	 = $(patsubst %.c,$(O)/pic/%.o,$(LIB_SRC) $(PROTO_SRC))
LIB_SO	 = $(O)/libqcreg.so.$(SOVER)
# The static library holds proto/'s objects too: one file to link.
LIB_FULL_A = $(O)/libqcreg-full.a
LIB_PKGS = openssl lmdb msgpack
$(O)/pic/proto/%.o:	INC = $(INC_proto)
$(O)/pic/client/lib/%.o:	INC = $(INC_lib)
$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(INC) -MMD -MP -c $< -o $@

$(LIB_SO): $(LIB_PIC)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libqcreg.so.$(SOVER) -o $@ $^ \
	    $(shell pkg-config --libs $(LIB_PKGS)) -pthread
$(LIB_FULL_A): $(call obj,$(LIB_SRC) $(PROTO_SRC))
	rm -f $@ && ar rcs $@ $^

$(O)/qcreg.pc: dist/qcreg.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(shell pkg-config --libs openssl lmdb)|' \
	    $< > $@
$(O)/qcregd.service: dist/qcregd.service.in
	sed -e 's|@SBINDIR@|$(SBINDIR)|' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|' \
	    $< > $@
# The [server] of a deployment, then the lists, limits and example
# principals of the development configuration.
$(O)/qcregd.conf.example: dist/qcregd.conf.in server/qcregd.conf
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|' -e 's|@DATADIR@|$(DATADIR)|' \
	    dist/qcregd.conf.in > $@
	sed -n '/^\[limits\]/,$$p' server/qcregd.conf >> $@

install: all $(LIB_SO) $(LIB_FULL_A) $(O)/qcreg.pc $(O)/qcregd.service \
	    $(O)/qcregd.conf.example
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) \
	    $(DESTDIR)$(DATADIR)/calendar $(DESTDIR)$(DATADIR)/console \
	    $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/qcreg $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(BIN)/qcregd $(DESTDIR)$(SBINDIR)/qcregd
	install -m 755 $(BIN)/qcreg $(DESTDIR)$(BINDIR)/qcreg
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libqcreg.so.$(SOVER)
	ln -sf libqcreg.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libqcreg.so
	install -m 644 $(LIB_FULL_A) $(DESTDIR)$(LIBDIR)/libqcreg.a
	install -m 644 client/lib/qcreg.h proto/errors.h proto/sig.h \
	    $(DESTDIR)$(INCDIR)/
	install -m 644 $(O)/qcreg.pc $(DESTDIR)$(LIBDIR)/pkgconfig/qcreg.pc
	install -m 644 man/qcreg.1 $(DESTDIR)$(MANDIR)/man1/qcreg.1
	install -m 644 man/qcregd.conf.5 $(DESTDIR)$(MANDIR)/man5/qcregd.conf.5
	install -m 644 man/qcregd.8 $(DESTDIR)$(MANDIR)/man8/qcregd.8
	install -m 644 server/regions.txt $(DESTDIR)$(DATADIR)/regions.txt
	install -m 644 server/console/* $(DESTDIR)$(DATADIR)/console/
	install -m 644 server/calendar/dev.cal \
	    $(DESTDIR)$(DATADIR)/calendar/example.cal
	install -m 644 $(O)/qcregd.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/qcreg/qcregd.conf.example
	install -m 644 $(O)/qcregd.service $(DESTDIR)$(UNITDIR)/qcregd.service
	install -m 644 dist/qcreg.sysusers $(DESTDIR)$(SYSUSERSDIR)/qcreg.conf

.PHONY: install
