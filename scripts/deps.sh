#!/bin/sh
# Installs the Debian 12 packages a step needs, only those missing.
#   scripts/deps.sh build|test|bench|fuzz
set -e
build="gcc make libjemalloc-dev liblzf-dev pkg-config liblua5.1-0-dev libssl-dev"
test="$build libcmocka-dev python3-redis python3-pytest redis-tools redis-server"
bench="$build redis-server redis-tools valgrind"
fuzz="$build clang libclang-rt-14-dev"
case "$1" in
  build) want=$build ;;
  test) want=$test ;;
  bench) want=$bench ;;
  fuzz) want=$fuzz ;;
  *) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq $missing
