"""List commands: replies, errors, node boundaries of the quicklist (a
small list-max-listpack-size makes every path cross nodes), and random
operations checked against a Python list."""
import random

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_push_pop_range(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"z", b"a", b"b", b"c"]
    assert r.lrange("l", -2, 100) == [b"b", b"c"]
    assert r.lrange("l", 5, 10) == [] and r.lrange("l", 2, 1) == []
    assert r.llen("l") == 4 and r.llen("missing") == 0
    assert r.lindex("l", 0) == b"z" and r.lindex("l", -1) == b"c" and r.lindex("l", 9) is None
    assert r.lpop("l") == b"z" and r.rpop("l") == b"c"
    assert r.lpop("l", 5) == [b"a", b"b"]
    assert r.exists("l") == 0  # the last pop deletes the key
    assert r.lpop("l") is None and r.lpop("l", 2) is None
    assert r.lpushx("l", "x") == 0 and r.exists("l") == 0
    r.rpush("l", 1)
    assert r.execute_command("RPUSHX", "l", 2, 3) == 3 and r.lrange("l", 0, -1) == [b"1", b"2", b"3"]
    assert r.object("encoding", "l") == b"quicklist"
    assert r.type("l") == b"list"


def test_errors(r):
    r.set("s", "v")
    for args in (("LPUSH", "s", "a"), ("RPOP", "s"), ("LLEN", "s"), ("LRANGE", "s", 0, 1),
                 ("LINDEX", "s", 0)):
        assert err(r, *args) == WRONGTYPE
    r.rpush("l", "a")
    assert err(r, "LPOP", "l", "-1") == "value is out of range, must be positive"
    assert err(r, "LRANGE", "l", "a", "1") == "value is not an integer or out of range"
    assert err(r, "LPUSH", "l") == "wrong number of arguments for 'lpush' command"
    assert err(r, "GET", "l") == WRONGTYPE


def test_many_nodes_and_copy(r):
    r.config_set("list-max-listpack-size", 4)  # four elements a node
    try:
        r.rpush("big", *range(100))
        r.lpush("big", *range(-1, -51, -1))
        want = [str(i).encode() for i in range(-50, 100)]
        assert r.lrange("big", 0, -1) == want
        for i in (0, 3, 4, 77, 149, -1, -75):
            assert r.lindex("big", i) == want[i]
        assert r.lrange("big", 61, 73) == want[61:74]
        assert r.copy("big", "copy")
        r.rpop("big", 10)
        assert r.llen("copy") == 150 and r.lrange("copy", -3, -1) == want[-3:]
        assert r.memory_usage("copy") > 150
    finally:
        r.config_set("list-max-listpack-size", -2)


@pytest.fixture(params=[-2, 4], ids=["bytes", "four-per-node"])
def small(r, request):
    """Runs a test with the default node size and with four elements a node."""
    r.config_set("list-max-listpack-size", request.param)
    yield r
    r.config_set("list-max-listpack-size", -2)


def L(r, key="l"):
    return [x.decode() for x in r.lrange(key, 0, -1)]


def test_linsert(small):
    r = small
    r.rpush("l", *"abcdefghij")
    assert r.linsert("l", "BEFORE", "a", "0") == 11
    assert r.linsert("l", "after", "j", "k") == 12
    assert r.linsert("l", "before", "e", "x") == 13  # middle of a full node: split
    assert r.linsert("l", "AFTER", "d", "y") == 14  # end of a full node
    assert r.linsert("l", "before", "e", "z") == 15
    assert L(r) == list("0abcdyxzefghijk")
    assert r.linsert("l", "before", "missing", "q") == -1
    assert r.linsert("nokey", "before", "a", "q") == 0 and r.exists("nokey") == 0
    for i in range(20):  # many inserts at one place keep working
        r.linsert("l", "after", "c", str(i))
    assert L(r)[:4] == list("0abc") and L(r)[4:24] == [str(i) for i in range(19, -1, -1)]
    assert r.linsert("l", "before", "1", 100) == 36 and r.lindex("l", 22) == b"100"
    assert err(r, "LINSERT", "l", "middle", "a", "b") == "syntax error"
    assert err(r, "LINSERT", "nokey", "middle", "a", "b") == "syntax error"
    r.set("s", "v")
    assert err(r, "LINSERT", "s", "before", "a", "b") == WRONGTYPE
    assert err(r, "LINSERT", "l", "before", "a") == "wrong number of arguments for 'linsert' command"


