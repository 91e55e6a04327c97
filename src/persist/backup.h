/* backup: scheduled verified backups (backup-dir, backup-interval,
 * backup-retention) and `apiary-server --restore FILE [--force]`; see
 * backup.c. */
#ifndef APIARY_BACKUP_H
#define APIARY_BACKUP_H

#include "core/server.h"

#include <stdbool.h>
#include <stddef.h>

struct sbuf;

void backup_cron(struct server *srv);
/* Starts a backup now; 0, or -1 with err. */
int backup_start(struct server *srv, char *err, size_t errlen);
void backup_info(struct server *srv, struct sbuf *out);
void backup_deinit(struct server *srv);
/* Start-up: load FILE (verified) as the data set and write it where the
 * server keeps its data. 0, or -1 with err (start-up stops). */
int backup_restore(struct server *srv, const char *file, bool force, char *err, size_t errlen);

#endif
