/*
 * The worker: reads the line protocol (PROTOCOL.md) and executes each
 * statement against libssl, printing one JSON line per statement.
 *
 * Before each statement it writes `@@step LINE CALL` to stderr and flushes,
 * so a crash or an ASan report can be attributed to the statement.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "harness.h"

/* ---- variables ----------------------------------------------------------- */

typedef struct {
    char *name;
    void *ptr;              /* an SSL_SESSION, SSL or SSL_CTX as the trace holds it */
    unsigned char *der;     /* or a DER encoding (i2d output) */
    size_t der_len;
    int is_der;
    int is_int;             /* or an integer result (`n = i2d_SSL_SESSION(...)`), for v: arguments */
    long long num;
    /* An SSL_CTX's external store, found when the variable was bound, while the context was alive: once it
     * is freed, a newer SSL_CTX may take its address, and a lookup by address would find that one's store. */
    SimStore *store;
} Var;

static Var *g_vars;
static size_t g_nvars, g_capvars;

static Var *var_get(const char *name, int create)
{
    for (size_t i = 0; i < g_nvars; i++)
        if (strcmp(g_vars[i].name, name) == 0)
            return &g_vars[i];
    if (!create)
        return NULL;
    if (g_nvars == g_capvars) {
        g_capvars = g_capvars ? 2 * g_capvars : 32;
        g_vars = xrealloc(g_vars, g_capvars * sizeof(*g_vars));
    }
    memset(&g_vars[g_nvars], 0, sizeof(*g_vars));
    g_vars[g_nvars].name = xstrdup(name);
    return &g_vars[g_nvars++];
}

/* ---- statements ---------------------------------------------------------- */

enum { MAX_ARGS = 8 };

typedef struct {
    char form;              /* h i n b c m o d */
    char *text;             /* what follows "X:" */
    long long num;          /* i: */
    unsigned char *bytes;   /* b: decoded */
    size_t nbytes;
} Arg;

typedef enum { RET_VOID, RET_INT, RET_PTR } RetKind;

typedef struct {
    long line;
    const char *target, *fn;
    Arg args[MAX_ARGS];
    int nargs;
    RetKind ret_kind;
    long long ret_int;
    ObjKind ret_obj;
    void *ret_ptr;
    int has_reused, reused_client, reused_server;
} Step;

static _Noreturn void bad(const Step *st, const char *msg, int argi)
{
    die("line %ld: %s: %s (argument %d)", st->line, st->fn, msg, argi + 1);
}

static const Arg *arg(const Step *st, int i, char form)
{
    if (i >= st->nargs)
        bad(st, "missing argument", i);
    if (st->args[i].form != form)
        bad(st, "wrong argument form", i);
    return &st->args[i];
}

static void *handle(const Step *st, int i, ObjKind kind, int nullable)
{
    Var *v;
    Obj *o;

    if (i < st->nargs && st->args[i].form == 'n' && nullable)
        return NULL;
    v = var_get(arg(st, i, 'h')->text, 0);
    if (v == NULL || v->is_der || v->is_int)
        bad(st, "no such object variable", i);
    if (v->ptr == NULL)
        return NULL; /* the variable holds NULL (e.g. SSL_get1_session returned NULL) */
    /* The trace may legitimately pass a dangling pointer (that is the point of
     * the misuse traces); only check the kind of object it was. */
    o = obj_find(kind, v->ptr);
    if (o == NULL)
        bad(st, "variable holds a different kind of object", i);
    return v->ptr;
}

static SSL_SESSION *a_sess(const Step *st, int i) { return handle(st, i, OBJ_SESSION, 0); }
static SSL_SESSION *a_sess_opt(const Step *st, int i) { return handle(st, i, OBJ_SESSION, 1); }
static SSL *a_ssl(const Step *st, int i) { return handle(st, i, OBJ_SSL, 0); }
static SSL *a_ssl_opt(const Step *st, int i) { return handle(st, i, OBJ_SSL, 1); }
static SSL_CTX *a_ctx(const Step *st, int i) { return handle(st, i, OBJ_CTX, 0); }
static SSL_CTX *a_ctx_opt(const Step *st, int i) { return handle(st, i, OBJ_CTX, 1); }
static long long a_int(const Step *st, int i) { return arg(st, i, 'i')->num; }

/*
 * The bytes of a b: argument, zero-padded: the trace may give a length
 * longer than the literal, and libssl reads up to 32 bytes. n: is NULL
 * (the id setters take a NULL pointer with length 0).
 */
static unsigned char *a_bytes(const Step *st, int i)
{
    static unsigned char buf[4096];
    const Arg *a;

    if (i < st->nargs && st->args[i].form == 'n')
        return NULL;
    a = arg(st, i, 'b');

    if (a->nbytes > sizeof(buf) - 64)
        bad(st, "byte string too long", i);
    memset(buf, 0, sizeof(buf));
    memcpy(buf, a->bytes, a->nbytes);
    return buf;
}

static void ret_int(Step *st, long long v)
{
    st->ret_kind = RET_INT;
    st->ret_int = v;
}

static void ret_ptr(Step *st, ObjKind kind, void *p)
{
    st->ret_kind = RET_PTR;
    st->ret_obj = kind;
    st->ret_ptr = p;
}

/* ---- SSL_SESSION --------------------------------------------------------- */

