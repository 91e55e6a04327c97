/* tracking: client-side caching; see tracking.h.
 *
 * Data.
 *  - srv->tracking->keys: key name -> struct tkey, the list of items (one
 *    per client that may cache the key).
 *  - c->tracking->items: the client's items, keyed by their tkey address
 *    (a read of a key already remembered adds nothing).
 *  - srv->tracking->prefixes: prefix -> struct tprefix: its subscribed
 *    clients (struct tsub, also on the client's list) and the keys changed
 *    since the last broadcast (a table, so a key is sent once), each with
 *    the id of the client that changed it last (for NOLOOP).
 *  - plens: the distinct prefix lengths with their counts, so a changed key
 *    is matched with one lookup per length instead of a walk of every
 *    prefix.
 *  - pend: keys (NULL: a flush) to send to the running client after its
 *    command's reply. */
#include "core/tracking.h"

#include "base/htab.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"

#include <limits.h>
#include <string.h>

#define ARGS(i) c->argv[i].p, c->argv[i].len

enum {
    TRK_BCAST = 1u << 0,
    TRK_OPTIN = 1u << 1,
    TRK_OPTOUT = 1u << 2,
    TRK_NOLOOP = 1u << 3,
    TRK_CACHING = 1u << 4, /* CLIENT CACHING yes|no given for the next command */
    TRK_BROKEN = 1u << 5,  /* the redirect target is gone */
};

struct tkey;

struct titem {
    struct htab_node cnode;     /* in the client's table, keyed by k's address */
    struct titem *prev, *next;  /* in the key's list */
    struct client *c;
    struct tkey *k;
};

struct tkey {
    struct htab_node node;
    struct titem *head;
    uint32_t len;
    char key[];
};

struct tprefix;

struct tsub {
    struct tsub *prev, *next; /* in the prefix's list */
    struct tsub *cnext;       /* in the client's list */
    struct client *c;
    struct tprefix *p;
};

struct pkey {
    struct htab_node node;
    uint64_t by; /* id of the client that changed it last (0: none) */
    uint32_t len;
    char key[];
};

struct tprefix {
    struct htab_node node;
    struct tsub *head;
    size_t nsubs;
    struct htab keys; /* of struct pkey: changed since the last broadcast */
    uint32_t len;
    char name[];
};

struct plen {
    uint32_t len;
    size_t count;
};

struct pend {
    char *key; /* NULL: a flush (null invalidation) */
    size_t len;
};

struct tracking {
    struct htab keys;
    struct htab prefixes;
    long long items;
    size_t pending_prefixes; /* prefixes with queued keys */
    struct plen *plens;
    size_t nplens, plens_cap;
    struct pend *pend;
    size_t npend, pend_cap;
    unsigned evict_rounds; /* consecutive limit runs that stayed over the limit */
};

struct tracking_client {
    unsigned flags;
    uint64_t redirect;
    struct htab items;
    struct tsub *subs;
};

/* ---- hash types ----------------------------------------------------------- */

static uint64_t tkey_hash(const struct htab_node *n)
{
    const struct tkey *k = (const struct tkey *)n;
    return util_hash(k->key, k->len);
}

static bool tkey_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct tkey *k = (const struct tkey *)n;
    return k->len == klen && memcmp(k->key, key, klen) == 0;
}

static uint64_t ptr_hash(const void *p) { return util_hash_u64((uint64_t)(uintptr_t)p); }

static uint64_t item_hash(const struct htab_node *n)
{
    return ptr_hash(((const struct titem *)n)->k);
}

static bool item_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct titem *it = (const struct titem *)n;
    return klen == sizeof(void *) && memcmp(&it->k, key, sizeof(void *)) == 0;
}

static uint64_t prefix_hash(const struct htab_node *n)
{
    const struct tprefix *p = (const struct tprefix *)n;
    return util_hash(p->name, p->len);
}

