/* t_set: the set type and its commands.
 *
 * Encodings (OBJECT ENCODING names as in Redis 7.0):
 *   intset     every member is a canonical int64 and there are at most
 *              set-max-intset-entries of them: one sorted block (base/intset)
 *   hashtable  anything else: a base/htab of member nodes, each one
 *              allocation holding the member bytes
 * A set converts from intset to hashtable when a non-integer member or one
 * member too many arrives, and never back (as in Redis). An empty set is
 * never stored: the last removal deletes the key.
 *
 * Random members (SRANDMEMBER, SPOP) come from htab_random on the hash
 * table, from a random index on the intset. SPOP propagates what it chose
 * (core/propagate.h), as Redis 7.0: SREM key member for each member popped
 * (several wrapped in MULTI/EXEC), DEL key when it took the whole set. */
#include "base/htab.h"
#include "base/intset.h"
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
#include "types/t_set.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

struct smember {
    struct htab_node node;
    uint32_t len;
    char data[];
};

static uint64_t smember_hash(const struct htab_node *n)
{
    const struct smember *m = (const struct smember *)n;
    return util_hash(m->data, m->len);
}

static bool smember_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct smember *m = (const struct smember *)n;
    return m->len == klen && memcmp(m->data, key, klen) == 0;
}

static const struct htab_type smember_type = {smember_hash, smember_eq};

/* ---- the set structure ---------------------------------------------------- */

static struct obj *set_new_intset(void)
{
    struct obj *o = obj_new_collection(OBJ_SET);
    o->enc = ENC_INTSET;
    o->u.ptr = intset_new();
    return o;
}

static struct obj *set_new_ht(void)
{
    struct obj *o = obj_new_collection(OBJ_SET);
    o->enc = ENC_HT;
    struct htab *h = mem_alloc(sizeof(*h));
    htab_init(h, &smember_type);
    o->u.ptr = h;
    return o;
}

static bool ht_add(struct htab *h, const char *p, size_t len)
{
    uint64_t hv = util_hash(p, len);
    if (htab_find(h, hv, p, len)) return false;
    struct smember *m = mem_alloc(offsetof(struct smember, data) + len);
    m->len = (uint32_t)len;
    memcpy(m->data, p, len);
    htab_add(h, hv, &m->node);
    return true;
}

static void free_member(struct htab_node *n, void *priv) { mem_free(n); }

static void set_convert_to_ht(struct obj *o)
{
    struct intset *is = o->u.ptr;
    struct htab *h = mem_alloc(sizeof(*h));
    htab_init(h, &smember_type);
    htab_expand(h, intset_len(is) + 1);
    for (uint32_t i = 0; i < intset_len(is); i++) {
        char buf[UTIL_LL_STR_SIZE];
        int n = util_ll2str(buf, intset_get(is, i));
        ht_add(h, buf, (size_t)n);
    }
    intset_free(&is);
    o->u.ptr = h;
    o->enc = ENC_HT;
}

static size_t set_card(const struct obj *o)
{
    return o->enc == ENC_INTSET ? intset_len(o->u.ptr) : htab_size(o->u.ptr);
}

/* Adds a member; converts the encoding when needed. True if added. */
static bool set_add(struct server *srv, struct obj *o, const char *p, size_t len)
{
    if (o->enc == ENC_INTSET) {
        long long v;
        if (util_str2ll(p, len, &v)) {
            struct intset *is = o->u.ptr;
            bool added = intset_add(&is, v);
            o->u.ptr = is;
            if (added && (long long)intset_len(is) > srv->cfg.set_max_intset_entries)
                set_convert_to_ht(o);
            return added;
        }
        set_convert_to_ht(o);
    }
    return ht_add(o->u.ptr, p, len);
}

static bool set_remove(struct obj *o, const char *p, size_t len)
{
    if (o->enc == ENC_INTSET) {
        long long v;
        if (!util_str2ll(p, len, &v)) return false;
        struct intset *is = o->u.ptr;
        bool removed = intset_remove(&is, v);
        o->u.ptr = is;
        return removed;
    }
    struct htab_node *n = htab_remove(o->u.ptr, util_hash(p, len), p, len);
    mem_free(n);
    return n != NULL;
}

static bool set_contains(const struct obj *o, const char *p, size_t len)
{
    if (o->enc == ENC_INTSET) {
        long long v;
        return util_str2ll(p, len, &v) && intset_contains(o->u.ptr, v);
    }
    return htab_find(o->u.ptr, util_hash(p, len), p, len) != NULL;
}

