# qcreg: `make run` sets up and starts a development registry,
# `make test` builds everything (release and ASan/UBSan) and runs every test.

CC	?= cc
PKGS	 = libevent libevent_openssl libevent_pthreads openssl lmdb msgpack inih
CLI_PKGS = jansson
DEBS	 = build-essential pkg-config clang libevent-dev liblmdb-dev \
	   libmsgpack-dev libssl-dev libinih-dev libcmocka-dev lmdb-utils \
	   openssl python3 python3-msgpack libclang-rt-14-dev libjansson-dev \
	   fiu-utils python3-cryptography haproxy python3-prometheus-client \
	   sslscan libsqlite3-dev chromium fonts-noto-cjk

# Build variant: rel (binaries in bin/) or asan (binaries in build/asan/bin/).
VARIANT	?= rel
O	 = build/$(VARIANT)
# Any other variant name (e.g. clang) is a release build in build/NAME/bin/.
# fuzz (clang only) instruments objects for libFuzzer; targets in build/fuzz/.
ifeq ($(VARIANT),asan)
BIN	 = $(O)/bin
VFLAGS	 = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else ifeq ($(VARIANT),fuzz)
BIN	 = $(O)/bin
VFLAGS	 = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	   -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BIN	 = $(if $(filter rel,$(VARIANT)),bin,$(O)/bin)
VFLAGS	 = -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Only the command line (and what tests its code) uses libjansson.
CLI_CFLAGS := $(shell pkg-config --cflags $(CLI_PKGS) 2>/dev/null)
CLI_LIBS   := $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null)
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -pthread \
	   $(PKG_CFLAGS) $(VFLAGS)
LDLIBS	+= $(PKG_LIBS) -pthread