static bool prefix_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct tprefix *p = (const struct tprefix *)n;
    return p->len == klen && memcmp(p->name, key, klen) == 0;
}

static uint64_t pkey_hash(const struct htab_node *n)
{
    const struct pkey *k = (const struct pkey *)n;
    return util_hash(k->key, k->len);
}

static bool pkey_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct pkey *k = (const struct pkey *)n;
    return k->len == klen && memcmp(k->key, key, klen) == 0;
}

static const struct htab_type tkey_type = {tkey_hash, tkey_eq};
static const struct htab_type item_type = {item_hash, item_eq};
static const struct htab_type prefix_type = {prefix_hash, prefix_eq};
static const struct htab_type pkey_type = {pkey_hash, pkey_eq};

/* ---- lifecycle ------------------------------------------------------------ */

void tracking_init(struct server *srv)
{
    struct tracking *tr = mem_calloc(sizeof(*tr));
    htab_init(&tr->keys, &tkey_type);
    htab_init(&tr->prefixes, &prefix_type);
    srv->tracking = tr;
}

static void pend_clear(struct tracking *tr)
{
    for (size_t i = 0; i < tr->npend; i++) mem_free(tr->pend[i].key);
    tr->npend = 0;
}

void tracking_deinit(struct server *srv)
{
    struct tracking *tr = srv->tracking;
    /* clients went first, and each left its items and prefixes */
    htab_deinit(&tr->keys, NULL, NULL);
    htab_deinit(&tr->prefixes, NULL, NULL);
    pend_clear(tr);
    mem_free(tr->pend);
    mem_free(tr->plens);
    mem_free(tr);
    srv->tracking = NULL;
}

static struct client *client_by_id(struct server *srv, uint64_t id)
{
    struct htab_node *n = htab_find(&srv->clients_by_id, util_hash_u64(id), &id, sizeof(id));
    return n ? htab_entry(n, struct client, id_node) : NULL;
}

/* ---- delivery ------------------------------------------------------------- */

/* Sends c's invalidation of n keys (keys NULL: the null of a flush) to c
 * or to its redirect target. */
static void send_invalidation(struct server *srv, struct client *c, const struct slice *keys,
                              size_t n)
{
    struct tracking_client *t = c->tracking;
    struct client *to = c;
    if (t->redirect) {
        to = client_by_id(srv, t->redirect);
        if (!to) {
            t->flags |= TRK_BROKEN;
            if (c->resp >= 3) {
                uint32_t was = c->flags & CLIENT_PUSHING;
                c->flags |= CLIENT_PUSHING;
                reply_push(c, 2);
                reply_bulk(c, "tracking-redir-broken", 21);
                reply_ll(c, (long long)t->redirect);
                c->flags = (c->flags & ~CLIENT_PUSHING) | was;
            }
            return;
        }
    }
    uint32_t was = to->flags & CLIENT_PUSHING;
    to->flags |= CLIENT_PUSHING;
    if (to->resp >= 3) {
        reply_push(to, 2);
        reply_bulk(to, "invalidate", 10);
    } else if (t->redirect && (to->flags & CLIENT_PUBSUB)) {
        reply_array(to, 3);
        reply_bulk(to, "message", 7);
        reply_bulk(to, "__redis__:invalidate", 20);
    } else {
        /* a RESP2 connection without a subscribed redirect: no way to tell */
        to->flags = (to->flags & ~CLIENT_PUSHING) | was;
        return;
    }
    if (keys) {
        reply_array(to, (long long)n);
        for (size_t i = 0; i < n; i++) reply_bulk(to, keys[i].p, keys[i].len);
    } else {
        reply_null(to);
    }
    to->flags = (to->flags & ~CLIENT_PUSHING) | was;
}

