"""maxmemory eviction: each policy picks the keys it should, evictions are
counted and notified, noeviction and an empty candidate set refuse writes
with Redis's OOM error."""
import time

import pytest
import redis

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "x" * 200


@pytest.fixture
def er(r):
    r.flushall()
    yield r
    r.config_set("maxmemory", 0)
    r.config_set("maxmemory-policy", "noeviction")


def fill(r, prefix, n, ttl=None):
    p = r.pipeline(transaction=False)
    for i in range(n):
        if ttl:
            p.set("%s:%d" % (prefix, i), VALUE, ex=ttl)
        else:
            p.set("%s:%d" % (prefix, i), VALUE)
    p.execute()


def used(r):
    return r.info("memory")["used_memory"]


def test_noeviction_refuses_writes_not_reads(er):
    fill(er, "k", 100)
    er.config_set("maxmemory", 1)
    with pytest.raises(redis.ResponseError) as e:
        er.set("more", "x")
    assert str(e.value) == OOM
    assert er.get("k:1") == VALUE.encode()  # reads still work
    assert er.delete("k:1") == 1  # and so do deletes
    assert er.info("stats")["evicted_keys"] == 0


def test_allkeys_lru_prefers_idle_keys(er):
    fill(er, "old", 2000)
    time.sleep(2.1)  # the LRU clock ticks in seconds
    fill(er, "new", 2000)
    base = used(er)
    er.config_set("maxmemory-policy", "allkeys-lru")
    er.config_set("maxmemory", base - 150_000)
    assert used(er) <= base - 150_000 + 50_000  # INFO's own reply may sit above the limit
    er.config_set("maxmemory", 0)  # no more evictions while we count
    evicted = er.info("stats")["evicted_keys"]
    assert evicted > 200
    survivors_new = sum(1 for k in er.scan_iter(match="new:*", count=1000))
    survivors_old = sum(1 for k in er.scan_iter(match="old:*", count=1000))
    # sampling 5 keys per eviction: a new key goes only when all 5 samples
    # are new (a few percent of the time here)
    assert 2000 - survivors_new < evicted * 0.25
    assert survivors_old + survivors_new == 4000 - evicted


def test_volatile_policies_only_touch_keys_with_ttl(er):
    fill(er, "keep", 1000)
    fill(er, "ttl", 1000, ttl=1000)
    base = used(er)
    for policy in ("volatile-lru", "volatile-random", "volatile-ttl"):
        er.config_set("maxmemory-policy", policy)
        er.config_set("maxmemory", base - 100_000)
        assert sum(1 for _ in er.scan_iter(match="keep:*", count=1000)) == 1000
        er.config_set("maxmemory", 0)
    # nothing with a TTL left to evict: writes are refused
    er.config_set("maxmemory-policy", "volatile-lru")
    er.config_set("maxmemory", 1)
    assert sum(1 for _ in er.scan_iter(match="ttl:*", count=1000)) == 0
    with pytest.raises(redis.ResponseError):
        er.set("x", "y")


def test_volatile_ttl_takes_the_nearest_expiry(er):
    fill(er, "soon", 500, ttl=100)
    fill(er, "late", 500, ttl=100000)
    er.config_set("maxmemory-policy", "volatile-ttl")
    er.config_set("maxmemory", used(er) - 50_000)
    late = sum(1 for _ in er.scan_iter(match="late:*", count=1000))
    soon = sum(1 for _ in er.scan_iter(match="soon:*", count=1000))
    assert late > soon  # sampling: mostly the soon-to-expire keys went


def test_allkeys_random_and_evicted_event(server, er):
    er.config_set("notify-keyspace-events", "Ee")
    p = server.client().pubsub()
    p.psubscribe("__keyevent@*__:evicted")
    assert p.get_message(timeout=2)["type"] == "psubscribe"
    er.set("foo", "bar")
    er.config_set("maxmemory-policy", "allkeys-random")
    er.config_set("maxmemory", 1)
    m = None
    end = time.time() + 2
    while m is None and time.time() < end:
        m = p.get_message(timeout=0.2)
    assert m["channel"] == b"__keyevent@0__:evicted" and m["data"] == b"foo"
    assert er.dbsize() == 0
    er.config_set("maxmemory", 0)
    er.config_set("notify-keyspace-events", "")
    p.close()


def test_eviction_breaks_watch(server, er):
    from resp_client import Conn
    c = Conn(server.port)
    er.set("w", "v")
    c.call("WATCH", "w")
    er.config_set("maxmemory-policy", "allkeys-random")
    er.config_set("maxmemory", 1)
    er.config_set("maxmemory", 0)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") is None


def test_allkeys_lfu_keeps_frequently_used_keys(er):
    er.config_set("maxmemory-policy", "allkeys-lfu")
    fill(er, "cold", 1500)
    fill(er, "hot", 500)
    p = er.pipeline(transaction=False)
    for _ in range(30):
        for i in range(500):
            p.get("hot:%d" % i)
    p.execute()
    assert er.object("freq", "hot:1") > er.object("freq", "cold:1")
    er.config_set("maxmemory", used(er) - 150_000)
    er.config_set("maxmemory", 0)
    hot = sum(1 for _ in er.scan_iter(match="hot:*", count=1000))
    assert hot > 480  # the evicted keys were the rarely used ones
    er.config_set("maxmemory-policy", "noeviction")
    with pytest.raises(redis.ResponseError):
        er.object("freq", "hot:1")
