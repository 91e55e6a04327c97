/* config: every directive of apiary.conf, CONFIG GET/SET/REWRITE.
 *
 * One table row per directive: name, type, where it lives in struct
 * config, bounds, default, and an optional apply hook run after a change
 * at run time. The same table serves the config file, command-line
 * overrides (--port 7000), CONFIG GET (glob patterns), CONFIG SET (several
 * pairs, all-or-nothing) and CONFIG REWRITE. */
#ifndef APIARY_CONFIG_H
#define APIARY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct config;

void config_defaults(struct config *cfg);
void config_free(struct config *cfg);
/* Apply the directives in text (a config file's contents); on error writes
 * "line N: message" into err and returns -1. `source` names the file in
 * messages. */
int config_load_text(struct server *srv, const char *text, const char *source, char *err,
                     size_t errlen);
int config_load_file(struct server *srv, const char *path, char *err, size_t errlen);
/* Set one directive from its words (argv[0] is the name); -1 with err. */
int config_set_words(struct server *srv, int argc, char **argv, bool at_runtime, char *err,
                     size_t errlen);
/* Write the running configuration back to the config file. */
int config_rewrite(struct server *srv, char *err, size_t errlen);

#endif