static void f_SSL_SESSION_new(Step *st) { ret_ptr(st, OBJ_SESSION, SSL_SESSION_new()); }
static void f_SSL_SESSION_dup(Step *st) { ret_ptr(st, OBJ_SESSION, SSL_SESSION_dup(a_sess(st, 0))); }
static void f_SSL_SESSION_up_ref(Step *st) { ret_int(st, SSL_SESSION_up_ref(a_sess_opt(st, 0))); }
static void f_SSL_SESSION_free(Step *st) { SSL_SESSION_free(a_sess_opt(st, 0)); }
static void f_SSL_SESSION_is_resumable(Step *st) { ret_int(st, SSL_SESSION_is_resumable(a_sess(st, 0))); }
static void f_SSL_SESSION_get_timeout(Step *st) { ret_int(st, SSL_SESSION_get_timeout(a_sess(st, 0))); }
static void f_SSL_SESSION_get_time(Step *st) { ret_int(st, SSL_SESSION_get_time(a_sess(st, 0))); }
static void f_SSL_SESSION_get_protocol_version(Step *st) { ret_int(st, SSL_SESSION_get_protocol_version(a_sess(st, 0))); }
static void f_SSL_SESSION_has_ticket(Step *st) { ret_int(st, SSL_SESSION_has_ticket(a_sess(st, 0))); }
static void f_SSL_SESSION_get_ticket_lifetime_hint(Step *st) { ret_int(st, (long long)SSL_SESSION_get_ticket_lifetime_hint(a_sess(st, 0))); }

static void f_SSL_SESSION_set_timeout(Step *st)
{
    ret_int(st, SSL_SESSION_set_timeout(a_sess(st, 0), (long)a_int(st, 1)));
}

static void f_SSL_SESSION_set_time(Step *st)
{
    ret_int(st, SSL_SESSION_set_time(a_sess(st, 0), (long)a_int(st, 1)));
}

static void f_SSL_SESSION_set1_id(Step *st)
{
    long long len = a_int(st, 2);
    ret_int(st, SSL_SESSION_set1_id(a_sess(st, 0), a_bytes(st, 1), (unsigned int)len));
}

static void f_SSL_SESSION_set1_id_context(Step *st)
{
    long long len = a_int(st, 2);
    ret_int(st, SSL_SESSION_set1_id_context(a_sess(st, 0), a_bytes(st, 1), (unsigned int)len));
}

/* The harness owns the buffer: the two-call form, no OpenSSL allocation. */
static void f_i2d_SSL_SESSION(Step *st)
{
    SSL_SESSION *s = a_sess_opt(st, 0);
    Var *v = var_get(arg(st, 1, 'o')->text, 1);
    int n = i2d_SSL_SESSION(s, NULL);
    unsigned char *p;

    free(v->der);
    v->der = xmalloc(n > 0 ? (size_t)n : 1);
    v->der_len = n > 0 ? (size_t)n : 0;
    v->is_der = 1;
    v->is_int = 0;
    v->ptr = NULL;
    p = v->der;
    if (n > 0 && i2d_SSL_SESSION(s, &p) != n)
        die("line %ld: i2d_SSL_SESSION changed its length", st->line);
    ret_int(st, n);
}

static void f_d2i_SSL_SESSION(Step *st)
{
    Var *v;
    long long len = a_int(st, 2);
    unsigned char *copy;
    const unsigned char *p;

    arg(st, 0, 'n');
    v = var_get(arg(st, 1, 'd')->text, 0);
    if (v == NULL || !v->is_der)
        bad(st, "no such DER variable", 1);
    /* A length beyond the encoding reads zero bytes, not the harness's heap. */
    copy = sim_der_copy(v->der, (long long)v->der_len, len);
    p = copy;
    ret_ptr(st, OBJ_SESSION, d2i_SSL_SESSION(NULL, &p, (long)len));
    free(copy);
}

/* ---- SSL ----------------------------------------------------------------- */

