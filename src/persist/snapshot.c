/* snapshot: see snapshot.h. */
#include "persist/snapshot.h"

#include "base/crc64.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "ev/ev.h"
#include "persist/aof_write.h"
#include "persist/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The writer thread's nice value (Linux: per thread). */
#define SNAP_WRITER_NICE 10
/* The writer gives the CPU away (sched_yield) after this much work. Once
 * the scheduler picks it, at any nice value it keeps the CPU until the next
 * tick (4 ms at HZ=250) while the event loop, runnable on the same CPU,
 * waits: that alone set the loop's p99.9 latency during a BGSAVE. */
#define SNAP_WRITER_SLICE_US 100
/* the file is checksummed and written in pieces of this size, with a
 * chance to give way between them */
#define SNAP_WRITE_PIECE (64u << 10)
/* the window over which the loop judges a background writer starved
 * (watch_writer) */
#define SNAP_ESCALATE_MS 2000
/* ... and starved means it ran less than 1/SNAP_STARVED of that window */
#define SNAP_STARVED 32

/* Chunks go to the writer at this size, so writes are large. */
#define CHUNK_BYTES (256u << 10)
/* written chunks kept for the loop to fill again */
#define SNAP_SPARE_CHUNKS 4

/* A value a command dropped whole before the snapshot wrote it (an
 * overwrite or a removal): the object itself, not a copy, with what the
 * file needs of its entry. The writer thread serialises and frees it; no
 * one else can reach it any more. */
struct taken {
    struct taken *next;
    struct obj *val;
    int db; /* the original database */
    long long expire_ms, idle_s;
    int freq;
    size_t cost; /* counted in `queued` */
    size_t klen;
    char key[];
};

struct chunk {
    struct chunk *next;
    struct rdb_deferred d; /* serialised bytes and the strings to compress */
    struct taken *taken;   /* written after d's bytes, in this order */
    int end_db;            /* the SELECTDB in effect after d's bytes, -1 none */
    size_t bytes;          /* counted in `queued` when handed over */
    bool last;             /* ends the stream: the writer appends the checksum */
};

struct snapshot {
    struct server *srv;
    struct keyspace *ks;
    struct ks_snap hooks;
    uint16_t epoch;
    enum snap_format fmt;
    bool compress, checksum;
    bool background; /* the writer runs as SCHED_IDLE */
    /* IDLE / FREQ per key: under an LRU or LFU maxmemory-policy */
    bool lru_meta, lru_policy;
    int ndb;

    /* where each database's keys (as they were at the start) live now:
     * src[d] is the struct db holding original database d's tables, a live
     * one or one taken by a flush (detached[d]); orig_of[j] is the
     * original database whose tables live database j holds, -1 when they
     * were created after the start (everything in them is new) */
    struct db **src;
    struct db **detached;
    int *orig_of;

    /* the walk: bucket `cursor` of database walk_db's table (htab_walk) */
    int walk_db;
    size_t cursor;
    bool walk_done;
    int stream_db; /* the last SELECTDB written, -1 none */
    long long keys_done, keys_total;
    long long walked;      /* keys the walk (not the hooks) wrote */
    long long start_us;
    struct rdb_deferred out; /* the chunk being filled */
    struct taken *taken_head, *taken_tail; /* values taken for it */
    struct chunk *holder; /* the struct the next hand-over fills, or NULL */
    size_t taken_cost;
    int str_mode;            /* enum rdb_compress for keys' strings */

    /* the writer thread and what it shares with the loop */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct chunk *head, *tail;
    struct chunk *spare; /* written chunks kept for reuse */
    int nspare;
    bool stop;
    _Atomic size_t queued;     /* bytes handed over and not yet written */
    size_t queued_peak;        /* the most queued at once (loop only) */
    _Atomic long long written; /* bytes in the file */
    _Atomic int wstate;        /* SNAP_RUNNING until the writer ends */
    /* the writer's own (one writer thread at a time) */
    int wfd;
    bool wfailed;
    uint64_t crc;
    struct sbuf final;
    /* a background writer (SCHED_IDLE) starved of CPU is replaced by one
     * at nice 10 (watch_writer): a thread cannot raise its own priority
     * again without privileges, but a new one starts at the loop's */
    _Atomic bool escalate;
    pthread_t replaced;       /* the writer the replacement joins */
    long long watch_from, watch_cpu; /* watch_writer's window: start, writer's CPU time then */
    char err[256];             /* written by the writer before wstate */
    char *path, *tmp;
    bool renamed;
    bool verify; /* read the file back and check its checksum */
    bool eof_put; /* end_walk: the EOF opcode is in `out` */
    bool ended;   /* the last chunk is queued */
};

