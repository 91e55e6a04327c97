/* cmd_conn: connection-scoped commands: PING, ECHO, QUIT, SELECT, AUTH,
 * HELLO, RESET and CLIENT.
 *
 * Authentication. There is one user, "default". When requirepass is empty
 * it has no password and every connection is authenticated as it connects
 * (CLIENT_AUTHENTICATED, set in client_new); otherwise a connection must
 * AUTH (or HELLO ... AUTH) first and cmd_dispatch refuses everything but
 * CMD_NO_AUTH commands with NOAUTH. Like Redis, setting requirepass at run
 * time does not log out connections that were already authenticated. */
#include "base/mem.h"
#include "base/util.h"
#include "core/blocking.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/multi.h"
#include "core/pubsub.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"
#include "core/tracking.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- helpers ----------------------------------------------------------- */

static bool arg_is(const struct client *c, int i, const char *s)
{
    return util_eqi(c->argv[i].p, c->argv[i].len, s);
}

static bool requirepass_set(const struct server *srv)
{
    return srv->cfg.requirepass && srv->cfg.requirepass[0];
}

/* Constant-time comparison of a given password with the configured one, so
 * the time an attempt takes does not tell how many leading bytes matched. */
static bool password_ok(const struct server *srv, const struct slice *pass)
{
    const char *want = srv->cfg.requirepass;
    size_t wlen = strlen(want);
    unsigned diff = (unsigned)(wlen != pass->len);
    for (size_t i = 0; i < pass->len; i++)
        diff |= (unsigned)(unsigned char)pass->p[i] ^ (unsigned char)want[i < wlen ? i : 0];
    return diff == 0 && wlen > 0;
}

/* The default user accepts `pass` (any password when it has none). Only
 * "default" exists, so any other user name fails. */
static bool authenticate(struct client *c, const struct slice *user, const struct slice *pass)
{
    if (user->len != 7 || memcmp(user->p, "default", 7) != 0) return false;
    if (requirepass_set(c->srv) && !password_ok(c->srv, pass)) return false;
    c->flags |= CLIENT_AUTHENTICATED;
    return true;
}

static void reply_wrongpass(struct client *c)
{
    reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
}

/* Validate and set (or, when empty, clear) the connection name; replies an
 * error and returns false when the name holds spaces or control bytes. */
static bool set_name_or_reply(struct client *c, const struct slice *name)
{
    for (size_t i = 0; i < name->len; i++) {
        unsigned char ch = (unsigned char)name->p[i];
        if (ch < '!' || ch > '~') {
            reply_error(c,
                        "ERR Client names cannot contain spaces, newlines or special characters.");
            return false;
        }
    }
    mem_free(c->name);
    c->name = name->len ? mem_memdup(name->p, name->len) : NULL;
    return true;
}

/* Client classes as CLIENT LIST TYPE / CLIENT KILL TYPE name them. */
enum client_type { CT_NORMAL = 0, CT_REPLICA = 1, CT_PUBSUB = 2, CT_MASTER = 3 };

static int client_type_by_name(const struct slice *s)
{
    if (util_eqi(s->p, s->len, "normal")) return CT_NORMAL;
    if (util_eqi(s->p, s->len, "slave") || util_eqi(s->p, s->len, "replica")) return CT_REPLICA;
    if (util_eqi(s->p, s->len, "pubsub")) return CT_PUBSUB;
    if (util_eqi(s->p, s->len, "master")) return CT_MASTER;
    return -1;
}

static int client_type_of(const struct client *c)
{
    if (c->flags & CLIENT_MASTER) return CT_MASTER;
    if (c->flags & CLIENT_REPLICA) return CT_REPLICA;
    return (c->flags & CLIENT_PUBSUB) ? CT_PUBSUB : CT_NORMAL;
}

static struct client *client_by_id(struct server *srv, uint64_t id)
{
    struct htab_node *n = htab_find(&srv->clients_by_id, util_hash_u64(id), &id, sizeof(id));
    return n ? htab_entry(n, struct client, id_node) : NULL;
}

/* Append c's CLIENT LIST line and a newline. */
static void cat_client_line(struct sbuf *b, struct client *c)
{
    size_t room = 1024 + (c->name ? strlen(c->name) : 0);
    sbuf_reserve(b, room + 1);
    b->len += client_info_line(c, b->p + b->len, room);
    sbuf_cat(b, "\n", 1);
}

