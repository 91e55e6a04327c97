#!/bin/bash
# bench/run.sh: Apiary against Debian's redis-server 7.0.15 on this machine,
# in one run (`make bench` runs it, then bench/memory.sh).
#
# 1. Throughput: both servers run side by side on free ports; each round
#    runs every redis-benchmark load (-c 50 -r 100000; pipeline 1 and 16)
#    against both, back to back (Apiary first in odd rounds, Redis first in
#    even ones, so an order effect falls on both alike). At -P 1, where
#    redis-benchmark itself is the limit and a run's rate drifts by +-20%
#    within a second on these VMs, each round's requests go in
#    BENCH_SPLIT_P1 (4) shorter run pairs, the order flipping from pair to
#    pair; ratios are medians over all pairs. The loads are
#    redis-benchmark's own tests SET, GET, INCR, MSET, LPUSH, RPOP, SADD,
#    HSET, ZADD, LRANGE_100, LRANGE_600, and ZRANGE_100: a custom command,
#    ZRANGE bench:zset100 0 99 WITHSCORES on a zset of 100 members. Each
#    load is described once, in load_spec. Printed per load: median
#    requests/s of each, the median of the per-round Apiary/Redis ratios,
#    and the server's CPU time per request (utime+stime from
#    /proc/<pid>/stat around the run / requests), with the part Apiary
#    spent busy polling (INFO cpu busy_poll_usec). A load a server cannot
#    run (its probe gets an error reply, e.g. an unknown command, or the
#    run itself fails) prints n/a and the run goes on.
#    Pub/Sub fan-out is two more loads in the same rounds, run by
#    bench/fanout.c instead of redis-benchmark: 1 publisher and 1,000
#    subscribers, all on one channel (fanout:channel) or each on its own
#    pattern, 1,000 distinct patterns that all match the channel
#    (fanout:patterns). Printed in a table of their own: median delivered
#    messages/s of each, the median per-round ratio, and server CPU per
#    delivered message (over the publishing interval only).
# 2. Instructions per request: each server runs under callgrind and gets
#    exactly N pipelined SETs then N GETs; an idle run (start, PING,
#    shutdown) is subtracted and the rest divided by 2N.
#
# Environment: BENCH_ROUNDS (5), BENCH_SPLIT_P1 (4), BENCH_RESULTS (where
# every run's figures are kept; build/bench-throughput.txt), BENCH_N (requests per redis-benchmark run
# for every redis-benchmark load; default per load, sized for ~2-3 s a
# run), BENCH_LOADS (the loads to run, e.g. "lpush:1 lpush:16" or
# "fanout:channel fanout:patterns"; default all), BENCH_FANOUT_N (messages
# published per fan-out run; default per mode), BENCH_FANOUT_SUBS (1000),
# FANOUT_BIN (the fan-out load generator; default: bench/fanout.c compiled
# with cc into the scratch directory), BENCH_CALLGRIND (1; 0 skips part 2),
# BENCH_CG_N (100000), plus those of bench/common.sh.

set -u
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

ROUNDS=${BENCH_ROUNDS:-5}
SPLIT_P1=${BENCH_SPLIT_P1:-4}
RESULTS_KEEP=${BENCH_RESULTS:-$BENCH_ROOT/build/bench-throughput.txt}
CG_N=${BENCH_CG_N:-100000}
TESTS=(set get incr mset lpush rpop sadd hset zadd lrange_100 lrange_600 zrange_100)
FANOUT_SUBS=${BENCH_FANOUT_SUBS:-1000}
FANOUT_INFLIGHT=100 # PUBLISHes unanswered at a time
FANOUT_WINDOW=1000  # PUBLISHes ahead of the slowest subscriber
FANOUT_BYTES=16     # payload of each message
if [ -n "${BENCH_LOADS:-}" ]; then
    read -r -a LOADS <<<"$BENCH_LOADS"
else
    LOADS=()
    for pipe in 1 16; do
        for t in "${TESTS[@]}"; do LOADS+=("$t:$pipe"); done
    done
    LOADS+=(fanout:channel fanout:patterns)
fi

# ZRANGE_100's zset: 100 members with scores 0..99.
ZSET100=()
for ((i = 0; i < 100; i++)); do ZSET100+=("$i" "member:$i"); done

