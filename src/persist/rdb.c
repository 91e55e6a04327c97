/* rdb: the RDB format, version 10 (see rdb.h for the stream layout and
 * docs/persistence.md for every value's bytes).
 *
 * Writing. Each value goes out in the type Redis 7.0 writes for its
 * encoding: the compact encodings (listpack hashes and sorted sets,
 * intsets, quicklist nodes) as their blocks, byte for byte, since Apiary
 * keeps them in Redis's layout; the large ones element by element,
 * appended straight into the output buffer (no allocation per element).
 *
 * Reading trusts nothing. Invariants of every reader:
 *  1. No byte outside [in->p, in->p + in->len) is read: each length is
 *     checked against what is left before it is used.
 *  2. Nothing is sized by a claimed count beyond what the remaining bytes
 *     can hold (a count of elements at least one byte each is capped by
 *     the bytes left; an LZF string by 90 times its input, LZF's maximum
 *     expansion, and above 64 KB by what its stream really decompresses
 *     to), so a lying header cannot reserve gigabytes.
 *  3. A block adopted as a structure (listpack, intset) is validated first
 *     (base/listpack lp_validate; intset sorted and unique), and so is what
 *     it means: pairs come in pairs, hash fields and set/zset members are
 *     unique, scores parse as doubles and are not NaN, listpack sorted sets
 *     are in order. Older blocks (ziplist, zipmap) are walked with the same
 *     care and copied into Apiary's structures.
 *  4. A loaded value gets the encoding its contents call for under the
 *     configured limits (struct rdb_limits), whatever encoding it was
 *     written in, so it is indistinguishable from one built by commands.
 *  5. On failure everything built so far is freed and in->err names the
 *     problem and its byte offset. */
#include "persist/rdb.h"

#include "base/crc64.h"
#include "base/intset.h"
#include "base/listpack.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/server.h"
#include "types/t_hash.h"
#include "types/t_list.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <errno.h>
#include <fcntl.h>
#include <liblzf/lzf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rdb.c writes listpacks and intsets as they are in memory: little endian hosts only"
#endif

/* ---- writing ------------------------------------------------------------ */

void rdb_put_u8(struct sbuf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    sbuf_cat(b, &c, 1);
}

