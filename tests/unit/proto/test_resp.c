/* Unit tests for the RESP request parser (src/proto/resp.c): every state,
 * every error text, resumption at every byte boundary, inline quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct resp_limits lim = {
    .max_bulk_len = 512LL * 1024 * 1024, .max_multibulk_len = 1024 * 1024, .max_inline_len = 64};

/* Parses one request from s (a copy, since inline parsing edits in place). */
static enum resp_result parse1(struct resp_req *r, const char *s, size_t len, char **copy)
{
    *copy = malloc(len + 1);
    memcpy(*copy, s, len);
    resp_req_reset(r);
    return resp_parse(r, *copy, len, &lim);
}

static void assert_arg(const struct resp_req *r, const char *base, int i, const char *want)
{
    assert_true(i < r->argc);
    assert_int_equal(r->argv[i].len, strlen(want));
    assert_memory_equal(base + r->argv[i].off, want, strlen(want));
}

static void test_multibulk(void **state)
{
    struct resp_req r;
    resp_req_init(&r);
    char *b;
    const char *s = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nTRAILING";
    assert_int_equal(parse1(&r, s, strlen(s), &b), RESP_DONE);
    assert_int_equal(r.argc, 3);
    assert_int_equal(r.consumed, strlen(s) - strlen("TRAILING"));
    assert_arg(&r, b, 0, "SET");
    assert_arg(&r, b, 1, "k");
    assert_arg(&r, b, 2, "hello");
    assert_false(r.is_inline);
    free(b);
    resp_req_deinit(&r);
}

static void test_empty_requests(void **state)
{
    struct resp_req r;
    resp_req_init(&r);
    char *b;
    assert_int_equal(parse1(&r, "*0\r\n", 4, &b), RESP_DONE);
    assert_int_equal(r.argc, 0);
    assert_int_equal(r.consumed, 4);
    free(b);
    assert_int_equal(parse1(&r, "*-1\r\n", 5, &b), RESP_DONE);
    assert_int_equal(r.argc, 0);
    free(b);
    assert_int_equal(parse1(&r, "\r\n", 2, &b), RESP_DONE);
    assert_int_equal(r.argc, 0);
    assert_int_equal(r.consumed, 2);
    free(b);
    resp_req_deinit(&r);
}

static void test_binary_and_empty_bulk(void **state)
{
    struct resp_req r;
    resp_req_init(&r);
    char *b;
    const char s[] = "*2\r\n$3\r\na\0b\r\n$0\r\n\r\n";
    assert_int_equal(parse1(&r, s, sizeof(s) - 1, &b), RESP_DONE);
    assert_int_equal(r.argc, 2);
    assert_int_equal(r.argv[0].len, 3);
    assert_memory_equal(b + r.argv[0].off, "a\0b", 3);
    assert_int_equal(r.argv[1].len, 0);
    free(b);
    resp_req_deinit(&r);
}

static void expect_error(const char *s, size_t len, const char *err)
{
    struct resp_req r;
    resp_req_init(&r);
    char *b;
    assert_int_equal(parse1(&r, s, len, &b), RESP_ERROR);
    assert_string_equal(r.err, err);
    free(b);
    resp_req_deinit(&r);
}

static void test_errors(void **state)
{
    expect_error("*abc\r\n", 6, "Protocol error: invalid multibulk length");
    expect_error("*3000000\r\n", 10, "Protocol error: invalid multibulk length");
    expect_error("*1\r\n$-10\r\n", 10, "Protocol error: invalid bulk length");
    expect_error("*1\r\n$blabla\r\n", 13, "Protocol error: invalid bulk length");
    expect_error("*1\r\n$03\r\nabc\r\n", 14, "Protocol error: invalid bulk length");
    expect_error("*1\r\nfoo\r\n", 9, "Protocol error: expected '$', got 'f'");
    expect_error("SET k \"unterminated\r\n", 21, "Protocol error: unbalanced quotes in request");
    expect_error("SET k 'a'b\r\n", 12, "Protocol error: unbalanced quotes in request");
    char big[200];
    memset(big, 'A', sizeof(big));
    expect_error(big, sizeof(big), "Protocol error: too big inline request");
    big[150] = '\n'; /* a complete line over the limit is refused too */
    expect_error(big, sizeof(big), "Protocol error: too big inline request");
    char cnt[200] = "*";
    memset(cnt + 1, '1', sizeof(cnt) - 1);
    expect_error(cnt, sizeof(cnt), "Protocol error: too big mult bulk count string");
    char bl[200] = "*1\r\n$";
    memset(bl + 5, '1', sizeof(bl) - 5);
    expect_error(bl, sizeof(bl), "Protocol error: too big bulk count string");
}

