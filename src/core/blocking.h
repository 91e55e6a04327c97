/* blocking: clients that wait on keys (BLPOP, BLMOVE, BLMPOP; later
 * BZPOPMIN/BZPOPMAX/BZMPOP and XREAD) until a key can serve them or a
 * deadline passes. The module knows nothing of types: a type blocks a
 * client with a retry callback and a small copied state, and the module
 * calls the callback when one of the keys may have become serveable.
 *
 * How a type uses it (a blocking pop, in its command handler):
 *
 *   long long deadline;
 *   if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
 *   ... try every key; serve and return if one has something ...
 *   if (!blocking_allowed(c)) { reply_null_array(c); return; }   (inside EXEC)
 *   struct my_state st = {...};     (plain bytes: copied, the handler's
 *                                    argv is gone when retry runs)
 *   blocking_block(c, &c->argv[1], nkeys, deadline, my_retry, &st, sizeof(st));
 *
 * and when a key it changed in place gained elements (a key created
 * through db_add/db_set is signalled by the keyspace itself):
 *
 *   blocking_signal_key(srv, db, key, klen);
 *
 * The retry callback gets the client, the ready key and the state. It
 * looks the key up in c->db itself; if it can serve (the key exists with
 * the right type and elements) it replies to c, changes the keyspace as
 * the command would have, and returns BLOCKING_SERVED: the client is then
 * unblocked. Otherwise it changes nothing, replies nothing and returns
 * BLOCKING_KEEP. It may reply an error and return BLOCKING_SERVED (BLMOVE
 * whose destination has the wrong type). It must not use c->argv. A
 * retry that changes the keyspace propagates the change itself with
 * prop_command/prop_commandv (core/propagate.h), as the command that
 * replays it (BLPOP served later goes out as LPOP key): nothing else
 * does, since no call() runs; each served client is one unit of the
 * change stream.
 *
 * Order and timing. Waiters of a key are served first come, first served.
 * Ready keys are served after each top-level command (after EXEC as a
 * whole, so pushes inside a transaction serve waiters when it ends) and
 * before the loop sleeps; what a served client does (BLMOVE's push) can
 * make more keys ready, which are served in the same pass. A served or
 * timed-out client's pipelined input runs from before_sleep.
 *
 * Timeouts: deadlines are unix ms (0 = forever) in a min-heap with one
 * loop timer armed at the earliest, so they fire within a millisecond or
 * so. A timed-out client, or one unblocked by CLIENT UNBLOCK ... TIMEOUT,
 * gets a null array (RESP3 null), as every Redis blocking pop replies;
 * CLIENT UNBLOCK ... ERROR replies "UNBLOCKED client unblocked via CLIENT
 * UNBLOCK". A client that disconnects or is killed leaves every wait list.
 *
 * Cost when nobody waits: blocking_signal_key and the keyspace hook test
 * one counter (ks.key_waiters, the number of blocked clients).
 *
 * Redis 7.0 behaviours kept: a key that becomes another type does not
 * wake its waiters (they stay blocked until the key holds their type);
 * inside MULTI/EXEC (CLIENT_DENY_BLOCKING) a command must not block and
 * answers as on timeout. SWAPDB signals the waited keys that exist in the
 * swapped dbs (blocking_signal_db). */
#ifndef APIARY_BLOCKING_H
#define APIARY_BLOCKING_H

#include "core/server.h"

#include <stdbool.h>
#include <stddef.h>

struct client;
struct db;
struct slice;

enum blocking_result { BLOCKING_KEEP = 0, BLOCKING_SERVED = 1 };

typedef enum blocking_result blocking_retry_fn(struct client *c, const char *key, size_t klen,
                                               void *state);

/* How a wait ends other than by being served. */
enum blocking_end {
    BLOCKING_END_TIMEOUT, /* reply as on timeout: null array */
    BLOCKING_END_ERROR,   /* reply the UNBLOCKED error */
    BLOCKING_END_ROLE,    /* the server became a replica: UNBLOCKED, then the client is closed */
};

void blocking_init(struct server *srv);
void blocking_deinit(struct server *srv);

/* The timeout argument in seconds (a float) as an absolute unix-ms
 * deadline, 0 for none. Replies Redis's error and returns false when it is
 * not a number or negative. */
bool blocking_parse_timeout(struct client *c, const struct slice *arg, long long *deadline_ms);

/* False while the command runs where it must not block (inside EXEC):
 * it then replies as on timeout. */
bool blocking_allowed(const struct client *c);

/* Block c on nkeys keys (duplicates are waited on once) of c->db until
 * deadline_ms (0: forever). state_len bytes of state are copied and handed
 * to retry, aligned for any type. The caller has replied nothing. */
void blocking_block(struct client *c, const struct slice *keys, int nkeys, long long deadline_ms,
                    blocking_retry_fn *retry, const void *state, size_t state_len);

void blocking__signal(struct server *srv, struct db *db, const char *key, size_t klen);
/* Key in db may now serve waiters (cheap when nobody waits). */
static inline void blocking_signal_key(struct server *srv, struct db *db, const char *key,
                                       size_t klen)
{
    if (srv->ks.key_waiters) blocking__signal(srv, db, key, klen);
}

void blocking__signal_db(struct server *srv, struct db *db);
/* Every waited key that exists in db is ready (SWAPDB changed its contents). */
static inline void blocking_signal_db(struct server *srv, struct db *db)
{
    if (srv->ks.key_waiters) blocking__signal_db(srv, db);
}

/* Serve the waiters of every ready key (after a top-level command). */
void blocking_serve_ready(struct server *srv);
/* before_sleep: serve ready keys, then run the input of unblocked clients,
 * until neither is left. */
void blocking_before_sleep(struct server *srv);

/* CLIENT UNBLOCK: end c's wait with the given reply; false if c is not
 * blocked on keys. */
bool blocking_unblock(struct client *c, enum blocking_end how);
/* c is being freed: leave every wait list, reply nothing. */
void blocking_client_gone(struct client *c);

#endif
