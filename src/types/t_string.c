/* t_string: the string commands.
 *
 * Values are `struct obj` strings (object.h): INT for canonical integers,
 * EMBSTR up to 44 bytes, RAW beyond and for anything edited in place
 * (APPEND, SETRANGE). Every size a client can grow a string to is bounded by
 * proto-max-bulk-len. SET, GET, INCR and MSET are the benchmarked commands:
 * each does one hash lookup and at most one allocation (the new value).
 *
 * Propagation (core/propagate.h) is Redis 7.0's: every TTL goes out as an
 * absolute time (SET/SETEX/PSETEX as SET key value PXAT <ms>, GETEX as
 * PEXPIREAT or PERSIST), SET ... GET without its GET words, GETSET as SET,
 * GETDEL and GETEX with a past time as DEL/UNLINK, INCRBYFLOAT as SET of
 * the result with KEEPTTL (so float formatting never differs on replay). */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/server.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

/* argv[argi] as a string (see cmd_lookup_typed). */
static inline bool lookup_string(struct client *c, int argi, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, argi, OBJ_STRING, write, ke);
}

static bool check_size(struct client *c, long long size)
{
    if (size > c->srv->cfg.proto_max_bulk_len) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    return true;
}

/* ---- GET / SET family ----------------------------------------------------- */

enum prop_set_form { PROP_SET_PLAIN, PROP_SET_PXAT, PROP_SET_KEEPTTL };

/* The running command propagates SET <argv[1]> <value>, with PXAT <when>
 * or KEEPTTL as `form` says. */
static void prop_set(struct client *c, const char *v, size_t vlen, enum prop_set_form form,
                     long long when)
{
    char num[UTIL_LL_STR_SIZE];
    const char *argv[5] = {"SET", c->argv[1].p, v, NULL, num};
    size_t lens[5] = {3, c->argv[1].len, vlen, 0, 0};
    int argc = 3;
    if (form == PROP_SET_PXAT) {
        argv[3] = "PXAT";
        lens[3] = 4;
        lens[4] = (size_t)util_ll2str(num, when);
        argc = 5;
    } else if (form == PROP_SET_KEEPTTL) {
        argv[3] = "KEEPTTL";
        lens[3] = 7;
        argc = 4;
    }
    prop_commandv(c, argc, argv, lens);
}

/* SET ... GET propagates its arguments without the GET words (the reply is
 * not part of the change). Only called without an expire option, so no
 * "get" at argv[3] on is an option's value. */
static void prop_set_without_get(struct client *c)
{
    struct slice small[8];
    struct slice *v = c->argc <= 8 ? small : mem_alloc(sizeof(*v) * (size_t)c->argc);
    int n = 0;
    for (int i = 0; i < c->argc; i++)
        if (i < 3 || !util_eqi(c->argv[i].p, c->argv[i].len, "get")) v[n++] = c->argv[i];
    prop_command(c, n, v);
    if (v != small) mem_free(v);
}

static void get_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, false, &ke)) return;
    if (!ke) reply_null(c);
    else reply_bulk_obj(c, ke->val);
}

enum {
    SET_NX = 1 << 0,
    SET_XX = 1 << 1,
    SET_GET = 1 << 2,
    SET_KEEPTTL = 1 << 3,
    SET_EX = 1 << 4,
    SET_PX = 1 << 5,
    SET_EXAT = 1 << 6,
    SET_PXAT = 1 << 7,
    SET_PERSIST = 1 << 8,
};
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Parses the option words of SET (is_getex false) or GETEX from argv[first].
 * On success *abs_ms holds the absolute expire time when an expire option
 * was given. Replies the error and returns false otherwise. */
