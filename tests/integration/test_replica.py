"""Replication, the replica's side: REPLICAOF / SLAVEOF and the replicaof
directive. Two real servers (and Debian's redis-server for interop): the
replica loads the master's data set, applies its stream, refuses writes
(READONLY), serves or refuses stale data, survives a master restart and bad
input from a master, and becomes a master again with REPLICAOF NO ONE."""
import os
import socket
import threading
import time

import pytest
import redis

from conftest import Server, free_port
from persist_util import REDIS_SERVER, all_contents, needs_redis


def wait_for(cond, timeout=10, what="condition"):
    end = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        assert time.time() < end, "timed out waiting for " + what
        time.sleep(0.02)


def link_up(r):
    return r.info("replication").get("master_link_status") == "up"


def in_sync(master, replica):
    """The replica applied everything the master sent."""
    m = master.info("replication")["master_repl_offset"]
    return link_up(replica) and replica.info("replication")["slave_repl_offset"] == m


def fill_every_type(c):
    c.set("str", "hello")
    c.set("int", 12345)
    c.set("ttl", "v", ex=1000)
    c.rpush("list", *[f"e{i}" for i in range(10)])
    c.rpush("biglist", *[f"element-{i}" * 3 for i in range(600)])
    c.hset("hash", mapping={"a": "1", "b": "2"})
    c.hset("bighash", mapping={f"f{i}": f"v{i}" for i in range(300)})
    c.sadd("intset", 1, 2, 3)
    c.sadd("set", *[f"m{i}" for i in range(200)])
    c.zadd("zset", {"a": 1, "b": 2.5})
    c.zadd("bigzset", {f"m{i}": i for i in range(300)})
    c.pexpire("hash", 500000)
    c5 = redis.Redis(port=c.connection_pool.connection_kwargs["port"], db=5)
    c5.set("in-db5", "x")
    c5.sadd("set5", "a", "b")
    c5.close()


def make_replica(master, replica):
    r = replica.client()
    assert r.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK"
    wait_for(lambda: link_up(r), what="the link")
    return r


@pytest.fixture
def pair():
    m = Server()
    s = Server()
    yield m, s
    rcs = (s.stop(), m.stop())
    # a server a test killed (SIGKILL, -9) to restart it is fine
    ok = all(rc == 0 or (rc == -9 and getattr(x, "killed", False)) for rc, x in zip(rcs, (s, m)))
    assert ok, "exit codes %r\n%s" % (rcs, s.read_log()[-3000:])


def test_full_sync_then_stream(pair):
    master, replica = pair
    mc = master.client()
    fill_every_type(mc)
    rc = replica.client()
    rc.set("old", "gone after the sync")
    rc = make_replica(master, replica)
    wait_for(lambda: in_sync(mc, rc), what="the offsets")
    assert all_contents(replica.port) == all_contents(master.port)
    assert rc.get("old") is None
    assert 0 < rc.ttl("ttl") <= 1000
    info = rc.info("replication")
    assert info["role"] == "slave" and info["master_port"] == master.port
    assert info["master_sync_in_progress"] == 0 and info["slave_read_only"] == 1
    assert info["master_replid"] == mc.info("replication")["master_replid"]
    assert rc.execute_command("ROLE")[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]
    role = mc.execute_command("ROLE")
    assert role[0] == b"master" and len(role[2]) == 1 and role[2][0][0] == b"127.0.0.1"
    assert mc.info("replication")["connected_slaves"] == 1
    hello = rc.execute_command("HELLO")
    assert hello[hello.index(b"role") + 1] == b"replica"

    # the stream: plain writes, MULTI, TTLs, deletes, other dbs, flushes
    mc.set("str", "changed")
    mc.incrbyfloat("float", 1.5)
    p = mc.pipeline(transaction=True)
    p.lpush("list", "front")
    p.hincrby("hash", "a", 10)
    p.zincrby("zset", 3, "a")
    p.execute()
    mc.expire("str", 300)
    mc.delete("set")
    mc.spop("intset")
    m3 = master.client(db=3)
    m3.set("k3", "v3")
    m3.lmove("nolist", "x")
    wait_for(lambda: in_sync(mc, rc), what="the offsets")
    assert all_contents(replica.port) == all_contents(master.port)
    assert replica.client(db=3).get("k3") == b"v3"
    assert 0 < rc.ttl("str") <= 300

    # writes from normal clients are refused; reads are served
    # (redis-py maps the READONLY code to ReadOnlyError and drops it from the text)
    with pytest.raises(redis.exceptions.ReadOnlyError, match="^You can't write against a read only replica.$"):
        rc.set("x", 1)
    assert replica.raw(b"SET x 1\r\n") == b"-READONLY You can't write against a read only replica.\r\n"
    with pytest.raises(redis.exceptions.ReadOnlyError):
        p = rc.pipeline(transaction=True)
        p.get("str")
        p.set("x", 1)
        p.execute()
    assert rc.get("str") == b"changed"

    # the master acknowledges the replica's offset
    wait_for(lambda: mc.info("replication")["slave0"]["offset"]
             == mc.info("replication")["master_repl_offset"], what="the ACK")

    mc.flushall()
    wait_for(lambda: in_sync(mc, rc), what="the offsets")
    assert all_contents(replica.port) == {}


