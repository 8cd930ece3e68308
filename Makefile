# rsh: remote command execution.  See README.md.
#
#   make            build rshd and rsh (build/release/)
#   make test       unit and bats tests, then again under ASan+UBSan
#   make demo       a throwaway rshd on 127.0.0.1 and a few commands
#   make bench      rsh against ssh, dropbear and pdsh: latency, throughput,
#                   fan-out, the master connection (bench/results.md)
#   make bench-fanout  rsh -w to 100 and 1,000 targets against pdsh over rsh
#   make bench-insns   the calling rsh's instructions (callgrind), beside
#                   those of BENCH_BASE/rsh when set
#   make fuzz       each libFuzzer target for FUZZTIME seconds (clang)
#   make stress     soak, faults, fuzzing, valgrind for STRESS_TIME seconds
#   make stress-short  soak and faults only, short (1-2 min; in make test)
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall undoes it)
#   make deb        build/deb/rsh_VERSION_ARCH.deb, with dpkg-buildpackage
#   make deps       the Debian packages that build and test need (as root)
#   make clean
#
# Plain `make` uses what is installed (pkg-config finds the libraries) and
# runs no package manager: only deps, test, demo and deb do, on Debian.
# HARDEN=0 builds without the hardening flags (to measure what they cost).

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
SBINDIR	 = $(PREFIX)/sbin
MANDIR	 = $(PREFIX)/share/man
DOCDIR	 = $(PREFIX)/share/doc/rsh
# /etc for a system install (PREFIX=/usr), else PREFIX/etc as GNU does.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# Where systemd looks for units (/usr/local/lib/systemd/system included).
UNITDIR	?= $(PREFIX)/lib/systemd/system
# Where bash-completion looks for a command's completion by its name.
COMPDIR	?= $(PREFIX)/share/bash-completion/completions

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD	?= build/asan
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -DRSH_SANITIZE=1
else
BUILD	?= build/release
SANFLAGS =
endif

CC	?= cc
CFLAGS	?= -O2 -g
PKGS	 = libcrypto libbsd-overlay
# Recursively expanded on purpose: evaluated after the libs check has run.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
# rshd's alone: the network part's seccomp filter.
RSHD_PKGS = libseccomp
RSHD_LIBS = $(shell pkg-config --libs $(RSHD_PKGS))
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
DEFS	 = -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x30000000L \
	   -DOPENSSL_NO_DEPRECATED -DRSH_VERSION=\"$(VERSION)\" \
	   -DRSHD_SYSCONFDIR=\"$(SYSCONFDIR)\"
VERSION	 = 0.1.0

# Hardening, as Debian builds daemons (dpkg-buildflags hardening=+all).
# CPPFLAGS, CFLAGS and LDFLAGS from the environment come after these, so
# they win.  _FORTIFY_SOURCE needs optimisation and is left to the caller
# when CPPFLAGS sets it (a redefinition with another value would warn, and
# warnings are errors); ASan does its own checking and wants it off.
# Flags this compiler or target lacks (-fcf-protection is x86 only) are
# dropped after one probe each.
HARDEN	?= 1
cc_has	 = $(shell $(CC) -Werror $(1) -c -x c -o /dev/null /dev/null \
	   >/dev/null 2>&1 && echo $(1))
ifeq ($(HARDEN),1)
HARDEN_CFLAGS := $(foreach f,-fstack-protector-strong \
	   -fstack-clash-protection -fcf-protection,$(call cc_has,$(f))) -fPIE
