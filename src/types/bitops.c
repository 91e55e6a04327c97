/* bitops: bit commands (SETBIT, BITCOUNT, BITFIELD, ...). */
#include "core/cmd.h"

struct command bitops_commands[] = {
    {NULL}};
