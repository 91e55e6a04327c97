/* persist: see persist.h. */
#include "persist/persist.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "ev/ev.h"
#include "persist/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct persist {
    struct snapshot *bg; /* the BGSAVE in progress */
    long long bg_start_ms;
    long long dirty_before_bg;
    long long timer;          /* the stepping timer while bg runs */
    long long seen_commands;  /* numcommands at the last step */
    bool last_bgsave_ok;
    long long last_bgsave_try; /* unix s */
    long long last_bgsave_secs;
    long long saves;
    long long last_save_keys, last_save_bytes;
};

static long long now_s(void) { return util_mstime() / 1000; }

/* save points: "<secs> <changes> ..." from the config */
static int save_points(const struct server *srv, long long *secs, long long *changes, int max)
{
    const char *p = srv->cfg.save;
    int n = 0;
    while (p && *p && n < max) {
        char *end;
        long long a = strtoll(p, &end, 10);
        if (end == p) break;
        long long b = strtoll(end, &end, 10);
        secs[n] = a;
        changes[n] = b;
        n++;
        p = end;
        while (*p == ' ') p++;
    }
    return n;
}

static bool have_save_points(const struct server *srv)
{
    return srv->cfg.save && srv->cfg.save[0];
}

static void update_misconf(struct server *srv) { srv->bgsave_failed = !srv->persist->last_bgsave_ok; }

/* ---- BGSAVE ----------------------------------------------------------------- */

static void bg_finish(struct server *srv, enum snap_state st)
{
    struct persist *p = srv->persist;
    long long ms = util_mstime() - p->bg_start_ms;
    p->last_bgsave_secs = (ms + 500) / 1000;
    if (st == SNAP_DONE) {
        log_notice("Background saving terminated with success (%lld keys, %lld bytes in %lld ms)",
                   snapshot_keys_done(p->bg), snapshot_bytes(p->bg), ms);
        srv->dirty -= p->dirty_before_bg;
        if (srv->dirty < 0) srv->dirty = 0;
        srv->lastsave = now_s();
        p->last_bgsave_ok = true;
        p->saves++;
        p->last_save_keys = snapshot_keys_done(p->bg);
        p->last_save_bytes = snapshot_bytes(p->bg);
    } else {
        log_warning("Background saving error: %s", snapshot_error(p->bg));
        p->last_bgsave_ok = false;
    }
    snapshot_free(p->bg);
    p->bg = NULL;
    update_misconf(srv);
}

static long long bg_tick(struct ev_loop *loop, long long id, void *data)
{
    struct server *srv = data;
    struct persist *p = srv->persist;
    if (!p->bg) {
        p->timer = 0;
        return EV_TIMER_STOP;
    }
    /* busy: commands ran since the last step, so take a small slice each
     * millisecond; idle: large slices, back to back */
    bool busy = srv->stats.numcommands != p->seen_commands;
    p->seen_commands = srv->stats.numcommands;
    enum snap_state st = snapshot_step(p->bg, busy ? PERSIST_BUSY_STEP_US : PERSIST_IDLE_STEP_US);
    if (st == SNAP_DONE || st == SNAP_FAILED) {
        bg_finish(srv, st);
        p->timer = 0;
        return EV_TIMER_STOP;
    }
    if (st == SNAP_FLUSHING) return 1; /* the writer finishes on its own */
    if (srv->cfg.rdb_key_save_delay > 0) return 1; /* paced: nothing to hurry */
    return busy ? 1 : 0;
}

int persist_bgsave(struct server *srv, char *err, size_t errlen)
{
    struct persist *p = srv->persist;
    if (p->bg) {
        snprintf(err, errlen, "Background save already in progress");
        return -1;
    }
    p->last_bgsave_try = now_s();
    p->dirty_before_bg = srv->dirty;
    p->bg_start_ms = util_mstime();
    p->bg = snapshot_start(srv, srv->cfg.dbfilename, srv->cfg.rdbcompression, srv->cfg.rdbchecksum);
    log_notice("Background saving started");
    p->seen_commands = srv->stats.numcommands;
    if (!p->timer) p->timer = ev_timer_add(srv->loop, 0, bg_tick, srv);
    return 0;
}

bool persist_bgsave_running(const struct server *srv) { return srv->persist && srv->persist->bg; }

static void bg_abort(struct server *srv, const char *why)
{
    struct persist *p = srv->persist;
    if (!p->bg) return;
    log_warning("%s", why);
    snapshot_free(p->bg);
    p->bg = NULL;
    if (p->timer) ev_timer_del(srv->loop, p->timer);
    p->timer = 0;
}

/* ---- SAVE ------------------------------------------------------------------- */

int persist_save(struct server *srv)
{
    struct persist *p = srv->persist;
    long long start = util_mstime();
    struct snapshot *s =
        snapshot_start(srv, srv->cfg.dbfilename, srv->cfg.rdbcompression, srv->cfg.rdbchecksum);
    enum snap_state st = snapshot_wait(s);
    int rc = 0;
    if (st == SNAP_DONE) {
        log_notice("DB saved on disk (%lld keys, %lld bytes in %lld ms)", snapshot_keys_done(s),
                   snapshot_bytes(s), util_mstime() - start);
        srv->dirty = 0;
        srv->lastsave = now_s();
        p->last_bgsave_ok = true;
        p->saves++;
        p->last_save_keys = snapshot_keys_done(s);
        p->last_save_bytes = snapshot_bytes(s);
    } else {
        log_warning("Error saving DB on disk: %s", snapshot_error(s));
        rc = -1;
    }
    snapshot_free(s);
    update_misconf(srv);
    return rc;
}