static void f_SSL_new(Step *st) { ret_ptr(st, OBJ_SSL, SSL_new(a_ctx(st, 0))); }
static void f_SSL_free(Step *st) { SSL_free(a_ssl_opt(st, 0)); }
static void f_SSL_up_ref(Step *st) { ret_int(st, SSL_up_ref(a_ssl(st, 0))); }
static void f_SSL_clear(Step *st) { ret_int(st, SSL_clear(a_ssl(st, 0))); }
static void f_SSL_shutdown(Step *st) { ret_int(st, SSL_shutdown(a_ssl(st, 0))); }
static void f_SSL_set_shutdown(Step *st) { SSL_set_shutdown(a_ssl(st, 0), (int)a_int(st, 1)); }
static void f_SSL_get_session(Step *st) { ret_ptr(st, OBJ_SESSION, SSL_get_session(a_ssl(st, 0))); }
static void f_SSL_get1_session(Step *st) { ret_ptr(st, OBJ_SESSION, SSL_get1_session(a_ssl(st, 0))); }
static void f_SSL_session_reused(Step *st) { ret_int(st, SSL_session_reused(a_ssl(st, 0))); }
static void f_SSL_dup(Step *st) { ret_ptr(st, OBJ_SSL, SSL_dup(a_ssl(st, 0))); }
static void f_SSL_get_SSL_CTX(Step *st) { ret_ptr(st, OBJ_CTX, SSL_get_SSL_CTX(a_ssl(st, 0))); }
static void f_SSL_get_shutdown(Step *st) { ret_int(st, SSL_get_shutdown(a_ssl(st, 0))); }
static void f_SSL_new_session_ticket(Step *st) { ret_int(st, SSL_new_session_ticket(a_ssl(st, 0))); }
static void f_SSL_in_init(Step *st) { ret_int(st, SSL_in_init(a_ssl(st, 0))); }
static void f_SSL_in_before(Step *st) { ret_int(st, SSL_in_before(a_ssl(st, 0))); }
static void f_SSL_is_init_finished(Step *st) { ret_int(st, SSL_is_init_finished(a_ssl(st, 0))); }
static void f_SSL_set_quiet_shutdown(Step *st) { SSL_set_quiet_shutdown(a_ssl(st, 0), (int)a_int(st, 1)); }
static void f_SSL_get_quiet_shutdown(Step *st) { ret_int(st, SSL_get_quiet_shutdown(a_ssl(st, 0))); }
static void f_SSL_CTX_set_quiet_shutdown(Step *st) { SSL_CTX_set_quiet_shutdown(a_ctx(st, 0), (int)a_int(st, 1)); }
static void f_SSL_CTX_get_quiet_shutdown(Step *st) { ret_int(st, SSL_CTX_get_quiet_shutdown(a_ctx(st, 0))); }
static void f_SSL_set_options(Step *st) { ret_int(st, (long long)SSL_set_options(a_ssl(st, 0), (uint64_t)a_int(st, 1))); }
static void f_SSL_clear_options(Step *st) { ret_int(st, (long long)SSL_clear_options(a_ssl(st, 0), (uint64_t)a_int(st, 1))); }
static void f_SSL_get_options(Step *st) { ret_int(st, (long long)SSL_get_options(a_ssl(st, 0))); }
static void f_SSL_set_num_tickets(Step *st) { ret_int(st, SSL_set_num_tickets(a_ssl(st, 0), (size_t)a_int(st, 1))); }
static void f_SSL_set_max_early_data(Step *st) { ret_int(st, SSL_set_max_early_data(a_ssl(st, 0), (uint32_t)a_int(st, 1))); }
static void f_SSL_set_min_proto_version(Step *st) { ret_int(st, SSL_set_min_proto_version(a_ssl(st, 0), (int)a_int(st, 1))); }
static void f_SSL_set_max_proto_version(Step *st) { ret_int(st, SSL_set_max_proto_version(a_ssl(st, 0), (int)a_int(st, 1))); }
static void f_SSL_get_num_tickets(Step *st) { ret_int(st, (long long)SSL_get_num_tickets(a_ssl(st, 0))); }
static void f_SSL_get_max_early_data(Step *st) { ret_int(st, SSL_get_max_early_data(a_ssl(st, 0))); }
static void f_SSL_get_min_proto_version(Step *st) { ret_int(st, SSL_get_min_proto_version(a_ssl(st, 0))); }
static void f_SSL_get_max_proto_version(Step *st) { ret_int(st, SSL_get_max_proto_version(a_ssl(st, 0))); }
static void f_SSL_CTX_get_num_tickets(Step *st) { ret_int(st, (long long)SSL_CTX_get_num_tickets(a_ctx(st, 0))); }
static void f_SSL_CTX_get_max_early_data(Step *st) { ret_int(st, SSL_CTX_get_max_early_data(a_ctx(st, 0))); }
static void f_SSL_CTX_get_min_proto_version(Step *st) { ret_int(st, SSL_CTX_get_min_proto_version(a_ctx(st, 0))); }
static void f_SSL_CTX_get_max_proto_version(Step *st) { ret_int(st, SSL_CTX_get_max_proto_version(a_ctx(st, 0))); }

static void f_SSL_set_session(Step *st)
{
    ret_int(st, SSL_set_session(a_ssl(st, 0), a_sess_opt(st, 1)));
}

static void f_SSL_copy_session_id(Step *st)
{
    ret_int(st, SSL_copy_session_id(a_ssl(st, 0), a_ssl(st, 1)));
}

static void f_SSL_set_SSL_CTX(Step *st)
{
    ret_ptr(st, OBJ_CTX, SSL_set_SSL_CTX(a_ssl(st, 0), a_ctx_opt(st, 1)));
}

static void f_SSL_set_session_id_context(Step *st)
{
    long long len = a_int(st, 2);
    ret_int(st, SSL_set_session_id_context(a_ssl(st, 0), a_bytes(st, 1), (unsigned int)len));
}

/* ---- SSL_CTX ------------------------------------------------------------- */

static void f_SSL_CTX_new(Step *st)
{
    const char *m = arg(st, 0, 'm')->text;
    const SSL_METHOD *meth = strcmp(m, "TLS_method") == 0          ? TLS_method()
                           : strcmp(m, "TLS_client_method") == 0   ? TLS_client_method()
                           : strcmp(m, "TLS_server_method") == 0   ? TLS_server_method()
                                                                   : NULL;
    SSL_CTX *ctx;

    if (meth == NULL)
        bad(st, "unknown method", 0);
    ctx = SSL_CTX_new(meth);
    /* Contexts that can act as a server get the harness certificate. */
    if (ctx != NULL && meth != TLS_client_method())
        sim_use_certificate(ctx);
    ret_ptr(st, OBJ_CTX, ctx);
}

static void f_SSL_CTX_free(Step *st) { SSL_CTX_free(a_ctx_opt(st, 0)); }
static void f_SSL_CTX_up_ref(Step *st) { ret_int(st, SSL_CTX_up_ref(a_ctx(st, 0))); }
static void f_SSL_CTX_sess_number(Step *st) { ret_int(st, SSL_CTX_sess_number(a_ctx(st, 0))); }
static void f_SSL_CTX_sess_get_cache_size(Step *st) { ret_int(st, SSL_CTX_sess_get_cache_size(a_ctx(st, 0))); }
static void f_SSL_CTX_get_session_cache_mode(Step *st) { ret_int(st, SSL_CTX_get_session_cache_mode(a_ctx(st, 0))); }
static void f_SSL_CTX_get_timeout(Step *st) { ret_int(st, SSL_CTX_get_timeout(a_ctx(st, 0))); }
/* The session counters (SSL_CTX_ctrl macros): one reader each. */
#define COUNTER_READER(macro) \
    static void f_##macro(Step *st) { ret_int(st, macro(a_ctx(st, 0))); }
