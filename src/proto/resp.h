/* resp: the RESP request parser and reply formatting, pure: bytes in,
 * structs out. Nothing here knows about clients, sockets or the keyspace,
 * so the parser is fuzzed and unit-tested alone.
 *
 * Requests. A request is either a multibulk array of bulk strings
 * ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or an inline line ("GET k\n").
 * resp_parse() is resumable: called again on the same request with more
 * bytes appended, it continues where it stopped instead of rescanning, so
 * a request that arrives in many reads costs linear time. Arguments are
 * recorded as (offset, length) pairs relative to the start of the request,
 * so the caller may move or grow its buffer between calls.
 *
 * Inline requests are unescaped in place (the result is never longer than
 * the source), so the buffer passed in is modified for inline requests.
 *
 * Result of resp_parse():
 *   RESP_DONE      a whole request; req->consumed bytes belong to it,
 *                  req->argc/argv describe it (argc may be 0: an empty
 *                  request such as "*0\r\n" or a blank line, to be skipped)
 *   RESP_NEED_MORE not yet complete; call again with more bytes
 *   RESP_ERROR     malformed; req->err is Redis's message, without "-ERR "
 *                  and without CRLF; the connection should be closed after
 *                  replying.
 */
#ifndef APIARY_RESP_H
#define APIARY_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum resp_result { RESP_DONE = 0, RESP_NEED_MORE = 1, RESP_ERROR = -1 };

struct resp_arg {
    size_t off;
    size_t len;
};

struct resp_limits {
    long long max_bulk_len;      /* proto-max-bulk-len */
    long long max_multibulk_len; /* proto-max-multibulk-len */
    size_t max_inline_len;       /* longest inline request / count line */
};

struct resp_req {
    /* output */
    int argc;
    struct resp_arg *argv; /* owned; grown as needed, reused across requests */
    int argv_cap;
    size_t consumed;
    const char *err;
    char errbuf[48]; /* storage for an error text that quotes input */
    bool is_inline;
    /* resumable state */
    int state;
    long long nargs;    /* expected args of a multibulk */
    long long bulk_len; /* pending bulk length, -1 if none */
    size_t pos;         /* parse position within the request */
};

void resp_req_init(struct resp_req *r);
void resp_req_deinit(struct resp_req *r);
/* Forget any partial state: the next call starts a new request. */
void resp_req_reset(struct resp_req *r);
/* Parse from buf (the start of the current request, len bytes available). */
enum resp_result resp_parse(struct resp_req *r, char *buf, size_t len, const struct resp_limits *lim);
/* Bytes the parser still needs before the current request can complete,
 * when known (a bulk payload in progress), else 0. Lets the reader size a
 * single read for a large argument. */
size_t resp_pending_bulk(const struct resp_req *r);

/* Split a line into arguments as redis-cli and the inline protocol do:
 * spaces separate, "..." takes C-like escapes (\n \r \t \b \a \\ \" \xHH),
 * '...' takes \' only. Unescapes in place; fills up to max args.
 * Returns the number of args, or -1 on unbalanced quotes, or -2 if more
 * than max args. */
int resp_split_line(char *line, size_t len, struct resp_arg *argv, int max, size_t base);

/* ---- reply formatting ----------------------------------------------------
 * Each writes the header of a RESP item into dst (room for at least
 * RESP_HDR_MAX bytes) and returns its length. */
#define RESP_HDR_MAX 32
size_t resp_fmt_len(char *dst, char type, long long n); /* "<type><n>\r\n" */

#endif
