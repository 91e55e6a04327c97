/* aof: see aof.h. */
#include "persist/aof.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/propagate.h"
#include "core/sbuf.h"
#include "persist/aof_format.h"
#include "persist/aof_write.h"
#include "persist/persist.h"
#include "persist/rdb.h"
#include "persist/snapshot.h"
#include "proto/resp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define AOF_MAX_FILES AOF_MANIFEST_MAX_FILES

struct aof_file {
    char *name;
    long long seq;
};

struct aof {
    bool on; /* the stream is being written */
    int fd;  /* the incremental file writes go to, -1 none */
    struct sbuf buf;
    long long written_since_fsync;

    /* the manifest: one base (name NULL: none) and incremental files */
    struct aof_file base;
    bool base_rdb;
    bool manifest_read; /* the files on disk are known (read, or ours) */
    long long last_ts;  /* aof-timestamp-enabled: the last #TS written (s) */
    struct aof_file incr[AOF_MAX_FILES];
    int nincr;
    long long last_incr_seq, last_base_seq;

    /* sizes for auto-aof-rewrite-* */
    long long base_size;
    long long cur_size; /* base + incremental files, bytes */

    /* appendonly turned on at run time: until the first rewrite completes
     * the manifest is not written (the files on disk describe an older
     * dataset, listed in stale[] to delete then) */
    bool fresh;
    struct aof_file stale[AOF_MAX_FILES + 1];
    int nstale;

    /* the rewrite in progress */
    long long last_rw_fail_ms;
    int rw_first_incr; /* incr[] index of the first file opened for it */
    long long rw_base_seq;
    bool rw_base_rdb; /* the base being written is RDB (else commands) */
    bool rw_scheduled;
    long long rewrites, rw_failures_in_a_row;
    long long last_rw_secs;
    bool last_rw_ok, last_write_ok;
    int last_write_errno;

    /* everysec fsync thread */
    pthread_t thread;
    bool thread_on;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int fsync_fd;  /* an fd to fsync, -1 none */
    int close_fd;  /* an fd to fsync and close (a file switched away from) */
    bool stop;
    bool fsync_busy;
    long long last_fsync_ms;
    long long postponed_since; /* everysec: writes held back since (ms), 0 none */
    long long delayed_fsyncs;
};

static struct aof *A(struct server *srv) { return srv->aof; }

/* ---- background fsync ---------------------------------------------------------- */

static void *fsync_main(void *arg)
{
    struct aof *a = arg;
    mem_thread_attach();
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (a->fsync_fd < 0 && a->close_fd < 0 && !a->stop) pthread_cond_wait(&a->wake, &a->lock);
        if (a->fsync_fd < 0 && a->close_fd < 0 && a->stop) break;
        int f = a->fsync_fd, cl = a->close_fd;
        a->fsync_fd = a->close_fd = -1;
        a->fsync_busy = true;
        pthread_mutex_unlock(&a->lock);
        if (f >= 0) fdatasync(f);
        if (cl >= 0) {
            fsync(cl);
            close(cl);
        }
        pthread_mutex_lock(&a->lock);
        a->fsync_busy = false;
    }
    pthread_mutex_unlock(&a->lock);
    mem_thread_detach();
    return NULL;
}

static void bg_fsync(struct aof *a, int fd, bool and_close)
{
    if (!a->thread_on) {
        fsync(fd);
        if (and_close) close(fd);
        return;
    }
    pthread_mutex_lock(&a->lock);
    if (and_close) {
        if (a->close_fd >= 0) { /* one pending already: do this one here */
            pthread_mutex_unlock(&a->lock);
            fsync(fd);
            close(fd);
            return;
        }
        a->close_fd = fd;
    } else {
        a->fsync_fd = fd;
    }
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

static bool fsync_in_progress(struct aof *a)
{
    pthread_mutex_lock(&a->lock);
    bool busy = a->fsync_busy || a->fsync_fd >= 0;
    pthread_mutex_unlock(&a->lock);
    return busy;
}

/* ---- paths and the manifest --------------------------------------------------------- */

static char *path_in_dir(struct server *srv, const char *name)
{
    size_t n = strlen(srv->cfg.appenddirname) + 1 + strlen(name) + 1;
    char *p = mem_alloc(n);
    snprintf(p, n, "%s/%s", srv->cfg.appenddirname, name);
    return p;
}

static char *file_name(struct server *srv, long long seq, const char *kind)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s.%lld.%s", srv->cfg.appendfilename, seq, kind);
    return mem_strdup(buf);
}