/* The length encoding of len into buf (9 bytes room); returns its size. */
static size_t enc_len(unsigned char *buf, uint64_t len)
{
    size_t n;
    if (len < (1u << 6)) {
        buf[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1u << 14)) {
        buf[0] = (unsigned char)(0x40 | (len >> 8));
        buf[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = 0x80;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = 0x81;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    return n;
}

void rdb_put_len(struct sbuf *b, uint64_t len)
{
    unsigned char buf[9];
    sbuf_cat(b, buf, enc_len(buf, len));
}

/* The string as an 8/16/32-bit integer encoding, if it is one. */
static bool put_int_str(struct sbuf *b, const char *p, size_t len)
{
    long long v;
    if (len == 0 || len > 11 || !util_str2ll(p, len, &v)) return false;
    char chk[24];
    if ((size_t)util_ll2str(chk, v) != len || memcmp(chk, p, len)) return false;
    unsigned char buf[5];
    size_t n;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        buf[0] = 0xC0;
        buf[1] = (unsigned char)(int8_t)v;
        n = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = 0xC1;
        uint16_t u = (uint16_t)(int16_t)v;
        buf[1] = (unsigned char)u;
        buf[2] = (unsigned char)(u >> 8);
        n = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = 0xC2;
        uint32_t u = (uint32_t)(int32_t)v;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
        n = 5;
    } else {
        return false;
    }
    sbuf_cat(b, buf, n);
    return true;
}

/* LZF when it saves at least 4 bytes, as Redis does for strings > 20 bytes. */
static bool put_lzf_str(struct sbuf *b, const char *p, size_t len)
{
    if (len <= 20 || len > UINT32_MAX) return false;
    size_t room = len - 4;
    size_t start = b->len;
    /* worst case header: 1 + 5 + 5 */
    sbuf_reserve(b, 11 + room);
    unsigned char *out = (unsigned char *)b->p + start + 11;
    unsigned clen = lzf_compress(p, (unsigned)len, out, (unsigned)room);
    if (clen == 0) return false;
    /* the header goes in front, then the payload moves up against it */
    unsigned char hdr[11];
    size_t hlen = 1;
    hdr[0] = 0xC3;
    hlen += enc_len(hdr + hlen, clen);
    hlen += enc_len(hdr + hlen, len);
    memmove(b->p + start + hlen, out, clen);
    memcpy(b->p + start, hdr, hlen);
    b->len = start + hlen + clen;
    b->p[b->len] = '\0';
    return true;
}

/* RDB_LZF_DEFERRED: the raw bytes now, and a span for the writer, which
 * compresses them (rdb_deferred_resolve) */
static void put_deferred(struct sbuf *b, const char *p, size_t len)
{
    struct rdb_deferred *d = (struct rdb_deferred *)((char *)b - offsetof(struct rdb_deferred, buf));
    if (d->nspans == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->spans = mem_realloc(d->spans, sizeof(*d->spans) * d->cap);
    }
    d->spans[d->nspans].off = b->len;
    d->spans[d->nspans].len = len;
    d->nspans++;
    sbuf_cat(b, p, len);
}

void rdb_put_str(struct sbuf *b, const char *p, size_t len, int compress)
{
    if (len <= 11 && put_int_str(b, p, len)) return;
    if (compress == RDB_LZF_DEFERRED && len > 20 && len <= UINT32_MAX) {
        put_deferred(b, p, len);
        return;
    }
    if (compress && put_lzf_str(b, p, len)) return;
    rdb_put_len(b, len);
    sbuf_cat(b, p, len);
}

void rdb_deferred_resolve(const struct rdb_deferred *d, struct sbuf *out, rdb_pace_fn *pace, void *arg)
{
    size_t pos = 0, since = 0;
    for (size_t i = 0; i < d->nspans; i++) {
        sbuf_cat(out, d->buf.p + pos, d->spans[i].off - pos);
        rdb_put_str(out, d->buf.p + d->spans[i].off, d->spans[i].len, RDB_LZF);
        since += d->spans[i].off + d->spans[i].len - pos;
        pos = d->spans[i].off + d->spans[i].len;
        if (pace && since >= RDB_PACE_BYTES) {
            pace(arg);
            since = 0;
        }
    }
    sbuf_cat(out, d->buf.p + pos, d->buf.len - pos);
}

void rdb_deferred_reset(struct rdb_deferred *d)
{
    d->buf.len = 0;
    if (d->buf.p) d->buf.p[0] = '\0';
    d->nspans = 0;
}

void rdb_deferred_free(struct rdb_deferred *d)
{
    sbuf_free(&d->buf);
    mem_free(d->spans);
    d->spans = NULL;
    d->nspans = d->cap = 0;
}

static void put_str_obj(struct sbuf *b, const struct obj *o, int compress)
{
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    rdb_put_str(b, p, len, compress);
}

void rdb_put_aux(struct sbuf *b, const char *name, const char *val)
{
    rdb_put_u8(b, RDB_OP_AUX);
    rdb_put_str(b, name, strlen(name), false);
    rdb_put_str(b, val, strlen(val), false);
}

void rdb_put_header(struct sbuf *b, long long used_mem, bool aof_base)
{
    char num[32];
    sbuf_catfmt(b, "REDIS%04d", RDB_VERSION);
    rdb_put_aux(b, "redis-ver", REDIS_COMPAT_VERSION);
    snprintf(num, sizeof num, "%d", (int)(sizeof(void *) * 8));
    rdb_put_aux(b, "redis-bits", num);
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    rdb_put_aux(b, "ctime", num);
    snprintf(num, sizeof num, "%lld", used_mem);
    rdb_put_aux(b, "used-mem", num);
    rdb_put_aux(b, "aof-base", aof_base ? "1" : "0");
}

void rdb_put_selectdb(struct sbuf *b, int db)
{
    rdb_put_u8(b, RDB_OP_SELECTDB);
    rdb_put_len(b, (uint64_t)db);
}

void rdb_put_resizedb(struct sbuf *b, uint64_t keys, uint64_t expires)
{
    rdb_put_u8(b, RDB_OP_RESIZEDB);
    rdb_put_len(b, keys);
    rdb_put_len(b, expires);
}

/* The type byte Redis 7.0 writes for each encoding, except that a set is
 * never written as a listpack (7.0 has no such type): Apiary's sets are
 * intsets or hash tables, which map 1:1. */
int rdb_value_type(const struct obj *o)
{
    switch (o->type) {
    case OBJ_STRING: return RDB_TYPE_STRING;
    case OBJ_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET: return o->enc == ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJ_ZSET: return o->enc == ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case OBJ_HASH: return o->enc == ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    default: return -1;
    }
}

/* Writers of the large encodings walk the structure with a callback per
 * element that appends straight into the buffer: no allocation per
 * element, only the buffer's own doubling. */
struct put_ctx {
    struct sbuf *b;
    int compress;
};

#define QUICKLIST_NODE_PLAIN 1
#define QUICKLIST_NODE_PACKED 2

static void put_list_node(const unsigned char *lp, void *priv)
{
    struct put_ctx *x = priv;
    rdb_put_len(x->b, QUICKLIST_NODE_PACKED);
    rdb_put_str(x->b, (const char *)lp, lp_bytes(lp), x->compress);
}

static void put_member(const char *p, size_t len, void *priv)
{
    struct put_ctx *x = priv;
    rdb_put_str(x->b, p, len, x->compress);
}

static void put_pair(const char *f, size_t flen, const char *v, size_t vlen, void *priv)
{
    struct put_ctx *x = priv;
    rdb_put_str(x->b, f, flen, x->compress);
    rdb_put_str(x->b, v, vlen, x->compress);
}

/* A binary double: IEEE 754 binary64, little endian (RDB 8 and later). */
static void put_binary_double(struct sbuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    unsigned char buf[8];
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(u >> (8 * i));
    sbuf_cat(b, buf, 8);
}

static void put_zmember(const char *p, size_t len, double score, void *priv)
{
    struct put_ctx *x = priv;
    rdb_put_str(x->b, p, len, x->compress);
    put_binary_double(x->b, score);
}

/* Apiary's listpacks and intsets have Redis's byte layout (base/listpack.h,
 * base/intset.h: {u32 width, u32 count, members} little endian), so the
 * compact encodings go out as one string each, as Redis writes them. */
void rdb_put_value(struct sbuf *b, const struct obj *o, int compress)
{
    struct put_ctx x = {b, compress};
    struct obj *mo = (struct obj *)o; /* the foreach walkers take non-const; they don't modify */
    switch (o->type) {
    case OBJ_STRING: put_str_obj(b, o, compress); break;
    case OBJ_LIST:
        rdb_put_len(b, t_list_nodes(o));
        t_list_foreach_node(o, put_list_node, &x);
        break;
    case OBJ_SET: {
        const struct intset *is = t_set_intset(o);
        if (is) {
            rdb_put_str(b, (const char *)is, intset_bytes(is), compress);
        } else {
            rdb_put_len(b, t_set_card(o));
            t_set_foreach(mo, put_member, &x);
        }
        break;
    }
    case OBJ_ZSET: {
        const unsigned char *lp = t_zset_listpack(o);
        if (lp) {
            rdb_put_str(b, (const char *)lp, lp_bytes(lp), compress);
        } else {
            /* highest first, as Redis writes it: a loader inserting each at
             * the head of its skip list does O(1) work per member */
            rdb_put_len(b, t_zset_len(o));
            t_zset_foreach_desc(mo, put_zmember, &x);
        }
        break;
    }
    case OBJ_HASH: {
        const unsigned char *lp = t_hash_listpack(o);
        if (lp) {
            rdb_put_str(b, (const char *)lp, lp_bytes(lp), compress);
        } else {
            rdb_put_len(b, t_hash_len(o));
            t_hash_foreach_pair(mo, put_pair, &x);
        }
        break;
    }
    default: break;
    }
}

void rdb_put_key(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                 long long expire_ms, int compress)
{
    rdb_put_key_ex(b, key, klen, val, expire_ms, -1, -1, compress);
}

void rdb_put_key_ex(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                    long long expire_ms, long long idle_s, int freq, int compress)
{
    if (expire_ms >= 0) {
        unsigned char buf[9];
        buf[0] = RDB_OP_EXPIRETIME_MS;
        uint64_t u = (uint64_t)expire_ms;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
        sbuf_cat(b, buf, 9);
    }
    if (idle_s >= 0) {
        rdb_put_u8(b, RDB_OP_IDLE);
        rdb_put_len(b, (uint64_t)idle_s);
    } else if (freq >= 0) {
        unsigned char buf[2] = {RDB_OP_FREQ, (unsigned char)(freq > 255 ? 255 : freq)};
        sbuf_cat(b, buf, 2);
    }
    rdb_put_u8(b, (unsigned)rdb_value_type(val));
    rdb_put_str(b, key, klen, compress);
    rdb_put_value(b, val, compress);
}

void rdb_key_meta(const struct keyspace *ks, bool lru_policy, const struct kentry *ke,
                  long long *idle_s, int *freq)
{
    *idle_s = -1;
    *freq = -1;
    if (ks->lfu.on) {
        *freq = (int)ks_lfu_counter(ks, ke->lru);
    } else if (lru_policy) {
        uint32_t clock = ks_lru_clock(ks), lru = ke->lru & KE_LRU_MAX;
        *idle_s = clock >= lru ? clock - lru : (long long)(KE_LRU_MAX - lru) + clock;
    }
}

void rdb_put_eof(struct sbuf *b) { rdb_put_u8(b, RDB_OP_EOF); }

void rdb_put_crc(struct sbuf *b, uint64_t crc)
{
    unsigned char buf[8];
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(crc >> (8 * i));
    sbuf_cat(b, buf, 8);
}

/* ---- reading: primitives -------------------------------------------------- */

void rdb_limits_default(struct rdb_limits *l)
{
    l->list_fill = -2;
    l->list_depth = 0;
    l->hash_entries = 128;
    l->hash_value = 64;
    l->set_intset_entries = 512;
    l->zset_entries = 128;
    l->zset_value = 64;
}

void rdb_limits_from_config(struct rdb_limits *l, const struct config *cfg)
{
    l->list_fill = cfg->list_max_listpack_size;
    l->list_depth = cfg->list_compress_depth;
    l->hash_entries = cfg->hash_max_listpack_entries;
    l->hash_value = cfg->hash_max_listpack_value;
    l->set_intset_entries = cfg->set_max_intset_entries;
    l->zset_entries = cfg->zset_max_listpack_entries;
    l->zset_value = cfg->zset_max_listpack_value;
}

bool rdb_is_value_type(int t)
{
    return (t >= RDB_TYPE_STRING && t <= RDB_TYPE_MODULE_2) ||
           (t >= RDB_TYPE_HASH_ZIPMAP && t <= RDB_TYPE_STREAM_LISTPACKS_2);
}

/* Records the first failure, with the offset it happened at. */
static bool __attribute__((format(printf, 3, 4)))
rfail_at(struct rdb_in *in, size_t off, const char *fmt, ...)
{
    if (in->err[0]) return false;
    char msg[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(in->err, sizeof in->err, "%s at offset %zu", msg, off);
    return false;
}

#define rfail(in, ...) rfail_at((in), (in)->pos, __VA_ARGS__)

static inline size_t left(const struct rdb_in *in) { return in->len - in->pos; }

static bool need(struct rdb_in *in, size_t n)
{
    if (left(in) >= n) return true;
    return rfail(in, "unexpected end of data (%zu bytes needed, %zu left)", n, left(in));
}

static bool rd_u8(struct rdb_in *in, unsigned *v)
{
    if (!need(in, 1)) return false;
    *v = in->p[in->pos++];
    return true;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

/* The first byte of a length: 00/01/10 length forms, 11 = a special string
 * encoding (*enc >= 0). */
static bool rd_len_enc(struct rdb_in *in, uint64_t *len, int *enc)
{
    size_t at = in->pos;
    unsigned b;
    if (!rd_u8(in, &b)) return false;
    *enc = -1;
    switch (b >> 6) {
    case 0: *len = b & 0x3F; return true;
    case 1:
        if (!need(in, 1)) return false;
        *len = (uint64_t)(b & 0x3F) << 8 | in->p[in->pos++];
        return true;
    case 2:
        if (b == 0x80) {
            if (!need(in, 4)) return false;
            *len = be(in->p + in->pos, 4);
            in->pos += 4;
            return true;
        }
        if (b == 0x81) {
            if (!need(in, 8)) return false;
            *len = be(in->p + in->pos, 8);
            in->pos += 8;
            return true;
        }
        return rfail_at(in, at, "unknown length encoding 0x%02x", b);
    default: *enc = (int)(b & 0x3F); *len = 0; return true;
    }
}

static bool rd_len(struct rdb_in *in, uint64_t *len)
{
    size_t at = in->pos;
    int enc;
    if (!rd_len_enc(in, len, &enc)) return false;
    if (enc >= 0) return rfail_at(in, at, "string encoding where a length belongs");
    return true;
}

/* A count of things each taking at least `min_bytes`: never more than the
 * data left can hold, so no count can make us reserve memory the input
 * does not back. */
static bool rd_count(struct rdb_in *in, uint64_t *n, size_t min_bytes, const char *what)
{
    size_t at = in->pos;
    if (!rd_len(in, n)) return false;
    if (*n > left(in) / min_bytes)
        return rfail_at(in, at, "%s count %llu larger than the data left", what,
                        (unsigned long long)*n);
    return true;
}

/* A reusable buffer for decompressed strings, so reading elements of a
 * collection allocates nothing per element. */
struct scratch {
    char *p;
    size_t cap;
};

static char *scratch_get(struct scratch *s, size_t n)
{
    if (s->cap < n) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < n) cap *= 2;
        mem_free(s->p);
        s->p = mem_alloc(cap);
        s->cap = cap;
    }
    return s->p;
}

static void scratch_free(struct scratch *s)
{
    mem_free(s->p);
    s->p = NULL;
    s->cap = 0;
}

/* LZF never expands a 3-byte back reference to more than 264 bytes, so an
 * original length beyond this many times the compressed one is a lie. */
#define LZF_MAX_RATIO 90

/* A string's bytes: raw strings point into the input, integers are
 * formatted into num, LZF strings are decompressed into the scratch. */
struct rstr {
    const char *p;
    size_t len;
    char num[UTIL_LL_STR_SIZE];
};

/* The length an LZF stream decompresses to, found by walking its tokens
 * without writing anything; false when the stream is malformed. LZF is a
 * sequence of tokens: a control byte below 32 is a literal run of ctrl+1
 * bytes that follow; otherwise its top 3 bits are a length (7: add the
 * next byte), the low 5 bits and the next byte a distance back into the
 * output, and len+2 bytes are copied from there. */
static bool lzf_length(const uint8_t *ip, size_t clen, size_t *out)
{
    const uint8_t *end = ip + clen;
    size_t op = 0;
    while (ip < end) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            size_t run = ctrl + 1;
            if ((size_t)(end - ip) < run) return false;
            ip += run;
            op += run;
            continue;
        }
        size_t len = ctrl >> 5;
        size_t dist = (size_t)(ctrl & 0x1f) << 8;
        if (ip >= end) return false;
        if (len == 7) {
            len += *ip++;
            if (ip >= end) return false;
        }
        dist += *ip++;
        if (dist + 1 > op) return false; /* a reference before the start */
        op += len + 2;
    }
    *out = op;
    return true;
}

