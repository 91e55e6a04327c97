"""Connection commands: CLIENT *, HELLO, AUTH, RESET, QUIT, SELECT, with
Redis 7.0's replies and error texts."""
import re
import time

import pytest
import redis

from resp_client import Conn, Error, Map, Set, Verbatim


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def raw_err(c, *args):
    v = c.call(*args)
    assert isinstance(v, Error), v
    return str(v)


@pytest.fixture
def conn(server, r):
    c = Conn(server.port)
    yield c
    c.close()


# ---- CLIENT ID / SETNAME / GETNAME / INFO / LIST ---------------------------

def test_client_id_is_unique_and_increasing(server, r):
    a = r.client_id()
    c2 = server.client()
    b = c2.client_id()
    assert isinstance(a, int) and b > a
    c2.close()


def test_client_setname_getname(conn):
    assert conn.call("CLIENT", "GETNAME") is None
    assert conn.call("CLIENT", "SETNAME", "my-name_1") == b"OK"
    assert conn.call("CLIENT", "GETNAME") == b"my-name_1"
    for bad in ("foo bar", "a\nb", "tab\t", "\x7f", "caf\xc3\xa9".encode("latin-1")):
        assert raw_err(conn, "CLIENT", "SETNAME", bad) == \
            "ERR Client names cannot contain spaces, newlines or special characters."
    assert conn.call("CLIENT", "GETNAME") == b"my-name_1"
    # an empty name clears it
    assert conn.call("CLIENT", "SETNAME", "") == b"OK"
    assert conn.call("CLIENT", "GETNAME") is None
    assert raw_err(conn, "CLIENT", "SETNAME") == \
        "ERR wrong number of arguments for 'client|setname' command"


LINE_RE = (r"id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=\S* age=\d+ "
           r"idle=\d+ flags=N db=\d+ sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ "
           r"argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ "
           r"events=r cmd=\S+ user=default redir=-1 resp=2")


