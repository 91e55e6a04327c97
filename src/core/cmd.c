/* cmd: command table and dispatch; see cmd.h. */
#include "core/cmd.h"

#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/evict.h"
#include "core/multi.h"
#include "core/replica.h"
#include "core/repl.h"
#include "core/reply.h"
#include "core/server.h"
#include "core/tracking.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static uint64_t cmd_node_hash(const struct htab_node *n)
{
    const struct command *c = htab_entry(n, struct command, node);
    return util_hash(c->name, strlen(c->name));
}

static bool cmd_node_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct command *c = htab_entry(n, struct command, node);
    return strlen(c->name) == klen && memcmp(c->name, key, klen) == 0;
}

static const struct htab_type cmd_type = {cmd_node_hash, cmd_node_eq};

void cmd_table_init(struct server *srv) { htab_init(&srv->commands, &cmd_type); }

static void free_latency_hist(struct command *c, void *priv)
{
    mem_free(c->latency_hist);
    c->latency_hist = NULL;
    if (c->subcommands)
        for (struct command *s = c->subcommands; s->name; s++) {
            mem_free(s->latency_hist);
            s->latency_hist = NULL;
        }
}

void cmd_table_deinit(struct server *srv)
{
    cmd_foreach(srv, free_latency_hist, NULL);
    htab_deinit(&srv->commands, NULL, NULL);
}

void cmd_register(struct server *srv, struct command *table)
{
    for (struct command *c = table; c->name; c++) {
        snprintf(c->fullname, sizeof(c->fullname), "%s", c->name);
        c->parent = NULL;
        htab_add(&srv->commands, util_hash(c->name, strlen(c->name)), &c->node);
        srv->ncommands++;
        if (c->subcommands) {
            for (struct command *s = c->subcommands; s->name; s++) {
                snprintf(s->fullname, sizeof(s->fullname), "%s|%s", c->name, s->name);
                s->parent = c;
            }
        }
    }
}

/* Lowercase into buf; false if too long to be a command name. */
static inline bool lower_name(const char *name, size_t len, char *buf)
{
    if (len == 0 || len >= 64) return false;
    for (size_t i = 0; i < len; i++) buf[i] = (char)tolower((unsigned char)name[i]);
    return true;
}

struct command *cmd_lookup(struct server *srv, const char *name, size_t len)
{
    char buf[64];
    if (!lower_name(name, len, buf)) return NULL;
    struct htab_node *n = htab_find(&srv->commands, util_hash(buf, len), buf, len);
    return n ? htab_entry(n, struct command, node) : NULL;
}

struct command *cmd_lookup_sub(struct command *parent, const char *name, size_t len)
{
    if (!parent->subcommands) return NULL;
    for (struct command *s = parent->subcommands; s->name; s++)
        if (strlen(s->name) == len && strncasecmp(s->name, name, len) == 0) return s;
    return NULL;
}

struct foreach_ctx {
    void (*fn)(struct command *, void *);
    void *priv;
};

static void foreach_cb(struct htab_node *n, void *p)
{
    struct foreach_ctx *fe = p;
    fe->fn(htab_entry(n, struct command, node), fe->priv);
}

void cmd_foreach(struct server *srv, void (*fn)(struct command *cmd, void *priv), void *priv)
{
    struct foreach_ctx fe = {fn, priv};
    htab_foreach(&srv->commands, foreach_cb, &fe);
}

static void reset_one(struct command *c, void *priv)
{
    c->calls = c->usec = c->rejected_calls = c->failed_calls = 0;
    if (c->subcommands)
        for (struct command *s = c->subcommands; s->name; s++)
            s->calls = s->usec = s->rejected_calls = s->failed_calls = 0;
    free_latency_hist(c, NULL);
}

void cmd_reset_stats(struct server *srv) { cmd_foreach(srv, reset_one, NULL); }

int cmd_get_keys(struct command *cmd, struct client *c, int argc, int *keys, int max)
{
    if (cmd->getkeys) return cmd->getkeys(c, argc, keys, max);
    if (cmd->first_key <= 0) return 0;
    int last = cmd->last_key;
    if (last < 0) last = argc + last;
    int n = 0;
    int step = cmd->key_step > 0 ? cmd->key_step : 1;
    for (int i = cmd->first_key; i <= last && i < argc && n < max; i += step) keys[n++] = i;
    return n;
}

static inline bool is_exec(const struct command *cmd)
{
    return cmd && cmd->name[0] == 'e' && !strcmp(cmd->name, "exec");
}