/* Reads an LZF header; *at is the compressed data. An original length
 * above 64 KB is checked against the stream itself before the caller
 * allocates it, so a lying header costs nothing. */
static bool rd_lzf_hdr(struct rdb_in *in, size_t *clen, size_t *ulen, size_t *at)
{
    size_t start = in->pos - 1;
    uint64_t c, u;
    if (!rd_len(in, &c) || !rd_len(in, &u)) return false;
    if (c == 0 || u == 0) return rfail_at(in, start, "empty LZF string");
    if (c > left(in)) return rfail_at(in, start, "LZF string longer than the data left");
    if (u / LZF_MAX_RATIO > c) return rfail_at(in, start, "impossible LZF length %llu",
                                               (unsigned long long)u);
    if (u > UINT32_MAX || c > UINT32_MAX) return rfail_at(in, start, "LZF string too long");
    size_t real;
    if (u > 65536 && (!lzf_length(in->p + in->pos, (size_t)c, &real) || real != u))
        return rfail_at(in, start, "invalid LZF data");
    *clen = (size_t)c;
    *ulen = (size_t)u;
    *at = in->pos;
    in->pos += c;
    return true;
}

static bool lzf_into(struct rdb_in *in, size_t at, size_t clen, char *out, size_t ulen)
{
    unsigned got = lzf_decompress(in->p + at, (unsigned)clen, out, (unsigned)ulen);
    if (got != ulen) return rfail_at(in, at, "invalid LZF data");
    return true;
}

static bool rd_str(struct rdb_in *in, struct rstr *s, struct scratch *sc)
{
    size_t at = in->pos;
    uint64_t len;
    int enc;
    if (!rd_len_enc(in, &len, &enc)) return false;
    if (enc < 0) {
        if (len > left(in)) return rfail_at(in, at, "string of %llu bytes longer than the data left",
                                            (unsigned long long)len);
        s->p = (const char *)in->p + in->pos;
        s->len = (size_t)len;
        in->pos += (size_t)len;
        return true;
    }
    if (enc <= 2) {
        int n = enc == 0 ? 1 : enc == 1 ? 2 : 4;
        if (!need(in, (size_t)n)) return false;
        uint64_t u = le(in->p + in->pos, n);
        in->pos += (size_t)n;
        long long v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
        s->len = (size_t)util_ll2str(s->num, v);
        s->p = s->num;
        return true;
    }
    if (enc == 3) {
        size_t clen, ulen, cat;
        if (!rd_lzf_hdr(in, &clen, &ulen, &cat)) return false;
        char *out = scratch_get(sc, ulen);
        if (!lzf_into(in, cat, clen, out, ulen)) return false;
        s->p = out;
        s->len = ulen;
        return true;
    }
    return rfail_at(in, at, "unknown string encoding %d", enc);
}

