/* engine_none: the "none" persistence engine (engine.h), a pure cache:
 * nothing is loaded at start-up and nothing is ever written. SAVE, BGSAVE,
 * BGREWRITEAOF, appendonly yes and --restore are refused with a clear
 * error; INFO persistence still has its fields (nothing in progress). */
#include "persist/engine.h"

#include "core/sbuf.h"

#include <stdio.h>

#define NONE_ERR "persistence is off (persistence-engine none)"

static void none_init(struct server *srv) {}
static void none_deinit(struct server *srv) {}
static int none_load(struct server *srv, char *err, size_t errlen) { return 0; }

static int none_refuse(char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", NONE_ERR);
    return -1;
}

static int none_restore(struct server *srv, const char *file, bool force, char *err, size_t errlen)
{
    return none_refuse(err, errlen);
}
static int none_save(struct server *srv, char *err, size_t errlen) { return none_refuse(err, errlen); }
static int none_bgsave(struct server *srv, bool schedule, char *err, size_t errlen)
{
    return none_refuse(err, errlen);
}
static int none_rewrite(struct server *srv, char *err, size_t errlen) { return none_refuse(err, errlen); }
static int none_set_log(struct server *srv, bool on, char *err, size_t errlen)
{
    return on ? none_refuse(err, errlen) : 0;
}
static int none_reload(struct server *srv, bool log, int flags, char *err, size_t errlen)
{
    return none_refuse(err, errlen);
}
static void none_cron(struct server *srv) {}
static void none_before_sleep(struct server *srv) {}
static int none_shutdown(struct server *srv, int save) { return 0; }
static void none_flushall(struct server *srv, bool done) {}

static void none_info(struct server *srv, struct sbuf *b)
{
    sbuf_catfmt(b,
                "persistence_engine:none\r\n"
                "loading:0\r\n"
                "async_loading:0\r\n"
                "rdb_changes_since_last_save:%lld\r\n"
                "rdb_bgsave_in_progress:0\r\n"
                "rdb_last_save_time:%lld\r\n"
                "rdb_last_bgsave_status:ok\r\n"
                "rdb_last_bgsave_time_sec:-1\r\n"
                "rdb_current_bgsave_time_sec:-1\r\n"
                "rdb_saves:0\r\n"
                "aof_enabled:0\r\n"
                "aof_rewrite_in_progress:0\r\n"
                "aof_rewrite_scheduled:0\r\n"
                "aof_last_bgrewrite_status:ok\r\n"
                "aof_last_write_status:ok\r\n",
                srv->dirty, srv->lastsave);
}

const struct persist_engine persist_engine_none = {
    .name = "none",
    .init = none_init,
    .deinit = none_deinit,
    .load = none_load,
    .restore = none_restore,
    .save = none_save,
    .bgsave = none_bgsave,
    .rewrite_log = none_rewrite,
    .set_log = none_set_log,
    .reload = none_reload,
    .cron = none_cron,
    .before_sleep = none_before_sleep,
    .shutdown = none_shutdown,
    .flushall = none_flushall,
    .info = none_info,
};