def test_lset(small):
    r = small
    r.rpush("l", *"abcdefghij")
    assert r.lset("l", 0, "A") and r.lset("l", -1, "J") and r.lset("l", 5, 55)
    assert L(r) == list("Abcde") + ["55"] + list("ghiJ")
    assert err(r, "LSET", "l", 10, "x") == "index out of range"
    assert err(r, "LSET", "l", -11, "x") == "index out of range"
    assert err(r, "LSET", "l", "x", "x") == "value is not an integer or out of range"
    assert err(r, "LSET", "nokey", 0, "x") == "no such key"
    assert err(r, "LSET", "nokey", "x", "x") == "no such key"
    r.set("s", "v")
    assert err(r, "LSET", "s", 0, "x") == WRONGTYPE
    big = "x" * 9000  # larger than a default node: gets a node of its own
    assert r.lset("l", 3, big)
    assert r.lindex("l", 3) == big.encode() and r.llen("l") == 10
    assert L(r)[:3] == list("Abc") and L(r)[4:] == ["e", "55"] + list("ghiJ")
    assert r.lset("l", 3, "d") and L(r) == list("Abcde") + ["55"] + list("ghiJ")


def test_lrem(small):
    r = small
    r.rpush("l", *"aabacadaeaaf")
    assert r.lrem("l", 2, "a") == 2 and L(r) == list("bacadaeaaf")
    assert r.lrem("l", -2, "a") == 2 and L(r) == list("bacadaef")
    assert r.lrem("l", 0, "a") == 3 and L(r) == list("bcdef")
    assert r.lrem("l", 0, "zz") == 0 and r.lrem("nokey", 0, "a") == 0
    r.rpush("n", 1, 2, 1, 1, 3)
    assert r.lrem("n", -1, 1) == 1 and L(r, "n") == ["1", "2", "1", "3"]
    assert r.lrem("n", 0, "1") == 2 and r.lrem("n", 5, 2) == 1 and r.lrem("n", 1, 3) == 1
    assert r.exists("n") == 0  # removing the last element deletes the key
    assert err(r, "LREM", "l", "x", "a") == "value is not an integer or out of range"
    r.set("s", "v")
    assert err(r, "LREM", "s", 0, "a") == WRONGTYPE


def test_ltrim(small):
    r = small
    want = [str(i) for i in range(20)]
    r.rpush("l", *want)
    assert r.ltrim("l", 3, -3) and L(r) == want[3:18]
    assert r.ltrim("l", -100, 100) and L(r) == want[3:18]
    assert r.ltrim("l", 1, 1) and L(r) == ["4"]
    r.rpush("l", *want)
    assert r.ltrim("l", 5, 2) and r.exists("l") == 0  # empty range deletes the key
    r.rpush("l", *want)
    assert r.ltrim("l", 25, 30) and r.exists("l") == 0
    r.rpush("l", *want)
    assert r.ltrim("l", -5, -1) and L(r) == want[-5:]
    assert r.ltrim("nokey", 0, 1) and r.exists("nokey") == 0
    assert err(r, "LTRIM", "l", "a", 1) == "value is not an integer or out of range"
    assert err(r, "LTRIM", "l", 0, "b") == "value is not an integer or out of range"
    r.set("s", "v")
    assert err(r, "LTRIM", "s", 0, 1) == WRONGTYPE


def test_lpos(small):
    r = small
    r.rpush("l", *"abcabcabcx")
    assert r.lpos("l", "a") == 0 and r.lpos("l", "c") == 2 and r.lpos("l", "zz") is None
    assert r.lpos("l", "a", rank=2) == 3 and r.lpos("l", "a", rank=-1) == 6
    assert r.lpos("l", "a", rank=-3) == 0 and r.lpos("l", "a", rank=4) is None
    assert r.lpos("l", "a", count=0) == [0, 3, 6] and r.lpos("l", "a", count=2) == [0, 3]
    assert r.lpos("l", "a", count=0, rank=-1) == [6, 3, 0]
    assert r.lpos("l", "a", count=2, rank=2) == [3, 6]
    assert r.lpos("l", "a", count=0, maxlen=4) == [0, 3]
    assert r.lpos("l", "c", maxlen=2) is None and r.lpos("l", "x", rank=-1, maxlen=1) == 9
    assert r.lpos("l", "zz", count=5) == []
    assert r.lpos("nokey", "a") is None and r.lpos("nokey", "a", count=1) == []
    assert err(r, "LPOS", "l", "a", "RANK", 0) == (
        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")
    assert err(r, "LPOS", "l", "a", "RANK", "x") == "value is not an integer or out of range"
    assert err(r, "LPOS", "l", "a", "COUNT", -1) == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "COUNT", "x") == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", -1) == "MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "FOO", 1) == "syntax error"
    assert err(r, "LPOS", "l", "a", "RANK") == "syntax error"
    r.set("s", "v")
    assert err(r, "LPOS", "s", "a") == WRONGTYPE