/* A string as an allocation of its own (mem_alloc, exactly len bytes): the
 * blobs of compact encodings, which the value then keeps. */
static unsigned char *rd_blob(struct rdb_in *in, size_t *len)
{
    size_t at = in->pos;
    if (!need(in, 1)) return NULL;
    if (in->p[at] == 0xC3) {
        in->pos++;
        size_t clen, ulen, cat;
        if (!rd_lzf_hdr(in, &clen, &ulen, &cat)) return NULL;
        unsigned char *out = mem_alloc(ulen);
        if (!lzf_into(in, cat, clen, (char *)out, ulen)) {
            mem_free(out);
            return NULL;
        }
        *len = ulen;
        return out;
    }
    struct rstr s;
    struct scratch none = {0};
    if (!rd_str(in, &s, &none)) return NULL;
    unsigned char *out = mem_alloc(s.len ? s.len : 1);
    memcpy(out, s.p, s.len);
    *len = s.len;
    return out;
}

/* ---- reading: compact encodings ------------------------------------------- */

/* An intset blob: {u32 width, u32 count} then count members of width bytes,
 * little endian, strictly increasing, at least one. */
static bool intset_valid(const unsigned char *p, size_t size)
{
    if (size < 8) return false;
    uint32_t width = (uint32_t)le(p, 4), count = (uint32_t)le(p + 4, 4);
    if (width != 2 && width != 4 && width != 8) return false;
    if (count == 0 || 8 + (uint64_t)count * width != size) return false;
    const struct intset *is = (const struct intset *)p;
    for (uint32_t i = 1; i < count; i++)
        if (intset_get(is, i) <= intset_get(is, i - 1)) return false;
    return true;
}

/* Duplicate detection for the keys of a listpack of pairs (hash fields,
 * zset members): an open-addressing table of entry offsets, on the stack
 * for the common small case, one allocation otherwise. Also reports the
 * longest key and value (for the *-max-listpack-value limits). */
static bool lp_pairs_unique(const unsigned char *lp, size_t npairs, size_t *maxk, size_t *maxv)
{
    uint32_t stack[512];
    size_t slots = 16;
    while (slots < npairs * 2) slots *= 2;
    uint32_t *tab = slots <= 512 ? stack : mem_alloc(slots * sizeof(uint32_t));
    memset(tab, 0, slots * sizeof(uint32_t)); /* 0 = empty (no entry is at offset 0) */
    bool ok = true;
    *maxk = *maxv = 0;
    for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
        char buf[LP_INTBUF], buf2[LP_INTBUF];
        size_t len, vlen;
        const char *k = lp_get_str(lp, p, buf, &len);
        lp_get_str(lp, lp_next(lp, p), buf2, &vlen);
        if (len > *maxk) *maxk = len;
        if (vlen > *maxv) *maxv = vlen;
        size_t i = util_hash(k, len) & (slots - 1);
        while (tab[i]) {
            if (lp_eq(lp, tab[i], k, len)) {
                ok = false;
                goto out;
            }
            i = (i + 1) & (slots - 1);
        }
        tab[i] = (uint32_t)p;
    }
out:
    if (tab != stack) mem_free(tab);
    return ok;
}

/* Ziplist (Redis before 7.0): <zlbytes u32> <zltail u32> <zllen u16>
 * entries <0xFF>; an entry is <prevlen: 1 byte < 254, or 0xFE + u32>
 * <encoding> <data>. Encodings: 00pppppp string of up to 63 bytes,
 * 01pppppp qqqqqqqq 14-bit length (big endian), 10xxxxxx + u32 big-endian
 * length, 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8,
 * 0xF1..0xFD the integers 0..12, all integers little endian. Every entry
 * is checked against the block before it is read; zlbytes, zltail, zllen
 * and each prevlen must agree with what is there. fn gets each entry as
 * bytes and may stop the walk by returning false. */
typedef bool zl_entry_fn(const char *p, size_t len, void *priv);

static bool ziplist_walk(const unsigned char *zl, size_t size, zl_entry_fn *fn, void *priv,
                         size_t *count)
{
    if (size < 11 || le(zl, 4) != size || zl[size - 1] != 0xFF) return false;
    size_t tail = (size_t)le(zl + 4, 4), zllen = (size_t)le(zl + 8, 2);
    size_t p = 10, prev_size = 0, last = 10, n = 0;
    size_t end = size - 1; /* the terminator */
    while (p < end) {
        size_t start = p, prevlen;
        if (zl[p] < 254) {
            prevlen = zl[p];
            p += 1;
        } else if (zl[p] == 254) {
            if (end - p < 5) return false;
            prevlen = (size_t)le(zl + p + 1, 4);
            p += 5;
        } else {
            return false;
        }
        if (prevlen != prev_size || p >= end) return false;
        unsigned char b = zl[p];
        size_t hdr, dlen;
        long long v = 0;
        bool is_int = true;
        switch (b >> 6) {
        case 0: hdr = 1; dlen = b & 0x3F; is_int = false; break;
        case 1:
            if (end - p < 2) return false;
            hdr = 2;
            dlen = (size_t)(b & 0x3F) << 8 | zl[p + 1];
            is_int = false;
            break;
        case 2:
            if (end - p < 5) return false;
            hdr = 5;
            dlen = (size_t)be(zl + p + 1, 4);
            is_int = false;
            break;
        default:
            hdr = 1;
            if (b == 0xC0) dlen = 2;
            else if (b == 0xD0) dlen = 4;
            else if (b == 0xE0) dlen = 8;
            else if (b == 0xF0) dlen = 3;
            else if (b == 0xFE) dlen = 1;
            else if (b >= 0xF1 && b <= 0xFD) dlen = 0, v = (b & 0x0F) - 1;
            else return false;
        }
        if (dlen > end - p || hdr > end - p - dlen) return false;
        const unsigned char *d = zl + p + hdr;
        char num[UTIL_LL_STR_SIZE];
        const char *s = (const char *)d;
        size_t slen = dlen;
        if (is_int) {
            if (dlen) {
                uint64_t u = le(d, (int)dlen);
                if (dlen < 8 && (u >> (8 * dlen - 1)) & 1) u |= ~(uint64_t)0 << (8 * dlen);
                v = (long long)u;
            }
            slen = (size_t)util_ll2str(num, v);
            s = num;
        }
        p += hdr + dlen;
        prev_size = p - start;
        last = start;
        n++;
        if (fn && !fn(s, slen, priv)) return false;
    }
    if (p != end || tail != last) return false;
    if (zllen != 65535 && zllen != n) return false;
    *count = n;
    return true;
}

/* Zipmap (Redis 2.4 hashes): <count u8> then per pair <len> field <len>
 * <free u8> value <free bytes>, then 0xFF; a length is one byte below 254,
 * or 254 and a u32 (little endian). */
typedef bool zm_pair_fn(const char *f, size_t flen, const char *v, size_t vlen, void *priv);

