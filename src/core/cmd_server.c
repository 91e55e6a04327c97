/* cmd_server: server-wide commands: TIME, LASTSAVE, COMMAND, SLOWLOG,
 * LATENCY, MONITOR, DEBUG, SHUTDOWN (INFO lives in info.c). Also the stores
 * behind them: the slowlog ring, the latency event series and the MONITOR
 * feed, which cmd.c calls for every command it runs. */
#include "base/log.h"
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/info.h"
#include "core/reply.h"
#include "core/sbuf.h"
#include "core/server.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool arg_is(const struct client *c, int i, const char *s)
{
    return util_eqi(c->argv[i].p, c->argv[i].len, s);
}

static void reply_subcommand_syntax(struct client *c, const char *parent)
{
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(c->argv[1].len < 128 ? c->argv[1].len : 128), c->argv[1].p, parent);
}

/* ---- redaction ---------------------------------------------------------
 * Passwords never reach the slowlog or MONITOR: these are the arguments
 * Redis shows as "(redacted)". red[i] is set for each such i < n. */

static bool sensitive_config(const struct slice *s)
{
    static const char *const names[] = {
        "masterauth", "masteruser", "requirepass", "tls-key-file-pass", "tls-client-key-file-pass",
        NULL};
    for (int i = 0; names[i]; i++)
        if (util_eqi(s->p, s->len, names[i])) return true;
    return false;
}

/* Returns false (and leaves red untouched) when nothing is redacted. */
static bool redact_mask(const struct client *c, int argc, const struct slice *argv, bool *red,
                        int n)
{
    const struct slice *a0 = &argv[0];
    if (util_eqi(a0->p, a0->len, "auth")) {
        for (int i = 1; i < n; i++)
            red[i] = true;
        return true;
    }
    if (util_eqi(a0->p, a0->len, "hello")) {
        bool any = false;
        for (int j = 2; j < argc && j < n; j++) {
            int more = argc - 1 - j;
            if (util_eqi(argv[j].p, argv[j].len, "auth") && more >= 2) {
                if (j + 1 < n) red[j + 1] = true;
                if (j + 2 < n) red[j + 2] = true;
                any = true;
                j += 2;
            } else if (util_eqi(argv[j].p, argv[j].len, "setname") && more >= 1) {
                j++;
            } else {
                break;
            }
        }
        return any;
    }
    if (util_eqi(a0->p, a0->len, "migrate")) {
        bool any = false;
        for (int j = 6; j < argc && j < n; j++) {
            if (util_eqi(argv[j].p, argv[j].len, "keys")) break;
            if (util_eqi(argv[j].p, argv[j].len, "auth") && j + 1 < n) {
                red[j + 1] = true;
                any = true;
                j++;
            } else if (util_eqi(argv[j].p, argv[j].len, "auth2") && j + 2 < n) {
                red[j + 1] = red[j + 2] = true;
                any = true;
                j += 2;
            }
        }
        return any;
    }
    if (argc >= 2 && util_eqi(a0->p, a0->len, "acl") &&
        util_eqi(argv[1].p, argv[1].len, "setuser")) {
        for (int i = 2; i < n; i++)
            red[i] = true;
        return true;
    }
    if (argc >= 4 && util_eqi(a0->p, a0->len, "config") &&
        util_eqi(argv[1].p, argv[1].len, "set")) {
        bool any = false;
        for (int j = 2; j + 1 < argc && j + 1 < n; j += 2)
            if (sensitive_config(&argv[j])) {
                red[j + 1] = true;
                any = true;
            }
        return any;
    }
    return false;
}

/* ---- slowlog -------------------------------------------------------------
 * A ring of at most slowlog-max-len entries, oldest at slowlog_head. It
 * grows on demand (the limit may be huge) and is trimmed on the next push
 * after the limit is lowered, as Redis does. */

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_STRING 128

static void slowlog_entry_free(struct slowlog_entry *e)
{
    for (int i = 0; i < e->argc; i++)
        mem_free((void *)e->argv[i].p);
    mem_free(e->argv);
    mem_free(e->peer);
    mem_free(e->name);
    memset(e, 0, sizeof(*e));
}

static struct slowlog_entry *slowlog_at(struct server *srv, long long i)
{
    return &srv->slowlog[(srv->slowlog_head + i) % srv->slowlog_cap];
}

/* Re-lay the ring into newcap slots, keeping the newest entries. */
static void slowlog_resize(struct server *srv, long long newcap)
{
    struct slowlog_entry *n = newcap ? mem_calloc(sizeof(*n) * (size_t)newcap) : NULL;
    long long keep = srv->slowlog_len < newcap ? srv->slowlog_len : newcap;
    long long drop = srv->slowlog_len - keep;
    for (long long i = 0; i < srv->slowlog_len; i++) {
        struct slowlog_entry *e = slowlog_at(srv, i);
        if (i < drop)
            slowlog_entry_free(e);
        else
            n[i - drop] = *e;
    }
    mem_free(srv->slowlog);
    srv->slowlog = n;
    srv->slowlog_cap = newcap;
    srv->slowlog_len = keep;
    srv->slowlog_head = 0;
}

void slowlog_reset(struct server *srv)
{
    for (long long i = 0; i < srv->slowlog_len; i++)
        slowlog_entry_free(slowlog_at(srv, i));
    srv->slowlog_len = 0;
    srv->slowlog_head = 0;
}

void slowlog_free_all(struct server *srv)
{
    slowlog_reset(srv);
    mem_free(srv->slowlog);
    srv->slowlog = NULL;
    srv->slowlog_cap = 0;
}

static char *dup_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_fmt(const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    return mem_strdup(tmp);
}

