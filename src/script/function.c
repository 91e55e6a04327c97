/* function: Redis 7.0 functions on the scripting engine: FUNCTION LOAD /
 * DELETE / FLUSH / LIST / STATS / KILL, FCALL and FCALL_RO.
 *
 * A library is Lua code starting with "#!lua name=<library>" that calls
 * redis.register_function(name, callback) or
 * redis.register_function{function_name=, callback=, flags=, description=}
 * while FUNCTION LOAD runs it. Its functions live in the same Lua state as
 * EVAL scripts (a registry reference each) and run through script_run,
 * getting KEYS and ARGV as their two arguments.
 *
 * Loading is all or nothing: the code runs with s->loading collecting what
 * it registers; only when it ran, registered at least one function and no
 * name clashes with another library does the library replace the old one
 * (REPLACE) or get added. SCRIPT FLUSH replaces the Lua state: every
 * library is loaded again from its code (function_reload_all).
 *
 * Limits: libraries and functions are not persisted (RDB/AOF) and not
 * propagated; FUNCTION DUMP / RESTORE are refused. docs/scripting.md. */
#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"
#include "script/script_int.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct flib {
    struct flib *next;
    char *name;
    char *code;
    size_t len;
    int nfuncs;
};

struct ffunc {
    struct htab_node node;
    struct flib *lib;
    char *name;
    size_t nlen;
    char *desc; /* or NULL */
    int ref;
    uint32_t flags; /* enum script_flag */
};

/* What a FUNCTION LOAD in progress registered so far. */
struct fload {
    struct ffunc **f;
    int n, cap;
};

/* Function names are case-insensitive (FCALL TEST finds test): the table
 * hashes the lowercase name; lookups pass a lowercase key. */
static uint64_t name_hash(const char *p, size_t len)
{
    char stack[128];
    stack[0] = '\0';
    char *b = len <= sizeof(stack) ? stack : mem_alloc(len);
    for (size_t i = 0; i < len; i++)
        b[i] = (char)tolower((unsigned char)p[i]);
    uint64_t h = util_hash(b, len);
    if (b != stack) mem_free(b);
    return h;
}

static uint64_t ffunc_hash(const struct htab_node *n)
{
    const struct ffunc *f = htab_entry(n, struct ffunc, node);
    return name_hash(f->name, f->nlen);
}

static bool ffunc_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct ffunc *f = htab_entry(n, struct ffunc, node);
    return f->nlen == klen && strncasecmp(f->name, key, klen) == 0;
}

static const struct htab_type ffunc_type = {ffunc_hash, ffunc_eq};

static void ffunc_free(struct scripting *s, struct ffunc *f, bool unref)
{
    if (unref && s->L) luaL_unref(s->L, LUA_REGISTRYINDEX, f->ref);
    mem_free(f->name);
    mem_free(f->desc);
    mem_free(f);
}

static void flib_free(struct flib *l)
{
    mem_free(l->name);
    mem_free(l->code);
    mem_free(l);
}

static struct ffunc *func_find(struct scripting *s, const char *name, size_t len)
{
    struct htab_node *n = htab_find(&s->funcs, name_hash(name, len), name, len);
    return n ? htab_entry(n, struct ffunc, node) : NULL;
}

static struct flib *lib_find(struct scripting *s, const char *name, size_t len, struct flib ***link)
{
    for (struct flib **pp = &s->libs; *pp; pp = &(*pp)->next)
        if (strlen((*pp)->name) == len && !memcmp((*pp)->name, name, len)) {
            if (link) *link = pp;
            return *pp;
        }
    return NULL;
}

/* Removes lib's functions from the table (unref: the Lua state lives on). */
struct drop_ctx {
    struct scripting *s;
    struct flib *lib;
    struct ffunc **v;
    int n, cap;
};

static void collect_lib_funcs(struct htab_node *n, void *priv)
{
    struct drop_ctx *d = priv;
    struct ffunc *f = htab_entry(n, struct ffunc, node);
    if (d->lib && f->lib != d->lib) return;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = mem_realloc(d->v, sizeof(*d->v) * (size_t)d->cap);
    }
    d->v[d->n++] = f;
}

