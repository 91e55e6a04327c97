/* util: see util.h. */
#include "base/util.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

bool util_str2ull(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len > 20) return false;
    if (len > 1 && s[0] == '0') return false;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) return false;
        if (v > (~0ULL - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool util_str2ll(const char *s, size_t len, long long *out)
{
    if (len == 0) return false;
    if (len == 1 && s[0] == '0') { *out = 0; return true; }
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        s++;
        len--;
        if (len == 0 || s[0] == '0') return false;
    } else if (s[0] == '0') {
        return false;
    }
    unsigned long long v;
    if (!util_str2ull(s, len, &v)) return false;
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return false;
        *out = (long long)(0 - v);
    } else {
        if (v > (unsigned long long)LLONG_MAX) return false;
        *out = (long long)v;
    }
    return true;
}

static int ull_digits(unsigned long long v)
{
    int n = 1;
    for (;;) {
        if (v < 10) return n;
        if (v < 100) return n + 1;
        if (v < 1000) return n + 2;
        if (v < 10000) return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* Two digits per step from the right, through a 00..99 table. */
int util_ull2str(char *dst, unsigned long long v)
{
    static const char pairs[201] = "0001020304050607080910111213141516171819"
                                   "2021222324252627282930313233343536373839"
                                   "4041424344454647484950515253545556575859"
                                   "6061626364656667686970717273747576777879"
                                   "8081828384858687888990919293949596979899";
    int n = ull_digits(v), i = n - 1;
    dst[n] = '\0';
    while (v >= 100) {
        unsigned idx = (unsigned)(v % 100) * 2;
        v /= 100;
        dst[i--] = pairs[idx + 1];
        dst[i--] = pairs[idx];
    }
    if (v >= 10) {
        dst[i--] = pairs[v * 2 + 1];
        dst[i] = pairs[v * 2];
    } else {
        dst[i] = (char)('0' + v);
    }
    return n;
}

int util_ll2str(char *dst, long long v)
{
    if (v < 0) {
        dst[0] = '-';
        return 1 + util_ull2str(dst + 1, 0ULL - (unsigned long long)v);
    }
    return util_ull2str(dst, (unsigned long long)v);
}

int util_ll_digits(long long v)
{
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = v < 0 ? 2 : 1;
    while (u >= 10) { u /= 10; n++; }
    return n;
}

bool util_str2d(const char *s, size_t len, double *out)
{
    char buf[UTIL_LD_STR_SIZE]; /* room for DBL_MAX written out in full */
    if (len == 0 || len >= sizeof(buf)) return false;
    if (isspace((unsigned char)s[0])) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if ((size_t)(end - buf) != len) return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return false;
    if (isnan(v)) return false;
    *out = v;
    return true;
}

bool util_str2ld(const char *s, size_t len, long double *out)
{
    char buf[5200];
    if (len == 0 || len >= sizeof(buf)) return false;
    if (isspace((unsigned char)s[0])) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if ((size_t)(end - buf) != len) return false;
    if (errno == ERANGE) return false;
    if (isnan(v)) return false;
    *out = v;
    return true;
}

int util_d2str(char *dst, size_t size, double v)
{
    if (isinf(v)) return snprintf(dst, size, v > 0 ? "inf" : "-inf");
    if (isnan(v)) return snprintf(dst, size, "nan");
    /* integral values below 2^53 print as %.17g prints them, without its
     * cost (scores are often integers) */
    if (size >= UTIL_LL_STR_SIZE && v > -9007199254740992.0 && v < 9007199254740992.0 &&
        v == (double)(long long)v && !(v == 0 && signbit(v)))
        return util_ll2str(dst, (long long)v);
    return snprintf(dst, size, "%.17g", v);
}

int util_ld2str(char *dst, size_t size, long double v)
{
    if (isinf(v)) return snprintf(dst, size, v > 0 ? "inf" : "-inf");
    int n = snprintf(dst, size, "%.17Lf", v);
    if (n < 0 || (size_t)n >= size) return -1;
    if (strchr(dst, '.')) {
        while (n > 0 && dst[n - 1] == '0') n--;
        if (n > 0 && dst[n - 1] == '.') n--;
        dst[n] = '\0';
    }
    if (n == 2 && dst[0] == '-' && dst[1] == '0') { dst[0] = '0'; dst[1] = '\0'; n = 1; }
    return n;
}

/* ---- glob ---------------------------------------------------------------- */

static inline int lc(int c, bool nocase) { return nocase ? tolower(c) : c; }

/* Does the one-character element of the pattern at p[i] (a literal, an
 * escaped literal, '?' or a [class]) match c? *next gets the index after
 * the element; an unterminated class runs to the end of the pattern. */
static inline bool glob__one(const char *p, size_t plen, size_t i, unsigned char c, bool nocase,
                             size_t *next)
{
    switch (p[i]) {
    case '?': *next = i + 1; return true;
    case '[': {
        i++;
        bool neg = i < plen && p[i] == '^';
        if (neg) i++;
        bool hit = false;
        while (i < plen && p[i] != ']') {
            if (p[i] == '\\' && i + 1 < plen) {
                i++;
                if ((unsigned char)p[i] == c) hit = true;
            } else if (i + 2 < plen && p[i + 1] == '-') {
                int a = lc((unsigned char)p[i], nocase), b = lc((unsigned char)p[i + 2], nocase);
                int x = lc(c, nocase);
                if (a > b) { int t = a; a = b; b = t; }
                if (x >= a && x <= b) hit = true;
                i += 2;
            } else if (lc((unsigned char)p[i], nocase) == lc(c, nocase)) {
                hit = true;
            }
            i++;
        }
        *next = i < plen ? i + 1 : plen; /* past ']' */
        return neg ? !hit : hit;
    }
    case '\\':
        if (i + 1 < plen) i++;
        /* fall through */
    default: *next = i + 1; return lc((unsigned char)p[i], nocase) == lc(c, nocase);
    }
}

/* Iterative glob: every element but '*' matches exactly one character, so
 * on a mismatch it is enough to go back to the most recent '*' and let it
 * take one more character (earlier stars never need to take more: the
 * latest one can absorb any extra). O(len(p) * len(s)) at worst, no
 * recursion, no allocation. */
bool util_glob_match(const char *p, size_t plen, const char *s, size_t slen, bool nocase)
{
    size_t pi = 0, si = 0, star_p = 0, star_s = 0;
    bool star = false;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            while (pi < plen && p[pi] == '*') pi++;
            if (pi == plen) return true; /* a trailing star takes the rest */
            star = true;
            star_p = pi;
            star_s = si;
            continue;
        }
        size_t next;
        if (pi < plen && glob__one(p, plen, pi, (unsigned char)s[si], nocase, &next)) {
            pi = next;
            si++;
            continue;
        }
        if (!star) return false;
        pi = star_p; /* the latest star takes one more character */
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*') pi++;
    return pi == plen;
}

/* ---- hashing ------------------------------------------------------------ */
/* A multiply-fold hash over 8-byte words with a per-process random seed:
 * 128-bit products folded to 64 bits mix well and cost a few cycles per
 * word. Seeding keeps bucket placement unpredictable to clients. */

static uint64_t hash_seed = 0x9e3779b97f4a7c15ULL;

void util_hash_seed(uint64_t seed) { hash_seed = seed | 1; }

static inline uint64_t fold(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd_tail(const unsigned char *p, size_t n)
{
    /* 1..7 bytes */
    uint64_t v = 0;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        v = ((uint64_t)a << 32) | b;
    } else {
        v = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
    }
    return v;
}

#define HK1 0xa0761d6478bd642fULL
#define HK2 0xe7037ed1a0b428dbULL
#define HK3 0x8ebc6af09c88c6e3ULL

uint64_t util_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = hash_seed ^ fold(len ^ HK1, HK2);
    size_t n = len;
    while (n >= 16) {
        h = fold(rd64(p) ^ HK1, rd64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        h = fold(rd64(p) ^ HK2, h ^ HK3);
        p += 8;
        n -= 8;
    }
    if (n) h = fold(rd_tail(p, n) ^ HK3, h ^ HK1);
    return fold(h ^ HK2, len ^ HK3 ^ hash_seed);
}

uint64_t util_hash_nocase(const void *data, size_t len)
{
    unsigned char buf[64];
    const unsigned char *p = data;
    uint64_t h = 0;
    while (len) {
        size_t n = len < sizeof(buf) ? len : sizeof(buf);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)tolower(p[i]);
        h ^= util_hash(buf, n);
        h = util_hash_u64(h);
        p += n;
        len -= n;
    }
    return h;
}

