/* script: the scripting engine: the script cache, running a script on the
 * internal client, redis.call, busy scripts and SCRIPT KILL, and the
 * EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT commands. See script.h.
 *
 * Running a script (EVAL):
 *
 *   caller --EVAL--> cmd_dispatch --call()--> eval_cmd
 *     compile or find the cached chunk (SHA1 of the body)
 *     check the shebang flags against the call (EVAL_RO, OOM)
 *     set KEYS/ARGV, lua_pcall(chunk) with the error handler
 *        redis.call --> script_call_command: argv from the Lua arguments,
 *          checks (no-script, read-only, OOM, arity) --> cmd_call(internal
 *          client) --> its reply bytes --> scriptlua_push_reply --> Lua
 *     scriptlua_reply: the result (or the error table) --> the caller
 *
 * The commands a script runs share the EVAL's call(): one unit of the
 * change stream, wrapped in MULTI/EXEC when it holds more than one write
 * (effects replication, as Redis 7.0 always does); EVAL itself is never
 * propagated, nor are SCRIPT LOAD and SCRIPT FLUSH.
 *
 * Invariants.
 *  1. s->run is non-NULL exactly while a script runs; srv->script_caller
 *     is its caller then, NULL otherwise.
 *  2. srv->script_busy implies s->run with RUN_TIMEDOUT; the caller's
 *     socket is not read while busy (its request is in use).
 *  3. The internal client's output buffers are empty between commands. */
#include "script/script.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/repl.h"
#include "core/reply.h"
#include "core/server.h"
#include "ev/ev.h"
#include "script/script_int.h"

#include <ctype.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define HOOK_INSTRUCTIONS 100000 /* Lua instructions between time checks */
#define GC_PERIOD 50             /* scripts between incremental GC steps */

void script_sha1hex(const char *p, size_t len, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(p, len, md, &mdlen, EVP_sha1(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[40] = '\0';
}

struct scripting *script_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---- the cache ------------------------------------------------------------ */

static uint64_t script_hash(const struct htab_node *n)
{
    const struct script *sc = htab_entry(n, struct script, node);
    return util_hash(sc->sha, 40);
}

static bool script_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct script *sc = htab_entry(n, struct script, node);
    return klen == 40 && memcmp(sc->sha, key, 40) == 0;
}

static const struct htab_type script_type = {script_hash, script_eq};

static void free_script(struct htab_node *n, void *priv)
{
    mem_free(htab_entry(n, struct script, node));
}

static struct script *cache_find(struct scripting *s, const char *sha, size_t len)
{
    if (len != 40) return NULL;
    char low[40];
    for (int i = 0; i < 40; i++)
        low[i] = (char)tolower((unsigned char)sha[i]);
    struct htab_node *n = htab_find(&s->scripts, util_hash(low, 40), low, 40);
    return n ? htab_entry(n, struct script, node) : NULL;
}

static void update_info(struct scripting *s)
{
    s->srv->lua_vm_memory = (long long)s->vm_bytes;
    s->srv->lua_scripts_memory = (long long)s->scripts_bytes;
    s->srv->lua_nscripts = (long long)htab_size(&s->scripts);
}

/* Parses "#!lua [flags=a,b]" (the first line when it starts with "#!").
 * Sets *flags and *skip (bytes to leave out: up to, not including, the
 * newline, so line numbers stay right); -1 with err on a bad line. */
static int parse_shebang(const char *body, size_t len, uint32_t *flags, size_t *skip, char *err,
                         size_t errlen)
{
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!') {
        *flags = SCRIPT_FLAG_COMPAT;
        return 0;
    }
    *flags = 0;
    const char *nl = memchr(body, '\n', len);
    size_t end = nl ? (size_t)(nl - body) : len;
    *skip = end;
    char line[1024];
    size_t ll = end - 2 < sizeof(line) - 1 ? end - 2 : sizeof(line) - 1;
    memcpy(line, body + 2, ll);
    line[ll] = '\0';
    char *save = NULL;
    char *tok = strtok_r(line, " ", &save);
    if (!tok || strcmp(tok, "lua")) {
        snprintf(err, errlen, "ERR Unexpected engine in script shebang: %s", tok ? tok : "");
        return -1;
    }
    while ((tok = strtok_r(NULL, " ", &save))) {
        if (strncmp(tok, "flags=", 6)) {
            snprintf(err, errlen, "ERR Unknown lua shebang option: %s", tok);
            return -1;
        }
        char *fsave = NULL;
        for (char *f = strtok_r(tok + 6, ",", &fsave); f; f = strtok_r(NULL, ",", &fsave)) {
            if (!strcmp(f, "no-writes"))
                *flags |= SCRIPT_FLAG_NO_WRITES;
            else if (!strcmp(f, "allow-oom"))
                *flags |= SCRIPT_FLAG_ALLOW_OOM;
            else if (!strcmp(f, "allow-stale"))
                *flags |= SCRIPT_FLAG_ALLOW_STALE;
            else if (!strcmp(f, "no-cluster"))
                *flags |= SCRIPT_FLAG_NO_CLUSTER;
            else if (!strcmp(f, "allow-cross-slot-keys"))
                *flags |= SCRIPT_FLAG_ALLOW_CROSS_SLOT;
            else {
                snprintf(err, errlen, "ERR Unexpected flag in script shebang: %s", f);
                return -1;
            }
        }
    }
    return 0;
}