HARDEN_LDFLAGS = -pie -Wl,-z,relro -Wl,-z,now
ifeq ($(SANITIZE),1)
HARDEN_CPPFLAGS = -U_FORTIFY_SOURCE
else ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS)),)
HARDEN_CPPFLAGS = $(if $(filter-out -O0,$(filter -O%,$(CFLAGS))), \
	   -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
endif
endif
ALL_CFLAGS = $(WARN) $(DEFS) $(HARDEN_CPPFLAGS) $(CPPFLAGS) \
	   $(HARDEN_CFLAGS) $(CFLAGS) $(SANFLAGS) -Ilib $(PKG_CFLAGS) \
	   -MMD -MP -pthread
ALL_LDFLAGS = $(HARDEN_CFLAGS) $(HARDEN_LDFLAGS) $(CFLAGS) $(LDFLAGS) \
	   $(SANFLAGS) -pthread
LIBS	 = $(PKG_LIBS)
# rsh loads libcrypto itself, at its first cryptographic call
# (lib/cryptodl.c): it links libbsd and libc only.
RSH_LIBS = $(shell pkg-config --libs libbsd-overlay) -ldl
READELF	?= readelf

# lib/cryptodl.c is rsh's alone: rshd and the tests link libcrypto.
LIB_SRC	 = $(filter-out lib/cryptodl.c,$(wildcard lib/*.c))
RSHD_SRC = $(wildcard rshd/*.c)
RSH_SRC	 = $(wildcard rsh/*.c)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
RSHD_OBJ = $(RSHD_SRC:%.c=$(BUILD)/obj/%.o)
RSH_OBJ	 = $(RSH_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
# bench/floor.c twice: the crypto floor (linked with libcrypto, as any
# OpenSSL client is) and a libc program's start, for make bench.
FLOOR_BIN = $(BUILD)/bench/floor-crypto $(BUILD)/bench/floor-spawn
LIBRSH	 = $(BUILD)/lib/librsh.a
# lib/ for rsh: crypto.c calling OpenSSL through cryptodl's table.
LIBRSH_DL = $(BUILD)/lib/librsh-dl.a
DL_OBJ	 = $(BUILD)/obj/lib/crypto-dl.o $(BUILD)/obj/lib/cryptodl.o
# rshd's and rsh's modules without main, for the unit tests of their pure
# parts.
LIBRSHD	 = $(BUILD)/lib/librshd.a
LIBRSHC	 = $(BUILD)/lib/librshc.a
STAMP	 = build/.deps-ok

# Debian packages: to build, and to run the tests.
DEB_BUILD = gcc make pkg-config libssl-dev libbsd-dev libseccomp-dev
DEB_TEST  = bats bats-support bats-assert procps strace clang-tidy cppcheck \
	    python3 iproute2 systemd bash-completion sudo mandoc \
	    logrotate
BATS_LIB ?= /usr/lib/bats

.PHONY: all libs deps test check unit replay bats lint demo bench FORCE \
	bench-fanout bench-fanhosts bench-insns bench-ab fuzz fuzz-run stress stress-short \
	install install-conf uninstall deb clean

all: $(BUILD)/rshd $(BUILD)/rsh $(BUILD)/rcp $(TOOL_BIN) $(BUILD)/rshd-hooks $(FLOOR_BIN)

# The build's one check: the libraries, through pkg-config.  It installs
# nothing, so that plain `make` works wherever they are (any Linux).
libs:
	@command -v pkg-config >/dev/null || { echo "rsh: pkg-config is" \
	    "missing (Debian: apt-get install pkg-config, or make deps)" >&2; \
	    exit 1; }
	@m=; for p in $(PKGS) $(RSHD_PKGS); do \
	    pkg-config --exists $$p || m="$$m $$p"; \
	 done; [ -z "$$m" ] || { echo "rsh: missing libraries" \
	    "(pkg-config):$$m (Debian: libssl-dev libbsd-dev" \
	    "libseccomp-dev, or make deps)" >&2; exit 1; }

# Installs what is missing with apt-get when root; otherwise says how.
# Only deps, test, demo and deb come here.
$(STAMP):
	@sh tests/deps.sh build $(DEB_BUILD)
	@mkdir -p build && touch $@

deps: $(STAMP)
	@sh tests/deps.sh test $(DEB_TEST)
	@sh tests/netaccount.sh

$(BUILD)/obj/%.o: %.c | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# rshd's default configuration and keys (SYSCONFDIR/rsh) are compiled in:
# its objects are rebuilt when SYSCONFDIR differs from the last build's,
# so that `make install PREFIX=...` never installs an rshd that looks
# elsewhere.  The file changes only when the value does (git's GIT-CFLAGS).
$(BUILD)/sysconfdir: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(SYSCONFDIR)" ] || \
	    echo "$(SYSCONFDIR)" >$@

$(RSHD_OBJ): $(BUILD)/sysconfdir

# The SONAME of the libcrypto a link with pkg-config's flags picks, read
# from a probe's DT_NEEDED: what rsh dlopens and its .note.dlopen names.
# The probe takes the address of every function in cryptodl's table, so a
# libcrypto that lacks one fails here, and debian/rules hands the probe to
# dpkg-shlibdeps for the dependency rsh's own DT_NEEDED no longer shows.
# Rewritten only when it changes, like sysconfdir above.
SONAME_PROBE = $(BUILD)/soname/probe
$(BUILD)/crypto-soname: FORCE | libs
	@mkdir -p $(BUILD)/soname
	@printf '%s\n' '#include "cryptodl.h"' \
	    '#define USE(f) (void (*)(void))f,' \
	    'static void (*const t[])(void) = { CRYPTODL_FUNCS(USE) };' \
	    'int main(int c, char **v) { (void)v; return t[c] == 0; }' \
	    >$(SONAME_PROBE).c
	@$(CC) $(DEFS) -Ilib $(PKG_CFLAGS) $(ALL_LDFLAGS) -o $(SONAME_PROBE) \
	    $(SONAME_PROBE).c -Wl,--no-as-needed $$(pkg-config --libs libcrypto)
	@s=$$($(READELF) -d $(SONAME_PROBE) | \
	    sed -n 's/.*(NEEDED).*\[\(libcrypto[^]]*\)\].*/\1/p'); \
	 [ -n "$$s" ] || { echo "rsh: cannot read libcrypto's SONAME from" \
	    "$(SONAME_PROBE) ($(READELF) -d)" >&2; exit 1; }; \
	 [ "$$(cat $@ 2>/dev/null)" = "$$s" ] || echo "$$s" >$@

$(BUILD)/obj/lib/cryptodl.o: lib/cryptodl.c $(BUILD)/crypto-soname | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DCRYPTO_SONAME=\"$$(cat $(BUILD)/crypto-soname)\" \
	    -c -o $@ $<

$(BUILD)/obj/lib/crypto-dl.o: lib/crypto.c | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DCRYPTO_DLOPEN -c -o $@ $<

$(LIBRSH): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBRSH_DL): $(filter-out %/lib/crypto.o,$(LIB_OBJ)) $(DL_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBRSHD): $(filter-out %/rshd/main.o,$(RSHD_OBJ))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBRSHC): $(filter-out %/rsh/main.o,$(RSH_OBJ))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/rshd: $(RSHD_OBJ) $(LIBRSH)
	$(CC) $(ALL_LDFLAGS) -o $@ $(RSHD_OBJ) $(LIBRSH) $(LIBS) $(RSHD_LIBS)

# rshd with priv.c's test hooks (what a compromised network part could
# ask of the privileged part), for tests/privsep.bats; never installed.
$(BUILD)/obj/rshd/priv-hooks.o: rshd/priv.c | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DRSHD_TEST_HOOKS -c -o $@ $<

$(BUILD)/rshd-hooks: $(filter-out %/rshd/priv.o,$(RSHD_OBJ)) \
	    $(BUILD)/obj/rshd/priv-hooks.o $(LIBRSH)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(RSHD_LIBS)

$(BUILD)/rsh: $(RSH_OBJ) $(LIBRSH_DL)
	$(CC) $(ALL_LDFLAGS) -o $@ $(RSH_OBJ) $(LIBRSH_DL) $(RSH_LIBS)

# rcp is rsh under another name (rsh/rcp.h).
$(BUILD)/rcp: $(BUILD)/rsh
	ln -f $< $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBRSHD) $(LIBRSHC) $(LIBRSH)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBRSHD) $(LIBRSHC) $(LIBRSH) $(LIBS)

