/* cmd_function: the FUNCTION command family while Apiary has no scripting
 * engine. There are no libraries, so FLUSH and LIST answer truthfully
 * (nothing to flush, an empty list) — Redis's own test suite and client
 * libraries call FUNCTION FLUSH as routine clean-up. Anything that would
 * create a library is refused with a clear error until the scripting
 * issue lands and replaces this file. */
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"

static void function_flush_cmd(struct client *c)
{
    if (c->argc == 3 && !util_eqi(c->argv[2].p, c->argv[2].len, "async") &&
        !util_eqi(c->argv[2].p, c->argv[2].len, "sync")) {
        reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    reply_ok(c);
}

static void function_list_cmd(struct client *c) { reply_array(c, 0); }

static void function_unsupported_cmd(struct client *c)
{
    reply_error(c, "ERR scripting is not available in this build of Apiary yet");
}

static struct command function_subcommands[] = {
    {"flush", function_flush_cmd, -2, CMD_WRITE | CMD_NOSCRIPT, 0, 0, 0,
     "@write @slow @scripting", "Deletes all libraries and functions", "7.0.0", "scripting"},
    {"list", function_list_cmd, -2, CMD_NOSCRIPT, 0, 0, 0, "@slow @scripting",
     "Returns information about all libraries", "7.0.0", "scripting"},
    {"load", function_unsupported_cmd, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, 0, 0, 0,
     "@write @slow @scripting", "Creates a library", "7.0.0", "scripting"},
    {NULL}};

struct command function_commands[] = {
    {"function", NULL, -2, 0, 0, 0, 0, "@slow", "A container for function commands", "7.0.0",
     "scripting", function_subcommands},
    {NULL}};
