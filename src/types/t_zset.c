/* t_zset: the sorted set type and its commands.
 *
 * A sorted set maps members (byte strings) to scores (doubles, never NaN)
 * and keeps them ordered by (score, member bytes). Encodings (OBJECT
 * ENCODING names as in Redis 7.0):
 *
 *   listpack   member and score alternate in one base/listpack block, in
 *              order, while there are at most zset-max-listpack-entries
 *              members and none is longer than zset-max-listpack-value.
 *              Scores are stored as integers when integral, otherwise as
 *              their %.17g text (the bytes Redis writes, so the block can go
 *              to an RDB file as it is).
 *   skiplist   beyond that: a skip list ordered by (score, member) whose
 *              levels carry spans (so rank lookups are O(log n)), plus a
 *              base/htab from member to node for O(1) ZSCORE. Both index the
 *              SAME allocation: a node embeds its hash-table link, its levels
 *              and its member bytes, so a member costs one allocation (Redis
 *              uses three: skip-list node, sds member, dict entry).
 *
 * Invariants.
 *  1. A stored sorted set is never empty: removing the last member deletes
 *     the key.
 *  2. listpack: entries come in (member, score) pairs in ascending order.
 *  3. skiplist: every node is in both the list and the table; the header's
 *     level-i span sum equals `length`; `tail` is the last node.
 *  4. Conversion is listpack -> skiplist when a limit is crossed; results
 *     built by the store commands get the encoding their size calls for.
 *
 * Every read command goes through one iterator (struct zit) that hides the
 * encoding, so each range command is written once.
 *
 * Propagation (core/propagate.h), as Redis 7.0: BZPOPMIN/BZPOPMAX go out
 * as ZPOPMIN/ZPOPMAX key, ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX key <count
 * popped>, whether served at once or after blocking. */
#include "base/htab.h"
#include "base/listpack.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/scan.h"
#include "core/server.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

/* ---- member comparison ---------------------------------------------------- */

static inline int lexcmp(const char *a, size_t al, const char *b, size_t bl)
{
    return util_lexcmp(a, al, b, bl);
}

/* ---- ranges --------------------------------------------------------------- */

struct srange {
    double min, max;
    bool minex, maxex;
};

/* One end of a lex range: inf -1 is "-", +1 is "+", 0 a bounded item. */
struct lexbound {
    int inf;
    bool ex;
    const char *p;
    size_t len;
};

struct lrange {
    struct lexbound min, max;
};

static bool parse_score_bound(const struct slice *a, double *v, bool *ex)
{
    const char *p = a->p;
    size_t len = a->len;
    *ex = false;
    if (len > 0 && p[0] == '(') {
        *ex = true;
        p++;
        len--;
    }
    return util_str2d(p, len, v);
}

static bool parse_srange(const struct slice *min, const struct slice *max, struct srange *r)
{
    return parse_score_bound(min, &r->min, &r->minex) && parse_score_bound(max, &r->max, &r->maxex);
}

static bool parse_lexbound(const struct slice *a, struct lexbound *b)
{
    if (a->len == 0) return false;
    b->p = a->p + 1;
    b->len = a->len - 1;
    b->inf = 0;
    b->ex = false;
    switch (a->p[0]) {
    case '-': b->inf = -1; return a->len == 1;
    case '+': b->inf = 1; return a->len == 1;
    case '(': b->ex = true; return true;
    case '[': return true;
    default: return false;
    }
}

static bool srange_gte_min(double v, const struct srange *r) { return r->minex ? v > r->min : v >= r->min; }
static bool srange_lte_max(double v, const struct srange *r) { return r->maxex ? v < r->max : v <= r->max; }
static bool srange_empty(const struct srange *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

static bool lex_gte_min(const char *p, size_t len, const struct lrange *r)
{
    if (r->min.inf) return r->min.inf < 0;
    int c = lexcmp(p, len, r->min.p, r->min.len);
    return r->min.ex ? c > 0 : c >= 0;
}

static bool lex_lte_max(const char *p, size_t len, const struct lrange *r)
{
    if (r->max.inf) return r->max.inf > 0;
    int c = lexcmp(p, len, r->max.p, r->max.len);
    return r->max.ex ? c < 0 : c <= 0;
}

static bool lrange_empty(const struct lrange *r)
{
    if (r->min.inf > 0 || r->max.inf < 0) return true;
    if (r->min.inf < 0 || r->max.inf > 0) return false;
    int c = lexcmp(r->min.p, r->min.len, r->max.p, r->max.len);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}

/* ---- skip list ------------------------------------------------------------ */

#define ZSL_MAXLEVEL 32

struct zsl_node {
    struct htab_node hnode; /* first: the table link (see zs_type) */
    double score;
    struct zsl_node *backward;
    uint32_t mlen;
    uint32_t level;
    struct zsl_lvl {
        struct zsl_node *fwd;
        size_t span;
    } lv[]; /* `level` of them, then the member bytes */
};

static inline const char *zn_member(const struct zsl_node *n)
{
    return (const char *)(n->lv + n->level);
}

struct zset {
    struct htab dict;
    struct zsl_node *header, *tail;
    size_t length;
    int level;
};

static uint64_t zn_hash(const struct htab_node *h)
{
    const struct zsl_node *n = (const struct zsl_node *)h;
    return util_hash(zn_member(n), n->mlen);
}

static bool zn_eq(const struct htab_node *h, const void *key, size_t klen)
{
    const struct zsl_node *n = (const struct zsl_node *)h;
    return n->mlen == klen && memcmp(zn_member(n), key, klen) == 0;
}

static const struct htab_type zs_type = {zn_hash, zn_eq};

static int zsl_random_level(void)
{
    /* each further level with probability 1/4: two random bits per level */
    uint64_t r = util_rand();
    int level = 1;
    while ((r & 3) == 0 && level < ZSL_MAXLEVEL) {
        level++;
        r >>= 2;
    }
    return level;
}

static struct zsl_node *zn_new(int level, double score, const char *m, size_t mlen)
{
    struct zsl_node *n = mem_alloc(sizeof(*n) + (size_t)level * sizeof(struct zsl_lvl) + mlen);
    n->hnode.next = NULL;
    n->score = score;
    n->backward = NULL;
    n->mlen = (uint32_t)mlen;
    n->level = (uint32_t)level;
    if (mlen) memcpy((char *)(n->lv + level), m, mlen);
    return n;
}

static struct zset *zs_new(size_t size_hint)
{
    struct zset *z = mem_alloc(sizeof(*z));
    htab_init(&z->dict, &zs_type);
    if (size_hint) htab_expand(&z->dict, size_hint);
    z->header = zn_new(ZSL_MAXLEVEL, 0, NULL, 0);
    for (int i = 0; i < ZSL_MAXLEVEL; i++) {
        z->header->lv[i].fwd = NULL;
        z->header->lv[i].span = 0;
    }
    z->tail = NULL;
    z->length = 0;
    z->level = 1;
    return z;
}

static void zs_free(struct zset *z)
{
    struct zsl_node *n = z->header->lv[0].fwd;
    while (n) {
        struct zsl_node *next = n->lv[0].fwd;
        mem_free(n);
        n = next;
    }
    mem_free(z->header);
    htab_deinit(&z->dict, NULL, NULL);
    mem_free(z);
}

/* Does node a sort before (score, m)? */
static inline bool zn_before(const struct zsl_node *a, double score, const char *m, size_t mlen)
{
    return a->score < score ||
           (a->score == score && lexcmp(zn_member(a), a->mlen, m, mlen) < 0);
}

/* Fills update[i] with the last node at level i that sorts before
 * (score, m), and rank[i] with its rank; returns rank[0]. */
static size_t zsl_find_update(struct zset *z, double score, const char *m, size_t mlen,
                              struct zsl_node **update, size_t *rank)
{
    struct zsl_node *x = z->header;
    size_t r = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && zn_before(x->lv[i].fwd, score, m, mlen)) {
            r += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        update[i] = x;
        if (rank) rank[i] = r;
    }
    return r;
}

/* Links node n (its score and member set) into the list. */
static void zsl_link(struct zset *z, struct zsl_node *n)
{
    struct zsl_node *update[ZSL_MAXLEVEL];
    size_t rank[ZSL_MAXLEVEL];
    zsl_find_update(z, n->score, zn_member(n), n->mlen, update, rank);
    int lvl = (int)n->level;
    if (lvl > z->level) {
        for (int i = z->level; i < lvl; i++) {
            rank[i] = 0;
            update[i] = z->header;
            z->header->lv[i].span = z->length;
        }
        z->level = lvl;
    }
    for (int i = 0; i < lvl; i++) {
        n->lv[i].fwd = update[i]->lv[i].fwd;
        update[i]->lv[i].fwd = n;
        n->lv[i].span = update[i]->lv[i].span - (rank[0] - rank[i]);
        update[i]->lv[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = lvl; i < z->level; i++) update[i]->lv[i].span++;
    n->backward = update[0] == z->header ? NULL : update[0];
    if (n->lv[0].fwd) n->lv[0].fwd->backward = n;
    else z->tail = n;
    z->length++;
}

/* Unlinks n given the update vector from zsl_find_update. */
static void zsl_unlink_at(struct zset *z, struct zsl_node *n, struct zsl_node **update)
{
    for (int i = 0; i < z->level; i++) {
        if (update[i]->lv[i].fwd == n) {
            update[i]->lv[i].span += n->lv[i].span - 1;
            update[i]->lv[i].fwd = n->lv[i].fwd;
        } else {
            update[i]->lv[i].span--;
        }
    }
    if (n->lv[0].fwd) n->lv[0].fwd->backward = n->backward;
    else z->tail = n->backward;
    while (z->level > 1 && !z->header->lv[z->level - 1].fwd) z->level--;
    z->length--;
}

static void zsl_unlink(struct zset *z, struct zsl_node *n)
{
    struct zsl_node *update[ZSL_MAXLEVEL];
    zsl_find_update(z, n->score, zn_member(n), n->mlen, update, NULL);
    zsl_unlink_at(z, n, update);
}

static void zs_insert(struct zset *z, double score, const char *m, size_t mlen)
{
    struct zsl_node *n = zn_new(zsl_random_level(), score, m, mlen);
    zsl_link(z, n);
    htab_add(&z->dict, util_hash(m, mlen), &n->hnode);
}

static struct zsl_node *zs_find(struct zset *z, const char *m, size_t mlen)
{
    return (struct zsl_node *)htab_find(&z->dict, util_hash(m, mlen), m, mlen);
}

/* Moves n to newscore, in place when its neighbours still bracket it. */
static void zs_update_score(struct zset *z, struct zsl_node *n, double newscore)
{
    if ((!n->backward || n->backward->score < newscore) &&
        (!n->lv[0].fwd || n->lv[0].fwd->score > newscore)) {
        n->score = newscore;
        return;
    }
    zsl_unlink(z, n);
    n->score = newscore;
    zsl_link(z, n);
}

static void zs_delete_node(struct zset *z, struct zsl_node *n, struct zsl_node **update)
{
    if (update) zsl_unlink_at(z, n, update);
    else zsl_unlink(z, n);
    htab_unlink(&z->dict, util_hash(zn_member(n), n->mlen), &n->hnode);
    mem_free(n);
}

/* 1-based rank of n. */
static size_t zsl_rank(const struct zset *z, const struct zsl_node *n)
{
    const struct zsl_node *x = z->header;
    size_t r = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd &&
               (x->lv[i].fwd == n || zn_before(x->lv[i].fwd, n->score, zn_member(n), n->mlen))) {
            r += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (x == n) return r;
    }
    return 0;
}

