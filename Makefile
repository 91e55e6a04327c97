# Apiary build. Plain make: one object per source, one static library per
# layer, linked in dependency order so a layer that reaches upward fails to link.
#   make            build build/apiary-server, build/apiary-check-rdb and
#                   build/apiary-check-aof (release, -O2)
#   make run        install missing deps, build, start with the embedded config
#   make test       install test deps, build, unit + integration tests, then the
#                   same tests under ASan+UBSan
#   make bench      Apiary vs redis-server 7.0.15, alternating rounds (throughput,
#                   memory, persistence)
#   make bench-rdb  RDB start-up load time vs redis-server, in-process write speed
#   make fuzz       every libFuzzer target in fuzz/ (FUZZ_SECONDS each, default 60)

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
SAN     ?=
CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
           -Wno-missing-field-initializers -g $(OPT) $(SAN) -Isrc $(EXTRA_CFLAGS)
CFLAGS  += $(shell pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
# Lua 5.1 (scripting) and libcrypto (SHA1 of scripts) from Debian
LUA_LIBS   := $(shell pkg-config --libs lua5.1 2>/dev/null || echo -llua5.1)
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
LDLIBS  := -llzf -lm -lpthread $(LUA_LIBS) $(CRYPTO_LIBS)
ifeq ($(NO_JEMALLOC),)
LDLIBS  += -ljemalloc
CFLAGS  += -DAPIARY_JEMALLOC
endif

LAYERS  := base ev net proto core types script persist server
SRCS    := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
DEPS    := $(OBJS:.o=.d)
LIBS    := $(foreach l,base ev net proto core types script persist,$(BUILD)/lib$(l).a)
# link order: highest layer first
LINKLIBS := $(BUILD)/libtypes.a $(BUILD)/libcore.a $(BUILD)/libnet.a $(BUILD)/libev.a \
            $(BUILD)/libproto.a $(BUILD)/libbase.a

.PHONY: all run test unit integration sanitize bench bench-rdb fuzz clean deps test-deps check-layers format

all: $(BUILD)/apiary-server $(BUILD)/apiary-check-rdb $(BUILD)/apiary-check-aof

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

define layer_lib
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/$(1)/*.c))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,base ev net proto core types script persist,$(eval $(call layer_lib,$(l))))

# types/, script/ and persist/ register their command tables through core's
# table, and core reaches persist's snapshot hook through a function pointer,
# so the four are resolved together; the rest links strictly downward.
$(BUILD)/apiary-server: $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/server/*.c)) $(LIBS)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group $(BUILD)/libpersist.a $(BUILD)/libscript.a $(BUILD)/libtypes.a $(BUILD)/libcore.a -Wl,--end-group \
	  $(BUILD)/libnet.a $(BUILD)/libev.a $(BUILD)/libproto.a $(BUILD)/libbase.a $(LDLIBS)

# apiary-check-rdb: the server's RDB loader as a stand-alone checker
$(BUILD)/apiary-check-rdb: $(BUILD)/tools/check_rdb.o $(LIBS)
	$(CC) $(CFLAGS) -o $@ $< -Wl,--start-group $(BUILD)/libpersist.a $(BUILD)/libscript.a $(BUILD)/libtypes.a $(BUILD)/libcore.a -Wl,--end-group \
	  $(BUILD)/libnet.a $(BUILD)/libev.a $(BUILD)/libproto.a $(BUILD)/libbase.a $(LDLIBS)

# apiary-check-aof: the server's AOF parsers (and RDB loader for a base)
$(BUILD)/apiary-check-aof: $(BUILD)/tools/check_aof.o $(LIBS)
	$(CC) $(CFLAGS) -o $@ $< -Wl,--start-group $(BUILD)/libpersist.a $(BUILD)/libscript.a $(BUILD)/libtypes.a $(BUILD)/libcore.a -Wl,--end-group \
	  $(BUILD)/libnet.a $(BUILD)/libev.a $(BUILD)/libproto.a $(BUILD)/libbase.a $(LDLIBS)

-include $(DEPS) $(BUILD)/tools/check_rdb.d $(BUILD)/tools/check_aof.d

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

run: deps all
	@mkdir -p data
	./$(BUILD)/apiary-server --dir ./data

# ---- tests ---------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/*/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -Wl,--start-group $(BUILD)/libpersist.a $(BUILD)/libscript.a $(BUILD)/libtypes.a $(BUILD)/libcore.a -Wl,--end-group \
	  $(BUILD)/libnet.a $(BUILD)/libev.a $(BUILD)/libproto.a $(BUILD)/libbase.a -lcmocka $(LDLIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

integration: all
	APIARY_BIN=$(abspath $(BUILD)/apiary-server) /usr/bin/python3 -m pytest -q -x tests/integration $(PYTEST_ARGS)

check-layers:
	@scripts/check-layers.sh

test: test-deps check-layers
	$(MAKE) all unit
	$(MAKE) integration
	$(MAKE) sanitize

# The same unit and integration tests, built with ASan+UBSan (no jemalloc:
# ASan brings its own allocator).
sanitize:
	$(MAKE) BUILD=build-san OPT=-O1 NO_JEMALLOC=1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" all unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  APIARY_BIN=$(abspath build-san/apiary-server) /usr/bin/python3 -m pytest -q -x tests/integration $(PYTEST_ARGS)

# bench/fanout: the Pub/Sub fan-out load generator bench/run.sh drives
$(BUILD)/bench/fanout: bench/fanout.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) -o $@ $<

# bench/rdb_bench: in-process RDB load and write speed (bench/rdb.py runs it)
$(BUILD)/bench/rdb_bench: bench/rdb_bench.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -Wl,--start-group $(BUILD)/libpersist.a $(BUILD)/libscript.a $(BUILD)/libtypes.a $(BUILD)/libcore.a -Wl,--end-group \
	  $(BUILD)/libnet.a $(BUILD)/libev.a $(BUILD)/libproto.a $(BUILD)/libbase.a $(LDLIBS)

# RDB start-up load time vs redis-server on the same files, and write speed
bench-rdb: deps all $(BUILD)/bench/rdb_bench
	@scripts/deps.sh bench
	APIARY_BIN=$(abspath $(BUILD)/apiary-server) RDB_BENCH_BIN=$(abspath $(BUILD)/bench/rdb_bench) /usr/bin/python3 bench/rdb.py

bench: deps all $(BUILD)/bench/fanout
	@scripts/deps.sh bench
	APIARY_BIN=$(abspath $(BUILD)/apiary-server) FANOUT_BIN=$(abspath $(BUILD)/bench/fanout) bench/run.sh
	APIARY_BIN=$(abspath $(BUILD)/apiary-server) bench/memory.sh
	APIARY_BIN=$(abspath $(BUILD)/apiary-server) bench/persist.sh

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	$(MAKE) -C fuzz run SECONDS=$(FUZZ_SECONDS)

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h)

clean:
	rm -rf build build-san build-fuzz
