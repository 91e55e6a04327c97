/* listpack: see listpack.h for the byte format. */
#include "base/listpack.h"

#include "base/mem.h"
#include "base/util.h"

#include <string.h>

#define LP_COUNT_UNKNOWN 65535

static inline uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void wr32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline void wr16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

size_t lp_bytes(const unsigned char *lp) { return rd32(lp); }

unsigned char *lp_new(void)
{
    unsigned char *lp = mem_alloc(LP_HDR + 1);
    wr32(lp, LP_HDR + 1);
    wr16(lp + 4, 0);
    lp[LP_HDR] = LP_EOF;
    return lp;
}

void lp_free(unsigned char **lp)
{
    mem_free(*lp);
    *lp = NULL;
}

/* ---- entry encoding ------------------------------------------------------ */

/* Bytes of encoding+data of the entry starting at p (p[0] != LP_EOF). */
static size_t enc_len(const unsigned char *p)
{
    unsigned char b = p[0];
    if (b < 0x80) return 1;
    if ((b & 0xC0) == 0x80) return 1 + (size_t)(b & 0x3F);
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2 + (size_t)(((b & 0x0F) << 8) | p[1]);
    switch (b) {
    case 0xF0: return 5 + (size_t)rd32(p + 1);
    case 0xF1: return 3;
    case 0xF2: return 4;
    case 0xF3: return 5;
    case 0xF4: return 9;
    default: return 0; /* invalid */
    }
}

/* Bytes of the backlen of an entry of l bytes. The thresholds are one
 * below the powers of 2^7 (16383, not 16384, takes three bytes) because
 * that is what Redis writes and what its validator demands: an entry must
 * use exactly this many, so a block moves between the two unchanged. */