int script_compile(struct scripting *s, const char *code, size_t len, size_t skip,
                   const char *chunkname)
{
    lua_State *L = s->L;
    if (luaL_loadbuffer(L, code + skip, len - skip, chunkname)) return -1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->env_ref);
    lua_setfenv(L, -2);
    return 0;
}

/* The cached script for body, compiling and caching it first; NULL after
 * replying the error to c. */
static struct script *cache_add(struct client *c, struct scripting *s, const char *body, size_t len)
{
    char sha[41];
    script_sha1hex(body, len, sha);
    struct htab_node *n = htab_find(&s->scripts, util_hash(sha, 40), sha, 40);
    if (n) return htab_entry(n, struct script, node);
    uint32_t flags;
    size_t skip;
    char err[1200];
    if (parse_shebang(body, len, &flags, &skip, err, sizeof(err)) < 0) {
        reply_error(c, err);
        return NULL;
    }
    lua_State *L = s->L;
    if (script_compile(s, body, len, skip, "@user_script") < 0) {
        const char *m = lua_tostring(L, -1);
        snprintf(err, sizeof(err), "ERR Error compiling script (new function): %s",
                 m ? m : "unknown error");
        lua_pop(L, 1);
        reply_error(c, err);
        update_info(s);
        return NULL;
    }
    struct script *sc = mem_alloc(sizeof(*sc) + len + 1);
    sc->node.next = NULL;
    memcpy(sc->sha, sha, 41);
    sc->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    sc->flags = flags;
    sc->len = len;
    memcpy(sc->body, body, len);
    sc->body[len] = '\0';
    htab_add(&s->scripts, util_hash(sha, 40), &sc->node);
    s->scripts_bytes += len + sizeof(*sc);
    update_info(s);
    return sc;
}

/* ---- lifecycle -------------------------------------------------------------- */

static int engine_start(struct scripting *s, char *err, size_t errlen)
{
    s->vm_bytes = 0;
    s->L = scriptlua_new(s);
    if (!s->L) {
        snprintf(err, errlen, "Failed creating the Lua state");
        return -1;
    }
    htab_init(&s->scripts, &script_type);
    s->scripts_bytes = 0;
    update_info(s);
    return 0;
}

static void engine_stop(struct scripting *s)
{
    htab_deinit(&s->scripts, free_script, NULL);
    lua_close(s->L);
    s->L = NULL;
    s->vm_bytes = 0;
    s->scripts_bytes = 0;
}

