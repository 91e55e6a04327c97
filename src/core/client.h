/* client: one connected client: its connection, query buffer, parsed
 * request, reply buffers and state flags.
 *
 * Data flow. The read handler appends bytes to `qbuf`; client_process_input()
 * parses whole requests out of it (resp_parse, resumable) and hands each to
 * cmd_dispatch(). Handlers write replies through reply.h into `obuf` (a
 * fixed inline buffer) and, when it is full, into a list of blocks. A client
 * with output is put on the server's pending-write list once; before the
 * loop sleeps, every pending client is written with one writev, and only a
 * client whose socket is full gets a write handler. Reading/parsing and
 * writing never call into command code, and command code never touches the
 * socket, so the I/O half can move to threads later.
 *
 * Lifetime. A client is freed by client_free() (synchronously, when no
 * command of it is running) or marked CLIENT_CLOSE_ASAP and freed from
 * before_sleep. */
#ifndef APIARY_CLIENT_H
#define APIARY_CLIENT_H

#include "base/htab.h"
#include "base/util.h"
#include "net/net.h"
#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct db;
struct command;

#define CLIENT_OBUF_SIZE (16 * 1024)
#define CLIENT_IOBUF_LEN (16 * 1024)

enum client_flags {
    CLIENT_CLOSE_AFTER_REPLY = 1u << 0,
    CLIENT_CLOSE_ASAP = 1u << 1,
    CLIENT_PENDING_WRITE = 1u << 2,
    CLIENT_MONITOR = 1u << 3,
    CLIENT_NO_EVICT = 1u << 4,
    CLIENT_REPLY_OFF = 1u << 5,
    CLIENT_REPLY_SKIP_NEXT = 1u << 6,
    CLIENT_REPLY_SKIP = 1u << 7,
    CLIENT_BLOCKED = 1u << 8,
    CLIENT_PUBSUB = 1u << 9,
    CLIENT_UNIX = 1u << 10,
    CLIENT_IN_CMD = 1u << 11,
    CLIENT_WRITE_HANDLER = 1u << 12,
    CLIENT_PROTECTED = 1u << 13, /* don't free: a command of it runs */
    CLIENT_NO_TOUCH = 1u << 14,
    CLIENT_PAUSED = 1u << 15,
    CLIENT_AUTHENTICATED = 1u << 16, /* passed AUTH, or no password was required */
    CLIENT_REQ_READY = 1u << 17, /* c->req holds a parsed request at qpos (held by a pause) */
    CLIENT_MULTI = 1u << 18,       /* between MULTI and EXEC/DISCARD: commands are queued */
    CLIENT_MULTI_DIRTY = 1u << 19, /* a queuing error: EXEC will abort */
    CLIENT_PUSHING = 1u << 24, /* writing a push (Pub/Sub): CLIENT REPLY OFF/SKIP do not apply */
    CLIENT_PROP_CUSTOM = 1u << 25, /* the running command chose what it propagates (core/propagate) */
    CLIENT_LOADING = 1u << 26,     /* the AOF loader's client: replays, never blocks */
    CLIENT_REPLICA = 1u << 27,     /* a replica after SYNC/PSYNC: gets the change stream (core/repl) */
    CLIENT_MASTER = 1u << 28,      /* our master's link (core/replica): its replies are not sent */
    CLIENT_MASTER_REPLY = 1u << 29, /* writing to the master anyway (REPLCONF ACK) */
    CLIENT_DENY_BLOCKING = 1u << 20, /* running inside EXEC: blocking commands must not block */
    CLIENT_DIRTY_CAS = 1u << 21,     /* a watched key changed: EXEC will fail */
    CLIENT_TRACKING = 1u << 22,      /* CLIENT TRACKING on: c->tracking is set (core/tracking) */
    /* the scripting engine's internal client (src/script): its replies are
     * captured in its buffers for the script to read, it is never written
     * to a socket, never listed (CLIENT LIST) and never closed by limits */
    CLIENT_SCRIPT = 1u << 23,
};

struct rblock {
    struct rblock *next;
    size_t size, used;
    char data[];
};

struct client {
    struct htab_node id_node; /* in srv->clients_by_id */
    uint64_t id;
    struct conn conn;
    struct server *srv;
    struct db *db;
    int resp;
    uint32_t flags;
    char *name;
    char *lib_name, *lib_ver;
    char addr[64], laddr[64];
    long long ctime_ms, last_interaction_ms;

    /* input */
    char *qbuf;
    size_t qlen, qcap, qpos; /* qpos: start of the request being parsed */
    size_t qbuf_peak;
    struct resp_req req;
    int argc;
    struct slice *argv;
    int argv_cap;
    struct command *cmd, *lastcmd;
    struct multi_state *mstate; /* queued commands of MULTI, or NULL */
    struct pubsub_client *ps;   /* subscriptions (core/pubsub), or NULL */
    struct watcher *watched;    /* WATCHed keys (core/multi), or NULL */
    int repl_listening_port; /* REPLCONF listening-port (INFO replication) */
    long long repl_ack_off, repl_ack_ms; /* a replica's last REPLCONF ACK */
    long long repl_unapplied; /* the master link: bytes of commands run but not yet counted
                               * in the offset (a MULTI counts at its EXEC) */
    struct blocked_state *bstate; /* keys waited on while CLIENT_BLOCKED (core/blocking) */
    struct tracking_client *tracking; /* client-side caching state (core/tracking), or NULL */

    /* output */
    char *obuf;
    size_t olen, osent;
    struct rblock *rhead, *rtail;
    size_t rbytes;      /* bytes held in blocks, unsent */
    size_t rhead_sent;  /* bytes of rhead already written */
    long long obuf_soft_since_ms;
    size_t obuf_peak;

    /* lists */
    struct client *prev, *next;
    struct client *pw_next;
    struct client *mon_next;

    /* per-client stats */
    long long net_in, net_out, commands;
};

/* Accept path: creates a client for an accepted fd (server.c owns the
 * listener). NULL when maxclients is reached (after replying the error). */
struct client *client_new(struct server *srv, int fd, enum conn_kind kind);
void client_free(struct client *c);
/* The scripting engine's client: no connection, not in the client list,
 * flagged CLIENT_SCRIPT; freed with client_free. */
struct client *client_new_script(struct server *srv);
/* While a script runs past busy-reply-threshold the loop serves other
 * clients; the script's caller must not read (its request is in use):
 * stop and restart watching its socket. No-op without a socket. */
void client_stop_reading(struct client *c);
void client_resume_reading(struct client *c);
/* Free later, from before_sleep (safe from inside a command). */
void client_close_async(struct client *c);

/* Parse and run every whole request in the query buffer. */
void client_process_input(struct client *c);
/* Write pending output; returns -1 if the client was freed. */
int client_write(struct client *c, bool from_handler);
/* before_sleep: write every client with pending output. */
void clients_flush_pending(struct server *srv);
/* Idle timeouts etc., called from cron. */
void clients_cron(struct server *srv);
/* If a CLIENT PAUSE is over (or was ended by UNPAUSE), run the commands
 * that waited for it. Called before the loop sleeps. */
void clients_unpause_if_due(struct server *srv);

/* Total unsent output bytes. */
static inline size_t client_obuf_bytes(const struct client *c)
{
    return (c->olen - c->osent) + c->rbytes - c->rhead_sent;
}
/* CLIENT LIST line for c, into buf (NUL-terminated); returns length. */
size_t client_info_line(struct client *c, char *buf, size_t len);
enum obuf_class client_obuf_class(const struct client *c);

#endif
