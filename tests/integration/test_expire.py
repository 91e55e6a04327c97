"""Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX|XX|GT|LT), TTL, PTTL,
EXPIRETIME, PEXPIRETIME, PERSIST; lazy and active expiry; Redis 7.0's
replies and exact error texts."""
import time

import pytest

from resp_client import Error, call_err as err

LLONG_MAX = 9223372036854775807


def info_field(c, name):
    """An INFO field as int, or None while INFO does not report it."""
    text = c.call("INFO", "all")
    if isinstance(text, Error):
        return None
    for line in text.decode().split("\r\n"):
        k, _, v = line.partition(":")
        if k == name:
            return int(v)
    return None


def now_ms():
    return int(time.time() * 1000)


# ---- setting and reading TTLs -------------------------------------------------

def test_expire_and_ttl(c):
    c.call("SET", "x", "foobar")
    assert c.call("EXPIRE", "x", 5) == 1
    assert c.call("TTL", "x") in (4, 5)
    assert c.call("EXPIRE", "x", 10) == 1
    assert c.call("TTL", "x") == 10
    assert 9000 < c.call("PTTL", "x") <= 10000
    assert c.call("GET", "x") == b"foobar"


def test_expire_missing_key(c):
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert c.call(cmd, "none", 100) == 0
    for flag in ("NX", "XX", "GT", "LT"):
        assert c.call("EXPIRE", "none", 100, flag) == 0
    assert c.call("EXISTS", "none") == 0


def test_ttl_missing_and_persistent(c):
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert c.call(cmd, "x") == -2
    c.call("SET", "x", "hello")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert c.call(cmd, "x") == -1


def test_expireat_and_expiretime(c):
    c.call("SET", "x", "v")
    at = int(time.time()) + 100
    assert c.call("EXPIREAT", "x", at) == 1
    assert c.call("EXPIRETIME", "x") == at
    assert c.call("PEXPIRETIME", "x") == at * 1000
    assert 98 <= c.call("TTL", "x") <= 100
    pat = now_ms() + 100000 + 123
    assert c.call("PEXPIREAT", "x", pat) == 1
    assert c.call("PEXPIRETIME", "x") == pat
    assert c.call("EXPIRETIME", "x") == pat // 1000


def test_sub_second_expires(c):
    c.call("SET", "a", "v")
    c.call("SET", "b", "v")
    c.call("SET", "d", "v")
    assert c.call("PEXPIRE", "a", 100) == 1
    assert c.call("PEXPIREAT", "b", now_ms() + 100) == 1
    assert c.call("GET", "a") == b"v"
    time.sleep(0.15)
    assert c.call("GET", "a") is None
    assert c.call("GET", "b") is None
    assert c.call("EXISTS", "a", "b") == 0
    assert c.call("GET", "d") == b"v"


def test_ttl_rounds_to_nearest_second(c):
    c.call("SET", "x", "v")
    c.call("PEXPIRE", "x", 1600)
    assert c.call("TTL", "x") == 2
    c.call("PEXPIRE", "x", 1400)
    assert c.call("TTL", "x") == 1


def test_persist(c):
    c.call("SET", "x", "foo")
    c.call("EXPIRE", "x", 50)
    assert c.call("TTL", "x") == 50
    assert c.call("PERSIST", "x") == 1
    assert c.call("TTL", "x") == -1
    assert c.call("GET", "x") == b"foo"
    assert c.call("PERSIST", "x") == 0
    assert c.call("PERSIST", "nokey") == 0


def test_set_clears_ttl(c):
    c.call("SET", "x", "v")
    c.call("EXPIRE", "x", 100)
    c.call("SET", "x", "w")
    assert c.call("TTL", "x") == -1


def test_ttl_is_per_db(c):
    c.call("SET", "x", "v")
    c.call("SELECT", 4)
    c.call("SET", "x", "v")
    assert c.call("EXPIRE", "x", 100) == 1
    c.call("SELECT", 0)
    assert c.call("TTL", "x") == -1
    c.call("SELECT", 4)
    assert c.call("TTL", "x") == 100
    c.call("SELECT", 0)


