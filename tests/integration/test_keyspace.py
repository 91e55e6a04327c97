"""Generic keyspace commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN,
RANDOMKEY, DBSIZE, RENAME, RENAMENX, MOVE, COPY, SWAPDB, FLUSHDB, FLUSHALL
and OBJECT, with Redis 7.0's replies and exact error texts."""
import time


from resp_client import Conn, Error, call_err as err


def fill(c, *keys, value="v"):
    for k in keys:
        assert c.call("SET", k, value) == b"OK"


def scan_all(c, *opts, between=None):
    """Full SCAN iteration; returns (list of keys with repeats, calls)."""
    cur, out, calls = b"0", [], 0
    while True:
        cur, keys = c.call("SCAN", cur, *opts)
        out += keys
        calls += 1
        if cur == b"0":
            return out, calls
        if between:
            between(calls)


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE / DBSIZE --------------------------

def test_del_unlink_count_only_existing(c):
    fill(c, "a", "b", "c")
    assert c.call("DEL", "a", "b", "nokey", "a") == 2
    assert c.call("EXISTS", "a", "b", "c") == 1
    assert c.call("UNLINK", "c", "c", "zz") == 1
    assert c.call("DBSIZE") == 0
    assert c.call("DEL", "nothing") == 0


def test_exists_counts_repeats(c):
    fill(c, "k")
    assert c.call("EXISTS", "k", "k", "k", "missing") == 3
    assert c.call("EXISTS", "missing") == 0
    fill(c, "", value="")  # empty key name and empty value are a real key
    assert c.call("EXISTS", "") == 1


def test_touch(c):
    fill(c, "a", "b")
    assert c.call("TOUCH", "a", "b", "c", "a") == 3


def test_type(c):
    fill(c, "s")
    assert c.call("TYPE", "s") == b"string"
    assert c.call("TYPE", "missing") == b"none"


def test_dbsize_and_arity(c):
    fill(c, "a", "b")
    assert c.call("DBSIZE") == 2
    assert err(c, "DBSIZE", "x") == "ERR wrong number of arguments for 'dbsize' command"
    assert err(c, "DEL") == "ERR wrong number of arguments for 'del' command"
    assert err(c, "EXISTS") == "ERR wrong number of arguments for 'exists' command"
    assert err(c, "TYPE", "a", "b") == "ERR wrong number of arguments for 'type' command"
    assert err(c, "KEYS") == "ERR wrong number of arguments for 'keys' command"
    assert err(c, "RENAME", "a") == "ERR wrong number of arguments for 'rename' command"
    assert err(c, "COPY", "a") == "ERR wrong number of arguments for 'copy' command"


# ---- KEYS ---------------------------------------------------------------------

def test_keys_patterns(c):
    fill(c, "key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c")
    assert sorted(c.call("KEYS", "foo*")) == [b"foo_a", b"foo_b", b"foo_c"]
    assert sorted(c.call("KEYS", "*")) == sorted(
        [b"key_x", b"key_y", b"key_z", b"foo_a", b"foo_b", b"foo_c"])
    assert sorted(c.call("KEYS", "key_[xy]")) == [b"key_x", b"key_y"]
    assert c.call("KEYS", "?oo_a") == [b"foo_a"]
    assert c.call("KEYS", "nomatch*") == []


def test_keys_pathological_pattern_returns(make_server):
    # own server: if matching were exponential it would spin forever
    s = make_server()
    conn = Conn(s.port, timeout=3)
    try:
        conn.call("SET", "a" * 40, "1")
        t = time.time()
        assert conn.call("KEYS", "a*" * 20 + "b") == []
        assert conn.call("SCAN", 0, "MATCH", "a*" * 20 + "b") == [b"0", []]
        assert time.time() - t < 1
    finally:
        conn.close()


def test_keys_hides_expired_keys(c):
    fill(c, "live", "dying")
    assert c.call("PEXPIRE", "dying", 1) == 1
    time.sleep(0.02)
    assert c.call("KEYS", "*") == [b"live"]


# ---- SCAN ---------------------------------------------------------------------

