/* pubsub: see pubsub.h.
 *
 * Invariants.
 *  1. A channel (or pattern) is in its server table exactly while it has a
 *     subscriber; `nsubs` is the length of its list.
 *  2. Every sub is in its client's table of the same kind and in its
 *     channel's list, in subscription order (delivery order).
 *  3. CLIENT_PUBSUB is set exactly while the client has a subscription of
 *     any kind. */
#include "core/pubsub.h"
#include "core/propagate.h"

#include "base/htab.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/reply.h"
#include "core/server.h"
#include "proto/resp.h"

#include <string.h>

#define ARG(i) c->argv[i].p, c->argv[i].len

enum ps_kind { PS_CHANNEL, PS_PATTERN, PS_SHARD, PS_KINDS };

struct chan {
    struct htab_node node; /* in the server's table of its kind */
    struct sub *head, *tail;
    size_t nsubs;
    uint32_t len;
    char name[];
};

struct sub {
    struct htab_node cnode; /* in the client's table, keyed by channel name */
    struct sub *prev, *next;
    struct client *c;
    struct chan *ch;
};

struct pubsub {
    struct htab t[PS_KINDS];
};

struct pubsub_client {
    struct htab t[PS_KINDS];
};

static uint64_t chan_hash(const struct htab_node *n)
{
    const struct chan *ch = (const struct chan *)n;
    return util_hash(ch->name, ch->len);
}

static bool chan_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct chan *ch = (const struct chan *)n;
    return ch->len == klen && memcmp(ch->name, key, klen) == 0;
}

static uint64_t sub_hash(const struct htab_node *n)
{
    const struct sub *s = (const struct sub *)n;
    return util_hash(s->ch->name, s->ch->len);
}

static bool sub_eq(const struct htab_node *n, const void *key, size_t klen)
{
    const struct sub *s = (const struct sub *)n;
    return s->ch->len == klen && memcmp(s->ch->name, key, klen) == 0;
}

static const struct htab_type chan_type = {chan_hash, chan_eq};
static const struct htab_type sub_type = {sub_hash, sub_eq};

static const char *const kind_sub[] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *const kind_unsub[] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

void pubsub_init(struct server *srv)
{
    srv->pubsub = mem_alloc(sizeof(*srv->pubsub));
    for (int k = 0; k < PS_KINDS; k++) htab_init(&srv->pubsub->t[k], &chan_type);
}

void pubsub_deinit(struct server *srv)
{
    /* clients are freed first, and each leaves its channels */
    for (int k = 0; k < PS_KINDS; k++) htab_deinit(&srv->pubsub->t[k], NULL, NULL);
    mem_free(srv->pubsub);
    srv->pubsub = NULL;
}

void pubsub_client_counts(const struct client *c, size_t *sub, size_t *psub, size_t *ssub)
{
    const struct pubsub_client *ps = c->ps;
    *sub = ps ? htab_size(&ps->t[PS_CHANNEL]) : 0;
    *psub = ps ? htab_size(&ps->t[PS_PATTERN]) : 0;
    *ssub = ps ? htab_size(&ps->t[PS_SHARD]) : 0;
}

void pubsub_counts(const struct server *srv, size_t *channels, size_t *patterns, size_t *shard)
{
    *channels = htab_size(&srv->pubsub->t[PS_CHANNEL]);
    *patterns = htab_size(&srv->pubsub->t[PS_PATTERN]);
    *shard = htab_size(&srv->pubsub->t[PS_SHARD]);
}

static size_t client_subs(const struct client *c, enum ps_kind k)
{
    return c->ps ? htab_size(&c->ps->t[k]) : 0;
}

/* The count Redis reports in (un)subscribe replies: shard subscriptions
 * are counted apart from the others. */
static long long reply_count(const struct client *c, enum ps_kind k)
{
    if (k == PS_SHARD) return (long long)client_subs(c, PS_SHARD);
    return (long long)(client_subs(c, PS_CHANNEL) + client_subs(c, PS_PATTERN));
}

