/* propagate: see propagate.h. */
#include "core/propagate.h"

#include "core/client.h"
#include "core/server.h"

#include <string.h>

static void put_bulk(struct sbuf *b, const char *p, size_t len)
{
    char hdr[32];
    hdr[0] = '$';
    int n = 1 + util_ll2str(hdr + 1, (long long)len);
    hdr[n++] = '\r';
    hdr[n++] = '\n';
    sbuf_reserve(b, (size_t)n + len + 2);
    memcpy(b->p + b->len, hdr, (size_t)n);
    memcpy(b->p + b->len + n, p, len);
    memcpy(b->p + b->len + n + len, "\r\n", 2);
    b->len += (size_t)n + len + 2;
    b->p[b->len] = '\0';
}

static void put_count(struct sbuf *b, int argc)
{
    char hdr[32];
    hdr[0] = '*';
    int n = 1 + util_ll2str(hdr + 1, argc);
    hdr[n++] = '\r';
    hdr[n++] = '\n';
    sbuf_cat(b, hdr, (size_t)n);
}

/* SELECT when db differs from the stream's, and note where a unit's first
 * command begins. A replica-only command (repl_only) goes to `unit` alone;
 * once there is one, every other command also goes to `unit_all`. */
static void begin_op(struct propagation *p, int db, bool repl_only)
{
    if (repl_only && !p->split) {
        /* from now on the unit has two versions: copy what it holds */
        p->split = true;
        p->unit_all.len = 0;
        sbuf_cat(&p->unit_all, p->unit.p ? p->unit.p : "", p->unit.len);
        p->first_cmd_all = p->first_cmd;
        p->ops_all = p->ops;
    }
    if (p->stream_db != db) {
        char num[24];
        int n = util_ll2str(num, db);
        put_count(&p->unit, 2);
        put_bulk(&p->unit, "SELECT", 6);
        put_bulk(&p->unit, num, (size_t)n);
        if (p->split) {
            put_count(&p->unit_all, 2);
            put_bulk(&p->unit_all, "SELECT", 6);
            put_bulk(&p->unit_all, num, (size_t)n);
        }
        p->stream_db = db;
    }
    if (p->ops++ == 0) p->first_cmd = p->unit.len;
    if (p->split && !repl_only && p->ops_all++ == 0) p->first_cmd_all = p->unit_all.len;
}

/* A command's words into the unit (and into unit_all unless repl_only). */
static void put_cmd(struct propagation *p, bool repl_only, int argc, const struct slice *sv,
                    const char **cv, const size_t *lens)
{
    for (int pass = 0; pass < 2; pass++) {
        struct sbuf *b = pass ? &p->unit_all : &p->unit;
        if (pass && (!p->split || repl_only)) break;
        put_count(b, argc);
        for (int i = 0; i < argc; i++) {
            if (sv) put_bulk(b, sv[i].p, sv[i].len);
            else put_bulk(b, cv[i], lens ? lens[i] : strlen(cv[i]));
        }
    }
}

/* The one entry point: every consumer gets the same bytes. */
static void fan_out(struct server *srv, const char *p, size_t len, void *priv)
{
    struct propagation *pr = &srv->prop;
    for (int i = 0; i < pr->nsinks; i++) pr->sinks[i].fn(srv, p, len, pr->sinks[i].priv);
}

static void update_entry(struct propagation *p)
{
    p->sink = (p->nsinks && !p->suspended) ? fan_out : NULL;
    p->sink_priv = NULL;
}

static int attach(struct server *srv, prop_sink_fn *fn, void *priv, bool replicas)
{
    struct propagation *p = &srv->prop;
    if (p->nsinks == PROP_MAX_SINKS) return -1;
    p->sinks[p->nsinks].fn = fn;
    p->sinks[p->nsinks].priv = priv;
    p->sinks[p->nsinks].replicas = replicas;
    p->nsinks++;
    p->stream_db = -1; /* the newcomer needs a SELECT first */
    update_entry(p);
    return 0;
}

int prop_attach(struct server *srv, prop_sink_fn *fn, void *priv)
{
    return attach(srv, fn, priv, false);
}

int prop_attach_replicas(struct server *srv, prop_sink_fn *fn, void *priv)
{
    return attach(srv, fn, priv, true);
}

void prop_detach(struct server *srv, prop_sink_fn *fn, void *priv)
{
    struct propagation *p = &srv->prop;
    for (int i = 0; i < p->nsinks; i++)
        if (p->sinks[i].fn == fn && p->sinks[i].priv == priv) {
            p->sinks[i] = p->sinks[--p->nsinks];
            break;
        }
    update_entry(p);
}

