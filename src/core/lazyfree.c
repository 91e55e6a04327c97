/* lazyfree: see lazyfree.h. A FIFO of jobs under one mutex; the thread
 * sleeps on a condition variable while the queue is empty. Job records are
 * allocated by the main thread and freed by the worker. */
#include "core/lazyfree.h"

#include "base/log.h"
#include "base/mem.h"
#include "core/object.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

struct lf_job {
    struct lf_job *next;
    void (*fn)(void *arg);
    void *arg;
    size_t nobjs;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* queue non-empty or stopping */
    struct lf_job *head, *tail;
    bool stopping;
    bool running;
    pthread_t thread;
} lf = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static atomic_llong lf_pending; /* objects handed over, not yet freed */
static atomic_llong lf_freed;   /* objects freed by the thread */

static void *lf_main(void *unused)
{
    mem_thread_attach();
    pthread_mutex_lock(&lf.lock);
    for (;;) {
        while (!lf.head && !lf.stopping) pthread_cond_wait(&lf.wake, &lf.lock);
        struct lf_job *j = lf.head;
        if (!j) break; /* stopping and drained */
        lf.head = j->next;
        if (!lf.head) lf.tail = NULL;
        pthread_mutex_unlock(&lf.lock);
        j->fn(j->arg);
        atomic_fetch_sub(&lf_pending, (long long)j->nobjs);
        atomic_fetch_add(&lf_freed, (long long)j->nobjs);
        mem_free(j);
        pthread_mutex_lock(&lf.lock);
    }
    pthread_mutex_unlock(&lf.lock);
    mem_thread_detach();
    return NULL;
}

int lazyfree_start(void)
{
    if (lf.running) return 0;
    lf.stopping = false;
    int rc = pthread_create(&lf.thread, NULL, lf_main, NULL);
    if (rc != 0) {
        log_warning("Can't create the lazy free thread: %s (freeing inline)", strerror(rc));
        return -1;
    }
    lf.running = true;
    return 0;
}

void lazyfree_stop(void)
{
    if (!lf.running) return;
    pthread_mutex_lock(&lf.lock);
    lf.stopping = true;
    pthread_cond_signal(&lf.wake);
    pthread_mutex_unlock(&lf.lock);
    pthread_join(lf.thread, NULL);
    lf.running = false;
}

void lazyfree_submit(void (*fn)(void *arg), void *arg, size_t nobjs)
{
    if (!lf.running) {
        fn(arg);
        return;
    }
    struct lf_job *j = mem_alloc(sizeof(*j));
    j->next = NULL;
    j->fn = fn;
    j->arg = arg;
    j->nobjs = nobjs;
    atomic_fetch_add(&lf_pending, (long long)nobjs);
    pthread_mutex_lock(&lf.lock);
    if (lf.tail) lf.tail->next = j;
    else lf.head = j;
    lf.tail = j;
    pthread_cond_signal(&lf.wake);
    pthread_mutex_unlock(&lf.lock);
}

static void free_obj_job(void *arg) { obj_free(arg); }

bool lazyfree_obj(struct obj *o)
{
    if (!o || (o->flags & OBJ_F_SHARED)) return false;
    if (!lf.running || obj_free_effort(o) <= LAZYFREE_THRESHOLD) {
        obj_free(o);
        return false;
    }
    lazyfree_submit(free_obj_job, o, 1);
    return true;
}

long long lazyfree_pending_objects(void) { return atomic_load(&lf_pending); }
long long lazyfree_freed_objects(void) { return atomic_load(&lf_freed); }
void lazyfree_reset_stats(void) { atomic_store(&lf_freed, 0); }
