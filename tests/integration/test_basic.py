"""Smoke tests: the server answers, pipelines, and shuts down cleanly."""


def test_ping(r):
    assert r.ping() is True
    # redis-py turns PING's reply into a bool; read the raw bulk instead
    assert r.execute_command("ECHO", "hello") == b"hello"


def test_set_get(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None


def test_pipeline_many(r):
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.set("key:%d" % i, i)
    for i in range(1000):
        p.get("key:%d" % i)
    out = p.execute()
    assert out[:1000] == [True] * 1000
    assert out[1000:] == [str(i).encode() for i in range(1000)]


def test_unknown_command(r):
    import redis
    try:
        r.execute_command("NOSUCHCMD", "a", "b")
        assert False
    except redis.ResponseError as e:
        assert str(e) == "unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' "


def test_redis_cli(server):
    assert server.cli("ping").strip() == "PONG"
    assert server.cli("set", "x", "1").strip() == "OK"
    assert server.cli("get", "x").strip() == "1"