def test_replica_read_only_off_and_config(pair):
    master, replica = pair
    rc = make_replica(master, replica)
    rc.config_set("replica-read-only", "no")
    rc.set("local", "1")  # a writable replica
    assert rc.get("local") == b"1"
    assert rc.config_get("slave-read-only") == {"slave-read-only": "no"}
    assert rc.config_get("replicaof") == {}
    with pytest.raises(redis.ResponseError, match="Unknown option"):
        rc.config_set("replicaof", "127.0.0.1 1")
    rc.config_set("repl-diskless-load", "swapdb")
    with pytest.raises(redis.ResponseError):
        rc.config_set("repl-diskless-load", "sometimes")
    for bad in ("port", "-1", "65536"):
        with pytest.raises(redis.ResponseError, match="^Invalid master port$"):
            rc.execute_command("REPLICAOF", "127.0.0.1", bad)
    assert rc.execute_command("REPLICAOF", "127.0.0.1", master.port) == b"OK Already connected to specified master"


def test_stale_data_and_failover_by_hand(pair):
    master, replica = pair
    mc = master.client()
    mc.set("k", "v")
    mc.rpush("l", 1, 2, 3)
    rc = make_replica(master, replica)
    wait_for(lambda: rc.get("k") == b"v")
    old_id = rc.info("replication")["master_replid"]
    rc.config_set("replica-serve-stale-data", "no")
    assert rc.get("k") == b"v"  # the link is up: served
    master.stop()
    wait_for(lambda: not link_up(rc), what="the link to drop")
    with pytest.raises(redis.ResponseError, match="MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."):
        rc.get("k")
    with pytest.raises(redis.ResponseError, match="MASTERDOWN"):
        rc.ping()
    info = rc.info("replication")  # INFO is allowed on a stale replica
    assert info["master_link_status"] == "down" and info["master_link_down_since_seconds"] >= 0
    assert replica.raw(b"ROLE\r\n").startswith(b"*5\r\n$5\r\nslave\r\n")
    assert rc.execute_command("ROLE")[3] in (b"connect", b"connecting")
    # failover by hand: the replica becomes a master and keeps the data
    assert rc.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert rc.get("k") == b"v" and rc.lrange("l", 0, -1) == [b"1", b"2", b"3"]
    rc.set("k", "new")
    info = rc.info("replication")
    assert info["role"] == "master" and info["master_replid"] != old_id
    assert info["master_replid2"] == old_id
    assert rc.execute_command("ROLE")[0] == b"master"
    assert "MASTER MODE enabled" in replica.read_log()


