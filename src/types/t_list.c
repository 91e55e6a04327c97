/* t_list: the list type (first part: pushes, pops, length, index, range).
 *
 * Encoding: a quicklist, as Redis 7.0 reports it: a doubly linked list of
 * nodes, each a base/listpack holding a run of elements. A node is full at
 * list-max-listpack-size (negative: -1..-5 = 4/8/16/32/64 KB of listpack
 * bytes; positive: that many elements), so a push or pop at either end
 * touches one small block: O(1) in the list's length. Index and range walk
 * node counts first, then one listpack. An element too big for the size
 * rule gets a node of its own (Redis 7.0 keeps such "plain" nodes only for
 * elements of 1 GB and more; here they are one-entry listpacks).
 *
 * Invariants: no node is empty; `count` is the sum of the node counts,
 * `nodes` the number of nodes; an empty list is never stored (the last pop
 * deletes the key).
 *
 * Inserts in the middle (LINSERT) keep the size rule: a full node hands
 * the element to a neighbour with room when the insert is at its edge,
 * gets a new neighbour when that one is full too, and is split in two
 * otherwise. LSET that makes a node too big moves the element to a node
 * of its own. Deletions (LREM, LTRIM, pops) free nodes that empty; small
 * neighbours are not merged.
 *
 * Compression (list-compress-depth d, Redis's quicklist rule). A list takes
 * the depth configured when it is created (a push or move creating the
 * key, or loading it: RDB, RESTORE, DEBUG RELOAD) and keeps it; a copy
 * keeps its source's; SORT ... STORE creates lists with depth 0, as 7.0
 * does. With d > 0 and more than 2d nodes, the invariant after every
 * command is:
 *
 *   1. the d nodes at each end are raw listpacks (pushes and pops there
 *      never decompress anything);
 *   2. every other node is LZF-compressed (`compressed`: lp is a struct
 *      qlzf), or is raw and marked `incompressible`: compressing its
 *      current bytes did not pay (Redis's rule: a node under 48 bytes is
 *      not tried; the compressed form must be more than 8 bytes smaller).
 *      Any change to a node's bytes clears the mark, so a node is tried
 *      again only once it changed (Redis retries every time it passes).
 *
 * With 2d nodes or fewer every node is raw. Readers (LRANGE, LINDEX, LPOS,
 * LINSERT's search, SORT, persistence) decompress an interior node into a
 * scratch buffer (struct lview, on the stack up to LZ_LOCAL bytes) and
 * leave the node compressed, so a read never allocates a node nor
 * recompresses one. A writer opens a node (node_edit: decompress in place),
 * changes it, then calls list_settle() with the nodes it touched, which
 * restores the invariant in O(d): it walks d nodes from each end
 * decompressing what entered an end zone (nodes deleted there), compresses
 * the touched nodes that are interior, and the first two interior nodes
 * from each side (an operation adds at most two nodes, pushing at most two
 * out of a zone). Pushes and pops settle whenever they add or free a node;
 * a push into an existing end node changes nothing compressed.
 *
 * Propagation (core/propagate.h), as Redis 7.0: the blocking commands, and
 * LMPOP, go out as the non-blocking command that replays what they did,
 * whether they were served at once or later: BLPOP/BRPOP as LPOP/RPOP key,
 * LMPOP/BLMPOP as LPOP/RPOP key <count popped>, BLMOVE as LMOVE and
 * BRPOPLPUSH as RPOPLPUSH. */
#include "base/listpack.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/server.h"
#include "types/t_list.h"

#include <liblzf/lzf.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

/* A compressed node's bytes. */
struct qlzf {
    uint32_t raw;  /* bytes of the listpack */
    uint32_t clen; /* bytes of data */
    unsigned char data[];
};

struct qnode {
    struct qnode *prev, *next;
    union {
        unsigned char *lp; /* the listpack, when raw */
        struct qlzf *z;    /* when compressed */
    };
    uint32_t count;
    uint8_t compressed;
    uint8_t incompressible; /* raw, and its current bytes do not compress enough */
};

struct qlist {
    struct qnode *head, *tail;
    size_t count;
    uint64_t nodes : 48;
    uint64_t depth : 16; /* list-compress-depth, fixed at creation */
};

#define LZ_MIN_BYTES 48    /* Redis's MIN_COMPRESS_BYTES */
#define LZ_MIN_GAIN 8      /* Redis's MIN_COMPRESS_IMPROVE */
#define LZ_DEPTH_MAX 65535 /* Redis's cap on the depth */
#define LZ_LOCAL 16384     /* stack room for a node's bytes (fill -1..-3) */

static struct obj *list_new(int depth)
{
    struct obj *o = obj_new_collection(OBJ_LIST);
    o->enc = ENC_QUICKLIST;
    struct qlist *q = mem_calloc(sizeof(struct qlist));
    q->depth = depth < 0 ? 0 : depth > LZ_DEPTH_MAX ? LZ_DEPTH_MAX : (unsigned)depth;
    o->u.ptr = q;
    return o;
}

static size_t list_len(const struct obj *o) { return ((const struct qlist *)o->u.ptr)->count; }

/* ---- compression ----------------------------------------------------------- */

static void list_corrupt(void)
{
    log_warning("list: a compressed list node does not decompress (memory corruption)");
    abort();
}

/* Bytes of the node's listpack, compressed or not. */
static size_t node_bytes(const struct qnode *n)
{
    return n->compressed ? n->z->raw : lp_bytes(n->lp);
}

/* Compresses raw node n when that saves space by Redis's rule; otherwise
 * marks it incompressible (until its bytes change). */
static void node_compress(struct qnode *n)
{
    size_t sz = lp_bytes(n->lp);
    if (sz < LZ_MIN_BYTES || sz > UINT32_MAX) {
        n->incompressible = 1;
        return;
    }
    struct qlzf *z;
    unsigned clen;
    if (sz <= LZ_LOCAL) { /* compress on the stack, then one exact allocation */
        unsigned char out[LZ_LOCAL];
        clen = lzf_compress(n->lp, (unsigned)sz, out, (unsigned)sz);
        if (clen == 0 || clen + LZ_MIN_GAIN >= sz) {
            n->incompressible = 1;
            return;
        }
        z = mem_alloc(sizeof(*z) + clen);
        memcpy(z->data, out, clen);
    } else {
        z = mem_alloc(sizeof(*z) + sz);
        clen = lzf_compress(n->lp, (unsigned)sz, z->data, (unsigned)sz);
        if (clen == 0 || clen + LZ_MIN_GAIN >= sz) {
            mem_free(z);
            n->incompressible = 1;
            return;
        }
        z = mem_realloc(z, sizeof(*z) + clen);
    }
    z->raw = (uint32_t)sz;
    z->clen = clen;
    mem_free(n->lp);
    n->z = z;
    n->compressed = 1;
}

