/* pubsub: channels, patterns and shard channels; PUBLISH delivers to
 * their subscribers.
 *
 * The server holds three tables (channels, patterns, shard channels) from
 * a name to its subscriber list; a client holds a table of its own
 * subscriptions. One `struct sub` node is both the client's entry and the
 * channel's list element, so subscribe and unsubscribe are O(1) and a
 * disconnecting client leaves nothing behind (pubsub_client_free).
 *
 * Delivery writes one preformatted message per publish (per matching
 * pattern) into each subscriber's output: as an array for RESP2 clients
 * and a push ('>') for RESP3 clients. A slow subscriber runs into the
 * pubsub class of client-output-buffer-limit and is closed; the publisher
 * and the others are not affected. */
#ifndef APIARY_PUBSUB_H
#define APIARY_PUBSUB_H

#include <stddef.h>

struct server;
struct client;

void pubsub_init(struct server *srv);
void pubsub_deinit(struct server *srv);

/* Drops every subscription of c (disconnect, RESET) without replying. */
void pubsub_client_free(struct client *c);

/* Sends message to the subscribers of channel and of every matching
 * pattern; returns how many received it. Keyspace notifications use it. */
long long pubsub_publish(struct server *srv, const char *ch, size_t chlen, const char *msg,
                         size_t msglen);

/* For INFO: channels and patterns with at least one subscriber. */
void pubsub_counts(const struct server *srv, size_t *channels, size_t *patterns, size_t *shard);
/* c's own subscriptions: channels, patterns, shard channels (CLIENT LIST). */
void pubsub_client_counts(const struct client *c, size_t *sub, size_t *psub, size_t *ssub);

#endif
