#!/usr/bin/python3
"""Memory for 1,000,000 keys (16-byte keys key:000000000000.., 16-byte
values) loaded through redis-cli --pipe into Apiary and into Debian's
redis-server 7.0.15; prints used_memory and used_memory_rss from INFO
memory for both and the ratios. BENCH_KEYS changes the key count."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import free_port, start  # noqa: E402

KEYS = int(os.environ.get("BENCH_KEYS", "1000000"))


def payload(path):
    with open(path, "wb") as f:
        val = b"v" * 16
        for i in range(KEYS):
            k = b"key:%012d" % i
            f.write(b"*3\r\n$3\r\nSET\r\n$16\r\n" + k + b"\r\n$16\r\n" + val + b"\r\n")


def info_memory(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"], capture_output=True,
                         text=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return int(fields["used_memory"]), int(fields["used_memory_rss"])


def main():
    work = tempfile.mkdtemp(prefix="apiary-mem-")
    data = os.path.join(work, "load.resp")
    payload(data)
    res = {}
    for kind in ("apiary", "redis"):
        port = free_port()
        p = start(kind, port, workdir=work)
        with open(data, "rb") as f:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, capture_output=True,
                           check=True)
        dbsize = subprocess.run(["redis-cli", "-p", str(port), "dbsize"], capture_output=True,
                                text=True).stdout.strip()
        assert dbsize == str(KEYS), (kind, dbsize)
        res[kind] = info_memory(port)
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
        p.wait(timeout=60)
    (au, ar), (ru, rr) = res["apiary"], res["redis"]
    print("\nMemory for %d keys of 16 bytes with 16-byte values (INFO memory)" % KEYS)
    print("used_memory      apiary %10d   redis %10d   ratio %.2f" % (au, ru, au / ru))
    print("used_memory_rss  apiary %10d   redis %10d   ratio %.2f" % (ar, rr, ar / rr))


if __name__ == "__main__":
    main()
