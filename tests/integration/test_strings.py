"""String commands: replies, options, errors, encodings and TTL handling,
against the real server with redis-py."""
import time

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def enc(r, key):
    return r.object("encoding", key)


def make_list(r, key):
    """A key of another type (a set), for WRONGTYPE checks."""
    return r.sadd(key, "x") == 1


def test_set_get_basic(r):
    assert r.set("k", "v")
    assert r.get("k") == b"v"
    assert r.set("k", "") and r.get("k") == b""
    assert r.get("nokey") is None
    big = b"x" * 100000
    r.set("big", big)
    assert r.get("big") == big


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.set("missing", "3", xx=True) is None
    assert r.exists("missing") == 0
    assert err(r, "SET", "k", "v", "NX", "XX") == "syntax error"


def test_set_get_option(r):
    assert r.set("k", "v1", get=True) is None
    assert r.set("k", "v2", get=True) == b"v1"
    assert r.set("k", "v3", nx=True, get=True) == b"v2"
    assert r.get("k") == b"v2"
    assert r.set("nope", "v", xx=True, get=True) is None
    assert r.exists("nope") == 0


def test_set_expire_options(r):
    r.set("k", "v", ex=100)
    assert 95 <= r.ttl("k") <= 100
    r.set("k", "v", px=100000)
    assert 95000 <= r.pttl("k") <= 100000
    at = int(time.time()) + 200
    r.set("k", "v", exat=at)
    assert r.execute_command("EXPIRETIME", "k") == at
    r.set("k", "v", pxat=at * 1000)
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000
    r.set("k", "v2")  # plain SET drops the TTL
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    r.set("k", "v3", keepttl=True)
    assert r.ttl("k") > 0 and r.get("k") == b"v3"


def test_set_expire_errors(r):
    assert err(r, "SET", "k", "v", "EX", "0") == "invalid expire time in 'set' command"
    assert err(r, "SET", "k", "v", "PX", "-5") == "invalid expire time in 'set' command"
    assert err(r, "SET", "k", "v", "EX", "9223372036854775807") == \
        "invalid expire time in 'set' command"
    assert err(r, "SET", "k", "v", "EX", "abc") == "value is not an integer or out of range"
    assert err(r, "SET", "k", "v", "EX", "10", "PX", "100") == "syntax error"
    assert err(r, "SET", "k", "v", "EX", "10", "KEEPTTL") == "syntax error"
    assert err(r, "SET", "k", "v", "EX") == "syntax error"
    assert err(r, "SET", "k", "v", "BOGUS") == "syntax error"
    assert err(r, "SET", "k") == "wrong number of arguments for 'set' command"
    assert r.exists("k") == 0


def test_set_short_expiry_really_expires(r):
    r.set("k", "v", px=50)
    time.sleep(0.15)
    assert r.get("k") is None


