/* reply: see reply.h. The hot path is reply_raw() into the inline buffer:
 * one bounds check and one memcpy. */
#include "core/reply.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/object.h"
#include "core/server.h"
#include "proto/resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RBLOCK_MIN (16 * 1024)

static void mark_pending(struct client *c)
{
    if (c->flags & (CLIENT_PENDING_WRITE | CLIENT_SCRIPT)) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->pw_next = c->srv->pending_write;
    c->srv->pending_write = c;
}

static bool reply_muted(const struct client *c)
{
    if (c->flags & CLIENT_SCRIPT) return false; /* the script reads what it gets */
    if (c->flags & CLIENT_PUSHING) return (c->flags & CLIENT_CLOSE_ASAP) || c->conn.fd < 0;
    /* our master gets no replies to its stream, only what we choose to
     * send it (REPLCONF ACK) */
    if ((c->flags & (CLIENT_MASTER | CLIENT_MASTER_REPLY)) == CLIENT_MASTER) return true;
    return (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) ||
           c->conn.fd < 0;
}

/* Output-buffer limits for the client's class; marks it to close. */
static void check_obuf_limits(struct client *c)
{
    struct server *srv = c->srv;
    const struct obuf_limit *l = &srv->cfg.obuf_limits[client_obuf_class(c)];
    long long used = (long long)client_obuf_bytes(c);
    bool hard = l->hard && used >= l->hard;
    bool soft = false;
    if (l->soft && used >= l->soft) {
        long long now = server_now_ms(srv);
        if (c->obuf_soft_since_ms == 0) c->obuf_soft_since_ms = now;
        else if (now - c->obuf_soft_since_ms >= l->soft_seconds * 1000) soft = true;
    } else {
        c->obuf_soft_since_ms = 0;
    }
    if (hard || soft) {
        char info[512];
        client_info_line(c, info, sizeof(info));
        log_warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                    info);
        srv->stats.client_obuf_limit_disconnections++;
        c->olen = c->osent = 0;
        struct rblock *b = c->rhead;
        while (b) {
            struct rblock *n = b->next;
            mem_free(b);
            b = n;
        }
        c->rhead = c->rtail = NULL;
        c->rbytes = c->rhead_sent = 0;
        client_close_async(c);
    }
}

/* After output grew past the inline buffer: the peak, then the limits of
 * the client's class (most classes have none: one load and a branch). */
static inline void obuf_grew(struct client *c)
{
    size_t used = client_obuf_bytes(c);
    if (used > c->obuf_peak) c->obuf_peak = used;
    if (c->flags & CLIENT_SCRIPT) return; /* read back at once, never closed */
    const struct obuf_limit *l = &c->srv->cfg.obuf_limits[client_obuf_class(c)];
    if (l->hard || l->soft) check_obuf_limits(c);
}

static void append_blocks(struct client *c, const char *p, size_t len)
{
    struct rblock *t = c->rtail;
    if (t && t->size > t->used) {
        size_t k = t->size - t->used;
        if (k > len) k = len;
        memcpy(t->data + t->used, p, k);
        t->used += k;
        c->rbytes += k;
        p += k;
        len -= k;
    }
    if (len) {
        size_t size = len < RBLOCK_MIN ? RBLOCK_MIN : len;
        struct rblock *b = mem_alloc(sizeof(*b) + size);
        b->size = mem_usable(b) - sizeof(*b);
        b->used = len;
        b->next = NULL;
        memcpy(b->data, p, len);
        if (c->rtail) c->rtail->next = b;
        else c->rhead = b;
        c->rtail = b;
        c->rbytes += len;
    }
    obuf_grew(c);
}

/* n contiguous bytes at the end of the output (the inline buffer, or the
 * last block once output has spilled), or NULL when they do not fit and
 * the caller must take the copying path. The caller has checked
 * reply_muted(), fills all n bytes, then calls out_written(): the limits
 * are checked only after the copy, because going over them frees the
 * blocks. */
static inline char *out_reserve(struct client *c, size_t n)
{
    if (!c->rhead) {
        if (CLIENT_OBUF_SIZE - c->olen < n) return NULL;
        char *d = c->obuf + c->olen;
        c->olen += n;
        return d;
    }
    struct rblock *t = c->rtail;
    if (t->size - t->used < n) return NULL;
    char *d = t->data + t->used;
    t->used += n;
    c->rbytes += n;
    return d;
}