def test_lmove_rpoplpush(small):
    r = small
    r.rpush("src", *"abcdef")
    assert r.lmove("src", "dst", "LEFT", "RIGHT") == b"a"
    assert r.lmove("src", "dst", "RIGHT", "LEFT") == b"f"
    assert L(r, "src") == list("bcde") and L(r, "dst") == list("fa")
    assert r.rpoplpush("src", "dst") == b"e" and L(r, "dst") == list("efa")
    assert r.lmove("src", "src", "LEFT", "RIGHT") == b"b" and L(r, "src") == list("cdb")
    assert r.lmove("src", "src", "RIGHT", "LEFT") == b"b" and L(r, "src") == list("bcd")
    assert r.lmove("src", "src", "LEFT", "LEFT") == b"b" and L(r, "src") == list("bcd")
    assert r.rpoplpush("src", "src") == b"d" and L(r, "src") == list("dbc")
    r.delete("one")
    r.rpush("one", "x")
    assert r.rpoplpush("one", "one") == b"x" and L(r, "one") == ["x"]
    assert r.lmove("one", "other", "LEFT", "LEFT") == b"x" and r.exists("one") == 0
    assert r.lmove("nokey", "dst", "LEFT", "LEFT") is None and r.rpoplpush("nokey", "dst") is None
    big = "y" * 5000
    r.rpush("src", big)
    assert r.lmove("src", "src", "RIGHT", "LEFT") == big.encode() and r.lindex("src", 0) == big.encode()
    r.set("s", "v")
    assert err(r, "LMOVE", "s", "dst", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "LMOVE", "src", "s", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "RPOPLPUSH", "src", "s") == WRONGTYPE
    assert r.lmove("nokey", "s", "LEFT", "LEFT") is None  # missing source: no type check of dst
    assert L(r, "src")[0] == big  # nothing moved on a WRONGTYPE destination
    assert err(r, "LMOVE", "src", "dst", "UP", "LEFT") == "syntax error"
    assert err(r, "LMOVE", "src", "dst", "LEFT", "DOWN") == "syntax error"


def test_lmpop(small):
    r = small
    r.rpush("b", *"abcdefg")
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"a"]]
    assert r.execute_command("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 3) == [b"b", [b"g", b"f", b"e"]]
    assert r.execute_command("LMPOP", 1, "b", "left", "count", 10) == [b"b", [b"b", b"c", b"d"]]
    assert r.exists("b") == 0
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT") is None
    assert err(r, "LMPOP", 0, "a", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", -1, "a", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "x", "a", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", 2, "a", "LEFT") == "syntax error"
    assert err(r, "LMPOP", 1, "a", "UP") == "syntax error"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT", 0) == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT", "x") == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT", 1, "COUNT", 2) == "syntax error"
    assert err(r, "LMPOP", 1, "a", "LEFT", "COUNT") == "syntax error"
    assert err(r, "LMPOP", 1, "a", "LEFT", "FOO") == "syntax error"
    assert err(r, "LMPOP", 1, "a") == "wrong number of arguments for 'lmpop' command"
    r.set("s", "v")
    r.rpush("l", "x")
    assert err(r, "LMPOP", 2, "s", "l", "LEFT") == WRONGTYPE
    assert r.execute_command("LMPOP", 2, "l", "s", "LEFT") == [b"l", [b"x"]]


def test_new_commands_in_command_table(c):
    assert c.call("COMMAND", "GETKEYS", "LMPOP", 2, "k1", "k2", "LEFT") == [b"k1", b"k2"]
    info = c.call("COMMAND", "INFO", "linsert", "lpos", "lmpop", "rpoplpush")
    by = {x[0]: x for x in info}
    assert by[b"linsert"][1] == 5 and b"denyoom" in by[b"linsert"][2]
    assert by[b"lpos"][1] == -3 and by[b"lpos"][2] == [b"readonly"]
    assert by[b"lmpop"][1] == -4 and b"movablekeys" in by[b"lmpop"][2]
    assert by[b"rpoplpush"][3:6] == [1, 2, 1]


def test_dirty_counts_changes(r):
    def dirty():
        return r.info("persistence")["rdb_changes_since_last_save"]
    r.rpush("l", *"abcabc")
    d = dirty()
    r.lrem("l", 0, "a")
    assert dirty() == d + 2
    r.ltrim("l", 1, -1)
    assert dirty() == d + 3
    r.linsert("l", "before", "b", "z")
    r.lset("l", 0, "q")
    r.lmove("l", "m", "left", "left")
    assert dirty() == d + 6


def lpos_model(model, v, rank, count, maxlen):
    """LPOS over a Python list: indexes of the matches, as Redis counts them."""
    idx = range(len(model)) if rank > 0 else range(len(model) - 1, -1, -1)
    out, seen = [], 0
    for n, i in enumerate(idx):
        if maxlen and n >= maxlen:
            break
        if model[i] == v:
            seen += 1
            if seen >= abs(rank):
                out.append(i)
                if count is None or (count and len(out) >= count):
                    break
    return out


