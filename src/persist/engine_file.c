/* engine_file: the "file" persistence engine (engine.h): forkless RDB
 * snapshots (SAVE, BGSAVE, save points), the multi-part AOF (aof.c) and
 * scheduled backups (backup.c), sharing one snapshot job at a time; see
 * persist.h. */
#include "persist/persist.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "ev/ev.h"
#include "persist/aof.h"
#include "persist/engine.h"
#include "persist/backup.h"
#include "persist/rdb.h"
#include "persist/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct persist {
    /* the snapshot job in progress */
    enum persist_job_kind job;
    struct snapshot *snap;
    persist_job_done_fn *job_done;
    long long job_start_ms;
    long long timer;         /* the stepping timer while a job runs */
    long long seen_commands; /* numcommands at the last step */
    long long last_busy_ms;  /* when commands last ran (ms) */
    size_t last_queue_peak;  /* snapshot_queued_peak() of the last job */
    /* BGSAVE */
    long long dirty_before_bg;
    bool last_bgsave_ok;
    bool bgsave_scheduled;     /* BGSAVE SCHEDULE while an AOF rewrite ran */
    long long last_bgsave_try; /* unix s */
    long long last_bgsave_secs;
    long long saves;
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

/* ---- the snapshot job ------------------------------------------------------ */

static long long job_tick(struct ev_loop *loop, long long id, void *data)
{
    struct server *srv = data;
    struct persist *p = srv->persist;
    if (!p->snap) {
        p->timer = 0;
        return EV_TIMER_STOP;
    }
    /* busy: commands ran in the last PERSIST_IDLE_AFTER_MS, so take a
     * small slice each millisecond; idle: large slices, back to back. (A
     * gap between two ticks alone is no sign of idleness: under load the
     * clients may just be reading their replies.) */
    long long now = util_mstime();
    if (srv->stats.numcommands != p->seen_commands) {
        p->seen_commands = srv->stats.numcommands;
        p->last_busy_ms = now;
    }
    bool busy = now - p->last_busy_ms < PERSIST_IDLE_AFTER_MS;
    enum snap_state st = snapshot_step(p->snap, busy ? PERSIST_BUSY_STEP_US : PERSIST_IDLE_STEP_US);
    if (st == SNAP_DONE || st == SNAP_FAILED) {
        struct snapshot *s = p->snap;
        persist_job_done_fn *done = p->job_done;
        p->last_queue_peak = snapshot_queued_peak(s);
        p->snap = NULL;
        p->job = JOB_NONE;
        p->timer = 0;
        done(srv, st, s);
        snapshot_free(s);
        return EV_TIMER_STOP;
    }
    if (st == SNAP_FLUSHING) return 1; /* the writer finishes on its own */
    if (snapshot_stalled(p->snap)) return 1; /* not a busy poll: the writer needs the CPU */
    if (srv->cfg.rdb_key_save_delay > 0) return 1; /* paced: nothing to hurry */
    return busy ? 1 : 0;
}

int persist_job_start(struct server *srv, enum persist_job_kind kind, const char *path,
                      persist_job_done_fn *done)
{
    struct persist *p = srv->persist;
    if (p->snap) return -1;
    p->job = kind;
    p->job_done = done;
    p->job_start_ms = util_mstime();
    enum snap_format fmt = SNAP_FMT_RDB;
    if (kind == JOB_AOFRW) fmt = srv->cfg.aof_use_rdb_preamble ? SNAP_FMT_AOF_BASE : SNAP_FMT_AOF_CMDS;
    p->snap = snapshot_start(srv, path, fmt, srv->cfg.rdbcompression, srv->cfg.rdbchecksum, true);
    p->seen_commands = srv->stats.numcommands;
    if (!p->timer) p->timer = ev_timer_add(srv->loop, 0, job_tick, srv);
    return 0;
}

enum persist_job_kind persist_job_running(const struct server *srv)
{
    return srv->persist ? srv->persist->job : JOB_NONE;
}

long long persist_job_start_ms(const struct server *srv) { return srv->persist->job_start_ms; }
struct snapshot *persist_job_snapshot(const struct server *srv) { return srv->persist->snap; }

void persist_job_abort(struct server *srv, const char *why)
{
    struct persist *p = srv->persist;
    if (!p->snap) return;
    log_warning("%s", why);
    snapshot_free(p->snap);
    p->snap = NULL;
    p->job = JOB_NONE;
    if (p->timer) ev_timer_del(srv->loop, p->timer);
    p->timer = 0;
}

/* ---- BGSAVE ----------------------------------------------------------------- */