/* ---- the writer thread ---------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* the writer's write: false (and s->err) on an error */
static bool file_put(struct snapshot *s, int fd, const char *p, size_t n)
{
    if (write_all(fd, p, n) < 0) {
        snprintf(s->err, sizeof s->err, "Write error saving DB on disk: %s", strerror(errno));
        return false;
    }
    atomic_fetch_add(&s->written, (long long)n);
    return true;
}

static void fsync_dir_of(const char *path)
{
    char *copy = mem_strdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    mem_free(copy);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

/* Reads a written file back: the checksum in its last 8 bytes must be
 * the CRC-64 of everything before them. */
static int verify_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "Can't reopen %s to verify it: %s", path, strerror(errno));
        return -1;
    }
    char *buf = mem_alloc(1u << 20);
    unsigned char tail[8] = {0};
    size_t have = 0; /* bytes held back in tail */
    uint64_t crc = 0;
    long long total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1u << 20);
        if (n < 0) {
            if (errno == EINTR) continue;
            snprintf(err, errlen, "Read error verifying %s: %s", path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0) break;
        total += n;
        /* everything but the last 8 bytes of the file goes into the CRC */
        size_t un = (size_t)n;
        if (un >= 8) {
            crc = crc64(crc, tail, have);
            crc = crc64(crc, buf, un - 8);
            memcpy(tail, buf + un - 8, 8);
            have = 8;
        } else {
            size_t keep = have + un > 8 ? 8 : have + un;
            unsigned char both[16];
            memcpy(both, tail, have);
            memcpy(both + have, buf, un);
            crc = crc64(crc, both, have + un - keep);
            memcpy(tail, both + have + un - keep, keep);
            have = keep;
        }
    }
    close(fd);
    mem_free(buf);
    if (rc == 0) {
        uint64_t want = 0;
        for (int i = 0; i < 8; i++) want |= (uint64_t)tail[i] << (8 * i);
        if (total < 9 + 8 || have != 8 || want != crc) {
            snprintf(err, errlen, "Verification of %s failed: the checksum does not match", path);
            rc = -1;
        }
    }
    return rc;
}

void snapshot_verify_after(struct snapshot *s) { s->verify = true; }

static void free_taken(struct taken **list)
{
    while (*list) {
        struct taken *t = *list;
        *list = t->next;
        obj_free(t->val);
        mem_free(t);
    }
}

/* Appends a chunk's taken values to out, each after the SELECTDB it needs,
 * then the chunk's own last SELECTDB again, so the next chunk's bytes go
 * on in the database they were written for. */
/* rdb_pace_fn for the writer: arg is the start of its current slice */
static void writer_pace(void *arg)
{
    long long *slice_start = arg;
    long long now = util_monotonic_us();
    if (now - *slice_start < SNAP_WRITER_SLICE_US) return;
    sched_yield();
    *slice_start = util_monotonic_us();
}

static void write_taken(struct snapshot *s, const struct chunk *c, struct sbuf *out, long long *slice)
{
    int cur = c->end_db;
    bool cmds = s->fmt == SNAP_FMT_AOF_CMDS;
    for (const struct taken *t = c->taken; t; t = t->next) {
        if (t->db != cur) {
            if (cmds) aof_put_selectdb(out, t->db);
            else rdb_put_selectdb(out, t->db);
            cur = t->db;
        }
        if (cmds)
            aof_put_key(out, t->key, t->klen, t->val, t->expire_ms);
        else
            rdb_put_key_ex(out, t->key, t->klen, t->val, t->expire_ms, t->idle_s, t->freq,
                           s->compress ? RDB_LZF : RDB_RAW);
        writer_pace(slice);
    }
    if (c->end_db >= 0 && cur != c->end_db) {
        if (cmds) aof_put_selectdb(out, c->end_db);
        else rdb_put_selectdb(out, c->end_db);
    }
}