/* Queue for the running client (sent after its reply). key NULL: flush. */
static void pend_add(struct tracking *tr, const char *key, size_t len)
{
    if (tr->npend == tr->pend_cap) {
        tr->pend_cap = tr->pend_cap ? tr->pend_cap * 2 : 8;
        tr->pend = mem_realloc(tr->pend, sizeof(*tr->pend) * tr->pend_cap);
    }
    tr->pend[tr->npend].key = key ? mem_memdup(len ? key : "", len ? len : 1) : NULL;
    tr->pend[tr->npend].len = len;
    tr->npend++;
}

/* The client whose command is running: a script's commands run on the
 * engine's client on behalf of the script's caller. */
static struct client *running_client(const struct server *srv)
{
    struct client *c = srv->current;
    return (c && (c->flags & CLIENT_SCRIPT)) ? srv->script_caller : c;
}

/* One key's invalidation for c: now, or after the reply if c's command is
 * the one running. */
static void invalidate_for(struct server *srv, struct client *c, const char *key, size_t len)
{
    if (c == running_client(srv)) {
        pend_add(srv->tracking, key, len);
        return;
    }
    struct slice s = {key, len};
    send_invalidation(srv, c, &s, 1);
}

/* ---- the key table -------------------------------------------------------- */

static void item_unlink_key(struct tracking *tr, struct titem *it)
{
    struct tkey *k = it->k;
    if (it->prev) it->prev->next = it->next;
    else k->head = it->next;
    if (it->next) it->next->prev = it->prev;
    tr->items--;
    if (!k->head) {
        htab_unlink(&tr->keys, util_hash(k->key, k->len), &k->node);
        mem_free(k);
    }
}

/* Invalidates k for every client that may cache it and forgets it; `by`
 * (or NULL) made the change (NOLOOP). */
static void invalidate_tkey(struct server *srv, struct tkey *k, struct client *by)
{
    struct tracking *tr = srv->tracking;
    htab_unlink(&tr->keys, util_hash(k->key, k->len), &k->node);
    struct titem *it = k->head;
    while (it) {
        struct titem *next = it->next;
        struct client *c = it->c;
        htab_unlink(&c->tracking->items, ptr_hash(k), &it->cnode);
        tr->items--;
        if (!((c->tracking->flags & TRK_NOLOOP) && c == by))
            invalidate_for(srv, c, k->key, k->len);
        mem_free(it);
        it = next;
    }
    mem_free(k);
}

static void remember_key(struct client *c, const char *key, size_t len)
{
    struct tracking *tr = c->srv->tracking;
    uint64_t hv = util_hash(key, len);
    struct tkey *k = (struct tkey *)htab_find(&tr->keys, hv, key, len);
    if (!k) {
        k = mem_alloc(sizeof(*k) + len);
        k->node.next = NULL;
        k->head = NULL;
        k->len = (uint32_t)len;
        memcpy(k->key, key, len);
        htab_add(&tr->keys, hv, &k->node);
    } else if (htab_find(&c->tracking->items, ptr_hash(k), &k, sizeof(k))) {
        return; /* already remembered for c */
    }
    struct titem *it = mem_alloc(sizeof(*it));
    it->cnode.next = NULL;
    it->c = c;
    it->k = k;
    it->prev = NULL;
    it->next = k->head;
    if (k->head) k->head->prev = it;
    k->head = it;
    htab_add(&c->tracking->items, ptr_hash(k), &it->cnode);
    tr->items++;
}

void tracking__after_call(struct client *c, struct command *cmd)
{
    if (!(cmd->flags & CMD_READONLY)) return;
    if (c->flags & CLIENT_SCRIPT) {
        /* a script that reads: its caller may cache every key it declared */
        c = c->srv->script_caller;
        if (!c || !c->cmd) return;
        cmd = c->cmd;
    } else if (cmd->group && !strcmp(cmd->group, "scripting")) {
        return; /* EVAL_RO and the like: only the commands they run count */
    }
    if (!(c->flags & CLIENT_TRACKING)) return;
    struct tracking_client *t = c->tracking;
    if (t->flags & TRK_BCAST) return;
    bool caching = t->flags & TRK_CACHING;
    if (((t->flags & TRK_OPTIN) && !caching) || ((t->flags & TRK_OPTOUT) && caching)) return;
    int stack[64];
    int max = c->argc;
    int *idx = max <= 64 ? stack : mem_alloc(sizeof(int) * (size_t)max);
    int n = cmd_get_keys(cmd, c, c->argc, idx, max);
    for (int i = 0; i < n; i++) remember_key(c, ARGS(idx[i]));
    if (idx != stack) mem_free(idx);
}

