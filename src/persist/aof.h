/* aof: the append-only file, laid out as Redis 7 lays it out.
 *
 * <dir>/<appenddirname>/ holds a base file (<appendfilename>.<n>.base.rdb,
 * an RDB snapshot, or .base.aof, commands), incremental files
 * (<appendfilename>.<n>.incr.aof, the change stream of core/propagate as
 * RESP commands) and the manifest <appendfilename>.manifest that lists them
 * ("file <name> seq <n> type b|i"). The manifest is replaced atomically
 * (temporary file, fsync, rename, fsync of the directory) whenever the set
 * changes, so a crash leaves either the old set or the new one.
 *
 * Writing. The stream is collected in a buffer and written in before_sleep,
 * before replies go out; appendfsync always fsyncs there too (so an
 * acknowledged write is on disk), everysec hands an fsync to a background
 * thread once a second, no leaves it to the kernel.
 *
 * Rewriting (BGREWRITEAOF, auto-aof-rewrite-*, turning appendonly on) is
 * forkless too: the writes switch to a new incremental file, a snapshot of
 * that same instant (persist/snapshot.h) becomes the new base, and when it
 * is complete the manifest names the new base and the incremental files
 * opened since; the old files are deleted. A failed rewrite leaves the old
 * base and every incremental file listed.
 *
 * Loading replays the base and each incremental file through the command
 * table with an internal client. A truncated tail of the last file is cut
 * back to the last whole command when aof-load-truncated is on (an
 * unfinished MULTI is cut too); anything malformed elsewhere stops start-up
 * with the file name and offset. */
#ifndef APIARY_AOF_H
#define APIARY_AOF_H

#include "core/server.h"

#include <stdbool.h>
#include <stddef.h>

struct aof;

void aof_init(struct server *srv);
void aof_deinit(struct server *srv);
/* Start-up with appendonly yes: load what the manifest lists (creating an
 * empty base when there is none) and open the file writes go to. 0, or -1
 * with err set (start-up stops). */
int aof_start(struct server *srv, char *err, size_t errlen);
/* CONFIG SET appendonly */
int aof_set_enabled(struct server *srv, bool on, char *err, size_t errlen);
void aof_before_sleep(struct server *srv);
void aof_cron(struct server *srv);
/* BGREWRITEAOF: 0 started, 1 scheduled (a BGSAVE runs), -1 err */
int aof_rewrite(struct server *srv, char *err, size_t errlen);
bool aof_rewrite_running(const struct server *srv);
/* Flushes and fsyncs everything written so far (shutdown, DEBUG LOADAOF). */
void aof_flush_sync(struct server *srv);
void aof_info(struct server *srv, struct sbuf *b);
/* DEBUG LOADAOF: replays the listed files into the (emptied) keyspace. */
int aof_reload(struct server *srv, char *err, size_t errlen);

/* Replays one AOF-format buffer (a base .aof file or an incremental file)
 * into the keyspace. *valid is set to the length of the whole commands
 * read (outside a MULTI). Returns 0, 1 when the buffer ends in the middle
 * of a command or transaction (truncated), -1 on malformed input or an
 * unknown command (err names the offset). */
int aof_replay(struct server *srv, char *buf, size_t len, size_t *valid, char *err, size_t errlen);

#endif