/* Record the command c just ran (c->argv) as a slow one. */
void slowlog_push(struct server *srv, struct client *c, long long duration_us)
{
    long long max = srv->cfg.slowlog_max_len;
    if (max <= 0) {
        slowlog_free_all(srv);
        return;
    }
    if (srv->slowlog_cap > max) slowlog_resize(srv, max);
    if (srv->slowlog_len == srv->slowlog_cap) {
        if (srv->slowlog_cap < max) {
            long long ncap = srv->slowlog_cap ? srv->slowlog_cap * 2 : 16;
            slowlog_resize(srv, ncap < max ? ncap : max);
        } else {
            slowlog_entry_free(slowlog_at(srv, 0));
            srv->slowlog_head = (srv->slowlog_head + 1) % srv->slowlog_cap;
            srv->slowlog_len--;
        }
    }
    struct slowlog_entry *e = slowlog_at(srv, srv->slowlog_len);
    srv->slowlog_len++;
    int argc = c->argc < SLOWLOG_MAX_ARGC ? c->argc : SLOWLOG_MAX_ARGC;
    bool red[SLOWLOG_MAX_ARGC] = {false};
    bool any_red = redact_mask(c, c->argc, c->argv, red, argc);
    e->id = srv->slowlog_next_id++;
    e->time = util_mstime() / 1000;
    e->duration = duration_us;
    e->argc = argc;
    e->argv = mem_alloc(sizeof(*e->argv) * (size_t)argc);
    for (int i = 0; i < argc; i++) {
        const struct slice *a = &c->argv[i];
        char *s;
        size_t slen;
        if (argc != c->argc && i == argc - 1) {
            s = dup_fmt("... (%d more arguments)", c->argc - argc + 1);
            slen = strlen(s);
        } else if (any_red && red[i]) {
            s = mem_strdup("(redacted)");
            slen = strlen(s);
        } else if (a->len > SLOWLOG_MAX_STRING) {
            struct sbuf b = {0};
            sbuf_cat(&b, a->p, SLOWLOG_MAX_STRING);
            sbuf_catfmt(&b, "... (%zu more bytes)", a->len - SLOWLOG_MAX_STRING);
            s = b.p;
            slen = b.len;
        } else {
            s = mem_memdup(a->p, a->len);
            slen = a->len;
        }
        e->argv[i].p = s;
        e->argv[i].len = slen;
    }
    e->peer = mem_strdup(c->addr);
    e->name = mem_strdup(c->name ? c->name : "");
}

static void slowlog_get_cmd(struct client *c)
{
    struct server *srv = c->srv;
    long long count = 10;
    if (c->argc == 3) {
        if (!util_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < -1) {
            reply_error(c, "ERR count should be greater than or equal to -1");
            return;
        }
        if (count == -1) count = srv->slowlog_len;
    } else if (c->argc > 3) {
        reply_subcommand_syntax(c, "SLOWLOG");
        return;
    }
    if (count > srv->slowlog_len) count = srv->slowlog_len;
    reply_array(c, count);
    for (long long i = 0; i < count; i++) {
        struct slowlog_entry *e = slowlog_at(srv, srv->slowlog_len - 1 - i);
        reply_array(c, 6);
        reply_ll(c, e->id);
        reply_ll(c, e->time);
        reply_ll(c, e->duration);
        reply_array(c, e->argc);
        for (int j = 0; j < e->argc; j++)
            reply_bulk(c, e->argv[j].p, e->argv[j].len);
        reply_bulk_cstr(c, e->peer);
        reply_bulk_cstr(c, e->name);
    }
}

static void slowlog_len_cmd(struct client *c)
{
    reply_ll(c, c->srv->slowlog_len);
}

static void slowlog_reset_cmd(struct client *c)
{
    slowlog_reset(c->srv);
    reply_ok(c);
}

static void slowlog_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "GET [<count>]",
        "    Return the <count> newest entries of the slowlog (default 10, -1 for all).",
        "    Each entry holds:",
        "    1. A unique, increasing ID.",
        "    2. The unix time (seconds) the command was run at.",
        "    3. How long it ran, in microseconds.",
        "    4. The command and its arguments.",
        "    5. The address of the client.",
        "    6. The name of the client.",
        "LEN",
        "    Return the number of entries in the slowlog.",
        "RESET",
        "    Empty the slowlog.",
        NULL};
    reply_help(c, "SLOWLOG", lines);
}

static void container_cmd_slowlog(struct client *c)
{
    reply_subcommand_syntax(c, "SLOWLOG");
}

/* ---- latency monitor ---------------------------------------------------- */

static struct command *lookup_fullname(struct server *srv, const char *p, size_t len);

#define LATENCY_SAMPLES                                                                            \
    ((int)(sizeof(((struct latency_event *)0)->samples) / sizeof(struct latency_sample)))

static struct latency_event *latency_find(struct server *srv, const char *name, size_t len)
{
    for (int i = 0; i < srv->nlatency; i++)
        if (strlen(srv->latency[i].name) == len && !memcmp(srv->latency[i].name, name, len))
            return &srv->latency[i];
    return NULL;
}

/* One sample per event and second: a second sample in the same second
 * keeps the larger latency. */
void latency_add_sample(struct server *srv, const char *event, long long ms)
{
    struct latency_event *ev = latency_find(srv, event, strlen(event));
    if (!ev) {
        srv->latency =
            mem_realloc(srv->latency, sizeof(*srv->latency) * (size_t)(srv->nlatency + 1));
        ev = &srv->latency[srv->nlatency++];
        memset(ev, 0, sizeof(*ev));
        snprintf(ev->name, sizeof(ev->name), "%s", event);
    }
    long long now = util_mstime() / 1000;
    if (ms > ev->max) ev->max = ms;
    if (ev->count) {
        struct latency_sample *prev =
            &ev->samples[(ev->idx + LATENCY_SAMPLES - 1) % LATENCY_SAMPLES];
        if (prev->time == now) {
            if (ms > prev->ms) prev->ms = ms;
            return;
        }
    }
    ev->samples[ev->idx].time = now;
    ev->samples[ev->idx].ms = ms;
    ev->idx = (ev->idx + 1) % LATENCY_SAMPLES;
    if (ev->count < LATENCY_SAMPLES) ev->count++;
}

/* i-th sample, oldest first. */
static struct latency_sample *latency_sample_at(struct latency_event *ev, int i)
{
    int first = (ev->idx - ev->count + LATENCY_SAMPLES) % LATENCY_SAMPLES;
    return &ev->samples[(first + i) % LATENCY_SAMPLES];
}

static void latency_remove(struct server *srv, struct latency_event *ev)
{
    int i = (int)(ev - srv->latency);
    memmove(&srv->latency[i], &srv->latency[i + 1],
            sizeof(*srv->latency) * (size_t)(srv->nlatency - i - 1));
    srv->nlatency--;
}

static void latency_latest_cmd(struct client *c)
{
    struct server *srv = c->srv;
    reply_array(c, srv->nlatency);
    for (int i = 0; i < srv->nlatency; i++) {
        struct latency_event *ev = &srv->latency[i];
        struct latency_sample *last = latency_sample_at(ev, ev->count - 1);
        reply_array(c, 4);
        reply_bulk_cstr(c, ev->name);
        reply_ll(c, last->time);
        reply_ll(c, last->ms);
        reply_ll(c, ev->max);
    }
}

