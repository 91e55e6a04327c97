/* backup: scheduled, verified backups and restoring from one.
 *
 * Every backup-interval seconds (0: never) the cron starts a snapshot job
 * (persist.h; one at a time with BGSAVE and AOF rewrites) into
 * <backup-dir>/apiary-backup-<UTC time>.rdb. The writer reads the file back
 * and checks its CRC-64 before the backup counts (snapshot_verify_after);
 * then all but the newest backup-retention backups are deleted.
 *
 * Restoring (apiary-server --restore FILE [--force]) happens at start-up,
 * before clients: the file is loaded with the full RDB loader (which checks
 * its checksum and every structure) into the empty keyspace; existing data
 * in the configured place (dump.rdb, an AOF manifest) is only replaced with
 * --force. The restored dataset is then written where the server keeps its
 * data: dump.rdb, and a new AOF set when appendonly is on. */
#include "persist/backup.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/sbuf.h"
#include "persist/aof.h"
#include "persist/persist.h"
#include "persist/rdb.h"
#include "persist/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_PREFIX "apiary-backup-"
#define BACKUP_SUFFIX ".rdb"

struct backup_state {
    long long last_start_ms; /* the last attempt */
    long long last_ok_time;  /* unix s of the last good backup, 0 none */
    bool last_ok;
    bool tried;
    long long count;
    char last_file[PATH_MAX];
};

static struct backup_state *B(struct server *srv)
{
    if (!srv->backup) srv->backup = mem_calloc(sizeof(struct backup_state));
    return srv->backup;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes all but the newest `keep` backups (names sort by time). */
static void apply_retention(struct server *srv)
{
    DIR *d = opendir(srv->cfg.backup_dir);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    size_t plen = strlen(BACKUP_PREFIX), slen = strlen(BACKUP_SUFFIX);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= plen + slen || strncmp(e->d_name, BACKUP_PREFIX, plen) ||
            strcmp(e->d_name + l - slen, BACKUP_SUFFIX))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = mem_realloc(names, cap * sizeof(*names));
        }
        names[n++] = mem_strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof(*names), name_cmp);
    size_t keep = (size_t)srv->cfg.backup_retention;
    for (size_t i = 0; i < n; i++) {
        if (i + keep < n) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", srv->cfg.backup_dir, names[i]);
            if (unlink(path) == 0) log_notice("Backup %s removed (backup-retention %d)", names[i],
                                              srv->cfg.backup_retention);
        }
        mem_free(names[i]);
    }
    mem_free(names);
}

static void backup_done(struct server *srv, int st, struct snapshot *s)
{
    struct backup_state *b = B(srv);
    b->tried = true;
    if (st == SNAP_DONE) {
        b->last_ok = true;
        b->last_ok_time = util_mstime() / 1000;
        b->count++;
        log_notice("Backup %s written and verified (%lld keys, %lld bytes)", b->last_file,
                   snapshot_keys_done(s), snapshot_bytes(s));
        apply_retention(srv);
    } else {
        b->last_ok = false;
        log_warning("Backup %s failed: %s", b->last_file, snapshot_error(s));
    }
}

int backup_start(struct server *srv, char *err, size_t errlen)
{
    struct backup_state *b = B(srv);
    if (persist_job_running(srv) != JOB_NONE) {
        snprintf(err, errlen, "a snapshot (BGSAVE or AOF rewrite) is in progress");
        return -1;
    }
    if (!srv->cfg.rdbchecksum) {
        snprintf(err, errlen, "backups need rdbchecksum yes (they are verified by it)");
        return -1;
    }
    if (mkdir(srv->cfg.backup_dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the backup directory %s: %s", srv->cfg.backup_dir,
                 strerror(errno));
        return -1;
    }
    long long ms = util_mstime();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    snprintf(b->last_file, sizeof b->last_file, "%s/" BACKUP_PREFIX "%s.%03dZ" BACKUP_SUFFIX,
             srv->cfg.backup_dir, stamp, (int)(ms % 1000));
    b->last_start_ms = ms;
    persist_job_start(srv, JOB_BACKUP, b->last_file, backup_done);
    snapshot_verify_after(persist_job_snapshot(srv));
    log_notice("Backup started: %s", b->last_file);
    return 0;
}

void backup_cron(struct server *srv)
{
    if (srv->cfg.backup_interval <= 0 || persist_job_running(srv) != JOB_NONE) return;
    struct backup_state *b = B(srv);
    long long now = util_mstime();
    /* the first one comes one interval after start-up (or after it is
     * switched on), then every interval after the last attempt */
    if (!b->last_start_ms) {
        b->last_start_ms = now;
        return;
    }
    if (now - b->last_start_ms < (long long)srv->cfg.backup_interval * 1000) return;
    char err[256];
    if (backup_start(srv, err, sizeof err) < 0) {
        log_warning("Backup not started: %s", err);
        b->last_start_ms = now;
        b->tried = true;
        b->last_ok = false;
    }
}

void backup_info(struct server *srv, struct sbuf *out)
{
    struct backup_state *b = B(srv);
    sbuf_catfmt(out,
                "backup_in_progress:%d\r\n"
                "backup_last_time:%lld\r\n"
                "backup_last_status:%s\r\n"
                "backup_last_file:%s\r\n"
                "backups_done:%lld\r\n",
                persist_job_running(srv) == JOB_BACKUP ? 1 : 0, b->last_ok_time,
                !b->tried ? "none" : b->last_ok ? "ok" : "err", b->last_file, b->count);
}

void backup_deinit(struct server *srv)
{
    mem_free(srv->backup);
    srv->backup = NULL;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int backup_restore(struct server *srv, const char *file, bool force, char *err, size_t errlen)
{
    char manifest[PATH_MAX];
    snprintf(manifest, sizeof manifest, "%s/%s.manifest", srv->cfg.appenddirname,
             srv->cfg.appendfilename);
    bool have_rdb = exists(srv->cfg.dbfilename), have_aof = exists(manifest);
    if ((have_rdb || have_aof) && !force) {
        snprintf(err, errlen,
                 "Restore: refusing to restore over existing data (%s%s%s in %s): move it away or add --force",
                 have_rdb ? srv->cfg.dbfilename : "", have_rdb && have_aof ? " and " : "",
                 have_aof ? manifest : "", srv->cfg.dir ? srv->cfg.dir : ".");
        return -1;
    }
    struct rdb_limits lim;
    struct rdb_load_stats st;
    rdb_limits_from_config(&lim, &srv->cfg);
    char e[512];
    int rc = rdb_load_file_with(&srv->ks, file, &lim, &st, e, sizeof e);
    if (rc != 0) {
        snprintf(err, errlen, "Restore: the backup %s is not valid, nothing was changed: %s", file,
                 rc > 0 ? "no such file" : e);
        return -1;
    }
    log_notice("Backup %s verified and loaded: %lld keys (%lld expired ones skipped)", file,
               st.keys_loaded, st.keys_expired);
    srv->rdb_loaded_keys = st.keys_loaded;
    srv->rdb_loaded_expired = st.keys_expired;
    /* make it the server's data: dump.rdb, and a new AOF set */
    if (persist_save(srv) < 0) {
        snprintf(err, errlen, "Restore: the backup was loaded but %s could not be written",
                 srv->cfg.dbfilename);
        return -1;
    }
    if (srv->cfg.appendonly && aof_set_enabled(srv, true, err, errlen) < 0) return -1;
    log_notice("Restore complete: the data set now comes from %s", file);
    return 0;
}
