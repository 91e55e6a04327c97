/* t_hash: the hash type and its commands.
 *
 * Encodings (OBJECT ENCODING names as in Redis 7.0):
 *   listpack   fields and values alternate in one base/listpack block while
 *              there are at most hash-max-listpack-entries fields and no
 *              field or value is longer than hash-max-listpack-value
 *   hashtable  beyond that: a base/htab of nodes, each one allocation
 *              holding the field and the value bytes
 * Conversion is one way (listpack to hashtable), as in Redis. An empty hash
 * is never stored: removing the last field deletes the key. */
#include "base/htab.h"
#include "base/listpack.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/scan.h"
#include "core/server.h"
#include "types/t_hash.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

struct hnode {
    struct htab_node node;
    uint32_t flen, vlen;
    char data[]; /* field bytes, then value bytes */
};

static uint64_t hnode_hash(const struct htab_node *n)
{
    const struct hnode *h = (const struct hnode *)n;
    return util_hash(h->data, h->flen);
}

static bool hnode_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct hnode *h = (const struct hnode *)n;
    return h->flen == klen && memcmp(h->data, key, klen) == 0;
}

static const struct htab_type hnode_type = {hnode_hash, hnode_eq};

static struct hnode *hnode_new(const char *f, size_t flen, const char *v, size_t vlen)
{
    struct hnode *h = mem_alloc(offsetof(struct hnode, data) + flen + vlen);
    h->flen = (uint32_t)flen;
    h->vlen = (uint32_t)vlen;
    memcpy(h->data, f, flen);
    memcpy(h->data + flen, v, vlen);
    return h;
}

static void hnode_free(struct htab_node *n, void *priv) { mem_free(n); }

/* ---- the hash structure --------------------------------------------------- */

static struct obj *hash_new(void)
{
    struct obj *o = obj_new_collection(OBJ_HASH);
    o->enc = ENC_LISTPACK;
    o->u.ptr = lp_new();
    return o;
}

static size_t hash_len(const struct obj *o)
{
    return o->enc == ENC_LISTPACK ? lp_count(o->u.ptr) / 2 : htab_size(o->u.ptr);
}

/* A field or value as bytes: listpack integers are formatted into buf. */
struct hval {
    const char *p;
    size_t len;
    char buf[UTIL_LL_STR_SIZE];
};

static void hval_from_lp(const unsigned char *lp, size_t pos, struct hval *out)
{
    out->p = lp_get_str(lp, pos, out->buf, &out->len);
}

static void hash_convert_to_ht(struct obj *o)
{
    unsigned char *lp = o->u.ptr;
    struct htab *h = mem_alloc(sizeof(*h));
    htab_init(h, &hnode_type);
    htab_expand(h, lp_count(lp) / 2 + 1);
    for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
        struct hval f, v;
        hval_from_lp(lp, p, &f);
        hval_from_lp(lp, lp_next(lp, p), &v);
        struct hnode *n = hnode_new(f.p, f.len, v.p, v.len);
        htab_add(h, util_hash(f.p, f.len), &n->node);
    }
    lp_free(&lp);
    o->u.ptr = h;
    o->enc = ENC_HT;
}

/* The value of field, or false when absent. */
static bool hash_get(const struct obj *o, const char *f, size_t flen, struct hval *out)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), f, flen, 1);
        if (p == LP_NONE) return false;
        hval_from_lp(lp, lp_next(lp, p), out);
        return true;
    }
    const struct hnode *n =
        (const struct hnode *)htab_find(o->u.ptr, util_hash(f, flen), f, flen);
    if (!n) return false;
    out->p = n->data + n->flen;
    out->len = n->vlen;
    return true;
}

/* Sets field to value; true if the field is new. Converts the encoding
 * when a limit is crossed. */
static bool hash_set(struct server *srv, struct obj *o, const char *f, size_t flen, const char *v,
                     size_t vlen)
{
    if (o->enc == ENC_LISTPACK &&
        ((long long)flen > srv->cfg.hash_max_listpack_value ||
         (long long)vlen > srv->cfg.hash_max_listpack_value))
        hash_convert_to_ht(o);
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), f, flen, 1);
        if (p != LP_NONE) {
            lp_replace(&lp, lp_next(lp, p), v, vlen);
            o->u.ptr = lp;
            return false;
        }
        lp_append(&lp, f, flen);
        lp_append(&lp, v, vlen);
        o->u.ptr = lp;
        if ((long long)(lp_count(lp) / 2) > srv->cfg.hash_max_listpack_entries)
            hash_convert_to_ht(o);
        return true;
    }
    uint64_t hv = util_hash(f, flen);
    struct htab_node **link = htab_find_link(o->u.ptr, hv, f, flen);
    struct hnode *n = hnode_new(f, flen, v, vlen);
    if (link) {
        mem_free(htab_replace_at(link, &n->node));
        return false;
    }
    htab_add(o->u.ptr, hv, &n->node);
    return true;
}

