"""Blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) and the
core blocking machinery behind them, with several real connections: order
of service, timeouts, wake-ups by pushes (also inside MULTI/EXEC and by
other blocked clients' moves), disconnects, CLIENT UNBLOCK/KILL, and the
Redis 7.0 rules for keys that change type while clients wait."""
import socket
import time

import pytest
import redis

from resp_client import Conn, Error

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def blocked(r):
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if blocked(r) == n:
            return
        time.sleep(0.005)
    raise AssertionError("expected %d blocked clients, have %d" % (n, blocked(r)))


def silent(conn, wait=0.15):
    """True if nothing arrives on conn within `wait` seconds."""
    if conn.buf:
        return False
    conn.sock.settimeout(wait)
    try:
        data = conn.sock.recv(65536)
    except socket.timeout:
        return True
    finally:
        conn.sock.settimeout(5.0)
    conn.buf += data
    return False


@pytest.fixture
def conns(server, r):
    made = []

    def make():
        c = Conn(server.port)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def block(r, conn, *args):
    """Send a blocking command on conn and wait until the server blocked it."""
    n = blocked(r)
    conn.send(*args)
    wait_blocked(r, n + 1)


def test_served_first_come_first_served(r, conns):
    cs = [conns() for _ in range(3)]
    for c in cs:
        block(r, c, "BLPOP", "k", 0)
    assert r.rpush("k", "a", "b", "c") == 3  # the push replies before anyone is served
    assert [c.read() for c in cs] == [[b"k", b"a"], [b"k", b"b"], [b"k", b"c"]]
    assert r.exists("k") == 0 and blocked(r) == 0


def test_one_element_serves_one_client(r, conns):
    a, b = conns(), conns()
    block(r, a, "BRPOP", "k", 0)
    block(r, b, "BRPOP", "k", 0)
    r.lpush("k", "x")
    assert a.read() == [b"k", b"x"]
    assert silent(b) and blocked(r) == 1
    r.lpush("k", "y", "z")
    assert b.read() == [b"k", b"y"] and r.lrange("k", 0, -1) == [b"z"]


def test_sub_second_timeout(r, conns):
    c = conns()
    t0 = time.time()
    assert c.call("BLPOP", "nokey", "0.1") is None
    took = time.time() - t0
    assert 0.09 <= took < 0.6, took
    assert c.raw_call("BRPOP", "nokey", "0.05") == b"*-1\r\n"
    assert c.raw_call("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.05") == b"*-1\r\n"
    assert c.raw_call("BLMPOP", "0.05", 1, "nokey", "LEFT") == b"*-1\r\n"
    for tiny in ("0.001", "0.0001"):  # rounded up to 1 ms, not 0 (forever)
        assert c.call("BLPOP", "nokey", tiny) is None
    c.call("HELLO", 3)
    assert c.raw_call("BLPOP", "nokey", "0.05") == b"_\r\n"
    assert blocked(r) == 0


def test_timeouts_fire_in_deadline_order(r, conns):
    cs = [conns() for _ in range(3)]
    for c, t in zip(cs, ("0.3", "0.1", "0.2")):
        c.send("BLPOP", "k", t)
    t0 = time.time()
    assert cs[1].read() is None
    t1 = time.time() - t0
    assert cs[2].read() is None
    t2 = time.time() - t0
    assert cs[0].read() is None
    t3 = time.time() - t0
    assert t1 < t2 < t3 < 1.0


def test_timeout_errors(r):
    for bad in ("abc", "", "1x"):
        with pytest.raises(redis.ResponseError, match="^timeout is not a float or out of range$"):
            r.execute_command("BLPOP", "k", bad)
    for neg in ("-1", "-0.5", "inf", "1e30"):
        with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
            r.execute_command("BLPOP", "k", neg)
    with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
        r.execute_command("BLMOVE", "a", "b", "LEFT", "LEFT", -1)
    with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
        r.execute_command("BLMPOP", -1, 1, "a", "LEFT")
    with pytest.raises(redis.ResponseError, match="^timeout is not a float or out of range$"):
        r.execute_command("BRPOPLPUSH", "a", "b", "x")
    # BLMPOP checks numkeys, direction and COUNT before the timeout
    with pytest.raises(redis.ResponseError, match="^numkeys should be greater than 0$"):
        r.execute_command("BLMPOP", "x", 0, "a", "LEFT")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BLMPOP", "x", 1, "a", "UP")
    with pytest.raises(redis.ResponseError, match="^count should be greater than 0$"):
        r.execute_command("BLMPOP", "x", 1, "a", "LEFT", "COUNT", 0)
    assert blocked(r) == 0