static void drop_funcs(struct scripting *s, struct flib *lib, bool unref)
{
    struct drop_ctx d = {s, lib, NULL, 0, 0};
    htab_foreach(&s->funcs, collect_lib_funcs, &d);
    for (int i = 0; i < d.n; i++) {
        htab_unlink(&s->funcs, name_hash(d.v[i]->name, d.v[i]->nlen), &d.v[i]->node);
        ffunc_free(s, d.v[i], unref);
    }
    mem_free(d.v);
}

/* INFO memory: number_of_functions, number_of_libraries,
 * used_memory_functions (the libraries' code and names) */
static void update_counts(struct scripting *s)
{
    long long libs = 0, bytes = 0;
    for (struct flib *l = s->libs; l; l = l->next) {
        libs++;
        bytes += (long long)(sizeof(*l) + l->len + strlen(l->name) + 2);
    }
    s->srv->lua_nlibraries = libs;
    s->srv->lua_nfunctions = (long long)htab_size(&s->funcs);
    s->srv->lua_functions_memory = bytes;
}

void function_init(struct scripting *s)
{
    htab_init(&s->funcs, &ffunc_type);
}

void function_deinit(struct scripting *s)
{
    drop_funcs(s, NULL, true);
    htab_deinit(&s->funcs, NULL, NULL);
    while (s->libs) {
        struct flib *l = s->libs;
        s->libs = l->next;
        flib_free(l);
    }
}

/* ---- redis.register_function ------------------------------------------------ */

static bool valid_name(const char *p, size_t len)
{
    if (!len) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '_') return false;
    return true;
}

static int reg_error(lua_State *L, const char *msg)
{
    luaL_where(L, 1);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    return lua_error(L);
}

int function_register(lua_State *L)
{
    struct scripting *s = script_of(L);
    struct fload *ld = s->loading;
    if (!ld)
        return reg_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
    size_t nlen = 0, dlen = 0;
    const char *name = NULL, *desc = NULL;
    uint32_t flags = 0;
    int fn_idx;
    if (lua_gettop(L) == 1 && lua_istable(L, 1)) {
        lua_getfield(L, 1, "function_name");
        lua_getfield(L, 1, "callback");
        lua_getfield(L, 1, "flags");
        lua_getfield(L, 1, "description");
        /* 2: name, 3: callback, 4: flags, 5: description */
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(k, "function_name") && strcmp(k, "callback") && strcmp(k, "flags") &&
                strcmp(k, "description"))
                return reg_error(L, "unknown argument given to redis.register_function");
        }
        if (lua_isnil(L, 2))
            return reg_error(L, "redis.register_function must get a function name argument");
        if (lua_type(L, 2) != LUA_TSTRING)
            return reg_error(
                L, "function_name argument given to redis.register_function must be a string");
        name = lua_tolstring(L, 2, &nlen);
        if (lua_isnil(L, 3))
            return reg_error(L, "redis.register_function must get a callback argument");
        if (!lua_isfunction(L, 3))
            return reg_error(
                L, "callback argument given to redis.register_function must be a function");
        if (lua_istable(L, 4)) {
            for (int i = 1;; i++) {
                lua_rawgeti(L, 4, i);
                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    break;
                }
                const char *f = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
                if (!strcmp(f, "no-writes"))
                    flags |= SCRIPT_FLAG_NO_WRITES;
                else if (!strcmp(f, "allow-oom"))
                    flags |= SCRIPT_FLAG_ALLOW_OOM;
                else if (!strcmp(f, "allow-stale"))
                    flags |= SCRIPT_FLAG_ALLOW_STALE;
                else if (!strcmp(f, "no-cluster"))
                    flags |= SCRIPT_FLAG_NO_CLUSTER;
                else if (!strcmp(f, "allow-cross-slot-keys"))
                    flags |= SCRIPT_FLAG_ALLOW_CROSS_SLOT;
                else
                    return reg_error(L, "unknown flag given");
                lua_pop(L, 1);
            }
        } else if (!lua_isnil(L, 4)) {
            return reg_error(L, "flags argument to redis.register_function must be a table "
                                "representing function flags");
        }
        if (lua_type(L, 5) == LUA_TSTRING)
            desc = lua_tolstring(L, 5, &dlen);
        else if (!lua_isnil(L, 5))
            return reg_error(
                L, "description argument given to redis.register_function must be a string");
        fn_idx = 3;
    } else {
        if (lua_gettop(L) == 1)
            return reg_error(L, "calling redis.register_function with a single argument is only "
                                "applicable to Lua table (representing named arguments).");
        if (lua_gettop(L) != 2)
            return reg_error(L, "wrong number of arguments to redis.register_function");
        if (lua_type(L, 1) != LUA_TSTRING)
            return reg_error(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2))
            return reg_error(L, "second argument to redis.register_function must be a function");
        name = lua_tolstring(L, 1, &nlen);
        fn_idx = 2;
    }
    /* (Redis 7.0 words this error as for library names) */
    if (!valid_name(name, nlen))
        return reg_error(L, "Library names can only contain letters, numbers, or underscores(_) "
                            "and must be at least one character long");
    for (int i = 0; i < ld->n; i++)
        if (ld->f[i]->nlen == nlen && !strncasecmp(ld->f[i]->name, name, nlen))
            return reg_error(L, "Function already exists in the library");
    struct ffunc *f = mem_calloc(sizeof(*f));
    f->name = mem_memdup(name, nlen);
    f->nlen = nlen;
    if (desc) {
        f->desc = mem_memdup(desc, dlen);
    }
    f->flags = flags;
    lua_pushvalue(L, fn_idx);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (ld->n == ld->cap) {
        ld->cap = ld->cap ? ld->cap * 2 : 4;
        ld->f = mem_realloc(ld->f, sizeof(*ld->f) * (size_t)ld->cap);
    }
    ld->f[ld->n++] = f;
    return 0;
}

