"""SORT and SORT_RO: numeric and ALPHA order, BY and GET patterns with
string keys and hash fields, LIMIT, DESC, STORE, nosort, the errors."""
import random

import pytest
import redis

from resp_client import Conn

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_numeric_and_alpha(r):
    r.rpush("l", 3, 10, 1, "2.5", -4)
    assert r.sort("l") == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.sort("l", desc=True) == [b"10", b"3", b"2.5", b"1", b"-4"]
    assert r.sort("l", alpha=True) == [b"-4", b"1", b"10", b"2.5", b"3"]
    assert r.sort("l", start=1, num=2) == [b"1", b"2.5"]
    assert r.sort("l", start=4, num=10) == [b"10"]
    assert r.sort("l", start=9, num=1) == []
    assert r.execute_command("SORT", "l", "LIMIT", 0, -1) == [b"-4", b"1", b"2.5", b"3", b"10"]
    r.rpush("words", "b", "a")
    assert err(r, "SORT", "words") == "One or more scores can't be converted into double"
    assert r.sort("nosuch") == []


def test_types(r):
    r.sadd("s", 5, 1, 3)
    assert r.sort("s") == [b"1", b"3", b"5"]
    r.zadd("z", {"c": 1, "a": 2, "b": 3})
    assert r.sort("z", alpha=True) == [b"a", b"b", b"c"]
    assert r.sort("z", by="nosort") == [b"c", b"a", b"b"]  # score order
    assert r.sort("z", by="nosort", desc=True) == [b"b", b"a", b"c"]
    r.set("str", "x")
    assert err(r, "SORT", "str") == WRONGTYPE
    r.hset("h", "f", "v")
    assert err(r, "SORT", "h") == WRONGTYPE


def test_by_and_get(r):
    r.rpush("ids", 1, 2, 3)
    r.mset({"w_1": 30, "w_2": 10, "w_3": 20, "name_1": "one", "name_3": "three"})
    r.hset("obj_1", mapping={"age": 5, "nick": "x"})
    r.hset("obj_2", mapping={"age": 7})
    r.hset("obj_3", mapping={"age": 1, "nick": "z"})
    assert r.sort("ids", by="w_*") == [b"2", b"3", b"1"]
    assert r.sort("ids", by="obj_*->age") == [b"3", b"1", b"2"]
    assert r.sort("ids", by="w_*", get="name_*") == [None, b"three", b"one"]
    assert r.sort("ids", get=["#", "obj_*->nick"]) == [b"1", b"x", b"2", None, b"3", b"z"]
    assert r.sort("ids", by="obj_*->nick", alpha=True) == [b"2", b"1", b"3"]  # missing first
    # a missing weight counts as 0, ties broken by the element
    assert r.sort("ids", by="nosuch_*") == [b"1", b"2", b"3"]
    assert r.sort("ids", get="noglob") == [None, None, None]
    r.set("w_2", "notanumber")
    assert err(r, "SORT", "ids", "BY", "w_*") == "One or more scores can't be converted into double"


def test_store(r):
    r.rpush("l", 3, 1, 2)
    assert r.sort("l", store="dst") == 3
    assert r.lrange("dst", 0, -1) == [b"1", b"2", b"3"]
    assert r.type("dst") == b"list"
    r.set("n_1", "uno")
    assert r.sort("l", get="n_*", store="dst") == 3
    assert r.lrange("dst", 0, -1) == [b"uno", b"", b""]  # missing values stored empty
    assert r.sort("nosuch", store="dst") == 0 and r.exists("dst") == 0
    assert r.sort("l", store="l") == 3 and r.lrange("l", 0, -1) == [b"1", b"2", b"3"]
    # a set sorted BY nosort into a key is sorted, so the result is stable
    r.sadd("s", "b", "c", "a")
    assert r.sort("s", by="nosort", store="d2") == 3
    assert r.lrange("d2", 0, -1) == [b"a", b"b", b"c"]
    c = Conn(r.connection_pool.connection_kwargs["port"])
    assert c.call("COMMAND", "GETKEYS", "SORT", "a", "STORE", "x", "STORE", "y") == [b"a", b"y"]


def test_sort_ro(r):
    r.rpush("l", 2, 1)
    assert r.execute_command("SORT_RO", "l") == [b"1", b"2"]
    assert err(r, "SORT_RO", "l", "STORE", "x") == "syntax error"
    assert err(r, "SORT", "l", "LIMIT", 1) == "syntax error"
    assert err(r, "SORT", "l", "LIMIT", "a", 1) == "value is not an integer or out of range"
    assert err(r, "SORT", "l", "BOGUS") == "syntax error"


def test_random_vs_python(r):
    rnd = random.Random(3)
    for trial in range(20):
        vals = [rnd.randrange(-1000, 1000) for _ in range(rnd.randrange(1, 300))]
        r.delete("l")
        r.rpush("l", *vals)
        assert r.sort("l") == [str(v).encode() for v in sorted(vals)]
        assert r.sort("l", alpha=True, desc=True) == \
            sorted((str(v).encode() for v in vals), reverse=True)
