/* db: the keyspace, 16 (configurable) numbered databases of keys.
 *
 * Each key is one `struct kentry` allocation holding the hash-table link,
 * the value pointer, the access clock and the key bytes inline. Keys with a
 * TTL also have a node in the db's `expires` table (keyed by entry address),
 * flagged in the entry, so keys without a TTL never pay for a lookup in it.
 *
 * Invariants.
 *  1. ke->flags & KE_EXPIRE  <=>  an expires node points at ke.
 *  2. An entry found through db_lookup*() is never logically expired at
 *     ks->now_ms: expired keys are deleted on access (lazy expiry) and by
 *     db_active_expire() (a bounded sampling cycle).
 *  3. Every removal goes through entry_unlink_free() in db.c, which frees
 *     the value and the expires node and reports the change.
 *  4. While a snapshot is in progress (ks->snap), every entry whose
 *     snap_epoch is not the snapshot's is handed to snap->touch before it
 *     can change: by every lookup (a command gets its entries through one),
 *     by db_set on an existing key and by entry_unlink_free. Entries created
 *     meanwhile carry the snapshot's epoch, so the snapshot skips them. This
 *     is what makes the forkless snapshot (persist/snapshot.h) point-in-time.
 *
 * Freeing. A removed or overwritten value is freed inline, or handed to
 * the lazy free thread (core/lazyfree.h; only values above its effort
 * threshold) when the matching lazyfree-* directive is on: `lazy_expire`
 * for expiry, `lazy_server_del` for implicit deletes (an overwrite, a
 * collection emptied by a command), `lazy_eviction` for eviction. User
 * deletes (DEL/UNLINK) and flushes say explicitly which they want.
 *
 * Time. ks->now_ms is the command's time: it is fixed for the duration of
 * a command so a key cannot expire half way through it.
 */
#ifndef APIARY_DB_H
#define APIARY_DB_H

#include "base/htab.h"
#include "core/object.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KE_EXPIRE 0x01u

struct kentry {
    struct htab_node node;
    struct obj *val;
    uint32_t lru;   /* LRU clock (seconds, 24 bits) or LFU counter */
    uint8_t flags;  /* KE_* */
    uint8_t pad;
    uint16_t snap_epoch; /* the last snapshot that has this key (see ks->snap) */
    uint32_t klen;
    char key[];     /* klen bytes + NUL */
};

struct expnode {
    struct htab_node node;
    struct kentry *ke;
    long long when; /* unix ms */
};

struct db {
    int id;
    struct htab keys;
    struct htab expires;
    unsigned long long expire_cursor; /* active expiry scan position */
    long long avg_ttl;
};

struct keyspace;

/* The keyspace's side of a snapshot in progress (persist/snapshot.c owns
 * the rest). */
struct ks_snap {
    /* ke is about to change or go: write it out first (and set its epoch). */
    void (*touch)(struct keyspace *ks, struct db *db, struct kentry *ke, void *priv);
    /* ke's value is about to be dropped whole (overwritten by db_set, or
     * the entry removed): take the value object itself, with ke's key, TTL
     * and access data, and set ke's epoch (return true: the caller must not
     * free the value), or return false and touch() is called instead.
     * Optional (NULL: touch). */
    bool (*take_value)(struct keyspace *ks, struct db *db, struct kentry *ke, void *priv);
    /* db is about to be emptied: take its tables (return true), or false to
     * let the flush free them. */
    bool (*take_tables)(struct keyspace *ks, struct db *db, void *priv);
    /* two databases swapped their contents (SWAPDB) */
    void (*swapped)(struct keyspace *ks, int a, int b, void *priv);
    void *priv;
};

/* Called when a key expires (before it is deleted), is evicted, or is
 * created (KS_EV_NEW, after it is added): the server turns these into
 * keyspace notifications. */
typedef void ks_key_event_fn(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                             int event, void *priv);
enum { KS_EV_EXPIRED = 1, KS_EV_EVICTED = 2, KS_EV_NEW = 3 };

struct ks_stats {
    long long expired_keys;
    long long expired_stale_perc;
    long long expired_time_cap_reached_count;
    long long keyspace_hits;
    long long keyspace_misses;
    long long expire_cycle_cpu_us;
};

