"""Configuration: the config file, command-line overrides, CONFIG GET/SET/
REWRITE, and that limits set through it are enforced."""
import subprocess

import pytest
import redis

from conftest import BIN, free_port


def test_get_glob_and_alias(r):
    got = r.config_get("maxmemory*")
    assert set(got) == {"maxmemory", "maxmemory-policy", "maxmemory-samples"}
    assert got["maxmemory-policy"] == "noeviction"
    # the ziplist-era names are accepted as aliases
    assert r.config_get("hash-max-ziplist-entries") == {"hash-max-ziplist-entries": "128"}
    assert r.config_get("nosuchthing") == {}


def test_set_several_pairs_atomically(r):
    assert r.execute_command("CONFIG", "SET", "hz", "20", "timeout", "5") == b"OK"
    assert r.config_get("hz") == {"hz": "20"}
    assert r.config_get("timeout") == {"timeout": "5"}
    # one bad value: nothing changes
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "hz", "30", "maxmemory", "lots")
    assert "CONFIG SET failed (possibly related to argument 'maxmemory')" in str(e.value)
    assert r.config_get("hz") == {"hz": "20"}
    r.execute_command("CONFIG", "SET", "hz", "10", "timeout", "0")


def test_set_errors(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "nosuch", "1")
    assert str(e.value) == "Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "port", "1234")
    assert "can't set immutable config" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "hz", "1", "hz", "2")
    assert "duplicate parameter" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "hz", "100000")
    assert "argument must be between 1 and 500 inclusive" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "appendonly", "maybe")
    assert "argument must be 'yes' or 'no'" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "maxmemory-policy", "bogus")
    assert "argument(s) must be one of the following" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "hz")
    assert "wrong number of arguments for 'config|set' command" in str(e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "FOO")
    assert str(e.value) == "unknown subcommand 'FOO'. Try CONFIG HELP."


def test_memory_units_and_obuf_limit(r):
    r.config_set("maxmemory", "1gb")
    assert r.config_get("maxmemory") == {"maxmemory": str(1 << 30)}
    r.config_set("maxmemory", "0")
    r.config_set("client-output-buffer-limit", "normal 1mb 512kb 10 pubsub 32mb 8mb 60")
    got = r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    assert got.startswith("normal 1048576 524288 10 ")
    r.config_set("client-output-buffer-limit", "normal 0 0 0")
    with pytest.raises(redis.ResponseError):
        r.config_set("client-output-buffer-limit", "weird 1 2 3")


def test_save_accepts_redis_syntax(r):
    r.config_set("save", "900 1 300 10")
    assert r.config_get("save") == {"save": "900 1 300 10"}
    r.config_set("save", "")
    assert r.config_get("save") == {"save": ""}
    with pytest.raises(redis.ResponseError):
        r.config_set("save", "900")


def test_config_file_and_overrides(make_server):
    s = make_server(config_text="# a comment\nhz 25\nmaxmemory 10mb\nsave 900 1\nsave 60 1000\n"
                                "loglevel verbose\nappendonly no\nappendfsync everysec\n"
                                "dbfilename \"my dump.rdb\"\n", )
    c = s.client(decode_responses=True)
    assert c.config_get("hz") == {"hz": "25"}
    assert c.config_get("maxmemory") == {"maxmemory": str(10 << 20)}
    assert c.config_get("dbfilename") == {"dbfilename": "my dump.rdb"}
    # the fixture passes --save "" after the file: command line wins
    assert c.config_get("save") == {"save": ""}


def run_bad_config(tmp_path, text):
    p = tmp_path / "bad.conf"
    p.write_text(text)
    return subprocess.run([BIN, str(p), "--port", str(free_port())], capture_output=True,
                          timeout=10)


def test_unknown_directive_rejected_with_line(tmp_path):
    r = run_bad_config(tmp_path, "port 0\n\nhz 10\nbogus-directive 1\n")
    assert r.returncode != 0
    out = (r.stdout + r.stderr).decode()
    assert "line 4" in out and "bogus-directive" in out


def test_bad_value_rejected(tmp_path):
    r = run_bad_config(tmp_path, "maxclients many\n")
    assert r.returncode != 0
    assert "line 1" in (r.stdout + r.stderr).decode()
    r = run_bad_config(tmp_path, "bind \"127.0.0.1\n")
    assert r.returncode != 0
    assert "Unbalanced quotes" in (r.stdout + r.stderr).decode()


def test_bad_command_line(tmp_path):
    r = subprocess.run([BIN, "--nosuch", "1"], capture_output=True, timeout=10)
    assert r.returncode != 0
    assert b"nosuch" in r.stdout + r.stderr


def test_rewrite(make_server):
    s = make_server(config_text="# keep this comment\nhz 15\ntimeout 0\n")
    c = s.client(decode_responses=True)
    c.config_set("hz", "33")
    c.config_set("maxmemory", "2mb")
    assert c.execute_command("CONFIG", "REWRITE") == "OK"
    text = open(s.config_path).read()
    assert "# keep this comment" in text
    assert "hz 33" in text and "hz 15" not in text
    assert "maxmemory 2097152" in text
    # the rewritten file starts a server with the same values
    s2 = make_server(config_text=text)
    c2 = s2.client(decode_responses=True)
    assert c2.config_get("hz") == {"hz": "33"}
    assert c2.config_get("maxmemory") == {"maxmemory": "2097152"}


def test_rewrite_without_file(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "REWRITE")
    assert "without a config file" in str(e.value)


def test_logfile_and_loglevel(make_server, tmp_path):
    log = tmp_path / "apiary.log"
    s = make_server(args=["--logfile", str(log), "--loglevel", "notice"])
    s.client().ping()
    text = log.read_text()
    assert "Apiary version=" in text and "pid=" in text
    assert "ready to accept connections on port %d" % s.port in text


def test_maxmemory_enforced(make_server):
    s = make_server()
    c = s.client()
    c.set("k", "v")
    used = int(c.info("memory")["used_memory"])
    c.config_set("maxmemory", str(used // 2))
    with pytest.raises(redis.ResponseError) as e:
        c.set("k2", "v")
    assert str(e.value) == "OOM command not allowed when used memory > 'maxmemory'."
    assert c.get("k") == b"v"  # reads still work
    assert c.delete("k") == 1  # and deletes
    c.config_set("maxmemory", "0")
    assert c.set("k2", "v")
