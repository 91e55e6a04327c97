/* t_string: the string commands. */
#include "base/mem.h"
#include "base/util.h"
#include "core/client.h"
#include "core/cmd.h"
#include "core/db.h"
#include "core/reply.h"
#include "core/server.h"

#include <string.h>

static void get_cmd(struct client *c)
{
    struct kentry *ke = db_lookup_read(&c->srv->ks, c->db, c->argv[1].p, c->argv[1].len);
    if (!ke) {
        reply_null(c);
        return;
    }
    if (ke->val->type != OBJ_STRING) {
        reply_err_wrongtype(c);
        return;
    }
    reply_bulk_obj(c, ke->val);
}

static void set_cmd(struct client *c)
{
    struct obj *v = obj_new_string(c->argv[2].p, c->argv[2].len);
    db_set(&c->srv->ks, c->db, c->argv[1].p, c->argv[1].len, v, false);
    c->srv->dirty++;
    reply_ok(c);
}

struct command string_commands[] = {
    {"get", get_cmd, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "@read @string @fast",
     "Returns the string value of a key", "1.0.0", "string"},
    {"set", set_cmd, -3, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "@write @string @slow",
     "Sets the string value of a key", "1.0.0", "string"},
    {NULL}};
