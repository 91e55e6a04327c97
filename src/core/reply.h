/* reply: building RESP2/RESP3 replies into a client's output buffers.
 *
 * Every function appends one RESP item (or the header of an aggregate) to
 * the client's output, chosen by the client's protocol: for example
 * reply_map() is a RESP3 map '%' or a RESP2 array of 2n items; reply_null()
 * is '_' or "$-1". Errors are given with their code word and no '-':
 * reply_error(c, "ERR syntax error"); they are counted in errorstats.
 *
 * Replies never fail: output beyond the client's inline buffer goes to
 * blocks, and the output-buffer limits are enforced here (a client over its
 * hard limit is marked to close and further output is dropped). */
#ifndef APIARY_REPLY_H
#define APIARY_REPLY_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct obj;

void reply_raw(struct client *c, const char *p, size_t len);
void reply_ok(struct client *c);
void reply_simple(struct client *c, const char *s); /* "+s\r\n" */
void reply_error(struct client *c, const char *msg);
/* An error already counted in errorstats (a script passing on the error
 * of a command it called). */
void reply_error_nostats(struct client *c, const char *msg);
void reply_errorf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_bulk(struct client *c, const char *p, size_t len);
void reply_bulk_cstr(struct client *c, const char *s); /* NULL -> null */
void reply_bulk_ll(struct client *c, long long v);
void reply_bulk_obj(struct client *c, const struct obj *o);
void reply_ll(struct client *c, long long v);
void reply_double(struct client *c, double d);
void reply_bool(struct client *c, bool v);
void reply_null(struct client *c);       /* null bulk */
void reply_null_array(struct client *c); /* null array */
void reply_array(struct client *c, long long n);
void reply_map(struct client *c, long long n);
void reply_set(struct client *c, long long n);
void reply_push(struct client *c, long long n);
void reply_attribute(struct client *c, long long n);
void reply_verbatim(struct client *c, const char *p, size_t len, const char *ext);
void reply_help(struct client *c, const char *cmd, const char *const *lines);
void reply_bignum(struct client *c, const char *p, size_t len);

/* Aggregates whose length is known only at the end. */
typedef struct rblock *reply_defer_t;
reply_defer_t reply_defer(struct client *c);
void reply_defer_array(struct client *c, reply_defer_t d, long long n);
void reply_defer_map(struct client *c, reply_defer_t d, long long n);
void reply_defer_set(struct client *c, reply_defer_t d, long long n);

/* Common errors with Redis's texts. */
void reply_err_wrongtype(struct client *c);
void reply_err_syntax(struct client *c);
void reply_err_notint(struct client *c);
void reply_err_notfloat(struct client *c);
void reply_err_overflow(struct client *c);
void reply_err_nokey(struct client *c);
void reply_err_arity(struct client *c, const char *cmdname);
void reply_err_range(struct client *c); /* "ERR index out of range" */

#endif