static void update_flag(struct client *c)
{
    if (client_subs(c, PS_CHANNEL) + client_subs(c, PS_PATTERN) + client_subs(c, PS_SHARD))
        c->flags |= CLIENT_PUBSUB;
    else
        c->flags &= ~CLIENT_PUBSUB;
}

/* Confirmations and messages are pushes: CLIENT REPLY OFF/SKIP do not
 * silence them (as in Redis 7.0.15). */
static void reply_confirm(struct client *c, const char *what, const char *name, size_t len,
                          long long count)
{
    uint32_t was = c->flags & CLIENT_PUSHING;
    c->flags |= CLIENT_PUSHING;
    if (c->resp >= 3) reply_push(c, 3);
    else reply_array(c, 3);
    reply_bulk_cstr(c, what);
    if (name) reply_bulk(c, name, len);
    else reply_null(c);
    reply_ll(c, count);
    c->flags = (c->flags & ~CLIENT_PUSHING) | was;
}

static void subscribe(struct client *c, enum ps_kind k, const char *name, size_t len)
{
    struct server *srv = c->srv;
    if (!c->ps) {
        c->ps = mem_alloc(sizeof(*c->ps));
        for (int i = 0; i < PS_KINDS; i++) htab_init(&c->ps->t[i], &sub_type);
    }
    uint64_t hv = util_hash(name, len);
    if (!htab_find(&c->ps->t[k], hv, name, len)) {
        struct htab *st = &srv->pubsub->t[k];
        struct chan *ch = (struct chan *)htab_find(st, hv, name, len);
        if (!ch) {
            ch = mem_alloc(sizeof(*ch) + len);
            ch->node.next = NULL;
            ch->head = ch->tail = NULL;
            ch->nsubs = 0;
            ch->len = (uint32_t)len;
            memcpy(ch->name, name, len);
            htab_add(st, hv, &ch->node);
        }
        struct sub *s = mem_alloc(sizeof(*s));
        s->c = c;
        s->ch = ch;
        s->next = NULL;
        s->prev = ch->tail;
        if (ch->tail) ch->tail->next = s;
        else ch->head = s;
        ch->tail = s;
        ch->nsubs++;
        htab_add(&c->ps->t[k], hv, &s->cnode);
        update_flag(c);
    }
    reply_confirm(c, kind_sub[k], name, len, reply_count(c, k));
}

/* Removes c's subscription to name (if any); true if there was one. */
static bool unsubscribe_one(struct client *c, enum ps_kind k, const char *name, size_t len)
{
    if (!c->ps) return false;
    uint64_t hv = util_hash(name, len);
    struct sub *s = (struct sub *)htab_remove(&c->ps->t[k], hv, name, len);
    if (!s) return false;
    struct chan *ch = s->ch;
    if (s->prev) s->prev->next = s->next;
    else ch->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else ch->tail = s->prev;
    if (--ch->nsubs == 0) {
        htab_unlink(&c->srv->pubsub->t[k], hv, &ch->node);
        mem_free(ch);
    }
    mem_free(s);
    update_flag(c);
    return true;
}

struct names {
    struct slice *v;
    size_t n, cap;
};

static void collect_name(struct htab_node *n, void *priv)
{
    struct names *ns = priv;
    const struct sub *s = (const struct sub *)n;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 8;
        ns->v = mem_realloc(ns->v, sizeof(*ns->v) * ns->cap);
    }
    ns->v[ns->n++] = (struct slice){s->ch->name, s->ch->len};
}

/* Unsubscribes from every subscription of kind k, replying for each when
 * notify (and once with a null name when there was none). */
