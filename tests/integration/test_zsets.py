"""Sorted-set commands: replies, errors, the listpack to skiplist conversion
at both thresholds, RESP3 shapes, set algebra, and random operation
sequences checked against a Python model in both encodings."""
import math
import time
import random

import pytest
import redis

from resp_client import Conn

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


@pytest.fixture(params=["listpack", "skiplist"])
def enc(request, r):
    """Runs a test once per encoding: skiplist by setting the listpack
    limit to 0 entries."""
    r.config_set("zset-max-listpack-entries", 128 if request.param == "listpack" else 0)
    yield request.param
    r.config_set("zset-max-listpack-entries", 128)


def test_basic(r, enc):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.object("encoding", "z") == enc.encode()
    assert r.zadd("z", {"a": 1, "x": 1.5}) == 1
    assert r.zcard("z") == 4 and r.zcard("nosuch") == 0
    assert r.zrange("z", 0, -1, withscores=True) == [(b"a", 1), (b"x", 1.5), (b"b", 2), (b"c", 3)]
    assert r.zscore("z", "x") == 1.5 and r.zscore("z", "nope") is None
    assert r.zmscore("z", ["a", "nope", "c"]) == [1.0, None, 3.0]
    assert r.zrank("z", "b") == 2 and r.zrevrank("z", "b") == 1 and r.zrank("z", "q") is None
    assert r.zrem("z", "a", "nope") == 1
    assert r.zincrby("z", 10, "x") == 11.5
    assert r.zrange("z", 0, -1) == [b"b", b"c", b"x"]
    assert r.zrem("z", "b", "c", "x") == 3
    assert r.exists("z") == 0  # the last member removed deletes the key


def test_same_score_orders_by_member(r, enc):
    r.zadd("z", {"b": 1, "a": 1, "c": 1, "aa": 1})
    assert r.zrange("z", 0, -1) == [b"a", b"aa", b"b", b"c"]
    assert r.zrevrange("z", 0, 1) == [b"c", b"b"]


def test_zadd_options(r, enc):
    r.zadd("z", {"a": 10})
    assert r.zadd("z", {"a": 20, "b": 1}, nx=True) == 1 and r.zscore("z", "a") == 10
    assert r.zadd("z", {"a": 20, "c": 1}, xx=True) == 0
    assert r.zscore("z", "a") == 20 and r.zscore("z", "c") is None
    assert r.zadd("z", {"a": 5}, gt=True, ch=True) == 0 and r.zscore("z", "a") == 20
    assert r.zadd("z", {"a": 30}, gt=True, ch=True) == 1 and r.zscore("z", "a") == 30
    assert r.zadd("z", {"a": 40, "d": 1}, lt=True, ch=True) == 1  # d added, a kept
    assert r.zscore("z", "a") == 30
    assert r.zadd("z", {"a": 5}, incr=True) == 35
    assert r.zadd("z", {"a": 5}, incr=True, nx=True) is None
    assert r.zadd("z", {"new": 5}, incr=True, xx=True) is None
    assert r.zadd("nosuch", {"a": 1}, xx=True) == 0 and r.exists("nosuch") == 0
    assert r.zadd("z", {"a": 1}, ch=True) == 1
    assert r.zadd("z", {"a": 1}, ch=True) == 0
    assert r.zadd("inf", {"a": "+inf", "b": "-inf"}) == 2
    assert r.zrange("inf", 0, -1, withscores=True) == [(b"b", -math.inf), (b"a", math.inf)]


