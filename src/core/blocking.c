/* blocking: clients waiting on keys; see blocking.h for the contract.
 *
 * Structures.
 *  - Per db, a table of waited keys: struct bkey = the key bytes and the
 *    FIFO (doubly linked) of struct bwait, one per client waiting on it.
 *  - Per blocked client, one allocation (c->bstate): the retry callback,
 *    the deadline and heap slot, its bwait array (one per distinct key),
 *    then the type's state bytes.
 *  - The ready list: keys signalled since the last serve, each once
 *    (bkey.ready), in signalling order.
 *  - The deadline heap: blocked clients with a deadline, earliest first,
 *    each knowing its slot; one loop timer armed at the earliest deadline.
 *  - Unblocked clients whose pending input must still run, by id (a
 *    client freed meanwhile is simply not found).
 *
 * Invariants.
 *  1. c->flags & CLIENT_BLOCKED  <=>  c->bstate != NULL, and then each of
 *     its bwaits is linked in its bkey's FIFO.
 *  2. ks.key_waiters == number of clients with a bstate.
 *  3. A bkey is freed when its FIFO is empty, unless it is on the ready
 *     list or being served (pin); those free it when they finish with it.
 */
#include "core/blocking.h"

#include "base/htab.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/reply.h"
#include "core/server.h"
#include "core/tracking.h"
#include "ev/ev.h"

#include <limits.h>
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

struct bwait;

struct bkey {
    struct htab_node node;
    struct bwait *head, *tail;
    struct bkey *ready_next;
    struct db *db;
    bool ready;
    int pin;
    size_t klen;
    char key[];
};

struct bwait {
    struct bwait *prev, *next;
    struct bkey *bk;
    struct client *c;
};

struct blocked_state {
    blocking_retry_fn *retry;
    long long deadline; /* unix ms, 0 = none */
    size_t heap_idx;    /* slot in the deadline heap, or NO_SLOT */
    int nwaits;
    struct bwait *waits;
    void *state;
};

#define NO_SLOT SIZE_MAX

struct blocking {
    struct htab *keys; /* one table per db */
    int ndb;
    struct bkey *ready_head, *ready_tail;
    struct client **heap;
    size_t nheap, heap_cap;
    long long timer_id; /* 0 when no timer is armed */
    long long timer_at; /* the deadline it is armed for */
    uint64_t *unblocked;
    size_t nunblocked, unblocked_cap;
};

static uint64_t bkey_hash(const struct htab_node *n)
{
    const struct bkey *b = (const struct bkey *)n;
    return util_hash(b->key, b->klen);
}

static bool bkey_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct bkey *b = (const struct bkey *)n;
    return b->klen == klen && memcmp(b->key, key, klen) == 0;
}

static const struct htab_type bkey_type = {bkey_hash, bkey_eq};

static void key_added(struct keyspace *ks, struct db *db, const char *key, size_t klen, void *priv)
{
    blocking__signal(priv, db, key, klen);
}

void blocking_init(struct server *srv)
{
    struct blocking *b = mem_calloc(sizeof(*b));
    b->ndb = srv->ks.ndb;
    b->keys = mem_calloc(sizeof(struct htab) * (size_t)b->ndb);
    for (int i = 0; i < b->ndb; i++) htab_init(&b->keys[i], &bkey_type);
    srv->blocking = b;
    srv->ks.on_key_added = key_added;
    srv->ks.on_key_added_priv = srv;
}

static void free_bkey_cb(struct htab_node *n, void *priv) { mem_free(n); }

void blocking_deinit(struct server *srv)
{
    struct blocking *b = srv->blocking;
    if (!b) return;
    /* clients were freed first (blocking_client_gone); what is left are
     * keys only the ready list still held */
    for (int i = 0; i < b->ndb; i++) htab_deinit(&b->keys[i], free_bkey_cb, NULL);
    mem_free(b->keys);
    mem_free(b->heap);
    mem_free(b->unblocked);
    mem_free(b);
    srv->blocking = NULL;
    srv->ks.on_key_added = NULL;
}

/* ---- timeouts: a min-heap of clients by deadline ------------------------- */

static long long deadline_of(struct client *c) { return c->bstate->deadline; }