static void bgsave_done(struct server *srv, int st, struct snapshot *s)
{
    struct persist *p = srv->persist;
    long long ms = util_mstime() - p->job_start_ms;
    p->last_bgsave_secs = (ms + 500) / 1000;
    if (st == SNAP_DONE) {
        log_notice("Background saving terminated with success (%lld keys, %lld bytes in %lld ms)",
                   snapshot_keys_done(s), snapshot_bytes(s), ms);
        srv->dirty -= p->dirty_before_bg;
        if (srv->dirty < 0) srv->dirty = 0;
        srv->lastsave = now_s();
        p->last_bgsave_ok = true;
        p->saves++;
    } else {
        log_warning("Background saving error: %s", snapshot_error(s));
        p->last_bgsave_ok = false;
    }
    update_misconf(srv);
}

int persist_bgsave(struct server *srv, char *err, size_t errlen)
{
    struct persist *p = srv->persist;
    if (p->job == JOB_BGSAVE) {
        snprintf(err, errlen, "Background save already in progress");
        return -1;
    }
    if (p->job != JOB_NONE) {
        snprintf(err, errlen,
                 "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                 "SCHEDULE in order to schedule a BGSAVE whenever possible.");
        return -1;
    }
    p->last_bgsave_try = now_s();
    p->dirty_before_bg = srv->dirty;
    persist_job_start(srv, JOB_BGSAVE, srv->cfg.dbfilename, bgsave_done);
    log_notice("Background saving started");
    return 0;
}

bool persist_bgsave_running(const struct server *srv) { return persist_job_running(srv) == JOB_BGSAVE; }

/* ---- SAVE ------------------------------------------------------------------- */

int persist_save(struct server *srv)
{
    struct persist *p = srv->persist;
    long long start = util_mstime();
    struct snapshot *s =
        snapshot_start(srv, srv->cfg.dbfilename, SNAP_FMT_RDB, srv->cfg.rdbcompression, srv->cfg.rdbchecksum, false);
    enum snap_state st = snapshot_wait(s);
    int rc = 0;
    if (st == SNAP_DONE) {
        log_notice("DB saved on disk (%lld keys, %lld bytes in %lld ms)", snapshot_keys_done(s),
                   snapshot_bytes(s), util_mstime() - start);
        srv->dirty = 0;
        srv->lastsave = now_s();
        p->last_bgsave_ok = true;
        p->saves++;
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
    if (p->bgsave_scheduled && p->job == JOB_NONE) {
        char err[256];
        p->bgsave_scheduled = false;
        persist_bgsave(srv, err, sizeof err);
    }
    aof_cron(srv);
    backup_cron(srv);
    if (p->job != JOB_NONE || !have_save_points(srv)) return;
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
    persist_job_abort(srv, "There is a snapshot in progress (BGSAVE or AOF rewrite). Stopping it!");
    aof_flush_sync(srv);
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
        if (persist_bgsave_running(srv))
            persist_job_abort(srv, "FLUSHALL: stopping the background save in progress");
        return;
    }
    if (have_save_points(srv)) persist_save(srv);
}

static void persist_info(struct server *srv, struct sbuf *b)
{
    struct persist *p = srv->persist;
    struct snapshot *s = p->snap;
    bool bg = p->job == JOB_BGSAVE;
    long long done = s ? snapshot_keys_done(s) : 0, total = s ? snapshot_keys_total(s) : 0;
    sbuf_catfmt(b,
                "persistence_engine:file\r\n"
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
                "rdb_last_load_keys_loaded:%lld\r\n",
                total ? 100.0 * (double)done / (double)total : 0.0, done, total, srv->dirty,
                bg ? 1 : 0, srv->lastsave, p->last_bgsave_ok ? "ok" : "err",
                p->last_bgsave_try ? p->last_bgsave_secs : -1,
                bg ? (util_mstime() - p->job_start_ms) / 1000 : -1, p->saves,
                srv->rdb_loaded_expired, srv->rdb_loaded_keys);
    /* Apiary's own: the snapshot's serialised bytes waiting for its
     * writer thread (memory a snapshot holds beyond the data set) */
    sbuf_catfmt(b, "snapshot_queue_bytes:%zu\r\nsnapshot_queue_peak_bytes:%zu\r\n",
                p->snap ? snapshot_queued(p->snap) : 0,
                p->snap ? snapshot_queued_peak(p->snap) : p->last_queue_peak);
    aof_info(srv, b);
    sbuf_catfmt(b, "module_fork_in_progress:0\r\n"
                   "module_fork_last_cow_size:0\r\n");
    backup_info(srv, b);
}

static void empty_keyspace(struct server *srv)
{
    for (int i = 0; i < srv->ks.ndb; i++) db_flush(&srv->ks, ks_db(&srv->ks, i), false);
}

static int persist_reload(struct server *srv, bool aof, int flags, char *err, size_t errlen)
{
    struct persist *p = srv->persist;
    if (p->job != JOB_NONE) persist_job_abort(srv, "DEBUG RELOAD: stopping the snapshot in progress");
    long long start = util_mstime();
    if (aof) {
        aof_flush_sync(srv);
        empty_keyspace(srv);
        if (aof_reload(srv, err, errlen) < 0) return -1;
        log_notice("DB reloaded by DEBUG LOADAOF in %lld ms", util_mstime() - start);
        return 0;
    }
    if (!(flags & PERSIST_RELOAD_NOSAVE) && persist_save(srv) < 0) {
        snprintf(err, errlen, "Error trying to save the DB");
        return -1;
    }
    if (!(flags & PERSIST_RELOAD_NOFLUSH)) empty_keyspace(srv);
    struct rdb_load_stats st = {0};
    struct rdb_limits lim;
    rdb_limits_from_config(&lim, &srv->cfg);
    char e[256];
    int rc = rdb_load_file_with(&srv->ks, srv->cfg.dbfilename, &lim, &st, e, sizeof e);
    if (rc != 0) {
        log_warning("DEBUG RELOAD: %s", rc > 0 ? "no RDB file" : e);
        snprintf(err, errlen, "Error trying to load the RDB dump, check server logs.");
        return -1;
    }
    srv->rdb_loaded_keys = st.keys_loaded;
    srv->rdb_loaded_expired = st.keys_expired;
    log_notice("DB reloaded by DEBUG RELOAD in %lld ms", util_mstime() - start);
    return 0;
}

static void file_init(struct server *srv)
{
    struct persist *p = mem_calloc(sizeof(*p));
    p->last_bgsave_ok = true;
    p->last_bgsave_secs = -1;
    srv->persist = p;
    aof_init(srv);
}

static int file_load(struct server *srv, char *err, size_t errlen)
{
    if (srv->cfg.appendonly) {
        char e[1024];
        if (aof_start(srv, e, sizeof e) == 0) return 0;
        snprintf(err, errlen, "Fatal error loading the DB from the append only file: %s", e);
        return -1;
    }
    struct rdb_limits lim;
    struct rdb_load_stats st;
    rdb_limits_from_config(&lim, &srv->cfg);
    long long t0 = util_monotonic_us();
    char e[512];
    int rc = rdb_load_file_with(&srv->ks, srv->cfg.dbfilename, &lim, &st, e, sizeof e);
    if (rc == 1) return 0; /* no file: an empty start */
    if (rc < 0) {
        snprintf(err, errlen, "Fatal error loading the DB from %s/%s", srv->cfg.dir ? srv->cfg.dir : ".", e);
        return -1;
    }
    srv->rdb_loaded_keys = st.keys_loaded;
    srv->rdb_loaded_expired = st.keys_expired;
    log_notice("Done loading RDB (version %d), keys loaded: %lld, keys expired: %lld%s", st.version,
               st.keys_loaded, st.keys_expired, st.keys_empty ? ", empty keys skipped" : "");
    log_notice("DB loaded from disk: %lld keys in %.3f seconds", st.keys_loaded,
               (double)(util_monotonic_us() - t0) / 1e6);
    return 0;
}

static void file_deinit(struct server *srv)
{
    struct persist *p = srv->persist;
    if (!p) return;
    persist_job_abort(srv, "Stopping the snapshot in progress");
    aof_deinit(srv);
    backup_deinit(srv);
    srv->persist = NULL;
    mem_free(p);
}

/* ---- the engine's command entry points ------------------------------------------ */

static int file_save(struct server *srv, char *err, size_t errlen)
{
    struct persist *p = srv->persist;
    if (p->job != JOB_NONE) {
        snprintf(err, errlen, "%s", p->job == JOB_BGSAVE
                                        ? "Background save already in progress"
                                        : "A background snapshot (AOF rewrite or backup) is in "
                                          "progress, can't SAVE right now");
        return -1;
    }
    if (persist_save(srv) == 0) return 0;
    err[0] = '\0'; /* Redis answers a bare -ERR; the log has the reason */
    return -1;
}

static int file_bgsave(struct server *srv, bool schedule, char *err, size_t errlen)
{
    struct persist *p = srv->persist;
    if (schedule && p->job != JOB_NONE && p->job != JOB_BGSAVE) {
        p->bgsave_scheduled = true;
        return 1;
    }
    return persist_bgsave(srv, err, errlen);
}

const struct persist_engine persist_engine_file = {
    .name = "file",
    .init = file_init,
    .deinit = file_deinit,
    .load = file_load,
    .restore = backup_restore,
    .save = file_save,
    .bgsave = file_bgsave,
    .rewrite_log = aof_rewrite,
    .set_log = aof_set_enabled,
    .reload = persist_reload,
    .cron = persist_cron,
    .before_sleep = aof_before_sleep,
    .shutdown = persist_shutdown,
    .flushall = persist_flushall,
    .info = persist_info,
};