def test_zadd_errors(r):
    r.set("s", "v")
    for args in (("ZADD", "s", 1, "a"), ("ZSCORE", "s", "a"), ("ZRANGE", "s", 0, 1),
                 ("ZCARD", "s"), ("ZREM", "s", "a"), ("ZPOPMIN", "s"), ("ZINCRBY", "s", 1, "a"),
                 ("ZUNION", 1, "s"), ("ZINTERCARD", 1, "s")):
        assert err(r, *args) == WRONGTYPE
    assert err(r, "ZADD", "z", "nan", "a") == "value is not a valid float"
    assert err(r, "ZADD", "z", "1", "a", "x", "b") == "value is not a valid float"
    assert r.exists("z") == 0  # nothing added when one score is bad
    assert err(r, "ZADD", "z", 1, "a", 2) == "syntax error"
    assert err(r, "ZADD", "z", "nx", "xx", 1, "a") == \
        "XX and NX options at the same time are not compatible"
    assert err(r, "ZADD", "z", "gt", "lt", 1, "a") == \
        "GT, LT, and/or NX options at the same time are not compatible"
    assert err(r, "ZADD", "z", "nx", "gt", 1, "a") == \
        "GT, LT, and/or NX options at the same time are not compatible"
    assert err(r, "ZADD", "z", "incr", 1, "a", 2, "b") == \
        "INCR option supports a single increment-element pair"
    r.zadd("z", {"a": "inf"})
    assert err(r, "ZINCRBY", "z", "-inf", "a") == "resulting score is not a number (NaN)"
    assert err(r, "ZINCRBY", "z", "x", "a") == "value is not a valid float"
    assert err(r, "ZADD", "z") == "wrong number of arguments for 'zadd' command"


def test_ranges_by_score_and_lex(r, enc):
    r.zadd("z", {m: i for i, m in enumerate("abcdefg")})
    assert r.zrangebyscore("z", 2, 4) == [b"c", b"d", b"e"]
    assert r.zrangebyscore("z", "(2", "(4") == [b"d"]
    assert r.zrangebyscore("z", "-inf", "+inf", start=1, num=2) == [b"b", b"c"]
    assert r.zrevrangebyscore("z", 4, 2, withscores=True) == [(b"e", 4), (b"d", 3), (b"c", 2)]
    assert r.zrevrangebyscore("z", "+inf", "-inf", start=5, num=10) == [b"b", b"a"]
    assert r.zrangebyscore("z", 5, 2) == []
    assert r.zcount("z", 2, 4) == 3 and r.zcount("z", "(2", "+inf") == 4
    assert r.zcount("z", 3, "(3") == 0 and r.zcount("nosuch", 0, 1) == 0
    r.zadd("l", {m: 0 for m in "abcdefg"})
    assert r.zrangebylex("l", "[b", "(e") == [b"b", b"c", b"d"]
    assert r.zrangebylex("l", "-", "+", start=2, num=2) == [b"c", b"d"]
    assert r.zrevrangebylex("l", "[e", "(b") == [b"e", b"d", b"c"]
    assert r.zlexcount("l", "-", "+") == 7 and r.zlexcount("l", "(a", "[c") == 2
    assert r.zlexcount("l", "+", "-") == 0
    assert err(r, "ZRANGEBYSCORE", "z", "x", 1) == "min or max is not a float"
    assert err(r, "ZCOUNT", "z", 1, "(x") == "min or max is not a float"
    assert err(r, "ZRANGEBYLEX", "l", "a", "+") == "min or max not valid string range item"
    assert err(r, "ZLEXCOUNT", "l", "-x", "+") == "min or max not valid string range item"
    assert err(r, "ZRANGEBYSCORE", "z", 0, 1, "LIMIT", 0) == "syntax error"
    assert err(r, "ZRANGEBYSCORE", "z", 0, 1, "LIMIT", "a", 1) == \
        "value is not an integer or out of range"


