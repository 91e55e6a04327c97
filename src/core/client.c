/* client: connection lifecycle, the read path and the write path. See
 * client.h for the data flow. */
#include "core/client.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/cmd.h"
#include "core/multi.h"
#include "core/repl.h"
#include "core/replica.h"
#include "core/pubsub.h"
#include "core/reply.h"
#include "core/server.h"
#include "core/tracking.h"
#include "ev/ev.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define CLIENT_MAX_WRITE_PER_EVENT (1024 * 1024)
#define CLIENT_BIG_ARG (32 * 1024)

static void client_read_handler(struct ev_loop *loop, int fd, void *data, int mask);
static void client_write_handler(struct ev_loop *loop, int fd, void *data, int mask);

static void pending_remove(struct client *c)
{
    if (!(c->flags & CLIENT_PENDING_WRITE)) return;
    struct client **pp = &c->srv->pending_write;
    while (*pp && *pp != c) pp = &(*pp)->pw_next;
    if (*pp) *pp = c->pw_next;
    c->pw_next = NULL;
    c->flags &= ~CLIENT_PENDING_WRITE;
}

struct client *client_new(struct server *srv, int fd, enum conn_kind kind)
{
    struct client *c = mem_calloc(sizeof(*c));
    c->srv = srv;
    c->id = srv->next_client_id++;
    conn_init(&c->conn, fd, kind);
    c->db = ks_db(&srv->ks, 0);
    c->resp = 2;
    /* internal clients (fd < 0) never log in */
    if (fd < 0 || !srv->cfg.requirepass || !srv->cfg.requirepass[0])
        c->flags |= CLIENT_AUTHENTICATED;
    if (kind == CONN_UNIX) c->flags |= CLIENT_UNIX;
    c->ctime_ms = c->last_interaction_ms = server_now_ms(srv);
    resp_req_init(&c->req);
    c->obuf = mem_alloc(CLIENT_OBUF_SIZE);
    if (fd >= 0) {
        net_peer_name(fd, c->addr, sizeof(c->addr));
        net_sock_name(fd, c->laddr, sizeof(c->laddr));
        if (kind == CONN_TCP) {
            net_set_nodelay(fd);
            if (srv->cfg.tcp_keepalive > 0) net_set_keepalive(fd, srv->cfg.tcp_keepalive);
        }
        if (fd >= ev_setsize(srv->loop)) ev_resize(srv->loop, fd + 1024);
        if (ev_add(srv->loop, fd, EV_READ, client_read_handler, c) < 0) {
            conn_close(&c->conn);
            resp_req_deinit(&c->req);
            mem_free(c->obuf);
            mem_free(c);
            return NULL;
        }
    }
    /* link */
    c->next = srv->clients_head;
    if (srv->clients_head) srv->clients_head->prev = c;
    srv->clients_head = c;
    srv->nclients++;
    htab_add(&srv->clients_by_id, util_hash_u64(c->id), &c->id_node);
    return c;
}

static void free_blocks(struct client *c)
{
    struct rblock *b = c->rhead;
    while (b) {
        struct rblock *n = b->next;
        mem_free(b);
        b = n;
    }
    c->rhead = c->rtail = NULL;
    c->rbytes = 0;
    c->rhead_sent = 0;
}

void client_free(struct client *c)
{
    struct server *srv = c->srv;
    if (c->flags & CLIENT_PROTECTED) {
        client_close_async(c);
        return;
    }
    if (srv->current == c) srv->current = NULL;
    if (c->conn.fd >= 0) {
        ev_del(srv->loop, c->conn.fd, EV_READ | EV_WRITE);
        conn_close(&c->conn);
    }
    pending_remove(c);
    multi_discard(c);
    pubsub_client_free(c);
    tracking_disable(c);
    blocking_client_gone(c);
    repl_client_gone(c);
    if (c->flags & CLIENT_MASTER) replica_master_gone(c);
    if (c->flags & CLIENT_MONITOR) {
        struct client **pp = &srv->monitors;
        while (*pp && *pp != c) pp = &(*pp)->mon_next;
        if (*pp) *pp = c->mon_next;
    }
    if (c->flags & CLIENT_SCRIPT) goto unlinked;
    htab_unlink(&srv->clients_by_id, util_hash_u64(c->id), &c->id_node);
    if (c->prev) c->prev->next = c->next;
    else srv->clients_head = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nclients--;
unlinked:
    free_blocks(c);
    resp_req_deinit(&c->req);
    mem_free(c->qbuf);
    mem_free(c->argv);
    mem_free(c->obuf);
    mem_free(c->name);
    mem_free(c->lib_name);
    mem_free(c->lib_ver);
    mem_free(c);
}

