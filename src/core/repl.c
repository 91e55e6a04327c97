/* repl: see repl.h. */
#include "core/repl.h"

#include "base/log.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/propagate.h"
#include "core/replica.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"

#include <stdio.h>
#include <string.h>

/* One sink for every replica: the stream goes into each one's output. */
static void replicas_sink(struct server *srv, const char *p, size_t len, void *priv)
{
    /* a replica's own writes (a writable replica, or a transaction that ran
     * REPLICAOF) are not part of its master's history: replicas of ours
     * get none of them, and they resync once our new data set is loaded */
    if (srv->replica) return;
    for (struct client *c = srv->clients_head; c; c = c->next)
        if (c->flags & CLIENT_REPLICA) reply_raw(c, p, len);
    srv->repl_offset += (long long)len;
}

static void become_replica(struct client *c, bool psync)
{
    struct server *srv = c->srv;
    if (srv->replica) {
        /* chained replication (a replica of a replica) is not served */
        if (!replica_link_up(srv)) reply_error(c, "NOMASTERLINK Can't SYNC while not connected with my master");
        else reply_error(c, "ERR this server is a replica and does not serve replicas of its own: "
                            "synchronise with its master");
        return;
    }
    struct sbuf payload = {0};
    long long start = util_mstime();
    if (srv->persist_hooks) srv->persist_hooks->sync_payload(srv, &payload);
    char hdr[128];
    if (psync) {
        int n = snprintf(hdr, sizeof hdr, "+FULLRESYNC %s %lld\r\n", srv->replid, srv->repl_offset);
        reply_raw(c, hdr, (size_t)n);
    }
    int n = snprintf(hdr, sizeof hdr, "$%zu\r\n", payload.len);
    reply_raw(c, hdr, (size_t)n);
    reply_raw(c, payload.p ? payload.p : "", payload.len);
    c->flags |= CLIENT_REPLICA;
    c->repl_ack_off = srv->repl_offset;
    c->repl_ack_ms = server_now_ms(srv);
    if (srv->nreplicas++ == 0) {
        prop_attach_replicas(srv, replicas_sink, NULL);
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

/* Replicas that acknowledged within min-replicas-max-lag seconds. */
bool repl_too_few_replicas(const struct server *srv)
{
    return srv->cfg.min_replicas_to_write && srv->cfg.min_replicas_max_lag && !srv->replica &&
           srv->repl_good_replicas < srv->cfg.min_replicas_to_write;
}

void repl_refresh_good_replicas(struct server *srv)
{
    int good = 0;
    if (srv->nreplicas) {
        long long now = server_now_ms(srv);
        for (struct client *c = srv->clients_head; c; c = c->next)
            if ((c->flags & CLIENT_REPLICA) && !(c->flags & CLIENT_CLOSE_ASAP) &&
                (now - c->repl_ack_ms) / 1000 <= srv->cfg.min_replicas_max_lag)
                good++;
    }
    srv->repl_good_replicas = good;
}

void repl_cron(struct server *srv)
{
    replica_cron(srv);
    if (srv->cfg.min_replicas_to_write) repl_refresh_good_replicas(srv);
    if (!srv->nreplicas) return;
    long long now = server_now_ms(srv);
    if (now - srv->repl_last_ping_ms < (long long)srv->cfg.repl_ping_replica_period * 1000) return;
    srv->repl_last_ping_ms = now;
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    replicas_sink(srv, ping, sizeof ping - 1, NULL);
}

static void replica_ip(const struct client *c, char *ip, size_t len)
{
    snprintf(ip, len, "%s", c->addr);
    char *colon = strrchr(ip, ':');
    if (colon) *colon = '\0';
}

void repl_info(struct server *srv, struct sbuf *b)
{
    if (srv->replica) {
        sbuf_cats(b, "role:slave\r\n");
        replica_info(srv, b);
    } else {
        sbuf_cats(b, "role:master\r\n");
    }
    sbuf_catfmt(b, "connected_slaves:%d\r\n", srv->nreplicas);
    if (srv->cfg.min_replicas_to_write && srv->cfg.min_replicas_max_lag)
        sbuf_catfmt(b, "min_slaves_good_slaves:%d\r\n", srv->repl_good_replicas);
    int i = 0;
    long long now = server_now_ms(srv);
    for (struct client *c = srv->clients_head; c; c = c->next) {
        if (!(c->flags & CLIENT_REPLICA)) continue;
        char ip[64];
        replica_ip(c, ip, sizeof ip);
        sbuf_catfmt(b, "slave%d:ip=%s,port=%d,state=online,offset=%lld,lag=%lld\r\n", i++, ip,
                    c->repl_listening_port, c->repl_ack_off, (now - c->repl_ack_ms) / 1000);
    }
    sbuf_catfmt(b,
                "master_failover_state:no-failover\r\n"
                "master_replid:%s\r\n"
                "master_replid2:%s\r\n"
                "master_repl_offset:%lld\r\n"
                "second_repl_offset:%lld\r\n"
                "repl_backlog_active:0\r\n"
                "repl_backlog_size:1048576\r\n"
                "repl_backlog_first_byte_offset:0\r\n"
                "repl_backlog_histlen:0\r\n",
                srv->replid, srv->replid2, srv->repl_offset, srv->second_repl_offset);
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
        if (util_eqi(k->p, k->len, "ack")) {
            /* a replica's ACK: its offset and the time (lag), no reply */
            long long off;
            if ((c->flags & CLIENT_REPLICA) && util_str2ll(v->p, v->len, &off)) {
                if (off > c->repl_ack_off) c->repl_ack_off = off;
                c->repl_ack_ms = server_now_ms(c->srv);
            }
            return;
        } else if (util_eqi(k->p, k->len, "getack")) {
            /* our master asks where we are: answered even on the master link */
            if (c->flags & CLIENT_MASTER) replica_send_ack(c);
            return;
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

/* ROLE: master offset [[ip port ack-offset] ...], or the replica's view */
static void role_cmd(struct client *c)
{
    struct server *srv = c->srv;
    if (srv->replica) {
        replica_role(c);
        return;
    }
    reply_array(c, 3);
    reply_bulk_cstr(c, "master");
    reply_ll(c, srv->repl_offset);
    reply_array(c, srv->nreplicas);
    for (struct client *r = srv->clients_head; r; r = r->next) {
        if (!(r->flags & CLIENT_REPLICA)) continue;
        char ip[64];
        replica_ip(r, ip, sizeof ip);
        reply_array(c, 3);
        reply_bulk_cstr(c, ip);
        reply_bulk_ll(c, r->repl_listening_port);
        reply_bulk_ll(c, r->repl_ack_off);
    }
}

struct command repl_commands[] = {
    {"role", role_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_SENTINEL, 0, 0, 0,
     "@admin @fast @dangerous", "Returns the replication role.", "2.8.12", "server"},
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
