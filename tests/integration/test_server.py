"""Server commands: INFO, TIME, LASTSAVE, COMMAND, SLOWLOG, LATENCY, MONITOR,
DEBUG, SHUTDOWN, with Redis 7.0's replies and error texts."""
import os
import re
import time

import pytest
import redis

from resp_client import Conn, Error, Map, Verbatim


def info_raw(r, *sections):
    """INFO's text as sent (redis-py would parse it into a dict)."""
    c = Conn(r.connection_pool.connection_kwargs["port"])
    try:
        return c.call("INFO", *sections).decode()
    finally:
        c.close()


def info_fields(r, *sections):
    out = {}
    for line in info_raw(r, *sections).split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


@pytest.fixture
def raw(server, r):
    """A raw connection (for replies redis-py would reshape)."""
    c = Conn(server.port)
    yield c
    c.close()


def raw_err(c, *args):
    v = c.call(*args)
    assert isinstance(v, Error), v
    return str(v)


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


# ---- INFO -----------------------------------------------------------------

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                    "Modules", "Errorstats", "Cluster", "Keyspace"]


def headers(text):
    return [line[2:] for line in text.split("\r\n") if line.startswith("# ")]


def test_info_default_sections_in_order(r):
    text = info_raw(r)
    assert headers(text) == DEFAULT_SECTIONS
    assert headers(info_raw(r, "default")) == DEFAULT_SECTIONS
    assert "rejected_calls" not in text
    # sections are separated by one blank line
    assert "\r\n\r\n# Clients\r\n" in text
    assert text.startswith("# Server\r\nredis_version:7.0.15\r\n")


def test_info_all_and_everything(r):
    r.get("x")
    for arg in ("all", "everything", "ALL"):
        text = info_raw(r, arg)
        h = headers(text)
        assert h[:8] == DEFAULT_SECTIONS[:8]
        assert "Commandstats" in h and "Errorstats" in h and "Keyspace" in h
        assert "Latencystats" in h and "latency_percentiles_usec_get:" in text
        assert "rejected_calls" in text
        assert text.count("used_cpu_user_children") == 1


def test_info_single_and_multiple_sections(r):
    assert headers(info_raw(r, "cpu")) == ["CPU"]
    assert headers(info_raw(r, "commandSTATS")) == ["Commandstats"]
    assert headers(info_raw(r, "cpu", "sentinel")) == ["CPU"]
    assert info_raw(r, "sentinel") == ""
    assert info_raw(r, "nosuchsection") == ""
    both = headers(info_raw(r, "cpu", "default"))
    assert both == DEFAULT_SECTIONS
    assert headers(info_raw(r, "keyspace", "server")) == ["Server", "Keyspace"]
    # no section twice
    assert headers(info_raw(r, "cpu", "cpu", "all")).count("CPU") == 1


def test_info_server_fields(server, r):
    f = info_fields(r, "server")
    assert f["redis_version"] == "7.0.15"
    assert re.fullmatch(r"\d+\.\d+\.\d+", f["apiary_version"])
    assert f["redis_mode"] == "standalone"
    assert f["arch_bits"] == "64"
    assert f["tcp_port"] == str(server.port)
    assert f["process_id"] == str(server.proc.pid)
    assert re.fullmatch(r"[0-9a-f]{40}", f["run_id"])
    assert int(f["uptime_in_seconds"]) >= 0
    assert f["uptime_in_days"] == "0"
    assert f["hz"] == "10"
    assert f["io_threads_active"] == "0"
    assert os.path.basename(f["executable"]).startswith("apiary-server")
    assert abs(int(f["server_time_usec"]) / 1e6 - time.time()) < 5


def test_info_clients_memory_persistence_replication(r):
    f = info_fields(r)
    assert int(f["connected_clients"]) >= 1
    assert f["maxclients"] == "10000"
    assert f["blocked_clients"] == "0"
    assert int(f["used_memory"]) > 0
    assert re.fullmatch(r"[\d.]+[BKMGTP]", f["used_memory_human"])
    assert int(f["used_memory_rss"]) > 0
    assert int(f["used_memory_peak"]) >= int(f["used_memory"]) or int(f["used_memory_peak"]) > 0
    assert f["maxmemory_policy"] == "noeviction"
    assert f["mem_allocator"]
    assert float(f["mem_fragmentation_ratio"]) > 0
    assert f["loading"] == "0"
    assert f["rdb_bgsave_in_progress"] == "0"
    assert f["rdb_last_bgsave_status"] == "ok"
    assert f["aof_enabled"] == "0"
    assert f["role"] == "master"
    assert f["connected_slaves"] == "0"
    assert re.fullmatch(r"[0-9a-f]{40}", f["master_replid"])
    assert f["cluster_enabled"] == "0"
    assert re.fullmatch(r"\d+\.\d{6}", f["used_cpu_user"])


