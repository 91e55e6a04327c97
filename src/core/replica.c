/* replica: the replica's side of replication; see replica.h for the state
 * machine and who owns what. */
#include "core/replica.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/multi.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"
#include "core/tracking.h"
#include "ev/ev.h"
#include "net/net.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* A handshake reply or the payload's "$..." line longer than this is not
 * from a master: the link is dropped. */
#define REPL_MAX_LINE (64 * 1024)
/* The payload is read in pieces of at most this much per readable event,
 * so other clients keep being served while it arrives. */
#define REPL_READ_CHUNK (1024 * 1024)
#define REPL_EOF_MARK_LEN 40
#define REPL_RETRY_FIRST_MS 1000

enum rstate { RS_CONNECT, RS_RESOLVING, RS_CONNECTING, RS_HANDSHAKE, RS_TRANSFER, RS_CONNECTED };
enum hstep { HS_PING, HS_AUTH, HS_PORT, HS_CAPA, HS_PSYNC, HS_BULK, HS_PAYLOAD };

/* A host name being resolved on a detached helper thread. The job is
 * shared by two threads: whichever of them finishes last (the thread
 * storing its result, or the loop abandoning the job) frees it, decided by
 * one atomic exchange. It lives outside the used-memory accounting (plain
 * calloc/free), being tiny and freed on either thread. */
enum { JOB_RUNNING = 0, JOB_DONE = 1, JOB_ABANDONED = 2 };
struct resolve_job {
    atomic_int state;
    char host[256], port[16];
    int rc;
    struct addrinfo *res;
};

struct replica {
    char *host;
    int port;
    enum rstate state;
    enum hstep step;
    int fd;
    struct resolve_job *job;
    /* handshake replies and "$..." lines; after the payload in "$<len>"
     * form, the first bytes of the stream */
    char *in;
    size_t inlen, incap;
    struct sbuf payload;
    long long payload_len; /* -1: "$EOF:<mark>" form */
    char eofmark[REPL_EOF_MARK_LEN];
    char new_replid[41]; /* from +FULLRESYNC, in force once loaded */
    long long new_offset;
    bool synced;         /* the data set came from this master: a reconnect may continue */
    long long last_io_ms, transfer_start_ms, down_since_ms, retry_at_ms, last_ack_ms;
    int failures;
    long long read_offset; /* slave_read_repl_offset */
    struct client *master;
};

static void link_read(struct ev_loop *loop, int fd, void *data, int mask);

/* ---- the resolver thread --------------------------------------------------- */

static void *resolve_main(void *arg)
{
    struct resolve_job *j = arg;
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    j->rc = getaddrinfo(j->host, j->port, &hints, &j->res);
    if (atomic_exchange(&j->state, JOB_DONE) == JOB_ABANDONED) {
        if (j->res) freeaddrinfo(j->res);
        free(j);
    }
    return NULL;
}

static void job_abandon(struct resolve_job **jp)
{
    struct resolve_job *j = *jp;
    if (!j) return;
    *jp = NULL;
    if (atomic_exchange(&j->state, JOB_ABANDONED) == JOB_DONE) {
        if (j->res) freeaddrinfo(j->res);
        free(j);
    }
}

/* ---- the link ---------------------------------------------------------------- */

static const char *state_name(const struct replica *r)
{
    switch (r->state) {
    case RS_CONNECT: return "connect";
    case RS_RESOLVING:
    case RS_CONNECTING: return "connecting";
    case RS_HANDSHAKE: return "handshake";
    case RS_TRANSFER: return "sync";
    case RS_CONNECTED: return "connected";
    }
    return "unknown";
}

/* Closes whatever the link holds short of the master client. */
static void link_close(struct server *srv, struct replica *r)
{
    job_abandon(&r->job);
    if (r->fd >= 0) {
        ev_del(srv->loop, r->fd, EV_READ | EV_WRITE);
        close(r->fd);
        r->fd = -1;
    }
    mem_free(r->in);
    r->in = NULL;
    r->inlen = r->incap = 0;
    sbuf_free(&r->payload);
}

