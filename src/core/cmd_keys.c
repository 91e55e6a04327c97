/* cmd_keys: generic keyspace commands: DEL, UNLINK, EXISTS, TOUCH, TYPE,
 * KEYS, SCAN, RANDOMKEY, DBSIZE, RENAME, RENAMENX, MOVE, COPY, SWAPDB,
 * FLUSHDB, FLUSHALL and OBJECT.
 *
 * They work on any value type through obj_type_name()/obj_enc_name() and
 * obj_dup(), so data types added later need nothing here. Every change to
 * the keyspace bumps srv->dirty by the number of keys it touched, and so
 * propagates the command (core/propagate.h); a command that changes
 * nothing (RENAME of a key to itself, SWAPDB of a db with itself) bumps
 * nothing. FLUSHDB and FLUSHALL always propagate, as in Redis 7.0, even
 * when there was nothing to flush: a replica or an AOF written on top of
 * another dataset must end up as empty as this one (and FLUSHALL's save
 * resets srv->dirty, so the count could not tell). */
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/multi.h"
#include "core/notify.h"
#include "core/propagate.h"
#include "core/reply.h"
#include "core/scan.h"
#include "core/server.h"
#include "core/tracking.h"

#include <limits.h>
#include <string.h>

/* Is an LFU policy set (the keyspace keeps LFU data, not access times)? */
static bool policy_is_lfu(const struct server *srv) { return srv->ks.lfu.on; }

/* Lookup counting a hit/miss without touching the access clock (EXISTS,
 * TYPE, OBJECT must not make a key look recently used). */
static struct kentry *lookup_notouch(struct client *c, struct db *db, const struct slice *key)
{
    struct keyspace *ks = &c->srv->ks;
    struct kentry *ke = db_lookup_quiet(ks, db, key->p, key->len);
    if (ke) ks->stats.keyspace_hits++;
    else ks->stats.keyspace_misses++;
    return ke;
}

