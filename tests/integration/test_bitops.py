"""Bit commands: SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD, their errors,
and random BITFIELD operations checked against a Python model."""
import random

import pytest
import redis


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_setbit_getbit(r):
    assert r.setbit("k", 7, 1) == 0
    assert r.get("k") == b"\x01"
    assert r.setbit("k", 7, 0) == 1
    assert r.setbit("k", 0, 1) == 0
    assert r.get("k") == b"\x80"
    assert r.getbit("k", 0) == 1
    assert r.getbit("k", 1) == 0
    assert r.getbit("k", 1000) == 0
    assert r.getbit("missing", 5) == 0
    assert r.setbit("g", 100, 1) == 0
    assert r.strlen("g") == 13
    assert err(r, "SETBIT", "k", "-1", "1") == "bit offset is not an integer or out of range"
    assert err(r, "SETBIT", "k", "4294967296000", "1") == \
        "bit offset is not an integer or out of range"
    assert err(r, "SETBIT", "k", "1", "2") == "bit is not an integer or out of range"
    assert err(r, "SETBIT", "k", "1", "-1") == "bit is not an integer or out of range"
    assert err(r, "GETBIT", "k", "x") == "bit offset is not an integer or out of range"


def test_setbit_on_int_encoded(r):
    r.set("n", 1)  # "1" = 0x31
    r.setbit("n", 6, 1)  # 0x33 = "3"
    assert r.get("n") == b"3"


def test_bitcount(r):
    r.set("k", "foobar")
    assert r.bitcount("k") == 26
    assert r.bitcount("k", 0, 0) == 4
    assert r.bitcount("k", 1, 1) == 6
    assert r.bitcount("k", -2, -1) == 7
    assert r.bitcount("k", 5, 30, "BIT") == 17
    assert r.bitcount("k", 1, 1, "BYTE") == 6
    assert r.bitcount("k", -1, -5) == 0
    assert r.bitcount("missing") == 0
    assert err(r, "BITCOUNT", "k", "0") == "syntax error"
    assert err(r, "BITCOUNT", "k", "0", "1", "WORD") == "syntax error"
    assert err(r, "BITCOUNT", "k", "a", "1") == "value is not an integer or out of range"


def bits_model_count(data, start, end):
    return sum(bin(b).count("1") for b in data[start:end + 1])


def test_bitcount_random(r):
    rnd = random.Random(7)
    for _ in range(50):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
        r.set("k", data)
        s, e = sorted((rnd.randrange(len(data)), rnd.randrange(len(data))))
        assert r.bitcount("k", s, e) == bits_model_count(data, s, e)
        bits = "".join(format(b, "08b") for b in data)
        bs, be = sorted((rnd.randrange(len(bits)), rnd.randrange(len(bits))))
        assert r.bitcount("k", bs, be, "BIT") == bits[bs:be + 1].count("1")


def test_bitpos(r):
    r.set("k", b"\xff\xf0\x00")
    assert r.bitpos("k", 0) == 12
    r.set("k", b"\x00\xff\xf0")
    assert r.bitpos("k", 1, 0) == 8
    assert r.bitpos("k", 1, 2) == 16
    assert r.bitpos("k", 1, 2, -1, "BYTE") == 16
    assert r.bitpos("k", 1, 7, 15, "BIT") == 8
    r.set("ones", b"\xff\xff\xff")
    assert r.bitpos("ones", 0) == 24  # the zero padding after the string
    assert r.bitpos("ones", 0, 0, -1) == -1  # an explicit end forbids it
    r.set("zeros", b"\x00\x00")
    assert r.bitpos("zeros", 1) == -1
    assert r.bitpos("missing", 0) == 0
    assert r.bitpos("missing", 1) == -1
    assert err(r, "BITPOS", "k", "2") == "The bit argument must be 1 or 0."
    assert err(r, "BITPOS", "k", "1", "0", "1", "BAD") == "syntax error"