# load_spec TEST [ARG]: describes a load (TEST:ARG in LOADS; ARG is the
# pipeline, or the fan-out mode), the one place that does. Sets
#   SPEC_LABEL  its name in the table
#   SPEC_CSV    its row's name in redis-benchmark's --csv output
#   SPEC_PROBE  a command (array) sent before each run: an error reply
#               means the server cannot run the load (n/a); it also
#               creates any data the load reads
#   SPEC_ARGS   the redis-benchmark arguments that select the load
load_spec() {
    SPEC_LABEL=$(echo "$1" | tr '[:lower:]' '[:upper:]')
    SPEC_CSV=$SPEC_LABEL
    SPEC_ARGS=(-t "$1")
    case $1 in
        set) SPEC_PROBE=(set bench:probe x) ;;
        get) SPEC_PROBE=(get bench:probe) ;;
        incr) SPEC_PROBE=(incr bench:probe:n) ;;
        mset) SPEC_PROBE=(mset bench:p1 a bench:p2 b) SPEC_LABEL="MSET (10 keys)" SPEC_CSV=$SPEC_LABEL ;;
        lpush) SPEC_PROBE=(lpush bench:probe:l x) ;;
        rpop) SPEC_PROBE=(rpop bench:probe:l) ;;
        sadd) SPEC_PROBE=(sadd bench:probe:s x) ;;
        hset) SPEC_PROBE=(hset bench:probe:h f v) ;;
        zadd) SPEC_PROBE=(zadd bench:probe:z 1 x) ;;
        # redis-benchmark first fills its list with an LPUSH run of its own
        lrange_100) SPEC_PROBE=(lrange bench:probe:l 0 99) SPEC_CSV="LRANGE_100 (first 100 elements)" ;;
        lrange_600) SPEC_PROBE=(lrange bench:probe:l 0 599) SPEC_CSV="LRANGE_600 (first 600 elements)" ;;
        zrange_100)
            SPEC_PROBE=(zadd bench:zset100 "${ZSET100[@]}")
            SPEC_ARGS=(zrange bench:zset100 0 99 WITHSCORES)
            SPEC_CSV="${SPEC_ARGS[*]}"
            SPEC_LABEL="ZRANGE_100 (WITHSCORES)"
            ;;
        # bench/fanout, not redis-benchmark (see fanout_one)
        fanout)
            SPEC_PROBE=(publish bench:probe x) SPEC_CSV='' SPEC_ARGS=()
            case ${2:-} in
                channel) SPEC_LABEL="1 channel" ;;
                patterns) SPEC_LABEL="$FANOUT_SUBS patterns" ;;
                *) echo "bench: unknown fan-out mode fanout:${2:-} (channel, patterns)" >&2; return 1 ;;
            esac
            ;;
        *) echo "bench: unknown load $1" >&2; return 1 ;;
    esac
}

# requests_for TEST PIPELINE: requests per run, so that one run takes
# about 2-3 s on the 2-core machine (BENCH_N overrides).
# For fanout it is the messages published (each delivered to every
# subscriber; BENCH_FANOUT_N overrides).
requests_for() {
    case $1:$2 in
        fanout:channel) echo "${BENCH_FANOUT_N:-5000}"; return ;;
        fanout:*) echo "${BENCH_FANOUT_N:-2500}"; return ;;
    esac
    if [ -n "${BENCH_N:-}" ]; then echo "$BENCH_N"; return; fi
    case $1:$2 in
        mset:1) echo 200000 ;;
        mset:*) echo 500000 ;;
        lrange_600:1) echo 20000 ;;
        lrange_600:*) echo 40000 ;;
        lrange_100:1 | zrange_100:1) echo 60000 ;;
        lrange_100:* | zrange_100:*) echo 200000 ;;
        *:1) echo 250000 ;;
        *) echo 2500000 ;;
    esac
}

# probe PORT: succeeds when the server answers SPEC_PROBE without an
# error (a nil reply is fine).
probe() {
    local out
    out=$(redis-cli -h "$BENCH_HOST" -p "$1" "${SPEC_PROBE[@]}" 2>&1) || return 1
    case $out in ERR* | WRONGTYPE* | "Could not connect"*) return 1 ;; esac
    return 0
}

