"""Set commands (the first collection type): replies, errors, the intset to
hashtable conversion at set-max-intset-entries, COPY/TYPE/OBJECT on sets,
and random operations checked against Python sets."""
import random

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_basic(r):
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.scard("s") == 2
    assert r.sismember("s", "a") and not r.sismember("s", "z")
    assert r.smismember("s", "a", "z") == [1, 0]
    assert r.smembers("s") == {b"a", b"b"}
    assert r.srem("s", "a", "z") == 1
    assert r.srem("s", "b") == 1
    assert r.exists("s") == 0  # the last removal deletes the key
    assert r.scard("s") == 0 and r.smembers("s") == set()
    assert r.type("s") == b"none"


def test_wrongtype_and_arity(r):
    r.set("str", "v")
    for args in (("SADD", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
                 ("SISMEMBER", "str", "a"), ("SPOP", "str"), ("SRANDMEMBER", "str"),
                 ("SINTER", "str"), ("SMOVE", "str", "x", "a")):
        assert err(r, *args) == WRONGTYPE
    r.sadd("s", "a")
    assert err(r, "GET", "s") == WRONGTYPE
    assert err(r, "INCR", "s") == WRONGTYPE
    assert err(r, "SADD", "s") == "wrong number of arguments for 'sadd' command"
    assert err(r, "SMISMEMBER", "s") == "wrong number of arguments for 'smismember' command"


def test_encodings_and_conversion(r):
    r.config_set("set-max-intset-entries", 4)
    try:
        r.sadd("i", 1, 2, 3, 4)
        assert r.object("encoding", "i") == b"intset"
        assert r.type("i") == b"set"
        r.sadd("i", 5)  # one too many
        assert r.object("encoding", "i") == b"hashtable"
        assert r.smembers("i") == {b"1", b"2", b"3", b"4", b"5"}
        r.sadd("j", 1, -70000, 5000000000)
        assert r.object("encoding", "j") == b"intset"
        r.sadd("j", "x")  # not an integer
        assert r.object("encoding", "j") == b"hashtable"
        r.sadd("k", "01")  # not canonical: not an integer member
        assert r.object("encoding", "k") == b"hashtable"
    finally:
        r.config_set("set-max-intset-entries", 512)


def test_srandmember_spop(r):
    r.sadd("s", *range(10))
    assert r.srandmember("s") in {str(i).encode() for i in range(10)}
    got = r.srandmember("s", 5)
    assert len(got) == 5 and len(set(got)) == 5
    assert sorted(r.srandmember("s", 20)) == sorted(str(i).encode() for i in range(10))
    rep = r.srandmember("s", -30)
    assert len(rep) == 30
    assert r.srandmember("s", 0) == []
    assert r.srandmember("missing") is None and r.srandmember("missing", 3) == []
    popped = r.spop("s", 4)
    assert len(popped) == 4 and r.scard("s") == 6
    assert not any(r.sismember("s", m) for m in popped)
    one = r.spop("s")
    assert r.scard("s") == 5 and not r.sismember("s", one)
    assert len(r.spop("s", 100)) == 5 and r.exists("s") == 0
    assert err(r, "SPOP", "s", "-1") == "value is out of range, must be positive"
    assert err(r, "SRANDMEMBER", "s", "x") == "value is not an integer or out of range"


def test_smove(r):
    r.sadd("a", "x", "y")
    assert r.smove("a", "b", "x") == 1
    assert r.smembers("b") == {b"x"}
    assert r.smove("a", "b", "nope") == 0
    assert r.smove("a", "b", "y") == 1
    assert r.exists("a") == 0
    assert r.smove("b", "b", "x") == 1


def test_algebra(r):
    r.sadd("a", 1, 2, 3, "x")
    r.sadd("b", 2, 3, 4)
    r.sadd("c", 3, 4, 5)
    assert r.sinter("a", "b", "c") == {b"3"}
    assert r.sunion("a", "b") == {b"1", b"2", b"3", b"4", b"x"}
    assert r.sdiff("a", "b", "c") == {b"1", b"x"}
    assert r.sinter("a", "missing") == set()
    assert r.sdiff("missing", "a") == set()
    assert r.sinterstore("d", "a", "b") == 2 and r.smembers("d") == {b"2", b"3"}
    assert r.sunionstore("d", "a", "missing") == 4
    assert r.sdiffstore("d", "b", "b") == 0 and r.exists("d") == 0
    assert r.execute_command("SINTERCARD", 2, "a", "b") == 2
    assert r.execute_command("SINTERCARD", 2, "a", "b", "LIMIT", 1) == 1
    assert err(r, "SINTERCARD", 0, "a") == "numkeys should be greater than 0"
    assert err(r, "SINTERCARD", 3, "a", "b") == \
        "Number of keys can't be greater than number of args"
    assert err(r, "SINTERCARD", 1, "a", "LIMIT", "-1") == "LIMIT can't be negative"


def test_sscan_full_iteration(r):
    members = {("m%d" % i).encode() for i in range(500)}
    r.sadd("s", *members)
    seen, cursor = set(), 0
    while True:
        cursor, batch = r.sscan("s", cursor, count=20)
        seen.update(batch)
        if cursor == 0:
            break
    assert seen == members
    r.sadd("i", 1, 2, 3, 30)
    assert r.sscan("i", 0, match="3*") == (0, [b"3", b"30"])
    assert err(r, "SSCAN", "s", "x") == "invalid cursor"


def test_copy_and_memory_usage(r):
    r.sadd("src", "a", "b", 1)
    assert r.copy("src", "dst")
    r.sadd("dst", "c")
    assert r.smembers("src") == {b"a", b"b", b"1"}  # a deep copy
    assert r.smembers("dst") == {b"a", b"b", b"1", b"c"}
    assert r.memory_usage("src") > 0


def test_random_ops_vs_model(r):
    rnd = random.Random(5)
    model = {}
    r.config_set("set-max-intset-entries", 16)
    try:
        for step in range(1500):
            k = "k%d" % rnd.randrange(4)
            m = str(rnd.randrange(40)) if rnd.random() < 0.7 else "m%d" % rnd.randrange(20)
            op = rnd.random()
            s = model.setdefault(k, set())
            if op < 0.5:
                assert r.sadd(k, m) == (m.encode() not in s)
                s.add(m.encode())
            elif op < 0.8:
                assert r.srem(k, m) == (m.encode() in s)
                s.discard(m.encode())
            else:
                assert r.smembers(k) == s
            if not s:
                model.pop(k)
                assert r.exists(k) == 0
        for k, s in model.items():
            assert r.smembers(k) == s
            assert r.scard(k) == len(s)
    finally:
        r.config_set("set-max-intset-entries", 512)