def test_scan_full_iteration(c):
    p = [("SET", "key:%d" % i, "x") for i in range(1000)]
    for cmd in p:
        c.send(*cmd)
    for _ in p:
        assert c.read() == b"OK"
    keys, _ = scan_all(c)
    assert len(set(keys)) == 1000
    keys, calls = scan_all(c, "COUNT", 5)
    assert len(set(keys)) == 1000 and calls > 100
    keys, _ = scan_all(c, "MATCH", "key:1??")
    assert len(set(keys)) == 100
    keys, _ = scan_all(c, "TYPE", "list")
    assert keys == []
    keys, _ = scan_all(c, "type", "STRING", "match", "key:*", "count", 10)
    assert len(set(keys)) == 1000


def test_scan_guarantee_under_write_load(c):
    for i in range(100):
        c.call("SET", "k%d" % i, "x")
    n = [0]

    def write(_calls):
        for _ in range(10):
            n[0] += 1
            c.call("SET", "added:%d" % n[0], "foo")

    keys, _ = scan_all(c, between=write)
    assert set("k%d" % i for i in range(100)).issubset(k.decode() for k in keys)


def test_scan_guarantee_while_shrinking(c):
    for i in range(3000):
        c.send("SET", "t%d" % i, "x")
    for i in range(3000):
        c.read()
    stable = ["t%d" % i for i in range(0, 3000, 100)]
    victims = [k for k in ("t%d" % i for i in range(3000)) if k not in set(stable)]

    def delete(_calls):
        for _ in range(200):
            if victims:
                c.call("DEL", victims.pop())

    keys, _ = scan_all(c, "COUNT", 20, between=delete)
    assert set(stable).issubset(k.decode() for k in keys)


def test_scan_empty_db_and_cursor_forms(c):
    assert c.call("SCAN", 0) == [b"0", []]
    assert c.call("SCAN", "") == [b"0", []]  # strtoul reads "" as 0
    assert c.call("SCAN", "+0") == [b"0", []]
    assert c.call("SCAN", "18446744073709551615") == [b"0", []]


def test_scan_errors(c):
    fill(c, "a")
    for bad in ("abc", "1x", " 1", "-", "18446744073709551616", "1.5"):
        assert err(c, "SCAN", bad) == "ERR invalid cursor", bad
    assert err(c, "SCAN", 0, "COUNT", 0) == "ERR syntax error"
    assert err(c, "SCAN", 0, "COUNT", -1) == "ERR syntax error"
    assert err(c, "SCAN", 0, "COUNT", "x") == "ERR value is not an integer or out of range"
    assert err(c, "SCAN", 0, "COUNT") == "ERR syntax error"
    assert err(c, "SCAN", 0, "MATCH") == "ERR syntax error"
    assert err(c, "SCAN", 0, "FOO", "bar") == "ERR syntax error"
    assert err(c, "SCAN") == "ERR wrong number of arguments for 'scan' command"
    # a huge COUNT is fine and does not allocate by COUNT
    assert c.call("SCAN", 0, "COUNT", 9223372036854775807) == [b"0", [b"a"]]


def test_scan_deletes_expired_keys(c):
    fill(c, "x1", "x2", "live")
    c.call("PEXPIRE", "x1", 1)
    c.call("PEXPIRE", "x2", 1)
    time.sleep(0.02)
    keys, _ = scan_all(c)
    assert keys == [b"live"]
    assert c.call("DBSIZE") == 1


# ---- RANDOMKEY ----------------------------------------------------------------

def test_randomkey(c):
    assert c.call("RANDOMKEY") is None
    fill(c, "foo", "bar")
    seen = {c.call("RANDOMKEY") for _ in range(200)}
    assert seen == {b"foo", b"bar"}
    c.call("DEL", "foo", "bar")
    assert c.call("RANDOMKEY") is None


def test_randomkey_skips_expired(c):
    for i in range(300):
        c.call("SET", "e%d" % i, "x")
        c.call("PEXPIRE", "e%d" % i, 1)
    fill(c, "survivor")
    time.sleep(0.02)
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")  # may not exist yet: harmless
    try:
        for _ in range(5):
            assert c.call("RANDOMKEY") == b"survivor"
    finally:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---- RENAME / RENAMENX ----------------------------------------------------------

