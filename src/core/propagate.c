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
 * command begins. */
static void begin_op(struct propagation *p, int db)
{
    if (p->stream_db != db) {
        char num[24];
        int n = util_ll2str(num, db);
        put_count(&p->unit, 2);
        put_bulk(&p->unit, "SELECT", 6);
        put_bulk(&p->unit, num, (size_t)n);
        p->stream_db = db;
    }
    if (p->ops++ == 0) p->first_cmd = p->unit.len;
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

int prop_attach(struct server *srv, prop_sink_fn *fn, void *priv)
{
    struct propagation *p = &srv->prop;
    if (p->nsinks == PROP_MAX_SINKS) return -1;
    p->sinks[p->nsinks].fn = fn;
    p->sinks[p->nsinks].priv = priv;
    p->nsinks++;
    p->stream_db = -1; /* the newcomer needs a SELECT first */
    update_entry(p);
    return 0;
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

void prop_flush(struct server *srv)
{
    struct propagation *p = &srv->prop;
    if (!p->ops) return;
    if (p->sink) {
        if (p->ops == 1) {
            p->sink(srv, p->unit.p, p->unit.len, p->sink_priv);
        } else {
            static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
            if (p->first_cmd) p->sink(srv, p->unit.p, p->first_cmd, p->sink_priv);
            p->sink(srv, multi, sizeof multi - 1, p->sink_priv);
            p->sink(srv, p->unit.p + p->first_cmd, p->unit.len - p->first_cmd, p->sink_priv);
            p->sink(srv, exec, sizeof exec - 1, p->sink_priv);
        }
    }
    p->ops = 0;
    p->first_cmd = 0;
    p->unit.len = 0;
    /* a huge unit (a big MSET) should not keep its buffer */
    if (p->unit.cap > (1u << 20)) sbuf_free(&p->unit);
}

void prop_add(struct server *srv, int db, int argc, const struct slice *argv)
{
    struct propagation *p = &srv->prop;
    if (!p->sink) return;
    begin_op(p, db);
    put_count(&p->unit, argc);
    for (int i = 0; i < argc; i++) put_bulk(&p->unit, argv[i].p, argv[i].len);
    if (p->depth == 0) prop_flush(srv);
}

void prop_addv(struct server *srv, int db, int argc, const char **argv, const size_t *lens)
{
    struct propagation *p = &srv->prop;
    if (!p->sink) return;
    begin_op(p, db);
    put_count(&p->unit, argc);
    for (int i = 0; i < argc; i++) put_bulk(&p->unit, argv[i], lens ? lens[i] : strlen(argv[i]));
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
