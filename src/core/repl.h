/* repl: replication, the master's side of a full synchronisation.
 *
 * SYNC and PSYNC turn the asking connection into a replica: it gets the
 * whole data set as an RDB payload ("$<len>\r\n" and the bytes, after
 * "+FULLRESYNC <replid> <offset>\r\n" for PSYNC), then the change stream
 * (core/propagate), as every Redis replica and Redis's own test harness
 * expect. The payload is made at once, on the loop (a forkless snapshot to
 * the socket is the next step). Replicas are clients with CLIENT_REPLICA:
 * their output counts against the replica output-buffer limit, and they
 * receive a PING every repl-ping-replica-period seconds. */
#ifndef APIARY_REPL_H
#define APIARY_REPL_H

#include <stdbool.h>

struct server;
struct client;
struct sbuf;

/* client_free: a replica that goes stops receiving the stream. */
void repl_client_gone(struct client *c);
void repl_cron(struct server *srv);
/* INFO replication: the role (the replica's link, core/replica), our
 * replicas, the replication id and offset */
void repl_info(struct server *srv, struct sbuf *b);
/* srv->repl_good_replicas: replicas that acknowledged within
 * min-replicas-max-lag (cron; CONFIG SET) */
void repl_refresh_good_replicas(struct server *srv);
/* min-replicas-to-write: writes are refused now (too few replicas
 * acknowledged lately; a replica never refuses for this) */
bool repl_too_few_replicas(const struct server *srv);

#endif
