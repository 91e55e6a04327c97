"""The append-only file: Redis 7's multi-part layout (manifest, base,
incremental files), replay at start-up, forkless BGREWRITEAOF and automatic
rewrites, CONFIG SET appendonly, truncated and corrupt files, DEBUG LOADAOF,
and crash tests (kill -9 under a write load from several clients)."""
import os
import random
import threading
import time

import pytest
import redis

from conftest import Server
from persist_util import all_contents, wait_aof_rewrite

AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "always"]


def manifest(s):
    path = os.path.join(s.dir, "appendonlydir", "appendonly.aof.manifest")
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def files(s):
    return sorted(os.listdir(os.path.join(s.dir, "appendonlydir")))


def last_incr(s):
    incr = [m[1] for m in manifest(s) if m[5] == "i"]
    return os.path.join(s.dir, "appendonlydir", incr[-1])


def restart(s, extra=()):
    """Kills s (nothing is saved at exit) and starts a new server with the
    AOF on in the same directory."""
    s.kill()
    return Server(args=AOF_ARGS + list(extra), dir=s.dir)


def assert_survives_restart(s):
    """Kills s and checks a restart from its AOF gives the same data set."""
    before = all_contents(s.port)
    n = restart(s)
    try:
        assert all_contents(n.port) == before
    finally:
        n.stop()


def damage_last_incr(s, tail):
    """Kills s and appends tail to its last incremental file; returns the
    file and its size before."""
    path = last_incr(s)
    s.kill()
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(tail)
    return path, size


def start_in(d, extra=(), expect_fail=False):
    if expect_fail:
        f = Server(args=AOF_ARGS + list(extra), dir=d, expect_exit=True)
        return f.exit_code, f.read_log()
    return Server(args=AOF_ARGS + list(extra), dir=d)


def fill(r, n=200):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set(f"s:{i}", f"v{i}")
        p.rpush(f"l:{i % 10}", i)
        p.sadd(f"set:{i % 7}", i)
        p.hset(f"h:{i % 5}", f"f{i}", i)
        p.zadd(f"z:{i % 3}", {f"m{i}": i / 3})
    p.set("ttl", 1, ex=3600)
    p.incrbyfloat("float", 1.5)
    p.execute()
    r1 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=5)
    r1.set("in-db5", "x")
    r1.close()


@pytest.fixture
def aof():
    s = Server(args=AOF_ARGS)
    yield s
    s.stop()


