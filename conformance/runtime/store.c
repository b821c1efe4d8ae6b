/*
 * The application's external session store: one per SSL_CTX (registry.c
 * finds it), keyed by session id bytes, filled by new_cb_store and read by
 * the get callbacks. It is application memory: it outlives its SSL_CTX, so
 * store_free_all works on a freed context too.
 */
#include <string.h>

#include "runtime.h"

SimStoreEntry *sim_store_lookup(SimStore *store, const unsigned char *id, unsigned int len)
{
    for (size_t i = 0; i < store->len; i++)
        if (store->items[i].id_len == len && memcmp(store->items[i].id, id, len) == 0)
            return &store->items[i];
    return NULL;
}

void sim_store_drop(SimStore *store, SimStoreEntry *e)
{
    SSL_SESSION *s = e->sess;
    int owned = e->owns_ref;

    *e = store->items[--store->len];
    /* The vacated slot forgets the pointer: LeakSanitizer must not find a dropped session through it. */
    memset(&store->items[store->len], 0, sizeof(store->items[store->len]));
    if (owned)
        SSL_SESSION_free(s);
}

/* Keeps sess under its id; an entry with the same id is replaced (and its
 * reference released, as a map that overwrites a value would). */
void sim_store_put(SimStore *store, SSL_SESSION *sess, int owns_ref)
{
    unsigned int len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &len);
    SimStoreEntry *old = sim_store_lookup(store, id, len);
    SimStoreEntry *e;

    if (old != NULL)
        sim_store_drop(store, old);
    if (store->len == store->cap) {
        store->cap = store->cap ? 2 * store->cap : 8;
        store->items = xrealloc(store->items, store->cap * sizeof(*store->items));
    }
    e = &store->items[store->len++];
    memcpy(e->id, id, len);
    e->id_len = len;
    e->sess = sess;
    e->owns_ref = owns_ref;
}

void sim_store_clear(SimStore *store)
{
    while (store != NULL && store->len > 0)
        sim_store_drop(store, &store->items[store->len - 1]);
}

void sim_store_free_all(SSL_CTX *ctx)
{
    sim_store_clear(sim_store_of_ctx(ctx));
}

int sim_stored(SSL_CTX *ctx, SSL_SESSION *sess)
{
    SimStore *store = sim_store_of_ctx(ctx);

    for (size_t i = 0; store != NULL && i < store->len; i++)
        if (store->items[i].sess == sess)
            return 1;
    return 0;
}
