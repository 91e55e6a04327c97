"""The change stream (core/propagate) as the append-only file records it:
what each write command propagates, checked command by command against what
Redis 7.0.15 writes for the same input.

Replaying the stream (an AOF load, later a replica) must give exactly the
same dataset, so nothing relative, random or time-dependent goes out as
given: TTLs become absolute (SET ... PXAT, PEXPIREAT), SPOP becomes SREM/DEL
of what it popped, INCRBYFLOAT/HINCRBYFLOAT become SET/HSET of the result,
blocking commands become the non-blocking command that did the work. A
command that changes nothing, fails, or only reads propagates nothing. The
changes of one command (with the keys it found expired) or of one EXEC are
wrapped in MULTI/EXEC when there is more than one.

The server runs with appendonly yes / appendfsync always; the tests read
the newest incremental file of the manifest, which the server writes before
any reply acknowledging the writes leaves."""
import os
import socket
import time

import pytest
import redis

from conftest import Server
from persist_util import REDIS_SERVER, contents, needs_redis, wait_aof_rewrite

AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "always"]


# ---- reading the stream -----------------------------------------------------

def parse_commands(data):
    """The RESP arrays of bulk strings in data, as lists of bytes; raises on
    anything else (the stream holds nothing but commands)."""
    cmds, i = [], 0
    while i < len(data):
        assert data[i:i + 1] == b"*", "expected an array at %d: %r" % (i, data[i:i + 40])
        j = data.index(b"\r\n", i)
        n = int(data[i + 1:j])
        i = j + 2
        args = []
        for _ in range(n):
            assert data[i:i + 1] == b"$", "expected a bulk at %d: %r" % (i, data[i:i + 40])
            j = data.index(b"\r\n", i)
            ln = int(data[i + 1:j])
            i = j + 2
            args.append(data[i:i + ln])
            assert data[i + ln:i + ln + 2] == b"\r\n"
            i += ln + 2
        cmds.append(args)
    return cmds


def test_parse_commands():
    assert parse_commands(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n"
                          b"*2\r\n$3\r\nDEL\r\n$4\r\na\r\nb\r\n") == \
        [[b"SELECT", b"0"], [b"MULTI"], [b"DEL", b"a\r\nb"]]
    with pytest.raises(AssertionError):
        parse_commands(b"+OK\r\n")


