/* Unit tests for src/persist/rdb.c: the byte forms of lengths and strings
 * (integers, LZF), every value type written and read back in each of its
 * encodings, the encoding a loaded value gets under the limits, the old
 * encodings (ziplist, zipmap, text doubles), malformed values refused
 * (truncation at every byte, duplicates, NaN, bad blobs, lying lengths),
 * and whole files (TTLs, databases, checksum, versions, unsupported
 * opcodes, duplicate keys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/crc64.h"
#include "base/intset.h"
#include "base/listpack.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/db.h"
#include "core/object.h"
#include "core/sbuf.h"
#include "persist/rdb.h"
#include "types/types.h"
#include "types/t_hash.h"
#include "types/t_list.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    obj_init_shared();
    types_init();
    return 0;
}

static int teardown(void **state)
{
    obj_free_shared();
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Loads a value of type from b (which holds just the value). */
static struct obj *load(const struct sbuf *b, int type, struct rdb_in *in,
                        const struct rdb_limits *lim)
{
    memset(in, 0, sizeof *in);
    in->p = (const uint8_t *)b->p;
    in->len = b->len;
    in->lim = lim;
    struct obj *o = rdb_load_value(in, type);
    if (o) assert_int_equal(in->pos, in->len);
    else assert_true(in->err[0] != '\0');
    if (getenv("RDB_TEST_VERBOSE") && !o) fprintf(stderr, "load: %s\n", in->err);
    return o;
}

/* Writes o, reads it back, checks the type byte. */
static struct obj *roundtrip(const struct obj *o, bool compress, const struct rdb_limits *lim)
{
    struct sbuf b = {0};
    rdb_put_value(&b, o, compress);
    struct rdb_in in;
    struct obj *r = load(&b, rdb_value_type(o), &in, lim);
    if (!r) fail_msg("load failed: %s", in.err);
    sbuf_free(&b);
    return r;
}

/* Every prefix of a valid value is refused, without reading past it. */
static void truncations_refused(const struct sbuf *b, int type)
{
    for (size_t cut = 0; cut < b->len; cut++) {
        uint8_t *copy = mem_alloc(cut ? cut : 1);
        memcpy(copy, b->p, cut);
        struct rdb_in in = {.p = copy, .len = cut};
        struct obj *o = rdb_load_value(&in, type);
        if (o) fail_msg("prefix of %zu/%zu bytes accepted", cut, b->len);
        assert_true(in.err[0] != '\0');
        mem_free(copy);
    }
}

static void put_raw(struct sbuf *b, const void *p, size_t n) { sbuf_cat(b, p, n); }

/* A string written as plain length + bytes (never int or LZF). */
static void put_plain_str(struct sbuf *b, const void *p, size_t n)
{
    rdb_put_len(b, n);
    put_raw(b, p, n);
}

static void put_double(struct sbuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    unsigned char buf[8];
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(u >> (8 * i));
    put_raw(b, buf, 8);
}

/* ---- lengths and strings -------------------------------------------------- */

static void test_length_forms(void **state)
{
    struct {
        uint64_t v;
        size_t n;
        unsigned char first;
    } cases[] = {{0, 1, 0x00},           {63, 1, 0x3F},
                 {64, 2, 0x40},          {16383, 2, 0x7F},
                 {16384, 5, 0x80},       {UINT32_MAX, 5, 0x80},
                 {(uint64_t)UINT32_MAX + 1, 9, 0x81}, {UINT64_MAX, 9, 0x81}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sbuf b = {0};
        rdb_put_len(&b, cases[i].v);
        assert_int_equal(b.len, cases[i].n);
        assert_int_equal((unsigned char)b.p[0], cases[i].first);
        sbuf_free(&b);
    }
    /* 14-bit and 32-bit forms are big endian */
    struct sbuf b = {0};
    rdb_put_len(&b, 0x1234);
    assert_memory_equal(b.p, "\x52\x34", 2);
    sbuf_free(&b);
    rdb_put_len(&b, 0x12345678);
    assert_memory_equal(b.p, "\x80\x12\x34\x56\x78", 5);
    sbuf_free(&b);
}

static void test_length_roundtrip_through_strings(void **state)
{
    /* lengths at each form's edges, read back as the length of a string */
    size_t lens[] = {0, 1, 63, 64, 100, 16383, 16384, 70000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *p = mem_alloc(lens[i] + 1);
        for (size_t j = 0; j < lens[i]; j++) p[j] = (char)('a' + (j * 7919) % 26);
        struct sbuf b = {0};
        rdb_put_str(&b, p, lens[i], false);
        struct rdb_in in;
        struct obj *o = load(&b, RDB_TYPE_STRING, &in, NULL);
        assert_non_null(o);
        char buf[OBJ_STRBUF];
        size_t len;
        const char *q = obj_str(o, buf, &len);
        assert_int_equal(len, lens[i]);
        assert_memory_equal(q, p, len);
        obj_free(o);
        sbuf_free(&b);
        mem_free(p);
    }
}

