/* htab: intrusive chained hash table with incremental rehashing.
 *
 * How it works. Entries embed a `struct htab_node` (one pointer); the table
 * never allocates per entry, so a keyspace entry costs its own allocation
 * plus one bucket pointer. The table is a power-of-two array of chains. When
 * it must grow or shrink, a second array is allocated and buckets migrate
 * from the old array to the new one a few at a time: one bucket per
 * add/find/remove (htab_step) plus time-bounded batches from a timer
 * (htab_rehash_for). No operation ever pays for a whole resize, so there is
 * no latency spike at any size. While migrating, lookups probe both arrays
 * and additions go to the new one.
 *
 * Invariants.
 *  1. Every entry is in exactly one chain: t[0] buckets below rehash_idx are
 *     empty while rehashing; t[1] is NULL when not rehashing.
 *  2. used[0] + used[1] == number of entries.
 *  3. The table never migrates while `paused` > 0 (held by iterators and by
 *     callers that keep a link pointer across other table calls).
 *
 * Hashes are supplied by the caller (computed once per request), and the
 * type's hash callback is used only to migrate entries.
 *
 * Scan. htab_scan() visits buckets in reverse-binary cursor order, so that a
 * full iteration (cursor back to 0) returns every entry present for its whole
 * duration at least once, even when the table grows or shrinks in between;
 * an entry may be returned more than once.
 */
#ifndef APIARY_HTAB_H
#define APIARY_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab_node {
    struct htab_node *next;
};

struct htab_type {
    /* Hash of an entry already in the table (used when migrating). */
    uint64_t (*hash)(const struct htab_node *n);
    /* Does entry n have this key? */
    bool (*eq)(const struct htab_node *n, const void *key, size_t klen);
};

struct htab {
    const struct htab_type *type;
    struct htab_node **t[2];
    size_t mask[2];
    size_t used[2];
    long rehash_idx; /* -1 when not rehashing */
    int paused;
};

#define htab_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

void htab_init(struct htab *h, const struct htab_type *type);
/* Frees the bucket arrays; calls free_fn (may be NULL) on every entry. */
void htab_deinit(struct htab *h, void (*free_fn)(struct htab_node *n, void *priv), void *priv);

static inline size_t htab_size(const struct htab *h) { return h->used[0] + h->used[1]; }
static inline bool htab_is_rehashing(const struct htab *h) { return h->rehash_idx != -1; }
/* Number of bucket slots allocated (both arrays). */
size_t htab_slots(const struct htab *h);

struct htab_node *htab_find(struct htab *h, uint64_t hash, const void *key, size_t klen);
/* Returns the link that points at the entry (for in-place replace/unlink),
 * or NULL. The link stays valid until the next add/remove/step/resize. */
struct htab_node **htab_find_link(struct htab *h, uint64_t hash, const void *key, size_t klen);
/* Adds n (the caller knows its key is absent). */
void htab_add(struct htab *h, uint64_t hash, struct htab_node *n);
/* Unlinks and returns the entry with this key, or NULL. */
struct htab_node *htab_remove(struct htab *h, uint64_t hash, const void *key, size_t klen);
/* Unlinks exactly node n (found by identity); false if absent. */
bool htab_unlink(struct htab *h, uint64_t hash, struct htab_node *n);
/* Replace the entry at link with n (same key); the old entry is returned. */
static inline struct htab_node *htab_replace_at(struct htab_node **link, struct htab_node *n)
{
    struct htab_node *old = *link;
    n->next = old->next;
    *link = n;
    return old;
}

/* Migrates up to n buckets (visiting at most 10*n empty ones); false when
 * done. */
bool htab_step(struct htab *h, int n);
/* Migrates in batches for about `us` microseconds; returns buckets moved. */
int htab_rehash_for(struct htab *h, long long us);
/* Grow/shrink policy; called by htab_add and by the owner's timer. */
void htab_expand(struct htab *h, size_t want);
bool htab_shrink_if_needed(struct htab *h);

/* One scan step; see the header comment. Returns the next cursor (0: done). */
typedef void (*htab_scan_fn)(struct htab_node *n, void *priv);
unsigned long long htab_scan(struct htab *h, unsigned long long cursor, htab_scan_fn fn, void *priv);
/* Walk: visits bucket *pos of both arrays and advances it; false once past
 * the end. Buckets are read in address order (cheaper than htab_scan's
 * reverse-binary order: a whole-table pass, such as a snapshot, misses the
 * cache about once per entry instead of twice). The same guarantee as a
 * scan (every entry present throughout is visited at least once) holds
 * while the table grows, because growing moves an entry of bucket b only
 * to buckets >= b; it does NOT hold across a shrink, so the caller must
 * keep the table from shrinking (and finish a shrink in progress, see
 * htab_finish_rehash) for the whole walk. */
bool htab_walk(struct htab *h, size_t *pos, htab_scan_fn fn, void *priv);
/* Completes a rehash in progress at once. */
void htab_finish_rehash(struct htab *h);
/* Is a rehash in progress making the table smaller? */
static inline bool htab_is_shrinking(const struct htab *h)
{
    return h->rehash_idx != -1 && h->mask[1] < h->mask[0];
}

/* A random entry (not perfectly uniform: chains are sampled), or NULL. */
struct htab_node *htab_random(struct htab *h);

/* Calls fn on every entry; fn must not modify the table. Pauses rehash. */
void htab_foreach(struct htab *h, void (*fn)(struct htab_node *n, void *priv), void *priv);

#endif