struct keyspace {
    struct db *dbs;
    int ndb;
    long long now_ms;
    bool active_expire;       /* DEBUG SET-ACTIVE-EXPIRE */
    int active_expire_effort; /* 1..10 */
    bool lazy_expire;         /* false while loading, and for a replica's master link */
    /* a replica running a read: an expired key is missing to it but stays,
     * waiting for the master's DEL (Redis 7.0's replica rule); writes
     * (a writable replica) still delete it */
    bool expire_hide;
    unsigned expire_db_cursor;/* next db for the active expiry cycle */
    struct ks_stats stats;
    ks_key_event_fn *on_event;
    void *on_event_priv;
    struct {
        bool expire, server_del, eviction; /* the lazyfree-lazy-* directives */
    } lazyfree;
    /* Under an LFU maxmemory-policy an entry's `lru` field holds LFU data
     * instead of the access clock: the last decrement time in minutes (16
     * bits) and a logarithmic access counter (8 bits), as Redis keeps it. */
    struct {
        bool on;
        int log_factor, decay_time; /* lfu-log-factor, lfu-decay-time */
    } lfu;
    /* Clients blocked on keys (core/blocking keeps it). While > 0, db_add
     * and db_set report every key they create or overwrite to
     * on_key_added, so waiters on it are served; otherwise that costs this
     * one check. */
    long long key_waiters;
    void (*on_key_added)(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                         void *priv);
    void *on_key_added_priv;
    /* A snapshot in progress, or NULL; snap_epoch is the current (or last)
     * snapshot's number, which new entries carry. */
    struct ks_snap *snap;
    uint16_t snap_epoch;
};

/* Makes ke safe to change while a snapshot runs (see invariant 4). */
static inline void db_snap_touch(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    if (__builtin_expect(ks->snap != NULL, 0) && ke->snap_epoch != ks->snap_epoch)
        ks->snap->touch(ks, db, ke, ks->snap->priv);
}
/* The same before ke's value is dropped whole: true when the snapshot took
 * the value object (then it is the snapshot's to free, not the caller's). */
static inline bool db_snap_take(struct keyspace *ks, struct db *db, struct kentry *ke)
{
    if (__builtin_expect(ks->snap != NULL, 0) && ke->snap_epoch != ks->snap_epoch) {
        if (ks->snap->take_value && ks->snap->take_value(ks, db, ke, ks->snap->priv)) return true;
        ks->snap->touch(ks, db, ke, ks->snap->priv);
    }
    return false;
}
/* The next snapshot epoch; when the 16-bit counter wraps, every entry's
 * epoch is reset first (once per 65,535 snapshots), so an entry left
 * behind by aborted snapshots can never look already written. */
uint16_t ks_next_snap_epoch(struct keyspace *ks);

void ks_init(struct keyspace *ks, int ndb);
void ks_deinit(struct keyspace *ks);
static inline struct db *ks_db(struct keyspace *ks, int id) { return &ks->dbs[id]; }

/* LRU clock in seconds, 24 bits. */
#define KE_LRU_MAX ((1u << 24) - 1)
uint32_t ks_lru_clock(const struct keyspace *ks);
/* The LFU counter of an entry's `lru` field after the decay due since it
 * was last touched (OBJECT FREQ, eviction). */
uint32_t ks_lfu_counter(const struct keyspace *ks, uint32_t lru);

uint64_t db_hash_key(const char *key, size_t klen);

/* Lookup honouring expiry; touches the access clock; counts hits/misses
 * when `stats` is true. */
struct kentry *db_lookup(struct keyspace *ks, struct db *db, const char *key, size_t klen);
struct kentry *db_lookup_read(struct keyspace *ks, struct db *db, const char *key, size_t klen);
/* The entry as stored, expired or not: no expiry, clock or stats (WATCH
 * bookkeeping). */
static inline struct kentry *db_find_raw(struct db *db, const char *key, size_t klen)
{
    return (struct kentry *)htab_find(&db->keys, db_hash_key(key, klen), key, klen);
}
/* Lookup without touching the clock or the stats (OBJECT, TYPE-free paths). */
struct kentry *db_lookup_quiet(struct keyspace *ks, struct db *db, const char *key, size_t klen);