static void test_integer_strings(void **state)
{
    struct {
        const char *s;
        size_t n; /* encoded bytes, 0 = stays a raw string */
    } cases[] = {{"0", 2},           {"-1", 2},         {"127", 2},        {"-128", 2},
                 {"128", 3},         {"-32768", 3},     {"32767", 3},      {"32768", 5},
                 {"2147483647", 5},  {"-2147483648", 5}, {"2147483648", 0}, {"007", 0},
                 {"-0", 0},          {"+1", 0},         {"1 ", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *s = cases[i].s;
        struct sbuf b = {0};
        rdb_put_str(&b, s, strlen(s), true);
        if (cases[i].n) {
            assert_int_equal(b.len, cases[i].n);
            assert_int_equal((unsigned char)b.p[0] & 0xC0, 0xC0);
        } else {
            assert_int_equal(b.len, 1 + strlen(s));
        }
        struct rdb_in in;
        struct obj *o = load(&b, RDB_TYPE_STRING, &in, NULL);
        char buf[OBJ_STRBUF];
        size_t len;
        const char *q = obj_str(o, buf, &len);
        assert_int_equal(len, strlen(s));
        assert_memory_equal(q, s, len);
        obj_free(o);
        sbuf_free(&b);
    }
    /* exact bytes: 8-, 16-, 32-bit little endian */
    struct sbuf b = {0};
    rdb_put_str(&b, "-2", 2, false);
    assert_memory_equal(b.p, "\xC0\xFE", 2);
    sbuf_free(&b);
    rdb_put_str(&b, "1000", 4, false);
    assert_memory_equal(b.p, "\xC1\xE8\x03", 3);
    sbuf_free(&b);
    rdb_put_str(&b, "100000", 6, false);
    assert_memory_equal(b.p, "\xC2\xA0\x86\x01\x00", 5);
    sbuf_free(&b);
}

static void test_lzf_strings(void **state)
{
    char big[3000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = "abcabcabd"[i % 9];
    struct sbuf b = {0};
    rdb_put_str(&b, big, sizeof big, true);
    assert_int_equal((unsigned char)b.p[0], 0xC3);
    assert_true(b.len < 200);
    struct rdb_in in;
    struct obj *o = load(&b, RDB_TYPE_STRING, &in, NULL);
    assert_int_equal(obj_strlen(o), sizeof big);
    assert_memory_equal(o->u.raw.ptr, big, sizeof big);
    obj_free(o);
    truncations_refused(&b, RDB_TYPE_STRING);
    sbuf_free(&b);

    /* short compressible strings decompress into an embedded string */
    rdb_put_str(&b, big, 40, true);
    assert_int_equal((unsigned char)b.p[0], 0xC3);
    o = load(&b, RDB_TYPE_STRING, &in, NULL);
    assert_int_equal(o->enc, ENC_EMBSTR);
    assert_memory_equal(o->u.emb, big, 40);
    obj_free(o);
    sbuf_free(&b);

    /* incompressible: stays raw; compression off: raw */
    char rnd[200];
    for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (char)(util_rand() & 0xff);
    rdb_put_str(&b, rnd, sizeof rnd, true);
    assert_int_equal(b.len, 2 + sizeof rnd);
    sbuf_free(&b);
    rdb_put_str(&b, big, sizeof big, false);
    assert_int_equal(b.len, 2 + sizeof big);
    sbuf_free(&b);
}

static void test_lzf_lies_refused(void **state)
{
    char big[3000];
    memset(big, 'q', sizeof big);
    struct sbuf good = {0};
    rdb_put_str(&good, big, sizeof big, true);
    /* header: C3 <clen> <ulen> data; rebuild with other lengths */
    struct rdb_in in0 = {.p = (const uint8_t *)good.p, .len = good.len, .pos = 1};
    (void)in0;
    size_t clen = (unsigned char)good.p[1]; /* < 64: one byte */
    assert_true(clen < 64);
    const char *data = good.p + 1 + 1 + 2; /* 3000 takes two bytes (14-bit) */
    uint64_t ulens[] = {0, 2999, 3001, (uint64_t)1 << 40};
    for (size_t i = 0; i < sizeof ulens / sizeof ulens[0]; i++) {
        struct sbuf b = {0};
        rdb_put_u8(&b, 0xC3);
        rdb_put_len(&b, clen);
        rdb_put_len(&b, ulens[i]);
        put_raw(&b, data, clen);
        struct rdb_in in;
        assert_null(load(&b, RDB_TYPE_STRING, &in, NULL));
        sbuf_free(&b);
    }
    /* a compressed length beyond the data */
    struct sbuf b = {0};
    rdb_put_u8(&b, 0xC3);
    rdb_put_len(&b, clen + 1);
    rdb_put_len(&b, 3000);
    put_raw(&b, data, clen);
    struct rdb_in in;
    assert_null(load(&b, RDB_TYPE_STRING, &in, NULL));
    assert_non_null(strstr(in.err, "offset"));
    sbuf_free(&b);
    /* corrupt compressed bytes */
    sbuf_cat(&b, good.p, good.len);
    b.p[good.len - 1] ^= 0x5a;
    b.p[good.len - 3] ^= 0x77;
    struct obj *o = load(&b, RDB_TYPE_STRING, &in, NULL);
    if (o) { /* the stream may still decode: then it must be the right length */
        assert_int_equal(obj_strlen(o), 3000);
        obj_free(o);
    }
    sbuf_free(&b);
    sbuf_free(&good);
}

/* Above 64 KB the claimed length is checked against the stream before
 * anything is allocated: a lie is refused, the truth loads. */
static void test_lzf_big_checked_before_allocation(void **state)
{
    size_t n = 3 << 20;
    char *big = mem_alloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)("0123456789abcdef"[(i / 7) % 16]);
    struct sbuf b = {0};
    rdb_put_str(&b, big, n, true);
    assert_int_equal((unsigned char)b.p[0], 0xC3);
    struct rdb_in in;
    struct obj *o = load(&b, RDB_TYPE_STRING, &in, NULL);
    assert_int_equal(obj_strlen(o), n);
    assert_memory_equal(o->u.raw.ptr, big, n);
    obj_free(o);
    /* the same stream claiming more (or less) than it holds */
    struct rdb_in hdr = {.p = (const uint8_t *)b.p, .len = b.len, .pos = 1};
    (void)hdr;
    size_t clen = ((size_t)(unsigned char)b.p[2] << 24) | ((size_t)(unsigned char)b.p[3] << 16) |
                  ((size_t)(unsigned char)b.p[4] << 8) | (unsigned char)b.p[5];
    assert_int_equal((unsigned char)b.p[1], 0x80);
    const char *data = b.p + 1 + 5 + 5;
    size_t claims[] = {n + 1, n - 1, n * 60};
    for (int i = 0; i < 3; i++) {
        struct sbuf c = {0};
        rdb_put_u8(&c, 0xC3);
        rdb_put_len(&c, clen);
        rdb_put_len(&c, claims[i]);
        put_raw(&c, data, clen);
        assert_null(load(&c, RDB_TYPE_STRING, &in, NULL));
        assert_non_null(strstr(in.err, "LZF"));
        sbuf_free(&c);
    }
    /* a reference before the start of the output */
    struct sbuf c = {0};
    rdb_put_u8(&c, 0xC3);
    rdb_put_len(&c, 3);
    rdb_put_len(&c, 100000);
    put_raw(&c, "\xe0\xff\x10", 3);
    assert_null(load(&c, RDB_TYPE_STRING, &in, NULL));
    sbuf_free(&c);
    sbuf_free(&b);
    mem_free(big);
}

static void test_bad_length_encodings(void **state)
{
    static const unsigned char bad[][2] = {{0x82, 0}, {0xBF, 0}, {0xC4, 0}, {0xFF, 0}};
    for (size_t i = 0; i < 4; i++) {
        struct rdb_in in = {.p = bad[i], .len = 2};
        assert_null(rdb_load_value(&in, RDB_TYPE_STRING));
        assert_true(in.err[0]);
    }
    /* a string encoding where a count belongs */
    static const unsigned char setcnt[] = {0xC0, 1, 0x01, 'a'};
    struct rdb_in in = {.p = setcnt, .len = sizeof setcnt};
    assert_null(rdb_load_value(&in, RDB_TYPE_SET));
    /* a count the data cannot hold: refused before anything is sized by it */
    struct sbuf b = {0};
    rdb_put_len(&b, (uint64_t)1 << 40);
    put_plain_str(&b, "a", 1);
    struct rdb_in in2;
    assert_null(load(&b, RDB_TYPE_SET, &in2, NULL));
    assert_non_null(strstr(in2.err, "count"));
    assert_null(load(&b, RDB_TYPE_HASH, &in2, NULL));
    assert_null(load(&b, RDB_TYPE_ZSET_2, &in2, NULL));
    assert_null(load(&b, RDB_TYPE_LIST, &in2, NULL));
    assert_null(load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in2, NULL));
    sbuf_free(&b);
}