def test_immediate_forms(r):
    r.rpush("a", 1, 2, 3)
    assert r.blpop(["nokey", "a"], 0) == (b"a", b"1")
    assert r.brpop(["nokey", "a"], 0) == (b"a", b"3")
    assert r.blmove("a", "b", 0, "LEFT", "RIGHT") == b"2" and r.exists("a") == 0
    assert r.brpoplpush("b", "c", 0) == b"2" and r.lrange("c", 0, -1) == [b"2"]
    r.rpush("m", *"abcde")
    assert r.execute_command("BLMPOP", 0, 2, "nokey", "m", "RIGHT", "COUNT", 2) == [b"m", [b"e", b"d"]]
    assert r.execute_command("BLMPOP", 0, 1, "m", "LEFT", "COUNT", 10) == [b"m", [b"a", b"b", b"c"]]
    assert r.exists("m") == 0
    r.set("s", "v")
    for args in (("BLPOP", "s", 0), ("BRPOP", "nokey", "s", 0), ("BLMOVE", "s", "d", "LEFT", "LEFT", 0),
                 ("BRPOPLPUSH", "s", "d", 0), ("BLMPOP", 0, 2, "nokey", "s", "LEFT")):
        with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
            r.execute_command(*args)
    r.rpush("l", "x")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.blmove("l", "s", 0, "LEFT", "LEFT")
    assert r.lrange("l", 0, -1) == [b"x"]
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BLMOVE", "l", "d", "UP", "LEFT", 0)


def test_blmpop_blocked_then_served(r, conns):
    c = conns()
    block(r, c, "BLMPOP", 0, 2, "a", "b", "RIGHT", "COUNT", 2)
    r.rpush("b", 1, 2, 3)
    assert c.read() == [b"b", [b"3", b"2"]]
    assert c.call("BLMPOP", 0, 2, "a", "b", "LEFT", "COUNT", 5) == [b"b", [b"1"]]
    block(r, c, "BLMPOP", 0, 2, "a", "b", "LEFT", "COUNT", 5)
    r.rpush("a", 4, 5)
    assert c.read() == [b"a", [b"4", b"5"]]
    assert r.exists("a", "b") == 0


def test_blpop_several_keys_served_by_the_key_pushed(r, conns):
    c = conns()
    block(r, c, "BLPOP", "k1", "k2", "k3", 0)
    r.rpush("k3", "z")
    assert c.read() == [b"k3", b"z"]
    block(r, c, "BLPOP", "k1", "k1", "k1", 0)  # a key named twice is waited on once
    r.rpush("k1", "a", "b")
    assert c.read() == [b"k1", b"a"] and r.lrange("k1", 0, -1) == [b"b"]
    assert blocked(r) == 0


def test_push_inside_multi_serves_after_exec(r, conns):
    c = conns()
    block(r, c, "BLPOP", "k", 0)
    p = r.pipeline(transaction=True)
    p.rpush("k", "a", "b")
    p.lrange("k", 0, -1)
    assert p.execute() == [2, [b"a", b"b"]]  # nobody was served inside EXEC
    assert c.read() == [b"k", b"a"]
    assert r.lrange("k", 0, -1) == [b"b"]


def test_push_and_del_inside_multi_does_not_wake(r, conns):
    c = conns()
    block(r, c, "BLPOP", "k", 0)
    p = r.pipeline(transaction=True)
    p.lpush("k", "a")
    p.delete("k")
    p.execute()
    assert silent(c) and blocked(r) == 1
    r.rpush("k", "b")
    assert c.read() == [b"k", b"b"]


def test_key_becoming_a_string_keeps_waiters_blocked(r, conns):
    """Redis 7.0: a waited key that gets another type wakes nobody."""
    c = conns()
    block(r, c, "BLPOP", "k", 0)
    p = r.pipeline(transaction=True)
    p.lpush("k", "a")
    p.delete("k")
    p.set("k", "string")
    p.execute()
    assert silent(c) and blocked(r) == 1
    r.set("k", "other")
    assert silent(c) and blocked(r) == 1
    r.delete("k")
    r.lpush("k", "b")
    assert c.read() == [b"k", b"b"]


