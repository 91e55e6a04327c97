/* ev: epoll loop, see ev.h. Timers live in a small unsorted array: the
 * server has a handful (cron, per-module ticks); per-client deadlines are
 * kept by their owners in ordered structures and driven from cron. */
#include "ev/ev.h"

#include "base/mem.h"
#include "base/util.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct ev_file {
    int mask;
    ev_io_fn *rfn, *wfn;
    void *rdata, *wdata;
};

struct ev_timer {
    long long id;
    long long when_us; /* monotonic */
    ev_timer_fn *fn;
    void *data;
    bool deleted;
};

struct ev_loop {
    int epfd;
    int setsize;
    struct ev_file *files;
    struct epoll_event *events;
    struct ev_timer *timers;
    int ntimers, timers_cap;
    long long next_timer_id;
    bool stop;
    ev_hook_fn *before_sleep;
    void *before_sleep_data;
    /* busy polling (ev_set_busy_poll): the window, the holds that turn it
     * off, and the outcomes of the last 32 waits, a bit set for each that
     * ended with events within the window (the predictor) */
    long long poll_us;
    int poll_holds;
    uint32_t poll_history;
    struct ev_busy_poll_stats poll_stats;
    struct epoll_event nested[64]; /* ev_process_io's own: the outer pass keeps `events` */
};

struct ev_loop *ev_new(int setsize)
{
    struct ev_loop *l = mem_calloc(sizeof(*l));
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        mem_free(l);
        return NULL;
    }
    l->setsize = setsize;
    l->files = mem_calloc(sizeof(*l->files) * (size_t)setsize);
    l->events = mem_calloc(sizeof(*l->events) * (size_t)setsize);
    l->next_timer_id = 1;
    return l;
}

void ev_free(struct ev_loop **lp)
{
    struct ev_loop *l = *lp;
    if (!l) return;
    close(l->epfd);
    mem_free(l->files);
    mem_free(l->events);
    mem_free(l->timers);
    mem_free(l);
    *lp = NULL;
}

int ev_setsize(const struct ev_loop *l) { return l->setsize; }

int ev_resize(struct ev_loop *l, int setsize)
{
    if (setsize <= l->setsize) return 0;
    l->files = mem_realloc(l->files, sizeof(*l->files) * (size_t)setsize);
    memset(l->files + l->setsize, 0, sizeof(*l->files) * (size_t)(setsize - l->setsize));
    l->events = mem_realloc(l->events, sizeof(*l->events) * (size_t)setsize);
    l->setsize = setsize;
    return 0;
}