struct client *client_new_script(struct server *srv)
{
    struct client *c = mem_calloc(sizeof(*c));
    c->srv = srv;
    c->id = UINT64_MAX; /* never looked up by id */
    conn_init(&c->conn, -1, CONN_TCP);
    c->db = ks_db(&srv->ks, 0);
    c->resp = 2;
    c->flags |= CLIENT_SCRIPT | CLIENT_AUTHENTICATED | CLIENT_DENY_BLOCKING;
    c->ctime_ms = c->last_interaction_ms = server_now_ms(srv);
    resp_req_init(&c->req);
    c->obuf = mem_alloc(CLIENT_OBUF_SIZE);
    snprintf(c->addr, sizeof(c->addr), "lua");
    return c;
}

void client_stop_reading(struct client *c)
{
    if (c->conn.fd >= 0 && !(c->flags & CLIENT_CLOSE_ASAP)) ev_del(c->srv->loop, c->conn.fd, EV_READ);
}

void client_resume_reading(struct client *c)
{
    if (c->conn.fd >= 0 && !(c->flags & CLIENT_CLOSE_ASAP))
        ev_add(c->srv->loop, c->conn.fd, EV_READ, client_read_handler, c);
}

void client_close_async(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    /* stop reading; the pending list is walked in before_sleep */
    if (c->conn.fd >= 0) ev_del(c->srv->loop, c->conn.fd, EV_READ);
    if (!(c->flags & CLIENT_PENDING_WRITE)) {
        c->flags |= CLIENT_PENDING_WRITE;
        c->pw_next = c->srv->pending_write;
        c->srv->pending_write = c;
    }
}


enum obuf_class client_obuf_class(const struct client *c)
{
    if (c->flags & CLIENT_REPLICA) return OBUF_REPLICA;
    return (c->flags & CLIENT_PUBSUB) ? OBUF_PUBSUB : OBUF_NORMAL;
}

/* ---- input ------------------------------------------------------------- */

static void client_protocol_error(struct client *c, const char *msg)
{
    if (c->flags & CLIENT_MASTER) {
        /* a stream we cannot parse: drop the link; it reconnects and
         * synchronises again */
        log_warning("Protocol error in the stream from our MASTER (%s): closing the link", msg);
        client_close_async(c);
        return;
    }
    char buf[256];
    snprintf(buf, sizeof(buf), "ERR %s", msg);
    reply_error(c, buf);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    log_verbose("Protocol error (%s) from client: id=%llu addr=%s", msg, (unsigned long long)c->id,
                c->addr);
}