static bool hash_del(struct obj *o, const char *f, size_t flen)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), f, flen, 1);
        if (p == LP_NONE) return false;
        lp_delete(&lp, p, 2);
        o->u.ptr = lp;
        return true;
    }
    struct htab_node *n = htab_remove(o->u.ptr, util_hash(f, flen), f, flen);
    mem_free(n);
    return n != NULL;
}

typedef void hash_visit_fn(const struct hval *f, const struct hval *v, void *priv);

struct hvisit {
    hash_visit_fn *fn;
    void *priv;
};

static void hvisit_node(struct htab_node *node, void *priv)
{
    struct hvisit *hv = priv;
    const struct hnode *n = (const struct hnode *)node;
    struct hval f = {n->data, n->flen, {0}}, v = {n->data + n->flen, n->vlen, {0}};
    hv->fn(&f, &v, hv->priv);
}

static void hash_foreach(struct obj *o, hash_visit_fn *fn, void *priv)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
            struct hval f, v;
            hval_from_lp(lp, p, &f);
            hval_from_lp(lp, lp_next(lp, p), &v);
            fn(&f, &v, priv);
        }
        return;
    }
    struct hvisit hv = {fn, priv};
    htab_foreach(o->u.ptr, hvisit_node, &hv);
}

bool t_hash_get(struct obj *o, const char *f, size_t flen, struct slice *out,
                char buf[UTIL_LL_STR_SIZE])
{
    struct hval v;
    if (!hash_get(o, f, flen, &v)) return false;
    if (v.p == v.buf) { /* formatted into the local: move it to the caller's buffer */
        memcpy(buf, v.buf, v.len);
        out->p = buf;
    } else {
        out->p = v.p;
    }
    out->len = v.len;
    return true;
}

size_t t_hash_len(const struct obj *o) { return hash_len(o); }

struct obj *t_hash_new_ht(size_t n)
{
    struct obj *o = hash_new();
    hash_convert_to_ht(o);
    if (n) htab_expand(o->u.ptr, n);
    return o;
}

bool t_hash_ht_add(struct obj *o, const char *f, size_t flen, const char *v, size_t vlen)
{
    uint64_t hv = util_hash(f, flen);
    if (htab_find(o->u.ptr, hv, f, flen)) return false;
    struct hnode *n = hnode_new(f, flen, v, vlen);
    htab_add(o->u.ptr, hv, &n->node);
    return true;
}

struct obj *t_hash_from_listpack(unsigned char *lp, bool to_ht)
{
    struct obj *o = hash_new();
    unsigned char *empty = o->u.ptr;
    lp_free(&empty);
    o->u.ptr = lp;
    if (to_ht) hash_convert_to_ht(o);
    return o;
}

const unsigned char *t_hash_listpack(const struct obj *o)
{
    return o->enc == ENC_LISTPACK ? o->u.ptr : NULL;
}

struct pair_visit {
    hash_pair_fn *fn;
    void *priv;
};

static void pair_visit_node(struct htab_node *node, void *priv)
{
    struct pair_visit *pv = priv;
    const struct hnode *n = (const struct hnode *)node;
    pv->fn(n->data, n->flen, n->data + n->flen, n->vlen, pv->priv);
}

void t_hash_foreach_pair(struct obj *o, hash_pair_fn *fn, void *priv)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
            struct hval f, v;
            hval_from_lp(lp, p, &f);
            hval_from_lp(lp, lp_next(lp, p), &v);
            fn(f.p, f.len, v.p, v.len, priv);
        }
        return;
    }
    struct pair_visit pv = {fn, priv};
    htab_foreach(o->u.ptr, pair_visit_node, &pv);
}

/* ---- type ops ------------------------------------------------------------- */