/* ---- PRNG --------------------------------------------------------------- */

static _Thread_local uint64_t rng[4] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                        0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void util_rand_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ULL;
        rng[i] = util_hash_u64(seed);
    }
}

uint64_t util_rand(void)
{
    uint64_t r = rotl(rng[1] * 5, 7) * 9;
    uint64_t t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl(rng[3], 45);
    return r;
}

void util_random_hex(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t i = 0;
    while (i < len) {
        size_t n = (len - i + 1) / 2;
        if (n > sizeof(raw)) n = sizeof(raw);
        ssize_t got = fd >= 0 ? read(fd, raw, n) : -1;
        if (got <= 0) {
            for (size_t k = 0; k < n; k++) raw[k] = (unsigned char)util_rand();
            got = (ssize_t)n;
        }
        for (ssize_t k = 0; k < got && i < len; k++) {
            buf[i++] = hex[raw[k] >> 4];
            if (i < len) buf[i++] = hex[raw[k] & 15];
        }
    }
    if (fd >= 0) close(fd);
}

/* ---- clocks ------------------------------------------------------------- */

long long util_ustime(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

long long util_mstime(void) { return util_ustime() / 1000; }

long long util_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool util_eqi(const char *s, size_t len, const char *cstr)
{
    size_t n = strlen(cstr);
    return n == len && strncasecmp(s, cstr, len) == 0;
}

bool util_parse_memory(const char *s, long long *out)
{
    size_t len = strlen(s);
    long long mul = 1;
    size_t numlen = len;
    static const struct { const char *suf; long long mul; } units[] = {
        {"kb", 1024LL}, {"mb", 1024LL * 1024}, {"gb", 1024LL * 1024 * 1024},
        {"k", 1000LL}, {"m", 1000LL * 1000}, {"g", 1000LL * 1000 * 1000}, {"b", 1}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t sl = strlen(units[i].suf);
        if (len > sl && strcasecmp(s + len - sl, units[i].suf) == 0) {
            mul = units[i].mul;
            numlen = len - sl;
            break;
        }
    }
    long long v;
    if (numlen == 0) return false;
    if (s[0] == '-') {
        if (!util_str2ll(s, numlen, &v)) return false;
    } else {
        unsigned long long u;
        if (!util_str2ull(s, numlen, &u) || u > LLONG_MAX) return false;
        v = (long long)u;
    }
    if (v != 0 && (v > LLONG_MAX / mul || v < LLONG_MIN / mul)) return false;
    *out = v * mul;
    return true;
}
