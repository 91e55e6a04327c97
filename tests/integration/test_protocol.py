"""Protocol-level behaviour over raw sockets: pipelining, inline commands,
every protocol error (reply, then the connection closes while other clients
carry on), the configurable limits, and large values that must not block
the event loop."""
import socket
import threading
import time

import pytest


def conn(server, timeout=5):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    return s


def read_until_closed(s, timeout=5):
    s.settimeout(timeout)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise AssertionError("connection was not closed; got %r" % out[:200])
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise AssertionError("closed early after %d bytes" % len(out))
        out += chunk
    return out


def test_pipeline_10k_in_one_write(server):
    s = conn(server)
    req = b"".join(b"*3\r\n$3\r\nSET\r\n$6\r\nk%05d\r\n$1\r\nv\r\n" % i for i in range(10000))
    s.sendall(req + b"*1\r\n$6\r\nDBSIZE\r\n")
    want = b"+OK\r\n" * 10000
    got = read_exact(s, len(want))
    assert got == want
    assert read_exact(s, 8) == b":10000\r\n"
    s.close()


def test_inline_commands(server):
    s = conn(server)
    s.sendall(b"SET ik \"a b\\x41\"\r\nGET ik\nECHO 'it\\'s'\r\n\r\nPING\r\n")
    want = b"+OK\r\n$4\r\na bA\r\n$4\r\nit's\r\n+PONG\r\n"
    assert read_exact(s, len(want)) == want
    s.close()


@pytest.mark.parametrize("payload,error", [
    (b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$-10\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$blabla\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
    (b"SET k \"unbalanced\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    (b"A" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
    (b"*" + b"1" * 70000, b"-ERR Protocol error: too big mult bulk count string\r\n"),
    (b"*1\r\n$" + b"1" * 70000, b"-ERR Protocol error: too big bulk count string\r\n"),
])
def test_protocol_errors_close_only_that_client(server, payload, error):
    other = server.client()
    other.set("survivor", "yes")
    s = conn(server)
    s.sendall(payload)
    assert read_until_closed(s) == error
    s.close()
    assert other.get("survivor") == b"yes"


def test_wrong_arity_and_unknown_command_keep_connection(server):
    s = conn(server)
    s.sendall(b"PING x y z\r\nNOSUCH a\r\nPING\r\n")
    want = (b"-ERR wrong number of arguments for 'ping' command\r\n"
            b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n+PONG\r\n")
    assert read_exact(s, len(want)) == want
    s.close()


def test_proto_max_bulk_len(make_server):
    srv = make_server(args=["--proto-max-bulk-len", "1mb"])
    s = conn(srv)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2097152\r\n")
    assert read_until_closed(s) == b"-ERR Protocol error: invalid bulk length\r\n"
    c = srv.client()
    assert c.ping()
    c.config_set("proto-max-bulk-len", "4mb")
    c.set("k", b"x" * 2097152)
    assert c.strlen("k") == 2097152


def test_client_query_buffer_limit(make_server):
    srv = make_server(args=["--client-query-buffer-limit", "1mb"])
    s = conn(srv)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n")
    try:
        s.sendall(b"x" * 2000000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = read_until_closed(s)
    # the reply may be lost to a reset while the client is still sending
    assert b"query buffer" in out or out == b""
    assert "max query buffer length" in srv.read_log()
    assert srv.client().ping()
    assert srv.alive()


def test_large_value_roundtrip_and_loop_not_blocked(make_server):
    srv = make_server()
    c = srv.client()
    big = b"0123456789abcdef" * (100 * 1024 * 1024 // 16)
    c.set("big", big)
    assert c.strlen("big") == len(big)
    # a slow reader of the 100 MB reply must not stall other clients
    s = conn(srv, timeout=30)
    s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
    s.recv(1024)  # the reply has started
    other = srv.client()
    t0 = time.time()
    for _ in range(20):
        assert other.ping()
    assert time.time() - t0 < 2.0
    # now read it all and check it
    hdr = b"$%d\r\n" % len(big)
    got = bytearray()
    s.settimeout(30)
    need = len(hdr) + len(big) + 2 - 1024
    while len(got) < need:
        chunk = s.recv(1 << 20)
        assert chunk
        got += chunk
    s.close()
    assert c.get("big") == big


def test_output_buffer_limit_normal(make_server):
    srv = make_server(args=["--client-output-buffer-limit", "normal 1mb 0 0"])
    c = srv.client()
    c.set("v", b"x" * (512 * 1024))
    s = conn(srv)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"*2\r\n$3\r\nGET\r\n$1\r\nv\r\n" * 64)  # 32 MB of replies, never read
    time.sleep(1.0)
    assert c.ping()
    info = c.info("stats")
    assert info.get("client_output_buffer_limit_disconnections", 1) >= 1
    # the slow client was closed: reading ends well before 32 MB
    total = len(read_until_closed(s, timeout=10))
    assert total < 16 * 1024 * 1024


def test_maxclients(make_server):
    srv = make_server(args=["--maxclients", "3"])
    time.sleep(0.3)  # let the fixture's readiness probe connection be reaped
    held = [conn(srv) for _ in range(3)]
    for h in held:
        h.sendall(b"PING\r\n")
        assert read_exact(h, 7) == b"+PONG\r\n"
    s = conn(srv)
    assert read_until_closed(s) == b"-ERR max number of clients reached\r\n"
    for h in held:
        h.close()


def test_idle_timeout(make_server):
    srv = make_server(args=["--timeout", "1"])
    s = conn(srv)
    s.sendall(b"PING\r\n")
    assert read_exact(s, 7) == b"+PONG\r\n"
    t0 = time.time()
    assert read_until_closed(s, timeout=5) == b""
    assert 0.9 <= time.time() - t0 <= 4.0


def test_resp3_hello(server):
    s = conn(server)
    s.sendall(b"HELLO 3\r\n")
    time.sleep(0.2)
    out = s.recv(65536)
    assert out.startswith(b"%")
    assert b"proto" in out and b":3\r\n" in out
    s.sendall(b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n")
    assert read_exact(s, 3) == b"_\r\n"
    s.close()


def test_many_clients_interleaved(server):
    errors = []

    def worker(i):
        try:
            c = server.client()
            for j in range(200):
                c.set("w%d:%d" % (i, j), j)
                assert c.get("w%d:%d" % (i, j)) == str(j).encode()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
