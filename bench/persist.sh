#!/bin/bash
# bench/persist.sh: persistence, Apiary against Debian's redis-server 7.0.15
# with the same settings, in one run (`make bench` runs it after run.sh).
#
# 1. AOF: SET throughput (redis-benchmark -t set -c 50 -P 1 -r 100000) with
#    appendonly yes and appendfsync everysec, then always; rounds alternate
#    Apiary and Redis. Printed: median requests/s of each and the median of
#    the per-round Apiary/Redis ratios.
# 2. Snapshots of PERSIST_KEYS (1,000,000) keys from DEBUG POPULATE: the
#    time SAVE takes (wall clock around redis-cli SAVE) and the time a
#    restart takes to load the file (the "DB loaded from disk ... seconds"
#    figure each server logs), alternating, medians over the rounds.
# 3. BGSAVE under a write load: PERSIST_BIG_KEYS (2,000,000) keys of
#    PERSIST_VALUE (1000) bytes, about 2 GB, in each server, named as
#    redis-benchmark names them; a steady SET load (redis-benchmark -c 20
#    -d PERSIST_VALUE -r PERSIST_BIG_KEYS) overwrites those keys and runs,
#    in each of PERSIST_BG_ROUNDS (3) rounds, once without a snapshot and
#    once with BGSAVE running back to back for the whole load. Printed per
#    server: the medians over the rounds of p99.9 latency without and with
#    BGSAVE (redis-benchmark's percentile table), their ratio, every
#    round's figures, and the
#    peak memory a BGSAVE added: for Apiary the growth of its RSS (sampled
#    every 20 ms with shell builtins) over its RSS before, for Redis the same growth of the
#    parent plus the peak copy-on-write size of the fork child
#    (current_cow_peak in INFO persistence, sampled every 50 ms by one
#    redis-cli -r on its own connection), each also as a share of the
#    data set's used_memory.
#
# Environment: PERSIST_ROUNDS (5 for part 1, 3 for part 2), PERSIST_BG_ROUNDS, PERSIST_N
# (requests per AOF run, 200000), PERSIST_KEYS, PERSIST_BIG_KEYS,
# PERSIST_VALUE, PERSIST_PARTS ("1 2 3"), plus those of bench/common.sh.

set -u
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

ROUNDS=${PERSIST_ROUNDS:-}
N=${PERSIST_N:-200000}
KEYS=${PERSIST_KEYS:-1000000}
BIG_KEYS=${PERSIST_BIG_KEYS:-2000000}
VALUE=${PERSIST_VALUE:-1000}
PARTS=${PERSIST_PARTS:-1 2 3}

bench_init persist
cli() { redis-cli -h "$BENCH_HOST" -p "$@"; }
info_field() { cli "$1" info "$2" 2>/dev/null | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2; exit }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# rss_kb_var PID: the same into RSS_KB with builtins only (no process)
rss_kb_var() {
    local k v rest
    RSS_KB=0
    while read -r k v rest; do
        if [ "$k" = VmRSS: ]; then RSS_KB=$v; break; fi
    done <"/proc/$1/status"
}