/* ---- lists ------------------------------------------------------------------- */

static void collect(const char *p, size_t len, void *priv)
{
    struct sbuf *b = priv;
    sbuf_catfmt(b, "%zu:", len);
    sbuf_cat(b, p, len);
    sbuf_cat(b, ",", 1);
}

static void list_text(const struct obj *o, struct sbuf *out) { t_list_foreach(o, collect, out); }

static void test_list_roundtrip(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    size_t sizes[] = {1, 10, 1000, 20000};
    for (size_t k = 0; k < 4; k++) {
        struct obj *o = t_list_new();
        char buf[300];
        for (size_t i = 0; i < sizes[k]; i++) {
            int n = i % 3 ? snprintf(buf, sizeof buf, "%zu", i * 37)
                          : snprintf(buf, sizeof buf, "element-%zu-%0*d", i, (int)(i % 200), 0);
            t_list_append_fill(o, buf, (size_t)n, -2);
        }
        assert_int_equal(rdb_value_type(o), RDB_TYPE_LIST_QUICKLIST_2);
        for (int compress = 0; compress < 2; compress++) {
            struct obj *r = roundtrip(o, compress, &lim);
            assert_int_equal(r->type, OBJ_LIST);
            assert_int_equal(t_list_len(r), sizes[k]);
            assert_int_equal(t_list_nodes(r), t_list_nodes(o)); /* nodes taken as they are */
            struct sbuf a = {0}, b = {0};
            list_text(o, &a);
            list_text(r, &b);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.p, b.p, a.len);
            sbuf_free(&a);
            sbuf_free(&b);
            obj_free(r);
        }
        if (sizes[k] == 10) {
            struct sbuf b = {0};
            rdb_put_value(&b, o, false);
            truncations_refused(&b, RDB_TYPE_LIST_QUICKLIST_2);
            sbuf_free(&b);
        }
        obj_free(o);
    }
}

static void test_list_old_forms(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    /* RDB_TYPE_LIST: a count and plain strings */
    struct sbuf b = {0};
    rdb_put_len(&b, 3);
    rdb_put_str(&b, "a", 1, false);
    rdb_put_str(&b, "12", 2, false);
    rdb_put_str(&b, "ccc", 3, false);
    struct rdb_in in;
    struct obj *o = load(&b, RDB_TYPE_LIST, &in, &lim);
    struct sbuf t = {0};
    list_text(o, &t);
    assert_string_equal(t.p, "1:a,2:12,3:ccc,");
    sbuf_free(&t);
    obj_free(o);
    sbuf_free(&b);

    /* QUICKLIST_2 with a PLAIN node and an empty listpack node (skipped) */
    unsigned char *lp = lp_new();
    lp_append(&lp, "x", 1);
    lp_append(&lp, "y", 1);
    unsigned char *elp = lp_new();
    rdb_put_len(&b, 3);
    rdb_put_len(&b, 1);
    rdb_put_str(&b, "plain-big", 9, false);
    rdb_put_len(&b, 2);
    rdb_put_str(&b, (const char *)elp, lp_bytes(elp), false);
    rdb_put_len(&b, 2);
    rdb_put_str(&b, (const char *)lp, lp_bytes(lp), true);
    o = load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in, &lim);
    list_text(o, &t);
    assert_string_equal(t.p, "9:plain-big,1:x,1:y,");
    sbuf_free(&t);
    obj_free(o);
    sbuf_free(&b);
    /* an unknown container; a plain node that is empty */
    rdb_put_len(&b, 1);
    rdb_put_len(&b, 3);
    rdb_put_str(&b, (const char *)lp, lp_bytes(lp), false);
    assert_null(load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in, &lim));
    sbuf_free(&b);
    rdb_put_len(&b, 1);
    rdb_put_len(&b, 1);
    rdb_put_len(&b, 0);
    assert_null(load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in, &lim));
    sbuf_free(&b);
    /* only empty nodes: an empty value */
    rdb_put_len(&b, 1);
    rdb_put_len(&b, 2);
    rdb_put_str(&b, (const char *)elp, lp_bytes(elp), false);
    assert_null(load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in, &lim));
    assert_true(in.empty);
    sbuf_free(&b);
    /* a corrupt listpack node */
    unsigned char bad[32];
    memcpy(bad, lp, lp_bytes(lp));
    bad[LP_HDR + 2] = 0x7f; /* backlen of the first entry ("x": 0x81 x 0x02) */
    rdb_put_len(&b, 1);
    rdb_put_len(&b, 2);
    rdb_put_str(&b, (const char *)bad, lp_bytes(lp), false);
    assert_null(load(&b, RDB_TYPE_LIST_QUICKLIST_2, &in, &lim));
    assert_non_null(strstr(in.err, "listpack"));
    sbuf_free(&b);
    lp_free(&lp);
    lp_free(&elp);
}

/* A ziplist of the given entries (strings, or integers when they parse),
 * built by hand from the format's description. */
static size_t build_ziplist(unsigned char *zl, const char *const *ents, size_t n)
{
    size_t p = 10, prev = 0, last = 10;
    for (size_t i = 0; i < n; i++) {
        size_t start = p;
        if (prev < 254) zl[p++] = (unsigned char)prev;
        else {
            zl[p++] = 254;
            for (int k = 0; k < 4; k++) zl[p++] = (unsigned char)(prev >> (8 * k));
        }
        long long v;
        size_t len = strlen(ents[i]);
        if (util_str2ll(ents[i], len, &v)) {
            if (v >= 0 && v <= 12) {
                zl[p++] = (unsigned char)(0xF1 + v);
            } else if (v >= -128 && v <= 127) {
                zl[p++] = 0xFE;
                zl[p++] = (unsigned char)v;
            } else if (v >= -32768 && v <= 32767) {
                zl[p++] = 0xC0;
                zl[p++] = (unsigned char)v;
                zl[p++] = (unsigned char)(v >> 8);
            } else if (v >= -8388608 && v <= 8388607) {
                zl[p++] = 0xF0;
                for (int k = 0; k < 3; k++) zl[p++] = (unsigned char)(v >> (8 * k));
            } else if (v >= INT32_MIN && v <= INT32_MAX) {
                zl[p++] = 0xD0;
                for (int k = 0; k < 4; k++) zl[p++] = (unsigned char)(v >> (8 * k));
            } else {
                zl[p++] = 0xE0;
                for (int k = 0; k < 8; k++) zl[p++] = (unsigned char)((uint64_t)v >> (8 * k));
            }
        } else if (len < 64) {
            zl[p++] = (unsigned char)len;
            memcpy(zl + p, ents[i], len);
            p += len;
        } else {
            zl[p++] = (unsigned char)(0x40 | (len >> 8));
            zl[p++] = (unsigned char)len;
            memcpy(zl + p, ents[i], len);
            p += len;
        }
        prev = p - start;
        last = start;
    }
    zl[p++] = 0xFF;
    for (int k = 0; k < 4; k++) zl[k] = (unsigned char)(p >> (8 * k));
    for (int k = 0; k < 4; k++) zl[4 + k] = (unsigned char)(last >> (8 * k));
    zl[8] = (unsigned char)n;
    zl[9] = (unsigned char)(n >> 8);
    return p;
}

