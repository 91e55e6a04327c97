/* scan: the argument grammar shared by SCAN, SSCAN, HSCAN (and ZSCAN):
 *   <cursor> [MATCH pattern] [COUNT count] [TYPE type]
 * with Redis's errors: "ERR invalid cursor", a non-integer COUNT, COUNT < 1
 * or an unknown word is a syntax error. TYPE is only accepted by SCAN. */
#ifndef APIARY_SCAN_H
#define APIARY_SCAN_H

#include "base/util.h"

#include <stdbool.h>

struct client;

struct scan_args {
    unsigned long long cursor;
    long long count;          /* default 10 */
    const struct slice *pat;  /* NULL: match everything ("*" too) */
    const struct slice *type; /* NULL: any type */
};

/* Parses argv[first] (the cursor) and the options after it. Replies the
 * error and returns false on bad input. */
bool scan_parse_args(struct client *c, int first, bool allow_type, struct scan_args *out);

#endif
