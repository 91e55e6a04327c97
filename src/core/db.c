/* db: see db.h for the layout and invariants. */
#include "core/db.h"

#include "base/mem.h"
#include "base/util.h"
#include "core/lazyfree.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

static uint64_t key_node_hash(const struct htab_node *n)
{
    const struct kentry *ke = (const struct kentry *)n;
    return util_hash(ke->key, ke->klen);
}

static bool key_node_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct kentry *ke = (const struct kentry *)n;
    return ke->klen == klen && memcmp(ke->key, key, klen) == 0;
}

static const struct htab_type key_type = {key_node_hash, key_node_eq};

static inline uint64_t ptr_hash(const void *p) { return util_hash_u64((uint64_t)(uintptr_t)p); }

static uint64_t exp_node_hash(const struct htab_node *n)
{
    return ptr_hash(((const struct expnode *)n)->ke);
}

static bool exp_node_eq(const struct htab_node *n, const void *key, size_t klen)
{
    return ((const struct expnode *)n)->ke == key;
}

static const struct htab_type exp_type = {exp_node_hash, exp_node_eq};

uint64_t db_hash_key(const char *key, size_t klen) { return util_hash(key, klen); }

void ks_init(struct keyspace *ks, int ndb)
{
    memset(ks, 0, sizeof(*ks));
    ks->ndb = ndb;
    ks->dbs = mem_calloc(sizeof(struct db) * (size_t)ndb);
    for (int i = 0; i < ndb; i++) {
        ks->dbs[i].id = i;
        htab_init(&ks->dbs[i].keys, &key_type);
        htab_init(&ks->dbs[i].expires, &exp_type);
    }
    ks->active_expire = true;
    ks->active_expire_effort = 1;
    ks->lazy_expire = true;
    ks->now_ms = util_mstime();
}

static void free_entry_cb(struct htab_node *n, void *priv)
{
    struct kentry *ke = (struct kentry *)n;
    obj_free(ke->val);
    mem_free(ke);
}

static void free_exp_cb(struct htab_node *n, void *priv) { mem_free(n); }

/* The entry now, its value by the lazy free rule (a large one on the
 * thread). */
static void free_entry_lazy_cb(struct htab_node *n, void *priv)
{
    struct kentry *ke = (struct kentry *)n;
    lazyfree_obj(ke->val);
    mem_free(ke);
}

void ks_deinit(struct keyspace *ks)
{
    for (int i = 0; i < ks->ndb; i++) {
        htab_deinit(&ks->dbs[i].expires, free_exp_cb, NULL);
        htab_deinit(&ks->dbs[i].keys, free_entry_cb, NULL);
    }
    mem_free(ks->dbs);
    ks->dbs = NULL;
}

uint32_t ks_lru_clock(const struct keyspace *ks) { return (uint32_t)(ks->now_ms / 1000) & KE_LRU_MAX; }

#define LFU_INIT_VAL 5

static uint32_t lfu_minutes(const struct keyspace *ks) { return (uint32_t)(ks->now_ms / 60000) & 0xffff; }

uint32_t ks_lfu_counter(const struct keyspace *ks, uint32_t lru)
{
    uint32_t then = lru >> 8, counter = lru & 0xff, now = lfu_minutes(ks);
    uint32_t elapsed = now >= then ? now - then : 0xffff - then + now;
    uint32_t periods = ks->lfu.decay_time > 0 ? elapsed / (uint32_t)ks->lfu.decay_time : 0;
    return periods > counter ? 0 : counter - periods;
}

/* The `lru` field after an access: the clock, or under LFU the decayed
 * counter incremented with probability 1/((counter - init) * factor + 1). */
static uint32_t access_stamp(const struct keyspace *ks, uint32_t old)
{
    if (!ks->lfu.on) return ks_lru_clock(ks);
    uint32_t counter = ks_lfu_counter(ks, old);
    if (counter < 255) {
        double base = counter > LFU_INIT_VAL ? (double)(counter - LFU_INIT_VAL) : 0;
        double p = 1.0 / (base * ks->lfu.log_factor + 1);
        if ((double)(util_rand() >> 11) * (1.0 / 9007199254740992.0) < p) counter++;
    }
    return (lfu_minutes(ks) << 8) | counter;
}