void tracking__send_pending(struct client *c)
{
    struct server *srv = c->srv;
    struct tracking *tr = srv->tracking;
    if (tr->npend) {
        /* the client may have stopped tracking inside the command */
        if (c->flags & CLIENT_TRACKING) {
            for (size_t i = 0; i < tr->npend; i++) {
                struct slice s = {tr->pend[i].key, tr->pend[i].len};
                send_invalidation(srv, c, tr->pend[i].key ? &s : NULL, 1);
            }
        }
        pend_clear(tr);
    }
}

void tracking__after_command(struct client *c, struct command *cmd)
{
    tracking__send_pending(c);
    /* CLIENT CACHING applies to the next command (or transaction) only */
    if ((c->flags & CLIENT_TRACKING) && (c->tracking->flags & TRK_CACHING) &&
        !(c->flags & (CLIENT_MULTI | CLIENT_PAUSED))) {
        const struct command *top = cmd ? (cmd->parent ? cmd->parent : cmd) : NULL;
        if (!top || strcmp(top->name, "client")) c->tracking->flags &= ~TRK_CACHING;
    }
}

static void free_client_item(struct htab_node *n, void *priv)
{
    struct titem *it = (struct titem *)n;
    item_unlink_key(priv, it);
    mem_free(it);
}

void tracking__limit(struct server *srv)
{
    struct tracking *tr = srv->tracking;
    long long max = srv->cfg.tracking_table_max_keys;
    if (max <= 0 || (long long)htab_size(&tr->keys) <= max) {
        tr->evict_rounds = 0;
        return;
    }
    long long effort = 100LL * (tr->evict_rounds + 1);
    while (effort-- > 0) {
        struct tkey *k = (struct tkey *)htab_random(&tr->keys);
        if (!k) break;
        invalidate_tkey(srv, k, NULL);
        if ((long long)htab_size(&tr->keys) <= max) {
            tr->evict_rounds = 0;
            return;
        }
    }
    tr->evict_rounds++;
}

/* ---- BCAST ---------------------------------------------------------------- */

static void plen_add(struct tracking *tr, uint32_t len)
{
    for (size_t i = 0; i < tr->nplens; i++)
        if (tr->plens[i].len == len) {
            tr->plens[i].count++;
            return;
        }
    if (tr->nplens == tr->plens_cap) {
        tr->plens_cap = tr->plens_cap ? tr->plens_cap * 2 : 4;
        tr->plens = mem_realloc(tr->plens, sizeof(*tr->plens) * tr->plens_cap);
    }
    tr->plens[tr->nplens++] = (struct plen){len, 1};
}

static void plen_del(struct tracking *tr, uint32_t len)
{
    for (size_t i = 0; i < tr->nplens; i++)
        if (tr->plens[i].len == len) {
            if (--tr->plens[i].count == 0) tr->plens[i] = tr->plens[--tr->nplens];
            return;
        }
}

static void free_pkey(struct htab_node *n, void *priv) { mem_free(n); }

static void prefix_clear_keys(struct tracking *tr, struct tprefix *p)
{
    if (!htab_size(&p->keys)) return;
    htab_deinit(&p->keys, free_pkey, NULL);
    htab_init(&p->keys, &pkey_type);
    tr->pending_prefixes--;
}

