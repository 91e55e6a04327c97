/* notify: keyspace notifications (notify-keyspace-events).
 *
 * Commands that change a key call notify_keyspace_event() with the class
 * of the event (NOTIFY_STRING for "set", NOTIFY_GENERIC for "del", ...);
 * when the configured flags select both the class and a channel kind, the
 * event is published on
 *     __keyspace@<db>__:<key>   with the event name as the message (K)
 *     __keyevent@<db>__:<event> with the key as the message            (E)
 * through core/pubsub. With notifications off (the default) a call costs
 * one test of the flags.
 *
 * It is also the one place a change to a key is reported: WATCH learns of
 * it here first (one test while nothing is watched), then client-side
 * caching invalidation (core/tracking; one test while no client tracks). */
#ifndef APIARY_NOTIFY_H
#define APIARY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/db.h"
#include "core/multi.h"
#include "core/server.h"
#include "core/tracking.h"

enum notify_class {
    NOTIFY_KEYSPACE = 1 << 0, /* K */
    NOTIFY_KEYEVENT = 1 << 1, /* E */
    NOTIFY_GENERIC = 1 << 2,  /* g */
    NOTIFY_STRING = 1 << 3,   /* $ */
    NOTIFY_LIST = 1 << 4,     /* l */
    NOTIFY_SET = 1 << 5,      /* s */
    NOTIFY_HASH = 1 << 6,     /* h */
    NOTIFY_ZSET = 1 << 7,     /* z */
    NOTIFY_EXPIRED = 1 << 8,  /* x */
    NOTIFY_EVICTED = 1 << 9,  /* e */
    NOTIFY_STREAM = 1 << 10,  /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m (not in A) */
    NOTIFY_LOADED = 1 << 12,  /* module key loads (no letter) */
    NOTIFY_MODULE = 1 << 13,  /* d */
    NOTIFY_NEW = 1 << 14,     /* n (not in A) */
};
/* "A": every class but m and n */
#define NOTIFY_ALL                                                                                 \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |       \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* Parses the letters of notify-keyspace-events; false on an unknown one. */
bool notify_parse_flags(const char *s, size_t len, int *flags);
/* The canonical letters for flags (CONFIG GET); buf has room for 32. */
void notify_flags_string(int flags, char *buf);

void notify_keyspace_event_slow(struct server *srv, int cls, const char *event, const char *key,
                                size_t klen, int dbid);
/* Publishes event (a static name such as "set") for key in db dbid when
 * the configuration selects its class. */
static inline void notify_keyspace_event(struct server *srv, int cls, const char *event,
                                         const char *key, size_t klen, int dbid)
{
    if (srv->watching) watch__touch(srv, dbid, key, klen, cls == NOTIFY_EXPIRED);
    if (srv->tracking_clients && cls != NOTIFY_KEY_MISS) tracking__key_changed(srv, key, klen);
    int flags = srv->cfg.notify_flags;
    if ((flags & cls) && (flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)))
        notify_keyspace_event_slow(srv, cls, event, key, klen, dbid);
}

/* The same for a key of the client's current db. */
static inline void notify_key(struct client *c, int cls, const char *event, const char *key,
                              size_t klen)
{
    notify_keyspace_event(c->srv, cls, event, key, klen, c->db->id);
}

#endif
