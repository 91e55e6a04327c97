/* aof_format: the AOF's two formats, parsed without a server, so the
 * loader, apiary-check-aof and the fuzzers share one implementation.
 *
 * Command files: a sequence of RESP arrays of bulk strings, and annotation
 * lines starting with '#' (aof-timestamp-enabled). A transaction is MULTI,
 * commands, EXEC; one without its EXEC at the end of the buffer counts as
 * truncated, like a command cut short.
 *
 * The manifest: lines "file <name> seq <n> type <b|i|h>" (b: the base, i:
 * incremental files in increasing seq order, h: history to delete); blank
 * lines and lines starting with '#' are skipped. Names never contain '/'. */
#ifndef APIARY_AOF_FORMAT_H
#define APIARY_AOF_FORMAT_H

#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

enum aof_parse_result { AOF_OK = 0, AOF_TRUNCATED = 1, AOF_BAD = -1 };

/* Called for every whole command; a non-zero return stops the parse with
 * AOF_BAD (fn has written err). argv points into buf. */
typedef int aof_cmd_fn(int argc, const struct slice *argv, size_t offset, void *priv, char *err,
                       size_t errlen);

/* Walks buf (it may be modified in place). *valid gets the length of the
 * whole commands outside a transaction: what a truncated file is cut back
 * to. err names the offset of a malformed command. */
enum aof_parse_result aof_parse(char *buf, size_t len, aof_cmd_fn *fn, void *priv, size_t *valid,
                                char *err, size_t errlen);

#define AOF_MANIFEST_MAX_FILES 4096
#define AOF_NAME_MAX 255

struct aof_manifest {
    char base[AOF_NAME_MAX + 1]; /* "" when there is none */
    long long base_seq;
    int nincr;
    struct {
        char name[AOF_NAME_MAX + 1];
        long long seq;
    } incr[AOF_MANIFEST_MAX_FILES];
};

/* 0, or -1 with err naming the line. */
int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
                       size_t errlen);

#endif