/* The node of 1-based rank r, or NULL. */
static struct zsl_node *zsl_by_rank(const struct zset *z, size_t r)
{
    struct zsl_node *x = z->header;
    size_t t = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && t + x->lv[i].span <= r) {
            t += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (t == r) return x;
    }
    return NULL;
}

/* Range predicates on nodes, so score and lex ranges share the walks. */
struct zpred {
    bool (*gte_min)(const struct zsl_node *n, const void *range);
    bool (*lte_max)(const struct zsl_node *n, const void *range);
    const void *range;
};

static bool zn_s_gte(const struct zsl_node *n, const void *r) { return srange_gte_min(n->score, r); }
static bool zn_s_lte(const struct zsl_node *n, const void *r) { return srange_lte_max(n->score, r); }
static bool zn_l_gte(const struct zsl_node *n, const void *r)
{
    return lex_gte_min(zn_member(n), n->mlen, r);
}
static bool zn_l_lte(const struct zsl_node *n, const void *r)
{
    return lex_lte_max(zn_member(n), n->mlen, r);
}

/* First node in range and its 1-based rank, or NULL. update, when given,
 * receives the nodes before it at each level (for deletion). */
static struct zsl_node *zsl_first_in(struct zset *z, const struct zpred *p, size_t *rank,
                                     struct zsl_node **update)
{
    struct zsl_node *x = z->header;
    size_t r = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && !p->gte_min(x->lv[i].fwd, p->range)) {
            r += x->lv[i].span;
            x = x->lv[i].fwd;
        }
        if (update) update[i] = x;
    }
    x = x->lv[0].fwd;
    if (!x || !p->lte_max(x, p->range)) return NULL;
    if (rank) *rank = r + 1;
    return x;
}

/* Last node in range and its 1-based rank, or NULL. */
static struct zsl_node *zsl_last_in(struct zset *z, const struct zpred *p, size_t *rank)
{
    struct zsl_node *x = z->header;
    size_t r = 0;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->lv[i].fwd && p->lte_max(x->lv[i].fwd, p->range)) {
            r += x->lv[i].span;
            x = x->lv[i].fwd;
        }
    }
    if (x == z->header || !p->gte_min(x, p->range)) return NULL;
    if (rank) *rank = r;
    return x;
}

/* ---- listpack encoding ---------------------------------------------------- */

static double lp_score_at(const unsigned char *lp, size_t pos)
{
    struct lp_val v;
    lp_get(lp, pos, &v);
    if (!v.s) return (double)v.v;
    double d = 0;
    util_str2d((const char *)v.s, v.slen, &d);
    return d;
}

/* A member's bytes: listpack integers are formatted into buf. */
struct zelem {
    const char *p;
    size_t len;
    double score;
    char buf[UTIL_LL_STR_SIZE];
};

static void lp_member_at(const unsigned char *lp, size_t pos, struct zelem *e)
{
    e->p = lp_get_str(lp, pos, e->buf, &e->len);
}

/* The text a score is stored as: an integer when integral (listpack then
 * keeps it as an integer), otherwise %.17g. */
static int score_text(char *buf, size_t size, double d)
{
    if (d == floor(d) && d >= -9007199254740992.0 && d <= 9007199254740992.0)
        return util_ll2str(buf, (long long)d);
    return util_d2str(buf, size, d);
}

static void lpz_insert(unsigned char **lp, double score, const char *m, size_t mlen)
{
    size_t pos = lp_first(*lp);
    while (pos != LP_NONE) {
        size_t sp = lp_next(*lp, pos);
        double s = lp_score_at(*lp, sp);
        if (s > score) break;
        if (s == score) {
            struct zelem e;
            lp_member_at(*lp, pos, &e);
            if (lexcmp(e.p, e.len, m, mlen) > 0) break;
        }
        pos = lp_next(*lp, sp);
    }
    char buf[64];
    int n = score_text(buf, sizeof(buf), score);
    size_t at = lp_insert(lp, pos, m, mlen);
    lp_insert(lp, lp_next(*lp, at), buf, (size_t)n);
}

/* ---- the sorted set value ------------------------------------------------- */

static size_t zset_len(const struct obj *o)
{
    return o->enc == ENC_LISTPACK ? lp_count(o->u.ptr) / 2 : ((struct zset *)o->u.ptr)->length;
}

static struct obj *zset_new(bool skiplist, size_t size_hint)
{
    struct obj *o = obj_new_collection(OBJ_ZSET);
    if (skiplist) {
        o->enc = ENC_SKIPLIST;
        o->u.ptr = zs_new(size_hint);
    } else {
        o->enc = ENC_LISTPACK;
        o->u.ptr = lp_new();
    }
    return o;
}

/* A new value for about n members of which the longest is maxlen bytes. */
static struct obj *zset_new_for(struct server *srv, size_t n, size_t maxlen)
{
    bool sl = (long long)n > srv->cfg.zset_max_listpack_entries ||
              (long long)maxlen > srv->cfg.zset_max_listpack_value;
    return zset_new(sl, sl ? n : 0);
}

static void zset_convert_to_skiplist(struct obj *o)
{
    unsigned char *lp = o->u.ptr;
    struct zset *z = zs_new(lp_count(lp) / 2);
    for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p))) {
        struct zelem e;
        lp_member_at(lp, p, &e);
        zs_insert(z, lp_score_at(lp, lp_next(lp, p)), e.p, e.len);
    }
    lp_free(&lp);
    o->u.ptr = z;
    o->enc = ENC_SKIPLIST;
}

static bool zset_score(struct obj *o, const char *m, size_t mlen, double *score)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), m, mlen, 1);
        if (p == LP_NONE) return false;
        *score = lp_score_at(lp, lp_next(lp, p));
        return true;
    }
    struct zsl_node *n = zs_find(o->u.ptr, m, mlen);
    if (!n) return false;
    *score = n->score;
    return true;
}

enum {
    ZADD_NX = 1,
    ZADD_XX = 2,
    ZADD_GT = 4,
    ZADD_LT = 8,
    ZADD_INCR = 16,
    ZADD_CH = 32,
};
enum { ZADD_OUT_ADDED = 1, ZADD_OUT_UPDATED = 2, ZADD_OUT_NOP = 4, ZADD_OUT_NAN = 8 };

/* ZADD's rules for a member already there with score cur: the new score
 * into *score and *newscore; ZADD_OUT_UPDATED when it must change, 0 when
 * it stays, NOP or NAN otherwise. */
static int zadd_existing(int flags, double cur, double *score, double *newscore)
{
    if (flags & ZADD_NX) return ZADD_OUT_NOP;
    if (flags & ZADD_INCR) {
        *score += cur;
        if (isnan(*score)) return ZADD_OUT_NAN;
    }
    if (((flags & ZADD_LT) && *score >= cur) || ((flags & ZADD_GT) && *score <= cur))
        return ZADD_OUT_NOP;
    *newscore = *score;
    return *score == cur ? 0 : ZADD_OUT_UPDATED;
}

/* Adds or updates one member under the ZADD flags; returns ZADD_OUT_*
 * and the score the member ends with in *newscore. */
static int zset_add(struct server *srv, struct obj *o, double score, const char *m, size_t mlen,
                    int flags, double *newscore)
{
    if (isnan(score)) return ZADD_OUT_NAN;
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), m, mlen, 1);
        if (p != LP_NONE) {
            int r = zadd_existing(flags, lp_score_at(lp, lp_next(lp, p)), &score, newscore);
            if (r != ZADD_OUT_UPDATED) return r;
            lp_delete(&lp, p, 2);
            lpz_insert(&lp, score, m, mlen);
            o->u.ptr = lp;
            return ZADD_OUT_UPDATED;
        }
        if (flags & ZADD_XX) return ZADD_OUT_NOP;
        *newscore = score;
        if ((long long)lp_count(lp) / 2 + 1 > srv->cfg.zset_max_listpack_entries ||
            (long long)mlen > srv->cfg.zset_max_listpack_value) {
            zset_convert_to_skiplist(o);
        } else {
            lpz_insert(&lp, score, m, mlen);
            o->u.ptr = lp;
            return ZADD_OUT_ADDED;
        }
    }
    struct zset *z = o->u.ptr;
    uint64_t hv = util_hash(m, mlen);
    struct zsl_node *n = (struct zsl_node *)htab_find(&z->dict, hv, m, mlen);
    if (n) {
        int r = zadd_existing(flags, n->score, &score, newscore);
        if (r != ZADD_OUT_UPDATED) return r;
        zs_update_score(z, n, score);
        return ZADD_OUT_UPDATED;
    }
    if (flags & ZADD_XX) return ZADD_OUT_NOP;
    *newscore = score;
    n = zn_new(zsl_random_level(), score, m, mlen);
    zsl_link(z, n);
    htab_add(&z->dict, hv, &n->hnode);
    return ZADD_OUT_ADDED;
}

