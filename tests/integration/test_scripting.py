"""Lua scripting (src/script): EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, the
script cache (SCRIPT LOAD / EXISTS / FLUSH), the conversions between RESP
(2 and 3) and Lua in both directions, errors and their statistics, shebang
flags, read-only scripts, maxmemory, busy scripts with BUSY and SCRIPT KILL,
their interplay with MULTI, the change stream of a script (effects wrapped
in MULTI/EXEC, compared with redis-server 7.0 when it is installed),
functions (FUNCTION LOAD / FCALL) and INFO."""
import hashlib
import threading
import time

import pytest
import redis

from conftest import Server
from resp_client import Conn, Error, Map, Set


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def stat(r, section, name, field):
    """A field of an INFO line like errorstat_ERR:count=1 (0 when absent)."""
    c = Conn(r.connection_pool.connection_kwargs["port"])
    raw = c.call("INFO", section)
    c.close()
    for line in raw.decode().split("\r\n"):
        if line.startswith(name + ":"):
            for kv in line.split(":", 1)[1].split(","):
                k, v = kv.split("=")
                if k == field:
                    return int(v)
    return 0


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


# ---- basics and the cache ------------------------------------------------------

def test_eval_keys_and_argv(r):
    assert r.eval("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", 2, "k1", "k2", "a1", "a2") == \
        [b"k1", b"k2", b"a1", b"a2"]
    assert r.eval("return #KEYS + #ARGV", 0) == 0


def test_redis_call_runs_commands(r):
    assert r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v") == b"OK"
    assert r.get("k") == b"v"
    assert r.eval("return redis.call('incrby', 'n', 5)", 0) == 5


def test_script_cache(r):
    body = "return 'cached'"
    assert r.script_load(body) == sha1(body)
    assert r.evalsha(sha1(body), 0) == b"cached"
    assert r.evalsha(sha1(body).upper(), 0) == b"cached"
    assert r.script_exists(sha1(body), "0" * 40, "short") == [True, False, False]
    # EVAL caches too
    r.eval("return 'by eval'", 0)
    assert r.script_exists(sha1("return 'by eval'")) == [True]
    assert r.script_flush() is True
    assert r.script_exists(sha1(body)) == [False]
    assert err(r, "EVALSHA", sha1(body), 0) == "No matching script. Please use EVAL."
    assert r.execute_command("SCRIPT", "FLUSH", "ASYNC") == b"OK"
    assert "SYNC|ASYNC" in err(r, "SCRIPT", "FLUSH", "LATER")


def test_script_flush_resets_the_state(r):
    # scripts cannot make globals; what survives between runs is only what
    # the state itself holds, and FLUSH starts a new one
    r.eval("string.rep('x', 10)", 0)
    r.script_flush()
    assert r.eval("return type(redis.call)", 0) == b"function"


def test_sha1hex_and_constants(r):
    assert r.eval("return redis.sha1hex('')", 0) == b"da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert r.eval("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, "
                  "redis.LOG_WARNING}", 0) == [0, 1, 2, 3]
    assert r.eval("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, "
                  "redis.REPL_ALL}", 0) == [0, 1, 2, 3]
    assert r.eval("return redis.replicate_commands()", 0) == 1
    assert r.eval("return redis.breakpoint()", 0) is None
    assert r.eval("redis.set_repl(redis.REPL_ALL); redis.debug('x'); "
                  "redis.log(redis.LOG_WARNING, 'from a test'); return 1", 0) == 1
    assert "Invalid debug level" in err(r, "EVAL", "redis.log(9, 'x')", 0)


def test_bit_library(r):
    assert r.eval("return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(3, 1), "
                  "bit.lshift(1, 4), bit.rshift(256, 4), bit.tobit(2^32 + 5), "
                  "bit.bnot(0), bit.arshift(-256, 4), bit.tohex(255), bit.tohex(-1, -4)}", 0) == \
        [15, 7, 2, 16, 16, 5, -1, -16, b"000000ff", b"FFFF"]


# ---- Lua -> RESP -----------------------------------------------------------------

