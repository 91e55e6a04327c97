/* aof_write: see aof_write.h. */
#include "persist/aof_write.h"

#include "base/util.h"
#include "core/object.h"
#include "types/t_hash.h"
#include "types/t_list.h"
#include "types/t_set.h"
#include "types/t_zset.h"

#include <stdio.h>
#include <string.h>

static void put_count(struct sbuf *b, char mark, size_t n)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%c%zu\r\n", mark, n);
    sbuf_cat(b, buf, (size_t)len);
}

static void put_bulk(struct sbuf *b, const char *p, size_t len)
{
    put_count(b, '$', len);
    sbuf_cat(b, p, len);
    sbuf_cat(b, "\r\n", 2);
}

static void put_ll(struct sbuf *b, long long v)
{
    char buf[UTIL_LL_STR_SIZE];
    int n = util_ll2str(buf, v);
    put_bulk(b, buf, (size_t)n);
}

void aof_put_selectdb(struct sbuf *b, int db)
{
    sbuf_cat(b, "*2\r\n$6\r\nSELECT\r\n", 16);
    put_ll(b, db);
}

void aof_put_timestamp(struct sbuf *b, long long unix_secs)
{
    sbuf_catfmt(b, "#TS:%lld\r\n", unix_secs);
}

/* A collection goes out as commands of at most AOF_ITEMS_PER_CMD items:
 * the command's header is written when its first item is. */
struct batch {
    struct sbuf *b;
    const char *cmd;
    size_t cmdlen;
    const char *key;
    size_t klen;
    size_t left;   /* items not written yet */
    size_t in_cmd; /* items still to come in the current command */
    int per_item;  /* arguments per item */
};

static void batch_item(struct batch *x)
{
    if (!x->in_cmd) {
        x->in_cmd = x->left < AOF_ITEMS_PER_CMD ? x->left : AOF_ITEMS_PER_CMD;
        put_count(x->b, '*', 2 + x->in_cmd * (size_t)x->per_item);
        put_bulk(x->b, x->cmd, x->cmdlen);
        put_bulk(x->b, x->key, x->klen);
    }
    x->in_cmd--;
    x->left--;
}

static void on_elem(const char *p, size_t len, void *priv)
{
    struct batch *x = priv;
    batch_item(x);
    put_bulk(x->b, p, len);
}

static void on_pair(const char *f, size_t flen, const char *v, size_t vlen, void *priv)
{
    struct batch *x = priv;
    batch_item(x);
    put_bulk(x->b, f, flen);
    put_bulk(x->b, v, vlen);
}

static void on_zmember(const char *p, size_t len, double score, void *priv)
{
    struct batch *x = priv;
    batch_item(x);
    char buf[64];
    int n = util_d2str(buf, sizeof buf, score);
    put_bulk(x->b, buf, (size_t)n);
    put_bulk(x->b, p, len);
}

void aof_put_key(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                 long long expire_ms)
{
    struct obj *o = (struct obj *)val; /* the walkers take non-const; they don't modify */
    struct batch x = {b, NULL, 0, key, klen, 0, 0, 1};
    switch (val->type) {
    case OBJ_STRING: {
        char buf[OBJ_STRBUF];
        size_t len;
        const char *p = obj_str(val, buf, &len);
        sbuf_cat(b, "*3\r\n$3\r\nSET\r\n", 13);
        put_bulk(b, key, klen);
        put_bulk(b, p, len);
        break;
    }
    case OBJ_LIST:
        x.cmd = "RPUSH", x.cmdlen = 5, x.left = t_list_len(val);
        t_list_foreach(val, on_elem, &x);
        break;
    case OBJ_SET:
        x.cmd = "SADD", x.cmdlen = 4, x.left = t_set_card(val);
        t_set_foreach(o, on_elem, &x);
        break;
    case OBJ_ZSET:
        x.cmd = "ZADD", x.cmdlen = 4, x.left = t_zset_len(val), x.per_item = 2;
        t_zset_foreach(o, on_zmember, &x);
        break;
    case OBJ_HASH:
        x.cmd = "HMSET", x.cmdlen = 5, x.left = t_hash_len(val), x.per_item = 2;
        t_hash_foreach_pair(o, on_pair, &x);
        break;
    default: return;
    }
    if (expire_ms >= 0) {
        sbuf_cat(b, "*3\r\n$9\r\nPEXPIREAT\r\n", 19);
        put_bulk(b, key, klen);
        put_ll(b, expire_ms);
    }
}
