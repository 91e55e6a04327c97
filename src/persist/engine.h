/* engine: the persistence engine interface.
 *
 * An engine decides how the data set is loaded at start-up, saved as a
 * whole (blocking and in the background), logged change by change, backed
 * up and restored. The server reaches persistence only through the engine
 * chosen at start-up by `persistence-engine` (engine.c: the core hooks and
 * the SAVE/BGSAVE/BGREWRITEAOF commands forward to it). Engines:
 *
 *   file  RDB snapshots (forkless), the multi-part AOF, scheduled backups
 *         (engine_file.c with snapshot.c, aof.c, backup.c, rdb.c)
 *   none  a pure cache: nothing is loaded or written (engine_none.c)
 *
 * docs/persistence.md says how to add one. Every function gets the server;
 * an engine keeps its state behind srv->persist. Functions returning int
 * return 0, or -1 with a message in err (without an "ERR " prefix). */
#ifndef APIARY_ENGINE_H
#define APIARY_ENGINE_H

#include "core/server.h"

#include <stdbool.h>
#include <stddef.h>

struct sbuf;

struct persist_engine {
    const char *name;
    void (*init)(struct server *srv);
    void (*deinit)(struct server *srv);
    /* start-up, before clients: load the data set */
    int (*load)(struct server *srv, char *err, size_t errlen);
    /* start-up: the data set comes from a backup file (--restore) */
    int (*restore)(struct server *srv, const char *file, bool force, char *err, size_t errlen);
    /* SAVE: the whole data set, blocking */
    int (*save)(struct server *srv, char *err, size_t errlen);
    /* BGSAVE [SCHEDULE]: 0 started, 1 scheduled, -1 err */
    int (*bgsave)(struct server *srv, bool schedule, char *err, size_t errlen);
    /* BGREWRITEAOF: compact the change log; 0 started, 1 scheduled, -1 err */
    int (*rewrite_log)(struct server *srv, char *err, size_t errlen);
    /* CONFIG SET appendonly */
    int (*set_log)(struct server *srv, bool on, char *err, size_t errlen);
    /* DEBUG RELOAD (log false) / DEBUG LOADAOF */
    int (*reload)(struct server *srv, bool log, int flags, char *err, size_t errlen);
    void (*cron)(struct server *srv);
    /* before replies leave (the log must be written first) */
    void (*before_sleep)(struct server *srv);
    /* save: 1 yes, 0 no, -1 as configured; -1 calls the shutdown off */
    int (*shutdown)(struct server *srv, int save);
    /* FLUSHALL: before (done false) and after emptying */
    void (*flushall)(struct server *srv, bool done);
    /* INFO persistence */
    void (*info)(struct server *srv, struct sbuf *b);
};

extern const struct persist_engine persist_engine_file, persist_engine_none;

/* Picks the configured engine and starts it; -1 with err for an unknown
 * name. */
int persist_engine_init(struct server *srv, char *err, size_t errlen);
void persist_engine_deinit(struct server *srv);
/* Start-up: load (or restore when file is set). */
int persist_engine_load(struct server *srv, const char *restore, bool force, char *err,
                        size_t errlen);

#endif
