/*
 * Which store belongs to which object. libssl runs CRYPTO_new_ex_data for
 * every SSL_CTX and SSL it creates, so an ex_data index with a new callback
 * sees each one being made, without storing anything in the objects:
 *   - every SSL_CTX gets a fresh, empty store;
 *   - every SSL remembers the store of its session_ctx. SSL_new runs the
 *     callbacks after setting s->ctx and s->session_ctx to its argument, so
 *     SSL_get_SSL_CTX is that ctx there (SSL_dup of an unconnected SSL is an
 *     SSL_new of the original's ctx). libssl calls new/get callbacks of
 *     s->session_ctx, whatever SSL_set_SSL_CTX did later.
 * An address may be reused after a free: the newest entry wins. Addresses are
 * kept XOR-masked so that this table never makes a leaked SSL or SSL_CTX look
 * reachable to LeakSanitizer.
 */
#include <string.h>

#include "runtime.h"

static const uintptr_t MASK = (uintptr_t)0x5ac3f00dd00f3ca5ULL;

typedef struct {
    uintptr_t masked;
    SimStore *store;
} Entry;

typedef struct {
    Entry *items;
    size_t len, cap;
} Table;

static Table g_ctxs, g_ssls;

static void table_push(Table *t, const void *p, SimStore *store)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->items = xrealloc(t->items, t->cap * sizeof(*t->items));
    }
    t->items[t->len].masked = (uintptr_t)p ^ MASK;
    t->items[t->len].store = store;
    t->len++;
}

static SimStore *table_find(const Table *t, const void *p)
{
    uintptr_t m = (uintptr_t)p ^ MASK;

    if (p == NULL)
        return NULL;
    for (size_t i = t->len; i-- > 0;)
        if (t->items[i].masked == m)
            return t->items[i].store;
    return NULL;
}

static void on_ctx_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    SimStore *store = xmalloc(sizeof(*store));

    (void)ptr;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    store->items = NULL;
    store->len = store->cap = 0;
    table_push(&g_ctxs, parent, store);
}

static void on_ssl_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    table_push(&g_ssls, parent, sim_store_of_ctx(SSL_get_SSL_CTX(parent)));
}

void sim_registry_init(void)
{
    if (SSL_CTX_get_ex_new_index(0, NULL, on_ctx_new, NULL, NULL) < 0
        || SSL_get_ex_new_index(0, NULL, on_ssl_new, NULL, NULL) < 0)
        die("cannot register the store's ex_data indexes");
}

SimStore *sim_store_of_ctx(const SSL_CTX *ctx)
{
    return table_find(&g_ctxs, ctx);
}

SimStore *sim_store_of_ssl(const SSL *ssl)
{
    return table_find(&g_ssls, ssl);
}

/*
 * At the end of the trace the application's stores go out of scope, as its
 * handles do: the sessions they still hold are leaked (the model's `leak`,
 * "still owned by the application's store"). The stores are reachable from
 * this table, so LeakSanitizer would count what they hold as reachable and
 * report nothing: the entries forget their pointers, nothing is freed.
 */
void sim_registry_forget_stores(void)
{
    for (size_t i = 0; i < g_ctxs.len; i++) {
        SimStore *store = g_ctxs.items[i].store;

        if (store->items != NULL)
            memset(store->items, 0, store->cap * sizeof(*store->items));
        store->len = 0;
    }
}