/* Writes queued chunks until the last one (or a stop), then fsyncs,
 * renames and verifies. A background writer (SCHED_IDLE) returns early,
 * between two chunks, once the loop asks for its replacement (`escalate`):
 * the replacement, at nice 10, goes on from there. */
static void writer_run(struct snapshot *s, bool idle)
{
    /* the writer yields the CPU to the event loop: on a busy machine the
     * loop's clients should not wait behind checksumming and writing. In
     * the background it runs as SCHED_IDLE (any thread may lower itself
     * so): on a 2-core machine under load, nice 10 still gave it ticks
     * while the loop waited, and p99.9 during BGSAVE fell from 2.5-3.8 ms
     * to 1.7-2.3 ms (docs/benchmarks.md). When every core is busy it gets
     * next to nothing; the loop then starts a replacement at nice 10
     * (watch_writer). */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SNAP_WRITER_NICE);
    if (idle) {
        struct sched_param sp = {0};
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    }
    long long slice = util_monotonic_us(); /* writer_pace */
    bool finished = false;
    struct sbuf *final = &s->final; /* a chunk with its strings compressed */
    pthread_mutex_lock(&s->lock);
    while (!finished) {
        while (!s->head && !s->stop) pthread_cond_wait(&s->wake, &s->lock);
        if (idle && atomic_load(&s->escalate)) {
            pthread_mutex_unlock(&s->lock);
            return; /* the replacement goes on */
        }
        if (s->stop) break; /* aborted */
        struct chunk *c = s->head;
        s->head = c->next;
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->lock);
        if (!s->wfailed) {
            /* LZF happens here, off the event loop */
            struct sbuf *out = &c->d.buf;
            if (c->d.nspans || c->taken) {
                final->len = 0;
                rdb_deferred_resolve(&c->d, final, writer_pace, &slice);
                out = final;
            }
            if (c->taken) write_taken(s, c, out, &slice);
            for (size_t off = 0, n; off < out->len && !s->wfailed; off += n) {
                n = out->len - off < SNAP_WRITE_PIECE ? out->len - off : SNAP_WRITE_PIECE;
                if (s->checksum) s->crc = crc64(s->crc, out->p + off, n);
                s->wfailed = !file_put(s, s->wfd, out->p + off, n);
                writer_pace(&slice);
            }
            if (!s->wfailed && c->last && s->fmt != SNAP_FMT_AOF_CMDS) {
                char tail[8];
                for (int i = 0; i < 8; i++) tail[i] = (char)(s->crc >> (8 * i));
                s->wfailed = !file_put(s, s->wfd, tail, 8);
            }
        }
        if (c->last) finished = true;
        atomic_fetch_sub(&s->queued, c->bytes);
        /* keep a few written chunks for the loop to fill again: fresh
         * buffers would cost it page faults (zeroing) on every chunk.
         * Freeing happens outside the lock: the loop only ever tries it,
         * and a writer preempted while holding it (at SCHED_IDLE, for a
         * long time) would hold up hand-overs */
        free_taken(&c->taken);
        rdb_deferred_reset(&c->d);
        pthread_mutex_lock(&s->lock);
        if (s->nspare < SNAP_SPARE_CHUNKS) {
            c->next = s->spare;
            s->spare = c;
            s->nspare++;
        } else {
            pthread_mutex_unlock(&s->lock);
            rdb_deferred_free(&c->d);
            mem_free(c);
            pthread_mutex_lock(&s->lock);
        }
    }
    /* stopped early: drop what is left */
    while (s->head) {
        struct chunk *c = s->head;
        s->head = c->next;
        free_taken(&c->taken);
        rdb_deferred_free(&c->d);
        mem_free(c);
    }
    s->tail = NULL;
    pthread_mutex_unlock(&s->lock);
    int fd = s->wfd;
    bool failed = s->wfailed;
    if (fd >= 0 && finished && !failed) {
        if (fsync(fd) < 0) {
            snprintf(s->err, sizeof s->err, "fsync error saving DB on disk: %s", strerror(errno));
            failed = true;
        }
    }
    if (fd >= 0) close(fd);
    if (finished && !failed) {
        if (rename(s->tmp, s->path) < 0) {
            snprintf(s->err, sizeof s->err, "Error moving temp DB file %s on the final destination %s: %s",
                     s->tmp, s->path, strerror(errno));
            failed = true;
        } else {
            s->renamed = true;
            fsync_dir_of(s->path);
            if (s->verify && verify_file(s->path, s->err, sizeof s->err) < 0) {
                unlink(s->path);
                failed = true;
            }
        }
    }
    sbuf_free(final);
    if (!s->renamed && fd >= 0) unlink(s->tmp);
    if (!finished && !failed) snprintf(s->err, sizeof s->err, "snapshot aborted");
    atomic_store(&s->wstate, (finished && !failed) ? SNAP_DONE : SNAP_FAILED);
}

