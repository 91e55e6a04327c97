"""Client-side caching (CLIENT TRACKING): RESP3 push invalidation, RESP2
redirection to a subscriber of __redis__:invalidate, BCAST with prefixes,
OPTIN/OPTOUT with CLIENT CACHING, NOLOOP, FLUSHALL/FLUSHDB null
invalidation, tracking-table-max-keys eviction, broken redirection,
errors, CLIENT GETREDIR/TRACKINGINFO/LIST and INFO counters."""
import socket
import time

import pytest

from resp_client import Conn, Error, Push, call_err


def resp3(server):
    c = Conn(server.port)
    assert c.call("HELLO", "3")[b"proto"] == 3
    return c


def no_more(c, wait=0.2):
    """Nothing further arrives on c within `wait` seconds."""
    if c.buf:
        return False
    c.sock.settimeout(wait)
    try:
        data = c.sock.recv(65536)
    except socket.timeout:
        return True
    finally:
        c.sock.settimeout(5.0)
    c.buf += data
    return not data


def redirect_target(server):
    """A RESP2 connection subscribed to __redis__:invalidate; returns it and
    its id."""
    t = Conn(server.port)
    tid = t.call("CLIENT", "ID")
    assert t.call("SUBSCRIBE", "__redis__:invalidate") == [b"subscribe", b"__redis__:invalidate", 1]
    return t, tid


def info(r, field):
    return r.info()[field]


def test_resp3_push_invalidation(server, r):
    c = resp3(server)
    assert c.call("CLIENT", "TRACKING", "ON") == b"OK"
    r.set("k", "1")
    r.set("other", "1")
    assert c.call("GET", "k") == b"1"
    r.set("other", "2")  # not read: no message
    r.set("k", "2")
    m = c.read()
    assert isinstance(m, Push) and m == [b"invalidate", [b"k"]]
    # one-shot: a second change without a new read sends nothing
    r.set("k", "3")
    assert c.call("PING") == b"PONG"
    assert no_more(c)
    c.close()


def test_resp2_redirect(server, r):
    t, tid = redirect_target(server)
    c = Conn(server.port)
    assert c.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid) == b"OK"
    assert c.call("CLIENT", "GETREDIR") == tid
    r.mset({"a": 1, "b": 1})
    assert c.call("MGET", "a", "b") == [b"1", b"1"]
    r.incr("a")
    assert t.read() == [b"message", b"__redis__:invalidate", [b"a"]]
    r.delete("b")
    assert t.read() == [b"message", b"__redis__:invalidate", [b"b"]]
    # RESP2 without redirect: nothing can be sent, nothing is
    assert no_more(c)
    t.close()
    c.close()


def test_redirect_to_resp3_target(server, r):
    t = resp3(server)
    tid = t.call("CLIENT", "ID")
    c = Conn(server.port)
    assert c.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid) == b"OK"
    r.set("k", "v")
    c.call("GET", "k")
    r.set("k", "w")
    assert t.read() == [b"invalidate", [b"k"]]
    t.close()
    c.close()


def test_broken_redirect(server, r):
    t = Conn(server.port)
    tid = t.call("CLIENT", "ID")
    c = resp3(server)
    assert c.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid) == b"OK"
    r.set("k", "v")
    c.call("GET", "k")
    t.call("QUIT")
    t.close()
    time.sleep(0.1)
    r.set("k", "w")
    assert c.read() == [b"tracking-redir-broken", tid]
    info_ = c.call("CLIENT", "TRACKINGINFO")
    assert info_[b"flags"] == [b"on", b"broken_redirect"]
    assert info_[b"redirect"] == tid
    line = r.client_list()
    mine = [x for x in line if x["resp"] == "3" and "t" in x["flags"]]
    assert mine and "R" in mine[0]["flags"] and mine[0]["redir"] == str(tid)
    c.close()


def test_bcast_prefixes(server, r):
    c = resp3(server)
    assert c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:", "PREFIX", "b:") == b"OK"
    p = r.pipeline(transaction=True)
    for k in ("a:1", "a:2", "b:1", "c:1"):
        p.incr(k)
    p.execute()
    got = []
    for _ in range(2):  # one message per prefix
        m = c.read()
        assert m[0] == b"invalidate"
        got += m[1]
    assert sorted(got) == [b"a:1", b"a:2", b"b:1"]
    assert info(r, "tracking_total_prefixes") == 2
    # adding a prefix keeps the others
    assert c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "c:") == b"OK"
    r.set("c:9", 1)
    assert c.read() == [b"invalidate", [b"c:9"]]
    ti = c.call("CLIENT", "TRACKINGINFO")
    assert ti[b"flags"] == [b"on", b"bcast"]
    assert sorted(ti[b"prefixes"]) == [b"a:", b"b:", b"c:"]
    assert "B" in [x for x in r.client_list() if x["resp"] == "3"][0]["flags"]
    c.call("CLIENT", "TRACKING", "OFF")
    assert info(r, "tracking_total_prefixes") == 0
    c.close()