static inline bool slice_eq(const struct slice *a, const struct slice *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* A DB index argument as Redis's getIntFromObject reads it: false if it is
 * not an integer or does not fit an int. */
static bool parse_int_arg(const struct slice *a, int *out)
{
    long long v;
    if (!util_str2ll(a->p, a->len, &v) || v < INT_MIN || v > INT_MAX) return false;
    *out = (int)v;
    return true;
}

/* ---- DEL, UNLINK, EXISTS, TOUCH, TYPE, DBSIZE ---------------------------- */

/* UNLINK hands large values to the lazy free thread; DEL does too when
 * lazyfree-lazy-user-del is yes. Small values are freed inline either way. */
static void del_generic(struct client *c, bool lazy)
{
    struct keyspace *ks = &c->srv->ks;
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (db_unlink(ks, c->db, c->argv[i].p, c->argv[i].len, lazy)) {
            n++;
            notify_key(c, NOTIFY_GENERIC, "del", c->argv[i].p, c->argv[i].len);
        }
    c->srv->dirty += n;
    reply_ll(c, n);
}

static void del_cmd(struct client *c) { del_generic(c, c->srv->cfg.lazyfree_lazy_user_del); }
static void unlink_cmd(struct client *c) { del_generic(c, true); }

/* Counts every argument that names a live key, repeats included. */
static void exists_cmd(struct client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (lookup_notouch(c, c->db, &c->argv[i])) n++;
    reply_ll(c, n);
}

static void touch_cmd(struct client *c)
{
    long long n = 0;
    for (int i = 1; i < c->argc; i++)
        if (db_lookup_read(&c->srv->ks, c->db, c->argv[i].p, c->argv[i].len)) n++;
    reply_ll(c, n);
}

static void type_cmd(struct client *c)
{
    struct kentry *ke = lookup_notouch(c, c->db, &c->argv[1]);
    reply_simple(c, ke ? obj_type_name(ke->val) : "none");
}

static void dbsize_cmd(struct client *c) { reply_ll(c, (long long)db_size(c->db)); }

/* ---- KEYS ----------------------------------------------------------------- */

struct keys_ctx {
    struct client *c;
    struct db *db;
    const char *pat;
    size_t plen;
    bool all;
    long long n;
};

static void keys_cb(struct htab_node *n, void *priv)
{
    struct keys_ctx *k = priv;
    struct kentry *ke = (struct kentry *)n;
    if (!k->all && !util_glob_match(k->pat, k->plen, ke->key, ke->klen, false)) return;
    /* expired keys are hidden but not deleted: the table may not change
     * while it is being walked */
    if (db_entry_expired(&k->c->srv->ks, k->db, ke)) return;
    reply_bulk(k->c, ke->key, ke->klen);
    k->n++;
}

static void keys_cmd(struct client *c)
{
    const struct slice *p = &c->argv[1];
    struct keys_ctx k = {c, c->db, p->p, p->len, p->len == 1 && p->p[0] == '*', 0};
    reply_defer_t d = reply_defer(c);
    htab_foreach(&c->db->keys, keys_cb, &k);
    reply_defer_array(c, d, k.n);
}

/* ---- SCAN ------------------------------------------------------------------ */

/* Entries collected by one SCAN call: a stack buffer first, the heap only
 * when a large COUNT collects more. */
struct scan_ctx {
    struct kentry **v;
    size_t n, cap;
    struct kentry **local;
};

static void scan_cb(struct htab_node *n, void *priv)
{
    struct scan_ctx *s = priv;
    if (s->n == s->cap) {
        size_t ncap = s->cap * 2;
        if (s->v == s->local) {
            struct kentry **v = mem_alloc(ncap * sizeof(*v));
            memcpy(v, s->v, s->n * sizeof(*v));
            s->v = v;
        } else {
            s->v = mem_realloc(s->v, ncap * sizeof(*s->v));
        }
        s->cap = ncap;
    }
    s->v[s->n++] = (struct kentry *)n;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
 * Collects whole buckets until it holds COUNT keys or has visited
 * 10*COUNT buckets (so a sparse table cannot make one call long), then
 * filters by pattern,
 * expiry (expired keys are deleted, as a lookup would) and type. The
 * table is not modified while it is being scanned. */
static void scan_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    struct scan_args sa;
    if (!scan_parse_args(c, 1, true, &sa)) return;
    unsigned long long cursor = sa.cursor;
    long long count = sa.count;
    const struct slice *pat = sa.pat, *type = sa.type;

    struct db *db = c->db;
    struct kentry *local[64];
    struct scan_ctx s = {local, 0, 64, local};
    unsigned long long max_iter =
        (unsigned long long)count > ULLONG_MAX / 10 ? ULLONG_MAX : (unsigned long long)count * 10;
    do {
        cursor = htab_scan(&db->keys, cursor, scan_cb, &s);
    } while (cursor && --max_iter && s.n < (unsigned long long)count);

    size_t kept = 0;
    for (size_t i = 0; i < s.n; i++) {
        struct kentry *ke = s.v[i];
        if (pat && !util_glob_match(pat->p, pat->len, ke->key, ke->klen, false)) continue;
        if (db_expire_if_needed(ks, db, ke)) continue; /* ke is freed */
        if (type && !util_eqi(type->p, type->len, obj_type_name(ke->val))) continue;
        s.v[kept++] = ke;
    }

    char buf[UTIL_LL_STR_SIZE];
    int blen = util_ull2str(buf, cursor);
    reply_array(c, 2);
    reply_bulk(c, buf, (size_t)blen);
    reply_array(c, (long long)kept);
    for (size_t i = 0; i < kept; i++) reply_bulk(c, s.v[i]->key, s.v[i]->klen);
    if (s.v != local) mem_free(s.v);
}

/* ---- RANDOMKEY --------------------------------------------------------------- */

static void randomkey_cmd(struct client *c)
{
    struct kentry *ke = db_random(&c->srv->ks, c->db);
    if (ke) reply_bulk(c, ke->key, ke->klen);
    else reply_null(c);
}

/* ---- RENAME, RENAMENX, MOVE, COPY ------------------------------------------ */

/* Moves the value (not a copy) under the new name; the TTL and the access
 * clock travel with it, and any TTL of an overwritten target is dropped. */
static void rename_generic(struct client *c, bool nx)
{
    struct keyspace *ks = &c->srv->ks;
    const struct slice *src = &c->argv[1], *dst = &c->argv[2];
    struct kentry *ke = db_lookup(ks, c->db, src->p, src->len);
    if (!ke) {
        reply_err_nokey(c);
        return;
    }
    if (slice_eq(src, dst)) {
        if (nx) reply_ll(c, 0);
        else reply_ok(c);
        return;
    }
    if (nx && db_lookup(ks, c->db, dst->p, dst->len)) {
        reply_ll(c, 0);
        return;
    }
    uint32_t lru = ke->lru;
    long long when;
    struct obj *val = db_take_entry(ks, c->db, ke, &when);
    struct kentry *nke = db_set(ks, c->db, dst->p, dst->len, val, false);
    nke->lru = lru;
    if (when != -1) db_set_expire(c->db, nke, when);
    c->srv->dirty++;
    notify_key(c, NOTIFY_GENERIC, "rename_from", src->p, src->len);
    notify_key(c, NOTIFY_GENERIC, "rename_to", dst->p, dst->len);
    if (nx) reply_ll(c, 1);
    else reply_ok(c);
}

static void rename_cmd(struct client *c) { rename_generic(c, false); }
static void renamenx_cmd(struct client *c) { rename_generic(c, true); }

static void move_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    int id;
    if (!parse_int_arg(&c->argv[2], &id)) {
        reply_err_notint(c);
        return;
    }
    if (id < 0 || id >= ks->ndb) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    struct db *dst = ks_db(ks, id);
    if (dst == c->db) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    const struct slice *key = &c->argv[1];
    struct kentry *ke = db_lookup(ks, c->db, key->p, key->len);
    if (!ke || db_lookup(ks, dst, key->p, key->len)) {
        reply_ll(c, 0);
        return;
    }
    uint32_t lru = ke->lru;
    long long when;
    struct obj *val = db_take_entry(ks, c->db, ke, &when);
    struct kentry *nke = db_add(ks, dst, key->p, key->len, val);
    nke->lru = lru;
    if (when != -1) db_set_expire(dst, nke, when);
    c->srv->dirty++;
    notify_key(c, NOTIFY_GENERIC, "move_from", key->p, key->len);
    notify_keyspace_event(c->srv, NOTIFY_GENERIC, "move_to", key->p, key->len, dst->id);
    reply_ll(c, 1);
}