def test_blmove_wrongtype_destination_when_served(r, conns):
    c = conns()
    r.set("target", "nolist")
    block(r, c, "BRPOPLPUSH", "blist", "target", 0)
    r.rpush("blist", "foo")
    reply = c.read()
    assert isinstance(reply, Error) and str(reply) == WRONGTYPE
    assert r.lrange("blist", 0, -1) == [b"foo"] and blocked(r) == 0


def test_blmove_served_all_directions(r, conns):
    c = conns()
    for wf, wt, want in (("LEFT", "LEFT", [b"a", b"x"]), ("LEFT", "RIGHT", [b"x", b"a"]),
                         ("RIGHT", "LEFT", [b"c", b"x"]), ("RIGHT", "RIGHT", [b"x", b"c"])):
        r.delete("src", "dst")
        r.rpush("dst", "x")
        block(r, c, "BLMOVE", "src", "dst", wf, wt, 0)
        r.rpush("src", "a", "b", "c")
        assert c.read() == want[0 if wt == "LEFT" else 1]
        assert r.lrange("dst", 0, -1) == want
        assert r.llen("src") == 2


def test_blmove_same_key(r, conns):
    c = conns()
    block(r, c, "BLMOVE", "k", "k", "LEFT", "RIGHT", 0)
    r.rpush("k", "a", "b")
    assert c.read() == b"a"
    assert r.lrange("k", 0, -1) == [b"b", b"a"]


def test_lmove_into_a_waited_key_chains(r, conns):
    a, b, d = conns(), conns(), conns()
    block(r, a, "BLMOVE", "src", "mid", "RIGHT", "LEFT", 0)
    block(r, b, "BRPOPLPUSH", "mid", "dst", 0)
    block(r, d, "BLPOP", "dst", 0)
    r.rpush("src", "x")
    assert a.read() == b"x"
    assert b.read() == b"x"
    assert d.read() == [b"dst", b"x"]
    assert r.exists("src", "mid", "dst") == 0 and blocked(r) == 0
    # a plain LMOVE into a waited key serves its waiter too
    block(r, d, "BLPOP", "dst", 0)
    r.rpush("src2", "y")
    assert r.lmove("src2", "dst", "LEFT", "LEFT") == b"y"
    assert d.read() == [b"dst", b"y"]


def test_rename_into_a_waited_key_serves(r, conns):
    c = conns()
    block(r, c, "BLPOP", "foo", 0)
    p = r.pipeline(transaction=True)
    p.lpush("bob", "abc", "def", "hij")
    p.rename("bob", "foo")
    p.execute()
    assert c.read() == [b"foo", b"hij"]


def test_waits_are_per_db(r, conns, server):
    c = conns()
    c.call("SELECT", 1)
    block(r, c, "BLPOP", "k", 0)
    r.rpush("k", "db0")
    assert silent(c)
    r1 = server.client(db=1)
    assert r1.rpush("k", "db1") == 1
    r1.close()
    assert c.read() == [b"k", b"db1"]
    assert r.lrange("k", 0, -1) == [b"db0"]