static void hash_free_payload(struct obj *o)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        lp_free(&lp);
    } else {
        htab_deinit(o->u.ptr, hnode_free, NULL);
        mem_free(o->u.ptr);
    }
}

static void dup_visit(const struct hval *f, const struct hval *v, void *priv)
{
    struct hnode *n = hnode_new(f->p, f->len, v->p, v->len);
    htab_add(priv, util_hash(f->p, f->len), &n->node);
}

static struct obj *hash_dup(const struct obj *o)
{
    struct obj *n = hash_new();
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = n->u.ptr;
        lp_free(&lp);
        size_t bytes = lp_bytes(o->u.ptr);
        n->u.ptr = mem_alloc(bytes);
        memcpy(n->u.ptr, o->u.ptr, bytes);
        return n;
    }
    hash_convert_to_ht(n);
    htab_expand(n->u.ptr, hash_len(o));
    hash_foreach((struct obj *)o, dup_visit, n->u.ptr);
    return n;
}

static void mem_visit(struct htab_node *n, void *priv) { *(size_t *)priv += mem_usable(n); }

static size_t hash_mem(const struct obj *o)
{
    if (o->enc == ENC_LISTPACK) return mem_usable(o->u.ptr);
    size_t n = mem_usable(o->u.ptr) + htab_slots(o->u.ptr) * sizeof(void *);
    htab_foreach(o->u.ptr, mem_visit, &n);
    return n;
}

/* Lazy-free effort: one allocation per field of a hash table; a listpack
 * is one block. */
static size_t hash_free_effort(const struct obj *o)
{
    return o->enc == ENC_LISTPACK ? 1 : htab_size(o->u.ptr);
}

static const struct obj_type_ops hash_ops = {hash_free_payload, hash_dup, hash_mem,
                                             hash_free_effort};

void t_hash_init(void);
void t_hash_init(void) { obj_register_type(OBJ_HASH, &hash_ops); }

/* ---- commands ------------------------------------------------------------- */

/* argv[1] as a hash (see cmd_lookup_typed). */
static inline bool lookup_hash(struct client *c, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, 1, OBJ_HASH, write, ke);
}

static struct kentry *hash_for_write(struct client *c)
{
    struct kentry *ke;
    if (!lookup_hash(c, true, &ke)) return NULL;
    if (!ke) ke = db_add(&c->srv->ks, c->db, ARG(1), hash_new());
    return ke;
}

static void hset_generic(struct client *c, bool is_hmset)
{
    if (c->argc % 2) {
        reply_err_arity(c, is_hmset ? "hmset" : "hset");
        return;
    }
    struct kentry *ke = hash_for_write(c);
    if (!ke) return;
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2) created += hash_set(c->srv, ke->val, ARG(i), ARG(i + 1));
    c->srv->dirty += (c->argc - 2) / 2;
    notify_key(c, NOTIFY_HASH, "hset", ARG(1));
    if (is_hmset) reply_ok(c);
    else reply_ll(c, created);
}

static void hset_cmd(struct client *c) { hset_generic(c, false); }
static void hmset_cmd(struct client *c) { hset_generic(c, true); }

static void hsetnx_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_hash(c, true, &ke)) return;
    struct hval v;
    if (ke && hash_get(ke->val, ARG(2), &v)) {
        reply_ll(c, 0);
        return;
    }
    if (!ke) ke = db_add(&c->srv->ks, c->db, ARG(1), hash_new());
    hash_set(c->srv, ke->val, ARG(2), ARG(3));
    c->srv->dirty++;
    notify_key(c, NOTIFY_HASH, "hset", ARG(1));
    reply_ll(c, 1);
}

static void hget_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_hash(c, false, &ke)) return;
    struct hval v;
    if (ke && hash_get(ke->val, ARG(2), &v)) reply_bulk(c, v.p, v.len);
    else reply_null(c);
}

static void hmget_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_hash(c, false, &ke)) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        struct hval v;
        if (ke && hash_get(ke->val, ARG(i), &v)) reply_bulk(c, v.p, v.len);
        else reply_null(c);
    }
}

static void hdel_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_hash(c, true, &ke)) return;
    long long n = 0;
    if (ke) {
        for (int i = 2; i < c->argc; i++) {
            n += hash_del(ke->val, ARG(i));
            if (hash_len(ke->val) == 0) {
                db_delete_entry(&c->srv->ks, c->db, ke);
                ke = NULL;
                break;
            }
        }
    }
    c->srv->dirty += n;
    if (n) notify_key(c, NOTIFY_HASH, "hdel", ARG(1));
    if (n && !ke) notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    reply_ll(c, n);
}

