/* log: leveled logging to stdout or a file, in Redis's line format
 * "pid:role dd Mon yyyy hh:mm:ss.mmm <sym> message". The log target is
 * process-wide configuration (set once at start-up and by CONFIG SET). */
#ifndef APIARY_LOG_H
#define APIARY_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING, LOG_NOTHING };

/* path NULL or "" means stdout. Returns 0 or -errno. */
int log_open(const char *path);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parse "debug|verbose|notice|warning|nothing"; -1 when unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