static inline void out_written(struct client *c)
{
    if (c->rhead) obuf_grew(c);
}

void reply_raw(struct client *c, const char *p, size_t len)
{
    if (reply_muted(c)) return;
    mark_pending(c);
    char *d = out_reserve(c, len);
    if (d) {
        memcpy(d, p, len);
        out_written(c);
        return;
    }
    if (!c->rhead && c->olen < CLIENT_OBUF_SIZE) {
        size_t k = CLIENT_OBUF_SIZE - c->olen;
        memcpy(c->obuf + c->olen, p, k);
        c->olen += k;
        p += k;
        len -= k;
    }
    append_blocks(c, p, len);
}

/* Two pieces and a CRLF without an intermediate copy when they fit. */
static inline void reply_raw2(struct client *c, const char *a, size_t alen, const char *b,
                              size_t blen)
{
    if (reply_muted(c)) return;
    char *d = out_reserve(c, alen + blen + 2);
    if (d) {
        mark_pending(c);
        memcpy(d, a, alen);
        memcpy(d + alen, b, blen);
        d[alen + blen] = '\r';
        d[alen + blen + 1] = '\n';
        out_written(c);
        return;
    }
    reply_raw(c, a, alen);
    reply_raw(c, b, blen);
    reply_raw(c, "\r\n", 2);
}

void reply_ok(struct client *c) { reply_raw(c, "+OK\r\n", 5); }

void reply_simple(struct client *c, const char *s) { reply_raw2(c, "+", 1, s, strlen(s)); }

void server_count_error(struct server *srv, const char *msg, size_t len);

/* Error texts must be one line: msg, or a copy in buf (at most
 * ERR_LINE_MAX - 1 bytes) with CR and LF turned into spaces. */
#define ERR_LINE_MAX 1024
static const char *one_line(const char *msg, size_t *len, char buf[ERR_LINE_MAX])
{
    if (!memchr(msg, '\r', *len) && !memchr(msg, '\n', *len)) return msg;
    if (*len >= ERR_LINE_MAX) *len = ERR_LINE_MAX - 1;
    memcpy(buf, msg, *len);
    for (size_t i = 0; i < *len; i++)
        if (buf[i] == '\r' || buf[i] == '\n') buf[i] = ' ';
    return buf;
}

void reply_error(struct client *c, const char *msg)
{
    size_t len = strlen(msg);
    char buf[ERR_LINE_MAX];
    msg = one_line(msg, &len, buf);
    server_count_error(c->srv, msg, len);
    if ((c->flags & (CLIENT_MASTER | CLIENT_MASTER_REPLY)) == CLIENT_MASTER)
        log_warning("A command from our MASTER failed (the error is not sent back): %.*s",
                    (int)(len > 256 ? 256 : len), msg);
    reply_raw2(c, "-", 1, msg, len);
}

void reply_error_nostats(struct client *c, const char *msg)
{
    size_t len = strlen(msg);
    char buf[ERR_LINE_MAX];
    msg = one_line(msg, &len, buf);
    reply_raw2(c, "-", 1, msg, len);
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    reply_error(c, buf);
}

void reply_bulk(struct client *c, const char *p, size_t len)
{
    char hdr[RESP_HDR_MAX];
    size_t h = resp_fmt_len(hdr, '$', (long long)len);
    reply_raw2(c, hdr, h, p, len);
}

