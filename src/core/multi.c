/* multi: MULTI, EXEC, DISCARD; see multi.h. */
#include "core/multi.h"

#include "base/mem.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"

#include <string.h>

struct queued {
    struct command *cmd;
    int argc;
    struct slice *argv; /* points into the same allocation */
};

struct multi_state {
    struct queued *q;
    int n, cap;
};

bool multi_runs_now(const struct command *cmd)
{
    const char *n = cmd->parent ? cmd->parent->name : cmd->name;
    return !strcmp(n, "exec") || !strcmp(n, "discard") || !strcmp(n, "multi") ||
           !strcmp(n, "quit") || !strcmp(n, "reset") || !strcmp(n, "watch");
}

void multi_queue(struct client *c, struct command *cmd)
{
    struct multi_state *m = c->mstate;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->q = mem_realloc(m->q, sizeof(*m->q) * (size_t)m->cap);
    }
    size_t bytes = sizeof(struct slice) * (size_t)c->argc;
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].len;
    struct slice *argv = mem_alloc(bytes ? bytes : 1);
    char *data = (char *)(argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(data, c->argv[i].p, c->argv[i].len);
        argv[i].p = data;
        argv[i].len = c->argv[i].len;
        data += c->argv[i].len;
    }
    m->q[m->n++] = (struct queued){cmd, c->argc, argv};
    reply_raw(c, "+QUEUED\r\n", 9);
}

void multi_discard(struct client *c)
{
    struct multi_state *m = c->mstate;
    if (m) {
        for (int i = 0; i < m->n; i++) mem_free(m->q[i].argv);
        mem_free(m->q);
        mem_free(m);
        c->mstate = NULL;
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_MULTI_DIRTY);
}

static void multi_cmd(struct client *c)
{
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    c->mstate = mem_calloc(sizeof(*c->mstate));
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

static void discard_cmd(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    reply_ok(c);
}

static void exec_cmd(struct client *c)
{
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_MULTI_DIRTY) {
        multi_discard(c);
        reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    struct multi_state *m = c->mstate;
    c->mstate = NULL;
    c->flags &= ~CLIENT_MULTI;
    /* EXEC's own argv is the request in the query buffer: keep it aside */
    int argc = c->argc;
    struct slice *argv = c->argv;
    struct command *self = c->cmd;
    reply_array(c, m->n);
    uint32_t deny = c->flags & CLIENT_DENY_BLOCKING;
    c->flags |= CLIENT_DENY_BLOCKING; /* a blocking command answers as on timeout */
    for (int i = 0; i < m->n; i++) {
        c->argc = m->q[i].argc;
        c->argv = m->q[i].argv;
        cmd_call(c, m->q[i].cmd);
    }
    if (!deny) c->flags &= ~CLIENT_DENY_BLOCKING;
    c->argc = argc;
    c->argv = argv;
    c->cmd = self;
    for (int i = 0; i < m->n; i++) mem_free(m->q[i].argv);
    mem_free(m->q);
    mem_free(m);
}

struct command multi_commands[] = {
    {"multi", multi_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0,
     0, 0, "@fast @transaction", "Starts a transaction", "1.2.0", "transactions"},
    {"exec", exec_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, 0, 0, 0,
     "@slow @transaction", "Executes all commands in a transaction", "1.2.0", "transactions"},
    {"discard", discard_cmd, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     0, 0, 0, "@fast @transaction", "Discards a transaction", "2.0.0", "transactions"},
    {NULL}};