class Stream:
    """The newest incremental AOF file of a server, read from a mark."""

    def __init__(self, server):
        self.server = server
        self.pos = None

    def path(self):
        d = os.path.join(self.server.dir, "appendonlydir")
        with open(os.path.join(d, "appendonly.aof.manifest")) as f:
            incr = [line.split()[1] for line in f if line.split()[-1] == "i"]
        return os.path.join(d, incr[-1])

    def mark(self):
        self.file = self.path()
        self.pos = os.path.getsize(self.file)

    def new(self):
        """The commands written since the mark (which moves to the end)."""
        assert self.path() == self.file, "a rewrite started a new incremental file"
        with open(self.file, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        self.pos += len(data)
        return [[a.decode() if a.isascii() else a for a in cmd] for cmd in parse_commands(data)]


def upper_names(cmds):
    """Command names upper-cased (what the client typed keeps its case)."""
    return [[c[0].upper()] + c[1:] for c in cmds]


@pytest.fixture(scope="module")
def aofserver():
    s = Server(args=AOF_ARGS + ["--enable-debug-command", "yes"])
    wait_aof_rewrite(s.client())
    yield s
    rc = s.stop()
    assert rc == 0, s.read_log()[-4000:]


@pytest.fixture
def st(aofserver):
    """A flushed server at db 0 whose stream is marked; yields (client,
    stream). Active expiry is off, so a key past its TTL is only found
    by the command that touches it."""
    r = aofserver.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    r.config_set("lazyfree-lazy-expire", "no")
    r.config_set("lazyfree-lazy-user-del", "no")
    r.flushall()  # leaves the stream at db 0
    s = Stream(aofserver)
    s.mark()
    yield r, s
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    r.close()


def expired_key(r, key, value=b"v"):
    """key holding value with a TTL that has already passed (active expiry
    is off, so it is still stored); returns what SET propagated."""
    r.set(key, value, px=1)
    time.sleep(0.01)


def near(ms, target, slack=5000):
    return abs(int(ms) - target) <= slack


def now_ms():
    return int(time.time() * 1000)


def pexpiretime(r, key):
    return str(r.execute_command("PEXPIRETIME", key))


def block(server, db, *cmd):
    """Runs a blocking command on its own connection in a thread, once the
    server counts it blocked; returns a function giving its reply."""
    c = server.client(db=db)
    out = {}

    def run():
        try:
            out["reply"] = c.execute_command(*cmd)
        except redis.ResponseError as e:
            out["reply"] = e
        finally:
            c.close()

    r = server.client()
    before = r.info("clients")["blocked_clients"]
    import threading
    t = threading.Thread(target=run)
    t.start()
    end = time.time() + 5
    while r.info("clients")["blocked_clients"] <= before:
        assert time.time() < end, "the command did not block"
        time.sleep(0.005)
    r.close()

    def result():
        t.join(5)
        assert not t.is_alive()
        return out["reply"]
    return result


# ---- plain writes, reads, errors, no-ops -------------------------------------

def test_write_propagates_itself(st):
    r, s = st
    r.set("a", "1")
    r.rpush("l", "x", "y")
    r.execute_command("lpush", "l", "z")  # as written, case and all
    assert s.new() == [["SET", "a", "1"], ["RPUSH", "l", "x", "y"], ["lpush", "l", "z"]]


def test_read_commands_write_nothing(st):
    r, s = st
    r.set("s", "v")
    r.rpush("l", "a")
    r.sadd("set", "a", "b")
    r.zadd("z", {"a": 1})
    r.hset("h", "f", "v")
    s.mark()
    size = os.path.getsize(s.file)
    r.get("s")
    r.exists("s", "nope")
    r.ttl("s")
    r.pttl("s")
    r.execute_command("PEXPIRETIME", "s")
    r.lrange("l", 0, -1)
    r.smembers("set")
    r.srandmember("set", 2)
    r.zrange("z", 0, -1)
    r.zrandmember("z")
    r.hgetall("h")
    r.hrandfield("h")
    r.dump("s")
    r.scan()
    r.randomkey()
    r.keys("*")
    r.dbsize()
    r.touch("s")
    r.execute_command("GETEX", "s")  # no option: a read
    r.object("encoding", "s")
    r.ping()
    assert os.path.getsize(s.file) == size
    assert s.new() == []


def test_failing_commands_write_nothing(st):
    r, s = st
    r.set("str", "v")
    r.rpush("lst", "a")
    s.mark()
    size = os.path.getsize(s.file)
    dirty = r.info("persistence")["rdb_changes_since_last_save"]
    bad = [
        ("LPUSH", "str", "x"), ("SADD", "str", "x"), ("HSET", "str", "f", "v"),
        ("ZADD", "str", "1", "a"), ("INCR", "str"), ("INCRBYFLOAT", "str", "x"),
        ("HINCRBYFLOAT", "h", "f", "notafloat"), ("SPOP", "str"), ("SPOP", "str", "2"),
        ("EXPIRE", "str", "notanumber"), ("EXPIRE", "str", "10", "NX", "XX"),
        ("SET", "str", "v", "EX", "0"), ("SET", "str", "v", "EX", "10", "PX", "10"),
        ("SETEX", "str", "-1", "v"), ("GETEX", "str", "EX", "-1"), ("GETDEL", "lst"),
        ("GETSET", "lst", "v"), ("LMOVE", "lst", "str", "LEFT", "LEFT"),
        ("BLMOVE", "lst", "str", "LEFT", "LEFT", "0"), ("BLPOP", "str", "0"),
        ("LMPOP", "1", "str", "LEFT"), ("ZMPOP", "1", "str", "MIN"),
        ("BZPOPMIN", "str", "0"), ("RESTORE", "k", "0", "garbage"),
        ("RENAME", "nokey", "x"), ("SET",), ("NOSUCHCOMMAND", "x"),
        ("SWAPDB", "0", "9999"), ("FLUSHDB", "bogus"),
    ]
    for cmd in bad:
        with pytest.raises(redis.ResponseError):
            r.execute_command(*cmd)
    assert os.path.getsize(s.file) == size
    assert s.new() == []
    assert r.info("persistence")["rdb_changes_since_last_save"] == dirty


def test_writes_that_change_nothing_write_nothing(st):
    r, s = st
    r.set("str", "v")
    r.rpush("lst", "a", "b")
    r.sadd("set", "a")
    r.zadd("z", {"a": 1})
    r.hset("h", "f", "v")
    r.setbit("bits", 3, 1)
    s.mark()
    size = os.path.getsize(s.file)
    dirty = r.info("persistence")["rdb_changes_since_last_save"]
    noops = [
        ("DEL", "nokey"), ("UNLINK", "nokey"), ("SREM", "set", "zz"), ("SREM", "nokey", "a"),
        ("SADD", "set", "a"), ("ZREM", "z", "zz"), ("ZADD", "z", "1", "a"),
        ("ZADD", "z", "XX", "1", "new"), ("ZADD", "z", "NX", "5", "a"), ("HDEL", "h", "zz"),
        ("HSETNX", "h", "f", "w"), ("LREM", "lst", "0", "zz"), ("LTRIM", "lst", "0", "-1"),
        ("LPOP", "lst", "0"), ("LPOP", "nokey"), ("LPUSHX", "nokey", "a"),
        ("LINSERT", "lst", "BEFORE", "zz", "x"), ("LMOVE", "nokey", "lst", "LEFT", "LEFT"),
        ("RPOPLPUSH", "nokey", "lst"), ("LMPOP", "1", "nokey", "LEFT"),
        ("ZPOPMIN", "nokey"), ("ZPOPMIN", "z", "0"), ("ZMPOP", "1", "nokey", "MIN"),
        ("ZREMRANGEBYSCORE", "z", "5", "6"), ("SPOP", "nokey"), ("SPOP", "set", "0"),
        ("SPOP", "nokey", "3"), ("SMOVE", "set", "set2", "zz"), ("SMOVE", "set", "set", "a"),
        ("SET", "str", "w", "NX"), ("SET", "nokey", "w", "XX"), ("SET", "str", "w", "NX", "GET"),
        ("MSETNX", "str", "1", "other", "2"), ("SETNX", "str", "w"), ("SETRANGE", "str", "0", ""),
        ("SETBIT", "bits", "3", "1"), ("BITFIELD", "bits", "GET", "u4", "0"),
        ("EXPIRE", "nokey", "10"), ("EXPIRE", "str", "10", "XX"), ("PERSIST", "str"),
        ("PERSIST", "nokey"), ("GETEX", "str", "PERSIST"), ("GETEX", "nokey", "EX", "10"),
        ("GETDEL", "nokey"), ("RENAME", "str", "str"), ("RENAMENX", "str", "lst"),
        ("MOVE", "nokey", "1"), ("COPY", "nokey", "x"), ("COPY", "str", "lst"),
        ("SWAPDB", "0", "0"), ("SINTERSTORE", "nokey2", "nokey"),
        ("ZUNIONSTORE", "nokey2", "1", "nokey"), ("SORT", "nokey", "STORE", "nokey2"),
        ("BITOP", "AND", "nokey2", "nokey"), ("INCRBY", "nokey3", "0"),
    ]
    for cmd in noops:
        r.execute_command(*cmd)
    r.delete("nokey3")  # INCRBY by 0 created it: that one was a change
    got = s.new()
    assert got == [["INCRBY", "nokey3", "0"], ["DEL", "nokey3"]]
    assert r.info("persistence")["rdb_changes_since_last_save"] == dirty + 2
    assert os.path.getsize(s.file) > size


# ---- TTLs become absolute -------------------------------------------------------

def test_expire_family_propagates_pexpireat(st):
    r, s = st
    for k in ("a", "b", "c", "d"):
        r.set(k, "v")
    s.mark()
    t = now_ms()
    assert r.execute_command("EXPIRE", "a", 100) == 1
    assert r.execute_command("PEXPIRE", "b", 100000) == 1
    assert r.execute_command("EXPIREAT", "c", t // 1000 + 100) == 1
    assert r.execute_command("PEXPIREAT", "d", t + 100000) == 1
    got = s.new()
    assert got == [["PEXPIREAT", k, pexpiretime(r, k)] for k in ("a", "b", "c", "d")]
    assert near(got[0][2], t + 100000)
    assert got[2][2] == str((t // 1000 + 100) * 1000)
    assert got[3][2] == str(t + 100000)  # PEXPIREAT goes out as given


def test_expire_condition_words_go_along(st):
    r, s = st
    r.set("k", "v")
    s.mark()
    assert r.execute_command("EXPIRE", "k", 100, "NX") == 1
    assert r.execute_command("EXPIRE", "k", 200, "gt") == 1
    assert r.execute_command("PEXPIRE", "k", 50000, "LT") == 1
    assert r.execute_command("EXPIRE", "k", 10, "GT") == 0  # refused: nothing
    assert r.execute_command("EXPIRE", "k", 10, "NX") == 0
    got = s.new()
    assert [c[0] for c in got] == ["PEXPIREAT"] * 3
    assert [c[3:] for c in got] == [["NX"], ["gt"], ["LT"]]
    assert got[2][2] == pexpiretime(r, "k")


def test_expire_in_the_past_deletes(st):
    r, s = st
    for k in ("a", "b", "c", "d"):
        r.set(k, "v")
    s.mark()
    r.execute_command("EXPIRE", "a", -1)
    r.execute_command("PEXPIREAT", "b", 1)
    r.execute_command("EXPIREAT", "c", 1, "XX")  # no TTL: XX refuses, nothing
    r.config_set("lazyfree-lazy-expire", "yes")
    r.execute_command("PEXPIRE", "d", 0)
    assert s.new() == [["DEL", "a"], ["DEL", "b"], ["UNLINK", "d"]]
    assert r.exists("a", "b", "d") == 0 and r.exists("c") == 1


def test_set_with_a_ttl_propagates_pxat(st):
    r, s = st
    t = now_ms()
    r.execute_command("SET", "ex", "v", "EX", 100)
    r.execute_command("SET", "px", "v", "px", 100000, "NX")
    r.execute_command("SET", "exat", "v", "EXAT", t // 1000 + 100)
    r.execute_command("SET", "pxat", "v", "PXAT", t + 100000, "XX")  # XX: nothing to set
    r.execute_command("SET", "pxat", "v", "PXAT", t + 100000)
    r.execute_command("SET", "ex", "w", "EX", 100, "GET")
    r.execute_command("SETEX", "setex", 100, "v")
    r.execute_command("PSETEX", "psetex", 100000, "v")
    got = s.new()
    keys = ["ex", "px", "exat", "pxat", "ex", "setex", "psetex"]
    vals = ["v", "v", "v", "v", "w", "v", "v"]
    assert [c[:3] + c[3:4] for c in got] == [["SET", k, v, "PXAT"] for k, v in zip(keys, vals)]
    assert all(len(c) == 5 for c in got)
    for c in got:
        assert near(c[4], t + 100000)
    for k in ("px", "exat", "pxat", "ex", "setex", "psetex"):
        assert [c[4] for c in got if c[1] == k][-1] == pexpiretime(r, k)
    assert got[2][4] == str((t // 1000 + 100) * 1000)
    assert got[3][4] == str(t + 100000)


def test_set_options_without_a_ttl(st):
    r, s = st
    r.execute_command("SET", "k", "v", "GET")
    r.execute_command("SET", "k", "w", "get", "KEEPTTL", "XX")
    r.execute_command("SET", "k", "x", "KEEPTTL")
    r.execute_command("SET", "k", "y", "NX", "GET")  # exists: nothing
    r.execute_command("GETSET", "k", "z")
    assert s.new() == [["SET", "k", "v"], ["SET", "k", "w", "KEEPTTL", "XX"],
                       ["SET", "k", "x", "KEEPTTL"], ["SET", "k", "z"]]


def test_getex_and_getdel(st):
    r, s = st
    for k in ("a", "b", "c", "d"):
        r.set(k, "v")
    s.mark()
    t = now_ms()
    r.execute_command("GETEX", "a", "EX", 100)
    r.execute_command("GETEX", "b", "PXAT", t + 100000)
    r.execute_command("GETEX", "a", "PERSIST")
    r.execute_command("GETEX", "a", "PERSIST")  # no TTL left: nothing
    r.execute_command("GETEX", "c", "EXAT", 1)  # past: deleted
    r.execute_command("GETDEL", "d")
    got = s.new()
    assert got[0][:2] == ["PEXPIREAT", "a"] and near(got[0][2], t + 100000)
    assert got[1] == ["PEXPIREAT", "b", str(t + 100000)] == ["PEXPIREAT", "b", pexpiretime(r, "b")]
    assert got[2:] == [["PERSIST", "a"], ["DEL", "c"], ["DEL", "d"]]
    r.set("c", "v")
    r.set("d", "v")
    r.config_set("lazyfree-lazy-expire", "yes")
    r.config_set("lazyfree-lazy-user-del", "yes")
    s.mark()
    r.execute_command("GETEX", "c", "PXAT", 1)
    r.execute_command("GETDEL", "d")
    assert s.new() == [["UNLINK", "c"], ["UNLINK", "d"]]


# ---- results instead of arithmetic, choices instead of randomness ---------------

def test_incrbyfloat_propagates_set_keepttl(st):
    r, s = st
    r.set("f", "1.5", ex=100)
    s.mark()
    raw = redis.Redis(port=r.connection_pool.connection_kwargs["port"])
    raw.set_response_callback("INCRBYFLOAT", lambda x, **kw: x)
    assert raw.incrbyfloat("f", "0.1") == b"1.6"
    assert raw.incrbyfloat("new", "3") == b"3"
    # long double arithmetic shows through (Redis 7.0 replies the same): the
    # replica gets the result, never the arithmetic
    big = raw.incrbyfloat("f", "1e3").decode()
    assert big.startswith("1001.")
    assert s.new() == [["SET", "f", "1.6", "KEEPTTL"], ["SET", "new", "3", "KEEPTTL"],
                       ["SET", "f", big, "KEEPTTL"]]
    assert r.pttl("f") > 0
    raw.close()


def test_hincrbyfloat_propagates_hset(st):
    r, s = st
    r.hincrbyfloat("h", "x", "1.5")
    r.hincrbyfloat("h", "x", "0.25")
    r.hincrby("h", "n", 2)  # integers are exact: as given
    assert s.new() == [["HSET", "h", "x", "1.5"], ["HSET", "h", "x", "1.75"],
                       ["HINCRBY", "h", "n", "2"]]


def test_spop_propagates_what_it_popped(st):
    r, s = st
    members = [str(i) for i in range(10)] + ["a", "b"]
    r.sadd("s", *members)
    s.mark()
    one = r.spop("s").decode()
    assert s.new() == [["SREM", "s", one]]
    three = {m.decode() for m in r.spop("s", 3)}
    got = s.new()
    assert got[0] == ["MULTI"] and got[-1] == ["EXEC"] and len(got) == 5
    assert all(c[:2] == ["SREM", "s"] and len(c) == 3 for c in got[1:-1])
    assert {c[2] for c in got[1:-1]} == three
    assert r.spop("s", 0) == [] and s.new() == []
    left = {m.decode() for m in r.smembers("s")}
    assert len(left) == 8
    r.spop("s", 100)  # the whole set
    assert s.new() == [["DEL", "s"]]
    r.sadd("one", "x")
    r.spop("one")  # the last member: SREM deletes it on replay too
    assert s.new() == [["SADD", "one", "x"], ["SREM", "one", "x"]]


def test_spop_intset_and_large_counts(st):
    r, s = st
    r.sadd("ints", *range(1000))
    s.mark()
    popped = {m.decode() for m in r.spop("ints", 900)}
    got = s.new()
    assert got[0] == ["MULTI"] and got[-1] == ["EXEC"]
    assert {c[2] for c in got[1:-1]} == popped and len(got) == 902
    assert r.scard("ints") == 100


# ---- blocking commands: the non-blocking command that did the work -------------

def test_blocking_commands_served_at_once(st):
    r, s = st
    r.rpush("l", "a", "b", "c", "d", "e", "f")
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    s.mark()
    assert r.blpop(["nokey", "l"], 0) == (b"l", b"a")
    assert r.brpop(["l"], 0) == (b"l", b"f")
    r.execute_command("BLMOVE", "l", "l2", "LEFT", "Right", 0)
    r.execute_command("BRPOPLPUSH", "l", "l2", 0)
    r.execute_command("BLMPOP", 0, 2, "nokey", "l", "RIGHT", "COUNT", 10)
    r.execute_command("LMPOP", 1, "l2", "left")
    r.execute_command("BZPOPMIN", "z", 0)
    r.execute_command("BZPOPMAX", "nokey", "z", 0)
    r.execute_command("BZMPOP", 0, 1, "z", "MIN", "COUNT", 2)
    r.execute_command("ZMPOP", 1, "z", "MAX", "COUNT", 10)
    # the LMOVE words go out as written; counts are what was popped
    assert s.new() == [
        ["LPOP", "l"], ["RPOP", "l"], ["LMOVE", "l", "l2", "LEFT", "Right"],
        ["RPOPLPUSH", "l", "l2"], ["RPOP", "l", "2"], ["LPOP", "l2", "1"],
        ["ZPOPMIN", "z"], ["ZPOPMAX", "z"], ["ZPOPMIN", "z", "2"], ["ZPOPMAX", "z", "1"]]
    assert r.exists("l", "z") == 0 and r.lrange("l2", 0, -1) == [b"b"]


def test_blocking_commands_served_later(st, aofserver):
    r, s = st
    r1 = aofserver.client(db=1)
    got = block(aofserver, 1, "BLPOP", "q", 0)
    r1.rpush("q", "a")
    assert list(got()) == [b"q", b"a"]
    got = block(aofserver, 1, "BRPOP", "q2", "q", 0)
    r1.rpush("q", "c")
    assert list(got()) == [b"q", b"c"]
    got = block(aofserver, 1, "BLMPOP", 0, 1, "m", "RIGHT", "COUNT", 5)
    r1.rpush("m", "a", "b", "c")
    assert got() == [b"m", [b"c", b"b", b"a"]]
    # BLMOVE then BRPOPLPUSH chained: the first one's push serves the second
    got1 = block(aofserver, 1, "BLMOVE", "src", "mid", "LEFT", "RIGHT", 0)
    got2 = block(aofserver, 1, "BRPOPLPUSH", "mid", "dst", 0)
    r1.rpush("src", "x")
    assert got1() == b"x" and got2() == b"x"
    got = block(aofserver, 1, "BZPOPMIN", "z", 0)
    r1.zadd("z", {"a": 1, "b": 2})
    assert list(got())[:2] == [b"z", b"a"]
    got = block(aofserver, 1, "BZMPOP", 0, 1, "z2", "MAX", "COUNT", 3)
    r1.zadd("z2", {"a": 1, "b": 2})
    got()
    got = block(aofserver, 1, "BZMPOP", 0, 1, "z3", "MIN")
    r1.zadd("z3", {"a": 1, "b": 2})
    got()
    got = block(aofserver, 1, "BZPOPMAX", "z4", 0)
    r1.zadd("z4", {"a": 1})
    got()
    # each served client is a unit of its own, after the command that served it;
    # a served BLMOVE goes out with lowercase side words, as Redis 7.0 writes them
    assert s.new() == [
        ["SELECT", "1"], ["RPUSH", "q", "a"], ["LPOP", "q"],
        ["RPUSH", "q", "c"], ["RPOP", "q"],
        ["RPUSH", "m", "a", "b", "c"], ["RPOP", "m", "3"],
        ["RPUSH", "src", "x"], ["LMOVE", "src", "mid", "left", "right"], ["RPOPLPUSH", "mid", "dst"],
        ["ZADD", "z", "1", "a", "2", "b"], ["ZPOPMIN", "z"],
        ["ZADD", "z2", "1", "a", "2", "b"], ["ZPOPMAX", "z2", "2"],
        ["ZADD", "z3", "1", "a", "2", "b"], ["ZPOPMIN", "z3", "1"],
        ["ZADD", "z4", "1", "a"], ["ZPOPMAX", "z4"]]
    r1.close()


def test_blocked_client_served_by_a_transaction(st, aofserver):
    r, s = st
    got = block(aofserver, 0, "BLPOP", "q", 0)
    p = r.pipeline(transaction=True)
    p.rpush("q", "a")
    p.set("x", "1")
    p.execute()
    assert list(got()) == [b"q", b"a"]
    assert s.new() == [["MULTI"], ["RPUSH", "q", "a"], ["SET", "x", "1"], ["EXEC"], ["LPOP", "q"]]


def test_blocking_commands_that_time_out_or_fail_write_nothing(st, aofserver):
    r, s = st
    assert r.blpop(["nokey"], 0.01) is None
    assert r.execute_command("BZMPOP", "0.01", 1, "nokey", "MIN") is None
    r.rpush("l", "a")
    r.set("str", "v")
    s.mark()
    with pytest.raises(redis.ResponseError):
        r.execute_command("BLMOVE", "l", "str", "LEFT", "LEFT", 0)
    got = block(aofserver, 0, "BLMOVE", "l2", "str", "LEFT", "LEFT", 0)
    r.rpush("l2", "a")
    assert isinstance(got(), redis.ResponseError)  # WRONGTYPE: nothing moved
    assert s.new() == [["RPUSH", "l2", "a"]]
    assert r.lrange("l2", 0, -1) == [b"a"]


def test_blocking_pop_inside_exec(st):
    r, s = st
    r.rpush("l", "a")
    s.mark()
    p = r.pipeline(transaction=True)
    p.blpop(["l"], 0)
    p.blpop(["l"], 0)  # empty now: answers as on timeout inside EXEC
    p.set("k", "v")
    assert p.execute() == [(b"l", b"a"), None, True]
    assert s.new() == [["MULTI"], ["LPOP", "l"], ["SET", "k", "v"], ["EXEC"]]


# ---- units: lazily expired keys, transactions, SELECT -------------------------

def test_lazily_expired_key_is_deleted_in_the_same_unit(st):
    r, s = st
    for cmd in (("SET", "k", "x"), ("INCR", "k"), ("RPUSH", "k", "a"), ("APPEND", "k", "z"),
                ("HSET", "k", "f", "v"), ("SADD", "k", "m")):
        expired_key(r, "k")
        s.mark()
        r.execute_command(*cmd)
        assert s.new() == [["MULTI"], ["DEL", "k"], list(cmd), ["EXEC"]], cmd
    # a read only deletes it; so does a write that then changes nothing
    for cmd in (("GET", "k"), ("EXISTS", "k"), ("EXPIRE", "k", "100"), ("PERSIST", "k"),
                ("SREM", "k", "m"), ("LPUSHX", "k", "a")):
        expired_key(r, "k")
        s.mark()
        r.execute_command(*cmd)
        assert s.new() == [["DEL", "k"]], cmd
    r.config_set("lazyfree-lazy-expire", "yes")
    expired_key(r, "k")
    s.mark()
    r.set("k", "y")
    assert s.new() == [["MULTI"], ["UNLINK", "k"], ["SET", "k", "y"], ["EXEC"]]


def test_overwriting_an_expired_key_expires_it_first(st):
    r, s = st
    r.set("a", "1")
    expired_key(r, "b")
    s.mark()
    before = r.info("stats")["expired_keys"]
    r.rename("a", "b")
    assert s.new() == [["MULTI"], ["DEL", "b"], ["RENAME", "a", "b"], ["EXEC"]]
    assert r.info("stats")["expired_keys"] == before + 1
    assert r.pttl("b") == -1 and r.get("b") == b"1"
    r.sadd("s1", "x")
    expired_key(r, "dst")
    expired_key(r, "m")
    s.mark()
    r.sunionstore("dst", ["s1"])
    r.mset({"m": "1"})
    assert s.new() == [["MULTI"], ["DEL", "dst"], ["SUNIONSTORE", "dst", "s1"], ["EXEC"],
                       ["MULTI"], ["DEL", "m"], ["MSET", "m", "1"], ["EXEC"]]


def test_transactions(st):
    r, s = st
    p = r.pipeline(transaction=True)
    p.set("a", "1")
    p.execute()
    assert s.new() == [["SET", "a", "1"]]  # one command: no wrapping
    p = r.pipeline(transaction=True)
    p.set("a", "2")
    p.get("a")
    p.incr("a")
    p.execute()
    assert s.new() == [["MULTI"], ["SET", "a", "2"], ["INCRBY", "a", "1"], ["EXEC"]]
    p = r.pipeline(transaction=True)
    p.get("a")
    p.exists("a")
    p.execute()
    assert s.new() == []  # reads only
    # a command failing inside EXEC is left out, the rest goes
    p = r.pipeline(transaction=True)
    p.lpush("a", "x")
    p.set("b", "1")
    p.set("c", "1")
    p.execute(raise_on_error=False)
    assert s.new() == [["MULTI"], ["SET", "b", "1"], ["SET", "c", "1"], ["EXEC"]]
    # a lazily expired key found inside the transaction joins its unit
    expired_key(r, "k")
    s.mark()
    p = r.pipeline(transaction=True)
    p.get("k")
    p.set("j", "1")
    p.execute()
    assert s.new() == [["MULTI"], ["DEL", "k"], ["SET", "j", "1"], ["EXEC"]]
    # DISCARD, an aborted EXEC (WATCH) and a queueing error write nothing
    w = r.pipeline(transaction=True)
    w.watch("a")
    r.set("a", "changed")
    w.multi()
    w.set("a", "mine")
    with pytest.raises(redis.WatchError):
        w.execute()
    w.reset()
    c = redis.Redis(port=r.connection_pool.connection_kwargs["port"])
    conn = c.connection_pool.get_connection("MULTI")
    conn.send_command("MULTI")
    conn.read_response()
    conn.send_command("SET", "x", "1")
    conn.read_response()
    conn.send_command("DISCARD")
    conn.read_response()
    conn.send_command("MULTI")
    conn.read_response()
    conn.send_command("SET", "x")
    with pytest.raises(redis.ResponseError):
        conn.read_response()
    conn.send_command("EXEC")
    with pytest.raises(redis.ResponseError):
        conn.read_response()
    c.connection_pool.release(conn)
    c.close()
    assert s.new() == [["SET", "a", "changed"]]


def test_select_precedes_a_change_in_another_db(st, aofserver):
    r, s = st
    r3 = aofserver.client(db=3)
    r3.set("k", "v")
    r3.set("k2", "v")
    r.set("k", "v")
    p = r.pipeline(transaction=True)
    p.execute_command("SELECT", 5)
    p.set("a", "1")
    p.execute_command("SELECT", 6)
    p.set("b", "2")
    p.execute()
    r.execute_command("SELECT", 0)
    r.execute_command("MOVE", "k", 7)
    r3.close()
    # a transaction's SELECT goes before its MULTI
    assert s.new() == [
        ["SELECT", "3"], ["SET", "k", "v"], ["SET", "k2", "v"], ["SELECT", "0"], ["SET", "k", "v"],
        ["SELECT", "5"], ["MULTI"], ["SET", "a", "1"], ["SELECT", "6"], ["SET", "b", "2"], ["EXEC"],
        ["SELECT", "0"], ["MOVE", "k", "7"]]


# ---- RESTORE, FLUSHDB/FLUSHALL, SWAPDB --------------------------------------------

def test_restore_ttl_becomes_absolute(st):
    r, s = st
    r.rpush("src", "a", "b")
    payload = r.dump("src")
    s.mark()
    t = now_ms()
    r.restore("k1", 0, payload)
    r.restore("k2", 100000, payload)
    r.restore("k2", 100000, payload, replace=True, idletime=10)
    r.restore("k3", t + 100000, payload, absttl=True)
    r.restore("k3", 1, payload, absttl=True, replace=True)  # past: only the delete
    r.restore("k4", 1, payload, absttl=True)  # past, nothing replaced: nothing
    got = s.new()
    assert [c[:2] + [c[3] == payload.decode("latin-1") if isinstance(c[3], str) else c[3] == payload]
            + c[4:] for c in got[:4]] == [
        ["RESTORE", "k1", True], ["RESTORE", "k2", True, "ABSTTL"],
        ["RESTORE", "k2", True, "REPLACE", "IDLETIME", "10", "ABSTTL"],
        ["RESTORE", "k3", True, "ABSTTL"]]
    assert got[0][2] == "0"
    assert near(got[1][2], t + 100000) and got[2][2] == pexpiretime(r, "k2")
    assert got[3][2] == str(t + 100000)
    assert got[4:] == [["DEL", "k3"]]
    assert r.exists("k3", "k4") == 0


def test_flushes_always_propagate_swapdb_with_itself_never(st, aofserver):
    r, s = st
    r.flushdb()
    r.flushall()
    r.execute_command("FLUSHDB", "ASYNC")
    r.execute_command("SWAPDB", 0, 0)
    r.execute_command("SWAPDB", 4, 5)
    assert s.new() == [["FLUSHDB"], ["FLUSHALL"], ["FLUSHDB", "ASYNC"], ["SWAPDB", "4", "5"]]
    # FLUSHALL's save resets the change count: it still goes out
    r.config_set("save", "3600 1")
    try:
        r.save()
        r.set("a", "1")  # one change since the save, and one after FLUSHALL's save
        s.mark()
        r.flushall()
        assert s.new() == [["FLUSHALL"]]
    finally:
        r.config_set("save", "")


# ---- replaying the stream gives the same dataset ----------------------------------

def every_key(port, ndb=16):
    """(db, key) -> (type, value, absolute expire time in ms or -1)."""
    out = {}
    for db in range(ndb):
        c = redis.Redis(host="127.0.0.1", port=port, db=db)
        for k, (t, v, _) in contents(c).items():
            out[(db, k)] = (t, v, c.execute_command("PEXPIRETIME", k))
        c.close()
    return out


def workload(server, r):
    """Every command whose propagation differs from its input, with TTLs
    relative to now and random choices."""
    r.sadd("s", *range(50))
    r.sadd("hs", *["m%d" % i for i in range(50)])
    r.spop("s")
    r.spop("s", 5)
    r.spop("hs", 40)
    r.sadd("gone", "a", "b")
    r.spop("gone", 10)
    r.set("f", "1.5", ex=1000)
    r.incrbyfloat("f", "0.1")
    r.incrbyfloat("f", "1e3")
    r.hincrbyfloat("h", "x", "0.3")
    r.hincrbyfloat("h", "x", "1e5")
    for k in ("e1", "e2", "e3", "e4", "e5", "g1", "g2", "g3"):
        r.set(k, "v")
    r.expire("e1", 1000)
    r.pexpire("e2", 1000000)
    r.execute_command("EXPIRE", "e3", 500, "NX")
    r.execute_command("EXPIRE", "e3", 2000, "GT")
    r.expire("e4", -1)
    r.execute_command("PEXPIREAT", "e5", now_ms() + 5000000)
    r.set("s1", "v", ex=1000)
    r.set("s2", "v", px=1000000, get=True)
    r.setex("s3", 1000, "v")
    r.psetex("s4", 1000000, "v")
    r.set("s5", "w", keepttl=True)
    r.execute_command("GETEX", "g1", "EX", 1000)
    r.execute_command("GETEX", "g2", "PX", 1000000)
    r.execute_command("GETEX", "g2", "PERSIST")
    r.execute_command("GETDEL", "g3")
    r.getset("s1", "reset")
    r.rpush("src", *range(5))
    r.restore("rs", 1000000, r.dump("src"))
    r.restore("rs2", 0, r.dump("src"))
    r.rpush("l", "a", "b", "c", "d", "e")
    r.blpop(["l"], 0)
    r.execute_command("BLMOVE", "l", "l2", "LEFT", "LEFT", 0)
    r.execute_command("BLMPOP", 0, 1, "l", "RIGHT", "COUNT", 2)
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    r.bzpopmin(["z"], 0)
    r.execute_command("ZMPOP", 1, "z", "MAX", "COUNT", 2)
    got = block(server, 2, "BLMOVE", "w", "w2", "RIGHT", "LEFT", 0)
    r2 = server.client(db=2)
    r2.rpush("w", "x", "y")
    got()
    got = block(server, 2, "BZMPOP", 0, 1, "wz", "MIN", "COUNT", 5)
    r2.zadd("wz", {"a": 1, "b": 2})
    got()
    r2.close()
    p = r.pipeline(transaction=True)
    p.spop("s")
    p.incrbyfloat("f", "2.5")
    p.expire("e1", 3000)
    p.execute()


def test_replay_gives_the_same_dataset():
    s = Server(args=AOF_ARGS)
    try:
        r = s.client()
        wait_aof_rewrite(r)
        workload(s, r)
        before = every_key(s.port)
        r.close()
        time.sleep(1.1)  # a relative TTL replayed as given would move by a second
        s.kill()
        s = Server(args=AOF_ARGS, dir=s.dir)
        after = every_key(s.port)
        assert after == before
        assert any(exp > 0 for (_, _, exp) in before.values())
    finally:
        s.stop()


# ---- the same stream as Redis 7.0 ------------------------------------------------

class RedisAof:
    """Debian's redis-server 7.0 with the AOF on, for a side-by-side stream."""

    def __init__(self):
        import shutil
        import subprocess
        import tempfile
        from conftest import free_port
        self._shutil = shutil
        self.dir = tempfile.mkdtemp(prefix="apiary-ref-aof-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 20
        while True:
            try:
                redis.Redis(port=self.port).ping()
                break
            except redis.ConnectionError:
                assert self.proc.poll() is None and time.time() < end
                time.sleep(0.05)

    def client(self, db=0):
        return redis.Redis(port=self.port, db=db)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self._shutil.rmtree(self.dir, ignore_errors=True)


def normalised(cmds):
    """Absolute times (milliseconds within a day of now) replaced by a mark."""
    t = now_ms()
    return [[("<ms>" if isinstance(a, str) and a.isdigit() and abs(int(a) - t) < 86400000 * 2
              else a) for a in cmd] for cmd in cmds]


def differential_script(server, r):
    r1 = server.client(db=1)
    r.set("a", "1")
    expired_key(r1, "k")
    r1.set("k", "x")
    expired_key(r1, "k")
    r1.get("k")
    r.rpush("l", "a", "b", "c")
    r.execute_command("LMPOP", 1, "l", "LEFT", "COUNT", 5)
    r.sadd("one", "x")
    r.spop("one")
    r.sadd("all", "x", "y")
    r.spop("all", 3)
    r.set("f", "1.5", ex=100)
    r.incrbyfloat("f", "0.25")
    r.hincrbyfloat("h", "x", "1.5")
    r.execute_command("SET", "g", "v", "GET")
    r.execute_command("SET", "g", "v2", "NX", "GET")
    r.execute_command("SET", "g", "v3", "xx", "get", "keepttl")
    r.execute_command("GETEX", "g", "PERSIST")
    r.execute_command("GETEX", "g", "EX", 100)
    r.execute_command("GETEX", "g", "PERSIST")
    r.execute_command("GETEX", "g", "PXAT", 1)
    r.set("d", "1")
    r.execute_command("GETDEL", "d")
    r.execute_command("GETSET", "d", "2")
    r.execute_command("EXPIRE", "d", 100, "nx")
    r.execute_command("PEXPIRE", "d", 200000, "GT")  # clearly later, even within 1 ms
    r.execute_command("EXPIREAT", "d", 1)
    r.execute_command("SETEX", "s2", 100, "v")
    r.execute_command("PSETEX", "s3", 100, "v")
    r.execute_command("SET", "s4", "v", "EXAT", 1)
    r.execute_command("PEXPIREAT", "s3", 99999999999999)
    r.persist("s3")
    r1.rpush("l2", "a", "b", "c", "d")
    r1.execute_command("BLMOVE", "l2", "l3", "LEFT", "Right", 0)
    r1.execute_command("BRPOPLPUSH", "l2", "l3", 0)
    r1.execute_command("BLPOP", "nope", "l2", 0)
    r1.execute_command("BLMPOP", 0, 2, "nope", "l2", "LEFT", "COUNT", 10)
    r1.zadd("zz", {"a": 1, "b": 2, "c": 3})
    r1.execute_command("BZPOPMAX", "zz", 0)
    r1.execute_command("BZMPOP", 0, 1, "zz", "MIN", "COUNT", 1)
    r1.execute_command("ZMPOP", 1, "zz", "MIN")
    got = block(server, 1, "BLMOVE", "q", "q2", "LEFT", "RIGHT", 0)
    r1.rpush("q", "a")
    got()
    got = block(server, 1, "BLMPOP", 0, 1, "bq", "right", "count", 5)
    r1.rpush("bq", "a", "b", "c")
    got()
    got = block(server, 1, "BZMPOP", 0, 1, "bz", "MIN")
    r1.zadd("bz", {"a": 1, "b": 2})
    got()
    p = r.pipeline(transaction=True)
    p.execute_command("SELECT", 5)
    p.set("a", "1")
    p.execute_command("SELECT", 6)
    p.set("b", "2")
    p.execute()
    r.execute_command("SELECT", 0)
    r.set("a", "1")
    expired_key(r, "b")
    r.rename("a", "b")
    r.config_set("lazyfree-lazy-expire", "yes")
    r.config_set("lazyfree-lazy-user-del", "yes")
    expired_key(r, "k")
    r.set("k", "x")
    r.expire("k", -5)
    r.set("k", "1")
    r.execute_command("GETDEL", "k")
    r.config_set("lazyfree-lazy-expire", "no")
    r.config_set("lazyfree-lazy-user-del", "no")
    r.delete("nokey")
    r.srem("nos", "x")
    r.flushdb()
    server.client(db=3).flushdb()
    r1.close()


@needs_redis
def test_same_stream_as_redis_7(aofserver):
    def stream_of(server):
        r = server.client()
        wait_aof_rewrite(r)
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        r.flushall()
        st = Stream(server)
        st.mark()
        differential_script(server, r)
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        r.close()
        return normalised(st.new())

    ref = RedisAof()
    try:
        theirs = stream_of(ref)
    finally:
        ref.stop()
    ours = stream_of(aofserver)
    assert upper_names(ours) == upper_names(theirs)
    assert len(ours) > 60
