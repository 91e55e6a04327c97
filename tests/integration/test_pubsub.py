"""Pub/Sub: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their UNSUBSCRIBE forms,
PUBLISH receiver counts, PUBSUB introspection, the RESP2 subscribed mode,
RESP3 pushes, the pubsub output-buffer limit, and keyspace notifications
(redis-py's PubSub against the real server)."""
import socket
import time

import pytest
import redis

from resp_client import Conn


def get_message(p, timeout=2.0):
    end = time.time() + timeout
    while time.time() < end:
        m = p.get_message(timeout=0.1)
        if m is not None:
            return m
    return None


def messages(p, n, timeout=2.0):
    out = []
    end = time.time() + timeout
    while len(out) < n and time.time() < end:
        m = p.get_message(timeout=0.1)
        if m is not None:
            out.append(m)
    return out


def test_subscribe_publish(server, r):
    p = server.client().pubsub()
    p.subscribe("ch1", "ch2")
    assert [m["data"] for m in messages(p, 2)] == [1, 2]  # running count
    assert r.publish("ch1", "hello") == 1
    assert r.publish("nobody", "x") == 0
    m = get_message(p)
    assert m["type"] == "message" and m["channel"] == b"ch1" and m["data"] == b"hello"
    p.unsubscribe("ch1")
    assert get_message(p)["data"] == 1
    assert r.publish("ch1", "x") == 0 and r.publish("ch2", "y") == 1
    assert get_message(p)["data"] == b"y"
    p.close()


def test_patterns_and_receivers(server, r):
    a = server.client().pubsub()
    b = server.client().pubsub()
    a.psubscribe("news.*")
    b.subscribe("news.tech")
    b.psubscribe("news.t*")
    messages(a, 1), messages(b, 2)
    assert r.publish("news.tech", "m") == 3
    ma = get_message(a)
    assert ma["type"] == "pmessage" and ma["pattern"] == b"news.*" and ma["channel"] == b"news.tech"
    got = messages(b, 2)
    assert {m["type"] for m in got} == {"message", "pmessage"}
    assert r.pubsub_numpat() == 2
    assert sorted(r.pubsub_channels()) == [b"news.tech"]
    assert r.pubsub_channels("x*") == []
    assert r.pubsub_numsub("news.tech", "none") == [(b"news.tech", 1), (b"none", 0)]
    a.close(), b.close()
    time.sleep(0.1)
    assert r.pubsub_numpat() == 0 and r.pubsub_channels() == []  # disconnects leave nothing


def test_unsubscribe_all_and_counts(server):
    c = Conn(server.port)
    c.send("SUBSCRIBE", "a", "b")
    assert c.read() == [b"subscribe", b"a", 1] and c.read() == [b"subscribe", b"b", 2]
    c.send("PSUBSCRIBE", "p*")
    assert c.read() == [b"psubscribe", b"p*", 3]
    c.send("UNSUBSCRIBE")
    got = sorted([c.read(), c.read()])
    assert got == [[b"unsubscribe", b"a", 2], [b"unsubscribe", b"b", 1]] or \
        [g[1] for g in got] == [b"a", b"b"]
    c.send("PUNSUBSCRIBE")
    assert c.read() == [b"punsubscribe", b"p*", 0]
    c.send("UNSUBSCRIBE")
    assert c.read() == [b"unsubscribe", None, 0]
    # out of subscribed mode: any command again
    assert c.call("SET", "k", "v") == b"OK"


def test_resp2_subscribed_mode(server):
    c = Conn(server.port)
    c.send("SUBSCRIBE", "x")
    c.read()
    err = c.call("GET", "rs-missing")
    assert isinstance(err, Exception) and "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / " \
        "RESET are allowed in this context" in str(err)
    assert c.call("PING") == [b"pong", b""]
    assert c.call("RESET") == b"RESET"
    assert c.call("GET", "rs-missing") is None  # RESET left subscribed mode


def test_resp3_pushes(server, r):
    c = Conn(server.port)
    c.call("HELLO", "3")
    c.send("SUBSCRIBE", "x")
    assert c.read() == [b"subscribe", b"x", 1]
    assert c.call("SET", "k", "v") == b"OK"  # RESP3: any command while subscribed
    assert r.publish("x", "hi") == 1
    assert c.read() == [b"message", b"x", b"hi"]
    # with CLIENT REPLY OFF, pushes still arrive
    c.send("CLIENT", "REPLY", "OFF")
    r.publish("x", "again")
    assert c.read() == [b"message", b"x", b"again"]


