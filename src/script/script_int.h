/* script_int: what the scripting layer's own files share (script.c: the
 * engine, cache and commands; script_lua.c: the `redis` library and the
 * RESP <-> Lua conversions). Not for other layers. */
#ifndef APIARY_SCRIPT_INT_H
#define APIARY_SCRIPT_INT_H

#include "base/htab.h"
#include "base/util.h"
#include "core/sbuf.h"

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct client;

/* Shebang flags (#!lua flags=...) of a script. */
enum script_flag {
    SCRIPT_FLAG_NO_WRITES = 1u << 0,
    SCRIPT_FLAG_ALLOW_OOM = 1u << 1,
    SCRIPT_FLAG_ALLOW_STALE = 1u << 2,
    SCRIPT_FLAG_NO_CLUSTER = 1u << 3,
    SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1u << 4,
    SCRIPT_FLAG_COMPAT = 1u << 5, /* no shebang: EVAL as before 7.0 */
};

/* State of the running script (run_ctx.flags). */
enum run_flag {
    RUN_READONLY = 1u << 0,  /* EVAL_RO or no-writes: write commands refused */
    RUN_ALLOW_OOM = 1u << 1, /* allow-oom: no OOM check on its commands */
    RUN_WROTE = 1u << 2,     /* it ran a write command: SCRIPT KILL refuses */
    RUN_TIMEDOUT = 1u << 3,  /* past busy-reply-threshold: serving others */
    RUN_KILLED = 1u << 4,    /* SCRIPT KILL or SHUTDOWN NOSAVE: raise at once */
};

/* One cached script: EVAL adds, SCRIPT LOAD adds, SCRIPT FLUSH empties. */
struct script {
    struct htab_node node;
    char sha[41];
    int ref;        /* registry reference to the compiled chunk */
    uint32_t flags; /* enum script_flag */
    size_t len;
    char body[];
};

struct run_ctx {
    struct client *caller;
    const char *name;   /* the script's SHA1, or the function's name */
    uint32_t flags;     /* enum run_flag */
    long long start_us; /* monotonic */
    bool is_eval;
};

/* What script_run runs: a cached script or a library function. */
struct script_fn {
    const char *name; /* SHA1 or function name, for errors and logs */
    int ref;          /* registry reference to the Lua function */
    uint32_t flags;   /* enum script_flag */
    bool is_eval;     /* KEYS/ARGV as globals (EVAL) or as arguments (FCALL) */
};

struct scripting {
    struct server *srv;
    lua_State *L;
    struct htab scripts;  /* sha -> struct script */
    struct client *c;     /* the internal client commands run on */
    struct run_ctx *run;  /* the running script, or NULL */
    int env_ref;          /* the protected globals scripts see */
    int gc_count;         /* calls since the last incremental GC step */
    bool limited;         /* lua-max-memory applies (only inside lua_pcall) */
    size_t vm_bytes;      /* what the Lua allocator holds */
    size_t scripts_bytes; /* bodies in the cache */
    /* redis.call's reused buffers */
    struct slice *argv;
    int argv_cap;
    struct sbuf args;
    struct sbuf reply; /* a reply that spilled into blocks, joined */
    /* functions (function.c) */
    struct flib *libs;       /* loaded libraries, newest first */
    struct htab funcs;       /* function name -> struct ffunc */
    struct fload *loading;   /* FUNCTION LOAD in progress: what it registers */
    long long load_start_us; /* when it started (its time limit) */
};

/* function.c */
void function_init(struct scripting *s);
void function_deinit(struct scripting *s);
/* After SCRIPT FLUSH replaced the Lua state: load every library again. */
void function_reload_all(struct scripting *s);
/* redis.register_function */
int function_register(lua_State *L);

/* script_lua.c */
lua_State *scriptlua_new(struct scripting *s);
/* Pushes the Lua value for the RESP reply in p..p+len (RESP2 or RESP3);
 * 0, or -1 (nothing pushed) on a malformed or too deep reply. */
int scriptlua_push_reply(lua_State *L, const char *p, size_t len);
/* Replies the Lua value at the top of the stack to c (popping it), as
 * Redis converts a script's result; resp3 is the script's setresp. */
void scriptlua_reply(lua_State *L, struct client *c, int script_resp, const char *sha);
/* Pushes an error table {err=...} built from a RESP error line (with or
 * without '-', code or not), marked as already counted when `counted`. */
void scriptlua_push_error(lua_State *L, const char *msg, size_t len, bool counted);
/* The message handler lua_pcall runs: turns any error into an error table
 * carrying the source and line it was raised at. */
int scriptlua_error_handler(lua_State *L);

/* script.c */
/* Runs fn for c with c->argv[first..first+nkeys) as keys and the rest as
 * arguments; replies the result. ro: EVAL_RO / FCALL_RO. */
void script_run(struct client *c, struct scripting *s, const struct script_fn *fn, int first,
                int nkeys, bool ro);
/* argv[2] as numkeys; false after replying the error */
bool script_parse_numkeys(struct client *c, long long *nkeys);
/* COMMAND GETKEYS of EVAL/FCALL-shaped commands */
int script_getkeys(struct client *c, int argc, int *keys, int max);
/* SCRIPT KILL (is_eval) / FUNCTION KILL */
void script_kill(struct client *c, bool is_eval);
/* Compiles code (from `skip` on) as a chunk named chunkname with the
 * protected environment and pushes it; -1 with the Lua message pushed. */
int script_compile(struct scripting *s, const char *code, size_t len, size_t skip,
                   const char *chunkname);
struct scripting *script_of(lua_State *L);
/* redis.call / redis.pcall: runs the command in the Lua arguments. */
int script_call_command(lua_State *L, bool raise);
void script_sha1hex(const char *p, size_t len, char out[41]);

#endif
