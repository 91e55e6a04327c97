/* server: lifecycle of the server context, the accept path, the cron
 * timer and before_sleep. See server.h. */
#include "core/server.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/config.h"
#include "core/lazyfree.h"
#include "core/multi.h"
#include "core/notify.h"
#include "core/pubsub.h"
#include "core/tracking.h"
#include "core/reply.h"
#include "core/repl.h"
#include "core/replica.h"
#include "ev/ev.h"
#include "net/net.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Signals only set a flag; the cron acts on it on the loop thread. */
static volatile sig_atomic_t shutdown_signal;

static void on_signal(int sig) { shutdown_signal = sig; }

void server_update_time(struct server *srv) { srv->ks.now_ms = util_mstime(); }

/* ---- error stats: "ERR" -> count ---------------------------------------- */

struct err_node {
    struct htab_node node;
    long long count;
    size_t len;
    char name[];
};

static uint64_t err_hash(const struct htab_node *n)
{
    const struct err_node *e = (const struct err_node *)n;
    return util_hash(e->name, e->len);
}

static bool err_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct err_node *e = (const struct err_node *)n;
    return e->len == klen && memcmp(e->name, key, klen) == 0;
}

static const struct htab_type err_type = {err_hash, err_eq};

#define ERRORSTATS_MAX 128

void server_count_error(struct server *srv, const char *msg, size_t len)
{
    srv->stats.total_error_replies++;
    size_t n = 0;
    while (n < len && msg[n] != ' ') n++;
    if (n > 64) n = 64;
    uint64_t h = util_hash(msg, n);
    struct err_node *e = (struct err_node *)htab_find(&srv->errors, h, msg, n);
    if (!e) {
        if (htab_size(&srv->errors) >= ERRORSTATS_MAX) return; /* bounded */
        e = mem_alloc(sizeof(*e) + n + 1);
        e->count = 0;
        e->len = n;
        memcpy(e->name, msg, n);
        e->name[n] = '\0';
        htab_add(&srv->errors, h, &e->node);
    }
    e->count++;
}

struct err_iter {
    void (*fn)(const char *name, long long count, void *priv);
    void *priv;
};

static void err_iter_cb(struct htab_node *n, void *p)
{
    const struct err_node *e = (const struct err_node *)n;
    struct err_iter *it = p;
    it->fn(e->name, e->count, it->priv);
}

void server_errors_foreach(struct server *srv,
                           void (*fn)(const char *name, long long count, void *priv), void *priv)
{
    struct err_iter it = {fn, priv};
    htab_foreach(&srv->errors, err_iter_cb, &it);
}

static void free_err(struct htab_node *n, void *priv) { mem_free(n); }

void server_reset_stats(struct server *srv)
{
    memset(&srv->stats, 0, sizeof(srv->stats));
    htab_deinit(&srv->errors, free_err, NULL);
    cmd_reset_stats(srv);
    srv->ks.stats.expired_keys = 0;
    srv->ks.stats.keyspace_hits = 0;
    srv->ks.stats.keyspace_misses = 0;
    srv->ks.stats.expired_stale_perc = 0;
    srv->ks.stats.expired_time_cap_reached_count = 0;
    srv->ks.stats.expire_cycle_cpu_us = 0;
    srv->stat_peak_memory = (long long)mem_used();
    srv->nlatency = 0;
    lazyfree_reset_stats();
}

void server_apply_lazyfree(struct server *srv)
{
    srv->ks.lazyfree.expire = srv->cfg.lazyfree_lazy_expire;
    srv->ks.lazyfree.server_del = srv->cfg.lazyfree_lazy_server_del;
    srv->ks.lazyfree.eviction = srv->cfg.lazyfree_lazy_eviction;
}

void server_apply_lfu(struct server *srv)
{
    srv->ks.lfu.on = srv->cfg.maxmemory_policy == MM_ALLKEYS_LFU ||
                     srv->cfg.maxmemory_policy == MM_VOLATILE_LFU;
    srv->ks.lfu.log_factor = srv->cfg.lfu_log_factor;
    srv->ks.lfu.decay_time = srv->cfg.lfu_decay_time;
}

