/* t_zset: what other types' commands need from a sorted-set value (SORT
 * reads them in score order). */
#ifndef APIARY_T_ZSET_H
#define APIARY_T_ZSET_H

#include <stdbool.h>
#include <stddef.h>

struct obj;

typedef void zset_visit_fn(const char *p, size_t len, double score, void *priv);

size_t t_zset_len(const struct obj *o);
/* Calls fn on every member in ascending order; fn must not modify it. */
void t_zset_foreach(struct obj *o, zset_visit_fn *fn, void *priv);
/* The same from the highest to the lowest. */
void t_zset_foreach_desc(struct obj *o, zset_visit_fn *fn, void *priv);

/* For persistence (persist/rdb): building a sorted set from a file and
 * writing it out. The caller picks the encoding (it knows the limits). */

/* A new empty skiplist-encoded sorted set sized for about n members. */
struct obj *t_zset_new_skiplist(size_t n);
/* Adds a member (score not NaN) to a skiplist-encoded set; false when the
 * member is already there. Adding in descending order is O(1) a member. */
bool t_zset_sl_add(struct obj *o, double score, const char *m, size_t mlen);
/* Converts a skiplist-encoded set to the listpack encoding. */
void t_zset_to_listpack(struct obj *o);
/* A sorted-set value owning lp: a validated listpack of member, score pairs
 * (scores parse as doubles, not NaN), in ascending order, no member twice;
 * converted to a skip list when to_skiplist. */
struct obj *t_zset_from_listpack(unsigned char *lp, bool to_skiplist);
/* The listpack of a listpack-encoded set, else NULL. */
const unsigned char *t_zset_listpack(const struct obj *o);

#endif
