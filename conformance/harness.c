/*
 * harness: runs the ssl-session-sim line protocol against the real libssl.
 *
 *   harness [--timeout SECONDS] [--max-rss-mb MB]   supervised (default)
 *   harness --worker                                 execute directly, no watchdog
 *
 * See conformance/README.md and conformance/PROTOCOL.md.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void usage(void)
{
    die("usage: harness [--timeout SECONDS] [--max-rss-mb MB] | harness --worker  (protocol on stdin)");
}

int main(int argc, char **argv)
{
    double timeout = 5.0;
    long max_rss_mb = 1536;
    const char *env = getenv("HARNESS_STEP_TIMEOUT");

    sim_program = "harness";
    if (env != NULL)
        timeout = atof(env);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--worker") == 0 || strcmp(argv[i], "--direct") == 0)
            return worker_main(stdin, stdout);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = atof(argv[++i]);
        else if (strcmp(argv[i], "--max-rss-mb") == 0 && i + 1 < argc)
            max_rss_mb = atol(argv[++i]);
        else
            usage();
    }
    if (timeout <= 0 || max_rss_mb <= 0)
        usage();
    return supervisor_main(timeout, max_rss_mb);
}
