"""Replication, the master's side of a full synchronisation: SYNC and PSYNC
send the data set as an RDB payload, then the change stream; INFO
replication counts the replica; a replica that goes is forgotten."""
import os
import socket
import tempfile
import time

import redis

from persist_util import RedisRef, needs_redis


def read_line(s, buf):
    while b"\r\n" not in buf:
        chunk = s.recv(65536)
        assert chunk, "connection closed"
        buf += chunk
    line, rest = buf.split(b"\r\n", 1)
    return line, rest


def read_exact(s, buf, n):
    while len(buf) < n:
        chunk = s.recv(65536)
        assert chunk, "connection closed"
        buf += chunk
    return buf[:n], buf[n:]


def read_command(s, buf):
    line, buf = read_line(s, buf)
    assert line.startswith(b"*"), line
    args = []
    for _ in range(int(line[1:])):
        hdr, buf = read_line(s, buf)
        assert hdr.startswith(b"$")
        arg, buf = read_exact(s, buf, int(hdr[1:]) + 2)
        args.append(arg[:-2])
    args[0] = args[0].lower()  # command names compare case-insensitively
    return args, buf


def attach(port, psync=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"PSYNC ? -1\r\n" if psync else b"SYNC\r\n")
    buf = b""
    if psync:
        line, buf = read_line(s, buf)
        assert line.startswith(b"+FULLRESYNC "), line
        assert len(line.split()) == 3
    line, buf = read_line(s, buf)
    assert line.startswith(b"$"), line
    payload, buf = read_exact(s, buf, int(line[1:]))
    return s, payload, buf


def test_sync_sends_the_data_set_then_the_stream(server, r):
    r.set("before", "1")
    r.rpush("list", "a", "b")
    s, payload, buf = attach(server.port)
    try:
        assert payload.startswith(b"REDIS0010")
        assert b"before" in payload and b"list" in payload
        assert r.info("replication")["connected_slaves"] == 1
        r.set("after", "2")
        r.incrbyfloat("f", 1.5)
        r1 = server.client(db=3)
        r1.lpush("l3", "x")
        cmd, buf = read_command(s, buf)
        assert cmd == [b"select", b"0"]
        cmd, buf = read_command(s, buf)
        assert cmd == [b"set", b"after", b"2"]
        cmd, buf = read_command(s, buf)
        assert cmd == [b"set", b"f", b"1.5", b"KEEPTTL"]
        cmd, buf = read_command(s, buf)
        assert cmd == [b"select", b"3"]
        cmd, buf = read_command(s, buf)
        assert cmd == [b"lpush", b"l3", b"x"]
    finally:
        s.close()
    end = time.time() + 5
    while r.info("replication")["connected_slaves"]:
        assert time.time() < end
        time.sleep(0.02)
    r.set("no-replica", 1)  # nothing left to feed: no error


def test_psync_full_resync_and_replconf(server, r):
    c = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        c.sendall(b"REPLCONF listening-port 6380\r\nREPLCONF capa eof capa psync2\r\n")
        buf = b""
        for _ in range(2):
            line, buf = read_line(c, buf)
            assert line == b"+OK"
    finally:
        c.close()
    s, payload, buf = attach(server.port, psync=True)
    try:
        assert payload.startswith(b"REDIS")
        r.delete("nothing-there")  # a no-op write: not streamed
        r.set("k", "v")
        cmd, buf = read_command(s, buf)
        assert cmd[0] == b"select"
        cmd, buf = read_command(s, buf)
        assert cmd == [b"set", b"k", b"v"]
        assert "slave0:" in server.cli("INFO", "replication")
    finally:
        s.close()
    with pytest_raises_response(r, "syntax error"):
        r.execute_command("REPLCONF", "listening-port")


class pytest_raises_response:
    def __init__(self, r, text):
        self.text = text

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        assert et is redis.ResponseError and self.text in str(ev)
        return True


@needs_redis
def test_sync_payload_loads_in_redis(server, r):
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set(f"s{i}", i)
        p.hset(f"h{i % 10}", f"f{i}", i)
        p.zadd("z", {f"m{i}": i})
    p.execute()
    s, payload, buf = attach(server.port)
    s.close()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "dump.rdb")
    open(path, "wb").write(payload)
    ref = RedisRef(path)
    try:
        assert ref.client().dbsize() == r.dbsize()
        assert ref.client().zcard("z") == 500
    finally:
        ref.close()