static void unsubscribe_all(struct client *c, enum ps_kind k, bool notify)
{
    struct names ns = {NULL, 0, 0};
    if (c->ps) htab_foreach(&c->ps->t[k], collect_name, &ns);
    if (!ns.n && notify) reply_confirm(c, kind_unsub[k], NULL, 0, reply_count(c, k));
    for (size_t i = 0; i < ns.n; i++) {
        /* the name lives in the channel, which may go: copy it first */
        char stack[256];
        size_t len = ns.v[i].len;
        char *name = len <= sizeof(stack) ? stack : mem_alloc(len);
        memcpy(name, ns.v[i].p, len);
        unsubscribe_one(c, k, name, len);
        if (notify) reply_confirm(c, kind_unsub[k], name, len, reply_count(c, k));
        if (name != stack) mem_free(name);
    }
    mem_free(ns.v);
}

void pubsub_client_free(struct client *c)
{
    if (!c->ps) return;
    for (int k = 0; k < PS_KINDS; k++) {
        unsubscribe_all(c, (enum ps_kind)k, false);
        htab_deinit(&c->ps->t[k], NULL, NULL);
    }
    mem_free(c->ps);
    c->ps = NULL;
    c->flags &= ~CLIENT_PUBSUB;
}

/* ---- delivery ------------------------------------------------------------- */

/* A message formatted once: "*N\r\n" then bulks; RESP3 clients get the
 * same bytes with '>' as the first byte. */
struct msgbuf {
    char stack[512];
    char *p;
    size_t len, cap;
};

static void mb_put(struct msgbuf *m, const char *p, size_t len)
{
    if (m->len + len > m->cap) {
        size_t cap = (m->len + len) * 2;
        char *np = mem_alloc(cap);
        memcpy(np, m->p, m->len);
        if (m->p != m->stack) mem_free(m->p);
        m->p = np;
        m->cap = cap;
    }
    memcpy(m->p + m->len, p, len);
    m->len += len;
}

static void mb_bulk(struct msgbuf *m, const char *p, size_t len)
{
    char hdr[RESP_HDR_MAX];
    mb_put(m, hdr, resp_fmt_len(hdr, '$', (long long)len));
    mb_put(m, p, len);
    mb_put(m, "\r\n", 2);
}

static void mb_init(struct msgbuf *m, int items)
{
    m->p = m->stack;
    m->cap = sizeof(m->stack);
    m->len = 0;
    char hdr[RESP_HDR_MAX];
    mb_put(m, hdr, resp_fmt_len(hdr, '*', items));
}

static void mb_free(struct msgbuf *m)
{
    if (m->p != m->stack) mem_free(m->p);
}

static void deliver(struct chan *ch, struct msgbuf *m)
{
    for (struct sub *s = ch->head; s; s = s->next) {
        struct client *c = s->c;
        uint32_t was = c->flags & CLIENT_PUSHING;
        c->flags |= CLIENT_PUSHING;
        if (c->resp >= 3) {
            reply_raw(c, ">", 1);
            reply_raw(c, m->p + 1, m->len - 1);
        } else {
            reply_raw(c, m->p, m->len);
        }
        c->flags = (c->flags & ~CLIENT_PUSHING) | was;
    }
}

struct pmatch {
    const char *ch, *msg;
    size_t chlen, msglen;
    long long receivers;
};

static void pattern_visit(struct htab_node *n, void *priv)
{
    struct pmatch *pm = priv;
    struct chan *pat = (struct chan *)n;
    if (!util_glob_match(pat->name, pat->len, pm->ch, pm->chlen, false)) return;
    struct msgbuf m;
    mb_init(&m, 4);
    mb_bulk(&m, "pmessage", 8);
    mb_bulk(&m, pat->name, pat->len);
    mb_bulk(&m, pm->ch, pm->chlen);
    mb_bulk(&m, pm->msg, pm->msglen);
    deliver(pat, &m);
    mb_free(&m);
    pm->receivers += (long long)pat->nsubs;
}