def test_info_rdb_changes_since_last_save(r):
    before = int(info_fields(r, "persistence")["rdb_changes_since_last_save"])
    r.set("a", 1)
    r.set("b", 2)
    after = int(info_fields(r, "persistence")["rdb_changes_since_last_save"])
    assert after == before + 2


def test_info_keyspace(r):
    assert info_raw(r, "keyspace") == "# Keyspace\r\n"
    r.set("a", 1)
    r.set("b", 2)
    r.expire("b", 100)
    r.execute_command("SELECT", 3)
    r.set("c", 1)
    r.execute_command("SELECT", 0)
    f = info_fields(r, "keyspace")
    assert f["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert f["db3"].startswith("keys=1,expires=0,avg_ttl=")
    r.execute_command("SELECT", 3)
    r.delete("c")
    r.execute_command("SELECT", 0)
    assert "db3" not in info_fields(r, "keyspace")


def test_info_stats_counters(server, r):
    f1 = info_fields(r, "stats")
    r.get("nope")
    r.set("k", "v")
    r.get("k")
    f2 = info_fields(r, "stats")
    # the 3 commands above + the second INFO
    assert int(f2["total_commands_processed"]) - int(f1["total_commands_processed"]) == 4
    assert int(f2["keyspace_misses"]) - int(f1["keyspace_misses"]) == 1
    assert int(f2["keyspace_hits"]) - int(f1["keyspace_hits"]) == 1
    assert int(f2["total_net_input_bytes"]) > int(f1["total_net_input_bytes"])
    assert int(f2["total_net_output_bytes"]) > int(f1["total_net_output_bytes"])
    c = server.client()
    c.ping()
    f3 = info_fields(r, "stats")
    assert int(f3["total_connections_received"]) > int(f2["total_connections_received"])
    c.close()
    for k in ("instantaneous_ops_per_sec", "rejected_connections", "expired_keys", "evicted_keys",
              "total_error_replies", "total_reads_processed", "total_writes_processed"):
        assert re.fullmatch(r"\d+", f3[k]), k
    assert re.fullmatch(r"\d+\.\d\d", f3["instantaneous_input_kbps"])


def test_commandstats_and_errorstats(r):
    r.config_resetstat()
    assert "errorstat_ERR" not in info_fields(r, "errorstats")
    r.get("x")
    r.get("x")
    f = info_fields(r, "commandstats")
    m = re.fullmatch(r"calls=2,usec=(\d+),usec_per_call=(\d+\.\d\d),rejected_calls=0,failed_calls=0",
                     f["cmdstat_get"])
    assert m
    # failed call: the handler replied an error
    err(r.execute_command, "SELECT", "99")
    assert re.search(r"^calls=1,.*,rejected_calls=0,failed_calls=1$",
                     info_fields(r, "commandstats")["cmdstat_select"])
    # rejected call: wrong arity never reaches the handler
    assert err(r.execute_command, "GET") == "wrong number of arguments for 'get' command"
    f = info_fields(r, "commandstats")
    assert re.search(r"rejected_calls=1,failed_calls=0$", f["cmdstat_get"])
    # subcommands are reported by their full name
    r.config_get("maxmemory")
    assert "cmdstat_config|get" in info_fields(r, "commandstats")
    e = info_fields(r, "errorstats")
    assert int(e["errorstat_ERR"].split("=")[1]) >= 1
    total = int(info_fields(r, "stats")["total_error_replies"])
    err(r.execute_command, "NOSUCHCOMMAND")
    assert int(info_fields(r, "stats")["total_error_replies"]) == total + 1
    r.config_resetstat()
    assert info_fields(r, "errorstats") == {}
    assert info_fields(r, "stats")["total_error_replies"] == "0"


def test_errorstats_code_words(r):
    r.config_resetstat()
    err(r.execute_command, "AUTH", "nobody", "pw")
    err(r.execute_command, "GET")
    err(r.execute_command, "HELLO", "4")
    assert info_fields(r, "errorstats") == {
        "errorstat_ERR": "count=1", "errorstat_NOPROTO": "count=1",
        "errorstat_WRONGPASS": "count=1"}
    assert re.search(r"failed_calls=1$", info_fields(r, "commandstats")["cmdstat_auth"])


def test_info_is_verbatim_in_resp3(server):
    c = Conn(server.port)
    c.call("HELLO", "3")
    v = c.call("INFO", "server")
    assert isinstance(v, Verbatim)
    assert v.startswith(b"# Server\r\n")
    c.close()


# ---- TIME / LASTSAVE ------------------------------------------------------

def test_time(r, raw):
    sec, usec = raw.call("TIME")
    assert sec.isdigit() and usec.isdigit()
    assert abs(int(sec) - time.time()) < 5
    assert 0 <= int(usec) < 1000000
    assert err(r.execute_command, "TIME", "x") == "wrong number of arguments for 'time' command"


def test_lastsave(raw):
    v = raw.call("LASTSAVE")
    assert isinstance(v, int) and abs(v - time.time()) < 3600


# ---- COMMAND --------------------------------------------------------------

def test_command_count_and_all(raw):
    n = raw.call("COMMAND", "COUNT")
    assert n > 20
    allc = raw.call("COMMAND")
    assert len(allc) == n
    names = {c[0] for c in allc}
    assert {b"get", b"set", b"info", b"client", b"command"} <= names


def test_command_info_shape(raw):
    (get,) = raw.call("COMMAND", "INFO", "get")
    name, arity, flags, first, last, step, acl, tips, specs, subs = get
    assert name == b"get" and arity == 2
    assert set(flags) == {b"readonly", b"fast"}
    assert (first, last, step) == (1, 1, 1)
    assert set(acl) == {b"@read", b"@string", b"@fast"}
    assert tips == [] and subs == []
    assert len(specs) == 1
    spec = dict(zip(specs[0][::2], specs[0][1::2]))
    assert spec[b"flags"] == [b"RO"]
    assert spec[b"begin_search"] == [b"type", b"index", b"spec", [b"index", 1]]
    assert spec[b"find_keys"] == [b"type", b"range", b"spec",
                                  [b"lastkey", 0, b"keystep", 1, b"limit", 0]]


def test_command_info_subcommands_and_unknown(raw):
    res = raw.call("COMMAND", "INFO", "nosuch", "client", "config|get", "get|key",
                            "config|get|key", "CLIENT|LIST")
    assert res[0] is None
    client = res[1]
    assert client[0] == b"client" and client[1] == -2
    subnames = {s[0] for s in client[9]}
    assert {b"client|id", b"client|kill", b"client|list", b"client|pause"} <= subnames
    assert res[2][0] == b"config|get" and res[2][1] == -3
    assert res[3] is None and res[4] is None
    assert res[5][0] == b"client|list"
    assert b"admin" in res[5][2]
    # no name: every command
    assert len(raw.call("COMMAND", "INFO")) == raw.call("COMMAND", "COUNT")


def test_command_docs(raw):
    d = raw.call("COMMAND", "DOCS", "get", "nosuch", "client")
    assert len(d) == 4
    docs = dict(zip(d[::2], d[1::2]))
    get = dict(zip(docs[b"get"][::2], docs[b"get"][1::2]))
    assert get[b"summary"] == b"Returns the string value of a key"
    assert get[b"since"] == b"1.0.0"
    assert get[b"group"] == b"string"
    client = dict(zip(docs[b"client"][::2], docs[b"client"][1::2]))
    subs = dict(zip(client[b"subcommands"][::2], client[b"subcommands"][1::2]))
    assert b"client|setname" in subs
    assert raw.call("COMMAND", "DOCS", "nosuch") == []


def test_command_list(raw):
    allnames = raw.call("COMMAND", "LIST")
    assert b"set" in allnames and b"client|list" in allnames and b"config|get" in allnames
    assert raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "get") == [b"get"]
    cfg = raw.call("COMMAND", "LIST", "FILTERBY", "pattern", "config*")
    assert b"config" in cfg and b"config|get" in cfg
    sub = raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*re*")
    assert b"config|resetstat" in sub and b"config|get" not in sub
    assert raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "non_exists*") == []
    conn = raw.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
    assert b"ping" in conn and b"client|id" in conn and b"set" not in conn
    assert raw.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat") == []
    assert raw.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x") == []
    for args in (["bad_arg"], ["filterby", "bad_arg"], ["filterby", "bad", "bad2"],
                 ["filterby", "pattern", "a", "b"]):
        assert raw_err(raw, "COMMAND", "LIST", *args) == "ERR syntax error"


