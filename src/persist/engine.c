/* engine: picks the persistence engine (engine.h), plugs it into core's
 * hooks (core/server.h struct persist_hooks) and serves the commands that
 * reach it: SAVE, BGSAVE, BGREWRITEAOF. */
#include "persist/engine.h"

#include "base/log.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "persist/rdb.h"
#include "persist/snapshot.h"

#include <stdio.h>
#include <string.h>

static const struct persist_engine *const engines[] = {&persist_engine_file, &persist_engine_none};

static const struct persist_engine *E(const struct server *srv) { return srv->persist_engine; }

/* core's hooks, forwarded */
static void h_cron(struct server *srv) { E(srv)->cron(srv); }
static int h_shutdown(struct server *srv, int save) { return E(srv)->shutdown(srv, save); }
static void h_info(struct server *srv, struct sbuf *b) { E(srv)->info(srv, b); }
static void h_flushall(struct server *srv, bool done) { E(srv)->flushall(srv, done); }
static void h_before_sleep(struct server *srv) { E(srv)->before_sleep(srv); }
static int h_set_appendonly(struct server *srv, bool on, char *err, size_t errlen)
{
    return E(srv)->set_log(srv, on, err, errlen);
}
static int h_reload(struct server *srv, bool aof, int flags, char *err, size_t errlen)
{
    return E(srv)->reload(srv, aof, flags, err, errlen);
}

static void h_sync_payload(struct server *srv, struct sbuf *out) { snapshot_to_buffer(srv, out); }

/* A replica's full synchronisation. The engine's change log (the AOF)
 * described the old data set: it is switched off, and on again once the
 * master's data set is in (which writes a new base from it, as Redis
 * restarts its AOF after a sync). A snapshot in progress is stopped first,
 * as FLUSHALL stops it. The payload is always loaded from memory:
 * repl-diskless-load's values (disabled, on-empty-db, swapdb) are accepted
 * and all behave this way (docs/persistence.md). */
static int h_sync_load(struct server *srv, const uint8_t *p, size_t len, char *err, size_t errlen)
{
    bool log = srv->cfg.appendonly;
    char e[256];
    if (log && E(srv)->set_log(srv, false, e, sizeof e) < 0)
        log_warning("Turning the AOF off for the sync: %s", e);
    E(srv)->flushall(srv, false);
    for (int i = 0; i < srv->ks.ndb; i++)
        db_flush(&srv->ks, ks_db(&srv->ks, i), srv->cfg.replica_lazy_flush);
    struct rdb_limits lim;
    struct rdb_load_stats st = {0};
    rdb_limits_from_config(&lim, &srv->cfg);
    int rc = rdb_load_buf_with(&srv->ks, p, len, &lim, &st, err, errlen);
    if (rc < 0) {
        /* what loaded before the error is not the master's data set */
        for (int i = 0; i < srv->ks.ndb; i++) db_flush(&srv->ks, ks_db(&srv->ks, i), true);
    } else {
        srv->rdb_loaded_keys = st.keys_loaded;
        srv->rdb_loaded_expired = st.keys_expired;
        log_notice("MASTER <-> REPLICA sync: %lld keys loaded, %lld expired", st.keys_loaded,
                   st.keys_expired);
    }
    srv->dirty++;
    if (log && E(srv)->set_log(srv, true, e, sizeof e) < 0)
        log_warning("Turning the AOF back on after the sync failed: %s", e);
    return rc < 0 ? -1 : 0;
}

static const struct persist_hooks hooks = {
    .sync_load = h_sync_load,
    .sync_payload = h_sync_payload,
    .cron = h_cron,
    .shutdown = h_shutdown,
    .info = h_info,
    .flushall = h_flushall,
    .set_appendonly = h_set_appendonly,
    .before_sleep = h_before_sleep,
    .reload = h_reload,
};

int persist_engine_init(struct server *srv, char *err, size_t errlen)
{
    const char *want = srv->cfg.persistence_engine;
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (!strcmp(engines[i]->name, want)) {
            srv->persist_engine = engines[i];
            engines[i]->init(srv);
            srv->persist_hooks = &hooks;
            return 0;
        }
    snprintf(err, errlen, "Unknown persistence-engine '%s' (known: file, none)", want);
    return -1;
}

void persist_engine_deinit(struct server *srv)
{
    if (!srv->persist_engine) return;
    E(srv)->deinit(srv);
    srv->persist_hooks = NULL;
    srv->persist_engine = NULL;
}

int persist_engine_load(struct server *srv, const char *restore, bool force, char *err,
                        size_t errlen)
{
    if (restore) return E(srv)->restore(srv, restore, force, err, errlen);
    return E(srv)->load(srv, err, errlen);
}

/* ---- commands ------------------------------------------------------------------ */

static void reply_engine_error(struct client *c, const char *err)
{
    char msg[600];
    snprintf(msg, sizeof msg, err[0] ? "ERR %s" : "ERR", err);
    reply_error(c, msg);
}

static void save_cmd(struct client *c)
{
    char err[512];
    if (E(c->srv)->save(c->srv, err, sizeof err) == 0) reply_ok(c);
    else reply_engine_error(c, err);
}

static void bgsave_cmd(struct client *c)
{
    bool schedule = false;
    if (c->argc > 1) {
        if (c->argc == 2 && util_eqi(c->argv[1].p, c->argv[1].len, "schedule")) {
            schedule = true;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    char err[512];
    int rc = E(c->srv)->bgsave(c->srv, schedule, err, sizeof err);
    if (rc < 0) reply_engine_error(c, err);
    else if (rc == 1) reply_simple(c, "Background saving scheduled");
    else reply_simple(c, "Background saving started");
}

static void bgrewriteaof_cmd(struct client *c)
{
    char err[512];
    int rc = E(c->srv)->rewrite_log(c->srv, err, sizeof err);
    if (rc < 0) reply_engine_error(c, err);
    else if (rc == 1) reply_simple(c, "Background append only file rewriting scheduled");
    else reply_simple(c, "Background append only file rewriting started");
}

struct command persist_commands[] = {
    {"bgrewriteaof", bgrewriteaof_cmd, 1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0,
     "@admin @slow @dangerous", "Asynchronously rewrites the append-only file to disk", "1.0.0",
     "server"},
    {"save", save_cmd, 1, CMD_NOSCRIPT | CMD_ADMIN | CMD_NO_MULTI, 0, 0, 0, "@admin @slow @dangerous",
     "Synchronously saves the database(s) to disk", "1.0.0", "server"},
    {"bgsave", bgsave_cmd, -1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0, "@admin @slow @dangerous",
     "Asynchronously saves the database(s) to disk", "1.0.0", "server"},
    {0},
};
