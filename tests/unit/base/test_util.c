/* Unit tests for src/base/util.c: number parsing with Redis's acceptance
 * rules, formatting, glob matching (including a pathological pattern) and
 * memory units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool s2ll(const char *s, long long *v) { return util_str2ll(s, strlen(s), v); }

static void test_str2ll(void **state)
{
    long long v;
    assert_true(s2ll("0", &v) && v == 0);
    assert_true(s2ll("-1", &v) && v == -1);
    assert_true(s2ll("9223372036854775807", &v) && v == LLONG_MAX);
    assert_true(s2ll("-9223372036854775808", &v) && v == LLONG_MIN);
    assert_false(s2ll("9223372036854775808", &v));
    assert_false(s2ll("-9223372036854775809", &v));
    assert_false(s2ll("", &v));
    assert_false(s2ll("-", &v));
    assert_false(s2ll("-0", &v));
    assert_false(s2ll("+1", &v));
    assert_false(s2ll("007", &v));
    assert_false(s2ll(" 1", &v));
    assert_false(s2ll("1 ", &v));
    assert_false(s2ll("1a", &v));
    assert_false(s2ll("99999999999999999999999", &v));
}

static void test_ll2str_roundtrip(void **state)
{
    const long long vals[] = {0, 1, -1, 9, 10, 99, -100, 123456789, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char buf[UTIL_LL_STR_SIZE];
        int n = util_ll2str(buf, vals[i]);
        long long back;
        assert_int_equal((size_t)n, strlen(buf));
        assert_true(util_str2ll(buf, (size_t)n, &back));
        assert_true(back == vals[i]);
        assert_int_equal(util_ll_digits(vals[i]), n);
    }
}

static void test_doubles(void **state)
{
    double d;
    assert_true(util_str2d("1.5", 3, &d) && d == 1.5);
    assert_true(util_str2d("inf", 3, &d));
    assert_false(util_str2d("nan", 3, &d));
    assert_false(util_str2d(" 1", 2, &d));
    assert_false(util_str2d("1x", 2, &d));
    char buf[UTIL_LD_STR_SIZE];
    util_ld2str(buf, sizeof(buf), 10.5L);
    assert_string_equal(buf, "10.5");
    util_ld2str(buf, sizeof(buf), 3.0L);
    assert_string_equal(buf, "3");
    util_ld2str(buf, sizeof(buf), -0.0L);
    assert_string_equal(buf, "0");
    util_d2str(buf, sizeof(buf), -1.0 / 0.0);
    assert_string_equal(buf, "-inf");
    /* the integer fast path prints exactly what %.17g prints */
    const double vals[] = {0.0, -0.0, 1.0, -1.0, 42.0, 1e15, -1e15, 9007199254740991.0,
                           9007199254740992.0, 1e17, 1.5, -2.25, 0.1, 1e300, -123456789.0};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "%.17g", vals[i]);
        int n = util_d2str(buf, sizeof(buf), vals[i]);
        assert_string_equal(buf, want);
        assert_int_equal((size_t)n, strlen(want));
    }
    /* digits of every length through the two-digit table */
    for (unsigned long long v = 1, k = 0; k < 20; k++, v = v * 10 + (k % 10)) {
        char want[32];
        snprintf(want, sizeof(want), "%llu", v);
        util_ull2str(buf, v);
        assert_string_equal(buf, want);
    }
}

/* The recursive matcher util_glob_match replaced, kept here as the oracle
 * for a differential test of the iterative one. */
static int ref_lc(int c, bool nocase) { return nocase ? tolower(c) : c; }