static void test_bulk_limit(void **state)
{
    struct resp_limits small = lim;
    small.max_bulk_len = 10;
    struct resp_req r;
    resp_req_init(&r);
    char s[] = "*1\r\n$11\r\n";
    assert_int_equal(resp_parse(&r, s, strlen(s), &small), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: invalid bulk length");
    resp_req_reset(&r);
    char t[] = "*1\r\n$10\r\n0123456789\r\n";
    assert_int_equal(resp_parse(&r, t, strlen(t), &small), RESP_DONE);
    resp_req_deinit(&r);
}

/* Feed a pipeline one byte more at a time: NEED_MORE until a request is
 * whole, then exactly the same results as parsing it at once. */
static void test_resume_every_boundary(void **state)
{
    const char *pipe = "*2\r\n$4\r\nECHO\r\n$12\r\nhello world!\r\n"
                       "PING\r\n"
                       "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nabc\r\n"
                       "GET \"a b\"\n";
    size_t total = strlen(pipe);
    const int want_argc[] = {2, 1, 3, 2};
    const char *want_last[] = {"hello world!", "PING", "abc", "a b"};
    struct resp_req r;
    resp_req_init(&r);
    char *buf = malloc(total);
    size_t start = 0, have = 0;
    int got = 0;
    while (have < total) {
        buf[have] = pipe[have];
        have++;
        enum resp_result rc = resp_parse(&r, buf + start, have - start, &lim);
        assert_int_not_equal(rc, RESP_ERROR);
        if (rc == RESP_DONE) {
            assert_int_equal(r.argc, want_argc[got]);
            assert_arg(&r, buf + start, r.argc - 1, want_last[got]);
            assert_int_equal(start + r.consumed, have); /* completes exactly at its last byte */
            start += r.consumed;
            got++;
            resp_req_reset(&r);
        }
    }
    assert_int_equal(got, 4);
    free(buf);
    resp_req_deinit(&r);
}

static void test_pending_bulk(void **state)
{
    struct resp_req r;
    resp_req_init(&r);
    char s[] = "*2\r\n$3\r\nSET\r\n$100000\r\nabc";
    assert_int_equal(resp_parse(&r, s, strlen(s), &lim), RESP_NEED_MORE);
    assert_int_equal(resp_pending_bulk(&r), 100002);
    resp_req_deinit(&r);
}

static void split(const char *line, int want_argc, const char **want)
{
    char buf[256];
    size_t len = strlen(line);
    memcpy(buf, line, len);
    struct resp_arg args[16];
    int argc = resp_split_line(buf, len, args, 16, 0);
    assert_int_equal(argc, want_argc);
    for (int i = 0; i < argc; i++) {
        assert_int_equal(args[i].len, strlen(want[i]));
        assert_memory_equal(buf + args[i].off, want[i], args[i].len);
    }
}

static void test_inline_quoting(void **state)
{
    const char *w1[] = {"set", "k", "A\n\t"};
    split("set k \"\\x41\\n\\t\"", 3, w1);
    const char *w2[] = {"it's", "x"};
    split("'it\\'s' x", 2, w2);
    const char *w3[] = {"a", "", "b"};
    split("  a \"\"   b  ", 3, w3);
    const char *w4[] = {"q\"uote"};
    split("\"q\\\"uote\"", 1, w4);
    const char *w5[] = {"xzz"}; /* not a hex escape: the backslash is dropped */
    split("\"\\xzz\"", 1, w5);
    split("\"open", -1, NULL);
    split("'open", -1, NULL);
    split("\"a\"b", -1, NULL);
}

static void test_inline_resets_after_multibulk(void **state)
{
    struct resp_req r;
    resp_req_init(&r);
    char s[] = "*1\r\n$4\r\nPING\r\nECHO hi\r\n";
    assert_int_equal(resp_parse(&r, s, strlen(s), &lim), RESP_DONE);
    size_t c1 = r.consumed;
    resp_req_reset(&r);
    assert_int_equal(resp_parse(&r, s + c1, strlen(s) - c1, &lim), RESP_DONE);
    assert_true(r.is_inline);
    assert_int_equal(r.argc, 2);
    assert_arg(&r, s + c1, 1, "hi");
    resp_req_deinit(&r);
}

static void test_fmt_len(void **state)
{
    char buf[RESP_HDR_MAX];
    size_t n = resp_fmt_len(buf, '$', 12345);
    assert_int_equal(n, 8);
    assert_memory_equal(buf, "$12345\r\n", 8);
    n = resp_fmt_len(buf, '*', -1);
    assert_memory_equal(buf, "*-1\r\n", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk),
        cmocka_unit_test(test_empty_requests),
        cmocka_unit_test(test_binary_and_empty_bulk),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bulk_limit),
        cmocka_unit_test(test_resume_every_boundary),
        cmocka_unit_test(test_pending_bulk),
        cmocka_unit_test(test_inline_quoting),
        cmocka_unit_test(test_inline_resets_after_multibulk),
        cmocka_unit_test(test_fmt_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
