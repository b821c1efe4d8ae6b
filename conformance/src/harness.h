/*
 * Conformance harness for ssl-session-sim: shared declarations.
 *
 * The harness runs the line protocol of conformance/PROTOCOL.md against the
 * real libssl under AddressSanitizer. The process is split in two:
 *   - the supervisor (supervisor.c) forks a worker, watches it with a per-step
 *     watchdog and turns a crash into a `fault` line;
 *   - the worker (worker.c) executes the statements and prints the JSON lines.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/ssl.h>

/* die, xmalloc, the clock, the certificate, connections, the store and the
 * callback behaviours: the runtime the emitted C programs share. */
#include "runtime.h"

/* ---- util.c: strings and growable buffers ------------------------------ */

char *xstrdup(const char *s);

/* A growable string, used to build one JSON line at a time. */
typedef struct {
    char *buf;
    size_t len, cap;
} Str;

void str_addf(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void str_add_json_string(Str *s, const char *text);
void str_reset(Str *s);

/* ---- alloc.c: OpenSSL's memory, ASan hooks ------------------------------ */

/* Installs the allocator wrappers; must run before libcrypto allocates. */
void alloc_install(void);
/* The size OpenSSL asked for when it allocated the block at p. */
size_t alloc_size(const void *p);
/* Bytes the wrappers put in front of each OpenSSL block (ASan owns them). */
enum { ALLOC_HEADER = 16 };

/* ---- objects.c: identity and lifetime of SSL_SESSION / SSL / SSL_CTX ---- */

typedef enum { OBJ_SESSION, OBJ_SSL, OBJ_CTX } ObjKind;

typedef struct Obj {
    ObjKind kind;
    uintptr_t masked;       /* address ^ mask, so LeakSanitizer does not count us */
    size_t size;            /* allocation size, for attributing ASan addresses */
    char *id;               /* "s3", "c1", NULL while an SSL/SSL_CTX is unnamed */
    int destroyed;          /* the ex_data free_func has run */
    long created_line, destroyed_line;
    Str last_note;          /* the last list/lhash disagreement reported */
    Str last_value;         /* --changes: its value in the last state line that listed it */
    long last_print[3];     /* --changes: what last_value was made from, for a session or an SSL */
    int has_print;
    int freed_shown;        /* --changes: a state line has shown it destroyed */
    unsigned long in_list, in_lhash; /* the last cache cross-check that found it in a list, in an lhash */
} Obj;

void objects_init(void);
/* Forgets every object (after the start-up calibration). */
void objects_reset(void);
/* The newest object at address p (live or destroyed), or NULL. */
Obj *obj_find(ObjKind kind, const void *p);
/* The newest live object at address p, or NULL. */
Obj *obj_find_live(ObjKind kind, const void *p);
/* The object whose allocation contains addr, any kind; sets *offset. */
Obj *obj_containing(uintptr_t addr, long *offset);
void *obj_ptr(const Obj *o);
size_t obj_count(ObjKind kind);
Obj *obj_at(ObjKind kind, size_t i);
/* Gives an unnamed SSL/SSL_CTX a unique id derived from name. */
void obj_name(Obj *o, const char *name);
const char *obj_id(const Obj *o);
/* HARNESS_TRACE_OBJECTS=1 is on (after calibration). */
int objects_tracing(void);
/* The statement being executed, recorded in creation/destruction times. */
extern long g_current_line;

/* ---- probe.c: reading refcounts and the cache list without side effects - */

void probe_calibrate(void);
int probe_refs(const Obj *o);
/* The ids in ctx's cache list, head (latest expiry) to tail. */
void probe_cache_list(Obj *ctx, Str *out_json_array);

/* ---- callbacks.c: the callbacks' events (runtime/callbacks.c acts) ------ */

/* Starts watching the runtime's callbacks. */
void callbacks_init(void);
/* The events of the current step, as a JSON array body. */
extern Str g_events;

/* ---- worker.c / supervisor.c ------------------------------------------- */

int worker_main(FILE *in, FILE *out);
/* --changes (PROTOCOL.md): set in the environment for the worker the supervisor starts. */
#define HARNESS_CHANGES_ENV "HARNESS_CHANGES"
int supervisor_main(double step_timeout, long max_rss_mb);

#endif