static int ev__ctl(struct ev_loop *l, int fd, int oldmask, int newmask)
{
    struct epoll_event ee = {0};
    if (newmask & EV_READ) ee.events |= EPOLLIN;
    if (newmask & EV_WRITE) ee.events |= EPOLLOUT;
    ee.data.fd = fd;
    int op = oldmask == EV_NONE ? EPOLL_CTL_ADD : (newmask == EV_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    if (epoll_ctl(l->epfd, op, fd, &ee) < 0) return -errno;
    return 0;
}

int ev_add(struct ev_loop *l, int fd, int mask, ev_io_fn *fn, void *data)
{
    if (fd < 0) return -EBADF;
    if (fd >= l->setsize) return -ERANGE;
    struct ev_file *f = &l->files[fd];
    int nm = f->mask | mask;
    if (nm != f->mask) {
        int rc = ev__ctl(l, fd, f->mask, nm);
        if (rc) return rc;
    }
    f->mask = nm;
    if (mask & EV_READ) { f->rfn = fn; f->rdata = data; }
    if (mask & EV_WRITE) { f->wfn = fn; f->wdata = data; }
    return 0;
}

void ev_del(struct ev_loop *l, int fd, int mask)
{
    if (fd < 0 || fd >= l->setsize) return;
    struct ev_file *f = &l->files[fd];
    if (f->mask == EV_NONE) return;
    int nm = f->mask & ~mask;
    if (nm != f->mask) ev__ctl(l, fd, f->mask, nm);
    f->mask = nm;
}

int ev_mask(const struct ev_loop *l, int fd)
{
    if (fd < 0 || fd >= l->setsize) return 0;
    return l->files[fd].mask;
}

long long ev_timer_add(struct ev_loop *l, long long ms, ev_timer_fn *fn, void *data)
{
    if (l->ntimers == l->timers_cap) {
        l->timers_cap = l->timers_cap ? l->timers_cap * 2 : 8;
        l->timers = mem_realloc(l->timers, sizeof(*l->timers) * (size_t)l->timers_cap);
    }
    struct ev_timer *t = &l->timers[l->ntimers++];
    t->id = l->next_timer_id++;
    t->when_us = util_monotonic_us() + ms * 1000;
    t->fn = fn;
    t->data = data;
    t->deleted = false;
    return t->id;
}

void ev_timer_del(struct ev_loop *l, long long id)
{
    for (int i = 0; i < l->ntimers; i++)
        if (l->timers[i].id == id) l->timers[i].deleted = true;
}

void ev_set_before_sleep(struct ev_loop *l, ev_hook_fn *fn, void *data)
{
    l->before_sleep = fn;
    l->before_sleep_data = data;
}

static long long ev__nearest_timer_us(struct ev_loop *l)
{
    long long best = -1;
    for (int i = 0; i < l->ntimers; i++) {
        if (l->timers[i].deleted) continue;
        if (best < 0 || l->timers[i].when_us < best) best = l->timers[i].when_us;
    }
    return best;
}

static void ev__run_timers(struct ev_loop *l)
{
    long long now = util_monotonic_us();
    /* Timers added by callbacks run next iteration: bound by count now. */
    int n = l->ntimers;
    for (int i = 0; i < n; i++) {
        struct ev_timer *t = &l->timers[i];
        if (t->deleted || t->when_us > now) continue;
        long long id = t->id;
        ev_timer_fn *fn = t->fn;
        void *data = t->data;
        long long again = fn(l, id, data);
        t = &l->timers[i]; /* the array may have moved */
        if (again == EV_TIMER_STOP || t->deleted) t->deleted = true;
        else t->when_us = util_monotonic_us() + again * 1000;
    }
    /* compact */
    int w = 0;
    for (int i = 0; i < l->ntimers; i++)
        if (!l->timers[i].deleted) l->timers[w++] = l->timers[i];
    l->ntimers = w;
}

/* Calls the handlers of n ready events: read first, then write. */
static void dispatch(struct ev_loop *l, const struct epoll_event *events, int n)
{
    for (int i = 0; i < n; i++) {
        const struct epoll_event *e = &events[i];
        int fd = e->data.fd;
        struct ev_file *f = &l->files[fd];
        int mask = 0;
        if (e->events & EPOLLIN) mask |= EV_READ;
        if (e->events & EPOLLOUT) mask |= EV_WRITE;
        if (e->events & (EPOLLERR | EPOLLHUP)) mask |= EV_READ | EV_WRITE;
        if ((f->mask & mask & EV_READ) && f->rfn) f->rfn(l, fd, f->rdata, EV_READ);
        f = &l->files[fd]; /* the read handler may have deleted or re-added fd */
        if ((f->mask & mask & EV_WRITE) && f->wfn) f->wfn(l, fd, f->wdata, EV_WRITE);
    }
}

void ev_set_busy_poll(struct ev_loop *l, long long usec)
{
    l->poll_us = usec > 0 ? usec : 0;
    l->poll_history = 0;
}

void ev_busy_poll_hold(struct ev_loop *l, bool hold)
{
    if (!l) return;
    l->poll_holds += hold ? 1 : -1;
    if (l->poll_holds < 0) l->poll_holds = 0;
}

void ev_busy_poll_stats(const struct ev_loop *l, struct ev_busy_poll_stats *st) { *st = l->poll_stats; }

/* A spin pays when the next event comes within the window most of the
 * time: 24 of the last 32 waits. Below that (a light or bursty load) the
 * loop blocks at once, as if busy polling were off, and its waits keep
 * the history current. */
#define EV_POLL_PREDICT 24

static void ev__poll_record(struct ev_loop *l, bool within)
{
    l->poll_history = (l->poll_history << 1) | (within ? 1u : 0u);
}

/* epoll_wait without blocking until events come, deadline_us passes or
 * the window ends; the events found, or 0 */
static int ev__spin(struct ev_loop *l, long long deadline_us)
{
    long long start = util_monotonic_us(), now = start;
    long long end = start + l->poll_us;
    if (deadline_us >= 0 && deadline_us < end) end = deadline_us;
    int n = 0;
    l->poll_stats.spins++;
    while (now < end) {
        n = epoll_wait(l->epfd, l->events, l->setsize, 0);
        now = util_monotonic_us();
        if (n != 0) break;
    }
    l->poll_stats.spin_us += now - start;
    if (n > 0) l->poll_stats.hits++;
    return n > 0 ? n : 0;
}

int ev_poll_once(struct ev_loop *l, int wait_ms)
{
    long long nt = ev__nearest_timer_us(l);
    int timeout = wait_ms;
    if (nt >= 0) {
        long long d = nt - util_monotonic_us();
        int tms = d <= 0 ? 0 : (int)((d + 999) / 1000);
        if (timeout < 0 || tms < timeout) timeout = tms;
    }
    int n = 0;
    if (l->poll_us == 0 || l->poll_holds > 0 || timeout == 0) {
        n = epoll_wait(l->epfd, l->events, l->setsize, timeout);
    } else {
        bool spun = __builtin_popcount(l->poll_history) >= EV_POLL_PREDICT;
        if (spun) n = ev__spin(l, nt);
        if (n > 0) {
            ev__poll_record(l, true);
        } else {
            /* block, timing the wait for the predictor (after a spin
             * that found nothing, the wait was longer than the window) */
            long long t0 = util_monotonic_us();
            n = epoll_wait(l->epfd, l->events, l->setsize, timeout);
            ev__poll_record(l, !spun && n > 0 && util_monotonic_us() - t0 <= l->poll_us);
        }
    }
    dispatch(l, l->events, n);
    ev__run_timers(l);
    return n;
}

int ev_process_io(struct ev_loop *l)
{
    int n = epoll_wait(l->epfd, l->nested, (int)(sizeof(l->nested) / sizeof(l->nested[0])), 0);
    dispatch(l, l->nested, n);
    return n < 0 ? 0 : n;
}

int ev_run(struct ev_loop *l)
{
    l->stop = false;
    while (!l->stop) {
        if (l->before_sleep) l->before_sleep(l, l->before_sleep_data);
        if (l->stop) break;
        ev_poll_once(l, -1);
    }
    return 0;
}

void ev_stop(struct ev_loop *l) { l->stop = true; }
