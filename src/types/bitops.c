/* bitops: bit commands over string values: SETBIT, GETBIT, BITCOUNT,
 * BITPOS, BITOP, BITFIELD, BITFIELD_RO.
 *
 * Bit numbering follows Redis: bit 0 is the most significant bit of byte 0.
 * Bits beyond the end of a string read as 0; a write past the end grows the
 * string with zero bytes, bounded by proto-max-bulk-len. Modified strings
 * are RAW. Overflow arithmetic for BITFIELD is done in 128 bits, so every
 * type from i1 to i64 and u1 to u63 is exact without undefined behaviour. */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/reply.h"
#include "core/server.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

static const char ERR_OFFSET[] = "ERR bit offset is not an integer or out of range";

/* A bit offset argument: "N", or "#N" meaning N*bits when `hash`. */
static bool parse_bit_offset(struct client *c, const struct slice *a, bool hash, int bits,
                             uint64_t *out)
{
    bool usehash = hash && a->len > 1 && a->p[0] == '#';
    long long v;
    if (!util_str2ll(a->p + usehash, a->len - usehash, &v)) goto bad;
    if (usehash) {
        if (v < 0 || (bits && v > LLONG_MAX / bits)) goto bad;
        v *= bits;
    }
    if (v < 0 || (v >> 3) >= c->srv->cfg.proto_max_bulk_len) goto bad;
    *out = (uint64_t)v;
    return true;
bad:
    reply_error(c, ERR_OFFSET);
    return false;
}

/* Read-only view of a string value (empty when missing). */
static const unsigned char *str_view(const struct kentry *ke, char *buf, size_t *len)
{
    if (!ke) {
        *len = 0;
        return (const unsigned char *)"";
    }
    return (const unsigned char *)obj_str(ke->val, buf, len);
}

/* The bytes of the string at argv[argi] for reading (empty when missing);
 * false after replying WRONGTYPE. */
static bool read_string(struct client *c, int argi, char *buf, const unsigned char **p,
                        size_t *len)
{
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, ARG(argi));
    if (ke && ke->val->type != OBJ_STRING) {
        reply_err_wrongtype(c);
        return false;
    }
    *p = str_view(ke, buf, len);
    return true;
}

/* The RAW string at key for writing, created or grown with zero bytes to at
 * least `bytes`; *grown tells whether it was created or grown. NULL (with a
 * WRONGTYPE reply) when key holds another type. */
static struct obj *string_for_write(struct client *c, const struct slice *key, size_t bytes,
                                    bool *grown)
{
    struct keyspace *ks = &c->srv->ks;
    struct kentry *ke = db_lookup(ks, c->db, key->p, key->len);
    if (ke && ke->val->type != OBJ_STRING) {
        reply_err_wrongtype(c);
        return NULL;
    }
    struct obj *o;
    *grown = !ke;
    if (!ke) {
        o = obj_new_raw(NULL, 0, bytes);
        db_add(ks, c->db, key->p, key->len, o);
    } else {
        size_t cur = obj_strlen(ke->val);
        o = obj_make_raw(ke->val, bytes > cur ? bytes : cur);
        ke->val = o;
    }
    if (o->u.raw.len < bytes) {
        *grown = true;
        memset(o->u.raw.ptr + o->u.raw.len, 0, bytes - o->u.raw.len);
        o->u.raw.len = bytes;
        o->u.raw.ptr[bytes] = '\0';
    }
    return o;
}

static inline int get_bit(const unsigned char *p, size_t len, uint64_t off)
{
    size_t byte = (size_t)(off >> 3);
    if (byte >= len) return 0;
    return (p[byte] >> (7 - (off & 7))) & 1;
}

static inline void set_bit(unsigned char *p, uint64_t off, int v)
{
    size_t byte = (size_t)(off >> 3);
    int shift = 7 - (int)(off & 7);
    p[byte] = (unsigned char)((p[byte] & ~(1 << shift)) | ((v & 1) << shift));
}