static void heap_set(struct blocking *b, size_t i, struct client *c)
{
    b->heap[i] = c;
    c->bstate->heap_idx = i;
}

static void heap_up(struct blocking *b, size_t i)
{
    struct client *c = b->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (deadline_of(b->heap[p]) <= deadline_of(c)) break;
        heap_set(b, i, b->heap[p]);
        i = p;
    }
    heap_set(b, i, c);
}

static void heap_down(struct blocking *b, size_t i)
{
    struct client *c = b->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        long long best = deadline_of(c);
        if (l < b->nheap && deadline_of(b->heap[l]) < best) {
            m = l;
            best = deadline_of(b->heap[l]);
        }
        if (l + 1 < b->nheap && deadline_of(b->heap[l + 1]) < best) m = l + 1;
        if (m == i) break;
        heap_set(b, i, b->heap[m]);
        i = m;
    }
    heap_set(b, i, c);
}

static void heap_remove(struct blocking *b, struct client *c)
{
    size_t i = c->bstate->heap_idx;
    if (i == NO_SLOT) return;
    c->bstate->heap_idx = NO_SLOT;
    struct client *last = b->heap[--b->nheap];
    if (i == b->nheap) return;
    b->heap[i] = last;
    last->bstate->heap_idx = i;
    heap_down(b, i);
    heap_up(b, last->bstate->heap_idx);
}

static long long timeout_timer(struct ev_loop *loop, long long id, void *data);

/* Arm the loop timer for the earliest deadline if it is not armed earlier. */
static void timer_arm(struct server *srv)
{
    struct blocking *b = srv->blocking;
    if (b->nheap == 0) return;
    long long at = deadline_of(b->heap[0]);
    if (b->timer_id && b->timer_at <= at) return;
    if (b->timer_id) ev_timer_del(srv->loop, b->timer_id);
    long long delay = at - util_mstime();
    b->timer_id = ev_timer_add(srv->loop, delay > 0 ? delay : 0, timeout_timer, srv);
    b->timer_at = at;
}

static void unblock(struct server *srv, struct client *c, bool run_input);

static long long timeout_timer(struct ev_loop *loop, long long id, void *data)
{
    struct server *srv = data;
    struct blocking *b = srv->blocking;
    server_update_time(srv);
    long long now = util_mstime();
    while (b->nheap && deadline_of(b->heap[0]) <= now) {
        struct client *c = b->heap[0];
        reply_null_array(c);
        unblock(srv, c, true);
    }
    if (b->nheap == 0) {
        b->timer_id = 0;
        return EV_TIMER_STOP;
    }
    b->timer_at = deadline_of(b->heap[0]);
    long long delay = b->timer_at - now;
    return delay > 0 ? delay : 1;
}

/* ---- blocking and unblocking -------------------------------------------- */

bool blocking_parse_timeout(struct client *c, const struct slice *arg, long long *deadline_ms)
{
    long double secs;
    if (!util_str2ld(arg->p, arg->len, &secs)) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return false;
    }
    long double ms = secs * 1000.0L;
    /* As Redis: milliseconds rounded up (0.0001 s waits 1 ms, not
     * forever; -0.0001 s rounds to 0: no timeout), and what does not fit
     * in 64 bits (inf, 1e30) is reported negative */
    if (!(ms > -9.2e18L && ms < 9.2e18L)) {
        reply_error(c, "ERR timeout is negative");
        return false;
    }
    long long t = (long long)ceill(ms);
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return false;
    }
    if (t == 0) {
        *deadline_ms = 0;
        return true;
    }
    long long now = server_now_ms(c->srv);
    *deadline_ms = t > LLONG_MAX - now ? LLONG_MAX : now + t;
    return true;
}

bool blocking_allowed(const struct client *c) { return !(c->flags & CLIENT_DENY_BLOCKING); }