static void latency_history_cmd(struct client *c)
{
    struct latency_event *ev = latency_find(c->srv, c->argv[2].p, c->argv[2].len);
    if (!ev) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, ev->count);
    for (int i = 0; i < ev->count; i++) {
        struct latency_sample *s = latency_sample_at(ev, i);
        reply_array(c, 2);
        reply_ll(c, s->time);
        reply_ll(c, s->ms);
    }
}

static void latency_reset_cmd(struct client *c)
{
    struct server *srv = c->srv;
    long long n = 0;
    if (c->argc == 2) {
        n = srv->nlatency;
        srv->nlatency = 0;
    } else {
        for (int j = 2; j < c->argc; j++) {
            struct latency_event *ev = latency_find(srv, c->argv[j].p, c->argv[j].len);
            if (ev) {
                latency_remove(srv, ev);
                n++;
            }
        }
    }
    reply_ll(c, n);
}

/* A small ASCII chart of an event's samples, newest on the right: one
 * column per sample, height proportional to the latency. */
static void latency_graph_cmd(struct client *c)
{
    struct latency_event *ev = latency_find(c->srv, c->argv[2].p, c->argv[2].len);
    if (!ev || ev->count == 0) {
        reply_errorf(c, "ERR No samples available for event '%.*s'",
                     (int)(c->argv[2].len < 64 ? c->argv[2].len : 64), c->argv[2].p);
        return;
    }
    enum { ROWS = 8, COLS = 80 };
    int first = ev->count > COLS ? ev->count - COLS : 0;
    int ncols = ev->count - first;
    long long lo = LLONG_MAX, hi = 0;
    for (int i = first; i < ev->count; i++) {
        long long v = latency_sample_at(ev, i)->ms;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    struct sbuf b = {0};
    struct latency_sample *last = latency_sample_at(ev, ev->count - 1);
    sbuf_catfmt(&b, "%s - high %lld ms, low %lld ms (all time high %lld ms)\n", ev->name, hi, lo,
                ev->max);
    for (int k = 0; k < COLS; k++)
        sbuf_cat(&b, "-", 1);
    sbuf_cat(&b, "\n", 1);
    for (int row = ROWS; row >= 1; row--) {
        for (int i = 0; i < ncols; i++) {
            long long v = latency_sample_at(ev, first + i)->ms;
            long long h = hi ? (v * ROWS + hi - 1) / hi : 0;
            sbuf_cat(&b, h >= row ? "#" : (row == 1 ? "_" : " "), 1);
        }
        sbuf_cat(&b, "\n", 1);
    }
    /* age of each column, in seconds, written vertically is overkill here:
     * give the time span instead */
    sbuf_catfmt(&b, "%d samples, newest %llds ago\n", ncols,
                (long long)(util_mstime() / 1000 - last->time));
    reply_verbatim(c, b.p, b.len, "txt");
    sbuf_free(&b);
}

static void latency_doctor_cmd(struct client *c)
{
    struct server *srv = c->srv;
    struct sbuf b = {0};
    if (srv->cfg.latency_monitor_threshold == 0 && srv->nlatency == 0) {
        sbuf_cats(&b, "The latency monitor is disabled: no latency events were recorded.\n"
                      "Enable it with CONFIG SET latency-monitor-threshold <milliseconds>: "
                      "events taking at least that long are then sampled.\n");
    } else if (srv->nlatency == 0) {
        sbuf_catfmt(&b, "No latency events of %lld ms or more were recorded. Nothing to report.\n",
                    srv->cfg.latency_monitor_threshold);
    } else {
        sbuf_catfmt(&b, "Latency events of %lld ms or more were recorded for %d event class%s:\n\n",
                    srv->cfg.latency_monitor_threshold, srv->nlatency,
                    srv->nlatency == 1 ? "" : "es");
        for (int i = 0; i < srv->nlatency; i++) {
            struct latency_event *ev = &srv->latency[i];
            long long sum = 0;
            for (int k = 0; k < ev->count; k++)
                sum += latency_sample_at(ev, k)->ms;
            sbuf_catfmt(&b, "%d. %s: %d latency spikes (average %lld ms, worst %lld ms).\n", i + 1,
                        ev->name, ev->count, ev->count ? sum / ev->count : 0, ev->max);
            if (!strcmp(ev->name, "command") || !strcmp(ev->name, "fast-command"))
                sbuf_cats(&b, "   Slow commands: check SLOWLOG GET for the commands involved; "
                              "avoid O(N) commands on big values.\n");
            else if (!strcmp(ev->name, "expire-cycle"))
                sbuf_cats(&b, "   Active expiry: many keys expiring at the same time delay "
                              "other work.\n");
        }
    }
    reply_verbatim(c, b.p, b.len, "txt");
    sbuf_free(&b);
}

/* One LATENCY HISTOGRAM entry: name => {calls, histogram_usec: {2^k: calls
 * that took at most 2^k us, cumulative}}, non-empty buckets only. */
static void reply_latency_histogram(struct client *c, const struct command *cmd)
{
    const long long *h = cmd->latency_hist;
    long long total = 0;
    int nbuckets = 0;
    for (int k = 0; k < CMD_LATENCY_BUCKETS; k++)
        if (h[k]) {
            total += h[k];
            nbuckets++;
        }
    reply_bulk_cstr(c, cmd->fullname);
    reply_map(c, 2);
    reply_bulk_cstr(c, "calls");
    reply_ll(c, total);
    reply_bulk_cstr(c, "histogram_usec");
    reply_map(c, nbuckets);
    long long cum = 0;
    for (int k = 0; k < CMD_LATENCY_BUCKETS; k++)
        if (h[k]) {
            cum += h[k];
            reply_ll(c, 1LL << k);
            reply_ll(c, cum);
        }
}

struct histogram_walk {
    struct client *c;
    long long n;
};

static void histogram_one(struct histogram_walk *w, const struct command *cmd)
{
    if (cmd->latency_hist) {
        reply_latency_histogram(w->c, cmd);
        w->n++;
    }
    if (cmd->subcommands)
        for (const struct command *s = cmd->subcommands; s->name; s++)
            if (s->latency_hist) {
                reply_latency_histogram(w->c, s);
                w->n++;
            }
}

static void histogram_cb(struct command *cmd, void *priv) { histogram_one(priv, cmd); }

/* LATENCY HISTOGRAM [command ...]: every command with calls, or the named
 * ones (a container name covers its subcommands); unknown names are
 * skipped. */
static void latency_histogram_cmd(struct client *c)
{
    struct histogram_walk w = {c, 0};
    reply_defer_t d = reply_defer(c);
    if (c->argc == 2) {
        cmd_foreach(c->srv, histogram_cb, &w);
    } else {
        for (int j = 2; j < c->argc; j++) {
            struct command *cmd = lookup_fullname(c->srv, c->argv[j].p, c->argv[j].len);
            if (cmd) histogram_one(&w, cmd);
        }
    }
    reply_defer_map(c, d, w.n);
}

static void latency_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "DOCTOR",
        "    Return a human readable report of the recorded latency events.",
        "GRAPH <event>",
        "    Return a text chart of the latency samples of <event>.",
        "HISTOGRAM [<command> ...]",
        "    Return the cumulative distribution of the latencies of the given commands",
        "    (all commands that ran when none is given), in power-of-two microsecond buckets.",
        "HISTORY <event>",
        "    Return [time, latency] pairs of the samples of <event>.",
        "LATEST",
        "    Return the newest sample of every event: [event, time, latency, all time max].",
        "RESET [<event> ...]",
        "    Forget the samples of the given events (all events when none is given).",
        NULL};
    reply_help(c, "LATENCY", lines);
}