static void node_decompress(struct qnode *n)
{
    struct qlzf *z = n->z;
    unsigned char *lp = mem_alloc(z->raw);
    if (lzf_decompress(z->data, z->clen, lp, z->raw) != z->raw) list_corrupt();
    mem_free(z);
    n->lp = lp;
    n->compressed = 0;
    n->incompressible = 0; /* those bytes did compress */
}

/* Makes n raw for a change to its bytes (the caller then settles it). */
static inline void node_edit(struct qnode *n)
{
    if (n->compressed) node_decompress(n);
    n->incompressible = 0;
}

/* Read access to a node's listpack: its own bytes when raw, else a copy
 * decompressed into v (valid until the next node_view on v). */
struct lview {
    unsigned char *heap;
    size_t cap;
    unsigned char local[LZ_LOCAL];
};

static inline void lview_init(struct lview *v)
{
    v->heap = NULL;
    v->cap = 0;
}

static inline void lview_deinit(struct lview *v) { mem_free(v->heap); }

static const unsigned char *node_view(const struct qnode *n, struct lview *v)
{
    if (!n->compressed) return n->lp;
    const struct qlzf *z = n->z;
    unsigned char *out = v->local;
    if (z->raw > sizeof(v->local)) {
        if (v->cap < z->raw) {
            mem_free(v->heap);
            v->heap = mem_alloc(z->raw);
            v->cap = z->raw;
        }
        out = v->heap;
    }
    if (lzf_decompress(z->data, z->clen, out, z->raw) != z->raw) list_corrupt();
    return out;
}

static inline bool node_unsettled(const struct qnode *n)
{
    return !n->compressed && !n->incompressible;
}

/* Restores the compression invariant (see the top of the file) after a
 * change that touched the nodes t1..t3 (NULL when fewer; all must be
 * nodes of q) and added at most two nodes since the last settle. O(d). */
static void list_settle(struct qlist *q, struct qnode *t1, struct qnode *t2, struct qnode *t3)
{
    size_t d = q->depth;
    if (d == 0) return;
    if (q->nodes <= 2 * d) {
        for (struct qnode *n = q->head; n; n = n->next)
            if (n->compressed) node_decompress(n);
        return;
    }
    struct qnode *f = q->head, *b = q->tail;
    for (size_t i = 0; i < d; i++) {
        if (f->compressed) node_decompress(f);
        if (b->compressed) node_decompress(b);
        if (t1 == f || t1 == b) t1 = NULL;
        if (t2 == f || t2 == b) t2 = NULL;
        if (t3 == f || t3 == b) t3 = NULL;
        f = f->next;
        b = b->prev;
    }
    /* f..b is the interior, one node at least */
    if (t1 && node_unsettled(t1)) node_compress(t1);
    if (t2 && node_unsettled(t2)) node_compress(t2);
    if (t3 && node_unsettled(t3)) node_compress(t3);
    for (int i = 0; i < 2; i++) {
        if (node_unsettled(f)) node_compress(f);
        if (node_unsettled(b)) node_compress(b);
        if (f == b || f->next == b) break;
        f = f->next;
        b = b->prev;
    }
}

/* The whole list brought under the invariant: O(nodes). */
static void list_settle_all(struct qlist *q)
{
    size_t d = q->depth, i = 0;
    for (struct qnode *n = q->head; n; n = n->next, i++) {
        bool end = d == 0 || q->nodes <= 2 * d || i < d || i >= q->nodes - d;
        if (end) {
            if (n->compressed) node_decompress(n);
        } else if (node_unsettled(n)) {
            node_compress(n);
        }
    }
}

/* Sanitizer builds (and -DAPIARY_LIST_VERIFY) check the structure and the
 * compression invariant after every list write; a violation aborts. */
#if defined(__SANITIZE_ADDRESS__) || defined(APIARY_LIST_VERIFY)
static void list_verify(const struct qlist *q)
{
    size_t count = 0, nodes = 0, d = q->depth;
    const struct qnode *prev = NULL;
    for (const struct qnode *n = q->head; n; prev = n, n = n->next, nodes++) {
        bool end = d == 0 || q->nodes <= 2 * d || nodes < d || nodes >= q->nodes - d;
        const char *bad = NULL;
        if (n->prev != prev) bad = "bad prev link";
        else if (n->count == 0) bad = "empty node";
        else if (end && n->compressed) bad = "compressed node at an end";
        else if (!end && node_unsettled(n)) bad = "raw interior node";
        else if (n->compressed &&
                 (n->z->raw < LZ_MIN_BYTES || n->z->clen + LZ_MIN_GAIN >= n->z->raw))
            bad = "compressed node that does not pay";
        else if (!n->compressed && lp_count(n->lp) != n->count) bad = "node count";
        if (bad) {
            log_warning("list: %s (node %zu of %zu, depth %zu)", bad, nodes, (size_t)q->nodes, d);
            abort();
        }
        count += n->count;
    }
    if (prev != q->tail || nodes != q->nodes || count != q->count) {
        log_warning("list: counts or tail do not match");
        abort();
    }
}
#else
static inline void list_verify(const struct qlist *q) { (void)q; }
#endif

/* ---- nodes ----------------------------------------------------------------- */

/* Can node take one more element of len bytes under the size rule? */
static bool node_allows(const struct qnode *n, size_t len, int fill)
{
    if (fill > 0) return n->count < (uint32_t)fill;
    static const size_t limits[] = {4096, 8192, 16384, 32768, 65536};
    int idx = -fill - 1;
    if (idx < 0) idx = 0;
    if (idx > 4) idx = 4;
    return node_bytes(n) + len + 11 <= limits[idx] || n->count == 0;
}

static struct qnode *node_new(void)
{
    struct qnode *n = mem_calloc(sizeof(*n));
    n->lp = lp_new();
    return n;
}

static void node_unlink_free(struct qlist *q, struct qnode *n)
{
    if (n->prev) n->prev->next = n->next;
    else q->head = n->next;
    if (n->next) n->next->prev = n->prev;
    else q->tail = n->prev;
    mem_free(n->lp); /* the listpack or the struct qlzf */
    mem_free(n);
    q->nodes--;
}

/* Adds p/len at the head or tail; settles when a node was added. */
static void list_push(struct qlist *q, const char *p, size_t len, bool head, int fill)
{
    struct qnode *n = head ? q->head : q->tail;
    bool added = false;
    if (!n || !node_allows(n, len, fill)) {
        struct qnode *nn = node_new();
        if (head) {
            nn->next = q->head;
            if (q->head) q->head->prev = nn;
            q->head = nn;
            if (!q->tail) q->tail = nn;
        } else {
            nn->prev = q->tail;
            if (q->tail) q->tail->next = nn;
            q->tail = nn;
            if (!q->head) q->head = nn;
        }
        q->nodes++;
        n = nn;
        added = true;
    } else {
        node_edit(n);
    }
    if (head) lp_insert(&n->lp, lp_first(n->lp), p, len);
    else lp_append(&n->lp, p, len);
    n->count++;
    q->count++;
    if (added) list_settle(q, NULL, NULL, NULL);
}