static void test_list_ziplists(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    static char longs[300];
    memset(longs, 'L', 299);
    const char *ents[] = {"hello", "0", "12", "13", "-1", "-129", "1000", "100000",
                          "5000000000", "-9223372036854775808", longs};
    unsigned char zl[1024];
    size_t n = build_ziplist(zl, ents, 11);
    struct sbuf b = {0};
    rdb_put_str(&b, (const char *)zl, n, false);
    struct rdb_in in;
    struct obj *o = load(&b, RDB_TYPE_LIST_ZIPLIST, &in, &lim);
    assert_non_null(o);
    struct sbuf t = {0};
    list_text(o, &t);
    struct sbuf want = {0};
    sbuf_cats(&want, "5:hello,1:0,2:12,2:13,2:-1,4:-129,4:1000,6:100000,10:5000000000,"
                     "20:-9223372036854775808,299:");
    sbuf_cat(&want, longs, 299);
    sbuf_cats(&want, ",");
    assert_string_equal(t.p, want.p);
    sbuf_free(&want);
    sbuf_free(&t);
    obj_free(o);
    truncations_refused(&b, RDB_TYPE_LIST_ZIPLIST);
    sbuf_free(&b);
    /* QUICKLIST (v1): nodes are ziplists */
    rdb_put_len(&b, 2);
    rdb_put_str(&b, (const char *)zl, n, true);
    rdb_put_str(&b, (const char *)zl, n, false);
    o = load(&b, RDB_TYPE_LIST_QUICKLIST, &in, &lim);
    assert_int_equal(t_list_len(o), 22);
    obj_free(o);
    sbuf_free(&b);
    /* corruptions of the header, a prevlen, the tail offset, the count */
    size_t offs[] = {0, 4, 8, 10, n - 1};
    for (size_t i = 0; i < 5; i++) {
        unsigned char bad[1024];
        memcpy(bad, zl, n);
        bad[offs[i]] ^= 0x01;
        rdb_put_str(&b, (const char *)bad, n, false);
        assert_null(load(&b, RDB_TYPE_LIST_ZIPLIST, &in, &lim));
        assert_non_null(strstr(in.err, "ziplist"));
        sbuf_free(&b);
    }
}

/* ---- sets --------------------------------------------------------------------- */

static void test_set_roundtrip(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    /* intset, of each width */
    long long wide[] = {5, 70000, 5000000000LL};
    for (int w = 0; w < 3; w++) {
        struct obj *o = t_set_new_hint(0, true);
        for (long long i = 0; i < 100; i++) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%lld", i * wide[w] - 3);
            assert_true(t_set_add_member(o, buf, (size_t)n, 512));
        }
        assert_int_equal(o->enc, ENC_INTSET);
        assert_int_equal(rdb_value_type(o), RDB_TYPE_SET_INTSET);
        struct obj *r = roundtrip(o, true, &lim);
        assert_int_equal(r->enc, ENC_INTSET);
        assert_int_equal(intset_bytes(t_set_intset(r)), intset_bytes(t_set_intset(o)));
        assert_memory_equal(t_set_intset(r), t_set_intset(o), intset_bytes(t_set_intset(o)));
        obj_free(r);
        /* beyond set-max-intset-entries it loads as a hash table */
        struct rdb_limits small = lim;
        small.set_intset_entries = 50;
        r = roundtrip(o, false, &small);
        assert_int_equal(r->enc, ENC_HT);
        assert_int_equal(t_set_card(r), 100);
        assert_true(t_set_contains(r, "-3", 2));
        obj_free(r);
        if (w == 0) {
            struct sbuf b = {0};
            rdb_put_value(&b, o, false);
            truncations_refused(&b, RDB_TYPE_SET_INTSET);
            sbuf_free(&b);
        }
        obj_free(o);
    }
    /* hash table */
    struct obj *o = t_set_new_hint(0, false);
    for (int i = 0; i < 1000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "member:%d", i);
        assert_true(t_set_add_member(o, buf, (size_t)n, 512));
    }
    assert_int_equal(rdb_value_type(o), RDB_TYPE_SET);
    struct obj *r = roundtrip(o, true, &lim);
    assert_int_equal(r->enc, ENC_HT);
    assert_int_equal(t_set_card(r), 1000);
    assert_true(t_set_contains(r, "member:999", 10));
    obj_free(r);
    obj_free(o);
    /* a plain set of integers small enough becomes an intset */
    struct sbuf b = {0};
    rdb_put_len(&b, 3);
    rdb_put_str(&b, "3", 1, false);
    rdb_put_str(&b, "1", 1, false);
    rdb_put_str(&b, "2", 1, false);
    struct rdb_in in;
    r = load(&b, RDB_TYPE_SET, &in, &lim);
    assert_int_equal(r->enc, ENC_INTSET);
    assert_int_equal(intset_get(t_set_intset(r), 0), 1);
    obj_free(r);
    truncations_refused(&b, RDB_TYPE_SET);
    sbuf_free(&b);
}

