/* multi: MULTI, EXEC, DISCARD; see multi.h. */
#include "core/multi.h"

#include "base/mem.h"
#include "core/client.h"
#include "base/htab.h"
#include "base/util.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/reply.h"
#include "core/server.h"

#include <stdint.h>
#include <string.h>

struct queued {
    struct command *cmd;
    int argc;
    struct slice *argv; /* points into the same allocation */
};

struct multi_state {
    struct queued *q;
    int n, cap;
    uint32_t any_flags; /* OR of the queued commands' flags */
    uint32_t inv_flags; /* OR of their complements: a flag some command lacks */
};

void multi_queued_flags(const struct client *c, uint32_t *any, uint32_t *lacking)
{
    const struct multi_state *m = c->mstate;
    *any = m ? m->any_flags : 0;
    *lacking = m ? m->inv_flags : 0;
}

int multi_queued_count(const struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) return -1;
    return c->mstate ? c->mstate->n : 0;
}

bool multi_runs_now(const struct command *cmd)
{
    const char *n = cmd->parent ? cmd->parent->name : cmd->name;
    return !strcmp(n, "exec") || !strcmp(n, "discard") || !strcmp(n, "multi") ||
           !strcmp(n, "quit") || !strcmp(n, "reset") || !strcmp(n, "watch");
}

void multi_queue(struct client *c, struct command *cmd)
{
    struct multi_state *m = c->mstate;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->q = mem_realloc(m->q, sizeof(*m->q) * (size_t)m->cap);
    }
    size_t bytes = sizeof(struct slice) * (size_t)c->argc;
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].len;
    struct slice *argv = mem_alloc(bytes ? bytes : 1);
    char *data = (char *)(argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(data, c->argv[i].p, c->argv[i].len);
        argv[i].p = data;
        argv[i].len = c->argv[i].len;
        data += c->argv[i].len;
    }
    m->q[m->n++] = (struct queued){cmd, c->argc, argv};
    m->any_flags |= cmd->flags;
    m->inv_flags |= ~cmd->flags;
    reply_raw(c, "+QUEUED\r\n", 9);
}

/* ---- WATCH ------------------------------------------------------------------
 *
 * The server's table maps (db id, key) to the list of its watchers; each
 * client keeps a singly linked list of its own watcher nodes. One node is
 * in both lists. */

struct watcher {
    struct watcher *prev, *next; /* in the key's list */
    struct watcher *cnext;       /* in the client's list */
    struct client *c;
    struct wkey *wk;
    bool expired; /* the key was logically expired when watched */
};

struct wkey {
    struct htab_node node;
    struct watcher *head;
    struct db *db;
    uint32_t len; /* of ck */
    char ck[];    /* 4 bytes of db id, then the key */
};

struct watch_table {
    struct htab keys;
};

static uint64_t wkey_hash(const struct htab_node *n)
{
    const struct wkey *w = (const struct wkey *)n;
    return util_hash(w->ck, w->len);
}

static bool wkey_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct wkey *w = (const struct wkey *)n;
    return w->len == klen && memcmp(w->ck, key, klen) == 0;
}

static const struct htab_type wkey_type = {wkey_hash, wkey_eq};

void watch_init(struct server *srv)
{
    srv->watch = mem_alloc(sizeof(*srv->watch));
    htab_init(&srv->watch->keys, &wkey_type);
}

void watch_deinit(struct server *srv)
{
    htab_deinit(&srv->watch->keys, NULL, NULL); /* clients went first */
    mem_free(srv->watch);
    srv->watch = NULL;
}

/* The composite lookup key: db id, then the key bytes. */
static char *ckey(int dbid, const char *key, size_t klen, char *stack, size_t cap, size_t *len)
{
    *len = 4 + klen;
    char *b = *len <= cap ? stack : mem_alloc(*len);
    uint32_t id = (uint32_t)dbid;
    memcpy(b, &id, 4);
    memcpy(b + 4, key, klen);
    return b;
}

