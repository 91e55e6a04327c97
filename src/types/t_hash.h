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

#endif