static void monitor_unlink(struct client *c)
{
    if (!(c->flags & CLIENT_MONITOR)) return;
    struct client **pp = &c->srv->monitors;
    while (*pp && *pp != c)
        pp = &(*pp)->mon_next;
    if (*pp) *pp = c->mon_next;
    c->mon_next = NULL;
    c->flags &= ~CLIENT_MONITOR;
}

/* Redis's reply for a subcommand called with an argument count its own
 * parser rejects (the table arity let it through). */
static void reply_subcommand_syntax(struct client *c, const char *parent)
{
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].p, parent);
}

/* ---- PING ECHO QUIT SELECT ------------------------------------------- */

static void ping_cmd(struct client *c)
{
    if (c->argc > 2) {
        reply_err_arity(c, "ping");
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 1)
            reply_bulk(c, "", 0);
        else
            reply_bulk(c, c->argv[1].p, c->argv[1].len);
        return;
    }
    if (c->argc == 1)
        reply_raw(c, "+PONG\r\n", 7);
    else
        reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

static void echo_cmd(struct client *c)
{
    reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

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

/* ---- AUTH HELLO RESET ------------------------------------------------- */

static void auth_cmd(struct client *c)
{
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    static const struct slice default_user = {"default", 7};
    if (c->argc == 2) {
        if (!requirepass_set(c->srv)) {
            reply_error(c, "ERR AUTH <password> called without any password configured for the "
                           "default user. Are you sure your configuration is correct?");
            return;
        }
        if (authenticate(c, &default_user, &c->argv[1]))
            reply_ok(c);
        else
            reply_wrongpass(c);
        return;
    }
    if (authenticate(c, &c->argv[1], &c->argv[2]))
        reply_ok(c);
    else
        reply_wrongpass(c);
}

static void hello_cmd(struct client *c)
{
    long long ver = 0;
    int j = 1;
    if (c->argc >= 2) {
        if (!util_str2ll(c->argv[1].p, c->argv[1].len, &ver)) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
        j = 2;
    }
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(c, j, "auth") && more >= 2) {
            if (!authenticate(c, &c->argv[j + 1], &c->argv[j + 2])) {
                reply_wrongpass(c);
                return;
            }
            j += 2;
        } else if (arg_is(c, j, "setname") && more >= 1) {
            if (!set_name_or_reply(c, &c->argv[j + 1])) return;
            j++;
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'",
                         (int)(c->argv[j].len < 128 ? c->argv[j].len : 128), c->argv[j].p);
            return;
        }
    }
    if (requirepass_set(c->srv) && !(c->flags & CLIENT_AUTHENTICATED)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to authenticate "
                       "the client and select the RESP protocol version at the same time");
        return;
    }
    if (ver) c->resp = (int)ver;
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, REDIS_COMPAT_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_ll(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_ll(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, c->srv->replica ? "replica" : "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

/* RESET: back to the state of a new connection (RESP2, db 0, no name,
 * replies on, not a monitor, logged out when a password is required).
 * Subscriptions and transactions are dropped by their own modules. */
static void reset_cmd(struct client *c)
{
    struct server *srv = c->srv;
    monitor_unlink(c);
    multi_discard(c);
    pubsub_client_free(c);
    tracking_disable(c);
    c->db = ks_db(&srv->ks, 0);
    c->resp = 2;
    mem_free(c->name);
    c->name = NULL;
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT | CLIENT_REPLY_SKIP | CLIENT_NO_EVICT |
                  CLIENT_NO_TOUCH);
    if (requirepass_set(srv) && c->conn.fd >= 0)
        c->flags &= ~CLIENT_AUTHENTICATED;
    else
        c->flags |= CLIENT_AUTHENTICATED;
    reply_simple(c, "RESET");
}

/* ---- CLIENT ------------------------------------------------------------ */

static void client_id_cmd(struct client *c)
{
    reply_ll(c, (long long)c->id);
}

static void client_setname_cmd(struct client *c)
{
    if (set_name_or_reply(c, &c->argv[2])) reply_ok(c);
}

static void client_getname_cmd(struct client *c)
{
    reply_bulk_cstr(c, c->name);
}

static void client_info_cmd(struct client *c)
{
    struct sbuf b = {0};
    cat_client_line(&b, c);
    reply_verbatim(c, b.p, b.len, "txt");
    sbuf_free(&b);
}

/* CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]] */
static void client_list_cmd(struct client *c)
{
    struct server *srv = c->srv;
    struct sbuf b = {0};
    if (c->argc == 2) {
        for (struct client *o = srv->clients_head; o; o = o->next)
            cat_client_line(&b, o);
    } else if (c->argc == 4 && arg_is(c, 2, "type")) {
        int type = client_type_by_name(&c->argv[3]);
        if (type < 0) {
            reply_errorf(c, "ERR Unknown client type '%.*s'",
                         (int)(c->argv[3].len < 128 ? c->argv[3].len : 128), c->argv[3].p);
            return;
        }
        for (struct client *o = srv->clients_head; o; o = o->next)
            if (client_type_of(o) == type) cat_client_line(&b, o);
    } else if (c->argc > 3 && arg_is(c, 2, "id")) {
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!util_str2ll(c->argv[j].p, c->argv[j].len, &id)) {
                sbuf_free(&b);
                reply_error(c, "ERR Invalid client ID");
                return;
            }
            struct client *o = id > 0 ? client_by_id(srv, (uint64_t)id) : NULL;
            if (o) cat_client_line(&b, o);
        }
    } else {
        reply_err_syntax(c);
        return;
    }
    reply_verbatim(c, b.p ? b.p : "", b.len, "txt");
    sbuf_free(&b);
}

