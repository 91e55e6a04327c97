"""Hash commands: replies, errors, the listpack to hashtable conversion at
both thresholds, RESP3 shapes, and random operations checked against
Python dicts in both encodings."""
import random

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_basic(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", "a", "x") == 0
    assert r.hget("h", "a") == b"x" and r.hget("h", "zz") is None
    assert r.hmget("h", "a", "zz", "b") == [b"x", None, b"2"]
    assert r.hlen("h") == 2 and r.hexists("h", "b") and not r.hexists("h", "c")
    assert r.hstrlen("h", "a") == 1 and r.hstrlen("h", "zz") == 0
    assert r.hgetall("h") == {b"a": b"x", b"b": b"2"}
    assert sorted(r.hkeys("h")) == [b"a", b"b"] and sorted(r.hvals("h")) == [b"2", b"x"]
    assert r.hsetnx("h", "a", "y") == 0 and r.hsetnx("h", "c", "3") == 1
    assert r.hdel("h", "a", "nope") == 1
    assert r.hdel("h", "b", "c") == 2
    assert r.exists("h") == 0  # the last field removed deletes the key
    assert r.hgetall("h") == {} and r.hlen("h") == 0
    assert r.execute_command("HMSET", "m", "f", "v") is True  # +OK, as redis-py reads it
    assert r.hget("m", "f") == b"v"


def test_errors(r):
    r.set("s", "v")
    for args in (("HSET", "s", "f", "v"), ("HGET", "s", "f"), ("HGETALL", "s"), ("HLEN", "s"),
                 ("HINCRBY", "s", "f", 1), ("HDEL", "s", "f")):
        assert err(r, *args) == WRONGTYPE
    assert err(r, "HSET", "h", "f") == "wrong number of arguments for 'hset' command"
    assert err(r, "HSET", "h", "f", "v", "g") == "wrong number of arguments for 'hset' command"
    r.hset("h", "s", "abc")
    assert err(r, "HINCRBY", "h", "s", 1) == "hash value is not an integer"
    assert err(r, "HINCRBY", "h", "n", "x") == "value is not an integer or out of range"
    assert err(r, "HINCRBYFLOAT", "h", "s", 1) == "hash value is not a float"
    assert err(r, "HINCRBYFLOAT", "h", "n", "+inf") == "value is NaN or Infinity"
    r.hset("h", "big", "9223372036854775807")
    assert err(r, "HINCRBY", "h", "big", 1) == "increment or decrement would overflow"


def test_incr(r):
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    assert r.hincrbyfloat("h", "f", 1.5) == 1.5
    assert r.hincrbyfloat("h", "f", "0.25") == 1.75
    assert r.hget("h", "f") == b"1.75"


def test_encoding_conversion(r):
    r.config_set("hash-max-listpack-entries", 4)
    r.config_set("hash-max-listpack-value", 8)
    try:
        r.hset("a", mapping={"f%d" % i: i for i in range(4)})
        assert r.object("encoding", "a") == b"listpack"
        r.hset("a", "f4", 4)
        assert r.object("encoding", "a") == b"hashtable"
        assert r.hgetall("a") == {("f%d" % i).encode(): str(i).encode() for i in range(5)}
        r.hset("b", "f", "short")
        assert r.object("encoding", "b") == b"listpack"
        r.hset("b", "g", "longer than eight")
        assert r.object("encoding", "b") == b"hashtable"
        assert r.hget("b", "f") == b"short"
    finally:
        r.config_set("hash-max-listpack-entries", 128)
        r.config_set("hash-max-listpack-value", 64)


def test_hrandfield(r):
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert r.hrandfield("h") in (b"a", b"b", b"c")
    assert sorted(r.hrandfield("h", 10)) == [b"a", b"b", b"c"]
    assert len(r.hrandfield("h", 2)) == 2 and len(set(r.hrandfield("h", 2))) == 2
    assert len(r.hrandfield("h", -7)) == 7
    assert len(r.hrandfield("h", -5, withvalues=True)) == 10
    assert r.hrandfield("h", 0) == []
    assert r.hrandfield("missing") is None and r.hrandfield("missing", 2) == []


def test_hscan_and_copy(r):
    r.hset("h", mapping={"f%d" % i: i for i in range(300)})
    seen, cursor = {}, 0
    while True:
        cursor, batch = r.hscan("h", cursor, count=25)
        seen.update(batch)
        if cursor == 0:
            break
    assert len(seen) == 300 and seen[b"f7"] == b"7"
    assert r.copy("h", "h2")
    r.hset("h2", "new", 1)
    assert r.hlen("h") == 300 and r.hlen("h2") == 301
    assert r.memory_usage("h") > 300 * 4
    r.hset("small", mapping={"x": 1, "y": 2})
    assert r.hscan("small", 0, match="x*") == (0, {b"x": b"1"})


def test_random_ops_vs_model(r):
    rnd = random.Random(9)
    r.config_set("hash-max-listpack-entries", 8)
    try:
        model = {}
        for step in range(1500):
            k = "k%d" % rnd.randrange(3)
            f = "f%d" % rnd.randrange(12)
            d = model.setdefault(k, {})
            op = rnd.random()
            if op < 0.5:
                v = str(rnd.randrange(1000)) if rnd.random() < 0.5 else "v" * rnd.randrange(10)
                assert r.hset(k, f, v) == (0 if f.encode() in d else 1)
                d[f.encode()] = v.encode()
            elif op < 0.75:
                assert r.hdel(k, f) == (1 if f.encode() in d else 0)
                d.pop(f.encode(), None)
            else:
                assert r.hgetall(k) == d
            if not d:
                model.pop(k)
                assert r.exists(k) == 0
        for k, d in model.items():
            assert r.hgetall(k) == d
    finally:
        r.config_set("hash-max-listpack-entries", 128)