def test_layout_at_first_start(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    m = manifest(aof)
    assert [x[5] for x in m] == ["b", "i"]
    assert m[0][1] == "appendonly.aof.1.base.rdb" and m[1][1].endswith(".incr.aof")
    assert set(files(aof)) == {m[0][1], m[1][1], "appendonly.aof.manifest"}
    r.set("k", "v")
    with open(last_incr(aof), "rb") as f:
        data = f.read()
    assert b"SELECT" in data and b"$1\r\nk\r\n$1\r\nv\r\n" in data
    info = r.info("persistence")
    assert info["aof_enabled"] == 1 and info["aof_last_write_status"] == "ok"


def test_restart_replays_everything(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    fill(r)
    r.delete("s:0")
    r.expire("s:1", 1000)
    before = all_contents(aof.port)
    n = restart(aof)
    try:
        assert all_contents(n.port) == before
        assert "DB loaded from append only file" in n.read_log()
    finally:
        n.stop()


def test_bgrewriteaof_replaces_the_set(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    fill(r)
    old = manifest(aof)
    assert r.bgrewriteaof() in (True, b"Background append only file rewriting started")
    info = wait_aof_rewrite(r)
    assert info["aof_last_bgrewrite_status"] == "ok"
    new = manifest(aof)
    assert new[0][1] == "appendonly.aof.2.base.rdb"
    assert [x[5] for x in new] == ["b", "i"]
    # the old base and incremental files are gone
    for x in old:
        assert x[1] not in files(aof)
    r.set("after", "rewrite")
    assert_survives_restart(aof)


def test_rewrite_under_writes_is_consistent(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    fill(r, 300)
    r.config_set("rdb-key-save-delay", 2000)
    r.bgrewriteaof()
    assert r.info("persistence")["aof_rewrite_in_progress"] == 1
    with pytest.raises(redis.ResponseError, match="already in progress"):
        r.bgrewriteaof()
    # BGSAVE waits for the rewrite when scheduled
    assert aof.cli("BGSAVE", "SCHEDULE").strip() == "Background saving scheduled"
    for i in range(0, 300, 3):
        r.set(f"s:{i}", "changed")
        r.lpush(f"l:{i % 10}", "x")
        r.delete(f"h:{i % 5}")
    r.set("brand-new", 1)
    r.config_set("rdb-key-save-delay", 0)
    wait_aof_rewrite(r)
    assert_survives_restart(aof)


def test_truncated_tail_is_recovered(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    for i in range(50):
        r.set(f"k{i}", i)
    path, size = damage_last_incr(aof, b"*3\r\n$3\r\nSET\r\n$3\r\nbad\r\n$5\r\nva")  # cut mid-command
    n = start_in(aof.dir)
    try:
        c = n.client()
        assert c.dbsize() == 50
        assert c.get("bad") is None
        assert "aof-load-truncated is enabled" in n.read_log()
        assert os.path.getsize(path) == size  # cut back to the last whole command
        c.set("after", 1)  # and appending goes on after it
    finally:
        n.kill()
    n2 = start_in(aof.dir)
    try:
        assert n2.client().get("after") == b"1"
        assert n2.client().dbsize() == 51
    finally:
        n2.stop()


def test_truncated_tail_refused_without_aof_load_truncated(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    r.set("a", 1)
    path, _ = damage_last_incr(aof, b"*2\r\n$3\r\nDEL")
    rc, log = start_in(aof.dir, ["--aof-load-truncated", "no"], expect_fail=True)
    assert rc != 0
    assert "Unexpected end of file" in log and os.path.basename(path) in log


def test_unfinished_transaction_is_cut(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    r.set("a", 1)
    path, size = damage_last_incr(aof, b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
    n = start_in(aof.dir)
    try:
        assert n.client().get("b") is None
        assert n.client().get("a") == b"1"
        assert os.path.getsize(path) == size
    finally:
        n.stop()


def test_corruption_stops_start_up_with_file_and_offset(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    for i in range(20):
        r.set(f"k{i}", i)
    path = last_incr(aof)
    aof.kill()
    with open(path, "r+b") as f:
        f.seek(40)
        f.write(b"!!garbage!!")
    rc, log = start_in(aof.dir, expect_fail=True)
    assert rc != 0
    assert "Bad file format reading the append only file" in log
    assert os.path.basename(path) in log and "offset" in log


def test_unknown_command_in_aof_stops_start_up(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    damage_last_incr(aof, b"*1\r\n$7\r\nNOTACMD\r\n")
    rc, log = start_in(aof.dir, expect_fail=True)
    assert rc != 0 and "Unknown command 'NOTACMD'" in log


def test_config_set_appendonly_at_run_time():
    s = Server()
    try:
        r = s.client()
        fill(r)
        assert r.config_get("appendonly")["appendonly"] == "no"
        r.config_set("appendonly", "yes")
        wait_aof_rewrite(r)
        assert r.info("persistence")["aof_enabled"] == 1
        r.set("after-enable", 1)
        before = all_contents(s.port)
        n = restart(s)
        try:
            assert all_contents(n.port) == before
        finally:
            n.stop()
    finally:
        s.stop()


def test_appendonly_off_stops_writing(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    r.set("a", 1)
    path = last_incr(aof)
    r.config_set("appendonly", "no")
    size = os.path.getsize(path)
    r.set("b", 2)
    assert os.path.getsize(path) == size
    assert r.info("persistence")["aof_enabled"] == 0


def test_auto_rewrite(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    r.config_set("auto-aof-rewrite-min-size", "10kb")
    r.config_set("auto-aof-rewrite-percentage", "100")
    rewrites = r.info("persistence")["aof_rewrites"]
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.set(f"key:{i}", "x" * 20)
    p.execute()
    end = time.time() + 10
    while r.info("persistence")["aof_rewrites"] == rewrites:
        assert time.time() < end, "no automatic rewrite"
        time.sleep(0.1)
    assert "Starting automatic rewriting of AOF" in aof.read_log()
    wait_aof_rewrite(r)
    r.config_set("auto-aof-rewrite-percentage", "0")


def test_debug_loadaof(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    fill(r)
    before = all_contents(aof.port)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert all_contents(aof.port) == before


def test_debug_reload_rdb():
    s = Server()
    try:
        r = s.client()
        fill(r)
        before = all_contents(s.port)
        assert r.execute_command("DEBUG", "RELOAD") == b"OK"
        assert all_contents(s.port) == before
    finally:
        s.stop()


def writer(port, name, acked, stop):
    """SETs name:<n> = n until told to stop; records what was acknowledged."""
    c = redis.Redis(port=port, socket_timeout=5)
    n = 0
    try:
        while not stop.is_set():
            c.set(f"{name}:{n}", n)
            acked.append((n, time.time()))
            n += 1
    except (redis.ConnectionError, redis.TimeoutError):
        pass


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_kill9_under_write_load_keeps_acknowledged_writes(fsync):
    s = Server(args=["--appendonly", "yes", "--appendfsync", fsync])
    try:
        wait_aof_rewrite(s.client())
        threads, acks = [], {}
        stop = threading.Event()
        for w in range(4):
            acks[w] = []
            t = threading.Thread(target=writer, args=(s.port, f"w{w}", acks[w], stop))
            t.start()
            threads.append(t)
        time.sleep(random.uniform(0.8, 1.5))
        if random.random() < 0.5:
            s.client().bgrewriteaof()  # the kill may land in a rewrite
            time.sleep(random.uniform(0, 0.3))
        kill_time = time.time()
        s.kill()
        stop.set()
        for t in threads:
            t.join()
        n = start_in(s.dir, ["--appendfsync", fsync])
        try:
            c = n.client()
            for w, got in acks.items():
                assert got, "writer made no progress"
                # a kill -9 loses nothing that write() reached; with everysec
                # a machine crash could lose up to ~2 s, so that is the bound
                # checked for it
                must = [k for k, t in got if fsync == "always" or t < kill_time - 2]
                if must:
                    vals = c.mget([f"w{w}:{k}" for k in must])
                    missing = [k for k, v in zip(must, vals) if v is None]
                    assert not missing, f"writer {w} lost acknowledged writes {missing[:5]}"
        finally:
            n.stop()
    finally:
        if s.proc.poll() is None:
            s.stop()


CHECK_AOF = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "build", "apiary-check-aof")


def check_aof(*args):
    import subprocess
    r = subprocess.run([CHECK_AOF, *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


def test_check_aof_reports_and_fixes(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    fill(r, 50)
    man = os.path.join(aof.dir, "appendonlydir", "appendonly.aof.manifest")
    rc, out = check_aof(man)
    assert rc == 0 and "AOF OK" in out and "RDB base" in out, out
    path, size = damage_last_incr(aof, b"*3\r\n$3\r\nSET\r\n$1\r\nx")
    rc, out = check_aof(man)
    assert rc == 1 and f"ok_up_to={size}" in out and "--fix" in out, out
    rc, out = check_aof("--fix", man)
    assert rc == 0 and "Successfully truncated" in out, out
    assert os.path.getsize(path) == size
    n = start_in(aof.dir, ["--aof-load-truncated", "no"])
    try:
        assert n.client().dbsize() > 0
    finally:
        n.stop()


def test_check_aof_refuses_to_fix_an_earlier_file(aof):
    r = aof.client()
    wait_aof_rewrite(r)
    r.set("a", 1)
    r.config_set("rdb-key-save-delay", 100000)
    r.bgrewriteaof()  # opens a second incremental file; the rewrite stays running
    r.set("b", 2)
    incr = [m[1] for m in manifest(aof) if m[5] == "i"]
    assert len(incr) == 2
    aof.kill()
    first = os.path.join(aof.dir, "appendonlydir", incr[0])
    with open(first, "ab") as f:
        f.write(b"*2\r\n$3\r\nDEL")
    man = os.path.join(aof.dir, "appendonlydir", "appendonly.aof.manifest")
    rc, out = check_aof("--fix", man)
    assert rc == 1 and "not the last file" in out, out


def test_base_as_commands_without_rdb_preamble():
    s = Server(args=AOF_ARGS + ["--aof-use-rdb-preamble", "no"])
    try:
        r = s.client()
        wait_aof_rewrite(r)
        fill(r)
        big = [str(i) for i in range(150)]  # more than one command of 64 items
        r.rpush("biglist", *big)
        r.hset("bighash", mapping={f"f{i}": i for i in range(100)})
        r.zadd("bigz", {f"m{i}": i + 0.25 for i in range(130)})
        r.sadd("bigset", *[f"x{i}" for i in range(200)])
        r.pexpire("biglist", 500000)
        r.bgrewriteaof()
        wait_aof_rewrite(r)
        m = manifest(s)
        assert m[0][1] == "appendonly.aof.2.base.aof"
        with open(os.path.join(s.dir, "appendonlydir", m[0][1]), "rb") as f:
            base = f.read()
        assert base.startswith(b"*2\r\n$6\r\nSELECT\r\n")
        assert b"REDIS" not in base[:16] and b"PEXPIREAT" in base
        # at most 64 items a command: RPUSH key + 64 elements
        assert b"*66\r\n$5\r\nRPUSH\r\n$7\r\nbiglist" in base
        r.set("after", "rewrite")
        assert_survives_restart(s)
    finally:
        s.stop()


def test_timestamp_annotations():
    s = Server(args=AOF_ARGS + ["--aof-timestamp-enabled", "yes"])
    try:
        r = s.client()
        wait_aof_rewrite(r)
        r.set("a", 1)
        time.sleep(1.1)
        r.set("b", 2)
        with open(last_incr(s), "rb") as f:
            data = f.read()
        stamps = [int(line[4:]) for line in data.split(b"\r\n") if line.startswith(b"#TS:")]
        assert len(stamps) >= 2 and stamps == sorted(stamps)
        assert abs(stamps[-1] - time.time()) < 5
        assert data.startswith(b"#TS:")
        assert_survives_restart(s)
    finally:
        s.stop()


def test_bgrewriteaof_with_appendonly_off_writes_a_base():
    s = Server(args=["--appendonly", "no"])
    try:
        r = s.client()
        fill(r)
        assert r.bgrewriteaof() in (True, b"Background append only file rewriting started")
        info = wait_aof_rewrite(r)
        assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_enabled"] == 0
        m = manifest(s)
        assert [x[5] for x in m] == ["b"] and m[0][1] == "appendonly.aof.1.base.rdb"
        assert set(files(s)) == {m[0][1], "appendonly.aof.manifest"}
        before = all_contents(s.port)
        r.set("not-in-the-aof", 1)  # appendonly is off: this is not logged
        # a second rewrite replaces the first base
        r.delete("not-in-the-aof")
        r.bgrewriteaof()
        wait_aof_rewrite(r)
        assert [x[1] for x in manifest(s)] == ["appendonly.aof.2.base.rdb"]
        assert set(files(s)) == {"appendonly.aof.2.base.rdb", "appendonly.aof.manifest"}
        n = restart(s)
        try:
            assert all_contents(n.port) == before
        finally:
            n.stop()
    finally:
        s.stop()
