/* snapshot: a point-in-time RDB snapshot of the keyspace, taken without
 * fork() while the server keeps serving.
 *
 * How it stays point-in-time. Starting a snapshot gives it a new epoch
 * (ks_next_snap_epoch); entries created from then on carry that epoch, so
 * the snapshot never writes them. The snapshot walks every database with
 * the hash table's scan cursor, a bounded step at a time on the event
 * loop, and writes each entry whose epoch is older, then stamps it. Before
 * anything changes or removes an older entry, the keyspace hands it to the
 * snapshot (struct ks_snap, invariant 4 in core/db.h), which writes it
 * first: so every key is written exactly once, as it was when the snapshot
 * began. A FLUSHDB gives the old tables to the snapshot instead of freeing
 * them; SWAPDB swaps the snapshot's map of which table holds which
 * database. A key written out of order is preceded by SELECTDB, which RDB
 * allows anywhere.
 *
 * Extra memory is what has been serialised and not yet written: the walk
 * pauses while more than SNAP_QUEUE_PAUSE bytes wait for the writer, so
 * beyond that only keys changed during the snapshot add to it.
 *
 * Threads. Serialising happens on the event loop (it reads the live
 * structures); a writer thread (SCHED_IDLE for a background snapshot,
 * replaced by one at nice 10 if it starves) takes the serialised chunks,
 * runs their LZF, computes the CRC-64, writes them to a temporary file in
 * `dir`, giving the CPU away every 100 µs, and at the end
 * fsyncs it, renames it over the destination and fsyncs the directory, so
 * a crash never leaves a partial file under the real name. */
#ifndef APIARY_SNAPSHOT_H
#define APIARY_SNAPSHOT_H

#include "core/server.h"

#include <stdbool.h>

#define SNAP_QUEUE_PAUSE (8u << 20)

enum snap_state { SNAP_RUNNING, SNAP_FLUSHING, SNAP_DONE, SNAP_FAILED };

struct snapshot;

/* What a snapshot writes: an RDB file (dump.rdb, backups), an RDB file
 * marked as an AOF base (aux aof-base 1), or commands (an AOF base with
 * aof-use-rdb-preamble no: persist/aof_write.h, no checksum). */
enum snap_format { SNAP_FMT_RDB, SNAP_FMT_AOF_BASE, SNAP_FMT_AOF_CMDS };

/* Begins a snapshot of srv's keyspace into `path` (written as a temporary
 * file beside it first). Only one snapshot may run at a time. A background
 * snapshot's writer thread runs as SCHED_IDLE: it takes the CPU the event
 * loop and everything else leave, so clients do not wait behind it. */
struct snapshot *snapshot_start(struct server *srv, const char *path, enum snap_format fmt,
                                bool compress, bool checksum, bool background);
/* After writing, read the file back and fail unless its checksum matches
 * (backups); call right after snapshot_start, needs rdbchecksum. */
void snapshot_verify_after(struct snapshot *s);
/* Serialises for about budget_us (< 0: to the end). Returns the state. */
enum snap_state snapshot_step(struct snapshot *s, long long budget_us);
/* The state without doing work (a finished writer is noticed here). */
enum snap_state snapshot_state(struct snapshot *s);
/* True when the next step can do nothing until the writer catches up (a
 * full queue, or the end waiting for the writer's lock): poll gently. */
bool snapshot_stalled(struct snapshot *s);
/* Waits for the writer (SAVE, shutdown). */
enum snap_state snapshot_wait(struct snapshot *s);
/* The reason a failed snapshot failed. */
const char *snapshot_error(const struct snapshot *s);
long long snapshot_keys_done(const struct snapshot *s);
long long snapshot_keys_total(const struct snapshot *s);
long long snapshot_bytes(const struct snapshot *s);
/* Bytes serialised and not yet written by the writer thread: now, and the
 * most at once since the start. */
size_t snapshot_queued(const struct snapshot *s);
size_t snapshot_queued_peak(const struct snapshot *s);
/* The whole data set as an RDB image appended to out, at once (blocking):
 * the payload of a replica's full synchronisation. */
void snapshot_to_buffer(struct server *srv, struct sbuf *out);
/* Ends it: detaches from the keyspace, stops the writer (removing the
 * temporary file unless it was renamed into place) and frees everything. */
void snapshot_free(struct snapshot *s);

#endif