void prop_suspend(struct server *srv)
{
    srv->prop.suspended++;
    update_entry(&srv->prop);
}

void prop_resume(struct server *srv)
{
    srv->prop.suspended--;
    update_entry(&srv->prop);
}

static void emit(struct server *srv, int kind, const char *p, size_t len)
{
    struct propagation *pr = &srv->prop;
    for (int i = 0; i < pr->nsinks; i++)
        if (kind < 0 || pr->sinks[i].replicas == (kind == 1))
            pr->sinks[i].fn(srv, p, len, pr->sinks[i].priv);
}

/* One version of the unit to the sinks of `kind` (-1 every sink, 0 the
 * non-replica sinks, 1 the replicas' sink). */
static void flush_unit(struct server *srv, int kind, const struct sbuf *u, size_t first, int ops)
{
    if (!ops) {
        /* only a SELECT (made for a replica-only command): the stream's
         * db moved for every sink, so they all get it */
        if (u->len) emit(srv, kind, u->p, u->len);
        return;
    }
    if (ops == 1) {
        emit(srv, kind, u->p, u->len);
        return;
    }
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
    if (first) emit(srv, kind, u->p, first);
    emit(srv, kind, multi, sizeof multi - 1);
    emit(srv, kind, u->p + first, u->len - first);
    emit(srv, kind, exec, sizeof exec - 1);
}

void prop_flush(struct server *srv)
{
    struct propagation *p = &srv->prop;
    if (!p->ops) return;
    if (p->sink) {
        if (!p->split) {
            flush_unit(srv, -1, &p->unit, p->first_cmd, p->ops);
        } else {
            flush_unit(srv, 0, &p->unit_all, p->first_cmd_all, p->ops_all);
            flush_unit(srv, 1, &p->unit, p->first_cmd, p->ops);
        }
    }
    p->ops = p->ops_all = 0;
    p->first_cmd = p->first_cmd_all = 0;
    p->unit.len = p->unit_all.len = 0;
    p->split = false;
    /* a huge unit (a big MSET) should not keep its buffer */
    if (p->unit.cap > (1u << 20)) sbuf_free(&p->unit);
    if (p->unit_all.cap > (1u << 20)) sbuf_free(&p->unit_all);
}

void prop_add(struct server *srv, int db, int argc, const struct slice *argv)
{
    struct propagation *p = &srv->prop;
    if (!p->sink) return;
    begin_op(p, db, false);
    put_cmd(p, false, argc, argv, NULL, NULL);
    if (p->depth == 0) prop_flush(srv);
}

void prop_addv(struct server *srv, int db, int argc, const char **argv, const size_t *lens)
{
    struct propagation *p = &srv->prop;
    if (!p->sink) return;
    begin_op(p, db, false);
    put_cmd(p, false, argc, NULL, argv, lens);
    if (p->depth == 0) prop_flush(srv);
}

void prop_replicas_only(struct client *c)
{
    struct server *srv = c->srv;
    struct propagation *p = &srv->prop;
    if (!p->sink || !srv->nreplicas) return;
    begin_op(p, c->db->id, true);
    put_cmd(p, true, c->argc, c->argv, NULL, NULL);
    if (p->depth == 0) prop_flush(srv);
}

void prop_command(struct client *c, int argc, const struct slice *argv)
{
    c->flags |= CLIENT_PROP_CUSTOM;
    prop_add(c->srv, c->db->id, argc, argv);
}

void prop_commandv(struct client *c, int argc, const char **argv, const size_t *lens)
{
    c->flags |= CLIENT_PROP_CUSTOM;
    prop_addv(c->srv, c->db->id, argc, argv, lens);
}

void prop_del(struct client *c, const char *key, size_t klen, bool unlink)
{
    const char *argv[2] = {unlink ? "UNLINK" : "DEL", key};
    size_t lens[2] = {unlink ? 6u : 3u, klen};
    prop_commandv(c, 2, argv, lens);
}

void prop_key_deleted(struct server *srv, int db, const char *key, size_t klen, bool lazy)
{
    if (!srv->prop.sink) return;
    const char *argv[2] = {lazy ? "UNLINK" : "DEL", key};
    size_t lens[2] = {lazy ? 6u : 3u, klen};
    prop_addv(srv, db, 2, argv, lens);
}
