/* util: small pure helpers shared by every layer: number <-> text
 * conversion with Redis's exact acceptance rules, glob matching, hashing,
 * a fast PRNG and clocks. No state except the hash seed and PRNG state,
 * which are explicit. */
#ifndef APIARY_UTIL_H
#define APIARY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdbool.h>

/* A counted byte string that points into someone else's memory. */
struct slice {
    const char *p;
    size_t len;
};

#define UTIL_LL_STR_SIZE 21  /* "-9223372036854775808" + NUL */
#define UTIL_LD_STR_SIZE 5200 /* room for any %.17Lf long double */

/* Strict decimal int64: no spaces, no '+', no leading zeros (except "0"),
 * no "-0". Returns true and sets *out on success. */
bool util_str2ll(const char *s, size_t len, long long *out);
/* Same, for uint64 (no sign). */
bool util_str2ull(const char *s, size_t len, unsigned long long *out);
/* Writes v as decimal into dst (>= UTIL_LL_STR_SIZE); returns length. */
int util_ll2str(char *dst, long long v);
int util_ull2str(char *dst, unsigned long long v);
/* Decimal length of v without formatting it. */
int util_ll_digits(long long v);
/* Double parsing as Redis accepts it: strtod over the whole string, no
 * spaces, no NaN; "inf"/"-inf" allowed. */
bool util_str2d(const char *s, size_t len, double *out);
bool util_str2ld(const char *s, size_t len, long double *out);
/* Redis's double replies: "inf", "-inf", otherwise %.17g. */
int util_d2str(char *dst, size_t size, double v);
/* INCRBYFLOAT-style: %.17Lf with trailing zeros (and '.') removed. */
int util_ld2str(char *dst, size_t size, long double v);

/* Glob-style match (*, ?, [abc], [^a-z], \x), optionally case-insensitive. */
bool util_glob_match(const char *pat, size_t plen, const char *s, size_t slen, bool nocase);

/* Keyed 64-bit hash for hash tables; seed set once at start-up. */
void util_hash_seed(uint64_t seed);
uint64_t util_hash(const void *p, size_t len);
uint64_t util_hash_nocase(const void *p, size_t len);
static inline uint64_t util_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* xoshiro-style PRNG, per-thread state seeded at start-up. */
void util_rand_seed(uint64_t seed);
uint64_t util_rand(void);
/* Fill buf with len random hex chars from /dev/urandom (falls back to PRNG). */
void util_random_hex(char *buf, size_t len);

/* Wall clock and monotonic clock. */
long long util_ustime(void);
long long util_mstime(void);
long long util_monotonic_us(void);

/* Case-insensitive equality of a counted string with a C string. */
bool util_eqi(const char *s, size_t len, const char *cstr);
/* Redis's index range rule (LRANGE, LTRIM, ZRANGE, ZREMRANGEBYRANK):
 * negative indexes count from the end, then the range is clipped to
 * [0, len-1]. False when it is empty. */
static inline bool util_clamp_range(long long *start, long long *end, long long len)
{
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*end >= len) *end = len - 1;
    return *start <= *end && *start < len;
}
/* Binary-safe ordering of two byte strings: memcmp, then the shorter first. */
static inline int util_lexcmp(const char *a, size_t al, const char *b, size_t bl)
{
    int r = al && bl ? memcmp(a, b, al < bl ? al : bl) : 0;
    if (r) return r;
    return al < bl ? -1 : al > bl;
}

/* Parse memory sizes like "1gb", "512mb", "100" -> bytes. */
bool util_parse_memory(const char *s, long long *out);

#endif