static void sub_prefix(struct client *c, const char *name, size_t len)
{
    struct tracking *tr = c->srv->tracking;
    struct tracking_client *t = c->tracking;
    for (struct tsub *s = t->subs; s; s = s->cnext)
        if (s->p->len == len && !memcmp(s->p->name, name, len)) return;
    uint64_t hv = util_hash(name, len);
    struct tprefix *p = (struct tprefix *)htab_find(&tr->prefixes, hv, name, len);
    if (!p) {
        p = mem_alloc(sizeof(*p) + (len ? len : 1));
        p->node.next = NULL;
        p->head = NULL;
        p->nsubs = 0;
        htab_init(&p->keys, &pkey_type);
        p->len = (uint32_t)len;
        memcpy(p->name, name, len);
        htab_add(&tr->prefixes, hv, &p->node);
        plen_add(tr, p->len);
    }
    struct tsub *s = mem_alloc(sizeof(*s));
    s->c = c;
    s->p = p;
    s->prev = NULL;
    s->next = p->head;
    if (p->head) p->head->prev = s;
    p->head = s;
    p->nsubs++;
    s->cnext = t->subs;
    t->subs = s;
}

static void unsub_all(struct client *c)
{
    struct tracking *tr = c->srv->tracking;
    struct tsub *s = c->tracking->subs;
    while (s) {
        struct tsub *next = s->cnext;
        struct tprefix *p = s->p;
        if (s->prev) s->prev->next = s->next;
        else p->head = s->next;
        if (s->next) s->next->prev = s->prev;
        if (--p->nsubs == 0) {
            prefix_clear_keys(tr, p);
            htab_deinit(&p->keys, NULL, NULL);
            htab_unlink(&tr->prefixes, util_hash(p->name, p->len), &p->node);
            plen_del(tr, p->len);
            mem_free(p);
        }
        mem_free(s);
        s = next;
    }
    c->tracking->subs = NULL;
}

/* Queue key on every prefix it starts with. */
static void queue_for_broadcast(struct server *srv, const char *key, size_t klen)
{
    struct tracking *tr = srv->tracking;
    struct client *cur = running_client(srv);
    uint64_t by = cur ? cur->id : 0;
    for (size_t i = 0; i < tr->nplens; i++) {
        uint32_t plen = tr->plens[i].len;
        if (plen > klen) continue;
        struct tprefix *p =
            (struct tprefix *)htab_find(&tr->prefixes, util_hash(key, plen), key, plen);
        if (!p) continue;
        uint64_t hv = util_hash(key, klen);
        struct pkey *pk = (struct pkey *)htab_find(&p->keys, hv, key, klen);
        if (!pk) {
            if (!htab_size(&p->keys)) tr->pending_prefixes++;
            pk = mem_alloc(sizeof(*pk) + (klen ? klen : 1));
            pk->node.next = NULL;
            pk->len = (uint32_t)klen;
            memcpy(pk->key, key, klen);
            htab_add(&p->keys, hv, &pk->node);
        }
        pk->by = by;
    }
}

struct keyvec {
    struct slice *v;
    uint64_t *by;
    size_t n;
};

static void collect_pkey(struct htab_node *n, void *priv)
{
    struct keyvec *kv = priv;
    struct pkey *pk = (struct pkey *)n;
    kv->v[kv->n] = (struct slice){pk->key, pk->len};
    kv->by[kv->n] = pk->by;
    kv->n++;
}

static void broadcast_prefix(struct htab_node *n, void *priv)
{
    struct server *srv = priv;
    struct tprefix *p = (struct tprefix *)n;
    size_t total = htab_size(&p->keys);
    if (!total) return;
    struct keyvec kv = {mem_alloc(sizeof(struct slice) * total), mem_alloc(sizeof(uint64_t) * total),
                        0};
    htab_foreach(&p->keys, collect_pkey, &kv);
    struct slice *mine = NULL;
    for (struct tsub *s = p->head; s; s = s->next) {
        struct client *c = s->c;
        if (c->tracking->flags & TRK_NOLOOP) {
            /* leave out the keys this client changed itself */
            if (!mine) mine = mem_alloc(sizeof(struct slice) * total);
            size_t m = 0;
            for (size_t i = 0; i < kv.n; i++)
                if (kv.by[i] != c->id) mine[m++] = kv.v[i];
            if (m) send_invalidation(srv, c, mine, m);
        } else {
            send_invalidation(srv, c, kv.v, kv.n);
        }
    }
    mem_free(mine);
    mem_free(kv.v);
    mem_free(kv.by);
}