/* A member's bytes: intset members are formatted into buf. */
struct set_elem {
    const char *p;
    size_t len;
    char buf[UTIL_LL_STR_SIZE];
};

static void elem_from_int(struct set_elem *e, long long v)
{
    e->len = (size_t)util_ll2str(e->buf, v);
    e->p = e->buf;
}

static void set_random(const struct obj *o, struct set_elem *e)
{
    if (o->enc == ENC_INTSET) {
        const struct intset *is = o->u.ptr;
        elem_from_int(e, intset_get(is, (uint32_t)(util_rand() % intset_len(is))));
        return;
    }
    const struct smember *m = (const struct smember *)htab_random(o->u.ptr);
    e->p = m->data;
    e->len = m->len;
}

/* Iteration over every member, with rehashing paused for hash tables. */

struct visit_ctx {
    set_visit_fn *fn;
    void *priv;
};

static void visit_node(struct htab_node *n, void *priv)
{
    struct visit_ctx *v = priv;
    const struct smember *m = (const struct smember *)n;
    v->fn(m->data, m->len, v->priv);
}

static void set_foreach(struct obj *o, set_visit_fn *fn, void *priv)
{
    if (o->enc == ENC_INTSET) {
        const struct intset *is = o->u.ptr;
        for (uint32_t i = 0; i < intset_len(is); i++) {
            struct set_elem e;
            elem_from_int(&e, intset_get(is, i));
            fn(e.p, e.len, priv);
        }
        return;
    }
    struct visit_ctx v = {fn, priv};
    htab_foreach(o->u.ptr, visit_node, &v);
}

size_t t_set_card(const struct obj *o) { return set_card(o); }
bool t_set_contains(const struct obj *o, const char *p, size_t len)
{
    return set_contains(o, p, len);
}
void t_set_foreach(struct obj *o, set_visit_fn *fn, void *priv) { set_foreach(o, fn, priv); }

struct obj *t_set_new_hint(size_t n, bool intset)
{
    if (intset) return set_new_intset();
    struct obj *o = set_new_ht();
    if (n) htab_expand(o->u.ptr, n);
    return o;
}

bool t_set_add_member(struct obj *o, const char *p, size_t len, long long max_intset_entries)
{
    if (o->enc == ENC_INTSET) {
        long long v;
        if (util_str2ll(p, len, &v)) {
            struct intset *is = o->u.ptr;
            bool added = intset_add(&is, v);
            o->u.ptr = is;
            if (added && (long long)intset_len(is) > max_intset_entries) set_convert_to_ht(o);
            return added;
        }
        set_convert_to_ht(o);
    }
    return ht_add(o->u.ptr, p, len);
}

struct obj *t_set_from_intset(struct intset *is, bool to_ht)
{
    struct obj *o = set_new_intset();
    intset_free((struct intset **)&o->u.ptr);
    o->u.ptr = is;
    if (to_ht) set_convert_to_ht(o);
    return o;
}

const struct intset *t_set_intset(const struct obj *o)
{
    return o->enc == ENC_INTSET ? o->u.ptr : NULL;
}

/* ---- type ops ------------------------------------------------------------- */

static void set_free_payload(struct obj *o)
{
    if (o->enc == ENC_INTSET) {
        struct intset *is = o->u.ptr;
        intset_free(&is);
    } else {
        struct htab *h = o->u.ptr;
        htab_deinit(h, free_member, NULL);
        mem_free(h);
    }
}

static void dup_visit(const char *p, size_t len, void *priv) { ht_add(priv, p, len); }

static struct obj *set_dup(const struct obj *o)
{
    if (o->enc == ENC_INTSET) {
        struct obj *n = set_new_intset();
        intset_free((struct intset **)&n->u.ptr);
        n->u.ptr = intset_dup(o->u.ptr);
        return n;
    }
    struct obj *n = set_new_ht();
    htab_expand(n->u.ptr, set_card(o));
    set_foreach((struct obj *)o, dup_visit, n->u.ptr);
    return n;
}

static void mem_visit(struct htab_node *n, void *priv) { *(size_t *)priv += mem_usable(n); }

static size_t set_mem(const struct obj *o)
{
    if (o->enc == ENC_INTSET) return mem_usable(o->u.ptr);
    struct htab *h = o->u.ptr;
    size_t n = mem_usable(h) + htab_slots(h) * sizeof(void *);
    htab_foreach(h, mem_visit, &n);
    return n;
}

