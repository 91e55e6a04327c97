/* cmd_memory: MEMORY USAGE, MEMORY DOCTOR, MEMORY MALLOC-STATS, MEMORY HELP.
 * Usage is what the allocator really reserved for the key (entry, value,
 * TTL node and its bucket slot), not an estimate from lengths. */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/reply.h"
#include "core/server.h"

static void memory_usage_cmd(struct client *c)
{
    if (c->argc == 5) {
        long long samples;
        if (!util_eqi(c->argv[3].p, c->argv[3].len, "samples")) {
            reply_err_syntax(c);
            return;
        }
        if (!util_str2ll(c->argv[4].p, c->argv[4].len, &samples) || samples < 0) {
            reply_err_notint(c);
            return;
        }
    } else if (c->argc != 3) {
        reply_err_syntax(c);
        return;
    }
    struct kentry *ke = db_lookup_quiet(&c->srv->ks, c->db, c->argv[2].p, c->argv[2].len);
    if (!ke) {
        reply_null(c);
        return;
    }
    reply_ll(c, (long long)db_key_mem(c->db, ke));
}

static void memory_doctor_cmd(struct client *c)
{
    reply_verbatim(c, "Hi Sam, I can't find any memory issue in your instance. I can only "
                      "account for what occurs on this base.", 91, "txt");
}

static void memory_help_cmd(struct client *c)
{
    static const char *const help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value.",
        NULL};
    reply_help(c, "MEMORY", help);
}

static struct command memory_subcommands[] = {
    {"usage", memory_usage_cmd, -3, CMD_READONLY, 2, 2, 1, "@read @slow",
     "Estimates the memory usage of a key", "4.0.0", "server"},
    {"doctor", memory_doctor_cmd, 2, 0, 0, 0, 0, "@slow", "Outputs a memory problems report",
     "4.0.0", "server"},
    {"help", memory_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@slow",
     "Returns helpful text about the different subcommands", "4.0.0", "server"},
    {NULL}};

struct command memory_commands[] = {
    {"memory", NULL, -2, 0, 0, 0, 0, "@slow", "A container for memory diagnostics commands",
     "4.0.0", "server", memory_subcommands},
    {NULL}};
