/* fuzz_aof: libFuzzer target for the AOF formats (persist/aof_format.c).
 *
 * The first byte picks the format: even, a command file; odd, a manifest.
 * Invariants for command files: the parse ends (no hang); valid <= the
 * length; every command handed to the callback lies inside the buffer and
 * starts at or after the previous one; and the prefix up to `valid`, parsed
 * again alone, is a whole file (AOF_OK) with the same `valid`, which is
 * what cutting a damaged tail (aof-load-truncated, apiary-check-aof --fix)
 * relies on. For manifests: a parse that succeeds gives names without '/'
 * and increasing incremental sequence numbers. No crash, leak or undefined
 * behaviour (ASan/UBSan). */
#include "persist/aof_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct walk {
    const char *buf;
    size_t len, last;
};

static int on_cmd(int argc, const struct slice *argv, size_t offset, void *priv, char *err,
                  size_t errlen)
{
    struct walk *w = priv;
    if (argc < 1 || offset < w->last || offset >= w->len) abort();
    w->last = offset;
    for (int i = 0; i < argc; i++)
        if (argv[i].p < w->buf || argv[i].p + argv[i].len > w->buf + w->len) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t len = size - 1;
    char *buf = malloc(len + 1);
    memcpy(buf, data + 1, len);
    buf[len] = '\0';
    char err[256];
    if ((data[0] & 1) == 0) {
        struct walk w = {buf, len, 0};
        size_t valid = 0;
        enum aof_parse_result r = aof_parse(buf, len, on_cmd, &w, &valid, err, sizeof err);
        if (valid > len) abort();
        if (r == AOF_OK && valid != len) abort();
        /* the whole-command prefix stands alone (parse a fresh copy: the
         * parser may unescape in place) */
        char *again = malloc(valid + 1);
        memcpy(again, data + 1, valid);
        again[valid] = '\0';
        size_t valid2 = 0;
        enum aof_parse_result r2 = aof_parse(again, valid, NULL, NULL, &valid2, err, sizeof err);
        if (r != AOF_BAD && (r2 != AOF_OK || valid2 != valid)) abort();
        free(again);
    } else {
        struct aof_manifest *m = malloc(sizeof(*m));
        if (aof_manifest_parse(buf, len, m, err, sizeof err) == 0) {
            if (strchr(m->base, '/')) abort();
            for (int i = 0; i < m->nincr; i++) {
                if (strchr(m->incr[i].name, '/')) abort();
                if (i && m->incr[i].seq <= m->incr[i - 1].seq) abort();
            }
        }
        free(m);
    }
    free(buf);
    return 0;
}