COUNTER_READER(SSL_CTX_sess_connect)
COUNTER_READER(SSL_CTX_sess_connect_renegotiate)
COUNTER_READER(SSL_CTX_sess_accept)
COUNTER_READER(SSL_CTX_sess_accept_renegotiate)
COUNTER_READER(SSL_CTX_sess_connect_good)
COUNTER_READER(SSL_CTX_sess_accept_good)
COUNTER_READER(SSL_CTX_sess_hits)
COUNTER_READER(SSL_CTX_sess_cb_hits)
COUNTER_READER(SSL_CTX_sess_misses)
COUNTER_READER(SSL_CTX_sess_timeouts)
COUNTER_READER(SSL_CTX_sess_cache_full)

static void f_SSL_CTX_add_session(Step *st)
{
    ret_int(st, SSL_CTX_add_session(a_ctx(st, 0), a_sess(st, 1)));
}

static void f_SSL_CTX_remove_session(Step *st)
{
    ret_int(st, SSL_CTX_remove_session(a_ctx(st, 0), a_sess_opt(st, 1)));
}

static void f_SSL_CTX_flush_sessions(Step *st)
{
    SSL_CTX_flush_sessions(a_ctx(st, 0), (long)a_int(st, 1));
}

static void f_SSL_CTX_sess_set_cache_size(Step *st)
{
    ret_int(st, SSL_CTX_sess_set_cache_size(a_ctx(st, 0), (long)a_int(st, 1)));
}

static void f_SSL_CTX_set_session_cache_mode(Step *st)
{
    ret_int(st, SSL_CTX_set_session_cache_mode(a_ctx(st, 0), (long)a_int(st, 1)));
}

static void f_SSL_CTX_set_timeout(Step *st)
{
    ret_int(st, SSL_CTX_set_timeout(a_ctx(st, 0), (long)a_int(st, 1)));
}

static void f_SSL_CTX_set_session_id_context(Step *st)
{
    long long len = a_int(st, 2);
    ret_int(st, SSL_CTX_set_session_id_context(a_ctx(st, 0), a_bytes(st, 1), (unsigned int)len));
}

static void f_SSL_CTX_set_options(Step *st)
{
    ret_int(st, (long long)SSL_CTX_set_options(a_ctx(st, 0), (uint64_t)a_int(st, 1)));
}

static void f_SSL_CTX_get_options(Step *st)
{
    ret_int(st, (long long)SSL_CTX_get_options(a_ctx(st, 0)));
}

static void f_SSL_CTX_clear_options(Step *st)
{
    ret_int(st, (long long)SSL_CTX_clear_options(a_ctx(st, 0), (uint64_t)a_int(st, 1)));
}

static void f_SSL_CTX_set_num_tickets(Step *st)
{
    ret_int(st, SSL_CTX_set_num_tickets(a_ctx(st, 0), (size_t)a_int(st, 1)));
}

static void f_SSL_CTX_set_max_early_data(Step *st)
{
    ret_int(st, SSL_CTX_set_max_early_data(a_ctx(st, 0), (uint32_t)a_int(st, 1)));
}

static void f_SSL_CTX_set_min_proto_version(Step *st)
{
    ret_int(st, SSL_CTX_set_min_proto_version(a_ctx(st, 0), (int)a_int(st, 1)));
}

static void f_SSL_CTX_set_max_proto_version(Step *st)
{
    ret_int(st, SSL_CTX_set_max_proto_version(a_ctx(st, 0), (int)a_int(st, 1)));
}

static void set_cb(Step *st, SimCbKind kind)
{
    Obj *o = obj_find_live(OBJ_CTX, a_ctx(st, 0));

    if (o == NULL)
        bad(st, "context already freed", 0);
    if (!sim_callbacks_install(obj_ptr(o), kind, arg(st, 1, 'c')->text))
        bad(st, "unknown callback behaviour", 1);
}

static void f_SSL_CTX_sess_set_new_cb(Step *st) { set_cb(st, SIM_CB_NEW); }
static void f_SSL_CTX_sess_set_remove_cb(Step *st) { set_cb(st, SIM_CB_REMOVE); }
static void f_SSL_CTX_sess_set_get_cb(Step *st) { set_cb(st, SIM_CB_GET); }

/* ---- pseudo-calls -------------------------------------------------------- */

static void handshake_step(Step *st, int read_tickets)
{
    SSL *client = a_ssl(st, 0), *server = a_ssl(st, 1);

    ret_int(st, read_tickets ? sim_connect(client, server) : sim_handshake(client, server));
    st->has_reused = 1;
    st->reused_client = SSL_session_reused(client);
    st->reused_server = SSL_session_reused(server);
}

static void f_connect(Step *st) { handshake_step(st, 1); }
static void f_handshake(Step *st) { handshake_step(st, 0); }
static void f_read(Step *st) { ret_int(st, sim_read(a_ssl(st, 0))); }
static void f_advance_time(Step *st) { sim_advance_time(a_int(st, 0)); }

static void f_time(Step *st)
{
    arg(st, 0, 'n');
    ret_int(st, (long long)sim_clock_now());
}

/* The store is application memory: it outlives its SSL_CTX, so it is the variable's, not the address's. */
static void f_store_free_all(Step *st)
{
    Var *v;

    (void)a_ctx(st, 0); /* checks the argument */
    v = var_get(arg(st, 0, 'h')->text, 0);
    sim_store_clear(v->store);
}

typedef struct {
    const char *name;
    int nargs;
    void (*run)(Step *);
} Call;

