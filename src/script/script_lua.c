/* script_lua: the Lua side of scripting: the state's libraries, the
 * `redis` table, globals protection, and the conversions between RESP
 * replies and Lua values in both directions, as Redis 7.0 documents them.
 *
 * RESP -> Lua (a command's reply, read back from the internal client):
 *   integer -> number; bulk -> string; null bulk/array -> false;
 *   status -> {ok=s}; error -> {err=s}; array -> array table;
 *   RESP3 (after redis.setresp(3)): map -> {map={k=v...}},
 *   set -> {set={m=true...}}, null -> nil, boolean -> true/false,
 *   double -> {double=n}, big number -> {big_number=s},
 *   verbatim -> {verbatim_string={format=f, string=s}}; attributes skipped.
 * The parser trusts nothing: every length is checked against the buffer,
 * nesting is bounded (SCRIPT_MAX_DEPTH) and Lua stack space is checked.
 *
 * Lua -> RESP (the script's result): number -> integer (truncated);
 * string -> bulk; boolean -> :1 / null in RESP2 scripts, a RESP3 boolean
 * after setresp(3); nil -> null; table with err / ok / double / big_number
 * / map / set / verbatim_string -> that type; other tables -> an array of
 * the items up to the first nil.
 *
 * Globals protection. Scripts run with a proxy environment: reading a
 * global that does not exist and creating or changing any global are
 * errors; KEYS and ARGV are set in the real globals before each run. */
#include "script/script_int.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"

#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_MAX_DEPTH 128 /* nesting of replies and results */

/* Pushes t[k] without metamethods (a result's metatable is never run). */
static void raw_field(lua_State *L, int idx, const char *k)
{
    lua_pushstring(L, k);
    lua_rawget(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx);
}

/* ---- globals protection ----------------------------------------------------
 *
 * Lua 5.1 has no read-only tables, so protection is by proxy: the globals a
 * script sees, the `redis` table and the standard libraries are empty
 * tables whose metatable reads through to the real table and refuses every
 * write. Their metatable is hidden behind a read-only guard (getmetatable
 * returns the guard), and setmetatable / rawset refuse any protected table
 * (a weak registry set names them). Binary chunks are refused (loadstring
 * returns nil for them, load is removed): bytecode is not verified by
 * Lua 5.1 and could crash the server. */

static const char ro_key = 'r'; /* registry: weak set of protected tables */

static void set_num(lua_State *L, const char *name, int v);
static void set_fn(lua_State *L, const char *name, lua_CFunction fn);
static void set_version(lua_State *L);
static int l_log(lua_State *L);

static int ro_error(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushstring(L, "Attempt to modify a readonly table");
    lua_concat(L, 2);
    return lua_error(L);
}

static int env_index(lua_State *L)
{
    /* upvalue 1: the real globals; upvalue 2: what a library's code sees
     * while FUNCTION LOAD runs it (only a small `redis` table) */
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(script_of(L)->loading ? 2 : 1));
    if (!lua_isnil(L, -1)) return 1;
    const char *name = lua_isstring(L, 2) ? lua_tostring(L, 2) : "?";
    luaL_where(L, 1);
    lua_pushfstring(L, "Script attempted to access nonexistent global variable '%s'", name);
    lua_concat(L, 2);
    return lua_error(L);
}

static int env_newindex(lua_State *L)
{
    const char *name = lua_isstring(L, 2) ? lua_tostring(L, 2) : "?";
    luaL_where(L, 1);
    lua_pushfstring(L,
                    "Attempt to modify a readonly table: Script attempted to create global "
                    "variable '%s'",
                    name);
    lua_concat(L, 2);
    return lua_error(L);
}

static bool is_protected(lua_State *L, int idx)
{
    if (!lua_istable(L, idx)) return false;
    lua_pushlightuserdata(L, (void *)&ro_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx);
    lua_rawget(L, -2);
    bool yes = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return yes;
}