/* Bytes of an element: listpack integers are formatted into buf. */
struct lelem {
    const char *p;
    size_t len;
    char buf[UTIL_LL_STR_SIZE];
};

static void elem_get(const unsigned char *lp, size_t pos, struct lelem *e)
{
    e->p = lp_get_str(lp, pos, e->buf, &e->len);
}

/* Removes the head or tail element; settles when a node was freed. */
static void list_pop_silent(struct qlist *q, bool head)
{
    struct qnode *n = head ? q->head : q->tail;
    node_edit(n);
    lp_delete(&n->lp, head ? lp_first(n->lp) : lp_last(n->lp), 1);
    n->count--;
    q->count--;
    if (n->count == 0) {
        node_unlink_free(q, n);
        list_settle(q, NULL, NULL, NULL);
    }
}

/* Replies the head or tail element and removes it. */
static void list_pop_reply(struct client *c, struct qlist *q, bool head)
{
    struct qnode *n = head ? q->head : q->tail;
    node_edit(n); /* an end node is raw already: no copy */
    size_t pos = head ? lp_first(n->lp) : lp_last(n->lp);
    struct lelem e;
    elem_get(n->lp, pos, &e);
    reply_bulk(c, e.p, e.len);
    list_pop_silent(q, head);
}

/* Element at index i (0 <= i < count): its node and its index there. */
static void list_seek(const struct qlist *q, size_t i, struct qnode **node, size_t *idx)
{
    struct qnode *n;
    if (i < q->count / 2) {
        n = q->head;
        while (i >= n->count) {
            i -= n->count;
            n = n->next;
        }
    } else {
        size_t from_end = q->count - 1 - i;
        n = q->tail;
        while (from_end >= n->count) {
            from_end -= n->count;
            n = n->prev;
        }
        i = n->count - 1 - from_end;
    }
    *node = n;
    *idx = i;
}

/* Split raw node n: entries from index k on move to a new node right after
 * n. 0 < k < n->count. Returns the new node (raw; the caller settles). */
static struct qnode *node_split(struct qlist *q, struct qnode *n, size_t k)
{
    struct qnode *m = node_new();
    size_t pos = lp_seek(n->lp, (long long)k);
    for (size_t p = pos; p != LP_NONE; p = lp_next(n->lp, p)) {
        struct lelem e;
        elem_get(n->lp, p, &e);
        lp_append(&m->lp, e.p, e.len);
    }
    m->count = n->count - (uint32_t)k;
    lp_delete(&n->lp, pos, m->count);
    n->count = (uint32_t)k;
    m->prev = n;
    m->next = n->next;
    if (n->next) n->next->prev = m;
    else q->tail = m;
    n->next = m;
    q->nodes++;
    return m;
}

/* A new empty node linked after `after` (NULL: at the head). */
static struct qnode *node_link_new(struct qlist *q, struct qnode *after)
{
    struct qnode *m = node_new();
    m->prev = after;
    m->next = after ? after->next : q->head;
    if (m->next) m->next->prev = m;
    else q->tail = m;
    if (after) after->next = m;
    else q->head = m;
    q->nodes++;
    return m;
}

/* Index of the entry at pos within listpack lp. */
static size_t lp_index(const unsigned char *lp, size_t pos)
{
    size_t i = 0;
    for (size_t p = lp_first(lp); p != pos; p = lp_next(lp, p)) i++;
    return i;
}

/* Insert s/len next to the entry at (n, pos), n raw: after it if `after`,
 * else before it. A full node lends the element to a neighbour with room
 * when the insert is at its edge, gets a new neighbour otherwise at the
 * edge, and is split in the middle. Settles what it touched. */
static void list_insert_at(struct qlist *q, struct qnode *n, size_t pos, bool after,
                           const char *s, size_t len, int fill)
{
    q->count++;
    if (node_allows(n, len, fill)) {
        if (after) {
            size_t nx = lp_next(n->lp, pos);
            lp_insert(&n->lp, nx, s, len);
        } else {
            lp_insert(&n->lp, pos, s, len);
        }
        n->count++;
        list_settle(q, n, NULL, NULL);
        return;
    }
    bool at_tail = after && pos == lp_last(n->lp);
    bool at_head = !after && pos == lp_first(n->lp);
    struct qnode *t, *m = NULL;
    if (at_tail) {
        t = n->next && node_allows(n->next, len, fill) ? n->next : node_link_new(q, n);
        node_edit(t);
        lp_insert(&t->lp, lp_first(t->lp), s, len);
    } else if (at_head) {
        t = n->prev && node_allows(n->prev, len, fill) ? n->prev : node_link_new(q, n->prev);
        node_edit(t);
        lp_append(&t->lp, s, len);
    } else {
        size_t k = lp_index(n->lp, pos) + (after ? 1 : 0);
        m = node_split(q, n, k);
        if (node_allows(n, len, fill)) {
            t = n;
            lp_append(&t->lp, s, len);
        } else if (node_allows(m, len, fill)) {
            t = m;
            lp_insert(&t->lp, lp_first(t->lp), s, len);
        } else {
            t = node_link_new(q, n);
            lp_append(&t->lp, s, len);
        }
    }
    t->count++;
    list_settle(q, n, t, m);
}

/* Delete `cnt` elements starting at index start (all in range). */
static void list_delete_range(struct qlist *q, size_t start, size_t cnt)
{
    if (cnt == 0) return;
    struct qnode *n, *part[2] = {NULL, NULL};
    size_t idx;
    list_seek(q, start, &n, &idx);
    while (cnt > 0) {
        size_t take = n->count - idx;
        if (take > cnt) take = cnt;
        struct qnode *next = n->next;
        if (take == n->count) {
            node_unlink_free(q, n);
        } else { /* only the first and the last node of the range */
            node_edit(n);
            lp_delete(&n->lp, lp_seek(n->lp, (long long)idx), take);
            n->count -= (uint32_t)take;
            part[part[0] ? 1 : 0] = n;
        }
        q->count -= take;
        cnt -= take;
        n = next;
        idx = 0;
    }
    list_settle(q, part[0], part[1], NULL);
}

/* The element at index i (negative: from the tail), or false when i is
 * out of range. */
static bool list_index(const struct qlist *q, long long i, struct qnode **node, size_t *idx)
{
    if (i < 0) i += (long long)q->count;
    if (i < 0 || i >= (long long)q->count) return false;
    list_seek(q, (size_t)i, node, idx);
    return true;
}

/* ---- type ops ------------------------------------------------------------- */

static void list_free_payload(struct obj *o)
{
    struct qlist *q = o->u.ptr;
    while (q->head) node_unlink_free(q, q->head);
    mem_free(q);
}