def test_lua_to_resp2(r):
    assert r.eval("return 100.9", 0) == 100
    assert r.eval("return -3.7", 0) == -3
    assert r.eval("return 'text'", 0) == b"text"
    assert r.eval("return true", 0) == 1
    assert r.eval("return false", 0) is None
    assert r.eval("return nil", 0) is None
    assert r.eval("return {ok='FINE'}", 0) == b"FINE"
    assert r.eval("return {1, 2, {3, 'x'}, nil, 5}", 0) == [1, 2, [3, b"x"]]
    assert r.eval("return {}", 0) == []
    assert r.eval("return redis.status_reply('FINE')", 0) == b"FINE"
    assert err(r, "EVAL", "return {err='MYERR custom'}", 0) == "MYERR custom"
    assert err(r, "EVAL", "return redis.error_reply('MYERR x')", 0) == "MYERR x"


def test_lua_to_resp_status_is_one_line(server, r):
    body = b"return {ok='a\\r\\nb'}"
    raw = server.raw(b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(body), body))
    assert raw == b"+a  b\r\n"


def test_table_metatables_are_not_run(r):
    assert r.eval("local a = {}; setmetatable(a, {__index=function() error('no') end}); "
                  "return a", 0) == []


def test_deep_results_are_bounded(r):
    res = r.eval("local t = {}; local cur = t; for i = 1, 1000 do cur[1] = {}; cur = cur[1] end; "
                 "return t", 0)
    depth = 0
    while isinstance(res, list) and res:
        res = res[0]
        depth += 1
    assert depth < 200
    assert isinstance(res, redis.ResponseError) or res == []


# ---- RESP -> Lua -------------------------------------------------------------------

def test_resp2_to_lua(r):
    r.set("s", "v")
    r.rpush("l", "a", "b")
    assert r.eval("return type(redis.call('incr', 'n'))", 0) == b"number"
    assert r.eval("return redis.call('get', 's')", 0) == b"v"
    assert r.eval("return tostring(redis.call('get', 'missing'))", 0) == b"false"
    assert r.eval("return redis.call('lrange', 'l', 0, -1)", 0) == [b"a", b"b"]
    assert r.eval("local t = redis.call('set', 'x', 1); return t.ok", 0) == b"OK"
    assert r.eval("local t = redis.pcall('incr', 's'); return t.err", 0) == \
        b"ERR value is not an integer or out of range"
    assert r.eval("local ok, t = pcall(redis.call, 'incr', 's'); return {tostring(ok), t.err}",
                  0) == [b"false", b"ERR value is not an integer or out of range"]


def test_resp3_to_lua_and_back(server, r):
    r.hset("h", "f", "v")
    r.sadd("set", "m")
    r.zadd("z", {"a": 1.5})
    c = Conn(server.port)
    try:
        assert c.call("HELLO", "3")
        # a RESP3 map / set / double reach Lua as tables, and go back as such
        assert c.call("EVAL", "redis.setresp(3); return redis.call('hgetall', 'h')", 0) == \
            Map({b"f": b"v"})
        got = c.call("EVAL", "redis.setresp(3); return redis.call('smembers', 'set')", 0)
        assert isinstance(got, Set) and list(got) == [b"m"]
        assert c.call("EVAL", "redis.setresp(3); local t = redis.call('hgetall', 'h'); "
                      "return t.map.f", 0) == b"v"
        assert c.call("EVAL", "redis.setresp(3); local t = redis.call('zscore', 'z', 'a'); "
                      "return tostring(t.double)", 0) == b"1.5"
        assert c.call("EVAL", "redis.setresp(3); return redis.call('zscore', 'z', 'a')", 0) == 1.5
        assert c.call("EVAL", "redis.setresp(3); return redis.call('get', 'nope') == nil", 0) is True
        # booleans: a RESP3 script replies RESP3 booleans
        assert c.call("EVAL", "redis.setresp(3); return true", 0) is True
        assert c.call("EVAL", "redis.setresp(3); return false", 0) is False
        assert c.call("EVAL", "return false", 0) is None
        assert c.call("EVAL", "return {double=3.5}", 0) == 3.5
        assert c.call("EVAL", "return {big_number='123456789012345678901234567890'}", 0) == \
            123456789012345678901234567890
        assert c.call("EVAL", "return {map={a=1}}", 0) == Map({b"a": 1})
        assert isinstance(c.call("EVAL", "return {set={a=true}}", 0), Set)
        assert isinstance(c.call("EVAL", "return redis.setresp(4)", 0), Error)
    finally:
        c.close()
    # a RESP2 caller gets RESP2 shapes of the same results
    assert r.eval("redis.setresp(3); return redis.call('hgetall', 'h')", 0) == [b"f", b"v"]
    assert r.eval("return {double=3.5}", 0) == b"3.5"
    assert r.eval("redis.setresp(3); return true", 0) == 1