/* Is key present in db and not logically expired? */
static bool exists_live(struct server *srv, struct db *db, const char *key, size_t klen)
{
    struct kentry *ke = db_find_raw(db, key, klen);
    return ke && !db_entry_expired(&srv->ks, db, ke);
}

static void watch_key(struct client *c, const char *key, size_t klen)
{
    struct server *srv = c->srv;
    for (struct watcher *w = c->watched; w; w = w->cnext)
        if (w->wk->db == c->db && w->wk->len == klen + 4 && !memcmp(w->wk->ck + 4, key, klen))
            return; /* already watched */
    char stack[256];
    size_t len;
    char *ck = ckey(c->db->id, key, klen, stack, sizeof(stack), &len);
    uint64_t hv = util_hash(ck, len);
    struct wkey *wk = (struct wkey *)htab_find(&srv->watch->keys, hv, ck, len);
    if (!wk) {
        wk = mem_alloc(sizeof(*wk) + len);
        wk->node.next = NULL;
        wk->head = NULL;
        wk->db = c->db;
        wk->len = (uint32_t)len;
        memcpy(wk->ck, ck, len);
        htab_add(&srv->watch->keys, hv, &wk->node);
        srv->watching++;
    }
    if (ck != stack) mem_free(ck);
    struct watcher *w = mem_alloc(sizeof(*w));
    struct kentry *ke = db_find_raw(c->db, key, klen);
    w->expired = ke && db_entry_expired(&srv->ks, c->db, ke);
    w->c = c;
    w->wk = wk;
    w->prev = NULL;
    w->next = wk->head;
    if (wk->head) wk->head->prev = w;
    wk->head = w;
    w->cnext = c->watched;
    c->watched = w;
}

void watch_unwatch_all(struct client *c)
{
    struct server *srv = c->srv;
    struct watcher *w = c->watched;
    while (w) {
        struct watcher *next = w->cnext;
        struct wkey *wk = w->wk;
        if (w->prev) w->prev->next = w->next;
        else wk->head = w->next;
        if (w->next) w->next->prev = w->prev;
        if (!wk->head) {
            htab_unlink(&srv->watch->keys, util_hash(wk->ck, wk->len), &wk->node);
            mem_free(wk);
            srv->watching--;
        }
        mem_free(w);
        w = next;
    }
    c->watched = NULL;
    c->flags &= ~CLIENT_DIRTY_CAS;
}

static void touch_wkey(struct server *srv, struct wkey *wk, bool expired_delete)
{
    for (struct watcher *w = wk->head; w; w = w->next) {
        if (w->expired) {
            /* watched while already expired: its deletion as expired (or
             * a write that finds it gone) changes nothing logically */
            if (expired_delete ||
                !db_find_raw(wk->db, wk->ck + 4, wk->len - 4)) {
                w->expired = false;
                continue;
            }
        }
        w->c->flags |= CLIENT_DIRTY_CAS;
    }
}

void watch__touch(struct server *srv, int dbid, const char *key, size_t klen, bool expired)
{
    char stack[256];
    size_t len;
    char *ck = ckey(dbid, key, klen, stack, sizeof(stack), &len);
    struct wkey *wk = (struct wkey *)htab_find(&srv->watch->keys, util_hash(ck, len), ck, len);
    if (ck != stack) mem_free(ck);
    if (wk) touch_wkey(srv, wk, expired);
}

struct touch_db_ctx {
    struct server *srv;
    struct db *db, *other;
};

static void touch_db_visit(struct htab_node *n, void *priv)
{
    struct touch_db_ctx *t = priv;
    struct wkey *wk = (struct wkey *)n;
    if (wk->db != t->db) return;
    const char *key = wk->ck + 4;
    size_t klen = wk->len - 4;
    if (exists_live(t->srv, t->db, key, klen) ||
        (t->other && exists_live(t->srv, t->other, key, klen))) {
        for (struct watcher *w = wk->head; w; w = w->next) w->c->flags |= CLIENT_DIRTY_CAS;
    }
}

