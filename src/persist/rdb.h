/* rdb: the Redis RDB format, version 10 (Redis 7.0): writing values and
 * files, reading them back.
 *
 * An RDB stream is "REDIS0010", auxiliary fields (AUX name value), then per
 * database SELECTDB n [RESIZEDB keys expires] and its keys, each as
 * [EXPIRETIME_MS t] [IDLE s | FREQ f] <type byte> <key string> <value>,
 * then EOF and a CRC-64 (base/crc64.h) of everything before it, 8 bytes
 * little endian (0 when rdbchecksum is off). SELECTDB may appear again for
 * a database already seen: the loader just switches database, which is
 * what lets the forkless snapshot (persist/snapshot.h) emit a key out of
 * order when a write is about to change it.
 *
 * Lengths: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits, big endian),
 * 0x80 + 4 bytes and 0x81 + 8 bytes (big endian); 11xxxxxx is a special
 * string encoding: 0/1/2 = an 8/16/32-bit little-endian integer, 3 = LZF
 * (compressed length, original length, data).
 *
 * Writers append to an sbuf; they never fail. Readers work on a buffer in
 * memory (a DUMP payload, a mapped file), check every length against what
 * is left, and return an error text instead of ever trusting the input. */
#ifndef APIARY_RDB_H
#define APIARY_RDB_H

#include "core/db.h"
#include "core/object.h"
#include "core/sbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDB_VERSION 10

enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

enum rdb_opcode {
    RDB_OP_FUNCTION2 = 245,
    RDB_OP_FUNCTION = 246,
    RDB_OP_MODULE_AUX = 247,
    RDB_OP_IDLE = 248,
    RDB_OP_FREQ = 249,
    RDB_OP_AUX = 250,
    RDB_OP_RESIZEDB = 251,
    RDB_OP_EXPIRETIME_MS = 252,
    RDB_OP_EXPIRETIME = 253,
    RDB_OP_SELECTDB = 254,
    RDB_OP_EOF = 255,
};

/* ---- writing ------------------------------------------------------------ */

/* What the writers' `compress` argument asks for (a bool true is RDB_LZF). */
enum rdb_compress {
    RDB_RAW = 0,
    RDB_LZF = 1,
    /* Strings that LZF might shrink go out raw, each recorded as a span of
     * the enclosing struct rdb_deferred; rdb_deferred_resolve() later
     * writes the final stream, compressing them. The sbuf passed to the
     * writers must then be the `buf` of a struct rdb_deferred. This moves
     * LZF off the thread that serialises (the forkless snapshot's walk on
     * the event loop) to the one that writes. */
    RDB_LZF_DEFERRED = 2,
};

struct rdb_span {
    size_t off, len; /* raw string bytes in buf, without a length prefix */
};

struct rdb_deferred {
    struct sbuf buf;
    struct rdb_span *spans;
    size_t nspans, cap;
};

/* Appends d's final RDB bytes to out: spans become LZF strings (or length
 * plus raw bytes when LZF does not gain), the rest is copied. pace (when
 * not NULL) is called with arg after each string that brings the input
 * since the last call to RDB_PACE_BYTES, so a background thread can give
 * way between pieces of work (one long string is one piece). */
#define RDB_PACE_BYTES (32u << 10)
typedef void rdb_pace_fn(void *arg);
void rdb_deferred_resolve(const struct rdb_deferred *d, struct sbuf *out, rdb_pace_fn *pace, void *arg);
/* Empties d, keeping its memory. */
void rdb_deferred_reset(struct rdb_deferred *d);
void rdb_deferred_free(struct rdb_deferred *d);

void rdb_put_u8(struct sbuf *b, unsigned v);
void rdb_put_len(struct sbuf *b, uint64_t len);
/* A string: as an integer when it is one that round-trips (at most 11
 * bytes), LZF-compressed when `compress` and it is long enough to gain,
 * else raw. */
void rdb_put_str(struct sbuf *b, const char *p, size_t len, int compress);
/* "REDIS0010" and the auxiliary fields Redis 7.0 writes (redis-ver,
 * redis-bits, ctime, used-mem, aof-base). */
void rdb_put_header(struct sbuf *b, long long used_mem, bool aof_base);
void rdb_put_aux(struct sbuf *b, const char *name, const char *val);
void rdb_put_selectdb(struct sbuf *b, int db);
void rdb_put_resizedb(struct sbuf *b, uint64_t keys, uint64_t expires);
/* The RDB type byte a value is written with, as Redis 7.0 writes it: a
 * string STRING, a list LIST_QUICKLIST_2, an intset SET_INTSET and any
 * other set SET, listpack hashes and sorted sets HASH_LISTPACK and
 * ZSET_LISTPACK, the large ones HASH and ZSET_2. */