/* Appends a member known to sort after every present one (building
 * results in order); converts when a limit is crossed. */
static void zset_append(struct server *srv, struct obj *o, double score, const char *m,
                        size_t mlen)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        if ((long long)lp_count(lp) / 2 + 1 > srv->cfg.zset_max_listpack_entries ||
            (long long)mlen > srv->cfg.zset_max_listpack_value) {
            zset_convert_to_skiplist(o);
        } else {
            char buf[64];
            int n = score_text(buf, sizeof(buf), score);
            lp_append(&lp, m, mlen);
            lp_append(&lp, buf, (size_t)n);
            o->u.ptr = lp;
            return;
        }
    }
    zs_insert(o->u.ptr, score, m, mlen);
}

static bool zset_del(struct obj *o, const char *m, size_t mlen)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_find(lp, lp_first(lp), m, mlen, 1);
        if (p == LP_NONE) return false;
        lp_delete(&lp, p, 2);
        o->u.ptr = lp;
        return true;
    }
    struct zset *z = o->u.ptr;
    struct zsl_node *n = zs_find(z, m, mlen);
    if (!n) return false;
    zs_delete_node(z, n, NULL);
    return true;
}

/* 0-based rank from the low end (or the high end when rev), -1 if absent. */
static long long zset_rank(struct obj *o, const char *m, size_t mlen, bool rev)
{
    size_t len = zset_len(o), r;
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t p = lp_first(lp);
        for (r = 0; p != LP_NONE; r++, p = lp_next(lp, lp_next(lp, p)))
            if (lp_eq(lp, p, m, mlen)) break;
        if (p == LP_NONE) return -1;
    } else {
        struct zset *z = o->u.ptr;
        struct zsl_node *n = zs_find(z, m, mlen);
        if (!n) return -1;
        r = zsl_rank(z, n) - 1;
    }
    return (long long)(rev ? len - 1 - r : r);
}

/* ---- iteration ------------------------------------------------------------ */

/* A cursor over a sorted set in either direction, whatever the encoding. */
struct zit {
    struct obj *o;
    bool rev;
    size_t pos;         /* listpack: the member entry, LP_NONE at the end */
    struct zsl_node *n; /* skiplist: NULL at the end */
};

static bool zit_valid(const struct zit *it)
{
    return it->o->enc == ENC_LISTPACK ? it->pos != LP_NONE : it->n != NULL;
}

static void zit_get(const struct zit *it, struct zelem *e)
{
    if (it->o->enc == ENC_LISTPACK) {
        const unsigned char *lp = it->o->u.ptr;
        lp_member_at(lp, it->pos, e);
        e->score = lp_score_at(lp, lp_next(lp, it->pos));
    } else {
        e->p = zn_member(it->n);
        e->len = it->n->mlen;
        e->score = it->n->score;
    }
}

static void zit_next(struct zit *it)
{
    if (it->o->enc == ENC_LISTPACK) {
        const unsigned char *lp = it->o->u.ptr;
        if (it->rev) {
            size_t p = lp_prev(lp, it->pos);
            it->pos = p == LP_NONE ? LP_NONE : lp_prev(lp, p);
        } else {
            it->pos = lp_next(lp, lp_next(lp, it->pos));
        }
    } else {
        it->n = it->rev ? it->n->backward : it->n->lv[0].fwd;
    }
}

/* Positions at 0-based rank r counted from the iteration's starting end. */
static void zit_at_rank(struct zit *it, struct obj *o, size_t r, bool rev)
{
    it->o = o;
    it->rev = rev;
    size_t len = zset_len(o);
    if (r >= len) {
        it->pos = LP_NONE;
        it->n = NULL;
        return;
    }
    size_t fwd_rank = rev ? len - 1 - r : r;
    if (o->enc == ENC_LISTPACK) it->pos = lp_seek(o->u.ptr, (long long)(2 * fwd_rank));
    else it->n = zsl_by_rank(o->u.ptr, fwd_rank + 1);
}

/* The range kinds the range commands take. */
enum zrange_kind { ZR_RANK, ZR_SCORE, ZR_LEX };

struct zbounds {
    enum zrange_kind kind;
    struct srange s;
    struct lrange l;
};

static bool zb_gte_min(const struct zbounds *b, const struct zelem *e)
{
    return b->kind == ZR_SCORE ? srange_gte_min(e->score, &b->s) : lex_gte_min(e->p, e->len, &b->l);
}

static bool zb_lte_max(const struct zbounds *b, const struct zelem *e)
{
    return b->kind == ZR_SCORE ? srange_lte_max(e->score, &b->s) : lex_lte_max(e->p, e->len, &b->l);
}

static bool zb_empty(const struct zbounds *b)
{
    return b->kind == ZR_SCORE ? srange_empty(&b->s) : lrange_empty(&b->l);
}

static void zb_pred(const struct zbounds *b, struct zpred *p)
{
    if (b->kind == ZR_SCORE) {
        p->gte_min = zn_s_gte;
        p->lte_max = zn_s_lte;
        p->range = &b->s;
    } else {
        p->gte_min = zn_l_gte;
        p->lte_max = zn_l_lte;
        p->range = &b->l;
    }
}

/* Positions at the first member inside the bounds from the iteration's
 * starting end (the lowest, or the highest when rev); *rank gets its
 * 0-based rank from the low end. Invalid when none is inside. */
static void zit_at_bound(struct zit *it, struct obj *o, const struct zbounds *b, bool rev,
                         size_t *rank)
{
    it->o = o;
    it->rev = rev;
    it->pos = LP_NONE;
    it->n = NULL;
    if (zb_empty(b)) return;
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        size_t r = 0, found = LP_NONE, found_rank = 0;
        for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, lp_next(lp, p)), r++) {
            struct zelem e;
            lp_member_at(lp, p, &e);
            e.score = lp_score_at(lp, lp_next(lp, p));
            if (!rev) {
                if (!zb_gte_min(b, &e)) continue;
                if (zb_lte_max(b, &e)) {
                    found = p;
                    found_rank = r;
                }
                break;
            }
            if (!zb_lte_max(b, &e)) break;
            if (zb_gte_min(b, &e)) {
                found = p;
                found_rank = r;
            }
        }
        it->pos = found;
        if (rank) *rank = found_rank;
        return;
    }
    struct zpred p;
    zb_pred(b, &p);
    size_t r = 0;
    it->n = rev ? zsl_last_in(o->u.ptr, &p, &r) : zsl_first_in(o->u.ptr, &p, &r, NULL);
    if (rank) *rank = r ? r - 1 : 0;
}

/* Is the current member still inside the far bound? */
static bool zit_inside(const struct zit *it, const struct zbounds *b, const struct zelem *e)
{
    return it->rev ? zb_gte_min(b, e) : zb_lte_max(b, e);
}

/* Number of members inside the bounds. */
static size_t zset_count_in(struct obj *o, const struct zbounds *b)
{
    if (zb_empty(b)) return 0;
    if (o->enc == ENC_SKIPLIST) {
        struct zpred p;
        zb_pred(b, &p);
        size_t first, last;
        if (!zsl_first_in(o->u.ptr, &p, &first, NULL)) return 0;
        zsl_last_in(o->u.ptr, &p, &last);
        return last - first + 1;
    }
    struct zit it;
    zit_at_bound(&it, o, b, false, NULL);
    size_t n = 0;
    for (; zit_valid(&it); zit_next(&it), n++) {
        struct zelem e;
        zit_get(&it, &e);
        if (!zb_lte_max(b, &e)) break;
    }
    return n;
}

/* Removes the members inside the bounds, or (ZR_RANK) with 0-based ranks
 * start..end (valid, start <= end); returns how many. */
static size_t zset_remove_range(struct obj *o, const struct zbounds *b, size_t start, size_t end)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        size_t first, n;
        if (b->kind == ZR_RANK) {
            first = start;
            n = end - start + 1;
        } else {
            n = zset_count_in(o, b);
            if (!n) return 0;
            struct zit it;
            zit_at_bound(&it, o, b, false, &first);
        }
        lp_delete(&lp, lp_seek(lp, (long long)(2 * first)), 2 * n);
        o->u.ptr = lp;
        return n;
    }
    struct zset *z = o->u.ptr;
    struct zsl_node *update[ZSL_MAXLEVEL], *x;
    size_t removed = 0;
    if (b->kind == ZR_RANK) {
        x = z->header;
        size_t t = 0;
        for (int i = z->level - 1; i >= 0; i--) {
            while (x->lv[i].fwd && t + x->lv[i].span <= start) {
                t += x->lv[i].span;
                x = x->lv[i].fwd;
            }
            update[i] = x;
        }
        x = x->lv[0].fwd;
        for (size_t r = start; x && r <= end; r++) {
            struct zsl_node *next = x->lv[0].fwd;
            zs_delete_node(z, x, update);
            removed++;
            x = next;
        }
        return removed;
    }
    if (zb_empty(b)) return 0;
    struct zpred p;
    zb_pred(b, &p);
    x = zsl_first_in(z, &p, NULL, update);
    while (x && p.lte_max(x, p.range)) {
        struct zsl_node *next = x->lv[0].fwd;
        zs_delete_node(z, x, update);
        removed++;
        x = next;
    }
    return removed;
}

/* ---- type ops ------------------------------------------------------------- */

static void zset_free_payload(struct obj *o)
{
    if (o->enc == ENC_LISTPACK) {
        unsigned char *lp = o->u.ptr;
        lp_free(&lp);
    } else {
        zs_free(o->u.ptr);
    }
}

