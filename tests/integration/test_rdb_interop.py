"""RDB interoperability with Redis 7.0.15 (Debian's redis-server), both
ways: DUMP payloads of every type and encoding moved Redis -> Apiary ->
Redis with equal contents and encodings; a dump.rdb saved by Redis (every
type/encoding, TTLs, several databases) loaded by Apiary at start-up; a
file assembled from Apiary's DUMP payloads loaded by Redis; damaged files
refused at start-up with the file and offset named; apiary-check-rdb on
the same files."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, Server
from rdb_util import (RedisServer, body_of, crc64, have_redis, populate, set_limits,
                      snapshot)

pytestmark = pytest.mark.skipif(not have_redis(), reason="redis-server is not installed")

CHECK_BIN = os.path.join(os.path.dirname(BIN), "apiary-check-rdb")


@pytest.fixture(scope="module")
def redis_srv():
    s = RedisServer(["--enable-debug-command", "yes"])
    yield s
    s.stop()


@pytest.fixture
def rr(redis_srv):
    c = redis_srv.client()
    c.flushall()
    set_limits(c)
    yield c
    c.close()


def test_dump_restore_both_ways(rr, r):
    set_limits(r)
    want = populate(rr)
    for k, enc in want.items():
        orig = snapshot(rr, k)
        renc = rr.object("encoding", k)
        assert renc == enc, k
        # Redis -> Apiary
        assert r.restore(k, 0, rr.dump(k))
        assert snapshot(r, k) == orig, k
        assert r.object("encoding", k) == renc, k
        # Apiary -> Redis
        back = k + b":back"
        assert rr.restore(back, 0, r.dump(k))
        assert snapshot(rr, back) == orig, k
        assert rr.object("encoding", back) == renc, k
        # compact encodings travel as the same bytes
        if enc in (b"intset", b"int", b"embstr"):
            assert r.dump(k) == rr.dump(k), k


def test_restore_options_match_redis(rr, r):
    rr.set("foo", "bar")
    p = rr.dump("foo")
    for c in (rr, r):
        c.delete("k")
        c.restore("k", 0, p, idletime=500)
        c.restore("k2", 10000, p)
    assert abs(rr.object("idletime", "k") - r.object("idletime", "k")) <= 2
    assert abs(rr.pttl("k2") - r.pttl("k2")) < 1000


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def rdb_str(s):
    return rdb_len(len(s)) + s


def build_rdb(dbs, version=10):
    """An RDB file from {db: [(key, payload, expire_ms or None)]}."""
    out = b"REDIS%04d" % version
    out += b"\xfa" + rdb_str(b"redis-ver") + rdb_str(b"7.0.15")
    for db, items in sorted(dbs.items()):
        out += b"\xfe" + rdb_len(db)
        out += b"\xfb" + rdb_len(len(items)) + rdb_len(sum(1 for i in items if i[2]))
        for key, payload, exp in items:
            if exp:
                out += b"\xfc" + exp.to_bytes(8, "little")
            body = body_of(payload)
            out += body[:1] + rdb_str(key) + body[1:]
    out += b"\xff"
    return out + crc64(out).to_bytes(8, "little")


def compare_all(src, dst, dbs):
    for db in dbs:
        src.select(db)
        dst.select(db)
        keys = sorted(src.keys())
        assert sorted(dst.keys()) == keys, db
        for k in keys:
            assert snapshot(dst, k) == snapshot(src, k), (db, k)
            assert dst.object("encoding", k) == src.object("encoding", k), (db, k)
            st, dt = src.pttl(k), dst.pttl(k)
            assert (st < 0) == (dt < 0) and abs(st - dt) < 5000, (db, k, st, dt)


def redis_saved_dump(redis_srv, rr, compression=True):
    """Fills Redis (dbs 0, 3, 15; TTLs, one about to expire) and SAVEs;
    returns the dump.rdb bytes."""
    rr.config_set("rdbcompression", "yes" if compression else "no")
    rr.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")  # expired keys stay in the file
    for db in (0, 3, 15):
        rr.select(db)
        populate(rr, prefix="db%d:" % db, seed=db)
        rr.expire("db%d:str:emb" % db, 3600)
        rr.pexpire("db%d:zset:big" % db, 7200000)
        rr.expireat("db%d:list:small" % db, int(time.time()) + 100000)
        rr.set("db%d:soon" % db, "x", px=200)
    time.sleep(0.3)  # "soon" has expired in Redis's eyes but is still in the file
    rr.select(0)
    assert rr.save()
    with open(os.path.join(redis_srv.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    rr.config_set("rdbcompression", "yes")
    rr.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    return data


@pytest.mark.parametrize("compression", [True, False])
def test_redis_dump_loaded_at_startup(redis_srv, rr, make_server, compression):
    data = redis_saved_dump(redis_srv, rr, compression)
    d = tempfile.mkdtemp(prefix="apiary-rdb-")
    try:
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(data)
        s = make_server(args=["--dir", d])
        a = s.client()
        compare_all(rr, a, (0, 3, 15))
        total = 0
        for db in (0, 3, 15):
            a.select(db)
            rr.select(db)
            assert a.exists("db%d:soon" % db) == 0
            total += len([k for k in rr.keys() if not k.endswith(b":soon")])
        rr.select(0)
        log = s.read_log()
        assert "DB loaded from disk: %d keys in " % total in log
        assert "keys expired: 3" in log
        a.close()
        # the checker agrees
        out = subprocess.run([CHECK_BIN, os.path.join(d, "dump.rdb")], capture_output=True,
                             text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "RDB OK" in out.stdout and "db15:" in out.stdout
        assert "zset   skiplist" in out.stdout and "set    intset" in out.stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_apiary_payloads_as_a_file_load_in_redis(r, make_server):
    """Values as Apiary writes them, assembled into a dump.rdb: Redis loads
    it with the same contents, and so does Apiary."""
    set_limits(r)
    populate(r, seed=3)
    now = int(time.time() * 1000)
    items = []
    for i, k in enumerate(sorted(r.keys())):
        items.append((k, r.dump(k), now + 600000 if i % 3 == 0 else None))
    data = build_rdb({0: items, 2: items[:5]})
    d = tempfile.mkdtemp(prefix="apiary-rdb-")
    try:
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(data)
        red = RedisServer(dir=d)
        try:
            rc = red.client()
            for k, _, exp in items:
                assert snapshot(rc, k) == snapshot(r, k), k
                assert rc.object("encoding", k) == r.object("encoding", k), k
                assert (rc.pttl(k) > 0) == bool(exp), k
            s = make_server(args=["--dir", d])
            compare_all(rc, s.client(), (0, 2))
        finally:
            red.proc.terminate()
            red.proc.wait(10)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def damaged_variants(data):
    mid = len(data) // 2
    flipped = bytearray(data)
    flipped[mid] ^= 0xFF
    yield "flipped byte", bytes(flipped), None
    yield "truncated", data[:mid], None
    yield "no checksum", data[:-8], None
    badcrc = bytearray(data)
    badcrc[-1] ^= 1
    yield "wrong checksum", bytes(badcrc), "checksum mismatch"
    yield "newer version", b"REDIS0011" + data[9:], "version 11"
    yield "not an RDB file", b"hello world, this is not a dump", "not an RDB file"
    yield "empty file", b"", "empty"


def test_damaged_dump_refuses_to_start(redis_srv, rr):
    rr.set("k", "v" * 100)
    rr.rpush("l", *range(100))
    rr.hset("h", mapping={"f%d" % i: i for i in range(50)})
    assert rr.save()
    with open(os.path.join(redis_srv.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    for name, bad, msg in damaged_variants(data):
        d = tempfile.mkdtemp(prefix="apiary-rdb-")
        try:
            path = os.path.join(d, "dump.rdb")
            with open(path, "wb") as f:
                f.write(bad)
            with pytest.raises(RuntimeError) as e:
                Server(args=["--dir", d])
            log = str(e.value)
            assert "Fatal error loading the DB from %s/dump.rdb" % d in log, (name, log)
            if msg:
                assert msg in log, (name, log)
            if name != "empty file":
                assert "offset" in log, (name, log)
            out = subprocess.run([CHECK_BIN, path], capture_output=True, text=True)
            assert out.returncode == 1, name
            assert "RDB INVALID" in out.stdout, name
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_unsupported_content_refused(redis_srv, rr):
    """A dump with a function library (FUNCTION2) or a stream: refused by
    name, not misread."""
    rr.function_load("#!lua name=mylib\nredis.register_function('f', function() return 1 end)",
                     replace=True)
    assert rr.save()
    with open(os.path.join(redis_srv.dir, "dump.rdb"), "rb") as f:
        with_fn = f.read()
    rr.function_flush()
    rr.xadd("stream", {"a": 1})
    assert rr.save()
    with open(os.path.join(redis_srv.dir, "dump.rdb"), "rb") as f:
        with_stream = f.read()
    for bad, msg in ((with_fn, "unsupported function library"), (with_stream, "stream")):
        d = tempfile.mkdtemp(prefix="apiary-rdb-")
        try:
            with open(os.path.join(d, "dump.rdb"), "wb") as f:
                f.write(bad)
            with pytest.raises(RuntimeError) as e:
                Server(args=["--dir", d])
            assert msg in str(e.value) and "offset" in str(e.value)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_too_many_databases_refused(redis_srv, rr):
    rr.select(9)
    rr.set("k", "v")
    rr.select(0)
    assert rr.save()
    d = tempfile.mkdtemp(prefix="apiary-rdb-")
    try:
        shutil.copy(os.path.join(redis_srv.dir, "dump.rdb"), d)
        with pytest.raises(RuntimeError) as e:
            Server(args=["--dir", d, "--databases", "4"])
        assert "database 9 beyond the 4 configured databases" in str(e.value)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_appendonly_yes_leaves_rdb_alone(redis_srv, rr, make_server):
    rr.set("k", "v")
    assert rr.save()
    d = tempfile.mkdtemp(prefix="apiary-rdb-")
    try:
        shutil.copy(os.path.join(redis_srv.dir, "dump.rdb"), d)
        s = make_server(args=["--dir", d, "--appendonly", "yes"])
        assert s.client().dbsize() == 0
        s2 = make_server(args=["--dir", d])
        assert s2.client().get("k") == b"v"
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu"])
def test_snapshot_carries_idle_time_or_frequency(policy, make_server):
    """Under an LRU policy a snapshot writes each key's idle time (IDLE),
    under an LFU one its access counter (FREQ), as Redis 7.0 does: both
    Apiary and redis-server read them back."""
    s = make_server(args=["--maxmemory-policy", policy])
    r = s.client()
    r.set("src", "v")
    payload = r.dump("src")
    if policy == "allkeys-lru":
        r.restore("k", 0, payload, idletime=5000)
    else:
        r.restore("k", 0, payload, frequency=77)
    r.save()
    dump = os.path.join(s.dir, "dump.rdb")

    def check(c):
        if policy == "allkeys-lru":
            assert 5000 <= c.object("idletime", "k") < 5100
        else:
            assert 70 <= c.object("freq", "k") <= 77  # decay may take a little

    s.kill()
    n = make_server(args=["--maxmemory-policy", policy], dir=s.dir)
    check(n.client())
    d = tempfile.mkdtemp(prefix="redis-interop-")
    shutil.copy(dump, os.path.join(d, "dump.rdb"))
    red = RedisServer(["--maxmemory-policy", policy], dir=d)
    try:
        check(red.client())
    finally:
        red.stop()