def test_bcast_all_keys_and_redirect(server, r):
    t, tid = redirect_target(server)
    c = Conn(server.port)
    assert c.call("CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", tid) == b"OK"
    r.mset({"x": 1, "y": 2, "z": 3})
    m = t.read()
    assert m[:2] == [b"message", b"__redis__:invalidate"]
    assert sorted(m[2]) == [b"x", b"y", b"z"]
    assert c.call("CLIENT", "TRACKINGINFO") == [b"flags", [b"on", b"bcast"], b"redirect", tid,
                                                b"prefixes", [b""]]
    t.close()
    c.close()


def test_bcast_expired_key(server, r):
    c = resp3(server)
    c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "exp")
    r.set("expkey", "v", px=1)
    assert c.read() == [b"invalidate", [b"expkey"]]  # the SET
    assert c.read() == [b"invalidate", [b"expkey"]]  # its expiry (active cycle)
    c.close()


def test_noloop(server, r):
    t, tid = redirect_target(server)
    c = Conn(server.port)
    assert c.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid, "NOLOOP") == b"OK"
    c.call("MGET", "k1", "loop", "k2")
    r.set("k1", 1)
    c.call("SET", "loop", 1)  # own change: no message
    r.set("k2", 1)
    assert t.read()[2] == [b"k1"]
    assert t.read()[2] == [b"k2"]
    # the own change still forgot the key: a later change sends nothing
    r.set("loop", 2)
    assert no_more(t)
    # BCAST NOLOOP
    c.call("CLIENT", "TRACKING", "OFF")
    c.call("CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", tid, "NOLOOP")
    r.set("o1", 1)
    c.call("SET", "mine", 1)
    r.set("o2", 1)
    assert t.read()[2] == [b"o1"]
    assert t.read()[2] == [b"o2"]
    assert no_more(t)
    t.close()
    c.close()


def test_optin(server, r):
    c = resp3(server)
    assert c.call("CLIENT", "TRACKING", "ON", "OPTIN") == b"OK"
    r.set("k1", 1)
    r.set("k2", 1)
    c.call("GET", "k1")  # not remembered
    assert c.call("CLIENT", "CACHING", "YES") == b"OK"
    assert c.call("CLIENT", "TRACKINGINFO")[b"flags"] == [b"on", b"optin", b"caching-yes"]
    c.call("GET", "k2")  # remembered
    assert c.call("CLIENT", "TRACKINGINFO")[b"flags"] == [b"on", b"optin"]
    r.set("k1", 2)
    r.set("k2", 2)
    assert c.read() == [b"invalidate", [b"k2"]]
    assert info(r, "tracking_total_keys") == 0
    # CACHING YES before MULTI covers the whole transaction
    c.call("CLIENT", "CACHING", "YES")
    c.call("MULTI")
    c.call("GET", "k1")
    c.call("GET", "k2")
    assert c.call("EXEC") == [b"2", b"2"]
    assert info(r, "tracking_total_keys") == 2
    c.close()


def test_optout(server, r):
    c = resp3(server)
    assert c.call("CLIENT", "TRACKING", "ON", "OPTOUT") == b"OK"
    r.set("k1", 1)
    r.set("k2", 1)
    assert c.call("CLIENT", "CACHING", "NO") == b"OK"
    assert c.call("CLIENT", "TRACKINGINFO")[b"flags"] == [b"on", b"optout", b"caching-no"]
    c.call("GET", "k1")  # not remembered
    c.call("GET", "k2")  # remembered
    r.set("k1", 2)
    r.set("k2", 2)
    assert c.read() == [b"invalidate", [b"k2"]]
    c.close()