/* ---- loading ----------------------------------------------------------------- */

/* Parses "#!lua name=<lib>"; sets the name (pointing into code) and the
 * bytes to skip; -1 with err. */
static int parse_lib_shebang(const char *code, size_t len, const char **name, size_t *nlen,
                             size_t *skip, char *err, size_t errlen)
{
    if (len < 2 || code[0] != '#' || code[1] != '!') {
        snprintf(err, errlen, "ERR Missing library metadata");
        return -1;
    }
    const char *nl = memchr(code, '\n', len);
    size_t end = nl ? (size_t)(nl - code) : len;
    *skip = end;
    *name = NULL;
    const char *p = code + 2, *e = code + end;
    /* the engine: right after "#!", up to the first space */
    const char *t = p;
    while (p < e && *p != ' ')
        p++;
    size_t tl = (size_t)(p - t);
    if (tl != 3 || strncasecmp(t, "lua", 3)) {
        snprintf(err, errlen, "ERR Engine '%.*s' not found", (int)(tl < 64 ? tl : 64), t);
        return -1;
    }
    while (p < e) {
        while (p < e && *p == ' ')
            p++;
        t = p;
        while (p < e && *p != ' ')
            p++;
        tl = (size_t)(p - t);
        if (!tl) break;
        if (tl > 5 && !memcmp(t, "name=", 5)) {
            if (*name) {
                snprintf(err, errlen,
                         "ERR Invalid metadata value, name argument was given multiple times");
                return -1;
            }
            *name = t + 5;
            *nlen = tl - 5;
            if (*nlen >= 2 && (*name)[0] == '"' && (*name)[*nlen - 1] == '"') {
                (*name)++;
                *nlen -= 2;
            }
        } else {
            snprintf(err, errlen, "ERR Invalid metadata value given: %.*s",
                     (int)(tl < 64 ? tl : 64), t);
            return -1;
        }
    }
    if (!*name) {
        snprintf(err, errlen, "ERR Library name was not given");
        return -1;
    }
    if (!valid_name(*name, *nlen)) {
        snprintf(err, errlen,
                 "ERR Library names can only contain letters, numbers, or underscores(_) and must "
                 "be at least one character long");
        return -1;
    }
    return 0;
}

static void fload_discard(struct scripting *s, struct fload *ld)
{
    for (int i = 0; i < ld->n; i++)
        ffunc_free(s, ld->f[i], true);
    mem_free(ld->f);
    ld->f = NULL;
    ld->n = ld->cap = 0;
}

#define LOAD_TIMEOUT_US 500000 /* a library's code runs at most this long at load */

static void load_hook(lua_State *L, lua_Debug *ar)
{
    struct scripting *s = script_of(L);
    if (util_monotonic_us() - s->load_start_us > LOAD_TIMEOUT_US) {
        lua_pushstring(L, "FUNCTION LOAD timeout");
        lua_error(L);
    }
}

