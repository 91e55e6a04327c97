/* apiary-check-rdb: checks an RDB file the way the server would load it.
 *
 *   apiary-check-rdb [--databases N] FILE
 *
 * The file goes through the server's own loader (persist/rdb.c) into a
 * scratch keyspace of N databases (default 16), so everything start-up
 * would refuse is refused here, with the same message and byte offset.
 * On success it prints the RDB version and, per database, the number of
 * keys by type and encoding (the encodings Apiary would hold them in under
 * the default limits). Exit status: 0 valid, 1 invalid or unreadable,
 * 2 usage. */
#include "base/util.h"
#include "core/db.h"
#include "core/object.h"
#include "persist/rdb.h"
#include "types/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTYPES 5
#define NENC 12

struct tally {
    long long keys, expires;
    long long by[NTYPES][NENC];
};

static void count_key(struct htab_node *n, void *priv)
{
    struct tally *t = priv;
    const struct kentry *ke = (const struct kentry *)n;
    t->keys++;
    if (ke->flags & KE_EXPIRE) t->expires++;
    if (ke->val->type < NTYPES && ke->val->enc < NENC) t->by[ke->val->type][ke->val->enc]++;
}

static void usage(void)
{
    fprintf(stderr, "Usage: apiary-check-rdb [--databases N] FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int ndb = 16;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--databases") && i + 1 < argc) {
            ndb = atoi(argv[++i]);
            if (ndb < 1 || ndb > 1 << 20) usage();
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || path) {
            usage();
        } else {
            path = argv[i];
        }
    }
    if (!path) usage();
    obj_init_shared();
    types_init();
    struct keyspace ks;
    ks_init(&ks, ndb);
    ks.now_ms = util_mstime();
    struct rdb_load_stats st;
    char err[512];
    long long t0 = util_monotonic_us();
    int rc = rdb_load_file(&ks, path, &st, err, sizeof err);
    double secs = (double)(util_monotonic_us() - t0) / 1e6;
    int status = 0;
    if (rc == 1) {
        fprintf(stderr, "apiary-check-rdb: %s: no such file\n", path);
        status = 1;
    } else if (rc < 0) {
        printf("apiary-check-rdb: %s\n", err);
        printf("RDB INVALID\n");
        status = 1;
    } else {
        printf("RDB version %d: %lld keys loaded, %lld already expired, %lld empty skipped "
               "(%.3f s)\n",
               st.version, st.keys_loaded, st.keys_expired, st.keys_empty, secs);
        for (int i = 0; i < ndb; i++) {
            struct db *db = ks_db(&ks, i);
            if (!db_size(db)) continue;
            struct tally t = {0};
            htab_foreach(&db->keys, count_key, &t);
            printf("db%d: %lld keys, %lld with a TTL\n", i, t.keys, t.expires);
            for (int ty = 0; ty < NTYPES; ty++)
                for (int e = 0; e < NENC; e++) {
                    if (!t.by[ty][e]) continue;
                    struct obj probe = {.type = (uint8_t)ty, .enc = (uint8_t)e};
                    printf("  %-6s %-10s %lld\n", obj_type_name(&probe), obj_enc_name(&probe),
                           t.by[ty][e]);
                }
        }
        printf("RDB OK\n");
    }
    ks_deinit(&ks);
    obj_free_shared();
    return status;
}
