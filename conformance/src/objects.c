/*
 * Identity and lifetime of every SSL_SESSION, SSL and SSL_CTX.
 *
 * libssl runs CRYPTO_new_ex_data for every object it creates (SSL_SESSION_new,
 * the memcpy copies of ssl_session_dup_intern, d2i via SSL_SESSION_new,
 * SSL_new, SSL_CTX_new) and CRYPTO_free_ex_data when it destroys one, so an
 * ex_data index with new/free callbacks sees every creation and destruction,
 * including the internal ones, without storing anything in the objects.
 *
 * Addresses are kept XOR-masked: the harness's bookkeeping must not make a
 * leaked session look reachable to LeakSanitizer.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/common_interface_defs.h>

#include "harness.h"

static const uintptr_t MASK = (uintptr_t)0xa5c3f00dd00f3c5aULL;

typedef struct {
    Obj **items;
    size_t len, cap;
} ObjList;

static ObjList g_lists[3];

/*
 * Per kind, the newest object at each (masked) address, by open addressing: a
 * lookup by address was a scan of every object ever made, and a cache list of
 * 2,000 sessions made each step's probe read 2,000 times the whole list of
 * sessions (a 1,000-connection trace took two minutes).
 */
typedef struct {
    uintptr_t *keys; /* masked addresses; 0 marks a free slot */
    Obj **vals;
    size_t cap, used;
} AddrMap;

static AddrMap g_by_addr[3];

static size_t addr_slot(const AddrMap *m, uintptr_t key)
{
    return (size_t)(((uint64_t)key >> 4) * 0x9e3779b97f4a7c15ULL >> 16) & (m->cap - 1);
}

static void addr_put(AddrMap *m, uintptr_t key, Obj *o);

static void addr_grow(AddrMap *m)
{
    AddrMap old = *m;

    m->cap = old.cap ? old.cap * 2 : 1024;
    m->used = 0;
    m->keys = calloc(m->cap, sizeof(*m->keys));
    m->vals = calloc(m->cap, sizeof(*m->vals));
    if (m->keys == NULL || m->vals == NULL)
        die("out of memory");
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i] != 0)
            addr_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

/* The newest object at `key` is `o` (an address libssl reuses names its newest object). */
static void addr_put(AddrMap *m, uintptr_t key, Obj *o)
{
    size_t i;

    if ((m->used + 1) * 2 > m->cap)
        addr_grow(m);
    for (i = addr_slot(m, key); m->keys[i] != 0 && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
        ;
    if (m->keys[i] == 0)
        m->used++;
    m->keys[i] = key;
    m->vals[i] = o;
}

static Obj *addr_get(const AddrMap *m, uintptr_t key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = addr_slot(m, key); m->keys[i] != 0; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key)
            return m->vals[i];
    return NULL;
}

static void addr_clear(AddrMap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/*
 * The names of SSLs and SSL_CTXs, in trees (POSIX tsearch): naming the 1,000th SSL of a reused
 * variable compared "c#2" to "c#1000" with every id made so far. g_taken holds the ids taken (the
 * objects' own strings); g_next_suffix, per variable name, the suffix its next object tries first.
 * Naming happens once per object; finding an object by address happens at every step for every
 * linked session, so that table is a hash table above (trees made a 1,000-connection trace's
 * harness run 35% slower).
 */
static void *g_taken;
static void *g_next_suffix;

typedef struct {
    char *name;
    long next;
} Suffix;

static int by_string(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int by_suffix_name(const void *a, const void *b)
{
    return strcmp(((const Suffix *)a)->name, ((const Suffix *)b)->name);
}

/* Adds `item` to a tree (nothing if one compares equal). */
static void tree_add(void **root, void *item, int (*cmp)(const void *, const void *))
{
    if (tsearch(item, root, cmp) == NULL)
        die("out of memory");
}

static void keep_node(void *item)
{
    (void)item;
}

static void free_suffix(void *item)
{
    free(((Suffix *)item)->name);
    free(item);
}

static unsigned long g_next_session;
long g_current_line;
/* HARNESS_TRACE_OBJECTS=1: log every session creation/destruction with its
 * stack, once the calibration is over (objects_reset turns it on). */
static int g_trace;

int objects_tracing(void)
{
    return g_trace;
}

static void trace(const char *what, const Obj *o)
{
    if (!g_trace || o->kind != OBJ_SESSION)
        return;
    fprintf(stderr, "@@trace line %ld: %s %s\n", g_current_line, what, obj_id(o));
    fflush(stderr);
    __sanitizer_print_stack_trace();
}

static void list_push(ObjList *l, Obj *o)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
    }
    l->items[l->len++] = o;
}

static const char *kind_name(ObjKind kind)
{
    return kind == OBJ_SESSION ? "SSL_SESSION" : kind == OBJ_SSL ? "SSL" : "SSL_CTX";
}