static void clear_prefix_keys(struct htab_node *n, void *priv)
{
    prefix_clear_keys(priv, (struct tprefix *)n);
}

bool tracking__broadcast_pending(const struct server *srv)
{
    return srv->tracking->pending_prefixes > 0;
}

void tracking__broadcast(struct server *srv)
{
    struct tracking *tr = srv->tracking;
    htab_foreach(&tr->prefixes, broadcast_prefix, srv);
    htab_foreach(&tr->prefixes, clear_prefix_keys, tr);
}

/* ---- changes -------------------------------------------------------------- */

void tracking__key_changed(struct server *srv, const char *key, size_t klen)
{
    struct tracking *tr = srv->tracking;
    if (tr->nplens) queue_for_broadcast(srv, key, klen);
    if (!htab_size(&tr->keys)) return;
    struct tkey *k = (struct tkey *)htab_find(&tr->keys, util_hash(key, klen), key, klen);
    if (k) invalidate_tkey(srv, k, running_client(srv));
}

static void flush_client_items(struct htab_node *n, void *priv)
{
    struct tkey *k = (struct tkey *)n;
    struct titem *it = k->head;
    while (it) {
        struct titem *next = it->next;
        htab_unlink(&it->c->tracking->items, ptr_hash(k), &it->cnode);
        mem_free(it);
        it = next;
    }
    mem_free(k);
}

void tracking_flush(struct server *srv)
{
    if (!srv->tracking_clients) return;
    struct tracking *tr = srv->tracking;
    for (struct client *c = srv->clients_head; c; c = c->next) {
        if (!(c->flags & CLIENT_TRACKING)) continue;
        if (c == running_client(srv)) pend_add(tr, NULL, 0);
        else send_invalidation(srv, c, NULL, 0);
    }
    htab_deinit(&tr->keys, flush_client_items, NULL);
    htab_init(&tr->keys, &tkey_type);
    tr->items = 0;
}

/* ---- per client ----------------------------------------------------------- */

void tracking_disable(struct client *c)
{
    if (!(c->flags & CLIENT_TRACKING)) return;
    struct tracking_client *t = c->tracking;
    struct tracking *tr = c->srv->tracking;
    /* what was queued for the running command goes nowhere now */
    if (c == c->srv->current) pend_clear(tr);
    htab_deinit(&t->items, free_client_item, tr);
    unsub_all(c);
    mem_free(t);
    c->tracking = NULL;
    c->flags &= ~CLIENT_TRACKING;
    c->srv->tracking_clients--;
}

void tracking_stats(const struct server *srv, long long *keys, long long *items,
                    long long *prefixes)
{
    const struct tracking *tr = srv->tracking;
    *keys = (long long)htab_size(&tr->keys);
    *items = tr->items;
    *prefixes = (long long)htab_size(&tr->prefixes);
}

int tracking_client_flags(const struct client *c, char *p)
{
    if (!(c->flags & CLIENT_TRACKING)) return 0;
    int n = 0;
    p[n++] = 't';
    if (c->tracking->flags & TRK_BROKEN) p[n++] = 'R';
    if (c->tracking->flags & TRK_BCAST) p[n++] = 'B';
    return n;
}

long long tracking_client_redirect(const struct client *c)
{
    return (c->flags & CLIENT_TRACKING) ? (long long)c->tracking->redirect : -1;
}

/* ---- commands ------------------------------------------------------------- */