def test_rename(c):
    fill(c, "a", value="hello")
    assert c.call("RENAME", "a", "b") == b"OK"
    assert c.call("RENAME", "b", "c") == b"OK"
    assert c.call("GET", "c") == b"hello"
    assert c.call("EXISTS", "a", "b") == 0
    fill(c, "x", value="1")
    fill(c, "y", value="2")
    assert c.call("RENAME", "y", "x") == b"OK"
    assert c.call("GET", "x") == b"2"
    assert c.call("EXISTS", "y") == 0


def test_rename_errors_and_same_key(c):
    assert err(c, "RENAME", "nokey", "x") == "ERR no such key"
    assert err(c, "RENAMENX", "nokey", "x") == "ERR no such key"
    assert err(c, "RENAME", "nokey", "nokey") == "ERR no such key"
    fill(c, "k")
    assert c.call("RENAME", "k", "k") == b"OK"
    assert c.call("RENAMENX", "k", "k") == 0
    assert c.call("GET", "k") == b"v"


def test_renamenx(c):
    fill(c, "a", value="foobar")
    assert c.call("RENAMENX", "a", "b") == 1
    assert c.call("GET", "b") == b"foobar"
    fill(c, "a", value="foo")
    assert c.call("RENAMENX", "a", "b") == 0
    assert c.call("GET", "a") == b"foo" and c.call("GET", "b") == b"foobar"


def test_rename_moves_ttl_and_drops_target_ttl(c):
    fill(c, "src")
    c.call("EXPIRE", "src", 100)
    assert c.call("RENAME", "src", "dst") == b"OK"
    assert 95 < c.call("TTL", "dst") <= 100
    fill(c, "plain")
    fill(c, "vol")
    c.call("EXPIRE", "vol", 100)
    assert c.call("RENAME", "plain", "vol") == b"OK"
    assert c.call("TTL", "vol") == -1


def test_rename_expired_source_is_missing(c):
    fill(c, "gone")
    c.call("PEXPIRE", "gone", 1)
    time.sleep(0.02)
    assert err(c, "RENAME", "gone", "x") == "ERR no such key"


# ---- MOVE -------------------------------------------------------------------------

def test_move(c):
    fill(c, "mykey", value="foobar")
    assert c.call("MOVE", "mykey", 10) == 1
    assert c.call("EXISTS", "mykey") == 0
    assert c.call("DBSIZE") == 0
    assert c.call("SELECT", 10) == b"OK"
    assert c.call("GET", "mykey") == b"foobar"
    assert c.call("DBSIZE") == 1
    assert c.call("SELECT", 0) == b"OK"
    fill(c, "mykey", value="hello")
    assert c.call("MOVE", "mykey", 10) == 0  # exists in target
    assert c.call("MOVE", "nokey", 10) == 0


def test_move_errors(c):
    fill(c, "k")
    assert err(c, "MOVE", "k", "notanumber") == "ERR value is not an integer or out of range"
    assert err(c, "MOVE", "k", "99999999999") == "ERR value is not an integer or out of range"
    assert err(c, "MOVE", "k", 16) == "ERR DB index is out of range"
    assert err(c, "MOVE", "k", -1) == "ERR DB index is out of range"
    assert err(c, "MOVE", "k", 0) == "ERR source and destination objects are the same"
    assert err(c, "MOVE", "nokey", 0) == "ERR source and destination objects are the same"


def test_move_carries_ttl(c):
    fill(c, "vol")
    c.call("EXPIRE", "vol", 100)
    fill(c, "plain")
    assert c.call("MOVE", "vol", 3) == 1
    assert c.call("MOVE", "plain", 3) == 1
    assert c.call("TTL", "vol") == -2
    c.call("SELECT", 3)
    assert 0 < c.call("TTL", "vol") <= 100
    assert c.call("TTL", "plain") == -1
    c.call("SELECT", 0)


# ---- COPY ---------------------------------------------------------------------------