# ---- past times delete ------------------------------------------------------------

def test_past_or_zero_expire_deletes_key(c):
    before = info_field(c, "expired_keys")
    for cmd, arg in (("EXPIRE", 0), ("EXPIRE", -10), ("PEXPIRE", -1),
                     ("EXPIREAT", int(time.time()) - 100), ("PEXPIREAT", 1)):
        c.call("SET", "x", "v")
        assert c.call(cmd, "x", arg) == 1, cmd
        assert c.call("EXISTS", "x") == 0, cmd
        assert c.call("TTL", "x") == -2
    # a deletion by the user, not an expiry
    assert info_field(c, "expired_keys") == before


def test_negative_expire_with_lt(c):
    c.call("SET", "foo", "bar")
    c.call("EXPIRE", "foo", 100)
    assert c.call("EXPIRE", "foo", -10, "LT") == 1
    assert c.call("TTL", "foo") == -2
    c.call("SET", "foo", "bar")
    assert c.call("EXPIRE", "foo", -10, "LT") == 1
    assert c.call("TTL", "foo") == -2


def test_expire_does_not_resurrect(c):
    c.call("SET", "foo", "bar")
    c.call("PEXPIRE", "foo", 50)
    time.sleep(0.1)
    assert c.call("EXPIRE", "foo", 10) == 0
    assert c.call("EXISTS", "foo") == 0


# ---- NX | XX | GT | LT ----------------------------------------------------------

@pytest.mark.parametrize("start,new,flags,ret,lo,hi", [
    (100, 200, ["NX"], 0, 50, 100),
    (None, 200, ["NX"], 1, 100, 200),
    (100, 200, ["XX"], 1, 100, 200),
    (None, 200, ["XX"], 0, -1, -1),
    (100, 200, ["GT"], 1, 100, 200),
    (200, 100, ["GT"], 0, 100, 200),
    (None, 200, ["GT"], 0, -1, -1),
    (100, 200, ["LT"], 0, 50, 100),
    (200, 100, ["LT"], 1, 50, 100),
    (None, 100, ["LT"], 1, 50, 100),
    (200, 100, ["LT", "XX"], 1, 50, 100),
    (None, 200, ["LT", "XX"], 0, -1, -1),
    (100, 100, ["LT"], 0, 99, 100),
    (100, 200, ["gt", "xx"], 1, 100, 200),
])
def test_expire_condition_flags(c, start, new, flags, ret, lo, hi):
    c.call("SET", "foo", "bar")
    if start is not None:
        c.call("EXPIRE", "foo", start)
    assert c.call("EXPIRE", "foo", new, *flags) == ret
    assert lo <= c.call("TTL", "foo") <= hi


def test_flag_conflicts_and_unknown_options(c):
    c.call("SET", "foo", "bar")
    nx = "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert err(c, "EXPIRE", "foo", 200, "LT", "GT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert err(c, "EXPIRE", "foo", 200, "NX", "GT") == nx
    assert err(c, "EXPIRE", "foo", 200, "NX", "LT") == nx
    assert err(c, "EXPIRE", "foo", 200, "NX", "XX") == nx
    assert err(c, "PEXPIRE", "foo", 200, "xx", "nx") == nx
    assert err(c, "EXPIRE", "foo", 200, "AB") == "ERR Unsupported option AB"
    assert err(c, "EXPIRE", "foo", 200, "XX", "AB") == "ERR Unsupported option AB"
    # options are checked before the time, the key and its existence
    assert err(c, "EXPIRE", "nokey", "notanint", "AB") == "ERR Unsupported option AB"
    assert c.call("TTL", "foo") == -1


# ---- bad times ---------------------------------------------------------------------

def test_not_an_integer(c):
    c.call("SET", "foo", "bar")
    for bad in ("", "abc", "1.5", " 1", "99999999999999999999"):
        assert err(c, "EXPIRE", "foo", bad) == "ERR value is not an integer or out of range"
        assert err(c, "PEXPIREAT", "foo", bad) == "ERR value is not an integer or out of range"
    # an integer error wins over a missing key
    assert err(c, "EXPIRE", "nokey", "x") == "ERR value is not an integer or out of range"