static bool parse_set_options(struct client *c, int first, bool is_getex, const char *cmdname,
                              int *flags_out, long long *abs_ms)
{
    int flags = 0;
    long long when = 0;
    for (int i = first; i < c->argc; i++) {
        const struct slice *a = &c->argv[i];
        bool has_next = i + 1 < c->argc;
        int f = 0;
        if (!is_getex && util_eqi(a->p, a->len, "nx") && !(flags & (SET_XX))) f = SET_NX;
        else if (!is_getex && util_eqi(a->p, a->len, "xx") && !(flags & SET_NX)) f = SET_XX;
        else if (!is_getex && util_eqi(a->p, a->len, "get")) f = SET_GET;
        else if (!is_getex && util_eqi(a->p, a->len, "keepttl") && !(flags & SET_ANY_EXPIRE))
            f = SET_KEEPTTL;
        else if (is_getex && util_eqi(a->p, a->len, "persist") && !(flags & SET_ANY_EXPIRE))
            f = SET_PERSIST;
        else if (has_next && !(flags & (SET_ANY_EXPIRE | SET_KEEPTTL | SET_PERSIST))) {
            if (util_eqi(a->p, a->len, "ex")) f = SET_EX;
            else if (util_eqi(a->p, a->len, "px")) f = SET_PX;
            else if (util_eqi(a->p, a->len, "exat")) f = SET_EXAT;
            else if (util_eqi(a->p, a->len, "pxat")) f = SET_PXAT;
        }
        if (!f) {
            reply_err_syntax(c);
            return false;
        }
        flags |= f;
        if (f & SET_ANY_EXPIRE) {
            i++;
            if (!util_str2ll(c->argv[i].p, c->argv[i].len, &when)) {
                reply_err_notint(c);
                return false;
            }
        }
    }
    if (flags & SET_ANY_EXPIRE) {
        bool seconds = flags & (SET_EX | SET_EXAT);
        bool relative = flags & (SET_EX | SET_PX);
        if (when <= 0 ||
            !db_expire_to_abs_ms(c->srv->ks.now_ms, when, seconds, relative, abs_ms)) {
            reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
            return false;
        }
    }
    *flags_out = flags;
    return true;
}

static void set_cmd(struct client *c)
{
    int flags = 0;
    long long when = 0;
    if (c->argc > 3 && !parse_set_options(c, 3, false, "set", &flags, &when)) return;
    struct keyspace *ks = &c->srv->ks;
    if (flags == 0) { /* the plain SET: one lookup, one allocation */
        db_set(ks, c->db, ARG(1), obj_new_string(ARG(2)), false);
        c->srv->dirty++;
        notify_key(c, NOTIFY_STRING, "set", ARG(1));
        reply_ok(c);
        return;
    }
    struct kentry *ke = db_lookup(ks, c->db, ARG(1));
    if ((flags & SET_GET) && ke && ke->val->type != OBJ_STRING) {
        reply_err_wrongtype(c);
        return;
    }
    if (flags & SET_GET) {
        if (ke) reply_bulk_obj(c, ke->val);
        else reply_null(c);
    }
    if (((flags & SET_NX) && ke) || ((flags & SET_XX) && !ke)) {
        if (!(flags & SET_GET)) reply_null(c);
        return;
    }
    struct obj *v = obj_new_string(ARG(2));
    if (ke) {
        db_replace_value(ks, ke, v);
        if (!(flags & SET_KEEPTTL)) db_persist(c->db, ke);
        ke->lru = ks_lru_clock(ks);
    } else {
        ke = db_add(ks, c->db, ARG(1), v);
    }
    if (flags & SET_ANY_EXPIRE) db_set_expire(c->db, ke, when);
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "set", ARG(1));
    if (flags & SET_ANY_EXPIRE) notify_key(c, NOTIFY_GENERIC, "expire", ARG(1));
    if (flags & SET_ANY_EXPIRE) prop_set(c, ARG(2), PROP_SET_PXAT, when);
    else if (flags & SET_GET) prop_set_without_get(c);
    if (!(flags & SET_GET)) reply_ok(c);
}

static void setnx_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    if (db_lookup(ks, c->db, ARG(1))) {
        reply_ll(c, 0);
        return;
    }
    db_add(ks, c->db, ARG(1), obj_new_string(ARG(2)));
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "set", ARG(1));
    reply_ll(c, 1);
}

static void setex_generic(struct client *c, bool seconds, const char *name)
{
    long long t, when;
    if (!util_str2ll(ARG(2), &t)) {
        reply_err_notint(c);
        return;
    }
    if (t <= 0 || !db_expire_to_abs_ms(c->srv->ks.now_ms, t, seconds, true, &when)) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", name);
        return;
    }
    struct kentry *ke = db_set(&c->srv->ks, c->db, ARG(1), obj_new_string(ARG(3)), false);
    db_set_expire(c->db, ke, when);
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "set", ARG(1));
    notify_key(c, NOTIFY_GENERIC, "expire", ARG(1));
    prop_set(c, ARG(3), PROP_SET_PXAT, when);
    reply_ok(c);
}