static const Call CALLS[] = {
    {"SSL_SESSION_new", 0, f_SSL_SESSION_new},
    {"SSL_SESSION_dup", 1, f_SSL_SESSION_dup},
    {"SSL_SESSION_up_ref", 1, f_SSL_SESSION_up_ref},
    {"SSL_SESSION_free", 1, f_SSL_SESSION_free},
    {"i2d_SSL_SESSION", 2, f_i2d_SSL_SESSION},
    {"d2i_SSL_SESSION", 3, f_d2i_SSL_SESSION},
    {"SSL_SESSION_is_resumable", 1, f_SSL_SESSION_is_resumable},
    {"SSL_SESSION_set_timeout", 2, f_SSL_SESSION_set_timeout},
    {"SSL_SESSION_get_timeout", 1, f_SSL_SESSION_get_timeout},
    {"SSL_SESSION_set_time", 2, f_SSL_SESSION_set_time},
    {"SSL_SESSION_get_time", 1, f_SSL_SESSION_get_time},
    {"SSL_SESSION_get_protocol_version", 1, f_SSL_SESSION_get_protocol_version},
    {"SSL_SESSION_has_ticket", 1, f_SSL_SESSION_has_ticket},
    {"SSL_SESSION_get_ticket_lifetime_hint", 1, f_SSL_SESSION_get_ticket_lifetime_hint},
    {"SSL_SESSION_set1_id", 3, f_SSL_SESSION_set1_id},
    {"SSL_SESSION_set1_id_context", 3, f_SSL_SESSION_set1_id_context},
    {"SSL_new", 1, f_SSL_new},
    {"SSL_free", 1, f_SSL_free},
    {"SSL_up_ref", 1, f_SSL_up_ref},
    {"SSL_clear", 1, f_SSL_clear},
    {"SSL_shutdown", 1, f_SSL_shutdown},
    {"SSL_set_shutdown", 2, f_SSL_set_shutdown},
    {"SSL_set_session", 2, f_SSL_set_session},
    {"SSL_get_session", 1, f_SSL_get_session},
    {"SSL_get0_session", 1, f_SSL_get_session},
    {"SSL_get1_session", 1, f_SSL_get1_session},
    {"SSL_session_reused", 1, f_SSL_session_reused},
    {"SSL_copy_session_id", 2, f_SSL_copy_session_id},
    {"SSL_set_SSL_CTX", 2, f_SSL_set_SSL_CTX},
    {"SSL_dup", 1, f_SSL_dup},
    {"SSL_set_session_id_context", 3, f_SSL_set_session_id_context},
    {"SSL_get_SSL_CTX", 1, f_SSL_get_SSL_CTX},
    {"SSL_get_shutdown", 1, f_SSL_get_shutdown},
    {"SSL_new_session_ticket", 1, f_SSL_new_session_ticket},
    {"SSL_in_init", 1, f_SSL_in_init},
    {"SSL_in_before", 1, f_SSL_in_before},
    {"SSL_is_init_finished", 1, f_SSL_is_init_finished},
    {"SSL_set_quiet_shutdown", 2, f_SSL_set_quiet_shutdown},
    {"SSL_get_quiet_shutdown", 1, f_SSL_get_quiet_shutdown},
    {"SSL_CTX_set_quiet_shutdown", 2, f_SSL_CTX_set_quiet_shutdown},
    {"SSL_CTX_get_quiet_shutdown", 1, f_SSL_CTX_get_quiet_shutdown},
    {"SSL_set_options", 2, f_SSL_set_options},
    {"SSL_clear_options", 2, f_SSL_clear_options},
    {"SSL_get_options", 1, f_SSL_get_options},
    {"SSL_set_num_tickets", 2, f_SSL_set_num_tickets},
    {"SSL_set_max_early_data", 2, f_SSL_set_max_early_data},
    {"SSL_set_min_proto_version", 2, f_SSL_set_min_proto_version},
    {"SSL_set_max_proto_version", 2, f_SSL_set_max_proto_version},
    {"SSL_get_num_tickets", 1, f_SSL_get_num_tickets},
    {"SSL_get_max_early_data", 1, f_SSL_get_max_early_data},
    {"SSL_get_min_proto_version", 1, f_SSL_get_min_proto_version},
    {"SSL_get_max_proto_version", 1, f_SSL_get_max_proto_version},
    {"SSL_CTX_new", 1, f_SSL_CTX_new},
    {"SSL_CTX_free", 1, f_SSL_CTX_free},
    {"SSL_CTX_up_ref", 1, f_SSL_CTX_up_ref},
    {"SSL_CTX_add_session", 2, f_SSL_CTX_add_session},
    {"SSL_CTX_remove_session", 2, f_SSL_CTX_remove_session},
    {"SSL_CTX_flush_sessions", 2, f_SSL_CTX_flush_sessions},
    {"SSL_CTX_sess_number", 1, f_SSL_CTX_sess_number},
    {"SSL_CTX_sess_set_cache_size", 2, f_SSL_CTX_sess_set_cache_size},
    {"SSL_CTX_sess_get_cache_size", 1, f_SSL_CTX_sess_get_cache_size},
    {"SSL_CTX_set_session_cache_mode", 2, f_SSL_CTX_set_session_cache_mode},
    {"SSL_CTX_get_session_cache_mode", 1, f_SSL_CTX_get_session_cache_mode},
    {"SSL_CTX_set_timeout", 2, f_SSL_CTX_set_timeout},
    {"SSL_CTX_get_timeout", 1, f_SSL_CTX_get_timeout},
    {"SSL_CTX_sess_connect", 1, f_SSL_CTX_sess_connect},
    {"SSL_CTX_sess_connect_renegotiate", 1, f_SSL_CTX_sess_connect_renegotiate},
    {"SSL_CTX_sess_accept", 1, f_SSL_CTX_sess_accept},
    {"SSL_CTX_sess_accept_renegotiate", 1, f_SSL_CTX_sess_accept_renegotiate},
    {"SSL_CTX_sess_connect_good", 1, f_SSL_CTX_sess_connect_good},
    {"SSL_CTX_sess_accept_good", 1, f_SSL_CTX_sess_accept_good},
    {"SSL_CTX_sess_hits", 1, f_SSL_CTX_sess_hits},
    {"SSL_CTX_sess_cb_hits", 1, f_SSL_CTX_sess_cb_hits},
    {"SSL_CTX_sess_misses", 1, f_SSL_CTX_sess_misses},
    {"SSL_CTX_sess_timeouts", 1, f_SSL_CTX_sess_timeouts},
    {"SSL_CTX_sess_cache_full", 1, f_SSL_CTX_sess_cache_full},
    {"SSL_CTX_set_session_id_context", 3, f_SSL_CTX_set_session_id_context},
    {"SSL_CTX_set_options", 2, f_SSL_CTX_set_options},
    {"SSL_CTX_clear_options", 2, f_SSL_CTX_clear_options},
    {"SSL_CTX_get_options", 1, f_SSL_CTX_get_options},
    {"SSL_CTX_get_num_tickets", 1, f_SSL_CTX_get_num_tickets},
    {"SSL_CTX_get_max_early_data", 1, f_SSL_CTX_get_max_early_data},
    {"SSL_CTX_get_min_proto_version", 1, f_SSL_CTX_get_min_proto_version},
    {"SSL_CTX_get_max_proto_version", 1, f_SSL_CTX_get_max_proto_version},
    {"SSL_CTX_set_num_tickets", 2, f_SSL_CTX_set_num_tickets},
    {"SSL_CTX_set_max_early_data", 2, f_SSL_CTX_set_max_early_data},
    {"SSL_CTX_set_min_proto_version", 2, f_SSL_CTX_set_min_proto_version},
    {"SSL_CTX_set_max_proto_version", 2, f_SSL_CTX_set_max_proto_version},
    {"SSL_CTX_sess_set_new_cb", 2, f_SSL_CTX_sess_set_new_cb},
    {"SSL_CTX_sess_set_remove_cb", 2, f_SSL_CTX_sess_set_remove_cb},
    {"SSL_CTX_sess_set_get_cb", 2, f_SSL_CTX_sess_set_get_cb},
    {"connect", 2, f_connect},
    {"handshake", 2, f_handshake},
    {"read", 1, f_read},
    {"advance_time", 1, f_advance_time},
    {"time", 1, f_time},
    {"store_free_all", 1, f_store_free_all},
};