# busy_poll_us PORT: the server's busy_poll_usec (INFO cpu; Apiary's time
# spent busy polling), or 0 for a server without it.
busy_poll_us() {
    redis-cli -h "$BENCH_HOST" -p "$1" info cpu 2>/dev/null |
        awk -F: '$1 == "busy_poll_usec" { v = $2 + 0 } END { print v + 0 }'
}

# bench_one PORT PID PIPELINE N: one redis-benchmark run of the load
# load_spec described; prints "rps cpu_us_per_request poll_us_per_request"
# (the part of the CPU time spent busy polling), or "n/a n/a n/a" when it
# failed (redis-benchmark stops at the first error reply).
bench_one() {
    local port=$1 pid=$2 pipe=$3 n=$4 t0 t1 p0 p1 out rps name=$SPEC_CSV
    p0=$(busy_poll_us "$port")
    t0=$(cpu_ticks "$pid")
    out=$(timeout 300 redis-benchmark -h "$BENCH_HOST" -p "$port" -c 50 -r 100000 -n "$n" \
        -P "$pipe" -q --csv "${SPEC_ARGS[@]}" 2>/dev/null)
    t1=$(cpu_ticks "$pid")
    p1=$(busy_poll_us "$port")
    rps=$(printf '%s\n' "$out" | awk -F'","' -v name="\"$name" '$1 == name { print $2 + 0; exit }')
    if [ -z "$rps" ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "n/a n/a n/a"
        return
    fi
    awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v n="$n" -v r="$rps" -v p="$((p1 - p0))" \
        'BEGIN { printf "%s %.4f %.4f\n", r, (b - a) / hz * 1e6 / n, p / n }'
}

# fanout_one PORT PID MODE N: one bench/fanout run (N messages to
# FANOUT_SUBS subscribers, MODE channel or patterns); prints "delivered
# messages/s server_cpu_ns_per_delivered_message n/a", or "n/a n/a n/a" when it
# failed (its reason goes to stderr: a lost, extra or garbled message, a
# PUBLISH reply other than the subscriber count, a closed connection).
fanout_one() {
    local port=$1 pid=$2 mode=$3 n=$4 out max rate delivered cpu
    max=$(redis-cli -h "$BENCH_HOST" -p "$port" config get maxclients 2>/dev/null | sed -n 2p)
    if [ -n "$max" ] && [ "$max" -le "$FANOUT_SUBS" ] 2>/dev/null; then
        echo "bench: maxclients $max on port $port is too low for $FANOUT_SUBS subscribers" >&2
        echo "n/a n/a n/a"
        return
    fi
    out=$(timeout 300 "$FANOUT_BIN" -h "$BENCH_HOST" -p "$port" -m "$mode" -s "$FANOUT_SUBS" \
        -n "$n" -P "$FANOUT_INFLIGHT" -w "$FANOUT_WINDOW" -d "$FANOUT_BYTES" -c "$pid")
    read -r rate _ delivered cpu <<<"$out" # rate elapsed_s delivered server_cpu_s
    if [ -z "$cpu" ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "bench: fan-out $mode on port $port failed" >&2
        echo "n/a n/a n/a"
        return
    fi
    awk -v r="$rate" -v d="$delivered" -v c="$cpu" 'BEGIN { printf "%s %.1f n/a\n", r, c * 1e9 / d }'
}

# run_load TEST PORT PID ARG N: one run of the load load_spec described,
# by redis-benchmark or, for fanout, bench/fanout.
run_load() {
    if [ "$1" = fanout ]; then fanout_one "$2" "$3" "$4" "$5"; else bench_one "$2" "$3" "$4" "$5"; fi
}

# fanout_setup: builds bench/fanout.c (unless FANOUT_BIN names a binary)
# and raises the open-file limit, which the servers started afterwards
# inherit, so that both can hold FANOUT_SUBS clients. Drops the fan-out
# loads, with a message, when either fails.
fanout_setup() {
    local l want=() need cur hard
    for l in "${LOADS[@]}"; do [ "${l%%:*}" = fanout ] && want+=("$l"); done
    [ ${#want[@]} -eq 0 ] && return
    if [ -z "${FANOUT_BIN:-}" ]; then
        FANOUT_BIN=$BENCH_WORK/fanout
        cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$FANOUT_BIN" "$BENCH_ROOT/bench/fanout.c" ||
            FANOUT_BIN=
    fi
    need=$((FANOUT_SUBS + 1024))
    cur=$(ulimit -Sn) hard=$(ulimit -Hn)
    if [ "$cur" != unlimited ] && [ "$cur" -lt "$need" ]; then
        if [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ]; then ulimit -Sn "$need"; else ulimit -Sn "$hard"; fi
    fi
    cur=$(ulimit -Sn)
    if [ -z "$FANOUT_BIN" ] || [ ! -x "$FANOUT_BIN" ] ||
        { [ "$cur" != unlimited ] && [ "$cur" -lt $((FANOUT_SUBS + 64)) ]; }; then
        echo "bench: skipping ${want[*]}: no load generator, or open-file limit $cur too low" >&2
        local keep=()
        for l in "${LOADS[@]}"; do [ "${l%%:*}" = fanout ] || keep+=("$l"); done
        LOADS=("${keep[@]}")
    fi
}

# ensure_running KIND: restarts Apiary or Redis (same port) if a load
# crashed it, so one failing command does not end the whole run.
ensure_running() {
    if [ "$1" = apiary ]; then
        kill -0 "$A_PID" 2>/dev/null && return
        echo "bench: apiary died; restarting it" >&2
        start_server apiary "$A_PORT" "$BENCH_WORK/apiary.log" && A_PID=$SERVER_PID
    else
        kill -0 "$R_PID" 2>/dev/null && return
        echo "bench: redis died; restarting it" >&2
        start_server redis "$R_PORT" "$BENCH_WORK/redis.log" && R_PID=$SERVER_PID
    fi
}

# fmt_int / fmt_num: numbers for the tables (n/a passes through).
fmt_int() { if [ "$1" = n/a ]; then echo n/a; else LC_ALL=C awk -v v="$1" 'BEGIN { printf "%.0f", v }'; fi; }
fmt_num() { if [ "$1" = n/a ]; then echo n/a; else LC_ALL=C awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; fi; }

throughput() {
    local round part parts load test pipe n a r results=$BENCH_WORK/results
    pick_port A_PORT
    start_server apiary "$A_PORT" "$BENCH_WORK/apiary.log" || exit 1
    A_PID=$SERVER_PID
    pick_port R_PORT
    start_server redis "$R_PORT" "$BENCH_WORK/redis.log" || exit 1
    R_PID=$SERVER_PID
    echo "bench: apiary $APIARY_BIN on port $A_PORT (pid $A_PID)," \
        "redis $("$REDIS_BIN" --version | awk '{print $3}') on port $R_PORT (pid $R_PID)" >&2
    : >"$results"
    for ((round = 1; round <= ROUNDS; round++)); do
        for load in "${LOADS[@]}"; do
            test=${load%:*} pipe=${load#*:}
            load_spec "$test" "$pipe" || continue
            n=$(requests_for "$test" "$pipe")
            parts=1
            [ "$pipe" = 1 ] && [ "$test" != fanout ] && parts=$SPLIT_P1
            for ((part = 1; part <= parts; part++)); do
                ensure_running apiary
                ensure_running redis
                a="n/a n/a n/a" r="n/a n/a n/a"
                # Apiary first in odd rounds, Redis first in even ones, and
                # the other way round in each next part: whatever running
                # second does to a load (or first) falls on both
                if (((round + part) % 2 == 0)); then
                    probe "$A_PORT" && a=$(run_load "$test" "$A_PORT" "$A_PID" "$pipe" $((n / parts)))
                    probe "$R_PORT" && r=$(run_load "$test" "$R_PORT" "$R_PID" "$pipe" $((n / parts)))
                else
                    probe "$R_PORT" && r=$(run_load "$test" "$R_PORT" "$R_PID" "$pipe" $((n / parts)))
                    probe "$A_PORT" && a=$(run_load "$test" "$A_PORT" "$A_PID" "$pipe" $((n / parts)))
                fi
                echo "$load $round.$part $a $r" >>"$results"
            done
        done
        echo "bench: round $round/$ROUNDS done" >&2
    done
    stop_server apiary "$A_PORT" "$A_PID"
    stop_server redis "$R_PORT" "$R_PID"

    summary_tables "$results"
    # every run's figures, for a second look at a median
    mkdir -p "$(dirname "$RESULTS_KEEP")" && cp "$results" "$RESULTS_KEEP" &&
        echo "bench: every run's figures (load round.part, then rps, CPU, poll for Apiary and Redis) in $RESULTS_KEEP" >&2
}

# summarize LOAD RESULTS: medians over the runs of LOAD in RESULTS
# (lines "load round.part a_rate a_cpu a_poll r_rate r_cpu r_poll"). Sets
# ARS/RRS (rates), RATIO (median per-run-pair A/R), ACPU/RCPU, CRATIO,
# APOLL (Apiary's busy-poll time per request); n/a where missing. A load
# only one side could run still shows that side's figures.
summarize() {
    local rows
    # Runs where both servers produced a figure.
    rows=$(awk -v l="$1" '$1 == l && $3 != "n/a" && $6 != "n/a"' "$2")
    ARS=$(printf '%s\n' "$rows" | awk 'NF { print $3 }' | median)
    RRS=$(printf '%s\n' "$rows" | awk 'NF { print $6 }' | median)
    RATIO=$(printf '%s\n' "$rows" | awk 'NF && $6 > 0 { print $3 / $6 }' | median)
    ACPU=$(printf '%s\n' "$rows" | awk 'NF { print $4 }' | median)
    APOLL=$(printf '%s\n' "$rows" | awk 'NF && $5 != "n/a" { print $5 }' | median)
    RCPU=$(printf '%s\n' "$rows" | awk 'NF { print $7 }' | median)
    CRATIO=$(printf '%s\n' "$rows" | awk 'NF && $7 > 0 { print $4 / $7 }' | median)
    [ "$ARS" = n/a ] && ARS=$(awk -v l="$1" '$1 == l && $3 != "n/a" { print $3 }' "$2" | median) &&
        ACPU=$(awk -v l="$1" '$1 == l && $4 != "n/a" { print $4 }' "$2" | median)
    [ "$RRS" = n/a ] && RRS=$(awk -v l="$1" '$1 == l && $6 != "n/a" { print $6 }' "$2" | median) &&
        RCPU=$(awk -v l="$1" '$1 == l && $7 != "n/a" { print $7 }' "$2" | median)
    return 0
}

# summary_tables RESULTS: the redis-benchmark table, then the fan-out
# table, each only when one of its loads ran.
summary_tables() {
    local load test pipe n fmt bench=() fanout=()
    for load in "${LOADS[@]}"; do
        if [ "${load%%:*}" = fanout ]; then fanout+=("$load"); else bench+=("$load"); fi
    done
    if [ ${#bench[@]} -gt 0 ]; then
        fmt='%-24s %3s %8s %11s %11s %7s %10s %10s %7s %8s\n'
        echo
        echo "Throughput: redis-benchmark -c 50 -r 100000, $ROUNDS rounds, each load on both (Apiary first in odd rounds, Redis first in even);"
        echo "at -P 1 each round's n requests go in $SPLIT_P1 run pairs of n/$SPLIT_P1, the order flipping from pair to pair."
        echo "Medians over the run pairs; ratios are medians of the per-pair Apiary/Redis ratios."
        echo "CPU = server utime+stime per request (/proc/<pid>/stat), microseconds; A poll = the part of"
        echo "Apiary's CPU spent busy polling (INFO busy_poll_usec; Redis has none)."
        # shellcheck disable=SC2059 # the format is ours
        printf "$fmt" load -P n "apiary rps" "redis rps" "rps A/R" "apiary CPU" "redis CPU" "CPU A/R" "A poll"
        for load in "${bench[@]}"; do
            test=${load%:*} pipe=${load#*:}
            load_spec "$test" "$pipe" || continue
            n=$(requests_for "$test" "$pipe")
            summarize "$load" "$1"
            # shellcheck disable=SC2059
            printf "$fmt" "$SPEC_LABEL" "$pipe" "$n" \
                "$(fmt_int "$ARS")" "$(fmt_int "$RRS")" "$(fmt_num "$RATIO" 3)" \
                "$(fmt_num "$ACPU" 3)" "$(fmt_num "$RCPU" 3)" "$(fmt_num "$CRATIO" 3)" "$(fmt_num "$APOLL" 3)"
        done
    fi
    if [ ${#fanout[@]} -gt 0 ]; then
        fmt='%-16s %6s %10s %12s %12s %7s %10s %10s %7s\n'
        echo
        echo "Pub/Sub fan-out: bench/fanout, 1 publisher ($FANOUT_INFLIGHT PUBLISHes in flight, at most"
        echo "$FANOUT_WINDOW ahead of the slowest subscriber), $FANOUT_SUBS subscribers on one channel, or each"
        echo "on its own pattern (all match it); $FANOUT_BYTES-byte messages; $ROUNDS rounds, order alternating by round"
        echo "each load. msg/s = messages delivered (published x subscribers) / time to the"
        echo "last delivery; medians over rounds; ratios are medians of the per-round"
        echo "Apiary/Redis ratios. CPU = server utime+stime per delivered message while"
        echo "publishing, nanoseconds."
        # shellcheck disable=SC2059
        printf "$fmt" subscribed msgs delivered "apiary msg/s" "redis msg/s" "A/R" "apiary CPU" "redis CPU" "CPU A/R"
        for load in "${fanout[@]}"; do
            test=${load%:*} pipe=${load#*:}
            load_spec "$test" "$pipe" || continue
            n=$(requests_for "$test" "$pipe")
            summarize "$load" "$1"
            # shellcheck disable=SC2059
            printf "$fmt" "$SPEC_LABEL" "$n" "$((n * FANOUT_SUBS))" \
                "$(fmt_int "$ARS")" "$(fmt_int "$RRS")" "$(fmt_num "$RATIO" 3)" \
                "$(fmt_num "$ACPU" 1)" "$(fmt_num "$RCPU" 1)" "$(fmt_num "$CRATIO" 3)"
        done
    fi
}

# callgrind_ir KIND MODE: total instructions (Ir) of one server lifetime
# under callgrind: MODE idle = start, PING, shutdown; MODE load = the same
# plus CG_N pipelined SETs and CG_N GETs. Prints the total, or nothing.
callgrind_ir() {
    local kind=$1 mode=$2 port out=$BENCH_WORK/callgrind.$1.$2 t
    pick_port port
    start_server "$kind" "$port" "$BENCH_WORK/callgrind.$kind.$mode.log" \
        valgrind --tool=callgrind --callgrind-out-file="$out" || return 1
    if [ "$mode" = load ]; then
        for t in set get; do
            redis-benchmark -h "$BENCH_HOST" -p "$port" -P 16 -c 50 -n "$CG_N" -t "$t" \
                -r 100000 -q >/dev/null 2>&1
        done
    fi
    stop_server "$kind" "$port" "$SERVER_PID"
    awk '/^(summary|totals):/ { print $2; exit }' "$out" 2>/dev/null
}

instructions() {
    command -v valgrind >/dev/null || { echo "bench: valgrind missing; skipping callgrind" >&2; return; }
    local kind idle load a='' r=
    for kind in apiary redis; do
        echo "bench: callgrind $kind ($CG_N SET + $CG_N GET, -P 16)" >&2
        idle=$(callgrind_ir "$kind" idle)
        load=$(callgrind_ir "$kind" load)
        if [ -n "$idle" ] && [ -n "$load" ]; then
            printf -v "${kind:0:1}" '%s' \
                "$(awk -v a="$idle" -v b="$load" -v n="$CG_N" 'BEGIN { printf "%.0f", (b - a) / (2 * n) }')"
            echo "bench: $kind idle $idle Ir, loaded $load Ir" >&2
        fi
    done
    echo
    echo "Instructions per request (callgrind; $CG_N pipelined SETs + $CG_N GETs, -P 16 -c 50"
    echo "-r 100000; an idle start/PING/shutdown run subtracted; divided by $((2 * CG_N))):"
    printf 'apiary %s Ir   redis %s Ir   ratio apiary/redis %s\n' "${a:-n/a}" "${r:-n/a}" \
        "$([ -n "$a" ] && [ -n "$r" ] && awk -v a="$a" -v r="$r" 'BEGIN { printf "%.2f", a / r }' || echo n/a)"
}

bench_init bench
fanout_setup
echo "bench: $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), $ROUNDS rounds" >&2
throughput
[ "${BENCH_CALLGRIND:-1}" = 1 ] && instructions
exit 0