static void reject(struct client *c, struct command *cmd, const char *msg)
{
    if (cmd) cmd->rejected_calls++;
    if ((c->flags & CLIENT_MULTI) && is_exec(cmd)) {
        /* EXEC itself refused: the transaction goes, saying why */
        multi_discard(c);
        reply_errorf(c, "EXECABORT Transaction discarded because of: %s", msg);
        c->srv->err_mark = c->srv->stats.total_error_replies;
        return;
    }
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_MULTI_DIRTY; /* EXEC will abort */
    reply_error(c, msg);
    c->srv->err_mark = c->srv->stats.total_error_replies;
}

void cmd_reject(struct client *c, struct command *cmd, const char *msg) { reject(c, cmd, msg); }

static void unknown_command(struct client *c)
{
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_MULTI_DIRTY;
    char args[160];
    size_t alen = 0;
    args[0] = '\0';
    for (int i = 1; i < c->argc && alen < 128; i++) {
        int room = 128 - (int)alen;
        int n = snprintf(args + alen, sizeof(args) - alen, "'%.*s' ",
                         (int)(c->argv[i].len < (size_t)room ? c->argv[i].len : (size_t)room),
                         c->argv[i].p);
        if (n < 0) break;
        alen += (size_t)n;
        if (alen >= sizeof(args)) alen = sizeof(args) - 1;
    }
    char msg[512];
    snprintf(msg, sizeof(msg), "ERR unknown command '%.*s', with args beginning with: %s",
             (int)(c->argv[0].len < 128 ? c->argv[0].len : 128), c->argv[0].p, args);
    /* argument bytes may hold anything: keep the error printable on one line */
    for (char *p = msg; *p; p++)
        if (*p == '\r' || *p == '\n') *p = ' ';
    reply_error(c, msg);
}

static bool arity_ok(const struct command *cmd, int argc)
{
    return (cmd->arity > 0 && argc == cmd->arity) || (cmd->arity < 0 && argc >= -cmd->arity);
}

static void call(struct client *c, struct command *cmd)
{
    struct server *srv = c->srv;
    /* failures are counted against the mark the last call() left, so the
     * errors of commands a script or EXEC ran are not the caller's own */
    srv->err_mark = srv->stats.total_error_replies;
    long long start = util_monotonic_us();
    c->cmd = cmd;
    c->lastcmd = cmd; /* CLIENT LIST/INFO show the running command */
    /* nested calls (EXEC running its queue) keep the outer protection */
    struct client *outer = srv->current;
    uint32_t was_protected = c->flags & CLIENT_PROTECTED;
    srv->current = c;
    c->flags |= CLIENT_PROTECTED;
    /* a replica's keys expire by its master's DEL: its master's stream
     * sees every key as stored; other clients' reads see an expired key
     * as missing but leave it (core/replica.h) */
    bool lazy_expire = srv->ks.lazy_expire, expire_hide = srv->ks.expire_hide;
    if (srv->replica) {
        if (c->flags & CLIENT_MASTER) srv->ks.lazy_expire = false;
        else srv->ks.expire_hide = !(cmd->flags & CMD_WRITE);
    }
    if (srv->prop.sink) {
        /* the change stream: a write that changed something propagates
         * itself unless it chose otherwise (core/propagate.h) */
        long long dirty = srv->dirty;
        uint32_t custom = c->flags & CLIENT_PROP_CUSTOM;
        c->flags &= ~CLIENT_PROP_CUSTOM;
        srv->prop.depth++;
        cmd->proc(c);
        if (!(c->flags & CLIENT_PROP_CUSTOM) && (cmd->flags & CMD_WRITE) && srv->dirty != dirty)
            prop_add(srv, c->db->id, c->argc, c->argv);
        c->flags = (c->flags & ~CLIENT_PROP_CUSTOM) | custom;
        if (--srv->prop.depth == 0) prop_flush(srv);
    } else {
        cmd->proc(c);
    }
    srv->ks.lazy_expire = lazy_expire;
    srv->ks.expire_hide = expire_hide;
    /* MONITOR sees a command once it ran (so a transaction's commands at
     * EXEC, and not a RESET's own client that stopped monitoring) */
    if (srv->monitors && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN))) monitor_feed(srv, c);
    /* client-side caching: remember what a tracking client read */
    if (srv->tracking_clients) tracking__after_call(c, cmd);
    if (!was_protected) c->flags &= ~CLIENT_PROTECTED;
    srv->current = outer;
    long long dur = util_monotonic_us() - start;
    cmd->calls++;
    cmd->usec += dur;
    if (!cmd->latency_hist)
        cmd->latency_hist = mem_calloc(sizeof(long long) * CMD_LATENCY_BUCKETS);
    int bucket = dur <= 1 ? 0 : 64 - __builtin_clzll((unsigned long long)(dur - 1));
    cmd->latency_hist[bucket < CMD_LATENCY_BUCKETS ? bucket : CMD_LATENCY_BUCKETS - 1]++;
    if (srv->stats.total_error_replies != srv->err_mark) cmd->failed_calls++;
    srv->err_mark = srv->stats.total_error_replies;
    srv->stats.numcommands++;
    c->commands++;
    if (c->flags & CLIENT_REPLY_SKIP) c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
    if (!(cmd->flags & CMD_SKIP_SLOWLOG)) {
        if (srv->cfg.slowlog_log_slower_than >= 0 && dur >= srv->cfg.slowlog_log_slower_than)
            slowlog_push(srv, c, dur);
        if (srv->cfg.latency_monitor_threshold > 0 &&
            dur / 1000 >= srv->cfg.latency_monitor_threshold)
            latency_add_sample(srv, (cmd->flags & CMD_FAST) ? "fast-command" : "command", dur / 1000);
    }
}

