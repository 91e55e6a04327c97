/* Unit tests for src/base/listpack.c: the exact Redis byte layout of each
 * encoding, navigation both ways, insert/replace/delete against a
 * reference array, and validation of corrupt blobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/listpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_exact_bytes(void **state)
{
    unsigned char *lp = lp_new();
    lp_append(&lp, "hello", 5);
    lp_append(&lp, "1", 1);
    lp_append(&lp, "-1", 2);
    lp_append(&lp, "1000", 4);
    static const unsigned char want[] = {
        22, 0, 0, 0, 4, 0,                    /* total bytes, count */
        0x85, 'h', 'e', 'l', 'l', 'o', 0x06,  /* 6-bit string, backlen 6 */
        0x01, 0x01,                           /* 7-bit uint 1, backlen 1 */
        0xDF, 0xFF, 0x02,                     /* 13-bit int -1 */
        0xC3, 0xE8, 0x02,                     /* 13-bit int 1000 = 0x3E8 */
        0xFF};
    assert_int_equal(lp_bytes(lp), sizeof(want));
    assert_memory_equal(lp, want, sizeof(want));
    assert_true(lp_validate(lp, lp_bytes(lp)));
    lp_free(&lp);
}

static void check_value(const unsigned char *lp, size_t pos, const char *want)
{
    struct lp_val v;
    lp_get(lp, pos, &v);
    char buf[64];
    const char *got;
    size_t len;
    if (v.s) {
        got = (const char *)v.s;
        len = v.slen;
    } else {
        len = (size_t)snprintf(buf, sizeof(buf), "%lld", v.v);
        got = buf;
    }
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    assert_true(lp_eq(lp, pos, want, strlen(want)));
}

static void test_all_encodings_roundtrip(void **state)
{
    static char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    const char *vals[] = {"0", "127", "128", "-4096", "4095", "4096", "-32768", "32767",
                          "8388607", "-8388608", "2147483647", "-2147483648",
                          "9223372036854775807", "-9223372036854775808", "007", "",
                          "x", "a string of more than sixty-four bytes.......................",
                          big};
    size_t n = sizeof(vals) / sizeof(vals[0]);
    unsigned char *lp = lp_new();
    for (size_t i = 0; i < n; i++) lp_append(&lp, vals[i], strlen(vals[i]));
    assert_true(lp_validate(lp, lp_bytes(lp)));
    assert_int_equal(lp_count(lp), n);
    size_t p = lp_first(lp);
    for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) check_value(lp, p, vals[i]);
    assert_int_equal(p, LP_NONE);
    p = lp_last(lp);
    for (size_t i = n; i-- > 0; p = lp_prev(lp, p)) check_value(lp, p, vals[i]);
    assert_int_equal(p, LP_NONE);
    check_value(lp, lp_seek(lp, -1), big);
    check_value(lp, lp_seek(lp, 3), "-4096");
    assert_int_equal(lp_seek(lp, (long long)n), LP_NONE);
    lp_free(&lp);
}

static void test_find_skip(void **state)
{
    unsigned char *lp = lp_new();
    const char *kv[] = {"f1", "v1", "f2", "f1", "f3", "42"};
    for (int i = 0; i < 6; i++) lp_append(&lp, kv[i], strlen(kv[i]));
    size_t p = lp_find(lp, lp_first(lp), "f1", 2, 1); /* fields only */
    assert_int_equal(p, lp_first(lp));
    p = lp_find(lp, lp_first(lp), "f3", 2, 1);
    check_value(lp, lp_next(lp, p), "42");
    /* "f1" as a value (position 3) is not found when skipping values */
    p = lp_find(lp, lp_next(lp, lp_first(lp)), "v1", 2, 1);
    assert_int_not_equal(p, LP_NONE);
    assert_int_equal(lp_find(lp, lp_first(lp), "v1", 2, 1), LP_NONE);
    assert_int_not_equal(lp_find(lp, lp_first(lp), "42", 2, 0), LP_NONE);
    lp_free(&lp);
}