static void container_cmd_latency(struct client *c)
{
    reply_subcommand_syntax(c, "LATENCY");
}

/* ---- MONITOR ---------------------------------------------------------- */

static void monitor_cmd(struct client *c)
{
    if (c->flags & CLIENT_MONITOR) return; /* already one: no reply, as Redis */
    c->flags |= CLIENT_MONITOR;
    c->mon_next = c->srv->monitors;
    c->srv->monitors = c;
    reply_ok(c);
}

/* Send the request c is about to run to every MONITOR client, as
 *   +<unix time>.<us> [<db> <addr>] "arg" "arg" ...
 * with arguments quoted and escaped like Redis's repr. */
void monitor_feed(struct server *srv, struct client *c)
{
    struct sbuf b = {0};
    long long us = util_ustime();
    int dbid = c->db ? c->db->id : 0;
    if (c->flags & CLIENT_UNIX)
        sbuf_catfmt(&b, "+%lld.%06lld [%d unix:%s] ", us / 1000000, us % 1000000, dbid,
                    srv->cfg.unixsocket ? srv->cfg.unixsocket : "");
    else
        sbuf_catfmt(&b, "+%lld.%06lld [%d %s] ", us / 1000000, us % 1000000, dbid, c->addr);
    enum { RED_MAX = 64 };
    bool red[RED_MAX] = {false};
    int n = c->argc < RED_MAX ? c->argc : RED_MAX;
    bool any_red = redact_mask(c, c->argc, c->argv, red, n);
    for (int i = 0; i < c->argc; i++) {
        if (i) sbuf_cat(&b, " ", 1);
        if (any_red && i < n && red[i])
            sbuf_cats(&b, "\"(redacted)\"");
        else
            sbuf_catrepr(&b, c->argv[i].p, c->argv[i].len);
    }
    /* the line is a status reply: no CR or LF may appear in it (repr escapes
     * them in arguments; the unix socket path is the one other source) */
    for (size_t i = 1; i < b.len; i++)
        if (b.p[i] == '\r' || b.p[i] == '\n') b.p[i] = ' ';
    sbuf_cat(&b, "\r\n", 2);
    for (struct client *m = srv->monitors; m; m = m->mon_next)
        reply_raw(m, b.p, b.len);
    sbuf_free(&b);
}

/* ---- TIME LASTSAVE ---------------------------------------------------- */

static void time_cmd(struct client *c)
{
    long long us = util_ustime();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

static void lastsave_cmd(struct client *c)
{
    reply_ll(c, c->srv->lastsave);
}

/* ---- SHUTDOWN ----------------------------------------------------------- */

static bool other_force(struct client *c)
{
    for (int i = 1; i < c->argc; i++)
        if (arg_is(c, i, "force")) return true;
    return false;
}

static void shutdown_cmd(struct client *c)
{
    bool nosave = false, save = false, abort_req = false, other = false;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(c, i, "nosave"))
            nosave = true;
        else if (arg_is(c, i, "save"))
            save = true;
        else if (arg_is(c, i, "now") || arg_is(c, i, "force"))
            other = true;
        else if (arg_is(c, i, "abort"))
            abort_req = true;
        else {
            reply_err_syntax(c);
            return;
        }
    }
    if ((abort_req && (nosave || save || other)) || (nosave && save)) {
        reply_err_syntax(c);
        return;
    }
    if (abort_req) {
        /* shutdown is immediate (nothing to wait for), so none is ever pending */
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    int flags = (save ? SHUTDOWN_SAVE : 0) | (nosave ? SHUTDOWN_NOSAVE : 0) |
                (c->argc > 1 && other_force(c) ? SHUTDOWN_FORCE : 0);
    if (server_prepare_shutdown(c->srv, flags) != 0)
        reply_error(c, "ERR Errors trying to SHUTDOWN. Check logs.");
}

/* ---- COMMAND ------------------------------------------------------------ */