/* A copy keeps the source's depth and its nodes as they are (compressed
 * bytes are copied, not recompressed). */
static struct obj *list_dup(const struct obj *o)
{
    const struct qlist *q = o->u.ptr;
    struct obj *d = list_new((int)q->depth);
    struct qlist *dq = d->u.ptr;
    for (const struct qnode *n = q->head; n; n = n->next) {
        struct qnode *nn = mem_calloc(sizeof(*nn));
        size_t bytes = n->compressed ? sizeof(struct qlzf) + n->z->clen : lp_bytes(n->lp);
        nn->lp = mem_alloc(bytes);
        memcpy(nn->lp, n->lp, bytes);
        nn->count = n->count;
        nn->compressed = n->compressed;
        nn->incompressible = n->incompressible;
        nn->prev = dq->tail;
        if (dq->tail) dq->tail->next = nn;
        else dq->head = nn;
        dq->tail = nn;
        dq->nodes++;
    }
    dq->count = q->count;
    return d;
}

static size_t list_mem(const struct obj *o)
{
    const struct qlist *q = o->u.ptr;
    size_t n = mem_usable(q);
    for (const struct qnode *x = q->head; x; x = x->next) n += mem_usable(x) + mem_usable(x->lp);
    return n;
}

/* Lazy-free effort: the quicklist's nodes (each a node and a listpack). */
static size_t list_free_effort(const struct obj *o)
{
    return ((const struct qlist *)o->u.ptr)->nodes;
}

static const struct obj_type_ops list_ops = {list_free_payload, list_dup, list_mem,
                                             list_free_effort};

void t_list_init(void);
void t_list_init(void) { obj_register_type(OBJ_LIST, &list_ops); }

/* ---- the public interface (types/t_list.h) --------------------------------- */

struct obj *t_list_new(void) { return list_new(0); }

void t_list_append(struct server *srv, struct obj *o, const char *p, size_t len)
{
    list_push(o->u.ptr, p, len, false, srv->cfg.list_max_listpack_size);
}

size_t t_list_len(const struct obj *o) { return list_len(o); }

void t_list_append_fill(struct obj *o, const char *p, size_t len, int fill)
{
    list_push(o->u.ptr, p, len, false, fill);
}

void t_list_append_node(struct obj *o, unsigned char *lp, size_t count)
{
    struct qlist *q = o->u.ptr;
    struct qnode *n = mem_calloc(sizeof(*n));
    n->lp = lp;
    n->count = (uint32_t)count;
    n->prev = q->tail;
    if (q->tail) q->tail->next = n;
    else q->head = n;
    q->tail = n;
    q->nodes++;
    q->count += count;
    list_settle(q, n, NULL, NULL);
}

void t_list_set_compress_depth(struct obj *o, int depth)
{
    struct qlist *q = o->u.ptr;
    q->depth = depth < 0 ? 0 : depth > LZ_DEPTH_MAX ? LZ_DEPTH_MAX : (unsigned)depth;
    list_settle_all(q);
    list_verify(q);
}

size_t t_list_nodes(const struct obj *o) { return ((const struct qlist *)o->u.ptr)->nodes; }

void t_list_foreach_node(const struct obj *o, list_node_fn *fn, void *priv)
{
    const struct qlist *q = o->u.ptr;
    struct lview v;
    lview_init(&v);
    for (const struct qnode *n = q->head; n; n = n->next) fn(node_view(n, &v), priv);
    lview_deinit(&v);
}

void t_list_foreach(const struct obj *o, list_visit_fn *fn, void *priv)
{
    const struct qlist *q = o->u.ptr;
    struct lview v;
    lview_init(&v);
    for (const struct qnode *n = q->head; n; n = n->next) {
        const unsigned char *lp = node_view(n, &v);
        for (size_t pos = lp_first(lp); pos != LP_NONE; pos = lp_next(lp, pos)) {
            struct lelem e;
            elem_get(lp, pos, &e);
            fn(e.p, e.len, priv);
        }
    }
    lview_deinit(&v);
}

/* ---- commands ------------------------------------------------------------- */

/* argv[1] as a list (see cmd_lookup_typed). */
static inline bool lookup_list(struct client *c, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, 1, OBJ_LIST, write, ke);
}

/* After a change of n elements to the list at ke: dirty, the event (when
 * something changed), and the deletion of an emptied key with its "del"
 * event. ke is gone when the list emptied. */
static void list_changed(struct client *c, struct kentry *ke, const char *event, long long n)
{
    struct server *srv = c->srv;
    srv->dirty += n;
    if (n) notify_key(c, NOTIFY_LIST, event, ke->key, ke->klen);
    list_verify(ke->val->u.ptr);
    if (((struct qlist *)ke->val->u.ptr)->count == 0) {
        notify_key(c, NOTIFY_GENERIC, "del", ke->key, ke->klen);
        db_delete_entry(&srv->ks, c->db, ke);
    }
}

static inline const char *pop_event(bool head) { return head ? "lpop" : "rpop"; }

/* The running (or served) command propagates LPOP/RPOP key, with a count
 * unless count < 0. */
static void prop_pop(struct client *c, bool head, const char *key, size_t klen, long long count)
{
    char num[UTIL_LL_STR_SIZE];
    const char *argv[3] = {head ? "LPOP" : "RPOP", key, num};
    size_t lens[3] = {4, klen, 0};
    if (count >= 0) lens[2] = (size_t)util_ll2str(num, count);
    prop_commandv(c, count >= 0 ? 3 : 2, argv, lens);
}

/* A blocking move propagates as RPOPLPUSH src dst, or as LMOVE src dst
 * <from> <to> with the side words given (unused for RPOPLPUSH). */
static void prop_move(struct client *c, const struct slice *src, const struct slice *dst,
                      bool rpoplpush, const struct slice *from, const struct slice *to)
{
    if (rpoplpush) {
        struct slice v[3] = {{"RPOPLPUSH", 9}, *src, *dst};
        prop_command(c, 3, v);
    } else {
        struct slice v[5] = {{"LMOVE", 5}, *src, *dst, *from, *to};
        prop_command(c, 5, v);
    }
}

static void push_generic(struct client *c, bool head, bool only_existing)
{
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        if (only_existing) {
            reply_ll(c, 0);
            return;
        }
        /* signals waiters */
        ke = db_add(&c->srv->ks, c->db, ARG(1), list_new(c->srv->cfg.list_compress_depth));
    } else {
        blocking_signal_key(c->srv, c->db, ARG(1));
    }
    struct qlist *q = ke->val->u.ptr;
    for (int i = 2; i < c->argc; i++) list_push(q, ARG(i), head, c->srv->cfg.list_max_listpack_size);
    c->srv->dirty += c->argc - 2;
    list_verify(q);
    notify_key(c, NOTIFY_LIST, head ? "lpush" : "rpush", ARG(1));
    reply_ll(c, (long long)q->count);
}