/* COPY source destination [DB index] [REPLACE]: an independent copy of the
 * value, with the source's TTL. */
static void copy_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    struct db *dstdb = c->db;
    bool replace = false;
    for (int i = 3; i < c->argc; i++) {
        const struct slice *a = &c->argv[i];
        if (util_eqi(a->p, a->len, "replace")) {
            replace = true;
        } else if (util_eqi(a->p, a->len, "db") && i + 1 < c->argc) {
            long long id;
            if (!util_str2ll(c->argv[i + 1].p, c->argv[i + 1].len, &id)) {
                reply_err_notint(c);
                return;
            }
            if (id < 0 || id >= ks->ndb) {
                reply_error(c, "ERR DB index is out of range");
                return;
            }
            dstdb = ks_db(ks, (int)id);
            i++;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    const struct slice *src = &c->argv[1], *dst = &c->argv[2];
    if (dstdb == c->db && slice_eq(src, dst)) {
        reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    struct kentry *ke = db_lookup_read(ks, c->db, src->p, src->len);
    if (!ke) {
        reply_ll(c, 0);
        return;
    }
    struct kentry *old = db_lookup(ks, dstdb, dst->p, dst->len);
    if (old && !replace) {
        reply_ll(c, 0);
        return;
    }
    struct obj *copy = obj_dup(ke->val);
    if (!copy) {
        reply_error(c, "ERR COPY of this type is not supported yet");
        return;
    }
    long long when = db_get_expire(c->db, ke);
    struct kentry *nke = old ? db_set(ks, dstdb, dst->p, dst->len, copy, false)
                             : db_add(ks, dstdb, dst->p, dst->len, copy);
    if (when != -1) db_set_expire(dstdb, nke, when);
    c->srv->dirty++;
    notify_keyspace_event(c->srv, NOTIFY_GENERIC, "copy_to", dst->p, dst->len, dstdb->id);
    reply_ll(c, 1);
}

/* ---- SWAPDB, FLUSHDB, FLUSHALL ------------------------------------------- */

static void swapdb_cmd(struct client *c)
{
    struct keyspace *ks = &c->srv->ks;
    int a, b;
    if (!parse_int_arg(&c->argv[1], &a)) {
        reply_error(c, "ERR invalid first DB index");
        return;
    }
    if (!parse_int_arg(&c->argv[2], &b)) {
        reply_error(c, "ERR invalid second DB index");
        return;
    }
    if (a < 0 || a >= ks->ndb || b < 0 || b >= ks->ndb) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    /* contents are swapped in place: clients keep their db number and see
     * the other db's keys */
    if (a != b) {
        watch_touch_db(c->srv, ks_db(ks, a), ks_db(ks, b));
        watch_touch_db(c->srv, ks_db(ks, b), ks_db(ks, a));
        db_swap(ks, ks_db(ks, a), ks_db(ks, b));
        /* clients waiting in either db may find their keys there now */
        blocking_signal_db(c->srv, ks_db(ks, a));
        blocking_signal_db(c->srv, ks_db(ks, b));
        c->srv->dirty++;
    }
    reply_ok(c);
}

/* [ASYNC|SYNC] into *async (no flag: lazyfree-lazy-user-flush); false
 * (after replying) on anything else. */
static bool parse_flush_mode(struct client *c, bool *async)
{
    *async = c->srv->cfg.lazyfree_lazy_user_flush;
    if (c->argc > 2) {
        reply_err_syntax(c);
        return false;
    }
    if (c->argc == 2) {
        if (util_eqi(c->argv[1].p, c->argv[1].len, "async")) {
            *async = true;
        } else if (util_eqi(c->argv[1].p, c->argv[1].len, "sync")) {
            *async = false;
        } else {
            reply_err_syntax(c);
            return false;
        }
    }
    return true;
}

static void flushdb_cmd(struct client *c)
{
    bool async;
    if (!parse_flush_mode(c, &async)) return;
    watch_touch_db(c->srv, c->db, NULL);
    tracking_flush(c->srv);
    c->srv->dirty += db_flush(&c->srv->ks, c->db, async);
    prop_command(c, c->argc, c->argv);
    reply_ok(c);
}

static void flushall_cmd(struct client *c)
{
    bool async;
    if (!parse_flush_mode(c, &async)) return;
    struct keyspace *ks = &c->srv->ks;
    long long n = 0;
    tracking_flush(c->srv);
    if (c->srv->persist_hooks) c->srv->persist_hooks->flushall(c->srv, false);
    for (int i = 0; i < ks->ndb; i++) {
        watch_touch_db(c->srv, ks_db(ks, i), NULL);
        n += db_flush(ks, ks_db(ks, i), async);
    }
    c->srv->dirty += n;
    if (c->srv->persist_hooks) c->srv->persist_hooks->flushall(c->srv, true);
    c->srv->dirty++;
    prop_command(c, c->argc, c->argv);
    reply_ok(c);
}

/* ---- OBJECT ------------------------------------------------------------ */

static void object_encoding_cmd(struct client *c)
{
    struct kentry *ke = lookup_notouch(c, c->db, &c->argv[2]);
    if (!ke) reply_null(c);
    else reply_bulk_cstr(c, obj_enc_name(ke->val));
}

/* Shared values report INT_MAX like Redis's shared objects; a value owned
 * by one key reports 1. */
static void object_refcount_cmd(struct client *c)
{
    struct kentry *ke = lookup_notouch(c, c->db, &c->argv[2]);
    if (!ke) reply_null(c);
    else reply_ll(c, (ke->val->flags & OBJ_F_SHARED) ? INT_MAX : 1);
}

/* Seconds since the last access, from the 24-bit seconds LRU clock (which
 * wraps every ~194 days). */
static void object_idletime_cmd(struct client *c)
{
    struct kentry *ke = lookup_notouch(c, c->db, &c->argv[2]);
    if (!ke) {
        reply_null(c);
        return;
    }
    if (policy_is_lfu(c->srv)) {
        reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.");
        return;
    }
    uint32_t now = ks_lru_clock(&c->srv->ks), lru = ke->lru & KE_LRU_MAX;
    uint32_t idle = now >= lru ? now - lru : now + (KE_LRU_MAX - lru);
    reply_ll(c, (long long)idle);
}

/* Under an LFU policy ke->lru holds the LFU data; its low 8 bits are the
 * logarithmic access counter. */
static void object_freq_cmd(struct client *c)
{
    struct kentry *ke = lookup_notouch(c, c->db, &c->argv[2]);
    if (!ke) {
        reply_null(c);
        return;
    }
    if (!policy_is_lfu(c->srv)) {
        reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.");
        return;
    }
    reply_ll(c, (long long)ks_lfu_counter(&c->srv->ks, ke->lru));
}

static void object_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the internal encoding of the value stored at <key>.",
        "FREQ <key>",
        "    Return the logarithmic access frequency counter of <key> (LFU policies only).",
        "IDLETIME <key>",
        "    Return the seconds since <key> was last accessed (not under LFU policies).",
        "REFCOUNT <key>",
        "    Return the number of references to the value stored at <key>.",
        NULL};
    reply_help(c, "OBJECT", lines);
}

