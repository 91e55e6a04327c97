/* config: the directive table and CONFIG GET/SET/REWRITE/RESETSTAT.
 * See config.h. */
#include "core/config.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/evict.h"
#include "core/notify.h"
#include "core/repl.h"
#include "core/reply.h"
#include "core/server.h"
#include "ev/ev.h"
#include "proto/resp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum cfg_type { CFG_BOOL, CFG_INT, CFG_LL, CFG_MEM, CFG_STR, CFG_ENUM, CFG_SPECIAL };

#define CFG_IMMUTABLE 1u /* start-up only */
#define CFG_ALIAS_HIDE 2u
#define CFG_FILE_ONLY 4u /* config file and command line only: not CONFIG GET/SET (replicaof) */

struct cfg_enum {
    const char *name;
    int val;
};

struct cfg_def;
typedef int cfg_set_fn(struct server *srv, const struct cfg_def *d, int argc, char **argv,
                       char *err, size_t errlen);
typedef void cfg_get_fn(struct server *srv, const struct cfg_def *d, char *buf, size_t len);
typedef int cfg_apply_fn(struct server *srv, char *err, size_t errlen);

struct cfg_def {
    const char *name;
    const char *alias;
    enum cfg_type type;
    size_t off;
    long long min, max;
    const struct cfg_enum *enums;
    unsigned flags;
    cfg_set_fn *set;
    cfg_get_fn *get;
    cfg_apply_fn *apply;
};

#define OFF(f) offsetof(struct config, f)

static const struct cfg_enum loglevel_enum[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING}, {"nothing", LOG_NOTHING}, {NULL, 0}};
static const struct cfg_enum fsync_enum[] = {{"always", 0}, {"everysec", 1}, {"no", 2}, {NULL, 0}};
static const struct cfg_enum diskless_load_enum[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {NULL, 0}};
static const struct cfg_enum policy_enum[] = {
    {"noeviction", MM_NOEVICTION},         {"allkeys-lru", MM_ALLKEYS_LRU},
    {"volatile-lru", MM_VOLATILE_LRU},     {"allkeys-lfu", MM_ALLKEYS_LFU},
    {"volatile-lfu", MM_VOLATILE_LFU},     {"allkeys-random", MM_ALLKEYS_RANDOM},
    {"volatile-random", MM_VOLATILE_RANDOM}, {"volatile-ttl", MM_VOLATILE_TTL},
    {NULL, 0}};

static int apply_loglevel(struct server *srv, char *err, size_t errlen)
{
    log_set_level((enum log_level)srv->cfg.loglevel);
    return 0;
}