void client_process_input(struct client *c)
{
    struct server *srv = c->srv;
    const struct resp_limits lim = {
        .max_bulk_len = srv->cfg.proto_max_bulk_len,
        .max_multibulk_len = srv->cfg.proto_max_multibulk_len,
        .max_inline_len = 64 * 1024,
    };
    while (c->qpos < c->qlen) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)) break;
        if (srv->pause_until_ms && (c->flags & CLIENT_PAUSED)) break;
        char *base = c->qbuf + c->qpos;
        enum resp_result rc = RESP_DONE;
        /* A request held back by CLIENT PAUSE is already parsed: parsing it
         * again would see inline arguments already unescaped in place. */
        if (c->flags & CLIENT_REQ_READY) c->flags &= ~CLIENT_REQ_READY;
        else rc = resp_parse(&c->req, base, c->qlen - c->qpos, &lim);
        if (rc == RESP_NEED_MORE) break;
        if (rc == RESP_ERROR) {
            client_protocol_error(c, c->req.err);
            resp_req_reset(&c->req);
            c->qpos = c->qlen;
            break;
        }
        int argc = c->req.argc;
        if (argc > c->argv_cap) {
            c->argv_cap = argc < 16 ? 16 : argc;
            mem_free(c->argv);
            c->argv = mem_alloc(sizeof(*c->argv) * (size_t)c->argv_cap);
        }
        for (int i = 0; i < argc; i++) {
            c->argv[i].p = base + c->req.argv[i].off;
            c->argv[i].len = c->req.argv[i].len;
        }
        c->argc = argc;
        size_t consumed = c->req.consumed;
        if (argc == 0) {
            resp_req_reset(&c->req);
            c->qpos += consumed;
            if (c->flags & CLIENT_MASTER) replica_applied(c, consumed, &srv->repl_offset);
            continue;
        }
        /* while it runs, the request still counts as query buffer (CLIENT
         * LIST qbuf), as in Redis */
        cmd_dispatch(c);
        c->argc = 0;
        if (c->flags & CLIENT_PAUSED) { /* held back: keep the parse for later */
            c->flags |= CLIENT_REQ_READY;
            break;
        }
        resp_req_reset(&c->req);
        c->qpos += consumed;
        /* our master's stream: the offset counts what was applied */
        if (c->flags & CLIENT_MASTER) replica_applied(c, consumed, &srv->repl_offset);
    }
    /* compact: keep the unparsed tail at the front (offsets in req are
     * relative to the request start, so moving is safe) */
    if (c->qpos == c->qlen) {
        c->qpos = c->qlen = 0;
    } else if (c->qpos > 0) {
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
    }
}

static void client_read_handler(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct client *c = data;
    struct server *srv = c->srv;
    size_t want = CLIENT_IOBUF_LEN;
    size_t pending = resp_pending_bulk(&c->req);
    if (pending > CLIENT_BIG_ARG) {
        /* read a big argument in as few reads as possible */
        size_t have = c->qlen - c->qpos - c->req.pos;
        if (pending > have && pending - have > want) want = pending - have;
    }
    if (c->qcap - c->qlen < want) {
        size_t need = c->qlen + want;
        size_t ncap = c->qcap ? c->qcap : CLIENT_IOBUF_LEN;
        while (ncap < need) ncap *= 2;
        c->qbuf = mem_realloc(c->qbuf, ncap);
        c->qcap = ncap;
    }
    size_t space = c->qcap - c->qlen;
    ssize_t n = conn_read(&c->conn, c->qbuf + c->qlen, space);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        log_verbose("Reading from client: %s", strerror(errno));
        client_free(c);
        return;
    }
    if (n == 0) {
        log_verbose("Client closed connection id=%llu addr=%s", (unsigned long long)c->id, c->addr);
        client_free(c);
        return;
    }
    c->qlen += (size_t)n;
    c->net_in += n;
    if (c->flags & CLIENT_MASTER) replica__read(c, (size_t)n);
    srv->stats.net_input_bytes += n;
    srv->stats.total_reads_processed++;
    c->last_interaction_ms = server_now_ms(srv);
    if (c->qlen > c->qbuf_peak) c->qbuf_peak = c->qlen;
    if (srv->cfg.client_query_buffer_limit > 0 && !(c->flags & CLIENT_MASTER) &&
        (long long)(c->qlen - c->qpos) > srv->cfg.client_query_buffer_limit) {
        log_warning("Closing client that reached max query buffer length: id=%llu addr=%s",
                    (unsigned long long)c->id, c->addr);
        srv->stats.client_qbuf_limit_disconnections++;
        resp_req_reset(&c->req);
        c->qpos = c->qlen = 0;
        client_protocol_error(c, "Protocol error: query buffer limit exceeded");
        return;
    }
    server_update_time(srv);
    client_process_input(c);
}

/* ---- output ------------------------------------------------------------ */

