/* repl: see repl.h. */
#include "core/repl.h"

#include "base/log.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"

#include <stdio.h>
#include <string.h>

/* One sink for every replica: the stream goes into each one's output. */
static void replicas_sink(struct server *srv, const char *p, size_t len, void *priv)
{
    for (struct client *c = srv->clients_head; c; c = c->next)
        if (c->flags & CLIENT_REPLICA) reply_raw(c, p, len);
    srv->repl_offset += (long long)len;
}

static void become_replica(struct client *c, bool psync)
{
    struct server *srv = c->srv;
    struct sbuf payload = {0};
    long long start = util_mstime();
    if (srv->persist_hooks) srv->persist_hooks->sync_payload(srv, &payload);
    char hdr[128];
    if (psync) {
        int n = snprintf(hdr, sizeof hdr, "+FULLRESYNC %s %lld\r\n", srv->runid, srv->repl_offset);
        reply_raw(c, hdr, (size_t)n);
    }
    int n = snprintf(hdr, sizeof hdr, "$%zu\r\n", payload.len);
    reply_raw(c, hdr, (size_t)n);
    reply_raw(c, payload.p ? payload.p : "", payload.len);
    c->flags |= CLIENT_REPLICA;
    if (srv->nreplicas++ == 0) {
        prop_attach(srv, replicas_sink, NULL);
        srv->repl_last_ping_ms = server_now_ms(srv); /* the first PING a period from now */
    }
    else prop_reset_db(&srv->prop); /* the newcomer needs a SELECT first */
    log_notice("Replica %s asks for synchronization: full sync, %zu bytes of RDB sent in %lld ms",
               c->addr, payload.len, util_mstime() - start);
    sbuf_free(&payload);
}

void repl_client_gone(struct client *c)
{
    if (!(c->flags & CLIENT_REPLICA)) return;
    struct server *srv = c->srv;
    c->flags &= ~CLIENT_REPLICA;
    if (--srv->nreplicas == 0) prop_detach(srv, replicas_sink, NULL);
    log_notice("Connection with replica %s lost.", c->addr);
}

void repl_cron(struct server *srv)
{
    if (!srv->nreplicas) return;
    long long now = server_now_ms(srv);
    if (now - srv->repl_last_ping_ms < (long long)srv->cfg.repl_ping_replica_period * 1000) return;
    srv->repl_last_ping_ms = now;
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    replicas_sink(srv, ping, sizeof ping - 1, NULL);
}

void repl_info(struct server *srv, struct sbuf *b)
{
    sbuf_catfmt(b, "connected_slaves:%d\r\n", srv->nreplicas);
    int i = 0;
    for (struct client *c = srv->clients_head; c; c = c->next) {
        if (!(c->flags & CLIENT_REPLICA)) continue;
        char ip[64];
        snprintf(ip, sizeof ip, "%s", c->addr);
        char *colon = strrchr(ip, ':');
        if (colon) *colon = '\0';
        sbuf_catfmt(b, "slave%d:ip=%s,port=%d,state=online,offset=%lld,lag=0\r\n", i++, ip,
                    c->repl_listening_port, srv->repl_offset);
    }
}

/* ---- commands ------------------------------------------------------------- */

static void sync_cmd(struct client *c)
{
    if (c->flags & CLIENT_REPLICA) return; /* already one: ignored, as Redis does */
    become_replica(c, false);
}

/* PSYNC replid offset: no backlog yet, so every request is a full sync */
static void psync_cmd(struct client *c)
{
    if (c->flags & CLIENT_REPLICA) return;
    become_replica(c, true);
}

static void replconf_cmd(struct client *c)
{
    if ((c->argc % 2) == 0) {
        reply_err_syntax(c);
        return;
    }
    for (int i = 1; i < c->argc; i += 2) {
        const struct slice *k = &c->argv[i], *v = &c->argv[i + 1];
        if (util_eqi(k->p, k->len, "ack") || util_eqi(k->p, k->len, "getack")) {
            return; /* a replica's ACK gets no reply */
        } else if (util_eqi(k->p, k->len, "listening-port")) {
            long long port;
            if (!util_str2ll(v->p, v->len, &port) || port < 0 || port > 65535) {
                reply_error(c, "ERR value is out of range");
                return;
            }
            c->repl_listening_port = (int)port;
        } else if (util_eqi(k->p, k->len, "capa") || util_eqi(k->p, k->len, "ip-address") ||
                   util_eqi(k->p, k->len, "rdb-only") || util_eqi(k->p, k->len, "rdb-filter-only")) {
            /* accepted; nothing to change yet */
        } else {
            reply_errorf(c, "ERR Unrecognized REPLCONF option: %.*s", (int)(k->len > 64 ? 64 : k->len), k->p);
            return;
        }
    }
    reply_ok(c);
}

struct command repl_commands[] = {
    {"sync", sync_cmd, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI, 0, 0, 0,
     "@admin @slow @dangerous", "An internal command used in replication", "1.0.0", "server"},
    {"psync", psync_cmd, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI, 0, 0, 0,
     "@admin @slow @dangerous", "An internal command used in replication", "2.8.0", "server"},
    {"replconf", replconf_cmd, -1,
     CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY, 0, 0, 0,
     "@admin @slow @dangerous", "An internal command for configuring the replication stream",
     "3.0.0", "server"},
    {0},
};
