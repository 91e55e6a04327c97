/* t_list: what other types' commands need from a list value (SORT reads
 * lists and stores its result as one). */
#ifndef APIARY_T_LIST_H
#define APIARY_T_LIST_H

#include <stddef.h>

struct obj;
struct server;

typedef void list_visit_fn(const char *p, size_t len, void *priv);

/* A new empty list value (the caller stores it or frees it). */
struct obj *t_list_new(void);
/* Appends p/len at the tail, under the server's node size rule. */
void t_list_append(struct server *srv, struct obj *o, const char *p, size_t len);
size_t t_list_len(const struct obj *o);
/* Calls fn on every element, head to tail; fn must not modify the list. */
void t_list_foreach(const struct obj *o, list_visit_fn *fn, void *priv);

#endif