static char *manifest_path(struct server *srv)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s.manifest", srv->cfg.appendfilename);
    return path_in_dir(srv, buf);
}

static void fsync_dir(struct server *srv)
{
    int fd = open(srv->cfg.appenddirname, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int write_manifest(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    struct sbuf b = {0};
    if (a->base.name)
        sbuf_catfmt(&b, "file %s seq %lld type b\n", a->base.name, a->base.seq);
    for (int i = 0; i < a->nincr; i++)
        sbuf_catfmt(&b, "file %s seq %lld type i\n", a->incr[i].name, a->incr[i].seq);
    char *path = manifest_path(srv);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/temp-%s.manifest", srv->cfg.appenddirname, srv->cfg.appendfilename);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the AOF manifest file %s: %s", tmp, strerror(errno));
    } else {
        ssize_t w = write(fd, b.p ? b.p : "", b.len);
        if (w != (ssize_t)b.len || fsync(fd) < 0) {
            snprintf(err, errlen, "Error writing the AOF manifest file %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
        } else if (close(fd) < 0 || rename(tmp, path) < 0) {
            snprintf(err, errlen, "Error renaming the AOF manifest file %s: %s", tmp, strerror(errno));
            unlink(tmp);
        } else {
            fsync_dir(srv);
            rc = 0;
        }
    }
    mem_free(path);
    sbuf_free(&b);
    return rc;
}

/* Reads the manifest: 1 absent, 0 read, -1 malformed. */
static int read_manifest(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    char *path = manifest_path(srv);
    FILE *f = fopen(path, "r");
    if (!f) {
        int rc = errno == ENOENT ? 1 : -1;
        if (rc < 0) snprintf(err, errlen, "Can't open the AOF manifest %s: %s", path, strerror(errno));
        mem_free(path);
        return rc;
    }
    struct sbuf text = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < (16u << 20)) sbuf_cat(&text, chunk, n);
    fclose(f);
    struct aof_manifest *m = mem_alloc(sizeof(*m));
    char e[256];
    int rc = aof_manifest_parse(text.p ? text.p : "", text.len, m, e, sizeof e);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, e);
    } else {
        if (m->base[0]) {
            a->base.name = mem_strdup(m->base);
            a->base.seq = m->base_seq;
            a->last_base_seq = m->base_seq;
        }
        for (int i = 0; i < m->nincr; i++) {
            a->incr[a->nincr].name = mem_strdup(m->incr[i].name);
            a->incr[a->nincr].seq = m->incr[i].seq;
            a->nincr++;
            a->last_incr_seq = m->incr[i].seq;
        }
    }
    mem_free(m);
    sbuf_free(&text);
    mem_free(path);
    return rc;
}

static long long file_size(struct server *srv, const char *name)
{
    char *p = path_in_dir(srv, name);
    struct stat st;
    long long n = stat(p, &st) == 0 ? (long long)st.st_size : 0;
    mem_free(p);
    return n;
}

/* ---- writing ---------------------------------------------------------------------- */

static void sink(struct server *srv, const char *p, size_t len, void *priv)
{
    struct aof *a = priv;
    if (srv->cfg.aof_timestamp_enabled) {
        /* an annotation when the second changed since the last one */
        long long now = server_now_ms(srv) / 1000;
        if (now != a->last_ts) {
            aof_put_timestamp(&a->buf, now);
            a->last_ts = now;
        }
    }
    sbuf_cat(&a->buf, p, len);
    if (srv->cfg.appendfsync == 0) srv->replies_wait_fsync = true;
}

static void write_buf(struct server *srv)
{
    struct aof *a = A(srv);
    if (!a->buf.len || a->fd < 0) return;
    size_t off = 0;
    while (off < a->buf.len) {
        ssize_t n = write(a->fd, a->buf.p + off, a->buf.len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (a->last_write_ok || a->last_write_errno != errno)
                log_warning("Error writing to the AOF file: %s", strerror(errno));
            a->last_write_ok = false;
            a->last_write_errno = errno;
            break;
        }
        off += (size_t)n;
    }
    if (off == a->buf.len) a->last_write_ok = true;
    a->cur_size += (long long)off;
    a->written_since_fsync += (long long)off;
    /* keep what was not written for the next try */
    memmove(a->buf.p, a->buf.p + off, a->buf.len - off);
    a->buf.len -= off;
    if (a->buf.cap > (4u << 20) && a->buf.len < (1u << 20)) {
        struct sbuf nb = {0};
        sbuf_cat(&nb, a->buf.p, a->buf.len);
        sbuf_free(&a->buf);
        a->buf = nb;
    }
}

