/* rdb_bench: the persist layer's speed on one RDB file, in process (no
 * sockets, no disk writes):
 *
 *   build/bench/rdb_bench FILE [ROUNDS]
 *
 * 1. load FILE (rdb_load_file: mapped, checksum verified) into a keyspace;
 * 2. write every key back with rdb_put_key into one memory buffer, with
 *    LZF compression on and then off (what SAVE/BGSAVE would do per key,
 *    without the I/O);
 * 3. load that image (header, keys, EOF, CRC-64) into a fresh keyspace,
 *    hashing with another seed, as a restarted server would.
 * Each step runs ROUNDS times (default 3); the best time is printed, with
 * keys/s and MB/s of RDB bytes. */
#include "base/crc64.h"
#include "base/util.h"
#include "core/db.h"
#include "core/object.h"
#include "core/sbuf.h"
#include "persist/rdb.h"
#include "types/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct writer {
    struct sbuf *b;
    struct db *db;
    bool compress;
    long long keys;
};

static void put_one(struct htab_node *n, void *priv)
{
    struct writer *w = priv;
    struct kentry *ke = (struct kentry *)n;
    rdb_put_key(w->b, ke->key, ke->klen, ke->val, db_get_expire(w->db, ke), w->compress);
    w->keys++;
}

static long long write_all(struct keyspace *ks, struct sbuf *b, bool compress)
{
    long long keys = 0;
    rdb_put_header(b, 0, false);
    for (int i = 0; i < ks->ndb; i++) {
        struct db *db = ks_db(ks, i);
        if (!db_size(db)) continue;
        rdb_put_selectdb(b, i);
        rdb_put_resizedb(b, db_size(db), db_expires_size(db));
        struct writer w = {b, db, compress, 0};
        htab_foreach(&db->keys, put_one, &w);
        keys += w.keys;
    }
    rdb_put_eof(b);
    rdb_put_crc(b, crc64(0, b->p, b->len));
    return keys;
}

static double secs_since(long long t0) { return (double)(util_monotonic_us() - t0) / 1e6; }

static void fresh(struct keyspace *ks)
{
    ks_init(ks, 16);
    ks->now_ms = util_mstime();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: rdb_bench FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    obj_init_shared();
    types_init();
    crc64_init();
    struct keyspace ks;
    struct rdb_load_stats st;
    char err[512];
    double best = 1e9;
    for (int r = 0; r < rounds; r++) {
        if (r) ks_deinit(&ks);
        fresh(&ks);
        long long t0 = util_monotonic_us();
        if (rdb_load_file(&ks, argv[1], &st, err, sizeof err) != 0) {
            fprintf(stderr, "load: %s\n", err);
            return 1;
        }
        double s = secs_since(t0);
        if (s < best) best = s;
    }
    FILE *f = fopen(argv[1], "rb");
    fseek(f, 0, SEEK_END);
    double fmb = (double)ftell(f) / 1e6;
    fclose(f);
    printf("load %s: %lld keys, %.1f MB: %.3f s (%.2f Mkeys/s, %.0f MB/s)\n", argv[1],
           st.keys_loaded, fmb, best, st.keys_loaded / best / 1e6, fmb / best);
    for (int compress = 1; compress >= 0; compress--) {
        struct sbuf b = {0};
        long long keys = 0;
        best = 1e9;
        for (int r = 0; r < rounds; r++) {
            sbuf_free(&b);
            long long t0 = util_monotonic_us();
            keys = write_all(&ks, &b, compress);
            double s = secs_since(t0);
            if (s < best) best = s;
        }
        double mb = (double)b.len / 1e6;
        printf("write (compression %s): %lld keys, %.1f MB: %.3f s (%.2f Mkeys/s, %.0f MB/s)\n",
               compress ? "on" : "off", keys, mb, best, keys / best / 1e6, mb / best);
        /* a restarted server hashes with a new seed, so its own file
         * arrives in an order unrelated to its new table (as Redis's file
         * does): reload under another seed, not in bucket order */
        util_hash_seed(util_rand());
        double lbest = 1e9;
        for (int r = 0; r < rounds; r++) {
            struct keyspace k2;
            fresh(&k2);
            long long t0 = util_monotonic_us();
            if (rdb_load_buf(&k2, (const uint8_t *)b.p, b.len, &st, err, sizeof err) != 0) {
                fprintf(stderr, "reload: %s\n", err);
                return 1;
            }
            double s = secs_since(t0);
            if (s < lbest) lbest = s;
            ks_deinit(&k2);
        }
        printf("  load of that image: %.3f s (%.2f Mkeys/s, %.0f MB/s)\n", lbest,
               st.keys_loaded / lbest / 1e6, mb / lbest);
        sbuf_free(&b);
    }
    ks_deinit(&ks);
    obj_free_shared();
    return 0;
}
