/* persist: the server's persistence: SAVE, BGSAVE, save points, saving at
 * shutdown and FLUSHALL, INFO persistence, stop-writes-on-bgsave-error.
 * It plugs into core through srv->persist_hooks (core/server.h).
 *
 * A BGSAVE is a forkless snapshot (persist/snapshot.h) advanced by a timer
 * on the event loop: when the loop is busy serving commands a step takes
 * at most PERSIST_BUSY_STEP_US each millisecond, so clients keep their
 * latency; when it is idle, steps of PERSIST_IDLE_STEP_US run back to back. */
#ifndef APIARY_PERSIST_H
#define APIARY_PERSIST_H

#include "core/server.h"

#define PERSIST_BUSY_STEP_US 200
#define PERSIST_IDLE_STEP_US 5000
/* after a failed BGSAVE, save points retry no sooner than this */
#define PERSIST_BGSAVE_RETRY_S 5

void persist_init(struct server *srv);
void persist_deinit(struct server *srv);

/* Starts a BGSAVE; 0, or -1 with err set (one already runs). */
int persist_bgsave(struct server *srv, char *err, size_t errlen);
/* A blocking SAVE into the configured file; 0 or -1 (logged). */
int persist_save(struct server *srv);
bool persist_bgsave_running(const struct server *srv);

#endif
