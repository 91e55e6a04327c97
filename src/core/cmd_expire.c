/* cmd_expire: TTL commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with
 * NX|XX|GT|LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST.
 *
 * Times are unix milliseconds in the keyspace; the command time
 * (ks.now_ms) is the base for relative times, so a key cannot expire half
 * way through a command. Setting a time that is already past deletes the
 * key at once; that is a deletion by the user (like DEL), not an expiry, so
 * it does not count in expired_keys.
 *
 * Propagation (core/propagate.h), as Redis 7.0: a TTL that was set goes
 * out as PEXPIREAT key <unix-ms> with the command's NX|XX|GT|LT words (a
 * replay decides them on the same state, so they hold again); a key
 * deleted because the time is past goes out as DEL, or UNLINK under
 * lazyfree-lazy-expire (which also frees it lazily). While loading
 * (lazy expiry off) a past time is stored, not acted upon. */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/server.h"

#include <stdio.h>

enum {
    EXP_NX = 1 << 0,
    EXP_XX = 1 << 1,
    EXP_GT = 1 << 2,
    EXP_LT = 1 << 3,
};

/* Lookup that counts a hit/miss but leaves the access clock alone (TTL and
 * friends must not make a key look recently used). */
static struct kentry *lookup_notouch(struct client *c, const struct slice *key)
{
    struct keyspace *ks = &c->srv->ks;
    struct kentry *ke = db_lookup_quiet(ks, c->db, key->p, key->len);
    if (ke) ks->stats.keyspace_hits++;
    else ks->stats.keyspace_misses++;
    return ke;
}

static void reply_invalid_expire(struct client *c)
{
    reply_errorf(c, "ERR invalid expire time in '%s' command", c->cmd->fullname);
}

/* Parses the NX|XX|GT|LT words from argv[3] on into *flags; replies the
 * error and returns false on an unknown or conflicting word. */