static void *writer_main(void *arg)
{
    struct snapshot *s = arg;
    mem_thread_attach();
    s->wfd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->wfd < 0) {
        snprintf(s->err, sizeof s->err, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                 s->tmp, s->srv->cfg.dir ? s->srv->cfg.dir : ".", strerror(errno));
        s->wfailed = true;
    }
    writer_run(s, s->background);
    mem_thread_detach();
    return NULL;
}

/* The replacement for a background writer that fell behind: it waits for
 * that one to hand over (or to finish, if it got there first). */
static void *writer_takeover(void *arg)
{
    struct snapshot *s = arg;
    pthread_join(s->replaced, NULL);
    if (atomic_load(&s->wstate) != SNAP_RUNNING) return NULL;
    mem_thread_attach();
    writer_run(s, false);
    mem_thread_detach();
    return NULL;
}

/* Hands the pending output to the writer; false when its lock was busy.
 * The loop never waits for that lock (only `wait`, for SAVE, blocks): a
 * writer holding it (say, just woken in pthread_cond_wait) can be off the
 * CPU for milliseconds on a busy machine, far longer at SCHED_IDLE, and
 * every client would wait with it. The chunk just keeps filling and goes
 * on a later call (end_walk retries the end). */
static bool hand_over_now(struct snapshot *s, bool last, bool wait)
{
    if (!s->out.buf.len && !s->taken_head && !last) return true;
    if (!s->holder) s->holder = mem_calloc(sizeof(*s->holder));
    if (wait) pthread_mutex_lock(&s->lock);
    else if (pthread_mutex_trylock(&s->lock) != 0) return false;
    struct chunk *fresh = s->holder, *c = s->spare;
    s->holder = NULL;
    if (c) {
        s->spare = c->next;
        s->nspare--;
    }
    fresh->next = NULL;
    fresh->d = s->out;
    fresh->taken = s->taken_head;
    fresh->end_db = s->stream_db;
    fresh->bytes = s->out.buf.len + s->taken_cost;
    fresh->last = last;
    size_t q = atomic_fetch_add(&s->queued, fresh->bytes) + fresh->bytes;
    if (s->tail) s->tail->next = fresh;
    else s->head = fresh;
    s->tail = fresh;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (q > s->queued_peak) s->queued_peak = q;
    s->taken_head = s->taken_tail = NULL;
    s->taken_cost = 0;
    /* a written chunk's buffer (or a new one, sized for a whole chunk)
     * is the next to fill; its struct carries the next hand-over */
    if (c) {
        s->out = c->d;
        c->d = (struct rdb_deferred){0};
        c->taken = NULL;
        s->holder = c;
    } else {
        s->out = (struct rdb_deferred){0};
        sbuf_reserve(&s->out.buf, CHUNK_BYTES + (64u << 10));
    }
    return true;
}

static void hand_over(struct snapshot *s) { hand_over_now(s, false, false); }

/* Bytes serialised and not yet written: queued for the writer, and what
 * waits on the loop's side when the writer's lock was busy. The walk
 * pauses above SNAP_QUEUE_PAUSE. */