/* CLIENT KILL addr:port (old form: OK or an error)
 * CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes|no]
 * (new form: the number of clients killed). The caller itself is closed
 * only after its reply is written. */
static void client_kill_cmd(struct client *c)
{
    struct server *srv = c->srv;
    const struct slice *addr = NULL, *laddr = NULL;
    long long id = 0;
    int type = -1;
    bool skipme = true;
    if (c->argc == 3) {
        addr = &c->argv[2];
        skipme = false; /* the old form may kill the caller */
    } else {
        for (int i = 2; i < c->argc; i += 2) {
            bool more = i + 1 < c->argc;
            const struct slice *v = more ? &c->argv[i + 1] : NULL;
            if (arg_is(c, i, "id") && more) {
                if (!util_str2ll(v->p, v->len, &id) || id < 1) {
                    reply_error(c, "ERR client-id should be greater than 0");
                    return;
                }
            } else if (arg_is(c, i, "type") && more) {
                type = client_type_by_name(v);
                if (type < 0) {
                    reply_errorf(c, "ERR Unknown client type '%.*s'",
                                 (int)(v->len < 128 ? v->len : 128), v->p);
                    return;
                }
            } else if (arg_is(c, i, "addr") && more) {
                addr = v;
            } else if (arg_is(c, i, "laddr") && more) {
                laddr = v;
            } else if (arg_is(c, i, "user") && more) {
                if (v->len != 7 || memcmp(v->p, "default", 7) != 0) {
                    reply_errorf(c, "ERR No such user '%.*s'", (int)(v->len < 128 ? v->len : 128),
                                 v->p);
                    return;
                }
            } else if (arg_is(c, i, "skipme") && more) {
                if (util_eqi(v->p, v->len, "yes"))
                    skipme = true;
                else if (util_eqi(v->p, v->len, "no"))
                    skipme = false;
                else {
                    reply_err_syntax(c);
                    return;
                }
            } else {
                reply_err_syntax(c);
                return;
            }
        }
    }
    long long killed = 0;
    bool kill_self = false;
    struct client *o = srv->clients_head;
    while (o) {
        struct client *next = o->next;
        bool match = true;
        if (addr && (strlen(o->addr) != addr->len || memcmp(o->addr, addr->p, addr->len)))
            match = false;
        if (laddr && (strlen(o->laddr) != laddr->len || memcmp(o->laddr, laddr->p, laddr->len)))
            match = false;
        if (id && o->id != (uint64_t)id) match = false;
        if (type >= 0 && client_type_of(o) != type) match = false;
        if (o == c && skipme) match = false;
        if (match) {
            killed++;
            if (o == c)
                kill_self = true;
            else
                client_free(o); /* unlinks o; `next` stays valid */
        }
        o = next;
    }
    if (c->argc == 3) {
        if (killed == 0) {
            reply_error(c, "ERR No such client");
            return;
        }
        reply_ok(c);
    } else {
        reply_ll(c, killed);
    }
    if (kill_self) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if that client was blocked on keys
 * and now is not, else 0. */
static void client_unblock_cmd(struct client *c)
{
    enum blocking_end how = BLOCKING_END_TIMEOUT;
    if (c->argc > 4) {
        reply_subcommand_syntax(c, "CLIENT");
        return;
    }
    if (c->argc == 4) {
        if (arg_is(c, 3, "timeout")) {
            how = BLOCKING_END_TIMEOUT;
        } else if (arg_is(c, 3, "error")) {
            how = BLOCKING_END_ERROR;
        } else {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &id)) {
        reply_err_notint(c);
        return;
    }
    struct client *target = client_by_id(c->srv, (uint64_t)id);
    reply_ll(c, target && blocking_unblock(target, how) ? 1 : 0);
}

/* CLIENT PAUSE ms [WRITE|ALL]: commands (all, or only those that may write)
 * of every client wait until the pause ends; a later pause may extend it but
 * never shorten it. */
static void client_pause_cmd(struct client *c)
{
    struct server *srv = c->srv;
    if (c->argc > 4) {
        reply_subcommand_syntax(c, "CLIENT");
        return;
    }
    bool write_only = false;
    if (c->argc == 4) {
        if (arg_is(c, 3, "write"))
            write_only = true;
        else if (!arg_is(c, 3, "all")) {
            reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &ms)) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    long long now = server_now_ms(srv);
    if (ms > LLONG_MAX - now) {
        reply_error(c, "ERR timeout is out of range");
        return;
    }
    long long end = ms > 0 ? now + ms : 0;
    srv->pause_write_only = write_only;
    if (end > srv->pause_until_ms) srv->pause_until_ms = end;
    reply_ok(c);
}

/* CLIENT UNPAUSE: end the pause now; the waiting clients run before the
 * server next sleeps (clients_unpause, from before_sleep). */
static void client_unpause_cmd(struct client *c)
{
    if (c->srv->pause_until_ms) c->srv->pause_until_ms = 1; /* in the past: due */
    reply_ok(c);
}

/* CLIENT REPLY ON|OFF|SKIP. OFF and SKIP have no reply of their own; ON
 * also undoes a SKIP given just before (which would mute this very reply). */
static void client_reply_cmd(struct client *c)
{
    if (arg_is(c, 2, "on")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT | CLIENT_REPLY_SKIP);
        reply_ok(c);
    } else if (arg_is(c, 2, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(c, 2, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_err_syntax(c);
    }
}

static void client_no_evict_cmd(struct client *c)
{
    if (arg_is(c, 2, "on"))
        c->flags |= CLIENT_NO_EVICT;
    else if (arg_is(c, 2, "off"))
        c->flags &= ~CLIENT_NO_EVICT;
    else {
        reply_err_syntax(c);
        return;
    }
    reply_ok(c);
}

static void client_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETNAME",
        "    Return the name of the current connection.",
        "GETREDIR",
        "    Return the client ID that tracking notifications are redirected to (-1: none).",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current connection.",
        "KILL <ip:port>",
        "    Kill the connection with the given address.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections matching every given filter. Filters:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      The remote address of the connection.",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      The local (server side) address of the connection.",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      The class of the connection.",
        "    * USER <username>",
        "      The user the connection is authenticated as.",
        "    * ID <client-id>",
        "      The ID of the connection.",
        "    * SKIPME (YES|NO)",
        "      Whether the calling connection is spared (default: YES).",
        "LIST [options ...]",
        "    Return information about connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Only connections of this class.",
        "    * ID <client-id> [<client-id> ...]",
        "      Only connections with these IDs.",
        "NO-EVICT (ON|OFF)",
        "    Protect the current connection from client eviction, or stop protecting it.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold back commands of all clients for <timeout> milliseconds: every",
        "    command (ALL, the default) or only those that may change data (WRITE).",
        "REPLY (ON|OFF|SKIP)",
        "    Turn replies on or off, or skip the reply of the next command.",
        "SETNAME <name>",
        "    Name the current connection.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report the client-side caching state of the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    End the wait of a client blocked in a blocking command: it gets the reply of a",
        "    timeout (TIMEOUT, the default) or an UNBLOCKED error (ERROR).",
        "UNPAUSE",
        "    End a pause started by CLIENT PAUSE.",
        NULL};
    reply_help(c, "CLIENT", lines);
}