/* ---- accept ------------------------------------------------------------- */

static void accept_handler(struct ev_loop *loop, int lfd, void *data, int mask)
{
    struct server *srv = data;
    enum conn_kind kind = lfd == srv->unix_fd ? CONN_UNIX : CONN_TCP;
    for (int i = 0; i < 1000; i++) {
        int fd = net_accept(lfd, NULL, 0, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warning("Accepting client connection: %s", strerror(errno));
            return;
        }
        if (srv->nclients >= srv->cfg.maxclients) {
            static const char msg[] = "-ERR max number of clients reached\r\n";
            ssize_t w = write(fd, msg, sizeof(msg) - 1);
            (void)w;
            close(fd);
            srv->stats.rejected_conn++;
            continue;
        }
        struct client *c = client_new(srv, fd, kind);
        if (!c) {
            close(fd);
            continue;
        }
        srv->stats.numconnections++;
    }
}

static uint64_t client_id_hash(const struct htab_node *n)
{
    const struct client *c = htab_entry(n, struct client, id_node);
    return util_hash_u64(c->id);
}

static bool client_id_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct client *c = htab_entry(n, struct client, id_node);
    return c->id == *(const uint64_t *)key;
}

static const struct htab_type client_id_type = {client_id_hash, client_id_eq};

/* Keyspace events that no command reports: expiry, eviction, creation. */
static void on_key_event(struct keyspace *ks, struct db *db, const char *key, size_t klen,
                         int event, void *priv)
{
    struct server *srv = priv;
    if (event == KS_EV_EXPIRED) {
        prop_key_deleted(srv, db->id, key, klen, ks->lazyfree.expire);
        notify_keyspace_event(srv, NOTIFY_EXPIRED, "expired", key, klen, db->id);
    } else if (event == KS_EV_EVICTED) {
        prop_key_deleted(srv, db->id, key, klen, ks->lazyfree.eviction);
        notify_keyspace_event(srv, NOTIFY_EVICTED, "evicted", key, klen, db->id);
    }
    else if (event == KS_EV_NEW) notify_keyspace_event(srv, NOTIFY_NEW, "new", key, klen, db->id);
}

int server_init(struct server *srv, char *err, size_t errlen)
{
    obj_init_shared();
    util_hash_seed((uint64_t)util_ustime() ^ ((uint64_t)getpid() << 32));
    util_rand_seed((uint64_t)util_ustime() ^ (uint64_t)getpid());
    srv->loop = ev_new(srv->cfg.maxclients + 128);
    if (!srv->loop) {
        snprintf(err, errlen, "Failed creating the event loop: %s", strerror(errno));
        return -1;
    }
    ev_set_busy_poll(srv->loop, srv->cfg.busy_poll_usec);
    ks_init(&srv->ks, srv->cfg.databases);
    blocking_init(srv);
    srv->ks.active_expire_effort = srv->cfg.active_expire_effort;
    srv->ks.on_event = on_key_event;
    srv->ks.on_event_priv = srv;
    server_apply_lazyfree(srv);
    server_apply_lfu(srv);
    if (lazyfree_start() < 0) log_warning("Lazy free disabled: values are freed inline");
    htab_init(&srv->errors, &err_type);
    htab_init(&srv->clients_by_id, &client_id_type);
    cmd_table_init(srv);
    pubsub_init(srv);
    watch_init(srv);
    tracking_init(srv);
    srv->prop.stream_db = -1;
    srv->next_client_id = 1;
    srv->unix_fd = -1;
    srv->start_ms = util_mstime();
    srv->start_mono_us = util_monotonic_us();
    srv->lastsave = srv->start_ms / 1000;
    util_random_hex(srv->runid, 40);
    srv->runid[40] = '\0';
    util_random_hex(srv->replid, 40);
    srv->replid[40] = '\0';
    memset(srv->replid2, '0', 40);
    srv->replid2[40] = '\0';
    srv->second_repl_offset = -1;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return 0;
}

