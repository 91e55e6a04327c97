/* t_list: the list type (first part: pushes, pops, length, index, range).
 *
 * Encoding: a quicklist, as Redis 7.0 reports it: a doubly linked list of
 * nodes, each a base/listpack holding a run of elements. A node is full at
 * list-max-listpack-size (negative: -1..-5 = 4/8/16/32/64 KB of listpack
 * bytes; positive: that many elements), so a push or pop at either end
 * touches one small block: O(1) in the list's length. Index and range walk
 * node counts first, then one listpack.
 *
 * Invariants: no node is empty; `count` is the sum of the node counts; an
 * empty list is never stored (the last pop deletes the key).
 *
 * Not yet here (the collections issue goes on): LINSERT, LSET, LREM,
 * LTRIM, LPOS, LMOVE/RPOPLPUSH, LMPOP and the blocking commands. */
#include "base/listpack.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/reply.h"
#include "core/server.h"
#include "types/t_list.h"

#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

struct qnode {
    struct qnode *prev, *next;
    unsigned char *lp;
    uint32_t count;
};

struct qlist {
    struct qnode *head, *tail;
    size_t count;
    size_t nodes;
};

static struct obj *list_new(void)
{
    struct obj *o = obj_new_collection(OBJ_LIST);
    o->enc = ENC_QUICKLIST;
    o->u.ptr = mem_calloc(sizeof(struct qlist));
    return o;
}

static size_t list_len(const struct obj *o) { return ((const struct qlist *)o->u.ptr)->count; }

/* Can node take one more element of len bytes under the size rule? */
static bool node_allows(const struct qnode *n, size_t len, int fill)
{
    if (fill > 0) return n->count < (uint32_t)fill;
    static const size_t limits[] = {4096, 8192, 16384, 32768, 65536};
    int idx = -fill - 1;
    if (idx < 0) idx = 0;
    if (idx > 4) idx = 4;
    return lp_bytes(n->lp) + len + 11 <= limits[idx] || n->count == 0;
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
    lp_free(&n->lp);
    mem_free(n);
    q->nodes--;
}

static void list_push(struct qlist *q, const char *p, size_t len, bool head, int fill)
{
    struct qnode *n = head ? q->head : q->tail;
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
    }
    if (head) lp_insert(&n->lp, lp_first(n->lp), p, len);
    else lp_append(&n->lp, p, len);
    n->count++;
    q->count++;
}

/* Bytes of an element: listpack integers are formatted into buf. */
struct lelem {
    const char *p;
    size_t len;
    char buf[UTIL_LL_STR_SIZE];
};

static void elem_get(const unsigned char *lp, size_t pos, struct lelem *e)
{
    struct lp_val v;
    lp_get(lp, pos, &v);
    if (v.s) {
        e->p = (const char *)v.s;
        e->len = v.slen;
    } else {
        e->len = (size_t)util_ll2str(e->buf, v.v);
        e->p = e->buf;
    }
}

/* Replies the head or tail element and removes it. */
static void list_pop_reply(struct client *c, struct qlist *q, bool head)
{
    struct qnode *n = head ? q->head : q->tail;
    size_t pos = head ? lp_first(n->lp) : lp_last(n->lp);
    struct lelem e;
    elem_get(n->lp, pos, &e);
    reply_bulk(c, e.p, e.len);
    lp_delete(&n->lp, pos, 1);
    n->count--;
    q->count--;
    if (n->count == 0) node_unlink_free(q, n);
}

/* Element at index i (0 <= i < count): its node and listpack position. */
static void list_seek(const struct qlist *q, size_t i, struct qnode **node, size_t *pos)
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
    *pos = lp_seek(n->lp, (long long)i);
}

/* ---- type ops ------------------------------------------------------------- */

static void list_free_payload(struct obj *o)
{
    struct qlist *q = o->u.ptr;
    while (q->head) node_unlink_free(q, q->head);
    mem_free(q);
}

static struct obj *list_dup(const struct obj *o)
{
    const struct qlist *q = o->u.ptr;
    struct obj *d = list_new();
    struct qlist *dq = d->u.ptr;
    for (const struct qnode *n = q->head; n; n = n->next) {
        struct qnode *nn = node_new();
        lp_free(&nn->lp);
        nn->lp = mem_alloc(lp_bytes(n->lp));
        memcpy(nn->lp, n->lp, lp_bytes(n->lp));
        nn->count = n->count;
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

struct obj *t_list_new(void) { return list_new(); }

void t_list_append(struct server *srv, struct obj *o, const char *p, size_t len)
{
    list_push(o->u.ptr, p, len, false, srv->cfg.list_max_listpack_size);
}

size_t t_list_len(const struct obj *o) { return list_len(o); }

void t_list_foreach(const struct obj *o, list_visit_fn *fn, void *priv)
{
    const struct qlist *q = o->u.ptr;
    for (const struct qnode *n = q->head; n; n = n->next) {
        for (size_t pos = lp_first(n->lp); pos != LP_NONE; pos = lp_next(n->lp, pos)) {
            struct lelem e;
            elem_get(n->lp, pos, &e);
            fn(e.p, e.len, priv);
        }
    }
}

/* ---- commands ------------------------------------------------------------- */

/* argv[1] as a list (see cmd_lookup_typed). */
static inline bool lookup_list(struct client *c, bool write, struct kentry **ke)
{
    return cmd_lookup_typed(c, 1, OBJ_LIST, write, ke);
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
        ke = db_add(&c->srv->ks, c->db, ARG(1), list_new());
    }
    struct qlist *q = ke->val->u.ptr;
    for (int i = 2; i < c->argc; i++) list_push(q, ARG(i), head, c->srv->cfg.list_max_listpack_size);
    c->srv->dirty += c->argc - 2;
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
        reply_err_syntax(c);
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
    if (count < 0) {
        list_pop_reply(c, q, head);
        c->srv->dirty++;
    } else {
        long long n = count < (long long)q->count ? count : (long long)q->count;
        reply_array(c, n);
        for (long long i = 0; i < n; i++) list_pop_reply(c, q, head);
        c->srv->dirty += n;
    }
    notify_key(c, NOTIFY_LIST, head ? "lpop" : "rpop", ARG(1));
    if (q->count == 0) {
        db_delete_entry(&c->srv->ks, c->db, ke);
        notify_key(c, NOTIFY_GENERIC, "del", ARG(1));
    }
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
    struct qlist *q = ke->val->u.ptr;
    if (i < 0) i += (long long)q->count;
    if (i < 0 || i >= (long long)q->count) {
        reply_null(c);
        return;
    }
    struct qnode *n;
    size_t pos;
    list_seek(q, (size_t)i, &n, &pos);
    struct lelem e;
    elem_get(n->lp, pos, &e);
    reply_bulk(c, e.p, e.len);
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
    long long len = (long long)q->count;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end >= len) end = len - 1;
    if (start > end || start >= len) {
        reply_array(c, 0);
        return;
    }
    long long n = end - start + 1;
    reply_array(c, n);
    struct qnode *node;
    size_t pos;
    list_seek(q, (size_t)start, &node, &pos);
    while (n--) {
        struct lelem e;
        elem_get(node->lp, pos, &e);
        reply_bulk(c, e.p, e.len);
        pos = lp_next(node->lp, pos);
        if (pos == LP_NONE && node->next) {
            node = node->next;
            pos = lp_first(node->lp);
        }
    }
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
    {NULL}};
