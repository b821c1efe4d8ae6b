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
    }
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

static int id_taken(const char *id)
{
    for (int k = OBJ_SSL; k <= OBJ_CTX; k++)
        for (size_t i = 0; i < g_lists[k].len; i++)
            if (g_lists[k].items[i]->id != NULL && strcmp(g_lists[k].items[i]->id, id) == 0)
                return 1;
    return 0;
}

void obj_name(Obj *o, const char *name)
{
    char buf[160];

    if (o->id != NULL)
        return;
    snprintf(buf, sizeof(buf), "%s", name);
    /* A variable reused for a second object: "c1", then "c1#2". */
    for (int n = 2; id_taken(buf); n++)
        snprintf(buf, sizeof(buf), "%s#%d", name, n);
    o->id = xstrdup(buf);
}

const char *obj_id(const Obj *o)
{
    return o->id != NULL ? o->id : "?";
}
