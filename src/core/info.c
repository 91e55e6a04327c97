/* info: the INFO command; see info.h. Features Apiary does not have yet
 * (persistence, replication, scripting, client-side caching) report the
 * values Redis reports when they are idle or off. */
#include "core/info.h"
#include "ev/ev.h"

#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/lazyfree.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/pubsub.h"
#include "core/repl.h"
#include "core/server.h"
#include "core/tracking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

enum {
    S_SERVER = 1 << 0,
    S_CLIENTS = 1 << 1,
    S_MEMORY = 1 << 2,
    S_PERSISTENCE = 1 << 3,
    S_STATS = 1 << 4,
    S_REPLICATION = 1 << 5,
    S_CPU = 1 << 6,
    S_MODULES = 1 << 7,
    S_COMMANDSTATS = 1 << 8,
    S_ERRORSTATS = 1 << 9,
    S_LATENCYSTATS = 1 << 10,
    S_CLUSTER = 1 << 11,
    S_KEYSPACE = 1 << 12,
    S_DEFAULT = S_SERVER | S_CLIENTS | S_MEMORY | S_PERSISTENCE | S_STATS | S_REPLICATION | S_CPU |
                S_MODULES | S_ERRORSTATS | S_CLUSTER | S_KEYSPACE,
    S_ALL = S_DEFAULT | S_COMMANDSTATS | S_LATENCYSTATS,
};

static const struct {
    const char *name;
    unsigned bits;
} section_names[] = {
    {"server", S_SERVER},
    {"clients", S_CLIENTS},
    {"memory", S_MEMORY},
    {"persistence", S_PERSISTENCE},
    {"stats", S_STATS},
    {"replication", S_REPLICATION},
    {"cpu", S_CPU},
    {"modules", S_MODULES},
    {"commandstats", S_COMMANDSTATS},
    {"errorstats", S_ERRORSTATS},
    {"latencystats", S_LATENCYSTATS},
    {"cluster", S_CLUSTER},
    {"keyspace", S_KEYSPACE},
    {"default", S_DEFAULT},
    {"all", S_ALL},
    {"everything", S_ALL},
    {NULL, 0},
};

static const char *const policy_names[] = {"noeviction",      "allkeys-lru",  "volatile-lru",
                                           "allkeys-lfu",     "volatile-lfu", "allkeys-random",
                                           "volatile-random", "volatile-ttl"};

