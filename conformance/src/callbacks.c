/*
 * The events of the named callbacks: runtime/callbacks.c acts (the same
 * behaviours an emitted C program runs), and this watch appends an entry to
 * the step's `events` for each call.
 *
 * The refcount "on entry" is read straight from the object libssl passed, like
 * any callback that looks at its argument would: if libssl hands over a
 * destroyed session (a flush walking a dangling cache entry) this read is the
 * application's use-after-free, and ASan reports it here.
 */
#include "harness.h"

Str g_events;

static size_t g_event_start;

static void event_begin(void)
{
    str_addf(&g_events, "%s", g_events.len ? "," : "");
    g_event_start = g_events.len;
    str_addf(&g_events, "{");
}

/* With HARNESS_TRACE_OBJECTS=1, callbacks show up in the object trace too. */
static void event_end(void)
{
    if (objects_tracing()) {
        fprintf(stderr, "@@trace line %ld: callback %s\n", g_current_line, g_events.buf + g_event_start);
        fflush(stderr);
    }
}

static const char *id_of(ObjKind kind, const void *p)
{
    Obj *o = obj_find(kind, p);
    return o != NULL ? obj_id(o) : "?";
}

/* The refcount at the address libssl gave us, without the destroyed guard. */
static int refs_on_entry(SSL_SESSION *s)
{
    Obj *o = obj_find(OBJ_SESSION, s);
    Obj tmp;

    if (o == NULL)
        return -1;
    tmp = *o;
    tmp.destroyed = 0;
    return probe_refs(&tmp);
}

static void new_event(SSL *ssl, SSL_SESSION *sess, int ret)
{
    int refs = refs_on_entry(sess);

    event_begin();
    str_addf(&g_events, "\"cb\":\"new\",\"ssl\":");
    str_add_json_string(&g_events, id_of(OBJ_SSL, ssl));
    str_addf(&g_events, ",\"sess\":");
    str_add_json_string(&g_events, id_of(OBJ_SESSION, sess));
    str_addf(&g_events, ",\"refs\":%d,\"ret\":%d}", refs, ret);
    event_end();
}

static void remove_event(SSL_CTX *ctx, SSL_SESSION *sess)
{
    int refs = refs_on_entry(sess);

    event_begin();
    str_addf(&g_events, "\"cb\":\"remove\",\"ctx\":");
    str_add_json_string(&g_events, id_of(OBJ_CTX, ctx));
    str_addf(&g_events, ",\"sess\":");
    str_add_json_string(&g_events, id_of(OBJ_SESSION, sess));
    str_addf(&g_events, ",\"refs\":%d}", refs);
    event_end();
}

static void get_event(SSL *ssl, SSL_SESSION *ret, int copy)
{
    event_begin();
    str_addf(&g_events, "\"cb\":\"get\",\"ssl\":");
    str_add_json_string(&g_events, id_of(OBJ_SSL, ssl));
    str_addf(&g_events, ",\"ret\":");
    if (ret == NULL)
        str_addf(&g_events, "null");
    else
        str_add_json_string(&g_events, id_of(OBJ_SESSION, ret));
    str_addf(&g_events, ",\"copy\":%d}", copy);
    event_end();
}

static const SimCallbackWatch WATCH = {new_event, remove_event, get_event};

void callbacks_init(void)
{
    sim_callback_watch = &WATCH;
}
