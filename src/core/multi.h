/* multi: transactions. MULTI starts queuing a client's commands (each
 * checked for existence and arity as it is queued, answered +QUEUED); EXEC
 * runs them back to back, nothing else interleaving, and replies with an
 * array of their replies; a queuing error makes EXEC answer EXECABORT and
 * run nothing; DISCARD drops the queue. Queued commands own copies of
 * their arguments (the query buffer is reused meanwhile).
 * WATCH (optimistic locking) is not part of this yet. */
#ifndef APIARY_MULTI_H
#define APIARY_MULTI_H

#include <stdbool.h>

struct client;
struct command;

/* Commands that act on the transaction itself rather than being queued. */
bool multi_runs_now(const struct command *cmd);
void multi_queue(struct client *c, struct command *cmd);
/* Drop the queue and leave MULTI state (DISCARD, RESET, disconnect). */
void multi_discard(struct client *c);

#endif