int script_init(struct server *srv, char *err, size_t errlen)
{
    struct scripting *s = mem_calloc(sizeof(*s));
    s->srv = srv;
    if (engine_start(s, err, errlen) < 0) {
        mem_free(s);
        return -1;
    }
    s->c = client_new_script(srv);
    srv->scripting = s;
    function_init(s);
    update_info(s);
    return 0;
}

void script_deinit(struct server *srv)
{
    struct scripting *s = srv->scripting;
    if (!s) return;
    function_deinit(s);
    engine_stop(s);
    client_free(s->c);
    mem_free(s->argv);
    sbuf_free(&s->args);
    sbuf_free(&s->reply);
    mem_free(s);
    srv->scripting = NULL;
    srv->lua_vm_memory = srv->lua_scripts_memory = srv->lua_nscripts = 0;
}

/* ---- redis.call ----------------------------------------------------------------- */

/* Raises (redis.call) or returns (redis.pcall) an error table. */
static int call_error(lua_State *L, bool raise, const char *msg, bool counted)
{
    scriptlua_push_error(L, msg, strlen(msg), counted);
    if (raise) return lua_error(L);
    return 1;
}

/* A command refused before it ran: counted as the command's rejected call
 * and in errorstats here, so the EVAL's reply does not count it again. */
static int call_reject(lua_State *L, struct scripting *s, struct command *cmd, bool raise,
                       const char *msg)
{
    struct server *srv = s->srv;
    const char *sp = strchr(msg, ' ');
    server_count_error(srv, msg, sp ? (size_t)(sp - msg) : strlen(msg));
    srv->err_mark = srv->stats.total_error_replies;
    if (cmd) cmd->rejected_calls++;
    return call_error(L, raise, msg, true);
}

/* A number argument as Redis formats it: the shortest text that reads
 * back as the same double. */
static size_t format_number(lua_Number d, char *buf, size_t cap)
{
    int n = util_d2str(buf, cap, (double)d);
    for (int prec = 15; prec <= 17 && strchr(buf, '.'); prec++) {
        char tmp[64];
        int k = snprintf(tmp, sizeof(tmp), "%.*g", prec, (double)d);
        if (k > 0 && k < (int)sizeof(tmp) && strtod(tmp, NULL) == (double)d) {
            memcpy(buf, tmp, (size_t)k + 1);
            return (size_t)k;
        }
    }
    return n > 0 ? (size_t)n : 0;
}

