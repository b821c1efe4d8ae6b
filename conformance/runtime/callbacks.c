/*
 * The named callback behaviours of src/trace/catalogue.ts (CALLBACKS), on the
 * application's external store (store.c). libssl calls the new and get
 * callbacks of s->session_ctx with the SSL, and the remove callback with the
 * ctx itself, so the store is always the one of the cache's context.
 */
#include <string.h>

#include "runtime.h"

const SimCallbackWatch *sim_callback_watch;

static SimStore *store_of_ssl(SSL *ssl)
{
    SimStore *store = sim_store_of_ssl(ssl);

    if (store == NULL)
        die("callback for an SSL made before sim_registry_init");
    return store;
}

/* ---- new_session_cb ------------------------------------------------------ */

static int new_seen(SSL *ssl, SSL_SESSION *sess, int ret)
{
    if (sim_callback_watch != NULL)
        sim_callback_watch->new_cb(ssl, sess, ret);
    return ret;
}

/* Keeps sess in the store of ssl's session_ctx, owning a reference or not, and returns ret. */
static int keep(SSL *ssl, SSL_SESSION *sess, int owns_ref, int ret)
{
    new_seen(ssl, sess, ret);
    sim_store_put(store_of_ssl(ssl), sess, owns_ref);
    return ret;
}

int new_cb_store(SSL *ssl, SSL_SESSION *sess)
{
    return keep(ssl, sess, 1, 1);
}

int new_cb_ignore(SSL *ssl, SSL_SESSION *sess)
{
    return new_seen(ssl, sess, 0);
}

int new_cb_store_return0(SSL *ssl, SSL_SESSION *sess)
{
    return keep(ssl, sess, 0, 0);
}

int new_cb_forget_return1(SSL *ssl, SSL_SESSION *sess)
{
    return new_seen(ssl, sess, 1);
}

/* ---- remove_session_cb --------------------------------------------------- */

static void remove_seen(SSL_CTX *ctx, SSL_SESSION *sess)
{
    if (sim_callback_watch != NULL)
        sim_callback_watch->remove_cb(ctx, sess);
}

void remove_cb_log(SSL_CTX *ctx, SSL_SESSION *sess)
{
    remove_seen(ctx, sess);
}

void remove_cb_evict_store(SSL_CTX *ctx, SSL_SESSION *sess)
{
    SimStore *store = sim_store_of_ctx(ctx);
    unsigned int len;
    const unsigned char *id;
    SimStoreEntry *e;

    remove_seen(ctx, sess);
    id = SSL_SESSION_get_id(sess, &len);
    e = store != NULL ? sim_store_lookup(store, id, len) : NULL;
    if (e != NULL)
        sim_store_drop(store, e);
}

void remove_cb_free(SSL_CTX *ctx, SSL_SESSION *sess)
{
    remove_seen(ctx, sess);
    SSL_SESSION_free(sess);
}

/*
 * Re-enters the cache from the callback (misuse P10, Traffic Server #1386):
 * removes the session it is given from the context it is given. Only the
 * outermost call is watched: from SSL_CTX_remove_session the recursion never
 * ends, and recording each level would only make the stack overflow slower.
 */
void remove_cb_remove(SSL_CTX *ctx, SSL_SESSION *sess)
{
    static int depth;

    if (depth == 0)
        remove_seen(ctx, sess);
    depth++;
    SSL_CTX_remove_session(ctx, sess);
    depth--;
}

/* ---- get_session_cb ------------------------------------------------------ */

static SSL_SESSION *get_seen(SSL *ssl, SSL_SESSION *ret, int copy)
{
    if (sim_callback_watch != NULL)
        sim_callback_watch->get_cb(ssl, ret, copy);
    return ret;
}

static SSL_SESSION *store_get(SSL *ssl, const unsigned char *id, int len)
{
    SimStoreEntry *e = sim_store_lookup(store_of_ssl(ssl), id, (unsigned int)len);
    return e != NULL ? e->sess : NULL;
}

SSL_SESSION *get_cb_store_copy(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    return get_seen(ssl, store_get(ssl, id, len), *copy);
}

SSL_SESSION *get_cb_store_transfer(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    SSL_SESSION *s = store_get(ssl, id, len);

    if (s != NULL) {
        SSL_SESSION_up_ref(s);
        *copy = 0;
    }
    return get_seen(ssl, s, *copy);
}

SSL_SESSION *get_cb_store_nocopy(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    *copy = 0;
    return get_seen(ssl, store_get(ssl, id, len), *copy);
}

SSL_SESSION *get_cb_miss(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)id;
    (void)len;
    return get_seen(ssl, NULL, *copy);
}

/* ---- installation by name (the harness's protocol names them) ------------ */

typedef int (*NewCb)(SSL *, SSL_SESSION *);
typedef void (*RemoveCb)(SSL_CTX *, SSL_SESSION *);
typedef SSL_SESSION *(*GetCb)(SSL *, const unsigned char *, int, int *);

static const struct {
    SimCbKind kind;
    const char *name;
    NewCb new_cb;
    RemoveCb remove_cb;
    GetCb get_cb;
} BEHAVIOURS[] = {
    {SIM_CB_NEW, "new_cb_store", new_cb_store, NULL, NULL},
    {SIM_CB_NEW, "new_cb_ignore", new_cb_ignore, NULL, NULL},
    {SIM_CB_NEW, "new_cb_store_return0", new_cb_store_return0, NULL, NULL},
    {SIM_CB_NEW, "new_cb_forget_return1", new_cb_forget_return1, NULL, NULL},
    {SIM_CB_REMOVE, "remove_cb_log", NULL, remove_cb_log, NULL},
    {SIM_CB_REMOVE, "remove_cb_evict_store", NULL, remove_cb_evict_store, NULL},
    {SIM_CB_REMOVE, "remove_cb_free", NULL, remove_cb_free, NULL},
    {SIM_CB_REMOVE, "remove_cb_remove", NULL, remove_cb_remove, NULL},
    {SIM_CB_GET, "get_cb_store_copy", NULL, NULL, get_cb_store_copy},
    {SIM_CB_GET, "get_cb_store_transfer", NULL, NULL, get_cb_store_transfer},
    {SIM_CB_GET, "get_cb_store_nocopy", NULL, NULL, get_cb_store_nocopy},
    {SIM_CB_GET, "get_cb_miss", NULL, NULL, get_cb_miss},
    {SIM_CB_NEW, "NULL", NULL, NULL, NULL},
    {SIM_CB_REMOVE, "NULL", NULL, NULL, NULL},
    {SIM_CB_GET, "NULL", NULL, NULL, NULL},
};

int sim_callbacks_install(SSL_CTX *ctx, SimCbKind kind, const char *name)
{
    for (size_t i = 0; i < sizeof(BEHAVIOURS) / sizeof(BEHAVIOURS[0]); i++) {
        if (BEHAVIOURS[i].kind != kind || strcmp(BEHAVIOURS[i].name, name) != 0)
            continue;
        if (kind == SIM_CB_NEW)
            SSL_CTX_sess_set_new_cb(ctx, BEHAVIOURS[i].new_cb);
        else if (kind == SIM_CB_REMOVE)
            SSL_CTX_sess_set_remove_cb(ctx, BEHAVIOURS[i].remove_cb);
        else
            SSL_CTX_sess_set_get_cb(ctx, BEHAVIOURS[i].get_cb);
        return 1;
    }
    return 0;
}