def test_big_replies_reach_lua(r):
    r.rpush("big", *range(50000))
    assert r.eval("return #redis.call('lrange', 'big', 0, -1)", 0) == 50000
    assert r.eval("local a = {} for i = 1, 7000 do a[i] = i end "
                  "return redis.call('rpush', 'big2', unpack(a))", 0) == 7000


# ---- errors ------------------------------------------------------------------------

def test_compile_and_runtime_errors(r):
    assert err(r, "EVAL", "return x =", 0).startswith(
        "Error compiling script (new function): user_script:1: ")
    e = err(r, "EVAL", "return nosuch", 0)
    assert e == ("user_script:1: Script attempted to access nonexistent global variable "
                 "'nosuch' script: %s, on @user_script:1." % sha1("return nosuch"))
    e = err(r, "EVAL", "local x = 1\nreturn redis.call('incr', 'x', 'y')", 0)
    assert e.startswith("Wrong number of args calling Redis command from script")
    assert "on @user_script:2." in e
    assert "Unknown Redis command called from script" in err(r, "EVAL", "redis.call('nosuch')", 0)
    assert "at least one argument" in err(r, "EVAL", "redis.call()", 0)
    assert "must be strings or integers" in err(r, "EVAL", "redis.call('ping', {})", 0)
    assert r.eval("return redis.call('ping', 'after')", 0) == b"after"
    assert "Script killed" not in err(r, "EVAL", "error('boom')", 0)


def test_numkeys_errors(r):
    assert err(r, "EVAL", "return 1", -1) == "Number of keys can't be negative"
    assert err(r, "EVAL", "return 1", 2, "a") == \
        "Number of keys can't be greater than number of args"
    assert err(r, "EVAL", "return 1", "x") == "value is not an integer or out of range"
    assert err(r, "EVALSHA", "nosuch", 0) == "No matching script. Please use EVAL."


def test_commands_refused_in_scripts(r):
    for cmd in ("'multi'", "'exec'", "'watch', 'k'", "'eval', 'return 1', 0", "'blpop', 'l', 0",
                "'script', 'flush'", "'subscribe', 'ch'"):
        assert "This Redis command is not allowed from script" in \
            err(r, "EVAL", "return redis.call(%s)" % cmd, 0), cmd


def test_globals_protection(r):
    assert "Attempt to modify a readonly table" in err(r, "EVAL", "newglobal = 1", 0)
    assert "Script attempted to create global variable 'newglobal'" in \
        err(r, "EVAL", "newglobal = 1", 0)
    for body in ("redis.call = nil", "setmetatable(_G, {})", "string.upper = nil",
                 "local g = getmetatable(_G); g.__index = {}", "rawset(_G, 'x', 1)",
                 "_G.x = 1"):
        assert "Attempt to modify a readonly table" in err(r, "EVAL", body, 0), body
    assert r.eval("return type(redis.call)", 0) == b"function"
    assert "nil value" in err(r, "EVAL", "return loadstring(string.dump(function() end))()", 0)
    for name in ("dofile", "loadfile", "print"):
        assert "nonexistent global" in err(r, "EVAL", "return %s" % name, 0)
    assert r.eval("local x = 5; return x", 0) == 5


def test_errorstats_count_an_error_once(r):
    r.config_resetstat()
    r.set("s", "v")
    assert "not an integer" in err(r, "EVAL", "return redis.call('incr', 's')", 0)
    assert stat(r, "errorstats", "errorstat_ERR", "count") == 1
    assert stat(r, "commandstats", "cmdstat_eval", "failed_calls") == 1
    assert stat(r, "commandstats", "cmdstat_incr", "failed_calls") == 1
    r.config_resetstat()
    assert r.eval("return redis.pcall('incr', 's').err ~= nil", 0) == 1
    assert stat(r, "errorstats", "errorstat_ERR", "count") == 1
    assert stat(r, "commandstats", "cmdstat_eval", "failed_calls") == 0
    r.config_resetstat()
    assert "not allowed from read-only" in err(r, "EVAL_RO", "return redis.call('set', 'x', 1)", 0)
    assert stat(r, "errorstats", "errorstat_ERR", "count") == 1
    assert stat(r, "commandstats", "cmdstat_set", "rejected_calls") == 1
    assert stat(r, "commandstats", "cmdstat_eval_ro", "failed_calls") == 1
    r.config_resetstat()
    assert err(r, "EVAL", "return redis.error_reply('MY_CODE msg')", 0) == "MY_CODE msg"
    assert stat(r, "errorstats", "errorstat_MY_CODE", "count") == 1