static void setbit_cmd(struct client *c)
{
    uint64_t off;
    if (!parse_bit_offset(c, &c->argv[2], false, 0, &off)) return;
    const struct slice *v = &c->argv[3];
    if (v->len != 1 || (v->p[0] != '0' && v->p[0] != '1')) {
        reply_error(c, "ERR bit is not an integer or out of range");
        return;
    }
    bool grown;
    struct obj *o = string_for_write(c, &c->argv[1], (size_t)(off >> 3) + 1, &grown);
    if (!o) return;
    unsigned char *p = (unsigned char *)o->u.raw.ptr;
    int old = get_bit(p, o->u.raw.len, off);
    set_bit(p, off, v->p[0] - '0');
    /* only a real change counts, is signalled (WATCH, tracking, events)
     * and propagated, as in Redis 7.0 */
    if (grown || old != v->p[0] - '0') {
        c->srv->dirty++;
        notify_key(c, NOTIFY_STRING, "setbit", ARG(1));
    }
    reply_ll(c, old);
}

static void getbit_cmd(struct client *c)
{
    uint64_t off;
    if (!parse_bit_offset(c, &c->argv[2], false, 0, &off)) return;
    char buf[OBJ_STRBUF];
    size_t len;
    const unsigned char *p;
    if (!read_string(c, 1, buf, &p, &len)) return;
    reply_ll(c, get_bit(p, len, off));
}

/* Normalizes [start, end] against total length like GETRANGE; false when the
 * range is empty. */
static bool normalize_range(long long *start, long long *end, long long total)
{
    if (*start < 0 && *end < 0 && *start > *end) return false;
    if (*start < 0) *start += total;
    if (*end < 0) *end += total;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= total) *end = total - 1;
    return total > 0 && *start <= *end;
}

static long long popcount_bytes(const unsigned char *p, size_t n)
{
    long long count = 0;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        count += __builtin_popcountll(w);
        p += 8;
        n -= 8;
    }
    while (n--) count += __builtin_popcount(*p++);
    return count;
}

/* Parses an optional BYTE|BIT unit; true for BIT. */
static bool parse_unit(struct client *c, int idx, bool *isbit)
{
    *isbit = false;
    if (idx >= c->argc) return true;
    if (util_eqi(ARG(idx), "bit")) *isbit = true;
    else if (!util_eqi(ARG(idx), "byte")) {
        reply_err_syntax(c);
        return false;
    }
    return true;
}

static void bitcount_cmd(struct client *c)
{
    long long start = 0, end = -1;
    bool isbit = false;
    if (c->argc == 4 || c->argc == 5) {
        if (!util_str2ll(ARG(2), &start) || !util_str2ll(ARG(3), &end)) {
            reply_err_notint(c);
            return;
        }
        if (!parse_unit(c, 4, &isbit)) return;
    } else if (c->argc != 2) {
        reply_err_syntax(c);
        return;
    }
    char buf[OBJ_STRBUF];
    size_t len;
    const unsigned char *p;
    if (!read_string(c, 1, buf, &p, &len)) return;
    long long total = isbit ? (long long)len * 8 : (long long)len;
    if (!normalize_range(&start, &end, total)) {
        reply_ll(c, 0);
        return;
    }
    if (!isbit) {
        reply_ll(c, popcount_bytes(p + start, (size_t)(end - start + 1)));
        return;
    }
    long long fb = start >> 3, lb = end >> 3;
    long long n = popcount_bytes(p + fb, (size_t)(lb - fb + 1));
    /* remove the bits of the first byte before start and of the last after end */
    n -= __builtin_popcount((unsigned)(p[fb] >> (8 - (start & 7))) & 0xff);
    n -= __builtin_popcount((unsigned)(p[lb] & ((1u << (7 - (end & 7))) - 1)));
    reply_ll(c, n);
}

