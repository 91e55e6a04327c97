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

#endif