int client_write(struct client *c, bool from_handler)
{
    struct server *srv = c->srv;
    size_t total = 0;
    while (c->olen > c->osent || c->rhead) {
        struct iovec iov[16];
        int n = 0;
        size_t bytes = 0;
        if (c->olen > c->osent) {
            iov[n].iov_base = c->obuf + c->osent;
            iov[n].iov_len = c->olen - c->osent;
            bytes += iov[n].iov_len;
            n++;
        }
        size_t skip = c->rhead_sent;
        for (struct rblock *b = c->rhead; b && n < 16; b = b->next) {
            if (b->used > skip) {
                iov[n].iov_base = b->data + skip;
                iov[n].iov_len = b->used - skip;
                bytes += iov[n].iov_len;
                n++;
            }
            skip = 0;
        }
        if (n == 0) { /* only empty blocks left */
            free_blocks(c);
            break;
        }
        /* one buffer (the common case): write(), which skips copying and
         * checking an iovec array in the kernel */
        ssize_t w = n == 1 ? conn_write(&c->conn, iov[0].iov_base, iov[0].iov_len)
                           : conn_writev(&c->conn, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            log_verbose("Error writing to client: %s", strerror(errno));
            client_free(c);
            return -1;
        }
        srv->stats.net_output_bytes += w;
        srv->stats.total_writes_processed++;
        c->net_out += w;
        total += (size_t)w;
        size_t left = (size_t)w;
        if (c->olen > c->osent) {
            size_t k = c->olen - c->osent;
            if (left >= k) {
                left -= k;
                c->olen = c->osent = 0;
            } else {
                c->osent += left;
                left = 0;
            }
        }
        while (left && c->rhead) {
            struct rblock *b = c->rhead;
            size_t k = b->used - c->rhead_sent;
            if (left >= k) {
                left -= k;
                c->rbytes -= b->used;
                c->rhead = b->next;
                if (!c->rhead) c->rtail = NULL;
                c->rhead_sent = 0;
                mem_free(b);
            } else {
                c->rhead_sent += left;
                left = 0;
            }
        }
        /* drop leading empty (deferred, already filled as 0) blocks */
        while (c->rhead && c->rhead->used == 0 && c->rhead_sent == 0) {
            struct rblock *b = c->rhead;
            c->rhead = b->next;
            if (!c->rhead) c->rtail = NULL;
            mem_free(b);
        }
        if ((size_t)w < bytes) break; /* socket full */
        if (from_handler && total > CLIENT_MAX_WRITE_PER_EVENT) break;
    }
    if (total) c->last_interaction_ms = server_now_ms(srv);
    bool empty = c->olen == c->osent && !c->rhead;
    if (empty) {
        c->olen = c->osent = 0;
        if (c->flags & CLIENT_WRITE_HANDLER) {
            ev_del(srv->loop, c->conn.fd, EV_WRITE);
            c->flags &= ~CLIENT_WRITE_HANDLER;
        }
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            client_free(c);
            return -1;
        }
    } else if (!(c->flags & CLIENT_WRITE_HANDLER)) {
        if (ev_add(srv->loop, c->conn.fd, EV_WRITE, client_write_handler, c) == 0)
            c->flags |= CLIENT_WRITE_HANDLER;
    }
    return 0;
}

static void client_write_handler(struct ev_loop *loop, int fd, void *data, int mask)
{
    struct client *c = data;
    /* the replies may include one to a write that is not on disk yet: the
     * handler stays, and fires again after the before-sleep fsync */
    if (c->srv->replies_wait_fsync) return;
    client_write(c, true);
}

void clients_flush_pending(struct server *srv)
{
    struct client *kept = NULL, *kept_tail = NULL;
    while (srv->pending_write) {
        struct client *c = srv->pending_write;
        srv->pending_write = c->pw_next;
        c->pw_next = NULL;
        c->flags &= ~CLIENT_PENDING_WRITE;
        if (c->flags & CLIENT_CLOSE_ASAP) {
            if (c->flags & CLIENT_PROTECTED) {
                /* its command still runs (a script serving others while
                 * busy): free it on a later pass */
                kept_tail = kept_tail ? (kept_tail->pw_next = c) : (kept = c);
                c->flags |= CLIENT_PENDING_WRITE;
                continue;
            }
            client_free(c);
            continue;
        }
        if (c->conn.fd < 0) continue;
        if (c->flags & CLIENT_WRITE_HANDLER) continue; /* handler will do it */
        client_write(c, false);
    }
    if (kept) {
        kept_tail->pw_next = srv->pending_write;
        srv->pending_write = kept;
    }
}