static void test_random_vs_reference(void **state)
{
    char ref[300][40];
    size_t n = 0;
    unsigned char *lp = lp_new();
    srand(7);
    for (int step = 0; step < 4000; step++) {
        char v[40];
        int kind = rand() % 4;
        if (kind == 0) snprintf(v, sizeof(v), "%d", rand() % 200 - 100);
        else if (kind == 1) snprintf(v, sizeof(v), "%lld", (long long)rand() * rand());
        else snprintf(v, sizeof(v), "s%.*s", rand() % 30, "abcdefghijklmnopqrstuvwxyz0123456789");
        int op = rand() % 3;
        size_t idx = n ? (size_t)rand() % n : 0;
        if (op == 0 && n < 300) {
            size_t pos = n ? lp_seek(lp, (long long)idx) : LP_NONE;
            if (rand() % 2 || n == 0) { /* append */
                lp_append(&lp, v, strlen(v));
                strcpy(ref[n++], v);
            } else {
                lp_insert(&lp, pos, v, strlen(v));
                memmove(ref[idx + 1], ref[idx], (n - idx) * sizeof(ref[0]));
                strcpy(ref[idx], v);
                n++;
            }
        } else if (op == 1 && n) {
            lp_replace(&lp, lp_seek(lp, (long long)idx), v, strlen(v));
            strcpy(ref[idx], v);
        } else if (n) {
            size_t cnt = 1 + (size_t)rand() % 3;
            if (cnt > n - idx) cnt = n - idx;
            lp_delete(&lp, lp_seek(lp, (long long)idx), cnt);
            memmove(ref[idx], ref[idx + cnt], (n - idx - cnt) * sizeof(ref[0]));
            n -= cnt;
        }
        assert_true(lp_validate(lp, lp_bytes(lp)));
        assert_int_equal(lp_count(lp), n);
    }
    size_t p = lp_first(lp);
    for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) check_value(lp, p, ref[i]);
    lp_free(&lp);
}

static void test_validate_rejects_corruption(void **state)
{
    unsigned char *lp = lp_new();
    lp_append(&lp, "hello", 5);
    lp_append(&lp, "12345678", 8);
    size_t size = lp_bytes(lp);
    unsigned char *bad = malloc(size);
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, lp, size);
            bad[i] ^= (unsigned char)(1 << bit);
            /* must not crash; most flips must be caught */
            (void)lp_validate(bad, size);
        }
    }
    memcpy(bad, lp, size);
    bad[6] = 0x85 + 10; /* string longer than the block */
    assert_false(lp_validate(bad, size));
    memcpy(bad, lp, size);
    bad[size - 1] = 0;  /* no terminator */
    assert_false(lp_validate(bad, size));
    memcpy(bad, lp, size);
    bad[4] = 3;          /* wrong count */
    assert_false(lp_validate(bad, size));
    assert_false(lp_validate(lp, size - 1));
    free(bad);
    lp_free(&lp);
}

/* The backlen takes as many bytes as Redis writes (and its validator
 * demands): 2 below 16383, 3 from 16383 (one less than 2^14) on. */
static void test_backlen_thresholds(void **state)
{
    struct {
        size_t slen, entry_len, backlen;
    } cases[] = {{125, 127, 1}, {126, 128, 2}, {16377, 16382, 2}, {16378, 16383, 3},
                 {16379, 16384, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = malloc(cases[i].slen);
        memset(s, 'b', cases[i].slen);
        unsigned char *lp = lp_new();
        lp_append(&lp, s, cases[i].slen);
        lp_append(&lp, "z", 1);
        assert_int_equal(lp_bytes(lp), LP_HDR + cases[i].entry_len + cases[i].backlen + 3 + 1);
        assert_true(lp_validate(lp, lp_bytes(lp)));
        assert_int_equal(lp_prev(lp, lp_last(lp)), LP_HDR);
        struct lp_val v;
        lp_get(lp, lp_first(lp), &v);
        assert_int_equal(v.slen, cases[i].slen);
        lp_free(&lp);
        free(s);
    }
}

/* 65535 in the count field means "walk to count": Redis leaves it there
 * when deletes bring a big block below 65535 entries. */
static void test_unknown_count_accepted(void **state)
{
    unsigned char *lp = lp_new();
    lp_append(&lp, "a", 1);
    lp_append(&lp, "b", 1);
    lp[4] = 0xff;
    lp[5] = 0xff;
    assert_true(lp_validate(lp, lp_bytes(lp)));
    assert_int_equal(lp_count(lp), 2);
    lp_delete(&lp, lp_first(lp), 1);
    assert_int_equal(lp_count(lp), 1);
    assert_true(lp_validate(lp, lp_bytes(lp)));
    lp_free(&lp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_all_encodings_roundtrip),
        cmocka_unit_test(test_find_skip),
        cmocka_unit_test(test_random_vs_reference),
        cmocka_unit_test(test_validate_rejects_corruption),
        cmocka_unit_test(test_backlen_thresholds),
        cmocka_unit_test(test_unknown_count_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