/* ---- hooks -------------------------------------------------------------------- */

static void persist_cron(struct server *srv)
{
    struct persist *p = srv->persist;
    if (p->bg || !have_save_points(srv)) return;
    long long secs[32], changes[32];
    int n = save_points(srv, secs, changes, 32);
    long long now = now_s();
    for (int i = 0; i < n; i++) {
        if (srv->dirty >= changes[i] && now - srv->lastsave > secs[i] &&
            (p->last_bgsave_ok || now - p->last_bgsave_try > PERSIST_BGSAVE_RETRY_S)) {
            log_notice("%lld changes in %lld seconds. Saving...", changes[i], secs[i]);
            char err[128];
            persist_bgsave(srv, err, sizeof err);
            break;
        }
    }
}

static int persist_shutdown(struct server *srv, int save)
{
    bg_abort(srv, "There is a background save in progress. Stopping it!");
    if (save == 0 || (save < 0 && !have_save_points(srv))) return 0;
    log_notice("Saving the final RDB snapshot before exiting.");
    if (persist_save(srv) != 0) {
        log_warning("Error trying to save the DB, can't exit.");
        return -1;
    }
    return 0;
}

static void persist_flushall(struct server *srv, bool done)
{
    if (!done) {
        bg_abort(srv, "FLUSHALL: stopping the background save in progress");
        return;
    }
    if (have_save_points(srv)) persist_save(srv);
}

static void persist_info(struct server *srv, struct sbuf *b)
{
    struct persist *p = srv->persist;
    long long now_ms = util_mstime();
    sbuf_catfmt(b,
                "loading:0\r\n"
                "async_loading:0\r\n"
                "current_cow_peak:0\r\n"
                "current_cow_size:0\r\n"
                "current_cow_size_age:0\r\n"
                "current_fork_perc:%.2f\r\n"
                "current_save_keys_processed:%lld\r\n"
                "current_save_keys_total:%lld\r\n"
                "rdb_changes_since_last_save:%lld\r\n"
                "rdb_bgsave_in_progress:%d\r\n"
                "rdb_last_save_time:%lld\r\n"
                "rdb_last_bgsave_status:%s\r\n"
                "rdb_last_bgsave_time_sec:%lld\r\n"
                "rdb_current_bgsave_time_sec:%lld\r\n"
                "rdb_saves:%lld\r\n"
                "rdb_last_cow_size:0\r\n"
                "rdb_last_load_keys_expired:%lld\r\n"
                "rdb_last_load_keys_loaded:%lld\r\n"
                "aof_enabled:0\r\n"
                "aof_rewrite_in_progress:0\r\n"
                "aof_rewrite_scheduled:0\r\n"
                "aof_last_rewrite_time_sec:-1\r\n"
                "aof_current_rewrite_time_sec:-1\r\n"
                "aof_last_bgrewrite_status:ok\r\n"
                "aof_rewrites:0\r\n"
                "aof_rewrites_consecutive_failures:0\r\n"
                "aof_last_write_status:ok\r\n"
                "aof_last_cow_size:0\r\n"
                "module_fork_in_progress:0\r\n"
                "module_fork_last_cow_size:0\r\n",
                p->bg && snapshot_keys_total(p->bg)
                    ? 100.0 * (double)snapshot_keys_done(p->bg) / (double)snapshot_keys_total(p->bg)
                    : 0.0,
                p->bg ? snapshot_keys_done(p->bg) : 0, p->bg ? snapshot_keys_total(p->bg) : 0,
                srv->dirty, p->bg ? 1 : 0, srv->lastsave, p->last_bgsave_ok ? "ok" : "err",
                p->last_bgsave_try ? p->last_bgsave_secs : -1,
                p->bg ? (now_ms - p->bg_start_ms) / 1000 : -1, p->saves, srv->rdb_loaded_expired,
                srv->rdb_loaded_keys);
}

static const struct persist_hooks hooks = {
    .cron = persist_cron,
    .shutdown = persist_shutdown,
    .info = persist_info,
    .flushall = persist_flushall,
};

void persist_init(struct server *srv)
{
    struct persist *p = mem_calloc(sizeof(*p));
    p->last_bgsave_ok = true;
    p->last_bgsave_secs = -1;
    srv->persist = p;
    srv->persist_hooks = &hooks;
}

void persist_deinit(struct server *srv)
{
    struct persist *p = srv->persist;
    if (!p) return;
    bg_abort(srv, "Stopping the background save in progress");
    srv->persist_hooks = NULL;
    srv->persist = NULL;
    mem_free(p);
}

/* ---- commands ------------------------------------------------------------------ */

static void save_cmd(struct client *c)
{
    if (c->srv->persist->bg) {
        reply_error(c, "ERR Background save already in progress");
        return;
    }
    if (persist_save(c->srv) == 0) reply_ok(c);
    else reply_error(c, "ERR");
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
    (void)schedule; /* no other background job can be in the way */
    char err[128];
    if (persist_bgsave(c->srv, err, sizeof err) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "ERR %s", err);
        reply_error(c, msg);
        return;
    }
    reply_simple(c, "Background saving started");
}

struct command persist_commands[] = {
    {"save", save_cmd, 1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0,
     "@admin @slow @dangerous", "Synchronously saves the database(s) to disk", "1.0.0", "server"},
    {"bgsave", bgsave_cmd, -1, CMD_NOSCRIPT | CMD_ADMIN, 0, 0, 0, "@admin @slow @dangerous",
     "Asynchronously saves the database(s) to disk", "1.0.0", "server"},
    {0},
};
