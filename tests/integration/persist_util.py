"""Helpers for the persistence tests: waiting for background jobs, reading
a whole dataset, and Debian's redis-server loading a dump file to read it
back (an independent reader of the RDB format)."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import free_port
from rdb_util import snapshot

REDIS_SERVER = shutil.which("redis-server")
CHECK_RDB = shutil.which("redis-check-rdb")
needs_redis = pytest.mark.skipif(not REDIS_SERVER, reason="redis-server not installed")


def wait_aof_rewrite(r, timeout=60):
    end = time.time() + timeout
    while True:
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return info
        assert time.time() < end, "the AOF rewrite did not finish"
        time.sleep(0.02)


def all_contents(port, ndb=16):
    """contents() of every database of the server on port, keyed by db
    number (empty ones left out)."""
    out = {}
    for db in range(ndb):
        c = redis.Redis(host="127.0.0.1", port=port, db=db)
        got = contents(c)
        c.close()
        if got:
            out[db] = got
    return out


def wait_bgsave(r, timeout=60):
    end = time.time() + timeout
    while r.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.time() < end, "BGSAVE did not finish"
        time.sleep(0.02)
    return r.info("persistence")


class RedisRef:
    """Debian's redis-server loading a dump file, to read it back."""

    def __init__(self, path):
        self.dir = tempfile.mkdtemp(prefix="apiary-ref-")
        shutil.copy(path, os.path.join(self.dir, "dump.rdb"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--dir", self.dir, "--save", "",
             "--appendonly", "no", "--databases", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 20
        while True:
            try:
                c = redis.Redis(port=self.port)
                if c.info("persistence")["loading"] == 0:
                    break
            except (redis.ConnectionError, redis.BusyLoadingError):
                pass
            assert self.proc.poll() is None, "redis-server refused the dump"
            assert time.time() < end
            time.sleep(0.05)

    def client(self, db=0):
        return redis.Redis(port=self.port, db=db)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def contents(c):
    """Every key of a client's db with its type, value and whether it has a TTL."""
    return {k: snapshot(c, k) + (c.pttl(k) > 0,) for k in c.scan_iter(count=1000)}


