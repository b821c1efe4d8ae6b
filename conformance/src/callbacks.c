/*
 * The named callback behaviours of src/trace/catalogue.ts (CALLBACKS), and the
 * application's external session store they use: one store per SSL_CTX,
 * keyed by session id bytes.
 *
 * libssl calls new/get callbacks of s->session_ctx and remove callbacks with
 * the ctx itself, so the store is always the one of the cache's context.
 *
 * Every call appends an entry to the step's `events`. The refcount "on
 * entry" is read straight from the object libssl passed, like any callback
 * that looks at its argument would: if libssl hands over a destroyed session
 * (a flush walking a dangling cache entry) this read is the application's
 * use-after-free, and ASan reports it here.
 */
#include <string.h>

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

static Obj *store_ctx_of_ssl(SSL *ssl)
{
    Obj *o = obj_find(OBJ_SSL, ssl);

    if (o == NULL || o->session_ctx == NULL)
        die("callback for an SSL the harness does not know");
    return o->session_ctx;
}

/* ---- the store ----------------------------------------------------------- */

static StoreEntry *store_lookup(Obj *ctx, const unsigned char *id, unsigned int len)
{
    for (size_t i = 0; i < ctx->store_len; i++)
        if (ctx->store[i].id_len == len && memcmp(ctx->store[i].id, id, len) == 0)
            return &ctx->store[i];
    return NULL;
}

static void store_drop(Obj *ctx, StoreEntry *e)
{
    SSL_SESSION *s = e->sess;
    int owned = e->owns_ref;

    *e = ctx->store[--ctx->store_len];
    if (owned)
        SSL_SESSION_free(s);
}

/* Keeps sess under its id; an entry with the same id is replaced (and its
 * reference released, as a map that overwrites a value would). */
static void store_put(Obj *ctx, SSL_SESSION *sess, int owns_ref)
{
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    StoreEntry *old = store_lookup(ctx, id, len);

    if (old != NULL)
        store_drop(ctx, old);
    if (ctx->store_len == ctx->store_cap) {
        ctx->store_cap = ctx->store_cap ? 2 * ctx->store_cap : 8;
        ctx->store = xrealloc(ctx->store, ctx->store_cap * sizeof(*ctx->store));
    }
    StoreEntry *e = &ctx->store[ctx->store_len++];
    memcpy(e->id, id, len);
    e->id_len = len;
    e->sess = sess;
    e->owns_ref = owns_ref;
}

void store_free_all(Obj *ctx)
{
    while (ctx->store_len > 0)
        store_drop(ctx, &ctx->store[ctx->store_len - 1]);
}

/* ---- new_session_cb ------------------------------------------------------ */

static int new_event(SSL *ssl, SSL_SESSION *sess, int refs, int ret)
{
    event_begin();
    str_addf(&g_events, "\"cb\":\"new\",\"ssl\":");
    str_add_json_string(&g_events, id_of(OBJ_SSL, ssl));
    str_addf(&g_events, ",\"sess\":");
    str_add_json_string(&g_events, id_of(OBJ_SESSION, sess));
    str_addf(&g_events, ",\"refs\":%d,\"ret\":%d}", refs, ret);
    event_end();
    return ret;
}

static int new_cb_store(SSL *ssl, SSL_SESSION *sess)
{
    int refs = refs_on_entry(sess);
    store_put(store_ctx_of_ssl(ssl), sess, 1);
    return new_event(ssl, sess, refs, 1);
}

static int new_cb_ignore(SSL *ssl, SSL_SESSION *sess)
{
    return new_event(ssl, sess, refs_on_entry(sess), 0);
}

static int new_cb_store_return0(SSL *ssl, SSL_SESSION *sess)
{
    int refs = refs_on_entry(sess);
    store_put(store_ctx_of_ssl(ssl), sess, 0);
    return new_event(ssl, sess, refs, 0);
}

static int new_cb_forget_return1(SSL *ssl, SSL_SESSION *sess)
{
    return new_event(ssl, sess, refs_on_entry(sess), 1);
}

/* ---- remove_session_cb --------------------------------------------------- */

static void remove_event(SSL_CTX *ctx, SSL_SESSION *sess, int refs)
{
    event_begin();
    str_addf(&g_events, "\"cb\":\"remove\",\"ctx\":");
    str_add_json_string(&g_events, id_of(OBJ_CTX, ctx));
    str_addf(&g_events, ",\"sess\":");
    str_add_json_string(&g_events, id_of(OBJ_SESSION, sess));
    str_addf(&g_events, ",\"refs\":%d}", refs);
    event_end();
}

static void remove_cb_log(SSL_CTX *ctx, SSL_SESSION *sess)
{
    remove_event(ctx, sess, refs_on_entry(sess));
}

