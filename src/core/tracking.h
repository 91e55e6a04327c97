/* tracking: server-assisted client-side caching (CLIENT TRACKING), as in
 * Redis 7.0.
 *
 * Default mode. After a read-only command of a tracking client, the keys of
 * that command (cmd_get_keys) are remembered in a server table from key
 * name to the clients that may have cached it (one item per (key, client)).
 * When the key changes (notify_keyspace_event, the one hook every change
 * goes through) each of those clients gets one invalidation message and the
 * key is forgotten: tracking is one-shot per key and client. Keys are not
 * told apart by database, as in Redis. OPTIN remembers only the keys of
 * the command right after CLIENT CACHING YES, OPTOUT all but those after
 * CLIENT CACHING NO; NOLOOP skips the client that made the change.
 *
 * BCAST mode. No per-key memory: the client registers prefixes (none given:
 * the empty prefix, every key); a changed key matching a prefix is queued
 * on that prefix, and before the loop sleeps each prefix sends its queued
 * keys, as one message, to each of its clients.
 *
 * Delivery. A RESP3 client gets a push ">2 invalidate [keys]". With
 * REDIRECT the message goes to the other connection instead: a push if it
 * speaks RESP3, or, if it is a RESP2 subscriber, a Pub/Sub message on
 * __redis__:invalidate. A gone redirect target marks the client
 * broken_redirect and, for RESP3, pushes "tracking-redir-broken <id>".
 * Messages are written with CLIENT_PUSHING (CLIENT REPLY OFF does not
 * silence them). A message for the client whose command is running is
 * queued and sent after that command's reply (after EXEC's whole reply).
 * FLUSHDB/FLUSHALL send every tracking client "invalidate" with a null and
 * empty the table.
 *
 * Limits. tracking-table-max-keys: when the table holds more keys, random
 * keys are invalidated before each command and from cron, 100 more per
 * round while it stays over the limit.
 *
 * Invariants.
 *  1. An item is in its key's list and in its client's table; a key is in
 *     the server table exactly while its list is non-empty.
 *  2. Only clients with CLIENT_TRACKING own items or prefixes; disabling
 *     tracking (OFF, RESET, disconnect) frees them, so nothing refers to a
 *     freed client.
 *  3. srv->tracking_clients counts clients with CLIENT_TRACKING; while it is
 *     0 the table and the prefixes are empty and every hook costs one test
 *     of it. */
#ifndef APIARY_TRACKING_H
#define APIARY_TRACKING_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct client;
struct command;

void tracking_init(struct server *srv);
void tracking_deinit(struct server *srv);

/* Disable tracking for c, freeing its items and prefixes (OFF, RESET,
 * disconnect). */
void tracking_disable(struct client *c);

/* A key changed (called through notify_keyspace_event while
 * srv->tracking_clients > 0). */
void tracking__key_changed(struct server *srv, const char *key, size_t klen);
/* FLUSHDB/FLUSHALL: null invalidation to every tracking client, table
 * emptied. */
void tracking_flush(struct server *srv);
/* After call() ran cmd for a tracking client: remember its keys. */
void tracking__after_call(struct client *c, struct command *cmd);
/* After a top-level command of c, or a blocked c served (while
 * srv->tracking_clients > 0): send the invalidations queued for c while its
 * command ran. */
void tracking__send_pending(struct client *c);
/* After each request of c (while srv->tracking_clients > 0): the same, and
 * the end of CLIENT CACHING's one-command scope. */
void tracking__after_command(struct client *c, struct command *cmd);
/* Before a command and from cron: keep the table under
 * tracking-table-max-keys. */
void tracking__limit(struct server *srv);
/* before_sleep: send the queued BCAST invalidations. */
void tracking__broadcast(struct server *srv);
bool tracking__broadcast_pending(const struct server *srv);

/* INFO and CLIENT LIST. */
void tracking_stats(const struct server *srv, long long *keys, long long *items,
                    long long *prefixes);
/* CLIENT LIST flag letters of c's tracking state ("t", "R", "B") appended
 * at p; returns how many. */
int tracking_client_flags(const struct client *c, char *p);
/* The redirect id (0: none), or -1 when c does not track. */
long long tracking_client_redirect(const struct client *c);

/* CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO handlers. */
void client_tracking_cmd(struct client *c);
void client_caching_cmd(struct client *c);
void client_getredir_cmd(struct client *c);
void client_trackinginfo_cmd(struct client *c);

#endif
