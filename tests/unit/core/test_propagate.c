/* Unit tests for src/core/propagate.c: what each kind of sink receives
 * when a unit holds replica-only commands (PUBLISH): the replicas' sink the
 * whole unit, the others (the AOF) the unit without them, with the SELECTs
 * that keep both streams in the right database. No sockets, no keyspace:
 * a zeroed server with two recording sinks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/client.h"
#include "core/propagate.h"
#include "core/server.h"

#include <string.h>

static struct sbuf got_aof, got_repl;

static void aof_sink(struct server *srv, const char *p, size_t len, void *priv)
{
    sbuf_cat(&got_aof, p, len);
}

static void repl_sink(struct server *srv, const char *p, size_t len, void *priv)
{
    sbuf_cat(&got_repl, p, len);
}

static struct server srv;
static struct db dbs[4];
static struct client cli;
static struct slice pub[3];

static void setup(void)
{
    memset(&srv, 0, sizeof srv);
    srv.prop.stream_db = -1;
    srv.nreplicas = 1;
    for (int i = 0; i < 4; i++) dbs[i].id = i;
    memset(&cli, 0, sizeof cli);
    cli.srv = &srv;
    cli.db = &dbs[0];
    pub[0] = (struct slice){"PUBLISH", 7};
    pub[1] = (struct slice){"ch", 2};
    pub[2] = (struct slice){"msg", 3};
    cli.argv = pub;
    cli.argc = 3;
    got_aof.len = got_repl.len = 0;
    assert_int_equal(prop_attach(&srv, aof_sink, NULL), 0);
    assert_int_equal(prop_attach_replicas(&srv, repl_sink, NULL), 0);
}

static void teardown(void)
{
    sbuf_free(&srv.prop.unit);
    sbuf_free(&srv.prop.unit_all);
    sbuf_free(&got_aof);
    sbuf_free(&got_repl);
}

#define SEL0 "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
#define SEL2 "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
#define SETKV "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
#define PUB "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$3\r\nmsg\r\n"
#define MULTI "*1\r\n$5\r\nMULTI\r\n"
#define EXEC "*1\r\n$4\r\nEXEC\r\n"

static void assert_got(const struct sbuf *b, const char *want)
{
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->p, want, b->len);
}

static void test_plain_units_reach_both(void **state)
{
    setup();
    const char *set[] = {"SET", "k", "v"};
    prop_addv(&srv, 0, 3, set, NULL);
    assert_got(&got_aof, SEL0 SETKV);
    assert_got(&got_repl, SEL0 SETKV);
    teardown();
}

static void test_publish_in_a_transaction(void **state)
{
    setup();
    const char *set[] = {"SET", "k", "v"};
    srv.prop.depth = 1; /* an EXEC running */
    prop_addv(&srv, 0, 3, set, NULL);
    prop_replicas_only(&cli);
    srv.prop.depth = 0;
    prop_flush(&srv);
    assert_got(&got_repl, SEL0 MULTI SETKV PUB EXEC);
    assert_got(&got_aof, SEL0 SETKV); /* one command left: no MULTI */
    /* the next unit is built once again */
    got_aof.len = got_repl.len = 0;
    prop_addv(&srv, 0, 3, set, NULL);
    assert_got(&got_aof, SETKV);
    assert_got(&got_repl, SETKV);
    teardown();
}

static void test_publish_alone_in_another_db(void **state)
{
    setup();
    cli.db = &dbs[2];
    prop_replicas_only(&cli);
    /* the stream's db moved for everyone: the AOF gets the SELECT too */
    assert_got(&got_repl, SEL2 PUB);
    assert_got(&got_aof, SEL2);
    got_aof.len = got_repl.len = 0;
    const char *set[] = {"SET", "k", "v"};
    prop_addv(&srv, 2, 3, set, NULL);
    assert_got(&got_aof, SETKV);
    assert_got(&got_repl, SETKV);
    teardown();
}

static void test_no_replicas_no_publish(void **state)
{
    setup();
    srv.nreplicas = 0;
    prop_replicas_only(&cli);
    assert_int_equal(got_aof.len, 0);
    assert_int_equal(got_repl.len, 0);
    teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_units_reach_both),
        cmocka_unit_test(test_publish_in_a_transaction),
        cmocka_unit_test(test_publish_alone_in_another_db),
        cmocka_unit_test(test_no_replicas_no_publish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