static bool zipmap_len(const unsigned char *zm, size_t end, size_t *p, size_t *len)
{
    if (*p >= end) return false;
    unsigned b = zm[*p];
    if (b < 254) {
        *len = b;
        *p += 1;
        return true;
    }
    if (b == 254 && end - *p >= 5) {
        *len = (size_t)le(zm + *p + 1, 4);
        *p += 5;
        return true;
    }
    return false;
}

static bool zipmap_walk(const unsigned char *zm, size_t size, zm_pair_fn *fn, void *priv)
{
    if (size < 2 || zm[size - 1] != 0xFF) return false;
    size_t end = size - 1, p = 1, n = 0;
    while (p < end) {
        size_t flen, vlen;
        if (!zipmap_len(zm, end, &p, &flen) || flen > end - p) return false;
        const char *f = (const char *)zm + p;
        p += flen;
        if (!zipmap_len(zm, end, &p, &vlen) || p >= end) return false;
        size_t fr = zm[p++];
        if (vlen > end - p || fr > end - p - vlen) return false;
        const char *v = (const char *)zm + p;
        p += vlen + fr;
        n++;
        if (!fn(f, flen, v, vlen, priv)) return false;
    }
    return p == end && (zm[0] >= 254 || zm[0] == n);
}

/* ---- reading: values ------------------------------------------------------ */

struct loader {
    struct rdb_in *in;
    const struct rdb_limits *lim;
    struct scratch s1, s2;
};

static struct obj *empty_value(struct rdb_in *in, size_t at)
{
    in->empty = true;
    rfail_at(in, at, "empty value");
    return NULL;
}

static struct obj *load_string(struct loader *L)
{
    struct rdb_in *in = L->in;
    /* a long LZF string is decompressed straight into its value */
    if (need(in, 1) && in->p[in->pos] == 0xC3) {
        size_t at = in->pos++;
        size_t clen, ulen, cat;
        if (!rd_lzf_hdr(in, &clen, &ulen, &cat)) return NULL;
        if (ulen > OBJ_EMBSTR_MAX) {
            struct obj *o = obj_new_raw(NULL, 0, ulen);
            if (!lzf_into(in, cat, clen, o->u.raw.ptr, ulen)) {
                obj_free(o);
                return NULL;
            }
            o->u.raw.len = ulen;
            o->u.raw.ptr[ulen] = '\0';
            return o;
        }
        in->pos = at;
    }
    struct rstr s;
    if (!rd_str(in, &s, &L->s1)) return NULL;
    return obj_new_string(s.p, s.len);
}

/* Lists: every element appended under list-max-listpack-size, except the
 * listpack nodes of QUICKLIST_2, which are taken as they are. */
struct list_fill_ctx {
    struct obj *o;
    int fill;
};

static bool list_append_entry(const char *p, size_t len, void *priv)
{
    struct list_fill_ctx *x = priv;
    t_list_append_fill(x->o, p, len, x->fill);
    return true;
}

static struct obj *load_list_plain(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    uint64_t n;
    if (!rd_count(in, &n, 1, "list")) return NULL;
    if (n == 0) return empty_value(in, at);
    struct obj *o = t_list_new();
    for (uint64_t i = 0; i < n; i++) {
        struct rstr s;
        if (!rd_str(in, &s, &L->s1)) {
            obj_free(o);
            return NULL;
        }
        t_list_append_fill(o, s.p, s.len, L->lim->list_fill);
    }
    return o;
}

static bool ziplist_into_list(struct loader *L, struct obj *o, size_t at)
{
    struct rdb_in *in = L->in;
    struct rstr s;
    if (!rd_str(in, &s, &L->s1)) return false;
    struct list_fill_ctx x = {o, L->lim->list_fill};
    size_t n;
    if (s.len == 0 || !ziplist_walk((const unsigned char *)s.p, s.len, list_append_entry, &x, &n))
        return rfail_at(in, at, "invalid ziplist (list)");
    return true;
}

static struct obj *load_list_ziplist(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    struct obj *o = t_list_new();
    if (!ziplist_into_list(L, o, at)) {
        obj_free(o);
        return NULL;
    }
    if (t_list_len(o) == 0) {
        obj_free(o);
        return empty_value(in, at);
    }
    return o;
}

static struct obj *load_quicklist(struct loader *L, bool v2)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    uint64_t n;
    if (!rd_count(in, &n, v2 ? 2 : 1, "quicklist node")) return NULL;
    if (n == 0) return empty_value(in, at);
    struct obj *o = t_list_new();
    for (uint64_t i = 0; i < n; i++) {
        size_t nat = in->pos;
        uint64_t container = QUICKLIST_NODE_PACKED;
        if (v2 && !rd_len(in, &container)) goto fail;
        if (container != QUICKLIST_NODE_PACKED && container != QUICKLIST_NODE_PLAIN) {
            rfail_at(in, nat, "unknown quicklist node container %llu", (unsigned long long)container);
            goto fail;
        }
        size_t bat = in->pos;
        if (!v2) {
            if (!ziplist_into_list(L, o, bat)) goto fail;
            continue;
        }
        if (container == QUICKLIST_NODE_PLAIN) {
            struct rstr s;
            if (!rd_str(in, &s, &L->s1)) goto fail;
            if (s.len == 0) {
                rfail_at(in, bat, "empty quicklist node");
                goto fail;
            }
            t_list_append_fill(o, s.p, s.len, L->lim->list_fill);
            continue;
        }
        size_t len;
        unsigned char *lp = rd_blob(in, &len);
        if (!lp) goto fail;
        if (!lp_validate(lp, len)) {
            mem_free(lp);
            rfail_at(in, bat, "invalid listpack (list node)");
            goto fail;
        }
        size_t cnt = lp_count(lp);
        if (cnt == 0) { /* Redis skips empty nodes too */
            mem_free(lp);
            continue;
        }
        t_list_append_node(o, lp, cnt);
    }
    if (t_list_len(o) == 0) {
        obj_free(o);
        return empty_value(in, at);
    }
    return o;
fail:
    obj_free(o);
    return NULL;
}

static struct obj *load_set(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    uint64_t n;
    if (!rd_count(in, &n, 1, "set")) return NULL;
    if (n == 0) return empty_value(in, at);
    long long max = L->lim->set_intset_entries;
    /* distinct members take two bytes or more but for one empty one: the
     * table is sized by what the data can hold, not by what it claims */
    uint64_t hint = n < left(in) / 2 + 1 ? n : left(in) / 2 + 1;
    struct obj *o = t_set_new_hint((size_t)hint, (long long)n <= max);
    for (uint64_t i = 0; i < n; i++) {
        size_t mat = in->pos;
        struct rstr s;
        if (!rd_str(in, &s, &L->s1)) goto fail;
        if (!t_set_add_member(o, s.p, s.len, max)) {
            rfail_at(in, mat, "duplicate set member");
            goto fail;
        }
    }
    return o;
fail:
    obj_free(o);
    return NULL;
}

static struct obj *load_set_intset(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos, len;
    unsigned char *blob = rd_blob(in, &len);
    if (!blob) return NULL;
    if (!intset_valid(blob, len)) {
        mem_free(blob);
        rfail_at(in, at, "invalid intset");
        return NULL;
    }
    struct intset *is = (struct intset *)blob;
    return t_set_from_intset(is, (long long)intset_len(is) > L->lim->set_intset_entries);
}

/* Hashes from anything but a listpack: pairs go into a listpack while the
 * limits allow, then into a hash table. */