static const struct {
    uint32_t flag;
    const char *name;
} cmd_flag_names[] = {{CMD_WRITE, "write"},
                      {CMD_READONLY, "readonly"},
                      {CMD_DENYOOM, "denyoom"},
                      {CMD_ADMIN, "admin"},
                      {CMD_PUBSUB, "pubsub"},
                      {CMD_NOSCRIPT, "noscript"},
                      {CMD_BLOCKING, "blocking"},
                      {CMD_LOADING, "loading"},
                      {CMD_STALE, "stale"},
                      {CMD_SKIP_MONITOR, "skip_monitor"},
                      {CMD_SKIP_SLOWLOG, "skip_slowlog"},
                      {CMD_FAST, "fast"},
                      {CMD_NO_AUTH, "no_auth"},
                      {CMD_MAY_REPLICATE, "may_replicate"},
                      {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
                      {CMD_NO_MULTI, "no_multi"},
                      {CMD_ALLOW_BUSY, "allow_busy"},
                      {0, NULL}};

/* Space separated words of s, one bulk/status each; returns the count. */
static int count_words(const char *s)
{
    int n = 0;
    while (s && *s) {
        while (*s == ' ')
            s++;
        if (!*s) break;
        n++;
        while (*s && *s != ' ')
            s++;
    }
    return n;
}

static void reply_words(struct client *c, const char *s)
{
    while (s && *s) {
        while (*s == ' ')
            s++;
        if (!*s) break;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        char buf[64];
        size_t len = (size_t)(s - w) < sizeof(buf) ? (size_t)(s - w) : sizeof(buf) - 1;
        memcpy(buf, w, len);
        buf[len] = '\0';
        reply_simple(c, buf);
    }
}

static bool cmd_has_acl_cat(const struct command *cmd, const struct slice *cat)
{
    const char *s = cmd->acl;
    while (s && *s) {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        if (w[0] == '@' && (size_t)(s - w - 1) == cat->len &&
            strncasecmp(w + 1, cat->p, cat->len) == 0)
            return true;
    }
    return false;
}

static void reply_key_specs(struct client *c, const struct command *cmd)
{
    if (cmd->first_key <= 0 && !cmd->getkeys) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, 1);
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    bool ro = (cmd->flags & CMD_READONLY) && !(cmd->flags & CMD_WRITE);
    if (cmd->getkeys) {
        reply_set(c, 2);
        reply_simple(c, ro ? "RO" : "RW");
        reply_simple(c, "INCOMPLETE");
    } else {
        reply_set(c, 1);
        reply_simple(c, ro ? "RO" : "RW");
    }
    reply_bulk_cstr(c, "begin_search");
    if (cmd->getkeys) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 0);
        reply_bulk_cstr(c, "find_keys");
        reply_map(c, 2);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 0);
        return;
    }
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "index");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 1);
    reply_bulk_cstr(c, "index");
    reply_ll(c, cmd->first_key);
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, "range");
    reply_bulk_cstr(c, "spec");
    reply_map(c, 3);
    reply_bulk_cstr(c, "lastkey");
    reply_ll(c, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
    reply_bulk_cstr(c, "keystep");
    reply_ll(c, cmd->key_step > 0 ? cmd->key_step : 1);
    reply_bulk_cstr(c, "limit");
    reply_ll(c, 0);
}

/* One COMMAND INFO entry (Redis 7 shape): name, arity, flags, first key,
 * last key, step, ACL categories, tips, key specs, subcommands. */
static void reply_command_info(struct client *c, const struct command *cmd)
{
    if (!cmd) {
        reply_null(c);
        return;
    }
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_ll(c, cmd->arity);
    int nflags = 0;
    for (int i = 0; cmd_flag_names[i].name; i++)
        if (cmd->flags & cmd_flag_names[i].flag) nflags++;
    if (cmd->getkeys) nflags++;
    reply_set(c, nflags);
    for (int i = 0; cmd_flag_names[i].name; i++)
        if (cmd->flags & cmd_flag_names[i].flag) reply_simple(c, cmd_flag_names[i].name);
    if (cmd->getkeys) reply_simple(c, "movablekeys");
    reply_ll(c, cmd->first_key);
    reply_ll(c, cmd->last_key);
    reply_ll(c, cmd->key_step);
    reply_set(c, count_words(cmd->acl));
    reply_words(c, cmd->acl);
    reply_array(c, 0); /* tips */
    reply_key_specs(c, cmd);
    long long nsub = 0;
    if (cmd->subcommands)
        for (const struct command *s = cmd->subcommands; s->name; s++)
            nsub++;
    reply_array(c, nsub);
    for (long long i = 0; i < nsub; i++)
        reply_command_info(c, &cmd->subcommands[i]);
}

static void reply_command_docs(struct client *c, const struct command *cmd)
{
    long long nsub = 0;
    if (cmd->subcommands)
        for (const struct command *s = cmd->subcommands; s->name; s++)
            nsub++;
    int fields = (cmd->summary != NULL) + (cmd->since != NULL) + (cmd->group != NULL) + (nsub > 0);
    reply_map(c, fields);
    if (cmd->summary) {
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, cmd->summary);
    }
    if (cmd->since) {
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, cmd->since);
    }
    if (cmd->group) {
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, cmd->group);
    }
    if (nsub) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, nsub);
        for (long long i = 0; i < nsub; i++) {
            reply_bulk_cstr(c, cmd->subcommands[i].fullname);
            reply_command_docs(c, &cmd->subcommands[i]);
        }
    }
}

/* "get" or "config|get" -> the command row, NULL if there is none. */
static struct command *lookup_fullname(struct server *srv, const char *p, size_t len)
{
    const char *bar = memchr(p, '|', len);
    if (!bar) return cmd_lookup(srv, p, len);
    struct command *parent = cmd_lookup(srv, p, (size_t)(bar - p));
    if (!parent) return NULL;
    const char *sub = bar + 1;
    size_t slen = len - (size_t)(sub - p);
    if (memchr(sub, '|', slen)) return NULL;
    return cmd_lookup_sub(parent, sub, slen);
}

struct cmd_walk {
    struct client *c;
    long long n;
    int mode; /* 0 info, 1 docs, 2 list */
    const struct slice *aclcat, *pattern;
    bool module;
};

static bool list_match(const struct cmd_walk *w, const struct command *cmd)
{
    if (w->module) return false; /* no modules */
    if (w->aclcat) return cmd_has_acl_cat(cmd, w->aclcat);
    if (w->pattern)
        return util_glob_match(w->pattern->p, w->pattern->len, cmd->fullname, strlen(cmd->fullname),
                               true);
    return true;
}

static void walk_cb(struct command *cmd, void *priv)
{
    struct cmd_walk *w = priv;
    switch (w->mode) {
    case 0:
        reply_command_info(w->c, cmd);
        w->n++;
        break;
    case 1:
        reply_bulk_cstr(w->c, cmd->fullname);
        reply_command_docs(w->c, cmd);
        w->n++;
        break;
    default:
        if (list_match(w, cmd)) {
            reply_bulk_cstr(w->c, cmd->fullname);
            w->n++;
        }
        if (cmd->subcommands)
            for (struct command *s = cmd->subcommands; s->name; s++)
                if (list_match(w, s)) {
                    reply_bulk_cstr(w->c, s->fullname);
                    w->n++;
                }
    }
}

static void command_cmd(struct client *c)
{
    if (c->argc > 1) { /* a container: only reached with a subcommand */
        reply_subcommand_syntax(c, "COMMAND");
        return;
    }
    struct cmd_walk w = {c, 0, 0, NULL, NULL, false};
    reply_array(c, c->srv->ncommands);
    cmd_foreach(c->srv, walk_cb, &w);
}