static int apply_logfile(struct server *srv, char *err, size_t errlen)
{
    int rc = log_open(srv->cfg.logfile);
    if (rc < 0) {
        snprintf(err, errlen, "Can't open the log file: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

static int apply_effort(struct server *srv, char *err, size_t errlen)
{
    srv->ks.active_expire_effort = srv->cfg.active_expire_effort;
    return 0;
}

static int apply_lfu(struct server *srv, char *err, size_t errlen)
{
    server_apply_lfu(srv);
    return 0;
}

/* Lowering maxmemory evicts at once, as in Redis. */
static int apply_maxmemory(struct server *srv, char *err, size_t errlen)
{
    evict_if_needed(srv);
    return 0;
}

static int apply_lazyfree(struct server *srv, char *err, size_t errlen)
{
    server_apply_lazyfree(srv);
    return 0;
}

/* appendonly at run time: persist turns the AOF on (writing a base
 * first) or off; at start-up (no hooks yet) the value is just stored */
static int apply_appendonly(struct server *srv, char *err, size_t errlen)
{
    if (!srv->persist_hooks) return 0;
    return srv->persist_hooks->set_appendonly(srv, srv->cfg.appendonly, err, errlen);
}

static int apply_dir(struct server *srv, char *err, size_t errlen)
{
    if (srv->cfg.dir && srv->cfg.dir[0] && chdir(srv->cfg.dir) < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

/* client-output-buffer-limit <class> <hard> <soft> <soft seconds> [...] */
static int set_obuf(struct server *srv, const struct cfg_def *d, int argc, char **argv, char *err,
                    size_t errlen)
{
    char *words[64];
    int n = 0;
    char *copy[16] = {0};
    int ncopy = 0;
    if (argc == 1) { /* CONFIG SET gives one string: split it */
        char *s = mem_strdup(argv[0]);
        copy[ncopy++] = s;
        for (char *tok = strtok(s, " "); tok && n < 64; tok = strtok(NULL, " ")) words[n++] = tok;
    } else {
        for (int i = 0; i < argc && i < 64; i++) words[n++] = argv[i];
    }
    int rc = 0;
    struct obuf_limit tmp[OBUF_CLASSES];
    memcpy(tmp, srv->cfg.obuf_limits, sizeof(tmp));
    if (n == 0 || n % 4) {
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n; i += 4) {
        int cls;
        if (!strcasecmp(words[i], "normal")) cls = OBUF_NORMAL;
        else if (!strcasecmp(words[i], "replica") || !strcasecmp(words[i], "slave")) cls = OBUF_REPLICA;
        else if (!strcasecmp(words[i], "pubsub")) cls = OBUF_PUBSUB;
        else {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            rc = -1;
            break;
        }
        long long hard, soft, secs;
        if (!util_parse_memory(words[i + 1], &hard) || !util_parse_memory(words[i + 2], &soft) ||
            !util_str2ll(words[i + 3], strlen(words[i + 3]), &secs) || hard < 0 || soft < 0 ||
            secs < 0) {
            snprintf(err, errlen, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            rc = -1;
            break;
        }
        tmp[cls].hard = hard;
        tmp[cls].soft = soft;
        tmp[cls].soft_seconds = secs;
    }
    if (rc == 0) memcpy(srv->cfg.obuf_limits, tmp, sizeof(tmp));
    for (int i = 0; i < ncopy; i++) mem_free(copy[i]);
    return rc;
}

static void get_obuf(struct server *srv, const struct cfg_def *d, char *buf, size_t len)
{
    static const char *names[] = {"normal", "slave", "pubsub"};
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < OBUF_CLASSES; i++) {
        const struct obuf_limit *l = &srv->cfg.obuf_limits[i];
        o += (size_t)snprintf(buf + o, len - o, "%s%s %lld %lld %lld", i ? " " : "", names[i],
                              l->hard, l->soft, l->soft_seconds);
        if (o >= len) break;
    }
}

static int set_notify(struct server *srv, const struct cfg_def *d, int argc, char **argv,
                      char *err, size_t errlen)
{
    int flags;
    if (argc != 1 || !notify_parse_flags(argv[0], strlen(argv[0]), &flags)) {
        snprintf(err, errlen, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        return -1;
    }
    srv->cfg.notify_flags = flags;
    return 0;
}

static void get_notify(struct server *srv, const struct cfg_def *d, char *buf, size_t len)
{
    char s[32];
    notify_flags_string(srv->cfg.notify_flags, s);
    snprintf(buf, len, "%s", s);
}

/* save "<secs> <changes> ..." or "" — validated here, used by persistence. */
static int set_save(struct server *srv, const struct cfg_def *d, int argc, char **argv, char *err,
                    size_t errlen)
{
    char joined[1024] = "";
    size_t o = 0;
    for (int i = 0; i < argc; i++) {
        o += (size_t)snprintf(joined + o, sizeof(joined) - o, "%s%s", i ? " " : "", argv[i]);
        if (o >= sizeof(joined)) {
            snprintf(err, errlen, "Invalid save parameters");
            return -1;
        }
    }
    /* validate pairs of integers */
    char *copy = mem_strdup(joined);
    int count = 0;
    bool ok = true;
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        long long v;
        if (!util_str2ll(tok, strlen(tok), &v) || v < 0) ok = false;
        count++;
    }
    mem_free(copy);
    if (!ok || count % 2) {
        snprintf(err, errlen, "Invalid save parameters");
        return -1;
    }
    /* In a config file, several `save` lines accumulate. */
    char *old = srv->cfg.save;
    if (!srv->cfg.save || srv->cfg.save[0] == '\0' || d->flags == 0xffff || count == 0) {
        srv->cfg.save = mem_strdup(joined);
    } else {
        size_t need = strlen(old) + strlen(joined) + 2;
        char *s = mem_alloc(need);
        snprintf(s, need, "%s %s", old, joined);
        srv->cfg.save = s;
    }
    mem_free(old);
    return 0;
}

/* replicaof <host> <port>: the replica link starts once the server runs
 * (server/main.c); REPLICAOF at run time keeps these current for CONFIG
 * REWRITE. As in Redis, CONFIG SET/GET do not know it. */
static int set_replicaof(struct server *srv, const struct cfg_def *d, int argc, char **argv,
                         char *err, size_t errlen)
{
    long long port;
    char *words[2], *copy = NULL;
    if (argc == 1) { /* --replicaof "host port": one word to split */
        copy = mem_strdup(argv[0]);
        char *sp = strchr(copy, ' ');
        if (sp) {
            *sp = '\0';
            words[0] = copy;
            words[1] = sp + 1 + strspn(sp + 1, " ");
            argv = words;
            argc = 2;
        }
    }
    if (argc != 2) {
        mem_free(copy);
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    int rc = 0;
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) {
        mem_free(srv->cfg.replicaof_host);
        srv->cfg.replicaof_host = NULL;
        srv->cfg.replicaof_port = 0;
    } else if (!util_str2ll(argv[1], strlen(argv[1]), &port) || port < 0 || port > 65535) {
        snprintf(err, errlen, "Invalid master port");
        rc = -1;
    } else {
        mem_free(srv->cfg.replicaof_host);
        srv->cfg.replicaof_host = mem_strdup(argv[0]);
        srv->cfg.replicaof_port = (int)port;
    }
    mem_free(copy);
    return rc;
}

static void get_replicaof(struct server *srv, const struct cfg_def *d, char *buf, size_t len)
{
    if (srv->cfg.replicaof_host) snprintf(buf, len, "%s %d", srv->cfg.replicaof_host, srv->cfg.replicaof_port);
    else buf[0] = '\0';
}

static int apply_busy_poll(struct server *srv, char *err, size_t errlen)
{
    if (srv->loop) ev_set_busy_poll(srv->loop, srv->cfg.busy_poll_usec);
    return 0;
}

static int apply_min_replicas(struct server *srv, char *err, size_t errlen)
{
    repl_refresh_good_replicas(srv);
    return 0;
}

static const struct cfg_def defs[] = {
    {"bind", NULL, CFG_STR, OFF(bind), 0, 0, NULL, CFG_IMMUTABLE},
    {"port", NULL, CFG_INT, OFF(port), 0, 65535, NULL, CFG_IMMUTABLE},
    {"unixsocket", NULL, CFG_STR, OFF(unixsocket), 0, 0, NULL, CFG_IMMUTABLE},
    {"unixsocketperm", NULL, CFG_INT, OFF(unixsocketperm), 0, 0777, NULL, CFG_IMMUTABLE},
    {"tcp-backlog", NULL, CFG_INT, OFF(tcp_backlog), 0, INT_MAX, NULL, CFG_IMMUTABLE},
    {"timeout", NULL, CFG_INT, OFF(timeout), 0, INT_MAX, NULL, 0},
    {"tcp-keepalive", NULL, CFG_INT, OFF(tcp_keepalive), 0, INT_MAX, NULL, 0},
    {"databases", NULL, CFG_INT, OFF(databases), 1, INT_MAX, NULL, CFG_IMMUTABLE},
    {"maxclients", NULL, CFG_INT, OFF(maxclients), 1, INT_MAX, NULL, 0},
    {"hz", NULL, CFG_INT, OFF(hz), 1, 500, NULL, 0},
    {"busy-poll-usec", NULL, CFG_INT, OFF(busy_poll_usec), 0, 100000, NULL, 0, NULL, NULL,
     apply_busy_poll},
    {"proto-max-bulk-len", NULL, CFG_MEM, OFF(proto_max_bulk_len), 1024 * 1024, LLONG_MAX, NULL, 0},
    {"proto-max-multibulk-len", NULL, CFG_LL, OFF(proto_max_multibulk_len), 1, INT_MAX, NULL, 0},
    {"client-query-buffer-limit", NULL, CFG_MEM, OFF(client_query_buffer_limit), 1024 * 1024,
     LLONG_MAX, NULL, 0},
    {"client-output-buffer-limit", NULL, CFG_SPECIAL, 0, 0, 0, NULL, 0, set_obuf, get_obuf},
    {"maxmemory", NULL, CFG_MEM, OFF(maxmemory), 0, LLONG_MAX, NULL, 0, NULL, NULL,
     apply_maxmemory},
    {"maxmemory-policy", NULL, CFG_ENUM, OFF(maxmemory_policy), 0, 0, policy_enum, 0, NULL, NULL,
     apply_lfu},
    {"lfu-log-factor", NULL, CFG_INT, OFF(lfu_log_factor), 0, INT_MAX, NULL, 0, NULL, NULL,
     apply_lfu},
    {"lfu-decay-time", NULL, CFG_INT, OFF(lfu_decay_time), 0, INT_MAX, NULL, 0, NULL, NULL,
     apply_lfu},
    {"maxmemory-samples", NULL, CFG_INT, OFF(maxmemory_samples), 1, 64, NULL, 0},
    {"logfile", NULL, CFG_STR, OFF(logfile), 0, 0, NULL, CFG_IMMUTABLE, NULL, NULL, apply_logfile},
    {"loglevel", NULL, CFG_ENUM, OFF(loglevel), 0, 0, loglevel_enum, 0, NULL, NULL, apply_loglevel},
    {"pidfile", NULL, CFG_STR, OFF(pidfile), 0, 0, NULL, CFG_IMMUTABLE},
    {"daemonize", NULL, CFG_BOOL, OFF(daemonize), 0, 0, NULL, CFG_IMMUTABLE},
    {"dir", NULL, CFG_STR, OFF(dir), 0, 0, NULL, 0, NULL, NULL, apply_dir},
    {"dbfilename", NULL, CFG_STR, OFF(dbfilename), 0, 0, NULL, 0},
    {"save", NULL, CFG_SPECIAL, OFF(save), 0, 0, NULL, 0, set_save, NULL},
    {"appendonly", NULL, CFG_BOOL, OFF(appendonly), 0, 0, NULL, 0, NULL, NULL, apply_appendonly},
    {"aof-use-rdb-preamble", NULL, CFG_BOOL, OFF(aof_use_rdb_preamble), 0, 0, NULL, 0},
    {"aof-load-truncated", NULL, CFG_BOOL, OFF(aof_load_truncated), 0, 0, NULL, 0},
    {"aof-timestamp-enabled", NULL, CFG_BOOL, OFF(aof_timestamp_enabled), 0, 0, NULL, 0},
    {"aof-rewrite-incremental-fsync", NULL, CFG_BOOL, OFF(aof_rewrite_incremental_fsync), 0, 0, NULL, 0},
    {"auto-aof-rewrite-percentage", NULL, CFG_INT, OFF(auto_aof_rewrite_percentage), 0, INT_MAX, NULL, 0},
    {"auto-aof-rewrite-min-size", NULL, CFG_MEM, OFF(auto_aof_rewrite_min_size), 0, LLONG_MAX, NULL, 0},
    {"appendfsync", NULL, CFG_ENUM, OFF(appendfsync), 0, 0, fsync_enum, 0},
    {"appendfilename", NULL, CFG_STR, OFF(appendfilename), 0, 0, NULL, CFG_IMMUTABLE},
    {"appenddirname", NULL, CFG_STR, OFF(appenddirname), 0, 0, NULL, CFG_IMMUTABLE},
    {"slowlog-log-slower-than", NULL, CFG_LL, OFF(slowlog_log_slower_than), -1, LLONG_MAX, NULL, 0},
    {"busy-reply-threshold", "lua-time-limit", CFG_LL, OFF(busy_reply_threshold), 0, LLONG_MAX,
     NULL, 0},
    {"lua-max-memory", NULL, CFG_MEM, OFF(lua_max_memory), 0, LLONG_MAX, NULL, 0},
    {"slowlog-max-len", NULL, CFG_LL, OFF(slowlog_max_len), 0, LONG_MAX, NULL, 0},
    {"latency-monitor-threshold", NULL, CFG_LL, OFF(latency_monitor_threshold), 0, LLONG_MAX, NULL, 0},
    {"active-expire-effort", NULL, CFG_INT, OFF(active_expire_effort), 1, 10, NULL, 0, NULL, NULL,
     apply_effort},
    {"activerehashing", NULL, CFG_BOOL, OFF(activerehashing), 0, 0, NULL, 0},
    {"lazyfree-lazy-eviction", NULL, CFG_BOOL, OFF(lazyfree_lazy_eviction), 0, 0, NULL, 0, NULL,
     NULL, apply_lazyfree},
    {"lazyfree-lazy-expire", NULL, CFG_BOOL, OFF(lazyfree_lazy_expire), 0, 0, NULL, 0, NULL, NULL,
     apply_lazyfree},
    {"lazyfree-lazy-server-del", NULL, CFG_BOOL, OFF(lazyfree_lazy_server_del), 0, 0, NULL, 0,
     NULL, NULL, apply_lazyfree},
    {"lazyfree-lazy-user-del", NULL, CFG_BOOL, OFF(lazyfree_lazy_user_del), 0, 0, NULL, 0},
    {"lazyfree-lazy-user-flush", NULL, CFG_BOOL, OFF(lazyfree_lazy_user_flush), 0, 0, NULL, 0},
    {"replica-lazy-flush", "slave-lazy-flush", CFG_BOOL, OFF(replica_lazy_flush), 0, 0, NULL, 0},
    {"requirepass", NULL, CFG_STR, OFF(requirepass), 0, 0, NULL, 0},
    {"protected-mode", NULL, CFG_BOOL, OFF(protected_mode), 0, 0, NULL, 0},
    {"io-threads", NULL, CFG_INT, OFF(io_threads), 1, 128, NULL, CFG_IMMUTABLE},
    {"tracking-table-max-keys", NULL, CFG_LL, OFF(tracking_table_max_keys), 0, LLONG_MAX, NULL, 0},
    {"notify-keyspace-events", NULL, CFG_SPECIAL, OFF(notify_flags), 0, 0, NULL, 0, set_notify,
     get_notify},
    {"list-max-listpack-size", "list-max-ziplist-size", CFG_INT, OFF(list_max_listpack_size),
     INT_MIN, INT_MAX, NULL, 0},
    {"list-compress-depth", NULL, CFG_INT, OFF(list_compress_depth), 0, INT_MAX, NULL, 0},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", CFG_LL,
     OFF(hash_max_listpack_entries), 0, LLONG_MAX, NULL, 0},
    {"hash-max-listpack-value", "hash-max-ziplist-value", CFG_LL, OFF(hash_max_listpack_value), 0,
     LLONG_MAX, NULL, 0},
    {"set-max-intset-entries", NULL, CFG_LL, OFF(set_max_intset_entries), 0, LLONG_MAX, NULL, 0},
    {"set-max-listpack-entries", NULL, CFG_LL, OFF(set_max_listpack_entries), 0, LLONG_MAX, NULL, 0},
    {"set-max-listpack-value", NULL, CFG_LL, OFF(set_max_listpack_value), 0, LLONG_MAX, NULL, 0},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", CFG_LL,
     OFF(zset_max_listpack_entries), 0, LLONG_MAX, NULL, 0},
    {"zset-max-listpack-value", "zset-max-ziplist-value", CFG_LL, OFF(zset_max_listpack_value), 0,
     LLONG_MAX, NULL, 0},
    {"stop-writes-on-bgsave-error", NULL, CFG_BOOL, OFF(stop_writes_on_bgsave_error), 0, 0, NULL, 0},
    {"rdbcompression", NULL, CFG_BOOL, OFF(rdbcompression), 0, 0, NULL, 0},
    {"rdbchecksum", NULL, CFG_BOOL, OFF(rdbchecksum), 0, 0, NULL, CFG_IMMUTABLE},
    {"backup-dir", NULL, CFG_STR, OFF(backup_dir), 0, 0, NULL, 0},
    {"persistence-engine", NULL, CFG_STR, OFF(persistence_engine), 0, 0, NULL, CFG_IMMUTABLE},
    {"backup-interval", NULL, CFG_INT, OFF(backup_interval), 0, INT_MAX, NULL, 0},
    {"backup-retention", NULL, CFG_INT, OFF(backup_retention), 1, 100000, NULL, 0},
    {"rdb-key-save-delay", NULL, CFG_INT, OFF(rdb_key_save_delay), INT_MIN, INT_MAX, NULL, 0},
    /* replication directives: accepted now, used by the replication work */
    {"repl-ping-replica-period", "repl-ping-slave-period", CFG_INT, OFF(repl_ping_replica_period),
     1, INT_MAX, NULL, 0},
    {"repl-timeout", NULL, CFG_INT, OFF(repl_timeout), 1, INT_MAX, NULL, 0},
    {"replicaof", "slaveof", CFG_SPECIAL, 0, 0, 0, NULL, CFG_FILE_ONLY, set_replicaof, get_replicaof},
    {"masterauth", NULL, CFG_STR, OFF(masterauth), 0, 0, NULL, 0},
    {"masteruser", NULL, CFG_STR, OFF(masteruser), 0, 0, NULL, 0},
    {"replica-read-only", "slave-read-only", CFG_BOOL, OFF(replica_read_only), 0, 0, NULL, 0},
    {"replica-serve-stale-data", "slave-serve-stale-data", CFG_BOOL,
     OFF(replica_serve_stale_data), 0, 0, NULL, 0},
    {"replica-ignore-maxmemory", "slave-ignore-maxmemory", CFG_BOOL,
     OFF(replica_ignore_maxmemory), 0, 0, NULL, 0},
    {"replica-announced", NULL, CFG_BOOL, OFF(replica_announced), 0, 0, NULL, 0},
    {"replica-priority", "slave-priority", CFG_INT, OFF(replica_priority), 0, INT_MAX, NULL, 0},
    {"repl-diskless-load", NULL, CFG_ENUM, OFF(repl_diskless_load), 0, 0, diskless_load_enum, 0},
    {"repl-reconnect-max-delay", NULL, CFG_INT, OFF(repl_reconnect_max_ms), 100, INT_MAX, NULL, 0},
    {"min-replicas-to-write", "min-slaves-to-write", CFG_INT, OFF(min_replicas_to_write), 0,
     INT_MAX, NULL, 0, NULL, NULL, apply_min_replicas},
    {"min-replicas-max-lag", "min-slaves-max-lag", CFG_INT, OFF(min_replicas_max_lag), 0, INT_MAX,
     NULL, 0, NULL, NULL, apply_min_replicas},
    {"enable-debug-command", NULL, CFG_BOOL, OFF(enable_debug_command), 0, 0, NULL, CFG_IMMUTABLE},
    {NULL},
};

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->bind = mem_strdup("127.0.0.1");
    cfg->port = 6379;
    cfg->unixsocket = mem_strdup("");
    cfg->tcp_backlog = 511;
    cfg->timeout = 0;
    cfg->tcp_keepalive = 300;
    cfg->databases = 16;
    cfg->maxclients = 10000;
    cfg->hz = 10;
    cfg->busy_poll_usec = 50;
    cfg->proto_max_bulk_len = 512LL * 1024 * 1024;
    cfg->proto_max_multibulk_len = INT_MAX;
    cfg->client_query_buffer_limit = 1024LL * 1024 * 1024;
    cfg->obuf_limits[OBUF_NORMAL] = (struct obuf_limit){0, 0, 0};
    cfg->obuf_limits[OBUF_REPLICA] = (struct obuf_limit){256LL << 20, 64LL << 20, 60};
    cfg->obuf_limits[OBUF_PUBSUB] = (struct obuf_limit){32LL << 20, 8LL << 20, 60};
    cfg->maxmemory = 0;
    cfg->maxmemory_policy = 0;
    cfg->maxmemory_samples = 5;
    cfg->lfu_log_factor = 10;
    cfg->lfu_decay_time = 1;
    cfg->logfile = mem_strdup("");
    cfg->loglevel = LOG_NOTICE;
    cfg->pidfile = mem_strdup("");
    cfg->dir = mem_strdup("");
    cfg->dbfilename = mem_strdup("dump.rdb");
    cfg->save = mem_strdup("3600 1 300 100 60 10000");
    cfg->appendonly = false;
    cfg->aof_use_rdb_preamble = true;
    cfg->backup_dir = mem_strdup("backups");
    cfg->persistence_engine = mem_strdup("file");
    cfg->backup_interval = 0;
    cfg->backup_retention = 7;
    cfg->aof_load_truncated = true;
    cfg->aof_rewrite_incremental_fsync = true;
    cfg->auto_aof_rewrite_percentage = 100;
    cfg->auto_aof_rewrite_min_size = 64LL << 20;
    cfg->appendfsync = 1;
    cfg->appendfilename = mem_strdup("appendonly.aof");
    cfg->appenddirname = mem_strdup("appendonlydir");
    cfg->slowlog_log_slower_than = 10000;
    cfg->slowlog_max_len = 128;
    cfg->busy_reply_threshold = 5000;
    cfg->lua_max_memory = 0;
    cfg->latency_monitor_threshold = 0;
    cfg->active_expire_effort = 1;
    cfg->activerehashing = true;
    cfg->requirepass = mem_strdup("");
    cfg->protected_mode = true;
    cfg->io_threads = 1;
    cfg->notify_flags = 0;
    cfg->tracking_table_max_keys = 1000000;
    cfg->list_max_listpack_size = -2;
    cfg->list_compress_depth = 0;
    cfg->hash_max_listpack_entries = 128;
    cfg->hash_max_listpack_value = 64;
    cfg->set_max_intset_entries = 512;
    cfg->set_max_listpack_entries = 128;
    cfg->set_max_listpack_value = 64;
    cfg->zset_max_listpack_entries = 128;
    cfg->zset_max_listpack_value = 64;
    cfg->stop_writes_on_bgsave_error = true;
    cfg->rdbcompression = true;
    cfg->rdbchecksum = true;
    cfg->enable_debug_command = true;
    cfg->repl_ping_replica_period = 10;
    cfg->repl_timeout = 60;
    cfg->masterauth = mem_strdup("");
    cfg->masteruser = mem_strdup("");
    cfg->replica_read_only = true;
    cfg->replica_serve_stale_data = true;
    cfg->replica_ignore_maxmemory = true;
    cfg->replica_announced = true;
    cfg->replica_priority = 100;
    cfg->repl_reconnect_max_ms = 5000;
    cfg->min_replicas_max_lag = 10;
}

void config_free(struct config *cfg)
{
    for (const struct cfg_def *d = defs; d->name; d++)
        if (d->type == CFG_STR || (d->type == CFG_SPECIAL && d->set == set_save)) {
            char **p = (char **)((char *)cfg + d->off);
            mem_free(*p);
            *p = NULL;
        }
    mem_free(cfg->config_file);
    cfg->config_file = NULL;
    mem_free(cfg->replicaof_host);
    cfg->replicaof_host = NULL;
}

static const struct cfg_def *find_def(const char *name)
{
    for (const struct cfg_def *d = defs; d->name; d++)
        if (!strcasecmp(d->name, name) || (d->alias && !strcasecmp(d->alias, name))) return d;
    return NULL;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "yes")) *out = true;
    else if (!strcasecmp(s, "no")) *out = false;
    else return false;
    return true;
}