static void bitpos_cmd(struct client *c)
{
    const struct slice *b = &c->argv[2];
    if (b->len != 1 || (b->p[0] != '0' && b->p[0] != '1')) {
        long long v;
        if (!util_str2ll(b->p, b->len, &v)) reply_err_notint(c);
        else reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    int bit = b->p[0] - '0';
    long long start = 0, end = -1;
    bool end_given = false, isbit = false;
    if (c->argc >= 4 && !util_str2ll(ARG(3), &start)) {
        reply_err_notint(c);
        return;
    }
    if (c->argc >= 5) {
        if (!util_str2ll(ARG(4), &end)) {
            reply_err_notint(c);
            return;
        }
        end_given = true;
    }
    if (c->argc >= 6 && !parse_unit(c, 5, &isbit)) return;
    if (c->argc > 6) {
        reply_err_syntax(c);
        return;
    }
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, ARG(1));
    if (ke && ke->val->type != OBJ_STRING) {
        reply_err_wrongtype(c);
        return;
    }
    if (!ke) {
        reply_ll(c, bit ? -1 : 0);
        return;
    }
    char buf[OBJ_STRBUF];
    size_t len;
    const unsigned char *p = str_view(ke, buf, &len);
    long long total = isbit ? (long long)len * 8 : (long long)len;
    if (!normalize_range(&start, &end, total)) {
        reply_ll(c, -1);
        return;
    }
    long long sbit = isbit ? start : start * 8;
    long long ebit = isbit ? end : end * 8 + 7;
    unsigned char skip = bit ? 0x00 : 0xff;
    long long pos = sbit;
    while (pos <= ebit) {
        if ((pos & 7) == 0 && pos + 7 <= ebit && p[pos >> 3] == skip) { /* whole byte */
            pos += 8;
            continue;
        }
        if (get_bit(p, len, (uint64_t)pos) == bit) {
            reply_ll(c, pos);
            return;
        }
        pos++;
    }
    /* no match: a search for 0 without an explicit end sees the zero padding
     * right after the string */
    if (bit == 0 && !end_given) reply_ll(c, ((ebit >> 3) + 1) * 8);
    else reply_ll(c, -1);
}

