/* sort: SORT and SORT_RO over lists, sets and sorted sets.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...]
 *            [ASC|DESC] [ALPHA] [STORE destination]
 *
 * The elements are copied into one arena (an element may be a formatted
 * integer living in a caller's stack buffer), each gets its sort key (its
 * own value as a double, or the BY pattern's value, numeric or ALPHA), and
 * the vector is sorted with ties broken by the element bytes so the result
 * is deterministic. A BY pattern without '*' means "do not sort" (list and
 * sorted-set order, reversed by DESC); a set is then still sorted ALPHA when
 * the result is STOREd, so the stored list does not depend on hash order.
 *
 * Patterns: "#" is the element itself; otherwise the first '*' is replaced
 * by the element, and "key->field" reads a hash field. A missing key or
 * field, or a value of another type, reads as missing (null in the reply,
 * an empty string when stored, 0 or "first" as a sort key). */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/reply.h"
#include "core/server.h"
#include "types/t_hash.h"
#include "types/t_list.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <stdlib.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

struct sortel {
    size_t off, len;   /* element bytes in the arena */
    double score;      /* numeric sort key */
    size_t woff, wlen; /* ALPHA BY: weight bytes in the arena */
    bool has_w;
};

struct sortopts {
    bool desc, alpha, by_alpha;
};

struct sortctx {
    struct sortopts o;
    char *arena;
    size_t used, cap;
    struct sortel *v;
    size_t n, vcap;
};

static size_t arena_put(struct sortctx *s, const char *p, size_t len)
{
    if (s->used + len > s->cap) {
        size_t want = s->cap ? s->cap * 2 : 4096;
        while (want < s->used + len) want *= 2;
        s->arena = mem_realloc(s->arena, want);
        s->cap = want;
    }
    if (len) memcpy(s->arena + s->used, p, len);
    s->used += len;
    return s->used - len;
}

static void collect(const char *p, size_t len, void *priv)
{
    struct sortctx *s = priv;
    if (s->n == s->vcap) {
        s->vcap = s->vcap ? s->vcap * 2 : 64;
        s->v = mem_realloc(s->v, sizeof(*s->v) * s->vcap);
    }
    struct sortel *e = &s->v[s->n++];
    memset(e, 0, sizeof(*e));
    e->off = arena_put(s, p, len);
    e->len = len;
}

static void collect_z(const char *p, size_t len, double score, void *priv) { collect(p, len, priv); }

/* The value a pattern names for element el: false when missing. String
 * bytes go to *out (integers formatted into buf, key bytes built in kbuf). */
static bool pattern_value(struct client *c, const struct slice *pat, const char *el, size_t elen,
                          struct slice *out, char *buf)
{
    if (pat->len == 1 && pat->p[0] == '#') {
        out->p = el;
        out->len = elen;
        return true;
    }
    const char *star = memchr(pat->p, '*', pat->len);
    if (!star) return false;
    const char *end = pat->p + pat->len, *field = NULL;
    for (const char *q = star + 1; q + 2 < end; q++) {
        if (q[0] == '-' && q[1] == '>') { /* a field needs at least one byte */
            field = q + 2;
            break;
        }
    }
    const char *kend = field ? field - 2 : end;
    size_t pre = (size_t)(star - pat->p), post = (size_t)(kend - star - 1);
    size_t klen = pre + elen + post;
    char stack[256];
    char *key = klen <= sizeof(stack) ? stack : mem_alloc(klen);
    memcpy(key, pat->p, pre);
    memcpy(key + pre, el, elen);
    memcpy(key + pre + elen, star + 1, post);
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, key, klen);
    if (key != stack) mem_free(key);
    if (!ke) return false;
    if (field) {
        if (ke->val->type != OBJ_HASH) return false;
        return t_hash_get(ke->val, field, (size_t)(end - field), out, buf);
    }
    if (ke->val->type != OBJ_STRING) return false;
    out->p = obj_str(ke->val, buf, &out->len);
    return true;
}

