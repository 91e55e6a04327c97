/* cmd_server: server-wide commands: INFO, TIME, COMMAND, SLOWLOG, LATENCY,
 * MONITOR, DEBUG, SHUTDOWN. Also the slowlog and latency stores. */
#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void slowlog_push(struct server *srv, struct client *c, long long duration_us) {}
void slowlog_reset(struct server *srv) {}
void slowlog_free_all(struct server *srv) {}
void latency_add_sample(struct server *srv, const char *event, long long ms) {}
void monitor_feed(struct server *srv, struct client *c) {}

static void shutdown_cmd(struct client *c)
{
    server_prepare_shutdown(c->srv, 0);
}

struct command server_commands[] = {
    {"shutdown", shutdown_cmd, -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI |
     CMD_SENTINEL | CMD_ALLOW_BUSY, 0, 0, 0, "@admin @slow @dangerous",
     "Synchronously saves the database(s) to disk and shuts down the Redis server", "1.0.0", "server"},
    {NULL}};