/* Runs the library's code, collecting its functions into ld; -1 with err. */
static int run_library(struct scripting *s, const char *code, size_t len, size_t skip,
                       struct fload *ld, char *err, size_t errlen)
{
    lua_State *L = s->L;
    int base = lua_gettop(L);
    if (script_compile(s, code, len, skip, "@user_function") < 0) {
        snprintf(err, errlen, "ERR Error compiling function: %s",
                 lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_settop(L, base);
        return -1;
    }
    s->loading = ld;
    s->load_start_us = util_monotonic_us();
    lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
    s->limited = true;
    int rc = lua_pcall(L, 0, 0, 0);
    s->limited = false;
    lua_sethook(L, NULL, 0, 0);
    s->loading = NULL;
    if (rc) {
        const char *m = lua_tostring(L, -1);
        snprintf(err, errlen, "ERR Error registering functions: %s", m ? m : "unknown error");
        lua_settop(L, base);
        fload_discard(s, ld);
        return -1;
    }
    lua_settop(L, base);
    if (!ld->n) {
        snprintf(err, errlen, "ERR No functions registered");
        return -1;
    }
    return 0;
}

/* Adds ld's functions as lib's. */
static void install(struct scripting *s, struct flib *lib, struct fload *ld)
{
    for (int i = 0; i < ld->n; i++) {
        ld->f[i]->lib = lib;
        htab_add(&s->funcs, name_hash(ld->f[i]->name, ld->f[i]->nlen), &ld->f[i]->node);
    }
    lib->nfuncs = ld->n;
    mem_free(ld->f);
    ld->f = NULL;
    ld->n = ld->cap = 0;
}

/* FUNCTION LOAD's work: the library name, or NULL with err. */
static struct flib *library_load(struct scripting *s, const char *code, size_t len, bool replace,
                                 char *err, size_t errlen)
{
    const char *name;
    size_t nlen, skip;
    if (parse_lib_shebang(code, len, &name, &nlen, &skip, err, errlen) < 0) return NULL;
    struct flib **link = NULL;
    struct flib *old = lib_find(s, name, nlen, &link);
    if (old && !replace) {
        snprintf(err, errlen, "ERR Library '%.*s' already exists", (int)nlen, name);
        return NULL;
    }
    struct fload ld = {0};
    if (run_library(s, code, len, skip, &ld, err, errlen) < 0) return NULL;
    for (int i = 0; i < ld.n; i++) {
        struct ffunc *f = func_find(s, ld.f[i]->name, ld.f[i]->nlen);
        if (f && f->lib != old) {
            snprintf(err, errlen, "ERR Function %s already exists", ld.f[i]->name);
            fload_discard(s, &ld);
            return NULL;
        }
    }
    if (old) {
        drop_funcs(s, old, true);
        *link = old->next;
        flib_free(old);
    }
    struct flib *lib = mem_calloc(sizeof(*lib));
    lib->name = mem_memdup(name, nlen);
    lib->code = mem_memdup(code, len);
    lib->len = len;
    lib->next = s->libs;
    s->libs = lib;
    install(s, lib, &ld);
    update_counts(s);
    return lib;
}

void function_reload_all(struct scripting *s)
{
    drop_funcs(s, NULL, false); /* their references died with the old state */
    for (struct flib *lib = s->libs; lib; lib = lib->next) {
        const char *name;
        size_t nlen, skip;
        char err[512];
        struct fload ld = {0};
        if (parse_lib_shebang(lib->code, lib->len, &name, &nlen, &skip, err, sizeof(err)) < 0 ||
            run_library(s, lib->code, lib->len, skip, &ld, err, sizeof(err)) < 0) {
            log_warning("Reloading library %s failed: %s", lib->name, err);
            continue;
        }
        install(s, lib, &ld);
    }
    update_counts(s);
}

/* ---- commands ------------------------------------------------------------------ */

static void fcall_generic(struct client *c, bool ro)
{
    struct scripting *s = c->srv->scripting;
    long long nkeys;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &nkeys)) {
        reply_error(c, "ERR Bad number of keys provided");
        return;
    }
    if (!script_parse_numkeys(c, &nkeys)) return;
    struct ffunc *f = func_find(s, c->argv[1].p, c->argv[1].len);
    if (!f) {
        reply_error(c, "ERR Function not found");
        return;
    }
    struct script_fn fn = {f->name, f->ref, f->flags, false};
    script_run(c, s, &fn, 3, (int)nkeys, ro);
}

