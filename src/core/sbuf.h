/* sbuf: a growable byte buffer for building text replies (INFO, CLIENT
 * LIST, MONITOR lines, LATENCY DOCTOR). Not for hot paths: replies that are
 * built piece by piece go through reply.h directly.
 *
 * A zeroed struct sbuf is an empty buffer; p is NUL-terminated whenever it
 * is non-NULL. sbuf_free() releases it. */
#ifndef APIARY_SBUF_H
#define APIARY_SBUF_H

#include <stddef.h>

struct sbuf {
    char *p;
    size_t len, cap;
};

/* Make room for at least `more` bytes beyond len (plus the NUL). */
void sbuf_reserve(struct sbuf *b, size_t more);
void sbuf_cat(struct sbuf *b, const void *p, size_t len);
void sbuf_cats(struct sbuf *b, const char *s);
void sbuf_catfmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append p/len quoted the way Redis shows arbitrary bytes ("..." with
 * \n \r \t \a \b \\ \" escapes and \xHH for anything not printable). */
void sbuf_catrepr(struct sbuf *b, const char *p, size_t len);
void sbuf_free(struct sbuf *b);

#endif