static int sortel_cmp(const void *x, const void *y, void *priv)
{
    const struct sortel *a = x, *b = y;
    const struct sortctx *s = priv;
    const struct sortopts *o = &s->o;
    int cmp;
    if (!o->alpha) {
        cmp = a->score < b->score ? -1 : a->score > b->score;
        if (!cmp) cmp = util_lexcmp(s->arena + a->off, a->len, s->arena + b->off, b->len);
    } else if (o->by_alpha) { /* missing weights sort first */
        if (!a->has_w || !b->has_w) cmp = a->has_w ? 1 : (b->has_w ? -1 : 0);
        else cmp = util_lexcmp(s->arena + a->woff, a->wlen, s->arena + b->woff, b->wlen);
    } else {
        cmp = util_lexcmp(s->arena + a->off, a->len, s->arena + b->off, b->len);
    }
    return o->desc ? -cmp : cmp;
}

static void sort_generic(struct client *c, bool readonly)
{
    const struct slice *by = NULL;
    struct sortopts opts = {false, false, false};
    long long offset = 0, count = -1;
    bool limit = false, dontsort = false;
    int store = 0, ngets = 0;
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (util_eqi(ARG(j), "asc")) {
            opts.desc = false;
        } else if (util_eqi(ARG(j), "desc")) {
            opts.desc = true;
        } else if (util_eqi(ARG(j), "alpha")) {
            opts.alpha = true;
        } else if (util_eqi(ARG(j), "limit") && left >= 2) {
            if (!util_str2ll(ARG(j + 1), &offset) || !util_str2ll(ARG(j + 2), &count)) {
                reply_err_notint(c);
                return;
            }
            limit = true;
            j += 2;
        } else if (!readonly && util_eqi(ARG(j), "store") && left >= 1) {
            store = ++j;
        } else if (util_eqi(ARG(j), "by") && left >= 1) {
            by = &c->argv[++j];
            dontsort = !memchr(by->p, '*', by->len);
        } else if (util_eqi(ARG(j), "get") && left >= 1) {
            ngets++;
            j++;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, ARG(1));
    struct obj *o = ke ? ke->val : NULL;
    if (o && o->type != OBJ_LIST && o->type != OBJ_SET && o->type != OBJ_ZSET) {
        reply_err_wrongtype(c);
        return;
    }
    /* a set read in hash order would make the stored result (or what a
     * script goes on with) arbitrary */
    if (dontsort && o && o->type == OBJ_SET && (store || (c->flags & CLIENT_SCRIPT))) {
        dontsort = false;
        opts.alpha = true;
        by = NULL;
    }
    opts.by_alpha = by && opts.alpha;
    struct sortctx cx = {opts, NULL, 0, 0, NULL, 0, 0};
    struct sortctx *s = &cx;
    if (o) {
        if (o->type == OBJ_LIST) t_list_foreach(o, collect, s);
        else if (o->type == OBJ_SET) t_set_foreach(o, collect, s);
        else t_zset_foreach(o, collect_z, s);
    }
    if (dontsort && opts.desc && o && o->type != OBJ_SET) { /* reversed natural order */
        for (size_t i = 0; i < s->n / 2; i++) {
            struct sortel t = s->v[i];
            s->v[i] = s->v[s->n - 1 - i];
            s->v[s->n - 1 - i] = t;
        }
    }
    if (!dontsort && s->n) {
        for (size_t i = 0; i < s->n; i++) {
            struct sortel *e = &s->v[i];
            struct slice w;
            char buf[UTIL_LL_STR_SIZE];
            bool has;
            if (by) {
                /* the arena may move while we add to it: copy the element */
                char ebuf[256];
                char *el = e->len <= sizeof(ebuf) ? ebuf : mem_alloc(e->len);
                memcpy(el, s->arena + e->off, e->len);
                has = pattern_value(c, by, el, e->len, &w, buf);
                if (has && opts.alpha) {
                    e->woff = arena_put(s, w.p, w.len);
                    e->wlen = w.len;
                }
                bool bad = has && !opts.alpha && !util_str2d(w.p, w.len, &e->score);
                if (el != ebuf) mem_free(el);
                if (bad) goto notdouble;
                e->has_w = has;
                if (!has && !opts.alpha) e->score = 0;
            } else if (!opts.alpha && !util_str2d(s->arena + e->off, e->len, &e->score)) {
                goto notdouble;
            }
        }
        qsort_r(s->v, s->n, sizeof(*s->v), sortel_cmp, s);
    }
    /* LIMIT */
    long long start = 0, end = (long long)s->n - 1;
    if (limit) {
        start = offset < 0 ? 0 : offset;
        end = count < 0 ? (long long)s->n - 1 : start + count - 1;
        if (start >= (long long)s->n) {
            start = (long long)s->n;
            end = start - 1;
        }
        if (end >= (long long)s->n) end = (long long)s->n - 1;
    }
    long long outlen = end >= start ? (end - start + 1) * (ngets ? ngets : 1) : 0;
    struct obj *dst = store && outlen ? t_list_new() : NULL;
    if (!store) reply_array(c, outlen);
    for (long long i = start; i <= end; i++) {
        const struct sortel *e = &s->v[i];
        const char *el = s->arena + e->off;
        if (!ngets) {
            if (dst) t_list_append(c->srv, dst, el, e->len);
            else reply_bulk(c, el, e->len);
            continue;
        }
        for (int j = 2; j < c->argc; j++) {
            if (util_eqi(ARG(j), "limit")) j += 2;
            else if (util_eqi(ARG(j), "by") || util_eqi(ARG(j), "store")) j++;
            else if (util_eqi(ARG(j), "get")) {
                struct slice v;
                char buf[UTIL_LL_STR_SIZE];
                j++;
                bool has = pattern_value(c, &c->argv[j], el, e->len, &v, buf);
                if (dst) t_list_append(c->srv, dst, has ? v.p : "", has ? v.len : 0);
                else if (has) reply_bulk(c, v.p, v.len);
                else reply_null(c);
            }
        }
    }
    if (store) {
        struct keyspace *ks = &c->srv->ks;
        if (dst) {
            db_set(ks, c->db, ARG(store), dst, false);
            c->srv->dirty += outlen;
            notify_key(c, NOTIFY_LIST, "sortstore", ARG(store));
        } else if (db_delete(ks, c->db, ARG(store))) {
            c->srv->dirty++;
            notify_key(c, NOTIFY_GENERIC, "del", ARG(store));
        }
        reply_ll(c, outlen);
    }
    goto out;
notdouble:
    reply_error(c, "ERR One or more scores can't be converted into double");
out:
    mem_free(s->arena);
    mem_free(s->v);
}