void blocking_block(struct client *c, const struct slice *keys, int nkeys, long long deadline_ms,
                    blocking_retry_fn *retry, const void *state, size_t state_len)
{
    struct server *srv = c->srv;
    struct blocking *b = srv->blocking;
    size_t waits_off = (sizeof(struct blocked_state) + alignof(struct bwait) - 1) /
                       alignof(struct bwait) * alignof(struct bwait);
    size_t state_off = waits_off + sizeof(struct bwait) * (size_t)nkeys;
    state_off = (state_off + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
    char *mem = mem_alloc(state_off + (state_len ? state_len : 1));
    struct blocked_state *st = (struct blocked_state *)mem;
    st->retry = retry;
    st->deadline = deadline_ms;
    st->heap_idx = NO_SLOT;
    st->nwaits = 0;
    st->waits = (struct bwait *)(mem + waits_off);
    st->state = mem + state_off;
    if (state_len) memcpy(st->state, state, state_len);
    struct htab *t = &b->keys[c->db->id];
    for (int i = 0; i < nkeys; i++) {
        uint64_t h = util_hash(keys[i].p, keys[i].len);
        struct bkey *bk = (struct bkey *)htab_find(t, h, keys[i].p, keys[i].len);
        if (!bk) {
            bk = mem_alloc(sizeof(*bk) + keys[i].len + 1);
            memset(bk, 0, sizeof(*bk));
            bk->db = c->db;
            bk->klen = keys[i].len;
            memcpy(bk->key, keys[i].p, keys[i].len);
            bk->key[bk->klen] = '\0';
            htab_add(t, h, &bk->node);
        } else {
            bool dup = false; /* BLPOP k k 0 waits once */
            for (int j = 0; j < st->nwaits && !dup; j++) dup = st->waits[j].bk == bk;
            if (dup) continue;
        }
        struct bwait *w = &st->waits[st->nwaits++];
        w->bk = bk;
        w->c = c;
        w->next = NULL;
        w->prev = bk->tail;
        if (bk->tail) bk->tail->next = w;
        else bk->head = w;
        bk->tail = w;
    }
    c->bstate = st;
    c->flags |= CLIENT_BLOCKED;
    srv->ks.key_waiters++;
    if (deadline_ms) {
        if (b->nheap == b->heap_cap) {
            b->heap_cap = b->heap_cap ? b->heap_cap * 2 : 16;
            b->heap = mem_realloc(b->heap, sizeof(*b->heap) * b->heap_cap);
        }
        b->heap[b->nheap] = c;
        st->heap_idx = b->nheap++;
        heap_up(b, st->heap_idx);
        timer_arm(srv);
    }
}

static void bkey_maybe_free(struct blocking *b, struct bkey *bk)
{
    if (bk->head || bk->ready || bk->pin) return;
    htab_unlink(&b->keys[bk->db->id], util_hash(bk->key, bk->klen), &bk->node);
    mem_free(bk);
}

/* Leave every wait list; with run_input, c's pending input runs from
 * before_sleep. */
static void unblock(struct server *srv, struct client *c, bool run_input)
{
    struct blocking *b = srv->blocking;
    struct blocked_state *st = c->bstate;
    for (int i = 0; i < st->nwaits; i++) {
        struct bwait *w = &st->waits[i];
        struct bkey *bk = w->bk;
        if (w->prev) w->prev->next = w->next;
        else bk->head = w->next;
        if (w->next) w->next->prev = w->prev;
        else bk->tail = w->prev;
        bkey_maybe_free(b, bk);
    }
    heap_remove(b, c);
    mem_free(st);
    c->bstate = NULL;
    c->flags &= ~CLIENT_BLOCKED;
    srv->ks.key_waiters--;
    if (run_input) {
        if (b->nunblocked == b->unblocked_cap) {
            b->unblocked_cap = b->unblocked_cap ? b->unblocked_cap * 2 : 16;
            b->unblocked = mem_realloc(b->unblocked, sizeof(*b->unblocked) * b->unblocked_cap);
        }
        b->unblocked[b->nunblocked++] = c->id;
    }
}

bool blocking_unblock(struct client *c, enum blocking_end how)
{
    if (!c->bstate) return false;
    if (how == BLOCKING_END_ERROR) {
        reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else if (how == BLOCKING_END_ROLE) {
        /* what it waits for will come from a master now, if at all */
        reply_error(c, "UNBLOCKED force unblock from blocking operation, instance state changed "
                       "(master -> replica?)");
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    } else {
        reply_null_array(c);
    }
    unblock(c->srv, c, how != BLOCKING_END_ROLE);
    return true;
}

void blocking_client_gone(struct client *c)
{
    if (c->bstate) unblock(c->srv, c, false);
}

/* ---- ready keys ---------------------------------------------------------- */

void blocking__signal(struct server *srv, struct db *db, const char *key, size_t klen)
{
    struct blocking *b = srv->blocking;
    if (!b) return;
    struct bkey *bk = (struct bkey *)htab_find(&b->keys[db->id], util_hash(key, klen), key, klen);
    if (!bk || bk->ready) return;
    bk->ready = true;
    bk->ready_next = NULL;
    if (b->ready_tail) b->ready_tail->ready_next = bk;
    else b->ready_head = bk;
    b->ready_tail = bk;
}

struct signal_db_ctx {
    struct server *srv;
    struct db *db;
};

static void signal_if_exists(struct htab_node *n, void *priv)
{
    struct signal_db_ctx *x = priv;
    struct bkey *bk = (struct bkey *)n;
    if (db_lookup_quiet(&x->srv->ks, x->db, bk->key, bk->klen))
        blocking__signal(x->srv, x->db, bk->key, bk->klen);
}

void blocking__signal_db(struct server *srv, struct db *db)
{
    struct blocking *b = srv->blocking;
    if (!b) return;
    struct signal_db_ctx x = {srv, db};
    htab_foreach(&b->keys[db->id], signal_if_exists, &x);
}

void blocking_serve_ready(struct server *srv)
{
    struct blocking *b = srv->blocking;
    while (b->ready_head) {
        struct bkey *bk = b->ready_head;
        b->ready_head = bk->ready_next;
        if (!b->ready_head) b->ready_tail = NULL;
        bk->ready = false;
        bk->ready_next = NULL;
        bk->pin++;
        /* Waiters present now, in arrival order. Serving one removes only
         * its own bwait (one per key per client), so `next` stays valid; a
         * client marked to close is skipped (client_free unblocks it). */
        for (struct bwait *w = bk->head, *next; w; w = next) {
            next = w->next;
            struct client *c = w->c;
            if (c->flags & CLIENT_CLOSE_ASAP) continue;
            struct blocked_state *st = c->bstate;
            /* the served command runs as c's (its invalidations follow its reply) */
            struct client *outer = srv->current;
            srv->current = c;
            /* what the retry changed is one unit of the change stream; it
             * propagates it itself (prop_command: no call() runs here) */
            srv->prop.depth++;
            enum blocking_result r = st->retry(c, bk->key, bk->klen, st->state);
            c->flags &= ~CLIENT_PROP_CUSTOM;
            if (--srv->prop.depth == 0) prop_flush(srv);
            srv->current = outer;
            if (srv->tracking_clients) tracking__send_pending(c);
            if (r != BLOCKING_SERVED) continue;
            unblock(srv, c, true);
            if (!db_lookup_quiet(&srv->ks, bk->db, bk->key, bk->klen)) break;
        }
        bk->pin--;
        bkey_maybe_free(b, bk);
    }
}

void blocking_before_sleep(struct server *srv)
{
    struct blocking *b = srv->blocking;
    for (;;) {
        if (b->ready_head) {
            server_update_time(srv);
            blocking_serve_ready(srv);
        }
        if (!b->nunblocked) break;
        /* take the list: running input may unblock more clients */
        size_t n = b->nunblocked;
        uint64_t small[16];
        uint64_t *ids = n <= 16 ? small : mem_alloc(sizeof(*ids) * n);
        memcpy(ids, b->unblocked, sizeof(*ids) * n);
        b->nunblocked = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t id = ids[i];
            struct htab_node *hn =
                htab_find(&srv->clients_by_id, util_hash_u64(id), &id, sizeof(id));
            if (!hn) continue;
            struct client *c = htab_entry(hn, struct client, id_node);
            if (c->flags & (CLIENT_BLOCKED | CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) continue;
            if (c->qpos >= c->qlen) continue;
            server_update_time(srv);
            client_process_input(c);
        }
        if (ids != small) mem_free(ids);
    }
}
