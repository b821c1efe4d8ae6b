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

int sim_finish(void)
{
    return g_failed ? 1 : 0;
}
