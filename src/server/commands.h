/* commands: registers every module's command table with the server. */
#ifndef APIARY_COMMANDS_H
#define APIARY_COMMANDS_H

struct server;
void commands_register_all(struct server *srv);

#endif