def test_master_restart_resync(pair):
    master, replica = pair
    mc = master.client()
    mc.set("before", "1")
    rc = make_replica(master, replica)
    wait_for(lambda: rc.get("before") == b"1")
    port = master.port
    master.kill()
    master.killed = True
    wait_for(lambda: not link_up(rc), what="the link to drop")
    assert rc.get("before") == b"1"  # stale data is served by default
    master2 = Server(port=port)
    try:
        m2 = master2.client()
        m2.set("after", "2")
        m2.hset("h", "f", "v")
        wait_for(lambda: link_up(rc) and rc.get("after") == b"2", timeout=20, what="the resync")
        assert rc.get("before") is None  # the new master's data set replaced ours
        m2.set("streamed", "3")
        wait_for(lambda: rc.get("streamed") == b"3")
        assert all_contents(replica.port) == all_contents(master2.port)
    finally:
        assert master2.stop() == 0


def test_expired_keys_wait_for_the_master(pair):
    master, replica = pair
    mc = master.client()
    rc = make_replica(master, replica)
    mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")  # the master won't expire it by itself
    mc.set("short", "v", px=200)
    wait_for(lambda: in_sync(mc, rc))
    assert rc.get("short") == b"v"
    time.sleep(0.35)
    assert rc.get("short") is None       # logically expired on the replica...
    assert rc.exists("short") == 0
    assert rc.dbsize() == 1               # ...but kept until the master deletes it
    assert mc.get("short") is None       # the master expires it: DEL goes to the replica
    wait_for(lambda: rc.dbsize() == 0, what="the master's DEL")


def test_masterauth(pair):
    master, replica = pair
    mc = master.client()
    mc.config_set("requirepass", "s3cret")
    mc = master.client(password="s3cret")
    mc.set("k", "v")
    rc = replica.client()
    rc.config_set("masterauth", "wrong")
    rc.execute_command("REPLICAOF", "127.0.0.1", master.port)
    wait_for(lambda: "AUTH refused" in replica.read_log(), what="the refused AUTH")
    assert not link_up(rc)
    rc.config_set("masterauth", "s3cret")
    wait_for(lambda: link_up(rc) and rc.get("k") == b"v", timeout=15, what="the link")


def test_replicaof_directive_and_rewrite():
    master = Server()
    replica = Server(config_text=f"replicaof 127.0.0.1 {master.port}\nrepl-timeout 30\n")
    try:
        master.client().set("k", "v")
        rc = replica.client()
        wait_for(lambda: link_up(rc) and rc.get("k") == b"v", what="the link")
        rc.config_rewrite()
        text = open(replica.config_path).read()
        assert f"replicaof 127.0.0.1 {master.port}" in text
        rc.execute_command("REPLICAOF", "NO", "ONE")
        rc.config_rewrite()
        assert "replicaof" not in open(replica.config_path).read()
    finally:
        assert replica.stop() == 0
        assert master.stop() == 0


