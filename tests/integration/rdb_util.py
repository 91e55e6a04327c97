"""Helpers for the RDB/DUMP/RESTORE tests: the payload checksum, a data set
with every type in every encoding, a comparison of two servers' contents,
and a redis-server 7.0.15 started on a free port (for interop)."""
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import redis

REDIS_SERVER = "/usr/bin/redis-server"

# CRC-64/Jones as RDB files and DUMP payloads carry it: reflected
# polynomial 0x95ac9329ac4bc9b5 (0xad93d23594c935a9 bit-reversed), init 0,
# no final xor.
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x95AC9329AC4BC9B5 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data, crc=0):
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def reseal(body, version=10):
    """A payload from type byte + value: version and checksum appended."""
    body = bytes(body) + bytes([version & 0xFF, version >> 8])
    return body + crc64(body).to_bytes(8, "little")


def body_of(payload):
    """The type byte + value of a payload (without version and checksum)."""
    return payload[:-10]


# The limits both servers run with in interop tests, so each side picks
# the same encodings (Redis's built-in defaults differ from redis.conf's).
LIMITS = {
    "hash-max-listpack-entries": "128",
    "hash-max-listpack-value": "64",
    "zset-max-listpack-entries": "128",
    "zset-max-listpack-value": "64",
    "set-max-intset-entries": "512",
    "list-max-listpack-size": "-2",
}


def set_limits(c):
    for k, v in LIMITS.items():
        c.config_set(k, v)


def populate(c, prefix="", seed=1):
    """Creates one key per type and encoding case; returns the key names
    with the encoding each should have."""
    rnd = random.Random(seed)
    p = prefix
    want = {}

    def key(name, enc):
        want[(p + name).encode()] = enc.encode()
        return p + name

    c.set(key("str:int", "int"), 123456789)
    c.set(key("str:negint", "int"), -9000000000)
    c.set(key("str:emb", "embstr"), "hello world")
    c.set(key("str:empty", "embstr"), "")
    c.set(key("str:lzf", "raw"), "abcdefgh" * 500)
    c.set(key("str:rand", "raw"), bytes(rnd.getrandbits(8) for _ in range(3000)))
    c.set(key("str:bin", "embstr"), b"\x00\x01\xff\r\n")

    c.rpush(key("list:small", "quicklist"), "a", "b", 1, 2, -3, "x" * 50)
    c.rpush(key("list:many", "quicklist"), *["item:%d" % i for i in range(5000)])
    c.rpush(key("list:ints", "quicklist"), *[rnd.randint(-2**63, 2**63 - 1) for _ in range(300)])
    c.rpush(key("list:lzf", "quicklist"), *["same-text-" * 20 for _ in range(200)])
    # an element whose listpack entry is 16383 bytes: 3 bytes of backlen
    c.rpush(key("list:edge", "quicklist"), "e" * 16378, "f" * 16377, "tail")
    c.rpush(key("list:huge", "quicklist"), "h" * 100000, "small")

    c.sadd(key("set:int16", "intset"), *range(-100, 100))
    c.sadd(key("set:int32", "intset"), *[i * 100000 for i in range(50)])
    c.sadd(key("set:int64", "intset"), *[i * 10**12 for i in range(-20, 20)])
    c.sadd(key("set:strs", "hashtable"), "a", "b", "c", "10")
    c.sadd(key("set:bigint", "hashtable"), *range(1000))
    c.sadd(key("set:big", "hashtable"), *["member:%d" % i for i in range(3000)])

    c.hset(key("hash:small", "listpack"), mapping={"f1": "v1", "n": 42, "neg": -7, "e": ""})
    c.hset(key("hash:long", "hashtable"), mapping={"f": "v" * 100, "g": "w"})
    c.hset(key("hash:many", "hashtable"), mapping={"field:%d" % i: i * 3 for i in range(1000)})
    c.hset(key("hash:lzf", "hashtable"), mapping={"f%d" % i: "compressible-" * 10 for i in range(200)})

    c.zadd(key("zset:small", "listpack"), {"a": 1, "b": 2.5, "c": -3.25, "d": 1e20, "e": 0})
    c.zadd(key("zset:inf", "listpack"), {"lo": float("-inf"), "hi": float("inf"), "mid": 0.1})
    c.zadd(key("zset:big", "skiplist"), {"m%d" % i: rnd.random() * 1000 - 500 for i in range(2000)})
    c.zadd(key("zset:longm", "skiplist"), {"L" * 100: 1, "s": 2})
    c.zadd(key("zset:ties", "skiplist"), {"t%03d" % i: i // 10 for i in range(300)})
    return want


def snapshot(c, k):
    """(type, contents) of a key, order-independent where the type is."""
    t = c.type(k)
    if t == b"string":
        v = c.get(k)
    elif t == b"list":
        v = c.lrange(k, 0, -1)
    elif t == b"set":
        v = sorted(c.smembers(k))
    elif t == b"hash":
        v = sorted(c.hgetall(k).items())
    elif t == b"zset":
        v = c.zrange(k, 0, -1, withscores=True)
    else:
        v = None
    return t, v


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server 7.0.15 on a free port, in its own directory."""

    def __init__(self, args=(), dir=None):
        self.port = free_port()
        self.dir = dir or tempfile.mkdtemp(prefix="redis-interop-")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", self.dir] + list(args),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                self.client().ping()
                break
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.02)

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def have_redis():
    return os.access(REDIS_SERVER, os.X_OK)