static bool arg_is(const struct client *c, int i, const char *s)
{
    return util_eqi(c->argv[i].p, c->argv[i].len, s);
}

/* Does one of a, b start with the other? */
static bool prefixes_overlap(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    return memcmp(a, b, n) == 0;
}

/* BCAST prefixes must not overlap those the client has, nor each other. */
static bool check_prefixes(struct client *c, const int *pi, int np)
{
    struct tracking_client *t = (c->flags & CLIENT_TRACKING) ? c->tracking : NULL;
    for (int i = 0; i < np; i++) {
        const struct slice *a = &c->argv[pi[i]];
        for (struct tsub *s = t ? t->subs : NULL; s; s = s->cnext) {
            if (prefixes_overlap(a->p, a->len, s->p->name, s->p->len)) {
                reply_errorf(c,
                             "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. "
                             "Prefixes for a single client must not overlap.",
                             (int)a->len, a->p, (int)s->p->len, s->p->name);
                return false;
            }
        }
        for (int j = i + 1; j < np; j++) {
            const struct slice *b = &c->argv[pi[j]];
            if (prefixes_overlap(a->p, a->len, b->p, b->len)) {
                reply_errorf(c,
                             "ERR Prefix '%.*s' overlaps with another provided prefix '%.*s'. "
                             "Prefixes for a single client must not overlap.",
                             (int)a->len, a->p, (int)b->len, b->p);
                return false;
            }
        }
    }
    return true;
}

/* CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
 * [OPTOUT] [NOLOOP] */
void client_tracking_cmd(struct client *c)
{
    struct server *srv = c->srv;
    long long redir = 0;
    unsigned opts = 0;
    int stack[16];
    int *pi = stack, np = 0, pcap = 16;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (arg_is(c, j, "redirect") && more) {
            j++;
            if (redir != 0) {
                reply_error(c, "ERR A client can only redirect to a single other client");
                goto out;
            }
            if (!util_str2ll(ARGS(j), &redir)) {
                reply_err_notint(c);
                goto out;
            }
            if (redir <= 0 || !client_by_id(srv, (uint64_t)redir)) {
                reply_error(c, "ERR The client ID you want redirect to does not exist");
                goto out;
            }
        } else if (arg_is(c, j, "bcast")) {
            opts |= TRK_BCAST;
        } else if (arg_is(c, j, "optin")) {
            opts |= TRK_OPTIN;
        } else if (arg_is(c, j, "optout")) {
            opts |= TRK_OPTOUT;
        } else if (arg_is(c, j, "noloop")) {
            opts |= TRK_NOLOOP;
        } else if (arg_is(c, j, "prefix") && more) {
            j++;
            if (np == pcap) {
                pcap *= 2;
                int *n = mem_alloc(sizeof(int) * (size_t)pcap);
                memcpy(n, pi, sizeof(int) * (size_t)np);
                if (pi != stack) mem_free(pi);
                pi = n;
            }
            pi[np++] = j;
        } else {
            reply_err_syntax(c);
            goto out;
        }
    }
    if (arg_is(c, 2, "on")) {
        bool tracking = c->flags & CLIENT_TRACKING;
        unsigned old = tracking ? c->tracking->flags : 0;
        if (!(opts & TRK_BCAST) && np) {
            reply_error(c, "ERR PREFIX option requires BCAST mode to be enabled");
            goto out;
        }
        if (tracking && ((old ^ opts) & TRK_BCAST)) {
            reply_error(c, "ERR You can't switch BCAST mode on/off before disabling tracking for "
                           "this client, and then re-enabling it with a different mode.");
            goto out;
        }
        if ((opts & TRK_BCAST) && (opts & (TRK_OPTIN | TRK_OPTOUT))) {
            reply_error(c, "ERR OPTIN and OPTOUT are not compatible with BCAST");
            goto out;
        }
        if ((opts & TRK_OPTIN) && (opts & TRK_OPTOUT)) {
            reply_error(c, "ERR You can't use both OPTIN and OPTOUT");
            goto out;
        }
        if (((opts & TRK_OPTIN) && (old & TRK_OPTOUT)) ||
            ((opts & TRK_OPTOUT) && (old & TRK_OPTIN))) {
            reply_error(c, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                           "this client, and then re-enabling it with a different mode.");
            goto out;
        }
        if ((opts & TRK_BCAST) && !check_prefixes(c, pi, np)) goto out;
        if (!tracking) {
            struct tracking_client *t = mem_calloc(sizeof(*t));
            htab_init(&t->items, &item_type);
            c->tracking = t;
            c->flags |= CLIENT_TRACKING;
            srv->tracking_clients++;
        }
        struct tracking_client *t = c->tracking;
        t->flags = (t->flags & TRK_CACHING) | opts;
        t->redirect = (uint64_t)redir;
        if (opts & TRK_BCAST) {
            if (np == 0) sub_prefix(c, "", 0);
            for (int i = 0; i < np; i++) sub_prefix(c, ARGS(pi[i]));
        }
    } else if (arg_is(c, 2, "off")) {
        tracking_disable(c);
    } else {
        reply_err_syntax(c);
        goto out;
    }
    reply_ok(c);