static uint32_t new_stamp(const struct keyspace *ks)
{
    return ks->lfu.on ? (lfu_minutes(ks) << 8) | LFU_INIT_VAL : ks_lru_clock(ks);
}

static struct expnode *exp_find(struct db *db, const struct kentry *ke)
{
    return (struct expnode *)htab_find(&db->expires, ptr_hash(ke), ke, 0);
}

long long db_get_expire(struct db *db, const struct kentry *ke)
{
    if (!(ke->flags & KE_EXPIRE)) return -1;
    struct expnode *en = exp_find(db, ke);
    return en ? en->when : -1;
}

void db_set_expire(struct db *db, struct kentry *ke, long long when_ms)
{
    if (ke->flags & KE_EXPIRE) {
        struct expnode *en = exp_find(db, ke);
        if (en) {
            en->when = when_ms;
            return;
        }
    }
    struct expnode *en = mem_alloc(sizeof(*en));
    en->ke = ke;
    en->when = when_ms;
    htab_add(&db->expires, ptr_hash(ke), &en->node);
    ke->flags |= KE_EXPIRE;
}

bool db_persist(struct db *db, struct kentry *ke)
{
    if (!(ke->flags & KE_EXPIRE)) return false;
    struct htab_node *n = htab_remove(&db->expires, ptr_hash(ke), ke, 0);
    mem_free(n);
    ke->flags &= (uint8_t)~KE_EXPIRE;
    return true;
}

/* What happens to the value of a removed entry. */
enum val_fate { VAL_KEEP, VAL_FREE, VAL_LAZYFREE };

static inline enum val_fate fate(bool lazy) { return lazy ? VAL_LAZYFREE : VAL_FREE; }

static void value_free(struct obj *val, enum val_fate f)
{
    if (f == VAL_LAZYFREE) lazyfree_obj(val);
    else if (f == VAL_FREE) obj_free(val);
}

static void entry_unlink_free(struct keyspace *ks, struct db *db, struct kentry *ke, uint64_t h,
                              enum val_fate f)
{
    /* a value that goes with its entry may go to a snapshot as it is; one
     * the caller keeps (RENAME, MOVE) is written out instead */
    bool taken = false;
    if (f != VAL_KEEP) taken = db_snap_take(ks, db, ke);
    else db_snap_touch(ks, db, ke);
    if (ke->flags & KE_EXPIRE) db_persist(db, ke);
    htab_unlink(&db->keys, h, &ke->node);
    if (!taken) value_free(ke->val, f);
    mem_free(ke);
}

/* Deletes ke if it is expired; true if it was (or, under expire_hide,
 * true when it is expired but left in place). */
static bool expire_check(struct keyspace *ks, struct db *db, struct kentry *ke, bool may_hide)
{
    if (!(ke->flags & KE_EXPIRE)) return false;
    struct expnode *en = exp_find(db, ke);
    if (!en || en->when > ks->now_ms) return false;
    if (!ks->lazy_expire) return false;
    if (ks->expire_hide && may_hide) return true;
    ks->stats.expired_keys++;
    if (ks->on_event) ks->on_event(ks, db, ke->key, ke->klen, KS_EV_EXPIRED, ks->on_event_priv);
    entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen), fate(ks->lazyfree.expire));
    return true;
}

static bool expire_if_needed(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    return expire_check(ks, db, ke, true);
}

bool db_entry_expired(const struct keyspace *ks, struct db *db, const struct kentry *ke)
{
    if (!(ke->flags & KE_EXPIRE)) return false;
    long long when = db_get_expire(db, ke);
    return when != -1 && when <= ks->now_ms;
}

bool db_expire_if_needed(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    return expire_if_needed(ks, db, ke);
}

bool db_expire_to_abs_ms(long long now_ms, long long when, bool seconds, bool relative,
                         long long *out_ms)
{
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return false;
        when *= 1000;
    }
    if (relative) {
        /* now_ms >= 0, so only the upper bound can overflow */
        if (when > LLONG_MAX - now_ms) return false;
        when += now_ms;
    }
    *out_ms = when;
    return true;
}

