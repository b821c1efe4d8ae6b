/*
 * The simulated clock. An executable's definition of time() interposes on
 * libc's for every shared library too (libssl imports time@GLIBC_2.2.5 and an
 * unversioned definition in the executable satisfies it), so libssl reads
 * this clock for session times, expiry checks and the auto flush. The
 * harness's probe_calibrate() checks that it really does.
 */
#include "runtime.h"

/* A program starts where the model does; the harness sets its protocol's `clock T0`. */
static time_t g_clock = SIM_CLOCK_START;

time_t time(time_t *out)
{
    if (out != NULL)
        *out = g_clock;
    return g_clock;
}

void sim_clock_set(time_t t)
{
    g_clock = t;
}

time_t sim_clock_now(void)
{
    return g_clock;
}

void sim_advance_time(long long n)
{
    if (n > 0)
        g_clock += (time_t)n;
}