int rdb_value_type(const struct obj *o);
/* The value alone, without its type byte. */
void rdb_put_value(struct sbuf *b, const struct obj *o, int compress);
/* One key: [EXPIRETIME_MS] type key value. expire_ms < 0: no TTL. */
void rdb_put_key(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                 long long expire_ms, int compress);
/* The same with the key's access data before its type, as Redis 7.0
 * writes it: IDLE (idle_s >= 0, seconds) or FREQ (freq >= 0, the LFU
 * counter); -1 for none. */
void rdb_put_key_ex(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                    long long expire_ms, long long idle_s, int freq, int compress);
/* What a snapshot writes for ke: FREQ under an LFU maxmemory-policy
 * (ks->lfu.on), IDLE under an LRU one (lru_policy), neither otherwise. */
void rdb_key_meta(const struct keyspace *ks, bool lru_policy, const struct kentry *ke,
                  long long *idle_s, int *freq);
/* EOF opcode; the caller appends the 8-byte checksum (rdb_put_crc) of
 * everything up to and including it. */
void rdb_put_eof(struct sbuf *b);
void rdb_put_crc(struct sbuf *b, uint64_t crc);

/* ---- reading ------------------------------------------------------------ */

/* The encoding limits a loaded value is built under: the *-max-*
 * directives, so a loaded value gets the encoding the same contents would
 * get from commands (a listpack hash with more fields than
 * hash-max-listpack-entries becomes a hash table, a small sorted set
 * written as a skip list becomes a listpack, ...). */
struct rdb_limits {
    int list_fill;                      /* list-max-listpack-size */
    int list_depth;                     /* list-compress-depth */
    long long hash_entries, hash_value; /* hash-max-listpack-entries/-value */
    long long set_intset_entries;       /* set-max-intset-entries */
    long long zset_entries, zset_value; /* zset-max-listpack-entries/-value */
};
struct config;
void rdb_limits_from_config(struct rdb_limits *l, const struct config *cfg);
/* Redis 7.0's defaults (-2, 0, 128/64, 512, 128/64). */
void rdb_limits_default(struct rdb_limits *l);

struct rdb_in {
    const uint8_t *p;
    size_t len, pos;
    char err[128]; /* set on the first failure */
    const struct rdb_limits *lim; /* NULL: rdb_limits_default() */
    bool empty; /* the failure is only that the value was empty (a collection
                 * with no elements): file loading skips such keys, as Redis
                 * does, where RESTORE refuses them */
};

/* Is t a value type byte (not an opcode)? Includes the types Apiary cannot
 * load (modules, streams), which rdb_load_value refuses by name. */
bool rdb_is_value_type(int t);

/* A value of `type` (an RDB type byte) read from in at in->pos, which ends
 * just after it; NULL with in->err set ("... at offset N", N counted from
 * in->p) when it is malformed (lengths beyond the buffer, bad encodings, a
 * listpack/intset/ziplist/zipmap that fails its checks, duplicate members
 * or fields, NaN scores, an unsupported type ...). The caller owns the
 * value. */
struct obj *rdb_load_value(struct rdb_in *in, int type);

struct rdb_load_stats {
    long long keys_loaded, keys_expired;
    int version;
    long long keys_empty; /* empty collections skipped */
};
/* Loads a whole RDB image into ks (which should be empty); keys expired at
 * ks->now_ms (the wall clock when 0) are skipped, and so are empty
 * collections (both counted, as Redis does). Versions 1 to 10 are read;
 * the CRC is checked unless it is 0 (no CRC before version 5). Returns
 * 0, or -1 with err set (naming the offset); ks then holds the keys loaded
 * before the error, for the caller to flush or exit on. */
int rdb_load_buf(struct keyspace *ks, const uint8_t *p, size_t len, struct rdb_load_stats *st,
                 char *err, size_t errlen);
/* Maps path and loads it; 1 if the file does not exist, 0 loaded, -1 error. */
int rdb_load_file(struct keyspace *ks, const char *path, struct rdb_load_stats *st, char *err,
                  size_t errlen);
/* The same, building values under lim (NULL: the defaults). The plain
 * versions above use the defaults. */
int rdb_load_buf_with(struct keyspace *ks, const uint8_t *p, size_t len,
                      const struct rdb_limits *lim, struct rdb_load_stats *st, char *err,
                      size_t errlen);
int rdb_load_file_with(struct keyspace *ks, const char *path, const struct rdb_limits *lim,
                       struct rdb_load_stats *st, char *err, size_t errlen);

/* Sets a loaded or restored key's access data the way Redis does: under an
 * LFU policy the counter to freq (when >= 0), otherwise the access clock to
 * idle seconds ago (when >= 0). Nothing changes for -1. */
void rdb_apply_lru(struct keyspace *ks, struct kentry *ke, long long idle, int freq);

#endif