struct kentry *db_lookup_quiet(struct keyspace *ks, struct db *db, const char *key, size_t klen)
{
    struct kentry *ke =
        (struct kentry *)htab_find(&db->keys, db_hash_key(key, klen), key, klen);
    if (ke && expire_if_needed(ks, db, ke)) return NULL;
    if (ke) db_snap_touch(ks, db, ke);
    return ke;
}

struct kentry *db_lookup(struct keyspace *ks, struct db *db, const char *key, size_t klen)
{
    struct kentry *ke = db_lookup_quiet(ks, db, key, klen);
    if (ke) ke->lru = access_stamp(ks, ke->lru);
    return ke;
}

struct kentry *db_lookup_read(struct keyspace *ks, struct db *db, const char *key, size_t klen)
{
    struct kentry *ke = db_lookup(ks, db, key, klen);
    if (ke) ks->stats.keyspace_hits++;
    else ks->stats.keyspace_misses++;
    return ke;
}

static struct kentry *entry_new(struct keyspace *ks, const char *key, size_t klen, struct obj *val)
{
    /* offsetof, not sizeof: the key starts inside sizeof's tail padding,
     * which puts a 16-byte key in the 48-byte size class instead of 64 */
    struct kentry *ke = mem_alloc(offsetof(struct kentry, key) + klen + 1);
    ke->val = val;
    ke->lru = new_stamp(ks);
    ke->flags = 0;
    ke->pad = 0;
    ke->snap_epoch = ks->snap_epoch;
    ke->klen = (uint32_t)klen;
    memcpy(ke->key, key, klen);
    ke->key[klen] = '\0';
    return ke;
}

struct kentry *db_add(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                      struct obj *val)
{
    struct kentry *ke = entry_new(ks, key, klen, val);
    htab_add(&db->keys, db_hash_key(key, klen), &ke->node);
    if (ks->on_event) ks->on_event(ks, db, key, klen, KS_EV_NEW, ks->on_event_priv);
    if (ks->key_waiters) ks->on_key_added(ks, db, key, klen, ks->on_key_added_priv);
    return ke;
}

struct kentry *db_set(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                      struct obj *val, bool keep_ttl)
{
    uint64_t h = db_hash_key(key, klen);
    struct kentry *ke = (struct kentry *)htab_find(&db->keys, h, key, klen);
    /* an overwritten key whose TTL has passed expires first, as on any
     * lookup (its event, its stat, its DEL in the change stream), and the
     * new value starts afresh: it never inherits that TTL */
    if (ke && expire_check(ks, db, ke, false)) ke = NULL;
    if (ke) {
        /* the old value goes whole: a snapshot may take it as it is */
        bool taken = false;
        if (ke->val != val) taken = db_snap_take(ks, db, ke);
        else db_snap_touch(ks, db, ke);
        if (!keep_ttl && (ke->flags & KE_EXPIRE)) db_persist(db, ke);
        struct obj *old = ke->val;
        ke->val = val;
        ke->lru = access_stamp(ks, ke->lru);
        if (old != val && !taken) value_free(old, fate(ks->lazyfree.server_del));
        if (ks->key_waiters) ks->on_key_added(ks, db, key, klen, ks->on_key_added_priv);
        return ke;
    }
    ke = entry_new(ks, key, klen, val);
    htab_add(&db->keys, h, &ke->node);
    if (ks->on_event) ks->on_event(ks, db, key, klen, KS_EV_NEW, ks->on_event_priv);
    if (ks->key_waiters) ks->on_key_added(ks, db, key, klen, ks->on_key_added_priv);
    return ke;
}

void db_replace_value(struct keyspace *ks, struct kentry *ke, struct obj *val)
{
    struct obj *old = ke->val;
    ke->val = val;
    if (old != val) value_free(old, fate(ks->lazyfree.server_del));
}

void db_delete_entry(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen), fate(ks->lazyfree.server_del));
}

bool db_unlink(struct keyspace *ks, struct db *db, const char *key, size_t klen, bool lazy)
{
    struct kentry *ke = db_lookup_quiet(ks, db, key, klen);
    if (!ke) return false;
    entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen), fate(lazy));
    return true;
}

void db_evict_entry(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    if (ks->on_event) ks->on_event(ks, db, ke->key, ke->klen, KS_EV_EVICTED, ks->on_event_priv);
    entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen), fate(ks->lazyfree.eviction));
}

