/* evict: keeping used memory under maxmemory by maxmemory-policy.
 *
 * Before a command runs (and when CONFIG SET lowers maxmemory) the server
 * calls evict_if_needed(). Above the limit it removes keys chosen by the
 * policy until memory is under it again or nothing more can go:
 *
 *   allkeys-lru / volatile-lru   the longest idle of maxmemory-samples keys
 *                                sampled from each db (the whole keyspace,
 *                                or keys with a TTL)
 *   allkeys-lfu / volatile-lfu   the lowest access counter of the samples
 *                                (the keyspace keeps LFU counters while such
 *                                a policy is set: lfu-log-factor,
 *                                lfu-decay-time)
 *   allkeys-random / volatile-random   a random key
 *   volatile-ttl                 the nearest expiry among the samples
 *   noeviction                   nothing: write commands get OOM errors
 *
 * Evicted keys count in INFO evicted_keys and fire the "evicted" keyspace
 * event (which also touches WATCH). Under lazyfree-lazy-eviction the values
 * are freed by the lazy free thread: their size is counted as freed at
 * once so eviction does not overshoot while the thread works. One call
 * works at most EVICT_BUDGET_US; what is left is done by the next. */
#ifndef APIARY_EVICT_H
#define APIARY_EVICT_H

#include <stdbool.h>

struct server;

/* True when used memory is under maxmemory (or there is none) after
 * evicting what the policy allows. */
bool evict_if_needed(struct server *srv);

#endif