int script_call_command(lua_State *L, bool raise)
{
    struct scripting *s = script_of(L);
    struct server *srv = s->srv;
    struct run_ctx *r = s->run;
    int argc = lua_gettop(L);
    if (!r) {
        lua_pushstring(L, "redis.call() can only be called inside a script invocation");
        return lua_error(L);
    }
    if (argc == 0)
        return call_error(
            L, true, "ERR Please specify at least one argument for this redis lib call", false);
    /* the arguments, copied into one reused buffer */
    size_t total = 0;
    for (int i = 1; i <= argc; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TNUMBER)
            total += 64;
        else if (t == LUA_TSTRING)
            total += lua_objlen(L, i);
        else
            return call_error(
                L, true, "ERR Lua redis lib command arguments must be strings or integers", false);
    }
    if (argc > s->argv_cap) {
        s->argv_cap = argc < 16 ? 16 : argc;
        mem_free(s->argv);
        s->argv = mem_alloc(sizeof(*s->argv) * (size_t)s->argv_cap);
    }
    s->args.len = 0;
    sbuf_reserve(&s->args, total + 1);
    char *dst = s->args.p;
    for (int i = 1; i <= argc; i++) {
        size_t len;
        if (lua_type(L, i) == LUA_TNUMBER) {
            len = format_number(lua_tonumber(L, i), dst, 64);
        } else {
            const char *p = lua_tolstring(L, i, &len);
            memcpy(dst, p, len);
        }
        s->argv[i - 1].p = dst;
        s->argv[i - 1].len = len;
        dst += len;
    }
    lua_settop(L, 0); /* copied: room on the stack for the reply */
    struct client *c = s->c;
    struct command *cmd = cmd_lookup(srv, s->argv[0].p, s->argv[0].len);
    if (cmd && cmd->subcommands && argc >= 2)
        cmd = cmd_lookup_sub(cmd, s->argv[1].p, s->argv[1].len);
    if (!cmd) return call_reject(L, s, NULL, raise, "ERR Unknown Redis command called from script");
    if ((cmd->arity > 0 && argc != cmd->arity) || (cmd->arity < 0 && argc < -cmd->arity))
        return call_reject(L, s, cmd, raise,
                           "ERR Wrong number of args calling Redis command from script");
    if (cmd->flags & CMD_NOSCRIPT)
        return call_reject(L, s, cmd, raise, "ERR This Redis command is not allowed from script");
    if ((r->flags & RUN_READONLY) && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))
        return call_reject(L, s, cmd, raise,
                           "ERR Write commands are not allowed from read-only scripts.");
    /* maxmemory: only the first write may be refused (a script cannot stop
     * half way through its writes) */
    if (!(r->flags & (RUN_ALLOW_OOM | RUN_WROTE)) && srv->cfg.maxmemory > 0 &&
        srv->oom_at_dispatch && (cmd->flags & CMD_DENYOOM) && !(r->caller->flags & CLIENT_LOADING))
        return call_reject(L, s, cmd, raise,
                           "OOM command not allowed when used memory > 'maxmemory'.");
    if ((cmd->flags & CMD_WRITE) && repl_too_few_replicas(srv) &&
        !(r->caller->flags & (CLIENT_LOADING | CLIENT_MASTER)))
        return call_reject(L, s, cmd, raise, "NOREPLICAS Not enough good replicas to write.");
    if ((cmd->flags & CMD_WRITE) && srv->replica && srv->cfg.replica_read_only &&
        !(r->caller->flags & (CLIENT_LOADING | CLIENT_MASTER)))
        return call_reject(L, s, cmd, raise, "READONLY You can't write against a read only replica.");
    if (cmd->flags & CMD_WRITE) r->flags |= RUN_WROTE;
    c->olen = c->osent = 0; /* invariant 3; nothing may precede the reply */
    c->argc = argc;
    c->argv = s->argv;
    cmd_call(c, cmd);
    c->argc = 0;
    c->argv = NULL;
    /* the reply, joined when it spilled out of the inline buffer */
    const char *p = c->obuf;
    size_t len = c->olen;
    if (c->rhead) {
        s->reply.len = 0;
        sbuf_cat(&s->reply, c->obuf, c->olen);
        for (struct rblock *b = c->rhead; b; b = b->next)
            sbuf_cat(&s->reply, b->data, b->used);
        p = s->reply.p;
        len = s->reply.len;
    }
    int rc = scriptlua_push_reply(L, p, len);
    bool is_err = len && p[0] == '-';
    c->olen = c->osent = 0;
    while (c->rhead) {
        struct rblock *b = c->rhead;
        c->rhead = b->next;
        mem_free(b);
    }
    c->rtail = NULL;
    c->rbytes = c->rhead_sent = 0;
    if (s->reply.cap > (1u << 20)) sbuf_free(&s->reply);
    if (rc < 0)
        return call_error(L, true, "ERR reply of the command could not be read by the script",
                          false);
    if (is_err && raise) return lua_error(L);
    return 1;
}

/* ---- busy scripts ----------------------------------------------------------------- */

/* Past busy-reply-threshold: serve other clients (they get BUSY, SCRIPT
 * KILL may stop us), with the command time kept as the script's. */
static void serve_others(struct scripting *s)
{
    struct server *srv = s->srv;
    long long now = srv->ks.now_ms;
    struct client *current = srv->current;
    ev_process_io(srv->loop);
    clients_flush_pending(srv);
    srv->current = current;
    srv->ks.now_ms = now;
}