bool db_delete(struct keyspace *ks, struct db *db, const char *key, size_t klen)
{
    return db_unlink(ks, db, key, klen, ks->lazyfree.server_del);
}

struct obj *db_take_entry(struct keyspace *ks, struct db *db, struct kentry *ke,
                          long long *expire_out)
{
    struct obj *val = ke->val;
    if (expire_out) *expire_out = db_get_expire(db, ke);
    entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen), VAL_KEEP);
    return val;
}

/* A db's two tables on their way to the lazy free thread. */
struct flushed_tables {
    struct htab keys, expires;
};

/* Runs on the lazy free thread: the tables are no longer reachable from
 * the keyspace. The expires nodes are freed without looking at the
 * entries they point to. */
static void free_tables_job(void *arg)
{
    struct flushed_tables *t = arg;
    htab_deinit(&t->expires, free_exp_cb, NULL);
    htab_deinit(&t->keys, free_entry_cb, NULL);
    mem_free(t);
}

long long db_flush(struct keyspace *ks, struct db *db, bool async)
{
    long long n = (long long)db_size(db);
    if (ks->snap && n && ks->snap->take_tables(ks, db, ks->snap->priv)) {
        /* a snapshot still has to write these keys: it owns the old tables
         * now and frees them when it is done */
        htab_init(&db->keys, db->keys.type);
        htab_init(&db->expires, db->expires.type);
    } else if (async && n > LAZYFREE_THRESHOLD) {
        /* struct htab has no pointer to itself: it moves by value */
        struct flushed_tables *t = mem_alloc(sizeof(*t));
        t->keys = db->keys;
        t->expires = db->expires;
        htab_init(&db->keys, db->keys.type);
        htab_init(&db->expires, db->expires.type);
        lazyfree_submit(free_tables_job, t, (size_t)n);
    } else {
        /* few keys: not worth a job for the table, but each large value
         * still goes to the thread when asked to */
        htab_deinit(&db->expires, free_exp_cb, NULL);
        htab_deinit(&db->keys, async ? free_entry_lazy_cb : free_entry_cb, NULL);
    }
    db->expire_cursor = 0;
    db->avg_ttl = 0;
    return n;
}

void db_swap(struct keyspace *ks, struct db *a, struct db *b)
{
    if (ks->snap) ks->snap->swapped(ks, a->id, b->id, ks->snap->priv);
    struct htab k = a->keys, e = a->expires;
    a->keys = b->keys;
    a->expires = b->expires;
    b->keys = k;
    b->expires = e;
    unsigned long long c = a->expire_cursor;
    a->expire_cursor = b->expire_cursor;
    b->expire_cursor = c;
    long long t = a->avg_ttl;
    a->avg_ttl = b->avg_ttl;
    b->avg_ttl = t;
}

static void reset_epoch_cb(struct htab_node *n, void *priv) { ((struct kentry *)n)->snap_epoch = 0; }

uint16_t ks_next_snap_epoch(struct keyspace *ks)
{
    if (ks->snap_epoch == UINT16_MAX) {
        for (int i = 0; i < ks->ndb; i++) htab_foreach(&ks->dbs[i].keys, reset_epoch_cb, NULL);
        ks->snap_epoch = 0;
    }
    return ++ks->snap_epoch;
}

struct kentry *db_random(struct keyspace *ks, struct db *db)
{
    /* If every key has a TTL and all are expired we must not loop forever:
     * bound the attempts, deleting what we find expired. */
    for (int tries = 0; tries < 100 && db_size(db); tries++) {
        struct kentry *ke = (struct kentry *)htab_random(&db->keys);
        if (!ke) return NULL;
        if (!expire_if_needed(ks, db, ke)) return ke;
        /* a replica's reads delete nothing: every key may be expired and
         * kept, so after enough tries any key will do (as Redis does) */
        if (ks->expire_hide && tries == 99) return ke;
    }
    /* Still unlucky: every failed try deleted an expired key, so keep going;
     * this ends when a live key is found or the db is empty. (With lazy
     * expiry off, the first try always returns.) */
    while (db_size(db)) {
        struct kentry *ke = (struct kentry *)htab_random(&db->keys);
        if (!expire_if_needed(ks, db, ke)) return ke;
    }
    return NULL;
}