/* Insert a new key (must be absent); takes ownership of val. */
struct kentry *db_add(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                      struct obj *val);
/* Set key to val (taking ownership), replacing any old value; the old TTL is
 * dropped unless keep_ttl. An old key already past its TTL expires first
 * (as a lookup would expire it). Returns the entry. */
struct kentry *db_set(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                      struct obj *val, bool keep_ttl);
/* Replace the value of an existing entry (TTL kept); frees the old value
 * (lazily under lazyfree-lazy-server-del) unless it is the same object. */
void db_replace_value(struct keyspace *ks, struct kentry *ke, struct obj *val);
/* Delete as the server's own delete (lazyfree-lazy-server-del decides);
 * true if the key existed (and had not expired). */
bool db_delete(struct keyspace *ks, struct db *db, const char *key, size_t klen);
/* A user's delete: DEL (lazy = lazyfree-lazy-user-del) or UNLINK (lazy).
 * A lazy delete hands a large value to the lazy free thread. */
bool db_unlink(struct keyspace *ks, struct db *db, const char *key, size_t klen, bool lazy);
/* Evict an entry (maxmemory): reports KS_EV_EVICTED, then deletes it,
 * lazily under lazyfree-lazy-eviction. */
void db_evict_entry(struct keyspace *ks, struct db *db, struct kentry *ke);
/* Delete an entry obtained by lookup (a server delete, as db_delete). */
void db_delete_entry(struct keyspace *ks, struct db *db, struct kentry *ke);
/* Remove an entry from db without freeing its value: the value is returned
 * (for RENAME/MOVE); the entry itself is freed. */
struct obj *db_take_entry(struct keyspace *ks, struct db *db, struct kentry *ke,
                          long long *expire_out);

/* TTL. db_set_expire with when <= now deletes nothing by itself. */
void db_set_expire(struct db *db, struct kentry *ke, long long when_ms);
bool db_persist(struct db *db, struct kentry *ke);
/* -1 when the key has no TTL. */
long long db_get_expire(struct db *db, const struct kentry *ke);
/* True if ke's TTL has passed at ks->now_ms; deletes nothing (KEYS). */
bool db_entry_expired(const struct keyspace *ks, struct db *db, const struct kentry *ke);
/* Lazy expiry of an entry already in hand (SCAN): if its TTL has passed and
 * lazy expiry is on, deletes it as an expired key (stats, event) and
 * returns true; ke is then freed. */
bool db_expire_if_needed(struct keyspace *ks, struct db *db, struct kentry *ke);
/* Expire-time arithmetic shared by the EXPIRE family, SET EX/PX/EXAT/PXAT
 * and GETEX. `when` is the argument as given: in seconds if `seconds`, and
 * relative to now_ms if `relative`. Stores the absolute unix-ms time and
 * returns true, or returns false when the conversion overflows int64 (the
 * caller replies "ERR invalid expire time in '<cmd>' command"). Negative
 * and past times are not errors here: EXPIRE accepts them (the key is
 * deleted); SET/GETEX reject when <= 0 themselves before calling. */
bool db_expire_to_abs_ms(long long now_ms, long long when, bool seconds, bool relative,
                         long long *out_ms);

static inline size_t db_size(const struct db *db) { return htab_size(&db->keys); }
static inline size_t db_expires_size(const struct db *db) { return htab_size(&db->expires); }

/* Remove every key; returns how many. With `async` (FLUSHDB/FLUSHALL
 * ASYNC) the db gets new empty tables at once and the old ones, with
 * every key and value in them, are freed by the lazy free thread. */
long long db_flush(struct keyspace *ks, struct db *db, bool async);
void db_swap(struct keyspace *ks, struct db *a, struct db *b);

/* A random non-expired key, or NULL. */
struct kentry *db_random(struct keyspace *ks, struct db *db);

/* Active expiry: sample keys with a TTL and delete expired ones, for at most
 * budget_us. `slow` is the periodic cycle; the fast cycle runs in
 * before_sleep with a tiny budget. */
void ks_active_expire(struct keyspace *ks, bool slow, long long budget_us);
/* Incremental rehash and shrink of every db's tables, for ~us. */
void ks_rehash(struct keyspace *ks, long long us);

/* Memory used by a key: entry + value + expire node. */
size_t db_key_mem(const struct db *db, const struct kentry *ke);

#endif