/* Lazy-free effort: one allocation per member of a hash table; an intset
 * is one block. */
static size_t set_free_effort(const struct obj *o)
{
    return o->enc == ENC_INTSET ? 1 : htab_size(o->u.ptr);
}

static const struct obj_type_ops set_ops = {set_free_payload, set_dup, set_mem, set_free_effort};

void t_set_init(void);
void t_set_init(void) { obj_register_type(OBJ_SET, &set_ops); }

/* ---- lookups -------------------------------------------------------------- */

/* argv[argi] as a set (see cmd_lookup_typed). */
static inline bool lookup_set(struct client *c, int argi, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, argi, OBJ_SET, write, ke);
}

/* A new set for the given first member (intset when it is an integer). */
static struct obj *set_for_member(const char *p, size_t len)
{
    long long v;
    return util_str2ll(p, len, &v) ? set_new_intset() : set_new_ht();
}

/* ---- commands ------------------------------------------------------------- */

static void sadd_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_set(c, 1, true, &ke)) return;
    if (!ke) ke = db_add(&c->srv->ks, c->db, ARG(1), set_for_member(ARG(2)));
    long long added = 0;
    for (int i = 2; i < c->argc; i++) added += set_add(c->srv, ke->val, ARG(i));
    c->srv->dirty += added;
    if (added) notify_key(c, NOTIFY_SET, "sadd", ARG(1));
    reply_ll(c, added);
}

static void srem_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_set(c, 1, true, &ke)) return;
    long long removed = 0;
    if (ke) {
        for (int i = 2; i < c->argc; i++) {
            removed += set_remove(ke->val, ARG(i));
            if (set_card(ke->val) == 0) {
                db_delete_entry(&c->srv->ks, c->db, ke);
                ke = NULL;
                break;
            }
        }
    }
    c->srv->dirty += removed;
    if (removed) notify_key(c, NOTIFY_SET, "srem", ARG(1));
    if (removed && !ke) notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    reply_ll(c, removed);
}

static void scard_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_set(c, 1, false, &ke)) reply_ll(c, ke ? (long long)set_card(ke->val) : 0);
}

static void sismember_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_set(c, 1, false, &ke)) reply_ll(c, ke && set_contains(ke->val, ARG(2)));
}

static void smismember_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_set(c, 1, false, &ke)) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_ll(c, ke && set_contains(ke->val, ARG(i)));
}

static void reply_visit(const char *p, size_t len, void *priv) { reply_bulk(priv, p, len); }

/* SPOP propagates SREM <argv[1]> member for a member it popped. */
static void prop_srem(struct client *c, const char *p, size_t len)
{
    const char *argv[3] = {"SREM", c->argv[1].p, p};
    size_t lens[3] = {4, c->argv[1].len, len};
    prop_commandv(c, 3, argv, lens);
}

static void pop_visit(const char *p, size_t len, void *priv)
{
    reply_bulk(priv, p, len);
    prop_srem(priv, p, len);
}

static void smembers_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_set(c, 1, false, &ke)) return;
    if (!ke) {
        reply_set(c, 0);
        return;
    }
    reply_set(c, (long long)set_card(ke->val));
    set_foreach(ke->val, reply_visit, c);
}

