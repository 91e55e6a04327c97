/* cmd: the command table and dispatch.
 *
 * A command is one row: name, handler, arity (negative: at least -arity),
 * flags, key positions, ACL categories and a one-line summary. Each data
 * type's file exports its rows as a table terminated by a row with a NULL
 * name (`extern struct command string_commands[]`); the server layer
 * registers every table with cmd_register(). Subcommands (CONFIG GET)
 * are rows of their parent's `subcommands` table.
 *
 * Dispatch (cmd_dispatch): look the name up case-insensitively, check the
 * arity, refuse what the client's state forbids (RESP2 subscribed mode,
 * MULTI later), run the handler with the command time fixed, then account
 * calls/usec/failures for INFO commandstats and the slowlog. */
#ifndef APIARY_CMD_H
#define APIARY_CMD_H

#include "base/htab.h"

#include <stdbool.h>
#include <stdint.h>

struct client;
struct server;

typedef void cmd_proc(struct client *c);
/* Optional custom key extraction for COMMAND GETKEYS; fills up to max
 * indexes into argv, returns the count or -1 on error. */
typedef int cmd_getkeys_proc(struct client *c, int argc, int *keys, int max);

enum cmd_flags {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7,
    CMD_STALE = 1u << 8,
    CMD_SKIP_MONITOR = 1u << 9,
    CMD_SKIP_SLOWLOG = 1u << 10,
    CMD_FAST = 1u << 11,
    CMD_NO_AUTH = 1u << 12,
    CMD_MAY_REPLICATE = 1u << 13,
    CMD_NO_MULTI = 1u << 14,
    CMD_ALLOW_BUSY = 1u << 15,
    CMD_SENTINEL = 1u << 16,
    CMD_NO_MANDATORY_KEYS = 1u << 17,
    CMD_PROTECTED = 1u << 18,
    /* allowed in RESP2 subscribed mode (internal: not a COMMAND flag) */
    CMD_SUB_CONTEXT = 1u << 19,
};

struct command {
    const char *name;
    cmd_proc *proc;
    int arity;
    uint32_t flags;
    int first_key, last_key, key_step;
    const char *acl; /* space separated, e.g. "@read @string @fast" */
    const char *summary;
    const char *since;
    const char *group;
    struct command *subcommands;
    cmd_getkeys_proc *getkeys;
    /* filled at registration / runtime */
    struct htab_node node;
    struct command *parent;
    char fullname[64];
    long long calls, usec, rejected_calls, failed_calls;
    /* LATENCY HISTOGRAM: latency_hist[k] counts calls that took at most 2^k
     * us (more than 2^(k-1)); allocated at the first call, freed by
     * cmd_reset_stats */
    long long *latency_hist;
};

#define CMD_LATENCY_BUCKETS 40

void cmd_table_init(struct server *srv);
/* Register a table (rows until a NULL name); called by the server layer,
 * which is the one place that knows every module. */
void cmd_register(struct server *srv, struct command *table);
void cmd_table_deinit(struct server *srv);
/* Case-insensitive lookup of a top-level command. */
struct command *cmd_lookup(struct server *srv, const char *name, size_t len);
struct command *cmd_lookup_sub(struct command *parent, const char *name, size_t len);
/* Run cmd on c->argc/argv with accounting, skipping the checks of
 * cmd_dispatch (EXEC runs queued commands through it). */
void cmd_call(struct client *c, struct command *cmd);
/* Refuse cmd for c with msg (an error without '-'): counts a rejected
 * call, flags c's transaction (a refused EXEC ends it with EXECABORT). */
void cmd_reject(struct client *c, struct command *cmd, const char *msg);
/* Run the request in c->argc/c->argv. */
void cmd_dispatch(struct client *c);
/* MONITOR: shows c's request to the monitors now (call() does it after a
 * command ran; EVAL and FCALL, flagged skip-monitor, show themselves
 * before their script's commands). */
void monitor_feed(struct server *srv, struct client *c);
/* Key positions of the request per the command's spec; returns count. */
int cmd_get_keys(struct command *cmd, struct client *c, int argc, int *keys, int max);
/* For COMMAND: iterate every top-level command. */
void cmd_foreach(struct server *srv, void (*fn)(struct command *cmd, void *priv), void *priv);
void cmd_reset_stats(struct server *srv);

struct kentry;
/* The lookup every typed command starts with: argv[argi] in the client's
 * db (a read counts a keyspace hit or miss; a write does not). *ke is NULL
 * when the key is missing. Returns false after replying WRONGTYPE when the
 * key holds another type. */
bool cmd_lookup_typed(struct client *c, int argi, int type, bool write, struct kentry **ke);
/* HRANDFIELD/ZRANDMEMBER's "key [count [<with>]]": replies Redis's error
 * and returns false on bad input. */
bool cmd_parse_rand_args(struct client *c, const char *with, bool *has_count, long long *count,
                         bool *with_values);

#endif