static void test_set_malformed(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    struct rdb_in in;
    /* duplicates, both encodings */
    const char *dups[][3] = {{"1", "2", "1"}, {"a", "b", "a"}, {"1", "a", "1"}};
    for (int i = 0; i < 3; i++) {
        struct sbuf b = {0};
        rdb_put_len(&b, 3);
        for (int k = 0; k < 3; k++) rdb_put_str(&b, dups[i][k], strlen(dups[i][k]), false);
        assert_null(load(&b, RDB_TYPE_SET, &in, &lim));
        assert_non_null(strstr(in.err, "duplicate"));
        sbuf_free(&b);
    }
    /* intset blobs: bad width, count 0, count beyond the bytes, unsorted, repeated */
    unsigned char blobs[][8 + 6] = {
        {3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0},
        {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 2, 0, 3, 0},
        {2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 3, 0, 2, 0},
        {2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 2, 0},
    };
    size_t blen[] = {12, 8, 14, 14, 14};
    for (int i = 0; i < 5; i++) {
        struct sbuf b = {0};
        rdb_put_str(&b, (const char *)blobs[i], blen[i], false);
        assert_null(load(&b, RDB_TYPE_SET_INTSET, &in, &lim));
        assert_non_null(strstr(in.err, "intset"));
        sbuf_free(&b);
    }
    /* an empty set is reported as empty */
    struct sbuf b = {0};
    rdb_put_len(&b, 0);
    assert_null(load(&b, RDB_TYPE_SET, &in, &lim));
    assert_true(in.empty);
    sbuf_free(&b);
}

/* ---- hashes ------------------------------------------------------------------- */

static void pair_collect(const char *f, size_t flen, const char *v, size_t vlen, void *priv)
{
    /* order-independent: sum of hashes */
    *(uint64_t *)priv += util_hash(f, flen) * 31 + util_hash(v, vlen);
}

static uint64_t hash_digest(struct obj *o)
{
    uint64_t d = 0;
    t_hash_foreach_pair(o, pair_collect, &d);
    return d;
}

static struct obj *make_hash(int n, int vlen)
{
    unsigned char *lp = lp_new();
    struct obj *o = n > 128 || vlen > 64 ? t_hash_new_ht((size_t)n) : NULL;
    for (int i = 0; i < n; i++) {
        char f[32], v[300];
        int fl = snprintf(f, sizeof f, i % 2 ? "%d" : "field:%d", i);
        int vl = i % 3 ? snprintf(v, sizeof v, "%d", i * 3) : snprintf(v, sizeof v, "%0*d", vlen, i);
        if (o) assert_true(t_hash_ht_add(o, f, (size_t)fl, v, (size_t)vl));
        else {
            lp_append(&lp, f, (size_t)fl);
            lp_append(&lp, v, (size_t)vl);
        }
    }
    if (o) {
        lp_free(&lp);
        return o;
    }
    return t_hash_from_listpack(lp, false);
}

static void test_hash_roundtrip(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    struct obj *o = make_hash(50, 10);
    assert_int_equal(rdb_value_type(o), RDB_TYPE_HASH_LISTPACK);
    struct obj *r = roundtrip(o, true, &lim);
    assert_int_equal(r->enc, ENC_LISTPACK);
    assert_memory_equal(t_hash_listpack(r), t_hash_listpack(o), lp_bytes(t_hash_listpack(o)));
    obj_free(r);
    /* over the limits on load: a hash table with the same contents */
    struct rdb_limits small = lim;
    small.hash_entries = 10;
    r = roundtrip(o, false, &small);
    assert_int_equal(r->enc, ENC_HT);
    assert_int_equal(t_hash_len(r), 50);
    assert_true(hash_digest(r) == hash_digest(o));
    obj_free(r);
    small = lim;
    small.hash_value = 5;
    r = roundtrip(o, false, &small);
    assert_int_equal(r->enc, ENC_HT);
    obj_free(r);
    struct sbuf b = {0};
    rdb_put_value(&b, o, false);
    truncations_refused(&b, RDB_TYPE_HASH_LISTPACK);
    sbuf_free(&b);
    obj_free(o);

    o = make_hash(1000, 100);
    assert_int_equal(rdb_value_type(o), RDB_TYPE_HASH);
    r = roundtrip(o, true, &lim);
    assert_int_equal(r->enc, ENC_HT);
    assert_int_equal(t_hash_len(r), 1000);
    assert_true(hash_digest(r) == hash_digest(o));
    obj_free(r);
    obj_free(o);
    /* a small hash written as a table becomes a listpack */
    o = make_hash(5, 200);
    assert_int_equal(o->enc, ENC_HT);
    struct rdb_limits big = lim;
    big.hash_value = 1000;
    r = roundtrip(o, false, &big);
    assert_int_equal(r->enc, ENC_LISTPACK);
    assert_true(hash_digest(r) == hash_digest(o));
    obj_free(r);
    rdb_put_value(&b, o, false);
    truncations_refused(&b, RDB_TYPE_HASH);
    sbuf_free(&b);
    obj_free(o);
}

static void test_hash_malformed(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    struct rdb_in in;
    /* duplicate fields: listpack (also "1" vs integer 1), table form, both sizes */
    unsigned char *lp = lp_new();
    lp_append(&lp, "a", 1);
    lp_append(&lp, "x", 1);
    lp_append(&lp, "1", 1);
    lp_append(&lp, "y", 1);
    lp_append(&lp, "1", 1);
    lp_append(&lp, "z", 1);
    struct sbuf b = {0};
    rdb_put_str(&b, (const char *)lp, lp_bytes(lp), false);
    assert_null(load(&b, RDB_TYPE_HASH_LISTPACK, &in, &lim));
    assert_non_null(strstr(in.err, "duplicate"));
    struct rdb_limits tiny = lim;
    tiny.hash_entries = 1;
    assert_null(load(&b, RDB_TYPE_HASH_LISTPACK, &in, &tiny));
    sbuf_free(&b);
    /* an odd number of entries */
    lp_delete(&lp, lp_last(lp), 1);
    rdb_put_str(&b, (const char *)lp, lp_bytes(lp), false);
    assert_null(load(&b, RDB_TYPE_HASH_LISTPACK, &in, &lim));
    sbuf_free(&b);
    lp_free(&lp);
    for (int big = 0; big < 2; big++) {
        rdb_put_len(&b, 3);
        rdb_put_str(&b, "f", 1, false);
        rdb_put_str(&b, "1", 1, false);
        rdb_put_str(&b, "g", 1, false);
        rdb_put_str(&b, "2", 1, false);
        rdb_put_str(&b, "f", 1, false);
        rdb_put_str(&b, "3", 1, false);
        assert_null(load(&b, RDB_TYPE_HASH, &in, big ? &tiny : &lim));
        assert_non_null(strstr(in.err, "duplicate"));
        sbuf_free(&b);
    }
    /* a zero-length blob */
    rdb_put_len(&b, 0);
    assert_null(load(&b, RDB_TYPE_HASH_LISTPACK, &in, &lim));
    sbuf_free(&b);
}