/* Case-insensitive equality of a lowercase command name with input. */
static inline bool name_eq(const char *name, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] != (char)(p[i] | ((p[i] >= 'A' && p[i] <= 'Z') ? 0x20 : 0)) || !name[i])
            return false;
    return name[len] == '\0';
}

static void dispatch(struct client *c);

/* While a script is busy: true when cmd must wait (BUSY). SHUTDOWN may
 * run only with NOSAVE. */
static bool busy_refuses(struct client *c, struct command *cmd)
{
    if (!(cmd->flags & CMD_ALLOW_BUSY)) return true;
    if (strcmp(cmd->name, "shutdown")) return false;
    for (int i = 1; i < c->argc; i++)
        if (util_eqi(c->argv[i].p, c->argv[i].len, "nosave")) return false;
    return true;
}

void cmd_dispatch(struct client *c)
{
    struct server *srv = c->srv;
    /* keep the tracking table within tracking-table-max-keys */
    if (srv->tracking_clients) tracking__limit(srv);
    dispatch(c);
    if (srv->tracking_clients) tracking__after_command(c, c->cmd);
}

static void dispatch(struct client *c)
{
    struct server *srv = c->srv;
    /* pipelines repeat the same command: try the client's last one first */
    struct command *cmd = c->lastcmd ? (c->lastcmd->parent ? c->lastcmd->parent : c->lastcmd) : NULL;
    if (!cmd || !name_eq(cmd->name, c->argv[0].p, c->argv[0].len))
        cmd = cmd_lookup(srv, c->argv[0].p, c->argv[0].len);
    c->cmd = NULL;
    if (!cmd) {
        unknown_command(c);
        return;
    }
    if (cmd->subcommands && c->argc >= 2) {
        struct command *sub = cmd_lookup_sub(cmd, c->argv[1].p, c->argv[1].len);
        if (!sub) {
            char up[64];
            size_t n = strlen(cmd->name);
            for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)cmd->name[i]);
            char msg[400];
            snprintf(msg, sizeof(msg), "ERR unknown subcommand '%.*s'. Try %s HELP.",
                     (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].p, up);
            for (char *p = msg; *p; p++)
                if (*p == '\r' || *p == '\n') *p = ' ';
            reject(c, cmd, msg);
            return;
        }
        cmd = sub;
    }
    if (!arity_ok(cmd, c->argc)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "ERR wrong number of arguments for '%s' command", cmd->fullname);
        reject(c, cmd, msg);
        return;
    }
    /* a script runs past busy-reply-threshold and the loop serves us
     * meanwhile: only what may run beside it (SCRIPT KILL, SHUTDOWN
     * NOSAVE, ...) */
    if (srv->script_busy && busy_refuses(c, cmd)) {
        reject(c, cmd,
               srv->script_is_eval
                   ? "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                     "SHUTDOWN NOSAVE."
                   : "BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                     "SHUTDOWN NOSAVE.");
        return;
    }
    if (!(c->flags & CLIENT_AUTHENTICATED) && !(cmd->flags & CMD_NO_AUTH) &&
        srv->cfg.requirepass && srv->cfg.requirepass[0]) {
        reject(c, cmd, "NOAUTH Authentication required.");
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2 && !(cmd->flags & CMD_SUB_CONTEXT) &&
        strcmp(cmd->name, "ping") && strcmp(cmd->name, "quit") && strcmp(cmd->name, "reset")) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                 "RESET are allowed in this context",
                 cmd->fullname);
        reject(c, cmd, msg);
        return;
    }
    /* CLIENT PAUSE: hold the command back (client.c parses it again when
     * the pause ends) if the pause covers it */
    if (srv->pause_until_ms && srv->pause_until_ms > server_now_ms(srv) &&
        (!srv->pause_write_only || (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))) {
        c->flags |= CLIENT_PAUSED;
        return;
    }
    /* EXEC is judged by what it would run: the flags any queued command
     * has, and those some queued command lacks (CMD_STALE) */
    uint32_t flags = cmd->flags, lacking = ~cmd->flags;
    if ((c->flags & CLIENT_MULTI) && is_exec(cmd)) {
        uint32_t any, lack;
        multi_queued_flags(c, &any, &lack);
        flags |= any;
        lacking |= lack;
    }
    bool from_master = c->flags & CLIENT_MASTER;
    /* maxmemory: evict by policy first; commands that may grow memory are
     * refused while still above the limit. A replica leaves eviction to
     * its master under replica-ignore-maxmemory, and its master's stream
     * is never refused. Scripts read oom_at_dispatch for their writes. */
    srv->oom_at_dispatch = srv->cfg.maxmemory > 0 &&
                           !(srv->replica && srv->cfg.replica_ignore_maxmemory) && !evict_if_needed(srv);
    if (srv->oom_at_dispatch && (flags & CMD_DENYOOM) && !from_master) {
        reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
        return;
    }
    /* stop-writes-on-bgsave-error: the last background save failed */
    if (srv->bgsave_failed && srv->cfg.stop_writes_on_bgsave_error && srv->cfg.save[0] &&
        !from_master && ((flags & CMD_WRITE) || !strcmp(cmd->name, "ping"))) {
        reject(c, cmd,
               "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
               "persist to disk. Commands that may modify the data set are disabled, because this "
               "instance is configured to report errors during writes if RDB snapshotting fails "
               "(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
               "about the RDB error.");
        return;
    }
    /* min-replicas-to-write: too few replicas acknowledged lately */
    if ((flags & CMD_WRITE) && repl_too_few_replicas(srv)) {
        reject(c, cmd, "NOREPLICAS Not enough good replicas to write.");
        return;
    }
    if (srv->replica && !from_master) {
        if ((flags & CMD_WRITE) && srv->cfg.replica_read_only) {
            reject(c, cmd, "READONLY You can't write against a read only replica.");
            return;
        }
        /* replica-serve-stale-data no: while the link is down only
         * commands flagged stale run */
        if (!srv->cfg.replica_serve_stale_data && (lacking & CMD_STALE) && !replica_link_up(srv)) {
            reject(c, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
            return;
        }
    }
    if ((c->flags & CLIENT_MULTI) && !multi_runs_now(cmd)) {
        if (cmd->flags & CMD_NO_MULTI) {
            reject(c, cmd, "ERR Command not allowed inside a transaction");
            return;
        }
        multi_queue(c, cmd);
        return;
    }
    call(c, cmd);
    /* invalidations for c's own command go after its reply */
    if (srv->tracking_clients) tracking__send_pending(c);
    /* keys this command (or EXEC's whole queue) made ready serve their
     * waiters now, before the next command */
    if (srv->ks.key_waiters) blocking_serve_ready(srv);
}

