/* cmd_dump: DUMP and RESTORE, a value moved as an RDB fragment.
 *
 * A payload is
 *
 *   <type byte> <value, as in an RDB file> <RDB version: u16 LE> <CRC-64: u64 LE>
 *
 * the CRC (base/crc64.h) covering everything before it. DUMP writes RDB
 * version 10; RESTORE accepts any version up to 10 and refuses a payload
 * whose checksum does not match (there is no switch to skip it).
 *
 * RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] checks,
 * in Redis 7.0's order: the options, that the key is absent (unless
 * REPLACE), the TTL, the payload's footer, then the value itself, which
 * must fill the payload exactly. Only then does it change the keyspace: a
 * TTL already in the past (ABSTTL) just deletes what REPLACE would have
 * replaced. The key is reported as "restore" (class g), which is also
 * what WATCH and client-side caching see.
 *
 * Propagation (core/propagate.h), as Redis 7.0: a relative TTL goes out as
 * the absolute time it became, with ABSTTL appended, so a replay sets the
 * same expiry; a past ABSTTL that only deleted the replaced key goes out
 * as DEL key. While loading (lazy expiry off) a past time is stored, as
 * EXPIREAT does. */
#include "base/crc64.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"
#include "persist/rdb.h"

#include <limits.h>
#include <string.h>

#define FOOTER 10 /* version (2) + CRC-64 (8) */

static void dump_cmd(struct client *c)
{
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, c->argv[1].p, c->argv[1].len);
    if (!ke) {
        reply_null(c);
        return;
    }
    struct sbuf b = {0};
    rdb_put_u8(&b, (unsigned)rdb_value_type(ke->val));
    rdb_put_value(&b, ke->val, c->srv->cfg.rdbcompression);
    unsigned char ver[2] = {RDB_VERSION & 0xff, RDB_VERSION >> 8};
    sbuf_cat(&b, ver, 2);
    rdb_put_crc(&b, crc64(0, b.p, b.len));
    reply_bulk(c, b.p, b.len);
    sbuf_free(&b);
}

/* The footer: a version we can read and a matching checksum. */
static bool payload_ok(const unsigned char *p, size_t len)
{
    if (len < FOOTER) return false;
    const unsigned char *f = p + len - FOOTER;
    unsigned ver = (unsigned)f[0] | (unsigned)f[1] << 8;
    if (ver > RDB_VERSION) return false;
    uint64_t stored = 0;
    for (int i = 0; i < 8; i++) stored |= (uint64_t)f[2 + i] << (8 * i);
    return crc64(0, p, len - 8) == stored;
}

static bool parse_ll(const struct slice *a, long long *v)
{
    return util_str2ll(a->p, a->len, v);
}

/* RESTORE with a relative TTL propagates as RESTORE key <unix-ms> payload
 * <its options> ABSTTL. */
static void prop_restore_absttl(struct client *c, long long when)
{
    char num[UTIL_LL_STR_SIZE];
    struct slice small[12];
    int argc = c->argc + 1;
    struct slice *v = argc <= 12 ? small : mem_alloc(sizeof(*v) * (size_t)argc);
    for (int i = 0; i < c->argc; i++) v[i] = c->argv[i];
    v[2] = (struct slice){num, (size_t)util_ll2str(num, when)};
    v[c->argc] = (struct slice){"ABSTTL", 6};
    prop_command(c, argc, v);
    if (v != small) mem_free(v);
}

static void restore_cmd(struct client *c)
{
    struct server *srv = c->srv;
    struct keyspace *ks = &srv->ks;
    bool replace = false, absttl = false;
    long long idle = -1, freq = -1, ttl;
    for (int i = 4; i < c->argc; i++) {
        const struct slice *a = &c->argv[i];
        bool more = i + 1 < c->argc;
        if (util_eqi(a->p, a->len, "replace")) {
            replace = true;
        } else if (util_eqi(a->p, a->len, "absttl")) {
            absttl = true;
        } else if (util_eqi(a->p, a->len, "idletime") && more && freq == -1) {
            if (!parse_ll(&c->argv[++i], &idle)) {
                reply_err_notint(c);
                return;
            }
            if (idle < 0) {
                reply_error(c, "ERR Invalid IDLETIME value, must be >= 0");
                return;
            }
        } else if (util_eqi(a->p, a->len, "freq") && more && idle == -1) {
            if (!parse_ll(&c->argv[++i], &freq)) {
                reply_err_notint(c);
                return;
            }
            if (freq < 0 || freq > 255) {
                reply_error(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    const struct slice *key = &c->argv[1];
    if (!replace && db_lookup(ks, c->db, key->p, key->len)) {
        reply_error(c, "BUSYKEY Target key name already exists.");
        return;
    }
    if (!parse_ll(&c->argv[2], &ttl)) {
        reply_err_notint(c);
        return;
    }
    if (ttl < 0) {
        reply_error(c, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    const unsigned char *p = (const unsigned char *)c->argv[3].p;
    size_t len = c->argv[3].len;
    if (!payload_ok(p, len)) {
        reply_error(c, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    struct rdb_limits lim;
    rdb_limits_from_config(&lim, &srv->cfg);
    struct rdb_in in = {.p = p, .len = len - FOOTER, .pos = 1, .lim = &lim};
    struct obj *val = NULL;
    if (len > FOOTER && rdb_is_value_type(p[0])) val = rdb_load_value(&in, p[0]);
    if (val && in.pos != in.len) {
        obj_free(val);
        val = NULL;
    }
    if (!val) {
        reply_error(c, "ERR Bad data format");
        return;
    }
    bool deleted = replace && db_delete(ks, c->db, key->p, key->len);
    if (ttl && !absttl) {
        /* overflow: Redis wraps; a TTL that far out is never reached either way */
        ttl = ttl > LLONG_MAX - ks->now_ms ? LLONG_MAX : ttl + ks->now_ms;
    }
    if (ttl && ttl <= ks->now_ms && ks->lazy_expire) {
        obj_free(val);
        if (deleted) {
            notify_key(c, NOTIFY_GENERIC, "del", key->p, key->len);
            srv->dirty++;
            prop_del(c, key->p, key->len, false);
        }
        reply_ok(c);
        return;
    }
    struct kentry *ke = db_add(ks, c->db, key->p, key->len, val);
    if (ttl) db_set_expire(c->db, ke, ttl);
    if (ttl && !absttl) prop_restore_absttl(c, ttl);
    rdb_apply_lru(ks, ke, idle, (int)freq);
    notify_key(c, NOTIFY_GENERIC, "restore", key->p, key->len);
    srv->dirty++;
    reply_ok(c);
}

struct command dump_commands[] = {
    {"dump", dump_cmd, 2, CMD_READONLY, 1, 1, 1, "@keyspace @read @slow",
     "Returns a serialized representation of the value stored at a key", "2.6.0", "generic"},
    {"restore", restore_cmd, -4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1,
     "@keyspace @write @slow @dangerous",
     "Creates a key from the serialized representation of a value", "2.6.0", "generic"},
    {NULL}};