static void obj_created(ObjKind kind, void *p)
{
    Obj *o = calloc(1, sizeof(*o));
    char id[32];

    if (o == NULL)
        die("out of memory");
    o->kind = kind;
    o->masked = (uintptr_t)p ^ MASK;
    o->size = alloc_size(p);
    o->created_line = g_current_line;
    if (kind == OBJ_SESSION) {
        snprintf(id, sizeof(id), "s%lu", ++g_next_session);
        o->id = xstrdup(id);
    }
    list_push(&g_lists[kind], o);
    if (o->masked != 0) /* 0 is the free slot's mark: an object at MASK itself is found by the scan below */
        addr_put(&g_by_addr[kind], o->masked, o);
    trace("new", o);
}

static void obj_destroyed(ObjKind kind, void *p)
{
    Obj *o = obj_find(kind, p);

    if (o == NULL)
        return; /* created before the ex_data index existed */
    if (o->destroyed) {
        /* libssl is destroying freed memory again: ASan reports the free. */
        fprintf(stderr, "@@note %s %s destroyed again at line %ld (first at line %ld)\n",
                kind_name(kind), obj_id(o), g_current_line, o->destroyed_line);
        fflush(stderr);
        return;
    }
    o->destroyed = 1;
    o->destroyed_line = g_current_line;
    trace("destroy", o);
}

static void on_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr;
    (void)ad;
    (void)idx;
    (void)argp;
    obj_created((ObjKind)argl, parent);
}

static void on_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr;
    (void)ad;
    (void)idx;
    (void)argp;
    obj_destroyed((ObjKind)argl, parent);
}

void objects_init(void)
{
    if (SSL_SESSION_get_ex_new_index(OBJ_SESSION, NULL, on_new, NULL, on_free) < 0
        || SSL_get_ex_new_index(OBJ_SSL, NULL, on_new, NULL, on_free) < 0
        || SSL_CTX_get_ex_new_index(OBJ_CTX, NULL, on_new, NULL, on_free) < 0)
        die("cannot register the ex_data indexes");
}

void objects_reset(void)
{
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < g_lists[k].len; i++) {
            Obj *o = g_lists[k].items[i];
            if (!o->destroyed)
                die("calibration left %s %p alive", kind_name(o->kind), obj_ptr(o));
            free(o->id);
            free(o->last_note.buf);
            free(o->last_value.buf);
            free(o);
        }
        g_lists[k].len = 0;
        addr_clear(&g_by_addr[k]);
    }
    /* g_taken's strings are the ids freed above. */
    tdestroy(g_taken, keep_node);
    g_taken = NULL;
    tdestroy(g_next_suffix, free_suffix);
    g_next_suffix = NULL;
    g_next_session = 0;
    g_trace = getenv("HARNESS_TRACE_OBJECTS") != NULL && *getenv("HARNESS_TRACE_OBJECTS") == '1';
}

void *obj_ptr(const Obj *o)
{
    return (void *)(o->masked ^ MASK);
}

Obj *obj_find(ObjKind kind, const void *p)
{
    ObjList *l = &g_lists[kind];
    uintptr_t m = (uintptr_t)p ^ MASK;

    if (p == NULL)
        return NULL;
    if (m != 0)
        return addr_get(&g_by_addr[kind], m);
    for (size_t i = l->len; i-- > 0;)
        if (l->items[i]->masked == m)
            return l->items[i];
    return NULL;
}

Obj *obj_find_live(ObjKind kind, const void *p)
{
    Obj *o = obj_find(kind, p);
    return o != NULL && !o->destroyed ? o : NULL;
}

Obj *obj_containing(uintptr_t addr, long *offset)
{
    for (int k = 0; k < 3; k++) {
        ObjList *l = &g_lists[k];
        for (size_t i = l->len; i-- > 0;) {
            uintptr_t base = l->items[i]->masked ^ MASK;
            if (addr >= base - ALLOC_HEADER && addr < base + l->items[i]->size) {
                *offset = (long)(addr - base);
                return l->items[i];
            }
        }
    }
    return NULL;
}

size_t obj_count(ObjKind kind)
{
    return g_lists[kind].len;
}

Obj *obj_at(ObjKind kind, size_t i)
{
    return g_lists[kind].items[i];
}

void obj_name(Obj *o, const char *name)
{
    char buf[160];
    long n;

    if (o->id != NULL)
        return;
    /* A variable reused for a second object: "c1", then "c1#2". Ids are never given back, so the search
     * resumes where it stopped for this name (the model's World.freshHandleId does the same). */
    Suffix probe = {.name = (char *)name, .next = 1};
    void **found = tfind(&probe, &g_next_suffix, by_suffix_name);
    n = found != NULL ? ((Suffix *)*found)->next : 1;
    if (n == 1)
        snprintf(buf, sizeof(buf), "%s", name);
    else
        snprintf(buf, sizeof(buf), "%s#%ld", name, n);
    while (tfind(buf, &g_taken, by_string) != NULL)
        snprintf(buf, sizeof(buf), "%s#%ld", name, ++n);
    if (n > 1) {
        if (found == NULL) {
            Suffix *entry = xmalloc(sizeof(*entry));
            *entry = (Suffix){.name = xstrdup(name), .next = n};
            tree_add(&g_next_suffix, entry, by_suffix_name);
        } else {
            ((Suffix *)*found)->next = n;
        }
    }
    o->id = xstrdup(buf);
    tree_add(&g_taken, o->id, by_string);
}

const char *obj_id(const Obj *o)
{
    return o->id != NULL ? o->id : "?";
}