static void test_hash_old_forms(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    struct rdb_in in;
    const char *ents[] = {"name", "apiary", "n", "42", "big", "-5000000000"};
    unsigned char zl[256];
    size_t n = build_ziplist(zl, ents, 6);
    struct sbuf b = {0};
    rdb_put_str(&b, (const char *)zl, n, false);
    struct obj *o = load(&b, RDB_TYPE_HASH_ZIPLIST, &in, &lim);
    assert_non_null(o);
    assert_int_equal(o->enc, ENC_LISTPACK);
    struct slice v;
    char buf[UTIL_LL_STR_SIZE];
    assert_true(t_hash_get(o, "big", 3, &v, buf));
    assert_int_equal(v.len, 11);
    assert_memory_equal(v.p, "-5000000000", 11);
    obj_free(o);
    sbuf_free(&b);
    /* duplicate field in a ziplist */
    const char *dup[] = {"a", "1", "a", "2"};
    n = build_ziplist(zl, dup, 4);
    rdb_put_str(&b, (const char *)zl, n, false);
    assert_null(load(&b, RDB_TYPE_HASH_ZIPLIST, &in, &lim));
    sbuf_free(&b);

    /* zipmap: count, <len>field<len><free>value..., 0xFF */
    static const unsigned char zm[] = {2,   3,   'f', 'o', 'o', 3, 0, 'b', 'a', 'r', 1, 'k', 5,
                                       2,   'v', 'a', 'l', 'u', 'e', 'x', 'x', 0xFF};
    rdb_put_str(&b, (const char *)zm, sizeof zm, false);
    o = load(&b, RDB_TYPE_HASH_ZIPMAP, &in, &lim);
    assert_non_null(o);
    assert_int_equal(t_hash_len(o), 2);
    assert_true(t_hash_get(o, "k", 1, &v, buf));
    assert_int_equal(v.len, 5);
    assert_memory_equal(v.p, "value", 5);
    obj_free(o);
    truncations_refused(&b, RDB_TYPE_HASH_ZIPMAP);
    sbuf_free(&b);
    unsigned char zbad[sizeof zm];
    memcpy(zbad, zm, sizeof zm);
    zbad[0] = 3; /* wrong count */
    rdb_put_str(&b, (const char *)zbad, sizeof zm, false);
    assert_null(load(&b, RDB_TYPE_HASH_ZIPMAP, &in, &lim));
    sbuf_free(&b);
    memcpy(zbad, zm, sizeof zm);
    zbad[12] = 9; /* a free count running past the end */
    rdb_put_str(&b, (const char *)zbad, sizeof zm, false);
    assert_null(load(&b, RDB_TYPE_HASH_ZIPMAP, &in, &lim));
    sbuf_free(&b);
}

/* ---- sorted sets -------------------------------------------------------------- */

struct zcollect {
    struct sbuf b;
};

static void zcollect_cb(const char *p, size_t len, double score, void *priv)
{
    struct sbuf *b = priv;
    sbuf_catfmt(b, "%.17g:", score);
    sbuf_cat(b, p, len);
    sbuf_cat(b, ",", 1);
}

static void zset_text(struct obj *o, struct sbuf *b) { t_zset_foreach(o, zcollect_cb, b); }

static struct obj *make_zset(int n, bool small)
{
    struct obj *o = t_zset_new_skiplist((size_t)n);
    for (int i = 0; i < n; i++) {
        char m[32];
        int ml = snprintf(m, sizeof m, "m%d", i);
        double s = i % 5 == 0 ? i : i / 7.0 - 3;
        if (i == 1) s = INFINITY;
        if (i == 2) s = -INFINITY;
        assert_true(t_zset_sl_add(o, s, m, (size_t)ml));
    }
    assert_false(t_zset_sl_add(o, 0, "m3", 2));
    if (small) t_zset_to_listpack(o);
    return o;
}

static void test_zset_roundtrip(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    for (int small = 0; small < 2; small++) {
        struct obj *o = make_zset(small ? 100 : 2000, small);
        assert_int_equal(rdb_value_type(o), small ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2);
        struct obj *r = roundtrip(o, true, &lim);
        assert_int_equal(r->enc, small ? ENC_LISTPACK : ENC_SKIPLIST);
        struct sbuf a = {0}, b = {0};
        zset_text(o, &a);
        zset_text(r, &b);
        assert_string_equal(a.p, b.p);
        sbuf_free(&b);
        obj_free(r);
        /* the other encoding on load, by the limits */
        struct rdb_limits other = lim;
        other.zset_entries = small ? 10 : 100000;
        other.zset_value = 1000;
        r = roundtrip(o, false, &other);
        assert_int_equal(r->enc, small ? ENC_SKIPLIST : ENC_LISTPACK);
        zset_text(r, &b);
        assert_string_equal(a.p, b.p);
        sbuf_free(&a);
        sbuf_free(&b);
        obj_free(r);
        obj_free(o);
    }
    /* ZSET_2 goes out highest first */
    struct obj *o = make_zset(200, false);
    struct sbuf b = {0};
    rdb_put_value(&b, o, false);
    assert_int_equal((unsigned char)b.p[0], 0x40); /* 200: 14-bit length */
    assert_int_equal((unsigned char)b.p[2], 2);
    assert_memory_equal(b.p + 3, "m1", 2); /* +inf */
    sbuf_free(&b);
    obj_free(o);
    o = make_zset(20, false);
    rdb_put_value(&b, o, false);
    truncations_refused(&b, RDB_TYPE_ZSET_2);
    sbuf_free(&b);
    t_zset_to_listpack(o);
    rdb_put_value(&b, o, false);
    truncations_refused(&b, RDB_TYPE_ZSET_LISTPACK);
    sbuf_free(&b);
    obj_free(o);
}