static bool ref_match(const char *p, size_t plen, const char *s, size_t slen, bool nocase)
{
    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen > 1 && p[1] == '*') { p++; plen--; }
            if (plen == 1) return true;
            for (;;) {
                if (ref_match(p + 1, plen - 1, s, slen, nocase)) return true;
                if (slen == 0) return false;
                s++;
                slen--;
            }
        case '?':
            s++;
            slen--;
            break;
        case '[': {
            p++;
            plen--;
            bool neg = plen && p[0] == '^';
            if (neg) { p++; plen--; }
            bool hit = false;
            for (;;) {
                if (plen == 0) break;
                if (p[0] == '\\' && plen >= 2) {
                    p++;
                    plen--;
                    if (p[0] == s[0]) hit = true;
                } else if (p[0] == ']') {
                    break;
                } else if (plen >= 3 && p[1] == '-') {
                    int a = ref_lc((unsigned char)p[0], nocase), b = ref_lc((unsigned char)p[2], nocase);
                    int c = ref_lc((unsigned char)s[0], nocase);
                    if (a > b) { int t = a; a = b; b = t; }
                    if (c >= a && c <= b) hit = true;
                    p += 2;
                    plen -= 2;
                } else if (ref_lc((unsigned char)p[0], nocase) == ref_lc((unsigned char)s[0], nocase)) {
                    hit = true;
                }
                p++;
                plen--;
            }
            if (neg) hit = !hit;
            if (!hit) return false;
            s++;
            slen--;
            if (plen == 0) return slen == 0;
            break;
        }
        case '\\':
            if (plen >= 2) { p++; plen--; }
            /* fall through */
        default:
            if (ref_lc((unsigned char)p[0], nocase) != ref_lc((unsigned char)s[0], nocase)) return false;
            s++;
            slen--;
            break;
        }
        p++;
        plen--;
    }
    while (plen && p[0] == '*') { p++; plen--; }
    return plen == 0 && slen == 0;
}

static void test_glob_differential(void **state)
{
    const char pal[] = "aAb*?[]^-\\";
    const char sal[] = "aAb-]^\\*";
    uint64_t x = 88172645463325252ULL;
    for (int iter = 0; iter < 300000; iter++) {
        char p[10], s[10];
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t pl = x % 9, sl = (x >> 8) % 9;
        for (size_t i = 0; i < pl; i++) p[i] = pal[(x >> (12 + 3 * i)) % (sizeof(pal) - 1)];
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        for (size_t i = 0; i < sl; i++) s[i] = sal[(x >> (3 * i)) % (sizeof(sal) - 1)];
        bool nocase = x & 1;
        if (util_glob_match(p, pl, s, sl, nocase) != ref_match(p, pl, s, sl, nocase)) {
            fprintf(stderr, "glob differs: pattern '%.*s' string '%.*s' nocase %d\n", (int)pl, p,
                    (int)sl, s, nocase);
            fail();
        }
    }
}

static bool gm(const char *p, const char *s) { return util_glob_match(p, strlen(p), s, strlen(s), false); }

static void test_glob(void **state)
{
    assert_true(gm("*", ""));
    assert_true(gm("h?llo", "hello"));
    assert_false(gm("h?llo", "hllo"));
    assert_true(gm("h*llo", "heeeello"));
    assert_true(gm("h[ae]llo", "hallo"));
    assert_false(gm("h[ae]llo", "hillo"));
    assert_true(gm("h[^e]llo", "hallo"));
    assert_false(gm("h[^e]llo", "hello"));
    assert_true(gm("h[a-b]llo", "hbllo"));
    assert_true(gm("h[b-a]llo", "hallo")); /* reversed range */
    assert_true(gm("a\\*b", "a*b"));
    assert_false(gm("a\\*b", "axb"));
    assert_true(gm("key:*:end", "key:1:2:end"));
    assert_false(gm("abc", "abcd"));
    assert_true(util_glob_match("HELLO", 5, "hello", 5, true));
    assert_false(util_glob_match("HELLO", 5, "hello", 5, false));
    /* exponential backtracking would take ages; this must be instant */
    char s[64];
    memset(s, 'a', 40);
    s[40] = '\0';
    clock_t t0 = clock();
    assert_false(gm("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_parse_memory(void **state)
{
    long long v;
    assert_true(util_parse_memory("100", &v) && v == 100);
    assert_true(util_parse_memory("1kb", &v) && v == 1024);
    assert_true(util_parse_memory("1k", &v) && v == 1000);
    assert_true(util_parse_memory("2MB", &v) && v == 2 * 1024 * 1024);
    assert_true(util_parse_memory("1gb", &v) && v == 1024LL * 1024 * 1024);
    assert_false(util_parse_memory("lots", &v));
    assert_false(util_parse_memory("gb", &v));
    assert_false(util_parse_memory("99999999999999gb", &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str2ll),       cmocka_unit_test(test_ll2str_roundtrip),
        cmocka_unit_test(test_doubles),      cmocka_unit_test(test_glob),
        cmocka_unit_test(test_glob_differential),
        cmocka_unit_test(test_parse_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