/* Redis's human-readable byte counts: 512B, 1.50K, 2.00M ... */
static void human_bytes(char *buf, size_t len, long long n)
{
    double d = (double)n;
    if (n < 1024)
        snprintf(buf, len, "%lldB", n);
    else if (n < 1024LL * 1024)
        snprintf(buf, len, "%.2fK", d / 1024);
    else if (n < 1024LL * 1024 * 1024)
        snprintf(buf, len, "%.2fM", d / (1024.0 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024)
        snprintf(buf, len, "%.2fG", d / (1024.0 * 1024 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024 * 1024)
        snprintf(buf, len, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
    else
        snprintf(buf, len, "%.2fP", d / (1024.0 * 1024 * 1024 * 1024 * 1024));
}

static void section_header(struct sbuf *b, int *nsections, const char *title)
{
    if ((*nsections)++) sbuf_cat(b, "\r\n", 2);
    sbuf_catfmt(b, "# %s\r\n", title);
}

/* Memory a client holds in buffers (CLIENT LIST tot-mem, minus argv). */
static long long client_mem(const struct client *c)
{
    long long m = (long long)sizeof(*c) + (long long)c->qcap + CLIENT_OBUF_SIZE;
    for (const struct rblock *b = c->rhead; b; b = b->next)
        m += (long long)(sizeof(*b) + b->size);
    return m;
}

static const char *executable_path(const struct server *srv)
{
    static char path[1024];
    if (srv->executable[0]) return srv->executable;
    if (!path[0]) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
        path[n > 0 ? n : 0] = '\0';
    }
    return path;
}

static void info_server(struct sbuf *b, struct server *srv)
{
    static struct utsname uts;
    static bool have_uts;
    if (!have_uts) {
        uname(&uts);
        have_uts = true;
    }
    long long now_us = util_ustime();
    long long uptime = (util_monotonic_us() - srv->start_mono_us) / 1000000;
    sbuf_catfmt(b,
                "redis_version:%s\r\n"
                "apiary_version:%s\r\n"
                "redis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\n"
                "redis_build_id:0\r\n"
                "redis_mode:standalone\r\n"
                "os:%s %s %s\r\n"
                "arch_bits:%d\r\n"
                "monotonic_clock:POSIX clock_gettime\r\n"
                "multiplexing_api:epoll\r\n"
                "atomicvar_api:c11-builtin\r\n"
                "gcc_version:%d.%d.%d\r\n"
                "process_id:%d\r\n"
                "process_supervised:no\r\n"
                "run_id:%s\r\n"
                "tcp_port:%d\r\n"
                "server_time_usec:%lld\r\n"
                "uptime_in_seconds:%lld\r\n"
                "uptime_in_days:%lld\r\n"
                "hz:%d\r\n"
                "configured_hz:%d\r\n"
                "lru_clock:%u\r\n"
                "executable:%s\r\n"
                "config_file:%s\r\n"
                "io_threads_active:0\r\n",
                REDIS_COMPAT_VERSION, APIARY_VERSION, uts.sysname, uts.release, uts.machine,
                (int)(sizeof(long) * 8),
#ifdef __GNUC__
                __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                0, 0, 0,
#endif
                (int)getpid(), srv->runid, srv->cfg.port, now_us, uptime, uptime / 86400,
                srv->cfg.hz, srv->cfg.hz, (unsigned)ks_lru_clock(&srv->ks), executable_path(srv),
                srv->cfg.config_file ? srv->cfg.config_file : "");
}

static void info_clients(struct sbuf *b, struct server *srv)
{
    long long blocked = 0;
    size_t max_in = 0, max_out = 0;
    for (struct client *c = srv->clients_head; c; c = c->next) {
        if (c->flags & (CLIENT_BLOCKED | CLIENT_PAUSED)) blocked++; /* Redis counts both */
        if (c->qbuf_peak > max_in) max_in = c->qbuf_peak;
        size_t out = client_obuf_bytes(c);
        if (out > max_out) max_out = out;
    }
    sbuf_catfmt(b,
                "connected_clients:%lld\r\n"
                "cluster_connections:0\r\n"
                "maxclients:%d\r\n"
                "client_recent_max_input_buffer:%zu\r\n"
                "client_recent_max_output_buffer:%zu\r\n"
                "blocked_clients:%lld\r\n"
                "tracking_clients:%lld\r\n"
                "clients_in_timeout_table:0\r\n",
                srv->nclients, srv->cfg.maxclients, max_in, max_out, blocked,
                srv->tracking_clients);
}

static void info_memory(struct sbuf *b, struct server *srv)
{
    long long used = (long long)mem_used();
    long long rss = (long long)mem_rss();
    if (used > srv->stat_peak_memory) srv->stat_peak_memory = used;
    long long peak = srv->stat_peak_memory;
    long long clients = 0;
    for (struct client *c = srv->clients_head; c; c = c->next)
        clients += client_mem(c);
    long long tables = 0;
    for (int i = 0; i < srv->ks.ndb; i++) {
        struct db *db = ks_db(&srv->ks, i);
        tables += (long long)((htab_slots(&db->keys) + htab_slots(&db->expires)) * sizeof(void *));
        tables += (long long)(db_expires_size(db) * sizeof(struct expnode));
    }
    long long overhead = clients + tables;
    long long dataset = used > overhead ? used - overhead : 0;
    long long sysmem = (long long)sysconf(_SC_PHYS_PAGES) * (long long)sysconf(_SC_PAGESIZE);
    char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_max[32];
    human_bytes(h_used, sizeof(h_used), used);
    human_bytes(h_rss, sizeof(h_rss), rss);
    human_bytes(h_peak, sizeof(h_peak), peak);
    human_bytes(h_sys, sizeof(h_sys), sysmem);
    human_bytes(h_max, sizeof(h_max), srv->cfg.maxmemory);
    long long lua = srv->lua_vm_memory, scripts = srv->lua_scripts_memory;
    char h_lua[32], h_scripts[32];
    human_bytes(h_lua, sizeof(h_lua), lua);
    human_bytes(h_scripts, sizeof(h_scripts), scripts);
    int pol = srv->cfg.maxmemory_policy;
    const char *policy = pol >= 0 && pol < (int)(sizeof(policy_names) / sizeof(policy_names[0]))
                             ? policy_names[pol]
                             : "noeviction";
    sbuf_catfmt(b,
                "used_memory:%lld\r\n"
                "used_memory_human:%s\r\n"
                "used_memory_rss:%lld\r\n"
                "used_memory_rss_human:%s\r\n"
                "used_memory_peak:%lld\r\n"
                "used_memory_peak_human:%s\r\n"
                "used_memory_peak_perc:%.2f%%\r\n"
                "used_memory_overhead:%lld\r\n"
                "used_memory_startup:0\r\n"
                "used_memory_dataset:%lld\r\n"
                "used_memory_dataset_perc:%.2f%%\r\n"
                "total_system_memory:%lld\r\n"
                "total_system_memory_human:%s\r\n"
                "used_memory_lua:%lld\r\n"
                "used_memory_vm_eval:%lld\r\n"
                "used_memory_lua_human:%s\r\n"
                "used_memory_scripts_eval:%lld\r\n"
                "number_of_cached_scripts:%lld\r\n"
                "number_of_functions:%lld\r\n"
                "number_of_libraries:%lld\r\n"
                "used_memory_vm_functions:0\r\n"
                "used_memory_vm_total:%lld\r\n"
                "used_memory_vm_total_human:%s\r\n"
                "used_memory_functions:%lld\r\n"
                "used_memory_scripts:%lld\r\n"
                "used_memory_scripts_human:%s\r\n"
                "maxmemory:%lld\r\n"
                "maxmemory_human:%s\r\n"
                "maxmemory_policy:%s\r\n"
                "mem_fragmentation_ratio:%.2f\r\n"
                "mem_fragmentation_bytes:%lld\r\n"
                "mem_not_counted_for_evict:0\r\n"
                "mem_replication_backlog:0\r\n"
                "mem_total_replication_buffers:0\r\n"
                "mem_clients_slaves:0\r\n"
                "mem_clients_normal:%lld\r\n"
                "mem_cluster_links:0\r\n"
                "mem_aof_buffer:0\r\n"
                "mem_allocator:%s\r\n"
                "active_defrag_running:0\r\n"
                "lazyfree_pending_objects:%lld\r\n"
                "lazyfreed_objects:%lld\r\n",
                used, h_used, rss, h_rss, peak, h_peak,
                peak ? (double)used * 100 / (double)peak : 0.0, overhead, dataset,
                used ? (double)dataset * 100 / (double)used : 0.0, sysmem, h_sys, lua, lua, h_lua,
                scripts, srv->lua_nscripts, srv->lua_nfunctions, srv->lua_nlibraries, lua, h_lua,
                srv->lua_functions_memory, scripts, h_scripts, srv->cfg.maxmemory, h_max, policy, used ? (double)rss / (double)used : 0.0,
                rss - used, clients, mem_allocator_name(), lazyfree_pending_objects(),
                lazyfree_freed_objects());
}

static void info_persistence(struct sbuf *b, struct server *srv)
{
    if (srv->persist_hooks) srv->persist_hooks->info(srv, b);
}

static long long avg_samples(const long long *s, int n)
{
    long long sum = 0;
    for (int i = 0; i < n; i++)
        sum += s[i];
    return sum / n;
}

static void info_stats(struct sbuf *b, struct server *srv)
{
    size_t ps_channels, ps_patterns, ps_shard;
    pubsub_counts(srv, &ps_channels, &ps_patterns, &ps_shard);
    long long trk_keys, trk_items, trk_prefixes;
    tracking_stats(srv, &trk_keys, &trk_items, &trk_prefixes);
    const struct server_stats *st = &srv->stats;
    const struct ks_stats *ks = &srv->ks.stats;
    enum { NSAMPLES = (int)(sizeof(srv->inst_ops_samples) / sizeof(srv->inst_ops_samples[0])) };
    sbuf_catfmt(b,
                "total_connections_received:%lld\r\n"
                "total_commands_processed:%lld\r\n"
                "instantaneous_ops_per_sec:%lld\r\n"
                "total_net_input_bytes:%lld\r\n"
                "total_net_output_bytes:%lld\r\n"
                "total_net_repl_input_bytes:0\r\n"
                "total_net_repl_output_bytes:0\r\n"
                "instantaneous_input_kbps:%.2f\r\n"
                "instantaneous_output_kbps:%.2f\r\n"
                "instantaneous_input_repl_kbps:0.00\r\n"
                "instantaneous_output_repl_kbps:0.00\r\n"
                "rejected_connections:%lld\r\n"
                "sync_full:0\r\n"
                "sync_partial_ok:0\r\n"
                "sync_partial_err:0\r\n"
                "expired_keys:%lld\r\n"
                "expired_stale_perc:%.2f\r\n"
                "expired_time_cap_reached_count:%lld\r\n"
                "expire_cycle_cpu_milliseconds:%lld\r\n"
                "evicted_keys:%lld\r\n"
                "evicted_clients:%lld\r\n"
                "total_eviction_exceeded_time:0\r\n"
                "current_eviction_exceeded_time:0\r\n"
                "keyspace_hits:%lld\r\n"
                "keyspace_misses:%lld\r\n"
                "pubsub_channels:%zu\r\n"
                "pubsub_patterns:%zu\r\n"
                "pubsubshard_channels:%zu\r\n"
                "latest_fork_usec:0\r\n"
                "total_forks:0\r\n"
                "migrate_cached_sockets:0\r\n"
                "slave_expires_tracked_keys:0\r\n"
                "active_defrag_hits:0\r\n"
                "active_defrag_misses:0\r\n"
                "active_defrag_key_hits:0\r\n"
                "active_defrag_key_misses:0\r\n"
                "total_active_defrag_time:0\r\n"
                "current_active_defrag_time:0\r\n"
                "tracking_total_keys:%lld\r\n"
                "tracking_total_items:%lld\r\n"
                "tracking_total_prefixes:%lld\r\n"
                "unexpected_error_replies:%lld\r\n"
                "total_error_replies:%lld\r\n"
                "dump_payload_sanitizations:0\r\n"
                "total_reads_processed:%lld\r\n"
                "total_writes_processed:%lld\r\n"
                "io_threaded_reads_processed:%lld\r\n"
                "io_threaded_writes_processed:%lld\r\n"
                "reply_buffer_shrinks:0\r\n"
                "reply_buffer_expands:0\r\n",
                st->numconnections, st->numcommands, avg_samples(srv->inst_ops_samples, NSAMPLES),
                st->net_input_bytes, st->net_output_bytes,
                (double)avg_samples(srv->inst_in_samples, NSAMPLES) / 1024,
                (double)avg_samples(srv->inst_out_samples, NSAMPLES) / 1024, st->rejected_conn,
                ks->expired_keys, (double)ks->expired_stale_perc,
                ks->expired_time_cap_reached_count, ks->expire_cycle_cpu_us / 1000,
                st->evicted_keys, st->evicted_clients, ks->keyspace_hits, ks->keyspace_misses,
                ps_channels, ps_patterns, ps_shard, trk_keys, trk_items, trk_prefixes,
                st->unexpected_error_replies, st->total_error_replies, st->total_reads_processed,
                st->total_writes_processed, st->io_threaded_reads, st->io_threaded_writes);
}

static void info_replication(struct sbuf *b, struct server *srv) { repl_info(srv, b); }

static void info_cpu(struct sbuf *b, struct server *srv)
{
    struct ev_busy_poll_stats bp;
    ev_busy_poll_stats(srv->loop, &bp);
    struct rusage self, children, thread;
    memset(&thread, 0, sizeof(thread));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
#endif
    sbuf_catfmt(b,
                "used_cpu_sys:%ld.%06ld\r\n"
                "used_cpu_user:%ld.%06ld\r\n"
                "used_cpu_sys_children:%ld.%06ld\r\n"
                "used_cpu_user_children:%ld.%06ld\r\n"
                "used_cpu_sys_main_thread:%ld.%06ld\r\n"
                "used_cpu_user_main_thread:%ld.%06ld\r\n"
                "busy_poll_spins:%lld\r\n"
                "busy_poll_hits:%lld\r\n"
                "busy_poll_usec:%lld\r\n",
                (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
                (long)self.ru_utime.tv_usec, (long)children.ru_stime.tv_sec,
                (long)children.ru_stime.tv_usec, (long)children.ru_utime.tv_sec,
                (long)children.ru_utime.tv_usec, (long)thread.ru_stime.tv_sec,
                (long)thread.ru_stime.tv_usec, (long)thread.ru_utime.tv_sec,
                (long)thread.ru_utime.tv_usec, bp.spins, bp.hits, bp.spin_us);
}

static void cmdstat_line(struct sbuf *b, const struct command *cmd)
{
    if (!cmd->calls && !cmd->failed_calls && !cmd->rejected_calls) return;
    sbuf_catfmt(b,
                "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                "failed_calls=%lld\r\n",
                cmd->fullname, cmd->calls, cmd->usec,
                cmd->calls ? (double)cmd->usec / (double)cmd->calls : 0.0, cmd->rejected_calls,
                cmd->failed_calls);
}

static void cmdstat_cb(struct command *cmd, void *priv)
{
    struct sbuf *b = priv;
    cmdstat_line(b, cmd);
    if (cmd->subcommands)
        for (const struct command *s = cmd->subcommands; s->name; s++)
            cmdstat_line(b, s);
}

/* Percentile p of a command's latency histogram: the upper bound (us) of
 * the bucket holding the p-th percentile call. */
static double hist_percentile(const long long *h, double p)
{
    long long total = 0;
    for (int k = 0; k < CMD_LATENCY_BUCKETS; k++) total += h[k];
    long long want = (long long)((double)total * p / 100.0 + 0.999999);
    if (want < 1) want = 1;
    long long cum = 0;
    for (int k = 0; k < CMD_LATENCY_BUCKETS; k++) {
        cum += h[k];
        if (cum >= want) return (double)(1LL << k);
    }
    return (double)(1LL << (CMD_LATENCY_BUCKETS - 1));
}

static void latstat_line(struct sbuf *b, const struct command *cmd)
{
    if (!cmd->latency_hist) return;
    sbuf_catfmt(b, "latency_percentiles_usec_%s:p50=%.3f,p99=%.3f,p99.9=%.3f\r\n", cmd->fullname,
                hist_percentile(cmd->latency_hist, 50), hist_percentile(cmd->latency_hist, 99),
                hist_percentile(cmd->latency_hist, 99.9));
}

static void latstat_cb(struct command *cmd, void *priv)
{
    struct sbuf *b = priv;
    latstat_line(b, cmd);
    if (cmd->subcommands)
        for (const struct command *s = cmd->subcommands; s->name; s++) latstat_line(b, s);
}

struct err_row {
    const char *name;
    long long count;
};

struct err_rows {
    struct err_row *rows;
    size_t n, cap;
};

static void err_collect(const char *name, long long count, void *priv)
{
    struct err_rows *r = priv;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->rows = mem_realloc(r->rows, sizeof(*r->rows) * r->cap);
    }
    r->rows[r->n].name = name;
    r->rows[r->n].count = count;
    r->n++;
}

static int err_row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct err_row *)a)->name, ((const struct err_row *)b)->name);
}