/* everysec: a write() while the background fsync of the same file runs
 * can block the loop on the file system, so the data is held back while
 * one is in progress, for up to 2 seconds (as Redis does). */
static bool hold_back(struct server *srv, struct aof *a)
{
    if (srv->cfg.appendfsync != 1 || !fsync_in_progress(a)) {
        a->postponed_since = 0;
        return false;
    }
    long long now = util_mstime();
    if (!a->postponed_since) a->postponed_since = now;
    if (now - a->postponed_since < 2000) return true;
    a->delayed_fsyncs++;
    a->postponed_since = 0;
    return false;
}

void aof_before_sleep(struct server *srv)
{
    struct aof *a = A(srv);
    /* from here on replies may leave: what they acknowledge was written
     * and (always) fsynced below, or the attempt failed and was logged */
    srv->replies_wait_fsync = false;
    if (!a || !a->on) return;
    if (a->buf.len && !hold_back(srv, a)) write_buf(srv);
    if (!a->written_since_fsync) return;
    if (srv->cfg.appendfsync == 0) { /* always */
        if (fdatasync(a->fd) == 0) a->written_since_fsync = 0;
        a->last_fsync_ms = util_mstime();
    } else if (srv->cfg.appendfsync == 1) { /* everysec */
        long long now = util_mstime();
        if (now - a->last_fsync_ms >= 1000 && !fsync_in_progress(a)) {
            bg_fsync(a, a->fd, false);
            a->written_since_fsync = 0;
            a->last_fsync_ms = now;
        }
    }
}

void aof_flush_sync(struct server *srv)
{
    struct aof *a = A(srv);
    if (!a || !a->on) return;
    write_buf(srv);
    if (a->fd >= 0) fsync(a->fd);
    a->written_since_fsync = 0;
}

/* Opens the next incremental file and makes it the one writes go to; the
 * manifest names it before anything is written to it. */
static int open_new_incr(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    if (a->nincr == AOF_MAX_FILES) {
        snprintf(err, errlen, "Too many incremental AOF files");
        return -1;
    }
    long long seq = a->last_incr_seq + 1;
    char *name = file_name(srv, seq, "incr.aof");
    char *path = path_in_dir(srv, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0644);
    mem_free(path);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the append-only file %s: %s", name, strerror(errno));
        mem_free(name);
        return -1;
    }
    a->incr[a->nincr].name = name;
    a->incr[a->nincr].seq = seq;
    a->nincr++;
    a->last_incr_seq = seq;
    if (!a->fresh && write_manifest(srv, err, errlen) < 0) {
        a->nincr--;
        a->last_incr_seq--;
        mem_free(name);
        close(fd);
        return -1;
    }
    /* what was collected for the old file goes there first */
    if (a->fd >= 0) {
        write_buf(srv);
        bg_fsync(a, a->fd, true);
    }
    a->fd = fd;
    a->written_since_fsync = 0;
    a->last_ts = 0; /* a new file starts with its own annotation */
    prop_reset_db(&srv->prop);
    return 0;
}

static int open_last_incr(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    if (!a->nincr) return open_new_incr(srv, err, errlen);
    char *path = path_in_dir(srv, a->incr[a->nincr - 1].name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    mem_free(path);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the append-only file %s: %s", a->incr[a->nincr - 1].name,
                 strerror(errno));
        return -1;
    }
    a->fd = fd;
    prop_reset_db(&srv->prop);
    return 0;
}

static void start_stream(struct server *srv)
{
    prop_attach(srv, sink, A(srv));
    A(srv)->on = true;
    A(srv)->last_fsync_ms = util_mstime();
}

/* ---- rewriting ---------------------------------------------------------------------- */

static void delete_file(struct server *srv, const char *name)
{
    char *p = path_in_dir(srv, name);
    unlink(p);
    mem_free(p);
}

