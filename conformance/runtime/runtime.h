/*
 * The runtime shared by the conformance harness (conformance/src) and the C
 * programs `sslsim emit-c` writes, which inline these files: what a trace's
 * pseudo-calls and named callbacks mean against the real libssl.
 *
 *   util.c       fatal errors and checked allocation
 *   clock.c      the simulated time(), which libssl reads too
 *   cert.c       the P-256 server certificate every server-capable ctx gets
 *   conn.c       connect/handshake/read: an in-memory handshake over a BIO pair
 *   der.c        a DER encoding as d2i_SSL_SESSION reads it (zero-padded)
 *   store.c      the application's external session store
 *   registry.c   which store belongs to each SSL_CTX, and to each SSL's session_ctx
 *   callbacks.c  the named callback behaviours of src/trace/catalogue.ts
 *   expect.c     (programs only) sim_init, SIM_EXPECT and the exit status
 *
 * One translation unit or several: nothing here is static that the other
 * side needs, and nothing is defined in this header.
 */
#ifndef SIM_RUNTIME_H
#define SIM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/ssl.h>

/* ---- util.c -------------------------------------------------------------- */

/* A broken invariant of the runtime itself (not of libssl): exit status 2. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The prefix of die()'s messages ("sim"; the harness says "harness"). */
extern const char *sim_program;
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* ---- clock.c ------------------------------------------------------------- */

/* The model's CLOCK_START (src/world/world.ts): where a program's clock starts. */
#define SIM_CLOCK_START 1800000000

void sim_clock_set(time_t t);
time_t sim_clock_now(void);
/* advance_time(n): forward only, as the model moves its clock. */
void sim_advance_time(long long n);

/* ---- cert.c -------------------------------------------------------------- */

/* Makes the key and certificate; before any sim_use_certificate. */
void sim_cert_init(void);
/* Gives a server-capable context the certificate and key (NULL: nothing); returns ctx. */
SSL_CTX *sim_use_certificate(SSL_CTX *ctx);

/* ---- conn.c -------------------------------------------------------------- */

/* connect(c, s): the handshake, then the client reads the tickets. 1 on success, 0 on failure. */
int sim_connect(SSL *client, SSL *server);
/* handshake(c, s): the same handshake, without reading tickets. */
int sim_handshake(SSL *client, SSL *server);
/* read(ssl): SSL_read until it would block; returns the number of tickets processed. */
int sim_read(SSL *ssl);

/* ---- der.c --------------------------------------------------------------- */

/* A copy of the der_len bytes at der, zero-padded to at least len bytes (free() it). */
unsigned char *sim_der_copy(const unsigned char *der, long long der_len, long long len);

/* ---- store.c ------------------------------------------------------------- */

typedef struct {
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
    SSL_SESSION *sess;      /* held in plain form: the "application" owns it */
    int owns_ref;
} SimStoreEntry;

/* One SSL_CTX's external store, keyed by session id bytes. */
typedef struct {
    SimStoreEntry *items;
    size_t len, cap;
} SimStore;

SimStoreEntry *sim_store_lookup(SimStore *store, const unsigned char *id, unsigned int len);
void sim_store_put(SimStore *store, SSL_SESSION *sess, int owns_ref);
void sim_store_drop(SimStore *store, SimStoreEntry *e);
/* The application frees every session `store` holds (NULL: nothing). */
void sim_store_clear(SimStore *store);
/* store_free_all(ctx): sim_store_clear of the store of the newest SSL_CTX made at ctx's address. A program
 * that names a context freed long ago must keep its store instead (a newer context may reuse the address). */
void sim_store_free_all(SSL_CTX *ctx);
/* stored(ctx, sess): 1 if ctx's store holds this session pointer (never dereferenced). */
int sim_stored(SSL_CTX *ctx, SSL_SESSION *sess);

/* ---- registry.c ---------------------------------------------------------- */

/* Registers the ex_data callbacks; before the first SSL_CTX is made. */
void sim_registry_init(void);
/* The store of the newest SSL_CTX made at this address (alive or not), or NULL. */
SimStore *sim_store_of_ctx(const SSL_CTX *ctx);
/* The store of the SSL's session_ctx (the ctx given to SSL_new), or NULL. */
SimStore *sim_store_of_ssl(const SSL *ssl);
/* At the end of a program: every store forgets its pointers, so LeakSanitizer sees what they held as leaked. */
void sim_registry_forget_stores(void);

/* ---- callbacks.c --------------------------------------------------------- */

int new_cb_store(SSL *ssl, SSL_SESSION *sess);
int new_cb_ignore(SSL *ssl, SSL_SESSION *sess);
int new_cb_store_return0(SSL *ssl, SSL_SESSION *sess);
int new_cb_forget_return1(SSL *ssl, SSL_SESSION *sess);
void remove_cb_log(SSL_CTX *ctx, SSL_SESSION *sess);
void remove_cb_evict_store(SSL_CTX *ctx, SSL_SESSION *sess);
void remove_cb_free(SSL_CTX *ctx, SSL_SESSION *sess);
void remove_cb_remove(SSL_CTX *ctx, SSL_SESSION *sess);
SSL_SESSION *get_cb_store_copy(SSL *ssl, const unsigned char *id, int len, int *copy);
SSL_SESSION *get_cb_store_transfer(SSL *ssl, const unsigned char *id, int len, int *copy);
SSL_SESSION *get_cb_store_nocopy(SSL *ssl, const unsigned char *id, int len, int *copy);
SSL_SESSION *get_cb_miss(SSL *ssl, const unsigned char *id, int len, int *copy);

typedef enum { SIM_CB_NEW, SIM_CB_REMOVE, SIM_CB_GET } SimCbKind;
/* Installs the behaviour named `name` (or "NULL") in ctx's slot; 0 if there is none. */
int sim_callbacks_install(SSL_CTX *ctx, SimCbKind kind, const char *name);

/*
 * Watches the callbacks without changing what they do: the harness logs each
 * call (conformance/src/callbacks.c); a program leaves it NULL. new_cb and
 * remove_cb are told on entry, before the behaviour acts (so a refcount read
 * there is the one libssl passed); get_cb on return, with the result.
 */
typedef struct {
    void (*new_cb)(SSL *ssl, SSL_SESSION *sess, int ret);
    void (*remove_cb)(SSL_CTX *ctx, SSL_SESSION *sess);
    void (*get_cb)(SSL *ssl, SSL_SESSION *ret, int copy);
} SimCallbackWatch;
extern const SimCallbackWatch *sim_callback_watch;

/* ---- expect.c (programs only) -------------------------------------------- */

/* Before the first statement: the certificate, the registry, the trace's name for messages. */
void sim_init(const char *trace_file);
/* An expect line: reports a failure on stderr and goes on; the exit status remembers it. */
void sim_expect(int ok, int line, const char *text);
#define SIM_EXPECT(line, text, cond) sim_expect((cond) ? 1 : 0, (line), (text))
/* The program's exit status: 1 if an expect failed, else 0. */
int sim_finish(void);

#endif
