/* fuzz_listpack: libFuzzer target for listpack validation, the gate for
 * listpacks read from untrusted input (RDB files, RESTORE payloads). Any
 * blob lp_validate() accepts must be walkable both ways and readable
 * entry by entry without touching memory outside the block, and an
 * accepted blob must survive a delete and an insert. */
#include "base/listpack.h"
#include "base/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    unsigned char *lp = malloc(size ? size : 1);
    memcpy(lp, data, size);
    if (!lp_validate(lp, size)) {
        free(lp);
        return 0;
    }
    size_t n = 0;
    struct lp_val v;
    for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, p)) {
        lp_get(lp, p, &v);
        n++;
    }
    size_t m = 0;
    for (size_t p = lp_last(lp); p != LP_NONE; p = lp_prev(lp, p)) m++;
    if (n != m || n != lp_count(lp)) abort();
    /* modifications keep it valid (the copy is owned by the allocator) */
    unsigned char *own = mem_alloc(size);
    memcpy(own, lp, size);
    free(lp);
    if (lp_first(own) != LP_NONE) lp_delete(&own, lp_first(own), 1);
    lp_append(&own, "fuzz", 4);
    lp_insert(&own, lp_first(own), "123", 3);
    if (!lp_validate(own, lp_bytes(own))) abort();
    lp_free(&own);
    return 0;
}