/* The attempt failed: close it and try again after a backoff. */
static void link_fail(struct server *srv, const char *why)
{
    struct replica *r = srv->replica;
    log_warning("Replication with MASTER %s:%d failed (%s): retrying", r->host, r->port, why);
    link_close(srv, r);
    r->state = RS_CONNECT;
    long long delay = REPL_RETRY_FIRST_MS;
    for (int i = 1; i < r->failures && delay < srv->cfg.repl_reconnect_max_ms; i++) delay *= 2;
    if (delay > srv->cfg.repl_reconnect_max_ms) delay = srv->cfg.repl_reconnect_max_ms;
    r->failures++;
    r->retry_at_ms = util_mstime() + delay;
}

static int link_send(struct server *srv, int argc, const char **argv)
{
    struct replica *r = srv->replica;
    struct sbuf b = {0};
    sbuf_catfmt(&b, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) sbuf_catfmt(&b, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    /* a handshake command is a few dozen bytes on a socket that has just
     * connected, so it goes in one write; a short one is a failure */
    ssize_t n = write(r->fd, b.p, b.len);
    bool ok = n == (ssize_t)b.len;
    sbuf_free(&b);
    if (!ok) {
        link_fail(srv, n < 0 ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

/* Sends the command of the current handshake step. */
static void handshake_send(struct server *srv)
{
    struct replica *r = srv->replica;
    char port[16], off[32];
    switch (r->step) {
    case HS_PING: {
        const char *a[] = {"PING"};
        link_send(srv, 1, a);
        break;
    }
    case HS_AUTH: {
        if (srv->cfg.masteruser && srv->cfg.masteruser[0]) {
            const char *a[] = {"AUTH", srv->cfg.masteruser, srv->cfg.masterauth};
            link_send(srv, 3, a);
        } else {
            const char *a[] = {"AUTH", srv->cfg.masterauth};
            link_send(srv, 2, a);
        }
        break;
    }
    case HS_PORT: {
        snprintf(port, sizeof port, "%d", srv->cfg.port);
        const char *a[] = {"REPLCONF", "listening-port", port};
        link_send(srv, 3, a);
        break;
    }
    case HS_CAPA: {
        const char *a[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
        link_send(srv, 5, a);
        break;
    }
    case HS_PSYNC: {
        /* after a lost link to the same master, ask to continue where the
         * applied stream ends; otherwise (a new master) a full sync */
        if (r->synced) {
            snprintf(off, sizeof off, "%lld", srv->repl_offset + 1);
            const char *a[] = {"PSYNC", srv->replid, off};
            link_send(srv, 3, a);
        } else {
            const char *a[] = {"PSYNC", "?", "-1"};
            link_send(srv, 3, a);
        }
        break;
    }
    default: break;
    }
}

static void handshake_next(struct server *srv, enum hstep step)
{
    struct replica *r = srv->replica;
    if (step == HS_AUTH && !(srv->cfg.masterauth && srv->cfg.masterauth[0])) step = HS_PORT;
    r->step = step;
    handshake_send(srv);
}

static void become_connected(struct server *srv, const char *rest, size_t restlen);

/* Our own replicas were fed from the history this server is leaving: they
 * must synchronise again (chained replication is not served). */
static void drop_own_replicas(struct server *srv)
{
    for (struct client *c = srv->clients_head; c; c = c->next)
        if (c->flags & CLIENT_REPLICA) client_close_async(c);
}

/* The whole payload is in r->payload: replace the data set with it. */
static void load_payload(struct server *srv)
{
    struct replica *r = srv->replica;
    long long start = util_mstime();
    log_notice("MASTER <-> REPLICA sync: received %zu bytes of payload, flushing the old data and "
               "loading it",
               r->payload.len);
    drop_own_replicas(srv);
    for (int i = 0; i < srv->ks.ndb; i++) watch_touch_db(srv, ks_db(&srv->ks, i), NULL);
    tracking_flush(srv);
    char err[256] = "no persistence layer";
    int rc = -1;
    if (srv->persist_hooks && srv->persist_hooks->sync_load)
        rc = srv->persist_hooks->sync_load(srv, (const uint8_t *)(r->payload.p ? r->payload.p : ""),
                                           r->payload.len, err, sizeof err);
    sbuf_free(&r->payload);
    if (rc < 0) {
        /* the data set is empty now (a half load is worse); start again */
        char why[320];
        snprintf(why, sizeof why, "the payload did not load: %s", err);
        r->synced = false;
        link_fail(srv, why);
        return;
    }
    memcpy(srv->replid, r->new_replid, sizeof srv->replid);
    srv->repl_offset = r->new_offset;
    memset(srv->replid2, '0', 40);
    srv->replid2[40] = '\0';
    srv->second_repl_offset = -1;
    r->synced = true;
    log_notice("MASTER <-> REPLICA sync: finished loading in %lld ms (replication id %s, offset %lld)",
               util_mstime() - start, srv->replid, srv->repl_offset);
    /* in "$<len>" form, bytes after the payload are the stream already */
    char *rest = r->in;
    size_t restlen = r->inlen;
    r->in = NULL;
    r->inlen = r->incap = 0;
    become_connected(srv, rest, restlen);
    mem_free(rest);
}

/* The link turns into the master client; rest: stream bytes already read. */
static void become_connected(struct server *srv, const char *rest, size_t restlen)
{
    struct replica *r = srv->replica;
    int fd = r->fd;
    ev_del(srv->loop, fd, EV_READ | EV_WRITE);
    r->fd = -1;
    struct client *m = client_new(srv, fd, CONN_TCP);
    if (!m) {
        close(fd);
        link_fail(srv, "could not register the master client");
        return;
    }
    m->flags |= CLIENT_MASTER | CLIENT_AUTHENTICATED;
    r->master = m;
    r->state = RS_CONNECTED;
    r->failures = 0;
    r->down_since_ms = 0;
    r->last_io_ms = util_mstime();
    r->read_offset = srv->repl_offset;
    log_notice("MASTER <-> REPLICA sync: the link with %s:%d is up, applying the stream", r->host,
               r->port);
    /* a diskless master waits for this before it streams */
    replica_send_ack(m);
    if (restlen) {
        m->qbuf = mem_realloc(m->qbuf, restlen);
        m->qcap = restlen;
        memcpy(m->qbuf, rest, restlen);
        m->qlen = restlen;
        replica__read(m, restlen);
        client_process_input(m);
    }
}

/* One line of the handshake (or the payload's header) arrived. */
static void handle_line(struct server *srv, const char *line, size_t len)
{
    struct replica *r = srv->replica;
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)(len > 200 ? 200 : len), line);
    switch (r->step) {
    case HS_PING:
        /* a master with a password answers NOAUTH (or NOPERM): fine, AUTH follows */
        if (line[0] == '-' && strncmp(text, "-NOAUTH", 7) && strncmp(text, "-NOPERM", 7) &&
            strncmp(text, "-ERR operation not permitted", 28)) {
            char why[300];
            snprintf(why, sizeof why, "error reply to PING: %s", text + 1);
            link_fail(srv, why);
            return;
        }
        handshake_next(srv, HS_AUTH);
        return;
    case HS_AUTH:
        if (line[0] == '-') {
            char why[300];
            snprintf(why, sizeof why, "AUTH refused: %s", text + 1);
            link_fail(srv, why);
            return;
        }
        handshake_next(srv, HS_PORT);
        return;
    case HS_PORT:
        if (line[0] == '-') log_notice("(non critical) the master refused REPLCONF listening-port: %s", text + 1);
        handshake_next(srv, HS_CAPA);
        return;
    case HS_CAPA:
        if (line[0] == '-') log_notice("(non critical) the master refused REPLCONF capa: %s", text + 1);
        handshake_next(srv, HS_PSYNC);
        return;
    case HS_PSYNC:
        if (len > 13 && !memcmp(line, "+FULLRESYNC ", 12)) {
            const char *id = line + 12;
            const char *sp = memchr(id, ' ', len - 12);
            long long off;
            if (!sp || sp - id != 40 || !util_str2ll(sp + 1, len - (size_t)(sp + 1 - line), &off)) {
                link_fail(srv, "malformed +FULLRESYNC reply");
                return;
            }
            memcpy(r->new_replid, id, 40);
            r->new_replid[40] = '\0';
            r->new_offset = off;
            log_notice("Full resync from the master: replication id %s, offset %lld", r->new_replid, off);
            r->step = HS_BULK;
            r->state = RS_TRANSFER;
            r->transfer_start_ms = util_mstime();
            return;
        }
        if (len >= 9 && !memcmp(line, "+CONTINUE", 9)) {
            /* a partial resync: our data set is the master's at our offset */
            if (len >= 10 + 40 && line[9] == ' ') {
                char id[41];
                memcpy(id, line + 10, 40);
                id[40] = '\0';
                if (strcmp(id, srv->replid)) {
                    memcpy(srv->replid2, srv->replid, sizeof srv->replid2);
                    srv->second_repl_offset = srv->repl_offset + 1;
                    memcpy(srv->replid, id, sizeof srv->replid);
                }
            }
            log_notice("Partial resync accepted by the master: continuing from offset %lld",
                       srv->repl_offset + 1);
            char *rest = r->in;
            size_t restlen = r->inlen;
            r->in = NULL;
            r->inlen = r->incap = 0;
            become_connected(srv, rest, restlen);
            mem_free(rest);
            return;
        }
        if (!strncmp(text, "-NOMASTERLINK", 13) || !strncmp(text, "-LOADING", 8)) {
            char why[300];
            snprintf(why, sizeof why, "the master cannot serve us yet: %s", text + 1);
            link_fail(srv, why);
            return;
        }
        if (line[0] == '-') { /* an old master without PSYNC */
            log_notice("The master refused PSYNC (%s): trying SYNC", text + 1);
            r->synced = false;
            r->step = HS_BULK;
            r->state = RS_TRANSFER;
            r->transfer_start_ms = util_mstime();
            util_random_hex(r->new_replid, 40); /* SYNC names no history */
            r->new_replid[40] = '\0';
            r->new_offset = 0;
            const char *a[] = {"SYNC"};
            link_send(srv, 1, a);
            return;
        }
        {
            char why[300];
            snprintf(why, sizeof why, "unexpected reply to PSYNC: %s", text);
            link_fail(srv, why);
        }
        return;
    case HS_BULK:
        if (len == 0) return; /* a keepalive newline while the master prepares */
        if (line[0] == '-') {
            char why[300];
            snprintf(why, sizeof why, "the master refused the sync: %s", text + 1);
            link_fail(srv, why);
            return;
        }
        if (line[0] != '$') {
            char why[300];
            snprintf(why, sizeof why, "bad payload header: %s", text);
            link_fail(srv, why);
            return;
        }
        if (len == 5 + REPL_EOF_MARK_LEN && !memcmp(line, "$EOF:", 5)) {
            memcpy(r->eofmark, line + 5, REPL_EOF_MARK_LEN);
            r->payload_len = -1;
        } else {
            long long n;
            if (!util_str2ll(line + 1, len - 1, &n) || n < 0) {
                char why[300];
                snprintf(why, sizeof why, "bad payload length: %s", text);
                link_fail(srv, why);
                return;
            }
            r->payload_len = n;
        }
        r->step = HS_PAYLOAD;
        return;
    default:
        return;
    }
}

/* Is the payload whole? Moves it on when it is. */
static void payload_check(struct server *srv)
{
    struct replica *r = srv->replica;
    if (r->payload_len >= 0) {
        if ((long long)r->payload.len < r->payload_len) return;
    } else {
        if (r->payload.len < REPL_EOF_MARK_LEN ||
            memcmp(r->payload.p + r->payload.len - REPL_EOF_MARK_LEN, r->eofmark, REPL_EOF_MARK_LEN))
            return;
        r->payload.len -= REPL_EOF_MARK_LEN;
    }
    load_payload(srv);
}

/* Lines from r->in, then payload bytes that came with them. */
static void link_process(struct server *srv)
{
    struct replica *r;
    /* srv->replica is read again after each line: a +CONTINUE runs the
     * stream that came with it, and a stream may hold REPLICAOF */
    while ((r = srv->replica) && r->inlen &&
           (r->state == RS_HANDSHAKE || (r->state == RS_TRANSFER && r->step == HS_BULK))) {
        char *nl = memchr(r->in, '\n', r->inlen);
        if (!nl) {
            if (r->inlen > REPL_MAX_LINE) link_fail(srv, "reply line too long");
            return;
        }
        size_t consumed = (size_t)(nl - r->in) + 1;
        size_t len = consumed - 1;
        if (len && r->in[len - 1] == '\r') len--;
        char *line = mem_memdup(r->in, len);
        memmove(r->in, r->in + consumed, r->inlen - consumed);
        r->inlen -= consumed;
        handle_line(srv, line, len);
        mem_free(line);
    }
    if (!(r = srv->replica)) return;
    if (r->state == RS_TRANSFER && r->step == HS_PAYLOAD && r->inlen) {
        size_t take = r->inlen;
        if (r->payload_len >= 0 && (long long)take > r->payload_len - (long long)r->payload.len)
            take = (size_t)(r->payload_len - (long long)r->payload.len);
        sbuf_cat(&r->payload, r->in, take);
        memmove(r->in, r->in + take, r->inlen - take);
        r->inlen -= take;
        payload_check(srv);
    }
}

static void link_read(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct server *srv = data;
    struct replica *r = srv->replica;
    if (!r || r->fd != fd) return;
    ssize_t n;
    if (r->state == RS_TRANSFER && r->step == HS_PAYLOAD) {
        /* straight into the payload; in "$<len>" form never past its end,
         * so what follows is read by the master client */
        size_t want = REPL_READ_CHUNK;
        if (r->payload_len >= 0 && (long long)want > r->payload_len - (long long)r->payload.len)
            want = (size_t)(r->payload_len - (long long)r->payload.len);
        if (want == 0) {
            payload_check(srv);
            return;
        }
        sbuf_reserve(&r->payload, want);
        n = read(fd, r->payload.p + r->payload.len, want);
        if (n > 0) {
            r->payload.len += (size_t)n;
            r->payload.p[r->payload.len] = '\0';
        }
    } else {
        if (r->incap - r->inlen < 16 * 1024) {
            r->incap = r->incap ? r->incap * 2 : 32 * 1024;
            r->in = mem_realloc(r->in, r->incap);
        }
        n = read(fd, r->in + r->inlen, r->incap - r->inlen);
        if (n > 0) r->inlen += (size_t)n;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        link_fail(srv, strerror(errno));
        return;
    }
    if (n == 0) {
        link_fail(srv, "the master closed the connection");
        return;
    }
    r->last_io_ms = util_mstime();
    if (r->state == RS_TRANSFER && r->step == HS_PAYLOAD) payload_check(srv);
    else link_process(srv);
}

static void link_connected(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct server *srv = data;
    struct replica *r = srv->replica;
    if (!r || r->fd != fd || r->state != RS_CONNECTING) return;
    int e = net_connect_error(fd);
    if (e) {
        link_fail(srv, strerror(e));
        return;
    }
    ev_del(srv->loop, fd, EV_WRITE);
    if (ev_add(srv->loop, fd, EV_READ, link_read, srv) < 0) {
        link_fail(srv, "cannot watch the socket");
        return;
    }
    net_set_nodelay(fd);
    if (srv->cfg.tcp_keepalive > 0) net_set_keepalive(fd, srv->cfg.tcp_keepalive);
    log_notice("MASTER <-> REPLICA sync: connected to %s:%d, handshake started", r->host, r->port);
    r->state = RS_HANDSHAKE;
    r->last_io_ms = util_mstime();
    handshake_next(srv, HS_PING);
}

static void link_connect_addr(struct server *srv, const struct addrinfo *ai)
{
    struct replica *r = srv->replica;
    char err[256];
    int fd = net_tcp_connect(ai->ai_addr, (unsigned)ai->ai_addrlen, err, sizeof err);
    if (fd < 0) {
        link_fail(srv, err);
        return;
    }
    if (fd >= ev_setsize(srv->loop)) ev_resize(srv->loop, fd + 1024);
    r->fd = fd;
    r->state = RS_CONNECTING;
    r->last_io_ms = util_mstime();
    if (ev_add(srv->loop, fd, EV_WRITE, link_connected, srv) < 0) link_fail(srv, "cannot watch the socket");
}

/* Starts an attempt: numeric addresses at once, names on a thread. */
static void link_start(struct server *srv)
{
    struct replica *r = srv->replica;
    log_notice("Connecting to MASTER %s:%d", r->host, r->port);
    r->last_io_ms = util_mstime();
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(r->host, port, &hints, &res) == 0) {
        link_connect_addr(srv, res);
        freeaddrinfo(res);
        return;
    }
    struct resolve_job *j = calloc(1, sizeof *j);
    if (!j) {
        link_fail(srv, "out of memory");
        return;
    }
    snprintf(j->host, sizeof j->host, "%s", r->host);
    snprintf(j->port, sizeof j->port, "%s", port);
    atomic_init(&j->state, JOB_RUNNING);
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, resolve_main, j);
    pthread_attr_destroy(&attr);
    if (rc) {
        free(j);
        link_fail(srv, "cannot start the resolver thread");
        return;
    }
    r->job = j;
    r->state = RS_RESOLVING;
}

/* cron: has the resolver finished? */
static void resolve_poll(struct server *srv)
{
    struct replica *r = srv->replica;
    struct resolve_job *j = r->job;
    if (atomic_load(&j->state) != JOB_DONE) return;
    r->job = NULL;
    if (j->rc != 0 || !j->res) {
        char why[300];
        snprintf(why, sizeof why, "cannot resolve '%s': %s", j->host, gai_strerror(j->rc));
        if (j->res) freeaddrinfo(j->res);
        free(j);
        link_fail(srv, why);
        return;
    }
    struct addrinfo *res = j->res;
    free(j);
    link_connect_addr(srv, res);
    freeaddrinfo(res);
}

/* ---- public --------------------------------------------------------------------- */

bool replica_link_up(const struct server *srv)
{
    return srv->replica && srv->replica->state == RS_CONNECTED;
}

void replica__read(struct client *c, size_t n)
{
    struct replica *r = c->srv->replica;
    if (!r || r->master != c) return;
    r->read_offset += (long long)n;
    r->last_io_ms = server_now_ms(c->srv);
}

void replica_send_ack(struct client *m)
{
    struct server *srv = m->srv;
    char off[32], buf[96];
    int ol = util_ll2str(off, srv->repl_offset);
    int n = snprintf(buf, sizeof buf, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", ol, off);
    uint32_t was = m->flags & CLIENT_MASTER_REPLY;
    m->flags |= CLIENT_MASTER_REPLY;
    reply_raw(m, buf, (size_t)n);
    if (!was) m->flags &= ~CLIENT_MASTER_REPLY;
    if (srv->replica) srv->replica->last_ack_ms = server_now_ms(srv);
}

void replica_master_gone(struct client *c)
{
    struct server *srv = c->srv;
    struct replica *r = srv->replica;
    if (!r || r->master != c) return;
    r->master = NULL;
    log_warning("Connection with MASTER %s:%d lost", r->host, r->port);
    r->state = RS_CONNECT;
    r->down_since_ms = server_now_ms(srv);
    /* the first retry comes at once (the next cron tick), as a link that
     * was up is worth retrying */
    r->failures = 0;
    r->retry_at_ms = 0;
}

static void replica_free(struct server *srv)
{
    struct replica *r = srv->replica;
    if (!r) return;
    if (r->master) {
        struct client *m = r->master;
        r->master = NULL;
        m->flags &= ~CLIENT_MASTER;
        client_free(m); /* async if it is running a command */
    }
    link_close(srv, r);
    mem_free(r->host);
    mem_free(r);
    srv->replica = NULL;
}

void replica_set_master(struct server *srv, const char *host, int port)
{
    bool was_replica = srv->replica != NULL;
    /* master_link_down_since_seconds: -1 until a link was up and went
     * down; leaving a master whose link was up counts as it going down */
    long long down_since = 0;
    if (was_replica)
        down_since = srv->replica->state == RS_CONNECTED ? util_mstime() : srv->replica->down_since_ms;
    replica_free(srv);
    struct replica *r = mem_calloc(sizeof *r);
    r->host = mem_strdup(host);
    r->port = port;
    r->fd = -1;
    r->state = RS_CONNECT;
    r->down_since_ms = down_since;
    srv->replica = r;
    mem_free(srv->cfg.replicaof_host);
    srv->cfg.replicaof_host = mem_strdup(host);
    srv->cfg.replicaof_port = port;
    if (!was_replica) {
        /* the stream of this server's own writes stops here: replicas of
         * ours get nothing more (they resync once we have loaded) */
        prop_reset_db(&srv->prop);
        /* clients blocked on keys of a master are let go (and closed) */
        for (struct client *c = srv->clients_head; c; c = c->next)
            if (c->flags & CLIENT_BLOCKED) blocking_unblock(c, BLOCKING_END_ROLE);
    }
    link_start(srv);
}

void replica_set_none(struct server *srv)
{
    if (!srv->replica) return;
    replica_free(srv);
    mem_free(srv->cfg.replicaof_host);
    srv->cfg.replicaof_host = NULL;
    srv->cfg.replicaof_port = 0;
    /* a new history starts here; the old one stays valid up to our offset */
    memcpy(srv->replid2, srv->replid, sizeof srv->replid2);
    srv->second_repl_offset = srv->repl_offset + 1;
    util_random_hex(srv->replid, 40);
    srv->replid[40] = '\0';
    prop_reset_db(&srv->prop);
    log_notice("Replication stopped: this server is a master again (replication id %s, offset %lld; "
               "previous id %s valid up to offset %lld)",
               srv->replid, srv->repl_offset, srv->replid2, srv->second_repl_offset);
}

void replica_deinit(struct server *srv) { replica_free(srv); }

void replica_cron(struct server *srv)
{
    struct replica *r = srv->replica;
    if (!r) return;
    long long now = util_mstime();
    long long timeout = (long long)srv->cfg.repl_timeout * 1000;
    switch (r->state) {
    case RS_CONNECT:
        if (now >= r->retry_at_ms) link_start(srv);
        break;
    case RS_RESOLVING:
        resolve_poll(srv);
        break;
    case RS_CONNECTING:
    case RS_HANDSHAKE:
        if (now - r->last_io_ms > timeout) link_fail(srv, "timeout connecting to the master");
        break;
    case RS_TRANSFER:
        if (now - r->last_io_ms > timeout)
            link_fail(srv, "timeout receiving the payload: is repl-timeout too small?");
        break;
    case RS_CONNECTED:
        if (now - r->last_io_ms > timeout) {
            log_warning("MASTER timeout: nothing received for %d seconds", srv->cfg.repl_timeout);
            struct client *m = r->master;
            client_free(m); /* replica_master_gone resets the state */
            break;
        }
        if (r->master && now - r->last_ack_ms >= 1000) replica_send_ack(r->master);
        break;
    }
}

void replica_info(struct server *srv, struct sbuf *b)
{
    struct replica *r = srv->replica;
    long long now = util_mstime();
    bool up = r->state == RS_CONNECTED;
    sbuf_catfmt(b,
                "master_host:%s\r\n"
                "master_port:%d\r\n"
                "master_link_status:%s\r\n"
                "master_last_io_seconds_ago:%lld\r\n"
                "master_sync_in_progress:%d\r\n"
                "slave_read_repl_offset:%lld\r\n"
                "slave_repl_offset:%lld\r\n",
                r->host, r->port, up ? "up" : "down", up ? (now - r->last_io_ms) / 1000 : -1,
                r->state == RS_TRANSFER ? 1 : 0, up ? r->read_offset : srv->repl_offset,
                srv->repl_offset);
    if (r->state == RS_TRANSFER) {
        long long total = r->payload_len >= 0 && r->step == HS_PAYLOAD ? r->payload_len : -1;
        long long got = (long long)r->payload.len;
        sbuf_catfmt(b,
                    "master_sync_total_bytes:%lld\r\n"
                    "master_sync_read_bytes:%lld\r\n"
                    "master_sync_left_bytes:%lld\r\n"
                    "master_sync_perc:%.2f\r\n"
                    "master_sync_last_io_seconds_ago:%lld\r\n",
                    total, got, total >= 0 ? total - got : -1,
                    total > 0 ? 100.0 * (double)got / (double)total : 0.0,
                    (now - r->last_io_ms) / 1000);
    }
    if (!up)
        sbuf_catfmt(b, "master_link_down_since_seconds:%lld\r\n",
                    r->down_since_ms ? (now - r->down_since_ms) / 1000 : -1);
    sbuf_catfmt(b,
                "slave_priority:%d\r\n"
                "slave_read_only:%d\r\n"
                "replica_announced:%d\r\n",
                srv->cfg.replica_priority, srv->cfg.replica_read_only ? 1 : 0,
                srv->cfg.replica_announced ? 1 : 0);
}

void replica_role(struct client *c)
{
    struct server *srv = c->srv;
    struct replica *r = srv->replica;
    reply_array(c, 5);
    reply_bulk_cstr(c, "slave");
    reply_bulk_cstr(c, r->host);
    reply_ll(c, r->port);
    reply_bulk_cstr(c, state_name(r));
    reply_ll(c, r->state == RS_CONNECTED ? srv->repl_offset : -1);
}

/* ---- REPLICAOF / SLAVEOF -------------------------------------------------------- */

static void replicaof_cmd(struct client *c)
{
    struct server *srv = c->srv;
    if (c->flags & CLIENT_REPLICA) {
        reply_error(c, "ERR Command is not valid when client is a replica.");
        return;
    }
    char who[160];
    snprintf(who, sizeof who, "id=%llu addr=%s", (unsigned long long)c->id, c->addr);
    if (util_eqi(c->argv[1].p, c->argv[1].len, "no") && util_eqi(c->argv[2].p, c->argv[2].len, "one")) {
        if (srv->replica) {
            replica_set_none(srv);
            log_notice("MASTER MODE enabled (user request from '%s')", who);
        }
        reply_ok(c);
        return;
    }
    long long port;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &port) || port < 0 || port > 65535) {
        reply_error(c, "ERR Invalid master port");
        return;
    }
    struct replica *r = srv->replica;
    if (r && r->port == port && strlen(r->host) == c->argv[1].len &&
        !strncasecmp(r->host, c->argv[1].p, c->argv[1].len)) {
        log_notice("REPLICAOF would result into synchronization with the master we are already "
                   "connected with. No operation performed.");
        reply_simple(c, "OK Already connected to specified master");
        return;
    }
    char *host = mem_memdup(c->argv[1].p, c->argv[1].len);
    replica_set_master(srv, host, (int)port);
    log_notice("REPLICAOF %s:%d enabled (user request from '%s')", host, (int)port, who);
    mem_free(host);
    reply_ok(c);
}

struct command replica_commands[] = {
    {"replicaof", replicaof_cmd, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, 0, 0, 0,
     "@admin @slow @dangerous",
     "Configures a server as replica of another, or promotes it to a master.", "5.0.0", "server"},
    {"slaveof", replicaof_cmd, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, 0, 0, 0,
     "@admin @slow @dangerous",
     "Sets a Redis server as a replica of another, or promotes it to being a master.", "1.0.0",
     "server"},
    {NULL},
};