def test_client_info_and_list(conn, server):
    info = conn.call("CLIENT", "INFO")
    assert info.endswith(b"\n") and info.count(b"\n") == 1
    assert re.fullmatch(LINE_RE, info.decode().strip()), info
    assert b" cmd=client|info " in info
    myid = conn.call("CLIENT", "ID")
    conn.call("CLIENT", "SETNAME", "lister")
    lst = conn.call("CLIENT", "LIST").decode()
    lines = lst.strip("\n").split("\n")
    assert all(re.fullmatch(LINE_RE, ln) for ln in lines), lst
    mine = [ln for ln in lines if ln.startswith("id=%d " % myid)]
    assert len(mine) == 1 and " name=lister " in mine[0] and " cmd=client|list " in mine[0]
    # filters
    only = conn.call("CLIENT", "LIST", "ID", myid, 999999).decode()
    assert only.startswith("id=%d " % myid) and only.count("\n") == 1
    assert conn.call("CLIENT", "LIST", "ID", 999999) == b""
    assert raw_err(conn, "CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
    normal = conn.call("CLIENT", "LIST", "TYPE", "normal").decode()
    assert "id=%d " % myid in normal
    assert conn.call("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert conn.call("CLIENT", "LIST", "TYPE", "replica") == b""
    assert conn.call("CLIENT", "LIST", "TYPE", "MASTER") == b""
    assert raw_err(conn, "CLIENT", "LIST", "TYPE", "bogus") == "ERR Unknown client type 'bogus'"
    assert raw_err(conn, "CLIENT", "LIST", "bogus") == "ERR syntax error"
    assert raw_err(conn, "CLIENT", "LIST", "TYPE", "normal", "x") == "ERR syntax error"


def test_client_list_resp3_is_verbatim(conn):
    conn.call("HELLO", "3")
    assert isinstance(conn.call("CLIENT", "LIST"), Verbatim)
    assert isinstance(conn.call("CLIENT", "INFO"), Verbatim)


def test_client_list_sees_other_clients_go(server, r):
    c2 = server.client()
    c2.client_setname("goner")
    assert "name=goner " in r.execute_command("CLIENT", "LIST").decode()
    c2.connection_pool.disconnect()
    deadline = time.time() + 2
    while "name=goner " in r.execute_command("CLIENT", "LIST").decode():
        assert time.time() < deadline
        time.sleep(0.02)


# ---- CLIENT KILL ----------------------------------------------------------

def test_client_kill_illegal_arguments(r):
    assert err(r.execute_command, "CLIENT", "KILL") == \
        "wrong number of arguments for 'client|kill' command"
    assert err(r.execute_command, "CLIENT", "KILL", "id", "10", "wrong_arg") == "syntax error"
    for bad in ("str", "-1", "0"):
        assert err(r.execute_command, "CLIENT", "KILL", "id", bad) == \
            "client-id should be greater than 0"
    assert err(r.execute_command, "CLIENT", "KILL", "type", "wrong_type") == \
        "Unknown client type 'wrong_type'"
    assert err(r.execute_command, "CLIENT", "KILL", "user", "wrong_user") == \
        "No such user 'wrong_user'"
    assert err(r.execute_command, "CLIENT", "KILL", "skipme", "yes_or_no") == "syntax error"
    assert err(r.execute_command, "CLIENT", "KILL", "bogus", "x") == "syntax error"
    assert err(r.execute_command, "CLIENT", "KILL", "1.2.3.4:5") == "No such client"


def test_client_kill_by_addr_old_form(server, r):
    victim = Conn(server.port)
    addr = re.search(rb"addr=(\S+)", victim.call("CLIENT", "INFO")).group(1)
    assert r.execute_command("CLIENT", "KILL", addr) == b"OK"
    with pytest.raises((ConnectionError, OSError)):
        victim.call("PING")
    victim.close()


def test_client_kill_filters(server, r):
    a = Conn(server.port)
    b = Conn(server.port)
    aid = a.call("CLIENT", "ID")
    binfo = b.call("CLIENT", "INFO")
    baddr = re.search(rb" addr=(\S+)", binfo).group(1)
    bladdr = re.search(rb" laddr=(\S+)", binfo).group(1)
    assert r.execute_command("CLIENT", "KILL", "ID", aid) == 1
    assert r.execute_command("CLIENT", "KILL", "ID", aid) == 0
    # every filter must match
    assert r.execute_command("CLIENT", "KILL", "ADDR", baddr, "LADDR", "1.1.1.1:1") == 0
    assert r.execute_command("CLIENT", "KILL", "ADDR", baddr, "LADDR", bladdr,
                             "TYPE", "normal", "USER", "default") == 1
    with pytest.raises((ConnectionError, OSError)):
        a.call("PING")
    with pytest.raises((ConnectionError, OSError)):
        b.call("PING")
    a.close()
    b.close()


def test_client_kill_skipme(server):
    me = Conn(server.port)
    others = [Conn(server.port) for _ in range(2)]
    for o in others:
        o.call("PING")
    n = me.call("CLIENT", "KILL", "SKIPME", "yes")
    assert n >= 2
    assert me.call("PING") == b"PONG"
    n = me.call("CLIENT", "KILL", "SKIPME", "no")
    assert n == 1  # only me was left; the reply still arrives
    with pytest.raises((ConnectionError, OSError)):
        me.call("PING")
    for c in [me] + others:
        c.close()


def test_client_kill_self_old_form(conn):
    addr = re.search(rb" addr=(\S+)", conn.call("CLIENT", "INFO")).group(1)
    assert conn.call("CLIENT", "KILL", addr) == b"OK"
    with pytest.raises((ConnectionError, OSError)):
        conn.call("PING")


# ---- CLIENT PAUSE / UNPAUSE -----------------------------------------------

def timed(fn, *args):
    t = time.time()
    v = fn(*args)
    return v, time.time() - t


def test_client_pause_all(server, r):
    c2 = server.client()
    r.set("k", "v")
    assert r.client_pause(300) is True
    v, dt = timed(c2.get, "k")
    assert v == b"v" and 0.2 <= dt < 2
    c2.close()


def test_client_pause_write(server, r):
    c2 = server.client()
    assert r.execute_command("CLIENT", "PAUSE", 400, "WRITE") == b"OK"
    v, dt = timed(c2.get, "k")
    assert dt < 0.15  # reads go on
    assert c2.ping() is True
    v, dt = timed(c2.set, "k", "new")
    assert v is True and 0.25 <= dt < 2
    assert c2.get("k") == b"new"
    c2.close()


def test_client_pause_syntax_errors_reply_at_once(server, r):
    c2 = Conn(server.port)
    r.execute_command("CLIENT", "PAUSE", 2000, "WRITE")
    try:
        v, dt = timed(c2.call, "SET", "onlykey")
        assert str(v) == "ERR wrong number of arguments for 'set' command" and dt < 0.5
    finally:
        r.execute_command("CLIENT", "UNPAUSE")
    c2.close()


def test_client_unpause_releases_queued_clients(server, r):
    clients = [Conn(server.port) for _ in range(3)]
    r.execute_command("CLIENT", "PAUSE", 60000, "WRITE")
    for i, c in enumerate(clients):
        c.send("SET", "q%d" % i, i)
        c.send("GET", "q%d" % i)
    time.sleep(0.1)
    assert r.get("q0") is None  # still held back
    t = time.time()
    r.execute_command("CLIENT", "UNPAUSE")
    for i, c in enumerate(clients):
        assert c.read() == b"OK"
        assert c.read() == str(i).encode()
    assert time.time() - t < 2.0  # released at once, not after the 60 s pause
    for c in clients:
        c.close()


def test_client_pause_keeps_longest(server, r):
    r.execute_command("CLIENT", "PAUSE", 500, "WRITE")
    r.execute_command("CLIENT", "PAUSE", 10, "WRITE")  # does not shorten
    c2 = server.client()
    v, dt = timed(c2.set, "x", 1)
    assert dt >= 0.3
    c2.close()


def test_client_pause_errors(r):
    assert err(r.execute_command, "CLIENT", "PAUSE", "abc") == \
        "timeout is not an integer or out of range"
    assert err(r.execute_command, "CLIENT", "PAUSE", "-1") == "timeout is negative"
    assert err(r.execute_command, "CLIENT", "PAUSE", "10", "READ") == \
        "CLIENT PAUSE mode must be WRITE or ALL"
    assert err(r.execute_command, "CLIENT", "PAUSE", "10", "ALL", "x") == \
        "unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."
    assert err(r.execute_command, "CLIENT", "PAUSE", "9223372036854775807") == \
        "timeout is out of range"
    assert err(r.execute_command, "CLIENT", "PAUSE") == \
        "wrong number of arguments for 'client|pause' command"
    assert r.execute_command("CLIENT", "PAUSE", 0) == b"OK"
    assert r.set("after", 1) is True
    assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"


# ---- CLIENT REPLY / NO-EVICT ----------------------------------------------

def test_client_reply_off_on(conn):
    conn.send("CLIENT", "REPLY", "OFF")
    conn.send("PING", "pong")
    conn.send("SET", "silent", "1")
    conn.send("CLIENT", "REPLY", "ON")
    assert conn.read() == b"OK"
    assert conn.call("GET", "silent") == b"1"


def test_client_reply_skip(conn):
    conn.send("CLIENT", "REPLY", "SKIP")
    conn.send("PING", "pong")
    conn.send("PING", "pong2")
    assert conn.read() == b"pong2"
    # ON clears a pending SKIP
    conn.send("CLIENT", "REPLY", "SKIP")
    conn.send("CLIENT", "REPLY", "ON")
    assert conn.read() == b"OK"
    assert conn.call("PING") == b"PONG"
    # SKIP while OFF stays OFF
    conn.send("CLIENT", "REPLY", "OFF")
    conn.send("CLIENT", "REPLY", "SKIP")
    conn.send("PING", "a")
    conn.send("PING", "b")
    conn.send("CLIENT", "REPLY", "ON")
    assert conn.read() == b"OK"


def test_client_reply_errors(conn):
    assert raw_err(conn, "CLIENT", "REPLY", "MAYBE") == "ERR syntax error"
    assert raw_err(conn, "CLIENT", "REPLY") == \
        "ERR wrong number of arguments for 'client|reply' command"


def test_client_no_evict(conn):
    assert conn.call("CLIENT", "NO-EVICT", "on") == b"OK"
    assert b" flags=e " in conn.call("CLIENT", "INFO")
    assert conn.call("CLIENT", "NO-EVICT", "OFF") == b"OK"
    assert b" flags=N " in conn.call("CLIENT", "INFO")
    assert raw_err(conn, "CLIENT", "NO-EVICT", "maybe") == "ERR syntax error"


def test_client_misc_subcommands(conn):
    assert conn.call("CLIENT", "GETREDIR") == -1
    info = conn.call("CLIENT", "TRACKINGINFO")
    assert info == [b"flags", [b"off"], b"redirect", -1, b"prefixes", []]
    h = conn.call("CLIENT", "HELP")
    assert h[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert h[-2:] == [b"HELP", b"    Print this help."]
    assert raw_err(conn, "CLIENT", "HELP", "x") == \
        "ERR wrong number of arguments for 'client|help' command"
    assert raw_err(conn, "CLIENT", "FOO") == "ERR unknown subcommand 'FOO'. Try CLIENT HELP."
    assert raw_err(conn, "CLIENT") == "ERR wrong number of arguments for 'client' command"


# ---- HELLO ----------------------------------------------------------------

def test_hello_resp3(conn):
    myid = conn.call("CLIENT", "ID")
    m = conn.call("HELLO", "3")
    assert isinstance(m, Map)
    assert list(m.keys()) == [b"server", b"version", b"proto", b"id", b"mode", b"role",
                              b"modules"]
    assert m[b"server"] == b"redis" and m[b"version"] == b"7.0.15"
    assert m[b"proto"] == 3 and m[b"id"] == myid
    assert m[b"mode"] == b"standalone" and m[b"role"] == b"master" and m[b"modules"] == []
    # RESP3 replies from now on
    assert conn.raw_call("GET", "nosuchkey") == b"_\r\n"
    assert conn.call("CLIENT", "TRACKINGINFO")[b"flags"] == Set([b"off"])
    # and back
    m2 = conn.call("HELLO", "2")
    assert isinstance(m2, list) and m2[5] == 2
    assert conn.raw_call("GET", "nosuchkey") == b"$-1\r\n"


def test_hello_without_version_keeps_protocol(conn):
    m = conn.call("HELLO")
    assert m[4:6] == [b"proto", 2]
    conn.call("HELLO", "3")
    assert conn.call("HELLO")[b"proto"] == 3


def test_hello_setname_and_errors(conn):
    m = conn.call("HELLO", "2", "SETNAME", "via-hello")
    assert m[0] == b"server"
    assert conn.call("CLIENT", "GETNAME") == b"via-hello"
    assert raw_err(conn, "HELLO", "4") == "NOPROTO unsupported protocol version"
    assert raw_err(conn, "HELLO", "1") == "NOPROTO unsupported protocol version"
    assert raw_err(conn, "HELLO", "abc") == \
        "ERR Protocol version is not an integer or out of range"
    assert raw_err(conn, "HELLO", "3", "SETNAME", "bad name") == \
        "ERR Client names cannot contain spaces, newlines or special characters."
    assert raw_err(conn, "HELLO", "3", "FOO") == "ERR Syntax error in HELLO option 'FOO'"
    assert raw_err(conn, "HELLO", "3", "AUTH", "default") == \
        "ERR Syntax error in HELLO option 'AUTH'"
    assert raw_err(conn, "HELLO", "3", "AUTH", "bob", "x") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    # nothing changed by the failed calls
    assert conn.raw_call("GET", "nosuchkey") == b"$-1\r\n"
    # no password configured: the default user takes any password
    assert conn.call("HELLO", "2", "AUTH", "default", "whatever")[0] == b"server"


# ---- RESET / SELECT / QUIT -------------------------------------------------

def test_reset(conn):
    conn.call("SELECT", "5")
    conn.call("CLIENT", "SETNAME", "before-reset")
    conn.call("HELLO", "3")
    conn.call("CLIENT", "NO-EVICT", "on")
    conn.send("CLIENT", "REPLY", "OFF")
    assert conn.raw_call("RESET") == b"+RESET\r\n"
    info = conn.call("CLIENT", "INFO")
    assert b" db=0 " in info and b" name= " in info and info.endswith(b" resp=2\n")
    assert b" flags=N " in info
    assert conn.call("CLIENT", "GETNAME") is None
    assert raw_err(conn, "RESET", "x") == "ERR wrong number of arguments for 'reset' command"


def test_select(conn):
    assert conn.call("SELECT", "15") == b"OK"
    assert raw_err(conn, "SELECT", "16") == "ERR DB index is out of range"
    assert raw_err(conn, "SELECT", "-1") == "ERR DB index is out of range"
    assert raw_err(conn, "SELECT", "x") == "ERR value is not an integer or out of range"


def test_quit_stops_the_pipeline(server, r):
    r.delete("foo")
    out = server.raw(b"*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n",
                     read_until_close=True)
    assert out == b"+OK\r\n"
    assert r.get("foo") is None


def test_echo_ping(conn):
    assert conn.call("ECHO", "hi") == b"hi"
    assert conn.call("PING") == b"PONG"
    assert conn.call("PING", "x") == b"x"
    assert raw_err(conn, "PING", "a", "b") == \
        "ERR wrong number of arguments for 'ping' command"


# ---- AUTH -----------------------------------------------------------------

def test_auth_without_password_configured(conn):
    assert raw_err(conn, "AUTH", "foo") == (
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert conn.call("AUTH", "default", "anything") == b"OK"
    assert raw_err(conn, "AUTH", "nobody", "x") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert raw_err(conn, "AUTH", "a", "b", "c") == "ERR syntax error"


def test_auth_requirepass(make_server):
    s = make_server(args=["--requirepass", "s3cret"])
    c = Conn(s.port)
    assert raw_err(c, "GET", "x") == "NOAUTH Authentication required."
    assert raw_err(c, "PING") == "NOAUTH Authentication required."
    assert raw_err(c, "CLIENT", "ID") == "NOAUTH Authentication required."
    # unknown commands and arity are checked first, as Redis does
    assert raw_err(c, "NOPE").startswith("ERR unknown command 'NOPE'")
    assert raw_err(c, "GET") == "ERR wrong number of arguments for 'get' command"
    assert raw_err(c, "HELLO", "3") == (
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time")
    assert raw_err(c, "AUTH", "wrong") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert raw_err(c, "AUTH", "default", "wrong") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert raw_err(c, "AUTH", "s3cre") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert raw_err(c, "AUTH", "s3cret1") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert c.call("AUTH", "s3cret") == b"OK"
    assert c.call("PING") == b"PONG"
    # RESET logs out
    assert c.call("RESET") == b"RESET"
    assert raw_err(c, "PING") == "NOAUTH Authentication required."
    assert c.call("AUTH", "default", "s3cret") == b"OK"
    assert c.call("PING") == b"PONG"
    # HELLO AUTH on a fresh connection
    c2 = Conn(s.port)
    m = c2.call("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "h")
    assert m[b"proto"] == 3
    assert c2.call("CLIENT", "GETNAME") == b"h"
    # changing the password does not log out existing connections
    assert c2.call("CONFIG", "SET", "requirepass", "other") == b"OK"
    assert c2.call("PING") == b"PONG"
    c3 = Conn(s.port)
    assert raw_err(c3, "PING") == "NOAUTH Authentication required."
    assert c3.call("AUTH", "other") == b"OK"
    # clearing it lets everyone in
    assert c2.call("CONFIG", "SET", "requirepass", "") == b"OK"
    c4 = Conn(s.port)
    assert c4.call("PING") == b"PONG"
    for x in (c, c2, c3, c4):
        x.close()


def test_auth_redis_py(make_server):
    s = make_server(args=["--requirepass", "pw"])
    with pytest.raises(redis.exceptions.RedisError) as e:
        s.client().ping()
    assert "Authentication required" in str(e.value)
    assert s.client(password="pw").ping() is True
    with pytest.raises(redis.exceptions.RedisError) as e:
        s.client(password="nope").ping()
    assert "WRONGPASS" in str(e.value) or "invalid username-password" in str(e.value)


def test_paused_inline_request_with_quotes_runs_intact(server, r):
    """A held-back inline request is not parsed twice (its quoted arguments
    are unescaped in place on the first parse)."""
    import socket as _socket
    r.execute_command("CLIENT", "PAUSE", 60000, "WRITE")
    s = _socket.create_connection(("127.0.0.1", server.port), timeout=5)
    s.sendall(b'SET "paused key" "a \\x41 b"\r\n')
    time.sleep(0.2)
    r.execute_command("CLIENT", "UNPAUSE")
    assert s.recv(100) == b"+OK\r\n"
    s.close()
    assert r.get("paused key") == b"a A b"
