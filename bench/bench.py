#!/usr/bin/python3
"""make bench: the same redis-benchmark loads against Apiary and Debian's
redis-server 7.0.15, in alternation, in one run; then instructions per
request under callgrind and memory for 1,000,000 keys.

Throughput is quoted as medians over rounds and as the median of the
per-round Apiary/Redis ratios (each round runs both servers back to back,
so a ratio holds even when the shared machine's speed drifts). Server CPU
time per request comes from /proc/<pid>/stat around each run.

Environment: BENCH_ROUNDS (5), BENCH_N (requests per run, 200000),
BENCH_CALLGRIND (1), BENCH_MEMORY (1), APIARY_BIN (build/apiary-server).
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APIARY = os.environ.get("APIARY_BIN", os.path.join(ROOT, "build", "apiary-server"))
REDIS = "/usr/bin/redis-server"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
N = int(os.environ.get("BENCH_N", "200000"))
TICK = os.sysconf("SC_CLK_TCK")

LOADS = [  # (redis-benchmark -t name, csv test name, pipeline)
    ("set", "SET", 1), ("get", "GET", 1), ("incr", "INCR", 1), ("mset", "MSET (10 keys)", 1),
    ("set", "SET", 16), ("get", "GET", 16), ("incr", "INCR", 16), ("mset", "MSET (10 keys)", 16),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def start(kind, port, wrap=(), workdir=None):
    if kind == "apiary":
        cmd = [APIARY, "--port", str(port), "--save", "", "--dir", workdir]
    else:
        cmd = [REDIS, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", workdir,
               "--daemonize", "no"]
    p = subprocess.Popen(list(wrap) + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, p, timeout=120 if wrap else 30)
    return p


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def bench_once(port, pid, test, csvname, pipeline, n):
    t0 = cpu_ticks(pid)
    r = subprocess.run(["redis-benchmark", "-p", str(port), "-t", test, "-n", str(n), "-c", "50",
                        "-r", "100000", "-P", str(pipeline), "--csv", "-q"],
                       capture_output=True, text=True, timeout=600)
    t1 = cpu_ticks(pid)
    rps = None
    for line in r.stdout.splitlines():
        parts = [p.strip('"') for p in line.split('","')]
        if parts and parts[0].strip('"') == csvname:
            try:
                rps = float(parts[1])
            except (IndexError, ValueError):
                pass
    us_per_req = (t1 - t0) / TICK * 1e6 / n
    return rps, us_per_req


def throughput():
    work = tempfile.mkdtemp(prefix="apiary-bench-")
    pa, pr = free_port(), free_port()
    a = start("apiary", pa, workdir=work)
    r = start("redis", pr, workdir=work)
    results = {(t, p): {"a": [], "r": [], "ratio": [], "acpu": [], "rcpu": []}
               for t, _, p in LOADS}
    try:
        for rnd in range(ROUNDS):
            for test, csvname, pipe in LOADS:
                n = N * (4 if pipe > 1 else 1)
                ra, ca = bench_once(pa, a.pid, test, csvname, pipe, n)
                rr, cr = bench_once(pr, r.pid, test, csvname, pipe, n)
                res = results[(test, pipe)]
                if ra and rr:
                    res["a"].append(ra)
                    res["r"].append(rr)
                    res["ratio"].append(ra / rr)
                    res["acpu"].append(ca)
                    res["rcpu"].append(cr)
            print("round %d/%d done" % (rnd + 1, ROUNDS), file=sys.stderr)
    finally:
        a.terminate()
        subprocess.run(["redis-cli", "-p", str(pr), "shutdown", "nosave"], capture_output=True)
        a.wait()
        r.wait()
    print("\nThroughput: redis-benchmark -c 50 -r 100000, %d rounds alternating, medians" % ROUNDS)
    print("%-18s %4s %14s %14s %8s %12s %12s %8s" % ("load", "-P", "apiary rps", "redis rps",
                                                      "ratio", "apiary us/req", "redis us/req",
                                                      "cpu A/R"))
    for test, csvname, pipe in LOADS:
        res = results[(test, pipe)]
        if not res["ratio"]:
            print("%-18s %4d %14s" % (csvname, pipe, "n/a"))
            continue
        acpu, rcpu = statistics.median(res["acpu"]), statistics.median(res["rcpu"])
        print("%-18s %4d %14.0f %14.0f %8.2f %12.3f %12.3f %8.2f" % (
            csvname, pipe, statistics.median(res["a"]), statistics.median(res["r"]),
            statistics.median(res["ratio"]), acpu, rcpu, acpu / rcpu if rcpu else 0))


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + path)


def callgrind(kind, n):
    work = tempfile.mkdtemp(prefix="apiary-cg-")
    totals = []
    for load in (None, "set,get"):
        port = free_port()
        out = os.path.join(work, "cg.%s.%s" % (kind, "idle" if load is None else "load"))
        p = start(kind, port, wrap=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out],
                  workdir=work)
        if load:
            subprocess.run(["redis-benchmark", "-p", str(port), "-t", load, "-n", str(n), "-c",
                            "50", "-r", "100000", "-P", "16", "-q"], capture_output=True,
                           timeout=1200)
        else:
            subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
        p.wait(timeout=300)
        totals.append(callgrind_total(out))
    return (totals[1] - totals[0]) / (2 * n)


def main():
    if not os.path.exists(APIARY):
        sys.exit("build Apiary first (make)")
    throughput()
    if os.environ.get("BENCH_CALLGRIND", "1") == "1":
        n = 100000
        a = callgrind("apiary", n)
        r = callgrind("redis", n)
        print("\nInstructions per request (callgrind, %d pipelined SET + %d GET, -P 16, "
              "idle start/stop subtracted)" % (n, n))
        print("apiary %.0f   redis %.0f   ratio apiary/redis %.2f" % (a, r, a / r))
    if os.environ.get("BENCH_MEMORY", "1") == "1":
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "memory.py")], check=False)


if __name__ == "__main__":
    main()