static struct obj *zset_dup(const struct obj *o)
{
    if (o->enc == ENC_LISTPACK) {
        struct obj *d = zset_new(false, 0);
        lp_free((unsigned char **)&d->u.ptr);
        size_t n = lp_bytes(o->u.ptr);
        d->u.ptr = mem_alloc(n);
        memcpy(d->u.ptr, o->u.ptr, n);
        return d;
    }
    const struct zset *z = o->u.ptr;
    struct obj *d = zset_new(true, z->length);
    for (const struct zsl_node *n = z->header->lv[0].fwd; n; n = n->lv[0].fwd)
        zs_insert(d->u.ptr, n->score, zn_member(n), n->mlen);
    return d;
}

static size_t zset_mem(const struct obj *o)
{
    if (o->enc == ENC_LISTPACK) return mem_usable(o->u.ptr);
    const struct zset *z = o->u.ptr;
    size_t n = mem_usable(z) + mem_usable(z->header) + htab_slots(&z->dict) * sizeof(void *);
    for (const struct zsl_node *x = z->header->lv[0].fwd; x; x = x->lv[0].fwd) n += mem_usable(x);
    return n;
}

static size_t zset_free_effort(const struct obj *o)
{
    return o->enc == ENC_SKIPLIST ? ((const struct zset *)o->u.ptr)->length : 1;
}

static const struct obj_type_ops zset_ops = {zset_free_payload, zset_dup, zset_mem,
                                             zset_free_effort};

void t_zset_init(void);
void t_zset_init(void) { obj_register_type(OBJ_ZSET, &zset_ops); }

size_t t_zset_len(const struct obj *o) { return zset_len(o); }

void t_zset_foreach(struct obj *o, zset_visit_fn *fn, void *priv)
{
    struct zit it;
    for (zit_at_rank(&it, o, 0, false); zit_valid(&it); zit_next(&it)) {
        struct zelem e;
        zit_get(&it, &e);
        fn(e.p, e.len, e.score, priv);
    }
}

void t_zset_foreach_desc(struct obj *o, zset_visit_fn *fn, void *priv)
{
    struct zit it;
    for (zit_at_rank(&it, o, 0, true); zit_valid(&it); zit_next(&it)) {
        struct zelem e;
        zit_get(&it, &e);
        fn(e.p, e.len, e.score, priv);
    }
}

struct obj *t_zset_new_skiplist(size_t n) { return zset_new(true, n); }

bool t_zset_sl_add(struct obj *o, double score, const char *m, size_t mlen)
{
    struct zset *z = o->u.ptr;
    uint64_t hv = util_hash(m, mlen);
    if (htab_find(&z->dict, hv, m, mlen)) return false;
    struct zsl_node *n = zn_new(zsl_random_level(), score, m, mlen);
    zsl_link(z, n);
    htab_add(&z->dict, hv, &n->hnode);
    return true;
}

void t_zset_to_listpack(struct obj *o)
{
    struct zset *z = o->u.ptr;
    unsigned char *lp = lp_new();
    for (const struct zsl_node *n = z->header->lv[0].fwd; n; n = n->lv[0].fwd) {
        char buf[64];
        int len = score_text(buf, sizeof(buf), n->score);
        lp_append(&lp, zn_member(n), n->mlen);
        lp_append(&lp, buf, (size_t)len);
    }
    zs_free(z);
    o->u.ptr = lp;
    o->enc = ENC_LISTPACK;
}

struct obj *t_zset_from_listpack(unsigned char *lp, bool to_skiplist)
{
    struct obj *o = zset_new(false, 0);
    unsigned char *empty = o->u.ptr;
    lp_free(&empty);
    o->u.ptr = lp;
    if (to_skiplist) zset_convert_to_skiplist(o);
    return o;
}

const unsigned char *t_zset_listpack(const struct obj *o)
{
    return o->enc == ENC_LISTPACK ? o->u.ptr : NULL;
}

/* ---- replies -------------------------------------------------------------- */

static inline bool lookup_zset(struct client *c, int argi, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, argi, OBJ_ZSET, write, ke);
}

/* Array length for n members, with scores flattened in RESP2. */
static long long scored_len(struct client *c, long long n, bool withscores)
{
    return withscores && c->resp < 3 ? 2 * n : n;
}

static void reply_scored(struct client *c, const struct zelem *e, bool withscores)
{
    if (withscores && c->resp >= 3) reply_array(c, 2);
    reply_bulk(c, e->p, e->len);
    if (withscores) reply_double(c, e->score);
}

/* Where a range goes: the client (reply) or a destination value (store). */
struct zsink {
    struct client *c;
    bool withscores, store;
    bool sorted; /* members come in ascending order (store can append) */
    struct obj *dst;
    long long n;
    reply_defer_t d;
};

static void sink_begin(struct zsink *s, long long known)
{
    s->n = 0;
    s->dst = NULL;
    if (s->store) return;
    if (known >= 0) reply_array(s->c, scored_len(s->c, known, s->withscores));
    else s->d = reply_defer(s->c);
}

static void sink_emit(struct zsink *s, const struct zelem *e)
{
    s->n++;
    if (!s->store) {
        reply_scored(s->c, e, s->withscores);
        return;
    }
    if (!s->dst) s->dst = zset_new(false, 0);
    double ignored;
    if (s->sorted) zset_append(s->c->srv, s->dst, e->score, e->p, e->len);
    else zset_add(s->c->srv, s->dst, e->score, e->p, e->len, 0, &ignored);
}

/* Finishes: the deferred length, or the store into key argv[dstarg]. */
static void sink_end(struct zsink *s, bool known, int dstarg)
{
    struct client *c = s->c;
    if (!s->store) {
        if (!known) reply_defer_array(c, s->d, scored_len(c, s->n, s->withscores));
        return;
    }
    struct keyspace *ks = &c->srv->ks;
    if (s->dst) {
        db_set(ks, c->db, ARG(dstarg), s->dst, false);
        c->srv->dirty++;
        notify_key(c, NOTIFY_ZSET, "zrangestore", ARG(dstarg));
    } else if (db_delete(ks, c->db, ARG(dstarg))) {
        c->srv->dirty++;
        notify_key(c, NOTIFY_GENERIC, "del", ARG(dstarg));
    }
    reply_ll(c, s->n);
}

/* ---- ZADD / ZINCRBY ------------------------------------------------------- */

static void zadd_generic(struct client *c, int flags)
{
    int i = 2;
    for (; i < c->argc; i++) {
        if (util_eqi(ARG(i), "nx")) flags |= ZADD_NX;
        else if (util_eqi(ARG(i), "xx")) flags |= ZADD_XX;
        else if (util_eqi(ARG(i), "gt")) flags |= ZADD_GT;
        else if (util_eqi(ARG(i), "lt")) flags |= ZADD_LT;
        else if (util_eqi(ARG(i), "ch")) flags |= ZADD_CH;
        else if (util_eqi(ARG(i), "incr")) flags |= ZADD_INCR;
        else break;
    }
    int pairs = (c->argc - i) / 2;
    if ((c->argc - i) % 2 || pairs == 0) {
        reply_err_syntax(c);
        return;
    }
    if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & ZADD_GT) && (flags & ZADD_LT)) ||
        ((flags & ZADD_NX) && (flags & (ZADD_GT | ZADD_LT)))) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & ZADD_INCR) && pairs > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    /* every score must parse before anything changes */
    double stack_scores[16];
    double *scores = pairs <= 16 ? stack_scores : mem_alloc(sizeof(double) * (size_t)pairs);
    size_t maxlen = 0;
    for (int j = 0; j < pairs; j++) {
        if (!util_str2d(ARG(i + 2 * j), &scores[j])) {
            reply_err_notfloat(c);
            goto out;
        }
        if (c->argv[i + 2 * j + 1].len > maxlen) maxlen = c->argv[i + 2 * j + 1].len;
    }
    struct kentry *ke;
    if (!lookup_zset(c, 1, true, &ke)) goto out;
    if (!ke) {
        if (flags & ZADD_XX) {
            if (flags & ZADD_INCR) reply_null(c);
            else reply_ll(c, 0);
            goto out;
        }
        ke = db_add(&c->srv->ks, c->db, ARG(1), zset_new_for(c->srv, (size_t)pairs, maxlen));
    }
    long long added = 0, updated = 0;
    double score = 0;
    bool nop = false;
    for (int j = 0; j < pairs; j++) {
        int r = zset_add(c->srv, ke->val, scores[j], ARG(i + 2 * j + 1), flags, &score);
        if (r & ZADD_OUT_NAN) {
            reply_error(c, "ERR resulting score is not a number (NaN)");
            if (zset_len(ke->val) == 0) db_delete_entry(&c->srv->ks, c->db, ke);
            goto out;
        }
        if (r & ZADD_OUT_ADDED) added++;
        if (r & ZADD_OUT_UPDATED) updated++;
        if (r & ZADD_OUT_NOP) nop = true;
    }
    if (zset_len(ke->val) == 0) db_delete_entry(&c->srv->ks, c->db, ke);
    c->srv->dirty += added + updated;
    if (added + updated)
        notify_key(c, NOTIFY_ZSET, (flags & ZADD_INCR) ? "zincr" : "zadd", ARG(1));
    if (added) blocking_signal_key(c->srv, c->db, ARG(1));
    if (flags & ZADD_INCR) {
        if (nop) reply_null(c);
        else reply_double(c, score);
    } else {
        reply_ll(c, (flags & ZADD_CH) ? added + updated : added);
    }
out:
    if (scores != stack_scores) mem_free(scores);
}

static void zadd_cmd(struct client *c) { zadd_generic(c, 0); }

static void zincrby_cmd(struct client *c)
{
    if (c->argc != 4) {
        reply_err_syntax(c);
        return;
    }
    zadd_generic(c, ZADD_INCR);
}

/* ---- single-member reads and ZREM ----------------------------------------- */

static void zcard_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_zset(c, 1, false, &ke)) reply_ll(c, ke ? (long long)zset_len(ke->val) : 0);
}

static void zscore_cmd(struct client *c)
{
    struct kentry *ke;
    double s;
    if (!lookup_zset(c, 1, false, &ke)) return;
    if (ke && zset_score(ke->val, ARG(2), &s)) reply_double(c, s);
    else reply_null(c);
}

static void zmscore_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_zset(c, 1, false, &ke)) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (ke && zset_score(ke->val, ARG(i), &s)) reply_double(c, s);
        else reply_null(c);
    }
}