struct hbuild {
    struct loader *L;
    unsigned char *lp; /* while listpack */
    struct obj *o;     /* once a hash table */
    size_t n;
    bool dup;
};

static void hb_to_ht(struct hbuild *h)
{
    size_t maxk, maxv;
    if (!lp_pairs_unique(h->lp, h->n, &maxk, &maxv)) {
        h->dup = true;
        return;
    }
    h->o = t_hash_from_listpack(h->lp, true);
    h->lp = NULL;
}

static bool hb_add(const char *f, size_t flen, const char *v, size_t vlen, void *priv)
{
    struct hbuild *h = priv;
    const struct rdb_limits *lim = h->L->lim;
    if (h->lp && ((long long)flen > lim->hash_value || (long long)vlen > lim->hash_value ||
                  (long long)h->n + 1 > lim->hash_entries)) {
        hb_to_ht(h);
        if (h->dup) return false;
    }
    if (h->lp) {
        lp_append(&h->lp, f, flen);
        lp_append(&h->lp, v, vlen);
    } else if (!t_hash_ht_add(h->o, f, flen, v, vlen)) {
        h->dup = true;
        return false;
    }
    h->n++;
    return true;
}

static void hb_init(struct hbuild *h, struct loader *L, uint64_t n)
{
    memset(h, 0, sizeof *h);
    h->L = L;
    if ((long long)n > L->lim->hash_entries) h->o = t_hash_new_ht((size_t)n);
    else h->lp = lp_new();
}

/* The value, or NULL (duplicate field: in->err set at `at`). */
static struct obj *hb_finish(struct hbuild *h, size_t at)
{
    if (!h->dup && h->lp) {
        size_t maxk, maxv;
        if (lp_pairs_unique(h->lp, h->n, &maxk, &maxv)) {
            struct obj *o = t_hash_from_listpack(h->lp, false);
            h->lp = NULL;
            return o;
        }
        h->dup = true;
    }
    if (h->dup) {
        if (h->lp) lp_free(&h->lp);
        obj_free(h->o);
        rfail_at(h->L->in, at, "duplicate hash field");
        return NULL;
    }
    return h->o;
}

static void hb_abort(struct hbuild *h)
{
    if (h->lp) lp_free(&h->lp);
    obj_free(h->o);
}

static struct obj *load_hash(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    uint64_t n;
    if (!rd_count(in, &n, 2, "hash")) return NULL;
    if (n == 0) return empty_value(in, at);
    struct hbuild h;
    hb_init(&h, L, n);
    for (uint64_t i = 0; i < n; i++) {
        size_t fat = in->pos;
        struct rstr f, v;
        if (!rd_str(in, &f, &L->s1) || !rd_str(in, &v, &L->s2)) {
            hb_abort(&h);
            return NULL;
        }
        if (!hb_add(f.p, f.len, v.p, v.len, &h)) {
            hb_abort(&h);
            rfail_at(in, fat, "duplicate hash field");
            return NULL;
        }
    }
    return hb_finish(&h, at);
}

static struct obj *load_hash_zipmap(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    struct rstr s;
    if (!rd_str(in, &s, &L->s1)) return NULL;
    struct hbuild h;
    hb_init(&h, L, 0);
    if (!zipmap_walk((const unsigned char *)s.p, s.len, hb_add, &h)) {
        bool dup = h.dup;
        hb_abort(&h);
        rfail_at(in, at, dup ? "duplicate hash field" : "invalid zipmap");
        return NULL;
    }
    if (h.n == 0) {
        hb_abort(&h);
        return empty_value(in, at);
    }
    return hb_finish(&h, at);
}

/* Ziplists of pairs (hash, zset) become a listpack of the same entries. */
static bool zl_to_lp(const char *p, size_t len, void *priv)
{
    lp_append((unsigned char **)priv, p, len);
    return true;
}

static unsigned char *ziplist_to_listpack(struct loader *L, size_t at, const char *what)
{
    struct rdb_in *in = L->in;
    struct rstr s;
    if (!rd_str(in, &s, &L->s1)) return NULL;
    unsigned char *lp = lp_new();
    size_t n;
    if (!ziplist_walk((const unsigned char *)s.p, s.len, zl_to_lp, &lp, &n) || n % 2) {
        lp_free(&lp);
        rfail_at(in, at, "invalid ziplist (%s)", what);
        return NULL;
    }
    return lp;
}

/* A listpack of hash pairs, owned: checked, then kept or converted. */
static struct obj *hash_from_lp(struct loader *L, unsigned char *lp, size_t at)
{
    size_t cnt = lp_count(lp);
    if (cnt % 2) {
        lp_free(&lp);
        rfail_at(L->in, at, "hash listpack with an odd number of entries");
        return NULL;
    }
    if (cnt == 0) {
        lp_free(&lp);
        return empty_value(L->in, at);
    }
    size_t maxk, maxv;
    if (!lp_pairs_unique(lp, cnt / 2, &maxk, &maxv)) {
        lp_free(&lp);
        rfail_at(L->in, at, "duplicate hash field");
        return NULL;
    }
    bool to_ht = (long long)(cnt / 2) > L->lim->hash_entries ||
                 (long long)maxk > L->lim->hash_value || (long long)maxv > L->lim->hash_value;
    return t_hash_from_listpack(lp, to_ht);
}

static struct obj *load_hash_listpack(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos, len;
    unsigned char *lp = rd_blob(in, &len);
    if (!lp) return NULL;
    if (!lp_validate(lp, len)) {
        mem_free(lp);
        rfail_at(in, at, "invalid listpack (hash)");
        return NULL;
    }
    return hash_from_lp(L, lp, at);
}

static struct obj *load_hash_ziplist(struct loader *L)
{
    size_t at = L->in->pos;
    unsigned char *lp = ziplist_to_listpack(L, at, "hash");
    return lp ? hash_from_lp(L, lp, at) : NULL;
}

/* A listpack of sorted-set pairs, owned: every score a double (not NaN),
 * pairs in strictly ascending (score, member) order, no member twice. */
static struct obj *zset_from_lp(struct loader *L, unsigned char *lp, size_t at)
{
    const char *why = NULL;
    size_t cnt = lp_count(lp);
    if (cnt % 2) why = "zset listpack with an odd number of entries";
    if (cnt == 0 && !why) {
        lp_free(&lp);
        return empty_value(L->in, at);
    }
    double prev = 0;
    const char *pm = NULL;
    size_t pmlen = 0;
    char pbuf[LP_INTBUF];
    for (size_t p = lp_first(lp); p != LP_NONE && !why; p = lp_next(lp, lp_next(lp, p))) {
        size_t sp = lp_next(lp, p);
        struct lp_val v;
        lp_get(lp, sp, &v);
        double score = (double)v.v;
        if (v.s && !util_str2d((const char *)v.s, v.slen, &score)) {
            why = "zset listpack with a score that is not a number";
            break;
        }
        char buf[LP_INTBUF];
        size_t mlen;
        const char *m = lp_get_str(lp, p, buf, &mlen);
        if (pm && (score < prev || (score == prev && util_lexcmp(pm, pmlen, m, mlen) >= 0)))
            why = "zset listpack out of order";
        prev = score;
        if (m == buf) {
            memcpy(pbuf, buf, mlen);
            m = pbuf;
        }
        pm = m;
        pmlen = mlen;
    }
    size_t maxk = 0, maxv;
    if (!why && !lp_pairs_unique(lp, cnt / 2, &maxk, &maxv)) why = "duplicate zset member";
    if (why) {
        lp_free(&lp);
        rfail_at(L->in, at, "%s", why);
        return NULL;
    }
    bool to_sl = (long long)(cnt / 2) > L->lim->zset_entries ||
                 (long long)maxk > L->lim->zset_value;
    return t_zset_from_listpack(lp, to_sl);
}