static void hlen_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_hash(c, false, &ke)) reply_ll(c, ke ? (long long)hash_len(ke->val) : 0);
}

static void hexists_cmd(struct client *c)
{
    struct kentry *ke;
    struct hval v;
    if (lookup_hash(c, false, &ke)) reply_ll(c, ke && hash_get(ke->val, ARG(2), &v));
}

static void hstrlen_cmd(struct client *c)
{
    struct kentry *ke;
    struct hval v;
    if (!lookup_hash(c, false, &ke)) return;
    reply_ll(c, ke && hash_get(ke->val, ARG(2), &v) ? (long long)v.len : 0);
}

enum { H_KEYS = 1, H_VALS = 2 };

struct getall_ctx {
    struct client *c;
    int what;
};

static void getall_visit(const struct hval *f, const struct hval *v, void *priv)
{
    struct getall_ctx *g = priv;
    if (g->what & H_KEYS) reply_bulk(g->c, f->p, f->len);
    if (g->what & H_VALS) reply_bulk(g->c, v->p, v->len);
}

static void getall_generic(struct client *c, int what)
{
    struct kentry *ke;
    if (!lookup_hash(c, false, &ke)) return;
    long long n = ke ? (long long)hash_len(ke->val) : 0;
    if (what == (H_KEYS | H_VALS)) reply_map(c, n);
    else reply_array(c, n);
    if (!ke) return;
    struct getall_ctx g = {c, what};
    hash_foreach(ke->val, getall_visit, &g);
}

static void hkeys_cmd(struct client *c) { getall_generic(c, H_KEYS); }
static void hvals_cmd(struct client *c) { getall_generic(c, H_VALS); }
static void hgetall_cmd(struct client *c) { getall_generic(c, H_KEYS | H_VALS); }