PROTO_SRC  := $(wildcard proto/*.c)
SERVER_SRC := $(wildcard server/common/*.c server/db/*.c server/ops/*.c \
	      server/replica/*.c server/net/*.c server/http/*.c)
LIB_SRC    := $(wildcard client/lib/*.c)
CLI_SRC    := $(wildcard client/cli/*.c)
BENCH_SRC  := $(wildcard bench/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

# Each layer sees only the headers it may use (docs/ARCHITECTURE.md):
# proto/ nothing of ours; server/db/ nothing of ops/ or net/; server/net/
# only ops.h of the layers below (no LMDB); client/ and bench/ nothing of
# server/. main.c joins them all.
INC_proto   = -Iproto
INC_common  = $(INC_proto) -Iserver/common
INC_db      = $(INC_common) -Iserver/db
INC_ops     = $(INC_db) -Iserver/ops
INC_replica = $(INC_ops) -Iserver/replica -Iclient/lib
INC_net     = $(INC_common) -Iserver/ops -Iserver/net
INC_http    = $(INC_net) -Iserver/http $(CLI_CFLAGS)
INC_server  = $(INC_ops) -Iserver/replica -Iclient/lib -Iserver/net \
	      -Iserver/http -Iserver
INC_lib     = $(INC_proto) -Iclient/lib
INC_cli     = $(INC_lib) -Iclient/cli $(CLI_CFLAGS)
INC_bench   = $(INC_lib) -Ibench
INC_tests   = $(INC_server) -Iclient/lib -Iclient/cli -Itests/support \
	      $(CLI_CFLAGS)
$(O)/proto/%.o:		INC = $(INC_proto)
$(O)/server/common/%.o:	INC = $(INC_common)
$(O)/server/db/%.o:	INC = $(INC_db)
$(O)/server/ops/%.o:	INC = $(INC_ops)
$(O)/server/replica/%.o:	INC = $(INC_replica)
$(O)/server/net/%.o:	INC = $(INC_net)
$(O)/server/http/%.o:	INC = $(INC_http)
$(O)/server/%.o:	INC = $(INC_server)
$(O)/client/lib/%.o:	INC = $(INC_lib)
$(O)/client/cli/%.o:	INC = $(INC_cli)
$(O)/bench/%.o:		INC = $(INC_bench)
$(O)/tests/%.o:		INC = $(INC_tests)

obj = $(patsubst %.c,$(O)/%.o,$(1))
PROTO_A	 = $(O)/libqcproto.a
SERVER_A = $(O)/libqcserver.a
LIB_A	 = $(O)/libqcreg.a
# The command line but its main(), so that tests can link its parts.
CLI_A	 = $(O)/libqccli.a
UNITS	 = $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
PROGS	 = $(BIN)/qcregd $(BIN)/qcreg $(if $(BENCH_SRC),$(BIN)/qcreg-bench) \
	   $(BIN)/qcreg-lag

.PHONY: all asan units deps certs demo run test bench bench-replica \
	bench-search stall-check clean
all: $(PROGS) units $(O)/tests/powerloss/recorder.so $(O)/tests/lmdb_poke

units: $(UNITS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -MMD -MP -c $< -o $@

$(PROTO_A): $(call obj,$(PROTO_SRC))
	rm -f $@ && ar rcs $@ $^
$(SERVER_A): $(call obj,$(SERVER_SRC))
	rm -f $@ && ar rcs $@ $^
$(LIB_A): $(call obj,$(LIB_SRC))
	rm -f $@ && ar rcs $@ $^
$(CLI_A): $(call obj,$(filter-out client/cli/cli.c,$(CLI_SRC)))
	rm -f $@ && ar rcs $@ $^

$(BIN)/qcregd: $(call obj,server/main.c) $(SERVER_A) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS)
$(BIN)/qcreg: $(call obj,client/cli/cli.c) $(CLI_A) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS)
# The bench alone links SQLite: FTS5 is its search comparison.
$(BIN)/qcreg-bench: $(call obj,$(BENCH_SRC)) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lsqlite3
# Replica lag under a write stream (bench/bench.sh --replica).
$(BIN)/qcreg-lag: $(call obj,bench/lag/replica_lag.c bench/bench_hist.c \
	    bench/bench_keys.c) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# What the unit tests share (tests/support/): all, and the daemon's.
TESTLIB	 = $(O)/tests/support/testlib.o
TESTLIB_SERVER = $(TESTLIB) $(O)/tests/support/testlib_server.o
$(O)/tests/%: $(O)/tests/unit/%.o $(TESTLIB_SERVER) $(SERVER_A) $(LIB_A) \
	    $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS) -lcmocka
# Tests of the client side need no server; test_cli_* test CLI code.
$(O)/tests/test_client_%: $(O)/tests/unit/test_client_%.o $(TESTLIB) \
	    $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
$(O)/tests/test_cli_%: $(O)/tests/unit/test_cli_%.o $(TESTLIB) $(CLI_A) \
	    $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS) -lcmocka
# A test tool: edits a stored value in place (tests/tools/lmdb_poke.c).
$(O)/tests/lmdb_poke: $(O)/tests/tools/lmdb_poke.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -llmdb
# test_slots makes chosen allocations fail (ld --wrap, as cmocka mocks).
$(O)/tests/test_slots: private LDLIBS += -Wl,--wrap=malloc,--wrap=calloc

asan:
	$(MAKE) VARIANT=asan all

# Installs the Debian packages that are missing (needs root and apt).
deps:
	@missing=; for p in $(DEBS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $$missing >/dev/null; fi
	@[ -d tests/browser/node_modules/playwright-core ] || \
	  npm ci --prefix tests/browser --no-audit --no-fund

certs:
	certs/mkcerts.sh certs/dev

run: deps
	$(MAKE) all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	scripts/run-dev.sh

test: deps
	$(MAKE) all
	$(MAKE) VARIANT=asan all
	$(MAKE) VARIANT=clang CC=clang all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	tests/run.sh

bench: deps
	$(MAKE) all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	bench/bench.sh

# A replica's lag under a stream of durable writes (docs/BENCH.md, "Replicas").
bench-replica: all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	bench/bench.sh --replica

# search at 1M names against SQLite FTS5, the index's storage and import
# cost (docs/BENCH.md, "Search"; bench.sh --search, under 10 minutes).
bench-search: deps
	$(MAKE) all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	bench/bench.sh --search

# The load that showed the lost read event (docs/BENCH.md, "The stall").
stall-check: all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	bench/bench.sh --stall-check

clean:
	rm -rf build bin

# Fuzzing: one libFuzzer target per decoder (tests/fuzz/fuzz_*.c), built
# with clang into build/fuzz/, and the same targets with a replay main()
# built by gcc under ASan into build/asan/fuzz/. `make fuzz` runs each for
# FUZZ_SECONDS; `make fuzz-smoke` (tests/run.sh) replays the seed corpus
# and runs each for a few seconds.
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES  = $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
FUZZERS	 = $(patsubst %,$(O)/%,$(FUZZ_NAMES))
REPLAYS	 = $(patsubst %,$(O)/fuzz/%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-smoke fuzzers replays
.SECONDARY: $(patsubst %,$(O)/tests/fuzz/%.o,$(FUZZ_NAMES) replay_main)
fuzzers: $(FUZZERS)
replays: $(REPLAYS)

$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(SERVER_A) $(LIB_A) $(PROTO_A)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(CLI_LIBS)
$(O)/fuzz/%: $(O)/tests/fuzz/%.o $(O)/tests/fuzz/replay_main.o \
	    $(SERVER_A) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS)
# fuzz_request keeps the daemon's info lines (one per bad frame) to
# itself unless QCREG_FUZZ_VERBOSE is set (ld --wrap, as test_slots).
$(O)/fuzz_request $(O)/fuzz/fuzz_request: private LDLIBS += \
	    -Wl,--wrap=log_info
# fuzz_reply decodes as the CLI does, JSON included, and needs no server.
$(O)/fuzz_reply: $(O)/tests/fuzz/fuzz_reply.o $(CLI_A) $(LIB_A) $(PROTO_A)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(CLI_LIBS)
$(O)/fuzz/fuzz_reply: $(O)/tests/fuzz/fuzz_reply.o \
	    $(O)/tests/fuzz/replay_main.o $(CLI_A) $(LIB_A) $(PROTO_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS)

fuzz: deps
	$(MAKE) VARIANT=fuzz CC=clang fuzzers
	$(MAKE) VARIANT=asan replays
	tests/fuzz/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-smoke: deps
	$(MAKE) VARIANT=fuzz CC=clang fuzzers
	$(MAKE) VARIANT=asan replays
	tests/fuzz/fuzz.sh smoke 5 $(FUZZ_NAMES)

-include $(shell find build -name '*.d' 2>/dev/null)

# The kill -9 loop: CRASH_ITERATIONS rounds against $(BIN)/qcregd.
CRASH_ITERATIONS ?= 100
.PHONY: crash-test
crash-test: deps
	$(MAKE) all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	QCREGD=$(BIN)/qcregd tests/crash/crash_loop.py --iterations $(CRASH_ITERATIONS)

# The power-loss test (tests/powerloss/, docs/ARCHITECTURE.md): the
# recorder is an LD_PRELOAD shim, built with its own flags (no sanitizer,
# no _FORTIFY_SOURCE: it defines open() itself). `make powerloss` runs
# POWERLOSS_STATES crash states against the release qcregd, then the
# negative control (syncs dropped) on POWERLOSS_CONTROL_STATES, which
# must fail, then POWERLOSS_FRESH_STATES with qcregd started on an empty
# data directory (--fresh: most of them while it makes data.mdb); make
# test runs 100, 30 and 150.
POWERLOSS_STATES ?= 500
POWERLOSS_CONTROL_STATES ?= 100
POWERLOSS_FRESH_STATES ?= 300
$(O)/tests/powerloss/recorder.so: tests/powerloss/recorder.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -g -fPIC -shared -pthread \
	    -o $@ $< -ldl
.PHONY: powerloss
powerloss: deps
	$(MAKE) all
	@[ -f certs/dev/ca.crt ] || $(MAKE) certs
	@rc=0; export QCREGD=$(BIN)/qcregd \
	    QCREG_RECORDER=$(O)/tests/powerloss/recorder.so; \
	tests/powerloss/powerloss.py --states $(POWERLOSS_STATES) || rc=1; \
	tests/powerloss/powerloss.py --control \
	    --states $(POWERLOSS_CONTROL_STATES) || rc=1; \
	tests/powerloss/powerloss.py --fresh \
	    --states $(POWERLOSS_FRESH_STATES) || rc=1; exit $$rc

include mk/install.mk
