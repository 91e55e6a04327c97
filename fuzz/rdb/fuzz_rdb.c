/* fuzz_rdb: libFuzzer target for whole RDB files, as start-up loads them.
 * Whatever the bytes, rdb_load_buf must load them or refuse them with a
 * message naming an offset, never crash, hang, leak or read outside the
 * buffer; a refused load leaves a keyspace that can still be freed. The
 * checksum is checked only at the end, so the fuzzer reaches every part
 * of the parser without having to get it right. */
#include "base/util.h"
#include "core/db.h"
#include "core/object.h"
#include "persist/rdb.h"
#include "types/types.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    obj_init_shared();
    types_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    struct keyspace ks;
    ks_init(&ks, 16);
    ks.now_ms = 1700000000000LL; /* fixed: the same input always loads the same way */
    struct rdb_load_stats st;
    char err[256] = "";
    int rc = rdb_load_buf(&ks, buf, size, &st, err, sizeof err);
    if (rc < 0 && !strstr(err, "offset")) abort();
    if (rc == 0) {
        long long n = 0;
        for (int i = 0; i < ks.ndb; i++) n += (long long)db_size(ks_db(&ks, i));
        if (n != st.keys_loaded) abort();
    }
    ks_deinit(&ks);
    free(buf);
    return 0;
}
