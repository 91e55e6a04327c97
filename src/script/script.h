/* script: Lua scripting (EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT) on
 * Debian's Lua 5.1.
 *
 * One Lua state per server, created by script_init and kept for the
 * process's life (SCRIPT FLUSH replaces it). A script runs its commands
 * through the normal call() path on one internal client (CLIENT_SCRIPT)
 * that carries the caller's db and the script's RESP version; that client's
 * replies are read back and converted to Lua values. While a script runs
 * longer than busy-reply-threshold, a Lua count hook lets the event loop
 * serve other clients, who get BUSY except for SCRIPT KILL and SHUTDOWN
 * NOSAVE. docs/scripting.md says what is supported. */
#ifndef APIARY_SCRIPT_H
#define APIARY_SCRIPT_H

#include <stddef.h>

struct server;

/* Creates the Lua state and the internal client (after server_init);
 * 0, or -1 with err. */
int script_init(struct server *srv, char *err, size_t errlen);
/* Frees everything script_init made (before server_deinit). */
void script_deinit(struct server *srv);

/* The EVAL family and SCRIPT are the table `script_commands`, registered
 * by server/commands.c. */

#endif