static long long publish_kind(struct server *srv, enum ps_kind k, const char *ch, size_t chlen,
                              const char *msg, size_t msglen)
{
    long long receivers = 0;
    struct chan *c = (struct chan *)htab_find(&srv->pubsub->t[k], util_hash(ch, chlen), ch, chlen);
    if (c) {
        struct msgbuf m;
        mb_init(&m, 3);
        if (k == PS_SHARD) mb_bulk(&m, "smessage", 8);
        else mb_bulk(&m, "message", 7);
        mb_bulk(&m, ch, chlen);
        mb_bulk(&m, msg, msglen);
        deliver(c, &m);
        mb_free(&m);
        receivers += (long long)c->nsubs;
    }
    if (k == PS_CHANNEL && htab_size(&srv->pubsub->t[PS_PATTERN])) {
        struct pmatch pm = {ch, msg, chlen, msglen, 0};
        htab_foreach(&srv->pubsub->t[PS_PATTERN], pattern_visit, &pm);
        receivers += pm.receivers;
    }
    return receivers;
}

long long pubsub_publish(struct server *srv, const char *ch, size_t chlen, const char *msg,
                         size_t msglen)
{
    return publish_kind(srv, PS_CHANNEL, ch, chlen, msg, msglen);
}

/* ---- commands ------------------------------------------------------------- */

static void subscribe_generic(struct client *c, enum ps_kind k)
{
    for (int i = 1; i < c->argc; i++) subscribe(c, k, ARG(i));
}

static void unsubscribe_generic(struct client *c, enum ps_kind k)
{
    if (c->argc == 1) {
        unsubscribe_all(c, k, true);
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        unsubscribe_one(c, k, ARG(i));
        reply_confirm(c, kind_unsub[k], ARG(i), reply_count(c, k));
    }
}

static void subscribe_cmd(struct client *c) { subscribe_generic(c, PS_CHANNEL); }
static void psubscribe_cmd(struct client *c) { subscribe_generic(c, PS_PATTERN); }
static void ssubscribe_cmd(struct client *c) { subscribe_generic(c, PS_SHARD); }
static void unsubscribe_cmd(struct client *c) { unsubscribe_generic(c, PS_CHANNEL); }
static void punsubscribe_cmd(struct client *c) { unsubscribe_generic(c, PS_PATTERN); }
static void sunsubscribe_cmd(struct client *c) { unsubscribe_generic(c, PS_SHARD); }

/* PUBLISH and SPUBLISH reach replicas (their subscribers get the
 * message too), never the AOF, as in Redis 7.0. */
static void publish_cmd(struct client *c)
{
    reply_ll(c, publish_kind(c->srv, PS_CHANNEL, ARG(1), ARG(2)));
    prop_replicas_only(c);
}

static void spublish_cmd(struct client *c)
{
    reply_ll(c, publish_kind(c->srv, PS_SHARD, ARG(1), ARG(2)));
    prop_replicas_only(c);
}

struct chlist {
    struct client *c;
    const struct slice *pat;
    long long n;
};

static void channel_visit(struct htab_node *n, void *priv)
{
    struct chlist *l = priv;
    const struct chan *ch = (const struct chan *)n;
    if (l->pat && !util_glob_match(l->pat->p, l->pat->len, ch->name, ch->len, false)) return;
    reply_bulk(l->c, ch->name, ch->len);
    l->n++;
}

static void channels_generic(struct client *c, enum ps_kind k)
{
    if (c->argc > 3) {
        reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                        "PUBSUB HELP.",
                     (int)c->argv[1].len, c->argv[1].p);
        return;
    }
    struct chlist l = {c, c->argc == 3 ? &c->argv[2] : NULL, 0};
    reply_defer_t d = reply_defer(c);
    htab_foreach(&c->srv->pubsub->t[k], channel_visit, &l);
    reply_defer_array(c, d, l.n);
}

static void numsub_generic(struct client *c, enum ps_kind k)
{
    struct htab *t = &c->srv->pubsub->t[k];
    reply_array(c, 2 * (long long)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        const struct chan *ch = (const struct chan *)htab_find(t, util_hash(ARG(i)), ARG(i));
        reply_bulk(c, ARG(i));
        reply_ll(c, ch ? (long long)ch->nsubs : 0);
    }
}