static void client_cmd(struct client *c)
{
    reply_subcommand_syntax(c, "CLIENT");
}

#define CLIENT_SUB(name, proc, arity, flags, acl, summary, since)                                  \
    {                                                                                              \
        name, proc, arity, (flags) | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, acl,         \
            summary, since, "connection"                                                           \
    }

static struct command client_subcommands[] = {
    CLIENT_SUB("caching", client_caching_cmd, 3, 0, "@slow @connection",
               "Instructs the server whether to track the keys in the next request", "6.0.0"),
    CLIENT_SUB("getname", client_getname_cmd, 2, 0, "@slow @connection",
               "Returns the name of the connection", "2.6.9"),
    CLIENT_SUB("getredir", client_getredir_cmd, 2, 0, "@slow @connection",
               "Returns the client ID to which the connection's tracking notifications are "
               "redirected",
               "6.0.0"),
    {"help", client_help_cmd, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "@slow @connection",
     "Returns helpful text about the different subcommands", "5.0.0", "connection"},
    CLIENT_SUB("id", client_id_cmd, 2, 0, "@slow @connection",
               "Returns the unique client ID of the connection", "5.0.0"),
    CLIENT_SUB("info", client_info_cmd, 2, 0, "@slow @connection",
               "Returns information about the connection", "6.2.0"),
    CLIENT_SUB("kill", client_kill_cmd, -3, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Terminates open connections", "2.4.0"),
    CLIENT_SUB("list", client_list_cmd, -2, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Lists open connections", "2.4.0"),
    CLIENT_SUB("no-evict", client_no_evict_cmd, 3, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Sets the client eviction mode of the connection", "7.0.0"),
    CLIENT_SUB("pause", client_pause_cmd, -3, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Suspends commands processing", "3.0.0"),
    CLIENT_SUB("reply", client_reply_cmd, 3, 0, "@slow @connection",
               "Instructs the server whether to reply to commands", "3.2.0"),
    CLIENT_SUB("setname", client_setname_cmd, 3, 0, "@slow @connection", "Sets the connection name",
               "2.6.9"),
    CLIENT_SUB("trackinginfo", client_trackinginfo_cmd, 2, 0, "@slow @connection",
               "Returns information about server-assisted client-side caching for the connection",
               "6.2.0"),
    CLIENT_SUB("tracking", client_tracking_cmd, -3, 0, "@slow @connection",
               "Enables or disables server assisted client side caching support", "6.0.0"),
    CLIENT_SUB("unblock", client_unblock_cmd, -3, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Unblocks a client blocked by a blocking command from a different connection",
               "5.0.0"),
    CLIENT_SUB("unpause", client_unpause_cmd, 2, CMD_ADMIN, "@admin @slow @dangerous @connection",
               "Resumes processing commands from paused clients", "6.2.0"),
    {NULL}};

struct command conn_commands[] = {
    {"ping", ping_cmd, -1, CMD_FAST | CMD_SENTINEL, 0, 0, 0, "@fast @connection",
     "Returns the server's liveliness response", "1.0.0", "connection"},
    {"echo", echo_cmd, 2, CMD_FAST, 0, 0, 0, "@fast @connection", "Returns the given string",
     "1.0.0", "connection"},
    {"quit", quit_cmd, -1,
     CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_NO_AUTH | CMD_FAST | CMD_LOADING | CMD_STALE, 0, 0,
     0, "@fast @connection", "Closes the connection", "1.0.0", "connection"},
    {"select", select_cmd, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "@fast @connection",
     "Changes the selected database", "1.0.0", "connection"},
    {"auth", auth_cmd, -2,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
         CMD_ALLOW_BUSY,
     0, 0, 0, "@fast @connection", "Authenticates the connection", "1.0.0", "connection"},
    {"hello", hello_cmd, -1,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
         CMD_ALLOW_BUSY,
     0, 0, 0, "@fast @connection", "Handshakes with the Redis server", "6.0.0", "connection"},
    {"reset", reset_cmd, 1,
     CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0,
     "@fast @connection", "Resets the connection", "6.2.0", "connection"},
    {"client", client_cmd, -2, CMD_SENTINEL, 0, 0, 0, "@slow",
     "A container for client connection commands", "2.4.0", "connection", client_subcommands},
    {NULL}};
