/* sbuf: growable text buffer; see sbuf.h. */
#include "core/sbuf.h"

#include "base/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sbuf_reserve(struct sbuf *b, size_t more)
{
    if (b->cap - b->len > more && b->p) return;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->len <= more)
        ncap *= 2;
    b->p = mem_realloc(b->p, ncap);
    b->cap = ncap;
}

void sbuf_cat(struct sbuf *b, const void *p, size_t len)
{
    sbuf_reserve(b, len);
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void sbuf_cats(struct sbuf *b, const char *s)
{
    sbuf_cat(b, s, strlen(s));
}

void sbuf_catfmt(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    sbuf_reserve(b, 128);
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->p[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        sbuf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void sbuf_catrepr(struct sbuf *b, const char *p, size_t len)
{
    sbuf_reserve(b, len + 2);
    sbuf_cat(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\':
            sbuf_cat(b, "\\\\", 2);
            break;
        case '"':
            sbuf_cat(b, "\\\"", 2);
            break;
        case '\n':
            sbuf_cat(b, "\\n", 2);
            break;
        case '\r':
            sbuf_cat(b, "\\r", 2);
            break;
        case '\t':
            sbuf_cat(b, "\\t", 2);
            break;
        case '\a':
            sbuf_cat(b, "\\a", 2);
            break;
        case '\b':
            sbuf_cat(b, "\\b", 2);
            break;
        default:
            if (isprint(ch)) {
                char c1 = (char)ch;
                sbuf_cat(b, &c1, 1);
            } else {
                char hex[5];
                snprintf(hex, sizeof(hex), "\\x%02x", ch);
                sbuf_cat(b, hex, 4);
            }
        }
    }
    sbuf_cat(b, "\"", 1);
}

void sbuf_free(struct sbuf *b)
{
    mem_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
