#!/usr/bin/python3
"""bench/rdb.py: RDB loading and writing speed, Apiary vs redis-server 7.0.15
(`make bench-rdb` runs it).

For each data set, redis-server is filled (redis-cli --pipe) and SAVEs a
dump.rdb; then:

  start-up  each server is started on that file, ROUNDS times, alternating;
            the time from exec to the first PONG is measured (both servers
            load before they accept connections), median printed;
  SAVE      the time Redis's SAVE command took to write the file (its own
            serialisation plus writing to the scratch directory);
  in-process build/bench/rdb_bench on the same file: Apiary's load, and its
            writing of every key into memory (no I/O), compression on/off.

Data sets (BENCH_RDB_KEYS scales them, default 1000000):
  strings   N keys key:%012d -> val:%012d
  mixed     N keys: 60% 100-byte strings, 10% each of hashes (10 fields,
            listpack), sorted sets (10 members, listpack), sets (10
            integers, intset), lists (10 elements); plus 100 each of hashes
            (1000 fields), sorted sets (1000 members) and sets (1000
            strings) in their large encodings

Environment: APIARY_BIN, REDIS_BIN, RDB_BENCH_BIN, BENCH_RDB_KEYS,
BENCH_RDB_ROUNDS (default 3)."""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APIARY = os.environ.get("APIARY_BIN", os.path.join(ROOT, "build", "apiary-server"))
REDIS = os.environ.get("REDIS_BIN", "/usr/bin/redis-server")
RDB_BENCH = os.environ.get("RDB_BENCH_BIN", os.path.join(ROOT, "build", "bench", "rdb_bench"))
N = int(os.environ.get("BENCH_RDB_KEYS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_RDB_ROUNDS", "3"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def gen(kind, path):
    with open(path, "wb") as f:
        if kind == "strings":
            for i in range(N):
                f.write(resp("SET", "key:%012d" % i, "val:%012d" % i))
            return
        v100 = "v" * 90
        for i in range(N):
            m = i % 10
            if m < 6:
                f.write(resp("SET", "s:%d" % i, "%s%010d" % (v100, i)))
            elif m == 6:
                args = ["HSET", "h:%d" % i]
                for j in range(10):
                    args += ["field:%d" % j, "value:%d" % (i + j)]
                f.write(resp(*args))
            elif m == 7:
                args = ["ZADD", "z:%d" % i]
                for j in range(10):
                    args += ["%d.5" % (i + j), "member:%d" % j]
                f.write(resp(*args))
            elif m == 8:
                f.write(resp("SADD", "i:%d" % i, *[i * 10 + j for j in range(10)]))
            else:
                f.write(resp("RPUSH", "l:%d" % i, *["element:%d" % j for j in range(10)]))
        for i in range(100):
            args = ["HSET", "bigh:%d" % i]
            for j in range(1000):
                args += ["field:%d" % j, "value:%d" % j]
            f.write(resp(*args))
            args = ["ZADD", "bigz:%d" % i]
            for j in range(1000):
                args += [j * 1.25, "member:%d" % j]
            f.write(resp(*args))
            f.write(resp("SADD", "bigs:%d" % i, *["member:%d" % j for j in range(1000)]))


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                          capture_output=True, text=True).stdout.strip()


def start_and_time(binary, d, port):
    """Seconds from exec to the first PONG, and the process."""
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", d],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return time.monotonic() - t0, p
        except OSError:
            pass
        if p.poll() is not None:
            raise RuntimeError("%s exited" % binary)
        time.sleep(0.002)


def stop(p, port, redis_kind):
    cli(port, "shutdown", "nosave")
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main():
    work = tempfile.mkdtemp(prefix="apiary-bench-rdb-")
    try:
        for kind in ("strings", "mixed"):
            load = os.path.join(work, kind + ".resp")
            gen(kind, load)
            rdir = os.path.join(work, "redis-" + kind)
            os.makedirs(rdir, exist_ok=True)
            port = free_port()
            p = subprocess.Popen([REDIS, "--port", str(port), "--save", "", "--appendonly", "no",
                                  "--dir", rdir], stdout=subprocess.DEVNULL)
            while cli(port, "ping") != "PONG":
                time.sleep(0.05)
            with open(load, "rb") as f:
                subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f,
                               capture_output=True)
            keys = int(cli(port, "dbsize"))
            t0 = time.monotonic()
            cli(port, "save")
            save_s = time.monotonic() - t0
            stop(p, port, True)
            dump = os.path.join(rdir, "dump.rdb")
            size = os.path.getsize(dump) / 1e6
            print("== %s: %d keys, dump.rdb %.1f MB written by redis-server 7.0.15" %
                  (kind, keys, size))
            print("redis SAVE: %.3f s" % save_s)
            times = {"redis": [], "apiary": []}
            for _ in range(ROUNDS):
                for name, binary in (("redis", REDIS), ("apiary", APIARY)):
                    d = os.path.join(work, "run-" + name)
                    os.makedirs(d, exist_ok=True)
                    shutil.copy(dump, os.path.join(d, "dump.rdb"))
                    port = free_port()
                    s, p = start_and_time(binary, d, port)
                    got = int(cli(port, "dbsize"))
                    if got != keys:
                        raise RuntimeError("%s loaded %d keys, want %d" % (name, got, keys))
                    stop(p, port, name == "redis")
                    times[name].append(s)
            r, a = statistics.median(times["redis"]), statistics.median(times["apiary"])
            print("start-up to first PONG (median of %d): redis %.3f s, apiary %.3f s "
                  "(apiary/redis %.2f)" % (ROUNDS, r, a, a / r))
            out = subprocess.run([RDB_BENCH, dump, str(ROUNDS)], capture_output=True, text=True)
            print(out.stdout.rstrip())
            if out.returncode:
                print(out.stderr)
            os.remove(load)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