static struct obj *load_zset_listpack(struct loader *L)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos, len;
    unsigned char *lp = rd_blob(in, &len);
    if (!lp) return NULL;
    if (!lp_validate(lp, len)) {
        mem_free(lp);
        rfail_at(in, at, "invalid listpack (zset)");
        return NULL;
    }
    return zset_from_lp(L, lp, at);
}

static struct obj *load_zset_ziplist(struct loader *L)
{
    size_t at = L->in->pos;
    unsigned char *lp = ziplist_to_listpack(L, at, "zset");
    return lp ? zset_from_lp(L, lp, at) : NULL;
}

/* An old-style double: a length byte (253 NaN, 254 +inf, 255 -inf), then
 * that many bytes of text. */
static bool rd_text_double(struct rdb_in *in, double *d)
{
    size_t at = in->pos;
    unsigned len;
    if (!rd_u8(in, &len)) return false;
    if (len == 253) return rfail_at(in, at, "NaN score");
    if (len == 254) { *d = INFINITY; return true; }
    if (len == 255) { *d = -INFINITY; return true; }
    if (!need(in, len)) return false;
    const char *p = (const char *)in->p + in->pos;
    in->pos += len;
    if (!util_str2d(p, len, d)) return rfail_at(in, at, "invalid score");
    return true;
}

static struct obj *load_zset(struct loader *L, bool binary)
{
    struct rdb_in *in = L->in;
    size_t at = in->pos;
    uint64_t n;
    if (!rd_count(in, &n, binary ? 9 : 2, "zset")) return NULL;
    if (n == 0) return empty_value(in, at);
    struct obj *o = t_zset_new_skiplist((size_t)n);
    size_t maxlen = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t mat = in->pos;
        struct rstr m;
        double score;
        if (!rd_str(in, &m, &L->s1)) goto fail;
        if (binary) {
            if (!need(in, 8)) goto fail;
            uint64_t u = le(in->p + in->pos, 8);
            memcpy(&score, &u, 8);
            in->pos += 8;
        } else if (!rd_text_double(in, &score)) {
            goto fail;
        }
        if (isnan(score)) {
            rfail_at(in, mat, "NaN score");
            goto fail;
        }
        if (!t_zset_sl_add(o, score, m.p, m.len)) {
            rfail_at(in, mat, "duplicate zset member");
            goto fail;
        }
        if (m.len > maxlen) maxlen = m.len;
    }
    /* a sorted set small enough is a listpack, whatever it was written as */
    if ((long long)n <= L->lim->zset_entries && (long long)maxlen <= L->lim->zset_value)
        t_zset_to_listpack(o);
    return o;
fail:
    obj_free(o);
    return NULL;
}

/* A loaded list takes list-compress-depth as it is now, as a list created
 * by a command does (its interior nodes are compressed here, once). */
static struct obj *list_loaded(struct loader *L, struct obj *o)
{
    if (o) t_list_set_compress_depth(o, L->lim->list_depth);
    return o;
}

static struct obj *load_value(struct loader *L, int type)
{
    struct rdb_in *in = L->in;
    switch (type) {
    case RDB_TYPE_STRING: return load_string(L);
    case RDB_TYPE_LIST: return list_loaded(L, load_list_plain(L));
    case RDB_TYPE_LIST_ZIPLIST: return list_loaded(L, load_list_ziplist(L));
    case RDB_TYPE_LIST_QUICKLIST: return list_loaded(L, load_quicklist(L, false));
    case RDB_TYPE_LIST_QUICKLIST_2: return list_loaded(L, load_quicklist(L, true));
    case RDB_TYPE_SET: return load_set(L);
    case RDB_TYPE_SET_INTSET: return load_set_intset(L);
    case RDB_TYPE_ZSET: return load_zset(L, false);
    case RDB_TYPE_ZSET_2: return load_zset(L, true);
    case RDB_TYPE_ZSET_ZIPLIST: return load_zset_ziplist(L);
    case RDB_TYPE_ZSET_LISTPACK: return load_zset_listpack(L);
    case RDB_TYPE_HASH: return load_hash(L);
    case RDB_TYPE_HASH_ZIPMAP: return load_hash_zipmap(L);
    case RDB_TYPE_HASH_ZIPLIST: return load_hash_ziplist(L);
    case RDB_TYPE_HASH_LISTPACK: return load_hash_listpack(L);
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2: rfail(in, "unsupported value type %d (module)", type); return NULL;
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        rfail(in, "unsupported value type %d (stream)", type);
        return NULL;
    default: rfail(in, "unknown value type %d", type); return NULL;
    }
}

struct obj *rdb_load_value(struct rdb_in *in, int type)
{
    struct rdb_limits def;
    struct loader L = {in, in->lim, {0}, {0}};
    if (!L.lim) {
        rdb_limits_default(&def);
        L.lim = &def;
    }
    in->err[0] = '\0';
    in->empty = false;
    struct obj *o = load_value(&L, type);
    scratch_free(&L.s1);
    scratch_free(&L.s2);
    return o;
}

/* ---- reading: files -------------------------------------------------------- */

/* The checksum follows the parse a chunk at a time, so the bytes are still
 * in cache when they are summed. */
#define CRC_CHUNK (256 * 1024)
#define RESIZE_MAX ((uint64_t)1 << 24)

static void crc_catch_up(uint64_t *crc, size_t *done, const uint8_t *p, size_t upto)
{
    if (upto > *done) {
        *crc = crc64(*crc, p + *done, upto - *done);
        *done = upto;
    }
}

/* The `lru` field as the keyspace keeps it (core/db.h): the 24-bit clock in
 * seconds, or under an LFU policy the minutes of the last decrement (16
 * bits) and the counter (8 bits). */
void rdb_apply_lru(struct keyspace *ks, struct kentry *ke, long long idle, int freq)
{
    if (ks->lfu.on) {
        if (freq >= 0)
            ke->lru = (((uint32_t)(ks->now_ms / 60000) & 0xffff) << 8) | (uint32_t)freq;
    } else if (idle >= 0) {
        if (idle > KE_LRU_MAX) idle = KE_LRU_MAX;
        uint32_t clock = ks_lru_clock(ks);
        ke->lru = (clock - (uint32_t)idle) & KE_LRU_MAX;
    }
}

