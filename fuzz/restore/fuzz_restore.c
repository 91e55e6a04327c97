/* fuzz_restore: libFuzzer target for values read from untrusted bytes, as
 * RESTORE reads a payload. Input: one byte picking the encoding limits,
 * then the type byte and the value, as in a DUMP payload without its
 * footer. Whatever the bytes, rdb_load_value must return a value or an
 * error, never crash, leak or read outside them; a value it accepts must
 * be well formed: it can be walked, written back out, and read again into
 * the same contents. */
#include "base/mem.h"
#include "base/util.h"
#include "core/object.h"
#include "core/sbuf.h"
#include "persist/rdb.h"
#include "types/types.h"
#include "types/t_hash.h"
#include "types/t_list.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    obj_init_shared();
    types_init();
    return 0;
}

/* An order-independent digest of a value's contents. */
struct digest {
    uint64_t sum, n;
};

static void d_member(const char *p, size_t len, void *priv)
{
    struct digest *d = priv;
    d->sum += util_hash(p, len);
    d->n++;
}

static void d_list(const char *p, size_t len, void *priv)
{
    struct digest *d = priv;
    d->sum = d->sum * 31 + util_hash(p, len); /* lists: order matters */
    d->n++;
}

static void d_pair(const char *f, size_t flen, const char *v, size_t vlen, void *priv)
{
    struct digest *d = priv;
    d->sum += util_hash(f, flen) * 7 + util_hash(v, vlen);
    d->n++;
}

static void d_zmember(const char *p, size_t len, double score, void *priv)
{
    struct digest *d = priv;
    d->sum = d->sum * 31 + util_hash(p, len) + util_hash(&score, sizeof score);
    d->n++;
}

static struct digest digest(struct obj *o)
{
    struct digest d = {0, 0};
    switch (o->type) {
    case OBJ_STRING: {
        char buf[OBJ_STRBUF];
        size_t len;
        const char *p = obj_str(o, buf, &len);
        d_member(p, len, &d);
        break;
    }
    case OBJ_LIST: t_list_foreach(o, d_list, &d); break;
    case OBJ_SET: t_set_foreach(o, d_member, &d); break;
    case OBJ_HASH: t_hash_foreach_pair(o, d_pair, &d); break;
    case OBJ_ZSET: t_zset_foreach(o, d_zmember, &d); break;
    default: abort();
    }
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    struct rdb_limits lim;
    rdb_limits_default(&lim);
    if (data[0] & 1) { /* tiny limits: every conversion path */
        lim.hash_entries = lim.zset_entries = 2;
        lim.hash_value = lim.zset_value = 3;
        lim.set_intset_entries = 2;
        lim.list_fill = 2;
    }
    /* the bytes in an allocation of their own, so ASan sees any overread */
    uint8_t *buf = malloc(size - 2 ? size - 2 : 1);
    memcpy(buf, data + 2, size - 2);
    struct rdb_in in = {.p = buf, .len = size - 2, .lim = &lim};
    struct obj *o = rdb_load_value(&in, data[1]);
    if (!o) {
        if (!in.err[0]) abort(); /* a refusal always says why */
        free(buf);
        return 0;
    }
    if (in.pos > in.len) abort();
    struct digest d1 = digest(o);
    struct sbuf b = {0};
    int type = rdb_value_type(o);
    rdb_put_value(&b, o, data[0] & 2);
    struct rdb_in in2 = {.p = (const uint8_t *)b.p, .len = b.len, .lim = &lim};
    struct obj *o2 = rdb_load_value(&in2, type);
    if (!o2 || in2.pos != b.len) abort(); /* what we write, we read */
    struct digest d2 = digest(o2);
    if (o2->type != o->type || o2->enc != o->enc || d1.n != d2.n || d1.sum != d2.sum) abort();
    obj_free(o2);
    obj_free(o);
    sbuf_free(&b);
    free(buf);
    return 0;
}