out:
    if (pi != stack) mem_free(pi);
}

/* CLIENT CACHING YES|NO: the next command's keys are (OPTIN) or are not
 * (OPTOUT) remembered. */
void client_caching_cmd(struct client *c)
{
    if (!(c->flags & CLIENT_TRACKING)) {
        reply_error(c, "ERR CLIENT CACHING can be called only when the client is in tracking mode "
                       "with OPTIN or OPTOUT mode enabled");
        return;
    }
    struct tracking_client *t = c->tracking;
    if (arg_is(c, 2, "yes")) {
        if (!(t->flags & TRK_OPTIN)) {
            reply_error(c, "ERR CLIENT CACHING YES is only valid when tracking is enabled in "
                           "OPTIN mode.");
            return;
        }
    } else if (arg_is(c, 2, "no")) {
        if (!(t->flags & TRK_OPTOUT)) {
            reply_error(c, "ERR CLIENT CACHING NO is only valid when tracking is enabled in "
                           "OPTOUT mode.");
            return;
        }
    } else {
        reply_err_syntax(c);
        return;
    }
    t->flags |= TRK_CACHING;
    reply_ok(c);
}

void client_getredir_cmd(struct client *c)
{
    reply_ll(c, tracking_client_redirect(c));
}

void client_trackinginfo_cmd(struct client *c)
{
    struct tracking_client *t = (c->flags & CLIENT_TRACKING) ? c->tracking : NULL;
    unsigned f = t ? t->flags : 0;
    const char *flags[8];
    int n = 0;
    flags[n++] = t ? "on" : "off";
    if (f & TRK_BCAST) flags[n++] = "bcast";
    if (f & TRK_OPTIN) {
        flags[n++] = "optin";
        if (f & TRK_CACHING) flags[n++] = "caching-yes";
    }
    if (f & TRK_OPTOUT) {
        flags[n++] = "optout";
        if (f & TRK_CACHING) flags[n++] = "caching-no";
    }
    if (f & TRK_NOLOOP) flags[n++] = "noloop";
    if (f & TRK_BROKEN) flags[n++] = "broken_redirect";
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    reply_set(c, n);
    for (int i = 0; i < n; i++) reply_bulk_cstr(c, flags[i]);
    reply_bulk_cstr(c, "redirect");
    reply_ll(c, tracking_client_redirect(c));
    reply_bulk_cstr(c, "prefixes");
    long long np = 0;
    for (struct tsub *s = t ? t->subs : NULL; s; s = s->cnext) np++;
    reply_array(c, np);
    for (struct tsub *s = t ? t->subs : NULL; s; s = s->cnext) reply_bulk(c, s->p->name, s->p->len);
}
