/* fuzz_config: libFuzzer target for the config file parser. The input is a
 * config file's text; loading it must never crash or leak, whatever it
 * holds, and a rejected file must come with a message. */
#include "core/config.h"
#include "core/server.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct server srv;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&srv, 0, sizeof(srv));
    config_defaults(&srv.cfg);
    char err[512] = "";
    if (config_load_text(&srv, text, "fuzz", err, sizeof(err)) < 0 && err[0] == '\0') abort();
    config_free(&srv.cfg);
    free(text);
    return 0;
}