def test_caching_errors(server, r):
    c = Conn(server.port)
    assert call_err(c, "CLIENT", "CACHING", "YES").startswith(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode")
    c.call("CLIENT", "TRACKING", "ON")
    assert "OPTIN mode" in call_err(c, "CLIENT", "CACHING", "YES")
    assert "OPTOUT mode" in call_err(c, "CLIENT", "CACHING", "NO")
    c.call("CLIENT", "TRACKING", "OFF")
    c.call("CLIENT", "TRACKING", "ON", "OPTIN")
    assert call_err(c, "CLIENT", "CACHING", "maybe") == "ERR syntax error"
    c.close()


def test_tracking_errors(server, r):
    c = Conn(server.port)
    assert call_err(c, "CLIENT", "TRACKING", "ON", "REDIRECT", "999999") == \
        "ERR The client ID you want redirect to does not exist"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "REDIRECT", "x") == \
        "ERR value is not an integer or out of range"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "PREFIX", "a") == \
        "ERR PREFIX option requires BCAST mode to be enabled"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT") == \
        "ERR You can't use both OPTIN and OPTOUT"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN") == \
        "ERR OPTIN and OPTOUT are not compatible with BCAST"
    assert call_err(c, "CLIENT", "TRACKING", "MAYBE") == "ERR syntax error"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "BOGUS") == "ERR syntax error"
    assert call_err(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOOBAR", "PREFIX",
                    "FOO").startswith("ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'")
    c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOO", "PREFIX", "BAR")
    assert call_err(c, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FO").startswith(
        "ERR Prefix 'FO' overlaps with an existing prefix 'FOO'")
    assert call_err(c, "CLIENT", "TRACKING", "ON").startswith(
        "ERR You can't switch BCAST mode on/off")
    c.call("CLIENT", "TRACKING", "OFF")
    c.call("CLIENT", "TRACKING", "ON", "OPTIN")
    assert call_err(c, "CLIENT", "TRACKING", "ON", "OPTOUT").startswith(
        "ERR You can't switch OPTIN/OPTOUT mode")
    assert call_err(c, "CLIENT", "TRACKING") .startswith("ERR wrong number of arguments")
    c.close()


def test_flush_null_invalidation(server, r):
    t, tid = redirect_target(server)
    c2 = Conn(server.port)
    c2.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid)
    c3 = resp3(server)
    c3.call("CLIENT", "TRACKING", "ON")
    r.set("k", 1)
    c2.call("GET", "k")
    c3.call("GET", "k")
    assert info(r, "tracking_total_keys") == 1
    assert info(r, "tracking_total_items") == 2
    r.flushall()
    assert t.read() == [b"message", b"__redis__:invalidate", None]
    assert c3.read() == [b"invalidate", None]
    assert info(r, "tracking_total_keys") == 0
    assert info(r, "tracking_total_items") == 0
    r.flushdb()
    assert t.read() == [b"message", b"__redis__:invalidate", None]
    assert c3.read() == [b"invalidate", None]
    # the flushing client itself gets it after the reply, also in MULTI
    c3.call("MULTI")
    c3.call("FLUSHDB")
    assert c3.call("EXEC") == [b"OK"]
    assert c3.read() == [b"invalidate", None]
    t.close()
    c2.close()
    c3.close()


def test_own_change_after_reply(server, r):
    c = resp3(server)
    c.call("CLIENT", "TRACKING", "ON")
    c.call("HSET", "h", "f", 1)
    c.call("HGET", "h", "f")
    assert c.call("HDEL", "h", "f") == 1  # the reply comes first
    assert c.read() == [b"invalidate", [b"h"]]
    c.call("MSET", "a", 1, "b", 2)
    c.call("GET", "a")
    c.call("MULTI")
    c.call("INCR", "a")
    c.call("GET", "b")
    assert c.call("EXEC") == [2, b"2"]
    assert c.read() == [b"invalidate", [b"a"]]
    c.close()


def test_blocked_client_gets_invalidation_after_reply(server, r):
    c = resp3(server)
    c.call("CLIENT", "TRACKING", "ON")
    r.rpush("l2", "a")
    assert c.call("LRANGE", "l2", 0, -1) == [b"a"]
    c.send("BLMOVE", "l1", "l2", "LEFT", "LEFT", 0)
    time.sleep(0.2)
    r.rpush("l1", "foo")
    assert c.read() == b"foo"
    assert c.read() == [b"invalidate", [b"l2"]]
    c.close()


def test_table_max_keys_eviction(server, r):
    t, tid = redirect_target(server)
    c = Conn(server.port)
    c.call("CLIENT", "TRACKING", "ON", "REDIRECT", tid)
    n = 250
    for i in range(n):
        c.call("GET", "key%d" % i)
    assert info(r, "tracking_total_keys") == n
    try:
        r.config_set("tracking-table-max-keys", 1)
        assert r.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "1"}
        # evicted keys get their invalidation, incrementally (commands, cron)
        got = set()
        for _ in range(n - 1):
            m = t.read()
            assert m[:2] == [b"message", b"__redis__:invalidate"]
            got.update(m[2])
        assert len(got) == n - 1
        assert info(r, "tracking_total_keys") == 1
        assert no_more(t)
    finally:
        r.config_set("tracking-table-max-keys", 1000000)
    t.close()
    c.close()


