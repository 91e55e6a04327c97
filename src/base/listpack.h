/* listpack: a sequence of strings and integers in one contiguous block, in
 * the byte format Redis 7.0 calls listpack, so the compact encodings of
 * small hashes, sorted sets and list nodes cost a few bytes per element and
 * can be written to and read from RDB files as they are.
 *
 * Layout (all multi-byte fields little endian):
 *
 *   <total-bytes:u32> <count:u16> <entry> ... <entry> <0xFF>
 *
 * count is the number of entries, or 65535 when there are more (then it
 * is found by walking; a block from Redis may also carry 65535 with fewer
 * entries, left there by deletes, and is valid). Each entry is
 *
 *   <encoding+data> <backlen>
 *
 * encoding (first byte)          data                     value
 *   0xxxxxxx                      -                        uint 0..127
 *   10xxxxxx                      len (6 bits) bytes       string < 64 bytes
 *   110xxxxx yyyyyyyy             -                        int13 (two's compl.)
 *   1110xxxx yyyyyyyy             len (12 bits) bytes      string < 4096 bytes
 *   11110000 <len:u32>            len bytes                string
 *   11110001 <i16>                -                        int16
 *   11110010 <i24>                -                        int24
 *   11110011 <i32>                -                        int32
 *   11110100 <i64>                -                        int64
 *
 * backlen is the byte length of encoding+data written so it can be read
 * from right to left: 7 bits per byte, the lowest 7 bits in the last byte,
 * every byte but the leftmost with its top bit set. It takes 1 byte for
 * lengths up to 127, 2 below 16383, 3 below 2097151, 4 below 268435455,
 * else 5 (Redis's thresholds, which its validator insists on). It makes
 * walking backwards O(1) per entry.
 *
 * A string that is a canonical int64 ("12", not "012") is stored as an
 * integer; lpget() returns either bytes or an integer. Positions are byte
 * offsets of entries (size_t), valid until the next modification. Functions
 * that may reallocate take `unsigned char **`. */
#ifndef APIARY_LISTPACK_H
#define APIARY_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_HDR 6
#define LP_EOF 0xFF
#define LP_NONE ((size_t)0)

/* What an entry holds: either s/slen (s != NULL) or the integer v. */
struct lp_val {
    const unsigned char *s;
    size_t slen;
    long long v;
};

unsigned char *lp_new(void);
void lp_free(unsigned char **lp);
size_t lp_bytes(const unsigned char *lp);
/* Number of entries (walks only when the header count saturated). */
size_t lp_count(const unsigned char *lp);

/* First / last entry, or LP_NONE when empty. */
size_t lp_first(const unsigned char *lp);
size_t lp_last(const unsigned char *lp);
/* The entry after / before pos, or LP_NONE. */
size_t lp_next(const unsigned char *lp, size_t pos);
size_t lp_prev(const unsigned char *lp, size_t pos);
/* The entry at index i (negative: from the end), or LP_NONE. */
size_t lp_seek(const unsigned char *lp, long long i);
void lp_get(const unsigned char *lp, size_t pos, struct lp_val *out);
/* Room lp_get_str() needs to format an integer entry. */
#define LP_INTBUF 21
/* The entry at pos as bytes: a string entry's own bytes (valid until the
 * next change to lp), or an integer entry formatted into buf. */
const char *lp_get_str(const unsigned char *lp, size_t pos, char buf[LP_INTBUF], size_t *len);
/* Does the entry at pos equal the bytes s/len? */
bool lp_eq(const unsigned char *lp, size_t pos, const char *s, size_t len);
/* First entry equal to s/len at or after pos, stepping skip+1 entries at a
 * time (skip 1 visits every other entry: the fields of a field/value
 * listpack). LP_NONE when absent. */
size_t lp_find(const unsigned char *lp, size_t pos, const char *s, size_t len, int skip);

/* Insert s/len before the entry at pos (LP_NONE: append). Returns the
 * position of the new entry. */
size_t lp_insert(unsigned char **lp, size_t pos, const char *s, size_t len);
static inline size_t lp_append(unsigned char **lp, const char *s, size_t len)
{
    return lp_insert(lp, LP_NONE, s, len);
}
/* Replace the entry at pos with s/len; returns its (same) position. */
size_t lp_replace(unsigned char **lp, size_t pos, const char *s, size_t len);
/* Delete n entries starting at pos; returns the position that now holds
 * the entry that followed them (or LP_NONE at the end). */
size_t lp_delete(unsigned char **lp, size_t pos, size_t n);

/* Structural check of an untrusted blob (from RDB or RESTORE): every entry
 * well formed and inside the block, counts consistent. */
bool lp_validate(const unsigned char *lp, size_t size);

#endif
