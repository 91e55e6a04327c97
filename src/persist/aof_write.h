/* aof_write: the dataset as commands, for an AOF base written with
 * aof-use-rdb-preamble no, and the annotations of aof-timestamp-enabled.
 *
 * A key becomes the commands that rebuild it: SET for a string; RPUSH,
 * SADD, ZADD (score, member) and HMSET (field, value) of at most
 * AOF_ITEMS_PER_CMD items each for the collections, in their iteration
 * order (lists head to tail, sorted sets by ascending score); then
 * PEXPIREAT with the absolute expiry when the key has one. A loader that
 * replays these through the command table gets the key back with the
 * encoding its own limits choose. */
#ifndef APIARY_AOF_WRITE_H
#define APIARY_AOF_WRITE_H

#include "core/sbuf.h"

#include <stddef.h>

struct obj;

/* Items (elements, members, pairs) per rewritten command, as Redis. */
#define AOF_ITEMS_PER_CMD 64

void aof_put_selectdb(struct sbuf *b, int db);
/* expire_ms: absolute unix time in ms, or -1 for none. */
void aof_put_key(struct sbuf *b, const char *key, size_t klen, const struct obj *val,
                 long long expire_ms);
/* "#TS:<unix seconds>\r\n" */
void aof_put_timestamp(struct sbuf *b, long long unix_secs);

#endif
