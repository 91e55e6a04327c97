/* mem: allocation accounting over jemalloc (or libc for sanitizer builds).
 * See mem.h. The counter per thread avoids atomics on the hot path. */
#include "base/mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef APIARY_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#define MEM_MAX_THREADS 16

static void mem__default_oom(size_t size)
{
    fprintf(stderr, "apiary: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

void (*mem_oom_handler)(size_t size) = mem__default_oom;

#ifdef APIARY_JEMALLOC
/* jemalloc keeps per-thread allocated/deallocated byte counters (by size
 * class) anyway; reading them costs nothing on the allocation path. Each
 * thread registers its two counters once: on its first allocation, or
 * explicitly with mem_thread_attach() (a thread that only frees, like the
 * lazy-free thread, would otherwise never be counted). A slot's pointers
 * are published after they are stored, so a concurrent mem_used() sees
 * either NULL (skipped) or both. A thread that ends folds its net count
 * into mem_retired and clears its slot in mem_thread_detach(): its
 * counters live in its thread-local storage, which dies with it. */
static uint64_t *_Atomic mem_alloc_ctr[MEM_MAX_THREADS];
static uint64_t *_Atomic mem_dealloc_ctr[MEM_MAX_THREADS];
static atomic_int mem_nthreads;
static atomic_llong mem_retired;
static _Thread_local bool mem_registered;
static _Thread_local int mem_my_index = -1;

static void mem__register(void)
{
    mem_registered = true;
    uint64_t *a = NULL, *d = NULL;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, NULL, 0) != 0) return;
    sz = sizeof(d);
    if (mallctl("thread.deallocatedp", &d, &sz, NULL, 0) != 0) return;
    int i = atomic_fetch_add(&mem_nthreads, 1);
    if (i >= MEM_MAX_THREADS) return;
    mem_my_index = i;
    atomic_store(&mem_dealloc_ctr[i], d);
    atomic_store(&mem_alloc_ctr[i], a);
}

#define MEM_ACCOUNT(p, delta)             \
    do {                                  \
        (void)(delta);                    \
        if (!mem_registered) mem__register(); \
    } while (0)
#define MEM_UNACCOUNT(p) ((void)0)
#else
/* libc (sanitizer builds): count usable sizes ourselves, per thread. */
static long long mem_slots[MEM_MAX_THREADS];
static atomic_int mem_nslots;
static _Thread_local long long *mem_slot;

static long long *mem__my_slot(void)
{
    if (!mem_slot) {
        int i = atomic_fetch_add(&mem_nslots, 1);
        if (i >= MEM_MAX_THREADS) i = MEM_MAX_THREADS - 1; /* share the last */
        mem_slot = &mem_slots[i];
    }
    return mem_slot;
}
#define MEM_ACCOUNT(p, delta) (*mem__my_slot() += (long long)malloc_usable_size(p) - (delta))
#define MEM_UNACCOUNT(p) (*mem__my_slot() -= (long long)malloc_usable_size(p))
#endif

void *mem_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) mem_oom_handler(size);
    MEM_ACCOUNT(p, 0);
    return p;
}

void *mem_calloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) mem_oom_handler(size);
    MEM_ACCOUNT(p, 0);
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    if (!ptr) return mem_alloc(size);
#ifndef APIARY_JEMALLOC
    long long old = (long long)malloc_usable_size(ptr);
#else
    long long old = 0;
#endif
    void *p = realloc(ptr, size ? size : 1);
    if (!p) mem_oom_handler(size);
    MEM_ACCOUNT(p, old);
    return p;
}

void mem_free(void *ptr)
{
    if (!ptr) return;
    MEM_UNACCOUNT(ptr);
    free(ptr);
}

char *mem_memdup(const void *src, size_t len)
{
    char *p = mem_alloc(len + 1);
    memcpy(p, src, len);
    p[len] = '\0';
    return p;
}

char *mem_strdup(const char *s) { return mem_memdup(s, strlen(s)); }

size_t mem_usable(const void *ptr) { return ptr ? malloc_usable_size((void *)ptr) : 0; }

void mem_thread_attach(void)
{
#ifdef APIARY_JEMALLOC
    if (!mem_registered) mem__register();
#else
    (void)mem__my_slot();
#endif
}

void mem_thread_detach(void)
{
#ifdef APIARY_JEMALLOC
    int i = mem_my_index;
    if (i < 0) return;
    uint64_t *a = atomic_exchange(&mem_alloc_ctr[i], NULL);
    uint64_t *d = atomic_exchange(&mem_dealloc_ctr[i], NULL);
    if (a && d) atomic_fetch_add(&mem_retired, (long long)(*a - *d));
    mem_my_index = -1;
#endif
    /* libc builds: the slot is static storage and keeps its count */
}

size_t mem_used(void)
{
    long long sum = 0;
#ifdef APIARY_JEMALLOC
    if (!mem_registered) mem__register();
    int n = atomic_load(&mem_nthreads);
    if (n > MEM_MAX_THREADS) n = MEM_MAX_THREADS;
    /* a thread detaching during this loop could be missed once: threads
     * detach only at shutdown, while the main thread waits for them */
    sum = atomic_load(&mem_retired);
    for (int i = 0; i < n; i++) {
        uint64_t *a = atomic_load(&mem_alloc_ctr[i]), *d = atomic_load(&mem_dealloc_ctr[i]);
        if (!a || !d) continue;
        sum += (long long)(__atomic_load_n(a, __ATOMIC_RELAXED) - __atomic_load_n(d, __ATOMIC_RELAXED));
    }
#else
    int n = atomic_load(&mem_nslots);
    if (n > MEM_MAX_THREADS) n = MEM_MAX_THREADS;
    for (int i = 0; i < n; i++) sum += __atomic_load_n(&mem_slots[i], __ATOMIC_RELAXED);
#endif
    return sum < 0 ? 0 : (size_t)sum;
}

size_t mem_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, rss = 0;
    if (fscanf(f, "%lu %lu", &size, &rss) != 2) rss = 0;
    fclose(f);
    return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}

const char *mem_allocator_name(void)
{
#ifdef APIARY_JEMALLOC
    static char name[64];
    if (!name[0]) {
        const char *v = NULL;
        size_t sz = sizeof(v);
        if (mallctl("version", &v, &sz, NULL, 0) == 0 && v)
            snprintf(name, sizeof(name), "jemalloc-%.*s", (int)strcspn(v, "-"), v);
        else
            snprintf(name, sizeof(name), "jemalloc");
    }
    return name;
#else
    return "libc";
#endif
}