static void zrank_generic(struct client *c, bool rev)
{
    struct kentry *ke;
    if (!lookup_zset(c, 1, false, &ke)) return;
    long long r = ke ? zset_rank(ke->val, ARG(2), rev) : -1;
    if (r < 0) reply_null(c);
    else reply_ll(c, r);
}

static void zrank_cmd(struct client *c) { zrank_generic(c, false); }
static void zrevrank_cmd(struct client *c) { zrank_generic(c, true); }

static void zrem_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_zset(c, 1, true, &ke)) return;
    long long n = 0;
    if (ke) {
        for (int i = 2; i < c->argc; i++) {
            if (zset_del(ke->val, ARG(i))) n++;
            if (zset_len(ke->val) == 0) {
                db_delete_entry(&c->srv->ks, c->db, ke);
                ke = NULL;
                break;
            }
        }
    }
    c->srv->dirty += n;
    if (n) notify_key(c, NOTIFY_ZSET, "zrem", ARG(1));
    if (n && !ke) notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    reply_ll(c, n);
}

/* ---- ranges --------------------------------------------------------------- */

/* Parses argv[a], argv[b] as the bounds of kind (ranks into start and end).
 * Replies the error and returns false on bad input. */
static bool parse_bounds(struct client *c, enum zrange_kind kind, int a, int b,
                         struct zbounds *out, long long *start, long long *end)
{
    out->kind = kind;
    if (kind == ZR_RANK) {
        if (!util_str2ll(ARG(a), start) || !util_str2ll(ARG(b), end)) {
            reply_err_notint(c);
            return false;
        }
        return true;
    }
    if (kind == ZR_SCORE) {
        if (!parse_srange(&c->argv[a], &c->argv[b], &out->s)) {
            reply_error(c, "ERR min or max is not a float");
            return false;
        }
        return true;
    }
    if (!parse_lexbound(&c->argv[a], &out->l.min) || !parse_lexbound(&c->argv[b], &out->l.max)) {
        reply_error(c, "ERR min or max not valid string range item");
        return false;
    }
    return true;
}


/* The one implementation behind ZRANGE, ZRANGESTORE, ZREVRANGE,
 * ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX and ZREVRANGEBYLEX.
 * src is the key's index; the two bounds follow it; options follow them.
 * `kind` is the legacy command's range kind, or -1 for ZRANGE's
 * BYSCORE/BYLEX/REV options. dst is the store key's index or 0. */
