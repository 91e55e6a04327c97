/* ev: single-threaded event loop over epoll, with timers.
 *
 * Contract. Callbacks run on the loop's thread only. An io callback fires
 * when its fd is ready for the registered direction (level-triggered); a
 * callback may add or delete any fd, including its own, and the loop never
 * calls a handler for an fd deleted earlier in the same iteration. Timers
 * fire no earlier than their due time; a timer callback returns the delay in
 * ms until its next run, or EV_TIMER_STOP. before_sleep runs once per
 * iteration, after all ready events, before the loop blocks again. */
#ifndef APIARY_EV_H
#define APIARY_EV_H

#include <stdbool.h>

#define EV_NONE 0
#define EV_READ 1
#define EV_WRITE 2
#define EV_TIMER_STOP (-1)

struct ev_loop;
typedef void ev_io_fn(struct ev_loop *loop, int fd, void *data, int mask);
typedef long long ev_timer_fn(struct ev_loop *loop, long long id, void *data);
typedef void ev_hook_fn(struct ev_loop *loop, void *data);

/* setsize: largest fd + 1 the loop will watch. NULL on failure. */
struct ev_loop *ev_new(int setsize);
void ev_free(struct ev_loop **loop);
int ev_setsize(const struct ev_loop *loop);
/* Grow to watch fds up to setsize-1; 0 or -1. */
int ev_resize(struct ev_loop *loop, int setsize);

/* Register fn for the directions in mask (added to any already watched).
 * Returns 0 or -errno. */
int ev_add(struct ev_loop *loop, int fd, int mask, ev_io_fn *fn, void *data);
void ev_del(struct ev_loop *loop, int fd, int mask);
int ev_mask(const struct ev_loop *loop, int fd);

/* Returns the timer id (> 0). */
long long ev_timer_add(struct ev_loop *loop, long long ms, ev_timer_fn *fn, void *data);
void ev_timer_del(struct ev_loop *loop, long long id);

void ev_set_before_sleep(struct ev_loop *loop, ev_hook_fn *fn, void *data);
/* Busy polling: before it blocks, the loop polls without blocking for up
 * to usec microseconds (0: never), when most recent waits ended within
 * that window. A wait that blocks costs whoever wakes the loop (on a VM,
 * an interrupt to a halted CPU); a short spin saves that while requests
 * come close together, and costs nothing when they do not. While any hold
 * is taken (a thread of ours needs the idle CPU), the loop never spins. */
void ev_set_busy_poll(struct ev_loop *loop, long long usec);
void ev_busy_poll_hold(struct ev_loop *loop, bool hold);
struct ev_busy_poll_stats {
    long long spins;   /* spins started */
    long long hits;    /* of those, ended by events */
    long long spin_us; /* time spent spinning */
};
void ev_busy_poll_stats(const struct ev_loop *loop, struct ev_busy_poll_stats *st);
/* Run until ev_stop(); returns 0. */
int ev_run(struct ev_loop *loop);
void ev_stop(struct ev_loop *loop);
/* One iteration; wait_ms < 0 waits for the next event or timer. */
int ev_poll_once(struct ev_loop *loop, int wait_ms);

/* From inside a callback (a long script): handle the fds ready now,
 * without waiting, without timers or before_sleep, leaving the outer
 * iteration's pending events intact. Returns how many were handled. */
int ev_process_io(struct ev_loop *loop);

#endif
