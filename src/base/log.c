/* log: see log.h. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static FILE *log_fp;
static enum log_level log_level = LOG_NOTICE;
static const char *level_names[] = {"debug", "verbose", "notice", "warning", "nothing"};

int log_open(const char *path)
{
    FILE *fp = stdout;
    if (path && path[0]) {
        fp = fopen(path, "a");
        if (!fp) return -errno;
    }
    if (log_fp && log_fp != stdout) fclose(log_fp);
    log_fp = fp;
    return 0;
}

void log_set_level(enum log_level lvl) { log_level = lvl; }
enum log_level log_get_level(void) { return log_level; }
const char *log_level_name(enum log_level lvl) { return level_names[lvl]; }

int log_level_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, level_names[i]) == 0) return i;
    return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl < log_level || lvl >= LOG_NOTHING) return;
    FILE *fp = log_fp ? log_fp : stdout;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char ts[64];
    size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(ts + n, sizeof(ts) - n, "%03d", (int)(tv.tv_usec / 1000));
    static const char syms[] = ".-*#";
    fprintf(fp, "%d:M %s %c %s\n", (int)getpid(), ts, syms[lvl], msg);
    fflush(fp);
}