def test_command_getkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "get", "key") == [b"key"]
    assert raw.call("COMMAND", "GETKEYS", "set", "k1", "v1", "EX", "10") == [b"k1"]
    assert raw_err(raw, "COMMAND", "GETKEYS", "nosuch", "a") == \
        "ERR Invalid command specified"
    assert raw_err(raw, "COMMAND", "GETKEYS", "ping", "a") == \
        "ERR The command has no key arguments"
    assert raw_err(raw, "COMMAND", "GETKEYS", "get") == \
        "ERR Invalid number of arguments specified for command"
    assert raw_err(raw, "COMMAND", "GETKEYS", "get", "a", "b") == \
        "ERR Invalid number of arguments specified for command"
    assert raw_err(raw, "COMMAND", "GETKEYS") == \
        "ERR wrong number of arguments for 'command|getkeys' command"


def test_command_errors_and_help(raw):
    assert raw_err(raw, "COMMAND", "NOPE") == \
        "ERR unknown subcommand 'NOPE'. Try COMMAND HELP."
    assert raw_err(raw, "COMMAND", "COUNT", "x") == \
        "ERR wrong number of arguments for 'command|count' command"
    h = raw.call("COMMAND", "HELP")
    assert h[0].startswith(b"COMMAND <subcommand>")
    assert h[-2] == b"HELP"