static void test_zset_malformed(void **state)
{
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    struct rdb_in in;
    struct sbuf b = {0};
    /* NaN in ZSET_2 and in the old text form */
    rdb_put_len(&b, 1);
    rdb_put_str(&b, "a", 1, false);
    put_double(&b, NAN);
    assert_null(load(&b, RDB_TYPE_ZSET_2, &in, &lim));
    assert_non_null(strstr(in.err, "NaN"));
    sbuf_free(&b);
    rdb_put_len(&b, 1);
    rdb_put_str(&b, "a", 1, false);
    rdb_put_u8(&b, 253);
    assert_null(load(&b, RDB_TYPE_ZSET, &in, &lim));
    sbuf_free(&b);
    /* the old text form: 254 = +inf, 255 = -inf, else text */
    rdb_put_len(&b, 3);
    rdb_put_str(&b, "a", 1, false);
    rdb_put_u8(&b, 254);
    rdb_put_str(&b, "b", 1, false);
    rdb_put_u8(&b, 255);
    rdb_put_str(&b, "c", 1, false);
    rdb_put_u8(&b, 3);
    put_raw(&b, "1.5", 3);
    struct obj *o = load(&b, RDB_TYPE_ZSET, &in, &lim);
    assert_non_null(o);
    struct sbuf t = {0};
    zset_text(o, &t);
    assert_string_equal(t.p, "-inf:b,1.5:c,inf:a,");
    sbuf_free(&t);
    obj_free(o);
    sbuf_free(&b);
    /* duplicate member */
    rdb_put_len(&b, 2);
    rdb_put_str(&b, "a", 1, false);
    put_double(&b, 1);
    rdb_put_str(&b, "a", 1, false);
    put_double(&b, 2);
    assert_null(load(&b, RDB_TYPE_ZSET_2, &in, &lim));
    assert_non_null(strstr(in.err, "duplicate"));
    sbuf_free(&b);
    /* listpacks: duplicate member, out of order, a score that is no number,
     * a NaN score, an odd count */
    const char *cases[][6] = {{"a", "1", "b", "2", "a", "3"},
                              {"b", "1", "a", "1", "c", "2"},
                              {"a", "1", "b", "x", "c", "3"},
                              {"a", "1", "b", "nan", "c", "3"},
                              {"a", "1", "b", "2", "c", NULL}};
    for (int i = 0; i < 5; i++) {
        unsigned char *lp = lp_new();
        for (int k = 0; k < 6 && cases[i][k]; k++) lp_append(&lp, cases[i][k], strlen(cases[i][k]));
        rdb_put_str(&b, (const char *)lp, lp_bytes(lp), false);
        assert_null(load(&b, RDB_TYPE_ZSET_LISTPACK, &in, &lim));
        sbuf_free(&b);
        lp_free(&lp);
    }
    /* ZSET_ZIPLIST converts */
    const char *ents[] = {"a", "1", "b", "2.5", "c", "3"};
    unsigned char zl[128];
    size_t n = build_ziplist(zl, ents, 6);
    rdb_put_str(&b, (const char *)zl, n, false);
    o = load(&b, RDB_TYPE_ZSET_ZIPLIST, &in, &lim);
    assert_non_null(o);
    assert_int_equal(o->enc, ENC_LISTPACK);
    zset_text(o, &t);
    assert_string_equal(t.p, "1:a,2.5:b,3:c,");
    sbuf_free(&t);
    obj_free(o);
    sbuf_free(&b);
}

/* ---- values of no known type ---------------------------------------------------- */

static void test_unsupported_types(void **state)
{
    static const unsigned char data[] = {0, 0, 0, 0};
    int types[] = {RDB_TYPE_MODULE, RDB_TYPE_MODULE_2, RDB_TYPE_STREAM_LISTPACKS,
                   RDB_TYPE_STREAM_LISTPACKS_2, 8, 20, 200};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct rdb_in in = {.p = data, .len = sizeof data};
        assert_null(rdb_load_value(&in, types[i]));
        assert_true(in.err[0]);
    }
    struct rdb_in in = {.p = data, .len = sizeof data};
    assert_null(rdb_load_value(&in, RDB_TYPE_STREAM_LISTPACKS_2));
    assert_non_null(strstr(in.err, "stream"));
}

/* ---- files --------------------------------------------------------------------- */

static void file_begin(struct sbuf *b) { rdb_put_header(b, 12345, false); }

static void file_end(struct sbuf *b)
{
    rdb_put_eof(b);
    rdb_put_crc(b, crc64(0, b->p, b->len));
}

static void test_file_roundtrip(void **state)
{
    struct keyspace ks;
    ks_init(&ks, 16);
    ks.now_ms = util_mstime();
    struct sbuf b = {0};
    file_begin(&b);
    rdb_put_selectdb(&b, 0);
    rdb_put_resizedb(&b, 1000000000, 1000000000); /* a lying hint is capped */
    struct obj *s = obj_new_string("value", 5);
    struct obj *z = make_zset(300, false);
    struct obj *h = make_hash(20, 5);
    rdb_put_key(&b, "str", 3, s, -1, true);
    rdb_put_key(&b, "ttl", 3, s, ks.now_ms + 100000, true);
    rdb_put_key(&b, "gone", 4, s, ks.now_ms - 1, true);
    rdb_put_key(&b, "zset", 4, z, -1, true);
    rdb_put_selectdb(&b, 5);
    rdb_put_key(&b, "hash", 4, h, -1, true);
    rdb_put_selectdb(&b, 0); /* a database may come back */
    /* EXPIRETIME (seconds) and IDLE/FREQ opcodes before a key */
    rdb_put_u8(&b, RDB_OP_EXPIRETIME);
    int32_t secs = (int32_t)(ks.now_ms / 1000 + 1000);
    put_raw(&b, &secs, 4);
    rdb_put_u8(&b, RDB_OP_IDLE);
    rdb_put_len(&b, 100);
    rdb_put_key(&b, "old-ttl", 7, s, -1, false);
    rdb_put_aux(&b, "unknown-field", "ignored");
    file_end(&b);
    struct rdb_load_stats st;
    char err[256];
    int rc = rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err);
    if (rc) fail_msg("%s", err);
    assert_int_equal(st.version, 10);
    assert_int_equal(st.keys_loaded, 5);
    assert_int_equal(st.keys_expired, 1);
    struct db *d0 = ks_db(&ks, 0), *d5 = ks_db(&ks, 5);
    assert_int_equal(db_size(d0), 4);
    assert_int_equal(db_size(d5), 1);
    struct kentry *ke = db_find_raw(d0, "ttl", 3);
    assert_true(db_get_expire(d0, ke) == ks.now_ms + 100000);
    ke = db_find_raw(d0, "old-ttl", 7);
    assert_true(db_get_expire(d0, ke) == (long long)secs * 1000);
    uint32_t idle = (ks_lru_clock(&ks) - ke->lru) & KE_LRU_MAX;
    assert_int_equal(idle, 100);
    assert_null(db_find_raw(d0, "gone", 4));
    ke = db_find_raw(d0, "zset", 4);
    struct sbuf a = {0}, c = {0};
    zset_text(z, &a);
    zset_text(ke->val, &c);
    assert_string_equal(a.p, c.p);
    sbuf_free(&a);
    sbuf_free(&c);
    assert_true(hash_digest(db_find_raw(d5, "hash", 4)->val) == hash_digest(h));

    /* loading the same file again: every key is a duplicate */
    rc = rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "duplicate key"));
    ks_deinit(&ks);

    /* a checksum of 0 is "not computed"; a wrong one is refused with its offset */
    ks_init(&ks, 16);
    ks.now_ms = util_mstime();
    memset(b.p + b.len - 8, 0, 8);
    assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err), 0);
    ks_deinit(&ks);
    ks_init(&ks, 16);
    b.p[b.len - 1] = 1;
    assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, "checksum"));
    char want[64];
    snprintf(want, sizeof want, "offset %zu", b.len - 8);
    assert_non_null(strstr(err, want));
    ks_deinit(&ks);
    /* every truncation is refused */
    for (size_t cut = 0; cut < b.len; cut += (cut < 200 ? 1 : 97)) {
        ks_init(&ks, 16);
        ks.now_ms = util_mstime();
        assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, cut, &st, err, sizeof err), -1);
        ks_deinit(&ks);
    }
    /* only 4 databases configured: database 5 is refused */
    ks_init(&ks, 4);
    ks.now_ms = util_mstime();
    memset(b.p + b.len - 8, 0, 8);
    assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, "database 5"));
    ks_deinit(&ks);
    sbuf_free(&b);
    obj_free(s);
    obj_free(z);
    obj_free(h);
}