def test_bitop(r):
    r.set("a", b"\xff\x0f")
    r.set("b", b"\x0f")
    assert r.bitop("AND", "d", "a", "b") == 2
    assert r.get("d") == b"\x0f\x00"
    assert r.bitop("OR", "d", "a", "b") == 2
    assert r.get("d") == b"\xff\x0f"
    assert r.bitop("XOR", "d", "a", "b") == 2
    assert r.get("d") == b"\xf0\x0f"
    assert r.bitop("NOT", "d", "a") == 2
    assert r.get("d") == b"\x00\xf0"
    assert r.bitop("AND", "d", "missing1", "missing2") == 0
    assert r.exists("d") == 0
    assert r.bitop("OR", "a", "a", "b") == 2  # destination among the sources
    assert r.get("a") == b"\xff\x0f"
    assert err(r, "BITOP", "NOT", "d", "a", "b") == \
        "BITOP NOT must be called with a single source key."
    assert err(r, "BITOP", "NAND", "d", "a") == "syntax error"
    r.sadd("set", "m")
    assert err(r, "BITOP", "AND", "d", "a", "set") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert err(r, "SETBIT", "set", "1", "1") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert err(r, "BITCOUNT", "set") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_bitfield_basic(r):
    assert r.execute_command("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0") == [0, 255]
    assert r.execute_command("BITFIELD", "k", "INCRBY", "u8", "0", "10") == [9]  # wraps
    assert r.execute_command("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300") == [255]
    assert r.execute_command("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1") == [None]
    assert r.execute_command("BITFIELD", "k", "SET", "i8", "#1", "-1", "GET", "i8", "#1") == [0, -1]
    assert r.execute_command("BITFIELD", "k", "GET", "u4", "8") == [15]
    assert r.execute_command("BITFIELD", "missing", "GET", "i16", "0") == [0]
    assert r.exists("missing") == 0
    assert r.execute_command("BITFIELD_RO", "k", "GET", "u8", "0") == [255]
    assert r.execute_command("BITFIELD", "k") == []
    assert err(r, "BITFIELD", "k", "GET", "u64", "0") == (
        "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
        "i64 is.")
    assert err(r, "BITFIELD", "k", "GET", "i65", "0").startswith("Invalid bitfield type")
    assert err(r, "BITFIELD", "k", "GET", "u8", "-1") == \
        "bit offset is not an integer or out of range"
    assert err(r, "BITFIELD", "k", "OVERFLOW", "MAYBE") == "Invalid OVERFLOW type specified"
    assert err(r, "BITFIELD", "k", "SET", "u8", "0", "x") == \
        "value is not an integer or out of range"
    assert err(r, "BITFIELD", "k", "FOO") == "syntax error"
    assert err(r, "BITFIELD_RO", "k", "SET", "u8", "0", "1") == \
        "BITFIELD_RO only supports the GET subcommand"


class BitModel:
    def __init__(self):
        self.bits = []

    def get(self, sign, width, off):
        v = 0
        for i in range(width):
            p = off + i
            v = (v << 1) | (self.bits[p] if p < len(self.bits) else 0)
        if sign and v >> (width - 1):
            v -= 1 << width
        return v

    def put(self, width, off, v):
        need = ((off + width + 7) // 8) * 8
        if len(self.bits) < need:
            self.bits += [0] * (need - len(self.bits))
        v &= (1 << width) - 1
        for i in range(width):
            self.bits[off + i] = (v >> (width - 1 - i)) & 1

    def apply(self, sign, width, value, ow):
        lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if sign else (0, (1 << width) - 1)
        if lo <= value <= hi:
            return value
        if ow == "FAIL":
            return None
        if ow == "SAT":
            return hi if value > hi else lo
        v = value & ((1 << width) - 1)
        if sign and v >> (width - 1):
            v -= 1 << width
        return v


def test_bitfield_random_vs_model(r):
    rnd = random.Random(11)
    m = BitModel()
    for step in range(400):
        sign = rnd.random() < 0.5
        width = rnd.randrange(1, 65 if sign else 64)
        off = rnd.randrange(0, 200)
        t = ("i" if sign else "u") + str(width)
        ow = rnd.choice(["WRAP", "SAT", "FAIL"])
        op = rnd.choice(["GET", "SET", "INCRBY"])
        if op == "GET":
            got = r.execute_command("BITFIELD", "k", "GET", t, off)
            assert got == [m.get(sign, width, off)], (step, t, off)
            continue
        arg = rnd.randrange(-(1 << 63), 1 << 63) if rnd.random() < 0.3 else rnd.randrange(-300, 300)
        got = r.execute_command("BITFIELD", "k", "OVERFLOW", ow, op, t, off, arg)
        old = m.get(sign, width, off)
        if op == "SET":
            src = arg if sign else arg & ((1 << 64) - 1)  # unsigned takes the bits
            new = m.apply(sign, width, src, ow)
            want = None if new is None else old
        else:
            new = m.apply(sign, width, old + arg, ow)
            want = new
        if new is not None:
            m.put(width, off, new)
        assert got == [want], (step, op, t, off, arg, ow)
    data = r.get("k")
    bits = "".join(format(b, "08b") for b in data)
    assert bits == "".join(str(b) for b in m.bits[:len(bits)])


def test_setbit_unchanged_bit_touches_nothing(server):
    """SETBIT that leaves the bit as it was is not a change: a WATCH on the
    key survives it (Redis 7.0); a real change breaks the WATCH."""
    r = server.client()
    r.flushall()
    r.setbit("bits", 5, 1)
    w = server.client()
    p = w.pipeline()
    p.watch("bits")
    assert r.setbit("bits", 5, 1) == 1  # unchanged
    p.multi()
    p.get("bits")
    assert p.execute() == [r.get("bits")]  # the transaction ran
    p = w.pipeline()
    p.watch("bits")
    assert r.setbit("bits", 5, 0) == 1  # changed
    p.multi()
    p.get("bits")
    with pytest.raises(redis.WatchError):
        p.execute()