# ---- SLOWLOG --------------------------------------------------------------

@pytest.fixture
def slow(r):
    old = r.config_get("slowlog-*")
    yield r
    r.config_set("slowlog-log-slower-than", old["slowlog-log-slower-than"])
    r.config_set("slowlog-max-len", old["slowlog-max-len"])
    r.execute_command("SLOWLOG", "RESET")


def test_slowlog_basic(slow):
    r = slow
    r.config_set("slowlog-log-slower-than", 0)
    r.execute_command("CLIENT", "SETNAME", "slowpoke")
    r.execute_command("SLOWLOG", "RESET")
    assert r.execute_command("SLOWLOG", "LEN") == 1  # the RESET itself
    r.set("foo", "bar")
    entries = r.execute_command("SLOWLOG", "GET")
    assert len(entries) == 3  # RESET, LEN, SET
    e = entries[0]
    assert len(e) == 6
    eid, ts, dur, argv, peer, name = e
    assert argv == [b"SET", b"foo", b"bar"]
    assert abs(ts - time.time()) < 10 and dur >= 0
    assert re.fullmatch(rb"127\.0\.0\.1:\d+", peer)
    assert name == b"slowpoke"
    assert entries[1][0] == eid - 1 and entries[2][0] == eid - 2
    assert entries[2][3] == [b"SLOWLOG", b"RESET"]


def test_slowlog_threshold_and_disable(slow):
    r = slow
    r.config_set("slowlog-log-slower-than", 1000000)
    r.execute_command("SLOWLOG", "RESET")
    r.ping()
    assert r.execute_command("SLOWLOG", "LEN") == 0
    r.config_set("slowlog-log-slower-than", -1)
    r.execute_command("DEBUG", "SLEEP", "0.01")
    assert r.execute_command("SLOWLOG", "LEN") == 0
    r.config_set("slowlog-log-slower-than", 5000)
    r.execute_command("DEBUG", "SLEEP", "0.02")
    r.config_set("slowlog-log-slower-than", -1)
    e = r.execute_command("SLOWLOG", "GET")
    assert len(e) == 1 and e[0][3] == [b"DEBUG", b"SLEEP", b"0.02"]
    assert e[0][2] >= 20000