void watch_touch_db(struct server *srv, struct db *db, struct db *other)
{
    if (!htab_size(&srv->watch->keys)) return;
    struct touch_db_ctx t = {srv, db, other};
    htab_foreach(&srv->watch->keys, touch_db_visit, &t);
}

/* A watched key that was live when watched and has expired since (even if
 * nobody deleted it yet) fails EXEC. */
static bool watched_key_expired(struct client *c)
{
    for (struct watcher *w = c->watched; w; w = w->cnext) {
        if (w->expired) continue;
        struct kentry *ke = db_find_raw(w->wk->db, w->wk->ck + 4, w->wk->len - 4);
        if (ke && db_entry_expired(&c->srv->ks, w->wk->db, ke)) return true;
    }
    return false;
}

static void watch_cmd(struct client *c)
{
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* a client already dirty gains nothing by watching more */
    if (!(c->flags & CLIENT_DIRTY_CAS))
        for (int i = 1; i < c->argc; i++) watch_key(c, c->argv[i].p, c->argv[i].len);
    reply_ok(c);
}

static void unwatch_cmd(struct client *c)
{
    watch_unwatch_all(c);
    reply_ok(c);
}

void multi_discard(struct client *c)
{
    struct multi_state *m = c->mstate;
    if (m) {
        for (int i = 0; i < m->n; i++) mem_free(m->q[i].argv);
        mem_free(m->q);
        mem_free(m);
        c->mstate = NULL;
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_MULTI_DIRTY);
    watch_unwatch_all(c);
}

static void multi_cmd(struct client *c)
{
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->mstate = mem_calloc(sizeof(*c->mstate));
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_cmd(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    reply_ok(c);
}

static void exec_cmd(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_MULTI_DIRTY) {
        multi_discard(c);
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    if ((c->flags & CLIENT_DIRTY_CAS) || watched_key_expired(c)) {
        multi_discard(c);
        reply_null_array(c);
        return;
    }
    watch_unwatch_all(c); /* before running: the transaction's own writes don't count */
    struct multi_state *m = c->mstate;
    c->mstate = NULL;
    c->flags &= ~CLIENT_MULTI;
    /* EXEC's own argv is the request in the query buffer: keep it aside */
    int argc = c->argc;
    struct slice *argv = c->argv;
    struct command *self = c->cmd;
    reply_array(c, m->n);
    uint32_t deny = c->flags & CLIENT_DENY_BLOCKING;
    c->flags |= CLIENT_DENY_BLOCKING; /* a blocking command answers as on timeout */
    for (int i = 0; i < m->n; i++) {
        c->argc = m->q[i].argc;
        c->argv = m->q[i].argv;
        cmd_call(c, m->q[i].cmd);
    }
    if (!deny) c->flags &= ~CLIENT_DENY_BLOCKING;
    c->argc = argc;
    c->argv = argv;
    c->cmd = self;
    for (int i = 0; i < m->n; i++) mem_free(m->q[i].argv);
    mem_free(m->q);
    mem_free(m);
}

struct command multi_commands[] = {
    {"watch", watch_cmd, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 1,
     -1, 1, "@fast @transaction", "Monitors changes to keys to determine the execution of a "
     "transaction.", "2.2.0", "transactions"},
    {"unwatch", unwatch_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     0, 0, 0, "@fast @transaction", "Forgets about watched keys of a transaction.", "2.2.0",
     "transactions"},
    {"multi", multi_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0,
     0, 0, "@fast @transaction", "Starts a transaction", "1.2.0", "transactions"},
    {"exec", exec_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, 0, 0, 0,
     "@slow @transaction", "Executes all commands in a transaction", "1.2.0", "transactions"},
    {"discard", discard_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     0, 0, 0, "@fast @transaction", "Discards a transaction", "2.0.0", "transactions"},
    {NULL}};