static size_t backlen_size(size_t l)
{
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

/* Writes backlen for l at p (backlen_size(l) bytes). */
static void backlen_write(unsigned char *p, size_t l)
{
    size_t n = backlen_size(l);
    for (size_t i = 0; i < n; i++) {
        /* p[n-1] holds the lowest 7 bits; every byte but p[0] has bit 7 set */
        unsigned char b = (unsigned char)((l >> (7 * (n - 1 - i))) & 127);
        if (i > 0) b |= 128;
        p[i] = b;
    }
}

/* Reads a backlen ending at p (inclusive) going left. */
static size_t backlen_read(const unsigned char *p, size_t *nbytes)
{
    size_t v = 0, shift = 0, n = 0;
    for (;;) {
        v |= (size_t)(p[-(long)n] & 127) << shift;
        n++;
        if (!(p[-(long)(n - 1)] & 128) || n == 5) break;
        shift += 7;
    }
    *nbytes = n;
    return v;
}

static size_t entry_size(const unsigned char *p)
{
    size_t l = enc_len(p);
    return l + backlen_size(l);
}

/* Encodes s/len into buf (room for 9 bytes when integer); returns the
 * encoding+data length, and *hdr the bytes of header before the string
 * payload (0 for integers, whose whole encoding is in buf). */
static size_t encode(const char *s, size_t len, unsigned char *buf, size_t *hdr, bool *is_int)
{
    long long v;
    *is_int = len <= 20 && util_str2ll(s, len, &v);
    if (*is_int) {
        *hdr = 0;
        if (v >= 0 && v <= 127) {
            buf[0] = (unsigned char)v;
            return 1;
        }
        if (v >= -4096 && v <= 4095) {
            unsigned u = (unsigned)(v & 0x1FFF);
            buf[0] = (unsigned char)(0xC0 | (u >> 8));
            buf[1] = (unsigned char)(u & 0xFF);
            return 2;
        }
        uint64_t u = (uint64_t)v;
        size_t n;
        if (v >= INT16_MIN && v <= INT16_MAX) buf[0] = 0xF1, n = 2;
        else if (v >= -8388608 && v <= 8388607) buf[0] = 0xF2, n = 3;
        else if (v >= INT32_MIN && v <= INT32_MAX) buf[0] = 0xF3, n = 4;
        else buf[0] = 0xF4, n = 8;
        for (size_t i = 0; i < n; i++) buf[1 + i] = (unsigned char)(u >> (8 * i));
        return 1 + n;
    }
    if (len < 64) {
        buf[0] = (unsigned char)(0x80 | len);
        *hdr = 1;
    } else if (len < 4096) {
        buf[0] = (unsigned char)(0xE0 | (len >> 8));
        buf[1] = (unsigned char)(len & 0xFF);
        *hdr = 2;
    } else {
        buf[0] = 0xF0;
        wr32(buf + 1, (uint32_t)len);
        *hdr = 5;
    }
    return *hdr + len;
}

void lp_get(const unsigned char *lp, size_t pos, struct lp_val *out)
{
    const unsigned char *p = lp + pos;
    unsigned char b = p[0];
    out->s = NULL;
    out->slen = 0;
    if (b < 0x80) {
        out->v = b;
    } else if ((b & 0xC0) == 0x80) {
        out->s = p + 1;
        out->slen = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
        unsigned u = ((unsigned)(b & 0x1F) << 8) | p[1];
        out->v = u >= 4096 ? (long long)u - 8192 : (long long)u;
    } else if ((b & 0xF0) == 0xE0) {
        out->s = p + 2;
        out->slen = ((size_t)(b & 0x0F) << 8) | p[1];
    } else if (b == 0xF0) {
        out->s = p + 5;
        out->slen = rd32(p + 1);
    } else {
        size_t n = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
        uint64_t u = 0;
        for (size_t i = 0; i < n; i++) u |= (uint64_t)p[1 + i] << (8 * i);
        if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
        out->v = (long long)u;
    }
}

bool lp_eq(const unsigned char *lp, size_t pos, const char *s, size_t len)
{
    struct lp_val v;
    lp_get(lp, pos, &v);
    if (v.s) return v.slen == len && memcmp(v.s, s, len) == 0;
    long long x;
    return len <= 20 && util_str2ll(s, len, &x) && x == v.v;
}

/* ---- navigation ----------------------------------------------------------- */

size_t lp_first(const unsigned char *lp) { return lp[LP_HDR] == LP_EOF ? LP_NONE : LP_HDR; }

size_t lp_next(const unsigned char *lp, size_t pos)
{
    size_t n = pos + entry_size(lp + pos);
    return lp[n] == LP_EOF ? LP_NONE : n;
}

size_t lp_prev(const unsigned char *lp, size_t pos)
{
    if (pos <= LP_HDR) return LP_NONE;
    size_t nb;
    size_t l = backlen_read(lp + pos - 1, &nb);
    return pos - nb - l;
}

size_t lp_last(const unsigned char *lp)
{
    size_t end = lp_bytes(lp) - 1; /* the EOF byte */
    return lp_prev(lp, end);
}

size_t lp_count(const unsigned char *lp)
{
    uint16_t c = rd16(lp + 4);
    if (c != LP_COUNT_UNKNOWN) return c;
    size_t n = 0;
    for (size_t p = lp_first(lp); p != LP_NONE; p = lp_next(lp, p)) n++;
    return n;
}

size_t lp_seek(const unsigned char *lp, long long i)
{
    long long count = (long long)lp_count(lp);
    if (i < 0) i += count;
    if (i < 0 || i >= count) return LP_NONE;
    size_t p;
    if (i < count / 2) {
        p = lp_first(lp);
        while (i--) p = lp_next(lp, p);
    } else {
        p = lp_last(lp);
        for (long long k = count - 1; k > i; k--) p = lp_prev(lp, p);
    }
    return p;
}

size_t lp_find(const unsigned char *lp, size_t pos, const char *s, size_t len, int skip)
{
    while (pos != LP_NONE) {
        if (lp_eq(lp, pos, s, len)) return pos;
        for (int k = 0; k <= skip && pos != LP_NONE; k++) pos = lp_next(lp, pos);
    }
    return LP_NONE;
}

/* ---- modification --------------------------------------------------------- */

static void set_count(unsigned char *lp, long long delta)
{
    uint16_t c = rd16(lp + 4);
    if (c == LP_COUNT_UNKNOWN) {
        size_t n = lp_count(lp);
        if (n < LP_COUNT_UNKNOWN) wr16(lp + 4, (uint16_t)n);
        return;
    }
    long long n = (long long)c + delta;
    wr16(lp + 4, n >= LP_COUNT_UNKNOWN ? LP_COUNT_UNKNOWN : (uint16_t)n);
}

/* grow > 0: opens a gap of grow bytes at pos; grow < 0: removes the -grow
 * bytes starting at pos. Updates the total-bytes field. */
static unsigned char *resize_at(unsigned char *lp, size_t pos, long long grow)
{
    size_t total = lp_bytes(lp);
    size_t ntotal = (size_t)((long long)total + grow);
    if (grow > 0) {
        lp = mem_realloc(lp, ntotal);
        memmove(lp + pos + grow, lp + pos, total - pos);
    } else if (grow < 0) {
        memmove(lp + pos, lp + pos - grow, total - pos + (size_t)grow);
        lp = mem_realloc(lp, ntotal);
    }
    wr32(lp, (uint32_t)ntotal);
    return lp;
}

static void write_entry(unsigned char *dst, const char *s, size_t len, const unsigned char *enc,
                        size_t elen, size_t hdr, bool is_int)
{
    if (is_int) {
        memcpy(dst, enc, elen);
    } else {
        memcpy(dst, enc, hdr);
        memcpy(dst + hdr, s, len);
    }
    backlen_write(dst + elen, elen);
}

size_t lp_insert(unsigned char **lpp, size_t pos, const char *s, size_t len)
{
    unsigned char enc[16];
    size_t hdr;
    bool is_int;
    size_t elen = encode(s, len, enc, &hdr, &is_int);
    size_t esize = elen + backlen_size(elen);
    if (pos == LP_NONE) pos = lp_bytes(*lpp) - 1; /* before EOF */
    unsigned char *lp = resize_at(*lpp, pos, (long long)esize);
    write_entry(lp + pos, s, len, enc, elen, hdr, is_int);
    set_count(lp, 1);
    *lpp = lp;
    return pos;
}

size_t lp_replace(unsigned char **lpp, size_t pos, const char *s, size_t len)
{
    unsigned char enc[16];
    size_t hdr;
    bool is_int;
    size_t elen = encode(s, len, enc, &hdr, &is_int);
    size_t esize = elen + backlen_size(elen);
    size_t old = entry_size(*lpp + pos);
    unsigned char *lp = *lpp;
    if (esize > old) lp = resize_at(lp, pos + old, (long long)(esize - old));
    else if (esize < old) lp = resize_at(lp, pos + esize, -(long long)(old - esize));
    write_entry(lp + pos, s, len, enc, elen, hdr, is_int);
    *lpp = lp;
    return pos;
}

size_t lp_delete(unsigned char **lpp, size_t pos, size_t n)
{
    unsigned char *lp = *lpp;
    size_t end = pos;
    size_t removed = 0;
    while (removed < n && lp[end] != LP_EOF) {
        end += entry_size(lp + end);
        removed++;
    }
    lp = resize_at(lp, pos, -(long long)(end - pos)); /* close [pos, end) */
    set_count(lp, -(long long)removed);
    *lpp = lp;
    return lp[pos] == LP_EOF ? LP_NONE : pos;
}

bool lp_validate(const unsigned char *lp, size_t size)
{
    if (size < LP_HDR + 1 || rd32(lp) != size || lp[size - 1] != LP_EOF) return false;
    size_t p = LP_HDR, n = 0;
    while (p < size - 1) {
        unsigned char b = lp[p];
        /* the encoding header must fit before the data can be sized */
        size_t need = b < 0x80 ? 1 : (b & 0xC0) == 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2
                      : (b & 0xF0) == 0xE0 ? 2 : b == 0xF0 ? 5 : 1;
        if (p + need > size - 1) return false;
        size_t l = enc_len(lp + p);
        if (l == 0 || l > size - 1 - p) return false;
        size_t bl = backlen_size(l);
        if (bl > size - 1 - p - l) return false;
        size_t nb;
        if (backlen_read(lp + p + l + bl - 1, &nb) != l || nb != bl) return false;
        p += l + bl;
        n++;
    }
    if (p != size - 1) return false;
    /* 65535 means "count by walking": Redis leaves it there after deletes
     * bring a big block below it, so any count is valid with it */
    uint16_t c = rd16(lp + 4);
    return c == LP_COUNT_UNKNOWN || c == n;
}

const char *lp_get_str(const unsigned char *lp, size_t pos, char buf[LP_INTBUF], size_t *len)
{
    struct lp_val v;
    lp_get(lp, pos, &v);
    if (v.s) {
        *len = v.slen;
        return (const char *)v.s;
    }
    *len = (size_t)util_ll2str(buf, v.v);
    return buf;
}