static void command_count_cmd(struct client *c)
{
    reply_ll(c, c->srv->ncommands);
}

static void command_info_cmd(struct client *c)
{
    if (c->argc == 2) {
        struct cmd_walk w = {c, 0, 0, NULL, NULL, false};
        reply_array(c, c->srv->ncommands);
        cmd_foreach(c->srv, walk_cb, &w);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++)
        reply_command_info(c, lookup_fullname(c->srv, c->argv[i].p, c->argv[i].len));
}

static void command_docs_cmd(struct client *c)
{
    if (c->argc == 2) {
        struct cmd_walk w = {c, 0, 1, NULL, NULL, false};
        reply_map(c, c->srv->ncommands);
        cmd_foreach(c->srv, walk_cb, &w);
        return;
    }
    reply_defer_t d = reply_defer(c);
    long long n = 0;
    for (int i = 2; i < c->argc; i++) {
        struct command *cmd = lookup_fullname(c->srv, c->argv[i].p, c->argv[i].len);
        if (!cmd) continue;
        reply_bulk_cstr(c, cmd->fullname);
        reply_command_docs(c, cmd);
        n++;
    }
    reply_defer_map(c, d, n);
}

static void command_list_cmd(struct client *c)
{
    struct cmd_walk w = {c, 0, 2, NULL, NULL, false};
    if (c->argc == 5 && arg_is(c, 2, "filterby")) {
        if (arg_is(c, 3, "module"))
            w.module = true;
        else if (arg_is(c, 3, "aclcat"))
            w.aclcat = &c->argv[4];
        else if (arg_is(c, 3, "pattern"))
            w.pattern = &c->argv[4];
        else {
            reply_err_syntax(c);
            return;
        }
    } else if (c->argc != 2) {
        reply_err_syntax(c);
        return;
    }
    reply_defer_t d = reply_defer(c);
    cmd_foreach(c->srv, walk_cb, &w);
    reply_defer_array(c, d, w.n);
}

/* COMMAND GETKEYS <command> <arg> ...: the key positions cmd_get_keys
 * finds, as the key names. */
static void command_getkeys_cmd(struct client *c)
{
    struct command *cmd = cmd_lookup(c->srv, c->argv[2].p, c->argv[2].len);
    if (cmd && cmd->subcommands && c->argc >= 4)
        cmd = cmd_lookup_sub(cmd, c->argv[3].p, c->argv[3].len);
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (cmd->first_key <= 0 && !cmd->getkeys) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    int argc = c->argc - 2;
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    int *keys = mem_alloc(sizeof(int) * (size_t)argc);
    /* the key finder reads c->argv: point it at the embedded command */
    struct slice *saved_argv = c->argv;
    int saved_argc = c->argc;
    c->argv += 2;
    c->argc = argc;
    int n = cmd_get_keys(cmd, c, argc, keys, argc);
    c->argv = saved_argv;
    c->argc = saved_argc;
    if (n <= 0) {
        if (n == 0 && (cmd->flags & CMD_NO_MANDATORY_KEYS))
            reply_array(c, 0);
        else
            reply_error(c, "ERR Invalid arguments specified for command");
        mem_free(keys);
        return;
    }
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        const struct slice *k = &c->argv[2 + keys[i]];
        reply_bulk(c, k->p, k->len);
    }
    mem_free(keys);
}

static void command_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the number of commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about the given commands (all when none given).",
        "GETKEYS <full-command>",
        "    Return the keys a full command line would access.",
        "INFO [<command-name> ...]",
        "    Return details about the given commands (all when none given).",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Return the names of the commands, optionally filtered.",
        NULL};
    reply_help(c, "COMMAND", lines);
}

/* ---- DEBUG ------------------------------------------------------------ */

/* Bytes an RDB file would spend on a string value: what DEBUG OBJECT
 * reports as serializedlength (no compression is applied). */
static size_t rdb_string_len(const struct obj *o)
{
    long long v;
    if (o->enc == ENC_INT) {
        v = o->u.i;
        if (v >= -128 && v <= 127) return 2;
        if (v >= -32768 && v <= 32767) return 3;
        if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    }
    size_t len = obj_strlen(o);
    size_t hdr = len < 64 ? 1 : len < 16384 ? 2 : len <= UINT32_MAX ? 5 : 9;
    return hdr + len;
}

static void debug_object(struct client *c)
{
    struct kentry *ke = db_lookup_quiet(&c->srv->ks, c->db, c->argv[2].p, c->argv[2].len);
    if (!ke) {
        reply_err_nokey(c);
        return;
    }
    struct obj *o = ke->val;
    uint32_t clock = ks_lru_clock(&c->srv->ks);
    unsigned long long idle = clock >= ke->lru ? clock - ke->lru : clock + (KE_LRU_MAX - ke->lru);
    size_t ser = o->type == OBJ_STRING ? rdb_string_len(o) : obj_mem(o);
    char buf[256];
    snprintf(
        buf, sizeof(buf),
        "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
        (void *)o, (o->flags & OBJ_F_SHARED) ? INT_MAX : 1, obj_enc_name(o), ser, (unsigned)ke->lru,
        idle);
    reply_simple(c, buf);
}

/* DEBUG POPULATE count [prefix] [size]: add keys prefix:0.. with values
 * value:N (padded with zero bytes or cut to size when size is given);
 * existing keys are left alone. */
static void debug_populate(struct client *c)
{
    struct server *srv = c->srv;
    if (c->argc > 5) {
        reply_subcommand_syntax(c, "DEBUG");
        return;
    }
    long long count, size = 0;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    const char *prefix = "key";
    size_t plen = 3;
    if (c->argc >= 4) {
        prefix = c->argv[3].p;
        plen = c->argv[3].len;
    }
    if (c->argc == 5 && (!util_str2ll(c->argv[4].p, c->argv[4].len, &size) || size < 0)) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    if (size > srv->cfg.proto_max_bulk_len) {
        reply_error(c, "ERR value is out of range, must be positive");
        return;
    }
    struct sbuf key = {0};
    char *val = size ? mem_alloc((size_t)size) : NULL;
    for (long long i = 0; i < count; i++) {
        key.len = 0;
        sbuf_cat(&key, prefix, plen);
        sbuf_catfmt(&key, ":%lld", i);
        if (db_lookup_quiet(&srv->ks, c->db, key.p, key.len)) continue;
        char vbuf[64];
        int vlen = snprintf(vbuf, sizeof(vbuf), "value:%lld", i);
        struct obj *o;
        if (size) {
            memset(val, 0, (size_t)size);
            memcpy(val, vbuf, (size_t)vlen < (size_t)size ? (size_t)vlen : (size_t)size);
            o = obj_new_string(val, (size_t)size);
        } else {
            o = obj_new_string(vbuf, (size_t)vlen);
        }
        db_set(&srv->ks, c->db, key.p, key.len, o, false);
        srv->dirty++;
    }
    mem_free(val);
    sbuf_free(&key);
    reply_ok(c);
}

