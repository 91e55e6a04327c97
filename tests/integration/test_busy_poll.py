"""Busy polling (busy-poll-usec): under a steady load of many clients the
event loop polls for a moment before it blocks, an idle server never does,
and a background snapshot turns it off while its writer runs. The counts
come from INFO cpu (busy_poll_spins, busy_poll_hits, busy_poll_usec)."""
import shutil
import subprocess
import time

import pytest
import redis

needs_benchmark = pytest.mark.skipif(shutil.which("redis-benchmark") is None,
                                     reason="redis-benchmark is not installed")


def poll_stats(r):
    info = r.info("cpu")
    return info["busy_poll_spins"], info["busy_poll_hits"], info["busy_poll_usec"]


def load(port, n=20000, clients=20):
    """n SETs from `clients` connections, one request in flight on each."""
    subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(n),
                    "-P", "1", "-r", "1000", "-t", "set", "-q"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def test_config_default_range_and_errors(r):
    assert r.config_get("busy-poll-usec") == {"busy-poll-usec": "50"}
    try:
        r.config_set("busy-poll-usec", 0)
        assert r.config_get("busy-poll-usec") == {"busy-poll-usec": "0"}
        r.config_set("busy-poll-usec", 100000)
        assert r.config_get("busy-poll-usec") == {"busy-poll-usec": "100000"}
        for bad in ("-1", "100001", "soon"):
            with pytest.raises(redis.ResponseError) as e:
                r.config_set("busy-poll-usec", bad)
            assert "busy-poll-usec" in str(e.value)
        assert r.config_get("busy-poll-usec") == {"busy-poll-usec": "100000"}
    finally:
        r.config_set("busy-poll-usec", 50)


def test_info_cpu_reports_the_counters(r):
    spins, hits, usec = poll_stats(r)
    assert 0 <= hits <= spins
    assert usec >= 0


@needs_benchmark
def test_steady_load_spins_and_most_spins_find_work(server, r):
    s0, h0, u0 = poll_stats(r)
    load(server.port)
    s1, h1, u1 = poll_stats(r)
    assert s1 - s0 > 1000, (s0, s1)
    # the predictor spins only while waits are short: most spins pay
    assert (h1 - h0) / (s1 - s0) > 0.5, (s0, s1, h0, h1)
    assert u1 > u0


@needs_benchmark
def test_off_means_no_spin(server, r):
    r.config_set("busy-poll-usec", 0)
    try:
        s0, _, u0 = poll_stats(r)
        load(server.port)
        s1, _, u1 = poll_stats(r)
        assert (s1, u1) == (s0, u0)
    finally:
        r.config_set("busy-poll-usec", 50)


def test_idle_server_does_not_spin(server, r):
    # one request every 5 ms: every wait is far longer than the window
    s0, _, _ = poll_stats(r)
    for _ in range(100):
        r.ping()
        time.sleep(0.005)
    s1, _, _ = poll_stats(r)
    # at most a few spins, left from the load of an earlier test
    assert s1 - s0 <= 32, (s0, s1)


@needs_benchmark
def test_no_spin_while_a_background_snapshot_runs(server, r):
    r.mset({"bp:%d" % i: "v" for i in range(100)})
    r.config_set("rdb-key-save-delay", 20000)  # 100 keys: ~2s
    try:
        r.bgsave()
        time.sleep(0.1)
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
        s0, _, _ = poll_stats(r)
        load(server.port, n=10000)
        s1, _, _ = poll_stats(r)
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 1, "the BGSAVE ended too soon"
        assert s1 == s0
    finally:
        r.config_set("rdb-key-save-delay", 0)
        deadline = time.time() + 30
        while r.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
    assert r.info("persistence")["rdb_bgsave_in_progress"] == 0
    # and it spins again once the snapshot is done
    s0, _, _ = poll_stats(r)
    load(server.port)
    s1, _, _ = poll_stats(r)
    assert s1 > s0