def test_zrange_unified(r, enc):
    r.zadd("z", {m: i for i, m in enumerate("abcdef")})
    ex = r.execute_command
    assert ex("ZRANGE", "z", 0, 2, "REV") == [b"f", b"e", b"d"]
    assert ex("ZRANGE", "z", "(1", 4, "BYSCORE", "LIMIT", 1, 2) == [b"d", b"e"]
    assert ex("ZRANGE", "z", 4, "(1", "BYSCORE", "REV", "LIMIT", 0, 2) == [b"e", b"d"]
    assert ex("ZRANGE", "z", "[b", "[d", "BYLEX") == [b"b", b"c", b"d"]
    assert ex("ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", 1, -1) == \
        [b"e", b"d", b"c", b"b", b"a"]
    assert ex("ZRANGE", "z", 0, -1, "BYSCORE", "LIMIT", -1, 2) == []
    assert err(r, "ZRANGE", "z", 0, 1, "LIMIT", 0, 1) == \
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    assert err(r, "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == \
        "syntax error, WITHSCORES not supported in combination with BYLEX"
    assert err(r, "ZRANGE", "z", 0, 1, "BOGUS") == "syntax error"
    assert ex("ZRANGE", "z", -2, 100) == [b"e", b"f"]
    assert ex("ZRANGE", "z", 3, 1) == [] and ex("ZRANGE", "nosuch", 0, -1) == []
    assert ex("ZRANGESTORE", "dst", "z", 1, 3, "BYSCORE") == 3
    assert r.zrange("dst", 0, -1, withscores=True) == [(b"b", 1), (b"c", 2), (b"d", 3)]
    assert ex("ZRANGESTORE", "dst", "z", 10, 20, "BYSCORE") == 0
    assert r.exists("dst") == 0  # an empty result deletes the destination
    assert err(r, "ZRANGESTORE", "dst", "z", 0, 1, "WITHSCORES") == "syntax error"


def test_remrange(r, enc):
    r.zadd("z", {m: i for i, m in enumerate("abcdefgh")})
    assert r.zremrangebyrank("z", 0, 1) == 2
    assert r.zremrangebyrank("z", -1, -1) == 1
    assert r.zrange("z", 0, -1) == [b"c", b"d", b"e", b"f", b"g"]
    assert r.zremrangebyscore("z", "(3", 5) == 2
    assert r.zrange("z", 0, -1) == [b"c", b"d", b"g"]
    assert r.zremrangebyrank("z", 5, 10) == 0
    r.zadd("l", {m: 0 for m in "abcde"})
    assert r.zremrangebylex("l", "[b", "(d") == 2
    assert r.zrange("l", 0, -1) == [b"a", b"d", b"e"]
    assert r.zremrangebylex("l", "-", "+") == 3 and r.exists("l") == 0
    assert r.zremrangebyscore("nosuch", 0, 1) == 0


def test_pops(r, enc):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zpopmin("z") == [(b"a", 1)]
    assert r.zpopmax("z", 2) == [(b"d", 4), (b"c", 3)]
    assert r.zpopmin("z", 0) == []
    assert r.zpopmin("z", 10) == [(b"b", 2)] and r.exists("z") == 0
    assert r.zpopmin("nosuch") == []
    assert err(r, "ZPOPMIN", "z", -1) == "value is out of range, must be positive"
    assert err(r, "ZPOPMIN", "z", 1, 2) == "syntax error"
    r.zadd("y", {"a": 1, "b": 2, "c": 3})
    ex = r.execute_command
    assert ex("ZMPOP", 2, "nosuch", "y", "MAX", "COUNT", 2) == [b"y", [[b"c", b"3"], [b"b", b"2"]]]
    assert ex("ZMPOP", 1, "y", "MIN") == [b"y", [[b"a", b"1"]]]
    assert ex("ZMPOP", 1, "y", "MIN") is None
    assert err(r, "ZMPOP", 0, "y", "MIN") == "numkeys should be greater than 0"
    assert err(r, "ZMPOP", 1, "y", "MIN", "COUNT", 0) == "count should be greater than 0"
    assert err(r, "ZMPOP", 1, "y", "MID") == "syntax error"
    assert err(r, "ZMPOP", 1, "y", "MIN", "COUNT", 1, "COUNT", 2) == "syntax error"


def test_resp3_shapes(server):
    c = Conn(server.port)
    c.call("HELLO", "3")
    c.call("ZADD", "z", "1", "a", "2.5", "b")
    assert c.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
    assert c.call("ZSCORE", "z", "b") == 2.5
    assert c.call("ZPOPMIN", "z") == [b"a", 1.0]  # no count: flat
    c.call("ZADD", "z", "1", "a")
    assert c.call("ZPOPMIN", "z", "1") == [[b"a", 1.0]]  # count: nested
    assert c.call("ZRANDMEMBER", "z", "1", "WITHSCORES") == [[b"b", 2.5]]
    assert c.call("ZSCORE", "z", "nope") is None


def test_encoding_conversion(r):
    r.config_set("zset-max-listpack-entries", 4)
    r.config_set("zset-max-listpack-value", 8)
    try:
        r.zadd("a", {"m%d" % i: i for i in range(4)})
        assert r.object("encoding", "a") == b"listpack"
        r.zadd("a", {"m4": 4})
        assert r.object("encoding", "a") == b"skiplist"
        assert r.zrange("a", 0, -1) == [("m%d" % i).encode() for i in range(5)]
        r.zadd("b", {"short": 1})
        assert r.object("encoding", "b") == b"listpack"
        r.zadd("b", {"longer than eight": 2})
        assert r.object("encoding", "b") == b"skiplist"
        assert r.zscore("b", "short") == 1
        r.zadd("c", {"m%d" % i: i for i in range(5)})  # created past the limit
        assert r.object("encoding", "c") == b"skiplist"
        # store results take the encoding their size calls for
        assert r.zunionstore("small", ["c"]) == 5
        assert r.object("encoding", "small") == b"skiplist"
        r.execute_command("ZRANGESTORE", "s2", "c", 0, 2)
        assert r.object("encoding", "s2") == b"listpack"
    finally:
        r.config_set("zset-max-listpack-entries", 128)
        r.config_set("zset-max-listpack-value", 64)


def test_algebra(r, enc):
    r.zadd("a", {"x": 1, "y": 2, "z": 3})
    r.zadd("b", {"y": 10, "z": 20, "w": 30})
    r.sadd("s", "z", "w", "v")
    assert r.zunion(["a", "b"], withscores=True) == \
        [(b"x", 1), (b"y", 12), (b"z", 23), (b"w", 30)]
    assert r.zinter(["a", "b"], withscores=True, aggregate="MAX") == [(b"y", 10), (b"z", 20)]
    assert r.zinter({"a": 2, "b": 1}, withscores=True, aggregate="MIN") == [(b"y", 4), (b"z", 6)]
    assert r.execute_command("ZDIFF", 2, "a", "b", "WITHSCORES") == [b"x", b"1"]
    assert r.zunion(["a", "s"], withscores=True) == \
        [(b"v", 1), (b"w", 1), (b"x", 1), (b"y", 2), (b"z", 4)]
    assert r.zinterstore("dst", ["a", "s"]) == 1 and r.zscore("dst", "z") == 4
    assert r.zunionstore("dst", ["nosuch"]) == 0 and r.exists("dst") == 0
    assert r.zdiffstore("dst", ["b", "a", "s"]) == 0
    assert r.zinter(["a", "nosuch"]) == []
    assert r.zintercard(2, ["a", "b"]) == 2
    assert r.execute_command("ZINTERCARD", 2, "a", "b", "LIMIT", 1) == 1
    r.zadd("inf", {"p": "inf"})
    r.zadd("ninf", {"p": "-inf"})
    assert r.zunion(["inf", "ninf"], withscores=True) == [(b"p", 0)]  # inf + -inf is 0
    assert r.zunion({"inf": 0}, withscores=True) == [(b"p", 0)]  # inf * 0 is 0
    assert err(r, "ZUNION", 0, "a") == "at least 1 input key is needed for 'zunion' command"
    assert err(r, "ZINTERSTORE", "d", 0, "a") == \
        "at least 1 input key is needed for 'zinterstore' command"
    assert err(r, "ZUNION", 3, "a", "b") == "syntax error"
    assert err(r, "ZUNION", 2, "a", "b", "WEIGHTS", 1, "x") == "weight value is not a float"
    assert err(r, "ZDIFF", 2, "a", "b", "WEIGHTS", 1, 2) == "syntax error"
    assert err(r, "ZUNIONSTORE", "d", 2, "a", "b", "WITHSCORES") == "syntax error"
    assert err(r, "ZINTERCARD", 1, "a", "LIMIT", -1) == "LIMIT can't be negative"
    # the destination may be one of the inputs
    assert r.zunionstore("a", ["a", "b"]) == 4 and r.zscore("a", "y") == 12


def test_zrandmember(r, enc):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrandmember("z") in (b"a", b"b", b"c")
    assert sorted(r.zrandmember("z", 10)) == [b"a", b"b", b"c"]
    two = r.zrandmember("z", 2)
    assert len(two) == 2 and len(set(two)) == 2
    assert len(r.zrandmember("z", -7)) == 7
    ws = r.zrandmember("z", -4, withscores=True)
    assert len(ws) == 8 and all(float(ws[i + 1]) == " abc".index(ws[i].decode())
                                for i in range(0, 8, 2))
    assert r.zrandmember("nosuch") is None and r.zrandmember("nosuch", 3) == []


def test_zscan_copy_memory(r, enc):
    r.zadd("z", {"m%d" % i: i for i in range(300)} if enc == "skiplist" else
           {"m%d" % i: i for i in range(50)})
    seen, cursor = {}, 0
    while True:
        cursor, batch = r.zscan("z", cursor, count=25)
        seen.update(batch)
        if cursor == 0:
            break
    n = 300 if enc == "skiplist" else 50
    assert len(seen) == n and seen[b"m7"] == 7
    assert list(r.zscan_iter("z", match="m1")) == [(b"m1", 1.0)]
    assert r.copy("z", "z2")
    r.zadd("z2", {"new": 1})
    assert r.zcard("z") == n and r.zcard("z2") == n + 1
    assert r.memory_usage("z") > n * 4
    assert r.type("z") == b"zset"


def model_range(d):
    return sorted(d.items(), key=lambda kv: (kv[1], kv[0]))


@pytest.mark.parametrize("limit", [0, 8, 128])
def test_random_ops_vs_model(r, limit):
    """Random operations on a few keys, full contents compared after every
    step; limit 0 keeps every value a skiplist, 8 converts on the way, 128
    stays listpack."""
    rnd = random.Random(limit + 11)
    r.config_set("zset-max-listpack-entries", limit)
    try:
        model = {}
        for step in range(1200):
            k = "k%d" % rnd.randrange(3)
            d = model.setdefault(k, {})
            m = ("m%d" % rnd.randrange(20)).encode()
            s = rnd.choice([rnd.randrange(-5, 6), rnd.randrange(100) / 4])
            op = rnd.random()
            if op < 0.35:
                assert r.zadd(k, {m: s}) == (0 if m in d else 1)
                d[m] = float(s)
            elif op < 0.45:
                assert r.zincrby(k, s, m) == d.get(m, 0) + s
                d[m] = d.get(m, 0) + s
            elif op < 0.6:
                assert r.zrem(k, m) == (1 if m in d else 0)
                d.pop(m, None)
            elif op < 0.67:
                lo, hi = sorted([rnd.randrange(-5, 20), rnd.randrange(-5, 20)])
                gone = [x for x, v in d.items() if lo <= v <= hi]
                assert r.zremrangebyscore(k, lo, hi) == len(gone)
                for x in gone:
                    del d[x]
            elif op < 0.72:
                a, b = rnd.randrange(-6, 6), rnd.randrange(-6, 6)
                items = model_range(d)
                n = len(items)
                a2, b2 = (a + n if a < 0 else a), (b + n if b < 0 else b)
                a2, b2 = max(a2, 0), min(b2, n - 1)
                gone = items[a2:b2 + 1] if a2 <= b2 else []
                assert r.zremrangebyrank(k, a, b) == len(gone)
                for x, _ in gone:
                    del d[x]
            elif op < 0.77:
                items = model_range(d)
                cnt = rnd.randrange(1, 4)
                if rnd.random() < 0.5:
                    want, rest = items[:cnt], items[cnt:]
                    assert r.zpopmin(k, cnt) == want
                else:
                    want, rest = items[::-1][:cnt], items[::-1][cnt:]
                    assert r.zpopmax(k, cnt) == want
                d.clear()
                d.update(dict(rest))
            elif op < 0.85:
                lo, hi = sorted([rnd.randrange(-5, 20), rnd.randrange(-5, 20)])
                off, cnt = rnd.randrange(0, 4), rnd.randrange(-1, 5)
                want = [x for x, v in model_range(d) if lo <= v <= hi]
                want = want[off:] if cnt < 0 else want[off:off + cnt]
                assert r.zrangebyscore(k, lo, hi, start=off, num=cnt) == want
                assert r.zcount(k, lo, hi) == len([1 for v in d.values() if lo <= v <= hi])
                rev = [x for x, v in model_range(d)[::-1] if lo <= v <= hi]
                assert r.zrevrangebyscore(k, hi, lo) == rev
            elif op < 0.9:
                if m in d:
                    assert r.zrank(k, m) == [x for x, _ in model_range(d)].index(m)
                    assert r.zrevrank(k, m) == len(d) - 1 - r.zrank(k, m)
                else:
                    assert r.zrank(k, m) is None
            else:
                a, b = rnd.randrange(-8, 8), rnd.randrange(-8, 8)
                items = model_range(d)
                n = len(items)
                a2, b2 = (a + n if a < 0 else a), (b + n if b < 0 else b)
                a2, b2 = max(a2, 0), min(b2, n - 1)
                assert r.zrange(k, a, b, withscores=True) == (items[a2:b2 + 1] if a2 <= b2 else [])
            if not d:
                model.pop(k)
                assert r.exists(k) == 0
            else:
                assert r.zrange(k, 0, -1, withscores=True) == model_range(d)
        if limit == 0:
            for k in model:
                assert r.object("encoding", k) == b"skiplist"
    finally:
        r.config_set("zset-max-listpack-entries", 128)


def test_lex_ranges_vs_model(r, enc):
    rnd = random.Random(5)
    words = sorted({"".join(rnd.choice("abc") for _ in range(rnd.randrange(0, 4)))
                    for _ in range(60)})
    r.zadd("w", {w: 0 for w in words})
    ws = [w.encode() for w in words]
    for _ in range(200):
        a, b = rnd.choice(ws), rnd.choice(ws)
        ai, bi = rnd.choice("[("), rnd.choice("[(")
        want = [w for w in ws if (w >= a if ai == "[" else w > a) and (w <= b if bi == "[" else w < b)]
        assert r.zrangebylex("w", ai.encode() + a, bi.encode() + b) == want
        assert r.zlexcount("w", ai.encode() + a, bi.encode() + b) == len(want)
        assert r.zrevrangebylex("w", bi.encode() + b, ai.encode() + a) == want[::-1]


def test_blocking_pops(server, r):
    a, b = Conn(server.port), Conn(server.port)
    a.send("BZPOPMIN", "bz1", "bz2", "0")
    b.send("BZMPOP", "0", "2", "bz3", "bz2", "MAX", "COUNT", "5")
    time.sleep(0.1)
    assert r.zadd("bz2", {"x": 1, "y": 2, "z": 3}) == 3
    assert a.read() == [b"bz2", b"x", b"1"]  # first come, first served
    assert b.read() == [b"bz2", [[b"z", b"3"], [b"y", b"2"]]]
    assert r.exists("bz2") == 0
    # a member already there: no wait
    r.zadd("bz1", {"m": 5})
    assert a.call("BZPOPMAX", "bz1", "0") == [b"bz1", b"m", b"5"]
    # timeouts answer a null array, sub-second
    t0 = time.time()
    assert a.call("BZPOPMIN", "nosuch", "0.1") is None
    assert 0.08 < time.time() - t0 < 1.5
    assert a.call("BZMPOP", "0.05", "1", "nosuch", "MIN") is None
    # inside MULTI nothing blocks
    a.call("MULTI")
    a.call("BZPOPMIN", "nosuch", "0")
    assert a.call("EXEC") == [None]
    assert isinstance(a.call("BZPOPMIN", "k", "-1"), Exception)
    # a key of another type keeps the waiter waiting; a zset then serves it
    a.send("BZPOPMIN", "wt", "0")
    time.sleep(0.05)
    r.set("wt", "string")
    r.delete("wt")
    r.zadd("wt", {"ok": 1})
    assert a.read() == [b"wt", b"ok", b"1"]
