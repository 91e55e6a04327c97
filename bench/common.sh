# bench/common.sh: helpers shared by bench/run.sh and bench/memory.sh
# (sourced, not run): which binaries to compare, picking free ports,
# starting a server and waiting until it answers, stopping it, reading its
# CPU time, medians, and cleaning up every server this run started.
#
# Environment: APIARY_BIN (default build/apiary-server), REDIS_BIN
# (default /usr/bin/redis-server), BENCH_PORT (first port to use; without
# it the kernel picks free ports), BENCH_KEEP=1 keeps the scratch directory.

# shellcheck shell=bash
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APIARY_BIN=${APIARY_BIN:-$BENCH_ROOT/build/apiary-server}
case $APIARY_BIN in /*) ;; *) APIARY_BIN=$PWD/$APIARY_BIN ;; esac
REDIS_BIN=${REDIS_BIN:-/usr/bin/redis-server}
BENCH_HOST=127.0.0.1
# shellcheck disable=SC2034 # used by the scripts that source this file
CLK_TCK=$(getconf CLK_TCK)
STARTED_PIDS=()
BENCH_NEXT_PORT=${BENCH_PORT:-}

# bench_init NAME: checks the tools and binaries and makes the scratch
# directory $BENCH_WORK (servers run there, so nothing lands in the tree).
bench_init() {
    local t
    for t in redis-cli redis-benchmark "$REDIS_BIN"; do
        command -v "$t" >/dev/null || { echo "bench: $t not found (scripts/deps.sh bench)" >&2; exit 1; }
    done
    [ -x "$APIARY_BIN" ] || { echo "bench: $APIARY_BIN missing: build it first (make)" >&2; exit 1; }
    BENCH_WORK=$(mktemp -d "/tmp/apiary-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# bench_cleanup: kills, by pid, any server this script started that is
# still running, then removes the scratch directory.
bench_cleanup() {
    local p
    for p in "${STARTED_PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null && kill "$p" 2>/dev/null
    done
    for p in "${STARTED_PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "bench: scratch kept in $BENCH_WORK" >&2
    else
        rm -rf "$BENCH_WORK"
    fi
}

# pick_port VAR: stores in VAR a TCP port on 127.0.0.1 that nothing
# listens on (from BENCH_PORT upward when set, else one the kernel picks).
pick_port() {
    local p
    if [ -n "$BENCH_NEXT_PORT" ]; then
        p=$BENCH_NEXT_PORT
        while (exec 3<>"/dev/tcp/$BENCH_HOST/$p") 2>/dev/null; do p=$((p + 1)); done
        BENCH_NEXT_PORT=$((p + 1))
    else
        p=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    printf -v "$1" '%s' "$p"
}

# start_server KIND PORT LOG [WRAPPER...]: starts apiary or redis (under
# WRAPPER, e.g. valgrind, when given) on PORT with persistence off, sets
# SERVER_PID and returns once the server answers PING (1 if it never does).
# SERVER_ARGS (an array, empty by default) adds directives after those, so
# they win (e.g. --dir, --appendonly yes).
start_server() {
    local kind=$1 port=$2 log=$3 bin i limit=300
    shift 3
    case $kind in
        apiary) bin=$APIARY_BIN ;;
        redis) bin=$REDIS_BIN ;;
        *) echo "bench: unknown server kind $kind" >&2; return 1 ;;
    esac
    [ $# -gt 0 ] && limit=1200
    (cd "$BENCH_WORK" && exec "$@" "$bin" --port "$port" --bind "$BENCH_HOST" --save "" \
        --appendonly no --daemonize no ${SERVER_ARGS[@]+"${SERVER_ARGS[@]}"}) >"$log" 2>&1 &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    for ((i = 0; i < limit; i++)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "bench: $kind exited at start; log $log:" >&2
            tail -5 "$log" >&2
            return 1
        fi
        [ "$(redis-cli -h "$BENCH_HOST" -p "$port" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    echo "bench: $kind did not answer on port $port" >&2
    return 1
}

# stop_server KIND PORT PID: asks the server to exit without saving
# (SHUTDOWN NOSAVE for Redis, SHUTDOWN for Apiary), waits up to 5 minutes
# (valgrind writes its output at exit), and kills it by pid after that.
stop_server() {
    local kind=$1 port=$2 pid=$3 i
    if [ "$kind" = redis ]; then
        redis-cli -h "$BENCH_HOST" -p "$port" shutdown nosave >/dev/null 2>&1
    else
        redis-cli -h "$BENCH_HOST" -p "$port" shutdown >/dev/null 2>&1
    fi
    for ((i = 0; i < 3000; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# cpu_ticks PID: prints utime+stime of PID in clock ticks (fields 14 and
# 15 of /proc/PID/stat, counted after the parenthesised command name).
cpu_ticks() {
    local line rest
    read -r line <"/proc/$1/stat" || { echo 0; return; }
    rest=${line##*) }
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $rest
    # $1 is field 3 (state), so fields 14 and 15 are $12 and $13.
    echo $((${12} + ${13}))
}

# median: prints the median of the numbers on stdin, one a line
# (the mean of the middle two for an even count), or n/a for none.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
              else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# info_memory_field PORT FIELD: prints FIELD from INFO memory on PORT,
# empty when the server does not report it.
info_memory_field() {
    redis-cli -h "$BENCH_HOST" -p "$1" info memory 2>/dev/null | tr -d '\r' |
        awk -F: -v f="$2" '$1 == f { print $2; exit }'
}
