/* Unit tests for src/core/object.c: string encodings, shared integers,
 * in-place growth, and the per-type ops registry that lets the keyspace
 * free, copy and measure values of types it does not know. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/mem.h"
#include "core/object.h"

#include <string.h>

static void test_string_encodings(void **state)
{
    obj_init_shared();
    struct obj *o = obj_new_string("12345678901", 11);
    assert_int_equal(o->enc, ENC_INT);
    assert_true(o->u.i == 12345678901LL);
    obj_free(o);
    o = obj_new_string("42", 2);
    assert_true(o->flags & OBJ_F_SHARED); /* 0..9999 are shared */
    assert_ptr_equal(o, obj_new_int(42));
    obj_free(o); /* a no-op for shared objects */
    o = obj_new_string("0042", 4);
    assert_int_equal(o->enc, ENC_EMBSTR);
    obj_free(o);
    char big[45];
    memset(big, 'x', sizeof(big));
    o = obj_new_string(big, 44);
    assert_int_equal(o->enc, ENC_EMBSTR);
    obj_free(o);
    o = obj_new_string(big, 45);
    assert_int_equal(o->enc, ENC_RAW);
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    assert_int_equal(len, 45);
    assert_memory_equal(p, big, 45);
    obj_free(o);
    obj_free_shared();
}

static void test_make_raw_keeps_bytes(void **state)
{
    obj_init_shared();
    struct obj *o = obj_new_string("123", 3);
    o = obj_make_raw(o, 100);
    assert_int_equal(o->enc, ENC_RAW);
    assert_true(o->u.raw.cap >= 100);
    assert_int_equal(o->u.raw.len, 3);
    assert_memory_equal(o->u.raw.ptr, "123", 3);
    assert_int_equal(obj_strlen(o), 3);
    long long v;
    assert_true(obj_get_ll(o, &v) && v == 123);
    obj_free(o);
    obj_free_shared();
}

/* A stand-in collection: the payload is one heap block holding a count. */
static int frees, dups;

static void fake_free(struct obj *o)
{
    frees++;
    mem_free(o->u.ptr);
}

static struct obj *fake_dup(const struct obj *o)
{
    dups++;
    struct obj *n = mem_alloc(sizeof(*n));
    *n = *o;
    n->u.ptr = mem_alloc(sizeof(long));
    memcpy(n->u.ptr, o->u.ptr, sizeof(long));
    return n;
}

static size_t fake_mem(const struct obj *o) { return 1000; }

static void test_type_registry(void **state)
{
    static const struct obj_type_ops ops = {fake_free, fake_dup, fake_mem};
    struct obj *o = mem_alloc(sizeof(*o));
    memset(o, 0, sizeof(*o));
    o->type = OBJ_LIST;
    o->enc = ENC_QUICKLIST;
    assert_null(obj_dup(o)); /* no ops registered yet */
    o->u.ptr = mem_alloc(sizeof(long));
    *(long *)o->u.ptr = 7;
    obj_register_type(OBJ_LIST, &ops);
    struct obj *c = obj_dup(o);
    assert_non_null(c);
    assert_int_equal(dups, 1);
    assert_int_equal(*(long *)c->u.ptr, 7);
    assert_true(obj_mem(o) >= 1000);
    obj_free(o);
    obj_free(c);
    assert_int_equal(frees, 2);
    obj_register_type(OBJ_LIST, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_encodings),
        cmocka_unit_test(test_make_raw_keeps_bytes),
        cmocka_unit_test(test_type_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