static void debug_protocol(struct client *c)
{
    const struct slice *t = &c->argv[2];
#define IS(s) util_eqi(t->p, t->len, s)
    if (IS("string")) {
        reply_bulk_cstr(c, "Hello World");
    } else if (IS("integer")) {
        reply_ll(c, 12345);
    } else if (IS("double")) {
        reply_double(c, 3.141);
    } else if (IS("bignum")) {
        const char *n = "1234567999999999999999999999999999999";
        reply_bignum(c, n, strlen(n));
    } else if (IS("null")) {
        reply_null(c);
    } else if (IS("array")) {
        reply_array(c, 3);
        for (int j = 0; j < 3; j++)
            reply_ll(c, j);
    } else if (IS("set")) {
        reply_set(c, 3);
        for (int j = 0; j < 3; j++)
            reply_ll(c, j);
    } else if (IS("map")) {
        reply_map(c, 3);
        for (int j = 0; j < 3; j++) {
            reply_ll(c, j);
            reply_bool(c, j == 1);
        }
    } else if (IS("attrib")) {
        if (c->resp >= 3) {
            reply_attribute(c, 1);
            reply_bulk_cstr(c, "key-popularity");
            reply_array(c, 2);
            reply_bulk_cstr(c, "key:123");
            reply_ll(c, 90);
        }
        reply_bulk_cstr(c, "Some real reply following the attribute");
    } else if (IS("push")) {
        if (c->resp < 3) {
            reply_error(c, "ERR RESP2 is not supported by this command");
            return;
        }
        reply_push(c, 2);
        reply_bulk_cstr(c, "server-cpu-usage");
        reply_ll(c, 42);
        reply_bulk_cstr(c, "Some real reply following the push reply");
    } else if (IS("true")) {
        reply_bool(c, true);
    } else if (IS("false")) {
        reply_bool(c, false);
    } else if (IS("verbatim")) {
        reply_verbatim(c, "This is a verbatim\nstring", 25, "txt");
    } else {
        reply_error(
            c, "ERR Wrong protocol type name. Please use one of the following: "
               "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
#undef IS
}

static void debug_help(struct client *c)
{
    static const char *const lines[] = {
        "CHANGE-REPL-ID",
        "    Accepted for compatibility; does nothing (no replication).",
        "ERROR <string>",
        "    Return <string> as an error reply.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level details about the value stored at <key>.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named <prefix>:<num> (prefix defaults to \"key\").",
        "    With <size>, each value is padded or cut to <size> bytes.",
        "PROTOCOL <type>",
        "    Reply with a sample of a RESP type: string, integer, double, bignum, null,",
        "    array, set, map, attrib, push, verbatim, true or false.",
        "RELOAD [NOSAVE] [NOFLUSH]",
        "    Save the RDB file, empty the dataset and load the file again.",
        "LOADAOF",
        "    Flush the AOF, empty the dataset and replay the AOF again.",
        "PAUSE-CRON <0|1>",
        "    Stop (1) or resume (0) the periodic cron work (expiry, client timeouts, ...).",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the periodic deletion of expired keys off (0) or on (1).",
        "SLEEP <seconds>",
        "    Stop the server for <seconds> (decimals allowed).",
        NULL};
    reply_help(c, "DEBUG", lines);
}

static void debug_cmd(struct client *c)
{
    if (!c->srv->cfg.enable_debug_command) {
        reply_error(c,
                    "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                    "\"local\", you can run it from a local connection, otherwise you need to "
                    "set this option in the configuration file, and then restart the server.");
        return;
    }
    if (c->argc == 2 && arg_is(c, 1, "help")) {
        debug_help(c);
    } else if (c->argc == 3 && arg_is(c, 1, "sleep")) {
        char buf[64];
        size_t len = c->argv[2].len < sizeof(buf) - 1 ? c->argv[2].len : sizeof(buf) - 1;
        memcpy(buf, c->argv[2].p, len);
        buf[len] = '\0';
        double secs = strtod(buf, NULL);
        if (secs > 86400.0 * 365) secs = 86400.0 * 365; /* keeps the conversion defined */
        if (secs > 0) {
            long long us = (long long)(secs * 1000000.0);
            struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
            while (nanosleep(&ts, &ts) != 0) {
            }
        }
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(c, 1, "object")) {
        debug_object(c);
    } else if (c->argc == 3 && arg_is(c, 1, "set-active-expire")) {
        /* like Redis's atoi(): the leading number decides, junk reads as 0 */
        char buf[32];
        size_t len = c->argv[2].len < sizeof(buf) - 1 ? c->argv[2].len : sizeof(buf) - 1;
        memcpy(buf, c->argv[2].p, len);
        buf[len] = '\0';
        c->srv->ks.active_expire = strtol(buf, NULL, 10) != 0;
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(c, 1, "pause-cron")) {
        char buf[32];
        size_t len = c->argv[2].len < sizeof(buf) - 1 ? c->argv[2].len : sizeof(buf) - 1;
        memcpy(buf, c->argv[2].p, len);
        buf[len] = '\0';
        c->srv->cron_paused = strtol(buf, NULL, 10) != 0;
        reply_ok(c);
    } else if (c->argc >= 2 && (arg_is(c, 1, "reload") || arg_is(c, 1, "loadaof"))) {
        /* DEBUG RELOAD [NOSAVE] [NOFLUSH]: save, empty, load the RDB file;
         * DEBUG LOADAOF: flush the AOF, empty, replay it */
        bool aof = arg_is(c, 1, "loadaof");
        int flags = 0;
        for (int i = 2; i < c->argc; i++) {
            if (!aof && arg_is(c, i, "nosave")) flags |= PERSIST_RELOAD_NOSAVE;
            else if (!aof && arg_is(c, i, "noflush")) flags |= PERSIST_RELOAD_NOFLUSH;
            else {
                reply_err_syntax(c);
                return;
            }
        }
        char err[512];
        if (!c->srv->persist_hooks || c->srv->persist_hooks->reload(c->srv, aof, flags, err, sizeof err) < 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "ERR %s", c->srv->persist_hooks ? err : "no persistence");
            reply_error(c, msg);
            return;
        }
        reply_ok(c);
    } else if (c->argc >= 3 && arg_is(c, 1, "populate")) {
        debug_populate(c);
    } else if (c->argc == 3 && arg_is(c, 1, "protocol")) {
        debug_protocol(c);
    } else if (c->argc == 3 && arg_is(c, 1, "log")) {
        log_warning("DEBUG LOG: %.*s", (int)c->argv[2].len, c->argv[2].p);
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(c, 1, "error")) {
        const struct slice *m = &c->argv[2];
        size_t off = (m->len && m->p[0] == '-') ? 1 : 0;
        char *msg = mem_memdup(m->p + off, m->len - off);
        /* a message without a code word gets ERR, as Redis does */
        if (off)
            reply_error(c, msg);
        else
            reply_errorf(c, "ERR %s", msg);
        mem_free(msg);
    } else if (c->argc == 2 && arg_is(c, 1, "change-repl-id")) {
        reply_ok(c);
    } else {
        reply_subcommand_syntax(c, "DEBUG");
    }
}

/* ---- tables --------------------------------------------------------------- */

#define SUB(name, proc, arity, flags, acl, summary, since, group)                                  \
    {                                                                                              \
        name, proc, arity, flags, 0, 0, 0, acl, summary, since, group                              \
    }

static struct command command_subcommands[] = {
    SUB("count", command_count_cmd, 2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, "@slow @connection",
        "Returns a count of commands", "2.8.13", "server"),
    SUB("docs", command_docs_cmd, -2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, "@slow @connection",
        "Returns documentary information about a command", "7.0.0", "server"),
    SUB("getkeys", command_getkeys_cmd, -3, CMD_LOADING | CMD_STALE | CMD_SENTINEL,
        "@slow @connection", "Extracts the key names from an arbitrary command", "2.8.13",
        "server"),
    SUB("help", command_help_cmd, 2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, "@slow @connection",
        "Returns helpful text about the different subcommands", "5.0.0", "server"),
    SUB("info", command_info_cmd, -2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, "@slow @connection",
        "Returns information about one, multiple or all commands", "2.8.13", "server"),
    SUB("list", command_list_cmd, -2, CMD_LOADING | CMD_STALE | CMD_SENTINEL, "@slow @connection",
        "Returns a list of command names", "7.0.0", "server"),
    {NULL}};

#define ADMIN_LS (CMD_ADMIN | CMD_LOADING | CMD_STALE)

static struct command slowlog_subcommands[] = {
    SUB("get", slowlog_get_cmd, -2, ADMIN_LS, "@admin @slow @dangerous",
        "Returns the slow log's entries", "2.2.12", "server"),
    SUB("help", slowlog_help_cmd, 2, CMD_LOADING | CMD_STALE, "@slow",
        "Show helpful text about the different subcommands", "6.2.0", "server"),
    SUB("len", slowlog_len_cmd, 2, ADMIN_LS, "@admin @slow @dangerous",
        "Returns the number of entries in the slow log", "2.2.12", "server"),
    SUB("reset", slowlog_reset_cmd, 2, ADMIN_LS, "@admin @slow @dangerous",
        "Clears all entries from the slow log", "2.2.12", "server"),
    {NULL}};

static struct command latency_subcommands[] = {
    SUB("doctor", latency_doctor_cmd, 2, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Returns a human-readable latency analysis report", "2.8.13", "server"),
    SUB("graph", latency_graph_cmd, 3, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Returns a latency graph for an event", "2.8.13", "server"),
    SUB("help", latency_help_cmd, 2, CMD_LOADING | CMD_STALE, "@slow",
        "Returns helpful text about the different subcommands", "2.8.13", "server"),
    SUB("histogram", latency_histogram_cmd, -2, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Returns the cumulative distribution of latencies of a subset of commands or all",
        "7.0.0", "server"),
    SUB("history", latency_history_cmd, 3, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Returns timestamp-latency samples for an event", "2.8.13", "server"),
    SUB("latest", latency_latest_cmd, 2, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Returns the latest latency samples for all events", "2.8.13", "server"),
    SUB("reset", latency_reset_cmd, -2, ADMIN_LS | CMD_NOSCRIPT, "@admin @slow @dangerous",
        "Resets the latency data for one or more events", "2.8.13", "server"),
    {NULL}};

struct command server_commands[] = {
    {"info", info_command, -1, CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0, "@slow @dangerous",
     "Returns information and statistics about the server", "1.0.0", "server"},
    {"time", time_cmd, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "@fast",
     "Returns the server time", "2.6.0", "server"},
    {"lastsave", lastsave_cmd, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0,
     "@admin @fast @dangerous", "Returns the Unix timestamp of the last successful save to disk",
     "1.0.0", "server"},
    {"command", command_cmd, -1, CMD_LOADING | CMD_STALE | CMD_SENTINEL, 0, 0, 0,
     "@slow @connection", "Returns detailed information about all commands", "2.8.13", "server",
     command_subcommands},
    {"slowlog", container_cmd_slowlog, -2, 0, 0, 0, 0, "@slow", "A container for slow log commands",
     "2.2.12", "server", slowlog_subcommands},
    {"latency", container_cmd_latency, -2, 0, 0, 0, 0, "@slow",
     "A container for latency diagnostics commands", "2.8.13", "server", latency_subcommands},
    {"monitor", monitor_cmd, 1, ADMIN_LS | CMD_NOSCRIPT, 0, 0, 0, "@admin @slow @dangerous",
     "Listens for all requests received by the server in real-time", "1.0.0", "server"},
    {"debug", debug_cmd, -2, ADMIN_LS | CMD_NOSCRIPT | CMD_PROTECTED, 0, 0, 0,
     "@admin @slow @dangerous", "A container for debugging commands", "1.0.0", "server"},
    {"shutdown", shutdown_cmd, -1,
     CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_SENTINEL |
         CMD_ALLOW_BUSY,
     0, 0, 0, "@admin @slow @dangerous",
     "Synchronously saves the database(s) to disk and shuts down the Redis server", "1.0.0",
     "server"},
    {NULL}};
