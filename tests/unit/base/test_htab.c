/* test_htab: unit tests for base/htab.c: add/find/remove through growth and
 * shrink with an incremental rehash in progress, the structural invariants
 * after every phase, random and foreach, and the SCAN guarantee (an entry
 * present for a whole scan is returned at least once even when the table
 * grows, shrinks or migrates between scan calls). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/htab.h"
#include "base/mem.h"
#include "base/util.h"

/* ---- a test entry type: an integer key ------------------------------------ */

struct item {
    struct htab_node node;
    uint64_t key;
    int present; /* maintained by the tests */
};

static uint64_t good_hash(uint64_t k) { return util_hash_u64(k); }

static uint64_t item_hash(const struct htab_node *n)
{
    return good_hash(htab_entry(n, struct item, node)->key);
}

static bool item_eq(const struct htab_node *n, const void *key, size_t klen)
{
    (void)klen;
    return htab_entry(n, struct item, node)->key == *(const uint64_t *)key;
}

static const struct htab_type item_type = {item_hash, item_eq};

/* A deliberately bad hash: only 7 distinct values, so chains get long. */
static uint64_t bad_hash(uint64_t k) { return k % 7; }

static uint64_t bad_item_hash(const struct htab_node *n)
{
    return bad_hash(htab_entry(n, struct item, node)->key);
}

static const struct htab_type bad_type = {bad_item_hash, item_eq};

static struct item *items_new(size_t n)
{
    struct item *v = calloc(n, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) v[i].key = i;
    return v;
}

static void add_item(struct htab *h, struct item *it)
{
    htab_add(h, h->type->hash(&it->node), &it->node);
    it->present = 1;
}

static struct item *find_key(struct htab *h, uint64_t k)
{
    uint64_t hash = h->type == &bad_type ? bad_hash(k) : good_hash(k);
    struct htab_node *n = htab_find(h, hash, &k, sizeof(k));
    return n ? htab_entry(n, struct item, node) : NULL;
}

static struct item *remove_key(struct htab *h, uint64_t k)
{
    uint64_t hash = h->type == &bad_type ? bad_hash(k) : good_hash(k);
    struct htab_node *n = htab_remove(h, hash, &k, sizeof(k));
    if (!n) return NULL;
    struct item *it = htab_entry(n, struct item, node);
    it->present = 0;
    return it;
}

/* Walks both arrays and checks the header's invariants: every entry is in
 * the bucket its hash selects, t[0] buckets below rehash_idx are empty
 * while rehashing, t[1] is NULL otherwise, and used[] matches the chains. */
static void check_invariants(struct htab *h)
{
    size_t count[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        if (!h->t[i]) continue;
        for (size_t b = 0; b <= h->mask[i]; b++) {
            for (struct htab_node *n = h->t[i][b]; n; n = n->next) {
                assert_int_equal(h->type->hash(n) & h->mask[i], b);
                if (i == 0 && htab_is_rehashing(h)) assert_true((long)b >= h->rehash_idx);
                count[i]++;
            }
        }
    }
    assert_int_equal(count[0], h->used[0]);
    assert_int_equal(count[1], h->used[1]);
    if (!htab_is_rehashing(h)) {
        assert_null(h->t[1]);
        assert_int_equal(h->used[1], 0);
    }
}

/* Every item flagged present is found, every other one is not. */
static void check_membership(struct htab *h, struct item *v, size_t n)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        struct item *f = find_key(h, v[i].key);
        if (v[i].present) {
            assert_ptr_equal(f, &v[i]);
            live++;
        } else {
            assert_null(f);
        }
    }
    assert_int_equal(htab_size(h), live);
}

/* ---- add / find / remove ------------------------------------------------- */

static void test_empty_table(void **state)
{
    (void)state;
    struct htab h;
    htab_init(&h, &item_type);
    uint64_t k = 42;
    assert_int_equal(htab_size(&h), 0);
    assert_null(htab_find(&h, good_hash(k), &k, sizeof(k)));
    assert_null(htab_find_link(&h, good_hash(k), &k, sizeof(k)));
    assert_null(htab_remove(&h, good_hash(k), &k, sizeof(k)));
    assert_null(htab_random(&h));
    assert_int_equal(htab_scan(&h, 0, NULL, NULL), 0);
    assert_false(htab_step(&h, 10));
    assert_false(htab_shrink_if_needed(&h));
    assert_int_equal(htab_slots(&h), 0);
    htab_deinit(&h, NULL, NULL);
}