size_t db_key_mem(const struct db *db, const struct kentry *ke)
{
    size_t n = mem_usable(ke) + obj_mem(ke->val) + sizeof(void *);
    if (ke->flags & KE_EXPIRE) n += sizeof(struct expnode) + sizeof(void *);
    return n;
}

/* ---- active expiry -------------------------------------------------------
 * Like Redis's adaptive cycle: per db, scan buckets of the expires table
 * from a persistent cursor, sampling up to `per_loop` TTL keys; delete the
 * expired ones; repeat while more than `acceptable_stale`% of the sample was
 * expired and the time budget allows. Effort (1..10) scales the sample and
 * the tolerated stale share. */

struct expire_scan {
    struct keyspace *ks;
    struct db *db;
    int sampled;
    int expired;
    long long ttl_sum;
    int ttl_samples;
    struct kentry *victims[64];
    int nvictims;
};

static void expire_scan_cb(struct htab_node *n, void *priv)
{
    struct expire_scan *s = priv;
    struct expnode *en = (struct expnode *)n;
    s->sampled++;
    if (en->when <= s->ks->now_ms) {
        if (s->nvictims < 64) s->victims[s->nvictims++] = en->ke;
    } else {
        s->ttl_sum += en->when - s->ks->now_ms;
        s->ttl_samples++;
    }
}

void ks_active_expire(struct keyspace *ks, bool slow, long long budget_us)
{
    if (!ks->active_expire) return;
    int effort = ks->active_expire_effort - 1; /* 0..9 */
    int per_loop = 20 + 20 / 4 * effort;
    int stale = 10 - effort;
    long long start = util_monotonic_us();
    int dbs_per_call = ks->ndb < 16 ? ks->ndb : 16;
    bool timed_out = false;
    for (int j = 0; j < dbs_per_call && !timed_out; j++) {
        struct db *db = &ks->dbs[ks->expire_db_cursor % ks->ndb];
        ks->expire_db_cursor++;
        int iteration = 0;
        for (;;) {
            if (db_expires_size(db) == 0) break;
            struct expire_scan s = {ks, db, 0, 0, 0, 0, {0}, 0};
            int buckets = 0;
            int max_buckets = per_loop * 20;
            while (s.sampled < per_loop && buckets < max_buckets && s.nvictims < 48) {
                db->expire_cursor = htab_scan(&db->expires, db->expire_cursor, expire_scan_cb, &s);
                buckets++;
                if (db->expire_cursor == 0) break;
            }
            for (int v = 0; v < s.nvictims; v++) {
                struct kentry *ke = s.victims[v];
                ks->stats.expired_keys++;
                if (ks->on_event)
                    ks->on_event(ks, db, ke->key, ke->klen, KS_EV_EXPIRED, ks->on_event_priv);
                entry_unlink_free(ks, db, ke, db_hash_key(ke->key, ke->klen),
                                  fate(ks->lazyfree.expire));
            }
            s.expired = s.nvictims;
            if (s.ttl_samples) {
                long long avg = s.ttl_sum / s.ttl_samples;
                db->avg_ttl = db->avg_ttl ? (db->avg_ttl / 50) * 49 + avg / 50 : avg;
            }
            if ((++iteration & 15) == 0 && util_monotonic_us() - start > budget_us) {
                timed_out = true;
                ks->stats.expired_time_cap_reached_count++;
                break;
            }
            if (s.sampled == 0 || s.expired * 100 / (s.sampled ? s.sampled : 1) <= stale) break;
            if (util_monotonic_us() - start > budget_us) {
                timed_out = true;
                break;
            }
        }
    }
    (void)slow;
    ks->stats.expire_cycle_cpu_us += util_monotonic_us() - start;
}

void ks_rehash(struct keyspace *ks, long long us)
{
    for (int i = 0; i < ks->ndb; i++) {
        struct db *db = &ks->dbs[i];
        /* a snapshot walks the key tables in bucket order, which only
         * growth preserves (htab_walk): no shrinking until it is done */
        if (!ks->snap) htab_shrink_if_needed(&db->keys);
        htab_shrink_if_needed(&db->expires);
        if (htab_is_rehashing(&db->keys)) htab_rehash_for(&db->keys, us);
        if (htab_is_rehashing(&db->expires)) htab_rehash_for(&db->expires, us);
    }
}
