/* t_hash: what other types' commands need from a hash value (SORT's
 * BY and GET patterns read hash fields). */
#ifndef APIARY_T_HASH_H
#define APIARY_T_HASH_H

#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

struct obj;

/* The value of field f; bytes of a listpack integer are formatted into
 * buf. False when the field is absent. */
bool t_hash_get(struct obj *o, const char *f, size_t flen, struct slice *out,
                char buf[UTIL_LL_STR_SIZE]);

/* For persistence (persist/rdb): building a hash from a file and writing
 * it out. The caller picks the encoding (it knows the limits). */
size_t t_hash_len(const struct obj *o);
/* A new empty hashtable-encoded hash sized for about n fields. */
struct obj *t_hash_new_ht(size_t n);
/* Adds a field to a hashtable-encoded hash; false when it is already there. */
bool t_hash_ht_add(struct obj *o, const char *f, size_t flen, const char *v, size_t vlen);
/* A hash value owning lp: a validated listpack of field, value pairs (an
 * even number of entries, at least two, no field twice); converted to a
 * hash table when to_ht. */
struct obj *t_hash_from_listpack(unsigned char *lp, bool to_ht);
/* The listpack of a listpack-encoded hash, else NULL. */
const unsigned char *t_hash_listpack(const struct obj *o);
typedef void hash_pair_fn(const char *f, size_t flen, const char *v, size_t vlen, void *priv);
/* Calls fn on every field and value (listpack integers formatted into a
 * buffer valid during the call); fn must not modify the hash. */
void t_hash_foreach_pair(struct obj *o, hash_pair_fn *fn, void *priv);

#endif
