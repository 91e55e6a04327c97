/* cmd_expire: TTL commands (EXPIRE, TTL, PERSIST, ...). */
#include "core/cmd.h"

struct command expire_commands[] = {
    {NULL}};
