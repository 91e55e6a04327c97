/* t_set: what other types' commands need from a set value (sorted-set
 * algebra takes sets as inputs with score 1, SORT walks them). */
#ifndef APIARY_T_SET_H
#define APIARY_T_SET_H

#include <stdbool.h>
#include <stddef.h>

struct obj;

typedef void set_visit_fn(const char *p, size_t len, void *priv);

/* Number of members of a set value. */
size_t t_set_card(const struct obj *o);
/* Is p/len a member? */
bool t_set_contains(const struct obj *o, const char *p, size_t len);
/* Calls fn on every member; fn must not modify the set. */
void t_set_foreach(struct obj *o, set_visit_fn *fn, void *priv);

/* For persistence (persist/rdb): building a set from a file and writing
 * it out. */
struct intset;

/* A new empty set: an intset when `intset`, else a hash table sized for
 * about n members. */
struct obj *t_set_new_hint(size_t n, bool intset);
/* Adds a member; an intset becomes a hash table for a non-integer or when
 * it would hold more than max_intset_entries. False when already there. */
bool t_set_add_member(struct obj *o, const char *p, size_t len, long long max_intset_entries);
/* A set value owning is (validated: members strictly increasing, at least
 * one); converted to a hash table when to_ht. */
struct obj *t_set_from_intset(struct intset *is, bool to_ht);
/* The intset of an intset-encoded set, else NULL. */
const struct intset *t_set_intset(const struct obj *o);

#endif