static void sort_cmd(struct client *c) { sort_generic(c, false); }
static void sort_ro_cmd(struct client *c) { sort_generic(c, true); }

/* SORT's keys: the source, and the destination of the last STORE (the one
 * that takes effect) when there is one. */
static int sort_keys(struct client *c, int argc, int *keys, int max)
{
    int n = 0, store = 0;
    if (max > 0) keys[n++] = 1;
    for (int j = 2; j < argc; j++) {
        if (util_eqi(c->argv[j].p, c->argv[j].len, "limit")) j += 2;
        else if (util_eqi(c->argv[j].p, c->argv[j].len, "by") ||
                 util_eqi(c->argv[j].p, c->argv[j].len, "get"))
            j++;
        else if (util_eqi(c->argv[j].p, c->argv[j].len, "store") && j + 1 < argc)
            store = ++j;
    }
    if (store && n < max) keys[n++] = store;
    return n;
}

struct command sort_commands[] = {
    {"sort", sort_cmd, -2, CMD_WRITE | CMD_DENYOOM, 1, 1, 1,
     "@write @set @sortedset @list @slow @dangerous",
     "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
     "1.0.0", "generic", .getkeys = sort_keys},
    {"sort_ro", sort_ro_cmd, -2, CMD_READONLY, 1, 1, 1,
     "@read @set @sortedset @list @slow @dangerous",
     "Returns the sorted elements of a list, a set, or a sorted set.", "7.0.0", "generic"},
    {NULL}};