static void zrange_generic(struct client *c, int src, int dst, int kind, bool rev)
{
    bool withscores = false, limit = false, modern = kind < 0;
    long long offset = 0, count = -1;
    if (modern) kind = ZR_RANK;
    for (int j = src + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (!dst && util_eqi(ARG(j), "withscores")) {
            withscores = true;
        } else if (util_eqi(ARG(j), "limit") && left >= 2) {
            if (!util_str2ll(ARG(j + 1), &offset) || !util_str2ll(ARG(j + 2), &count)) {
                reply_err_notint(c);
                return;
            }
            limit = true;
            j += 2;
        } else if (modern && util_eqi(ARG(j), "rev")) {
            rev = true;
        } else if (modern && util_eqi(ARG(j), "byscore")) {
            kind = ZR_SCORE;
        } else if (modern && util_eqi(ARG(j), "bylex")) {
            kind = ZR_LEX;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    if (limit && kind == ZR_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either "
                       "BYSCORE or BYLEX");
        return;
    }
    if (withscores && kind == ZR_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    /* reversed score and lex ranges are given max first */
    int a = src + 1, b = src + 2;
    if (rev && kind != ZR_RANK) {
        a = src + 2;
        b = src + 1;
    }
    struct zbounds bounds;
    long long start = 0, end = 0;
    if (!parse_bounds(c, (enum zrange_kind)kind, a, b, &bounds, &start, &end)) return;
    struct kentry *ke;
    if (!lookup_zset(c, src, false, &ke)) return;
    struct zsink s = {.c = c, .withscores = withscores, .store = dst != 0, .sorted = !rev};
    if (!ke) {
        sink_begin(&s, 0);
        sink_end(&s, true, dst);
        return;
    }
    struct obj *o = ke->val;
    struct zit it;
    struct zelem e;
    if (kind == ZR_RANK) {
        long long len = (long long)zset_len(o);
        if (!util_clamp_range(&start, &end, len)) {
            sink_begin(&s, 0);
            sink_end(&s, true, dst);
            return;
        }
        long long n = end - start + 1;
        sink_begin(&s, n);
        for (zit_at_rank(&it, o, (size_t)start, rev); n-- && zit_valid(&it); zit_next(&it)) {
            zit_get(&it, &e);
            sink_emit(&s, &e);
        }
        sink_end(&s, true, dst);
        return;
    }
    sink_begin(&s, -1);
    if (offset < 0) {
        sink_end(&s, false, dst);
        return;
    }
    size_t rank;
    zit_at_bound(&it, o, &bounds, rev, &rank);
    if (offset > 0 && zit_valid(&it)) {
        if (o->enc == ENC_SKIPLIST) { /* jump: O(log n), not O(offset) */
            size_t len = zset_len(o);
            size_t target = rev ? (rank >= (size_t)offset ? rank - (size_t)offset : len)
                                : rank + (size_t)offset;
            it.n = target < len ? zsl_by_rank(o->u.ptr, target + 1) : NULL;
        } else {
            while (offset-- && zit_valid(&it)) zit_next(&it);
        }
    }
    for (; count != 0 && zit_valid(&it); zit_next(&it), count--) {
        zit_get(&it, &e);
        if (!zit_inside(&it, &bounds, &e)) break;
        sink_emit(&s, &e);
    }
    sink_end(&s, false, dst);
}

static void zrange_cmd(struct client *c) { zrange_generic(c, 1, 0, -1, false); }
static void zrangestore_cmd(struct client *c) { zrange_generic(c, 2, 1, -1, false); }
static void zrevrange_cmd(struct client *c) { zrange_generic(c, 1, 0, ZR_RANK, true); }
static void zrangebyscore_cmd(struct client *c) { zrange_generic(c, 1, 0, ZR_SCORE, false); }
static void zrevrangebyscore_cmd(struct client *c) { zrange_generic(c, 1, 0, ZR_SCORE, true); }
static void zrangebylex_cmd(struct client *c) { zrange_generic(c, 1, 0, ZR_LEX, false); }
static void zrevrangebylex_cmd(struct client *c) { zrange_generic(c, 1, 0, ZR_LEX, true); }

static void zcount_generic(struct client *c, enum zrange_kind kind)
{
    struct zbounds b;
    if (!parse_bounds(c, kind, 2, 3, &b, NULL, NULL)) return;
    struct kentry *ke;
    if (!lookup_zset(c, 1, false, &ke)) return;
    reply_ll(c, ke ? (long long)zset_count_in(ke->val, &b) : 0);
}

static void zcount_cmd(struct client *c) { zcount_generic(c, ZR_SCORE); }
static void zlexcount_cmd(struct client *c) { zcount_generic(c, ZR_LEX); }

static void zremrange_generic(struct client *c, enum zrange_kind kind)
{
    struct zbounds b;
    long long start = 0, end = 0;
    if (!parse_bounds(c, kind, 2, 3, &b, &start, &end)) return;
    struct kentry *ke;
    if (!lookup_zset(c, 1, true, &ke)) return;
    if (!ke) {
        reply_ll(c, 0);
        return;
    }
    size_t n = 0;
    if (kind != ZR_RANK || util_clamp_range(&start, &end, (long long)zset_len(ke->val)))
        n = zset_remove_range(ke->val, &b, (size_t)start, (size_t)end);
    bool gone = zset_len(ke->val) == 0;
    if (gone) db_delete_entry(&c->srv->ks, c->db, ke);
    c->srv->dirty += (long long)n;
    static const char *const events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    if (n) notify_key(c, NOTIFY_ZSET, events[kind], ARG(1));
    if (gone) notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    reply_ll(c, (long long)n);
}

static void zremrangebyrank_cmd(struct client *c) { zremrange_generic(c, ZR_RANK); }
static void zremrangebyscore_cmd(struct client *c) { zremrange_generic(c, ZR_SCORE); }
static void zremrangebylex_cmd(struct client *c) { zremrange_generic(c, ZR_LEX); }

/* ---- pops ----------------------------------------------------------------- */

/* Pops up to count members from the low (or, max, high) end of the value
 * at ke, replying each as member and score ([member, score] when nested);
 * the caller has replied the array header for min(count, len) items.
 * Deletes the key when it empties. */
static void zpop_reply(struct client *c, const char *key, size_t klen, struct kentry *ke, bool max,
                       long long count, bool nested)
{
    struct obj *o = ke->val;
    if (count > 0) notify_key(c, NOTIFY_ZSET, max ? "zpopmax" : "zpopmin", key, klen);
    for (; count > 0 && zset_len(o) > 0; count--) {
        struct zelem e;
        if (nested) reply_array(c, 2);
        if (o->enc == ENC_LISTPACK) {
            unsigned char *lp = o->u.ptr;
            size_t p = max ? lp_prev(lp, lp_last(lp)) : lp_first(lp);
            lp_member_at(lp, p, &e);
            reply_bulk(c, e.p, e.len);
            reply_double(c, lp_score_at(lp, lp_next(lp, p)));
            lp_delete(&lp, p, 2);
            o->u.ptr = lp;
        } else {
            struct zset *z = o->u.ptr;
            struct zsl_node *n = max ? z->tail : z->header->lv[0].fwd;
            reply_bulk(c, zn_member(n), n->mlen);
            reply_double(c, n->score);
            zs_delete_node(z, n, NULL);
        }
        c->srv->dirty++;
    }
    if (zset_len(o) == 0) {
        notify_key(c, NOTIFY_GENERIC, "del", key, klen);
        db_delete_entry(&c->srv->ks, c->db, ke);
    }
}

static void zpop_generic(struct client *c, bool max)
{
    long long count = -1;
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    if (c->argc == 3) {
        if (!util_str2ll(ARG(2), &count)) {
            reply_err_notint(c);
            return;
        }
        if (count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    struct kentry *ke;
    if (!lookup_zset(c, 1, true, &ke)) return;
    if (!ke || count == 0) {
        reply_array(c, 0);
        return;
    }
    bool nested = c->resp >= 3 && count != -1;
    long long n = count < 0 ? 1 : count;
    long long len = (long long)zset_len(ke->val);
    if (n > len) n = len;
    reply_array(c, nested ? n : 2 * n);
    zpop_reply(c, ARG(1), ke, max, n, nested);
}

static void zpopmin_cmd(struct client *c) { zpop_generic(c, false); }
static void zpopmax_cmd(struct client *c) { zpop_generic(c, true); }

/* Parses "numkeys key... MIN|MAX [COUNT n]" from argv[first]. */
static bool parse_mpop(struct client *c, int first, long long *numkeys, bool *max,
                       long long *count)
{
    if (!util_str2ll(ARG(first), numkeys) || *numkeys <= 0 || *numkeys > INT_MAX) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return false;
    }
    int where = first + 1 + (int)*numkeys;
    if (*numkeys > c->argc - first - 2 || where >= c->argc) {
        reply_err_syntax(c);
        return false;
    }
    if (util_eqi(ARG(where), "min")) *max = false;
    else if (util_eqi(ARG(where), "max")) *max = true;
    else {
        reply_err_syntax(c);
        return false;
    }
    *count = 1;
    bool seen = false;
    for (int j = where + 1; j < c->argc; j++) {
        if (!seen && util_eqi(ARG(j), "count") && j + 1 < c->argc) {
            if (!util_str2ll(ARG(j + 1), count) || *count <= 0) {
                reply_error(c, "ERR count should be greater than 0");
                return false;
            }
            seen = true;
            j++;
        } else {
            reply_err_syntax(c);
            return false;
        }
    }
    return true;
}

/* The running (or served) command propagates ZPOPMIN/ZPOPMAX key, with a
 * count unless count < 0. */
static void prop_zpop(struct client *c, bool max, const char *key, size_t klen, long long count)
{
    char num[UTIL_LL_STR_SIZE];
    const char *argv[3] = {max ? "ZPOPMAX" : "ZPOPMIN", key, num};
    size_t lens[3] = {7, klen, 0};
    if (count >= 0) lens[2] = (size_t)util_ll2str(num, count);
    prop_commandv(c, count >= 0 ? 3 : 2, argv, lens);
}

/* ZMPOP's reply for the value at ke: [key, [[member, score], ...]]. */
static void zmpop_reply(struct client *c, const char *key, size_t klen, struct kentry *ke, bool max,
                        long long count)
{
    long long len = (long long)zset_len(ke->val);
    long long n = count < len ? count : len;
    prop_zpop(c, max, key, klen, n); /* ZMPOP and BZMPOP alike */
    reply_array(c, 2);
    reply_bulk(c, key, klen);
    reply_array(c, n);
    zpop_reply(c, key, klen, ke, max, n, true);
}

/* Pops from the first non-empty key of argv[first..first+numkeys-1]:
 * replies [key, [[member, score], ...]]; false (nothing replied) when
 * every key is empty. */
static bool zmpop_try(struct client *c, int first, long long numkeys, bool max, long long count)
{
    for (int i = first; i < first + numkeys; i++) {
        struct kentry *ke;
        if (!lookup_zset(c, i, true, &ke)) return true;
        if (!ke) continue;
        zmpop_reply(c, ARG(i), ke, max, count);
        return true;
    }
    return false;
}

static void zmpop_cmd(struct client *c)
{
    long long numkeys, count;
    bool max;
    if (!parse_mpop(c, 1, &numkeys, &max, &count)) return;
    if (!zmpop_try(c, 2, numkeys, max, count)) reply_null_array(c);
}

/* ---- blocking pops -------------------------------------------------------- */

/* What a blocked BZPOPMIN/BZPOPMAX/BZMPOP waits to do (copied by the
 * blocking module). */
struct zwait {
    bool max, mpop;
    long long count;
};

/* BZPOPMIN/BZPOPMAX's reply: key, member, score (flat). */
static void bzpop_reply(struct client *c, const char *key, size_t klen, struct kentry *ke, bool max)
{
    reply_array(c, 3);
    reply_bulk(c, key, klen);
    prop_zpop(c, max, key, klen, -1);
    zpop_reply(c, key, klen, ke, max, 1, false);
}

/* Serves a waiter when key holds a sorted set now; another type keeps it
 * waiting (as Redis 7.0). */
static enum blocking_result zset_retry(struct client *c, const char *key, size_t klen, void *state)
{
    const struct zwait *w = state;
    struct kentry *ke = db_lookup(&c->srv->ks, c->db, key, klen);
    if (!ke || ke->val->type != OBJ_ZSET) return BLOCKING_KEEP;
    if (w->mpop) zmpop_reply(c, key, klen, ke, w->max, w->count);
    else bzpop_reply(c, key, klen, ke, w->max);
    return BLOCKING_SERVED;
}

static void bzpop_generic(struct client *c, bool max)
{
    long long deadline;
    if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
    for (int i = 1; i < c->argc - 1; i++) {
        struct kentry *ke;
        if (!lookup_zset(c, i, true, &ke)) return;
        if (!ke) continue;
        bzpop_reply(c, ARG(i), ke, max);
        return;
    }
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    struct zwait w = {max, false, 1};
    blocking_block(c, &c->argv[1], c->argc - 2, deadline, zset_retry, &w, sizeof(w));
}

static void bzpopmin_cmd(struct client *c) { bzpop_generic(c, false); }
static void bzpopmax_cmd(struct client *c) { bzpop_generic(c, true); }

static void bzmpop_cmd(struct client *c)
{
    long long numkeys, count, deadline;
    bool max;
    if (!blocking_parse_timeout(c, &c->argv[1], &deadline)) return;
    if (!parse_mpop(c, 2, &numkeys, &max, &count)) return;
    if (zmpop_try(c, 3, numkeys, max, count)) return;
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    struct zwait w = {max, true, count};
    blocking_block(c, &c->argv[3], (int)numkeys, deadline, zset_retry, &w, sizeof(w));
}

/* ---- random members ------------------------------------------------------- */

static void zset_random(struct obj *o, struct zelem *e)
{
    if (o->enc == ENC_LISTPACK) {
        const unsigned char *lp = o->u.ptr;
        size_t p = lp_seek(lp, (long long)(2 * (util_rand() % zset_len(o))));
        lp_member_at(lp, p, e);
        e->score = lp_score_at(lp, lp_next(lp, p));
        return;
    }
    struct zset *z = o->u.ptr;
    const struct zsl_node *n = (const struct zsl_node *)htab_random(&z->dict);
    e->p = zn_member(n);
    e->len = n->mlen;
    e->score = n->score;
}

static void zrandmember_cmd(struct client *c)
{
    long long count;
    bool has_count, withscores;
    if (!cmd_parse_rand_args(c, "withscores", &has_count, &count, &withscores)) return;
    struct kentry *ke;
    if (!lookup_zset(c, 1, false, &ke)) return;
    if (!ke) {
        if (has_count) reply_array(c, 0);
        else reply_null(c);
        return;
    }
    struct obj *o = ke->val;
    struct zelem e;
    if (!has_count) {
        zset_random(o, &e);
        reply_bulk(c, e.p, e.len);
        return;
    }
    size_t len = zset_len(o);
    if (count < 0) { /* repeats allowed */
        long long n = -count;
        reply_array(c, scored_len(c, n, withscores));
        while (n--) {
            zset_random(o, &e);
            reply_scored(c, &e, withscores);
        }
        return;
    }
    /* count distinct members (all of them when count >= len): walk in order
     * choosing each with the probability that keeps the sample uniform */
    size_t need = (size_t)count < len ? (size_t)count : len, left = len;
    reply_array(c, scored_len(c, (long long)need, withscores));
    struct zit it;
    for (zit_at_rank(&it, o, 0, false); need && zit_valid(&it); zit_next(&it), left--) {
        if (util_rand() % left < need) {
            zit_get(&it, &e);
            reply_scored(c, &e, withscores);
            need--;
        }
    }
}

/* ---- ZSCAN ---------------------------------------------------------------- */

struct zscan_ctx {
    const struct slice *pat;
    long long n;
    const struct zsl_node **out;
    size_t cap;
};

static void zscan_visit(struct htab_node *node, void *priv)
{
    struct zscan_ctx *s = priv;
    const struct zsl_node *n = (const struct zsl_node *)node;
    if (s->pat && !util_glob_match(s->pat->p, s->pat->len, zn_member(n), n->mlen, false)) return;
    if ((size_t)s->n + 1 > s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->out = mem_realloc(s->out, sizeof(*s->out) * s->cap);
    }
    s->out[s->n++] = n;
}

static void reply_score_text(struct client *c, double d)
{
    char buf[64];
    int n = util_d2str(buf, sizeof(buf), d);
    reply_bulk(c, buf, (size_t)n);
}

static void zscan_cmd(struct client *c)
{
    struct scan_args sa;
    if (!scan_parse_args(c, 2, false, &sa)) return;
    struct kentry *ke;
    if (!lookup_zset(c, 1, false, &ke)) return;
    reply_array(c, 2);
    if (!ke) {
        reply_bulk(c, "0", 1);
        reply_array(c, 0);
        return;
    }
    struct obj *o = ke->val;
    if (o->enc == ENC_LISTPACK) { /* small: everything in one call */
        reply_bulk(c, "0", 1);
        reply_defer_t d = reply_defer(c);
        long long n = 0;
        struct zit it;
        for (zit_at_rank(&it, o, 0, false); zit_valid(&it); zit_next(&it)) {
            struct zelem e;
            zit_get(&it, &e);
            if (sa.pat && !util_glob_match(sa.pat->p, sa.pat->len, e.p, e.len, false)) continue;
            reply_bulk(c, e.p, e.len);
            reply_score_text(c, e.score);
            n += 2;
        }
        reply_defer_array(c, d, n);
        return;
    }
    struct zset *z = o->u.ptr;
    struct zscan_ctx s = {sa.pat, 0, NULL, 0};
    unsigned long long cursor = sa.cursor;
    long long steps = sa.count * 10;
    do {
        cursor = htab_scan(&z->dict, cursor, zscan_visit, &s);
    } while (cursor && s.n < sa.count && --steps > 0);
    reply_bulk_ll(c, (long long)cursor);
    reply_array(c, 2 * s.n);
    for (long long i = 0; i < s.n; i++) {
        reply_bulk(c, zn_member(s.out[i]), s.out[i]->mlen);
        reply_score_text(c, s.out[i]->score);
    }
    mem_free(s.out);
}

/* ---- ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD ---------- */

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zagg { AGG_SUM, AGG_MIN, AGG_MAX };

/* One input: a sorted set or a set (members score 1), or NULL (missing). */
struct zinput {
    struct obj *o;
    double weight;
};

static size_t zinput_len(const struct zinput *in)
{
    if (!in->o) return 0;
    return in->o->type == OBJ_SET ? t_set_card(in->o) : zset_len(in->o);
}

static bool zinput_score(const struct zinput *in, const char *m, size_t len, double *score)
{
    if (!in->o) return false;
    if (in->o->type == OBJ_SET) {
        *score = 1.0;
        return t_set_contains(in->o, m, len);
    }
    return zset_score(in->o, m, len, score);
}

/* An accumulated result member, owning its bytes. */
struct zacc {
    struct htab_node node;
    double score;
    uint32_t len;
    char m[];
};

static uint64_t zacc_hash(const struct htab_node *n)
{
    const struct zacc *a = (const struct zacc *)n;
    return util_hash(a->m, a->len);
}

static bool zacc_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct zacc *a = (const struct zacc *)n;
    return a->len == klen && memcmp(a->m, key, klen) == 0;
}

static const struct htab_type zacc_type = {zacc_hash, zacc_eq};

struct zalgebra {
    enum zop op;
    enum zagg agg;
    struct zinput *in;
    int n;
    int cur; /* the input being walked */
    struct htab seen; /* union: member -> zacc */
    struct zacc **out;
    size_t nout, cap;
    size_t maxlen;
    long long limit; /* ZINTERCARD: stop at this many (0: no limit) */
    bool count_only;
};

static double weighted(double score, double w)
{
    double r = score * w;
    return isnan(r) ? 0 : r; /* inf * 0 */
}

static double aggregate(enum zagg agg, double a, double b)
{
    if (agg == AGG_MIN) return a < b ? a : b;
    if (agg == AGG_MAX) return a > b ? a : b;
    double r = a + b;
    return isnan(r) ? 0 : r; /* inf + -inf */
}

static struct zacc *zacc_push(struct zalgebra *z, const char *m, size_t len, double score)
{
    if (z->count_only) {
        z->nout++;
        return NULL;
    }
    if (z->nout == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 16;
        z->out = mem_realloc(z->out, sizeof(*z->out) * z->cap);
    }
    struct zacc *a = mem_alloc(offsetof(struct zacc, m) + len);
    a->node.next = NULL;
    a->score = score;
    a->len = (uint32_t)len;
    memcpy(a->m, m, len);
    z->out[z->nout++] = a;
    if (len > z->maxlen) z->maxlen = len;
    return a;
}

/* Visits one member of input z->cur with its (unweighted) score. */
static void zalg_visit(struct zalgebra *z, const char *m, size_t len, double score)
{
    if (z->limit && (long long)z->nout >= z->limit) return;
    const struct zinput *in = &z->in[z->cur];
    double s = weighted(score, in->weight);
    if (z->op == ZOP_UNION) {
        uint64_t hv = util_hash(m, len);
        struct zacc *a = (struct zacc *)htab_find(&z->seen, hv, m, len);
        if (a) a->score = aggregate(z->agg, a->score, s);
        else htab_add(&z->seen, hv, &zacc_push(z, m, len, s)->node);
        return;
    }
    if (z->op == ZOP_INTER) {
        for (int i = 0; i < z->n; i++) {
            if (i == z->cur) continue;
            double other;
            if (!zinput_score(&z->in[i], m, len, &other)) return;
            s = aggregate(z->agg, s, weighted(other, z->in[i].weight));
        }
        zacc_push(z, m, len, s);
        return;
    }
    for (int i = 1; i < z->n; i++) {
        double other;
        if (zinput_score(&z->in[i], m, len, &other)) return;
    }
    zacc_push(z, m, len, score);
}

static void zalg_set_visit(const char *p, size_t len, void *priv) { zalg_visit(priv, p, len, 1.0); }

static void zalg_walk(struct zalgebra *z, int i)
{
    struct obj *o = z->in[i].o;
    if (!o) return;
    z->cur = i;
    if (o->type == OBJ_SET) {
        t_set_foreach(o, zalg_set_visit, z);
        return;
    }
    struct zit it;
    for (zit_at_rank(&it, o, 0, false); zit_valid(&it); zit_next(&it)) {
        struct zelem e;
        zit_get(&it, &e);
        zalg_visit(z, e.p, e.len, e.score);
    }
}

static int zacc_cmp(const void *x, const void *y)
{
    const struct zacc *a = *(const struct zacc *const *)x, *b = *(const struct zacc *const *)y;
    if (a->score != b->score) return a->score < b->score ? -1 : 1;
    return lexcmp(a->m, a->len, b->m, b->len);
}

static int zinput_cmp(const void *x, const void *y)
{
    size_t a = zinput_len(x), b = zinput_len(y);
    return a < b ? -1 : a > b;
}

/* Computes the operation into z->out (sorted), or only its size. */
static void zalgebra_run(struct zalgebra *z)
{
    htab_init(&z->seen, &zacc_type);
    if (z->op == ZOP_UNION) {
        for (int i = 0; i < z->n; i++) zalg_walk(z, i);
    } else if (z->op == ZOP_INTER) {
        for (int i = 0; i < z->n; i++)
            if (!z->in[i].o) return; /* a missing key empties the intersection */
        qsort(z->in, (size_t)z->n, sizeof(*z->in), zinput_cmp); /* walk the smallest */
        zalg_walk(z, 0);
    } else {
        zalg_walk(z, 0);
    }
    if (!z->count_only && z->nout > 1) qsort(z->out, z->nout, sizeof(*z->out), zacc_cmp);
}

static void zalgebra_free(struct zalgebra *z)
{
    htab_deinit(&z->seen, NULL, NULL);
    if (!z->count_only)
        for (size_t i = 0; i < z->nout; i++) mem_free(z->out[i]);
    mem_free(z->out);
    mem_free(z->in);
}

/* Parses "numkeys key... [WEIGHTS w...] [AGGREGATE x] [WITHSCORES]" from
 * argv[first] and looks the inputs up; replies the error and returns false
 * on bad input. */
static bool zalgebra_parse(struct client *c, const char *name, int first, bool store,
                           struct zalgebra *z, bool *withscores)
{
    long long numkeys;
    if (!util_str2ll(ARG(first), &numkeys)) {
        reply_err_notint(c);
        return false;
    }
    if (numkeys < 1) {
        reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", name);
        return false;
    }
    if (numkeys > c->argc - first - 1) {
        reply_err_syntax(c);
        return false;
    }
    z->n = (int)numkeys;
    z->in = mem_calloc(sizeof(*z->in) * (size_t)z->n);
    for (int i = 0; i < z->n; i++) z->in[i].weight = 1.0;
    for (int j = first + 1 + z->n; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (z->op != ZOP_DIFF && util_eqi(ARG(j), "weights") && left >= z->n) {
            for (int i = 0; i < z->n; i++) {
                if (!util_str2d(ARG(j + 1 + i), &z->in[i].weight)) {
                    reply_error(c, "ERR weight value is not a float");
                    return false;
                }
            }
            j += z->n;
        } else if (z->op != ZOP_DIFF && util_eqi(ARG(j), "aggregate") && left >= 1) {
            if (util_eqi(ARG(j + 1), "sum")) z->agg = AGG_SUM;
            else if (util_eqi(ARG(j + 1), "min")) z->agg = AGG_MIN;
            else if (util_eqi(ARG(j + 1), "max")) z->agg = AGG_MAX;
            else {
                reply_err_syntax(c);
                return false;
            }
            j++;
        } else if (!store && withscores && util_eqi(ARG(j), "withscores")) {
            *withscores = true;
        } else {
            reply_err_syntax(c);
            return false;
        }
    }
    for (int i = 0; i < z->n; i++) {
        struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, ARG(first + 1 + i));
        if (ke && ke->val->type != OBJ_ZSET && ke->val->type != OBJ_SET) {
            reply_err_wrongtype(c);
            return false;
        }
        z->in[i].o = ke ? ke->val : NULL;
    }
    return true;
}

static void zalgebra_cmd(struct client *c, enum zop op, bool store, const char *name)
{
    struct zalgebra z = {.op = op};
    bool ws = false;
    int first = store ? 2 : 1;
    if (!zalgebra_parse(c, name, first, store, &z, store ? NULL : &ws)) {
        mem_free(z.in);
        return;
    }
    zalgebra_run(&z);
    if (!store) {
        reply_array(c, scored_len(c, (long long)z.nout, ws));
        for (size_t i = 0; i < z.nout; i++) {
            struct zelem e = {.p = z.out[i]->m, .len = z.out[i]->len, .score = z.out[i]->score};
            reply_scored(c, &e, ws);
        }
    } else {
        struct keyspace *ks = &c->srv->ks;
        if (z.nout) {
            struct obj *dst = zset_new_for(c->srv, z.nout, z.maxlen);
            for (size_t i = 0; i < z.nout; i++)
                zset_append(c->srv, dst, z.out[i]->score, z.out[i]->m, z.out[i]->len);
            db_set(ks, c->db, ARG(1), dst, false);
            c->srv->dirty++;
            notify_key(c, NOTIFY_ZSET, name, ARG(1));
        } else if (db_delete(ks, c->db, ARG(1))) {
            c->srv->dirty++;
            notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
        }
        reply_ll(c, (long long)z.nout);
    }
    zalgebra_free(&z);
}

static void zunion_cmd(struct client *c) { zalgebra_cmd(c, ZOP_UNION, false, "zunion"); }
static void zinter_cmd(struct client *c) { zalgebra_cmd(c, ZOP_INTER, false, "zinter"); }
static void zdiff_cmd(struct client *c) { zalgebra_cmd(c, ZOP_DIFF, false, "zdiff"); }
static void zunionstore_cmd(struct client *c) { zalgebra_cmd(c, ZOP_UNION, true, "zunionstore"); }
static void zinterstore_cmd(struct client *c) { zalgebra_cmd(c, ZOP_INTER, true, "zinterstore"); }
static void zdiffstore_cmd(struct client *c) { zalgebra_cmd(c, ZOP_DIFF, true, "zdiffstore"); }

static void zintercard_cmd(struct client *c)
{
    long long numkeys, limit = 0;
    if (!util_str2ll(ARG(1), &numkeys)) {
        reply_err_notint(c);
        return;
    }
    if (numkeys < 1) {
        reply_error(c, "ERR at least 1 input key is needed for 'zintercard' command");
        return;
    }
    if (numkeys > c->argc - 2) {
        reply_err_syntax(c);
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j += 2) {
        if (util_eqi(ARG(j), "limit") && j + 1 < c->argc) {
            if (!util_str2ll(ARG(j + 1), &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    struct zalgebra z = {.op = ZOP_INTER, .limit = limit, .count_only = true};
    z.n = (int)numkeys;
    z.in = mem_calloc(sizeof(*z.in) * (size_t)z.n);
    for (int i = 0; i < z.n; i++) {
        z.in[i].weight = 1.0;
        struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, ARG(2 + i));
        if (ke && ke->val->type != OBJ_ZSET && ke->val->type != OBJ_SET) {
            reply_err_wrongtype(c);
            mem_free(z.in);
            return;
        }
        z.in[i].o = ke ? ke->val : NULL;
    }
    zalgebra_run(&z);
    reply_ll(c, (long long)z.nout);
    zalgebra_free(&z);
}

/* ---- key positions of the numkeys commands -------------------------------- */

/* Keys at argv[nk+1 .. nk+numkeys] where argv[nk] is numkeys, plus the
 * destination argv[1] when store. */
static int numkeys_keys(struct client *c, int argc, int *keys, int max, int nk, bool store)
{
    long long numkeys;
    int n = 0;
    if (nk >= argc || !util_str2ll(c->argv[nk].p, c->argv[nk].len, &numkeys) || numkeys < 1 ||
        numkeys > argc - nk - 1)
        return -1;
    if (store && n < max) keys[n++] = 1;
    for (int i = 0; i < numkeys && n < max; i++) keys[n++] = nk + 1 + i;
    return n;
}

static int keys_nk1(struct client *c, int argc, int *keys, int max)
{
    return numkeys_keys(c, argc, keys, max, 1, false);
}

static int keys_nk2(struct client *c, int argc, int *keys, int max)
{
    return numkeys_keys(c, argc, keys, max, 2, false);
}

static int keys_store_nk2(struct client *c, int argc, int *keys, int max)
{
    return numkeys_keys(c, argc, keys, max, 2, true);
}

/* ---- table ---------------------------------------------------------------- */

#define W (CMD_WRITE | CMD_DENYOOM)
#define R (CMD_READONLY)
#define ZROW(name, proc, arity, flags, fk, lk, acl, summary, since)                                 \
    {name, proc, arity, flags, fk, lk, 1, acl, summary, since, "sorted-set"}
#define ZROWK(name, proc, arity, flags, acl, summary, since, gk)                               \
    {name, proc, arity, flags, 0, 0, 0, acl, summary, since, "sorted-set", .getkeys = gk}

struct command zset_commands[] = {
    ZROW("zadd", zadd_cmd, -4, W | CMD_FAST, 1, 1, "@write @sortedset @fast",
         "Adds one or more members to a sorted set, or updates their scores. Creates the key if it "
         "doesn't exist.", "1.2.0"),
    ZROW("zincrby", zincrby_cmd, 4, W | CMD_FAST, 1, 1, "@write @sortedset @fast",
         "Increments the score of a member in a sorted set.", "1.2.0"),
    ZROW("zrem", zrem_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, "@write @sortedset @fast",
         "Removes one or more members from a sorted set. Deletes the sorted set if all members "
         "were removed.", "1.2.0"),
    ZROW("zcard", zcard_cmd, 2, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the number of members in a sorted set.", "1.2.0"),
    ZROW("zcount", zcount_cmd, 4, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the count of members in a sorted set that have scores within a range.", "2.0.0"),
    ZROW("zlexcount", zlexcount_cmd, 4, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9"),
    ZROW("zscore", zscore_cmd, 3, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the score of a member in a sorted set.", "1.2.0"),
    ZROW("zmscore", zmscore_cmd, -3, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the score of one or more members in a sorted set.", "6.2.0"),
    ZROW("zrank", zrank_cmd, 3, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0"),
    ZROW("zrevrank", zrevrank_cmd, 3, R | CMD_FAST, 1, 1, "@read @sortedset @fast",
         "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0"),
    ZROW("zrange", zrange_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a range of indexes.", "1.2.0"),
    ZROW("zrangestore", zrangestore_cmd, -5, W, 1, 2, "@write @sortedset @slow",
         "Stores a range of members from sorted set in a key.", "6.2.0"),
    ZROW("zrevrange", zrevrange_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0"),
    ZROW("zrangebyscore", zrangebyscore_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a range of scores.", "1.0.5"),
    ZROW("zrevrangebyscore", zrevrangebyscore_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0"),
    ZROW("zrangebylex", zrangebylex_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a lexicographical range.", "2.8.9"),
    ZROW("zrevrangebylex", zrevrangebylex_cmd, -4, R, 1, 1, "@read @sortedset @slow",
         "Returns members in a sorted set within a lexicographical range in reverse order.",
         "2.8.9"),
    ZROW("zremrangebyrank", zremrangebyrank_cmd, 4, CMD_WRITE, 1, 1, "@write @sortedset @slow",
         "Removes members in a sorted set within a range of indexes. Deletes the sorted set if "
         "all members were removed.", "2.0.0"),
    ZROW("zremrangebyscore", zremrangebyscore_cmd, 4, CMD_WRITE, 1, 1, "@write @sortedset @slow",
         "Removes members in a sorted set within a range of scores. Deletes the sorted set if all "
         "members were removed.", "1.2.0"),
    ZROW("zremrangebylex", zremrangebylex_cmd, 4, CMD_WRITE, 1, 1, "@write @sortedset @slow",
         "Removes members in a sorted set within a lexicographical range. Deletes the sorted set "
         "if all members were removed.", "2.8.9"),
    ZROW("zpopmin", zpopmin_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, "@write @sortedset @fast",
         "Returns the lowest-scoring members from a sorted set after removing them. Deletes the "
         "sorted set if the last member was popped.", "5.0.0"),
    ZROW("zpopmax", zpopmax_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, "@write @sortedset @fast",
         "Returns the highest-scoring members from a sorted set after removing them. Deletes the "
         "sorted set if the last member was popped.", "5.0.0"),
    ZROW("bzpopmin", bzpopmin_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_FAST | CMD_BLOCKING, 1, -2,
         "@write @sortedset @fast @blocking",
         "Removes and returns the member with the lowest score from one or more sorted sets. "
         "Blocks until a member is available otherwise. Deletes the sorted set if the last element "
         "was popped.", "5.0.0"),
    ZROW("bzpopmax", bzpopmax_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_FAST | CMD_BLOCKING, 1, -2,
         "@write @sortedset @fast @blocking",
         "Removes and returns the member with the highest score from one or more sorted sets. "
         "Blocks until a member available otherwise. Deletes the sorted set if the last element "
         "was popped.", "5.0.0"),
    ZROWK("bzmpop", bzmpop_cmd, -5, CMD_WRITE | CMD_BLOCKING, "@write @sortedset @slow @blocking",
          "Removes and returns a member by score from one or more sorted sets. Blocks until a "
          "member is available otherwise. Deletes the sorted set if the last element was popped.",
          "7.0.0", keys_nk2),
    ZROWK("zmpop", zmpop_cmd, -4, CMD_WRITE, "@write @sortedset @slow",
          "Returns the highest- or lowest-scoring members from one or more sorted sets after "
          "removing them. Deletes the sorted set if the last member was popped.", "7.0.0",
          keys_nk1),
    ZROW("zrandmember", zrandmember_cmd, -2, R, 1, 1, "@read @sortedset @slow",
         "Returns one or more random members from a sorted set.", "6.2.0"),
    ZROWK("zunion", zunion_cmd, -3, R, "@read @sortedset @slow",
          "Returns the union of multiple sorted sets.", "6.2.0", keys_nk1),
    ZROWK("zinter", zinter_cmd, -3, R, "@read @sortedset @slow",
          "Returns the intersect of multiple sorted sets.", "6.2.0", keys_nk1),
    ZROWK("zdiff", zdiff_cmd, -3, R, "@read @sortedset @slow",
          "Returns the difference between multiple sorted sets.", "6.2.0", keys_nk1),
    ZROWK("zunionstore", zunionstore_cmd, -4, W, "@write @sortedset @slow",
          "Stores the union of multiple sorted sets in a key.", "2.0.0", keys_store_nk2),
    ZROWK("zinterstore", zinterstore_cmd, -4, W, "@write @sortedset @slow",
          "Stores the intersect of multiple sorted sets in a key.", "2.0.0", keys_store_nk2),
    ZROWK("zdiffstore", zdiffstore_cmd, -4, W, "@write @sortedset @slow",
          "Stores the difference of multiple sorted sets in a key.", "6.2.0", keys_store_nk2),
    ZROWK("zintercard", zintercard_cmd, -3, R, "@read @sortedset @slow",
          "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0",
          keys_nk1),
    ZROW("zscan", zscan_cmd, -3, R, 1, 1, "@read @sortedset @slow",
         "Iterates over members and scores of a sorted set.", "2.8.0"),
    {NULL}};