def test_setnx_setex_psetex(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.get("k") == b"1"
    assert r.setex("e", 100, "v") and 95 <= r.ttl("e") <= 100
    assert r.psetex("p", 100000, "v") and r.pttl("p") > 90000
    assert err(r, "SETEX", "e", "0", "v") == "invalid expire time in 'setex' command"
    assert err(r, "PSETEX", "e", "-1", "v") == "invalid expire time in 'psetex' command"
    assert err(r, "SETEX", "e", "x", "v") == "value is not an integer or out of range"


def test_getset_getdel_getex(r):
    assert r.getset("k", "a") is None
    r.expire("k", 100)
    assert r.getset("k", "b") == b"a"
    assert r.ttl("k") == -1  # GETSET drops the TTL
    assert r.getdel("k") == b"b"
    assert r.exists("k") == 0
    assert r.getdel("k") is None
    r.set("g", "v")
    assert r.getex("g", ex=100) == b"v" and r.ttl("g") > 90
    assert r.getex("g", persist=True) == b"v" and r.ttl("g") == -1
    assert r.getex("g", px=100000) == b"v" and r.pttl("g") > 90000
    assert r.execute_command("GETEX", "g", "EXAT", int(time.time()) - 10) == b"v"
    assert r.exists("g") == 0  # an absolute time in the past deletes
    assert r.getex("missing") is None
    assert err(r, "GETEX", "g", "EX", "0") == "invalid expire time in 'getex' command"
    assert err(r, "GETEX", "g", "EX", "10", "PERSIST") == "syntax error"
    assert err(r, "GETEX", "g", "NX") == "syntax error"


def test_mget_mset_msetnx(r):
    assert r.mset({"a": "1", "b": "2"})
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.msetnx({"c": "3", "a": "x"}) is False
    assert r.get("c") is None and r.get("a") == b"1"
    assert r.msetnx({"c": "3", "d": "4"}) is True
    assert r.mget("c", "d") == [b"3", b"4"]
    assert err(r, "MSET", "a", "1", "b") == "wrong number of arguments for 'mset' command"
    assert err(r, "MSETNX", "a") == "wrong number of arguments for 'msetnx' command"
    if make_list(r, "lst"):
        assert r.mget("a", "lst") == [b"1", None]


def test_append_strlen(r):
    assert r.append("k", "hello") == 5
    assert r.append("k", " world") == 11
    assert r.get("k") == b"hello world"
    assert r.strlen("k") == 11
    assert r.strlen("missing") == 0
    r.set("n", 12345)
    assert r.strlen("n") == 5
    assert r.append("n", "6") == 6 and r.get("n") == b"123456"


def test_incr_family(r):
    assert r.incr("c") == 1
    assert r.incrby("c", 10) == 11
    assert r.decr("c") == 10
    assert r.decrby("c", 20) == -10
    r.set("big", "9223372036854775807")
    assert err(r, "INCR", "big") == "increment or decrement would overflow"
    r.set("small", "-9223372036854775808")
    assert err(r, "DECR", "small") == "increment or decrement would overflow"
    assert err(r, "DECRBY", "c", "-9223372036854775808") == "decrement would overflow"
    r.set("s", "abc")
    assert err(r, "INCR", "s") == "value is not an integer or out of range"
    r.set("sp", " 1")
    assert err(r, "INCR", "sp") == "value is not an integer or out of range"
    assert err(r, "INCRBY", "c", "1.5") == "value is not an integer or out of range"
    r.set("t", 5, ex=100)
    r.incr("t")
    assert r.ttl("t") > 0  # INCR keeps the TTL
    assert r.get("t") == b"6"


def test_incr_encodings(r):
    r.set("c", 100000)
    assert enc(r, "c") == b"int"
    for _ in range(5):
        r.incr("c")
    assert r.get("c") == b"100005"
    r.set("c", 5)
    r.incr("c")
    assert r.get("c") == b"6"


def test_incrbyfloat(r):
    assert r.incrbyfloat("f", 10.5) == 10.5
    assert r.incrbyfloat("f", 0.1) == pytest.approx(10.6)
    assert r.get("f") == b"10.6"
    r.set("i", 5)
    r.incrbyfloat("i", "5.0e3")
    assert r.get("i") == b"5005"
    r.incrbyfloat("i", "-5005")
    assert r.get("i") == b"0"
    assert err(r, "INCRBYFLOAT", "i", "abc") == "value is not a valid float"
    r.set("s", "xyz")
    assert err(r, "INCRBYFLOAT", "s", "1") == "value is not a valid float"
    r.set("m", "0")
    assert err(r, "INCRBYFLOAT", "m", "+inf") == "increment would produce NaN or Infinity"
    assert r.get("m") == b"0"


def test_getrange_substr(r):
    r.set("k", "Hello World")
    assert r.getrange("k", 0, 4) == b"Hello"
    assert r.getrange("k", -5, -1) == b"World"
    assert r.getrange("k", 0, -1) == b"Hello World"
    assert r.getrange("k", 5, 3) == b""
    assert r.getrange("k", -1, -5) == b""
    assert r.getrange("k", 0, 1000) == b"Hello World"
    assert r.getrange("k", -1000, 2) == b"Hel"
    assert r.getrange("missing", 0, 10) == b""
    assert r.execute_command("SUBSTR", "k", 6, 10) == b"World"
    r.set("n", 1234)
    assert r.getrange("n", 1, 2) == b"23"
    assert err(r, "GETRANGE", "k", "a", "1") == "value is not an integer or out of range"


def test_setrange(r):
    assert r.setrange("k", 5, "abc") == 8
    assert r.get("k") == b"\x00" * 5 + b"abc"
    r.set("s", "Hello World")
    assert r.setrange("s", 6, "Redis") == 11
    assert r.get("s") == b"Hello Redis"
    assert r.setrange("missing", 0, "") == 0
    assert r.exists("missing") == 0
    assert r.setrange("s", 100, "") == 11
    assert err(r, "SETRANGE", "s", "-1", "x") == "offset is out of range"
    assert err(r, "SETRANGE", "s", "9223372036854775807", "x") == \
        "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert err(r, "SETRANGE", "s", "536870912", "x") == \
        "string exceeds maximum allowed size (proto-max-bulk-len)"
    r.set("n", 1234)
    assert r.setrange("n", 1, "9") == 4 and r.get("n") == b"1934"


def test_append_respects_max_size(r):
    r.config_set("proto-max-bulk-len", "1mb")
    try:
        r.set("k", b"x" * 1000000)
        assert err(r, "APPEND", "k", b"y" * 100000) == \
            "string exceeds maximum allowed size (proto-max-bulk-len)"
        assert r.strlen("k") == 1000000
    finally:
        r.config_set("proto-max-bulk-len", "512mb")


def test_lcs(r):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert r.execute_command("LCS", "a", "b") == b"mytext"
    assert r.execute_command("LCS", "a", "b", "LEN") == 6
    res = r.execute_command("LCS", "a", "b", "IDX")
    assert res == [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    res = r.execute_command("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    assert res == [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert r.execute_command("LCS", "a", "missing") == b""
    assert err(r, "LCS", "a", "b", "LEN", "IDX") == \
        "If you want both the length and indexes, please just use IDX."
    assert err(r, "LCS", "a", "b", "FOO") == "syntax error"


def test_encodings(r):
    r.set("i", "12345")
    assert enc(r, "i") == b"int"
    r.set("e", "hello")
    assert enc(r, "e") == b"embstr"
    r.set(b"raw", "x" * 45)
    assert enc(r, b"raw") == b"raw"
    r.set("z", "0123")  # not canonical: stays a string
    assert enc(r, "z") == b"embstr"
    r.append("e", "!")
    assert enc(r, "e") == b"raw"


def test_wrongtype(r):
    assert make_list(r, "lst")
    for args in (("GET", "lst"), ("APPEND", "lst", "x"), ("INCR", "lst"), ("STRLEN", "lst"),
                 ("GETRANGE", "lst", 0, 1), ("SETRANGE", "lst", 0, "x"), ("GETDEL", "lst"),
                 ("SET", "lst", "v", "GET")):
        assert err(r, *args) == WRONGTYPE


def test_arity(r):
    assert err(r, "GET") == "wrong number of arguments for 'get' command"
    assert err(r, "INCRBY", "k") == "wrong number of arguments for 'incrby' command"
    assert err(r, "GETRANGE", "k", "1") == "wrong number of arguments for 'getrange' command"