/* Set d from words; argc >= 1. */
static int set_def(struct server *srv, const struct cfg_def *d, int argc, char **argv, char *err,
                   size_t errlen)
{
    char *base = (char *)&srv->cfg;
    if (d->type == CFG_SPECIAL) return d->set(srv, d, argc, argv, err, errlen);
    if (argc != 1) {
        snprintf(err, errlen, "wrong number of arguments");
        return -1;
    }
    const char *v = argv[0];
    switch (d->type) {
    case CFG_BOOL: {
        bool b;
        if (!strcasecmp(d->name, "enable-debug-command") && !strcasecmp(v, "local")) {
            b = true;
        } else if (!parse_bool(v, &b)) {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        *(bool *)(base + d->off) = b;
        return 0;
    }
    case CFG_INT:
    case CFG_LL:
    case CFG_MEM: {
        long long x;
        bool ok = d->type == CFG_MEM ? util_parse_memory(v, &x) : util_str2ll(v, strlen(v), &x);
        if (!ok) {
            snprintf(err, errlen, d->type == CFG_MEM ? "argument must be a memory value"
                                                     : "argument couldn't be parsed into an integer");
            return -1;
        }
        if (x < d->min || x > d->max) {
            snprintf(err, errlen, "argument must be between %lld and %lld inclusive", d->min, d->max);
            return -1;
        }
        if (d->type == CFG_INT) *(int *)(base + d->off) = (int)x;
        else *(long long *)(base + d->off) = x;
        return 0;
    }
    case CFG_STR: {
        char **p = (char **)(base + d->off);
        mem_free(*p);
        *p = mem_strdup(v);
        return 0;
    }
    case CFG_ENUM:
        for (const struct cfg_enum *e = d->enums; e->name; e++)
            if (!strcasecmp(e->name, v)) {
                *(int *)(base + d->off) = e->val;
                return 0;
            }
        {
            size_t o = (size_t)snprintf(err, errlen, "argument(s) must be one of the following: ");
            for (const struct cfg_enum *e = d->enums; e->name && o < errlen; e++)
                o += (size_t)snprintf(err + o, errlen - o, "%s%s", e == d->enums ? "" : ", ", e->name);
        }
        return -1;
    default: return -1;
    }
}

static void get_def(struct server *srv, const struct cfg_def *d, char *buf, size_t len)
{
    char *base = (char *)&srv->cfg;
    switch (d->type) {
    case CFG_BOOL: snprintf(buf, len, "%s", *(bool *)(base + d->off) ? "yes" : "no"); break;
    case CFG_INT: snprintf(buf, len, "%d", *(int *)(base + d->off)); break;
    case CFG_LL:
    case CFG_MEM: snprintf(buf, len, "%lld", *(long long *)(base + d->off)); break;
    case CFG_STR: snprintf(buf, len, "%s", *(char **)(base + d->off)); break;
    case CFG_ENUM: {
        int v = *(int *)(base + d->off);
        buf[0] = '\0';
        for (const struct cfg_enum *e = d->enums; e->name; e++)
            if (e->val == v) {
                snprintf(buf, len, "%s", e->name);
                break;
            }
        break;
    }
    case CFG_SPECIAL:
        if (d->get) d->get(srv, d, buf, len);
        else snprintf(buf, len, "%s", *(char **)(base + d->off) ? *(char **)(base + d->off) : "");
        break;
    }
    if (!strcmp(d->name, "unixsocketperm")) snprintf(buf, len, "%o", *(unsigned *)(base + d->off));
    if (!strcmp(d->name, "dir") && len > 1 && !getcwd(buf, len)) buf[0] = '\0'; /* like Redis */
}

int config_set_words(struct server *srv, int argc, char **argv, bool at_runtime, char *err,
                     size_t errlen)
{
    const struct cfg_def *d = find_def(argv[0]);
    if (!d) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -1;
    }
    if (argc < 2 && !(d->type == CFG_SPECIAL)) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -1;
    }
    if (!strcmp(d->name, "unixsocketperm") && argc == 2) {
        char *end;
        long v = strtol(argv[1], &end, 8);
        if (*end || v < 0 || v > 0777) {
            snprintf(err, errlen, "Invalid socket file permissions");
            return -1;
        }
        srv->cfg.unixsocketperm = (unsigned)v;
        return 0;
    }
    int rc = set_def(srv, d, argc - 1, argv + 1, err, errlen);
    if (rc == 0 && at_runtime && d->apply) rc = d->apply(srv, err, errlen);
    return rc;
}