static size_t backlog(struct snapshot *s) { return atomic_load(&s->queued) + s->out.buf.len + s->taken_cost; }

/* ---- serialising ---------------------------------------------------------- */

/* Strings LZF may shrink go out raw with a span (RDB_LZF_DEFERRED) when
 * rdbcompression is on: the writer thread compresses them, so neither the
 * walk nor a command waiting for its key to be written pays for LZF. */
static void emit(struct snapshot *s, int d, struct db *db, struct kentry *ke)
{
    ke->snap_epoch = s->epoch;
    if (s->fmt == SNAP_FMT_AOF_CMDS) {
        if (s->stream_db != d) {
            aof_put_selectdb(&s->out.buf, d);
            s->stream_db = d;
        }
        aof_put_key(&s->out.buf, ke->key, ke->klen, ke->val, db_get_expire(db, ke));
    } else {
        if (s->stream_db != d) {
            rdb_put_selectdb(&s->out.buf, d);
            s->stream_db = d;
        }
        long long idle = -1;
        int freq = -1;
        if (s->lru_meta) rdb_key_meta(s->ks, s->lru_policy, ke, &idle, &freq);
        rdb_put_key_ex(&s->out.buf, ke->key, ke->klen, ke->val, db_get_expire(db, ke), idle, freq,
                       s->str_mode);
    }
    s->keys_done++;
    if (s->out.buf.len >= CHUNK_BYTES) hand_over(s);
}

static void on_touch(struct keyspace *ks, struct db *db, struct kentry *ke, void *priv)
{
    struct snapshot *s = priv;
    int d = s->orig_of[db->id];
    if (d < 0) { /* cannot happen: such a db holds only new entries */
        ke->snap_epoch = s->epoch;
        return;
    }
    emit(s, d, db, ke);
}

/* A value dropped whole goes to the writer as it is: nothing to copy or
 * serialise on the loop. */
static bool on_take_value(struct keyspace *ks, struct db *db, struct kentry *ke, void *priv)
{
    struct snapshot *s = priv;
    int d = s->orig_of[db->id];
    if (d < 0) return false;
    struct taken *t = mem_alloc(sizeof(*t) + ke->klen);
    t->next = NULL;
    t->val = ke->val;
    t->db = d;
    t->expire_ms = db_get_expire(db, ke);
    t->idle_s = -1;
    t->freq = -1;
    if (s->lru_meta) rdb_key_meta(s->ks, s->lru_policy, ke, &t->idle_s, &t->freq);
    t->klen = ke->klen;
    memcpy(t->key, ke->key, ke->klen);
    /* what the writer will make of it, roughly: for pausing the walk */
    t->cost = sizeof(*t) + ke->klen +
              (ke->val->type == OBJ_STRING ? obj_strlen(ke->val) : 32 * obj_free_effort(ke->val));
    if (s->taken_tail) s->taken_tail->next = t;
    else s->taken_head = t;
    s->taken_tail = t;
    s->taken_cost += t->cost;
    ke->snap_epoch = s->epoch;
    s->keys_done++;
    if (s->out.buf.len + s->taken_cost >= CHUNK_BYTES) hand_over(s);
    return true;
}

static bool on_take_tables(struct keyspace *ks, struct db *db, void *priv)
{
    struct snapshot *s = priv;
    int d = s->orig_of[db->id];
    if (d < 0) return false;
    struct db *det = mem_alloc(sizeof(*det));
    *det = *db; /* the tables move by value */
    s->detached[d] = det;
    s->src[d] = det;
    s->orig_of[db->id] = -1;
    return true;
}

static void on_swapped(struct keyspace *ks, int a, int b, void *priv)
{
    struct snapshot *s = priv;
    int da = s->orig_of[a], db = s->orig_of[b];
    s->orig_of[a] = db;
    s->orig_of[b] = da;
    if (da >= 0 && !s->detached[da]) s->src[da] = ks_db(ks, b);
    if (db >= 0 && !s->detached[db]) s->src[db] = ks_db(ks, a);
}

