/* commands: the one list of every module's command table. Adding a data
 * type or a module means adding its table here. */
#include "server/commands.h"

#include "core/cmd.h"
#include "types/types.h"

extern struct command conn_commands[];
extern struct command server_commands[];
extern struct command config_commands[];
extern struct command string_commands[];
extern struct command bitops_commands[];
extern struct command keys_commands[];
extern struct command expire_commands[];
extern struct command function_commands[];
extern struct command memory_commands[];
extern struct command set_commands[];
extern struct command multi_commands[];
extern struct command hash_commands[];
extern struct command list_commands[];
extern struct command zset_commands[];
extern struct command sort_commands[];
extern struct command pubsub_commands[];
extern struct command persist_commands[];
extern struct command repl_commands[];
extern struct command replica_commands[];
extern struct command dump_commands[];
extern struct command script_commands[];

void commands_register_all(struct server *srv)
{
    types_init();
    cmd_register(srv, conn_commands);
    cmd_register(srv, server_commands);
    cmd_register(srv, config_commands);
    cmd_register(srv, string_commands);
    cmd_register(srv, bitops_commands);
    cmd_register(srv, keys_commands);
    cmd_register(srv, expire_commands);
    cmd_register(srv, function_commands);
    cmd_register(srv, memory_commands);
    cmd_register(srv, set_commands);
    cmd_register(srv, multi_commands);
    cmd_register(srv, hash_commands);
    cmd_register(srv, list_commands);
    cmd_register(srv, zset_commands);
    cmd_register(srv, sort_commands);
    cmd_register(srv, pubsub_commands);
    cmd_register(srv, persist_commands);
    cmd_register(srv, repl_commands);
    cmd_register(srv, replica_commands);
    cmd_register(srv, dump_commands);
    cmd_register(srv, script_commands);
}
