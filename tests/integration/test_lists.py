"""List commands implemented so far (pushes, pops, LLEN, LINDEX, LRANGE):
replies, errors, node boundaries of the quicklist, and random operations
checked against a Python list."""
import random

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_push_pop_range(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"z", b"a", b"b", b"c"]
    assert r.lrange("l", -2, 100) == [b"b", b"c"]
    assert r.lrange("l", 5, 10) == [] and r.lrange("l", 2, 1) == []
    assert r.llen("l") == 4 and r.llen("missing") == 0
    assert r.lindex("l", 0) == b"z" and r.lindex("l", -1) == b"c" and r.lindex("l", 9) is None
    assert r.lpop("l") == b"z" and r.rpop("l") == b"c"
    assert r.lpop("l", 5) == [b"a", b"b"]
    assert r.exists("l") == 0  # the last pop deletes the key
    assert r.lpop("l") is None and r.lpop("l", 2) is None
    assert r.lpushx("l", "x") == 0 and r.exists("l") == 0
    r.rpush("l", 1)
    assert r.execute_command("RPUSHX", "l", 2, 3) == 3 and r.lrange("l", 0, -1) == [b"1", b"2", b"3"]
    assert r.object("encoding", "l") == b"quicklist"
    assert r.type("l") == b"list"


def test_errors(r):
    r.set("s", "v")
    for args in (("LPUSH", "s", "a"), ("RPOP", "s"), ("LLEN", "s"), ("LRANGE", "s", 0, 1),
                 ("LINDEX", "s", 0)):
        assert err(r, *args) == WRONGTYPE
    r.rpush("l", "a")
    assert err(r, "LPOP", "l", "-1") == "value is out of range, must be positive"
    assert err(r, "LRANGE", "l", "a", "1") == "value is not an integer or out of range"
    assert err(r, "LPUSH", "l") == "wrong number of arguments for 'lpush' command"
    assert err(r, "GET", "l") == WRONGTYPE


def test_many_nodes_and_copy(r):
    r.config_set("list-max-listpack-size", 4)  # four elements a node
    try:
        r.rpush("big", *range(100))
        r.lpush("big", *range(-1, -51, -1))
        want = [str(i).encode() for i in range(-50, 100)]
        assert r.lrange("big", 0, -1) == want
        for i in (0, 3, 4, 77, 149, -1, -75):
            assert r.lindex("big", i) == want[i]
        assert r.lrange("big", 61, 73) == want[61:74]
        assert r.copy("big", "copy")
        r.rpop("big", 10)
        assert r.llen("copy") == 150 and r.lrange("copy", -3, -1) == want[-3:]
        assert r.memory_usage("copy") > 150
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_random_ops_vs_model(r):
    rnd = random.Random(3)
    r.config_set("list-max-listpack-size", 3)
    try:
        model = []
        for step in range(2000):
            op = rnd.random()
            v = str(rnd.randrange(-500, 500)) if rnd.random() < 0.5 else "e%d" % step
            if op < 0.3:
                r.lpush("m", v)
                model.insert(0, v.encode())
            elif op < 0.6:
                r.rpush("m", v)
                model.append(v.encode())
            elif op < 0.75:
                got = r.lpop("m")
                assert got == (model.pop(0) if model else None)
            elif op < 0.9:
                got = r.rpop("m")
                assert got == (model.pop() if model else None)
            else:
                a, b = rnd.randrange(-30, 30), rnd.randrange(-30, 30)
                got = r.lrange("m", a, b)
                n = len(model)  # Redis's range rule
                s = a + n if a < 0 else a
                e = b + n if b < 0 else b
                s = max(s, 0)
                e = min(e, n - 1)
                assert got == (model[s:e + 1] if s <= e else []), (a, b)
        assert r.lrange("m", 0, -1) == model
    finally:
        r.config_set("list-max-listpack-size", -2)