def test_slowlog_max_len_and_get_count(slow):
    r = slow
    r.config_set("slowlog-log-slower-than", 0)
    r.config_set("slowlog-max-len", 10)
    for _ in range(100):
        r.ping()
    assert r.execute_command("SLOWLOG", "LEN") == 10
    assert len(r.execute_command("SLOWLOG", "GET", 5)) == 5
    assert len(r.execute_command("SLOWLOG", "GET", -1)) == 10
    assert r.execute_command("SLOWLOG", "GET", 0) == []
    for bad in ("-2", "-222", "abc"):
        assert err(r.execute_command, "SLOWLOG", "GET", bad) == \
            "count should be greater than or equal to -1"
    r.config_set("slowlog-max-len", 3)
    r.ping()
    assert r.execute_command("SLOWLOG", "LEN") == 3
    # growing again keeps the newest entries in order
    r.config_set("slowlog-max-len", 1000)
    for i in range(40):
        r.execute_command("ECHO", i)
    e = r.execute_command("SLOWLOG", "GET", 2)
    assert e[0][3] == [b"ECHO", b"39"] and e[1][3] == [b"ECHO", b"38"]
    assert r.execute_command("SLOWLOG", "LEN") == 45  # + the GET
    r.config_set("slowlog-max-len", 0)
    r.ping()
    assert r.execute_command("SLOWLOG", "LEN") == 0


def test_slowlog_trims_arguments(slow):
    r = slow
    r.config_set("slowlog-log-slower-than", 0)
    r.execute_command("SLOWLOG", "RESET")
    r.execute_command("EXISTS", "set", *range(3, 34))
    r.set("k", "A" * 129)
    r.config_set("slowlog-log-slower-than", -1)
    e = r.execute_command("SLOWLOG", "GET")
    assert [x[3][0] for x in e] == [b"SET", b"EXISTS", b"SLOWLOG"]
    assert e[0][3] == [b"SET", b"k", b"A" * 128 + b"... (1 more bytes)"]
    args = e[1][3]
    assert len(args) == 32
    assert args[:31] == [b"EXISTS", b"set"] + [str(i).encode() for i in range(3, 32)]
    assert args[31] == b"... (2 more arguments)"


def test_slowlog_redacts_secrets(slow):
    r = slow
    r.config_set("slowlog-log-slower-than", 0)
    r.execute_command("SLOWLOG", "RESET")
    try:
        r.execute_command("AUTH", "not-real", "not-a-password")
    except redis.ResponseError:
        pass
    try:
        r.execute_command("HELLO", "2", "AUTH", "not-real", "pw")
    except redis.ResponseError:
        pass
    r.config_set("slowlog-log-slower-than", -1)
    e = r.execute_command("SLOWLOG", "GET")
    assert e[1][3] == [b"AUTH", b"(redacted)", b"(redacted)"]
    assert e[0][3] == [b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)"]


def test_slowlog_errors_and_help(r):
    assert err(r.execute_command, "SLOWLOG") == "wrong number of arguments for 'slowlog' command"
    assert err(r.execute_command, "SLOWLOG", "LEN", "x") == \
        "wrong number of arguments for 'slowlog|len' command"
    assert err(r.execute_command, "SLOWLOG", "FOO") == "unknown subcommand 'FOO'. Try SLOWLOG HELP."
    assert err(r.execute_command, "SLOWLOG", "GET", "1", "2").startswith(
        "unknown subcommand or wrong number of arguments for 'GET'")
    h = r.execute_command("SLOWLOG", "HELP")
    assert h[0] == b"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


# ---- LATENCY --------------------------------------------------------------

def test_latency_monitor(r):
    r.execute_command("LATENCY", "RESET")
    assert r.execute_command("LATENCY", "LATEST") == []
    r.config_set("latency-monitor-threshold", 10)
    try:
        r.execute_command("DEBUG", "SLEEP", "0.03")
    finally:
        r.config_set("latency-monitor-threshold", 0)
    latest = r.execute_command("LATENCY", "LATEST")
    assert len(latest) == 1
    name, ts, ms, mx = latest[0]
    assert name == b"command" and 30 <= ms < 1000 and mx == ms and abs(ts - time.time()) < 10
    hist = r.execute_command("LATENCY", "HISTORY", "command")
    assert hist == [[ts, ms]]
    assert r.execute_command("LATENCY", "HISTORY", "blabla") == []
    graph = r.execute_command("LATENCY", "GRAPH", "command")
    assert graph.startswith(b"command - high")
    assert err(r.execute_command, "LATENCY", "GRAPH", "blabla") == \
        "No samples available for event 'blabla'"
    assert len(r.execute_command("LATENCY", "DOCTOR")) > 0
    assert r.execute_command("LATENCY", "RESET", "blabla") == 0
    assert r.execute_command("LATENCY", "RESET") == 1
    assert r.execute_command("LATENCY", "LATEST") == []
    assert err(r.execute_command, "LATENCY", "HELP", "xxx") == \
        "wrong number of arguments for 'latency|help' command"