# start KIND NAME [directives...]: a server in its own directory; sets
# PORT_<NAME> and PID_<NAME>.
start() {
    local kind=$1 name=$2 port
    shift 2
    mkdir -p "$BENCH_WORK/$name"
    pick_port port
    SERVER_ARGS=(--dir "$BENCH_WORK/$name" "$@")
    [ "$kind" = redis ] && SERVER_ARGS+=(--enable-debug-command yes)
    start_server "$kind" "$port" "$BENCH_WORK/$name.log" || exit 1
    SERVER_ARGS=()
    printf -v "PORT_$name" '%s' "$port"
    printf -v "PID_$name" '%s' "$SERVER_PID"
}
stop() { # stop KIND NAME
    local p="PORT_$2" i="PID_$2"
    stop_server "$1" "${!p}" "${!i}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# ---- 1. AOF throughput ------------------------------------------------------
part_aof() {
    local rounds=${ROUNDS:-5} fsync r kind rps a b
    printf '\n%-28s %14s %14s %8s\n' "AOF load (SET, -P 1)" "Apiary rps" "Redis rps" "ratio"
    for fsync in everysec always; do
        start apiary aofA --appendonly yes --appendfsync "$fsync"
        start redis aofR --appendonly yes --appendfsync "$fsync"
        local -a ra=() rr=() rat=()
        for ((r = 0; r < rounds; r++)); do
            for kind in A R; do
                local p="PORT_aof$kind"
                rps=$(redis-benchmark -h "$BENCH_HOST" -p "${!p}" -t set -n "$N" -c 50 -P 1 -r 100000 -q --csv 2>/dev/null |
                    awk -F, '/"SET"/ { gsub(/"/, "", $2); print $2 }')
                if [ "$kind" = A ]; then a=$rps; ra+=("$rps"); else b=$rps; rr+=("$rps"); fi
            done
            rat+=("$(ratio "$a" "$b")")
        done
        printf '%-28s %14s %14s %8s\n' "appendfsync $fsync" \
            "$(printf '%s\n' "${ra[@]}" | median)" "$(printf '%s\n' "${rr[@]}" | median)" \
            "$(printf '%s\n' "${rat[@]}" | median)"
        stop apiary aofA
        stop redis aofR
        rm -rf "$BENCH_WORK/aofA" "$BENCH_WORK/aofR"
    done
}

# ---- 2. save and load times ------------------------------------------------
load_secs() { # the seconds a server logged for loading its dump
    grep -o 'DB loaded from disk: .*seconds' "$1" | tail -1 | grep -o '[0-9.]* seconds' | awk '{ print $1 }'
}

part_saveload() {
    local rounds=${ROUNDS:-3} r kind t0 t1
    local -a sa=() sr=() la=() lr=() rs=() rl=()
    start apiary slA
    start redis slR
    cli "$PORT_slA" debug populate "$KEYS" >/dev/null
    cli "$PORT_slR" debug populate "$KEYS" >/dev/null
    for ((r = 0; r < rounds; r++)); do
        local s_a s_r l_a l_r
        for kind in A R; do
            local p="PORT_sl$kind"
            t0=$(date +%s%N)
            cli "${!p}" save >/dev/null
            t1=$(date +%s%N)
            if [ "$kind" = A ]; then s_a=$(((t1 - t0) / 1000000)); else s_r=$(((t1 - t0) / 1000000)); fi
        done
        # restart both on their dumps and read how long the load took
        stop apiary slA
        stop redis slR
        start apiary slA
        l_a=$(load_secs "$BENCH_WORK/slA.log")
        start redis slR
        l_r=$(load_secs "$BENCH_WORK/slR.log")
        sa+=("$s_a") sr+=("$s_r") la+=("$l_a") lr+=("$l_r")
        rs+=("$(ratio "$s_a" "$s_r")") rl+=("$(ratio "$l_a" "$l_r")")
    done
    printf '\n%-28s %14s %14s %8s\n' "$KEYS keys (DEBUG POPULATE)" "Apiary" "Redis" "ratio"
    printf '%-28s %14s %14s %8s\n' "SAVE (ms)" "$(printf '%s\n' "${sa[@]}" | median)" \
        "$(printf '%s\n' "${sr[@]}" | median)" "$(printf '%s\n' "${rs[@]}" | median)"
    printf '%-28s %14s %14s %8s\n' "load at start-up (s)" "$(printf '%s\n' "${la[@]}" | median)" \
        "$(printf '%s\n' "${lr[@]}" | median)" "$(printf '%s\n' "${rl[@]}" | median)"
    echo "(ratio: Apiary/Redis time, lower is faster)"
    stop apiary slA
    stop redis slR
    rm -rf "$BENCH_WORK/slA" "$BENCH_WORK/slR"
}

# ---- 3. BGSAVE under a write load -----------------------------------------
p999() { # the p99.9 latency (ms) from redis-benchmark's percentile table
    awk '/Latency by percentile distribution/ { on = 1; next }
         on && /%/ { split($0, f, "%"); p = f[1] + 0; if (p >= 99.9) { gsub(/.*<= /, "", $0); split($0, v, " "); print v[1]; exit } }' "$1"
}

# populate_bench_keys PORT: BIG_KEYS keys named as redis-benchmark -r
# names them (key:%012d, 0 .. BIG_KEYS-1) with VALUE-byte values, so the
# write load overwrites keys of the data set (DEBUG POPULATE's key:N names
# would make it add new keys instead, and the data set would grow)
populate_bench_keys() {
    awk -v n="$BIG_KEYS" -v d="$VALUE" 'BEGIN {
        v = sprintf("%*s", d, ""); gsub(/ /, "x", v)
        for (i = 0; i < n; i++) {
            k = sprintf("key:%012d", i)
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v
        }
    }' | redis-cli -h "$BENCH_HOST" -p "$1" --pipe >/dev/null
}

