/* replica: the replica's side of replication (REPLICAOF / SLAVEOF, the
 * `replicaof` directive).
 *
 * A replica keeps one link to its master, driven entirely by the event loop
 * (nothing here blocks: names are resolved on a helper thread, the connect
 * is non-blocking, the handshake and the payload are read as they arrive):
 *
 *   state        ROLE says    what happens                      next
 *   ----------   ----------   -------------------------------   -----------------------------
 *   CONNECT      connect      waiting for the next attempt      RESOLVING (cron, when due)
 *   RESOLVING    connecting   host name -> address (thread)     CONNECTING
 *   CONNECTING   connecting   non-blocking connect()            HANDSHAKE (socket writable)
 *   HANDSHAKE    handshake    PING, [AUTH], REPLCONF            TRANSFER (+FULLRESYNC),
 *                             listening-port, REPLCONF capa,    CONNECTED (+CONTINUE)
 *                             PSYNC (SYNC for old masters)
 *   TRANSFER     sync         "$<len>" or "$EOF:<mark>" payload TRANSFER -> CONNECTED after
 *                             read into memory                  the persist hook sync_load
 *   CONNECTED    connected    the stream: the link is a client
 *                             with CLIENT_MASTER
 *
 * Any failure (refused connect, error reply, malformed payload or stream,
 * repl-timeout without data) closes the link, logs why, and goes back to
 * CONNECT with a backoff (1 s doubling up to repl-reconnect-max-delay).
 *
 * Ownership. The server owns `struct replica` (srv->replica, NULL while a
 * master) and with it the link: its socket until CONNECTED, then the
 * master client (srv->replica's `master`), which the client list owns like
 * any client; when that client is freed (link lost, or a malformed stream)
 * client_free calls replica_master_gone.
 *
 * The stream. The master client's requests run through cmd_dispatch like
 * any client's (so MULTI, SELECT, expiry rules and propagation to this
 * server's AOF work unchanged) but its replies are not sent, except
 * REPLCONF ACK <offset> (every second, on GETACK, and right after the
 * load, which a diskless master waits for). srv->repl_offset counts the
 * bytes of commands applied, a MULTI block at its EXEC. */
#ifndef APIARY_REPLICA_H
#define APIARY_REPLICA_H

#include "core/client.h"

#include <stdbool.h>
#include <stddef.h>

struct server;
struct sbuf;

/* Become a replica of host:port (from another master: the old link goes).
 * The first attempt starts at once. */
void replica_set_master(struct server *srv, const char *host, int port);
/* Stop replicating and be a master again, keeping the data (a new
 * replication id; the old one stays valid as replid2). */
void replica_set_none(struct server *srv);
/* Frees the link at shutdown. */
void replica_deinit(struct server *srv);
/* Once per server cron: retries, timeouts, ACKs. */
void replica_cron(struct server *srv);

/* The link is up: the stream is being applied. */
bool replica_link_up(const struct server *srv);
/* client_free of the master client. */
void replica_master_gone(struct client *c);
/* Bytes read from the master (slave_read_repl_offset, last I/O time). */
void replica__read(struct client *c, size_t n);
/* Bytes of one request the master client has run. */
static inline void replica_applied(struct client *c, size_t n, long long *offset)
{
    c->repl_unapplied += (long long)n;
    if (!(c->flags & CLIENT_MULTI)) {
        *offset += c->repl_unapplied;
        c->repl_unapplied = 0;
    }
}
/* Writes REPLCONF ACK <offset> to the master client. */
void replica_send_ack(struct client *master);

/* INFO replication's replica fields (after role:slave). */
void replica_info(struct server *srv, struct sbuf *b);
/* ROLE's reply for a replica. */
void replica_role(struct client *c);

#endif