def test_copy_basic_and_other_db(c):
    fill(c, "src", value="foobar")
    assert c.call("COPY", "src", "dst") == 1
    assert c.call("GET", "dst") == b"foobar"
    assert c.call("DBSIZE") == 2
    assert c.call("COPY", "src", "dst", "DB", 10) == 1
    c.call("SELECT", 10)
    assert c.call("GET", "dst") == b"foobar"
    # the copy is independent
    c.call("SET", "dst", "hoge")
    c.call("SELECT", 0)
    assert c.call("GET", "src") == b"foobar"
    assert c.call("GET", "dst") == b"foobar"


def test_copy_replace_and_missing(c):
    fill(c, "a", value="1")
    fill(c, "b", value="2")
    assert c.call("COPY", "a", "b") == 0
    assert c.call("GET", "b") == b"2"
    assert c.call("COPY", "a", "b", "REPLACE") == 1
    assert c.call("GET", "b") == b"1"
    assert c.call("COPY", "nokey", "x") == 0
    assert c.call("EXISTS", "x") == 0


def test_copy_all_string_encodings(c):
    big = "x" * 100
    fill(c, "int", value="12345")
    fill(c, "emb", value="hello")
    fill(c, "raw", value=big)
    for k in ("int", "emb", "raw"):
        assert c.call("COPY", k, k + "2") == 1
        assert c.call("GET", k + "2") == c.call("GET", k)
        assert c.call("OBJECT", "ENCODING", k + "2") == c.call("OBJECT", "ENCODING", k)


def test_copy_ttl(c):
    fill(c, "vol")
    c.call("EXPIRE", "vol", 100)
    assert c.call("COPY", "vol", "copy") == 1
    assert 0 < c.call("TTL", "copy") <= 100
    fill(c, "plain")
    fill(c, "target")
    c.call("EXPIRE", "target", 100)
    assert c.call("COPY", "plain", "target", "REPLACE") == 1
    assert c.call("TTL", "target") == -1


def test_copy_errors(c):
    fill(c, "a")
    assert err(c, "COPY", "a", "b", "DB", "notanumber") == \
        "ERR value is not an integer or out of range"
    assert err(c, "COPY", "a", "b", "DB", 16) == "ERR DB index is out of range"
    assert err(c, "COPY", "a", "b", "DB", -1) == "ERR DB index is out of range"
    assert err(c, "COPY", "a", "b", "DB") == "ERR syntax error"
    assert err(c, "COPY", "a", "b", "FOO") == "ERR syntax error"
    assert err(c, "COPY", "a", "a") == "ERR source and destination objects are the same"
    assert err(c, "COPY", "a", "a", "DB", 0) == "ERR source and destination objects are the same"
    assert c.call("COPY", "a", "a", "DB", 1) == 1


# ---- SWAPDB / FLUSHDB / FLUSHALL ------------------------------------------------------

def test_swapdb(c):
    fill(c, "in0", value="zero")
    c.call("SELECT", 1)
    fill(c, "in1", value="one")
    c.call("SELECT", 0)
    assert c.call("SWAPDB", 0, 1) == b"OK"
    # the client stays on db 0 and now sees db 1's former keys
    assert c.call("GET", "in1") == b"one"
    assert c.call("EXISTS", "in0") == 0
    c.call("SELECT", 1)
    assert c.call("GET", "in0") == b"zero"
    c.call("SELECT", 0)
    assert c.call("SWAPDB", 2, 2) == b"OK"


def test_swapdb_keeps_ttls(c):
    fill(c, "vol")
    c.call("EXPIRE", "vol", 100)
    assert c.call("SWAPDB", 0, 5) == b"OK"
    c.call("SELECT", 5)
    assert 0 < c.call("TTL", "vol") <= 100
    c.call("SELECT", 0)


def test_swapdb_errors(c):
    assert err(c, "SWAPDB", "x", 1) == "ERR invalid first DB index"
    assert err(c, "SWAPDB", 1, "y") == "ERR invalid second DB index"
    assert err(c, "SWAPDB", 99999999999, 1) == "ERR invalid first DB index"
    assert err(c, "SWAPDB", 0, 16) == "ERR DB index is out of range"
    assert err(c, "SWAPDB", -1, 0) == "ERR DB index is out of range"
    assert err(c, "SWAPDB", 0) == "ERR wrong number of arguments for 'swapdb' command"