int config_load_text(struct server *srv, const char *text, const char *source, char *err,
                     size_t errlen)
{
    char *copy = mem_strdup(text);
    char *line = copy;
    int lineno = 0;
    int rc = 0;
    bool save_seen = false;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        lineno++;
        size_t len = strlen(line);
        const char *first = line + strspn(line, " \t\r");
        if (*first == '#' || *first == '\0') { /* comments may hold anything */
            line = nl ? nl + 1 : NULL;
            continue;
        }
        struct resp_arg args[64];
        int n = resp_split_line(line, len, args, 64, 0);
        if (n < 0) {
            snprintf(err, errlen, "%s line %d: Unbalanced quotes in configuration line", source, lineno);
            rc = -1;
            break;
        }
        if (n > 0 && line[args[0].off] != '#') {
            char *words[64];
            for (int i = 0; i < n; i++) {
                line[args[i].off + args[i].len] = '\0';
                words[i] = line + args[i].off;
            }
            char e[256];
            /* the first `save` line in a file replaces the default list */
            if (!strcasecmp(words[0], "save") && !save_seen) {
                save_seen = true;
                mem_free(srv->cfg.save);
                srv->cfg.save = mem_strdup("");
            }
            if (config_set_words(srv, n, words, false, e, sizeof(e)) < 0) {
                snprintf(err, errlen, "%s line %d: '%s': %s", source, lineno, words[0], e);
                rc = -1;
                break;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    mem_free(copy);
    return rc;
}

int config_load_file(struct server *srv, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = mem_alloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) buf = mem_realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    int rc = config_load_text(srv, buf, path, err, errlen);
    mem_free(buf);
    return rc;
}

static void quote_value(const char *v, char *out, size_t len)
{
    bool plain = v[0] != '\0';
    for (const char *p = v; *p; p++)
        if (*p == ' ' || *p == '"' || *p == '\'' || *p == '\\' || (unsigned char)*p < 32) plain = false;
    if (plain) {
        snprintf(out, len, "%s", v);
        return;
    }
    size_t o = 0;
    out[o++] = '"';
    for (const char *p = v; *p && o + 5 < len; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = *p;
        } else if ((unsigned char)*p < 32) {
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", (unsigned char)*p);
        } else {
            out[o++] = *p;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

int config_rewrite(struct server *srv, char *err, size_t errlen)
{
    const char *path = srv->cfg.config_file;
    if (!path) {
        snprintf(err, errlen, "The server is running without a config file");
        return -1;
    }
    /* Keep the user's lines (comments, order); replace the value of every
     * directive we know on its first line, drop its later duplicates, and
     * append directives that differ from the defaults but had no line. */
    FILE *f = fopen(path, "r");
    char *old = NULL;
    size_t oldlen = 0;
    if (f) {
        size_t cap = 4096;
        old = mem_alloc(cap);
        size_t n;
        while ((n = fread(old + oldlen, 1, cap - oldlen - 1, f)) > 0) {
            oldlen += n;
            if (cap - oldlen < 2) old = mem_realloc(old, cap *= 2);
        }
        fclose(f);
        old[oldlen] = '\0';
    }
    struct config defaults;
    config_defaults(&defaults);
    size_t ndefs = 0;
    while (defs[ndefs].name) ndefs++;
    bool *written = mem_calloc(ndefs);
    size_t cap = oldlen + 8192, len = 0;
    char *out = mem_alloc(cap);
#define EMIT(...)                                                                            \
    do {                                                                                     \
        char tmp_[2048];                                                                     \
        int k_ = snprintf(tmp_, sizeof(tmp_), __VA_ARGS__);                                  \
        if (k_ < 0) k_ = 0;                                                                  \
        if ((size_t)k_ >= sizeof(tmp_)) k_ = sizeof(tmp_) - 1;                               \
        while (len + (size_t)k_ + 1 > cap) out = mem_realloc(out, cap *= 2);                 \
        memcpy(out + len, tmp_, (size_t)k_);                                                 \
        len += (size_t)k_;                                                                   \
    } while (0)
    char *line = old;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char word[128];
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        size_t wl = strcspn(p, " \t");
        const struct cfg_def *d = NULL;
        if (*p != '#' && wl > 0 && wl < sizeof(word)) {
            memcpy(word, p, wl);
            word[wl] = '\0';
            d = find_def(word);
        }
        if (!d) {
            EMIT("%s\n", line);
        } else {
            size_t idx = (size_t)(d - defs);
            if (!written[idx]) {
                written[idx] = true;
                char val[1024], q[2100];
                get_def(srv, d, val, sizeof(val));
                if (d->set == set_replicaof) {
                    if (val[0]) EMIT("replicaof %s\n", val); /* gone once a master */
                } else if (d->set == set_save && val[0] == '\0') EMIT("save \"\"\n");
                else if (d->set == set_save || d->set == set_obuf) {
                    /* multi-word values: one line per group */
                    if (d->set == set_obuf) {
                        char *s = val, *tok;
                        int i = 0;
                        char group[256] = "";
                        for (tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) {
                            size_t gl = strlen(group);
                            snprintf(group + gl, sizeof(group) - gl, "%s%s", i % 4 ? " " : "", tok);
                            if (++i % 4 == 0) {
                                EMIT("client-output-buffer-limit %s\n", group);
                                group[0] = '\0';
                            }
                        }
                    } else {
                        char *s = val, *tok;
                        int i = 0;
                        char pair[64] = "";
                        for (tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) {
                            size_t pl = strlen(pair);
                            snprintf(pair + pl, sizeof(pair) - pl, "%s%s", i % 2 ? " " : "", tok);
                            if (++i % 2 == 0) {
                                EMIT("save %s\n", pair);
                                pair[0] = '\0';
                            }
                        }
                    }
                } else {
                    quote_value(val, q, sizeof(q));
                    EMIT("%s %s\n", d->name, q);
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    /* directives changed from their defaults that the file did not have */
    struct server tmp_srv;
    memset(&tmp_srv, 0, sizeof(tmp_srv));
    tmp_srv.cfg = defaults;
    bool header = false;
    for (size_t i = 0; i < ndefs; i++) {
        if (written[i]) continue;
        char cur[1024], def[1024], q[2100];
        get_def(srv, &defs[i], cur, sizeof(cur));
        get_def(&tmp_srv, &defs[i], def, sizeof(def));
        if (!strcmp(cur, def)) continue;
        if (!header) {
            EMIT("# Generated by CONFIG REWRITE\n");
            header = true;
        }
        if (defs[i].set == set_replicaof) {
            EMIT("replicaof %s\n", cur);
        } else if (defs[i].set == set_save) {
            if (!cur[0]) EMIT("save \"\"\n");
            else EMIT("save %s\n", cur);
        } else if (defs[i].set == set_obuf) {
            EMIT("client-output-buffer-limit %s\n", cur);
        } else {
            quote_value(cur, q, sizeof(q));
            EMIT("%s %s\n", defs[i].name, q);
        }
    }
#undef EMIT
    config_free(&defaults);
    mem_free(written);
    mem_free(old);
    /* write to a temp file and rename: never a half-written config */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    FILE *w = fopen(tmp, "w");
    int rc = 0;
    if (!w || fwrite(out, 1, len, w) != len || fflush(w) != 0 || fsync(fileno(w)) != 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        rc = -1;
    }
    if (w) fclose(w);
    if (rc == 0 && rename(tmp, path) < 0) {
        snprintf(err, errlen, "Rewriting config file: %s", strerror(errno));
        rc = -1;
    }
    if (rc < 0) unlink(tmp);
    mem_free(out);
    return rc;
}

/* ---- CONFIG command --------------------------------------------------- */

static char *slice_dup(const struct slice *s) { return mem_memdup(s->p, s->len); }

static void config_get_cmd(struct client *c)
{
    struct server *srv = c->srv;
    size_t ndefs = 0;
    while (defs[ndefs].name) ndefs++;
    bool *hit = mem_calloc(ndefs);
    long long count = 0;
    for (int a = 2; a < c->argc; a++) {
        const struct slice *pat = &c->argv[a];
        for (size_t i = 0; i < ndefs; i++) {
            if (hit[i] || (defs[i].flags & CFG_FILE_ONLY)) continue;
            bool m = util_glob_match(pat->p, pat->len, defs[i].name, strlen(defs[i].name), true);
            if (!m && defs[i].alias && util_eqi(pat->p, pat->len, defs[i].alias)) m = true;
            if (m) {
                hit[i] = true;
                count++;
            }
        }
    }
    reply_map(c, count);
    for (size_t i = 0; i < ndefs; i++) {
        if (!hit[i]) continue;
        char val[2048];
        get_def(srv, &defs[i], val, sizeof(val));
        /* report an alias under the name that was asked for */
        const char *name = defs[i].name;
        for (int a = 2; a < c->argc; a++)
            if (defs[i].alias && util_eqi(c->argv[a].p, c->argv[a].len, defs[i].alias))
                name = defs[i].alias;
        reply_bulk_cstr(c, name);
        reply_bulk_cstr(c, val);
    }
    mem_free(hit);
}

static void config_set_cmd(struct client *c)
{
    struct server *srv = c->srv;
    if (c->argc % 2) {
        reply_err_arity(c, "config|set");
        return;
    }
    int npairs = (c->argc - 2) / 2;
    const struct cfg_def **ds = mem_alloc(sizeof(*ds) * (size_t)npairs);
    char msg[512];
    /* validate names first: unknown, immutable or duplicated */
    for (int i = 0; i < npairs; i++) {
        char *name = slice_dup(&c->argv[2 + 2 * i]);
        const struct cfg_def *d = find_def(name);
        if (d && (d->flags & CFG_FILE_ONLY)) d = NULL;
        if (!d || (d->flags & CFG_IMMUTABLE)) {
            if (!d) snprintf(msg, sizeof(msg), "ERR Unknown option or number of arguments for CONFIG SET - '%s'", name);
            else snprintf(msg, sizeof(msg), "ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config", name);
            mem_free(name);
            mem_free(ds);
            reply_error(c, msg);
            return;
        }
        for (int j = 0; j < i; j++)
            if (ds[j] == d) {
                snprintf(msg, sizeof(msg), "ERR CONFIG SET failed (possibly related to argument '%s') - duplicate parameter", name);
                mem_free(name);
                mem_free(ds);
                reply_error(c, msg);
                return;
            }
        ds[i] = d;
        mem_free(name);
    }
    /* apply all; on failure restore the previous values */
    char **old = mem_calloc(sizeof(char *) * (size_t)npairs);
    for (int i = 0; i < npairs; i++) {
        char val[2048];
        get_def(srv, ds[i], val, sizeof(val));
        old[i] = mem_strdup(val);
    }
    int failed = -1;
    char err[256] = "";
    for (int i = 0; i < npairs && failed < 0; i++) {
        char *name = (char *)ds[i]->name;
        char *val = slice_dup(&c->argv[3 + 2 * i]);
        char *words[2] = {name, val};
        if (ds[i]->set == set_save) mem_free(srv->cfg.save), srv->cfg.save = mem_strdup("");
        int argc = 2;
        /* save takes its words from one string */
        char *sw[64];
        int sn = 0;
        if (ds[i]->set == set_save) {
            sw[sn++] = name;
            for (char *tok = strtok(val, " "); tok && sn < 64; tok = strtok(NULL, " ")) sw[sn++] = tok;
            if (config_set_words(srv, sn, sw, true, err, sizeof(err)) < 0) failed = i;
        } else if (config_set_words(srv, argc, words, true, err, sizeof(err)) < 0) {
            failed = i;
        }
        mem_free(val);
    }
    if (failed >= 0) {
        for (int i = 0; i <= failed && i < npairs; i++) {
            char e2[256];
            if (ds[i]->set == set_save) {
                mem_free(srv->cfg.save);
                srv->cfg.save = mem_strdup(old[i]);
                continue;
            }
            char *words[2] = {(char *)ds[i]->name, old[i]};
            config_set_words(srv, 2, words, true, e2, sizeof(e2));
        }
        snprintf(msg, sizeof(msg), "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                 ds[failed]->name, err);
        reply_error(c, msg);
    } else {
        reply_ok(c);
    }
    for (int i = 0; i < npairs; i++) mem_free(old[i]);
    mem_free(old);
    mem_free(ds);
}

static void config_rewrite_cmd(struct client *c)
{
    char err[512];
    if (config_rewrite(c->srv, err, sizeof(err)) < 0) {
        log_warning("CONFIG REWRITE failed: %s", err);
        reply_errorf(c, "ERR %s", err);
        return;
    }
    log_notice("CONFIG REWRITE executed with success.");
    reply_ok(c);
}

void server_reset_stats(struct server *srv);

static void config_resetstat_cmd(struct client *c)
{
    server_reset_stats(c->srv);
    reply_ok(c);
}

static void config_help_cmd(struct client *c)
{
    static const char *const help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL};
    reply_help(c, "CONFIG", help);
}

static struct command config_subcommands[] = {
    {"get", config_get_cmd, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
     "@admin @slow @dangerous", "Get the values of configuration parameters", "2.0.0", "server"},
    {"set", config_set_cmd, -4, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
     "@admin @slow @dangerous", "Set configuration parameters", "2.0.0", "server"},
    {"rewrite", config_rewrite_cmd, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0,
     "@admin @slow @dangerous", "Rewrite the configuration file", "2.8.0", "server"},
    {"resetstat", config_resetstat_cmd, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0,
     0, "@admin @slow @dangerous", "Reset the server's statistics", "2.0.0", "server"},
    {"help", config_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@slow",
     "Show helpful text about the different subcommands", "5.0.0", "server"},
    {NULL}};

struct command config_commands[] = {
    {"config", NULL, -2, 0, 0, 0, 0, "@slow", "A container for server configuration commands",
     "2.0.0", "server", config_subcommands},
    {NULL}};