static const Call *find_call(const char *name)
{
    for (size_t i = 0; i < sizeof(CALLS) / sizeof(CALLS[0]); i++)
        if (strcmp(CALLS[i].name, name) == 0)
            return &CALLS[i];
    return NULL;
}

/* ---- parsing ------------------------------------------------------------- */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

static void parse_arg(Step *st, Arg *a, char *tok)
{
    if (tok[0] == '\0' || tok[1] != ':')
        die("line %ld: bad argument '%s'", st->line, tok);
    a->form = tok[0];
    a->text = tok + 2;
    switch (a->form) {
    case 'i': {
        char *end;
        errno = 0;
        a->num = strtoll(a->text, &end, 10);
        if (errno != 0 || *end != '\0' || end == a->text)
            die("line %ld: bad integer '%s'", st->line, tok);
        break;
    }
    case 'b': {
        size_t n = strlen(a->text);
        if (n % 2 != 0)
            die("line %ld: odd hex string '%s'", st->line, tok);
        a->bytes = xmalloc(n / 2 + 1);
        a->nbytes = n / 2;
        for (size_t i = 0; i < n / 2; i++) {
            int hi = hexval((unsigned char)a->text[2 * i]), lo = hexval((unsigned char)a->text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                die("line %ld: bad hex string '%s'", st->line, tok);
            a->bytes[i] = (unsigned char)(hi * 16 + lo);
        }
        break;
    }
    case 'v': {
        /* v:NAME, v:NAME+K, v:NAME-K: an integer variable's value (plus K), which only the
         * run knows (a DER length), turned into an i: argument here. */
        char name[128];
        size_t n = strcspn(a->text, "+-");
        char *end;
        long long k = 0;
        Var *v;

        if (n == 0 || n >= sizeof(name))
            die("line %ld: bad variable argument '%s'", st->line, tok);
        memcpy(name, a->text, n);
        name[n] = '\0';
        if (a->text[n] != '\0') {
            errno = 0;
            k = strtoll(a->text + n, &end, 10);
            if (errno != 0 || *end != '\0' || end == a->text + n)
                die("line %ld: bad variable argument '%s'", st->line, tok);
        }
        v = var_get(name, 0);
        if (v == NULL || !v->is_int)
            die("line %ld: no integer variable %s", st->line, name);
        a->form = 'i';
        a->num = v->num + k;
        break;
    }
    case 'h': case 'n': case 'c': case 'm': case 'o': case 'd':
        break;
    default:
        die("line %ld: unknown argument form '%s'", st->line, tok);
    }
}

/* Splits on TABs (the protocol) or spaces (hand-written fixtures). */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok != NULL; tok = strtok(NULL, " \t\r\n")) {
        if (n == max)
            return -1;
        fields[n++] = tok;
    }
    return n;
}

/* ---- output -------------------------------------------------------------- */

static Str g_out, g_cache;

