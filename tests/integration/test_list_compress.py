"""list-compress-depth: lists whose interior nodes are LZF-compressed.

Every list command is run on long lists (many nodes; compressible,
incompressible and integer elements; elements bigger than a node) at depths
1, 2 and 3 and checked against a Python list. Memory: a compressible list
takes much less with compression (MEMORY USAGE, used_memory). Settings: a
list keeps the depth it was created with, as in Redis 7.0; a loaded list
takes the current one. Persistence: DUMP/RESTORE, DEBUG RELOAD and SAVE +
restart round trips. (The sanitizer build also checks the compression
invariant itself after every list write: see src/types/t_list.c.)"""
import random
import threading
import time

import pytest

from conftest import Server


@pytest.fixture
def cfg(r):
    """A flushed client; the list settings go back to their defaults after."""
    yield r
    r.config_set("list-compress-depth", 0)
    r.config_set("list-max-listpack-size", -2)


def compressible(i, size=None):
    size = size if size is not None else 20 + i % 60
    return (f"element-{i}-" + "abcdefgh" * (size // 8 + 1))[:max(size, 12)].encode()


def incompressible(rng, size):
    return bytes(rng.getrandbits(8) for _ in range(size))


def make_element(rng, i):
    """A mix: mostly compressible text, some random bytes, integers, and
    now and then an element bigger than a default (8 KB) node."""
    k = rng.random()
    if k < 0.55:
        return compressible(i)
    if k < 0.75:
        return incompressible(rng, rng.randint(5, 90))
    if k < 0.9:
        return str(rng.randint(-10**12, 10**12)).encode()
    if k < 0.95:
        return compressible(i, rng.randint(9000, 20000))  # a node of its own, compresses
    return incompressible(rng, rng.randint(9000, 12000))  # a node of its own, does not


def check_all(r, key, model):
    assert r.llen(key) == len(model)
    assert r.lrange(key, 0, -1) == model
    if model:
        assert r.object("encoding", key) == b"quicklist"
    else:
        assert r.exists(key) == 0


def run_random_ops(r, rng, model, other, steps, key="l", okey="o"):
    """Random list commands on key (and okey) checked against the models."""
    def pick():
        if model and rng.random() < 0.6:
            return rng.choice(model)
        return make_element(rng, rng.randint(0, 10**6))

    for step in range(steps):
        op = rng.randrange(17)
        n = len(model)
        if op == 0:
            els = [make_element(rng, rng.randint(0, 10**6)) for _ in range(rng.randint(1, 20))]
            assert r.lpush(key, *els) == n + len(els)
            model[:0] = els[::-1]
        elif op == 1:
            els = [make_element(rng, rng.randint(0, 10**6)) for _ in range(rng.randint(1, 20))]
            assert r.rpush(key, *els) == n + len(els)
            model.extend(els)
        elif op == 2:
            cnt = rng.randint(1, 5)
            got = r.lpop(key, cnt)
            assert got == (model[:cnt] if model else None)
            del model[:cnt]
        elif op == 3:
            got = r.rpop(key)
            assert got == (model.pop() if model else None)
        elif op == 4 and n:
            i = rng.randint(-n, n - 1)
            assert r.lindex(key, i) == model[i]
        elif op == 5 and n:
            a = rng.randint(-n - 3, n + 3)
            b = rng.randint(-n - 3, n + 3)
            s, e = (a + n if a < 0 else a), (b + n if b < 0 else b)
            s = max(s, 0)
            want = [] if s > e or s >= n else model[s:min(e, n - 1) + 1]
            assert r.lrange(key, a, b) == want
        elif op == 6 and n:
            i = rng.randint(-n, n - 1)
            v = make_element(rng, rng.randint(0, 10**6))
            assert r.lset(key, i, v)
            model[i] = v
        elif op == 7 and n:
            pivot = pick()
            v = make_element(rng, rng.randint(0, 10**6))
            where = rng.choice(["BEFORE", "AFTER"])
            got = r.linsert(key, where, pivot, v)
            if pivot in model:
                j = model.index(pivot)
                model.insert(j + (where == "AFTER"), v)
                assert got == len(model)
            else:
                assert got == -1
        elif op == 8 and n:
            v = pick()
            cnt = rng.choice([0, 1, 2, -1, -2, 5])
            got = r.lrem(key, cnt, v)
            idx = [j for j, x in enumerate(model) if x == v]
            if cnt > 0:
                idx = idx[:cnt]
            elif cnt < 0:
                idx = idx[cnt:]
            for j in reversed(idx):
                del model[j]
            assert got == len(idx)
        elif op == 9 and n and rng.random() < 0.3:
            a = rng.randint(0, max(n // 10, 1))
            b = rng.randint(-max(n // 10, 1), -1)
            assert r.ltrim(key, a, b)
            model[:] = model[a:n + b + 1] if a <= n + b else []
        elif op == 10 and n:
            v = pick()
            rank = rng.choice([1, 2, -1, -2])
            want_all = [j for j, x in enumerate(model) if x == v]
            if rank < 0:
                want_all = want_all[::-1]
            assert r.lpos(key, v, rank=rank, count=0) == want_all[abs(rank) - 1:]
            maxlen = rng.randint(1, n)
            lim = [j for j in want_all if (j < maxlen if rank > 0 else j >= n - maxlen)]
            assert r.lpos(key, v, rank=rank, maxlen=maxlen) == \
                (lim[abs(rank) - 1] if len(lim) >= abs(rank) else None)
        elif op == 11 and n:
            src_left = rng.random() < 0.5
            dst_left = rng.random() < 0.5
            got = r.lmove(key, okey, "LEFT" if src_left else "RIGHT",
                          "LEFT" if dst_left else "RIGHT")
            v = model.pop(0) if src_left else model.pop()
            assert got == v
            if dst_left:
                other.insert(0, v)
            else:
                other.append(v)
        elif op == 12 and n:
            # rotation within the list
            got = r.rpoplpush(key, key)
            v = model.pop()
            model.insert(0, v)
            assert got == v
        elif op == 13 and other:
            got = r.lmove(okey, key, "RIGHT", "LEFT")
            v = other.pop()
            model.insert(0, v)
            assert got == v
        elif op == 14 and n:
            got = r.execute_command("LMPOP", 2, "missing", key, "RIGHT", "COUNT", 3)
            want = model[-3:][::-1]
            del model[-3:]
            assert got == [key.encode(), want]
        elif op == 15 and n:
            got = r.blpop([key], timeout=1)
            assert list(got) == [key.encode(), model.pop(0)]
        elif op == 16 and n:
            got = r.execute_command("BLMOVE", key, okey, "RIGHT", "LEFT", 1)
            v = model.pop()
            other.insert(0, v)
            assert got == v
        if step % 25 == 0:
            check_all(r, key, model)
            check_all(r, okey, other)
    check_all(r, key, model)
    check_all(r, okey, other)


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("fill", [-2, 8, -1])
def test_random_ops_match_model(cfg, depth, fill):
    r = cfg
    r.config_set("list-compress-depth", depth)
    r.config_set("list-max-listpack-size", fill)
    rng = random.Random(depth * 100 + fill)
    model = [make_element(rng, i) for i in range(1500)]
    for j in range(0, len(model), 100):
        r.rpush("l", *model[j:j + 100])
    check_all(r, "l", model)
    other = []
    run_random_ops(r, rng, model, other, 400)
    # reads from both ends and every index of a long compressed list
    if model:
        for i in list(range(0, len(model), 37)) + [-1, -2, -len(model)]:
            assert r.lindex("l", i) == model[i]
        assert r.lrange("l", -30, -1) == model[-30:]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_every_command_on_compressed_list(cfg, depth):
    r = cfg
    r.config_set("list-compress-depth", depth)
    r.config_set("list-max-listpack-size", 16)
    model = [compressible(i) for i in range(2000)]
    r.rpush("l", *model)
    # reads in the middle
    assert r.lindex("l", 1000) == model[1000] and r.lindex("l", -1001) == model[-1001]
    assert r.lrange("l", 990, 1010) == model[990:1011]
    assert r.lpos("l", model[1500]) == 1500
    assert r.lpos("l", model[3], rank=-1) == 3
    # LSET in the middle, with a small and a big element
    big = b"B" * 30000
    r.lset("l", 1000, "changed")
    r.lset("l", 1200, big)
    model[1000] = b"changed"
    model[1200] = big
    assert r.lrange("l", 995, 1205) == model[995:1206]
    # LINSERT before/after a middle pivot
    assert r.linsert("l", "BEFORE", model[700], "ins-before") == 2001
    model.insert(700, b"ins-before")
    assert r.linsert("l", "AFTER", model[1300], big) == 2002
    model.insert(1301, big)
    # LREM from the head, from the tail, everything
    r.rpush("l", *[b"dup"] * 5)
    model.extend([b"dup"] * 5)
    r.linsert("l", "AFTER", model[500], "dup")
    model.insert(501, b"dup")
    assert r.lrem("l", 1, "dup") == 1
    model.remove(b"dup")
    assert r.lrem("l", -2, "dup") == 2
    del model[-2:]
    assert r.lrem("l", 0, big) == 2
    model = [x for x in model if x != big]
    assert r.lrange("l", 0, -1) == model
    # LTRIM from both sides
    r.ltrim("l", 100, -100)
    model = model[100:len(model) - 99]
    assert r.lrange("l", 0, -1) == model
    # LMOVE and RPOPLPUSH between lists and within one
    for _ in range(50):
        assert r.lmove("l", "m", "LEFT", "RIGHT") == model.pop(0)
    assert r.rpoplpush("l", "l") == model[-1]
    model.insert(0, model.pop())
    assert r.lrange("l", 0, -1) == model
    # SORT (ALPHA, BY nosort with LIMIT, STORE), COPY, RENAME
    assert r.sort("l", alpha=True) == sorted(model)
    assert r.sort("l", by="nosort", start=10, num=5) == model[10:15]
    assert r.sort("l", alpha=True, store="sorted") == len(model)
    assert r.lrange("sorted", 0, -1) == sorted(model)
    # as in Redis 7.0, SORT ... STORE creates its list without compression
    assert r.memory_usage("sorted") > 1.5 * r.memory_usage("l")
    assert r.copy("l", "copy")
    assert r.lrange("copy", 0, -1) == model
    r.rpush("copy", "only-in-copy")
    assert r.lrange("l", -1, -1) == model[-1:]
    assert r.rename("copy", "renamed")
    assert r.lrange("renamed", 0, -1) == model + [b"only-in-copy"]
    # pops from both ends down to nothing
    half = len(model) // 2
    assert r.lpop("l", half) == model[:half]
    assert r.rpop("l", len(model) - half) == model[half:][::-1]
    assert r.exists("l") == 0


def test_blocked_pops_on_compressed_lists(cfg, server):
    r = cfg
    r.config_set("list-compress-depth", 1)
    r.config_set("list-max-listpack-size", 8)
    model = [compressible(i) for i in range(500)]
    result = {}

    def waiter(name, *args):
        c = server.client()
        result[name] = c.execute_command(*args)
        c.close()

    threads = [threading.Thread(target=waiter, args=("blpop", "BLPOP", "l", 5)),
               threading.Thread(target=waiter, args=("brpop", "BRPOP", "l", 5)),
               threading.Thread(target=waiter, args=("blmove", "BLMOVE", "l", "dst", "RIGHT",
                                                      "LEFT", 5)),
               threading.Thread(target=waiter, args=("blmpop", "BLMPOP", 5, 1, "l", "LEFT",
                                                      "COUNT", 3))]
    for i, t in enumerate(threads):  # blocked one after the other: served in that order
        t.start()
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] < i + 1 and time.time() < deadline:
            time.sleep(0.01)
    r.rpush("l", *model)  # one push serves all four, in order
    for t in threads:
        t.join()
    assert list(result["blpop"]) == [b"l", model[0]]
    assert list(result["brpop"]) == [b"l", model[-1]]
    assert result["blmove"] == model[-2]
    assert result["blmpop"] == [b"l", model[1:4]]
    assert r.lrange("l", 0, -1) == model[4:-2]
    assert r.lrange("dst", 0, -1) == [model[-2]]


def fill_compressible(r, key, n, start=0):
    p = r.pipeline(transaction=False)
    for j in range(start, start + n, 500):
        p.rpush(key, *[compressible(i) for i in range(j, min(j + 500, start + n))])
    p.execute()


def test_memory_drops_with_compression(cfg):
    r = cfg
    fill_compressible(r, "plain", 20000)
    r.config_set("list-compress-depth", 1)
    fill_compressible(r, "packed", 20000)
    assert r.lrange("plain", 0, -1) == r.lrange("packed", 0, -1)
    plain, packed = r.memory_usage("plain"), r.memory_usage("packed")
    assert packed < plain * 0.5, (plain, packed)
    # used_memory follows: deleting each list frees about its MEMORY USAGE
    before = r.info("memory")["used_memory"]
    r.delete("packed")
    freed_packed = before - r.info("memory")["used_memory"]
    before = r.info("memory")["used_memory"]
    r.delete("plain")
    freed_plain = before - r.info("memory")["used_memory"]
    assert freed_packed < freed_plain * 0.5, (freed_plain, freed_packed)
    assert abs(freed_packed - packed) < packed * 0.2 + 4096, (freed_packed, packed)


def test_incompressible_elements_stay_raw(cfg):
    r = cfg
    rng = random.Random(7)
    els = [incompressible(rng, 60) for _ in range(3000)]
    r.rpush("plain", *els)
    r.config_set("list-compress-depth", 1)
    r.rpush("packed", *els)
    # nothing gains: no compressed node, the same size (but for the key names)
    assert abs(r.memory_usage("packed") - r.memory_usage("plain")) < 16
    assert r.lrange("packed", 0, -1) == els
    for _ in range(200):  # pushes and pops keep working (no retry loop)
        r.lpush("packed", els[0])
        r.rpop("packed")


def test_depth_is_fixed_when_a_list_is_created(cfg):
    r = cfg
    # created at depth 0: stays uncompressed after the setting changes
    fill_compressible(r, "old", 10000)
    r.config_set("list-compress-depth", 1)
    fill_compressible(r, "old", 10000, start=10000)
    fill_compressible(r, "new", 20000)
    old, new = r.memory_usage("old"), r.memory_usage("new")
    assert new < old * 0.5, (old, new)
    # created at depth 1: stays compressed after the setting goes back to 0
    r.config_set("list-compress-depth", 0)
    fill_compressible(r, "new", 1000, start=20000)
    r.lset("new", 5000, "x")
    assert r.memory_usage("new") < old * 0.5
    fill_compressible(r, "fresh", 21000)
    assert r.memory_usage("fresh") > old * 0.9
    # LMOVE creating its destination takes the setting of the moment
    r.config_set("list-compress-depth", 2)
    r.lmove("old", "moved", "LEFT", "LEFT")
    # a copy keeps its source's depth
    assert r.copy("old", "old-copy") and r.copy("new", "new-copy")
    assert abs(r.memory_usage("old-copy") - r.memory_usage("old")) < 64
    assert abs(r.memory_usage("new-copy") - r.memory_usage("new")) < 64
    # a loaded list takes the setting of the moment: now everything compresses
    contents = {k: r.lrange(k, 0, -1) for k in ("old", "new", "fresh", "old-copy", "new-copy")}
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    for k, v in contents.items():
        assert r.lrange(k, 0, -1) == v
        assert r.memory_usage(k) < old * 0.5, k


def test_dump_restore_round_trip(cfg):
    r = cfg
    rng = random.Random(3)
    r.config_set("list-compress-depth", 2)
    r.config_set("list-max-listpack-size", 32)
    model = [make_element(rng, i) for i in range(3000)]
    r.rpush("l", *model)
    payload = r.dump("l")
    # restored under compression and without: the same elements
    r.restore("a", 0, payload)
    r.config_set("list-compress-depth", 0)
    r.restore("b", 0, payload)
    assert r.lrange("a", 0, -1) == model and r.lrange("b", 0, -1) == model
    assert r.memory_usage("a") < r.memory_usage("b")
    # a payload of an uncompressed list restored under compression
    r.config_set("list-compress-depth", 1)
    r.restore("c", 0, r.dump("b"))
    assert r.lrange("c", 0, -1) == model
    assert r.dump("c") == r.dump("b") == payload  # the same bytes either way
    # a restored compressed list takes every command
    other = []
    run_random_ops(r, rng, model, other, 150, key="c", okey="co")


def close_to(a, b):
    return abs(a - b) <= b * 0.01 + 64


def test_debug_reload_and_restart(cfg, make_server):
    r = cfg
    r.config_set("list-compress-depth", 1)
    r.config_set("list-max-listpack-size", -1)
    rng = random.Random(11)
    model = [make_element(rng, i) for i in range(4000)]
    for j in range(0, len(model), 500):
        r.rpush("l", *model[j:j + 500])
    used = r.memory_usage("l")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.lrange("l", 0, -1) == model
    assert close_to(r.memory_usage("l"), used)

    args = ["--list-compress-depth", "3", "--list-max-listpack-size", "64"]
    s = make_server(args=args)
    c = s.client()
    fill_compressible(c, "big", 30000)
    c.rpush("mixed", *model)
    big, mixed = c.lrange("big", 0, -1), c.lrange("mixed", 0, -1)
    size = c.memory_usage("big")
    assert c.save()
    c.close()
    s.kill()
    # restarted with the same setting: the same contents and size
    again = Server(dir=s.dir, args=args)
    try:
        c = again.client()
        assert c.lrange("big", 0, -1) == big and c.lrange("mixed", 0, -1) == mixed
        assert close_to(c.memory_usage("big"), size)
        c.close()
    finally:
        again.kill()
    # restarted without compression: the same contents, uncompressed
    third = Server(dir=s.dir, args=["--list-max-listpack-size", "64"])
    try:
        c = third.client()
        assert c.lrange("big", 0, -1) == big and c.lrange("mixed", 0, -1) == mixed
        assert c.memory_usage("big") > size * 2
        c.close()
    finally:
        assert third.stop() == 0


def test_lazy_free_of_compressed_list(cfg):
    r = cfg
    r.config_set("list-compress-depth", 1)
    r.config_set("list-max-listpack-size", 8)
    fill_compressible(r, "l", 20000)
    base = r.info("memory")
    assert r.unlink("l") == 1
    deadline = time.time() + 5
    while r.info("memory")["lazyfree_pending_objects"] and time.time() < deadline:
        time.sleep(0.01)
    after = r.info("memory")
    assert after["lazyfreed_objects"] == base["lazyfreed_objects"] + 1
    assert after["used_memory"] < base["used_memory"]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_splits_near_the_ends(cfg, depth):
    """LSET of a big element and LINSERT into full nodes split a node into
    up to three inside an end zone, pushing the zone's other nodes inward
    (the sanitizer build checks each lands compressed)."""
    r = cfg
    r.config_set("list-compress-depth", depth)
    model = [compressible(i, 100) for i in range(1200)]  # about 15 nodes of 8 KB
    r.rpush("l", *model)
    n = len(model)
    for i in (1, 40, 85, 120, 200, n - 2, n - 41, n - 100, n - 200, 0, n - 1):
        r.lset("l", i, b"L" * 9000)
        model[i] = b"L" * 9000
        assert r.lrange("l", 0, -1) == model
    for i in (30, 120, 170, 250, 400):
        for where, j in (("BEFORE", i), ("AFTER", -i)):
            pivot = model[j]
            r.linsert("l", where, pivot, compressible(10**6 + i, 100))
            k = model.index(pivot)
            model.insert(k + (where == "AFTER"), compressible(10**6 + i, 100))
            assert r.lrange("l", 0, -1) == model
    while model:  # and back to nothing from both ends
        assert r.lpop("l") == model.pop(0)
        if model:
            assert r.rpop("l") == model.pop()
    assert r.exists("l") == 0
