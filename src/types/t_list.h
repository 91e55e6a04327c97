/* t_list: what other types' commands and persistence need from a list
 * value (SORT reads lists and stores its result as one; persist/rdb writes
 * and loads them). A list's nodes may be held LZF-compressed
 * (list-compress-depth); everything here hands out plain bytes. */
#ifndef APIARY_T_LIST_H
#define APIARY_T_LIST_H

#include <stddef.h>

struct obj;
struct server;

/* p/len is valid only during the call. */
typedef void list_visit_fn(const char *p, size_t len, void *priv);

/* A new empty list value with compression depth 0, as Redis 7.0's SORT
 * ... STORE creates (the caller stores it or frees it). */
struct obj *t_list_new(void);
/* Appends p/len at the tail, under the server's node size rule. */
void t_list_append(struct server *srv, struct obj *o, const char *p, size_t len);
size_t t_list_len(const struct obj *o);
/* Calls fn on every element, head to tail; fn must not modify the list. */
void t_list_foreach(const struct obj *o, list_visit_fn *fn, void *priv);

/* For persistence (persist/rdb): building a list from a file and writing
 * it out node by node. */

/* Appends p/len at the tail under the node size rule `fill`
 * (list-max-listpack-size). */
void t_list_append_fill(struct obj *o, const char *p, size_t len, int fill);
/* Takes ownership of lp, a validated listpack of count > 0 entries, as a
 * new tail node (as it is: a node larger than the size rule just takes no
 * more elements). */
void t_list_append_node(struct obj *o, unsigned char *lp, size_t count);
/* Gives a built list its compression depth (list-compress-depth; clamped
 * to 0..65535) and compresses its interior nodes accordingly: O(nodes).
 * A loader calls it once the list is complete. */
void t_list_set_compress_depth(struct obj *o, int depth);
size_t t_list_nodes(const struct obj *o);
/* lp is a node's listpack, decompressed into a scratch buffer when the
 * node is compressed: valid only during the call. */
typedef void list_node_fn(const unsigned char *lp, void *priv);
/* Calls fn on every node's listpack, head to tail. */
void t_list_foreach_node(const struct obj *o, list_node_fn *fn, void *priv);

#endif