static bool parse_expire_flags(struct client *c, int *flags)
{
    int f = 0;
    for (int i = 3; i < c->argc; i++) {
        const struct slice *a = &c->argv[i];
        if (util_eqi(a->p, a->len, "nx")) f |= EXP_NX;
        else if (util_eqi(a->p, a->len, "xx")) f |= EXP_XX;
        else if (util_eqi(a->p, a->len, "gt")) f |= EXP_GT;
        else if (util_eqi(a->p, a->len, "lt")) f |= EXP_LT;
        else {
            int n = a->len > 128 ? 128 : (int)a->len;
            char msg[180];
            snprintf(msg, sizeof(msg), "ERR Unsupported option %.*s", n, a->p);
            for (char *p = msg; *p; p++)
                if (*p == '\r' || *p == '\n') *p = ' ';
            reply_error(c, msg);
            return false;
        }
    }
    if ((f & EXP_NX) && (f & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((f & EXP_GT) && (f & EXP_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    *flags = f;
    return true;
}

/* Propagates PEXPIREAT key <when> followed by the command's option words
 * (argv[3] on), as written. */
static void prop_pexpireat(struct client *c, long long when)
{
    char num[UTIL_LL_STR_SIZE];
    struct slice small[8];
    int argc = c->argc;
    struct slice *v = argc <= 8 ? small : mem_alloc(sizeof(*v) * (size_t)argc);
    v[0] = (struct slice){"PEXPIREAT", 9};
    v[1] = c->argv[1];
    v[2] = (struct slice){num, (size_t)util_ll2str(num, when)};
    for (int i = 3; i < argc; i++) v[i] = c->argv[i];
    prop_command(c, argc, v);
    if (v != small) mem_free(v);
}

/* The four EXPIRE commands: `seconds` is the unit of the argument,
 * `relative` whether it counts from now. Replies 1 when the TTL was set (or
 * the key deleted because the time is past), 0 when the key is missing or a
 * condition flag refused the change. */
static void expire_generic(struct client *c, bool seconds, bool relative)
{
    struct keyspace *ks = &c->srv->ks;
    int flags;
    if (!parse_expire_flags(c, &flags)) return;
    long long when;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &when)) {
        reply_err_notint(c);
        return;
    }
    if (!db_expire_to_abs_ms(ks->now_ms, when, seconds, relative, &when)) {
        reply_invalid_expire(c);
        return;
    }
    struct kentry *ke = db_lookup(ks, c->db, c->argv[1].p, c->argv[1].len);
    if (!ke) {
        reply_ll(c, 0);
        return;
    }
    if (flags) {
        long long cur = db_get_expire(c->db, ke); /* -1: no TTL, i.e. infinite */
        bool refuse = ((flags & EXP_NX) && cur != -1) || ((flags & EXP_XX) && cur == -1) ||
                      ((flags & EXP_GT) && (cur == -1 || when <= cur)) ||
                      ((flags & EXP_LT) && cur != -1 && when >= cur);
        if (refuse) {
            reply_ll(c, 0);
            return;
        }
    }
    if (when <= ks->now_ms && ks->lazy_expire) {
        /* already past: the key goes now (a user deletion, not an expiry) */
        bool lazy = ks->lazyfree.expire;
        db_unlink(ks, c->db, c->argv[1].p, c->argv[1].len, lazy);
        notify_key(c, NOTIFY_GENERIC, "del", c->argv[1].p, c->argv[1].len);
        prop_del(c, c->argv[1].p, c->argv[1].len, lazy);
    } else {
        db_set_expire(c->db, ke, when);
        notify_key(c, NOTIFY_GENERIC, "expire", c->argv[1].p, c->argv[1].len);
        if (seconds || relative) prop_pexpireat(c, when);
        /* PEXPIREAT itself propagates as it came */
    }
    c->srv->dirty++;
    reply_ll(c, 1);
}

static void expire_cmd(struct client *c) { expire_generic(c, true, true); }
static void pexpire_cmd(struct client *c) { expire_generic(c, false, true); }
static void expireat_cmd(struct client *c) { expire_generic(c, true, false); }
static void pexpireat_cmd(struct client *c) { expire_generic(c, false, false); }

/* TTL/PTTL (relative: the remaining time; TTL rounds to the nearest
 * second, as Redis does) and EXPIRETIME/PEXPIRETIME (the absolute unix
 * time); all reply -2 for a missing key and -1 for a key without TTL. */
static void ttl_generic(struct client *c, bool ms, bool relative)
{
    struct kentry *ke = lookup_notouch(c, &c->argv[1]);
    if (!ke) {
        reply_ll(c, -2);
        return;
    }
    long long when = db_get_expire(c->db, ke);
    if (when == -1) {
        reply_ll(c, -1);
        return;
    }
    if (!relative) {
        reply_ll(c, ms ? when : when / 1000);
        return;
    }
    long long left = when - c->srv->ks.now_ms;
    if (left < 0) left = 0;
    reply_ll(c, ms ? left : (left + 500) / 1000);
}

static void ttl_cmd(struct client *c) { ttl_generic(c, false, true); }
static void pttl_cmd(struct client *c) { ttl_generic(c, true, true); }
static void expiretime_cmd(struct client *c) { ttl_generic(c, false, false); }
static void pexpiretime_cmd(struct client *c) { ttl_generic(c, true, false); }

static void persist_cmd(struct client *c)
{
    struct kentry *ke = db_lookup(&c->srv->ks, c->db, c->argv[1].p, c->argv[1].len);
    if (ke && db_persist(c->db, ke)) {
        c->srv->dirty++;
        notify_key(c, NOTIFY_GENERIC, "persist", c->argv[1].p, c->argv[1].len);
        reply_ll(c, 1);
        return;
    }
    reply_ll(c, 0);
}

struct command expire_commands[] = {
    {"expire", expire_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Sets the expiration time of a key in seconds", "1.0.0", "generic"},
    {"pexpire", pexpire_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Sets the expiration time of a key in milliseconds", "2.6.0", "generic"},
    {"expireat", expireat_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Sets the expiration time of a key to a Unix timestamp", "1.2.0", "generic"},
    {"pexpireat", pexpireat_cmd, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Sets the expiration time of a key to a Unix milliseconds timestamp", "2.6.0", "generic"},
    {"ttl", ttl_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@keyspace @read @fast",
     "Returns the expiration time in seconds of a key", "1.0.0", "generic"},
    {"pttl", pttl_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@keyspace @read @fast",
     "Returns the expiration time in milliseconds of a key", "2.6.0", "generic"},
    {"expiretime", expiretime_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@keyspace @read @fast",
     "Returns the expiration time of a key as a Unix timestamp", "7.0.0", "generic"},
    {"pexpiretime", pexpiretime_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@keyspace @read @fast",
     "Returns the expiration time of a key as a Unix milliseconds timestamp", "7.0.0", "generic"},
    {"persist", persist_cmd, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Removes the expiration time of a key", "2.2.0", "generic"},
    {NULL}};
