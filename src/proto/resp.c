/* resp: request parser; see resp.h for the contract.
 *
 * Multibulk state machine:
 *
 *   START --'*'--> COUNT --"\r\n"--> (nargs==0: DONE)
 *     |                         \--> BULK_HDR --'$'..."\r\n"--> BULK_DATA
 *     |                                 ^                         |
 *     |                                 \---- argc < nargs -------/ (else DONE)
 *     \--other--> INLINE (whole line at once)
 */
#include "proto/resp.h"

#include "base/mem.h"
#include "base/util.h"

#include <limits.h>
#include <string.h>

enum { ST_START = 0, ST_COUNT, ST_BULK_HDR, ST_BULK_DATA };

void resp_req_init(struct resp_req *r)
{
    memset(r, 0, sizeof(*r));
    r->bulk_len = -1;
}

void resp_req_deinit(struct resp_req *r)
{
    mem_free(r->argv);
    r->argv = NULL;
    r->argv_cap = 0;
}

void resp_req_reset(struct resp_req *r)
{
    r->argc = 0;
    r->consumed = 0;
    r->err = NULL;
    r->is_inline = false;
    r->state = ST_START;
    r->nargs = 0;
    r->bulk_len = -1;
    r->pos = 0;
}

size_t resp_pending_bulk(const struct resp_req *r)
{
    if (r->state == ST_BULK_DATA && r->bulk_len >= 0) return (size_t)r->bulk_len + 2;
    return 0;
}

static void argv_reserve(struct resp_req *r, long long n)
{
    if (n <= r->argv_cap) return;
    int cap = r->argv_cap ? r->argv_cap : 8;
    while (cap < n) cap = cap > INT_MAX / 2 ? INT_MAX : cap * 2;
    r->argv = mem_realloc(r->argv, sizeof(*r->argv) * (size_t)cap);
    r->argv_cap = cap;
}

/* A count or length: strict decimal, optional '-' sign. */
static bool parse_num(const char *p, size_t n, long long *out)
{
    if (n == 0 || n > 20) return false;
    if (n == 1) { /* the common case of a short length */
        unsigned d = (unsigned char)p[0] - '0';
        if (d > 9) return false;
        *out = d;
        return true;
    }
    return util_str2ll(p, n, out);
}

int resp_split_line(char *line, size_t len, struct resp_arg *argv, int max, size_t base)
{
    size_t i = 0;
    int argc = 0;
    for (;;) {
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n' ||
                           line[i] == '\v' || line[i] == '\f'))
            i++;
        if (i >= len) return argc;
        if (argc >= max) return -2;
        size_t w = i; /* write position: unescaped output overwrites input */
        size_t start = w;
        bool inq = false, insq = false, done = false;
        while (!done) {
            if (inq) {
                if (i >= len) return -1;
                char c = line[i];
                if (c == '\\' && i + 3 < len + 0 && line[i + 1] == 'x' &&
                    strchr("0123456789abcdefABCDEF", line[i + 2]) && line[i + 2] &&
                    strchr("0123456789abcdefABCDEF", line[i + 3]) && line[i + 3]) {
                    int hi = line[i + 2], lo = line[i + 3];
                    hi = hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10;
                    lo = lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10;
                    line[w++] = (char)(hi * 16 + lo);
                    i += 4;
                } else if (c == '\\' && i + 1 < len) {
                    char e = line[i + 1];
                    switch (e) {
                    case 'n': e = '\n'; break;
                    case 'r': e = '\r'; break;
                    case 't': e = '\t'; break;
                    case 'b': e = '\b'; break;
                    case 'a': e = '\a'; break;
                    default: break;
                    }
                    line[w++] = e;
                    i += 2;
                } else if (c == '"') {
                    /* closing quote must be followed by a space or the end */
                    if (i + 1 < len && !(line[i + 1] == ' ' || line[i + 1] == '\t' ||
                                         line[i + 1] == '\r' || line[i + 1] == '\n'))
                        return -1;
                    i++;
                    done = true;
                } else {
                    line[w++] = c;
                    i++;
                }
            } else if (insq) {
                if (i >= len) return -1;
                char c = line[i];
                if (c == '\\' && i + 1 < len && line[i + 1] == '\'') {
                    line[w++] = '\'';
                    i += 2;
                } else if (c == '\'') {
                    if (i + 1 < len && !(line[i + 1] == ' ' || line[i + 1] == '\t' ||
                                         line[i + 1] == '\r' || line[i + 1] == '\n'))
                        return -1;
                    i++;
                    done = true;
                } else {
                    line[w++] = c;
                    i++;
                }
            } else {
                if (i >= len) { done = true; break; }
                char c = line[i];
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case '\0':
                    done = true;
                    break;
                case '"':
                    inq = true;
                    i++;
                    break;
                case '\'':
                    insq = true;
                    i++;
                    break;
                default:
                    line[w++] = c;
                    i++;
                }
            }
        }
        argv[argc].off = base + start;
        argv[argc].len = w - start;
        argc++;
    }
}

static enum resp_result parse_inline(struct resp_req *r, char *buf, size_t len,
                                     const struct resp_limits *lim)
{
    char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len > lim->max_inline_len) {
            r->err = "Protocol error: too big inline request";
            return RESP_ERROR;
        }
        return RESP_NEED_MORE;
    }
    size_t linelen = (size_t)(nl - buf);
    if (linelen > lim->max_inline_len) { /* same verdict however the bytes arrived */
        r->err = "Protocol error: too big inline request";
        return RESP_ERROR;
    }
    size_t consumed = linelen + 1;
    if (linelen && buf[linelen - 1] == '\r') linelen--;
    /* count a safe upper bound of args: every arg needs >= 1 byte + sep */
    long long maxargs = (long long)linelen / 2 + 1;
    argv_reserve(r, maxargs < 8 ? 8 : maxargs);
    int argc = resp_split_line(buf, linelen, r->argv, r->argv_cap, 0);
    if (argc < 0) {
        r->err = "Protocol error: unbalanced quotes in request";
        return RESP_ERROR;
    }
    r->argc = argc;
    r->consumed = consumed;
    r->is_inline = true;
    return RESP_DONE;
}

