"""DUMP and RESTORE against the real server: every type in every encoding
round-trips with its contents and encoding, every RESTORE option and error
answers as Redis 7.0 does, and damaged payloads (flipped bytes, cuts,
wrong versions, trailing bytes) are refused without harm to the server."""
import random
import time

import pytest
import redis

from rdb_util import body_of, populate, reseal, snapshot
from resp_client import call_err


def test_dump_missing_key_is_nil(r):
    assert r.dump("nope") is None


def test_roundtrip_every_type_and_encoding(r):
    want = populate(r)
    for k, enc in want.items():
        before = snapshot(r, k)
        assert r.object("encoding", k) == enc, k
        payload = r.dump(k)
        assert r.restore(k + b":copy", 0, payload)
        assert snapshot(r, k + b":copy") == before, k
        assert r.object("encoding", k + b":copy") == enc, k
        # the copy dumps to the same bytes (same encoding, same layout)
        if enc not in (b"hashtable", b"skiplist"):
            assert r.dump(k + b":copy") == payload, k


def test_payload_layout(r):
    r.set("k", "bar")
    p = r.dump("k")
    # type 0 (string), length 3, "bar", version 10, checksum
    assert p[:5] == b"\x00\x03bar" and p[5:7] == b"\x0a\x00"
    assert reseal(body_of(p)) == p
    r.set("n", 300)
    assert r.dump("n")[:4] == b"\x00\xc1\x2c\x01"  # a 16-bit integer string
    r.rpush("l", "a")
    assert r.dump("l")[0] == 18  # QUICKLIST_2
    r.sadd("s", 1)
    assert r.dump("s")[0] == 11  # SET_INTSET
    r.sadd("t", "x")
    assert r.dump("t")[0] == 2  # SET (Redis 7.0 has no listpack sets)
    r.hset("h", "f", "v")
    assert r.dump("h")[0] == 16  # HASH_LISTPACK
    r.zadd("z", {"m": 1})
    assert r.dump("z")[0] == 17  # ZSET_LISTPACK


def test_compression_follows_rdbcompression(r):
    r.set("k", "x" * 1000)
    assert len(r.dump("k")) < 100
    r.config_set("rdbcompression", "no")
    try:
        assert len(r.dump("k")) > 1000
    finally:
        r.config_set("rdbcompression", "yes")


def test_restore_limits_decide_encoding(r):
    r.hset("h", mapping={"f%d" % i: i for i in range(50)})
    p = r.dump("h")
    r.config_set("hash-max-listpack-entries", 10)
    try:
        r.restore("h2", 0, p)
        assert r.object("encoding", "h2") == b"hashtable"
        assert r.hgetall("h2") == r.hgetall("h")
    finally:
        r.config_set("hash-max-listpack-entries", 128)
    r.zadd("z", {"m%d" % i: i for i in range(300)})
    assert r.object("encoding", "z") == b"skiplist"
    p = r.dump("z")
    r.config_set("zset-max-listpack-entries", 1000)
    try:
        r.restore("z2", 0, p)
        assert r.object("encoding", "z2") == b"listpack"
        assert r.zrange("z2", 0, -1, withscores=True) == r.zrange("z", 0, -1, withscores=True)
    finally:
        r.config_set("zset-max-listpack-entries", 128)
    r.sadd("s", *range(100))
    p = r.dump("s")
    r.config_set("set-max-intset-entries", 10)
    try:
        r.restore("s2", 0, p)
        assert r.object("encoding", "s2") == b"hashtable"
        assert r.smembers("s2") == r.smembers("s")
    finally:
        r.config_set("set-max-intset-entries", 512)


def test_restore_ttl_relative_absolute_and_big(r):
    r.set("foo", "bar")
    p = r.dump("foo")
    r.restore("a", 5000, p)
    assert 3000 <= r.pttl("a") <= 5000
    r.restore("b", 2569591501, p)  # more than 32 bits of milliseconds
    assert 2569591501 - 3000 <= r.pttl("b") <= 2569591501
    now = int(time.time() * 1000)
    r.restore("c", now + 3000, p, absttl=True)
    assert 2000 <= r.pttl("c") <= 3100
    r.restore("d", 0, p)
    assert r.ttl("d") == -1


