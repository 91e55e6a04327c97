/* apiary-check-aof: checks an append-only file set, and can cut a damaged
 * tail off.
 *
 *   apiary-check-aof [--fix] FILE
 *
 * FILE is a manifest (<appendfilename>.manifest: every file it lists is
 * checked, from the manifest's directory) or one AOF file. Command files go
 * through the server's own parser (persist/aof_format.c); an RDB base goes
 * through the server's RDB loader into a scratch keyspace (its checksum
 * and every structure are checked). For each file it prints whether it is
 * valid, or the offset up to which it is.
 *
 * --fix: a command file that ends in the middle of a command or of a
 * transaction, or has a malformed command, is truncated to its last whole
 * command before the damage (what the server's aof-load-truncated does for
 * a cut tail). Only the last file of a set may be fixed: damage earlier in
 * the set would drop the commands after it, which later files depend on.
 * Exit status: 0 valid (or fixed), 1 invalid, 2 usage. */
#include "base/mem.h"
#include "base/util.h"
#include "core/db.h"
#include "core/object.h"
#include "persist/aof_format.h"
#include "persist/rdb.h"
#include "types/types.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "Usage: apiary-check-aof [--fix] <file.manifest|file.aof|file.rdb>\n");
    exit(2);
}

struct mapped {
    char *p;
    size_t len;
};

static int map(const char *path, struct mapped *m)
{
    m->p = NULL;
    m->len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("Cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    m->len = (size_t)st.st_size;
    if (m->len) {
        void *p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            printf("Cannot map %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        m->p = p;
    }
    close(fd);
    return 0;
}

/* 0 valid, 1 fixed, -1 invalid */
static int check_file(const char *path, bool last, bool fix)
{
    struct mapped m;
    if (map(path, &m) < 0) return -1;
    int rc = 0;
    if (m.len >= 5 && !memcmp(m.p, "REDIS", 5)) {
        struct keyspace ks;
        ks_init(&ks, 1 << 10);
        ks.now_ms = util_mstime();
        struct rdb_load_stats st;
        char err[512];
        if (rdb_load_buf(&ks, (const uint8_t *)m.p, m.len, &st, err, sizeof err) < 0) {
            printf("RDB base %s is not valid: %s\n", path, err);
            rc = -1;
        } else {
            printf("RDB base %s is valid (%lld keys)\n", path, st.keys_loaded);
        }
        ks_deinit(&ks);
    } else {
        size_t valid = 0;
        char err[512] = "";
        enum aof_parse_result r = aof_parse(m.p, m.len, NULL, NULL, &valid, err, sizeof err);
        printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, diff=%zu\n", path, m.len, valid,
               m.len - valid);
        if (r == AOF_OK) {
            printf("AOF %s is valid\n", path);
        } else {
            printf("AOF %s is not valid: %s\n", path,
                   r == AOF_TRUNCATED ? "it ends in the middle of a command or transaction" : err);
            if (!fix) {
                printf("Use the --fix option to cut it back to offset %zu\n", valid);
                rc = -1;
            } else if (!last) {
                printf("Not fixing %s: it is not the last file of the set\n", path);
                rc = -1;
            } else if (truncate(path, (off_t)valid) < 0) {
                printf("Failed to truncate %s: %s\n", path, strerror(errno));
                rc = -1;
            } else {
                printf("Successfully truncated %s from %zu to %zu bytes\n", path, m.len, valid);
                rc = 1;
            }
        }
    }
    if (m.p) munmap(m.p, m.len);
    return rc;
}

int main(int argc, char **argv)
{
    bool fix = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fix")) fix = true;
        else if (argv[i][0] == '-' || path) usage();
        else path = argv[i];
    }
    if (!path) usage();
    obj_init_shared();
    types_init();
    int status = 0;
    size_t plen = strlen(path);
    if (plen > 9 && !strcmp(path + plen - 9, ".manifest")) {
        struct mapped m;
        if (map(path, &m) < 0) return 1;
        struct aof_manifest *man = mem_alloc(sizeof(*man));
        char err[256];
        if (aof_manifest_parse(m.p ? m.p : "", m.len, man, err, sizeof err) < 0) {
            printf("The manifest %s is not valid: %s\n", path, err);
            return 1;
        }
        char *copy = mem_strdup(path);
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", dirname(copy));
        mem_free(copy);
        int nfiles = (man->base[0] ? 1 : 0) + man->nincr;
        int k = 0;
        char fpath[PATH_MAX + 300];
        if (man->base[0]) {
            snprintf(fpath, sizeof fpath, "%s/%s", dir, man->base);
            if (check_file(fpath, ++k == nfiles, fix) < 0) status = 1;
        }
        for (int i = 0; i < man->nincr && !status; i++) {
            snprintf(fpath, sizeof fpath, "%s/%s", dir, man->incr[i].name);
            if (check_file(fpath, ++k == nfiles, fix) < 0) status = 1;
        }
        mem_free(man);
        if (m.p) munmap(m.p, m.len);
    } else if (check_file(path, true, fix) < 0) {
        status = 1;
    }
    printf(status ? "AOF INVALID\n" : "AOF OK\n");
    obj_free_shared();
    return status;
}