def test_pipelined_input_runs_after_unblock(r, conns):
    c = conns()
    n = blocked(r)
    c.sock.sendall(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n"
                   b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
    wait_blocked(r, n + 1)
    r.rpush("k", "a")
    assert c.read() == [b"k", b"a"]
    assert c.read() == b"PONG"
    wait_blocked(r, n + 1)  # the second BLPOP blocks in turn
    r.rpush("k", "b")
    assert c.read() == [b"k", b"b"]


def test_blocking_inside_multi_returns_at_once(r, conns):
    c = conns()
    assert c.call("MULTI") == b"OK"
    for args in (("BLPOP", "nokey", 0), ("BRPOP", "nokey", 0), ("BLMOVE", "nokey", "d", "LEFT", "LEFT", 0),
                 ("BRPOPLPUSH", "nokey", "d", 0), ("BLMPOP", 0, 1, "nokey", "LEFT")):
        assert c.call(*args) == b"QUEUED"
    assert c.raw_call("EXEC") == b"*5\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n"
    assert blocked(r) == 0
    r.rpush("k", "v")
    c.call("MULTI")
    c.call("BLPOP", "k", 0)
    assert c.call("EXEC") == [[b"k", b"v"]]


def test_client_unblock(r, conns):
    c = conns()
    cid = c.call("CLIENT", "ID")
    block(r, c, "BLPOP", "k", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", cid) == 1
    assert c.read() is None
    assert r.execute_command("CLIENT", "UNBLOCK", cid) == 0  # not blocked any more
    block(r, c, "BRPOP", "k", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", cid, "TIMEOUT") == 1
    assert c.read() is None
    block(r, c, "BLMOVE", "k", "d", "LEFT", "LEFT", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR") == 1
    reply = c.read()
    assert isinstance(reply, Error) and str(reply) == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    assert b"errorstat_UNBLOCKED:count=1" in conns().call("INFO", "errorstats")
    assert c.call("PING") == b"PONG"
    assert r.execute_command("CLIENT", "UNBLOCK", 999999) == 0
    with pytest.raises(redis.ResponseError, match="^CLIENT UNBLOCK reason should be TIMEOUT or ERROR$"):
        r.execute_command("CLIENT", "UNBLOCK", cid, "FOO")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("CLIENT", "UNBLOCK", "x")
    # the unblocked client is no longer waiting: a push stays in the list
    r.rpush("k", "v")
    assert silent(c) and r.lrange("k", 0, -1) == [b"v"]


def test_client_list_and_info_show_blocked(r, conns):
    c = conns()
    cid = c.call("CLIENT", "ID")
    block(r, c, "BLPOP", "k", 0)
    line = [x for x in r.client_list() if x["id"] == str(cid)][0]
    assert "b" in line["flags"] and line["cmd"] == "blpop"
    assert blocked(r) == 1
    r.execute_command("CLIENT", "UNBLOCK", cid)
    c.read()
    assert blocked(r) == 0


def test_disconnect_while_blocked(r, server):
    cs = [Conn(server.port) for _ in range(3)]
    for c in cs:
        block(r, c, "BLPOP", "k", "k2", 0)
    cs[1].close()
    wait_blocked(r, 2)
    cs[0].close()
    cs[2].close()
    wait_blocked(r, 0)
    r.rpush("k", "v")
    assert r.lrange("k", 0, -1) == [b"v"]  # nobody left to serve


def test_client_kill_blocked(r, conns):
    c = conns()
    cid = c.call("CLIENT", "ID")
    block(r, c, "BLPOP", "k", 0)
    assert r.execute_command("CLIENT", "KILL", "ID", cid) == 1
    wait_blocked(r, 0)
    r.rpush("k", "v")
    assert r.lrange("k", 0, -1) == [b"v"]


def test_many_waiters_many_keys(r, server):
    cs = [Conn(server.port) for _ in range(40)]
    try:
        for i, c in enumerate(cs):
            c.send("BLPOP", "k%d" % (i % 4), "shared", 0 if i % 2 else 5)
        wait_blocked(r, 40)
        for i in range(4):
            r.rpush("k%d" % i, *range(10))
        got = [c.read() for c in cs]
        for i, g in enumerate(got):
            assert g[0] == b"k%d" % (i % 4)
        assert r.exists("k0", "k1", "k2", "k3") == 0 and blocked(r) == 0
    finally:
        for c in cs:
            c.close()


def test_blocking_commands_in_command_table(c):
    info = c.call("COMMAND", "INFO", "blpop", "blmove", "blmpop", "brpoplpush")
    by = {x[0]: x for x in info}
    assert by[b"blpop"][1] == -3 and b"blocking" in by[b"blpop"][2] and by[b"blpop"][3:6] == [1, -2, 1]
    assert by[b"blmove"][1] == 6 and by[b"blmove"][3:6] == [1, 2, 1]
    assert by[b"blmpop"][1] == -5 and b"movablekeys" in by[b"blmpop"][2]
    assert c.call("COMMAND", "GETKEYS", "BLMPOP", 0, 2, "k1", "k2", "LEFT") == [b"k1", b"k2"]


def test_swapdb_wakes_waiters(r, conns, server):
    r1 = server.client(db=1)
    r1.rpush("k", "hello")
    c = conns()
    c.call("SELECT", 9)
    block(r, c, "BRPOP", "k", 5)
    assert r.swapdb(1, 9)
    assert c.read() == [b"k", b"hello"]
    assert r1.exists("k") == 0
    r1.close()