static void test_grow_with_rehash_in_progress(void **state)
{
    (void)state;
    enum { N = 20000 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &item_type);
    int saw_rehash = 0, checked_during_rehash = 0;
    for (size_t i = 0; i < N; i++) {
        add_item(&h, &v[i]);
        assert_int_equal(htab_size(&h), i + 1);
        if (htab_is_rehashing(&h)) {
            saw_rehash = 1;
            /* the entry just added and an old one are both reachable
             * while entries sit in both arrays */
            assert_ptr_equal(find_key(&h, v[i].key), &v[i]);
            assert_ptr_equal(find_key(&h, v[i / 2].key), &v[i / 2]);
            if (checked_during_rehash < 8 && h.used[0] > 0 && h.used[1] > 0) {
                check_invariants(&h);
                check_membership(&h, v, N);
                checked_during_rehash++;
            }
        }
    }
    assert_true(saw_rehash);
    assert_true(checked_during_rehash > 0);
    check_invariants(&h);
    check_membership(&h, v, N);
    /* a second add of a found key never happens: table holds N distinct */
    while (htab_step(&h, 100)) {
    }
    check_invariants(&h);
    assert_true(h.mask[0] + 1 >= N);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

static void test_remove_and_shrink_with_rehash_in_progress(void **state)
{
    (void)state;
    enum { N = 8192 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < N; i++) add_item(&h, &v[i]);
    while (htab_step(&h, 100)) {
    }
    size_t big = h.mask[0] + 1;

    /* remove 15/16 of the entries, shrinking as soon as the policy allows
     * and interleaving removes with a partially migrated table */
    int shrinks = 0, removes_during_rehash = 0;
    for (size_t i = 0; i < N; i++) {
        if (i % 16 == 0) continue;
        assert_ptr_equal(remove_key(&h, v[i].key), &v[i]);
        assert_null(remove_key(&h, v[i].key)); /* gone: second remove fails */
        if (htab_is_rehashing(&h)) removes_during_rehash++;
        if (htab_shrink_if_needed(&h)) {
            shrinks++;
            assert_true(htab_is_rehashing(&h));
            check_invariants(&h);
        }
    }
    assert_true(shrinks > 0);
    assert_true(removes_during_rehash > 0);
    check_invariants(&h);
    check_membership(&h, v, N);
    while (htab_step(&h, 1)) {
    }
    while (htab_shrink_if_needed(&h))
        while (htab_step(&h, 1)) {
        }
    check_invariants(&h);
    check_membership(&h, v, N);
    assert_true(h.mask[0] + 1 < big);
    assert_true(h.used[0] * 8 >= h.mask[0] + 1 || h.mask[0] + 1 == 4);

    /* remove the rest, adding some back while shrinking */
    for (size_t i = 0; i < N; i += 16) {
        assert_ptr_equal(remove_key(&h, v[i].key), &v[i]);
        htab_shrink_if_needed(&h);
        if (i % 64 == 0) add_item(&h, &v[i + 1]);
    }
    check_invariants(&h);
    check_membership(&h, v, N);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

static void test_long_chains(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &bad_type);
    for (size_t i = 0; i < N; i++) add_item(&h, &v[i]);
    check_invariants(&h);
    check_membership(&h, v, N);
    for (size_t i = 0; i < N; i += 3) assert_ptr_equal(remove_key(&h, v[i].key), &v[i]);
    check_invariants(&h);
    check_membership(&h, v, N);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

static void test_unlink_find_link_replace(void **state)
{
    (void)state;
    enum { N = 100 };
    struct item *v = items_new(N);
    struct item repl = {.key = 50};
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < N; i++) add_item(&h, &v[i]);

    uint64_t k = 50;
    struct htab_node **link = htab_find_link(&h, good_hash(k), &k, sizeof(k));
    assert_non_null(link);
    assert_ptr_equal(*link, &v[50].node);
    struct htab_node *old = htab_replace_at(link, &repl.node);
    assert_ptr_equal(old, &v[50].node);
    assert_ptr_equal(find_key(&h, 50), &repl);
    assert_int_equal(htab_size(&h), N);

    /* unlink by identity: the replaced-out node is no longer there */
    assert_false(htab_unlink(&h, good_hash(k), &v[50].node));
    assert_true(htab_unlink(&h, good_hash(k), &repl.node));
    assert_null(find_key(&h, 50));
    assert_int_equal(htab_size(&h), N - 1);
    check_invariants(&h);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

static void test_pause_blocks_migration(void **state)
{
    (void)state;
    enum { N = 64 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &item_type);
    size_t i = 0;
    while (!htab_is_rehashing(&h)) add_item(&h, &v[i++]);
    h.paused++;
    size_t u0 = h.used[0];
    long idx = h.rehash_idx;
    assert_true(htab_step(&h, 100)); /* still rehashing, nothing moved */
    assert_int_equal(h.used[0], u0);
    assert_int_equal(h.rehash_idx, idx);
    assert_int_equal(htab_rehash_for(&h, 1000), 0);
    assert_false(htab_shrink_if_needed(&h));
    h.paused--;
    while (htab_step(&h, 1)) {
    }
    assert_int_equal(h.used[0], i);
    check_invariants(&h);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

static int freed_count;
static void count_free(struct htab_node *n, void *priv)
{
    (void)n;
    (void)priv;
    freed_count++;
}

static void foreach_cb(struct htab_node *n, void *priv)
{
    unsigned char *seen = priv;
    seen[htab_entry(n, struct item, node)->key]++;
}

static void test_foreach_random_deinit(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < N; i++) {
        add_item(&h, &v[i]);
        if (htab_is_rehashing(&h) && h.used[0] && h.used[1]) {
            /* random during a migration returns only members */
            struct htab_node *r = htab_random(&h);
            assert_non_null(r);
            struct item *it = htab_entry(r, struct item, node);
            assert_true(it->present);
        }
    }
    unsigned char seen[N];
    memset(seen, 0, sizeof(seen));
    htab_foreach(&h, foreach_cb, seen);
    for (size_t i = 0; i < N; i++) assert_int_equal(seen[i], 1);

    /* random reaches every member eventually */
    memset(seen, 0, sizeof(seen));
    for (int t = 0; t < N * 50; t++) {
        struct htab_node *r = htab_random(&h);
        seen[htab_entry(r, struct item, node)->key] = 1;
    }
    size_t hit = 0;
    for (size_t i = 0; i < N; i++) hit += seen[i];
    assert_true(hit > N * 95 / 100);

    freed_count = 0;
    htab_deinit(&h, count_free, NULL);
    assert_int_equal(freed_count, N);
    assert_int_equal(htab_size(&h), 0);
    assert_null(h.t[0]);
    free(v);
}

/* ---- SCAN guarantee --------------------------------------------------------- */

struct scan_rec {
    unsigned *seen; /* per key: times returned */
    size_t calls;
};

static void scan_cb(struct htab_node *n, void *priv)
{
    struct scan_rec *r = priv;
    r->seen[htab_entry(n, struct item, node)->key]++;
}

static void test_scan_stable_table_exactly_once(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct item *v = items_new(N);
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < N; i++) add_item(&h, &v[i]);
    while (htab_step(&h, 100)) {
    }
    unsigned *seen = calloc(N, sizeof(unsigned));
    struct scan_rec r = {seen, 0};
    unsigned long long cur = 0;
    do {
        cur = htab_scan(&h, cur, scan_cb, &r);
        r.calls++;
    } while (cur);
    for (size_t i = 0; i < N; i++) assert_int_equal(seen[i], 1);
    assert_int_equal(r.calls, h.mask[0] + 1);
    free(seen);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

/* The core property, under growth: keys 0..STABLE-1 are present for the
 * whole scan while other keys are added between scan calls, so the table
 * grows (several times) and is caught mid-migration by scan calls. */
static void test_scan_guarantee_while_growing(void **state)
{
    (void)state;
    enum { STABLE = 300, N = 40000 };
    struct item *v = items_new(N);
    unsigned *seen = calloc(N, sizeof(unsigned));
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < STABLE; i++) add_item(&h, &v[i]);
    struct scan_rec r = {seen, 0};
    unsigned long long cur = 0;
    size_t next = STABLE;
    int scans_while_rehashing = 0;
    size_t start_slots = h.mask[0] + 1;
    do {
        if (htab_is_rehashing(&h)) scans_while_rehashing++;
        cur = htab_scan(&h, cur, scan_cb, &r);
        for (int j = 0; j < 40 && next < N; j++) add_item(&h, &v[next++]);
    } while (cur);
    assert_true(h.mask[0] + 1 > start_slots * 8);
    assert_true(scans_while_rehashing > 0);
    for (size_t i = 0; i < STABLE; i++) assert_true(seen[i] >= 1);
    /* nothing that was never added is returned */
    for (size_t i = next; i < N; i++) assert_int_equal(seen[i], 0);
    check_invariants(&h);
    free(seen);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

/* Under shrink: many entries are removed between scan calls and the table
 * shrinks (several times), with scans landing mid-migration. */
static void test_scan_guarantee_while_shrinking(void **state)
{
    (void)state;
    enum { STABLE = 200, N = 30000 };
    struct item *v = items_new(N);
    unsigned *seen = calloc(N, sizeof(unsigned));
    struct htab h;
    htab_init(&h, &item_type);
    for (size_t i = 0; i < N; i++) add_item(&h, &v[i]);
    while (htab_step(&h, 100)) {
    }
    size_t start_slots = h.mask[0] + 1;
    struct scan_rec r = {seen, 0};
    unsigned long long cur = 0;
    size_t victim = STABLE;
    int shrinks = 0, scans_while_rehashing = 0;
    do {
        if (htab_is_rehashing(&h)) scans_while_rehashing++;
        cur = htab_scan(&h, cur, scan_cb, &r);
        for (int j = 0; j < 600 && victim < N; j++) remove_key(&h, v[victim++].key);
        if (htab_shrink_if_needed(&h)) shrinks++;
        htab_step(&h, 3); /* only partly: leave the migration in progress */
    } while (cur);
    assert_true(shrinks > 0);
    assert_true(scans_while_rehashing > 0);
    assert_true(htab_slots(&h) < start_slots);
    for (size_t i = 0; i < STABLE; i++) assert_true(seen[i] >= 1);
    check_invariants(&h);
    free(seen);
    htab_deinit(&h, NULL, NULL);
    free(v);
}

/* Mixed: grow, then shrink, then grow again within one scan, plus random
 * churn of non-stable keys, from several starting sizes and seeds. */
static void test_scan_guarantee_grow_and_shrink(void **state)
{
    (void)state;
    enum { STABLE = 150, N = 20000 };
    for (uint64_t seed = 1; seed <= 6; seed++) {
        util_rand_seed(seed);
        struct item *v = items_new(N);
        unsigned *seen = calloc(N, sizeof(unsigned));
        struct htab h;
        htab_init(&h, &item_type);
        for (size_t i = 0; i < STABLE; i++) add_item(&h, &v[i]);
        size_t prefill = (size_t)(seed * 1500);
        for (size_t i = STABLE; i < STABLE + prefill; i++) add_item(&h, &v[i]);
        struct scan_rec r = {seen, 0};
        unsigned long long cur = 0;
        int step = 0, grew = 0, shrank = 0;
        size_t prev_slots = htab_slots(&h);
        do {
            cur = htab_scan(&h, cur, scan_cb, &r);
            int phase = (step++ / 8) % 3; /* grow, shrink, grow ... */
            for (int j = 0; j < 200; j++) {
                size_t k = STABLE + (size_t)(util_rand() % (N - STABLE));
                bool add = phase != 1 ? (util_rand() % 4 != 0) : (util_rand() % 8 == 0);
                if (add && !v[k].present) add_item(&h, &v[k]);
                else if (!add && v[k].present) remove_key(&h, v[k].key);
            }
            if (phase == 1) {
                /* mass removal so the table really shrinks */
                for (size_t k = STABLE; k < N && htab_size(&h) > STABLE + 50; k++)
                    if (v[k].present && util_rand() % 3) remove_key(&h, v[k].key);
                htab_shrink_if_needed(&h);
            }
            htab_step(&h, (int)(util_rand() % 4));
            size_t slots = htab_slots(&h);
            if (slots > prev_slots) grew = 1;
            if (slots < prev_slots) shrank = 1;
            prev_slots = slots;
        } while (cur);
        assert_true(grew);
        assert_true(shrank);
        for (size_t i = 0; i < STABLE; i++) assert_true(seen[i] >= 1);
        check_invariants(&h);
        check_membership(&h, v, N);
        free(seen);
        htab_deinit(&h, NULL, NULL);
        free(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_grow_with_rehash_in_progress),
        cmocka_unit_test(test_remove_and_shrink_with_rehash_in_progress),
        cmocka_unit_test(test_long_chains),
        cmocka_unit_test(test_unlink_find_link_replace),
        cmocka_unit_test(test_pause_blocks_migration),
        cmocka_unit_test(test_foreach_random_deinit),
        cmocka_unit_test(test_scan_stable_table_exactly_once),
        cmocka_unit_test(test_scan_guarantee_while_growing),
        cmocka_unit_test(test_scan_guarantee_while_shrinking),
        cmocka_unit_test(test_scan_guarantee_grow_and_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