def test_overflow_errors(c):
    c.call("SET", "foo", "bar")
    for v in (9223370399119966, 9223372036854776, 10000000000000000, 18446744073709561,
              -9223372036854776, -9999999999999999):
        assert err(c, "EXPIRE", "foo", v) == "ERR invalid expire time in 'expire' command"
    assert err(c, "EXPIREAT", "foo", 9223372036854776) == \
        "ERR invalid expire time in 'expireat' command"
    assert err(c, "PEXPIRE", "foo", 9223372036854770000) == \
        "ERR invalid expire time in 'pexpire' command"
    assert err(c, "PEXPIRE", "foo", LLONG_MAX) == "ERR invalid expire time in 'pexpire' command"
    assert c.call("TTL", "foo") == -1


def test_extreme_absolute_times(c):
    c.call("SET", "foo", "bar")
    assert c.call("PEXPIREAT", "foo", 9223372036854770000) == 1
    assert c.call("PEXPIRETIME", "foo") == 9223372036854770000
    assert c.call("PEXPIREAT", "foo", LLONG_MAX) == 1
    assert c.call("PEXPIRETIME", "foo") == LLONG_MAX
    assert c.call("PEXPIREAT", "foo", -9223372036854770000) == 1
    assert c.call("TTL", "foo") == -2
    c.call("SET", "foo", "bar")
    assert c.call("PEXPIRE", "foo", -9223372036854775808) == 1
    assert c.call("EXISTS", "foo") == 0
    c.call("SET", "foo", "bar")
    assert c.call("EXPIRE", "foo", -9223372036854775) == 1
    assert c.call("EXISTS", "foo") == 0


def test_arity(c):
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert err(c, cmd, "k") == "ERR wrong number of arguments for '%s' command" % cmd.lower()
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
        assert err(c, cmd) == "ERR wrong number of arguments for '%s' command" % cmd.lower()
        assert err(c, cmd, "a", "b") == \
            "ERR wrong number of arguments for '%s' command" % cmd.lower()


# ---- lazy and active expiry -------------------------------------------------------

def test_lazy_expiry_on_access(c):
    c.call("SET", "k", "v")
    c.call("PEXPIRE", "k", 30)
    time.sleep(0.06)
    assert c.call("GET", "k") is None
    assert c.call("TTL", "k") == -2
    assert c.call("DEL", "k") == 0


def test_active_expiry_without_access(c):
    for i in range(200):
        c.call("SET", "t%d" % i, "v")
        c.call("PEXPIRE", "t%d" % i, 100)
    c.call("SET", "keep", "v")
    assert c.call("DBSIZE") == 201
    deadline = time.time() + 3
    while time.time() < deadline and c.call("DBSIZE") != 1:
        time.sleep(0.05)
    assert c.call("DBSIZE") == 1
    assert c.call("KEYS", "*") == [b"keep"]


def test_active_expiry_in_other_dbs(c):
    for db in (1, 7, 15):
        c.call("SELECT", db)
        for i in range(20):
            c.call("SET", "d%d" % i, "v")
            c.call("PEXPIRE", "d%d" % i, 50)
    deadline = time.time() + 3
    sizes = None
    while time.time() < deadline:
        sizes = []
        for db in (1, 7, 15):
            c.call("SELECT", db)
            sizes.append(c.call("DBSIZE"))
        if sizes == [0, 0, 0]:
            break
        time.sleep(0.05)
    c.call("SELECT", 0)
    assert sizes == [0, 0, 0]


def test_dirty_counter(c):
    before = info_field(c, "rdb_changes_since_last_save")
    if before is None:
        pytest.skip("INFO persistence not available yet")
    c.call("SET", "k", "v")
    c.call("EXPIRE", "k", 100)
    c.call("EXPIRE", "k", 50, "GT")  # refused: no change
    c.call("PERSIST", "k")
    c.call("PERSIST", "k")  # no TTL: no change
    assert info_field(c, "rdb_changes_since_last_save") == before + 3