enum resp_result resp_parse(struct resp_req *r, char *buf, size_t len, const struct resp_limits *lim)
{
    if (r->state == ST_START) {
        if (len == 0) return RESP_NEED_MORE;
        if (buf[0] != '*') {
            resp_req_reset(r);
            return parse_inline(r, buf, len, lim);
        }
        r->state = ST_COUNT;
        r->pos = 1;
        r->argc = 0;
    }
    size_t pos = r->pos;
    for (;;) {
        switch (r->state) {
        case ST_COUNT: {
            /* fast path: a short positive count whose line is complete */
            if (pos + 2 < len && (unsigned)(buf[pos] - '1') <= 8 && buf[pos + 1] == '\r' &&
                buf[pos + 2] == '\n') {
                long long n = buf[pos] - '0';
                if (n <= lim->max_multibulk_len) {
                    pos += 3;
                    r->nargs = n;
                    argv_reserve(r, n);
                    r->state = ST_BULK_HDR;
                    break;
                }
            }
            char *cr = memchr(buf + pos, '\r', len - pos);
            if (!cr) {
                if (len - pos > lim->max_inline_len) {
                    r->err = "Protocol error: too big mult bulk count string";
                    return RESP_ERROR;
                }
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            if ((size_t)(cr - (buf + pos)) > lim->max_inline_len) {
                r->err = "Protocol error: too big mult bulk count string";
                return RESP_ERROR;
            }
            if ((size_t)(cr - buf) + 1 >= len) { /* need the \n too */
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            long long n;
            if (!parse_num(buf + pos, (size_t)(cr - (buf + pos)), &n) ||
                n > lim->max_multibulk_len) {
                r->err = "Protocol error: invalid multibulk length";
                return RESP_ERROR;
            }
            pos = (size_t)(cr - buf) + 2;
            if (n <= 0) {
                r->argc = 0;
                r->consumed = pos;
                r->state = ST_START;
                return RESP_DONE;
            }
            r->nargs = n;
            /* grow gradually: a huge count costs memory only as args arrive */
            argv_reserve(r, n < 1024 ? n : 1024);
            r->state = ST_BULK_HDR;
            break;
        }
        case ST_BULK_HDR: {
            if (pos >= len) {
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            if (buf[pos] != '$') {
                /* Redis prints the byte as %c */
                memcpy(r->errbuf, "Protocol error: expected '$', got '", 35);
                r->errbuf[35] = buf[pos];
                r->errbuf[36] = '\'';
                r->errbuf[37] = '\0';
                r->err = r->errbuf;
                return RESP_ERROR;
            }
            /* fast path: a short length whose line is complete */
            {
                size_t q = pos + 1;
                unsigned long long v = 0;
                while (q < len && q - pos <= 18 && (unsigned)(buf[q] - '0') <= 9) {
                    v = v * 10 + (unsigned)(buf[q] - '0');
                    q++;
                }
                if (q + 1 < len && buf[q] == '\r' && q > pos + 1 &&
                    (buf[pos + 1] != '0' || q == pos + 2)) {
                    if ((long long)v > lim->max_bulk_len) {
                        r->err = "Protocol error: invalid bulk length";
                        return RESP_ERROR;
                    }
                    pos = q + 2;
                    r->bulk_len = (long long)v;
                    r->state = ST_BULK_DATA;
                    break;
                }
            }
            char *cr = memchr(buf + pos, '\r', len - pos);
            if (!cr) {
                if (len - pos > lim->max_inline_len) {
                    r->err = "Protocol error: too big bulk count string";
                    return RESP_ERROR;
                }
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            if ((size_t)(cr - (buf + pos)) > lim->max_inline_len) {
                r->err = "Protocol error: too big bulk count string";
                return RESP_ERROR;
            }
            if ((size_t)(cr - buf) + 1 >= len) {
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            long long bl;
            if (!parse_num(buf + pos + 1, (size_t)(cr - (buf + pos + 1)), &bl) || bl < 0 ||
                bl > lim->max_bulk_len) {
                r->err = "Protocol error: invalid bulk length";
                return RESP_ERROR;
            }
            pos = (size_t)(cr - buf) + 2;
            r->bulk_len = bl;
            r->state = ST_BULK_DATA;
            break;
        }
        case ST_BULK_DATA: {
            size_t need = (size_t)r->bulk_len + 2;
            if (len - pos < need) {
                r->pos = pos;
                return RESP_NEED_MORE;
            }
            if (r->argc == r->argv_cap) argv_reserve(r, (long long)r->argv_cap * 2);
            r->argv[r->argc].off = pos;
            r->argv[r->argc].len = (size_t)r->bulk_len;
            r->argc++;
            pos += need;
            r->bulk_len = -1;
            if (r->argc == r->nargs) {
                r->consumed = pos;
                r->state = ST_START;
                r->pos = 0;
                return RESP_DONE;
            }
            r->state = ST_BULK_HDR;
            break;
        }
        default:
            r->err = "Protocol error: internal parser state";
            return RESP_ERROR;
        }
    }
}

size_t resp_fmt_len(char *dst, char type, long long n)
{
    dst[0] = type;
    size_t l = 1 + (size_t)util_ll2str(dst + 1, n);
    dst[l++] = '\r';
    dst[l++] = '\n';
    return l;
}