int server_listen(struct server *srv, char *err, size_t errlen)
{
    if (srv->cfg.port > 0) {
        char *binds = mem_strdup(srv->cfg.bind);
        for (char *tok = strtok(binds, " "); tok && srv->nlfds < 16; tok = strtok(NULL, " ")) {
            const char *addr = tok;
            bool optional = false;
            if (addr[0] == '-') {
                optional = true;
                addr++;
            }
            if (!strcmp(addr, "*")) addr = "0.0.0.0";
            int fd = net_tcp_listen(addr, srv->cfg.port, srv->cfg.tcp_backlog, err, errlen);
            if (fd < 0) {
                if (optional) continue;
                mem_free(binds);
                return -1;
            }
            srv->lfds[srv->nlfds++] = fd;
            ev_add(srv->loop, fd, EV_READ, accept_handler, srv);
        }
        mem_free(binds);
    }
    if (srv->cfg.unixsocket && srv->cfg.unixsocket[0]) {
        int fd = net_unix_listen(srv->cfg.unixsocket, srv->cfg.unixsocketperm, srv->cfg.tcp_backlog,
                                 err, errlen);
        if (fd < 0) return -1;
        srv->unix_fd = fd;
        ev_add(srv->loop, fd, EV_READ, accept_handler, srv);
    }
    if (srv->nlfds == 0 && srv->unix_fd < 0) {
        snprintf(err, errlen, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

/* ---- cron and before_sleep ----------------------------------------------- */

static void track_instantaneous(struct server *srv)
{
    long long now = server_now_ms(srv);
    long long dt = now - srv->inst_last_ms;
    if (dt < 100) return;
    if (srv->inst_last_ms) {
        int i = srv->inst_idx++ % 16;
        srv->inst_ops_samples[i] = (srv->stats.numcommands - srv->inst_last_cmds) * 1000 / dt;
        srv->inst_in_samples[i] = (srv->stats.net_input_bytes - srv->inst_last_in) * 1000 / dt;
        srv->inst_out_samples[i] = (srv->stats.net_output_bytes - srv->inst_last_out) * 1000 / dt;
    }
    srv->inst_last_ms = now;
    srv->inst_last_cmds = srv->stats.numcommands;
    srv->inst_last_in = srv->stats.net_input_bytes;
    srv->inst_last_out = srv->stats.net_output_bytes;
}

static long long cron(struct ev_loop *loop, long long id, void *data)
{
    struct server *srv = data;
    server_update_time(srv);
    srv->cron_loops++;
    if (shutdown_signal) {
        log_warning("Received %s scheduling shutdown...", shutdown_signal == SIGINT ? "SIGINT" : "SIGTERM");
        int sig = shutdown_signal;
        shutdown_signal = 0;
        if (server_prepare_shutdown(srv, 0) == 0) return EV_TIMER_STOP;
        log_warning("%s received but errors trying to shut down the server, check the logs for more information",
                    sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    if (srv->cron_paused) return 1000 / srv->cfg.hz;
    long long used = (long long)mem_used();
    if (used > srv->stat_peak_memory) srv->stat_peak_memory = used;
    track_instantaneous(srv);
    clients_cron(srv);
    if (srv->tracking_clients) tracking__limit(srv);
    /* slow active-expire cycle: 25% of a cron period at most */
    long long budget = 1000000LL / srv->cfg.hz / 4;
    long long capped = srv->ks.stats.expired_time_cap_reached_count;
    long long expire_start = util_monotonic_us();
    /* a replica's keys expire by its master's DELs (core/replica.h) */
    if (!srv->replica) ks_active_expire(&srv->ks, true, budget);
    long long expire_ms = (util_monotonic_us() - expire_start) / 1000;
    if (srv->cfg.latency_monitor_threshold > 0 && expire_ms >= srv->cfg.latency_monitor_threshold)
        latency_add_sample(srv, "expire-cycle", expire_ms);
    /* the slow cycle ran out of time: stale keys pile up, so let the fast
     * cycle help until a slow cycle finishes within its budget */
    srv->expire_fast = srv->ks.stats.expired_time_cap_reached_count != capped;
    if (srv->cfg.activerehashing) ks_rehash(&srv->ks, 1000);
    if (srv->persist_hooks) srv->persist_hooks->cron(srv);
    repl_cron(srv);
    if (srv->pause_until_ms && srv->pause_until_ms <= server_now_ms(srv)) {
        srv->pause_until_ms = 0;
        /* resume paused clients */
        for (struct client *c = srv->clients_head; c; c = c->next)
            if (c->flags & CLIENT_PAUSED) {
                c->flags &= ~CLIENT_PAUSED;
                client_process_input(c);
            }
    }
    return 1000 / srv->cfg.hz;
}

static void before_sleep(struct ev_loop *loop, void *data)
{
    struct server *srv = data;
    /* a fast expiry cycle, bounded to 1ms, keeps stale keys low between
     * cron runs when the slow cycle cannot keep up */
    if (srv->expire_fast && srv->ks.active_expire && !srv->replica) {
        server_update_time(srv);
        ks_active_expire(&srv->ks, false, 1000);
    }
    clients_unpause_if_due(srv);
    blocking_before_sleep(srv);
    /* BCAST invalidations collected since the last sleep */
    if (srv->tracking_clients && tracking__broadcast_pending(srv)) tracking__broadcast(srv);
    /* the AOF is written (and fsynced under appendfsync always) before any
     * reply acknowledging those writes leaves */
    if (srv->persist_hooks) srv->persist_hooks->before_sleep(srv);
    clients_flush_pending(srv);
}

void server_run(struct server *srv)
{
    ev_timer_add(srv->loop, 1, cron, srv);
    ev_set_before_sleep(srv->loop, before_sleep, srv);
    ev_run(srv->loop);
}

int server_prepare_shutdown(struct server *srv, int flags)
{
    log_warning("User requested shutdown...");
    if (srv->persist_hooks) {
        int save = (flags & SHUTDOWN_SAVE) ? 1 : (flags & SHUTDOWN_NOSAVE) ? 0 : -1;
        if (srv->persist_hooks->shutdown(srv, save) != 0 && !(flags & SHUTDOWN_FORCE)) {
            log_warning("Errors trying to shut down the server. Check the logs for more information.");
            return -1;
        }
    }
    if (srv->cfg.pidfile && srv->cfg.pidfile[0]) unlink(srv->cfg.pidfile);
    if (srv->cfg.unixsocket && srv->cfg.unixsocket[0]) unlink(srv->cfg.unixsocket);
    /* flush what we can to clients, then stop */
    clients_flush_pending(srv);
    log_warning("%s is now ready to exit, bye bye...", "Apiary");
    srv->shutdown_asap = true;
    ev_stop(srv->loop);
    return 0;
}

void slowlog_free_all(struct server *srv);

void server_deinit(struct server *srv)
{
    replica_deinit(srv);
    while (srv->clients_head) {
        srv->clients_head->flags &= ~CLIENT_PROTECTED;
        client_free(srv->clients_head);
    }
    blocking_deinit(srv);
    for (int i = 0; i < srv->nlfds; i++) close(srv->lfds[i]);
    if (srv->unix_fd >= 0) close(srv->unix_fd);
    /* the thread finishes what it was handed (nothing leaks), and must be
     * gone before the shared integers are freed below */
    lazyfree_stop();
    ks_deinit(&srv->ks);
    htab_deinit(&srv->errors, free_err, NULL);
    htab_deinit(&srv->clients_by_id, NULL, NULL);
    cmd_table_deinit(srv);
    pubsub_deinit(srv);
    watch_deinit(srv);
    tracking_deinit(srv);
    slowlog_free_all(srv);
    sbuf_free(&srv->prop.unit);
    sbuf_free(&srv->prop.unit_all);
    mem_free(srv->latency);
    ev_free(&srv->loop);
    config_free(&srv->cfg);
    obj_free_shared();
}
