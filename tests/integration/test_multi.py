"""MULTI/EXEC/DISCARD and WATCH/UNWATCH: queued replies,
EXECABORT after a queuing error, run-time errors don't stop the others, no
nesting, and the queue survives the query buffer being reused."""
import pytest
import redis
import time

from resp_client import Conn


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_exec_runs_queue(r):
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").get("a").sadd("s", "x")
    assert p.execute() == [True, 2, b"2", 1]


def test_runtime_error_does_not_stop_others(r):
    r.set("str", "v")
    p = r.pipeline(transaction=True)
    p.incr("str").set("b", 2).get("b")
    res = p.execute(raise_on_error=False)
    assert isinstance(res[0], redis.ResponseError)
    assert res[1:] == [True, b"2"]


def test_queue_error_aborts(server):
    c = server.client()
    c.execute_command("MULTI")
    assert c.execute_command("ECHO", "x") == b"QUEUED"  # ECHO's reply is left raw
    c.execute_command("SET", "k", "v")
    with pytest.raises(redis.ResponseError):
        c.execute_command("NOSUCHCOMMAND")
    with pytest.raises(redis.ResponseError):
        c.execute_command("GET")  # wrong arity, also a queuing error
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("EXEC")
    assert str(e.value) == "Transaction discarded because of previous errors."
    assert c.get("k") is None


def test_discard_nesting_and_without_multi(server):
    c = server.client()
    assert err(c, "EXEC") == "EXEC without MULTI"
    assert err(c, "DISCARD") == "DISCARD without MULTI"
    c.execute_command("MULTI")
    assert err(c, "MULTI") == "MULTI calls can not be nested"
    c.execute_command("SET", "d", "1")
    assert c.execute_command("DISCARD") == b"OK"
    assert c.get("d") is None


def test_queued_args_survive_buffer_reuse(server):
    c = server.client()
    c.execute_command("MULTI")
    for i in range(200):
        c.execute_command("SET", "q%d" % i, "v" * 1000 + str(i))
    res = c.execute_command("EXEC")
    assert res == [b"OK"] * 200
    assert c.get("q199") == b"v" * 1000 + b"199"


def test_reset_leaves_multi(server):
    c = server.client()
    c.execute_command("MULTI")
    c.execute_command("SET", "r", "1")
    assert c.execute_command("RESET") in ("RESET", b"RESET")
    assert err(c, "EXEC") == "EXEC without MULTI"
    assert c.get("r") is None


# ---- WATCH -------------------------------------------------------------------

def test_watch_untouched_key_exec_runs(r):
    r.set("w", 1)
    p = r.pipeline(transaction=True)
    p.watch("w")
    p.multi()
    p.incr("w")
    assert p.execute() == [2]


def test_watch_broken_by_another_client(server, r):
    other = server.client()
    r.set("w", 1)
    with r.pipeline(transaction=True) as p:
        p.watch("w", "unrelated")
        other.set("w", 5)
        p.multi()
        p.set("w", 100)
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == b"5"


@pytest.mark.parametrize("change", [
    lambda o: o.delete("w"), lambda o: o.expire("w", 100), lambda o: o.append("w", 1),
    lambda o: o.rename("w2", "w"), lambda o: o.flushdb(), lambda o: o.flushall(),
    lambda o: o.swapdb(0, 1), lambda o: o.execute_command("SORT", "nosuchlist", "STORE", "w"),
])
def test_watch_broken_by_kinds_of_change(server, r, change):
    other = server.client()
    r.set("w", "x")
    r.set("w2", "y")
    r.delete("w2")
    r.lpush("w2", "a")
    c = Conn(server.port)
    assert c.call("WATCH", "w") == b"OK"
    change(other)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") is None


def test_watch_by_expiry(server, r):
    c = Conn(server.port)
    r.set("e", 1, px=100)
    c.call("WATCH", "e")
    time.sleep(0.2)  # expires after WATCH: EXEC fails even if nobody touched it
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") is None
    # a key already expired when watched does not fail EXEC when deleted
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    try:
        r.set("stale", 1, px=1)
        time.sleep(0.05)
        c.call("WATCH", "stale")
        assert r.exists("stale") == 0  # lazily deleted as expired now
        c.call("MULTI")
        c.call("PING")
        assert c.call("EXEC") == [b"PONG"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)


def test_unwatch_discard_and_errors(server, r):
    c = Conn(server.port)
    r.set("u", 1)
    c.call("WATCH", "u")
    c.call("UNWATCH")
    r.set("u", 2)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") == [b"PONG"]
    c.call("WATCH", "u")
    r.set("u", 3)
    c.call("MULTI")
    assert str(c.call("WATCH", "x")) == "ERR WATCH inside MULTI is not allowed"
    c.call("DISCARD")  # clears the watch and its dirty flag
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") == [b"PONG"]
    # after EXEC nothing is watched any more
    c.call("WATCH", "u")
    c.call("MULTI")
    c.call("PING")
    c.call("EXEC")
    r.set("u", 4)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") == [b"PONG"]
    # a watch is per db
    c.call("WATCH", "u")
    r.execute_command("SELECT", 1)
    r.set("u", "other-db")
    r.execute_command("SELECT", 0)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") == [b"PONG"]


def test_watch_not_broken_by_other_keys(server, r):
    c = Conn(server.port)
    r.set("w", 1)
    c.call("WATCH", "w")
    r.lpush("w2", 1)
    r.set("w3", 1)
    c.call("MULTI")
    c.call("PING")
    assert c.call("EXEC") == [b"PONG"]


def test_smove_of_a_member_already_there_leaves_dst_untouched(server, r):
    r.sadd("src", "a", "b")
    r.sadd("dst", "a")
    c = Conn(server.port)
    c.call("WATCH", "dst")
    assert r.smove("src", "dst", "a") is True  # dst unchanged: "a" was there
    c.call("MULTI")
    c.call("SADD", "dst", "c")
    assert c.call("EXEC") == [1]
    assert r.scard("dst") == 2