static void mark_protected(lua_State *L, int idx)
{
    lua_pushlightuserdata(L, (void *)&ro_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* setmetatable / rawset with the original as upvalue 1 */
static int guarded_call(lua_State *L)
{
    if (is_protected(L, 1)) return ro_error(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int safe_loadstring(lua_State *L)
{
    size_t len;
    const char *p = lua_tolstring(L, 1, &len);
    if (p && len && p[0] == LUA_SIGNATURE[0]) {
        lua_pushnil(L);
        lua_pushstring(L, "binary chunks are not allowed");
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Pushes a protected proxy of the table at idx (the globals when env:
 * missing names are errors then, and load_api_idx is the table a library
 * sees while it loads). The guard is at guard_idx. */
static void push_proxy(lua_State *L, int idx, int guard_idx, bool env, int load_api_idx)
{
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, "__index");
    if (env) {
        lua_pushvalue(L, idx);
        lua_pushvalue(L, load_api_idx);
        lua_pushcclosure(L, env_index, 2);
    } else {
        lua_pushvalue(L, idx);
    }
    lua_rawset(L, -3);
    lua_pushstring(L, "__newindex");
    lua_pushcfunction(L, env ? env_newindex : ro_error);
    lua_rawset(L, -3);
    lua_pushstring(L, "__metatable");
    lua_pushvalue(L, guard_idx);
    lua_rawset(L, -3);
    lua_setmetatable(L, -2);
    mark_protected(L, -1);
}

/* Replaces the global `name` (a table) by a protected proxy of it. */
static void protect_global(lua_State *L, const char *name, int guard_idx)
{
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    push_proxy(L, lua_gettop(L), guard_idx, false, 0);
    lua_setglobal(L, name);
    lua_pop(L, 1);
}

/* Wraps the global function `name` with fn (the original as upvalue). */
static void wrap_global(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, name);
    lua_pushcclosure(L, fn, 1);
    lua_setglobal(L, name);
}

/* Sets up protection; leaves the scripts' environment on the stack. */
static void protect(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&ro_key);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, "__mode");
    lua_pushstring(L, "k");
    lua_rawset(L, -3);
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    /* the guard: what getmetatable returns for a protected table */
    lua_newtable(L);
    int guard = lua_gettop(L);
    lua_newtable(L);
    lua_pushstring(L, "__newindex");
    lua_pushcfunction(L, ro_error);
    lua_rawset(L, -3);
    lua_pushstring(L, "__metatable");
    lua_pushboolean(L, 0);
    lua_rawset(L, -3);
    lua_setmetatable(L, -2);
    mark_protected(L, guard);
    static const char *const libs[] = {"redis", "string",    "table", "math",
                                       "debug", "coroutine", "bit",   NULL};
    for (int i = 0; libs[i]; i++)
        protect_global(L, libs[i], guard);
    wrap_global(L, "setmetatable", guarded_call);
    wrap_global(L, "rawset", guarded_call);
    wrap_global(L, "loadstring", safe_loadstring);
    /* what FUNCTION LOAD's code sees: redis.register_function, redis.log
     * and its levels, the version; nothing else */
    lua_newtable(L);
    int load_api = lua_gettop(L);
    lua_newtable(L);
    int api_redis = lua_gettop(L);
    set_fn(L, "register_function", function_register);
    set_fn(L, "log", l_log);
    set_num(L, "LOG_DEBUG", LOG_DEBUG);
    set_num(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_num(L, "LOG_NOTICE", LOG_NOTICE);
    set_num(L, "LOG_WARNING", LOG_WARNING);
    set_version(L);
    lua_pushstring(L, "redis");
    push_proxy(L, api_redis, guard, true, api_redis); /* a missing field is an error */
    lua_rawset(L, load_api);
    lua_pop(L, 1); /* api_redis */
    push_proxy(L, LUA_GLOBALSINDEX, guard, true, load_api);
    lua_remove(L, load_api);
    /* scripts that name _G get their own (protected) globals */
    lua_pushvalue(L, -1);
    lua_setglobal(L, "_G");
    lua_remove(L, guard);
}

/* ---- bit: the LuaBitOp API on 32-bit integers --------------------------------
 *
 * Debian's Lua 5.1 has no `bit` module built in; this is the same API
 * (tobit, tohex, bnot, band, bor, bxor, lshift, rshift, arshift, rol, ror,
 * bswap): arguments are reduced modulo 2^32 (rounded to an integer first),
 * results are signed 32-bit numbers. */

static uint32_t bit_arg(lua_State *L, int i)
{
    double d = luaL_checknumber(L, i);
    if (!isfinite(d)) return 0;
    double m = fmod(rint(d), 4294967296.0);
    if (m < 0) m += 4294967296.0;
    return (uint32_t)m;
}

static int bit_ret(lua_State *L, uint32_t v)
{
    lua_pushnumber(L, (lua_Number)(int32_t)v);
    return 1;
}

static int bit_tobit(lua_State *L)
{
    return bit_ret(L, bit_arg(L, 1));
}
static int bit_bnot(lua_State *L)
{
    return bit_ret(L, ~bit_arg(L, 1));
}
static int bit_bswap(lua_State *L)
{
    uint32_t v = bit_arg(L, 1);
    return bit_ret(L, (v >> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24));
}

#define BIT_FOLD(fname, op)                                                                        \
    static int fname(lua_State *L)                                                                 \
    {                                                                                              \
        uint32_t v = bit_arg(L, 1);                                                                \
        for (int i = 2, n = lua_gettop(L); i <= n; i++)                                            \
            v op bit_arg(L, i);                                                                    \
        return bit_ret(L, v);                                                                      \
    }
BIT_FOLD(bit_band, &=)
BIT_FOLD(bit_bor, |=)
BIT_FOLD(bit_bxor, ^=)

static int bit_lshift(lua_State *L)
{
    return bit_ret(L, bit_arg(L, 1) << (bit_arg(L, 2) & 31));
}
static int bit_rshift(lua_State *L)
{
    return bit_ret(L, bit_arg(L, 1) >> (bit_arg(L, 2) & 31));
}
static int bit_arshift(lua_State *L)
{
    int32_t v = (int32_t)bit_arg(L, 1);
    unsigned n = bit_arg(L, 2) & 31;
    return bit_ret(L, (uint32_t)(v < 0 ? ~(~v >> n) : v >> n));
}
static int bit_rol(lua_State *L)
{
    uint32_t v = bit_arg(L, 1), n = bit_arg(L, 2) & 31;
    return bit_ret(L, n ? (v << n) | (v >> (32 - n)) : v);
}
static int bit_ror(lua_State *L)
{
    uint32_t v = bit_arg(L, 1), n = bit_arg(L, 2) & 31;
    return bit_ret(L, n ? (v >> n) | (v << (32 - n)) : v);
}
static int bit_tohex(lua_State *L)
{
    uint32_t v = bit_arg(L, 1);
    int n = lua_isnone(L, 2) ? 8 : (int)(int32_t)bit_arg(L, 2);
    const char *digits = "0123456789abcdef";
    if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) n = 8;
    char buf[8];
    for (int i = n - 1; i >= 0; i--) {
        buf[i] = digits[v & 15];
        v >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

static void open_bit(lua_State *L)
{
    static const luaL_Reg fns[] = {{"tobit", bit_tobit},
                                   {"bnot", bit_bnot},
                                   {"band", bit_band},
                                   {"bor", bit_bor},
                                   {"bxor", bit_bxor},
                                   {"lshift", bit_lshift},
                                   {"rshift", bit_rshift},
                                   {"arshift", bit_arshift},
                                   {"rol", bit_rol},
                                   {"ror", bit_ror},
                                   {"bswap", bit_bswap},
                                   {"tohex", bit_tohex},
                                   {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushstring(L, f->name);
        lua_pushcfunction(L, f->func);
        lua_rawset(L, -3);
    }
    lua_setglobal(L, "bit");
}

/* ---- the redis table ------------------------------------------------------- */

static int l_call(lua_State *L)
{
    return script_call_command(L, true);
}
static int l_pcall(lua_State *L)
{
    return script_call_command(L, false);
}

static int l_sha1hex(lua_State *L)
{
    if (lua_gettop(L) != 1) {
        lua_pushstring(L, "wrong number of arguments");
        return lua_error(L);
    }
    size_t len;
    const char *p = lua_tolstring(L, 1, &len);
    if (!p) p = "", len = 0;
    char hex[41];
    script_sha1hex(p, len, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int l_error_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        luaL_where(L, 1);
        lua_pushstring(L, "wrong number or type of arguments");
        lua_concat(L, 2);
        return lua_error(L);
    }
    size_t len;
    const char *p = lua_tolstring(L, 1, &len);
    if (len == 0) {
        scriptlua_push_error(L, "ERR", 3, false);
        return 1;
    }
    scriptlua_push_error(L, p, len, false);
    return 1;
}

static int l_status_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        luaL_where(L, 1);
        lua_pushstring(L, "wrong number or type of arguments");
        lua_concat(L, 2);
        return lua_error(L);
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);
    return 1;
}

static int l_log(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc < 2) {
        lua_pushstring(L, "redis.log() requires two arguments or more.");
        return lua_error(L);
    }
    if (!lua_isnumber(L, 1)) {
        lua_pushstring(L, "First argument must be a number (log level).");
        return lua_error(L);
    }
    int level = (int)lua_tonumber(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) {
        lua_pushstring(L, "Invalid debug level.");
        return lua_error(L);
    }
    struct sbuf b = {0};
    for (int i = 2; i <= argc; i++) {
        size_t len;
        const char *p = lua_tolstring(L, i, &len);
        if (!p) continue;
        if (i > 2) sbuf_cat(&b, " ", 1);
        sbuf_cat(&b, p, len);
    }
    log_msg((enum log_level)level, "%s", b.p ? b.p : "");
    sbuf_free(&b);
    return 0;
}

static int l_setresp(lua_State *L)
{
    struct scripting *s = script_of(L);
    if (lua_gettop(L) != 1) {
        lua_pushstring(L, "redis.setresp() requires one argument.");
        return lua_error(L);
    }
    int v = (int)lua_tonumber(L, 1);
    if (v != 2 && v != 3) {
        lua_pushstring(L, "RESP version must be 2 or 3.");
        return lua_error(L);
    }
    s->c->resp = v;
    return 0;
}

static int l_set_repl(lua_State *L)
{
    if (lua_gettop(L) != 1) {
        lua_pushstring(L, "redis.set_repl() requires one argument.");
        return lua_error(L);
    }
    int v = (int)lua_tonumber(L, 1);
    if (v < 0 || v > 3) {
        lua_pushstring(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                          "REPL_NONE.");
        return lua_error(L);
    }
    /* accepted; the change stream has one target set (the AOF and replicas
     * get the same bytes), so every effect is propagated */
    return 0;
}

static int l_true(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

static int l_false(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static int l_nothing(lua_State *L)
{
    return 0;
}

static int l_acl_check_cmd(lua_State *L)
{
    struct scripting *s = script_of(L);
    size_t len;
    const char *name = lua_gettop(L) >= 1 ? lua_tolstring(L, 1, &len) : NULL;
    if (!name || !cmd_lookup(s->srv, name, len)) {
        lua_pushstring(L, "Invalid command passed to redis.acl_check_cmd()");
        return lua_error(L);
    }
    lua_pushboolean(L, 1); /* no ACL users: the default user may run everything */
    return 1;
}

static void set_num(lua_State *L, const char *name, int v)
{
    lua_pushstring(L, name);
    lua_pushnumber(L, v);
    lua_rawset(L, -3);
}

static void set_fn(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_pushstring(L, name);
    lua_pushcfunction(L, fn);
    lua_rawset(L, -3);
}

static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct scripting *s = ud;
    if (nsize == 0) {
        free(ptr);
        s->vm_bytes -= osize;
        return NULL;
    }
    /* lua-max-memory: refusing makes Lua raise "not enough memory", which
     * fails the script (never the server) */
    if (s->limited && nsize > osize) {
        long long limit = s->srv->cfg.lua_max_memory;
        if (limit > 0 && s->vm_bytes + (nsize - osize) > (size_t)limit) return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    s->vm_bytes = s->vm_bytes - osize + nsize;
    return p;
}

static int l_panic(lua_State *L)
{
    log_warning("Lua panic: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    abort();
}

/* redis.REDIS_VERSION ("7.0.15") and REDIS_VERSION_NUM (0x07000f) */
static void set_version(lua_State *L)
{
    lua_pushstring(L, "REDIS_VERSION");
    lua_pushstring(L, REDIS_COMPAT_VERSION);
    lua_rawset(L, -3);
    int major = 0, minor = 0, patch = 0;
    sscanf(REDIS_COMPAT_VERSION, "%d.%d.%d", &major, &minor, &patch);
    set_num(L, "REDIS_VERSION_NUM", (major << 16) | (minor << 8) | patch);
}

lua_State *scriptlua_new(struct scripting *s)
{
    lua_State *L = lua_newstate(lua_alloc, s);
    if (!L) return NULL;
    lua_atpanic(L, l_panic);
    static const luaL_Reg libs[] = {{"", luaopen_base},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_DBLIBNAME, luaopen_debug},
                                    {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        lua_pushcfunction(L, l->func);
        lua_pushstring(L, l->name);
        lua_call(L, 1, 0);
    }
    open_bit(L);
    /* no file access from scripts */
    static const char *const removed[] = {"dofile", "loadfile", "load", "print", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_newtable(L);
    set_fn(L, "call", l_call);
    set_fn(L, "pcall", l_pcall);
    set_fn(L, "log", l_log);
    set_fn(L, "sha1hex", l_sha1hex);
    set_fn(L, "error_reply", l_error_reply);
    set_fn(L, "status_reply", l_status_reply);
    set_fn(L, "setresp", l_setresp);
    set_fn(L, "set_repl", l_set_repl);
    set_fn(L, "replicate_commands", l_true);
    set_fn(L, "breakpoint", l_false);
    set_fn(L, "debug", l_nothing);
    set_fn(L, "acl_check_cmd", l_acl_check_cmd);
    set_num(L, "LOG_DEBUG", LOG_DEBUG);
    set_num(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_num(L, "LOG_NOTICE", LOG_NOTICE);
    set_num(L, "LOG_WARNING", LOG_WARNING);
    set_num(L, "REPL_NONE", 0);
    set_num(L, "REPL_AOF", 1);
    set_num(L, "REPL_SLAVE", 2);
    set_num(L, "REPL_REPLICA", 2);
    set_num(L, "REPL_ALL", 3);
    set_version(L);
    lua_setglobal(L, "redis");
    protect(L);
    s->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return L;
}

/* ---- errors ------------------------------------------------------------------ */

void scriptlua_push_error(lua_State *L, const char *msg, size_t len, bool counted)
{
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    struct sbuf b = {0};
    if (len && msg[0] == '-') {
        /* "-CODE text": keep the code; "-text" (one word) gets ERR */
        const char *sp = memchr(msg, ' ', len);
        if (sp)
            sbuf_cat(&b, msg + 1, len - 1);
        else {
            sbuf_cats(&b, "ERR ");
            sbuf_cat(&b, msg + 1, len - 1);
        }
    } else {
        sbuf_cat(&b, msg, len);
    }
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, b.p ? b.p : "", b.len);
    lua_rawset(L, -3);
    if (counted) {
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
    }
    sbuf_free(&b);
}

int scriptlua_error_handler(lua_State *L)
{
    lua_Debug ar;
    bool have = false;
    /* level 1 raised the error; when that is C (redis.call, error), the
     * line is the Lua code's that called it */
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        have = true;
        if (!strcmp(ar.what, "C")) have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    }
    if (lua_istable(L, 1)) {
        raw_field(L, 1, "err");
        bool is_err = lua_isstring(L, -1);
        lua_pop(L, 1);
        if (!is_err) {
            lua_pushstring(L, "unknown error");
            lua_replace(L, 1);
        }
    }
    if (!lua_istable(L, 1)) {
        const char *m = lua_tostring(L, 1);
        lua_newtable(L);
        lua_pushstring(L, "err");
        lua_pushfstring(L, "ERR %s", m ? m : "unknown error");
        lua_rawset(L, -3);
        lua_replace(L, 1);
    }
    raw_field(L, 1, "source");
    bool has_source = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (have && !has_source && ar.currentline > 0) {
        lua_pushstring(L, "source");
        lua_pushstring(L, ar.source);
        lua_rawset(L, 1);
        lua_pushstring(L, "line");
        lua_pushinteger(L, ar.currentline);
        lua_rawset(L, 1);
    }
    lua_settop(L, 1);
    return 1;
}

/* ---- RESP -> Lua --------------------------------------------------------------- */

struct rp {
    const char *p, *end;
};

/* The line at r->p up to CRLF: sets *len, advances past the CRLF. */
static const char *rp_line(struct rp *r, size_t *len)
{
    const char *s = r->p;
    const char *e = s;
    while (e + 1 < r->end && !(e[0] == '\r' && e[1] == '\n'))
        e++;
    if (e + 1 >= r->end) return NULL;
    *len = (size_t)(e - s);
    r->p = e + 2;
    return s;
}

static bool rp_ll(const char *s, size_t len, long long *v)
{
    return util_str2ll(s, len, v);
}

static void set_field_str(lua_State *L, const char *k, const char *p, size_t len)
{
    lua_pushstring(L, k);
    lua_pushlstring(L, p, len);
    lua_rawset(L, -3);
}

static int rp_value(lua_State *L, struct rp *r, int depth);

/* A RESP3 map or set as {map={...}} / {set={...}}. */
static int rp_dict(lua_State *L, struct rp *r, int depth, long long n, bool is_map)
{
    lua_newtable(L);
    lua_pushstring(L, is_map ? "map" : "set");
    lua_newtable(L);
    for (long long i = 0; i < n; i++) {
        if (rp_value(L, r, depth + 1) < 0) {
            lua_pop(L, 3);
            return -1;
        }
        if (is_map) {
            if (rp_value(L, r, depth + 1) < 0) {
                lua_pop(L, 4);
                return -1;
            }
        } else {
            lua_pushboolean(L, 1);
        }
        if (lua_isnil(L, -2))
            lua_pop(L, 2); /* a nil key cannot be stored */
        else
            lua_rawset(L, -3);
    }
    lua_rawset(L, -3);
    return 0;
}

static int rp_value(lua_State *L, struct rp *r, int depth)
{
    if (depth > SCRIPT_MAX_DEPTH || !lua_checkstack(L, 6) || r->p >= r->end) return -1;
    char t = *r->p++;
    size_t len;
    const char *s = rp_line(r, &len);
    if (!s) return -1;
    long long n;
    switch (t) {
    case ':':
        if (!rp_ll(s, len, &n)) return -1;
        lua_pushnumber(L, (lua_Number)n);
        return 0;
    case '$':
    case '=':
        if (!rp_ll(s, len, &n)) return -1;
        if (n < 0) {
            lua_pushboolean(L, 0);
            return 0;
        }
        if ((size_t)(r->end - r->p) < (size_t)n + 2) return -1;
        if (t == '$') {
            lua_pushlstring(L, r->p, (size_t)n);
        } else { /* verbatim: "fmt:text" */
            if (n < 4) return -1;
            lua_newtable(L);
            lua_pushstring(L, "verbatim_string");
            lua_newtable(L);
            set_field_str(L, "format", r->p, 3);
            set_field_str(L, "string", r->p + 4, (size_t)n - 4);
            lua_rawset(L, -3);
        }
        r->p += n + 2;
        return 0;
    case '+':
        lua_newtable(L);
        set_field_str(L, "ok", s, len);
        return 0;
    case '-':
        scriptlua_push_error(L, s, len, true);
        return 0;
    case '*':
    case '~':
    case '%':
    case '>':
        if (!rp_ll(s, len, &n)) return -1;
        if (n < 0) {
            lua_pushboolean(L, 0);
            return 0;
        }
        /* each item takes at least 3 bytes: a bound before any allocation */
        if (n > (long long)(r->end - r->p)) return -1;
        if (t == '~' || t == '%') return rp_dict(L, r, depth, n, t == '%');
        lua_createtable(L, n < 1024 ? (int)n : 1024, 0);
        for (long long i = 0; i < n; i++) {
            if (rp_value(L, r, depth + 1) < 0) {
                lua_pop(L, 1);
                return -1;
            }
            lua_rawseti(L, -2, (int)(i + 1));
        }
        return 0;
    case '_':
        lua_pushnil(L);
        return 0;
    case '#':
        if (len != 1 || (s[0] != 't' && s[0] != 'f')) return -1;
        lua_pushboolean(L, s[0] == 't');
        return 0;
    case ',': {
        char buf[64];
        if (len >= sizeof(buf)) return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        double d = strtod(buf, NULL);
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, d);
        lua_rawset(L, -3);
        return 0;
    }
    case '(':
        lua_newtable(L);
        set_field_str(L, "big_number", s, len);
        return 0;
    case '|': /* an attribute: skipped, the value follows */
        if (!rp_ll(s, len, &n) || n < 0 || n > (long long)(r->end - r->p)) return -1;
        for (long long i = 0; i < 2 * n; i++) {
            if (rp_value(L, r, depth + 1) < 0) return -1;
            lua_pop(L, 1);
        }
        return rp_value(L, r, depth);
    default:
        return -1;
    }
}

int scriptlua_push_reply(lua_State *L, const char *p, size_t len)
{
    struct rp r = {p, p + len};
    int top = lua_gettop(L);
    if (rp_value(L, &r, 0) < 0) {
        lua_settop(L, top);
        return -1;
    }
    return 0;
}

/* ---- Lua -> RESP ----------------------------------------------------------------- */

/* field k of the table at idx as a string (NULL when absent or not one) */
static const char *table_str(lua_State *L, int idx, const char *k, size_t *len)
{
    raw_field(L, idx, k);
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        return NULL;
    }
    const char *p = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* still referenced by the table */
    return p;
}

static void reply_status_clean(struct client *c, const char *p, size_t len)
{
    char stack[256];
    char *b = len < sizeof(stack) ? stack : mem_alloc(len + 1);
    for (size_t i = 0; i < len; i++)
        b[i] = (p[i] == '\r' || p[i] == '\n') ? ' ' : p[i];
    b[len] = '\0';
    reply_raw(c, "+", 1);
    reply_raw(c, b, len);
    reply_raw(c, "\r\n", 2);
    if (b != stack) mem_free(b);
}

/* The number of key/value pairs of the table at index t (no metamethods). */
static long long table_pairs(lua_State *L, int t)
{
    long long n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        n++;
        lua_pop(L, 1);
    }
    return n;
}

static void reply_value(lua_State *L, struct client *c, int resp, const char *sha, int depth);

static void reply_table(lua_State *L, struct client *c, int resp, const char *sha, int depth)
{
    int t = lua_gettop(L);
    size_t len;
    const char *p;
    if ((p = table_str(L, t, "err", &len))) {
        raw_field(L, t, "ignore_error_stats_update");
        bool counted = lua_toboolean(L, -1);
        lua_pop(L, 1);
        size_t slen = 0, llen = 0;
        const char *src = table_str(L, t, "source", &slen);
        raw_field(L, t, "line");
        long long line = lua_isnumber(L, -1) ? (long long)lua_tonumber(L, -1) : 0;
        lua_pop(L, 1);
        (void)llen;
        struct sbuf b = {0};
        sbuf_cat(&b, len ? p : "ERR", len ? len : 3);
        if (src && line > 0)
            sbuf_catfmt(&b, " script: %s, on %.*s:%lld.", sha, (int)slen, src, line);
        if (counted) {
            reply_error_nostats(c, b.p);
            if (c->cmd) c->cmd->failed_calls++; /* as if counted here */
        } else {
            reply_error(c, b.p);
        }
        sbuf_free(&b);
        return;
    }
    if ((p = table_str(L, t, "ok", &len))) {
        reply_status_clean(c, p, len);
        return;
    }
    raw_field(L, t, "double");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if ((p = table_str(L, t, "big_number", &len))) {
        reply_bignum(c, p, len);
        return;
    }
    raw_field(L, t, "verbatim_string");
    if (lua_istable(L, -1)) {
        size_t flen, slen;
        const char *f = table_str(L, lua_gettop(L), "format", &flen);
        const char *s = table_str(L, lua_gettop(L), "string", &slen);
        if (f && s && flen == 3) {
            char ext[4];
            memcpy(ext, f, 3);
            ext[3] = '\0';
            reply_verbatim(c, s, slen, ext);
            lua_pop(L, 1);
            return;
        }
    }
    lua_pop(L, 1);
    raw_field(L, t, "map");
    if (lua_istable(L, -1)) {
        int m = lua_gettop(L);
        reply_map(c, table_pairs(L, m));
        lua_pushnil(L);
        while (lua_next(L, m)) {
            lua_pushvalue(L, -2);
            reply_value(L, c, resp, sha, depth + 1); /* the key */
            reply_value(L, c, resp, sha, depth + 1); /* the value */
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    raw_field(L, t, "set");
    if (lua_istable(L, -1)) {
        int m = lua_gettop(L);
        reply_set(c, table_pairs(L, m));
        lua_pushnil(L);
        while (lua_next(L, m)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            reply_value(L, c, resp, sha, depth + 1);
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    /* an array: items 1.. up to the first nil */
    long long n = 0;
    for (;;) {
        lua_rawgeti(L, t, (int)(n + 1));
        bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        n++;
    }
    reply_array(c, n);
    for (long long i = 1; i <= n; i++) {
        lua_rawgeti(L, t, (int)i);
        reply_value(L, c, resp, sha, depth + 1);
    }
}

/* Replies the value at the top and pops it. */
static void reply_value(lua_State *L, struct client *c, int resp, const char *sha, int depth)
{
    if (depth > SCRIPT_MAX_DEPTH || !lua_checkstack(L, 8)) {
        lua_pop(L, 1);
        reply_error(c, "ERR reached lua stack limit");
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *p = lua_tolstring(L, -1, &len);
        reply_bulk(c, p, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (resp == 2) {
            if (lua_toboolean(L, -1))
                reply_ll(c, 1);
            else
                reply_null(c);
        } else {
            reply_bool(c, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER: {
        lua_Number d = lua_tonumber(L, -1);
        long long v = (isnan(d) || d >= 9.2e18 || d <= -9.2e18) ? (d > 0 ? LLONG_MAX : LLONG_MIN)
                                                                : (long long)d;
        if (isnan(d)) v = LLONG_MIN;
        reply_ll(c, v);
        break;
    }
    case LUA_TTABLE:
        reply_table(L, c, resp, sha, depth);
        break;
    default:
        reply_null(c);
        break;
    }
    lua_pop(L, 1);
}

void scriptlua_reply(lua_State *L, struct client *c, int script_resp, const char *sha)
{
    reply_value(L, c, script_resp, sha, 0);
}