static void add_ptr_id(Str *s, ObjKind kind, const void *p)
{
    Obj *o = obj_find(kind, p);

    if (p == NULL)
        str_addf(s, "null");
    else
        str_add_json_string(s, o != NULL ? obj_id(o) : "?");
}

/* --changes: a state line lists an object only when it differs from how the last line showed it (PROTOCOL.md). */
static int g_changes;
static Str g_value; /* one object's value in a state line, built before it is compared with the last one shown */

/*
 * What a session's or an SSL's value is made from, read without formatting it: under --changes an
 * object whose print is the one of its last listed value is left out before any format call (a trace
 * holding thousands of sessions formatted each of them at every statement). A ctx has none.
 */
typedef struct {
    long v[3];
} Print;

static Print session_print(Obj *o)
{
    Print p = {{o->destroyed, 0, 0}};
    if (!o->destroyed) {
        p.v[1] = probe_refs(o);
        p.v[2] = SSL_SESSION_is_resumable(obj_ptr(o));
    }
    return p;
}

static void session_value(Obj *o, const Print *p, Str *v)
{
    if (o->destroyed)
        str_addf(v, "{\"refs\":0,\"freed\":true,\"resumable\":null}");
    else
        str_addf(v, "{\"refs\":%ld,\"freed\":false,\"resumable\":%ld}", p->v[1], p->v[2]);
}

static Print ssl_print(Obj *o)
{
    Print p = {{o->destroyed, 0, 0}};
    if (!o->destroyed) {
        const SSL_SESSION *sess = SSL_get_session(obj_ptr(o));
        p.v[1] = probe_refs(o);
        /* The id shown: the newest object at the address, or "?" (-1) for one never seen, or null (-2). */
        Obj *so = sess == NULL ? NULL : obj_find(OBJ_SESSION, sess);
        p.v[2] = sess == NULL ? -2 : so == NULL ? -1 : (long)(uintptr_t)so;
    }
    return p;
}

static void ssl_value(Obj *o, const Print *p, Str *v)
{
    if (o->destroyed) {
        str_addf(v, "{\"refs\":0,\"freed\":true,\"session\":null}");
        return;
    }
    str_addf(v, "{\"refs\":%ld,\"freed\":false,\"session\":", p->v[1]);
    add_ptr_id(v, OBJ_SESSION, SSL_get_session(obj_ptr(o)));
    str_addf(v, "}");
}

static Print no_print(Obj *o)
{
    (void)o;
    return (Print){{0, 0, 0}};
}

static void ctx_value(Obj *o, const Print *p, Str *v)
{
    (void)p;
    if (o->destroyed) {
        str_addf(v, "{\"refs\":0,\"freed\":true,\"cache\":[],\"sess_number\":0,\"stats\":null}");
        return;
    }
    probe_cache_list(o, &g_cache);
    SSL_CTX *c = (SSL_CTX *)obj_ptr(o);
    str_addf(v, "{\"refs\":%d,\"freed\":false,\"cache\":%s,\"sess_number\":%ld,", probe_refs(o), g_cache.buf,
             SSL_CTX_sess_number(c));
    /* The counters of SSL_CTX_ctrl the model keeps (spec §4 Statistics and sizes). */
    str_addf(v, "\"stats\":{\"connect\":%ld,\"connect_renegotiate\":%ld,\"connect_good\":%ld,"
                "\"accept\":%ld,\"accept_renegotiate\":%ld,\"accept_good\":%ld,\"hits\":%ld,\"cb_hits\":%ld,"
                "\"misses\":%ld,\"timeouts\":%ld,\"cache_full\":%ld}}",
             SSL_CTX_sess_connect(c), SSL_CTX_sess_connect_renegotiate(c), SSL_CTX_sess_connect_good(c),
             SSL_CTX_sess_accept(c), SSL_CTX_sess_accept_renegotiate(c), SSL_CTX_sess_accept_good(c), SSL_CTX_sess_hits(c),
             SSL_CTX_sess_cb_hits(c), SSL_CTX_sess_misses(c), SSL_CTX_sess_timeouts(c), SSL_CTX_sess_cache_full(c));
}

/*
 * The objects of one kind as a JSON object's members. Under --changes an object is left out when its
 * value is the one the last line showed; a destroyed object, once shown, is skipped without probing it.
 */
static void add_objects(Str *s, ObjKind kind, Print (*print)(Obj *), void (*value)(Obj *, const Print *, Str *))
{
    int first = 1;

    for (size_t i = 0; i < obj_count(kind); i++) {
        Obj *o = obj_at(kind, i);
        if (g_changes && o->destroyed && o->freed_shown)
            continue;
        Print p = print(o);
        if (g_changes && print != no_print && o->has_print && memcmp(o->last_print, p.v, sizeof(p.v)) == 0)
            continue;
        str_reset(&g_value);
        value(o, &p, &g_value);
        if (g_changes) {
            memcpy(o->last_print, p.v, sizeof(p.v));
            o->has_print = 1;
            if (o->last_value.buf != NULL && strcmp(o->last_value.buf, g_value.buf) == 0)
                continue;
            str_reset(&o->last_value);
            str_addf(&o->last_value, "%s", g_value.buf);
            o->freed_shown = o->destroyed;
        }
        str_addf(s, "%s", first ? "" : ",");
        first = 0;
        str_add_json_string(s, obj_id(o));
        str_addf(s, ":%s", g_value.buf);
    }
}

static void add_state(Str *s)
{
    str_addf(s, "\"state\":{\"sessions\":{");
    add_objects(s, OBJ_SESSION, session_print, session_value);
    str_addf(s, "},\"ssl\":{");
    add_objects(s, OBJ_SSL, ssl_print, ssl_value);
    str_addf(s, "},\"ctx\":{");
    add_objects(s, OBJ_CTX, no_print, ctx_value);
    str_addf(s, "}}");
}