def test_flushdb_and_flushall(c):
    fill(c, "a", "b")
    c.call("SELECT", 1)
    fill(c, "c")
    assert c.call("FLUSHDB") == b"OK"
    assert c.call("DBSIZE") == 0
    c.call("SELECT", 0)
    assert c.call("DBSIZE") == 2
    assert c.call("FLUSHDB", "ASYNC") == b"OK"
    assert c.call("DBSIZE") == 0
    fill(c, "a")
    c.call("SELECT", 2)
    fill(c, "b")
    assert c.call("FLUSHALL", "sync") == b"OK"
    assert c.call("DBSIZE") == 0
    c.call("SELECT", 0)
    assert c.call("DBSIZE") == 0
    fill(c, "a")
    assert c.call("FLUSHALL", "async") == b"OK"
    assert c.call("DBSIZE") == 0
    # the table is usable after a flush
    fill(c, "after")
    assert c.call("KEYS", "*") == [b"after"]


def test_flush_errors(c):
    assert err(c, "FLUSHDB", "LATER") == "ERR syntax error"
    assert err(c, "FLUSHALL", "ASYNC", "SYNC") == "ERR syntax error"
    assert err(c, "FLUSHALL", "x") == "ERR syntax error"


# ---- OBJECT --------------------------------------------------------------------------

def test_object_encoding_and_refcount(c):
    fill(c, "i", value="123")
    fill(c, "e", value="hello")
    fill(c, "r", value="x" * 45)
    fill(c, "big", value="123456789012")
    assert c.call("OBJECT", "ENCODING", "i") == b"int"
    assert c.call("OBJECT", "encoding", "big") == b"int"
    assert c.call("OBJECT", "ENCODING", "e") == b"embstr"
    assert c.call("OBJECT", "ENCODING", "r") == b"raw"
    assert c.call("OBJECT", "ENCODING", "missing") is None
    assert c.call("OBJECT", "REFCOUNT", "e") == 1
    assert c.call("OBJECT", "REFCOUNT", "i") == 2147483647  # shared integer
    assert c.call("OBJECT", "REFCOUNT", "missing") is None


def test_object_idletime(c):
    # the clock has 1 s resolution: allow one tick of slack
    fill(c, "k")
    assert c.call("OBJECT", "IDLETIME", "k") <= 1
    time.sleep(2.1)
    assert c.call("OBJECT", "IDLETIME", "k") >= 2
    assert c.call("TYPE", "k") == b"string"  # TYPE, EXISTS, TTL do not touch
    assert c.call("EXISTS", "k") == 1
    assert c.call("TTL", "k") == -1
    assert c.call("OBJECT", "IDLETIME", "k") >= 2
    c.call("GET", "k")
    assert c.call("OBJECT", "IDLETIME", "k") <= 1
    assert c.call("OBJECT", "IDLETIME", "missing") is None


def test_object_freq_needs_lfu(c):
    fill(c, "k")
    assert err(c, "OBJECT", "FREQ", "k") == (
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.")
    assert c.call("OBJECT", "FREQ", "missing") is None


def test_object_lfu_policy(make_server):
    s = make_server(args=["--maxmemory-policy", "allkeys-lfu"])
    conn = Conn(s.port)
    try:
        conn.call("SET", "k", "v")
        assert isinstance(conn.call("OBJECT", "FREQ", "k"), int)
        e = conn.call("OBJECT", "IDLETIME", "k")
        assert isinstance(e, Error)
        assert str(e) == (
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
            "when switching between policies at runtime LRU and LFU data will take some time "
            "to adjust.")
    finally:
        conn.close()


def test_object_help_and_errors(c):
    h = c.call("OBJECT", "HELP")
    assert h[0].startswith(b"OBJECT <subcommand>")
    assert h[-2:] == [b"HELP", b"    Print this help."]
    assert any(line.startswith(b"ENCODING") for line in h)
    assert c.call("PING") == b"PONG"  # the help reply had the announced length
    assert err(c, "OBJECT", "FOO", "k") == "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    assert err(c, "OBJECT") == "ERR wrong number of arguments for 'object' command"
    assert err(c, "OBJECT", "ENCODING") == \
        "ERR wrong number of arguments for 'object|encoding' command"
