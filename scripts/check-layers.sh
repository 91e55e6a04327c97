#!/bin/sh
# Layering check: a file in src/<layer>/ may include project headers only
# from its own layer and the layers below it, and every header has an
# include guard. Order: base < ev < net < proto < core < types < script < persist < server.
set -u
cd "$(dirname "$0")/.."
allowed() {
    case "$1" in
        base) echo "base" ;;
        ev) echo "base ev" ;;
        net) echo "base net" ;;
        proto) echo "base proto" ;;
        core) echo "base ev net proto core" ;;
        types) echo "base ev net proto core types" ;;
        script) echo "base ev net proto core types script" ;;
        persist) echo "base ev net proto core types script persist" ;;
        server) echo "base ev net proto core types script persist server" ;;
        *) echo "" ;;
    esac
}
bad=0
files=0
for f in src/*/*.c src/*/*.h; do
    [ -e "$f" ] || continue
    files=$((files + 1))
    layer=$(echo "$f" | cut -d/ -f2)
    ok=$(allowed "$layer")
    if [ -z "$ok" ]; then
        echo "$f: unknown layer '$layer' (add it to scripts/check-layers.sh)"
        bad=1
        continue
    fi
    grep -n '^#include "' "$f" | while IFS= read -r line; do
        inc=$(echo "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
        dep=$(echo "$inc" | cut -d/ -f1)
        case " $ok " in
            *" $dep "*) ;;
            *) echo "$f:$line: layer '$layer' must not include '$inc'" ;;
        esac
    done | grep . && bad=1
    case "$f" in
        *.h) grep -q '^#ifndef APIARY_' "$f" || { echo "$f: no include guard"; bad=1; } ;;
    esac
done
if [ "$bad" -ne 0 ]; then
    echo "check-layers: FAILED"
    exit 1
fi
echo "check-layers: $files files, dependencies point downward only"