# ---- read-only scripts and shebang flags ----------------------------------------------

def test_eval_ro_and_no_writes(r):
    r.set("k", "v")
    assert r.execute_command("EVAL_RO", "return redis.call('get', KEYS[1])", 1, "k") == b"v"
    assert "Write commands are not allowed from read-only scripts" in \
        err(r, "EVAL_RO", "return redis.call('set', 'k', 'x')", 1, "k")
    assert "Write commands are not allowed from read-only scripts" in \
        err(r, "EVAL", "#!lua flags=no-writes\nreturn redis.call('del', 'k')", 1, "k")
    assert r.get("k") == b"v"
    sha = r.script_load("return redis.call('get', KEYS[1])")
    assert r.execute_command("EVALSHA_RO", sha, 1, "k") == b"v"
    # a script with a shebang but without no-writes may not run as *_RO
    assert err(r, "EVAL_RO", "#!lua\nreturn 1", 0) == \
        "Can not execute a script with write flag using *_ro command."
    assert r.execute_command("EVAL_RO", "#!lua flags=no-writes\nreturn 1", 0) == 1


def test_shebang_errors_and_line_numbers(r):
    assert "Unexpected flag in script shebang" in err(r, "EVAL", "#!lua flags=bogus\nreturn 1", 0)
    assert "Unknown lua shebang option" in err(r, "EVAL", "#!lua x=y\nreturn 1", 0)
    assert "Unexpected engine" in err(r, "EVAL", "#!python\nreturn 1", 0)
    assert r.eval("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\n"
                  "return 7", 0) == 7
    # the shebang line still counts as line 1
    assert "user_script:2:" in err(r, "EVAL", "#!lua\nreturn nosuch", 0)


def test_maxmemory(r):
    r.set("x", "1")
    r.config_set("maxmemory", 1)
    try:
        # no shebang: refused at the first write, reads go on
        assert err(r, "EVAL", "redis.call('set', 'x', 2)", 1, "x").startswith(
            "OOM command not allowed when used memory > 'maxmemory'.")
        assert r.eval("return redis.call('get', 'x')", 1, "x") == b"1"
        # with a shebang: refused before running unless allow-oom / no-writes
        assert err(r, "EVAL", "#!lua\nreturn 1", 0).startswith("OOM allow-oom flag is not set")
        assert r.eval("#!lua flags=allow-oom\nredis.call('set', 'x', 3) return 1", 1, "x") == 1
        assert r.eval("#!lua flags=no-writes\nreturn redis.call('get', 'x')", 1, "x") == b"3"
    finally:
        r.config_set("maxmemory", 0)


def test_select_inside_a_script_stays_there(server):
    c = server.client(db=2)
    c.set("k", "db2")
    server.client(db=3).set("k", "db3")
    assert c.eval("redis.call('select', 3); return redis.call('get', 'k')", 0) == b"db3"
    assert c.eval("return redis.call('get', 'k')", 0) == b"db2"
    c.close()


def test_lua_memory_limit(server, r):
    r.config_set("lua-max-memory", 4 * 1024 * 1024)
    try:
        e = err(r, "EVAL", "local t = {} for i = 1, 10000000 do t[i] = i end return 1", 0)
        assert "memory" in e
        assert r.eval("return 1", 0) == 1
    finally:
        r.config_set("lua-max-memory", 0)


# ---- busy scripts -----------------------------------------------------------------------

def start_busy(server, body, *args):
    """Runs EVAL body on its own connection in a thread; returns (thread,
    box) where box[0] gets the reply or the error."""
    box = []
    c = server.client()

    def run():
        try:
            box.append(c.eval(body, 0, *args))
        except (redis.ResponseError, redis.ConnectionError) as e:
            box.append(e)
        finally:
            c.close()

    t = threading.Thread(target=run)
    t.start()
    return t, box


