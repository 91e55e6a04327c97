"""Persistence engines (persistence-engine, chosen at start-up): "file" (the
default: RDB snapshots, AOF, backups) and "none" (a pure cache: nothing is
loaded or written, and every request to persist is refused clearly)."""
import os

import pytest
import redis

from conftest import Server


def test_default_engine_is_file(r):
    assert r.info("persistence")["persistence_engine"] == "file"
    assert r.config_get("persistence-engine") == {"persistence-engine": "file"}


def test_none_engine_refuses_to_persist():
    s = Server(args=["--persistence-engine", "none", "--save", "1 1"])
    try:
        r = s.client()
        r.set("a", 1)
        assert r.info("persistence")["persistence_engine"] == "none"
        for cmd in (("SAVE",), ("BGSAVE",), ("BGSAVE", "SCHEDULE"), ("BGREWRITEAOF",),
                    ("DEBUG", "RELOAD")):
            with pytest.raises(redis.ResponseError, match="persistence is off"):
                r.execute_command(*cmd)
        with pytest.raises(redis.ResponseError, match="persistence is off"):
            r.config_set("appendonly", "yes")
        assert r.config_get("appendonly")["appendonly"] == "no"
        with pytest.raises(redis.ResponseError, match="can't set immutable config"):
            r.config_set("persistence-engine", "file")
        r.shutdown(save=True)
        s.proc.wait(10)
        assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    finally:
        s.stop()


def test_none_engine_loads_nothing():
    s = Server()
    r = s.client()
    r.set("a", 1)
    r.save()
    s.kill()
    n = Server(args=["--persistence-engine", "none"], dir=s.dir)
    try:
        assert n.client().dbsize() == 0
    finally:
        n.stop()


def test_unknown_engine_stops_start_up():
    s = Server(args=["--persistence-engine", "tape"], expect_exit=True)
    assert s.exit_code != 0
    assert "Unknown persistence-engine 'tape'" in s.read_log()
