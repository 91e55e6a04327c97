/* persist: the internals the "file" engine's parts share (engine_file.c,
 * aof.c, backup.c): the one snapshot job, SAVE and BGSAVE. The engine
 * does SAVE, BGSAVE, save points, saving at shutdown and FLUSHALL, INFO
 * persistence and stop-writes-on-bgsave-error; the server reaches it
 * through engine.h.
 *
 * A BGSAVE is a forkless snapshot (persist/snapshot.h) advanced by a timer
 * on the event loop: while commands are running (any in the last
 * PERSIST_IDLE_AFTER_MS) a step takes at most PERSIST_BUSY_STEP_US each
 * millisecond, so clients keep their latency; when the loop is idle, steps
 * of PERSIST_IDLE_STEP_US run back to back. */
#ifndef APIARY_PERSIST_H
#define APIARY_PERSIST_H

#include "core/server.h"

#define PERSIST_BUSY_STEP_US 200
#define PERSIST_IDLE_STEP_US 5000
/* no command for this long: the loop counts as idle */
#define PERSIST_IDLE_AFTER_MS 50
/* after a failed BGSAVE, save points retry no sooner than this */
#define PERSIST_BGSAVE_RETRY_S 5

struct snapshot;
enum snap_state;

/* The one snapshot that may run at a time, a BGSAVE or an AOF rewrite. */
enum persist_job_kind { JOB_NONE, JOB_BGSAVE, JOB_AOFRW, JOB_BACKUP };
typedef void persist_job_done_fn(struct server *srv, int st, struct snapshot *s);
/* Starts a job writing a snapshot to path; -1 when one already runs. */
int persist_job_start(struct server *srv, enum persist_job_kind kind, const char *path,
                      persist_job_done_fn *done);
enum persist_job_kind persist_job_running(const struct server *srv);
long long persist_job_start_ms(const struct server *srv);
struct snapshot *persist_job_snapshot(const struct server *srv);
/* Stops the job in progress (its temporary file is removed). */
void persist_job_abort(struct server *srv, const char *why);


/* Starts a BGSAVE; 0, or -1 with err set (one already runs). */
int persist_bgsave(struct server *srv, char *err, size_t errlen);
/* A blocking SAVE into the configured file; 0 or -1 (logged). */
int persist_save(struct server *srv);
bool persist_bgsave_running(const struct server *srv);

#endif
