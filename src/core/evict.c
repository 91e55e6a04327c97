/* evict: see evict.h. */
#include "core/evict.h"

#include "base/htab.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/db.h"
#include "core/lazyfree.h"
#include "core/server.h"

#define EVICT_BUDGET_US 50000

static bool volatile_only(int pol)
{
    return pol == MM_VOLATILE_LRU || pol == MM_VOLATILE_LFU || pol == MM_VOLATILE_RANDOM ||
           pol == MM_VOLATILE_TTL;
}

/* A random candidate of db: any key, or one with a TTL. */
static struct kentry *sample(struct db *db, bool vol, long long *when)
{
    if (vol) {
        const struct expnode *en = (const struct expnode *)htab_random(&db->expires);
        if (!en) return NULL;
        *when = en->when;
        return en->ke;
    }
    *when = 0;
    return (struct kentry *)htab_random(&db->keys);
}

static uint32_t idle_of(uint32_t now, uint32_t lru)
{
    return now >= lru ? now - lru : now + (KE_LRU_MAX - lru);
}

/* The policy's victim over every db, or NULL when nothing can go. */
static struct kentry *pick(struct server *srv, int pol, struct db **vdb)
{
    struct keyspace *ks = &srv->ks;
    bool vol = volatile_only(pol);
    bool random = pol == MM_ALLKEYS_RANDOM || pol == MM_VOLATILE_RANDOM;
    uint32_t now = ks_lru_clock(ks);
    struct kentry *best = NULL;
    long long best_score = 0;
    for (int k = 0; k < ks->ndb; k++) {
        int id = (srv->evict_next_db + k) % ks->ndb;
        struct db *db = ks_db(ks, id);
        if (vol ? db_expires_size(db) == 0 : db_size(db) == 0) continue;
        if (random) { /* round robin over dbs, one random key */
            long long when;
            struct kentry *ke = sample(db, vol, &when);
            if (!ke) continue;
            srv->evict_next_db = id + 1;
            *vdb = db;
            return ke;
        }
        for (int i = 0; i < srv->cfg.maxmemory_samples; i++) {
            long long when;
            struct kentry *ke = sample(db, vol, &when);
            if (!ke) break;
            /* higher is a better victim: idle time, or nearness of expiry */
            long long score = pol == MM_VOLATILE_TTL ? -when
                              : ks->lfu.on       ? 255 - (long long)ks_lfu_counter(ks, ke->lru)
                                                 : (long long)idle_of(now, ke->lru);
            if (!best || score > best_score) {
                best = ke;
                best_score = score;
                *vdb = db;
            }
        }
    }
    return best;
}

bool evict_if_needed(struct server *srv)
{
    if (srv->cfg.maxmemory <= 0) return true;
    size_t limit = (size_t)srv->cfg.maxmemory;
    if (mem_used() <= limit) return true;
    int pol = srv->cfg.maxmemory_policy;
    if (pol == MM_NOEVICTION) return false;
    long long start = util_monotonic_us();
    size_t handed = 0; /* bytes given to the lazy free thread, not yet freed */
    while (mem_used() > limit + handed) {
        struct db *db = NULL;
        struct kentry *ke = pick(srv, pol, &db);
        if (!ke) return false;
        if (srv->ks.lazyfree.eviction && obj_free_effort(ke->val) > LAZYFREE_THRESHOLD)
            handed += db_key_mem(db, ke);
        db_evict_entry(&srv->ks, db, ke);
        srv->stats.evicted_keys++;
        if (util_monotonic_us() - start > EVICT_BUDGET_US) break;
    }
    return mem_used() <= limit + handed;
}