static void count_pace(void *arg) { (*(int *)arg)++; }

/* RDB_LZF_DEFERRED (the snapshot's walk) resolved by the writer gives the
 * very bytes RDB_LZF gives when written directly. */
static void test_deferred_compression_same_bytes(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'a', sizeof big);
    memcpy(big, "start", 5);
    char rnd[200];
    for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (char)(util_rand() & 0xff); /* LZF can't gain */
    static char huge[RDB_PACE_BYTES];
    memset(huge, 'h', sizeof huge);
    struct obj *vals[] = {
        obj_new_string("short", 5),      obj_new_string("12345", 5),
        obj_new_string(big, sizeof big), obj_new_string(rnd, sizeof rnd),
        make_zset(300, false),           make_hash(20, 5),
        make_hash(500, 40),              obj_new_string(huge, sizeof huge),
        obj_new_string(huge, sizeof huge), obj_new_string(huge, sizeof huge),
    };
    size_t n = sizeof vals / sizeof vals[0];
    struct sbuf direct = {0};
    struct rdb_deferred d = {0};
    for (int round = 0; round < 2; round++) { /* the second reuses d */
        direct.len = 0;
        rdb_deferred_reset(&d);
        for (size_t i = 0; i < n; i++) {
            rdb_put_key(&direct, "key", 3, vals[i], i == 2 ? 123456 : -1, RDB_LZF);
            rdb_put_key(&d.buf, "key", 3, vals[i], i == 2 ? 123456 : -1, RDB_LZF_DEFERRED);
        }
        assert_true(d.nspans > 0);
        struct sbuf out = {0};
        /* the second round paces: once after each run of strings of
         * RDB_PACE_BYTES, and the bytes are the same */
        int paced = 0;
        rdb_deferred_resolve(&d, &out, round ? count_pace : NULL, &paced);
        if (round) assert_true(paced >= 3);
        assert_int_equal(out.len, direct.len);
        assert_memory_equal(out.p, direct.p, out.len);
        assert_true(out.len < d.buf.len); /* something was compressed */
        sbuf_free(&out);
    }
    rdb_deferred_free(&d);
    sbuf_free(&direct);
    for (size_t i = 0; i < n; i++) obj_free(vals[i]);
}

static void test_file_versions_and_opcodes(void **state)
{
    struct keyspace ks;
    struct rdb_load_stats st;
    char err[256];
    struct obj *s = obj_new_string("v", 1);
    /* version 11 refused; version 3 (no checksum) read; not an RDB file */
    const char *heads[] = {"REDIS0011", "REDIS0003", "REDIX0010", "REDIS00a0", "REDIS0000"};
    int want[] = {-1, 0, -1, -1, -1};
    for (int i = 0; i < 5; i++) {
        struct sbuf b = {0};
        sbuf_cat(&b, heads[i], 9);
        rdb_put_key(&b, "k", 1, s, -1, false);
        rdb_put_eof(&b);
        ks_init(&ks, 16);
        ks.now_ms = util_mstime();
        assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err),
                         want[i]);
        if (i == 0) assert_non_null(strstr(err, "version 11"));
        if (i == 1) assert_int_equal(db_size(ks_db(&ks, 0)), 1);
        ks_deinit(&ks);
        sbuf_free(&b);
    }
    /* unsupported opcodes and types are named, with their offset */
    unsigned ops[] = {RDB_OP_MODULE_AUX, RDB_OP_FUNCTION2, RDB_OP_FUNCTION, RDB_TYPE_STREAM_LISTPACKS_2,
                      RDB_TYPE_MODULE_2, 30};
    const char *names[] = {"MODULE_AUX", "FUNCTION", "FUNCTION", "stream", "module", "unknown"};
    for (int i = 0; i < 6; i++) {
        struct sbuf b = {0};
        file_begin(&b);
        size_t at = b.len;
        rdb_put_u8(&b, ops[i]);
        rdb_put_str(&b, "k", 1, false);
        file_end(&b);
        ks_init(&ks, 16);
        assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err), -1);
        assert_non_null(strstr(err, names[i]));
        char o[32];
        snprintf(o, sizeof o, "offset %zu", at);
        assert_non_null(strstr(err, o));
        ks_deinit(&ks);
        sbuf_free(&b);
    }
    /* an empty collection is skipped and counted */
    struct sbuf b = {0};
    file_begin(&b);
    rdb_put_u8(&b, RDB_TYPE_SET);
    rdb_put_str(&b, "empty", 5, false);
    rdb_put_len(&b, 0);
    rdb_put_key(&b, "k", 1, s, -1, false);
    file_end(&b);
    ks_init(&ks, 16);
    ks.now_ms = util_mstime();
    assert_int_equal(rdb_load_buf(&ks, (const uint8_t *)b.p, b.len, &st, err, sizeof err), 0);
    assert_int_equal(st.keys_empty, 1);
    assert_int_equal(st.keys_loaded, 1);
    ks_deinit(&ks);
    sbuf_free(&b);
    obj_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_forms),
        cmocka_unit_test(test_length_roundtrip_through_strings),
        cmocka_unit_test(test_integer_strings),
        cmocka_unit_test(test_lzf_strings),
        cmocka_unit_test(test_lzf_lies_refused),
        cmocka_unit_test(test_lzf_big_checked_before_allocation),
        cmocka_unit_test(test_bad_length_encodings),
        cmocka_unit_test(test_list_roundtrip),
        cmocka_unit_test(test_list_old_forms),
        cmocka_unit_test(test_list_ziplists),
        cmocka_unit_test(test_set_roundtrip),
        cmocka_unit_test(test_set_malformed),
        cmocka_unit_test(test_hash_roundtrip),
        cmocka_unit_test(test_hash_malformed),
        cmocka_unit_test(test_hash_old_forms),
        cmocka_unit_test(test_zset_roundtrip),
        cmocka_unit_test(test_zset_malformed),
        cmocka_unit_test(test_unsupported_types),
        cmocka_unit_test(test_file_roundtrip),
        cmocka_unit_test(test_file_versions_and_opcodes),
        cmocka_unit_test(test_deferred_compression_same_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