def test_getredir_trackinginfo(server, r):
    c = resp3(server)
    assert c.call("CLIENT", "GETREDIR") == -1
    ti = c.call("CLIENT", "TRACKINGINFO")
    assert ti == {b"flags": [b"off"], b"redirect": -1, b"prefixes": []}
    c.call("CLIENT", "TRACKING", "ON")
    assert c.call("CLIENT", "GETREDIR") == 0
    assert c.call("CLIENT", "TRACKINGINFO") == {b"flags": [b"on"], b"redirect": 0, b"prefixes": []}
    c.call("CLIENT", "TRACKING", "ON", "NOLOOP")
    assert c.call("CLIENT", "TRACKINGINFO")[b"flags"] == [b"on", b"noloop"]
    c.call("CLIENT", "TRACKING", "OFF")
    c.call("CLIENT", "TRACKING", "ON", "BCAST")
    assert c.call("CLIENT", "TRACKINGINFO")[b"prefixes"] == [b""]
    c.close()


def test_cleanup_on_off_reset_disconnect(server, r):
    c = Conn(server.port)
    c.call("CLIENT", "TRACKING", "ON")
    c.call("MGET", "a", "b", "c")
    assert info(r, "tracking_clients") == 1
    assert info(r, "tracking_total_keys") == 3
    c.call("CLIENT", "TRACKING", "OFF")
    assert info(r, "tracking_clients") == 0
    assert info(r, "tracking_total_keys") == 0
    c.call("CLIENT", "TRACKING", "ON")
    c.call("MGET", "a", "b")
    assert c.call("RESET") == b"RESET"
    assert c.call("CLIENT", "GETREDIR") == -1
    assert info(r, "tracking_total_keys") == 0
    c.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p")
    d = Conn(server.port)
    d.call("CLIENT", "TRACKING", "ON")
    d.call("GET", "a")
    assert info(r, "tracking_clients") == 2
    c.close()
    d.close()
    time.sleep(0.2)
    assert info(r, "tracking_clients") == 0
    assert info(r, "tracking_total_keys") == 0
    assert info(r, "tracking_total_items") == 0
    assert info(r, "tracking_total_prefixes") == 0


def test_reply_off_does_not_silence_pushes(server, r):
    c = resp3(server)
    c.call("CLIENT", "TRACKING", "ON")
    r.set("foo", "bar")
    c.call("GET", "foo")
    c.send("CLIENT", "REPLY", "OFF")
    time.sleep(0.1)
    r.set("foo", "bar2")
    assert c.read() == [b"invalidate", [b"foo"]]
    assert c.call("CLIENT", "REPLY", "ON") == b"OK"
    assert c.call("PING") == b"PONG"
    c.close()


def test_keys_not_per_db(server, r):
    # as in Redis, the table is keyed by name only
    c = resp3(server)
    c.call("CLIENT", "TRACKING", "ON")
    c.call("GET", "k")
    r2 = server.client(db=1)
    r2.set("k", 1)
    assert c.read() == [b"invalidate", [b"k"]]
    r2.flushdb()
    r2.close()
    c.read()  # the flush's null invalidation
    c.close()


def test_limit_applies_before_next_command(make_server):
    # with the cron paused, the table limit is enforced before the next
    # command, also one that is only queued in MULTI: the invalidation
    # comes before +QUEUED
    s = make_server(["--enable-debug-command", "yes"])
    r = s.client()
    assert r.execute_command("DEBUG", "PAUSE-CRON", "1") == b"OK"
    c = resp3(s)
    c.call("CLIENT", "TRACKING", "ON")
    assert c.call("MGET", "1{t}", "2{t}") == [None, None]
    assert c.call("MULTI") == b"OK"
    r.config_set("tracking-table-max-keys", 1)
    c.send("PING")
    m = c.read()
    assert m[0] == b"invalidate" and m[1][0] in (b"1{t}", b"2{t}")
    assert c.read() == b"QUEUED"
    assert c.call("EXEC") == [b"PONG"]
    assert r.info()["tracking_total_keys"] == 1
    assert r.execute_command("DEBUG", "PAUSE-CRON", "0") == b"OK"
    c.close()
    r.close()