def test_restore_absttl_in_the_past(server, r):
    r.set("foo", "bar")
    p = r.dump("foo")
    r.config_set("notify-keyspace-events", "Eg")
    ps = server.client().pubsub()
    ps.psubscribe("__keyevent@0__:*")
    assert ps.get_message(timeout=2)["type"] == "psubscribe"
    try:
        past = int(time.time() * 1000) - 3000
        # no REPLACE: nothing is created, nothing is deleted
        assert r.restore("new", past, p, absttl=True)
        assert r.exists("new") == 0
        # REPLACE over an existing key: the key is deleted ("del")
        dirty = r.info("persistence")["rdb_changes_since_last_save"]
        assert r.restore("foo", past, p, absttl=True, replace=True)
        assert r.exists("foo") == 0
        assert r.info("persistence")["rdb_changes_since_last_save"] == dirty + 1
        m = ps.get_message(timeout=2)
        assert m["channel"] == b"__keyevent@0__:del" and m["data"] == b"foo"
    finally:
        r.config_set("notify-keyspace-events", "")
        ps.close()


def test_restore_idletime_and_freq(r):
    r.set("foo", "bar")
    p = r.dump("foo")
    r.config_set("maxmemory-policy", "allkeys-lru")
    try:
        r.restore("lru", 0, p, idletime=1000)
        assert 1000 <= r.object("idletime", "lru") <= 1010
        assert r.get("lru") == b"bar"
        # FREQ is accepted but means nothing without an LFU policy
        r.restore("lru2", 0, p, frequency=100)
        assert r.object("idletime", "lru2") <= 2
    finally:
        r.config_set("maxmemory-policy", "noeviction")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        r.restore("lfu", 0, p, frequency=100)
        assert r.object("freq", "lfu") == 100
        r.restore("lfu0", 0, p, frequency=0)
        assert r.object("freq", "lfu0") == 0
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_restore_replace_and_busykey(c):
    c.call("SET", "foo", "bar1")
    p1 = c.call("DUMP", "foo")
    c.call("SET", "foo", "bar2")
    p2 = c.call("DUMP", "foo")
    c.call("DEL", "foo")
    assert c.call("RESTORE", "foo", "0", p1) == b"OK"
    assert call_err(c, "RESTORE", "foo", "0", p2) == "BUSYKEY Target key name already exists."
    # BUSYKEY comes before the payload is even looked at
    assert call_err(c, "RESTORE", "foo", "0", "...") == "BUSYKEY Target key name already exists."
    c.call("EXPIRE", "foo", "1000")
    assert c.call("RESTORE", "foo", "0", p2, "REPLACE") == b"OK"
    assert c.call("GET", "foo") == b"bar2"
    assert c.call("TTL", "foo") == -1  # the old TTL went with the old value
    # REPLACE over another type
    c.call("DEL", "foo")
    c.call("RPUSH", "foo", "x")
    assert c.call("RESTORE", "foo", "0", p2, "replace") == b"OK"
    assert c.call("TYPE", "foo") == b"string"


def test_restore_argument_errors(c):
    c.call("SET", "foo", "bar")
    p = c.call("DUMP", "foo")
    bad = [
        (("RESTORE", "k", "0", p, "invalid-option"), "ERR syntax error"),
        (("RESTORE", "k", "0", "...", "invalid-option"), "ERR syntax error"),
        (("RESTORE", "k", "-1", p), "ERR Invalid TTL value, must be >= 0"),
        (("RESTORE", "k", "abc", p), "ERR value is not an integer or out of range"),
        (("RESTORE", "k", "1.5", p), "ERR value is not an integer or out of range"),
        (("RESTORE", "k", "0", p, "IDLETIME", "-1"), "ERR Invalid IDLETIME value, must be >= 0"),
        (("RESTORE", "k", "0", p, "IDLETIME", "x"), "ERR value is not an integer or out of range"),
        (("RESTORE", "k", "0", p, "FREQ", "256"), "ERR Invalid FREQ value, must be >= 0 and <= 255"),
        (("RESTORE", "k", "0", p, "FREQ", "-1"), "ERR Invalid FREQ value, must be >= 0 and <= 255"),
        (("RESTORE", "k", "0", p, "IDLETIME", "5", "FREQ", "5"), "ERR syntax error"),
        (("RESTORE", "k", "0", p, "FREQ", "5", "IDLETIME", "5"), "ERR syntax error"),
        (("RESTORE", "k", "0", p, "IDLETIME"), "ERR syntax error"),
        (("RESTORE", "k", "0"), "ERR wrong number of arguments for 'restore' command"),
        (("DUMP",), "ERR wrong number of arguments for 'dump' command"),
    ]
    for args, err in bad:
        assert call_err(c, *args) == err, args
    assert c.call("EXISTS", "k") == 0


