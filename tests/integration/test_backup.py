"""Scheduled backups (backup-dir, backup-interval, backup-retention):
verified snapshots with a timestamp in their names, the oldest removed
beyond retention, INFO's backup fields; and `apiary-server --restore FILE
[--force]`: a backup becomes the data set, invalid files and existing data
are refused."""
import os
import time

import pytest

from conftest import Server
from persist_util import all_contents, wait_aof_rewrite


def backups(d):
    return sorted(f for f in os.listdir(d) if f.startswith("apiary-backup-") and f.endswith(".rdb"))


def wait_backups(r, n, timeout=20):
    end = time.time() + timeout
    while r.info("persistence")["backups_done"] < n:
        assert time.time() < end, "backups did not happen"
        time.sleep(0.1)
    while r.info("persistence")["backup_in_progress"]:
        time.sleep(0.05)


@pytest.fixture
def srv():
    s = Server()
    yield s
    s.stop()


def fill(r):
    p = r.pipeline(transaction=False)
    for i in range(300):
        p.set(f"s:{i}", i)
        p.rpush(f"l:{i % 10}", i)
        p.hset(f"h:{i % 4}", f"f{i}", i)
        p.zadd(f"z:{i % 3}", {f"m{i}": i})
        p.sadd(f"set:{i % 5}", i)
    p.execute()


def test_scheduled_backups_are_verified_and_rotated(srv):
    r = srv.client()
    fill(r)
    bdir = os.path.join(srv.dir, "bk")
    assert r.info("persistence")["backup_last_status"] == "none"
    r.config_set("backup-dir", bdir)
    r.config_set("backup-retention", 2)
    r.config_set("backup-interval", 1)
    wait_backups(r, 4)
    r.config_set("backup-interval", 0)
    info = r.info("persistence")
    assert info["backup_last_status"] == "ok"
    assert info["backup_last_time"] >= int(time.time()) - 10
    names = backups(bdir)
    assert len(names) == 2  # retention
    assert os.path.basename(info["backup_last_file"]) == names[-1]
    assert "written and verified" in srv.read_log()
    assert "removed (backup-retention 2)" in srv.read_log()
    assert not [f for f in os.listdir(bdir) if f.startswith("temp-")]


def test_backup_failure_is_reported(srv):
    r = srv.client()
    r.set("a", 1)
    # a file where the directory should be: the backup cannot be written
    blocker = os.path.join(srv.dir, "notadir")
    open(blocker, "w").close()
    r.config_set("backup-dir", blocker)
    r.config_set("backup-interval", 1)
    end = time.time() + 10
    while r.info("persistence")["backup_last_status"] != "err":
        assert time.time() < end
        time.sleep(0.1)
    r.config_set("backup-interval", 0)
    assert "Not a directory" in srv.read_log()


def test_restore_from_a_backup(srv):
    r = srv.client()
    fill(r)
    r.set("ttl", 1, ex=3600)
    r1 = srv.client(db=3)
    r1.set("other-db", "x")
    want = all_contents(srv.port)
    bdir = os.path.join(srv.dir, "bk")
    r.config_set("backup-dir", bdir)
    r.config_set("backup-interval", 1)
    wait_backups(r, 1)
    r.config_set("backup-interval", 0)
    backup = os.path.join(bdir, backups(bdir)[-1])

    fresh = Server(args=["--restore", backup])
    try:
        assert all_contents(fresh.port) == want
        assert "verified and loaded" in fresh.read_log()
        # the restored data set is the server's own now: it survives a restart
        assert os.path.exists(os.path.join(fresh.dir, "dump.rdb"))
        fresh.kill()
        again = Server(dir=fresh.dir)
        try:
            assert all_contents(again.port) == want
        finally:
            again.stop()
    finally:
        fresh.kill()


def test_restore_refuses_existing_data_without_force(srv):
    r = srv.client()
    fill(r)
    r.save()
    backup = os.path.join(srv.dir, "copy.rdb")
    os.rename(os.path.join(srv.dir, "dump.rdb"), backup)
    other = Server()
    o = other.client()
    o.set("existing", 1)
    o.save()
    other.kill()
    refused = Server(args=["--restore", backup], dir=other.dir, expect_exit=True)
    assert refused.exit_code != 0
    assert "refusing to restore over existing data" in refused.read_log()
    forced = Server(args=["--restore", backup, "--force"], dir=other.dir)
    try:
        c = forced.client()
        assert c.get("existing") is None
        assert c.dbsize() == r.dbsize()
    finally:
        forced.stop()


def test_restore_with_aof_writes_a_new_aof_set(srv):
    r = srv.client()
    fill(r)
    want = all_contents(srv.port)
    r.save()
    backup = os.path.join(srv.dir, "dump.rdb")
    s = Server(args=["--restore", backup, "--appendonly", "yes"])
    try:
        wait_aof_rewrite(s.client())
        s.kill()
        again = Server(args=["--appendonly", "yes"], dir=s.dir)
        try:
            assert all_contents(again.port) == want
        finally:
            again.stop()
    finally:
        s.kill()


def test_restore_refuses_a_damaged_backup(srv):
    r = srv.client()
    fill(r)
    r.save()
    path = os.path.join(srv.dir, "dump.rdb")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    bad = os.path.join(srv.dir, "bad.rdb")
    open(bad, "wb").write(bytes(data))
    s = Server(args=["--restore", bad], expect_exit=True)
    assert s.exit_code != 0
    assert "is not valid, nothing was changed" in s.read_log()
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    missing = Server(args=["--restore", "/nonexistent/backup.rdb"], expect_exit=True)
    assert missing.exit_code != 0 and "no such file" in missing.read_log()
