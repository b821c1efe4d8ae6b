/*
 * harness: runs the ssl-session-sim line protocol against the real libssl.
 *
 *   harness [--timeout SECONDS] [--max-rss-mb MB] [--changes]   supervised (default)
 *   harness [--changes] --worker                                 execute directly, no watchdog
 *
 * --changes: a state line lists an object only when it differs from how the last
 * line that listed it showed it, so a long trace's output grows with what its
 * statements change, not with every object it made (PROTOCOL.md).
 *
 * See conformance/README.md and conformance/PROTOCOL.md.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void usage(void)
{
    die("usage: harness [--timeout SECONDS] [--max-rss-mb MB] [--changes] | harness [--changes] --worker  (protocol on stdin)");
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
        else if (strcmp(argv[i], "--changes") == 0)
            setenv(HARNESS_CHANGES_ENV, "1", 1); /* the worker reads it, here or after the supervisor's exec */
        else
            usage();
    }
    if (timeout <= 0 || max_rss_mb <= 0)
        usage();
    return supervisor_main(timeout, max_rss_mb);
}
