/* fuzz_resp: libFuzzer target for the RESP request parser.
 *
 * The first byte of the input picks a chunking seed; the rest is a byte
 * stream as a client would send it. The stream is parsed twice: whole, and
 * fed in pseudo-random chunks through the resumable parser (appending to a
 * growing buffer exactly as the server's read path does). Invariants:
 *  - consumed <= available bytes, and every argument lies inside the request;
 *  - both runs produce the same sequence of requests (argc, argument bytes)
 *    and the same error, so resumption never changes a parse;
 *  - no crash, leak or undefined behaviour (ASan/UBSan). */
#include "proto/resp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REQS 4096

struct rec {
    int argc;
    uint64_t digest; /* FNV over the arguments */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

/* Parse `data` delivered in chunks; chunk == 0 means all at once. Returns
 * the number of requests recorded; *err the final error or NULL. */
static int run(const uint8_t *data, size_t size, unsigned seed, struct rec *out,
               const char **err)
{
    const struct resp_limits lim = {.max_bulk_len = 1 << 20, .max_multibulk_len = 1 << 16,
                                    .max_inline_len = 1024};
    struct resp_req r;
    resp_req_init(&r);
    char *buf = malloc(size + 1);
    size_t have = 0, start = 0, fed = 0;
    int n = 0;
    *err = NULL;
    unsigned x = seed * 2654435761u + 1;
    while (fed < size || start < have) {
        if (fed < size) {
            size_t chunk = size - fed;
            if (seed) {
                x = x * 1103515245u + 12345u;
                chunk = 1 + (x >> 16) % 17;
                if (chunk > size - fed) chunk = size - fed;
            }
            memcpy(buf + have, data + fed, chunk);
            have += chunk;
            fed += chunk;
        }
        for (;;) {
            if (start >= have) break;
            /* the parser may unescape inline requests in place: it only
             * ever writes inside a complete line, so re-parsing is safe */
            enum resp_result rc = resp_parse(&r, buf + start, have - start, &lim);
            if (rc == RESP_NEED_MORE) break;
            if (rc == RESP_ERROR) {
                *err = r.err;
                goto done;
            }
            if (r.consumed == 0 || r.consumed > have - start) abort();
            uint64_t d = 1469598103934665603ULL;
            for (int i = 0; i < r.argc; i++) {
                if (r.argv[i].off > r.consumed || r.argv[i].len > r.consumed - r.argv[i].off)
                    abort();
                d = fnv(d, buf + start + r.argv[i].off, r.argv[i].len);
                d = fnv(d, "|", 1);
            }
            if (n < MAX_REQS) {
                out[n].argc = r.argc;
                out[n].digest = d;
            }
            n++;
            start += r.consumed;
            resp_req_reset(&r);
        }
        if (fed >= size) break;
    }
done:
    resp_req_deinit(&r);
    free(buf);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned seed = data[0];
    data++;
    size--;
    static struct rec a[MAX_REQS], b[MAX_REQS];
    const char *ea, *eb;
    int na = run(data, size, 0, a, &ea);
    int nb = run(data, size, seed ? seed : 1, b, &eb);
    if (na != nb) abort();
    for (int i = 0; i < na && i < MAX_REQS; i++)
        if (a[i].argc != b[i].argc || a[i].digest != b[i].digest) abort();
    if ((ea == NULL) != (eb == NULL)) abort();
    if (ea && strncmp(ea, eb, 26) != 0) abort();
    /* the line splitter alone, on the raw bytes */
    if (size < 4096) {
        char *line = malloc(size + 1);
        memcpy(line, data, size);
        struct resp_arg args[64];
        int argc = resp_split_line(line, size, args, 64, 0);
        for (int i = 0; i < argc; i++)
            if (args[i].off > size || args[i].len > size - args[i].off) abort();
        free(line);
    }
    return 0;
}
