/* htab: see htab.h for how it works and its invariants. */
#include "base/htab.h"

#include "base/mem.h"
#include "base/util.h"

#include <string.h>

#define HTAB_MIN_SLOTS 4

void htab_init(struct htab *h, const struct htab_type *type)
{
    memset(h, 0, sizeof(*h));
    h->type = type;
    h->rehash_idx = -1;
}

size_t htab_slots(const struct htab *h)
{
    return (h->t[0] ? h->mask[0] + 1 : 0) + (h->t[1] ? h->mask[1] + 1 : 0);
}

void htab_deinit(struct htab *h, void (*free_fn)(struct htab_node *n, void *priv), void *priv)
{
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) continue;
        if (free_fn) {
            for (size_t b = 0; b <= h->mask[i]; b++) {
                struct htab_node *n = h->t[i][b];
                while (n) {
                    struct htab_node *next = n->next;
                    free_fn(n, priv);
                    n = next;
                }
            }
        }
        mem_free(h->t[i]);
    }
    const struct htab_type *type = h->type;
    htab_init(h, type);
}

static size_t next_pow2(size_t n)
{
    size_t s = HTAB_MIN_SLOTS;
    while (s < n && s < ((size_t)1 << 62)) s <<= 1;
    return s;
}

/* Start migrating to an array of `slots` slots (a power of two). */
static void htab__resize(struct htab *h, size_t slots)
{
    if (htab_is_rehashing(h)) return;
    struct htab_node **nt = mem_calloc(slots * sizeof(*nt));
    if (!h->t[0]) {
        h->t[0] = nt;
        h->mask[0] = slots - 1;
        h->used[0] = 0;
        return;
    }
    if (slots == h->mask[0] + 1) {
        mem_free(nt);
        return;
    }
    h->t[1] = nt;
    h->mask[1] = slots - 1;
    h->used[1] = 0;
    h->rehash_idx = 0;
}

void htab_expand(struct htab *h, size_t want) { htab__resize(h, next_pow2(want)); }

bool htab_shrink_if_needed(struct htab *h)
{
    if (!h->t[0] || htab_is_rehashing(h) || h->paused) return false;
    size_t slots = h->mask[0] + 1, used = h->used[0];
    if (slots > HTAB_MIN_SLOTS && used * 8 < slots) {
        htab__resize(h, next_pow2(used));
        return true;
    }
    return false;
}

bool htab_step(struct htab *h, int n)
{
    if (!htab_is_rehashing(h)) return false;
    if (h->paused) return true;
    int empty_visits = n * 10;
    while (n-- && h->used[0]) {
        while (h->t[0][h->rehash_idx] == NULL) {
            h->rehash_idx++;
            if (--empty_visits == 0) return true;
        }
        struct htab_node *e = h->t[0][h->rehash_idx];
        while (e) {
            struct htab_node *next = e->next;
            size_t idx = h->type->hash(e) & h->mask[1];
            e->next = h->t[1][idx];
            h->t[1][idx] = e;
            h->used[0]--;
            h->used[1]++;
            e = next;
        }
        h->t[0][h->rehash_idx] = NULL;
        h->rehash_idx++;
    }
    if (h->used[0] == 0) {
        mem_free(h->t[0]);
        h->t[0] = h->t[1];
        h->mask[0] = h->mask[1];
        h->used[0] = h->used[1];
        h->t[1] = NULL;
        h->mask[1] = 0;
        h->used[1] = 0;
        h->rehash_idx = -1;
        return false;
    }
    return true;
}

int htab_rehash_for(struct htab *h, long long us)
{
    if (h->paused) return 0;
    long long start = util_monotonic_us();
    int moved = 0;
    while (htab_step(h, 100)) {
        moved += 100;
        if (util_monotonic_us() - start > us) break;
    }
    return moved;
}

static inline void htab__maybe_grow(struct htab *h)
{
    if (htab_is_rehashing(h)) return;
    if (!h->t[0]) {
        htab__resize(h, HTAB_MIN_SLOTS);
        return;
    }
    /* load factor 1: double (the next power of two above the size) */
    if (h->used[0] >= h->mask[0] + 1) htab__resize(h, next_pow2(h->used[0] + 1));
}

struct htab_node **htab_find_link(struct htab *h, uint64_t hash, const void *key, size_t klen)
{
    if (htab_size(h) == 0) return NULL;
    if (htab_is_rehashing(h)) htab_step(h, 1);
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) break;
        struct htab_node **link = &h->t[i][hash & h->mask[i]];
        while (*link) {
            if (h->type->eq(*link, key, klen)) return link;
            link = &(*link)->next;
        }
        if (!htab_is_rehashing(h)) break;
    }
    return NULL;
}

struct htab_node *htab_find(struct htab *h, uint64_t hash, const void *key, size_t klen)
{
    struct htab_node **link = htab_find_link(h, hash, key, klen);
    return link ? *link : NULL;
}

void htab_add(struct htab *h, uint64_t hash, struct htab_node *n)
{
    if (htab_is_rehashing(h)) htab_step(h, 1);
    htab__maybe_grow(h);
    int i = htab_is_rehashing(h) ? 1 : 0;
    struct htab_node **b = &h->t[i][hash & h->mask[i]];
    n->next = *b;
    *b = n;
    h->used[i]++;
}

