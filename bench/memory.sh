#!/bin/bash
# bench/memory.sh: memory for 1,000,000 keys in Apiary and in Debian's
# redis-server 7.0.15 (`make bench` runs it after bench/run.sh).
#
# Keys key:000000000000 .. (16 bytes) with 16-byte values val:000000000000 ..
# are loaded through `redis-cli --pipe` into each server in turn; printed:
# used_memory and used_memory_rss from INFO memory for both, the ratios,
# and bytes per key (used_memory after the load minus before, / keys).
# A server whose INFO lacks the fields is measured by VmRSS from
# /proc/<pid>/status instead, and used_memory shows n/a.
#
# Environment: BENCH_KEYS (1000000), plus those of bench/common.sh.

set -u
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

KEYS=${BENCH_KEYS:-1000000}

# gen_load FILE: writes KEYS SET commands as one RESP stream.
gen_load() {
    awk -v n="$KEYS" 'BEGIN {
        for (i = 0; i < n; i++)
            printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16\r\nval:%012d\r\n", i, i
    }' >"$1"
}

# vm_rss PID: resident set size of PID in bytes (VmRSS of /proc/PID/status).
vm_rss() { awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$1/status"; }

# measure KIND: loads the keys into a fresh server; sets USED, RSS (bytes,
# n/a when unknown) and PER_KEY.
measure() {
    local kind=$1 port before dbsize
    pick_port port
    start_server "$kind" "$port" "$BENCH_WORK/$kind.log" || exit 1
    before=$(info_memory_field "$port" used_memory)
    if ! redis-cli -h "$BENCH_HOST" -p "$port" --pipe <"$BENCH_WORK/load.resp" >"$BENCH_WORK/$kind.pipe" 2>&1; then
        echo "bench: redis-cli --pipe into $kind failed:" >&2
        tail -3 "$BENCH_WORK/$kind.pipe" >&2
    fi
    dbsize=$(redis-cli -h "$BENCH_HOST" -p "$port" dbsize 2>&1)
    [ "$dbsize" = "$KEYS" ] || echo "bench: $kind holds $dbsize keys, not $KEYS" >&2
    USED=$(info_memory_field "$port" used_memory)
    RSS=$(info_memory_field "$port" used_memory_rss)
    [ -n "$RSS" ] || RSS=$(vm_rss "$SERVER_PID")
    PER_KEY=n/a
    if [ -n "$USED" ] && [ -n "$before" ]; then
        PER_KEY=$(awk -v a="$before" -v b="$USED" -v n="$KEYS" 'BEGIN { printf "%.1f", (b - a) / n }')
    fi
    [ -n "$USED" ] || USED=n/a
    [ -n "$RSS" ] || RSS=n/a
    stop_server "$kind" "$port" "$SERVER_PID"
}

ratio() {
    if [ "$1" = n/a ] || [ "$2" = n/a ]; then echo n/a; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

bench_init mem
gen_load "$BENCH_WORK/load.resp"
measure apiary
a_used=$USED a_rss=$RSS a_key=$PER_KEY
measure redis
r_used=$USED r_rss=$RSS r_key=$PER_KEY

echo
echo "Memory for $KEYS keys (16-byte keys, 16-byte values, loaded with redis-cli --pipe):"
printf '%-16s %14s %14s %7s\n' "" apiary "redis 7.0.15" ratio
printf '%-16s %14s %14s %7s\n' used_memory "$a_used" "$r_used" "$(ratio "$a_used" "$r_used")"
printf '%-16s %14s %14s %7s\n' used_memory_rss "$a_rss" "$r_rss" "$(ratio "$a_rss" "$r_rss")"
printf '%-16s %14s %14s %7s\n' "bytes per key" "$a_key" "$r_key" "$(ratio "$a_key" "$r_key")"
exit 0
