#!/bin/bash
# bench/run.sh: Apiary against Debian's redis-server 7.0.15 on this machine,
# in one run (`make bench` runs it, then bench/memory.sh).
#
# 1. Throughput: both servers run side by side on free ports; each round
#    runs every redis-benchmark load (SET, GET, INCR, MSET; -c 50 -r 100000;
#    pipeline 1 and 16) against Apiary, then the same load against Redis.
#    Printed per load: median requests/s of each, the median of the
#    per-round Apiary/Redis ratios, and the server's CPU time per request
#    (utime+stime from /proc/<pid>/stat around the run / requests).
#    A load a server cannot run (command missing) prints n/a.
# 2. Instructions per request: each server runs under callgrind and gets
#    exactly N pipelined SETs then N GETs; an idle run (start, PING,
#    shutdown) is subtracted and the rest divided by 2N.
#
# Environment: BENCH_ROUNDS (5), BENCH_N (requests per run for every load;
# default per load, sized for ~2-3 s a run), BENCH_CALLGRIND (1; 0 skips
# part 2), BENCH_CG_N (100000), plus those of bench/common.sh.

set -u
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

ROUNDS=${BENCH_ROUNDS:-5}
CG_N=${BENCH_CG_N:-100000}
LOADS=(set:1 get:1 incr:1 mset:1 set:16 get:16 incr:16 mset:16)

# requests_for TEST PIPELINE: requests per run, so that one run takes
# about 2-3 s on the 2-core machine (BENCH_N overrides).
requests_for() {
    if [ -n "${BENCH_N:-}" ]; then echo "$BENCH_N"; return; fi
    case $1:$2 in
        mset:1) echo 200000 ;;
        mset:*) echo 500000 ;;
        *:1) echo 250000 ;;
        *) echo 2500000 ;;
    esac
}

# csv_name TEST: the test's name in redis-benchmark's --csv output.
csv_name() {
    case $1 in
        mset) echo "MSET (10 keys)" ;;
        *) echo "$1" | tr '[:lower:]' '[:upper:]' ;;
    esac
}

# probe KIND PORT TEST: succeeds when the server runs the load's command
# (an error reply, e.g. an unknown command, means the load is n/a).
probe() {
    local out args
    case $3 in
        set) args=(set bench:probe x) ;;
        get) args=(get bench:probe) ;;
        incr) args=(incr bench:probe:n) ;;
        mset) args=(mset bench:p1 a bench:p2 b) ;;
    esac
    out=$(redis-cli -h "$BENCH_HOST" -p "$2" "${args[@]}" 2>&1) || return 1
    case $out in ERR* | WRONGTYPE* | "Could not connect"* | "") return 1 ;; esac
    return 0
}

# bench_one PORT PID TEST PIPELINE N: one redis-benchmark run; prints
# "rps cpu_us_per_request", or "n/a n/a" when it failed.
bench_one() {
    local port=$1 pid=$2 test=$3 pipe=$4 n=$5 t0 t1 out rps name
    name=$(csv_name "$test")
    t0=$(cpu_ticks "$pid")
    out=$(timeout 300 redis-benchmark -h "$BENCH_HOST" -p "$port" -c 50 -r 100000 -n "$n" \
        -P "$pipe" -t "$test" -q --csv 2>/dev/null)
    t1=$(cpu_ticks "$pid")
    rps=$(printf '%s\n' "$out" | awk -F'","' -v name="\"$name" '$1 == name { print $2 + 0; exit }')
    if [ -z "$rps" ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "n/a n/a"
        return
    fi
    awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v n="$n" -v r="$rps" \
        'BEGIN { printf "%s %.4f\n", r, (b - a) / hz * 1e6 / n }'
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
    local round load test pipe n a r results=$BENCH_WORK/results
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
            n=$(requests_for "$test" "$pipe")
            ensure_running apiary
            ensure_running redis
            a="n/a n/a" r="n/a n/a"
            probe apiary "$A_PORT" "$test" && a=$(bench_one "$A_PORT" "$A_PID" "$test" "$pipe" "$n")
            probe redis "$R_PORT" "$test" && r=$(bench_one "$R_PORT" "$R_PID" "$test" "$pipe" "$n")
            echo "$load $round $a $r" >>"$results"
        done
        echo "bench: round $round/$ROUNDS done" >&2
    done
    stop_server apiary "$A_PORT" "$A_PID"
    stop_server redis "$R_PORT" "$R_PID"

    echo
    echo "Throughput: redis-benchmark -c 50 -r 100000, $ROUNDS rounds, Apiary then Redis each load;"
    echo "medians over rounds; ratios are medians of the per-round Apiary/Redis ratios."
    echo "CPU = server utime+stime per request (/proc/<pid>/stat), microseconds."
    printf '%-15s %3s %8s %11s %11s %7s %10s %10s %7s\n' load -P n "apiary rps" "redis rps" \
        "rps A/R" "apiary CPU" "redis CPU" "CPU A/R"
    for load in "${LOADS[@]}"; do
        test=${load%:*} pipe=${load#*:}
        n=$(requests_for "$test" "$pipe")
        # Rounds where both servers produced a figure.
        local rows ars rrs ratio acpu rcpu cratio
        rows=$(awk -v l="$load" '$1 == l && $3 != "n/a" && $5 != "n/a"' "$results")
        ars=$(printf '%s\n' "$rows" | awk 'NF { print $3 }' | median)
        rrs=$(printf '%s\n' "$rows" | awk 'NF { print $5 }' | median)
        ratio=$(printf '%s\n' "$rows" | awk 'NF && $5 > 0 { print $3 / $5 }' | median)
        acpu=$(printf '%s\n' "$rows" | awk 'NF { print $4 }' | median)
        rcpu=$(printf '%s\n' "$rows" | awk 'NF { print $6 }' | median)
        cratio=$(printf '%s\n' "$rows" | awk 'NF && $6 > 0 { print $4 / $6 }' | median)
        # A load only one side can run still shows that side's figures.
        [ "$ars" = n/a ] && ars=$(awk -v l="$load" '$1 == l && $3 != "n/a" { print $3 }' "$results" | median) &&
            acpu=$(awk -v l="$load" '$1 == l && $4 != "n/a" { print $4 }' "$results" | median)
        [ "$rrs" = n/a ] && rrs=$(awk -v l="$load" '$1 == l && $5 != "n/a" { print $5 }' "$results" | median) &&
            rcpu=$(awk -v l="$load" '$1 == l && $6 != "n/a" { print $6 }' "$results" | median)
        printf '%-15s %3s %8s %11s %11s %7s %10s %10s %7s\n' "$(csv_name "$test")" "$pipe" "$n" \
            "$(fmt_int "$ars")" "$(fmt_int "$rrs")" "$(fmt_num "$ratio" 2)" \
            "$(fmt_num "$acpu" 3)" "$(fmt_num "$rcpu" 3)" "$(fmt_num "$cratio" 2)"
    done
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
echo "bench: $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), $ROUNDS rounds" >&2
throughput
[ "${BENCH_CALLGRIND:-1}" = 1 ] && instructions
exit 0