static void emit(FILE *out, const Step *st)
{
    str_reset(&g_out);
    str_addf(&g_out, "{\"line\":%ld,\"call\":", st->line);
    str_add_json_string(&g_out, st->fn);
    str_addf(&g_out, ",\"ret\":");
    if (st->ret_kind == RET_INT)
        str_addf(&g_out, "%lld", st->ret_int);
    else if (st->ret_kind == RET_PTR)
        add_ptr_id(&g_out, st->ret_obj, st->ret_ptr);
    else
        str_addf(&g_out, "null");
    if (st->has_reused)
        str_addf(&g_out, ",\"reused\":{\"client\":%d,\"server\":%d}", st->reused_client,
                 st->reused_server);
    str_addf(&g_out, ",\"events\":[%s],", g_events.len ? g_events.buf : "");
    add_state(&g_out);
    str_addf(&g_out, "}\n");
    fputs(g_out.buf, out);
    fflush(out);
}

/* SSLs and SSL_CTXs are named after the variable first assigned them. */
static void name_new_objects(const Step *st)
{
    char fallback[48];

    snprintf(fallback, sizeof(fallback), "_L%ld", st->line);
    for (int k = OBJ_SSL; k <= OBJ_CTX; k++) {
        for (size_t i = 0; i < obj_count((ObjKind)k); i++) {
            Obj *o = obj_at((ObjKind)k, i);
            if (o->id != NULL)
                continue;
            if (st->ret_kind == RET_PTR && st->ret_ptr == obj_ptr(o) && strcmp(st->target, "-") != 0)
                obj_name(o, st->target);
            else
                obj_name(o, fallback);
        }
    }
}

static void bind_target(const Step *st)
{
    Var *v;

    if (strcmp(st->target, "-") == 0 || st->ret_kind == RET_VOID)
        return;
    v = var_get(st->target, 1);
    free(v->der);
    v->der = NULL;
    v->is_der = 0;
    v->is_int = st->ret_kind == RET_INT;
    v->num = st->ret_kind == RET_INT ? st->ret_int : 0;
    v->ptr = st->ret_kind == RET_PTR ? st->ret_ptr : NULL;
    v->store = st->ret_kind == RET_PTR && st->ret_obj == OBJ_CTX ? sim_store_of_ctx(v->ptr) : NULL;
}

static void run_statement(FILE *out, char *line)
{
    char *f[3 + MAX_ARGS + 1];
    int n = split(line, f, (int)(sizeof(f) / sizeof(f[0])));
    Step st;
    const Call *call;

    if (n == 0)
        return;
    if (n < 3)
        die("bad statement (need LINE TARGET FUNCTION): %s", f[0]);
    memset(&st, 0, sizeof(st));
    st.line = strtol(f[0], NULL, 10);
    st.target = f[1];
    st.fn = f[2];
    st.nargs = n - 3;
    g_current_line = st.line;
    /* The marker first: even a malformed statement is attributed to its line. */
    fprintf(stderr, "@@step %ld %s\n", st.line, st.fn);
    fflush(stderr);
    call = find_call(st.fn);
    if (call == NULL)
        die("line %ld: unknown function %s", st.line, st.fn);
    if (st.nargs != call->nargs)
        die("line %ld: %s takes %d arguments, got %d", st.line, st.fn, call->nargs, st.nargs);
    for (int i = 0; i < st.nargs; i++)
        parse_arg(&st, &st.args[i], f[3 + i]);

    str_reset(&g_events);
    call->run(&st);
    ERR_clear_error();
    name_new_objects(&st);
    bind_target(&st);
    emit(out, &st);
    for (int i = 0; i < st.nargs; i++)
        free(st.args[i].bytes);
}

static void emit_end(FILE *out)
{
    str_reset(&g_out);
    str_addf(&g_out, "{\"end\":true,\"leaks\":[");
    int first = 1;
    for (size_t i = 0; i < obj_count(OBJ_SESSION); i++) {
        Obj *o = obj_at(OBJ_SESSION, i);
        if (o->destroyed)
            continue;
        str_addf(&g_out, "%s", first ? "" : ",");
        str_add_json_string(&g_out, obj_id(o));
        first = 0;
    }
    str_addf(&g_out, "]}\n");
    fputs(g_out.buf, out);
    fflush(out);
    /* The addresses of live sessions, for mapping LeakSanitizer's report. */
    for (size_t i = 0; i < obj_count(OBJ_SESSION); i++) {
        Obj *o = obj_at(OBJ_SESSION, i);
        if (!o->destroyed)
            fprintf(stderr, "@@live %s %p\n", obj_id(o), (void *)((char *)obj_ptr(o) - ALLOC_HEADER));
    }
    fprintf(stderr, "@@end\n");
    fflush(stderr);
}

int worker_main(FILE *in, FILE *out)
{
    char *line = NULL;
    size_t cap = 0;
    int have_clock = 0;

    g_changes = getenv(HARNESS_CHANGES_ENV) != NULL;
    alloc_install();
    objects_init();
    sim_registry_init();
    callbacks_init();
    sim_cert_init();
    probe_calibrate();
    fprintf(stderr, "@@ready\n");
    fflush(stderr);

    while (getline(&line, &cap, in) >= 0) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
            continue;
        if (!have_clock) {
            long long t;
            if (sscanf(p, "clock %lld", &t) != 1)
                die("the first line must be 'clock T0', got: %s", p);
            sim_clock_set((time_t)t);
            have_clock = 1;
            continue;
        }
        run_statement(out, p);
    }
    free(line);
    emit_end(out);
    return 0;
}