static struct command object_subcommands[] = {
    {"encoding", object_encoding_cmd, 3, CMD_READONLY, 2, 2, 1, "@keyspace @read @slow",
     "Returns the internal encoding of a Redis object", "2.2.3", "generic"},
    {"freq", object_freq_cmd, 3, CMD_READONLY, 2, 2, 1, "@keyspace @read @slow",
     "Returns the logarithmic access frequency counter of a Redis object", "4.0.0", "generic"},
    {"idletime", object_idletime_cmd, 3, CMD_READONLY, 2, 2, 1, "@keyspace @read @slow",
     "Returns the time since the last access to a Redis object", "2.2.3", "generic"},
    {"refcount", object_refcount_cmd, 3, CMD_READONLY, 2, 2, 1, "@keyspace @read @slow",
     "Returns the reference count of a value of a key", "2.2.3", "generic"},
    {"help", object_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@keyspace @slow",
     "Returns helpful text about the different subcommands", "6.2.0", "generic"},
    {NULL}};

/* Reached only if dispatch did not pick a subcommand. */
static void object_cmd(struct client *c) { reply_err_arity(c, "object"); }

struct command keys_commands[] = {
    {"del", del_cmd, -2, CMD_WRITE, 1, -1, 1, "@keyspace @write @slow",
     "Deletes one or more keys", "1.0.0", "generic"},
    {"unlink", unlink_cmd, -2, CMD_WRITE | CMD_FAST, 1, -1, 1, "@keyspace @write @fast",
     "Asynchronously deletes one or more keys", "4.0.0", "generic"},
    {"exists", exists_cmd, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "@keyspace @read @fast",
     "Determines whether one or more keys exist", "1.0.0", "generic"},
    {"touch", touch_cmd, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "@keyspace @read @fast",
     "Returns the number of existing keys out of those specified after updating the time they "
     "were last accessed",
     "3.2.1", "generic"},
    {"type", type_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@keyspace @read @fast",
     "Determines the type of value stored at a key", "1.0.0", "generic"},
    {"keys", keys_cmd, 2, CMD_READONLY, 0, 0, 0, "@keyspace @read @slow @dangerous",
     "Returns all key names that match a pattern", "1.0.0", "generic"},
    {"scan", scan_cmd, -2, CMD_READONLY, 0, 0, 0, "@keyspace @read @slow",
     "Iterates over the key names in the database", "2.8.0", "generic"},
    {"randomkey", randomkey_cmd, 1, CMD_READONLY, 0, 0, 0, "@keyspace @read @slow",
     "Returns a random key name from the database", "1.0.0", "generic"},
    {"dbsize", dbsize_cmd, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "@keyspace @read @fast",
     "Returns the number of keys in the database", "1.0.0", "server"},
    {"rename", rename_cmd, 3, CMD_WRITE, 1, 2, 1, "@keyspace @write @slow",
     "Renames a key and overwrites the destination", "1.0.0", "generic"},
    {"renamenx", renamenx_cmd, 3, CMD_WRITE | CMD_FAST, 1, 2, 1, "@keyspace @write @fast",
     "Renames a key only when the target key name doesn't exist", "1.0.0", "generic"},
    {"move", move_cmd, 3, CMD_WRITE | CMD_FAST, 1, 1, 1, "@keyspace @write @fast",
     "Moves a key to another database", "1.0.0", "generic"},
    {"copy", copy_cmd, -3, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "@keyspace @write @slow",
     "Copies the value of a key to a new key", "6.2.0", "generic"},
    {"swapdb", swapdb_cmd, 3, CMD_WRITE | CMD_FAST, 0, 0, 0,
     "@keyspace @write @fast @dangerous", "Swaps two Redis databases", "4.0.0", "server"},
    {"flushdb", flushdb_cmd, -1, CMD_WRITE, 0, 0, 0, "@keyspace @write @slow @dangerous",
     "Removes all keys from the current database", "1.0.0", "server"},
    {"flushall", flushall_cmd, -1, CMD_WRITE, 0, 0, 0, "@keyspace @write @slow @dangerous",
     "Removes all keys from all databases", "1.0.0", "server"},
    {"object", object_cmd, -2, 0, 0, 0, 0, "@slow", "A container for object introspection commands",
     "2.2.3", "generic", object_subcommands},
    {NULL}};