int rdb_load_buf_with(struct keyspace *ks, const uint8_t *p, size_t len,
                      const struct rdb_limits *lim, struct rdb_load_stats *st, char *err,
                      size_t errlen)
{
    struct rdb_limits def;
    if (!lim) {
        rdb_limits_default(&def);
        lim = &def;
    }
    struct rdb_load_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    struct rdb_in in = {.p = p, .len = len, .lim = lim};
    struct loader L = {&in, lim, {0}, {0}};
    int rc = -1;
    if (len < 9 || memcmp(p, "REDIS", 5) != 0) {
        snprintf(err, errlen, "not an RDB file (no REDIS signature at offset 0)");
        return -1;
    }
    int ver = 0;
    for (int i = 5; i < 9; i++) {
        if (p[i] < '0' || p[i] > '9') {
            snprintf(err, errlen, "not an RDB file (bad version digits at offset 5)");
            return -1;
        }
        ver = ver * 10 + (p[i] - '0');
    }
    st->version = ver;
    if (ver < 1 || ver > RDB_VERSION) {
        snprintf(err, errlen,
                 "can't handle RDB format version %d (this server reads versions 1 to %d) at "
                 "offset 5",
                 ver, RDB_VERSION);
        return -1;
    }
    in.pos = 9;
    long long now = ks->now_ms ? ks->now_ms : util_mstime();
    long long expire = -1, idle = -1;
    int freq = -1;
    struct db *db = ks_db(ks, 0);
    uint64_t crc = 0;
    size_t crc_done = 0;
    for (;;) {
        if (in.pos - crc_done >= CRC_CHUNK) crc_catch_up(&crc, &crc_done, p, in.pos);
        size_t at = in.pos;
        unsigned op;
        if (!rd_u8(&in, &op)) goto out;
        if (op == RDB_OP_EOF) break;
        switch (op) {
        case RDB_OP_EXPIRETIME_MS:
            if (!need(&in, 8)) goto out;
            expire = (long long)le(p + in.pos, 8);
            in.pos += 8;
            continue;
        case RDB_OP_EXPIRETIME:
            if (!need(&in, 4)) goto out;
            expire = (long long)(int32_t)le(p + in.pos, 4) * 1000;
            in.pos += 4;
            continue;
        case RDB_OP_FREQ: {
            unsigned f;
            if (!rd_u8(&in, &f)) goto out;
            freq = (int)f;
            continue;
        }
        case RDB_OP_IDLE: {
            uint64_t v;
            if (!rd_len(&in, &v)) goto out;
            idle = v > (uint64_t)KE_LRU_MAX ? KE_LRU_MAX : (long long)v;
            continue;
        }
        case RDB_OP_SELECTDB: {
            uint64_t id;
            if (!rd_len(&in, &id)) goto out;
            if (id >= (uint64_t)ks->ndb) {
                rfail_at(&in, at, "database %llu beyond the %d configured databases",
                         (unsigned long long)id, ks->ndb);
                goto out;
            }
            db = ks_db(ks, (int)id);
            continue;
        }
        case RDB_OP_RESIZEDB: {
            uint64_t keys, expires;
            if (!rd_len(&in, &keys) || !rd_len(&in, &expires)) goto out;
            /* a hint: never more than the bytes left could hold (a key
             * takes at least 3: type, key length, value), nor more than
             * RESIZE_MAX (beyond it the tables grow as keys arrive), so a
             * lie costs at most 128 MB of buckets per table */
            uint64_t cap = left(&in) / 3;
            if (cap > RESIZE_MAX) cap = RESIZE_MAX;
            if (keys > cap) keys = cap;
            if (expires > keys) expires = keys;
            if (keys > db_size(db)) htab_expand(&db->keys, (size_t)keys);
            if (expires > db_expires_size(db)) htab_expand(&db->expires, (size_t)expires);
            continue;
        }
        case RDB_OP_AUX: {
            struct rstr k, v;
            if (!rd_str(&in, &k, &L.s1) || !rd_str(&in, &v, &L.s2)) goto out;
            continue; /* informational; unknown fields are ignored by contract */
        }
        case RDB_OP_MODULE_AUX:
            rfail_at(&in, at, "unsupported module auxiliary data (MODULE_AUX)");
            goto out;
        case RDB_OP_FUNCTION:
        case RDB_OP_FUNCTION2:
            rfail_at(&in, at, "unsupported function library (FUNCTION)");
            goto out;
        default: break;
        }
        if (!rdb_is_value_type((int)op)) {
            rfail_at(&in, at, "unknown type or opcode %u", op);
            goto out;
        }
        if (op == RDB_TYPE_MODULE || op == RDB_TYPE_MODULE_2 || op == RDB_TYPE_STREAM_LISTPACKS ||
            op == RDB_TYPE_STREAM_LISTPACKS_2) {
            rfail_at(&in, at, "unsupported value type %u (%s)", op,
                     op <= RDB_TYPE_MODULE_2 ? "module" : "stream");
            goto out;
        }
        size_t kat = in.pos;
        struct rstr key;
        if (!rd_str(&in, &key, &L.s1)) goto out;
        /* the key's bytes may live in the scratch the value's elements
         * use: keep a copy when they do */
        char kbuf[256];
        char *kheap = NULL;
        const char *k = key.p;
        if (key.p == L.s1.p) {
            char *copy = key.len <= sizeof kbuf ? kbuf : (kheap = mem_alloc(key.len));
            memcpy(copy, key.p, key.len);
            k = copy;
        }
        in.empty = false;
        struct obj *val = load_value(&L, (int)op);
        if (!val) {
            if (!in.empty) {
                mem_free(kheap);
                goto out;
            }
            in.err[0] = '\0'; /* an empty collection: skipped, as Redis does */
            st->keys_empty++;
        } else if (expire != -1 && expire < now) {
            obj_free(val);
            st->keys_expired++;
        } else if (db_find_raw(db, k, key.len)) {
            obj_free(val);
            mem_free(kheap);
            rfail_at(&in, kat, "duplicate key in database %d", db->id);
            goto out;
        } else {
            struct kentry *ke = db_add(ks, db, k, key.len, val);
            if (expire != -1) db_set_expire(db, ke, expire);
            rdb_apply_lru(ks, ke, idle, freq);
            st->keys_loaded++;
        }
        mem_free(kheap);
        expire = idle = -1;
        freq = -1;
    }
    crc_catch_up(&crc, &crc_done, p, in.pos);
    if (ver >= 5) {
        if (!need(&in, 8)) goto out;
        uint64_t stored = le(p + in.pos, 8);
        if (stored != 0 && stored != crc) {
            rfail(&in, "checksum mismatch (computed %016llx, stored %016llx)",
                  (unsigned long long)crc, (unsigned long long)stored);
            goto out;
        }
        in.pos += 8;
    }
    rc = 0;
out:
    if (rc < 0) snprintf(err, errlen, "%s", in.err[0] ? in.err : "malformed RDB data");
    scratch_free(&L.s1);
    scratch_free(&L.s2);
    return rc;
}

int rdb_load_buf(struct keyspace *ks, const uint8_t *p, size_t len, struct rdb_load_stats *st,
                 char *err, size_t errlen)
{
    return rdb_load_buf_with(ks, p, len, NULL, st, err, errlen);
}

int rdb_load_file_with(struct keyspace *ks, const char *path, const struct rdb_limits *lim,
                       struct rdb_load_stats *st, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 1;
        snprintf(err, errlen, "%s: can't open: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        snprintf(err, errlen, "%s: can't stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t size = (size_t)sb.st_size;
    if (size == 0) {
        close(fd);
        snprintf(err, errlen, "%s: empty file, not an RDB file", path);
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: can't map: %s", path, strerror(errno));
        return -1;
    }
    madvise(map, size, MADV_SEQUENTIAL);
    char msg[256];
    int rc = rdb_load_buf_with(ks, map, size, lim, st, msg, sizeof msg);
    munmap(map, size);
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, msg);
    return rc;
}

int rdb_load_file(struct keyspace *ks, const char *path, struct rdb_load_stats *st, char *err,
                  size_t errlen)
{
    return rdb_load_file_with(ks, path, NULL, st, err, errlen);
}
