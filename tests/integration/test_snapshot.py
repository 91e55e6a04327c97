"""Forkless snapshots: SAVE, BGSAVE, save points, saving at shutdown and on
FLUSHALL, stop-writes-on-bgsave-error, INFO persistence.

The central test is point-in-time consistency: a BGSAVE paced to take
seconds (rdb-key-save-delay, as Redis's own tests do) while keys are
rewritten, deleted, expired, renamed, moved, created, flushed and swapped;
the dump must hold exactly the dataset as it was when BGSAVE began. The
dump is read back by Debian's redis-server 7.0.15 (an independent reader of
the format) and checked by its redis-check-rdb."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
import redis

from conftest import Server
from persist_util import CHECK_RDB, RedisRef, contents, needs_redis, wait_bgsave


@pytest.fixture
def srv():
    s = Server()
    yield s
    assert s.stop() == 0, s.read_log()[-3000:]


def dump_path(s):
    return os.path.join(s.dir, "dump.rdb")


def test_save_and_lastsave(srv):
    r = srv.client()
    before = r.lastsave()
    r.set("a", "1")
    assert r.info("persistence")["rdb_changes_since_last_save"] == 1
    time.sleep(1.1)
    assert r.save() is True
    assert os.path.getsize(dump_path(srv)) > 9
    with open(dump_path(srv), "rb") as f:
        assert f.read(9) == b"REDIS0010"
    info = r.info("persistence")
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_saves"] == 1
    assert info["rdb_last_bgsave_status"] == "ok"
    assert r.lastsave() > before


def test_bgsave_replies_and_counters(srv):
    r = srv.client()
    for i in range(100):
        r.set(f"k{i}", i)
    assert r.bgsave() is True  # "+Background saving started"
    info = wait_bgsave(r)
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_last_bgsave_time_sec"] >= 0
    # Apiary's own: what waited for the writer thread (the 100 keys, at
    # least, went through it); nothing waits once the save is done
    assert info["snapshot_queue_bytes"] == 0
    assert 100 * 3 < info["snapshot_queue_peak_bytes"] < 1 << 20
    assert os.path.exists(dump_path(srv))
    # no temporary file is left behind
    assert not [f for f in os.listdir(srv.dir) if f.startswith("temp-")]
    with pytest.raises(redis.ResponseError, match="syntax"):
        r.execute_command("BGSAVE", "NOW")
    assert r.execute_command("BGSAVE", "SCHEDULE") in (b"Background saving started", True)
    wait_bgsave(r)


def test_bgsave_in_progress_errors(srv):
    r = srv.client()
    for i in range(200):
        r.set(f"k{i}", i)
    r.config_set("rdb-key-save-delay", 10000)  # 200 keys: ~2s
    r.bgsave()
    info = r.info("persistence")
    assert info["rdb_bgsave_in_progress"] == 1
    assert info["current_save_keys_total"] == 200
    with pytest.raises(redis.ResponseError, match="Background save already in progress"):
        r.bgsave()
    with pytest.raises(redis.ResponseError, match="Background save already in progress"):
        r.save()
    # the server keeps serving while it saves
    t0 = time.time()
    for i in range(200):
        r.set(f"new{i}", i)
    assert time.time() - t0 < 1.5
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
    r.config_set("rdb-key-save-delay", 0)
    wait_bgsave(r)


def seed(r):
    """A dataset over three databases; returns nothing, contents() reads it."""
    p = r.pipeline(transaction=False)
    for i in range(300):
        p.set(f"str:{i}", f"value-{i}" * (1 + i % 7))
    for i in range(0, 300, 3):
        p.set(f"int:{i}", i * 1000)
    for i in range(0, 300, 10):
        p.set(f"ttl:{i}", i, ex=3600)
    p.set("big", "x" * 100000)
    # collections, small (compact encodings) and large
    for i in range(40):
        p.rpush(f"list:{i}", *range(i * 10 + 1))
        p.sadd(f"iset:{i}", *range(i * 20 + 1))
        p.sadd(f"sset:{i}", *[f"m{j}" for j in range(i * 5 + 1)])
        p.hset(f"hash:{i}", mapping={f"f{j}": j for j in range(i * 8 + 1)})
        p.zadd(f"zset:{i}", {f"z{j}": j / 7 for j in range(i * 6 + 1)})
    p.execute()


@pytest.mark.parametrize("then", ["finish", "flushall"])
def test_starved_background_writer_is_replaced(srv, then):
    """The snapshot writer runs as SCHED_IDLE; with every core kept busy by
    other processes it gets next to nothing, and after 2 s in which it ran
    under 1/32 of the time with work waiting, a writer at normal priority
    takes over. The BGSAVE then finishes, whole, while the cores are still
    busy; or, stopped by FLUSHALL after the hand-over, leaves nothing
    behind."""
    r = srv.client()
    r.execute_command("DEBUG", "POPULATE", 100000, "key", 1000)
    sample = [f"key:{random.randrange(100000)}" for _ in range(200)]
    before = r.mget(sample)
    assert all(before)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        time.sleep(0.2)
        assert r.bgsave() is True
        if then == "flushall":
            end = time.time() + 60
            while "the writer fell behind at idle priority" not in srv.read_log():
                assert time.time() < end, "the writer was not replaced"
                time.sleep(0.1)
            assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
            r.flushall()
            assert r.info("persistence")["rdb_bgsave_in_progress"] == 0
            assert r.dbsize() == 0
            assert not [f for f in os.listdir(srv.dir) if f.startswith("temp-")]
            return
        info = wait_bgsave(r, timeout=120)
        assert info["rdb_last_bgsave_status"] == "ok"
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    assert "the writer fell behind at idle priority" in srv.read_log()
    r.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert r.dbsize() == 100000
    assert r.mget(sample) == before


@needs_redis
def test_bgsave_is_point_in_time(srv):
    r = srv.client()
    r1, r2, r3 = srv.client(db=1), srv.client(db=2), srv.client(db=3)
    seed(r)
    for i in range(50):
        r1.set(f"db1:{i}", i)
        r2.set(f"db2:{i}", i)
        r3.set(f"db3:{i}", i)
    expected = {0: contents(r), 1: contents(r1), 2: contents(r2), 3: contents(r3)}
    r.config_set("rdb-key-save-delay", 3000)  # 3 ms per key: the walk takes seconds
    # short TTLs that run out while the snapshot is being taken
    p = r.pipeline(transaction=False)
    for i in range(20):
        p.set(f"short:{i}", i, px=300)
    p.bgsave()
    p.execute()
    # now change everything, while the snapshot is running
    for i in range(0, 300, 2):
        r.set(f"str:{i}", "rewritten")
    for i in range(1, 300, 4):
        r.delete(f"str:{i}")
    for i in range(0, 300, 3):
        r.incr(f"int:{i}")
    for i in range(0, 300, 20):
        r.persist(f"ttl:{i}")
    r.expire("str:3", 1000)
    r.append("big", "more")
    for i in range(0, 40, 3):
        r.rpush(f"list:{i}", "new")
        r.lpop(f"list:{i + 1}")
        r.sadd(f"iset:{i}", 999999)
        r.srem(f"sset:{i}", "m0")
        r.hset(f"hash:{i}", "f0", "changed")
        r.zincrby(f"zset:{i}", 100, "z0")
        r.delete(f"zset:{i + 2}")
    r.rename("hash:1", "hash:renamed")
    r.rename("str:6", "renamed:6")
    r.move("str:7", 1)
    for i in range(100):
        r.set(f"created:{i}", i)
    r1.flushdb()
    r1.set("after-flush", 1)
    r.swapdb(2, 3)
    r2.set("db2-after-swap", 1)
    r3.delete("db2:0")
    time.sleep(0.4)  # the short TTLs pass; active expiry deletes them
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 1, "the snapshot ended too early"
    # the short keys are gone from the live dataset (deleted on access)
    assert r.exists(*[f"short:{i}" for i in range(20)]) == 0
    r.config_set("rdb-key-save-delay", 0)
    info = wait_bgsave(r)
    assert info["rdb_last_bgsave_status"] == "ok"

    if CHECK_RDB:
        out = subprocess.run([CHECK_RDB, dump_path(srv)], capture_output=True, text=True).stdout
        assert "RDB looks OK" in out, out
        # the 20 short-TTL keys were in the dataset at the start
        assert "[info] 20 already expired" in out, out

    ref = RedisRef(dump_path(srv))
    try:
        for db in range(4):
            got = contents(ref.client(db))
            want = {k: v for k, v in expected[db].items() if not k.startswith(b"short:")}
            assert got == want, f"db {db} differs"
        assert ref.client(0).ttl("ttl:0") > 3000  # TTLs are kept
    finally:
        ref.close()


@needs_redis
def test_values_dropped_during_bgsave_are_written_as_they_were():
    """Overwritten (to another type), deleted (also lazily) and expired
    values of every type, large ones with compressed list nodes among them,
    go to the snapshot's writer whole: the dump still holds each as it was
    when BGSAVE began."""
    s = Server(args=["--lazyfree-lazy-server-del", "yes", "--list-compress-depth", "1"])
    try:
        r = s.client()
        p = r.pipeline(transaction=False)
        for i in range(600):
            big = i % 50 == 0
            p.rpush(f"l:{i}", *[f"elem-{j}-" + "x" * 30 for j in range(300 if big else 5)])
            p.hset(f"h:{i}", mapping={f"f{j}": "v" * 30 for j in range(200 if big else 3)})
            p.zadd(f"z:{i}", {f"m{j}": j / 7 for j in range(200 if big else 3)})
            p.sadd(f"s:{i}", *[f"m{j}" for j in range(200 if big else 3)])
            p.set(f"k:{i}", "y" * 100)
        p.execute()
        expected = contents(r)
        r.config_set("rdb-key-save-delay", 500)  # the walk takes over a second
        r.bgsave()
        for i in range(0, 600, 2):
            r.set(f"l:{i}", "replaced")  # another type: the list goes whole
            r.delete(f"h:{i}")           # lazily freed otherwise
            r.unlink(f"z:{i}")
            r.set(f"k:{i}", "new")
            r.pexpire(f"s:{i}", 1)
        time.sleep(0.05)
        r.exists(*[f"s:{i}" for i in range(0, 600, 2)])  # expire them on access
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 1, "the snapshot ended too early"
        r.config_set("rdb-key-save-delay", 0)
        assert wait_bgsave(r)["rdb_last_bgsave_status"] == "ok"
        ref = RedisRef(dump_path(s))
        try:
            assert contents(ref.client()) == expected
        finally:
            ref.close()
    finally:
        assert s.stop() == 0, s.read_log()[-3000:]


@needs_redis
def test_snapshot_while_writing_from_many_clients(srv):
    """A steady write load from several clients during BGSAVE; every key the
    dump holds has its value from before BGSAVE began."""
    r = srv.client()
    p = r.pipeline(transaction=False)
    for i in range(5000):
        p.set(f"k{i}", "v0")
    p.execute()
    r.config_set("rdb-key-save-delay", 300)  # ~1.5s
    r.bgsave()
    clients = [srv.client() for _ in range(4)]
    rounds = 0
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        for n, c in enumerate(clients):
            pp = c.pipeline(transaction=False)
            for i in range(n, 5000, 37):
                pp.set(f"k{i}", f"v{rounds + 1}")
            pp.execute()
        rounds += 1
        if rounds == 3:
            r.config_set("rdb-key-save-delay", 0)
    assert rounds >= 2
    ref = RedisRef(dump_path(srv))
    try:
        c = ref.client()
        assert c.dbsize() == 5000
        vals = c.mget([f"k{i}" for i in range(5000)])
        assert set(vals) == {b"v0"}
    finally:
        ref.close()


def test_save_points_trigger_bgsave(srv):
    r = srv.client()
    r.config_set("save", "1 3")
    for i in range(5):
        r.set(f"k{i}", i)
    end = time.time() + 10
    while r.info("persistence")["rdb_saves"] == 0:
        assert time.time() < end, "the save point did not fire"
        time.sleep(0.1)
    assert "changes in 1 seconds. Saving..." in srv.read_log()
    assert r.info("persistence")["rdb_changes_since_last_save"] == 0
    r.config_set("save", "")


def test_shutdown_save_and_nosave():
    s = Server()
    r = s.client()
    r.set("a", 1)
    r.shutdown(save=True)  # returns when the connection closes
    s.proc.wait(10)
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s.stop()

    s = Server()
    r = s.client()
    r.set("a", 1)
    r.config_set("save", "3600 1")
    r.shutdown(nosave=True)  # returns when the connection closes
    s.proc.wait(10)
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s.stop()


def test_sigterm_saves_with_save_points():
    s = Server()
    r = s.client()
    r.config_set("save", "3600 1")
    r.set("a", 1)
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(10) == 0
    path = os.path.join(s.dir, "dump.rdb")
    assert os.path.exists(path)
    assert "Saving the final RDB snapshot before exiting" in s.read_log()
    s.stop()


def test_shutdown_stops_a_bgsave_and_removes_its_temp_file():
    s = Server()
    r = s.client()
    for i in range(500):
        r.set(f"k{i}", i)
    r.config_set("rdb-key-save-delay", 100000)
    r.bgsave()
    time.sleep(0.3)
    assert [f for f in os.listdir(s.dir) if f.startswith("temp-")]
    r.shutdown(nosave=True)  # returns when the connection closes
    assert s.proc.wait(10) == 0
    assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s.stop()


def test_failed_bgsave_sets_misconf_then_recovers(srv):
    r = srv.client()
    r.set("a", 1)
    r.config_set("save", "3600 1")
    os.mkdir(dump_path(srv))  # rename() over a directory fails
    try:
        r.bgsave()
        info = wait_bgsave(r)
        assert info["rdb_last_bgsave_status"] == "err"
        assert "Background saving error" in srv.read_log()
        with pytest.raises(redis.ResponseError, match="^MISCONF"):
            r.set("b", 1)
        with pytest.raises(redis.ResponseError, match="^MISCONF"):
            r.ping()
        assert r.get("a") == b"1"  # reads still work
        r.config_set("stop-writes-on-bgsave-error", "no")
        assert r.set("b", 1)
        r.config_set("stop-writes-on-bgsave-error", "yes")
        with pytest.raises(redis.ResponseError, match="^MISCONF"):
            r.set("b", 1)
    finally:
        os.rmdir(dump_path(srv))
    r.bgsave()
    assert wait_bgsave(r)["rdb_last_bgsave_status"] == "ok"
    assert r.set("b", 2)
    r.config_set("save", "")
    assert not [f for f in os.listdir(srv.dir) if f.startswith("temp-")]


@needs_redis
def test_flushall_saves_an_empty_dataset_with_save_points(srv):
    r = srv.client()
    r.set("a", 1)
    r.save()
    r.config_set("save", "3600 1000")
    r.flushall()
    ref = RedisRef(dump_path(srv))
    try:
        assert ref.client().dbsize() == 0
    finally:
        ref.close()
    r.config_set("save", "")


def test_flushall_stops_a_bgsave(srv):
    r = srv.client()
    for i in range(500):
        r.set(f"k{i}", i)
    r.config_set("rdb-key-save-delay", 100000)
    r.bgsave()
    r.flushall()
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 0
    assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
    r.config_set("rdb-key-save-delay", 0)
    assert r.dbsize() == 0


@needs_redis
def test_kill9_during_bgsave_leaves_the_previous_dump_whole():
    """A crash in the middle of a BGSAVE never leaves a partial dump under
    the real name: the last complete one is still there, equal to the data
    set it was taken from, and a restart loads it."""
    s = Server()
    try:
        r = s.client()
        p = r.pipeline(transaction=False)
        for i in range(2000):
            p.set(f"k{i}", f"v{i}")
            p.hset(f"h{i % 50}", f"f{i}", i)
        p.execute()
        r.save()
        saved = contents(r)
        # change everything, then crash part way through the next BGSAVE
        for i in range(0, 2000, 2):
            r.set(f"k{i}", "new")
        r.config_set("rdb-key-save-delay", 2000)
        r.bgsave()
        time.sleep(random.uniform(0.1, 0.8))
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
        s.kill()
        if CHECK_RDB:
            out = subprocess.run([CHECK_RDB, os.path.join(s.dir, "dump.rdb")],
                                 capture_output=True, text=True).stdout
            assert "RDB looks OK" in out, out
        again = Server(dir=s.dir)
        try:
            assert contents(again.client()) == saved
        finally:
            again.kill()
    finally:
        s.kill()
        shutil.rmtree(s.dir, ignore_errors=True)