@pytest.mark.parametrize("fill", [3, -1])
def test_random_ops_vs_model(r, fill):
    rnd = random.Random(3 + fill)
    r.config_set("list-max-listpack-size", fill)
    vals = [str(i) for i in range(-5, 5)] + ["a", "b", "x" * 700, "y" * 1500]
    try:
        models = {"m": [], "n": []}
        for step in range(3000):
            op = rnd.random()
            k = rnd.choice("mmmn")
            model = models[k]
            v = rnd.choice(vals) if rnd.random() < 0.7 else "e%d" % step
            if op < 0.15:
                r.lpush(k, v)
                model.insert(0, v.encode())
            elif op < 0.3:
                r.rpush(k, v)
                model.append(v.encode())
            elif op < 0.37:
                got = r.lpop(k)
                assert got == (model.pop(0) if model else None)
            elif op < 0.44:
                got = r.rpop(k)
                assert got == (model.pop() if model else None)
            elif op < 0.5:
                a, b = rnd.randrange(-30, 30), rnd.randrange(-30, 30)
                got = r.lrange(k, a, b)
                n = len(model)  # Redis's range rule
                s = a + n if a < 0 else a
                e = b + n if b < 0 else b
                s = max(s, 0)
                e = min(e, n - 1)
                assert got == (model[s:e + 1] if s <= e else []), (a, b)
            elif op < 0.58:
                where = rnd.choice(["BEFORE", "AFTER"])
                pivot = rnd.choice(vals).encode()
                got = r.linsert(k, where, pivot, v)
                if not model:
                    assert got == 0
                elif pivot not in model:
                    assert got == -1
                else:
                    i = model.index(pivot)
                    model.insert(i if where == "BEFORE" else i + 1, v.encode())
                    assert got == len(model)
            elif op < 0.63:
                if model:
                    i = rnd.randrange(-len(model), len(model))
                    assert r.lset(k, i, v)
                    model[i] = v.encode()
            elif op < 0.7:
                cnt = rnd.randrange(-3, 4)
                target = rnd.choice(vals).encode()
                idx = [i for i, x in enumerate(model) if x == target]
                if cnt < 0:
                    idx = idx[::-1][:-cnt]
                elif cnt > 0:
                    idx = idx[:cnt]
                assert r.lrem(k, cnt, target) == len(idx)
                for i in sorted(idx, reverse=True):
                    del model[i]
            elif op < 0.74:
                a, b = rnd.randrange(-15, 15), rnd.randrange(-15, 15)
                assert r.ltrim(k, a, b)
                n = len(model)
                s = a + n if a < 0 else a
                e = b + n if b < 0 else b
                s = max(s, 0)
                e = min(e, n - 1)
                model[:] = model[s:e + 1] if s <= e else []
            elif op < 0.82:
                target = rnd.choice(vals).encode()
                rank = rnd.choice([1, 2, -1, -2, 3])
                maxlen = rnd.choice([0, 0, 3, 10])
                count = rnd.choice([None, 0, 1, 2])
                want = lpos_model(model, target, rank, count, maxlen)
                got = r.lpos(k, target, rank=rank, count=count, maxlen=maxlen)
                if count is None:
                    assert got == (want[0] if want else None)
                else:
                    assert got == want
            elif op < 0.9:
                d = rnd.choice("mn")
                wf, wt = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
                got = r.lmove(k, d, wf, wt)
                if not model:
                    assert got is None
                else:
                    x = model.pop(0) if wf == "LEFT" else model.pop()
                    assert got == x
                    if wt == "LEFT":
                        models[d].insert(0, x)
                    else:
                        models[d].append(x)
            else:
                cnt = rnd.randrange(1, 4)
                where = rnd.choice(["LEFT", "RIGHT"])
                other = "n" if k == "m" else "m"
                got = r.execute_command("LMPOP", 2, k, other, where, "COUNT", cnt)
                src = k if model else (other if models[other] else None)
                if src is None:
                    assert got is None
                else:
                    mm = models[src]
                    if where == "LEFT":
                        want, mm[:] = mm[:cnt], mm[cnt:]
                    else:
                        want = mm[::-1][:cnt]
                        del mm[max(len(mm) - cnt, 0):]
                    assert got == [src.encode(), want]
            for name, mm in models.items():
                assert r.llen(name) == len(mm) and r.exists(name) == (1 if mm else 0), (step, op)
        for name, mm in models.items():
            assert r.lrange(name, 0, -1) == mm
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_pop_too_many_arguments(r):
    assert err(r, "LPOP", "l", 1, 1) == "wrong number of arguments for 'lpop' command"
    assert err(r, "RPOP", "l", 1, 1) == "wrong number of arguments for 'rpop' command"