static void hincrby_cmd(struct client *c)
{
    long long by, v = 0;
    if (!util_str2ll(ARG(3), &by)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke = hash_for_write(c);
    if (!ke) return;
    struct hval cur;
    if (hash_get(ke->val, ARG(2), &cur) && !util_str2ll(cur.p, cur.len, &v)) {
        reply_error(c, "ERR hash value is not an integer");
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_err_overflow(c);
        return;
    }
    v += by;
    char buf[UTIL_LL_STR_SIZE];
    int n = util_ll2str(buf, v);
    hash_set(c->srv, ke->val, ARG(2), buf, (size_t)n);
    c->srv->dirty++;
    notify_key(c, NOTIFY_HASH, "hincrby", ARG(1));
    reply_ll(c, v);
}

static void hincrbyfloat_cmd(struct client *c)
{
    long double by, v = 0;
    if (!util_str2ld(ARG(3), &by)) {
        reply_err_notfloat(c);
        return;
    }
    if (isnan(by) || isinf(by)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    struct kentry *ke = hash_for_write(c);
    if (!ke) return;
    struct hval cur;
    if (hash_get(ke->val, ARG(2), &cur) && !util_str2ld(cur.p, cur.len, &v)) {
        reply_error(c, "ERR hash value is not a float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[UTIL_LD_STR_SIZE];
    int n = util_ld2str(buf, sizeof(buf), v);
    hash_set(c->srv, ke->val, ARG(2), buf, (size_t)n);
    c->srv->dirty++;
    notify_key(c, NOTIFY_HASH, "hincrbyfloat", ARG(1));
    /* propagated as HSET of the result (Redis 7.0): long double arithmetic
     * and formatting must not differ on replay */
    const char *argv[4] = {"HSET", c->argv[1].p, c->argv[2].p, buf};
    size_t lens[4] = {4, c->argv[1].len, c->argv[2].len, (size_t)n};
    prop_commandv(c, 4, argv, lens);
    reply_bulk(c, buf, (size_t)n);
}

/* Field at index i (0 <= i < len) of a listpack hash, or a random field of
 * a hashtable hash. */
static void hash_random(const struct obj *o, struct hval *f, struct hval *v)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        size_t i = (size_t)(util_rand() % hash_len(o));
        size_t p = lp_seek(lp, (long long)(2 * i));
        hval_from_lp(lp, p, f);
        hval_from_lp(lp, lp_next(lp, p), v);
        return;
    }
    const struct hnode *n = (const struct hnode *)htab_random(o->u.ptr);
    f->p = n->data;
    f->len = n->flen;
    v->p = n->data + n->flen;
    v->len = n->vlen;
}

struct rand_all_ctx {
    struct client *c;
    bool withvalues, pairs;
};

static void rand_all_visit(const struct hval *f, const struct hval *v, void *priv)
{
    struct rand_all_ctx *r = priv;
    if (r->pairs) reply_array(r->c, 2);
    reply_bulk(r->c, f->p, f->len);
    if (r->withvalues) reply_bulk(r->c, v->p, v->len);
}

static void hrandfield_cmd(struct client *c)
{
    long long count;
    bool has_count, withvalues;
    if (!cmd_parse_rand_args(c, "withvalues", &has_count, &count, &withvalues)) return;
    struct kentry *ke;
    if (!lookup_hash(c, false, &ke)) return;
    if (!ke) {
        if (has_count) reply_array(c, 0);
        else reply_null(c);
        return;
    }
    struct hval f, v;
    if (!has_count) {
        hash_random(ke->val, &f, &v);
        reply_bulk(c, f.p, f.len);
        return;
    }
    size_t len = hash_len(ke->val);
    bool pairs = withvalues && c->resp >= 3;
    if (count < 0) { /* repeats allowed */
        long long n = -count;
        reply_array(c, withvalues && !pairs ? n * 2 : n);
        while (n--) {
            hash_random(ke->val, &f, &v);
            if (pairs) reply_array(c, 2);
            reply_bulk(c, f.p, f.len);
            if (withvalues) reply_bulk(c, v.p, v.len);
        }
        return;
    }
    if ((size_t)count >= len) { /* the whole hash, as pairs in RESP3 */
        reply_array(c, withvalues && !pairs ? (long long)len * 2 : (long long)len);
        struct rand_all_ctx ctx = {c, withvalues, pairs};
        hash_foreach(ke->val, rand_all_visit, &ctx);
        return;
    }
    /* count distinct fields: walk the fields, choosing each with the
     * probability that keeps the sample uniform (selection sampling) */
    reply_array(c, withvalues && !pairs ? count * 2 : count);
    size_t need = (size_t)count, left = len;
    struct obj *o = ke->val;
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        for (size_t p = lp_first(lp); p != LP_NONE && need; p = lp_next(lp, lp_next(lp, p))) {
            if (util_rand() % left < need) {
                hval_from_lp(lp, p, &f);
                hval_from_lp(lp, lp_next(lp, p), &v);
                if (pairs) reply_array(c, 2);
                reply_bulk(c, f.p, f.len);
                if (withvalues) reply_bulk(c, v.p, v.len);
                need--;
            }
            left--;
        }
        return;
    }
    /* hashtable: draw distinct fields at random into a scratch table */
    struct htab seen;
    htab_init(&seen, &hnode_type);
    while (htab_size(&seen) < (size_t)count) {
        hash_random(o, &f, &v);
        uint64_t h = util_hash(f.p, f.len);
        if (htab_find(&seen, h, f.p, f.len)) continue;
        struct hnode *n = hnode_new(f.p, f.len, "", 0);
        htab_add(&seen, h, &n->node);
        if (pairs) reply_array(c, 2);
        reply_bulk(c, f.p, f.len);
        if (withvalues) reply_bulk(c, v.p, v.len);
    }
    htab_deinit(&seen, hnode_free, NULL);
}

/* ---- HSCAN ---------------------------------------------------------------- */

struct hscan_ctx {
    const struct slice *pat;
    long long n;
    struct slice *out; /* field, value, field, value ... */
    size_t cap;
};

static void hscan_visit(struct htab_node *node, void *priv)
{
    struct hscan_ctx *s = priv;
    const struct hnode *n = (const struct hnode *)node;
    if (s->pat && !util_glob_match(s->pat->p, s->pat->len, n->data, n->flen, false)) return;
    if ((size_t)s->n + 2 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->out = mem_realloc(s->out, sizeof(*s->out) * s->cap);
    }
    s->out[s->n++] = (struct slice){n->data, n->flen};
    s->out[s->n++] = (struct slice){n->data + n->flen, n->vlen};
}

static void hscan_cmd(struct client *c)
{
    struct scan_args sa;
    if (!scan_parse_args(c, 2, false, &sa)) return;
    unsigned long long cursor = sa.cursor;
    long long count = sa.count;
    const struct slice *pat = sa.pat;
    struct kentry *ke;
    if (!lookup_hash(c, false, &ke)) return;
    reply_array(c, 2);
    if (!ke) {
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    struct obj *o = ke->val;
    if (o->enc == ENC_LISTPACK) { /* small: everything in one call */
        const unsigned char *lp = o->u.ptr;
        reply_bulk(c, "0", 1);
        reply_defer_t d = reply_defer(c);
        long long n = 0;
        for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
            struct hval f, v;
            hval_from_lp(lp, p, &f);
            if (pat && !util_glob_match(pat->p, pat->len, f.p, f.len, false)) continue;
            hval_from_lp(lp, lp_next(lp, p), &v);
            reply_bulk(c, f.p, f.len);
            reply_bulk(c, v.p, v.len);
            n += 2;
        }
        reply_defer_array(c, d, n);
        return;
    }
    struct hscan_ctx s = {pat, 0, NULL, 0};
    long long steps = count * 10;
    do {
        cursor = htab_scan(o->u.ptr, cursor, hscan_visit, &s);
    } while (cursor && s.n / 2 < count && --steps > 0);
    reply_bulk_ll(c, (long long)cursor);
    reply_array(c, s.n);
    for (long long i = 0; i < s.n; i++) reply_bulk(c, s.out[i].p, s.out[i].len);
    mem_free(s.out);
}

/* ---- table ---------------------------------------------------------------- */

#define W (CMD_WRITE | CMD_DENYOOM)
#define R (CMD_READONLY)

struct command hash_commands[] = {
    {"hset", hset_cmd, -4, W | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Creates or modifies the value of a field in a hash", "2.0.0", "hash"},
    {"hmset", hmset_cmd, -4, W | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Sets the values of multiple fields", "2.0.0", "hash"},
    {"hsetnx", hsetnx_cmd, 4, W | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Sets the value of a field in a hash only when the field doesn't exist", "2.0.0", "hash"},
    {"hget", hget_cmd, 3, R | CMD_FAST, 1, 1, 1, "@read @hash @fast",
     "Returns the value of a field in a hash", "2.0.0", "hash"},
    {"hmget", hmget_cmd, -3, R | CMD_FAST, 1, 1, 1, "@read @hash @fast",
     "Returns the values of all fields in a hash", "2.0.0", "hash"},
    {"hdel", hdel_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Deletes one or more fields and their values from a hash", "2.0.0", "hash"},
    {"hlen", hlen_cmd, 2, R | CMD_FAST, 1, 1, 1, "@read @hash @fast",
     "Returns the number of fields in a hash", "2.0.0", "hash"},
    {"hexists", hexists_cmd, 3, R | CMD_FAST, 1, 1, 1, "@read @hash @fast",
     "Determines whether a field exists in a hash", "2.0.0", "hash"},
    {"hstrlen", hstrlen_cmd, 3, R | CMD_FAST, 1, 1, 1, "@read @hash @fast",
     "Returns the length of the value of a field", "3.2.0", "hash"},
    {"hkeys", hkeys_cmd, 2, R, 1, 1, 1, "@read @hash @slow", "Returns all fields in a hash",
     "2.0.0", "hash"},
    {"hvals", hvals_cmd, 2, R, 1, 1, 1, "@read @hash @slow", "Returns all values in a hash",
     "2.0.0", "hash"},
    {"hgetall", hgetall_cmd, 2, R, 1, 1, 1, "@read @hash @slow",
     "Returns all fields and values in a hash", "2.0.0", "hash"},
    {"hincrby", hincrby_cmd, 4, W | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Increments the integer value of a field in a hash by a number", "2.0.0", "hash"},
    {"hincrbyfloat", hincrbyfloat_cmd, 4, W | CMD_FAST, 1, 1, 1, "@write @hash @fast",
     "Increments the floating point value of a field by a number", "2.6.0", "hash"},
    {"hrandfield", hrandfield_cmd, -2, R, 1, 1, 1, "@read @hash @slow",
     "Returns one or more random fields from a hash", "6.2.0", "hash"},
    {"hscan", hscan_cmd, -3, R, 1, 1, 1, "@read @hash @slow",
     "Iterates over fields and values of a hash", "2.8.0", "hash"},
    {NULL}};
