/* multi: transactions. MULTI starts queuing a client's commands (each
 * checked for existence and arity as it is queued, answered +QUEUED); EXEC
 * runs them back to back, nothing else interleaving, and replies with an
 * array of their replies; a queuing error makes EXEC answer EXECABORT and
 * run nothing; DISCARD drops the queue. Queued commands own copies of
 * their arguments (the query buffer is reused meanwhile).
 *
 * WATCH (optimistic locking): a client watches keys of its db; any change
 * to one of them by anyone (a write, expiry, eviction, FLUSHDB/FLUSHALL/
 * SWAPDB when the key existed) marks the client CLIENT_DIRTY_CAS and EXEC
 * then answers a null array and runs nothing. A key that was already
 * logically expired when watched does not count as changed when it is
 * merely deleted as expired; a key that expires after WATCH does. Watches
 * end at EXEC, DISCARD, UNWATCH, RESET and disconnect.
 *
 * Every change reaches watch_touch_key() through notify_keyspace_event()
 * (core/notify.h), the one call each write command makes per changed key;
 * with nothing watched it costs one test. */
#ifndef APIARY_MULTI_H
#define APIARY_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct command;

/* Commands that act on the transaction itself rather than being queued. */
bool multi_runs_now(const struct command *cmd);
void multi_queue(struct client *c, struct command *cmd);
/* EXEC's checks: flags any queued command has (any), and flags some
 * queued command lacks (lacking); 0 and 0 outside MULTI. */
void multi_queued_flags(const struct client *c, uint32_t *any, uint32_t *lacking);
/* Commands queued in c's transaction (CLIENT LIST's multi=), -1 outside MULTI. */
int multi_queued_count(const struct client *c);
/* Drop the queue and leave MULTI state (DISCARD, RESET, disconnect). */
void multi_discard(struct client *c);

struct server;
struct db;
void watch_init(struct server *srv);
void watch_deinit(struct server *srv);
/* Forget every key c watches (and its dirty flag). */
void watch_unwatch_all(struct client *c);
void watch__touch(struct server *srv, int dbid, const char *key, size_t klen, bool expired);
/* FLUSHDB/FLUSHALL (other NULL) and SWAPDB (other: the db swapped with):
 * touch watched keys of db that exist in db or in other. Call before the
 * change. */
void watch_touch_db(struct server *srv, struct db *db, struct db *other);

#endif
