/* aof_format: see aof_format.h. */
#include "persist/aof_format.h"

#include "base/mem.h"
#include "proto/resp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum aof_parse_result aof_parse(char *buf, size_t len, aof_cmd_fn *fn, void *priv, size_t *valid,
                                char *err, size_t errlen)
{
    struct resp_req req;
    resp_req_init(&req);
    /* a file is not a client: no client limits, the file's size bounds it */
    struct resp_limits lim = {LLONG_MAX, INT_MAX, 64 * 1024};
    struct slice *argv = NULL;
    int argv_cap = 0;
    size_t pos = 0, committed = 0;
    bool in_multi = false;
    enum aof_parse_result rc = AOF_OK;
    while (pos < len) {
        if (buf[pos] == '#') { /* an annotation line */
            char *nl = memchr(buf + pos, '\n', len - pos);
            if (!nl) {
                rc = AOF_TRUNCATED;
                break;
            }
            pos = (size_t)(nl - buf) + 1;
            if (!in_multi) committed = pos;
            continue;
        }
        if (buf[pos] != '*') {
            snprintf(err, errlen, "Bad file format at offset %zu (a command must start with '*')", pos);
            rc = AOF_BAD;
            break;
        }
        resp_req_reset(&req);
        enum resp_result r = resp_parse(&req, buf + pos, len - pos, &lim);
        if (r == RESP_NEED_MORE) {
            rc = AOF_TRUNCATED;
            break;
        }
        if (r == RESP_ERROR || req.argc < 1) {
            snprintf(err, errlen, "Bad file format at offset %zu (%s)", pos,
                     r == RESP_ERROR ? req.err : "empty command");
            rc = AOF_BAD;
            break;
        }
        if (req.argc > argv_cap) {
            argv_cap = req.argc * 2;
            argv = mem_realloc(argv, sizeof(*argv) * (size_t)argv_cap);
        }
        for (int i = 0; i < req.argc; i++) {
            argv[i].p = buf + pos + req.argv[i].off;
            argv[i].len = req.argv[i].len;
        }
        bool is_multi = util_eqi(argv[0].p, argv[0].len, "multi");
        bool is_exec = util_eqi(argv[0].p, argv[0].len, "exec");
        if ((is_multi && in_multi) || (is_exec && !in_multi)) {
            snprintf(err, errlen, "Bad file format at offset %zu (%s)", pos,
                     is_multi ? "MULTI inside a transaction" : "EXEC without MULTI");
            rc = AOF_BAD;
            break;
        }
        if (fn && fn(req.argc, argv, pos, priv, err, errlen) != 0) {
            rc = AOF_BAD;
            break;
        }
        pos += req.consumed;
        if (is_multi) in_multi = true;
        if (is_exec) in_multi = false;
        if (!in_multi) committed = pos;
    }
    if (rc == AOF_OK && in_multi) rc = AOF_TRUNCATED; /* a MULTI without its EXEC */
    *valid = committed;
    mem_free(argv);
    resp_req_deinit(&req);
    return rc;
}

int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
                       size_t errlen)
{
    memset(m, 0, sizeof(*m));
    long long last_incr = 0;
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += llen + (nl ? 1 : 0);
        lineno++;
        if (llen == 0 || line[0] == '#') continue;
        char buf[AOF_NAME_MAX + 64];
        if (llen >= sizeof buf) {
            snprintf(err, errlen, "Invalid AOF manifest file format (line %d is too long)", lineno);
            return -1;
        }
        memcpy(buf, line, llen);
        buf[llen] = '\0';
        char name[AOF_NAME_MAX + 1], type[8], extra[2];
        long long seq;
        int n = sscanf(buf, "file %255s seq %lld type %7s %1s", name, &seq, type, extra);
        if (n != 3 || seq < 1 || strchr(name, '/') || memchr(buf, '\0', llen) ||
            (strcmp(type, "b") && strcmp(type, "i") && strcmp(type, "h"))) {
            snprintf(err, errlen, "Invalid AOF manifest file format (line %d)", lineno);
            return -1;
        }
        if (type[0] == 'h') continue; /* history: files to delete */
        if (type[0] == 'b') {
            if (m->base[0]) {
                snprintf(err, errlen, "Found duplicate base file information (line %d)", lineno);
                return -1;
            }
            memcpy(m->base, name, strlen(name) + 1);
            m->base_seq = seq;
            continue;
        }
        if (m->nincr == AOF_MANIFEST_MAX_FILES) {
            snprintf(err, errlen, "Too many incremental AOF files (line %d)", lineno);
            return -1;
        }
        if (seq <= last_incr) {
            snprintf(err, errlen, "Found a non-monotonic sequence number (line %d)", lineno);
            return -1;
        }
        memcpy(m->incr[m->nincr].name, name, strlen(name) + 1);
        m->incr[m->nincr].seq = seq;
        m->nincr++;
        last_incr = seq;
    }
    return 0;
}
