"""MULTI/EXEC/DISCARD (WATCH is not implemented yet): queued replies,
EXECABORT after a queuing error, run-time errors don't stop the others, no
nesting, and the queue survives the query buffer being reused."""
import pytest
import redis


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
