/* lazyfree: the background thread that frees large values and whole
 * keyspace tables, so that UNLINK, FLUSHDB ASYNC and FLUSHALL ASYNC (and
 * DEL, expiry, overwrites and flushes when the lazyfree-* directives say
 * so) return without walking millions of allocations on the event loop.
 *
 * Ownership. A value or table handed over with lazyfree_*() belongs to the
 * thread from then on: the caller has already unlinked it from the
 * keyspace and never touches it again. The thread frees it with the same
 * functions the main thread would use (obj_free and friends), which touch
 * only the value's own memory and mem_free(); shared objects (the shared
 * integers) are never handed over.
 *
 * One thread per process (like the log target, it is process-wide by
 * nature): lazyfree_start() at server start, lazyfree_stop() at exit, which
 * lets the thread finish every pending job and joins it, so nothing handed
 * over leaks. Without a running thread (unit tests, after stop) the
 * functions free inline.
 *
 * Counters (INFO memory): lazyfree_pending_objects, objects handed over and
 * not yet freed; lazyfreed_objects, objects the thread has freed since
 * start or CONFIG RESETSTAT. A flushed table counts as its number of keys.
 * The memory the thread frees is counted by base/mem (the thread attaches
 * its allocation counters), so used_memory drops as it works. */
#ifndef APIARY_LAZYFREE_H
#define APIARY_LAZYFREE_H

#include <stdbool.h>
#include <stddef.h>

struct obj;

/* Values whose free effort (obj_free_effort) is above this are freed by
 * the thread; smaller ones cost less to free than to hand over. */
#define LAZYFREE_THRESHOLD 64

int lazyfree_start(void);
void lazyfree_stop(void);

/* Frees o: on the thread when its effort is above LAZYFREE_THRESHOLD,
 * inline otherwise. Returns true when it was handed over. */
bool lazyfree_obj(struct obj *o);
/* Runs fn(arg) on the thread (inline if none runs); `nobjs` is what the
 * job frees, for the counters. */
void lazyfree_submit(void (*fn)(void *arg), void *arg, size_t nobjs);

long long lazyfree_pending_objects(void);
long long lazyfree_freed_objects(void);
void lazyfree_reset_stats(void);

#endif