static void remove_cb_evict_store(SSL_CTX *ctx, SSL_SESSION *sess)
{
    int refs = refs_on_entry(sess);
    Obj *octx = obj_find(OBJ_CTX, ctx);
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    StoreEntry *e = octx != NULL ? store_lookup(octx, id, len) : NULL;

    remove_event(ctx, sess, refs);
    if (e != NULL)
        store_drop(octx, e);
}

static void remove_cb_free(SSL_CTX *ctx, SSL_SESSION *sess)
{
    remove_event(ctx, sess, refs_on_entry(sess));
    SSL_SESSION_free(sess);
}

/*
 * Re-enters the cache from the callback (misuse P10, Traffic Server #1386):
 * removes the session it is given from the context it is given. Only the
 * outermost call is recorded: from SSL_CTX_remove_session the recursion never
 * ends, and recording each level would only make the stack overflow slower.
 */
static void remove_cb_remove(SSL_CTX *ctx, SSL_SESSION *sess)
{
    static int depth;

    if (depth == 0)
        remove_event(ctx, sess, refs_on_entry(sess));
    depth++;
    SSL_CTX_remove_session(ctx, sess);
    depth--;
}

/* ---- get_session_cb ------------------------------------------------------ */

static SSL_SESSION *get_event(SSL *ssl, SSL_SESSION *ret, int copy)
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
    return ret;
}

static SSL_SESSION *store_get(SSL *ssl, const unsigned char *id, int len)
{
    StoreEntry *e = store_lookup(store_ctx_of_ssl(ssl), id, (unsigned int)len);
    return e != NULL ? e->sess : NULL;
}

static SSL_SESSION *get_cb_store_copy(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    return get_event(ssl, store_get(ssl, id, len), *copy);
}

static SSL_SESSION *get_cb_store_transfer(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    SSL_SESSION *s = store_get(ssl, id, len);

    if (s != NULL) {
        SSL_SESSION_up_ref(s);
        *copy = 0;
    }
    return get_event(ssl, s, *copy);
}

static SSL_SESSION *get_cb_store_nocopy(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    *copy = 0;
    return get_event(ssl, store_get(ssl, id, len), *copy);
}

static SSL_SESSION *get_cb_miss(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)id;
    (void)len;
    return get_event(ssl, NULL, *copy);
}

/* ---- installation -------------------------------------------------------- */

typedef int (*NewCb)(SSL *, SSL_SESSION *);
typedef void (*RemoveCb)(SSL_CTX *, SSL_SESSION *);
typedef SSL_SESSION *(*GetCb)(SSL *, const unsigned char *, int, int *);

static const struct {
    CbKind kind;
    const char *name;
    NewCb new_cb;
    RemoveCb remove_cb;
    GetCb get_cb;
} BEHAVIOURS[] = {
    {CB_NEW, "new_cb_store", new_cb_store, NULL, NULL},
    {CB_NEW, "new_cb_ignore", new_cb_ignore, NULL, NULL},
    {CB_NEW, "new_cb_store_return0", new_cb_store_return0, NULL, NULL},
    {CB_NEW, "new_cb_forget_return1", new_cb_forget_return1, NULL, NULL},
    {CB_REMOVE, "remove_cb_log", NULL, remove_cb_log, NULL},
    {CB_REMOVE, "remove_cb_evict_store", NULL, remove_cb_evict_store, NULL},
    {CB_REMOVE, "remove_cb_free", NULL, remove_cb_free, NULL},
    {CB_REMOVE, "remove_cb_remove", NULL, remove_cb_remove, NULL},
    {CB_GET, "get_cb_store_copy", NULL, NULL, get_cb_store_copy},
    {CB_GET, "get_cb_store_transfer", NULL, NULL, get_cb_store_transfer},
    {CB_GET, "get_cb_store_nocopy", NULL, NULL, get_cb_store_nocopy},
    {CB_GET, "get_cb_miss", NULL, NULL, get_cb_miss},
    {CB_NEW, "NULL", NULL, NULL, NULL},
    {CB_REMOVE, "NULL", NULL, NULL, NULL},
    {CB_GET, "NULL", NULL, NULL, NULL},
};

int callbacks_install(Obj *octx, CbKind kind, const char *name)
{
    SSL_CTX *ctx = obj_ptr(octx);

    for (size_t i = 0; i < sizeof(BEHAVIOURS) / sizeof(BEHAVIOURS[0]); i++) {
        if (BEHAVIOURS[i].kind != kind || strcmp(BEHAVIOURS[i].name, name) != 0)
            continue;
        if (kind == CB_NEW)
            SSL_CTX_sess_set_new_cb(ctx, BEHAVIOURS[i].new_cb);
        else if (kind == CB_REMOVE)
            SSL_CTX_sess_set_remove_cb(ctx, BEHAVIOURS[i].remove_cb);
        else
            SSL_CTX_sess_set_get_cb(ctx, BEHAVIOURS[i].get_cb);
        return 1;
    }
    return 0;
}
