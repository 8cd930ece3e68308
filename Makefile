# rsh: remote command execution.  See README.md.
#
#   make            build rshd and rsh (build/release/)
#   make test       unit and bats tests, then again under ASan+UBSan
#   make demo       a throwaway rshd on 127.0.0.1 and a few commands
#   make bench      latency and throughput side by side with the alternatives
#   make fuzz       each libFuzzer target for FUZZTIME seconds (clang)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
SBINDIR	 = $(PREFIX)/sbin
MANDIR	 = $(PREFIX)/share/man
DOCDIR	 = $(PREFIX)/share/doc/rsh

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
# Recursively expanded on purpose: evaluated after the deps check has run.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
DEFS	 = -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x30000000L \
	   -DOPENSSL_NO_DEPRECATED -DRSH_VERSION=\"$(VERSION)\"
VERSION	 = 0.1.0
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) $(SANFLAGS) -Ilib $(PKG_CFLAGS) \
	   -MMD -MP -pthread
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread
LIBS	 = $(PKG_LIBS)

LIB_SRC	 = $(wildcard lib/*.c)
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
LIBRSH	 = $(BUILD)/lib/librsh.a
# rshd's modules without main, for the unit tests of its pure parsers.
LIBRSHD	 = $(BUILD)/lib/librshd.a
STAMP	 = build/.deps-ok

# Debian packages: to build, and to run the tests.
DEB_BUILD = gcc make pkg-config libssl-dev libbsd-dev
DEB_TEST  = bats bats-support bats-assert procps clang-tidy cppcheck
BATS_LIB ?= /usr/lib/bats

.PHONY: all deps test check unit bats lint demo bench fuzz fuzz-run install \
	clean

all: $(BUILD)/rshd $(BUILD)/rsh $(TOOL_BIN)

# Installs what is missing with apt-get when root; otherwise says how.
$(STAMP):
	@sh tests/deps.sh build $(DEB_BUILD)
	@mkdir -p build && touch $@

deps: $(STAMP)
	@sh tests/deps.sh test $(DEB_TEST)

$(BUILD)/obj/%.o: %.c | $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBRSH): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBRSHD): $(filter-out %/rshd/main.o,$(RSHD_OBJ))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/rshd: $(RSHD_OBJ) $(LIBRSH)
	$(CC) $(ALL_LDFLAGS) -o $@ $(RSHD_OBJ) $(LIBRSH) $(LIBS)

$(BUILD)/rsh: $(RSH_OBJ) $(LIBRSH)
	$(CC) $(ALL_LDFLAGS) -o $@ $(RSH_OBJ) $(LIBRSH) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBRSHD) $(LIBRSH)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBRSHD) $(LIBRSH) $(LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBRSH)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBRSH) $(LIBS)

# One build's tests: unit, then bats against that build's binaries.
check: unit bats

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do \
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
LINT_SRC = $(LIB_SRC) $(RSHD_SRC) $(RSH_SRC) $(TOOL_SRC)
lint: deps
	cppcheck --enable=warning,performance,portability --std=c11 -q \
		--error-exitcode=1 --suppress=missingIncludeSystem \
		--inline-suppr -D_GNU_SOURCE -Ilib $(LINT_SRC)
	@mkdir -p build
	@echo "clang-tidy $(LINT_SRC)"
	@{ clang-tidy --quiet $(LINT_SRC) -- -std=c11 $(DEFS) -Ilib \
		$(PKG_CFLAGS) 2>&1; echo $$? >build/.tidy-rc; } | \
		grep -v '^[0-9]* warnings\? generated\.$$' || true
	@exit $$(cat build/.tidy-rc)

# The README's test command: everything, in both builds.
test: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory SANITIZE=1 check

demo: all
	sh tests/demo.sh $(BUILD)

bench: all
	sh bench/run.sh $(BUILD)

FUZZTIME ?= 30
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) | $(STAMP)
	@mkdir -p $(@D)
	clang $(WARN) $(DEFS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-Ilib $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS) -pthread

fuzz:
	@sh tests/deps.sh fuzz clang
	$(MAKE) fuzz-run

fuzz-run: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		mkdir -p build/corpus/$${f##*/}; \
		echo "== $$f ($(FUZZTIME) s)"; \
		$$f -max_total_time=$(FUZZTIME) -print_final_stats=1 \
			build/corpus/$${f##*/} tests/fuzz/seeds/$${f##*/}; \
	done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BUILD)/rsh $(DESTDIR)$(BINDIR)/rsh
	install -m 755 $(BUILD)/rshd $(DESTDIR)$(SBINDIR)/rshd
	install -m 644 docs/rsh.1 $(DESTDIR)$(MANDIR)/man1/rsh.1
	install -m 644 docs/rshd.8 $(DESTDIR)$(MANDIR)/man8/rshd.8
	install -m 644 README.md docs/PROTOCOL.md $(DESTDIR)$(DOCDIR)/
	install -m 644 etc/rshd.conf etc/rshd.keys etc/rshd.service \
		$(DESTDIR)$(DOCDIR)/examples/

clean:
	rm -rf build

# Keep the objects of tests and tools: no "rm" after the test summary.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
