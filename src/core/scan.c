/* scan: see scan.h. */
#include "core/scan.h"

#include "core/client.h"
#include "core/reply.h"

#include <limits.h>

/* The cursor as Redis reads it (strtoul over the whole argument): optional
 * sign, decimal digits, nothing else; no leading space; a value beyond
 * uint64 is an error; "-n" wraps like strtoul does; "" is cursor 0. */
static bool parse_cursor(const struct slice *a, unsigned long long *out)
{
    const char *p = a->p, *end = a->p + a->len;
    if (p == end) {
        *out = 0;
        return true;
    }
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (p == end) return false;
    unsigned long long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? 0 - v : v;
    return true;
}

bool scan_parse_args(struct client *c, int first, bool allow_type, struct scan_args *out)
{
    out->count = 10;
    out->pat = out->type = NULL;
    if (!parse_cursor(&c->argv[first], &out->cursor)) {
        reply_error(c, "ERR invalid cursor");
        return false;
    }
    for (int i = first + 1; i < c->argc; i += 2) {
        const struct slice *a = &c->argv[i];
        bool has_arg = i + 1 < c->argc;
        if (has_arg && util_eqi(a->p, a->len, "count")) {
            if (!util_str2ll(c->argv[i + 1].p, c->argv[i + 1].len, &out->count)) {
                reply_err_notint(c);
                return false;
            }
            if (out->count < 1) {
                reply_err_syntax(c);
                return false;
            }
        } else if (has_arg && util_eqi(a->p, a->len, "match")) {
            out->pat = &c->argv[i + 1];
            if (out->pat->len == 1 && out->pat->p[0] == '*') out->pat = NULL;
        } else if (has_arg && allow_type && util_eqi(a->p, a->len, "type")) {
            out->type = &c->argv[i + 1];
        } else {
            reply_err_syntax(c);
            return false;
        }
    }
    return true;
}