static void hook(lua_State *L, lua_Debug *ar)
{
    struct scripting *s = script_of(L);
    struct run_ctx *r = s->run;
    struct server *srv = s->srv;
    if (!r) return;
    if (!(r->flags & RUN_TIMEDOUT)) {
        long long ms = (util_monotonic_us() - r->start_us) / 1000;
        if (ms < srv->cfg.busy_reply_threshold) return;
        r->flags |= RUN_TIMEDOUT;
        log_warning("Slow script detected: still in execution after %lld milliseconds. You can "
                    "try killing the script using the SCRIPT KILL command. Script SHA1 is: %s",
                    ms, r->name);
        srv->script_busy = true;
        client_stop_reading(r->caller);
    }
    serve_others(s);
    if ((r->flags & RUN_KILLED) || srv->shutdown_asap) {
        r->flags |= RUN_KILLED;
        /* a script that catches the error meets it again on its next line */
        lua_sethook(L, hook, LUA_MASKLINE, 0);
        scriptlua_push_error(L, "ERR Script killed by user with SCRIPT KILL...", 45, false);
        lua_error(L);
    }
}

/* ---- running --------------------------------------------------------------------- */

static void set_array(lua_State *L, const struct slice *v, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, v[i].p, v[i].len);
        lua_rawseti(L, -2, i + 1);
    }
}

void script_run(struct client *c, struct scripting *s, const struct script_fn *fn, int first,
                int nkeys, bool ro)
{
    struct server *srv = c->srv;
    if (!(fn->flags & SCRIPT_FLAG_COMPAT)) {
        if (!(fn->flags & SCRIPT_FLAG_NO_WRITES) && ro) {
            reply_error(c, "ERR Can not execute a script with write flag using *_ro command.");
            return;
        }
        /* a script that declares no-writes may run over maxmemory */
        if (!(fn->flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) &&
            srv->cfg.maxmemory > 0 && srv->oom_at_dispatch && !(c->flags & CLIENT_LOADING)) {
            reply_error(c, "OOM allow-oom flag is not set on the script, can not run it when used "
                           "memory > 'maxmemory'");
            return;
        }
        /* a script that may write needs the replicas min-replicas-to-write asks for */
        if (!(fn->flags & SCRIPT_FLAG_NO_WRITES) && repl_too_few_replicas(srv) &&
            !(c->flags & (CLIENT_LOADING | CLIENT_MASTER))) {
            reply_error(c, "NOREPLICAS Not enough good replicas to write.");
            return;
        }
        if (!(fn->flags & SCRIPT_FLAG_NO_WRITES) && srv->replica && srv->cfg.replica_read_only &&
            !(c->flags & (CLIENT_LOADING | CLIENT_MASTER))) {
            reply_error(c, "READONLY You can't write against a read only replica.");
            return;
        }
    }
    /* MONITOR shows the EVAL / FCALL before the commands it runs */
    if (srv->monitors) monitor_feed(srv, c);
    lua_State *L = s->L;
    struct run_ctx ctx = {c, fn->name, 0, util_monotonic_us(), fn->is_eval};
    if (ro || (fn->flags & SCRIPT_FLAG_NO_WRITES)) ctx.flags |= RUN_READONLY;
    if (fn->flags & SCRIPT_FLAG_ALLOW_OOM) ctx.flags |= RUN_ALLOW_OOM;
    struct client *fc = s->c;
    fc->db = c->db;
    fc->resp = 2;
    s->run = &ctx;
    srv->script_caller = c;
    srv->script_is_eval = fn->is_eval;
    int base = lua_gettop(L);
    lua_pushcfunction(L, scriptlua_error_handler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn->ref);
    int nargs = 0;
    if (fn->is_eval) {
        set_array(L, c->argv + first, nkeys);
        lua_setfield(L, LUA_GLOBALSINDEX, "KEYS");
        set_array(L, c->argv + first + nkeys, c->argc - first - nkeys);
        lua_setfield(L, LUA_GLOBALSINDEX, "ARGV");
    } else { /* a function gets them as its arguments */
        set_array(L, c->argv + first, nkeys);
        set_array(L, c->argv + first + nkeys, c->argc - first - nkeys);
        nargs = 2;
    }
    if (srv->cfg.busy_reply_threshold > 0) lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    s->limited = true;
    int rc = lua_pcall(L, nargs, 1, base + 1);
    s->limited = false;
    lua_sethook(L, NULL, 0, 0);
    if (ctx.flags & RUN_TIMEDOUT) {
        srv->script_busy = false;
        client_resume_reading(c);
        log_warning("Script %s ended after %lld milliseconds", fn->name,
                    (util_monotonic_us() - ctx.start_us) / 1000);
    }
    int resp = fc->resp;
    fc->resp = 2;
    s->run = NULL;
    srv->script_caller = NULL;
    if (rc == 0 || lua_istable(L, -1)) {
        scriptlua_reply(L, c, resp, fn->name); /* the result, or the error table */
    } else {
        const char *m = lua_tostring(L, -1);
        reply_errorf(c, "ERR Error running script %s: %s", fn->name, m ? m : "unknown error");
        lua_pop(L, 1);
    }
    lua_settop(L, base);
    if (++s->gc_count >= GC_PERIOD) {
        lua_gc(L, LUA_GCSTEP, GC_PERIOD);
        s->gc_count = 0;
    }
    update_info(s);
}