static void rewrite_done(struct server *srv, int st, struct snapshot *s)
{
    struct aof *a = A(srv);
    long long ms = util_mstime() - persist_job_start_ms(srv);
    a->last_rw_secs = (ms + 500) / 1000;
    char *name = file_name(srv, a->rw_base_seq, a->rw_base_rdb ? "base.rdb" : "base.aof");
    if (st != SNAP_DONE) {
        log_warning("Background AOF rewrite failed: %s", snapshot_error(s));
        a->last_rw_ok = false;
        a->rw_failures_in_a_row++;
        a->last_rw_fail_ms = util_mstime();
        if (a->fresh) a->rw_scheduled = true; /* there must be a base: try again */
        mem_free(name);
        return;
    }
    /* the new set: the new base and the files opened since the rewrite began */
    struct aof_file old_base = a->base;
    int nold = a->rw_first_incr;
    struct aof_file old[AOF_MAX_FILES];
    memcpy(old, a->incr, sizeof(old[0]) * (size_t)nold);
    a->base.name = name;
    a->base.seq = a->rw_base_seq;
    a->last_base_seq = a->rw_base_seq;
    a->base_rdb = a->rw_base_rdb;
    memmove(a->incr, a->incr + nold, sizeof(a->incr[0]) * (size_t)(a->nincr - nold));
    a->nincr -= nold;
    char err[512];
    if (write_manifest(srv, err, sizeof err) < 0) {
        /* keep the old set: the new base is not named anywhere */
        log_warning("Background AOF rewrite failed: %s", err);
        memmove(a->incr + nold, a->incr, sizeof(a->incr[0]) * (size_t)a->nincr);
        memcpy(a->incr, old, sizeof(old[0]) * (size_t)nold);
        a->nincr += nold;
        delete_file(srv, name);
        mem_free(name);
        a->base = old_base;
        a->last_rw_ok = false;
        a->rw_failures_in_a_row++;
        a->last_rw_fail_ms = util_mstime();
        if (a->fresh) a->rw_scheduled = true;
        return;
    }
    if (a->fresh) { /* the set on disk is ours now: the older one goes */
        for (int i = 0; i < a->nstale; i++) {
            delete_file(srv, a->stale[i].name);
            mem_free(a->stale[i].name);
        }
        a->nstale = 0;
        a->fresh = false;
    }
    if (old_base.name) {
        delete_file(srv, old_base.name);
        mem_free(old_base.name);
    }
    for (int i = 0; i < nold; i++) {
        delete_file(srv, old[i].name);
        mem_free(old[i].name);
    }
    a->base_size = file_size(srv, name);
    a->cur_size = a->base_size;
    for (int i = 0; i < a->nincr; i++) a->cur_size += file_size(srv, a->incr[i].name);
    a->last_rw_ok = true;
    a->rw_failures_in_a_row = 0;
    a->rewrites++;
    log_notice("Background AOF rewrite finished successfully (%lld keys in %lld ms)",
               snapshot_keys_done(s), ms);
}

/* Starts writing a new base. With appendonly on, writes go to a new
 * incremental file from here on, and the files before it are replaced by
 * the base when it is whole. With appendonly off (BGREWRITEAOF, as Redis
 * 7.0 allows) the new set is the base alone. */
static int rewrite_start(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    if (a->on) {
        if (open_new_incr(srv, err, errlen) < 0) return -1;
        a->rw_first_incr = a->nincr - 1;
    } else {
        a->rw_first_incr = a->nincr;
    }
    a->rw_base_seq = a->last_base_seq + 1;
    a->rw_base_rdb = srv->cfg.aof_use_rdb_preamble;
    char *name = file_name(srv, a->rw_base_seq, a->rw_base_rdb ? "base.rdb" : "base.aof");
    char *path = path_in_dir(srv, name);
    mem_free(name);
    persist_job_start(srv, JOB_AOFRW, path, rewrite_done);
    mem_free(path);
    a->rw_scheduled = false;
    log_notice("Background append only file rewriting started");
    return 0;
}