def test_latency_histogram(raw):
    raw.call("CONFIG", "RESETSTAT")
    h = raw.call("LATENCY", "HISTOGRAM")
    assert h[0::2] == [b"config|resetstat"]  # recorded after it reset everything
    raw.call("SET", "a", "b")
    raw.call("SET", "c", "d")
    raw.call("CLIENT", "ID")
    h = raw.call("LATENCY", "HISTOGRAM", "set", "nosuch", "client")
    d = dict(zip(h[0::2], h[1::2]))
    assert set(d) == {b"set", b"client|id"}
    assert d[b"set"][:2] == [b"calls", 2] and d[b"set"][2] == b"histogram_usec"
    buckets = d[b"set"][3]
    bounds, cums = buckets[0::2], buckets[1::2]
    assert all(b & (b - 1) == 0 for b in bounds)  # powers of two
    assert cums == sorted(cums) and cums[-1] == 2
    assert raw.call("LATENCY", "HISTOGRAM", "blabla") == []
    only = raw.call("LATENCY", "HISTOGRAM", "client|id")
    assert only[0::2] == [b"client|id"]
    stats = raw.call("INFO", "latencystats").decode()
    assert stats.startswith("# Latencystats\r\n")
    assert re.search(r"\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},"
                     r"p99\.9=\d+\.\d{3}\r\n", stats)
    assert "latency_percentiles_usec_client|id:" in stats
    raw.call("CONFIG", "RESETSTAT")
    assert "latency_percentiles_usec_set:" not in raw.call("INFO", "latencystats").decode()


# ---- MONITOR --------------------------------------------------------------

def test_monitor_sees_other_clients(server, r):
    m = Conn(server.port)
    assert m.call("MONITOR") == b"OK"
    r.set("foo", "bar")
    r.execute_command("SELECT", 2)
    r.get('we"ird\n\x01key')
    r.execute_command("SELECT", 0)
    r.config_get("maxmemory")  # admin: never shown
    try:
        r.execute_command("AUTH", "not-real", "not-a-password")
    except redis.ResponseError:
        pass
    r.ping()
    lines = [m.read() for _ in range(6)]
    pat = rb"(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:\d+\] (.*)"
    parsed = [re.fullmatch(pat, line) for line in lines]
    assert all(parsed), lines
    assert abs(int(parsed[0].group(1)) - time.time()) < 10
    assert parsed[0].group(3) == b"0" and parsed[2].group(3) == b"2"
    assert parsed[5].group(3) == b"0"
    rest = [p.group(4) for p in parsed]
    assert rest[0] == b'"SET" "foo" "bar"'
    assert rest[1] == b'"SELECT" "2"'
    assert rest[2] == b'"GET" "we\\"ird\\n\\x01key"'
    assert rest[4] == b'"AUTH" "(redacted)" "(redacted)"'
    assert rest[5] == b'"PING"'
    # a second MONITOR gets no reply; the monitor still works
    m.send("MONITOR")
    r.echo("x")
    assert m.read().endswith(b'"ECHO" "x"')
    m.close()
    time.sleep(0.05)
    r.ping()  # the server copes with the closed monitor


def test_monitor_reset_stops_feed(server, r):
    m = Conn(server.port)
    m.call("MONITOR")
    r.ping()
    assert m.read().endswith(b'"PING"')
    m.send("RESET")
    # the monitor may see its own RESET before the reply
    while m.read() != b"RESET":
        pass
    r.echo("after")
    assert m.call("PING") == b"PONG"  # no monitor line in between
    m.close()


# ---- DEBUG ----------------------------------------------------------------

def test_debug_object(r):
    r.set("i", 12)
    r.set("s", "hello")
    r.set("l", "x" * 100)
    oi = r.execute_command("DEBUG", "OBJECT", "i").decode()
    assert re.fullmatch(r"Value at:0x[0-9a-f]+ refcount:\d+ encoding:int serializedlength:2 "
                        r"lru:\d+ lru_seconds_idle:\d+", oi), oi
    os_ = r.execute_command("DEBUG", "OBJECT", "s").decode()
    assert "encoding:embstr serializedlength:6 " in os_
    ol = r.execute_command("DEBUG", "OBJECT", "l").decode()
    assert "encoding:raw serializedlength:102 " in ol
    assert err(r.execute_command, "DEBUG", "OBJECT", "missing") == "no such key"