void reply_bulk_cstr(struct client *c, const char *s)
{
    if (!s) reply_null(c);
    else reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(struct client *c, long long v)
{
    char buf[UTIL_LL_STR_SIZE];
    int n = util_ll2str(buf, v);
    reply_bulk(c, buf, (size_t)n);
}

void reply_bulk_obj(struct client *c, const struct obj *o)
{
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    reply_bulk(c, p, len);
}

void reply_ll(struct client *c, long long v)
{
    static const char *small[] = {":0\r\n", ":1\r\n", ":2\r\n", ":3\r\n"};
    if (v >= 0 && v < 4) {
        reply_raw(c, small[v], 4);
        return;
    }
    char hdr[RESP_HDR_MAX];
    reply_raw(c, hdr, resp_fmt_len(hdr, ':', v));
}

void reply_double(struct client *c, double d)
{
    char buf[64];
    int n = util_d2str(buf, sizeof(buf), d);
    if (c->resp >= 3) reply_raw2(c, ",", 1, buf, (size_t)n);
    else reply_bulk(c, buf, (size_t)n);
}

void reply_bool(struct client *c, bool v)
{
    if (c->resp >= 3) reply_raw(c, v ? "#t\r\n" : "#f\r\n", 4);
    else reply_raw(c, v ? ":1\r\n" : ":0\r\n", 4);
}

void reply_null(struct client *c)
{
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(struct client *c)
{
    if (c->resp >= 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "*-1\r\n", 5);
}

static void agg(struct client *c, char t, long long n)
{
    char hdr[RESP_HDR_MAX];
    reply_raw(c, hdr, resp_fmt_len(hdr, t, n));
}

void reply_array(struct client *c, long long n) { agg(c, '*', n); }
void reply_map(struct client *c, long long n)
{
    if (c->resp >= 3) agg(c, '%', n);
    else agg(c, '*', n * 2);
}
void reply_set(struct client *c, long long n) { agg(c, c->resp >= 3 ? '~' : '*', n); }
void reply_push(struct client *c, long long n) { agg(c, c->resp >= 3 ? '>' : '*', n); }
void reply_attribute(struct client *c, long long n) { agg(c, '|', n); }

void reply_verbatim(struct client *c, const char *p, size_t len, const char *ext)
{
    if (c->resp < 3) {
        reply_bulk(c, p, len);
        return;
    }
    char hdr[RESP_HDR_MAX + 8];
    size_t h = resp_fmt_len(hdr, '=', (long long)len + 4);
    memcpy(hdr + h, ext, 3);
    hdr[h + 3] = ':';
    reply_raw2(c, hdr, h + 4, p, len);
}

void reply_bignum(struct client *c, const char *p, size_t len)
{
    if (c->resp < 3) reply_bulk(c, p, len);
    else reply_raw2(c, "(", 1, p, len);
}

void reply_help(struct client *c, const char *cmd, const char *const *lines)
{
    long long n = 0;
    while (lines[n]) n++;
    reply_array(c, n + 3); /* header, lines, "HELP", its description */
    char buf[256];
    snprintf(buf, sizeof(buf), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    reply_simple(c, buf);
    for (long long i = 0; i < n; i++) reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Print this help.");
}

reply_defer_t reply_defer(struct client *c)
{
    if (reply_muted(c)) return NULL;
    mark_pending(c);
    struct rblock *b = mem_alloc(sizeof(*b) + RESP_HDR_MAX);
    b->size = 0; /* nothing may be appended into a deferred slot */
    b->used = 0;
    b->next = NULL;
    if (c->rtail) c->rtail->next = b;
    else c->rhead = b;
    c->rtail = b;
    return b;
}

static void defer_fill(struct client *c, reply_defer_t d, char t, long long n)
{
    if (!d) return;
    if (c->flags & CLIENT_CLOSE_ASAP) return; /* blocks already freed */
    d->used = resp_fmt_len(d->data, t, n);
    d->size = d->used;
    c->rbytes += d->used;
}

void reply_defer_array(struct client *c, reply_defer_t d, long long n) { defer_fill(c, d, '*', n); }
void reply_defer_map(struct client *c, reply_defer_t d, long long n)
{
    if (c->resp >= 3) defer_fill(c, d, '%', n);
    else defer_fill(c, d, '*', n * 2);
}
void reply_defer_set(struct client *c, reply_defer_t d, long long n)
{
    defer_fill(c, d, c->resp >= 3 ? '~' : '*', n);
}

void reply_err_wrongtype(struct client *c)
{
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}
void reply_err_syntax(struct client *c) { reply_error(c, "ERR syntax error"); }
void reply_err_notint(struct client *c)
{
    reply_error(c, "ERR value is not an integer or out of range");
}
void reply_err_notfloat(struct client *c) { reply_error(c, "ERR value is not a valid float"); }
void reply_err_overflow(struct client *c)
{
    reply_error(c, "ERR increment or decrement would overflow");
}
void reply_err_nokey(struct client *c) { reply_error(c, "ERR no such key"); }
void reply_err_range(struct client *c) { reply_error(c, "ERR index out of range"); }
void reply_err_arity(struct client *c, const char *name)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command", name);
}
