/* Small helpers: a string copy and a growable string (die and xmalloc: runtime/util.c). */
#include <stdarg.h>
#include <string.h>

#include "harness.h"

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static void str_reserve(Str *s, size_t extra)
{
    if (s->len + extra + 1 <= s->cap)
        return;
    while (s->len + extra + 1 > s->cap)
        s->cap = s->cap ? s->cap * 2 : 256;
    s->buf = xrealloc(s->buf, s->cap);
}

void str_addf(Str *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    str_reserve(s, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

/* Appends one character: a state line appends thousands of ids, and a format call each was most of its cost. */
static void str_addc(Str *s, char c)
{
    str_reserve(s, 1);
    s->buf[s->len++] = c;
    s->buf[s->len] = '\0';
}

void str_add_json_string(Str *s, const char *text)
{
    str_addc(s, '"');
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            str_addf(s, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            str_addf(s, "\\u%04x", *p);
        else
            str_addc(s, (char)*p);
    }
    str_addc(s, '"');
}

void str_reset(Str *s)
{
    s->len = 0;
    if (s->buf != NULL)
        s->buf[0] = '\0';
}
