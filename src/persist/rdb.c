/* rdb: see rdb.h. */
#include "persist/rdb.h"

#include "base/util.h"
#include "core/server.h"

#include <errno.h>
#include <liblzf/lzf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- writing ------------------------------------------------------------ */

void rdb_put_u8(struct sbuf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    sbuf_cat(b, &c, 1);
}

void rdb_put_len(struct sbuf *b, uint64_t len)
{
    unsigned char buf[9];
    size_t n;
    if (len < (1u << 6)) {
        buf[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1u << 14)) {
        buf[0] = (unsigned char)(0x40 | (len >> 8));
        buf[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = 0x80;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = 0x81;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    sbuf_cat(b, buf, n);
}

/* The string as an 8/16/32-bit integer encoding, if it is one. */
static bool put_int_str(struct sbuf *b, const char *p, size_t len)
{
    long long v;
    if (len == 0 || len > 11 || !util_str2ll(p, len, &v)) return false;
    char chk[24];
    if ((size_t)util_ll2str(chk, v) != len || memcmp(chk, p, len)) return false;
    unsigned char buf[5];
    size_t n;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        buf[0] = 0xC0;
        buf[1] = (unsigned char)(int8_t)v;
        n = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = 0xC1;
        uint16_t u = (uint16_t)(int16_t)v;
        buf[1] = (unsigned char)u;
        buf[2] = (unsigned char)(u >> 8);
        n = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = 0xC2;
        uint32_t u = (uint32_t)(int32_t)v;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
        n = 5;
    } else {
        return false;
    }
    sbuf_cat(b, buf, n);
    return true;
}

/* LZF when it saves at least 4 bytes, as Redis does for strings > 20 bytes. */
static bool put_lzf_str(struct sbuf *b, const char *p, size_t len)
{
    if (len <= 20 || len > UINT32_MAX) return false;
    size_t room = len - 4;
    size_t start = b->len;
    /* worst case header: 1 + 5 + 5 */
    sbuf_reserve(b, 11 + room);
    unsigned char *out = (unsigned char *)b->p + start + 11;
    unsigned clen = lzf_compress(p, (unsigned)len, out, (unsigned)room);
    if (clen == 0) return false;
    /* write the header in front, then move the payload up against it */
    struct sbuf hdr = {0};
    rdb_put_u8(&hdr, 0xC3);
    rdb_put_len(&hdr, clen);
    rdb_put_len(&hdr, len);
    memmove(b->p + start + hdr.len, out, clen);
    memcpy(b->p + start, hdr.p, hdr.len);
    b->len = start + hdr.len + clen;
    b->p[b->len] = '\0';
    sbuf_free(&hdr);
    return true;
}

void rdb_put_str(struct sbuf *b, const char *p, size_t len, bool compress)
{
    if (len <= 11 && put_int_str(b, p, len)) return;
    if (compress && put_lzf_str(b, p, len)) return;
    rdb_put_len(b, len);
    sbuf_cat(b, p, len);
}

static void put_str_obj(struct sbuf *b, const struct obj *o, bool compress)
{
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    rdb_put_str(b, p, len, compress);
}

void rdb_put_aux(struct sbuf *b, const char *name, const char *val)
{
    rdb_put_u8(b, RDB_OP_AUX);
    rdb_put_str(b, name, strlen(name), false);
    rdb_put_str(b, val, strlen(val), false);
}

void rdb_put_header(struct sbuf *b, long long used_mem, bool aof_base)
{
    char num[32];
    sbuf_catfmt(b, "REDIS%04d", RDB_VERSION);
    rdb_put_aux(b, "redis-ver", REDIS_COMPAT_VERSION);
    snprintf(num, sizeof num, "%d", (int)(sizeof(void *) * 8));
    rdb_put_aux(b, "redis-bits", num);
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    rdb_put_aux(b, "ctime", num);
    snprintf(num, sizeof num, "%lld", used_mem);
    rdb_put_aux(b, "used-mem", num);
    rdb_put_aux(b, "aof-base", aof_base ? "1" : "0");
}

void rdb_put_selectdb(struct sbuf *b, int db)
{
    rdb_put_u8(b, RDB_OP_SELECTDB);
    rdb_put_len(b, (uint64_t)db);
}

void rdb_put_resizedb(struct sbuf *b, uint64_t keys, uint64_t expires)
{
    rdb_put_u8(b, RDB_OP_RESIZEDB);
    rdb_put_len(b, keys);
    rdb_put_len(b, expires);
}

int rdb_value_type(const struct obj *o)
{
    switch (o->type) {
    case OBJ_STRING: return RDB_TYPE_STRING;
    default: return -1; /* collections: not yet */
    }
}

void rdb_put_value(struct sbuf *b, const struct obj *o, bool compress)
{
    switch (o->type) {
    case OBJ_STRING: put_str_obj(b, o, compress); break;
    default: break;
    }
}

void rdb_put_key(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                 long long expire_ms, bool compress)
{
    if (expire_ms >= 0) {
        unsigned char buf[9];
        buf[0] = RDB_OP_EXPIRETIME_MS;
        uint64_t u = (uint64_t)expire_ms;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
        sbuf_cat(b, buf, 9);
    }
    rdb_put_u8(b, (unsigned)rdb_value_type(val));
    rdb_put_str(b, key, klen, compress);
    rdb_put_value(b, val, compress);
}

void rdb_put_eof(struct sbuf *b) { rdb_put_u8(b, RDB_OP_EOF); }

void rdb_put_crc(struct sbuf *b, uint64_t crc)
{
    unsigned char buf[8];
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(crc >> (8 * i));
    sbuf_cat(b, buf, 8);
}

/* ---- reading (not yet) -------------------------------------------------- */

struct obj *rdb_load_value(struct rdb_in *in, int type)
{
    snprintf(in->err, sizeof in->err, "RDB loading is not implemented yet");
    return NULL;
}

int rdb_load_buf(struct keyspace *ks, const uint8_t *p, size_t len, struct rdb_load_stats *st,
                 char *err, size_t errlen)
{
    snprintf(err, errlen, "RDB loading is not implemented yet");
    return -1;
}

int rdb_load_file(struct keyspace *ks, const char *path, struct rdb_load_stats *st, char *err,
                  size_t errlen)
{
    if (access(path, F_OK) != 0) return 1;
    snprintf(err, errlen, "RDB loading is not implemented yet");
    return -1;
}
