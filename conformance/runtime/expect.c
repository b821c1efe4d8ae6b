/* Programs only (not the harness): start-up, expect lines and the exit status. */
#include "runtime.h"

static const char *g_trace_file = "trace";
static int g_failed;

void sim_init(const char *trace_file)
{
    g_trace_file = trace_file;
    sim_registry_init();
    sim_cert_init();
}

/* A failed expect does not stop the program: the lines after it still run, as in the model. */
void sim_expect(int ok, int line, const char *text)
{
    if (ok)
        return;
    fprintf(stderr, "%s:%d: expect failed: %s\n", g_trace_file, line, text);
    fflush(stderr);
    g_failed = 1;
}

/*
 * Zeros the dead stack below the caller: the frames of the calls main made
 * (sim_connect, SSL_free, ...) keep copies of the trace's pointers, and
 * LeakSanitizer, which scans the stack from its top at exit, would take a
 * leaked object those copies point to as reachable (a missed leak report).
 * Not instrumented, so no redzone is left unwritten.
 */
__attribute__((noinline, no_sanitize_address)) static void scrub_stack(void)
{
    volatile unsigned char zeros[1 << 16];

    for (size_t i = 0; i < sizeof zeros; i++)
        zeros[i] = 0;
}

/* The exit status; main's handles are cleared before (see emit-c.ts), the stores forget theirs here. */
int sim_finish(void)
{
    sim_registry_forget_stores();
    scrub_stack();
    return g_failed ? 1 : 0;
}