# test_crypto once more against rsh's crypto: every vector through the
# table, from a libcrypto that is dlopened, not linked.
$(BUILD)/tests/test_crypto-dl: $(BUILD)/obj/tests/unit/test_crypto.o \
	    $(LIBRSH_DL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(RSH_LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBRSH)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBRSH) $(LIBS)

# One build's tests: unit, the fuzz corpus, then bats against that build's
# binaries.
check: unit replay bats

unit: $(UNIT_BIN) $(BUILD)/tests/test_crypto-dl
	@set -e; for t in $(UNIT_BIN) $(BUILD)/tests/test_crypto-dl; do \
		echo "== $$t"; (cd tests/vectors && ../../$$t); done

# TAP on the screen, then one closing line that counts the results.
bats: all deps
	@{ RSH_BUILD=$(abspath $(BUILD)) BATS_LIB=$(BATS_LIB) \
		bats --print-output-on-failure tests/*.bats; \
		echo $$? >$(BUILD)/bats.rc; } | tee $(BUILD)/bats.tap
	@skip=$$(grep -c '^ok .* # skip' $(BUILD)/bats.tap); \
	 ok=$$(grep -c '^ok ' $(BUILD)/bats.tap); \
	 bad=$$(grep -c '^not ok ' $(BUILD)/bats.tap); \
	 echo "bats: $$((ok - skip)) passed, $$bad failed, $$skip skipped"; \
	 exit $$(cat $(BUILD)/bats.rc)

# Static analysis must stay quiet (.clang-tidy holds the checks).
# lib/cryptodl.c with a stand-in SONAME: analysis only.
LINT_SRC = $(LIB_SRC) lib/cryptodl.c $(RSHD_SRC) $(RSH_SRC) $(TOOL_SRC) \
	   bench/floor.c
LINT_DEFS = -DCRYPTO_SONAME=\"libcrypto.so\"
lint: deps
	cppcheck --enable=warning,performance,portability --std=c11 -q \
		--error-exitcode=1 --suppress=missingIncludeSystem \
		--inline-suppr -D_GNU_SOURCE $(LINT_DEFS) -Ilib $(LINT_SRC)
	@mkdir -p build
	@echo "clang-tidy $(LINT_SRC)"
	@{ clang-tidy --quiet $(LINT_SRC) -- -std=c11 $(DEFS) $(LINT_DEFS) \
		-Ilib $(PKG_CFLAGS) 2>&1; echo $$? >build/.tidy-rc; } | \
		grep -v '^[0-9]* warnings\? generated\.$$' || true
	@exit $$(cat build/.tidy-rc)

# The README's test command: everything, in both builds, then the short
# stress run.
test: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory SANITIZE=1 check
	@$(MAKE) --no-print-directory stress-short

demo: $(STAMP)
	@$(MAKE) --no-print-directory all
	@sh tests/netaccount.sh
	sh tests/demo.sh $(BUILD)

bench: all
	@sh tests/netaccount.sh
	bash bench/run.sh $(BUILD)
	@$(MAKE) --no-print-directory bench-insns

# Instructions, not time: what start-up costs the calling rsh (libcrypto's
# loading above all), repeatable on a loaded machine.  BENCH_BASE=DIR adds
# a column for DIR/rsh (a build of main, say).
bench-insns: all
	@sh tests/deps.sh "count instructions (make bench-insns)" valgrind
	sh bench/insns.sh $(BUILD) $(BENCH_BASE)

# rshd against another build's, in alternating rounds (bench/ab.sh):
# make bench-ab BENCH_BASE=DIR.
bench-ab: all
	@[ -n "$(BENCH_BASE)" ] || { echo "usage: make bench-ab" \
	    "BENCH_BASE=BUILD_DIR (the rshd to compare with)" >&2; exit 2; }
	@sh tests/netaccount.sh
	bash bench/ab.sh $(BENCH_BASE) $(BUILD)

bench-fanout: all
	sh bench/fanout.sh $(BUILD)

# rcp -w against pdcp with one host and with a host per target, each its
# own rshd, sshd and destination (bench/fanhosts.sh; root, and sshd and
# pdcp installed: make bench installs them without starting ssh.service).
bench-fanhosts: all
	@sh tests/netaccount.sh
	bash bench/fanhosts.sh $(BUILD)

FUZZTIME ?= 30
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
# The rshd modules the config targets parse with (pure: no main.c).
FUZZ_RSHD = rshd/conf.c rshd/keyopts.c rshd/allow.c
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(FUZZ_RSHD) | libs
	@mkdir -p $(@D)
	clang $(WARN) $(DEFS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-Ilib $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(FUZZ_RSHD) $(LIBS) \
		-pthread

# The corpus replayed through every target's entry point by a plain
# driver (tests/fuzz/replay.c): no clang needed, and under ASan in the
# sanitizer build.  Each target gets every target's inputs.
REPLAY_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/replay/%)
$(BUILD)/replay/%: $(BUILD)/obj/tests/fuzz/%.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(LIBRSHD) $(LIBRSH)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

replay: $(REPLAY_BIN)
	@set -e; for f in $(REPLAY_BIN); do $$f tests/fuzz/corpus; done

fuzz:
	@sh tests/deps.sh fuzz clang
	$(MAKE) fuzz-run

fuzz-run: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		mkdir -p build/corpus/$${f##*/}; \
		echo "== $$f ($(FUZZTIME) s)"; \
		$$f -max_total_time=$(FUZZTIME) -print_final_stats=1 \
			build/corpus/$${f##*/} tests/fuzz/corpus/$${f##*/}; \
	done

# tests/stress/run.sh: soak, faults, then (full form) the libFuzzer
# targets and valgrind, which needs the build without ASan.
STRESS_VG = $(UNIT_BIN:$(BUILD)/%=build/release/%)
stress: $(STAMP)
	@sh tests/deps.sh "run make stress" valgrind clang
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=0 BUILD=build/release all \
		$(STRESS_VG)
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	VALGRIND_BUILD=build/release bash tests/stress/run.sh $(BUILD)

stress-short: all
	@sh tests/netaccount.sh
	STRESS_SHORT=1 bash tests/stress/run.sh $(BUILD)

# Installed files; the units get this PREFIX's paths at install time.
MAN_SRC	 = $(wildcard docs/*.[1-8])
UNITS	 = rshd.service rshd.socket
SUBST	 = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
# An rsh or rcp that some package manages (Debian's rsh-client and
# rsh-redone-client register /usr/bin/rsh and /usr/bin/rcp with
# update-alternatives) is neither overwritten nor removed: a link or a
# file dpkg knows is theirs.  $(call FOREIGN,rsh)
FOREIGN = f=$(DESTDIR)$(BINDIR)/$(1); [ -L $$f ] || { [ -z "$(DESTDIR)" ] \
	   && [ -e $$f ] && dpkg -S $$f >/dev/null 2>&1; }

# The directories install makes, and the file where it notes those of
# them (and their parents) that did not exist before, for uninstall to
# remove once empty: a directory that was there before install, such as
# /usr/local/bin, stays.  Only without DESTDIR: a staged install is a
# package's, whose manager removes what it made.
INSTALL_DIRS = $(BINDIR) $(SBINDIR) $(DOCDIR)/examples $(UNITDIR) \
	   $(COMPDIR) \
	   $(sort $(foreach m,$(MAN_SRC),$(MANDIR)/man$(subst .,,$(suffix $(m)))))
MADE_DIRS = $(DOCDIR)/made-dirs
RECORD_DIRS = new=; for d in $(INSTALL_DIRS) $(SYSCONFDIR)/rsh; do \
	    while [ -n "$$d" ] && [ ! -d "$$d" ]; do new="$$new $$d"; \
	    d=$${d%/*}; done; done; \
	    mkdir -p $(DOCDIR) && \
	    { [ ! -f $(MADE_DIRS) ] || cat $(MADE_DIRS); \
	      for d in $$new; do echo "$$d"; done; } | LC_ALL=C sort -u \
	      >$(MADE_DIRS).new && mv $(MADE_DIRS).new $(MADE_DIRS)

install: all
	@for n in rsh rcp; do if $(call FOREIGN,$$n); then echo "rsh:" \
	    "$(BINDIR)/$$n belongs to another package (update-alternatives" \
	    "--display $$n); install with PREFIX=/usr/local, or build the" \
	    "package: make deb" >&2; exit 1; fi; done
	@$(if $(DESTDIR),:,$(RECORD_DIRS))
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	install -m 755 $(BUILD)/rsh $(DESTDIR)$(BINDIR)/rsh
	ln -f $(DESTDIR)$(BINDIR)/rsh $(DESTDIR)$(BINDIR)/rcp
	install -m 755 $(BUILD)/rshd $(DESTDIR)$(SBINDIR)/rshd
	@mkdir -p $(BUILD)/man $(BUILD)/examples
	@set -e; for m in $(MAN_SRC); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		$(SUBST) $$m >$(BUILD)/man/$${m##*/}; \
		echo "install -m 644 $(BUILD)/man/$${m##*/} $$d/"; \
		install -m 644 $(BUILD)/man/$${m##*/} $$d/; done
	install -m 644 README.md docs/PROTOCOL.md $(DESTDIR)$(DOCDIR)/
	@set -e; for f in rshd.conf rshd.keys; do \
		$(SUBST) etc/$$f >$(BUILD)/examples/$$f; \
		echo "install -m 644 $(BUILD)/examples/$$f" \
		    "$(DESTDIR)$(DOCDIR)/examples/"; \
		install -m 644 $(BUILD)/examples/$$f \
		    $(DESTDIR)$(DOCDIR)/examples/; done
	install -m 644 contrib/completion/rsh.bash $(DESTDIR)$(COMPDIR)/rsh
	ln -sf rsh $(DESTDIR)$(COMPDIR)/rshd
	@mkdir -p $(BUILD)/units
	@set -e; for u in $(UNITS); do \
		$(SUBST) etc/$$u >$(BUILD)/units/$$u; \
		echo "install -m 644 $(BUILD)/units/$$u $(DESTDIR)$(UNITDIR)/"; \
		install -m 644 $(BUILD)/units/$$u $(DESTDIR)$(UNITDIR)/; done
	@$(MAKE) --no-print-directory install-conf
	@[ -n "$(DESTDIR)" ] || echo "rsh: installed; the systemd units are" \
	    "not enabled: add keys to $(SYSCONFDIR)/rsh/keys, then" \
	    "systemctl daemon-reload && systemctl enable --now rshd"

# The configuration directory and an all-defaults rshd.conf, each only when
# absent: what an administrator put there stays as it is.  No keys file:
# rshd refuses to start without a key, which is the point.
install-conf:
	@d=$(DESTDIR)$(SYSCONFDIR)/rsh; \
	 if [ ! -d $$d ]; then echo "install -d -m 700 $$d"; \
	    install -d -m 700 $$d; fi; \
	 if [ ! -e $$d/rshd.conf ]; then \
	    mkdir -p $(BUILD)/examples; \
	    $(SUBST) etc/rshd.conf >$(BUILD)/examples/rshd.conf; \
	    echo "install -m 644 $(BUILD)/examples/rshd.conf $$d/"; \
	    install -m 644 $(BUILD)/examples/rshd.conf $$d/; \
	 else echo "rsh: kept $$d/rshd.conf (example in $(DOCDIR)/examples)"; fi

# Removes what install put outside SYSCONFDIR, then the directories left
# empty; the configuration and keys are the administrator's and stay.
uninstall:
	@for n in rsh rcp; do if $(call FOREIGN,$$n); then echo "rsh:" \
	    "leaving $(BINDIR)/$$n, which is not ours"; else rm -f \
	    $(DESTDIR)$(BINDIR)/$$n; fi; done
	rm -f $(DESTDIR)$(SBINDIR)/rshd
	rm -f $(foreach m,$(MAN_SRC),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(COMPDIR)/rsh $(DESTDIR)$(COMPDIR)/rshd
	@made=$$(LC_ALL=C sort -r $(DESTDIR)$(MADE_DIRS) 2>/dev/null); \
	 echo "rm -rf $(DESTDIR)$(DOCDIR)"; rm -rf $(DESTDIR)$(DOCDIR); \
	 for d in $$made $(DESTDIR)$(SYSCONFDIR)/rsh; do \
	    [ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done
	@if [ -d $(DESTDIR)$(SYSCONFDIR)/rsh ]; then echo "rsh: left" \
	    "$(DESTDIR)$(SYSCONFDIR)/rsh (configuration, keys) in place;" \
	    "remove it yourself if it is no longer wanted"; fi

# The Debian package, built by dpkg-buildpackage in a copy of this tree
# (without build/ and .git) under DEB_DIR, where the .deb, .buildinfo and
# .changes land; lintian then reviews it (debian/rsh.lintian-overrides
# says why each tag it still reports stays).
DEB_DIR	 = build/deb
DEB_PKG	 = dpkg-dev debhelper fakeroot lintian $(DEB_BUILD)
deb:
	@sh tests/deps.sh "build the package" $(DEB_PKG)
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	 [ "$$v" = $(VERSION) ] || { echo "rsh: debian/changelog says $$v," \
	    "the Makefile $(VERSION): add a changelog entry (dch -v)" >&2; \
	    exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/rsh-$(VERSION)
	tar -cf - --exclude=./build --exclude=./.git . | \
		tar -xf - -C $(DEB_DIR)/rsh-$(VERSION)
	cd $(DEB_DIR)/rsh-$(VERSION) && dpkg-buildpackage -b -us -uc
	lintian --info $(DEB_DIR)/rsh_$(VERSION)_*.changes
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf build

$(BUILD)/bench/floor-crypto: bench/floor.c | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    $$(pkg-config --libs libcrypto)

$(BUILD)/bench/floor-spawn: bench/floor.c | libs
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFLOOR_NO_CRYPTO $(ALL_LDFLAGS) -o $@ $<

# Keep the objects of tests and tools: no "rm" after the test summary.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