static void setex_cmd(struct client *c) { setex_generic(c, true, "setex"); }
static void psetex_cmd(struct client *c) { setex_generic(c, false, "psetex"); }

static void getset_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    if (ke) reply_bulk_obj(c, ke->val);
    else reply_null(c);
    db_set(&c->srv->ks, c->db, ARG(1), obj_new_string(ARG(2)), false);
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "set", ARG(1));
    prop_set(c, ARG(2), PROP_SET_PLAIN, 0);
}

static void getdel_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    if (!ke) {
        reply_null(c);
        return;
    }
    reply_bulk_obj(c, ke->val);
    bool lazy = c->srv->cfg.lazyfree_lazy_user_del; /* a user's delete, as DEL */
    db_unlink(&c->srv->ks, c->db, ARG(1), lazy);
    c->srv->dirty++;
    notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    prop_del(c, ARG(1), lazy);
}

static void getex_cmd(struct client *c)
{
    int flags = 0;
    long long when = 0;
    if (!parse_set_options(c, 2, true, "getex", &flags, &when)) return;
    struct kentry *ke;
    if (!lookup_string(c, 1, false, &ke)) return;
    if (!ke) {
        reply_null(c);
        return;
    }
    reply_bulk_obj(c, ke->val);
    struct keyspace *ks = &c->srv->ks;
    if ((flags & (SET_EXAT | SET_PXAT)) && when <= ks->now_ms && ks->lazy_expire) {
        /* an absolute time already past: the key goes (as EXPIREAT does) */
        bool lazy = ks->lazyfree.expire;
        db_unlink(ks, c->db, ARG(1), lazy);
        c->srv->dirty++;
        notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
        prop_del(c, ARG(1), lazy);
    } else if (flags & SET_ANY_EXPIRE) {
        db_set_expire(c->db, ke, when);
        c->srv->dirty++;
        notify_key(c, NOTIFY_GENERIC, "expire", ARG(1));
        char num[UTIL_LL_STR_SIZE];
        const char *argv[3] = {"PEXPIREAT", c->argv[1].p, num};
        size_t lens[3] = {9, c->argv[1].len, (size_t)util_ll2str(num, when)};
        prop_commandv(c, 3, argv, lens);
    } else if ((flags & SET_PERSIST) && db_persist(c->db, ke)) {
        c->srv->dirty++;
        notify_key(c, NOTIFY_GENERIC, "persist", ARG(1));
        const char *argv[2] = {"PERSIST", c->argv[1].p};
        size_t lens[2] = {7, c->argv[1].len};
        prop_commandv(c, 2, argv, lens);
    }
}

static void mget_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    reply_array(c, c->argc - 1);
    for (int i = 1; i < c->argc; i++) {
        struct kentry *ke = db_lookup_read(ks, c->db, ARG(i));
        if (ke && ke->val->type == OBJ_STRING) reply_bulk_obj(c, ke->val);
        else reply_null(c);
    }
}

static void mset_generic(struct client *c, bool nx)
{
    if (c->argc % 2 == 0) {
        reply_err_arity(c, nx ? "msetnx" : "mset");
        return;
    }
    struct keyspace *ks = &c->srv->ks;
    if (nx) {
        for (int i = 1; i < c->argc; i += 2)
            if (db_lookup(ks, c->db, ARG(i))) {
                reply_ll(c, 0);
                return;
            }
    }
    for (int i = 1; i < c->argc; i += 2) {
        db_set(ks, c->db, ARG(i), obj_new_string(ARG(i + 1)), false);
        notify_key(c, NOTIFY_STRING, "set", ARG(i));
    }
    c->srv->dirty += (c->argc - 1) / 2;
    if (nx) reply_ll(c, 1);
    else reply_ok(c);
}

static void mset_cmd(struct client *c) { mset_generic(c, false); }
static void msetnx_cmd(struct client *c) { mset_generic(c, true); }

static void append_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    if (!ke) {
        if (!check_size(c, (long long)c->argv[2].len)) return;
        db_add(&c->srv->ks, c->db, ARG(1), obj_new_string(ARG(2)));
        c->srv->dirty++;
        notify_key(c, NOTIFY_STRING, "append", ARG(1));
        reply_ll(c, (long long)c->argv[2].len);
        return;
    }
    size_t cur = obj_strlen(ke->val);
    if (!check_size(c, (long long)(cur + c->argv[2].len))) return;
    struct obj *o = obj_make_raw(ke->val, cur + c->argv[2].len);
    ke->val = o;
    memcpy(o->u.raw.ptr + o->u.raw.len, c->argv[2].p, c->argv[2].len);
    o->u.raw.len += c->argv[2].len;
    o->u.raw.ptr[o->u.raw.len] = '\0';
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "append", ARG(1));
    reply_ll(c, (long long)o->u.raw.len);
}

