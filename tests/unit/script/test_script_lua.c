/* test_script_lua: unit tests for script/script_lua.c's RESP -> Lua reader,
 * which turns a command's reply bytes into Lua values: every RESP2 and
 * RESP3 type converts as documented, and no input (truncated, malformed,
 * absurd lengths, deep nesting, random bytes) crashes it or leaves the Lua
 * stack changed when it fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "core/server.h"
#include "script/script_int.h"

static struct server srv;
static struct scripting sc;

static lua_State *state(void)
{
    memset(&sc, 0, sizeof(sc));
    sc.srv = &srv;
    lua_State *L = scriptlua_new(&sc);
    assert_non_null(L);
    return L;
}

static int push(lua_State *L, const char *s)
{
    return scriptlua_push_reply(L, s, strlen(s));
}

static void test_resp2_types(void **st)
{
    lua_State *L = state();
    int top = lua_gettop(L);
    assert_int_equal(push(L, ":42\r\n"), 0);
    assert_int_equal((int)lua_tonumber(L, -1), 42);
    assert_int_equal(push(L, "$3\r\nabc\r\n"), 0);
    assert_string_equal(lua_tostring(L, -1), "abc");
    assert_int_equal(push(L, "$-1\r\n"), 0);
    assert_true(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    assert_int_equal(push(L, "+OK\r\n"), 0);
    lua_getfield(L, -1, "ok");
    assert_string_equal(lua_tostring(L, -1), "OK");
    lua_pop(L, 1);
    assert_int_equal(push(L, "-ERR bad\r\n"), 0);
    lua_getfield(L, -1, "err");
    assert_string_equal(lua_tostring(L, -1), "ERR bad");
    lua_pop(L, 1);
    assert_int_equal(push(L, "*2\r\n:1\r\n*1\r\n$1\r\nx\r\n"), 0);
    lua_rawgeti(L, -1, 2);
    lua_rawgeti(L, -1, 1);
    assert_string_equal(lua_tostring(L, -1), "x");
    lua_settop(L, top);
    lua_close(L);
}

static void test_resp3_types(void **st)
{
    lua_State *L = state();
    assert_int_equal(push(L, "%1\r\n$1\r\nk\r\n:7\r\n"), 0);
    lua_getfield(L, -1, "map");
    lua_getfield(L, -1, "k");
    assert_int_equal((int)lua_tonumber(L, -1), 7);
    lua_settop(L, 0);
    assert_int_equal(push(L, "~1\r\n$1\r\nm\r\n"), 0);
    lua_getfield(L, -1, "set");
    lua_getfield(L, -1, "m");
    assert_true(lua_toboolean(L, -1));
    lua_settop(L, 0);
    assert_int_equal(push(L, "_\r\n"), 0);
    assert_true(lua_isnil(L, -1));
    assert_int_equal(push(L, "#t\r\n"), 0);
    assert_true(lua_toboolean(L, -1));
    assert_int_equal(push(L, ",1.5\r\n"), 0);
    lua_getfield(L, -1, "double");
    assert_true(lua_tonumber(L, -1) == 1.5);
    lua_settop(L, 0);
    assert_int_equal(push(L, "(123456789012345678901234567890\r\n"), 0);
    lua_getfield(L, -1, "big_number");
    assert_string_equal(lua_tostring(L, -1), "123456789012345678901234567890");
    lua_settop(L, 0);
    assert_int_equal(push(L, "=8\r\ntxt:abcd\r\n"), 0);
    lua_getfield(L, -1, "verbatim_string");
    lua_getfield(L, -1, "string");
    assert_string_equal(lua_tostring(L, -1), "abcd");
    lua_settop(L, 0);
    assert_int_equal(push(L, "|1\r\n+a\r\n+b\r\n:5\r\n"), 0); /* attribute skipped */
    assert_int_equal((int)lua_tonumber(L, -1), 5);
    lua_close(L);
}

static void test_malformed_inputs_fail_cleanly(void **st)
{
    lua_State *L = state();
    static const char *const bad[] = {"",
                                      ":",
                                      ":12",
                                      ":x\r\n",
                                      "$5\r\nab\r\n",
                                      "$-2x\r\n",
                                      "$99999999999\r\nab\r\n",
                                      "*3\r\n:1\r\n",
                                      "*999999999\r\n",
                                      "*-5x\r\n",
                                      "%2\r\n+a\r\n",
                                      "~1\r\n",
                                      "#x\r\n",
                                      ",",
                                      "=2\r\nab\r\n",
                                      "?\r\n",
                                      "|5\r\n",
                                      "*1\r\n*1\r\n*1\r\n",
                                      "$3\r\nabc",
                                      NULL};
    for (int i = 0; bad[i]; i++) {
        int top = lua_gettop(L);
        assert_int_equal(push(L, bad[i]), -1);
        assert_int_equal(lua_gettop(L), top);
    }
    /* every prefix of a valid reply fails, the whole succeeds */
    const char *good = "*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n,2.5\r\n~2\r\n:1\r\n_\r\n";
    for (size_t n = 0; n < strlen(good); n++) {
        int top = lua_gettop(L);
        assert_int_equal(scriptlua_push_reply(L, good, n), -1);
        assert_int_equal(lua_gettop(L), top);
    }
    assert_int_equal(push(L, good), 0);
    lua_close(L);
}

static void test_deep_nesting_is_refused(void **st)
{
    lua_State *L = state();
    size_t depth = 10000;
    char *buf = malloc(depth * 4 + 8);
    for (size_t i = 0; i < depth; i++)
        memcpy(buf + i * 4, "*1\r\n", 4);
    memcpy(buf + depth * 4, ":1\r\n", 4);
    assert_int_equal(scriptlua_push_reply(L, buf, depth * 4 + 4), -1);
    assert_int_equal(lua_gettop(L), 0);
    free(buf);
    lua_close(L);
}

static void test_random_bytes(void **st)
{
    lua_State *L = state();
    static const char alphabet[] = ":$*%~_#,(=|+-\r\n0123456789-x";
    char buf[64];
    srand(1);
    for (int round = 0; round < 200000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        for (size_t i = 0; i < n; i++)
            buf[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        int top = lua_gettop(L);
        if (scriptlua_push_reply(L, buf, n) == 0)
            assert_int_equal(lua_gettop(L), top + 1);
        else
            assert_int_equal(lua_gettop(L), top);
        lua_settop(L, 0);
    }
    lua_close(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resp2_types),
        cmocka_unit_test(test_resp3_types),
        cmocka_unit_test(test_malformed_inputs_fail_cleanly),
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
