/* engine: picks the persistence engine (engine.h), plugs it into core's
 * hooks (core/server.h struct persist_hooks) and serves the commands that
 * reach it: SAVE, BGSAVE, BGREWRITEAOF. */
#include "persist/engine.h"

#include "base/log.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
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

static const struct persist_hooks hooks = {
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
    {"save", save_cmd, 1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0, "@admin @slow @dangerous",
     "Synchronously saves the database(s) to disk", "1.0.0", "server"},
    {"bgsave", bgsave_cmd, -1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0, "@admin @slow @dangerous",
     "Asynchronously saves the database(s) to disk", "1.0.0", "server"},
    {0},
};