static void info_errorstats(struct sbuf *b, struct server *srv)
{
    struct err_rows r = {0};
    server_errors_foreach(srv, err_collect, &r);
    if (r.n) qsort(r.rows, r.n, sizeof(*r.rows), err_row_cmp);
    for (size_t i = 0; i < r.n; i++)
        sbuf_catfmt(b, "errorstat_%s:count=%lld\r\n", r.rows[i].name, r.rows[i].count);
    mem_free(r.rows);
}

static void info_keyspace(struct sbuf *b, struct server *srv)
{
    for (int i = 0; i < srv->ks.ndb; i++) {
        struct db *db = ks_db(&srv->ks, i);
        size_t keys = db_size(db);
        if (!keys) continue;
        sbuf_catfmt(b, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, db_expires_size(db),
                    db->avg_ttl);
    }
}

/* Build the INFO text for the sections in mask, in Redis's order. */
static void info_generate(struct sbuf *b, struct server *srv, unsigned mask)
{
    int n = 0;
    if (mask & S_SERVER) {
        section_header(b, &n, "Server");
        info_server(b, srv);
    }
    if (mask & S_CLIENTS) {
        section_header(b, &n, "Clients");
        info_clients(b, srv);
    }
    if (mask & S_MEMORY) {
        section_header(b, &n, "Memory");
        info_memory(b, srv);
    }
    if (mask & S_PERSISTENCE) {
        section_header(b, &n, "Persistence");
        info_persistence(b, srv);
    }
    if (mask & S_STATS) {
        section_header(b, &n, "Stats");
        info_stats(b, srv);
    }
    if (mask & S_REPLICATION) {
        section_header(b, &n, "Replication");
        info_replication(b, srv);
    }
    if (mask & S_CPU) {
        section_header(b, &n, "CPU");
        info_cpu(b, srv);
    }
    if (mask & S_MODULES) section_header(b, &n, "Modules");
    if (mask & S_COMMANDSTATS) {
        section_header(b, &n, "Commandstats");
        cmd_foreach(srv, cmdstat_cb, b);
    }
    if (mask & S_ERRORSTATS) {
        section_header(b, &n, "Errorstats");
        info_errorstats(b, srv);
    }
    if (mask & S_LATENCYSTATS) {
        section_header(b, &n, "Latencystats");
        cmd_foreach(srv, latstat_cb, b);
    }
    if (mask & S_CLUSTER) {
        section_header(b, &n, "Cluster");
        sbuf_cats(b, "cluster_enabled:0\r\n");
    }
    if (mask & S_KEYSPACE) {
        section_header(b, &n, "Keyspace");
        info_keyspace(b, srv);
    }
}

void info_command(struct client *c)
{
    unsigned mask = c->argc == 1 ? S_DEFAULT : 0;
    for (int i = 1; i < c->argc; i++)
        for (int k = 0; section_names[k].name; k++)
            if (util_eqi(c->argv[i].p, c->argv[i].len, section_names[k].name))
                mask |= section_names[k].bits;
    struct sbuf b = {0};
    info_generate(&b, c->srv, mask);
    reply_verbatim(c, b.p ? b.p : "", b.len, "txt");
    sbuf_free(&b);
}
