/* server: the server context: configuration, keyspace, clients, stats.
 *
 * There is exactly one `struct server` per process, created by
 * src/server/main.c and passed explicitly (c->srv) to everything that needs
 * it; no module reaches it through a global. The event loop's thread owns
 * all of it. */
#ifndef APIARY_SERVER_H
#define APIARY_SERVER_H

#include "core/db.h"
#include "core/propagate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct client;
struct command;
struct sbuf;
struct server;

/* What the persistence layer (src/persist, above core) plugs into the
 * server: core calls these, persist implements them. */
struct persist_hooks {
    void (*cron)(struct server *srv);
    /* SHUTDOWN and signals: save when asked or when save points are set
     * (save: 1 yes, 0 no, -1 as configured); -1 refuses the shutdown. */
    int (*shutdown)(struct server *srv, int save);
    void (*info)(struct server *srv, struct sbuf *b); /* INFO persistence */
    /* FLUSHALL: before emptying (done false) a snapshot in progress is
     * stopped; after (done true) the empty dataset is saved when save
     * points are set, as Redis does. */
    void (*flushall)(struct server *srv, bool done);
    /* CONFIG SET appendonly: 0, or -1 with err */
    int (*set_appendonly)(struct server *srv, bool on, char *err, size_t errlen);
    /* before_sleep, before replies go out: write (and, for appendfsync
     * always, fsync) what the AOF collected */
    void (*before_sleep)(struct server *srv);
    /* SYNC/PSYNC: the data set as an RDB image, appended to out */
    void (*sync_payload)(struct server *srv, struct sbuf *out);
    /* A replica's full synchronisation: the master's RDB image (len bytes
     * at p) replaces the whole data set (the change log restarts from it).
     * 0, or -1 with err; on -1 the data set is left empty. */
    int (*sync_load)(struct server *srv, const uint8_t *p, size_t len, char *err, size_t errlen);
    /* DEBUG RELOAD (aof false) / DEBUG LOADAOF: 0, or -1 with err */
    int (*reload)(struct server *srv, bool aof, int flags, char *err, size_t errlen);
};
#define PERSIST_RELOAD_NOSAVE 1
#define PERSIST_RELOAD_NOFLUSH 2

#define APIARY_VERSION "0.1.0"
#define REDIS_COMPAT_VERSION "7.0.15"

enum obuf_class { OBUF_NORMAL = 0, OBUF_REPLICA = 1, OBUF_PUBSUB = 2, OBUF_CLASSES };

struct obuf_limit {
    long long hard, soft, soft_seconds;
};

/* Every value CONFIG GET/SET can reach. Defaults in config.c. */
/* maxmemory-policy values; config.c's table maps the names. */
enum maxmemory_policy {
    MM_NOEVICTION = 0,
    MM_ALLKEYS_LRU = 1,
    MM_VOLATILE_LRU = 2,
    MM_ALLKEYS_LFU = 3,
    MM_VOLATILE_LFU = 4,
    MM_ALLKEYS_RANDOM = 5,
    MM_VOLATILE_RANDOM = 6,
    MM_VOLATILE_TTL = 7,
};