struct htab_node *htab_remove(struct htab *h, uint64_t hash, const void *key, size_t klen)
{
    if (htab_size(h) == 0) return NULL;
    if (htab_is_rehashing(h)) htab_step(h, 1);
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) break;
        struct htab_node **link = &h->t[i][hash & h->mask[i]];
        while (*link) {
            if (h->type->eq(*link, key, klen)) {
                struct htab_node *n = *link;
                *link = n->next;
                h->used[i]--;
                return n;
            }
            link = &(*link)->next;
        }
        if (!htab_is_rehashing(h)) break;
    }
    return NULL;
}

bool htab_unlink(struct htab *h, uint64_t hash, struct htab_node *n)
{
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) break;
        struct htab_node **link = &h->t[i][hash & h->mask[i]];
        while (*link) {
            if (*link == n) {
                *link = n->next;
                h->used[i]--;
                return true;
            }
            link = &(*link)->next;
        }
        if (!htab_is_rehashing(h)) break;
    }
    return false;
}

static inline unsigned long long rev64(unsigned long long v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

static void scan_bucket(struct htab_node *n, htab_scan_fn fn, void *priv)
{
    while (n) {
        struct htab_node *next = n->next; /* fn may not free n, but be safe */
        fn(n, priv);
        n = next;
    }
}

/* Reverse-binary increment under mask m: set the bits above the mask, then
 * increment the reversed cursor. Buckets of the bigger table that expand
 * from a bucket of the smaller one are visited together, so growth or
 * shrink between calls never skips an entry. */
unsigned long long htab_scan(struct htab *h, unsigned long long v, htab_scan_fn fn, void *priv)
{
    if (htab_size(h) == 0) return 0;
    h->paused++;
    if (!htab_is_rehashing(h)) {
        unsigned long long m0 = h->mask[0];
        scan_bucket(h->t[0][v & m0], fn, priv);
        v |= ~m0;
        v = rev64(v);
        v++;
        v = rev64(v);
    } else {
        int small = 0, big = 1;
        if (h->mask[0] > h->mask[1]) { small = 1; big = 0; }
        unsigned long long m0 = h->mask[small], m1 = h->mask[big];
        scan_bucket(h->t[small][v & m0], fn, priv);
        do {
            scan_bucket(h->t[big][v & m1], fn, priv);
            v |= ~m1;
            v = rev64(v);
            v++;
            v = rev64(v);
        } while (v & (m0 ^ m1));
    }
    h->paused--;
    return v;
}

bool htab_walk(struct htab *h, size_t *pos, htab_scan_fn fn, void *priv)
{
    size_t j = *pos;
    bool two = htab_is_rehashing(h);
    size_t end = h->mask[0];
    if (two && h->mask[1] > end) end = h->mask[1];
    if (!h->t[0] || j > end) return false;
    h->paused++;
    /* the entries a few buckets ahead are what the next calls will touch */
    if (j + 8 <= h->mask[0] && h->t[0][j + 8]) __builtin_prefetch(h->t[0][j + 8]);
    if (j <= h->mask[0]) scan_bucket(h->t[0][j], fn, priv);
    if (two && j <= h->mask[1]) scan_bucket(h->t[1][j], fn, priv);
    h->paused--;
    *pos = j + 1;
    return j + 1 <= end;
}

void htab_finish_rehash(struct htab *h)
{
    if (h->paused) return; /* cannot move now; callers hold no pause */
    while (htab_is_rehashing(h)) htab_step(h, 1024);
}

/* A uniformly chosen bucket slot of either array (t[0] slots below
 * rehash_idx are empty and skipped). */
static struct htab_node *random_bucket(struct htab *h)
{
    if (htab_is_rehashing(h)) {
        size_t s0 = h->mask[0] + 1, s1 = h->mask[1] + 1;
        size_t r = (size_t)h->rehash_idx + util_rand() % (s0 + s1 - (size_t)h->rehash_idx);
        return r >= s0 ? h->t[1][r - s0] : h->t[0][r];
    }
    return h->t[0][util_rand() & h->mask[0]];
}

/* Fair choice by rejection sampling: draw a slot and a depth d < 8; accept
 * the d-th entry of that chain if it exists. Every entry within the first 8
 * of its chain is equally likely (chains are about 1 long at load factor 1,
 * so that is all of them in practice); about 8 * slots / entries draws are
 * needed. After many misses it falls back to a plain chain sample. */
#define HTAB_RANDOM_DEPTH 8
struct htab_node *htab_random(struct htab *h)
{
    if (htab_size(h) == 0) return NULL;
    if (htab_is_rehashing(h)) htab_step(h, 1);
    for (int tries = 0; tries < 4096; tries++) {
        struct htab_node *n = random_bucket(h);
        size_t depth = util_rand() % HTAB_RANDOM_DEPTH;
        while (n && depth--) n = n->next;
        if (n) return n;
    }
    struct htab_node *head;
    do {
        head = random_bucket(h);
    } while (!head);
    size_t len = 0;
    for (struct htab_node *n = head; n; n = n->next) len++;
    size_t pick = util_rand() % len;
    while (pick--) head = head->next;
    return head;
}

void htab_foreach(struct htab *h, void (*fn)(struct htab_node *n, void *priv), void *priv)
{
    h->paused++;
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) continue;
        for (size_t b = 0; b <= h->mask[i]; b++) scan_bucket(h->t[i][b], fn, priv);
    }
    h->paused--;
}