def test_shard_channels(server, r):
    c = Conn(server.port)
    c.send("SSUBSCRIBE", "s1")
    assert c.read() == [b"ssubscribe", b"s1", 1]
    assert r.execute_command("SPUBLISH", "s1", "m") == 1
    assert r.publish("s1", "not-shard") == 0
    assert c.read() == [b"smessage", b"s1", b"m"]
    assert r.execute_command("PUBSUB", "SHARDCHANNELS") == [b"s1"]
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "s1") == [b"s1", 1]
    c.send("SUNSUBSCRIBE")
    assert c.read() == [b"sunsubscribe", b"s1", 0]


def test_slow_subscriber_is_dropped(server, r):
    r.config_set("client-output-buffer-limit", "pubsub 64kb 0 0")
    try:
        # a small receive buffer before connecting keeps the window small
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", server.port))
        s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n")
        time.sleep(0.1)
        fast = server.client().pubsub()
        fast.subscribe("slow")
        get_message(fast)
        payload = "x" * 10000
        # The kernel takes what its socket buffers hold (the server's send
        # buffer can grow to tcp_wmem's maximum, 4 MB by default) before
        # anything waits in the server: publish until the slow one is
        # dropped, far beyond that, while the fast one reads.
        sent, got = 0, []
        while sent < 4000 and r.pubsub_numsub("slow")[0][1] == 2:
            for _ in range(50):  # the slow one never reads
                r.publish("slow", payload)
            sent += 50
            got += messages(fast, 50)
        assert r.pubsub_numsub("slow")[0][1] == 1, "the slow subscriber was never dropped"
        got += messages(fast, sent - len(got), timeout=5)
        assert len(got) == sent  # the other subscriber lost nothing
        s.close()
        fast.close()
    finally:
        r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")


def test_keyspace_notifications(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
    p = server.client().pubsub()
    p.psubscribe("__key*__:*")
    get_message(p)
    r.set("foo", "bar")
    r.lpush("l", "a")
    r.hset("h", "f", "v")
    r.zadd("z", {"m": 1})
    r.sadd("s", "m")
    r.expire("foo", 100)
    r.delete("foo")
    got = [(m["channel"], m["data"]) for m in messages(p, 14)]
    assert got == [
        (b"__keyspace@0__:foo", b"set"), (b"__keyevent@0__:set", b"foo"),
        (b"__keyspace@0__:l", b"lpush"), (b"__keyevent@0__:lpush", b"l"),
        (b"__keyspace@0__:h", b"hset"), (b"__keyevent@0__:hset", b"h"),
        (b"__keyspace@0__:z", b"zadd"), (b"__keyevent@0__:zadd", b"z"),
        (b"__keyspace@0__:s", b"sadd"), (b"__keyevent@0__:sadd", b"s"),
        (b"__keyspace@0__:foo", b"expire"), (b"__keyevent@0__:expire", b"foo"),
        (b"__keyspace@0__:foo", b"del"), (b"__keyevent@0__:del", b"foo"),
    ]
    p.close()


def test_notification_classes(server, r):
    p = server.client().pubsub()
    p.psubscribe("__keyevent@*")
    get_message(p)
    r.config_set("notify-keyspace-events", "Ex")  # expired events only
    r.set("a", 1)
    r.set("t", 1, px=50)
    time.sleep(0.2)
    assert r.get("t") is None
    m = get_message(p)
    assert m["channel"] == b"__keyevent@0__:expired" and m["data"] == b"t"
    r.config_set("notify-keyspace-events", "En")  # new keys
    r.set("brand-new", 1)
    assert get_message(p)["data"] == b"brand-new"
    r.set("brand-new", 2)  # not new any more
    r.config_set("notify-keyspace-events", "Eg")
    r.rename("brand-new", "renamed")
    got = [(m["channel"], m["data"]) for m in messages(p, 2)]
    assert got == [(b"__keyevent@0__:rename_from", b"brand-new"),
                   (b"__keyevent@0__:rename_to", b"renamed")]
    with pytest.raises(redis.ResponseError):
        r.config_set("notify-keyspace-events", "Q")
    r.config_set("notify-keyspace-events", "")
    p.close()


def test_client_list_counts_subscriptions_and_queued_commands(server, r):
    p = server.client().pubsub()
    p.subscribe("c1", "c2")
    p.psubscribe("p*")
    for _ in range(3):
        get_message(p)
    m = Conn(server.port)
    m.send("CLIENT", "SETNAME", "inmulti")
    assert m.read() == b"OK"
    m.send("MULTI")
    assert m.read() == b"OK"
    for k in ("a", "b"):
        m.send("SET", k, 1)
        assert m.read() == b"QUEUED"
    clients = r.client_list()
    sub = [c for c in clients if "P" in c["flags"]]
    assert [(c["sub"], c["psub"], c["ssub"]) for c in sub] == [("2", "1", "0")]
    assert [c["multi"] for c in clients if c["name"] == "inmulti"] == ["2"]
    assert all(c["multi"] == "-1" for c in clients if c["name"] != "inmulti")
    p.close()