struct config {
    char *bind;       /* space separated */
    int port;
    char *unixsocket;
    unsigned unixsocketperm;
    int tcp_backlog;
    int timeout;      /* idle seconds, 0 = never */
    int tcp_keepalive;
    int databases;
    int maxclients;
    int hz;
    int busy_poll_usec; /* ev_set_busy_poll window, 0 = off */
    long long proto_max_bulk_len;
    long long proto_max_multibulk_len;
    long long client_query_buffer_limit;
    struct obuf_limit obuf_limits[OBUF_CLASSES];
    long long maxmemory;
    int maxmemory_policy; /* enum maxmemory_policy */
    int maxmemory_samples;
    int lfu_log_factor, lfu_decay_time;
    char *logfile;
    int loglevel;
    char *pidfile;
    bool daemonize;
    char *dir;
    char *dbfilename;
    char *save;
    bool appendonly;
    int appendfsync;
    char *appendfilename;
    char *appenddirname;
    bool aof_use_rdb_preamble, aof_load_truncated, aof_timestamp_enabled;
    bool aof_rewrite_incremental_fsync;
    int auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    int active_expire_effort;
    bool activerehashing;
    bool lazyfree_lazy_eviction;
    bool lazyfree_lazy_expire;
    bool lazyfree_lazy_server_del;
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_user_flush;
    bool replica_lazy_flush; /* used by replication later */
    char *requirepass;
    bool protected_mode;
    int io_threads;
    int notify_flags; /* notify-keyspace-events (core/notify) */
    long long tracking_table_max_keys; /* core/tracking; 0 = no limit */
    int list_max_listpack_size;
    int list_compress_depth;
    long long hash_max_listpack_entries, hash_max_listpack_value;
    long long set_max_intset_entries, set_max_listpack_entries, set_max_listpack_value;
    long long zset_max_listpack_entries, zset_max_listpack_value;
    bool stop_writes_on_bgsave_error;
    bool rdbcompression, rdbchecksum;
    /* scheduled backups (persist/backup): every backup_interval seconds
     * (0: off) a verified snapshot into backup_dir, keeping the newest
     * backup_retention */
    char *backup_dir;
    char *persistence_engine; /* "file" or "none" (persist/engine.h) */
    int backup_interval, backup_retention;
    /* microseconds per key: paces a BGSAVE's walk (tests), never sleeps */
    int rdb_key_save_delay;
    int repl_ping_replica_period, repl_timeout;
    /* the replica side (core/replica): `replicaof` from the config file
     * (NULL: a master; REPLICAOF keeps it current for CONFIG REWRITE) */
    char *replicaof_host;
    int replicaof_port;
    char *masterauth, *masteruser;
    bool replica_read_only, replica_serve_stale_data, replica_ignore_maxmemory;
    bool replica_announced;
    int replica_priority;
    int repl_diskless_load; /* enum: disabled, on-empty-db, swapdb (all load from memory) */
    int repl_reconnect_max_ms; /* backoff cap between attempts to reach the master */
    /* the master side: writes need this many replicas that acked within
     * min_replicas_max_lag seconds (0: no check) */
    int min_replicas_to_write, min_replicas_max_lag;
    /* scripting (src/script): a script running longer than this (ms) lets
     * the loop serve other clients, who get BUSY (lua-time-limit) */
    long long busy_reply_threshold;
    long long lua_max_memory; /* bytes the Lua VM may hold, 0 = no limit */
    bool enable_debug_command; /* "yes" | "local" | "no" kept as bool: yes/local */
    char *config_file; /* absolute path or NULL */
};

struct slowlog_entry {
    long long id, time, duration;
    int argc;
    struct slice *argv; /* owned copies, trimmed */
    char *peer, *name;
};

struct latency_sample {
    long long time, ms;
};

struct server_stats {
    long long numcommands;
    long long numconnections;
    long long rejected_conn;
    long long net_input_bytes, net_output_bytes;
    long long total_error_replies;
    long long unexpected_error_replies;
    long long client_qbuf_limit_disconnections;
    long long client_obuf_limit_disconnections;
    long long evicted_keys;
    long long evicted_clients;
    long long total_reads_processed, total_writes_processed;
    long long io_threaded_reads, io_threaded_writes;
};

struct server {
    struct config cfg;
    struct ev_loop *loop;
    struct keyspace ks;
    struct server_stats stats;

    /* listeners */
    int lfds[16];
    int nlfds;
    int unix_fd;

    /* clients */
    struct client *clients_head;
    long long nclients;
    uint64_t next_client_id;
    struct client *pending_write; /* singly linked through c->pw_next */
    struct client *monitors;      /* linked through c->mon_next */
    struct client *current;       /* client running a command, or NULL */
    struct htab clients_by_id;

    /* clients blocked on keys (core/blocking.c) */
    struct blocking *blocking;

    /* pause */
    long long pause_until_ms;
    bool pause_write_only;

    /* time */
    long long start_ms;
    long long start_mono_us;
    long long cron_loops;
    bool expire_fast; /* run the fast expiry cycle in before_sleep */
    bool cron_paused; /* DEBUG PAUSE-CRON: the cron does no work */
    /* appendfsync always: the AOF holds writes not yet fsynced, which the
     * next before-sleep step syncs; until then no reply may leave, not even
     * from a write handler that fires later in the same loop iteration */
    bool replies_wait_fsync;
    long long stat_peak_memory;
    char runid[41];
    char executable[1024];

    /* command table */
    struct htab commands;
    int ncommands;

    /* slowlog and latency */
    struct slowlog_entry *slowlog; /* ring */
    long long slowlog_len, slowlog_head, slowlog_next_id;
    long long slowlog_cap; /* slots allocated in the ring */
    struct latency_event *latency;
    int nlatency;

    /* error stats: name -> count */
    struct htab errors;
    struct pubsub *pubsub; /* channel tables (core/pubsub) */
    struct watch_table *watch; /* WATCHed keys (core/multi) */
    long long watching;        /* how many keys are watched: 0 skips the hook */
    int evict_next_db;         /* random eviction's round-robin position */
    struct tracking *tracking; /* client-side caching tables (core/tracking) */
    long long tracking_clients; /* clients with CLIENT_TRACKING: 0 skips every hook */

