/* notify: see notify.h. */
#include "core/notify.h"

#include "base/mem.h"
#include "base/util.h"
#include "core/pubsub.h"

#include <stdio.h>
#include <string.h>

static const struct {
    char letter;
    int flag;
} letters[] = {
    {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING},  {'l', NOTIFY_LIST},    {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},    {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},  {'m', NOTIFY_KEY_MISS}, {'d', NOTIFY_MODULE}, {'n', NOTIFY_NEW},
    {'K', NOTIFY_KEYSPACE}, {'E', NOTIFY_KEYEVENT},
};

bool notify_parse_flags(const char *s, size_t len, int *flags)
{
    int f = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 'A') {
            f |= NOTIFY_ALL;
            continue;
        }
        size_t j = 0;
        for (; j < sizeof(letters) / sizeof(letters[0]); j++)
            if (letters[j].letter == s[i]) break;
        if (j == sizeof(letters) / sizeof(letters[0])) return false;
        f |= letters[j].flag;
    }
    *flags = f;
    return true;
}

void notify_flags_string(int flags, char *buf)
{
    size_t n = 0;
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        buf[n++] = 'A';
        flags &= ~NOTIFY_ALL;
    }
    /* the class letters in Redis's order, then K, E, m, n */
    static const char order[] = "g$lshzxetdKEmn";
    for (const char *o = order; *o; o++)
        for (size_t j = 0; j < sizeof(letters) / sizeof(letters[0]); j++)
            if (letters[j].letter == *o && (flags & letters[j].flag)) buf[n++] = *o;
    buf[n] = '\0';
}

void notify_keyspace_event_slow(struct server *srv, int cls, const char *event, const char *key,
                                size_t klen, int dbid)
{
    int flags = srv->cfg.notify_flags;
    size_t elen = strlen(event);
    char stack[256];
    size_t cap = 32 + (klen > elen ? klen : elen);
    char *ch = cap <= sizeof(stack) ? stack : mem_alloc(cap);
    if (flags & NOTIFY_KEYSPACE) {
        int n = snprintf(ch, cap, "__keyspace@%d__:", dbid);
        memcpy(ch + n, key, klen);
        pubsub_publish(srv, ch, (size_t)n + klen, event, elen);
    }
    if (flags & NOTIFY_KEYEVENT) {
        int n = snprintf(ch, cap, "__keyevent@%d__:", dbid);
        memcpy(ch + n, event, elen);
        pubsub_publish(srv, ch, (size_t)n + elen, key, klen);
    }
    if (ch != stack) mem_free(ch);
    (void)cls;
}