def test_restore_payload_errors(c):
    c.call("SET", "foo", "bar")
    p = c.call("DUMP", "foo")
    wrong = "ERR DUMP payload version or checksum are wrong"
    bad_format = "ERR Bad data format"
    body = body_of(p)
    cases = [
        (b"", wrong),
        (b"123456789", wrong),
        (p[:-1], wrong),
        (p[:-1] + bytes([p[-1] ^ 1]), wrong),                 # checksum
        (reseal(body, version=11), wrong),                   # newer format
        (reseal(body, version=0xFFFF), wrong),
        (body + b"\x0a\x00" + b"\x00" * 8, wrong),          # checksum 0 is not "unchecked" here
        (reseal(b""), bad_format),                           # no type byte
        (reseal(bytes([7]) + body[1:]), bad_format),         # module type
        (reseal(bytes([15]) + body[1:]), bad_format),        # stream
        (reseal(bytes([8]) + body[1:]), bad_format),         # no such type
        (reseal(bytes([200]) + body[1:]), bad_format),
        (reseal(body[:-1]), bad_format),                     # value cut short
        (reseal(body + b"x"), bad_format),                   # bytes after the value
        (reseal(b"\x00\xc3\x05\x7f\xffabcde"), bad_format),  # LZF claiming 16 KB from 5 bytes
        (reseal(b"\x02\x81" + b"\xff" * 8), bad_format),     # a set of 2^64-1 members
        (reseal(b"\x02\x02\x01a\x01a"), bad_format),         # duplicate set member
        (reseal(b"\x04\x02\x01a\x01b\x01a\x01c"), bad_format),  # duplicate hash field
        (reseal(b"\x05\x01\x01a" + b"\x00\x00\x00\x00\x00\x00\xf8\x7f"), bad_format),  # NaN
        (reseal(b"\x02\x00"), bad_format),                   # empty set
        (reseal(b"\x0b\x0c" + b"\x02\x00\x00\x00\x02\x00\x00\x00" + b"\x02\x00\x01\x00"),
         bad_format),                                        # intset out of order
    ]
    for payload, err in cases:
        assert call_err(c, "RESTORE", "k", "0", payload) == err, payload
        assert c.call("EXISTS", "k") == 0
    # an older version is fine
    assert c.call("RESTORE", "k", "0", reseal(body, version=9)) == b"OK"
    assert c.call("GET", "k") == b"bar"


def test_restore_notifies_and_breaks_watch(server, r):
    r.set("foo", "bar")
    p = r.dump("foo")
    r.config_set("notify-keyspace-events", "KEg")
    ps = server.client().pubsub()
    ps.psubscribe("__key*@0__:*")
    assert ps.get_message(timeout=2)["type"] == "psubscribe"
    try:
        w = server.client()
        pipe = w.pipeline()
        pipe.watch("k")
        dirty = r.info("persistence")["rdb_changes_since_last_save"]
        r.restore("k", 0, p)
        assert r.info("persistence")["rdb_changes_since_last_save"] == dirty + 1
        pipe.multi()
        pipe.get("k")
        with pytest.raises(redis.WatchError):
            pipe.execute()
        got = []
        while len(got) < 2:
            m = ps.get_message(timeout=2)
            assert m is not None
            got.append((m["channel"], m["data"]))
        assert got == [(b"__keyspace@0__:k", b"restore"), (b"__keyevent@0__:restore", b"k")]
        # a failed RESTORE reports nothing and changes nothing
        with pytest.raises(redis.ResponseError):
            r.restore("k", 0, p)
        assert ps.get_message(timeout=0.2) is None
    finally:
        r.config_set("notify-keyspace-events", "")
        ps.close()


def test_damaged_payloads_never_hurt(server, r):
    """Every value type, payloads with bytes flipped (checksum fixed so the
    value itself is parsed) and cut at every length: each is refused or
    gives a well-formed key; the server keeps answering throughout."""
    populate(r, seed=7)
    rnd = random.Random(42)
    keys = sorted(r.keys())
    tried = 0
    for k in keys:
        body = body_of(r.dump(k))
        if len(body) > 3000:
            continue
        variants = []
        for _ in range(40):
            b = bytearray(body)
            for _ in range(rnd.randint(1, 3)):
                i = rnd.randrange(len(b))
                b[i] = rnd.randrange(256) if rnd.random() < 0.5 else b[i] ^ (1 << rnd.randrange(8))
            variants.append(bytes(b))
        step = max(1, len(body) // 30)
        variants += [body[:n] for n in range(0, len(body), step)]
        for v in variants:
            try:
                r.restore("fuzz", 0, reseal(v), replace=True)
            except redis.ResponseError as e:
                assert str(e) == "Bad data format", str(e)
                continue
            # accepted: it must be a usable value of some type
            snapshot(r, "fuzz")
            r.dump("fuzz")
            tried += 1
    assert r.ping()
    assert tried >= 0