int aof_rewrite(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    enum persist_job_kind job = persist_job_running(srv);
    if (job == JOB_AOFRW) {
        snprintf(err, errlen, "Background append only file rewriting already in progress");
        return -1;
    }
    if (!a->on) {
        /* appendonly no: the set on disk (if any) is replaced by a base of
         * the dataset, as Redis 7.0 does */
        if (mkdir(srv->cfg.appenddirname, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "Can't create the append-only directory %s: %s",
                     srv->cfg.appenddirname, strerror(errno));
            return -1;
        }
        if (!a->manifest_read && !a->fresh) {
            if (read_manifest(srv, err, errlen) < 0) return -1;
            a->manifest_read = true;
        }
    }
    if (job != JOB_NONE) {
        a->rw_scheduled = true;
        return 1;
    }
    return rewrite_start(srv, err, errlen) < 0 ? -1 : 0;
}

bool aof_rewrite_running(const struct server *srv) { return persist_job_running(srv) == JOB_AOFRW; }

void aof_cron(struct server *srv)
{
    struct aof *a = A(srv);
    if ((!a->on && !a->rw_scheduled) || persist_job_running(srv) != JOB_NONE) return;
    char err[512];
    /* after a failure, wait before trying again */
    if (a->rw_failures_in_a_row && util_mstime() - a->last_rw_fail_ms < 5000) return;
    if (a->rw_scheduled) {
        if (rewrite_start(srv, err, sizeof err) < 0) log_warning("%s", err);
        return;
    }
    if (!a->on) return;
    /* auto rewrite: grown by the percentage over the base, above the
     * minimum size */
    int pct = srv->cfg.auto_aof_rewrite_percentage;
    if (pct <= 0 || a->cur_size < srv->cfg.auto_aof_rewrite_min_size) return;
    long long base = a->base_size ? a->base_size : 1;
    if ((a->cur_size - base) * 100 / base < pct) return;
    log_notice("Starting automatic rewriting of AOF on %lld%% growth", (a->cur_size - base) * 100 / base);
    if (rewrite_start(srv, err, sizeof err) < 0) log_warning("%s", err);
}

/* ---- loading ------------------------------------------------------------------------ */

struct replay {
    struct server *srv;
    struct client *c;
};

static int replay_cmd(int argc, const struct slice *argv, size_t offset, void *priv, char *err,
                      size_t errlen)
{
    struct replay *r = priv;
    if (!cmd_lookup(r->srv, argv[0].p, argv[0].len)) {
        snprintf(err, errlen, "Unknown command '%.*s' at offset %zu",
                 (int)(argv[0].len > 64 ? 64 : argv[0].len), argv[0].p, offset);
        return -1;
    }
    r->c->argc = argc;
    r->c->argv = (struct slice *)argv;
    server_update_time(r->srv);
    cmd_dispatch(r->c);
    r->c->argv = NULL;
    r->c->argc = 0;
    return 0;
}

int aof_replay(struct server *srv, char *buf, size_t len, size_t *valid, char *err, size_t errlen)
{
    struct replay r = {srv, client_new(srv, -1, CONN_TCP)};
    r.c->flags |= CLIENT_LOADING;
    enum aof_parse_result rc = aof_parse(buf, len, replay_cmd, &r, valid, err, errlen);
    client_free(r.c);
    return rc == AOF_OK ? 0 : rc == AOF_TRUNCATED ? 1 : -1;
}

struct mapped {
    char *p;
    size_t len;
};

