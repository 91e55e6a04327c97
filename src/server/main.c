/* main: apiary-server's entry point. Parses the command line
 *   apiary-server [/path/to/apiary.conf] [--directive value ...] [-v|--version] [-h|--help]
 * loads the configuration, wires the modules together and runs the loop.
 * This is the only place that knows every module. */
#include "base/log.h"
#include "base/mem.h"
#include "core/config.h"
#include "core/replica.h"
#include "base/util.h"
#include "core/server.h"
#include "persist/engine.h"
#include "script/script.h"
#include "server/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr,
            "Usage: ./apiary-server [/path/to/apiary.conf] [options]\n"
            "       ./apiary-server -v or --version\n"
            "       ./apiary-server -h or --help\n\n"
            "Examples:\n"
            "       ./apiary-server (run the server with the built-in default configuration)\n"
            "       ./apiary-server /etc/apiary/apiary.conf\n"
            "       ./apiary-server --port 7777\n"
            "       ./apiary-server /etc/myapiary.conf --loglevel verbose\n"
            "       ./apiary-server --dir /var/lib/apiary --restore FILE [--force]\n"
            "           (start from a backup; --force replaces data already in --dir)\n");
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    static struct server srv;
    char err[1024];
    config_defaults(&srv.cfg);
    int i = 1;
    if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("Apiary server v=%s redis_version=%s\n", APIARY_VERSION, REDIS_COMPAT_VERSION);
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage();
        return 0;
    }
    if (argc >= 2 && argv[1][0] != '-') {
        char real[PATH_MAX];
        if (config_load_file(&srv, argv[1], err, sizeof(err)) < 0) {
            fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\n%s\n", err);
            return 1;
        }
        srv.cfg.config_file = mem_strdup(realpath(argv[1], real) ? real : argv[1]);
        i = 2;
    }
    /* --restore FILE [--force]: start from a backup (persist/backup.c) */
    char *restore = NULL;
    bool force = false;
    /* --directive value [value ...] */
    while (i < argc) {
        if (!strcmp(argv[i], "--restore") && i + 1 < argc) {
            char real[PATH_MAX];
            /* relative to where we were started, not to `dir` */
            restore = mem_strdup(realpath(argv[i + 1], real) ? real : argv[i + 1]);
            i += 2;
            continue;
        }
        if (!strcmp(argv[i], "--force")) {
            force = true;
            i++;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0') {
            fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\nInvalid argument '%s'\n", argv[i]);
            usage();
            return 1;
        }
        char *words[64];
        int n = 0;
        words[n++] = argv[i] + 2;
        i++;
        while (i < argc && strncmp(argv[i], "--", 2) != 0 && n < 64) words[n++] = argv[i++];
        if (n == 1) words[n++] = ""; /* "--save" alone: empty value */
        if (config_set_words(&srv, n, words, false, err, sizeof(err)) < 0) {
            fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\n--%s: %s\n", words[0], err);
            return 1;
        }
    }
    if (srv.cfg.daemonize && daemon(1, 0) < 0) {
        fprintf(stderr, "Can't daemonize: %s\n", strerror(errno));
        return 1;
    }
    log_set_level((enum log_level)srv.cfg.loglevel);
    if (log_open(srv.cfg.logfile) < 0) {
        fprintf(stderr, "Can't open the log file %s\n", srv.cfg.logfile);
        return 1;
    }
    if (srv.cfg.dir && srv.cfg.dir[0] && chdir(srv.cfg.dir) < 0) {
        fprintf(stderr, "Can't chdir to '%s'\n", srv.cfg.dir);
        return 1;
    }
    if (server_init(&srv, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        return 1;
    }
    commands_register_all(&srv);
    if (script_init(&srv, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        return 1;
    }
    if (persist_engine_init(&srv, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        return 1;
    }
    log_notice("oO0OoO0OoO0Oo Apiary is starting oO0OoO0OoO0Oo");
    log_notice("Apiary version=%s, redis_version=%s, bits=%d, pid=%d, just started", APIARY_VERSION,
               REDIS_COMPAT_VERSION, (int)(sizeof(long) * 8), (int)getpid());
    if (!srv.cfg.config_file)
        log_notice("No config file specified, using the default config.");
    /* the data set before any client can connect: a partial one is worse
     * than not starting, so any error stops here */
    server_update_time(&srv);
    int loaded = persist_engine_load(&srv, restore, force, err, sizeof(err));
    mem_free(restore);
    if (loaded < 0) {
        log_warning("%s. Exiting.", err); /* the engine says what failed */
        persist_engine_deinit(&srv);
        script_deinit(&srv);
        server_deinit(&srv);
        return 1;
    }
    if (server_listen(&srv, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        return 1;
    }
    if (srv.cfg.pidfile && srv.cfg.pidfile[0]) write_pidfile(srv.cfg.pidfile);
    log_notice("Apiary ready to accept connections on port %d, pid %d", srv.cfg.port, (int)getpid());
    /* `replicaof` in the configuration: the link starts with the loop */
    if (srv.cfg.replicaof_host) {
        char *host = mem_strdup(srv.cfg.replicaof_host);
        replica_set_master(&srv, host, srv.cfg.replicaof_port);
        mem_free(host);
    }
    server_run(&srv);
    persist_engine_deinit(&srv);
    script_deinit(&srv);
    server_deinit(&srv);
    return 0;
}