static void lpush_cmd(struct client *c) { push_generic(c, true, false); }
static void rpush_cmd(struct client *c) { push_generic(c, false, false); }
static void lpushx_cmd(struct client *c) { push_generic(c, true, true); }
static void rpushx_cmd(struct client *c) { push_generic(c, false, true); }

static void pop_generic(struct client *c, bool head)
{
    long long count = -1;
    if (c->argc > 3) {
        reply_err_arity(c, head ? "lpop" : "rpop");
        return;
    }
    if (c->argc == 3 && (!util_str2ll(ARG(2), &count) || count < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        if (count >= 0) reply_null_array(c);
        else reply_null(c);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    long long n = 1;
    if (count < 0) {
        list_pop_reply(c, q, head);
    } else {
        n = count < (long long)q->count ? count : (long long)q->count;
        reply_array(c, n);
        for (long long i = 0; i < n; i++) list_pop_reply(c, q, head);
    }
    list_changed(c, ke, pop_event(head), n);
}

static void lpop_cmd(struct client *c) { pop_generic(c, true); }
static void rpop_cmd(struct client *c) { pop_generic(c, false); }

static void llen_cmd(struct client *c)
{
    struct kentry *ke;
    if (lookup_list(c, false, &ke)) reply_ll(c, ke ? (long long)list_len(ke->val) : 0);
}

static void lindex_cmd(struct client *c)
{
    long long i;
    if (!util_str2ll(ARG(2), &i)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, false, &ke)) return;
    if (!ke) {
        reply_null(c);
        return;
    }
    struct qnode *n;
    size_t idx;
    if (!list_index(ke->val->u.ptr, i, &n, &idx)) {
        reply_null(c);
        return;
    }
    struct lview v;
    lview_init(&v);
    const unsigned char *lp = node_view(n, &v);
    struct lelem e;
    elem_get(lp, lp_seek(lp, (long long)idx), &e);
    reply_bulk(c, e.p, e.len);
    lview_deinit(&v);
}

static void lrange_cmd(struct client *c)
{
    long long start, end;
    if (!util_str2ll(ARG(2), &start) || !util_str2ll(ARG(3), &end)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, false, &ke)) return;
    if (!ke) {
        reply_array(c, 0);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    if (!util_clamp_range(&start, &end, (long long)q->count)) {
        reply_array(c, 0);
        return;
    }
    long long n = end - start + 1;
    reply_array(c, n);
    struct qnode *node;
    size_t idx;
    list_seek(q, (size_t)start, &node, &idx);
    struct lview v;
    lview_init(&v);
    const unsigned char *lp = node_view(node, &v);
    size_t pos = lp_seek(lp, (long long)idx);
    while (n--) {
        struct lelem e;
        elem_get(lp, pos, &e);
        reply_bulk(c, e.p, e.len);
        pos = lp_next(lp, pos);
        if (pos == LP_NONE && n && node->next) {
            node = node->next;
            lp = node_view(node, &v);
            pos = lp_first(lp);
        }
    }
    lview_deinit(&v);
}

/* Is the node past its size rule (after a replace grew it)? */
static bool node_over(const struct qnode *n, int fill)
{
    if (fill > 0 || n->count <= 1) return false;
    static const size_t limits[] = {4096, 8192, 16384, 32768, 65536};
    int idx = -fill - 1;
    if (idx < 0) idx = 0;
    if (idx > 4) idx = 4;
    return node_bytes(n) > limits[idx];
}

static bool parse_where(const struct slice *a, bool *head)
{
    if (util_eqi(a->p, a->len, "left")) *head = true;
    else if (util_eqi(a->p, a->len, "right")) *head = false;
    else return false;
    return true;
}

static void linsert_cmd(struct client *c)
{
    bool after;
    if (util_eqi(ARG(2), "after")) after = true;
    else if (util_eqi(ARG(2), "before")) after = false;
    else {
        reply_err_syntax(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        reply_ll(c, 0);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    struct lview v;
    lview_init(&v);
    for (struct qnode *n = q->head; n; n = n->next) {
        const unsigned char *lp = node_view(n, &v);
        size_t pos = lp_find(lp, lp_first(lp), ARG(3), 0);
        if (pos == LP_NONE) continue;
        lview_deinit(&v);
        node_edit(n); /* the same bytes: pos holds */
        list_insert_at(q, n, pos, after, ARG(4), c->srv->cfg.list_max_listpack_size);
        list_changed(c, ke, "linsert", 1);
        reply_ll(c, (long long)q->count);
        return;
    }
    lview_deinit(&v);
    reply_ll(c, -1);
}

static void lset_cmd(struct client *c)
{
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        reply_err_nokey(c);
        return;
    }
    long long i;
    if (!util_str2ll(ARG(2), &i)) {
        reply_err_notint(c);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    struct qnode *n;
    size_t idx;
    if (!list_index(q, i, &n, &idx)) {
        reply_err_range(c);
        return;
    }
    node_edit(n);
    lp_replace(&n->lp, lp_seek(n->lp, (long long)idx), ARG(3));
    int fill = c->srv->cfg.list_max_listpack_size;
    struct qnode *m = NULL, *m2 = NULL;
    if (node_over(n, fill)) { /* a bigger element gets a node of its own */
        m = idx > 0 ? node_split(q, n, idx) : n;
        if (m->count > 1) m2 = node_split(q, m, 1);
    }
    list_settle(q, n, m, m2);
    list_changed(c, ke, "lset", 1);
    reply_ok(c);
}

static void lrem_cmd(struct client *c)
{
    long long toremove;
    if (!util_str2ll(ARG(2), &toremove)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        reply_ll(c, 0);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    unsigned long long limit = toremove < 0 ? 0ULL - (unsigned long long)toremove
                                            : (unsigned long long)toremove;
    unsigned long long removed = 0;
    /* A node is read (a compressed one through v) until its first match;
     * only then is it opened, changed and settled again. */
    struct lview v;
    lview_init(&v);
    if (toremove < 0) {
        for (struct qnode *n = q->tail, *prev; n && removed < limit; n = prev) {
            prev = n->prev;
            const unsigned char *lp = node_view(n, &v);
            size_t pos = lp_last(lp);
            while (pos != LP_NONE && !lp_eq(lp, pos, ARG(3))) pos = lp_prev(lp, pos);
            if (pos == LP_NONE) continue;
            node_edit(n);
            while (pos != LP_NONE && removed < limit) {
                size_t pp = lp_prev(n->lp, pos); /* entries before pos do not move */
                if (lp_eq(n->lp, pos, ARG(3))) {
                    lp_delete(&n->lp, pos, 1);
                    n->count--;
                    q->count--;
                    removed++;
                }
                pos = pp;
            }
            if (n->count == 0) {
                node_unlink_free(q, n);
                list_settle(q, NULL, NULL, NULL);
            } else {
                list_settle(q, n, NULL, NULL);
            }
        }
    } else {
        for (struct qnode *n = q->head, *next; n && (!limit || removed < limit); n = next) {
            next = n->next;
            const unsigned char *lp = node_view(n, &v);
            size_t pos = lp_find(lp, lp_first(lp), ARG(3), 0);
            if (pos == LP_NONE) continue;
            node_edit(n);
            while (pos != LP_NONE && (!limit || removed < limit)) {
                if (lp_eq(n->lp, pos, ARG(3))) {
                    pos = lp_delete(&n->lp, pos, 1);
                    n->count--;
                    q->count--;
                    removed++;
                } else {
                    pos = lp_next(n->lp, pos);
                }
            }
            if (n->count == 0) {
                node_unlink_free(q, n);
                list_settle(q, NULL, NULL, NULL);
            } else {
                list_settle(q, n, NULL, NULL);
            }
        }
    }
    lview_deinit(&v);
    list_changed(c, ke, "lrem", (long long)removed);
    reply_ll(c, (long long)removed);
}

static void ltrim_cmd(struct client *c)
{
    long long start, end;
    if (!util_str2ll(ARG(2), &start) || !util_str2ll(ARG(3), &end)) {
        reply_err_notint(c);
        return;
    }
    struct kentry *ke;
    if (!lookup_list(c, true, &ke)) return;
    if (!ke) {
        reply_ok(c);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    long long len = (long long)q->count, ltrim, rtrim;
    if (!util_clamp_range(&start, &end, len)) {
        ltrim = len; /* everything goes */
        rtrim = 0;
    } else {
        ltrim = start;
        rtrim = len - end - 1;
    }
    list_delete_range(q, 0, (size_t)ltrim);
    list_delete_range(q, q->count - (size_t)rtrim, (size_t)rtrim);
    list_changed(c, ke, "ltrim", ltrim + rtrim);
    reply_ok(c);
}

/* A non-negative option value; errors with msg (Redis uses it for both
 * "not a number" and "negative"). */
static bool parse_nonneg(struct client *c, const struct slice *a, long long *out, const char *msg)
{
    if (!util_str2ll(a->p, a->len, out) || *out < 0) {
        reply_error(c, msg);
        return false;
    }
    return true;
}

static void lpos_cmd(struct client *c)
{
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (util_eqi(ARG(j), "rank") && more) {
            j++;
            if (!util_str2ll(ARG(j), &rank)) {
                reply_err_notint(c);
                return;
            }
            if (rank == LLONG_MIN) rank = -1; /* as Redis: every match ranks past it */
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 "
                               "from the second ... or use negative to start from the end of the "
                               "list");
                return;
            }
        } else if (util_eqi(ARG(j), "count") && more) {
            if (!parse_nonneg(c, &c->argv[++j], &count, "ERR COUNT can't be negative")) return;
        } else if (util_eqi(ARG(j), "maxlen") && more) {
            if (!parse_nonneg(c, &c->argv[++j], &maxlen, "ERR MAXLEN can't be negative")) return;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    struct kentry *ke;
    if (!lookup_list(c, false, &ke)) return;
    if (!ke) {
        if (count != -1) reply_array(c, 0);
        else reply_null(c);
        return;
    }
    struct qlist *q = ke->val->u.ptr;
    bool forward = rank > 0;
    if (!forward) rank = -rank;
    reply_defer_t d = count != -1 ? reply_defer(c) : NULL;
    long long len = (long long)q->count, index = 0, matches = 0, found = -1, nreplied = 0;
    struct lview v;
    lview_init(&v);
    struct qnode *n = forward ? q->head : q->tail;
    const unsigned char *lp = node_view(n, &v);
    size_t pos = forward ? lp_first(lp) : lp_last(lp);
    while (n && (maxlen == 0 || index < maxlen)) {
        if (lp_eq(lp, pos, ARG(2))) {
            matches++;
            if (matches >= rank) {
                long long at = forward ? index : len - index - 1;
                if (!d) {
                    found = at;
                    break;
                }
                reply_ll(c, at);
                nreplied++;
                if (count && matches - rank + 1 >= count) break;
            }
        }
        index++;
        pos = forward ? lp_next(lp, pos) : lp_prev(lp, pos);
        if (pos == LP_NONE) {
            n = forward ? n->next : n->prev;
            if (n) {
                lp = node_view(n, &v);
                pos = forward ? lp_first(lp) : lp_last(lp);
            }
        }
    }
    lview_deinit(&v);
    if (d) reply_defer_array(c, d, nreplied);
    else if (found >= 0) reply_ll(c, found);
    else reply_null(c);
}

/* Move the head or tail of src's list to the head or tail of the list at
 * dkey (dst: its entry, NULL to create it) and reply the element. src is
 * deleted when it empties; a created dst is signalled ready by db_add. */
static void list_move(struct client *c, struct kentry *src, const char *dkey, size_t dlen,
                      struct kentry *dst, bool from_head, bool to_head)
{
    struct server *srv = c->srv;
    struct qlist *sq = src->val->u.ptr;
    int fill = srv->cfg.list_max_listpack_size;
    struct qnode *n = from_head ? sq->head : sq->tail;
    node_edit(n); /* an end node is raw already: no copy */
    size_t pos = from_head ? lp_first(n->lp) : lp_last(n->lp);
    struct lelem e;
    elem_get(n->lp, pos, &e);
    reply_bulk(c, e.p, e.len);
    if (dst && dst->val->u.ptr == sq) { /* rotation within one list */
        if (from_head != to_head) {
            char small[128];
            char *tmp = e.len <= sizeof(small) ? small : mem_alloc(e.len);
            memcpy(tmp, e.p, e.len);
            size_t len = e.len;
            list_pop_silent(sq, from_head);
            list_push(sq, tmp, len, to_head, fill);
            if (tmp != small) mem_free(tmp);
        }
        list_verify(sq);
        srv->dirty++;
        notify_key(c, NOTIFY_LIST, pop_event(from_head), src->key, src->klen);
        notify_key(c, NOTIFY_LIST, to_head ? "lpush" : "rpush", src->key, src->klen);
        return;
    }
    if (!dst) dst = db_add(&srv->ks, c->db, dkey, dlen, list_new(srv->cfg.list_compress_depth));
    else blocking_signal_key(srv, c->db, dkey, dlen);
    list_push(dst->val->u.ptr, e.p, e.len, to_head, fill);
    list_verify(dst->val->u.ptr);
    notify_key(c, NOTIFY_LIST, to_head ? "lpush" : "rpush", dkey, dlen);
    list_pop_silent(sq, from_head);
    list_changed(c, src, pop_event(from_head), 1);
}

/* LMOVE/RPOPLPUSH; true if an element moved. */
static bool lmove_generic(struct client *c, bool from_head, bool to_head)
{
    struct kentry *src, *dst;
    if (!lookup_list(c, true, &src)) return false;
    if (!src) {
        reply_null(c);
        return false;
    }
    if (!cmd_lookup_typed(c, 2, OBJ_LIST, true, &dst)) return false;
    list_move(c, src, ARG(2), dst, from_head, to_head);
    return true;
}

static void lmove_cmd(struct client *c)
{
    bool from, to;
    if (!parse_where(&c->argv[3], &from) || !parse_where(&c->argv[4], &to)) {
        reply_err_syntax(c);
        return;
    }
    lmove_generic(c, from, to);
}

static void rpoplpush_cmd(struct client *c) { lmove_generic(c, false, true); }

/* Reply [key, [elements]] popping up to count elements of the list at ke. */
static void mpop_reply(struct client *c, struct kentry *ke, bool head, long long count)
{
    struct qlist *q = ke->val->u.ptr;
    long long n = count < (long long)q->count ? count : (long long)q->count;
    prop_pop(c, head, ke->key, ke->klen, n); /* LMPOP and BLMPOP alike */
    reply_array(c, 2);
    reply_bulk(c, ke->key, ke->klen);
    reply_array(c, n);
    for (long long i = 0; i < n; i++) list_pop_reply(c, q, head);
    list_changed(c, ke, pop_event(head), n);
}

/* [B]LMPOP arguments from numkeys at argv[ni]: numkeys, LEFT|RIGHT, COUNT. */
static bool mpop_parse(struct client *c, int ni, long long *numkeys, bool *head, long long *count)
{
    if (!util_str2ll(ARG(ni), numkeys) || *numkeys <= 0) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return false;
    }
    if (*numkeys >= c->argc - ni - 1) {
        reply_err_syntax(c);
        return false;
    }
    int wi = ni + (int)*numkeys + 1;
    if (!parse_where(&c->argv[wi], head)) {
        reply_err_syntax(c);
        return false;
    }
    *count = -1;
    for (int j = wi + 1; j < c->argc; j++) {
        if (*count == -1 && util_eqi(ARG(j), "count") && j + 1 < c->argc) {
            j++;
            if (!util_str2ll(ARG(j), count) || *count <= 0) {
                reply_error(c, "ERR count should be greater than 0");
                return false;
            }
        } else {
            reply_err_syntax(c);
            return false;
        }
    }
    if (*count == -1) *count = 1;
    return true;
}

static void lmpop_cmd(struct client *c)
{
    long long numkeys, count;
    bool head;
    if (!mpop_parse(c, 1, &numkeys, &head, &count)) return;
    for (int i = 2; i < 2 + numkeys; i++) {
        struct kentry *ke;
        if (!cmd_lookup_typed(c, i, OBJ_LIST, true, &ke)) return;
        if (!ke) continue;
        mpop_reply(c, ke, head, count);
        return;
    }
    reply_null_array(c);
}

/* Key positions of [B]LMPOP: numkeys at argv[ni], then the keys. */
static int mpop_keys(struct client *c, int argc, int ni, int *keys, int max)
{
    long long numkeys;
    if (argc <= ni || !util_str2ll(c->argv[ni].p, c->argv[ni].len, &numkeys) || numkeys <= 0 ||
        numkeys > argc - ni - 1)
        return -1;
    int n = 0;
    for (int i = ni + 1; i <= ni + numkeys && n < max; i++) keys[n++] = i;
    return n;
}

static int lmpop_keys(struct client *c, int argc, int *keys, int max)
{
    return mpop_keys(c, argc, 1, keys, max);
}

/* ---- blocking commands ---------------------------------------------------- */

/* What a blocked list command waits to do (copied by core/blocking). */
enum { LW_POP, LW_MPOP, LW_MOVE };
struct list_wait {
    int kind;
    bool head;    /* the side to pop */
    bool to_head; /* LW_MOVE: the side of the destination to push */
    bool rpoplpush; /* LW_MOVE: it was BRPOPLPUSH (propagated as RPOPLPUSH) */
    long long count; /* LW_MPOP */
    size_t dlen;  /* LW_MOVE: the destination key */
    char dst[];
};

/* Serve a blocked BLPOP/BRPOP/BLMPOP/BLMOVE/BRPOPLPUSH from key, if it is
 * a list now. A key that became another type keeps its waiters waiting,
 * as in Redis 7.0; a BLMOVE destination of another type ends the wait
 * with WRONGTYPE and leaves the source as it was. */
static enum blocking_result list_retry(struct client *c, const char *key, size_t klen, void *state)
{
    const struct list_wait *w = state;
    struct server *srv = c->srv;
    struct kentry *ke = db_lookup(&srv->ks, c->db, key, klen);
    if (!ke || ke->val->type != OBJ_LIST) return BLOCKING_KEEP;
    if (w->kind == LW_MPOP) {
        mpop_reply(c, ke, w->head, w->count);
    } else if (w->kind == LW_MOVE) {
        struct kentry *dst = db_lookup(&srv->ks, c->db, w->dst, w->dlen);
        if (dst && dst->val->type != OBJ_LIST) {
            reply_err_wrongtype(c);
            return BLOCKING_SERVED;
        }
        list_move(c, ke, w->dst, w->dlen, dst, w->head, w->to_head);
        static const struct slice left = {"left", 4}, right = {"right", 5};
        prop_move(c, &(struct slice){key, klen}, &(struct slice){w->dst, w->dlen}, w->rpoplpush,
                  w->head ? &left : &right, w->to_head ? &left : &right);
    } else {
        struct qlist *q = ke->val->u.ptr;
        reply_array(c, 2);
        reply_bulk(c, key, klen);
        prop_pop(c, w->head, key, klen, -1);
        list_pop_reply(c, q, w->head);
        list_changed(c, ke, pop_event(w->head), 1);
    }
    return BLOCKING_SERVED;
}

static void bpop_generic(struct client *c, bool head)
{
    long long deadline;
    if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
    for (int i = 1; i < c->argc - 1; i++) {
        struct kentry *ke;
        if (!cmd_lookup_typed(c, i, OBJ_LIST, true, &ke)) return;
        if (!ke) continue;
        struct qlist *q = ke->val->u.ptr;
        reply_array(c, 2);
        reply_bulk(c, ARG(i));
        prop_pop(c, head, ARG(i), -1);
        list_pop_reply(c, q, head);
        list_changed(c, ke, pop_event(head), 1);
        return;
    }
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    struct list_wait w = {.kind = LW_POP, .head = head};
    blocking_block(c, &c->argv[1], c->argc - 2, deadline, list_retry, &w, sizeof(w));
}

static void blpop_cmd(struct client *c) { bpop_generic(c, true); }
static void brpop_cmd(struct client *c) { bpop_generic(c, false); }

static void bmove_generic(struct client *c, bool from_head, bool to_head, int timeout_arg)
{
    long long deadline;
    if (!blocking_parse_timeout(c, &c->argv[timeout_arg], &deadline)) return;
    struct kentry *src;
    if (!lookup_list(c, true, &src)) return;
    bool rpoplpush = timeout_arg == 3;
    if (src) {
        if (lmove_generic(c, from_head, to_head))
            prop_move(c, &c->argv[1], &c->argv[2], rpoplpush, rpoplpush ? NULL : &c->argv[3],
                      rpoplpush ? NULL : &c->argv[4]);
        return;
    }
    if (!blocking_allowed(c)) {
        reply_null(c); /* as Redis: a null bulk here, a null array on timeout */
        return;
    }
    size_t len = sizeof(struct list_wait) + c->argv[2].len;
    _Alignas(max_align_t) char small[sizeof(struct list_wait) + 128];
    struct list_wait *w = len <= sizeof(small) ? (struct list_wait *)small : mem_alloc(len);
    memset(w, 0, sizeof(*w));
    w->kind = LW_MOVE;
    w->head = from_head;
    w->to_head = to_head;
    w->rpoplpush = rpoplpush;
    w->dlen = c->argv[2].len;
    memcpy(w->dst, c->argv[2].p, w->dlen);
    blocking_block(c, &c->argv[1], 1, deadline, list_retry, w, len);
    if ((char *)w != small) mem_free(w);
}

static void blmove_cmd(struct client *c)
{
    bool from, to;
    if (!parse_where(&c->argv[3], &from) || !parse_where(&c->argv[4], &to)) {
        reply_err_syntax(c);
        return;
    }
    bmove_generic(c, from, to, 5);
}

static void brpoplpush_cmd(struct client *c) { bmove_generic(c, false, true, 3); }

static void blmpop_cmd(struct client *c)
{
    long long numkeys, count, deadline;
    bool head;
    if (!mpop_parse(c, 2, &numkeys, &head, &count)) return;
    if (!blocking_parse_timeout(c, &c->argv[1], &deadline)) return;
    for (int i = 3; i < 3 + numkeys; i++) {
        struct kentry *ke;
        if (!cmd_lookup_typed(c, i, OBJ_LIST, true, &ke)) return;
        if (!ke) continue;
        mpop_reply(c, ke, head, count);
        return;
    }
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    struct list_wait w = {.kind = LW_MPOP, .head = head, .count = count};
    blocking_block(c, &c->argv[3], (int)numkeys, deadline, list_retry, &w, sizeof(w));
}

static int blmpop_keys(struct client *c, int argc, int *keys, int max)
{
    return mpop_keys(c, argc, 2, keys, max);
}

#define W (CMD_WRITE | CMD_DENYOOM)
#define R (CMD_READONLY)

struct command list_commands[] = {
    {"lpush", lpush_cmd, -3, W | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Prepends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0",
     "list"},
    {"rpush", rpush_cmd, -3, W | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Appends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0",
     "list"},
    {"lpushx", lpushx_cmd, -3, W | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Prepends one or more elements to a list only when the list exists.", "2.2.0", "list"},
    {"rpushx", rpushx_cmd, -3, W | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Appends an element to a list only when the list exists.", "2.2.0", "list"},
    {"lpop", lpop_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Returns the first elements in a list after removing it. Deletes the list if the last "
     "element was popped.", "1.0.0", "list"},
    {"rpop", rpop_cmd, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@write @list @fast",
     "Returns and removes the last elements of a list. Deletes the list if the last element was "
     "popped.", "1.0.0", "list"},
    {"llen", llen_cmd, 2, R | CMD_FAST, 1, 1, 1, "@read @list @fast",
     "Returns the length of a list", "1.0.0", "list"},
    {"lindex", lindex_cmd, 3, R, 1, 1, 1, "@read @list @slow",
     "Returns an element from a list by its index", "1.0.0", "list"},
    {"lrange", lrange_cmd, 4, R, 1, 1, 1, "@read @list @slow",
     "Returns a range of elements from a list", "1.0.0", "list"},
    {"linsert", linsert_cmd, 5, W, 1, 1, 1, "@write @list @slow",
     "Inserts an element before or after another element in a list", "2.2.0", "list"},
    {"lset", lset_cmd, 4, W, 1, 1, 1, "@write @list @slow",
     "Sets the value of an element in a list by its index", "1.0.0", "list"},
    {"lrem", lrem_cmd, 4, CMD_WRITE, 1, 1, 1, "@write @list @slow",
     "Removes elements from a list. Deletes the list if the last element was removed.", "1.0.0",
     "list"},
    {"ltrim", ltrim_cmd, 4, CMD_WRITE, 1, 1, 1, "@write @list @slow",
     "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
     "1.0.0", "list"},
    {"lpos", lpos_cmd, -3, R, 1, 1, 1, "@read @list @slow",
     "Returns the index of matching elements in a list", "6.0.6", "list"},
    {"lmove", lmove_cmd, 5, W, 1, 2, 1, "@write @list @slow",
     "Returns an element after popping it from one list and pushing it to another. Deletes the "
     "list if the last element was moved.", "6.2.0", "list"},
    {"rpoplpush", rpoplpush_cmd, 3, W, 1, 2, 1, "@write @list @slow",
     "Returns the last element of a list after removing and pushing it to another list. Deletes "
     "the list if the last element was popped.", "1.2.0", "list"},
    {"lmpop", lmpop_cmd, -4, CMD_WRITE, 0, 0, 0, "@write @list @slow",
     "Returns multiple elements from a list after removing them. Deletes the list if the last "
     "element was popped.", "7.0.0", "list", NULL, lmpop_keys},
    {"blpop", blpop_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1,
     "@write @list @slow @blocking",
     "Removes and returns the first element in a list. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped.", "2.0.0", "list"},
    {"brpop", brpop_cmd, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1,
     "@write @list @slow @blocking",
     "Removes and returns the last element in a list. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped.", "2.0.0", "list"},
    {"blmove", blmove_cmd, 6, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1,
     "@write @list @slow @blocking",
     "Pops an element from a list, pushes it to another list and returns it. Blocks until an "
     "element is available otherwise. Deletes the list if the last element was moved.", "6.2.0",
     "list"},
    {"brpoplpush", brpoplpush_cmd, 4, W | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1,
     "@write @list @slow @blocking",
     "Pops an element from a list, pushes it to another list and returns it. Block until an "
     "element is available otherwise. Deletes the list if the last element was popped.", "2.2.0",
     "list"},
    {"blmpop", blmpop_cmd, -5, CMD_WRITE | CMD_BLOCKING, 0, 0, 0, "@write @list @slow @blocking",
     "Pops the first element from one of multiple lists. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped.", "7.0.0", "list", NULL,
     blmpop_keys},
    {NULL}};
