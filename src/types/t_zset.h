/* t_zset: what other types' commands need from a sorted-set value (SORT
 * reads them in score order). */
#ifndef APIARY_T_ZSET_H
#define APIARY_T_ZSET_H

#include <stddef.h>

struct obj;

typedef void zset_visit_fn(const char *p, size_t len, double score, void *priv);

size_t t_zset_len(const struct obj *o);
/* Calls fn on every member in ascending order; fn must not modify it. */
void t_zset_foreach(struct obj *o, zset_visit_fn *fn, void *priv);

#endif
