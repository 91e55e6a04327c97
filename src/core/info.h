/* info: the INFO command. Sections, field names and formats are Redis
 * 7.0's, so monitoring tools and the Redis test helpers read them as they
 * read Redis's; Apiary adds apiary_version to the server section. */
#ifndef APIARY_INFO_H
#define APIARY_INFO_H

struct client;

/* INFO [section ...]: sections by name (case-insensitive), "default",
 * "all" or "everything"; none means "default". */
void info_command(struct client *c);

#endif