struct scan_ctx {
    struct snapshot *s;
    int d;
    struct db *db;
};

static void scan_cb(struct htab_node *n, void *priv)
{
    struct scan_ctx *x = priv;
    struct kentry *ke = (struct kentry *)n;
    if (ke->snap_epoch != x->s->epoch) {
        emit(x->s, x->d, x->db, ke);
        x->s->walked++;
    }
}

/* rdb-key-save-delay: the walk may have written this many keys by now */
static bool paced_out(struct snapshot *s)
{
    int d = s->srv->cfg.rdb_key_save_delay;
    if (d <= 0) return false;
    return s->walked >= (util_monotonic_us() - s->start_us) / d;
}

/* Keys carry IDLE under an LRU maxmemory-policy (FREQ under LFU is the
 * keyspace's own ks->lfu.on). */
static bool lru_policy(const struct server *srv)
{
    return srv->cfg.maxmemory_policy == MM_ALLKEYS_LRU || srv->cfg.maxmemory_policy == MM_VOLATILE_LRU;
}

struct snapshot *snapshot_start(struct server *srv, const char *path, enum snap_format fmt, bool compress,
                                bool checksum, bool background)
{
    struct keyspace *ks = &srv->ks;
    struct snapshot *s = mem_calloc(sizeof(*s));
    s->srv = srv;
    s->ks = ks;
    /* the writer runs on idle CPU time, which a spinning loop would take */
    ev_busy_poll_hold(srv->loop, true);
    s->fmt = fmt;
    s->lru_policy = lru_policy(srv);
    s->lru_meta = s->lru_policy || ks->lfu.on;
    s->compress = compress;
    s->background = background;
    s->checksum = checksum && fmt != SNAP_FMT_AOF_CMDS;
    s->ndb = ks->ndb;
    s->src = mem_calloc(sizeof(*s->src) * (size_t)s->ndb);
    s->detached = mem_calloc(sizeof(*s->detached) * (size_t)s->ndb);
    s->orig_of = mem_calloc(sizeof(*s->orig_of) * (size_t)s->ndb);
    for (int i = 0; i < s->ndb; i++) {
        /* the walk needs tables that only grow while it runs */
        if (htab_is_shrinking(&ks_db(ks, i)->keys)) htab_finish_rehash(&ks_db(ks, i)->keys);
        s->src[i] = ks_db(ks, i);
        s->orig_of[i] = i;
        s->keys_total += (long long)db_size(ks_db(ks, i));
    }
    s->stream_db = -1;
    s->start_us = util_monotonic_us();
    s->path = mem_strdup(path);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "temp-%d-%u.rdb", (int)getpid(), (unsigned)ks->snap_epoch + 1u);
    /* the temporary file lives beside the destination, so rename is atomic */
    char *copy = mem_strdup(path);
    const char *dir = dirname(copy);
    size_t n = strlen(dir) + 1 + strlen(tmp) + 1;
    s->tmp = mem_alloc(n);
    snprintf(s->tmp, n, "%s/%s", dir, tmp);
    mem_free(copy);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    atomic_store(&s->wstate, SNAP_RUNNING);

    s->epoch = ks_next_snap_epoch(ks);
    s->hooks.touch = on_touch;
    s->hooks.take_value = on_take_value;
    s->hooks.take_tables = on_take_tables;
    s->hooks.swapped = on_swapped;
    s->hooks.priv = s;
    ks->snap = &s->hooks;

    sbuf_reserve(&s->out.buf, CHUNK_BYTES + (64u << 10));
    s->str_mode = compress ? RDB_LZF_DEFERRED : RDB_RAW;
    if (fmt == SNAP_FMT_AOF_CMDS) {
        if (srv->cfg.aof_timestamp_enabled) aof_put_timestamp(&s->out.buf, util_mstime() / 1000);
    } else {
        rdb_put_header(&s->out.buf, (long long)mem_used(), fmt == SNAP_FMT_AOF_BASE);
    }
    crc64_init();
    if (pthread_create(&s->thread, NULL, writer_main, s) != 0) {
        snprintf(s->err, sizeof s->err, "Can't start the snapshot writer thread: %s", strerror(errno));
        atomic_store(&s->wstate, SNAP_FAILED);
        ks->snap = NULL;
    } else {
        s->thread_started = true;
    }
    return s;
}