/* numkeys of EVAL-family argv; false after replying the error */
bool script_parse_numkeys(struct client *c, long long *nkeys)
{
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, nkeys)) {
        reply_err_notint(c);
        return false;
    }
    if (*nkeys > c->argc - 3) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return false;
    }
    if (*nkeys < 0) {
        reply_error(c, "ERR Number of keys can't be negative");
        return false;
    }
    return true;
}

static void eval_generic(struct client *c, bool sha, bool ro)
{
    struct scripting *s = c->srv->scripting;
    long long nkeys;
    if (!script_parse_numkeys(c, &nkeys)) return;
    struct script *sc;
    if (sha) {
        sc = cache_find(s, c->argv[1].p, c->argv[1].len);
        if (!sc) {
            reply_error(c, "NOSCRIPT No matching script. Please use EVAL.");
            return;
        }
    } else {
        sc = cache_add(c, s, c->argv[1].p, c->argv[1].len);
        if (!sc) return;
    }
    struct script_fn fn = {sc->sha, sc->ref, sc->flags, true};
    script_run(c, s, &fn, 3, (int)nkeys, ro);
}

static void eval_cmd(struct client *c)
{
    eval_generic(c, false, false);
}
static void evalsha_cmd(struct client *c)
{
    eval_generic(c, true, false);
}
static void eval_ro_cmd(struct client *c)
{
    eval_generic(c, false, true);
}
static void evalsha_ro_cmd(struct client *c)
{
    eval_generic(c, true, true);
}

/* COMMAND GETKEYS for the EVAL family: argv[3..3+numkeys) */
int script_getkeys(struct client *c, int argc, int *keys, int max)
{
    long long n;
    if (argc < 3 || !util_str2ll(c->argv[2].p, c->argv[2].len, &n) || n < 0 || n > argc - 3)
        return -1;
    int k = 0;
    for (int i = 0; i < n && k < max; i++)
        keys[k++] = 3 + i;
    return k;
}

/* ---- SCRIPT ------------------------------------------------------------------------ */

static void script_load_cmd(struct client *c)
{
    struct script *sc = cache_add(c, c->srv->scripting, c->argv[2].p, c->argv[2].len);
    if (sc) reply_bulk(c, sc->sha, 40);
}

static void script_exists_cmd(struct client *c)
{
    struct scripting *s = c->srv->scripting;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_ll(c, cache_find(s, c->argv[i].p, c->argv[i].len) ? 1 : 0);
}

