/* mem: the one allocator entry point of Apiary.
 *
 * Every module allocates through mem_alloc()/mem_free() so that used memory
 * is accounted in one place (INFO used_memory, maxmemory) and out-of-memory
 * is decided once: an allocation that fails logs and aborts the process, so
 * callers never check for NULL. The counter is per thread (a background
 * free thread keeps its own) and mem_used() sums them. */
#ifndef APIARY_MEM_H
#define APIARY_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t size);
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);
char *mem_strdup(const char *s);
char *mem_memdup(const void *p, size_t len); /* NUL-terminated copy */
/* Bytes the allocator actually reserved for ptr (>= requested). */
size_t mem_usable(const void *ptr);
/* Bytes currently allocated through this module, all threads. */
size_t mem_used(void);
/* A thread other than the main one calls attach when it starts (so what
 * it frees is counted even if it never allocates) and detach just before
 * it ends (its counters die with it; their net is kept). */
void mem_thread_attach(void);
void mem_thread_detach(void);
/* Resident set size of the process, from /proc (not for hot paths). */
size_t mem_rss(void);
/* Name of the allocator in use ("jemalloc-5.3.0" / "libc"). */
const char *mem_allocator_name(void);
/* Called instead of returning NULL; may be replaced by tests. */
extern void (*mem_oom_handler)(size_t size);

#endif