def test_debug_misc(r):
    t = time.time()
    assert r.execute_command("DEBUG", "SLEEP", "0.05") == b"OK"
    assert time.time() - t >= 0.05
    assert r.execute_command("DEBUG", "SLEEP", "0") == b"OK"
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    r.set("e", 1)
    r.pexpire("e", 20)
    time.sleep(0.3)
    assert r.execute_command("DBSIZE") == 1  # not collected while active expiry is off
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    time.sleep(0.4)
    assert r.execute_command("DBSIZE") == 0
    assert err(r.execute_command, "DEBUG", "ERROR", "my message") == "my message"
    assert r.execute_command("DEBUG", "LOG", "hello from the test") == b"OK"
    assert err(r.execute_command, "DEBUG", "NOPE").startswith(
        "unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP.")
    assert err(r.execute_command, "DEBUG") == "wrong number of arguments for 'debug' command"
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"  # tests/integration/test_aof.py checks it
    assert r.execute_command("DEBUG", "HELP")[0].startswith(b"DEBUG <subcommand>")


def test_debug_populate(r):
    assert r.execute_command("DEBUG", "POPULATE", 10) == b"OK"
    assert r.execute_command("DBSIZE") == 10
    assert r.get("key:0") == b"value:0" and r.get("key:9") == b"value:9"
    r.set("key:3", "mine")
    r.execute_command("DEBUG", "POPULATE", 5, "key")
    assert r.get("key:3") == b"mine"
    r.execute_command("DEBUG", "POPULATE", 2, "p", 10)
    assert r.get("p:1") == b"value:1\x00\x00\x00"
    r.execute_command("DEBUG", "POPULATE", 1, "q", 3)
    assert r.get("q:0") == b"val"
    assert err(r.execute_command, "DEBUG", "POPULATE", -1) == \
        "value is out of range, must be positive"


def test_debug_protocol(server, r):
    assert r.execute_command("DEBUG", "PROTOCOL", "string") == b"Hello World"
    assert r.execute_command("DEBUG", "PROTOCOL", "integer") == 12345
    assert r.execute_command("DEBUG", "PROTOCOL", "attrib") == \
        b"Some real reply following the attribute"
    assert r.execute_command("DEBUG", "PROTOCOL", "true") == 1
    assert err(r.execute_command, "DEBUG", "PROTOCOL", "push") == \
        "RESP2 is not supported by this command"
    assert err(r.execute_command, "DEBUG", "PROTOCOL", "nope").startswith(
        "Wrong protocol type name.")
    c = Conn(server.port)
    c.call("HELLO", "3")
    assert c.call("DEBUG", "PROTOCOL", "bignum") == 1234567999999999999999999999999999999
    assert c.call("DEBUG", "PROTOCOL", "true") is True
    assert c.call("DEBUG", "PROTOCOL", "double") == 3.141
    assert c.call("DEBUG", "PROTOCOL", "map") == Map({0: False, 1: True, 2: False})
    assert c.call("DEBUG", "PROTOCOL", "verbatim") == b"This is a verbatim\nstring"
    assert c.raw_call("DEBUG", "PROTOCOL", "attrib") == (
        b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
        b"$39\r\nSome real reply following the attribute\r\n")
    c.close()


def test_debug_disabled(make_server):
    s = make_server(args=["--enable-debug-command", "no"])
    c = s.client()
    e = err(c.execute_command, "DEBUG", "HELP")
    assert e.startswith("DEBUG command not allowed. If the enable-debug-command option is set to")


# ---- SHUTDOWN -------------------------------------------------------------

def test_shutdown(make_server):
    s = make_server()
    c = s.client()
    assert err(c.execute_command, "SHUTDOWN", "ABORT") == "No shutdown in progress."
    assert err(c.execute_command, "SHUTDOWN", "NOSAVE", "ABORT") == "syntax error"
    assert err(c.execute_command, "SHUTDOWN", "SAVE", "NOSAVE") == "syntax error"
    assert err(c.execute_command, "SHUTDOWN", "BOGUS") == "syntax error"
    assert s.alive()
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE", "NOW", "FORCE")
    assert s.proc.wait(10) == 0