enum snap_state snapshot_state(struct snapshot *s)
{
    int w = atomic_load(&s->wstate);
    if (w != SNAP_RUNNING) return (enum snap_state)w;
    return s->ended ? SNAP_FLUSHING : SNAP_RUNNING;
}

/* Detaches from the keyspace once every key is out, then hands over the
 * end: the taken values first (they are written after their chunk's bytes
 * and must come before the EOF opcode), then the last chunk. Unless
 * `wait` (SAVE), a busy lock leaves the rest to the next step: the loop
 * never waits for a writer that may be off the CPU. */
static void end_walk(struct snapshot *s, bool wait)
{
    if (!s->walk_done) {
        s->walk_done = true;
        if (s->ks->snap == &s->hooks) s->ks->snap = NULL;
    }
    if (s->taken_head && (!hand_over_now(s, false, wait) || s->taken_head)) return;
    if (!s->eof_put) {
        if (s->fmt != SNAP_FMT_AOF_CMDS) rdb_put_eof(&s->out.buf);
        s->eof_put = true;
    }
    if (hand_over_now(s, true, wait)) s->ended = true;
}

static long long thread_cpu_us(pthread_t t)
{
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(t, &cid) != 0 || clock_gettime(cid, &ts) != 0) return -1;
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A background writer at SCHED_IDLE on a machine whose every core is busy
 * gets next to nothing (500,000 keys took a minute here, against 7 s at
 * nice 10) and would hold the snapshot open as long as that lasts. So the
 * loop watches it: over SNAP_ESCALATE_MS in which work waited for it all
 * along, if it ran less than 1/SNAP_STARVED of the time, a replacement
 * started from the loop (at the loop's priority, then nice 10) takes over
 * between two chunks. Under a SET load that kept both cores of this
 * machine busy, the idle writer still ran 8% of the time; two processes
 * spinning on both cores left it 0.3%. */
static void watch_writer(struct snapshot *s)
{
    if (!s->background || !s->thread_started || atomic_load(&s->escalate)) return;
    if (backlog(s) < CHUNK_BYTES) { /* it may be waiting for work */
        s->watch_from = 0;
        return;
    }
    long long now = util_monotonic_us();
    if (!s->watch_from) {
        s->watch_from = now;
        s->watch_cpu = thread_cpu_us(s->thread);
        return;
    }
    if (now - s->watch_from < SNAP_ESCALATE_MS * 1000LL) return;
    long long cpu = thread_cpu_us(s->thread), ran = cpu - s->watch_cpu, span = now - s->watch_from;
    s->watch_from = 0;
    if (s->watch_cpu < 0 || cpu < 0 || ran * SNAP_STARVED >= span) return;
    pthread_t idle = s->thread;
    s->replaced = idle;
    if (pthread_create(&s->thread, NULL, writer_takeover, s) != 0) {
        s->thread = idle;
        return;
    }
    atomic_store(&s->escalate, true);
    log_notice("Background snapshot: the writer fell behind at idle priority (it ran %lld ms of the last %lld); "
               "going on at nice %d",
               ran / 1000, span / 1000, SNAP_WRITER_NICE);
}

enum snap_state snapshot_step(struct snapshot *s, long long budget_us)
{
    enum snap_state st = snapshot_state(s);
    if (st != SNAP_RUNNING) return st;
    if (budget_us >= 0) watch_writer(s);
    if (budget_us >= 0 && backlog(s) > SNAP_QUEUE_PAUSE) return st;
    long long start = util_monotonic_us();
    int steps = 0;
    while (s->walk_db < s->ndb) {
        if (budget_us >= 0 && paced_out(s)) break;
        struct db *db = s->src[s->walk_db];
        struct scan_ctx x = {s, s->walk_db, db};
        if (!db_size(db) || !htab_walk(&db->keys, &s->cursor, scan_cb, &x)) {
            s->walk_db++;
            s->cursor = 0;
        }
        if (budget_us < 0) {
            /* a blocking save: just keep the writer's queue bounded */
            while (atomic_load(&s->queued) > SNAP_QUEUE_PAUSE && atomic_load(&s->wstate) == SNAP_RUNNING)
                usleep(200);
            continue;
        }
        /* every 16 buckets: with large values (LZF, KB each) a longer
         * stretch overshoots the slice, and clients wait for it */
        if (++steps % 16 == 0 && (util_monotonic_us() - start >= budget_us || backlog(s) > SNAP_QUEUE_PAUSE))
            break;
    }
    if (s->walk_db >= s->ndb) end_walk(s, budget_us < 0);
    else hand_over(s);
    return snapshot_state(s);
}

bool snapshot_stalled(struct snapshot *s) { return backlog(s) > SNAP_QUEUE_PAUSE || (s->walk_done && !s->ended); }

enum snap_state snapshot_wait(struct snapshot *s)
{
    while (!s->ended && atomic_load(&s->wstate) == SNAP_RUNNING) snapshot_step(s, -1);
    if (s->thread_started) {
        pthread_join(s->thread, NULL);
        s->thread_started = false;
    }
    return snapshot_state(s);
}

const char *snapshot_error(const struct snapshot *s) { return s->err; }
long long snapshot_keys_done(const struct snapshot *s) { return s->keys_done; }
long long snapshot_keys_total(const struct snapshot *s) { return s->keys_total; }
size_t snapshot_queued(const struct snapshot *s) { return atomic_load(&((struct snapshot *)s)->queued); }
size_t snapshot_queued_peak(const struct snapshot *s) { return s->queued_peak; }
long long snapshot_bytes(const struct snapshot *s) { return atomic_load(&((struct snapshot *)s)->written); }

void snapshot_free(struct snapshot *s)
{
    ev_busy_poll_hold(s->srv->loop, false);
    if (s->ks->snap == &s->hooks) s->ks->snap = NULL;
    if (s->thread_started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    /* tables a flush handed over: free them now, off the loop */
    for (int i = 0; i < s->ndb; i++)
        if (s->detached[i]) {
            db_flush(s->ks, s->detached[i], true);
            mem_free(s->detached[i]);
        }
    rdb_deferred_free(&s->out);
    free_taken(&s->taken_head);
    mem_free(s->holder);
    while (s->spare) {
        struct chunk *c = s->spare;
        s->spare = c->next;
        rdb_deferred_free(&c->d);
        mem_free(c);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    mem_free(s->src);
    mem_free(s->detached);
    mem_free(s->orig_of);
    mem_free(s->path);
    mem_free(s->tmp);
    mem_free(s);
}

/* ---- the whole data set into memory (a replica's full synchronisation) ---- */

struct buf_ctx {
    struct sbuf *out;
    struct keyspace *ks;
    struct db *db;
    bool compress, lru_policy;
};

static void buf_key(struct htab_node *n, void *priv)
{
    struct buf_ctx *x = priv;
    struct kentry *ke = (struct kentry *)n;
    long long idle;
    int freq;
    rdb_key_meta(x->ks, x->lru_policy, ke, &idle, &freq);
    rdb_put_key_ex(x->out, ke->key, ke->klen, ke->val, db_get_expire(x->db, ke), idle, freq, x->compress);
}

void snapshot_to_buffer(struct server *srv, struct sbuf *out)
{
    struct keyspace *ks = &srv->ks;
    size_t start = out->len;
    rdb_put_header(out, (long long)mem_used(), false);
    for (int i = 0; i < ks->ndb; i++) {
        struct db *db = ks_db(ks, i);
        if (!db_size(db)) continue;
        rdb_put_selectdb(out, i);
        rdb_put_resizedb(out, db_size(db), db_expires_size(db));
        struct buf_ctx x = {out, ks, db, srv->cfg.rdbcompression, lru_policy(srv)};
        htab_foreach(&db->keys, buf_key, &x);
    }
    rdb_put_eof(out);
    uint64_t crc = srv->cfg.rdbchecksum ? crc64(0, out->p + start, out->len - start) : 0;
    rdb_put_crc(out, crc);
}
