/*
 * The simulated clock. An executable's definition of time() interposes on
 * libc's for every shared library too (libssl imports time@GLIBC_2.2.5 and an
 * unversioned definition in the executable satisfies it), so libssl reads
 * this clock for session times, expiry checks and the auto flush.
 * probe_calibrate() checks that it really does.
 */
#include "harness.h"

/* Any fixed value until the protocol's `clock T0` line arrives. */
static time_t g_clock = 1600000000;

time_t time(time_t *out)
{
    if (out != NULL)
        *out = g_clock;
    return g_clock;
}

void clock_set(time_t t)
{
    g_clock = t;
}

time_t clock_now(void)
{
    return g_clock;
}
