/* cmd_keys: generic keyspace commands (DEL, EXISTS, SCAN, RENAME, ...). */
#include "core/cmd.h"

struct command keys_commands[] = {
    {NULL}};