static void strlen_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_string(c, 1, false, &ke)) reply_ll(c, ke ? (long long)obj_strlen(ke->val) : 0);
}

/* ---- counters ------------------------------------------------------------- */

static void incr_generic(struct client *c, long long by)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    long long v = 0;
    if (ke && !obj_get_ll(ke->val, &v)) {
        reply_err_notint(c);
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_err_overflow(c);
        return;
    }
    v += by;
    if (!ke) {
        db_add(&c->srv->ks, c->db, ARG(1), obj_new_int(v));
    } else if (ke->val->enc == ENC_INT && !(ke->val->flags & OBJ_F_SHARED) &&
               (v < 0 || v >= OBJ_SHARED_INTS)) {
        ke->val->u.i = v; /* in place: no allocation */
    } else {
        db_replace_value(&c->srv->ks, ke, obj_new_int(v));
    }
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "incrby", ARG(1));
    reply_ll(c, v);
}

static void incr_cmd(struct client *c) { incr_generic(c, 1); }
static void decr_cmd(struct client *c) { incr_generic(c, -1); }

static void incrby_cmd(struct client *c)
{
    long long by;
    if (!util_str2ll(ARG(2), &by)) {
        reply_err_notint(c);
        return;
    }
    incr_generic(c, by);
}

static void decrby_cmd(struct client *c)
{
    long long by;
    if (!util_str2ll(ARG(2), &by)) {
        reply_err_notint(c);
        return;
    }
    if (by == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

static void incrbyfloat_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    long double v = 0, by;
    if (ke) {
        char buf[OBJ_STRBUF];
        size_t len;
        const char *p = obj_str(ke->val, buf, &len);
        if (!util_str2ld(p, len, &v)) {
            reply_err_notfloat(c);
            return;
        }
    }
    if (!util_str2ld(ARG(2), &by)) {
        reply_err_notfloat(c);
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char out[UTIL_LD_STR_SIZE];
    int n = util_ld2str(out, sizeof(out), v);
    if (n < 0) {
        reply_err_notfloat(c);
        return;
    }
    struct obj *o = obj_new_string_noint(out, (size_t)n);
    if (ke) db_replace_value(&c->srv->ks, ke, o);
    else db_add(&c->srv->ks, c->db, ARG(1), o);
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "incrbyfloat", ARG(1));
    prop_set(c, out, (size_t)n, PROP_SET_KEEPTTL, 0);
    reply_bulk(c, out, (size_t)n);
}

/* ---- ranges ------------------------------------------------------------- */

static void getrange_cmd(struct client *c)
{
    long long start, end;
    if (!util_str2ll(ARG(2), &start) || !util_str2ll(ARG(3), &end)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_string(c, 1, false, &ke)) return;
    if (!ke) {
        reply_bulk(c, "", 0);
        return;
    }
    char buf[OBJ_STRBUF];
    size_t slen;
    const char *p = obj_str(ke->val, buf, &slen);
    long long len = (long long)slen;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    reply_bulk(c, p + start, (size_t)(end - start + 1));
}

static void setrange_cmd(struct client *c)
{
    long long offset;
    if (!util_str2ll(ARG(2), &offset)) {
        reply_err_notint(c);
        return;
    }
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    struct kentry *ke;
    if (!lookup_string(c, 1, true, &ke)) return;
    size_t vlen = c->argv[3].len;
    size_t cur = ke ? obj_strlen(ke->val) : 0;
    if (vlen == 0) { /* nothing to write: no key is created */
        reply_ll(c, (long long)cur);
        return;
    }
    if (offset > c->srv->cfg.proto_max_bulk_len - (long long)vlen) { /* no overflow */
        check_size(c, LLONG_MAX);
        return;
    }
    size_t need = (size_t)offset + vlen;
    struct obj *o;
    if (!ke) {
        o = obj_new_raw(NULL, 0, need);
        ke = db_add(&c->srv->ks, c->db, ARG(1), o);
    } else {
        o = obj_make_raw(ke->val, need > cur ? need : cur);
        ke->val = o;
    }
    if (need > o->u.raw.len) {
        memset(o->u.raw.ptr + o->u.raw.len, 0, need - o->u.raw.len);
        o->u.raw.len = need;
        o->u.raw.ptr[need] = '\0';
    }
    memcpy(o->u.raw.ptr + offset, c->argv[3].p, vlen);
    c->srv->dirty++;
    notify_key(c, NOTIFY_STRING, "setrange", ARG(1));
    reply_ll(c, (long long)o->u.raw.len);
}

/* ---- LCS ------------------------------------------------------------------ */

struct lcs_range {
    size_t a_start, a_end, b_start, b_end;
};

/* Replies one IDX match if it is long enough; returns 1 if it did. */
static int lcs_emit(struct client *c, const struct lcs_range *r, long long minlen, bool with_len)
{
    long long mlen = (long long)(r->a_end - r->a_start + 1);
    if (mlen < minlen) return 0;
    reply_array(c, with_len ? 3 : 2);
    reply_array(c, 2);
    reply_ll(c, (long long)r->a_start);
    reply_ll(c, (long long)r->a_end);
    reply_array(c, 2);
    reply_ll(c, (long long)r->b_start);
    reply_ll(c, (long long)r->b_end);
    if (with_len) reply_ll(c, mlen);
    return 1;
}

static void lcs_cmd(struct client *c)
{
    bool want_len = false, want_idx = false, with_len = false;
    long long minlen = 0;
    for (int i = 3; i < c->argc; i++) {
        const struct slice *a = &c->argv[i];
        if (util_eqi(a->p, a->len, "len")) want_len = true;
        else if (util_eqi(a->p, a->len, "idx")) want_idx = true;
        else if (util_eqi(a->p, a->len, "withmatchlen")) with_len = true;
        else if (util_eqi(a->p, a->len, "minmatchlen") && i + 1 < c->argc) {
            if (!util_str2ll(ARG(i + 1), &minlen)) {
                reply_err_notint(c);
                return;
            }
            if (minlen < 0) minlen = 0;
            i++;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    struct keyspace *ks = &c->srv->ks;
    struct kentry *ka = db_lookup_read(ks, c->db, ARG(1));
    struct kentry *kb = db_lookup_read(ks, c->db, ARG(2));
    if ((ka && ka->val->type != OBJ_STRING) || (kb && kb->val->type != OBJ_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    if (want_len && want_idx) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    char bufa[OBJ_STRBUF], bufb[OBJ_STRBUF];
    size_t alen = 0, blen = 0;
    const char *a = ka ? obj_str(ka->val, bufa, &alen) : "";
    const char *b = kb ? obj_str(kb->val, bufb, &blen) : "";
    /* the DP table is transient memory the client controls: bound it */
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    if (cells > (unsigned long long)c->srv->cfg.proto_max_bulk_len / sizeof(uint32_t) ||
        cells > SIZE_MAX / sizeof(uint32_t)) {
        reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
                       "proto-max-bulk-len");
        return;
    }
    uint32_t *dp = mem_alloc((size_t)cells * sizeof(uint32_t));
#define DP(i, j) dp[(size_t)(j) * (alen + 1) + (i)]
    for (size_t i = 0; i <= alen; i++) DP(i, 0) = 0;
    for (size_t j = 0; j <= blen; j++) DP(0, j) = 0;
    for (size_t i = 1; i <= alen; i++)
        for (size_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1]) DP(i, j) = DP(i - 1, j - 1) + 1;
            else DP(i, j) = DP(i - 1, j) > DP(i, j - 1) ? DP(i - 1, j) : DP(i, j - 1);
        }
    uint32_t total = DP(alen, blen);
    if (want_len) {
        mem_free(dp);
        reply_ll(c, total);
        return;
    }
    /* Walk back from the end collecting the common string and, for IDX,
     * the ranges of consecutive matches (reported last-first like Redis). */
    char *out = want_idx ? NULL : mem_alloc(total + 1);
    size_t idx = total;
    reply_defer_t d = NULL;
    long long nmatches = 0;
    if (want_idx) {
        reply_map(c, 2);
        reply_bulk(c, "matches", 7);
        d = reply_defer(c);
    }
    /* Consecutive matches on the walk back extend one range; a step that
     * is not a match closes it. */
    size_t i = alen, j = blen;
    bool in_range = false;
    struct lcs_range r = {0, 0, 0, 0};
    while (i > 0 && j > 0) {
        if (a[i - 1] == b[j - 1]) {
            if (out) out[--idx] = a[i - 1];
            if (!in_range) {
                in_range = true;
                r.a_start = r.a_end = i - 1;
                r.b_start = r.b_end = j - 1;
            } else {
                r.a_start = i - 1;
                r.b_start = j - 1;
            }
            i--;
            j--;
        } else {
            if (in_range && want_idx) nmatches += lcs_emit(c, &r, minlen, with_len);
            in_range = false;
            if (DP(i - 1, j) > DP(i, j - 1)) i--;
            else j--;
        }
    }
    if (in_range && want_idx) nmatches += lcs_emit(c, &r, minlen, with_len);
#undef DP
    mem_free(dp);
    if (want_idx) {
        reply_defer_array(c, d, nmatches);
        reply_bulk(c, "len", 3);
        reply_ll(c, total);
    } else {
        reply_bulk(c, out, total);
        mem_free(out);
    }
}

/* ---- table ---------------------------------------------------------------- */

#define W (CMD_WRITE | CMD_DENYOOM)
#define R (CMD_READONLY)

struct command string_commands[] = {
    {"get", get_cmd, 2, R | CMD_FAST, 1, 1, 1, "@read @string @fast",
     "Returns the string value of a key", "1.0.0", "string"},
    {"set", set_cmd, -3, W, 1, 1, 1, "@write @string @slow", "Sets the string value of a key",
     "1.0.0", "string"},
    {"setnx", setnx_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Set the string value of a key only when the key doesn't exist", "1.0.0", "string"},
    {"setex", setex_cmd, 4, W, 1, 1, 1, "@write @string @slow",
     "Sets the string value and expiration time of a key", "2.0.0", "string"},
    {"psetex", psetex_cmd, 4, W, 1, 1, 1, "@write @string @slow",
     "Sets the string value and expiration time in milliseconds of a key", "2.6.0", "string"},
    {"getset", getset_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Returns the previous string value of a key after setting it to a new value", "1.0.0",
     "string"},
    {"getdel", getdel_cmd, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Returns the string value of a key after deleting the key", "6.2.0", "string"},
    {"getex", getex_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Returns the string value of a key after setting its expiration time", "6.2.0", "string"},
    {"mget", mget_cmd, -2, R | CMD_FAST, 1, -1, 1, "@read @string @fast",
     "Atomically returns the string values of one or more keys", "1.0.0", "string"},
    {"mset", mset_cmd, -3, W, 1, -1, 2, "@write @string @slow",
     "Atomically creates or modifies the string values of one or more keys", "1.0.1", "string"},
    {"msetnx", msetnx_cmd, -3, W, 1, -1, 2, "@write @string @slow",
     "Atomically modifies the string values of one or more keys only when all keys don't exist",
     "1.0.1", "string"},
    {"append", append_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Appends a string to the value of a key. Creates the key if it doesn't exist", "2.0.0",
     "string"},
    {"strlen", strlen_cmd, 2, R | CMD_FAST, 1, 1, 1, "@read @string @fast",
     "Returns the length of a string value", "2.2.0", "string"},
    {"incr", incr_cmd, 2, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Increments the integer value of a key by one", "1.0.0", "string"},
    {"decr", decr_cmd, 2, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Decrements the integer value of a key by one", "1.0.0", "string"},
    {"incrby", incrby_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Increments the integer value of a key by a number", "1.0.0", "string"},
    {"decrby", decrby_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Decrements a number from the integer value of a key", "1.0.0", "string"},
    {"incrbyfloat", incrbyfloat_cmd, 3, W | CMD_FAST, 1, 1, 1, "@write @string @fast",
     "Increment the floating point value of a key by a number", "2.6.0", "string"},
    {"getrange", getrange_cmd, 4, R, 1, 1, 1, "@read @string @slow",
     "Returns a substring of the string stored at a key", "2.4.0", "string"},
    {"substr", getrange_cmd, 4, R, 1, 1, 1, "@read @string @slow",
     "Returns a substring from a string value", "1.0.0", "string"},
    {"setrange", setrange_cmd, 4, W, 1, 1, 1, "@write @string @slow",
     "Overwrites a part of a string value with another by an offset", "2.2.0", "string"},
    {"lcs", lcs_cmd, -3, R, 1, 2, 1, "@read @string @slow",
     "Finds the longest common substring", "7.0.0", "string"},
    {NULL}};