static int map_file(const char *path, struct mapped *m, char *err, size_t errlen)
{
    m->p = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "Can't open the append-only file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "Can't stat %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    m->len = (size_t)st.st_size;
    if (m->len) {
        /* private and writable: the parser may unescape in place */
        void *p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            snprintf(err, errlen, "Can't map %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        m->p = p;
    }
    close(fd);
    return 0;
}

static void unmap_file(struct mapped *m)
{
    if (m->p) munmap(m->p, m->len);
}

/* Loads one file of the set; `last` allows a truncated tail to be cut. */
static int load_file(struct server *srv, const char *name, bool last, long long *keys_before,
                     char *err, size_t errlen)
{
    char *path = path_in_dir(srv, name);
    struct mapped m;
    int rc = map_file(path, &m, err, errlen);
    if (rc < 0) {
        mem_free(path);
        return -1;
    }
    if (m.len >= 5 && !memcmp(m.p, "REDIS", 5)) {
        /* an RDB base (or an RDB preamble) */
        struct rdb_load_stats st = {0};
        struct rdb_limits lim;
        rdb_limits_from_config(&lim, &srv->cfg);
        char e[256];
        if (rdb_load_buf_with(&srv->ks, (const uint8_t *)m.p, m.len, &lim, &st, e, sizeof e) < 0) {
            snprintf(err, errlen, "Bad file format reading the append only file %s: %s", name, e);
            rc = -1;
        }
    } else if (m.len) {
        size_t valid = 0;
        char e[256];
        int r = aof_replay(srv, m.p, m.len, &valid, e, sizeof e);
        if (r < 0) {
            snprintf(err, errlen,
                     "Bad file format reading the append only file %s: %s. Make a backup of your "
                     "AOF file, then use apiary-check-aof --fix <filename.manifest>",
                     name, e);
            rc = -1;
        } else if (r == 1) {
            if (last && srv->cfg.aof_load_truncated) {
                log_warning("!!! Warning: short read while loading the AOF file %s!!!", name);
                log_warning("AOF %s loaded anyway because aof-load-truncated is enabled: cutting "
                            "it back to %zu bytes, the last whole command",
                            name, valid);
                if (truncate(path, (off_t)valid) < 0) {
                    snprintf(err, errlen, "Error truncating the AOF file %s: %s", name, strerror(errno));
                    rc = -1;
                }
            } else {
                snprintf(err, errlen,
                         "Unexpected end of file reading the append only file %s (offset %zu). You "
                         "can: 1) Make a backup of your AOF file, then use apiary-check-aof --fix "
                         "<filename.manifest>. 2) Set 'aof-load-truncated yes' and restart.",
                         name, valid);
                rc = -1;
            }
        }
    }
    unmap_file(&m);
    mem_free(path);
    (void)keys_before;
    return rc;
}

/* Replays the base and the incremental files the manifest lists. */
static int load_set(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    long long start = util_mstime();
    bool saved = srv->ks.lazy_expire;
    prop_suspend(srv);           /* replaying must not write the AOF again */
    srv->ks.lazy_expire = false; /* replay sees keys as they were written */
    int rc = 0;
    if (a->base.name) {
        a->base_rdb = strstr(a->base.name, ".rdb") != NULL;
        rc = load_file(srv, a->base.name, a->nincr == 0, NULL, err, errlen);
    }
    for (int i = 0; rc == 0 && i < a->nincr; i++)
        rc = load_file(srv, a->incr[i].name, i == a->nincr - 1, NULL, err, errlen);
    srv->ks.lazy_expire = saved;
    prop_resume(srv);
    if (rc < 0) return -1;
    long long keys = 0;
    for (int i = 0; i < srv->ks.ndb; i++) keys += (long long)db_size(ks_db(&srv->ks, i));
    log_notice("DB loaded from append only file: %lld keys in %.3f seconds", keys,
               (double)(util_mstime() - start) / 1000.0);
    srv->dirty = 0;
    return 0;
}

int aof_reload(struct server *srv, char *err, size_t errlen)
{
    if (A(srv)->fresh) {
        snprintf(err, errlen, "The AOF has no base yet (a rewrite is in progress)");
        return -1;
    }
    return load_set(srv, err, errlen);
}

int aof_start(struct server *srv, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    if (mkdir(srv->cfg.appenddirname, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the append-only directory %s: %s", srv->cfg.appenddirname,
                 strerror(errno));
        return -1;
    }
    int m = read_manifest(srv, err, errlen);
    if (m < 0) return -1;
    a->manifest_read = true;
    if (m == 0 && load_set(srv, err, errlen) < 0) return -1;
    if (a->base.name) a->base_size = file_size(srv, a->base.name);
    a->cur_size = a->base_size;
    for (int i = 0; i < a->nincr; i++) a->cur_size += file_size(srv, a->incr[i].name);
    if (!a->base.name) {
        /* no base yet (a first start): write one of the dataset now, with
         * the first incremental file beside it */
        start_stream(srv);
        return rewrite_start(srv, err, errlen);
    }
    if (open_last_incr(srv, err, errlen) < 0) return -1;
    start_stream(srv);
    return 0;
}

int aof_set_enabled(struct server *srv, bool on, char *err, size_t errlen)
{
    struct aof *a = A(srv);
    if (on == a->on) return 0;
    if (!on) {
        if (aof_rewrite_running(srv)) persist_job_abort(srv, "Killing the AOF rewrite: appendonly turned off");
        aof_flush_sync(srv);
        prop_detach(srv, sink, a);
        if (a->fd >= 0) close(a->fd);
        a->fd = -1;
        a->on = false;
        a->rw_scheduled = false;
        return 0;
    }
    if (mkdir(srv->cfg.appenddirname, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "Can't create the append-only directory %s: %s", srv->cfg.appenddirname,
                 strerror(errno));
        return -1;
    }
    /* whatever is on disk describes an older dataset: a new set starts
     * from a base of this one, and replaces the old set when it is whole */
    if (!a->manifest_read && !a->fresh) {
        if (read_manifest(srv, err, errlen) < 0) return -1;
        a->manifest_read = true;
    }
    if (a->base.name) a->stale[a->nstale++] = a->base;
    a->base.name = NULL;
    for (int i = 0; i < a->nincr && a->nstale < AOF_MAX_FILES + 1; i++) a->stale[a->nstale++] = a->incr[i];
    a->nincr = 0;
    a->base_size = a->cur_size = 0;
    a->fresh = true;
    if (persist_job_running(srv) != JOB_NONE)
        persist_job_abort(srv, "Stopping the background save: appendonly turned on, the AOF base comes first");
    start_stream(srv);
    if (rewrite_start(srv, err, errlen) < 0) {
        prop_detach(srv, sink, a);
        a->on = false;
        return -1;
    }
    return 0;
}

/* ---- INFO, init --------------------------------------------------------------------- */

void aof_info(struct server *srv, struct sbuf *b)
{
    struct aof *a = A(srv);
    bool rw = aof_rewrite_running(srv);
    sbuf_catfmt(b,
                "aof_enabled:%d\r\n"
                "aof_rewrite_in_progress:%d\r\n"
                "aof_rewrite_scheduled:%d\r\n"
                "aof_last_rewrite_time_sec:%lld\r\n"
                "aof_current_rewrite_time_sec:%lld\r\n"
                "aof_last_bgrewrite_status:%s\r\n"
                "aof_rewrites:%lld\r\n"
                "aof_rewrites_consecutive_failures:%lld\r\n"
                "aof_last_write_status:%s\r\n"
                "aof_last_cow_size:0\r\n",
                a->on ? 1 : 0, rw ? 1 : 0, a->rw_scheduled ? 1 : 0, a->last_rw_secs,
                rw ? (util_mstime() - persist_job_start_ms(srv)) / 1000 : -1,
                a->last_rw_ok ? "ok" : "err", a->rewrites, a->rw_failures_in_a_row,
                a->last_write_ok ? "ok" : "err");
    if (a->on)
        sbuf_catfmt(b,
                    "aof_current_size:%lld\r\n"
                    "aof_base_size:%lld\r\n"
                    "aof_pending_rewrite:%d\r\n"
                    "aof_buffer_length:%zu\r\n"
                    "aof_pending_bio_fsync:%d\r\n"
                    "aof_delayed_fsync:%lld\r\n",
                    a->cur_size, a->base_size, a->rw_scheduled ? 1 : 0, a->buf.len,
                    fsync_in_progress(a) ? 1 : 0, a->delayed_fsyncs);
}

void aof_init(struct server *srv)
{
    struct aof *a = mem_calloc(sizeof(*a));
    a->fd = -1;
    a->fsync_fd = a->close_fd = -1;
    a->last_rw_ok = a->last_write_ok = true;
    a->last_rw_secs = -1;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->wake, NULL);
    srv->aof = a;
    if (pthread_create(&a->thread, NULL, fsync_main, a) == 0) a->thread_on = true;
    else log_warning("AOF fsync thread not started: fsyncs run on the event loop");
}

void aof_deinit(struct server *srv)
{
    struct aof *a = A(srv);
    if (!a) return;
    aof_flush_sync(srv);
    if (a->on) prop_detach(srv, sink, a);
    if (a->thread_on) {
        pthread_mutex_lock(&a->lock);
        a->stop = true;
        pthread_cond_signal(&a->wake);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->thread, NULL);
    }
    if (a->fd >= 0) close(a->fd);
    mem_free(a->base.name);
    for (int i = 0; i < a->nincr; i++) mem_free(a->incr[i].name);
    for (int i = 0; i < a->nstale; i++) mem_free(a->stale[i].name);
    sbuf_free(&a->buf);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->wake);
    mem_free(a);
    srv->aof = NULL;
}