void clients_cron(struct server *srv)
{
    long long now = server_now_ms(srv);
    struct client *c = srv->clients_head;
    while (c) {
        struct client *next = c->next;
        if (srv->cfg.timeout > 0 &&
            !(c->flags & (CLIENT_BLOCKED | CLIENT_PUBSUB | CLIENT_MONITOR | CLIENT_MASTER | CLIENT_REPLICA)) &&
            now - c->last_interaction_ms > (long long)srv->cfg.timeout * 1000) {
            log_verbose("Closing idle client id=%llu", (unsigned long long)c->id);
            client_free(c);
            c = next;
            continue;
        }
        /* give back an idle, empty query buffer */
        if (c->qlen == 0 && c->qbuf && c->qcap > CLIENT_IOBUF_LEN * 2 &&
            now - c->last_interaction_ms > 2000) {
            mem_free(c->qbuf);
            c->qbuf = NULL;
            c->qcap = 0;
        }
        c = next;
    }
}

void clients_unpause_if_due(struct server *srv)
{
    if (!srv->pause_until_ms) return;
    server_update_time(srv);
    if (srv->pause_until_ms > server_now_ms(srv)) return;
    srv->pause_until_ms = 0;
    for (struct client *c = srv->clients_head; c; c = c->next) {
        if (!(c->flags & CLIENT_PAUSED)) continue;
        c->flags &= ~CLIENT_PAUSED;
        client_process_input(c); /* may pause c again, or free others: c->next stays valid */
    }
}

size_t client_info_line(struct client *c, char *buf, size_t len)
{
    struct server *srv = c->srv;
    long long now = server_now_ms(srv);
    char flags[32];
    int f = 0;
    if (c->flags & CLIENT_MASTER) flags[f++] = 'M';
    if (c->flags & CLIENT_REPLICA) flags[f++] = 'S';
    if (c->flags & CLIENT_MONITOR) flags[f++] = 'O';
    if (c->flags & CLIENT_PUBSUB) flags[f++] = 'P';
    if (c->flags & CLIENT_BLOCKED) flags[f++] = 'b';
    f += tracking_client_flags(c, flags + f);
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) flags[f++] = 'c';
    if (c->flags & CLIENT_UNIX) flags[f++] = 'U';
    if (c->flags & CLIENT_CLOSE_ASAP) flags[f++] = 'A';
    if (c->flags & CLIENT_NO_EVICT) flags[f++] = 'e';
    if (c->flags & CLIENT_NO_TOUCH) flags[f++] = 'T';
    if (f == 0) flags[f++] = 'N';
    flags[f] = '\0';
    int mask = c->conn.fd >= 0 ? ev_mask(srv->loop, c->conn.fd) : 0;
    char events[3];
    int e = 0;
    if (mask & EV_READ) events[e++] = 'r';
    if (mask & EV_WRITE) events[e++] = 'w';
    events[e] = '\0';
    size_t blocks = 0, bmem = 0;
    for (struct rblock *b = c->rhead; b; b = b->next) {
        blocks++;
        bmem += b->size;
    }
    size_t qbuf = c->qlen - c->qpos;
    size_t totmem = sizeof(*c) + c->qcap + CLIENT_OBUF_SIZE + bmem;
    const char *cmdname = c->lastcmd ? c->lastcmd->fullname : "NULL";
    size_t sub, psub, ssub;
    pubsub_client_counts(c, &sub, &psub, &ssub);
    int n = snprintf(buf, len,
                     "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
                     "sub=%zu psub=%zu ssub=%zu multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
                     "multi-mem=0 rbs=%d rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s "
                     "cmd=%s user=default redir=%lld resp=%d",
                     (unsigned long long)c->id, c->addr, c->laddr, c->conn.fd,
                     c->name ? c->name : "", (now - c->ctime_ms) / 1000,
                     (now - c->last_interaction_ms) / 1000, flags, c->db ? c->db->id : 0, sub, psub,
                     ssub, multi_queued_count(c), qbuf,
                     c->qcap - c->qlen, (size_t)0, CLIENT_OBUF_SIZE, c->qbuf_peak, c->olen, blocks,
                     bmem, totmem, events, cmdname, tracking_client_redirect(c), c->resp);
    if (n < 0) n = 0;
    if ((size_t)n >= len) n = (int)len - 1;
    return (size_t)n;
}