static void fcall_cmd(struct client *c)
{
    fcall_generic(c, false);
}
static void fcall_ro_cmd(struct client *c)
{
    fcall_generic(c, true);
}

static void function_load_cmd(struct client *c)
{
    bool replace = false;
    int i = 2;
    for (; i < c->argc - 1; i++) {
        if (util_eqi(c->argv[i].p, c->argv[i].len, "replace"))
            replace = true;
        else {
            reply_errorf(c, "ERR Unknown option given: %.*s",
                         (int)(c->argv[i].len < 64 ? c->argv[i].len : 64), c->argv[i].p);
            return;
        }
    }
    if (i != c->argc - 1) {
        reply_error(c, "ERR Function code is missing");
        return;
    }
    char err[1024];
    struct flib *lib =
        library_load(c->srv->scripting, c->argv[i].p, c->argv[i].len, replace, err, sizeof(err));
    if (!lib) {
        reply_error(c, err);
        return;
    }
    reply_bulk_cstr(c, lib->name);
}

static void function_delete_cmd(struct client *c)
{
    struct scripting *s = c->srv->scripting;
    struct flib **link;
    struct flib *lib = lib_find(s, c->argv[2].p, c->argv[2].len, &link);
    if (!lib) {
        reply_error(c, "ERR Library not found");
        return;
    }
    drop_funcs(s, lib, true);
    *link = lib->next;
    flib_free(lib);
    update_counts(s);
    reply_ok(c);
}

static void function_flush_cmd(struct client *c)
{
    if (c->argc > 3) {
        reply_error(c, "ERR unknown subcommand or wrong number of arguments for 'flush'. Try "
                       "FUNCTION HELP.");
        return;
    }
    if (c->argc == 3 && !util_eqi(c->argv[2].p, c->argv[2].len, "async") &&
        !util_eqi(c->argv[2].p, c->argv[2].len, "sync")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    struct scripting *s = c->srv->scripting;
    drop_funcs(s, NULL, true);
    while (s->libs) {
        struct flib *l = s->libs;
        s->libs = l->next;
        flib_free(l);
    }
    update_counts(s);
    reply_ok(c);
}

struct list_ctx {
    struct client *c;
    struct flib *lib;
    long long n;
};

static void list_func(struct htab_node *n, void *priv)
{
    struct list_ctx *x = priv;
    struct ffunc *f = htab_entry(n, struct ffunc, node);
    if (f->lib != x->lib) return;
    struct client *c = x->c;
    reply_map(c, 3);
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, f->name);
    reply_bulk_cstr(c, "description");
    reply_bulk_cstr(c, f->desc);
    reply_bulk_cstr(c, "flags");
    static const char *const names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                        "allow-cross-slot-keys"};
    int k = 0;
    for (int i = 0; i < 5; i++)
        if (f->flags & (1u << i)) k++;
    reply_set(c, k);
    for (int i = 0; i < 5; i++)
        if (f->flags & (1u << i)) reply_bulk_cstr(c, names[i]);
}

static void function_list_cmd(struct client *c)
{
    struct scripting *s = c->srv->scripting;
    bool withcode = false;
    const char *pat = NULL;
    size_t patlen = 0;
    for (int i = 2; i < c->argc; i++) {
        if (util_eqi(c->argv[i].p, c->argv[i].len, "withcode") && !withcode) {
            withcode = true;
        } else if (util_eqi(c->argv[i].p, c->argv[i].len, "libraryname") && !pat) {
            if (i + 1 >= c->argc) {
                reply_error(c, "ERR library name argument was not given");
                return;
            }
            pat = c->argv[i + 1].p;
            patlen = c->argv[i + 1].len;
            i++;
        } else {
            reply_errorf(c, "ERR Unknown argument %.*s",
                         (int)(c->argv[i].len < 64 ? c->argv[i].len : 64), c->argv[i].p);
            return;
        }
    }
    long long n = 0;
    for (struct flib *l = s->libs; l; l = l->next)
        if (!pat || util_glob_match(pat, patlen, l->name, strlen(l->name), false)) n++;
    reply_array(c, n);
    for (struct flib *l = s->libs; l; l = l->next) {
        if (pat && !util_glob_match(pat, patlen, l->name, strlen(l->name), false)) continue;
        reply_map(c, withcode ? 4 : 3);
        reply_bulk_cstr(c, "library_name");
        reply_bulk_cstr(c, l->name);
        reply_bulk_cstr(c, "engine");
        reply_bulk_cstr(c, "LUA");
        reply_bulk_cstr(c, "functions");
        reply_array(c, l->nfuncs);
        struct list_ctx x = {c, l, 0};
        htab_foreach(&s->funcs, list_func, &x);
        if (withcode) {
            reply_bulk_cstr(c, "library_code");
            reply_bulk(c, l->code, l->len);
        }
    }
}