write_load() { # write_load PORT OUT: a SET load over the data set's keys
    redis-benchmark -h "$BENCH_HOST" -p "$1" -t set -n "$LOAD_N" -c 20 -P 1 -d "$VALUE" \
        -r "$BIG_KEYS" --precision 3 >"$2" 2>&1
}

median() { tr ' ' '\n' | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

part_bgsave() {
    local kind name port pid before peak cow used lat0 lat1 out c round l0s l1s
    LOAD_N=${PERSIST_LOAD_N:-600000}
    local rounds=${PERSIST_BG_ROUNDS:-3}
    printf '\n%s\n' "BGSAVE under a SET load, $BIG_KEYS keys of $VALUE bytes; p99.9 medians of $rounds rounds (base, then with BGSAVE)"
    printf '%-8s %10s %12s %12s %7s %12s %10s  %s\n' server dataset_MB "p99.9 ms" "with BGSAVE" ratio "+peak MB" "% of data" "rounds (base/with)"
    for kind in apiary redis; do
        name=bg$kind
        start "$kind" "$name"
        port=PORT_$name
        port=${!port}
        pid=PID_$name
        pid=${!pid}
        populate_bench_keys "$port"
        used=$(info_memory_field "$port" used_memory)
        cow=0
        l0s="" l1s="" peak=0
        for ((round = 1; round <= rounds; round++)); do
            out=$BENCH_WORK/$name.base.$round.txt
            write_load "$port" "$out"
            l0s="$l0s $(p999 "$out")"
            before=$(rss_kb "$pid")
            local rpeak=$before
            out=$BENCH_WORK/$name.bgsave.$round.txt
            write_load "$port" "$out" &
            local lpid=$!
            # While the load runs, nothing here may start a process per sample:
            # on a 2-core machine a fork per 20 ms costs the server more than a
            # snapshot does. One redis-cli asks for BGSAVE every 100 ms (an error
            # reply while one runs), one samples INFO persistence every 50 ms
            # on its own connection, and RSS is read with shell builtins.
            redis-cli -h "$BENCH_HOST" -p "$port" -r -1 -i 0.1 bgsave >/dev/null 2>&1 &
            local bpid=$!
            redis-cli -h "$BENCH_HOST" -p "$port" -r -1 -i 0.05 info persistence >"$BENCH_WORK/$name.info" 2>&1 &
            local ipid=$!
            local tick
            exec {tick}<> <(:)
            while kill -0 "$lpid" 2>/dev/null; do
                rss_kb_var "$pid"
                [ "$RSS_KB" -gt "$rpeak" ] && rpeak=$RSS_KB
                read -r -t 0.02 -u "$tick" _ || true
            done
            exec {tick}>&-
            wait "$lpid"
            kill "$bpid" "$ipid" 2>/dev/null
            wait "$bpid" "$ipid" 2>/dev/null
            # no snapshot may run into the next round's base figure
            while [ "$(info_field "$port" persistence rdb_bgsave_in_progress)" = 1 ]; do sleep 0.1; done
            c=$(tr -d '\r' <"$BENCH_WORK/$name.info" | awk -F: '$1 == "current_cow_peak" && $2 + 0 > m { m = $2 + 0 } END { print m + 0 }')
            [ "$c" -gt "$cow" ] && cow=$c
            c=$(info_field "$port" persistence rdb_last_cow_size)
            [ -n "$c" ] && [ "$c" -gt "$cow" ] && cow=$c
            [ $((rpeak - before)) -gt "$peak" ] && peak=$((rpeak - before))
            l1s="$l1s $(p999 "$out")"
        done
        lat0=$(echo "$l0s" | median)
        lat1=$(echo "$l1s" | median)
        local grow_mb
        grow_mb=$(awk -v p="$peak" -v c="$cow" 'BEGIN { printf "%.0f", (p * 1024 + c) / 1048576 }')
        printf '%-8s %10.0f %12s %12s %7s %12s %10s  %s\n' "$kind" "$(awk -v u="$used" 'BEGIN { print u / 1048576 }')" \
            "$lat0" "$lat1" "$(ratio "$lat1" "$lat0")" "$grow_mb" \
            "$(awk -v g="$grow_mb" -v u="$used" 'BEGIN { printf "%.1f", g * 1048576 * 100 / u }')" "${l0s# } /${l1s}"
        stop "$kind" "$name"
        rm -rf "${BENCH_WORK:?}/$name"
    done
}

for part in $PARTS; do
    case $part in
        1) part_aof ;;
        2) part_saveload ;;
        3) part_bgsave ;;
    esac
done