static void bitop_cmd(struct client *c)
{
    enum { OP_AND, OP_OR, OP_XOR, OP_NOT } op;
    if (util_eqi(ARG(1), "and")) op = OP_AND;
    else if (util_eqi(ARG(1), "or")) op = OP_OR;
    else if (util_eqi(ARG(1), "xor")) op = OP_XOR;
    else if (util_eqi(ARG(1), "not")) op = OP_NOT;
    else {
        reply_err_syntax(c);
        return;
    }
    int nsrc = c->argc - 3;
    if (op == OP_NOT && nsrc != 1) {
        reply_error(c, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    struct keyspace *ks = &c->srv->ks;
    const unsigned char **src = mem_alloc(sizeof(*src) * (size_t)nsrc);
    size_t *lens = mem_alloc(sizeof(*lens) * (size_t)nsrc);
    char (*bufs)[OBJ_STRBUF] = mem_alloc(sizeof(*bufs) * (size_t)nsrc);
    size_t maxlen = 0;
    for (int i = 0; i < nsrc; i++) {
        struct kentry *ke = db_lookup_read(ks, c->db, ARG(3 + i));
        if (ke && ke->val->type != OBJ_STRING) {
            mem_free(src);
            mem_free(lens);
            mem_free(bufs);
            reply_err_wrongtype(c);
            return;
        }
        src[i] = str_view(ke, bufs[i], &lens[i]);
        if (lens[i] > maxlen) maxlen = lens[i];
    }
    if (maxlen == 0) {
        if (db_delete(ks, c->db, ARG(2))) {
            c->srv->dirty++;
            notify_key(c, NOTIFY_GENERIC, "del", ARG(2));
        }
        reply_ll(c, 0);
    } else {
        unsigned char *res = mem_alloc(maxlen);
        for (size_t j = 0; j < maxlen; j++) {
            unsigned char out = j < lens[0] ? src[0][j] : 0;
            if (op == OP_NOT) out = (unsigned char)~out;
            for (int i = 1; i < nsrc; i++) {
                unsigned char v = j < lens[i] ? src[i][j] : 0;
                if (op == OP_AND) out &= v;
                else if (op == OP_OR) out |= v;
                else out ^= v;
            }
            res[j] = out;
        }
        /* the new value is written after reading every source (dest may be
         * one of them) */
        db_set(ks, c->db, ARG(2), obj_new_raw((const char *)res, maxlen, maxlen), false);
        mem_free(res);
        c->srv->dirty++;
        notify_key(c, NOTIFY_STRING, "set", ARG(2));
        reply_ll(c, (long long)maxlen);
    }
    mem_free(src);
    mem_free(lens);
    mem_free(bufs);
}

/* ---- BITFIELD ------------------------------------------------------------ */

enum bf_op { BF_GET, BF_SET, BF_INCRBY };
enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };

struct bf_item {
    enum bf_op op;
    enum bf_overflow ow;
    bool sign;
    int bits;
    uint64_t offset;
    long long value;
};

static uint64_t bf_read(const unsigned char *p, size_t len, uint64_t off, int bits)
{
    uint64_t v = 0;
    for (int i = 0; i < bits; i++) v = (v << 1) | (uint64_t)get_bit(p, len, off + (uint64_t)i);
    return v;
}

static void bf_write(unsigned char *p, uint64_t off, int bits, uint64_t v)
{
    for (int i = 0; i < bits; i++) set_bit(p, off + (uint64_t)i, (int)((v >> (bits - 1 - i)) & 1));
}

static int64_t sign_extend(uint64_t v, int bits)
{
    if (bits == 64) return (int64_t)v;
    uint64_t msb = (uint64_t)1 << (bits - 1);
    if (v & msb) v |= ~(((uint64_t)1 << bits) - 1);
    return (int64_t)v;
}

/* value + incr under the type's overflow rule. Returns false when FAIL
 * applies (no change); *out is the raw bits to store / value to report. */
static bool bf_apply(const struct bf_item *it, __int128 value, long long incr, __int128 *out)
{
    __int128 sum = value + incr;
    __int128 min, max;
    if (it->sign) {
        max = ((__int128)1 << (it->bits - 1)) - 1;
        min = -max - 1;
    } else {
        max = ((__int128)1 << it->bits) - 1;
        min = 0;
    }
    if (sum >= min && sum <= max) {
        *out = sum;
        return true;
    }
    if (it->ow == BF_FAIL) return false;
    if (it->ow == BF_SAT) {
        *out = sum > max ? max : min;
        return true;
    }
    uint64_t raw = (uint64_t)sum; /* WRAP: keep the low bits */
    if (it->bits < 64) raw &= ((uint64_t)1 << it->bits) - 1;
    *out = it->sign ? (__int128)sign_extend(raw, it->bits) : (__int128)raw;
    return true;
}

static bool parse_bf_type(struct client *c, const struct slice *a, bool *sign, int *bits)
{
    long long b;
    if (a->len >= 2 && (a->p[0] == 'i' || a->p[0] == 'I' || a->p[0] == 'u' || a->p[0] == 'U') &&
        util_str2ll(a->p + 1, a->len - 1, &b)) {
        *sign = a->p[0] == 'i' || a->p[0] == 'I';
        if (b >= 1 && ((*sign && b <= 64) || (!*sign && b <= 63))) {
            *bits = (int)b;
            return true;
        }
    }
    reply_error(c, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                   "supported but i64 is.");
    return false;
}

static void bitfield_generic(struct client *c, bool readonly)
{
    int cap = (c->argc - 2) / 3 + 1, n = 0;
    struct bf_item *items = mem_alloc(sizeof(*items) * (size_t)cap);
    enum bf_overflow ow = BF_WRAP;
    bool writes = false;
    for (int i = 2; i < c->argc;) {
        const struct slice *w = &c->argv[i];
        int left = c->argc - i - 1;
        if (util_eqi(w->p, w->len, "overflow") && left >= 1) {
            const struct slice *t = &c->argv[i + 1];
            if (util_eqi(t->p, t->len, "wrap")) ow = BF_WRAP;
            else if (util_eqi(t->p, t->len, "sat")) ow = BF_SAT;
            else if (util_eqi(t->p, t->len, "fail")) ow = BF_FAIL;
            else {
                reply_error(c, "ERR Invalid OVERFLOW type specified");
                goto done;
            }
            i += 2;
            continue;
        }
        enum bf_op op;
        if (util_eqi(w->p, w->len, "get") && left >= 2) op = BF_GET;
        else if (util_eqi(w->p, w->len, "set") && left >= 3) op = BF_SET;
        else if (util_eqi(w->p, w->len, "incrby") && left >= 3) op = BF_INCRBY;
        else {
            reply_err_syntax(c);
            goto done;
        }
        if (readonly && op != BF_GET) {
            reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
            goto done;
        }
        struct bf_item *it = &items[n];
        it->op = op;
        it->ow = ow;
        if (!parse_bf_type(c, &c->argv[i + 1], &it->sign, &it->bits)) goto done;
        if (!parse_bit_offset(c, &c->argv[i + 2], true, it->bits, &it->offset)) goto done;
        it->value = 0;
        if (op != BF_GET) {
            if (!util_str2ll(ARG(i + 3), &it->value)) {
                reply_err_notint(c);
                goto done;
            }
            writes = true;
        }
        n++;
        i += op == BF_GET ? 3 : 4;
    }
    if (!writes) {
        char buf[OBJ_STRBUF];
        size_t len;
        const unsigned char *p;
        if (!read_string(c, 1, buf, &p, &len)) goto done;
        reply_array(c, n);
        for (int k = 0; k < n; k++) {
            uint64_t raw = bf_read(p, len, items[k].offset, items[k].bits);
            reply_ll(c, items[k].sign ? sign_extend(raw, items[k].bits) : (long long)raw);
        }
        goto done;
    }
    size_t need = 0;
    for (int k = 0; k < n; k++) {
        size_t end = (size_t)((items[k].offset + (uint64_t)items[k].bits - 1) >> 3) + 1;
        if (items[k].op != BF_GET && end > need) need = end;
    }
    bool changed;
    struct obj *o = string_for_write(c, &c->argv[1], need, &changed);
    if (!o) goto done;
    reply_array(c, n);
    for (int k = 0; k < n; k++) {
        struct bf_item *it = &items[k];
        unsigned char *p = (unsigned char *)o->u.raw.ptr;
        uint64_t raw = bf_read(p, o->u.raw.len, it->offset, it->bits);
        __int128 old = it->sign ? (__int128)sign_extend(raw, it->bits) : (__int128)raw;
        if (it->op == BF_GET) {
            reply_ll(c, (long long)old);
            continue;
        }
        __int128 nv;
        bool ok;
        if (it->op == BF_SET) {
            /* unsigned fields take the argument's two's complement bits */
            __int128 v = it->sign ? (__int128)it->value : (__int128)(uint64_t)it->value;
            ok = bf_apply(it, v, 0, &nv);
        } else {
            ok = bf_apply(it, old, it->value, &nv);
        }
        if (!ok) {
            reply_null(c);
            continue;
        }
        uint64_t nraw = (uint64_t)nv;
        if (it->bits < 64) nraw &= ((uint64_t)1 << it->bits) - 1;
        if (nraw != raw) changed = true;
        bf_write(p, it->offset, it->bits, nraw);
        reply_ll(c, it->op == BF_SET ? (long long)old : (long long)nv);
    }
    if (changed) {
        c->srv->dirty++;
        notify_key(c, NOTIFY_STRING, "setbit", ARG(1));
    }
done:
    mem_free(items);
}

static void bitfield_cmd(struct client *c) { bitfield_generic(c, false); }
static void bitfield_ro_cmd(struct client *c) { bitfield_generic(c, true); }

struct command bitops_commands[] = {
    {"setbit", setbit_cmd, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "@write @bitmap @slow",
     "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
     "2.2.0", "bitmap"},
    {"getbit", getbit_cmd, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "@read @bitmap @fast",
     "Returns a bit value by offset", "2.2.0", "bitmap"},
    {"bitcount", bitcount_cmd, -2, CMD_READONLY, 1, 1, 1, "@read @bitmap @slow",
     "Counts the number of set bits (population counting) in a string", "2.6.0", "bitmap"},
    {"bitpos", bitpos_cmd, -3, CMD_READONLY, 1, 1, 1, "@read @bitmap @slow",
     "Finds the first set (1) or clear (0) bit in a string", "2.8.7", "bitmap"},
    {"bitop", bitop_cmd, -4, CMD_WRITE | CMD_DENYOOM, 2, -1, 1, "@write @bitmap @slow",
     "Performs bitwise operations on multiple strings, and stores the result", "2.6.0", "bitmap"},
    {"bitfield", bitfield_cmd, -2, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "@write @bitmap @slow",
     "Performs arbitrary bitfield integer operations on strings", "3.2.0", "bitmap"},
    {"bitfield_ro", bitfield_ro_cmd, -2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@read @bitmap @fast",
     "Performs arbitrary read-only bitfield integer operations on strings", "6.0.0", "bitmap"},
    {NULL}};