def wait_busy(r):
    end = time.time() + 5
    while time.time() < end:
        try:
            r.ping()
        except redis.exceptions.BusyLoadingError:
            return
        except redis.ResponseError as e:
            if str(e).startswith("Redis is busy") or "BUSY" in str(e):
                return
        time.sleep(0.02)
    raise AssertionError("the script never became busy")


def test_busy_script_and_script_kill(server, r):
    assert r.config_get("lua-time-limit") == {"lua-time-limit": "5000"}
    r.config_set("busy-reply-threshold", 50)
    assert r.config_get("lua-time-limit") == {"lua-time-limit": "50"}
    try:
        assert err(r, "SCRIPT", "KILL") == "NOTBUSY No scripts in execution right now."
        t, box = start_busy(server, "while true do end")
        wait_busy(r)
        other = Conn(server.port)
        got = other.call("GET", "x")
        assert isinstance(got, Error) and str(got) == (
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.")
        assert r.execute_command("SCRIPT", "KILL") == b"OK"
        t.join(5)
        assert not t.is_alive()
        assert isinstance(box[0], redis.ResponseError)
        assert "Script killed by user with SCRIPT KILL" in str(box[0])
        assert other.call("PING") == b"PONG"
        other.close()
        # a script caught in pcall meets the kill again
        t, box = start_busy(server, "while true do pcall(function() while true do end end) end")
        wait_busy(r)
        assert r.execute_command("SCRIPT", "KILL") == b"OK"
        t.join(5)
        assert "Script killed" in str(box[0])
    finally:
        r.config_set("busy-reply-threshold", 5000)


def test_script_that_wrote_cannot_be_killed(server, r):
    r.config_set("busy-reply-threshold", 50)
    try:
        t, box = start_busy(server, "redis.call('set', 'w', 1) local t = redis.call('time') "
                            "local s = tonumber(t[1]) while tonumber(redis.call('time')[1]) < "
                            "s + 2 do end return 'done'")
        wait_busy(r)
        assert err(r, "SCRIPT", "KILL").startswith("UNKILLABLE Sorry the script already "
                                                   "executed write commands")
        t.join(10)
        assert box == [b"done"]
        assert r.get("w") == b"1"
    finally:
        r.config_set("busy-reply-threshold", 5000)


def test_busy_script_flags_a_transaction(server, r):
    r.config_set("busy-reply-threshold", 50)
    r.set("xx", 1)
    m = Conn(server.port)
    try:
        assert m.call("MULTI") == b"OK"
        assert m.call("INCR", "xx") == b"QUEUED"
        t, box = start_busy(server, "while true do end")
        wait_busy(r)
        got = m.call("INCR", "xx")
        assert isinstance(got, Error) and str(got).startswith("BUSY")
        got = m.call("EXEC")
        assert isinstance(got, Error) and str(got).startswith(
            "EXECABORT Transaction discarded because of: BUSY")
        r.execute_command("SCRIPT", "KILL")
        t.join(5)
        assert r.get("xx") == b"1"
        assert m.call("PING") == b"PONG"  # no longer in MULTI
    finally:
        m.close()
        r.config_set("busy-reply-threshold", 5000)


def test_shutdown_nosave_stops_a_busy_script(make_server):
    s = make_server(args=["--lua-time-limit", "50"])
    r = s.client()
    t, box = start_busy(s, "while true do end")
    wait_busy(r)
    assert "BUSY" in err(r, "SHUTDOWN")
    try:
        r.execute_command("SHUTDOWN", "NOSAVE")
    except redis.ConnectionError:
        pass
    t.join(5)
    assert s.proc.wait(10) == 0


# ---- propagation -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def aofserver():
    from persist_util import wait_aof_rewrite
    s = Server(args=["--appendonly", "yes", "--appendfsync", "always"])
    wait_aof_rewrite(s.client())
    yield s
    assert s.stop() == 0


def stream_after(server, fn):
    from test_propagation import Stream
    st = Stream(server)
    st.mark()
    fn()
    return st.new()


def script_workload(r):
    r.eval("redis.call('set', KEYS[1], 'a') redis.call('incr', 'n') "
           "redis.call('get', KEYS[1]) return 1", 1, "k")
    r.eval("return redis.call('set', 'single', 1)", 0)
    r.eval("return redis.call('get', 'single')", 0)
    r.script_load("return redis.call('set', 'loaded', 1)")
    r.evalsha(sha1("return redis.call('set', 'loaded', 1)"), 0)
    r.script_flush()
    r.eval("redis.call('select', 1) redis.call('set', 'in1', 1) redis.call('select', 0) "
           "redis.call('set', 'in0', 1)", 0)
    p = r.pipeline(transaction=True)
    p.eval("redis.call('set', 'm', 1)", 0)
    p.set("after", 1)
    p.execute()
    r.eval("redis.call('set', 'e', 'v', 'ex', 100) redis.call('spop', 'nosuchset')", 0)


def test_script_effects_are_propagated(aofserver):
    r = aofserver.client()
    r.flushall()
    cmds = stream_after(aofserver, lambda: script_workload(r))
    names = [[c[0].upper()] + c[1:] for c in cmds]
    assert names[:4] == [["MULTI"], ["SET", "k", "a"], ["INCR", "n"], ["EXEC"]]
    assert names[4] == ["SET", "single", "1"]
    assert names[5] == ["SET", "loaded", "1"]
    assert sorted(map(tuple, names[6:12])) == sorted(map(tuple, [
        ["MULTI"], ["SELECT", "1"], ["SET", "in1", "1"], ["SELECT", "0"], ["SET", "in0", "1"],
        ["EXEC"]]))
    assert names[12:15] == [["MULTI"], ["SET", "m", "1"], ["SET", "after", "1"]]
    assert not any(c[0] in ("EVAL", "EVALSHA", "SCRIPT") for c in names)
    # a relative TTL goes out absolute, as from any client
    assert any(c[0] == "SET" and c[1] == "e" and "PXAT" in [a.upper() for a in c if
                                                            isinstance(a, str)] for c in names)
    r.close()


def test_failing_script_keeps_its_earlier_effects(aofserver):
    r = aofserver.client()
    r.flushall()

    def work():
        with pytest.raises(redis.ResponseError):
            r.eval("redis.call('set', 'a', 1) redis.call('set', 'b', 2) error('late')", 0)

    cmds = stream_after(aofserver, work)
    assert [[c[0].upper()] + c[1:] for c in cmds] == \
        [["MULTI"], ["SET", "a", "1"], ["SET", "b", "2"], ["EXEC"]]
    assert r.get("a") == b"1"
    r.close()


def test_stream_matches_redis(aofserver):
    from persist_util import REDIS_SERVER
    if not REDIS_SERVER:
        pytest.skip("redis-server not installed")
    from test_propagation import RedisAof, Stream, normalised

    class RefStream(Stream):
        def path(self):
            import os
            d = os.path.join(self.server.dir, "appendonlydir")
            with open(os.path.join(d, "appendonly.aof.manifest")) as f:
                incr = [line.split()[1] for line in f if line.split()[-1] == "i"]
            return os.path.join(d, incr[-1])

    ref = RedisAof()
    try:
        rr = ref.client()
        ours = aofserver.client()
        ours.flushall()
        rr.flushall()
        a, b = Stream(aofserver), RefStream(ref)
        time.sleep(0.2)
        a.mark()
        b.mark()
        script_workload(ours)
        script_workload(rr)
        got, want = normalised(a.new()), normalised(b.new())
        assert [[x[0].upper()] + x[1:] for x in got] == [[x[0].upper()] + x[1:] for x in want]
        ours.close()
        rr.close()
    finally:
        ref.stop()


# ---- functions -------------------------------------------------------------------------

def test_functions(r):
    lib = ("#!lua name=mylib\n"
           "redis.register_function('getk', function(keys, args) return redis.call('get', keys[1]) end)\n"
           "redis.register_function{function_name='setk', callback=function(keys, args) "
           "return redis.call('set', keys[1], args[1]) end}\n"
           "redis.register_function{function_name='ro', callback=function(keys, args) "
           "return 'ro' end, flags={'no-writes'}}\n")
    r.function_flush()
    assert r.function_load(lib) == b"mylib"
    assert "already exists" in err(r, "FUNCTION", "LOAD", lib)
    assert r.execute_command("FUNCTION", "LOAD", "REPLACE", lib) == b"mylib"
    assert r.fcall("setk", 1, "fk", "fv") == b"OK"
    assert r.fcall("getk", 1, "fk") == b"fv"
    assert r.execute_command("FCALL_RO", "ro", 0) == b"ro"
    mem = r.info("memory")
    assert (mem["number_of_functions"], mem["number_of_libraries"]) == (3, 1)
    assert "write flag" in err(r, "FCALL_RO", "setk", 1, "fk", "x")
    assert err(r, "FCALL", "nosuch", 0) == "Function not found"
    listed = r.function_list()
    assert listed[0][1] == b"mylib" or listed[0][b"library_name"] == b"mylib"
    # SCRIPT FLUSH does not touch functions
    r.script_flush()
    assert r.fcall("getk", 1, "fk") == b"fv"
    assert "Missing library metadata" in err(r, "FUNCTION", "LOAD", "return 1")
    assert "No functions registered" in err(r, "FUNCTION", "LOAD", "#!lua name=empty\nlocal x = 1")
    # register_function exists only while a library loads; a library's
    # code sees nothing else (no redis.call, no math)
    assert "nil value" in err(r, "EVAL", "redis.register_function('x', function() end)", 0)
    assert "nonexistent global variable 'math'" in err(
        r, "FUNCTION", "LOAD", "#!lua name=bad\nreturn math.random()")
    assert "nonexistent global variable 'call'" in err(
        r, "FUNCTION", "LOAD", "#!lua name=bad\nredis.call('ping')")
    assert r.function_load("#!LUA name=\"quoted\"\nredis.register_function('CaseFn', "
                           "function() return redis.REDIS_VERSION end)") == b"quoted"
    assert r.fcall("casefn", 0) == b"7.0.15"
    assert r.function_delete("mylib") in (True, b"OK")
    assert err(r, "FCALL", "getk", 1, "fk") == "Function not found"


# ---- INFO and tracking -------------------------------------------------------------

def test_info_memory_fields(r):
    r.script_flush()
    before = r.info("memory")
    assert before["number_of_cached_scripts"] == 0
    assert before["used_memory_lua"] > 0
    r.script_load("return 'one'")
    r.eval("return 'two'", 0)
    after = r.info("memory")
    assert after["number_of_cached_scripts"] == 2
    assert after["used_memory_scripts"] > before["used_memory_scripts"]
    assert "used_memory_lua_human" in after


def test_tracking_sees_scripts_that_read(server, r):
    c = Conn(server.port)
    try:
        assert c.call("HELLO", "3")
        assert c.call("CLIENT", "TRACKING", "on") == b"OK"
        # a script that only writes tracks nothing
        c.call("EVAL", "redis.call('set', 'other', 1)", 2, "t1", "t2")
        r.set("t1", "x")
        # a script that reads tracks the keys it declared
        c.call("EVAL", "redis.call('get', 'other')", 2, "t1", "t2")
        r.set("t2", "y")
        msg = c.read()
        assert msg == [b"invalidate", [b"t2"]]
        assert c.call("PING") == b"PONG"
    finally:
        c.close()


def test_min_replicas_to_write_refuses_scripts_that_may_write(r):
    r.set("x", "some value")
    r.config_set("min-replicas-to-write", 1)
    try:
        # no shebang: reads run, the first write is refused
        assert r.eval("return redis.call('get','x')", 1, "x") == b"some value"
        assert err(r, "EVAL", "return redis.call('set','x',1)", 1, "x").startswith("NOREPLICAS")
        # a shebang without no-writes: refused before it runs
        assert err(r, "EVAL", "#!lua\nreturn redis.call('get','x')", 1, "x").startswith("NOREPLICAS")
        assert r.eval("#!lua flags=no-writes\nreturn redis.call('get','x')", 1, "x") == b"some value"
        assert r.get("x") == b"some value"
    finally:
        r.config_set("min-replicas-to-write", 0)


def test_scripts_on_a_read_only_replica():
    s = Server()
    try:
        r = s.client()
        r.set("x", "v")
        r.replicaof("127.0.0.1", 1)  # nothing listens there: the link stays down
        assert r.eval("return redis.call('get','x')", 1, "x") == b"v"
        # (redis-py turns -READONLY into ReadOnlyError and drops the code)
        with pytest.raises(redis.exceptions.ReadOnlyError, match="read only replica"):
            r.eval("return redis.call('set','x',1)", 1, "x")
        with pytest.raises(redis.exceptions.ReadOnlyError, match="read only replica"):
            r.eval("#!lua\nreturn 1", 0)
        assert r.eval("#!lua flags=no-writes\nreturn redis.call('get','x')", 1, "x") == b"v"
        r.replicaof("no", "one")
        assert r.eval("return redis.call('set','x',1)", 1, "x") == b"OK"
    finally:
        s.stop()