static void script_flush_cmd(struct client *c)
{
    if (c->argc > 3 || (c->argc == 3 && !util_eqi(c->argv[2].p, c->argv[2].len, "sync") &&
                        !util_eqi(c->argv[2].p, c->argv[2].len, "async"))) {
        reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    struct scripting *s = c->srv->scripting;
    char err[128];
    /* a new state: every script and every global they left are gone (the
     * old state is small enough to free inline even for ASYNC) */
    engine_stop(s);
    if (engine_start(s, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        abort();
    }
    function_reload_all(s); /* functions are not the script cache */
    reply_ok(c);
}

void script_kill(struct client *c, bool is_eval)
{
    struct scripting *s = c->srv->scripting;
    struct run_ctx *r = s->run;
    if (!r || !(r->flags & RUN_TIMEDOUT)) {
        reply_error(c, "NOTBUSY No scripts in execution right now.");
        return;
    }
    if (r->flags & RUN_WROTE) {
        reply_error(c, "UNKILLABLE Sorry the script already executed write commands against the "
                       "dataset. You can either wait the script termination or kill the server in "
                       "a hard way using the SHUTDOWN NOSAVE command.");
        return;
    }
    if (r->is_eval != is_eval) {
        reply_error(c, r->is_eval ? "BUSY Redis is busy running a script. You can only call "
                                    "SCRIPT KILL or SHUTDOWN NOSAVE."
                                  : "BUSY Redis is busy running a script. You can only call "
                                    "FUNCTION KILL or SHUTDOWN NOSAVE.");
        return;
    }
    r->flags |= RUN_KILLED;
    reply_ok(c);
}

static void script_kill_cmd(struct client *c)
{
    script_kill(c, true);
}

static void script_debug_cmd(struct client *c)
{
    reply_error(c, "ERR SCRIPT DEBUG is not supported by Apiary");
}

static void script_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    reply_help(c, "SCRIPT", lines);
}

static struct command script_subcommands[] = {
    {"load", script_load_cmd, 3, CMD_NOSCRIPT | CMD_STALE, 0, 0, 0, "@slow @scripting",
     "Loads a server-side Lua script to the script cache.", "2.6.0", "scripting"},
    {"exists", script_exists_cmd, -3, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0", "scripting"},
    {"flush", script_flush_cmd, -2, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Removes all server-side Lua scripts from the script cache.", "2.6.0", "scripting"},
    {"kill", script_kill_cmd, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "@slow @scripting",
     "Terminates a server-side Lua script during execution.", "2.6.0", "scripting"},
    {"debug", script_debug_cmd, 3, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Sets the debug mode of server-side Lua scripts.", "3.2.0", "scripting"},
    {"help", script_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@slow @scripting",
     "Returns helpful text about the different subcommands.", "5.0.0", "scripting"},
    {NULL}};

#define EVAL_FLAGS (CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_STALE)

struct command script_commands[] = {
    {"eval", eval_cmd, -3, EVAL_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "@slow @scripting",
     "Executes a server-side Lua script.", "2.6.0", "scripting", NULL, script_getkeys},
    {"evalsha", evalsha_cmd, -3, EVAL_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "@slow @scripting",
     "Executes a server-side Lua script by SHA1 digest.", "2.6.0", "scripting", NULL,
     script_getkeys},
    {"eval_ro", eval_ro_cmd, -3, EVAL_FLAGS | CMD_READONLY, 0, 0, 0, "@slow @scripting",
     "Executes a read-only server-side Lua script.", "7.0.0", "scripting", NULL, script_getkeys},
    {"evalsha_ro", evalsha_ro_cmd, -3, EVAL_FLAGS | CMD_READONLY, 0, 0, 0, "@slow @scripting",
     "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0", "scripting", NULL,
     script_getkeys},
    {"script", NULL, -2, 0, 0, 0, 0, "@slow", "A container for Lua scripts management commands.",
     "2.6.0", "scripting", script_subcommands},
    {NULL}};