static void pubsub_channels_cmd(struct client *c) { channels_generic(c, PS_CHANNEL); }
static void pubsub_shardchannels_cmd(struct client *c) { channels_generic(c, PS_SHARD); }
static void pubsub_numsub_cmd(struct client *c) { numsub_generic(c, PS_CHANNEL); }
static void pubsub_shardnumsub_cmd(struct client *c) { numsub_generic(c, PS_SHARD); }

static void pubsub_numpat_cmd(struct client *c)
{
    reply_ll(c, (long long)htab_size(&c->srv->pubsub->t[PS_PATTERN]));
}

static void pubsub_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: "
        "'*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL};
    reply_help(c, "PUBSUB", lines);
}

static void pubsub_cmd(struct client *c)
{
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try PUBSUB "
                    "HELP.",
                 (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].p);
}

#define SUBCTX (CMD_PUBSUB | CMD_SUB_CONTEXT | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define PSUB(name, proc, arity, summary, since)                                                   \
    {                                                                                              \
        name, proc, arity, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "@pubsub @slow", summary, \
            since, "pubsub"                                                                        \
    }

static struct command pubsub_subcommands[] = {
    PSUB("channels", pubsub_channels_cmd, -2, "Returns the active channels.", "2.8.0"),
    PSUB("help", pubsub_help_cmd, 2, "Returns helpful text about the different subcommands.",
         "6.2.0"),
    PSUB("numpat", pubsub_numpat_cmd, 2, "Returns a count of unique pattern subscriptions.",
         "2.8.0"),
    PSUB("numsub", pubsub_numsub_cmd, -2, "Returns a count of subscribers to channels.", "2.8.0"),
    PSUB("shardchannels", pubsub_shardchannels_cmd, -2, "Returns the active shard channels.",
         "7.0.0"),
    PSUB("shardnumsub", pubsub_shardnumsub_cmd, -2,
         "Returns the count of subscribers of shard channels.", "7.0.0"),
    {NULL}};

struct command pubsub_commands[] = {
    {"subscribe", subscribe_cmd, -2, SUBCTX, 0, 0, 0, "@pubsub @slow",
     "Listens for messages published to channels.", "2.0.0", "pubsub"},
    {"unsubscribe", unsubscribe_cmd, -1, SUBCTX, 0, 0, 0, "@pubsub @slow",
     "Stops listening to messages posted to channels.", "2.0.0", "pubsub"},
    {"psubscribe", psubscribe_cmd, -2, SUBCTX, 0, 0, 0, "@pubsub @slow",
     "Listens for messages published to channels that match one or more patterns.", "2.0.0",
     "pubsub"},
    {"punsubscribe", punsubscribe_cmd, -1, SUBCTX, 0, 0, 0, "@pubsub @slow",
     "Stops listening to messages published to channels that match one or more patterns.",
     "2.0.0", "pubsub"},
    {"ssubscribe", ssubscribe_cmd, -2, SUBCTX, 1, -1, 1, "@pubsub @slow",
     "Listens for messages published to shard channels.", "7.0.0", "pubsub"},
    {"sunsubscribe", sunsubscribe_cmd, -1, SUBCTX, 1, -1, 1, "@pubsub @slow",
     "Stops listening to messages posted to shard channels.", "7.0.0", "pubsub"},
    {"publish", publish_cmd, 3, CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE,
     0, 0, 0, "@pubsub @fast", "Posts a message to a channel.", "2.0.0", "pubsub"},
    {"spublish", spublish_cmd, 3,
     CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE, 1, 1, 1,
     "@pubsub @fast", "Post a message to a shard channel", "7.0.0", "pubsub"},
    {"pubsub", pubsub_cmd, -2, 0, 0, 0, 0, "@slow", "A container for Pub/Sub commands.", "2.8.0",
     "pubsub", pubsub_subcommands},
    {NULL}};