    /* the change stream (core/propagate) and the replicas fed from it
     * (core/repl) */
    struct propagation prop;
    int nreplicas;
    int repl_good_replicas; /* acked within min-replicas-max-lag (refreshed by cron) */
    /* the replication history this data set belongs to: our own as a
     * master; the master's once synchronised as a replica. repl_offset is
     * the stream position: bytes sent to replicas (a master), bytes of the
     * master's stream applied (a replica). replid2 / second_repl_offset:
     * the history we came from before the last REPLICAOF NO ONE. */
    char replid[41], replid2[41];
    long long repl_offset;
    long long second_repl_offset;
    long long repl_last_ping_ms;
    /* the link to our master (core/replica), NULL while a master */
    struct replica *replica;

    /* persistence (src/persist sets these at start-up) */
    const struct persist_hooks *persist_hooks;
    const struct persist_engine *persist_engine; /* src/persist/engine.h */
    struct persist *persist;
    struct aof *aof;
    struct backup_state *backup;
    /* the last background save failed: with stop-writes-on-bgsave-error
     * and save points set, write commands (and PING) get MISCONF */
    bool bgsave_failed;
    long long rdb_loaded_keys, rdb_loaded_expired; /* the last load */

    /* scripting (src/script sets these; core reads them) */
    struct scripting *scripting;
    struct client *script_caller; /* the client whose script runs, or NULL */
    bool script_busy; /* past busy-reply-threshold: other clients get BUSY */
    bool script_is_eval; /* (for the BUSY text) EVAL rather than FCALL */
    long long lua_vm_memory, lua_scripts_memory, lua_nscripts; /* INFO memory */
    long long lua_nfunctions, lua_nlibraries, lua_functions_memory;
    /* maxmemory was exceeded (after eviction) when the running top-level
     * command was dispatched: a script's first DENYOOM command is refused */
    bool oom_at_dispatch;
    /* total_error_replies when the last call() ended: a command failed if
     * it grew past this (so a script's inner failures are not its own) */
    long long err_mark;

    /* shutdown */
    bool shutdown_asap;
    int shutdown_signal;
    long long lastsave;
    long long dirty;

    /* instantaneous metrics */
    long long inst_last_ms, inst_last_cmds, inst_last_in, inst_last_out;
    long long inst_ops, inst_in, inst_out;
    int inst_idx;
    long long inst_ops_samples[16], inst_in_samples[16], inst_out_samples[16];
};

struct latency_event {
    char name[64];
    struct latency_sample samples[160];
    int idx, count;
    long long max;
};

/* Lifecycle (server.c). */
int server_init(struct server *srv, char *err, size_t errlen);
int server_listen(struct server *srv, char *err, size_t errlen);
void server_run(struct server *srv);
void server_deinit(struct server *srv);
/* Copy the lazyfree-lazy-{expire,server-del,eviction} directives into the
 * keyspace (at start and on CONFIG SET). */
void server_apply_lazyfree(struct server *srv);
/* Pushes maxmemory-policy and lfu-* into the keyspace (LFU counters on or off). */
void server_apply_lfu(struct server *srv);
/* Flush, log and stop the loop; returns 0, or -1 to refuse (SHUTDOWN). */
/* flags for server_prepare_shutdown */
#define SHUTDOWN_SAVE 1   /* save even without save points */
#define SHUTDOWN_NOSAVE 2 /* don't save even with them */
#define SHUTDOWN_FORCE 4  /* exit even if saving fails */
/* Saves when due (see persist_hooks.shutdown) and stops the loop; -1 when
 * saving failed and the shutdown was called off. */
int server_prepare_shutdown(struct server *srv, int flags);

/* Time of the current command/event batch, ms. */
static inline long long server_now_ms(const struct server *srv) { return srv->ks.now_ms; }
void server_update_time(struct server *srv);

/* Slowlog / latency (server_cmds.c). */
void slowlog_push(struct server *srv, struct client *c, long long duration_us);
void slowlog_reset(struct server *srv);
void latency_add_sample(struct server *srv, const char *event, long long ms);

/* Error statistics, called by reply_error. */
void server_count_error(struct server *srv, const char *msg, size_t len);
/* Visit every error code counted so far (INFO errorstats). */
void server_errors_foreach(struct server *srv,
                           void (*fn)(const char *name, long long count, void *priv), void *priv);

#endif