class FakeMaster:
    """A master that misbehaves: answers the handshake, then sends what the
    test gives it (bytes, or a callable of the socket) to each connection."""

    def __init__(self, payload):
        self.payload = payload
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            try:
                conn.settimeout(2)
                buf = b""
                # PING, REPLCONF x2, PSYNC: answer each request line
                answers = [b"+PONG\r\n", b"+OK\r\n", b"+OK\r\n",
                           b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n"]
                for a in answers:
                    while b"\r\n" not in buf or not buf.startswith(b"*"):
                        buf += conn.recv(4096)
                    # drop one whole RESP request
                    n = int(buf[1:buf.index(b"\r\n")])
                    rest = buf[buf.index(b"\r\n") + 2:]
                    for _ in range(n):
                        while rest.count(b"\r\n") < 2:
                            rest += conn.recv(4096)
                        rest = rest.split(b"\r\n", 2)[2]
                    buf = rest
                    conn.sendall(a)
                conn.sendall(self.payload)
                time.sleep(0.3)
            except (OSError, ValueError):
                pass
            finally:
                conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


EMPTY_RDB = b"REDIS0010\xff" + b"\0" * 8


@pytest.mark.parametrize("payload,log", [
    (b"$20\r\nREDIS0010garbage-data", "did not load"),
    (b"$-5\r\n", "bad payload length"),
    (b"hello\r\n", "bad payload header"),
    (b"$%d\r\n%s*abc\r\n" % (len(EMPTY_RDB), EMPTY_RDB), "Protocol error in the stream"),
    (b"$EOF:" + b"x" * 40 + b"\r\nREDIS0010-truncated", "master closed the connection"),
])
def test_bad_input_from_a_master(payload, log):
    fake = FakeMaster(payload)
    replica = Server()
    try:
        rc = replica.client()
        rc.set("mine", "1")
        rc.execute_command("REPLICAOF", "127.0.0.1", fake.port)
        wait_for(lambda: log in replica.read_log(), what=log)
        wait_for(lambda: fake.connections >= 2, timeout=15, what="a retry")
        assert rc.ping()
        rc.execute_command("REPLICAOF", "NO", "ONE")
    finally:
        fake.close()
        assert replica.stop() == 0


def test_repl_timeout_on_a_silent_master():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    replica = Server(args=["--repl-timeout", "1"])
    try:
        rc = replica.client()
        rc.execute_command("REPLICAOF", "127.0.0.1", s.getsockname()[1])
        assert rc.info("replication")["master_link_down_since_seconds"] == -1  # never up
        wait_for(lambda: "timeout connecting" in replica.read_log(), timeout=10, what="the timeout")
        assert rc.execute_command("ROLE")[3] in (b"connect", b"connecting", b"handshake")
    finally:
        assert replica.stop() == 0
        s.close()


def test_resolves_names_without_blocking(pair):
    master, replica = pair
    master.client().set("k", "v")
    rc = replica.client()
    rc.execute_command("REPLICAOF", "localhost", master.port)
    wait_for(lambda: link_up(rc) and rc.get("k") == b"v", what="the link via localhost")
    rc.execute_command("REPLICAOF", "no-such-host.invalid", 1)
    assert rc.ping()  # the lookup does not hold the loop
    wait_for(lambda: "cannot resolve" in replica.read_log(), timeout=20, what="the failed lookup")
    rc.execute_command("REPLICAOF", "NO", "ONE")


# ---- interop with Debian's redis-server 7.0 ---------------------------------------------


class RedisServer:
    def __init__(self, *args):
        import subprocess, tempfile
        self.dir = tempfile.mkdtemp(prefix="apiary-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--save", "",
                                      "--dir", self.dir, *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, what="redis-server")

    def ping(self):
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def client(self, db=0):
        return redis.Redis(port=self.port, db=db)

    def close(self):
        import shutil
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@needs_redis
@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_apiary_replica_of_redis(diskless):
    ref = RedisServer("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
    replica = Server()
    try:
        mc = ref.client()
        fill_every_type(mc)
        rc = make_replica(ref, replica)
        wait_for(lambda: all_contents(replica.port) == all_contents(ref.port), what="equal data")
        mc.set("streamed", "1")
        p = mc.pipeline(transaction=True)
        p.incr("n")
        p.lpush("list", "x")
        p.execute()
        mc.expire("str", 100)
        ref.client(db=7).set("db7", "x")
        mc.delete("bighash")
        wait_for(lambda: in_sync(mc, rc), what="the offsets")
        assert all_contents(replica.port) == all_contents(ref.port)
        # redis-server sees our ACKs
        wait_for(lambda: mc.info("replication")["slave0"]["offset"]
                 == mc.info("replication")["master_repl_offset"], what="the ACK")
        # a lost link continues where it was (redis-server keeps a backlog)
        mc.client_kill_filter(_type="slave")
        mc.set("after-the-drop", "1")
        wait_for(lambda: "Partial resync accepted" in replica.read_log(), what="+CONTINUE")
        wait_for(lambda: in_sync(mc, rc), what="the offsets")
        assert all_contents(replica.port) == all_contents(ref.port)
        assert rc.execute_command("CLIENT", "LIST", "TYPE", "master").count(b"flags=M") == 1
        rc.execute_command("REPLICAOF", "NO", "ONE")
    finally:
        assert replica.stop() == 0
        ref.close()


@needs_redis
def test_redis_replica_of_apiary():
    master = Server()
    ref = RedisServer()
    try:
        mc = master.client()
        fill_every_type(mc)
        rr = ref.client()
        rr.execute_command("REPLICAOF", "127.0.0.1", master.port)
        wait_for(lambda: link_up(rr), what="redis-server's link")
        wait_for(lambda: all_contents(ref.port) == all_contents(master.port), what="equal data")
        mc.set("streamed", "1")
        mc.zadd("zset", {"c": 9})
        master.client(db=2).rpush("l2", "a")
        wait_for(lambda: all_contents(ref.port) == all_contents(master.port), what="equal data")
        assert mc.info("replication")["connected_slaves"] == 1
        rr.execute_command("REPLICAOF", "NO", "ONE")
    finally:
        ref.close()
        assert master.stop() == 0


def test_publish_reaches_the_replica_not_the_aof(pair):
    master, replica = pair
    mc = master.client()
    mc.config_set("appendonly", "yes")
    rc = make_replica(master, replica)
    sub = replica.client().pubsub()
    sub.subscribe("news")
    wait_for(lambda: sub.get_message(timeout=0.1) is not None, what="the subscription")
    mc.publish("news", "hello")
    p = mc.pipeline(transaction=True)
    p.set("k", "v")
    p.publish("news", "in-multi")
    p.execute()
    got = []
    wait_for(lambda: got.append(sub.get_message(timeout=0.1)) or
             [m["data"] for m in got if m] == [b"hello", b"in-multi"], what="the messages")
    wait_for(lambda: rc.get("k") == b"v")
    sub.close()
    aof_dir = os.path.join(master.dir, "appendonlydir")
    wait_for(lambda: mc.info("persistence")["aof_rewrite_in_progress"] == 0)
    text = b"".join(open(os.path.join(aof_dir, f), "rb").read() for f in os.listdir(aof_dir))
    assert b"in-multi" not in text and b"hello" not in text and b"\r\nk\r\n" in text


def test_blocked_clients_are_let_go_on_replicaof(pair):
    master, replica = pair
    s = socket.create_connection(("127.0.0.1", replica.port), timeout=5)
    try:
        s.sendall(b"BLPOP nothing 0\r\n")
        rc = replica.client()
        wait_for(lambda: rc.info("clients")["blocked_clients"] == 1, what="the block")
        rc.execute_command("REPLICAOF", "127.0.0.1", master.port)
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        assert got == (b"-UNBLOCKED force unblock from blocking operation, instance state "
                       b"changed (master -> replica?)\r\n")
    finally:
        s.close()


def test_the_stream_reaches_the_replicas_aof(pair):
    master, replica = pair
    mc = master.client()
    mc.rpush("l", "a", "b")
    rc = replica.client()
    rc.config_set("appendonly", "yes")
    rc = make_replica(master, replica)
    mc.set("k", "v")
    mc.incr("n")
    master.client(db=4).sadd("s4", "x")
    wait_for(lambda: in_sync(mc, rc), what="the offsets")
    wait_for(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0, what="the AOF base")
    expected = all_contents(master.port)
    assert all_contents(replica.port) == expected
    rc.execute_command("REPLICAOF", "NO", "ONE")
    # the replica restarted as a master from its own AOF has the same data
    replica.kill()
    replica.killed = True
    again = Server(dir=replica.dir, args=["--appendonly", "yes"])
    try:
        assert all_contents(again.port) == expected
    finally:
        assert again.stop() == 0


def test_a_stream_that_turns_the_replica_into_a_master():
    stream = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*3\r\n$9\r\nREPLICAOF\r\n$2\r\nNO\r\n$3\r\nONE\r\n"
    fake = FakeMaster(b"$%d\r\n%s%s" % (len(EMPTY_RDB), EMPTY_RDB, stream))
    replica = Server()
    try:
        rc = replica.client()
        rc.execute_command("REPLICAOF", "127.0.0.1", fake.port)
        wait_for(lambda: rc.info("replication")["role"] == "master", what="the master mode")
        assert rc.get("k") == b"v"
        rc.set("mine", "1")
    finally:
        fake.close()
        assert replica.stop() == 0


def test_replicaof_as_one_command_line_word():
    master = Server()
    master.client().set("k", "v")
    replica = Server(args=["--replicaof", f"127.0.0.1 {master.port}"])
    try:
        rc = replica.client()
        wait_for(lambda: link_up(rc) and rc.get("k") == b"v", what="the link")
    finally:
        assert replica.stop() == 0
        assert master.stop() == 0
