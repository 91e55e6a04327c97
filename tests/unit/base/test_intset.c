/* Unit tests for src/base/intset.c: order, width upgrades at both ends,
 * removal, and a random sequence checked against a sorted reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/intset.h"

#include <stdlib.h>

static void check_sorted(const struct intset *is)
{
    for (uint32_t i = 1; i < intset_len(is); i++)
        assert_true(intset_get(is, i - 1) < intset_get(is, i));
}

static void test_widths(void **state)
{
    struct intset *is = intset_new();
    assert_true(intset_add(&is, 5));
    assert_false(intset_add(&is, 5));
    assert_int_equal(is->width, 2);
    assert_true(intset_add(&is, 100000)); /* upgrade to 4, at the end */
    assert_int_equal(is->width, 4);
    assert_true(intset_add(&is, -5000000000LL)); /* upgrade to 8, at the front */
    assert_int_equal(is->width, 8);
    assert_int_equal(intset_len(is), 3);
    assert_true(intset_get(is, 0) == -5000000000LL);
    assert_true(intset_get(is, 1) == 5);
    assert_true(intset_get(is, 2) == 100000);
    assert_true(intset_contains(is, 100000));
    assert_false(intset_contains(is, 6));
    assert_true(intset_remove(&is, 5));
    assert_false(intset_remove(&is, 5));
    assert_int_equal(intset_len(is), 2);
    assert_true(intset_add(&is, INT64_MAX));
    assert_true(intset_add(&is, INT64_MIN));
    check_sorted(is);
    intset_free(&is);
    assert_null(is);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_random_vs_reference(void **state)
{
    struct intset *is = intset_new();
    int64_t ref[1000]; /* more than the distinct values drawn */
    size_t n = 0;
    srand(42);
    for (int step = 0; step < 5000; step++) {
        int64_t v = (int64_t)(rand() % 400) - 200;
        if (rand() % 7 == 0) v *= 100000; /* sometimes wider */
        if (rand() % 3 == 0) {
            size_t i = 0;
            while (i < n && ref[i] != v) i++;
            bool had = i < n;
            if (had) ref[i] = ref[--n];
            assert_int_equal(intset_remove(&is, v), had);
        } else {
            size_t i = 0;
            while (i < n && ref[i] != v) i++;
            bool had = i < n;
            if (!had) ref[n++] = v;
            assert_int_equal(intset_add(&is, v), !had);
        }
    }
    qsort(ref, n, sizeof(ref[0]), cmp64);
    assert_int_equal(intset_len(is), n);
    for (size_t i = 0; i < n; i++) assert_true(intset_get(is, (uint32_t)i) == ref[i]);
    intset_free(&is);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_random_vs_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