void cmd_call(struct client *c, struct command *cmd) { call(c, cmd); }

bool cmd_lookup_typed(struct client *c, int argi, int type, bool write, struct kentry **ke)
{
    struct keyspace *ks = &c->srv->ks;
    const struct slice *k = &c->argv[argi];
    *ke = write ? db_lookup(ks, c->db, k->p, k->len) : db_lookup_read(ks, c->db, k->p, k->len);
    if (*ke && (*ke)->val->type != type) {
        reply_err_wrongtype(c);
        return false;
    }
    return true;
}

bool cmd_parse_rand_args(struct client *c, const char *with, bool *has_count, long long *count,
                         bool *with_values)
{
    *count = 0;
    *has_count = c->argc >= 3;
    *with_values = c->argc == 4;
    if (c->argc > 4 || (c->argc == 4 && !util_eqi(c->argv[3].p, c->argv[3].len, with))) {
        reply_err_syntax(c);
        return false;
    }
    if (*has_count && !util_str2ll(c->argv[2].p, c->argv[2].len, count)) {
        reply_err_notint(c);
        return false;
    }
    /* room to double it (values are replied beside their fields) */
    if (*has_count && (*count < -LONG_MAX / 2 || *count > LONG_MAX / 2)) {
        reply_error(c, "ERR value is out of range");
        return false;
    }
    return true;
}