/* SRANDMEMBER key [count] / SPOP key [count]. */
static void srandmember_generic(struct client *c, bool pop)
{
    long long count = 0;
    bool has_count = c->argc == 3;
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    if (has_count) {
        if (!util_str2ll(ARG(2), &count)) {
            reply_err_notint(c);
            return;
        }
        if (pop && count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
        if (count == LLONG_MIN) {
            reply_error(c, "ERR value is out of range");
            return;
        }
    }
    struct kentry *ke;
    if (!lookup_set(c, 1, pop, &ke)) return;
    if (!ke) {
        if (has_count) reply_array(c, 0);
        else reply_null(c);
        return;
    }
    struct obj *o = ke->val;
    struct set_elem e;
    if (!has_count) {
        set_random(o, &e);
        reply_bulk(c, e.p, e.len);
        if (pop) {
            prop_srem(c, e.p, e.len);
            /* e may point into the node being removed: the comparison is
             * done before the node is freed */
            set_remove(o, e.p, e.len);
            c->srv->dirty++;
            notify_key(c, NOTIFY_SET, "spop", ARG(1));
            if (set_card(o) == 0) {
                db_delete_entry(&c->srv->ks, c->db, ke);
                notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
            }
        }
        return;
    }
    size_t card = set_card(o);
    if (count < 0) { /* repeats allowed: |count| independent draws */
        unsigned long long n = (unsigned long long)(-count);
        reply_array(c, (long long)n);
        while (n--) {
            set_random(o, &e);
            reply_bulk(c, e.p, e.len);
        }
        return;
    }
    if ((unsigned long long)count >= card) {
        /* the whole set */
        reply_array(c, (long long)card);
        set_foreach(o, reply_visit, c);
        if (pop) {
            c->srv->dirty += (long long)card;
            db_delete_entry(&c->srv->ks, c->db, ke);
            notify_key(c, NOTIFY_SET, "spop", ARG(1));
            notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
            prop_del(c, ARG(1), false);
        }
        return;
    }
    /* count distinct members: draw into a scratch set until enough */
    struct obj *picked = set_new_ht();
    while ((long long)set_card(picked) < count) {
        set_random(o, &e);
        if (ht_add(picked->u.ptr, e.p, e.len) && pop) set_remove(o, e.p, e.len);
    }
    reply_array(c, count);
    set_foreach(picked, pop ? pop_visit : reply_visit, c);
    obj_free(picked);
    if (pop && count) {
        c->srv->dirty += count;
        notify_key(c, NOTIFY_SET, "spop", ARG(1));
    }
}

static void srandmember_cmd(struct client *c) { srandmember_generic(c, false); }
static void spop_cmd(struct client *c) { srandmember_generic(c, true); }

static void smove_cmd(struct client *c)
{
    struct kentry *src, *dst;
    if (!lookup_set(c, 1, true, &src) || !lookup_set(c, 2, true, &dst)) return;
    if (!src || !set_contains(src->val, ARG(3))) {
        reply_ll(c, 0);
        return;
    }
    if (src == dst) {
        reply_ll(c, 1);
        return;
    }
    set_remove(src->val, ARG(3));
    notify_key(c, NOTIFY_SET, "srem", ARG(1));
    if (set_card(src->val) == 0) {
        db_delete_entry(&c->srv->ks, c->db, src);
        notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    }
    if (!dst) dst = db_add(&c->srv->ks, c->db, ARG(2), set_for_member(ARG(3)));
    bool added = set_add(c->srv, dst->val, ARG(3));
    c->srv->dirty++;
    if (added) notify_key(c, NOTIFY_SET, "sadd", ARG(2)); /* an unchanged dst is not touched */
    reply_ll(c, 1);
}

/* ---- algebra -------------------------------------------------------------- */

enum set_op { OP_INTER, OP_UNION, OP_DIFF };

/* Looks up the n sets at argv[first..]; missing keys give NULL. False
 * after replying WRONGTYPE. */
static bool collect_sets(struct client *c, int first, int n, struct obj **sets)
{
    for (int i = 0; i < n; i++) {
        struct kentry *ke;
        if (!lookup_set(c, first + i, false, &ke)) return false;
        sets[i] = ke ? ke->val : NULL;
    }
    return true;
}

struct algebra {
    struct obj **sets;
    int n;
    struct obj *out;
    struct server *srv;
    long long limit; /* SINTERCARD: stop after this many (0: none) */
    long long count;
};

static void inter_visit(const char *p, size_t len, void *priv)
{
    struct algebra *a = priv;
    if (a->limit && a->count >= a->limit) return;
    for (int i = 1; i < a->n; i++)
        if (!set_contains(a->sets[i], p, len)) return;
    a->count++;
    if (a->out) set_add(a->srv, a->out, p, len);
}

static void union_visit(const char *p, size_t len, void *priv)
{
    struct algebra *a = priv;
    set_add(a->srv, a->out, p, len);
}

static void diff_visit(const char *p, size_t len, void *priv)
{
    struct algebra *a = priv;
    for (int i = 1; i < a->n; i++)
        if (a->sets[i] && set_contains(a->sets[i], p, len)) return;
    set_add(a->srv, a->out, p, len);
}

static int card_cmp(const void *x, const void *y)
{
    size_t a = set_card(*(struct obj *const *)x), b = set_card(*(struct obj *const *)y);
    return a < b ? -1 : a > b;
}

/* Computes the operation into a new set object (never NULL). */
static struct obj *set_algebra(struct server *srv, enum set_op op, struct obj **sets, int n)
{
    struct obj *out = set_new_intset();
    struct algebra a = {sets, n, out, srv, 0, 0};
    if (op == OP_INTER) {
        for (int i = 0; i < n; i++)
            if (!sets[i]) return out; /* a missing key empties the intersection */
        qsort(sets, (size_t)n, sizeof(*sets), card_cmp); /* walk the smallest */
        set_foreach(sets[0], inter_visit, &a);
    } else if (op == OP_UNION) {
        for (int i = 0; i < n; i++)
            if (sets[i]) set_foreach(sets[i], union_visit, &a);
    } else if (sets[0]) {
        set_foreach(sets[0], diff_visit, &a);
    }
    return out;
}

static void algebra_cmd(struct client *c, enum set_op op, bool store)
{
    int first = store ? 2 : 1;
    int n = c->argc - first;
    struct obj **sets = mem_alloc(sizeof(*sets) * (size_t)n);
    if (!collect_sets(c, first, n, sets)) {
        mem_free(sets);
        return;
    }
    struct obj *res = set_algebra(c->srv, op, sets, n);
    mem_free(sets);
    if (!store) {
        reply_set(c, (long long)set_card(res));
        set_foreach(res, reply_visit, c);
        obj_free(res);
        return;
    }
    long long card = (long long)set_card(res);
    struct keyspace *ks = &c->srv->ks;
    if (card == 0) {
        obj_free(res);
        if (db_delete(ks, c->db, ARG(1))) {
            c->srv->dirty++;
            notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
        }
    } else {
        static const char *const events[] = {"sinterstore", "sunionstore", "sdiffstore"};
        db_set(ks, c->db, ARG(1), res, false);
        c->srv->dirty++;
        notify_key(c, NOTIFY_SET, events[op], ARG(1));
    }
    reply_ll(c, card);
}

static void sinter_cmd(struct client *c) { algebra_cmd(c, OP_INTER, false); }
static void sinterstore_cmd(struct client *c) { algebra_cmd(c, OP_INTER, true); }
static void sunion_cmd(struct client *c) { algebra_cmd(c, OP_UNION, false); }
static void sunionstore_cmd(struct client *c) { algebra_cmd(c, OP_UNION, true); }
static void sdiff_cmd(struct client *c) { algebra_cmd(c, OP_DIFF, false); }
static void sdiffstore_cmd(struct client *c) { algebra_cmd(c, OP_DIFF, true); }

static void sintercard_cmd(struct client *c)
{
    long long numkeys, limit = 0;
    if (!util_str2ll(ARG(1), &numkeys) || numkeys <= 0) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int i = 2 + (int)numkeys; i < c->argc; i += 2) {
        if (util_eqi(ARG(i), "limit") && i + 1 < c->argc) {
            if (!util_str2ll(ARG(i + 1), &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    int n = (int)numkeys;
    struct obj **sets = mem_alloc(sizeof(*sets) * (size_t)n);
    if (!collect_sets(c, 2, n, sets)) {
        mem_free(sets);
        return;
    }
    struct algebra a = {sets, n, NULL, c->srv, limit, 0};
    bool missing = false;
    for (int i = 0; i < n; i++) missing |= sets[i] == NULL;
    if (!missing) {
        qsort(sets, (size_t)n, sizeof(*sets), card_cmp);
        set_foreach(sets[0], inter_visit, &a);
    }
    mem_free(sets);
    reply_ll(c, a.count);
}

/* ---- SSCAN ---------------------------------------------------------------- */

struct sscan_ctx {
    struct client *c;
    const struct slice *pat;
    long long n;
    struct slice *out;
    size_t cap;
};

static bool pat_ok(const struct slice *pat, const char *p, size_t len)
{
    return !pat || util_glob_match(pat->p, pat->len, p, len, false);
}

static void sscan_visit(struct htab_node *node, void *priv)
{
    struct sscan_ctx *s = priv;
    const struct smember *m = (const struct smember *)node;
    if (!pat_ok(s->pat, m->data, m->len)) return;
    if ((size_t)s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->out = mem_realloc(s->out, sizeof(*s->out) * s->cap);
    }
    s->out[s->n].p = m->data;
    s->out[s->n].len = m->len;
    s->n++;
}

static void sscan_cmd(struct client *c)
{
    struct scan_args sa;
    if (!scan_parse_args(c, 2, false, &sa)) return;
    unsigned long long cursor = sa.cursor;
    long long count = sa.count;
    const struct slice *pat = sa.pat;
    struct kentry *ke;
    if (!lookup_set(c, 1, false, &ke)) return;
    reply_array(c, 2);
    if (!ke) {
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    struct obj *o = ke->val;
    if (o->enc == ENC_INTSET) { /* small: everything in one call */
        const struct intset *is = o->u.ptr;
        reply_bulk(c, "0", 1);
        reply_defer_t d = reply_defer(c);
        long long n = 0;
        for (uint32_t i = 0; i < intset_len(is); i++) {
            struct set_elem e;
            elem_from_int(&e, intset_get(is, i));
            if (!pat_ok(pat, e.p, e.len)) continue;
            reply_bulk(c, e.p, e.len);
            n++;
        }
        reply_defer_array(c, d, n);
        return;
    }
    struct sscan_ctx s = {c, pat, 0, NULL, 0};
    long long steps = count * 10; /* bound the buckets visited per call */
    do {
        cursor = htab_scan(o->u.ptr, cursor, sscan_visit, &s);
    } while (cursor && s.n < count && --steps > 0);
    reply_bulk_ll(c, (long long)cursor);
    reply_array(c, s.n);
    for (long long i = 0; i < s.n; i++) reply_bulk(c, s.out[i].p, s.out[i].len);
    mem_free(s.out);
}

/* ---- table ---------------------------------------------------------------- */

#define W (CMD_WRITE | CMD_DENYOOM)
#define R (CMD_READONLY)

struct command set_commands[] = {
    {"sadd", sadd_cmd, -3, W | CMD_FAST, 1, 1, 1, "@write @set @fast",
     "Adds one or more members to a set. Creates the key if it doesn't exist.", "1.0.0", "set"},
    {"srem", srem_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @set @fast",
     "Removes one or more members from a set. Deletes the set if the last member was removed.",
     "1.0.0", "set"},
    {"scard", scard_cmd, 2, R | CMD_FAST, 1, 1, 1, "@read @set @fast",
     "Returns the number of members in a set", "1.0.0", "set"},
    {"sismember", sismember_cmd, 3, R | CMD_FAST, 1, 1, 1, "@read @set @fast",
     "Determines whether a member belongs to a set", "1.0.0", "set"},
    {"smismember", smismember_cmd, -3, R | CMD_FAST, 1, 1, 1, "@read @set @fast",
     "Determines whether multiple members belong to a set", "6.2.0", "set"},
    {"smembers", smembers_cmd, 2, R, 1, 1, 1, "@read @set @slow",
     "Returns all members of a set", "1.0.0", "set"},
    {"srandmember", srandmember_cmd, -2, R, 1, 1, 1, "@read @set @slow",
     "Get one or multiple random members from a set", "1.0.0", "set"},
    {"spop", spop_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @set @fast",
     "Returns one or more random members from a set after removing them.", "1.0.0", "set"},
    {"smove", smove_cmd, 4, CMD_WRITE | CMD_FAST, 1, 2, 1, "@write @set @fast",
     "Moves a member from one set to another", "1.0.0", "set"},
    {"sinter", sinter_cmd, -2, R, 1, -1, 1, "@read @set @slow",
     "Returns the intersect of multiple sets", "1.0.0", "set"},
    {"sinterstore", sinterstore_cmd, -3, W, 1, -1, 1, "@write @set @slow",
     "Stores the intersect of multiple sets in a key", "1.0.0", "set"},
    {"sintercard", sintercard_cmd, -3, R, 0, 0, 0, "@read @set @slow",
     "Returns the number of members of the intersect of multiple sets", "7.0.0", "set"},
    {"sunion", sunion_cmd, -2, R, 1, -1, 1, "@read @set @slow",
     "Returns the union of multiple sets", "1.0.0", "set"},
    {"sunionstore", sunionstore_cmd, -3, W, 1, -1, 1, "@write @set @slow",
     "Stores the union of multiple sets in a key", "1.0.0", "set"},
    {"sdiff", sdiff_cmd, -2, R, 1, -1, 1, "@read @set @slow",
     "Returns the difference of multiple sets", "1.0.0", "set"},
    {"sdiffstore", sdiffstore_cmd, -3, W, 1, -1, 1, "@write @set @slow",
     "Stores the difference of multiple sets in a key", "1.0.0", "set"},
    {"sscan", sscan_cmd, -3, R, 1, 1, 1, "@read @set @slow",
     "Iterates over members of a set", "2.8.0", "set"},
    {NULL}};
