/* propagate: the dataset's change stream. Every change is described as the
 * commands that replay it, in RESP, in the order they happened: the
 * append-only file (src/persist/aof) consumes it, and replicas will.
 *
 * Execution units. The changes of one top-level command, with the keys it
 * found expired on the way and, for EXEC, every queued command, form one
 * unit: collected by prop_add while it runs and handed to the sink when it
 * ends (cmd.c's call), wrapped in MULTI/EXEC when there is more than one
 * command, so a replay applies them together. Changes made outside a
 * command (active expiry, eviction before a command) are units of their
 * own.
 *
 * What is propagated. A write command that changed something (srv->dirty
 * moved) propagates its own argv, unless it said otherwise with
 * prop_command (replay must be deterministic: SPOP propagates SREM of what
 * it popped, INCRBYFLOAT a SET of the result, relative TTLs become absolute
 * PEXPIREAT/PXAT times, blocking pops their non-blocking form). A command that changes nothing must not move srv->dirty.
 * An expired or evicted key propagates DEL (UNLINK under lazy freeing).
 * A blocked client served later runs outside call(): its retry propagates
 * with prop_command itself. docs/architecture.md lists every rewrite.
 *
 * Replica-only commands. PUBLISH/SPUBLISH go to replicas and not to the
 * AOF (prop_replicas_only): a unit that holds one is kept in two versions,
 * `unit` for the replicas' sink (prop_attach_replicas) and `unit_all`
 * without it for the others; a unit without one is built once.
 *
 * The stream carries SELECT whenever the database changes; prop_reset_db
 * forces one before the next command (a new AOF file starts with it).
 *
 * Cost: with no sink (srv->prop.sink NULL) every entry point is one
 * branch. */
#ifndef APIARY_PROPAGATE_H
#define APIARY_PROPAGATE_H

#include "base/util.h"
#include "core/sbuf.h"

#include <stdbool.h>
#include <stddef.h>

struct server;
struct client;

typedef void prop_sink_fn(struct server *srv, const char *p, size_t len, void *priv);

#define PROP_MAX_SINKS 64

struct propagation {
    /* the stream's consumers (the AOF, replicas); `sink` is the one entry
     * point, non-NULL while anyone consumes and nothing suspended it */
    prop_sink_fn *sink;
    void *sink_priv;
    struct {
        prop_sink_fn *fn;
        void *priv;
        bool replicas; /* also gets replica-only commands (PUBLISH) */
    } sinks[PROP_MAX_SINKS];
    int nsinks;
    int suspended;     /* prop_suspend depth: replaying the AOF */
    struct sbuf unit;  /* the current unit, encoded */
    size_t first_cmd;  /* where the unit's first command starts (after a SELECT) */
    int ops;           /* commands in the unit */
    int stream_db;     /* the db selected in the stream, -1 none yet */
    int depth;         /* nested calls running (EXEC, blocked clients served) */
    /* once the unit holds a replica-only command, the same unit without
     * such commands, for the other sinks (the AOF) */
    bool split;
    struct sbuf unit_all; /* without replica-only commands */
    size_t first_cmd_all;
    int ops_all;
};

/* A consumer starts or stops receiving the stream; a new one gets a SELECT
 * before the next command. attach fails (-1) beyond PROP_MAX_SINKS. */
int prop_attach(struct server *srv, prop_sink_fn *fn, void *priv);
/* The same for the replicas' sink, which also receives what goes to
 * replicas only (prop_replicas_only). */
int prop_attach_replicas(struct server *srv, prop_sink_fn *fn, void *priv);
void prop_detach(struct server *srv, prop_sink_fn *fn, void *priv);
/* While suspended nothing is propagated (replaying the AOF must not write
 * it again); nests. */
void prop_suspend(struct server *srv);
void prop_resume(struct server *srv);

/* Appends a command to the current unit (a unit of its own when no
 * command is running). */
void prop_add(struct server *srv, int db, int argc, const struct slice *argv);
/* The same for a command given as C strings / lengths. */
void prop_addv(struct server *srv, int db, int argc, const char **argv, const size_t *lens);
/* The running command propagates this instead of itself (may be called
 * several times). */
void prop_command(struct client *c, int argc, const struct slice *argv);
void prop_commandv(struct client *c, int argc, const char **argv, const size_t *lens);
/* The running command (PUBLISH, SPUBLISH) also propagates itself to
 * replicas, and only to them, as Redis 7.0 does: not to the AOF. */
void prop_replicas_only(struct client *c);
/* The running command propagates DEL key, or UNLINK key when `unlink` (a
 * deletion whose freeing follows a lazyfree-lazy-* directive, as Redis
 * 7.0 names it). */
void prop_del(struct client *c, const char *key, size_t klen, bool unlink);
/* The unit ends: hand it to the sink. */
void prop_flush(struct server *srv);
/* The next command in the stream is preceded by SELECT. */
static inline void prop_reset_db(struct propagation *p) { p->stream_db = -1; }

/* A key expired or was evicted (from the keyspace's event hook). */
void prop_key_deleted(struct server *srv, int db, const char *key, size_t klen, bool lazy);

#endif