static void function_stats_cmd(struct client *c)
{
    struct scripting *s = c->srv->scripting;
    reply_map(c, 2);
    reply_bulk_cstr(c, "running_script");
    struct run_ctx *r = s->run;
    if (!r || r->is_eval) {
        reply_null(c);
    } else {
        reply_map(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, r->name);
        reply_bulk_cstr(c, "command");
        reply_array(c, r->caller->argc);
        for (int i = 0; i < r->caller->argc; i++)
            reply_bulk(c, r->caller->argv[i].p, r->caller->argv[i].len);
        reply_bulk_cstr(c, "duration_ms");
        reply_ll(c, (util_monotonic_us() - r->start_us) / 1000);
    }
    reply_bulk_cstr(c, "engines");
    reply_map(c, 1);
    reply_bulk_cstr(c, "LUA");
    reply_map(c, 2);
    long long libs = 0;
    for (struct flib *l = s->libs; l; l = l->next)
        libs++;
    reply_bulk_cstr(c, "libraries_count");
    reply_ll(c, libs);
    reply_bulk_cstr(c, "functions_count");
    reply_ll(c, (long long)htab_size(&s->funcs));
}

static void function_kill_cmd(struct client *c)
{
    script_kill(c, false);
}

static void function_unsupported_cmd(struct client *c)
{
    reply_errorf(c, "ERR FUNCTION %s is not supported by Apiary", c->cmd ? c->cmd->name : "?");
}

static void function_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries.",
        "KILL",
        "    Kill the current running function.",
        "STATS",
        "    Return information about the current function running.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        NULL};
    reply_help(c, "FUNCTION", lines);
}

static struct command function_subcommands[] = {
    {"load", function_load_cmd, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, 0, 0, 0,
     "@write @slow @scripting", "Creates a library.", "7.0.0", "scripting"},
    {"delete", function_delete_cmd, 3, CMD_WRITE | CMD_NOSCRIPT, 0, 0, 0, "@write @slow @scripting",
     "Deletes a library and its functions.", "7.0.0", "scripting"},
    {"flush", function_flush_cmd, -2, CMD_WRITE | CMD_NOSCRIPT, 0, 0, 0, "@write @slow @scripting",
     "Deletes all libraries and functions.", "7.0.0", "scripting"},
    {"list", function_list_cmd, -2, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Returns information about all libraries.", "7.0.0", "scripting"},
    {"stats", function_stats_cmd, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "@slow @scripting",
     "Returns information about a function during execution.", "7.0.0", "scripting"},
    {"kill", function_kill_cmd, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "@slow @scripting",
     "Terminates a function during execution.", "7.0.0", "scripting"},
    {"dump", function_unsupported_cmd, 2, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Dumps all libraries into a serialized binary payload.", "7.0.0", "scripting"},
    {"restore", function_unsupported_cmd, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, 0, 0, 0,
     "@write @slow @scripting", "Restores all libraries from a payload.", "7.0.0", "scripting"},
    {"help", function_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@slow @scripting",
     "Returns helpful text about the different subcommands.", "7.0.0", "scripting"},
    {NULL}};

#define FCALL_FLAGS (CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_STALE)

struct command function_commands[] = {
    {"function", NULL, -2, 0, 0, 0, 0, "@slow", "A container for function commands.", "7.0.0",
     "scripting", function_subcommands},
    {"fcall", fcall_cmd, -3, FCALL_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "@slow @scripting",
     "Invokes a function.", "7.0.0", "scripting", NULL, script_getkeys},
    {"fcall_ro", fcall_ro_cmd, -3, FCALL_FLAGS | CMD_READONLY, 0, 0, 0, "@slow @scripting",
     "Invokes a read-only function.", "7.0.0", "scripting", NULL, script_getkeys},
    {NULL}};
