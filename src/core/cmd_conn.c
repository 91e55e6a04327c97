/* cmd_conn: connection-scoped commands: PING, ECHO, QUIT, RESET, HELLO,
 * SELECT, AUTH and CLIENT. */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void ping_cmd(struct client *c)
{
    if (c->argc > 2) {
        reply_err_arity(c, "ping");
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 1) reply_bulk(c, "", 0);
        else reply_bulk(c, c->argv[1].p, c->argv[1].len);
        return;
    }
    if (c->argc == 1) reply_raw(c, "+PONG\r\n", 7);
    else reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

static void echo_cmd(struct client *c) { reply_bulk(c, c->argv[1].p, c->argv[1].len); }

static void quit_cmd(struct client *c)
{
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void select_cmd(struct client *c)
{
    long long id;
    if (!util_str2ll(c->argv[1].p, c->argv[1].len, &id)) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    if (id < 0 || id >= c->srv->ks.ndb) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    c->db = ks_db(&c->srv->ks, (int)id);
    reply_ok(c);
}

struct command conn_commands[] = {
    {"ping", ping_cmd, -1, CMD_FAST | CMD_STALE | CMD_LOADING | CMD_SENTINEL, 0, 0, 0,
     "@fast @connection", "Returns the server's liveliness response", "1.0.0", "connection"},
    {"echo", echo_cmd, 2, CMD_FAST | CMD_LOADING | CMD_STALE, 0, 0, 0, "@fast @connection",
     "Returns the given string", "1.0.0", "connection"},
    {"quit", quit_cmd, -1, CMD_ALLOW_BUSY | CMD_NO_AUTH | CMD_FAST | CMD_LOADING | CMD_STALE, 0, 0, 0,
     "@fast @connection", "Closes the connection", "1.0.0", "connection"},
    {"select", select_cmd, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "@fast @connection",
     "Changes the selected database", "1.0.0", "connection"},
    {NULL}};
