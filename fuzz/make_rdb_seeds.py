#!/usr/bin/python3
"""Regenerates the seed corpora of fuzz/rdb (whole files) and fuzz/restore
(one value: a limits byte, the type byte, the value) from real dumps:
redis-server 7.0.15 (scripts/deps.sh bench installs it) and Apiary's own
DUMP, for every type in every encoding, plus the older encodings Redis
7.0 still reads (ziplist, zipmap, plain lists, text doubles), built from
the format's description.

    fuzz/make_rdb_seeds.py [path/to/apiary-server]

Only run it on purpose: the checked-in corpora are what `make fuzz`
starts from."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import redis  # noqa: E402

from rdb_util import RedisServer, body_of, crc64, free_port, set_limits  # noqa: E402


def small_data(c):
    c.set("s", "hello")
    c.set("i", 12345)
    c.set("n", -70000)
    c.set("big", 2**40)
    c.set("lzf", "abcabcabc" * 10)
    c.set("lzfbig", "z" * 200000)  # over 64 KB: its LZF stream is walked first
    c.rpush("l", "a", 1, "bb", -2, 300, 70000, 2**40, "x" * 70)
    c.rpush("l2", *["e%d" % i for i in range(300)])
    c.sadd("si", 1, 2, 3)
    c.sadd("si32", 1, 100000)
    c.sadd("si64", 1, 2**40)
    c.sadd("ss", "a", "b", "c")
    c.hset("h", mapping={"a": 1, "b": "two", "c": ""})
    c.hset("hbig", mapping={"f": "v" * 80})
    c.hset("hmany", mapping={"f%d" % i: i for i in range(130)})
    c.zadd("z", {"a": 1, "b": 2.5, "c": float("inf"), "d": -3})
    c.zadd("zbig", {"m%d" % i: i / 3 for i in range(130)})
    c.zadd("zlong", {"L" * 70: 1})


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def rdb_str(s):
    return rdb_len(len(s)) + s


def ziplist(entries):
    out, prev, last = b"", 0, 10
    for e in entries:
        start = 10 + len(out)
        ent = bytes([prev]) if prev < 254 else b"\xfe" + prev.to_bytes(4, "little")
        if isinstance(e, int):
            if 0 <= e <= 12:
                ent += bytes([0xF1 + e])
            elif -128 <= e <= 127:
                ent += b"\xfe" + e.to_bytes(1, "little", signed=True)
            elif -32768 <= e <= 32767:
                ent += b"\xc0" + e.to_bytes(2, "little", signed=True)
            elif -2**23 <= e < 2**23:
                ent += b"\xf0" + e.to_bytes(3, "little", signed=True)
            elif -2**31 <= e < 2**31:
                ent += b"\xd0" + e.to_bytes(4, "little", signed=True)
            else:
                ent += b"\xe0" + e.to_bytes(8, "little", signed=True)
        else:
            ent += (bytes([len(e)]) if len(e) < 64 else
                    bytes([0x40 | (len(e) >> 8), len(e) & 0xFF])) + e
        out += ent
        prev, last = len(ent), start
    total = 10 + len(out) + 1
    return (total.to_bytes(4, "little") + last.to_bytes(4, "little") +
            len(entries).to_bytes(2, "little") + out + b"\xff")


def zipmap(pairs):
    out = bytes([len(pairs)])
    for f, v in pairs:
        out += bytes([len(f)]) + f + bytes([len(v)]) + b"\x00" + v
    return out + b"\xff"


def old_values():
    """(name, type, value bytes) in encodings only older Redis writes."""
    zl = ziplist([b"a", 1, b"hello", -129, 70000, 2**40, 12, b"x" * 70])
    pairs = ziplist([b"f", b"v", b"n", 42, b"big", 2**33])
    zpairs = ziplist([b"a", 1, b"b", b"2.5", b"c", b"inf"])
    return [
        ("list-plain", 1, rdb_len(3) + rdb_str(b"a") + b"\xc0\x05" + rdb_str(b"ccc")),
        ("list-ziplist", 10, rdb_str(zl)),
        ("list-quicklist1", 14, rdb_len(2) + rdb_str(zl) + rdb_str(zl)),
        ("zset-text", 3, rdb_len(3) + rdb_str(b"a") + b"\x031.5" + rdb_str(b"b") + b"\xfe" +
         rdb_str(b"c") + b"\xff"),
        ("zset-ziplist", 12, rdb_str(zpairs)),
        ("hash-ziplist", 13, rdb_str(pairs)),
        ("hash-zipmap", 9, rdb_str(zipmap([(b"foo", b"bar"), (b"k", b"value")]))),
        ("hash-plain", 4, rdb_len(2) + rdb_str(b"f") + rdb_str(b"v") + rdb_str(b"g") + b"\xc0\x07"),
        ("set-plain-ints", 2, rdb_len(3) + b"\xc0\x03\xc0\x01\xc1\x00\x10"),
        ("quicklist2-plain", 18, rdb_len(1) + rdb_len(1) + rdb_str(b"plain node")),
    ]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    apiary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build",
                                                                 "apiary-server")
    rdir = os.path.join(HERE, "rdb", "corpus")
    vdir = os.path.join(HERE, "restore", "corpus")
    for d in (rdir, vdir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    red = RedisServer()
    adir = tempfile.mkdtemp()
    port = free_port()
    ap = subprocess.Popen([apiary, "--port", str(port), "--save", "", "--dir", adir],
                          stdout=subprocess.DEVNULL)
    try:
        rc = red.client()
        for _ in range(100):
            try:
                ac = redis.Redis(port=port)
                ac.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        for c in (rc, ac):
            set_limits(c)
            small_data(c)
        # values: limits byte 0 (defaults) and 1 (tiny limits), from both servers
        n = 0
        for who, c in (("redis", rc), ("apiary", ac)):
            for k in sorted(c.keys()):
                body = body_of(c.dump(k))
                if len(body) > 4000:
                    continue
                for lim in (0, 1):
                    write(os.path.join(vdir, "%s-%s-%d" % (who, k.decode(), lim)),
                          bytes([lim]) + body)
                    n += 1
        for name, t, v in old_values():
            for lim in (0, 1):
                write(os.path.join(vdir, "old-%s-%d" % (name, lim)), bytes([lim, t]) + v)
                n += 1
        # files: Redis's own SAVE (several dbs, TTLs), uncompressed too
        # (without the 200 KB string, which would not fit fuzz_rdb's max_len)
        rc.delete("lzfbig")
        ac.delete("lzfbig")
        rc.expire("s", 1000)
        rc.pexpire("l", 100000000)
        rc.select(2)
        rc.set("other-db", "v", ex=100)
        rc.hset("h2", "a", "b")
        rc.select(0)
        for comp in ("yes", "no"):
            rc.config_set("rdbcompression", comp)
            rc.save()
            with open(os.path.join(red.dir, "dump.rdb"), "rb") as f:
                write(os.path.join(rdir, "redis-save-compression-%s.rdb" % comp), f.read())
        # files assembled from Apiary's payloads, with every per-key opcode
        out = b"REDIS0010" + b"\xfa" + rdb_str(b"redis-ver") + rdb_str(b"7.0.15")
        out += b"\xfe\x00\xfb" + rdb_len(20) + rdb_len(2)
        for i, k in enumerate(sorted(ac.keys())):
            body = body_of(ac.dump(k))
            if i % 4 == 1:
                out += b"\xfc" + (1900000000000).to_bytes(8, "little")
            if i % 4 == 2:
                out += b"\xfd" + (1900000000).to_bytes(4, "little")
            if i % 4 == 3:
                out += b"\xf8" + rdb_len(100)
            if i % 5 == 0:
                out += b"\xf9\x07"
            out += body[:1] + rdb_str(k) + body[1:]
        out += b"\xfe\x05" + b"\x00" + rdb_str(b"k5") + rdb_str(b"v5")
        out += b"\xfc" + (1000).to_bytes(8, "little") + b"\x00" + rdb_str(b"expired") + \
            rdb_str(b"x")
        out += b"\xff"
        write(os.path.join(rdir, "apiary-values.rdb"), out + crc64(out).to_bytes(8, "little"))
        write(os.path.join(rdir, "apiary-values-nocrc.rdb"), out + b"\x00" * 8)
        # an old version (no checksum) holding the old encodings
        old = b"REDIS0003"
        for name, t, v in old_values():
            old += bytes([t]) + rdb_str(name.encode()) + v
        write(os.path.join(rdir, "old-encodings-v3.rdb"), old + b"\xff")
        print("restore seeds: %d, rdb seeds: %d" % (n, len(os.listdir(rdir))))
    finally:
        ap.terminate()
        ap.wait()
        red.stop()
        shutil.rmtree(adir, ignore_errors=True)


if __name__ == "__main__":
    main()
