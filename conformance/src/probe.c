/*
 * Reading libssl's private state without changing it.
 *
 * The structs are opaque, so the offsets of the fields we read are learnt at
 * start-up from the installed library, never copied from its headers:
 *   - `references` of SSL_SESSION, SSL and SSL_CTX: snapshot an object, call
 *     *_up_ref three times, find the one int that moved by exactly 3;
 *   - the cache list: the SSL_CTX's head/tail pointers and the SESSION's
 *     prev/next pointers, found by adding known sessions to a context and
 *     scanning both objects for their addresses. libssl's list uses the
 *     addresses of the ctx's head and tail fields as sentinels, which gives
 *     an independent check of the offsets.
 * Every offset is then checked against an independent observation: a forked
 * child releases references one at a time until the object's ex_data free
 * callback fires, which counts the references without trusting the offset.
 * Any mismatch is fatal: the harness refuses to run with a wrong calibration.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static size_t g_off_refs[3];
static size_t g_off_head, g_off_tail, g_off_prev, g_off_next;

static int read_int(const void *base, size_t off)
{
    int v;
    memcpy(&v, (const unsigned char *)base + off, sizeof(v));
    return v;
}

static uintptr_t read_word(const void *base, size_t off)
{
    uintptr_t v;
    memcpy(&v, (const unsigned char *)base + off, sizeof(v));
    return v;
}

/* ---- reference counts ---------------------------------------------------- */

static void ref_up(ObjKind kind, void *p)
{
    int ok = kind == OBJ_SESSION ? SSL_SESSION_up_ref(p)
           : kind == OBJ_SSL     ? SSL_up_ref(p)
                                 : SSL_CTX_up_ref(p);
    if (ok != 1)
        die("calibration: up_ref failed");
}

static void ref_down(ObjKind kind, void *p)
{
    if (kind == OBJ_SESSION)
        SSL_SESSION_free(p);
    else if (kind == OBJ_SSL)
        SSL_free(p);
    else
        SSL_CTX_free(p);
}

/* The offset of the int that counts references in the fresh object p (refs 1). */
static size_t find_refcount(ObjKind kind, void *p)
{
    size_t n = alloc_size(p) / sizeof(int), found = 0, hits = 0;
    int *before = xmalloc(n * sizeof(int));

    for (size_t i = 0; i < n; i++)
        before[i] = read_int(p, i * sizeof(int));
    for (int k = 0; k < 3; k++)
        ref_up(kind, p);
    for (size_t i = 0; i < n; i++) {
        if (before[i] == 1 && read_int(p, i * sizeof(int)) == 4) {
            found = i * sizeof(int);
            hits++;
        }
    }
    for (int k = 0; k < 3; k++)
        ref_down(kind, p);
    free(before);
    if (hits != 1)
        die("calibration: %zu candidate refcount fields in a %zu-byte object (kind %d)",
            hits, alloc_size(p), (int)kind);
    if (read_int(p, found) != 1)
        die("calibration: refcount did not come back to 1");
    return found;
}

/*
 * Counts p's references the hard way: a forked child releases them one at a
 * time until libssl destroys the object (the ex_data free callback fires).
 */
static int count_refs_by_fork(ObjKind kind, void *p)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        for (int n = 1; n <= 64; n++) {
            Obj *o;
            ref_down(kind, p);
            o = obj_find(kind, p);
            if (o != NULL && o->destroyed)
                _exit(n);
        }
        _exit(100);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        die("calibration: the counting child died");
    return WEXITSTATUS(status);
}

static void check_refs(ObjKind kind, void *p, int expected, const char *what)
{
    Obj *o = obj_find_live(kind, p);
    int read, counted;

    if (o == NULL)
        die("calibration: %s is not registered (ex_data new_func did not fire)", what);
    read = probe_refs(o);
    counted = count_refs_by_fork(kind, p);
    if (read != expected || counted != expected)
        die("calibration: %s: expected %d references, read %d, counted %d", what, expected, read,
            counted);
}

/* ---- the cache list ------------------------------------------------------ */

/* The only offset in obj (8-aligned) holding value, or die. */
static size_t find_word(const void *obj, uintptr_t value, const char *what)
{
    size_t n = alloc_size(obj) / sizeof(uintptr_t), found = 0, hits = 0;

    for (size_t i = 0; i < n; i++) {
        if (read_word(obj, i * sizeof(uintptr_t)) == value) {
            found = i * sizeof(uintptr_t);
            hits++;
        }
    }
    if (hits != 1)
        die("calibration: %zu candidates for %s", hits, what);
    return found;
}

static SSL_SESSION *session_with_id(const char *id, long timeout)
{
    SSL_SESSION *s = SSL_SESSION_new();

    if (s == NULL || !SSL_SESSION_set1_id(s, (const unsigned char *)id, (unsigned)strlen(id))
        || !SSL_SESSION_set_timeout(s, timeout))
        die("calibration: cannot make a session");
    return s;
}

/* Checks the list read through the calibrated offsets: n sessions, head first. */
static void expect_list(Obj *ctx, int n, ...)
{
    Str got = {0}, want = {0};
    va_list ap;

    probe_cache_list(ctx, &got);
    str_addf(&want, "[");
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        Obj *o = obj_find_live(OBJ_SESSION, va_arg(ap, SSL_SESSION *));
        str_addf(&want, "%s\"%s\"", i ? "," : "", o ? obj_id(o) : "?");
    }
    va_end(ap);
    str_addf(&want, "]");
    if (strcmp(got.buf, want.buf) != 0)
        die("calibration: cache list %s, expected %s", got.buf, want.buf);
    free(got.buf);
    free(want.buf);
}

static void calibrate_cache_list(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    /* a expires last, c first: list order a, b, c. */
    SSL_SESSION *a = session_with_id("calibrate-a", 3000);
    SSL_SESSION *b = session_with_id("calibrate-b", 2000);
    SSL_SESSION *c = session_with_id("calibrate-c", 1000);
    Obj *octx;

    if (ctx == NULL)
        die("calibration: SSL_CTX_new failed");
    octx = obj_find_live(OBJ_CTX, ctx);
    obj_name(octx, "calibration");
    if (SSL_CTX_add_session(ctx, a) != 1 || SSL_CTX_add_session(ctx, c) != 1)
        die("calibration: SSL_CTX_add_session failed");
    g_off_head = find_word(ctx, (uintptr_t)a, "the cache head");
    g_off_tail = find_word(ctx, (uintptr_t)c, "the cache tail");
    g_off_prev = find_word(a, (uintptr_t)ctx + g_off_head, "the head's prev (head sentinel)");
    g_off_next = find_word(a, (uintptr_t)c, "a session's next");
    if (read_word(c, g_off_prev) != (uintptr_t)a
        || read_word(c, g_off_next) != (uintptr_t)ctx + g_off_tail)
        die("calibration: the tail's links are not where the head's are");

    if (SSL_CTX_add_session(ctx, b) != 1)
        die("calibration: SSL_CTX_add_session failed");
    expect_list(octx, 3, a, b, c);
    SSL_CTX_remove_session(ctx, b);
    expect_list(octx, 2, a, c);
    SSL_SESSION_set_timeout(c, 9000); /* re-sorts c to the head */
    expect_list(octx, 2, c, a);

    check_refs(OBJ_SESSION, a, 2, "a cached session");
    check_refs(OBJ_SESSION, b, 1, "a removed session");
    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
    SSL_SESSION_free(c);
    check_refs(OBJ_SESSION, a, 1, "a session held only by the cache");
    SSL_CTX_free(ctx);
    expect_list(octx, 0);
}

/* ---- the clock ----------------------------------------------------------- */

static void check_clock(void)
{
    time_t saved = sim_clock_now();
    SSL_CTX *ctx;
    SSL_SESSION *s;

    sim_clock_set(1234567890);
    s = SSL_SESSION_new();
    if (SSL_SESSION_get_time(s) != 1234567890)
        die("libssl does not read the harness's time(): SSL_SESSION_new time %ld",
            SSL_SESSION_get_time(s));
    /* A second call site in ssl_sess.c: UPDATE_TIME refreshes the time on add. */
    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_UPDATE_TIME);
    SSL_SESSION_set1_id(s, (const unsigned char *)"clock", 5);
    sim_clock_set(1234567990);
    SSL_CTX_add_session(ctx, s);
    if (SSL_SESSION_get_time(s) != 1234567990)
        die("libssl does not read the harness's time() in SSL_CTX_add_session");
    SSL_CTX_free(ctx);
    SSL_SESSION_free(s);
    sim_clock_set(saved);
}

/* ---- entry points -------------------------------------------------------- */

void probe_calibrate(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL_SESSION *s = SSL_SESSION_new();
    SSL *ssl;

    if (ctx == NULL || s == NULL)
        die("calibration: cannot create objects");
    g_off_refs[OBJ_CTX] = find_refcount(OBJ_CTX, ctx);
    g_off_refs[OBJ_SESSION] = find_refcount(OBJ_SESSION, s);
    ssl = SSL_new(ctx);
    if (ssl == NULL)
        die("calibration: SSL_new failed");
    g_off_refs[OBJ_SSL] = find_refcount(OBJ_SSL, ssl);

    SSL_SESSION_up_ref(s);
    SSL_SESSION_up_ref(s);
    check_refs(OBJ_SESSION, s, 3, "a session with two up_refs");
    check_refs(OBJ_CTX, ctx, 3, "a ctx with one SSL");
    SSL_up_ref(ssl);
    check_refs(OBJ_SSL, ssl, 2, "an SSL with one up_ref");
    SSL_free(ssl);
    SSL_free(ssl);
    check_refs(OBJ_CTX, ctx, 1, "a ctx whose SSL was freed");
    for (int i = 0; i < 3; i++)
        SSL_SESSION_free(s);
    SSL_CTX_free(ctx);

    calibrate_cache_list();
    check_clock();
    objects_reset();
}

int probe_refs(const Obj *o)
{
    return o->destroyed ? 0 : read_int(obj_ptr(o), g_off_refs[o->kind]);
}

static void add_id(Str *out, int *first, const char *id)
{
    str_addf(out, "%s", *first ? "" : ",");
    str_add_json_string(out, id);
    *first = 0;
}

/*
 * Follows the links from one end. Only live sessions the harness knows are
 * dereferenced: a destroyed one (libssl left it linked) or an unknown address
 * (NULL in ids) ends the walk, so a corrupt list cannot make the harness fault.
 * Returns 1 if the walk reached the other end's sentinel.
 */
static int walk(void *ctx, int forward, Obj **ids, size_t *n, size_t max)
{
    uintptr_t end = (uintptr_t)ctx + (forward ? g_off_tail : g_off_head);
    uintptr_t p = read_word(ctx, forward ? g_off_head : g_off_tail);

    *n = 0;
    if (p == 0)
        return read_word(ctx, forward ? g_off_tail : g_off_head) == 0;
    while (*n < max) {
        Obj *o = obj_find(OBJ_SESSION, (void *)p);
        ids[(*n)++] = o;
        if (o == NULL || o->destroyed)
            return 0;
        p = read_word((void *)p, forward ? g_off_next : g_off_prev);
        if (p == end)
            return 1;
        if (p == 0)
            return 0;
    }
    return 0;
}

/* Sessions in a ctx's lhash, to cross-check the list (no session is read). */
static Obj **g_lh_items;
static size_t g_lh_len, g_lh_cap;

static void collect_lhash(void *s)
{
    if (g_lh_len == g_lh_cap) {
        g_lh_cap = g_lh_cap ? 2 * g_lh_cap : 64;
        g_lh_items = xrealloc(g_lh_items, g_lh_cap * sizeof(*g_lh_items));
    }
    g_lh_items[g_lh_len++] = obj_find(OBJ_SESSION, s);
}

/*
 * Marks the items of one side of a cross-check with its number; NULL (an address the harness
 * never saw) is noted in *null. Membership is then one read per item, not a search.
 */
static void mark(Obj **items, size_t n, unsigned long check, int in_lhash, int *null)
{
    *null = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL)
            *null = 1;
        else if (in_lhash)
            items[i]->in_lhash = check;
        else
            items[i]->in_list = check;
    }
}

/* Tells stderr when the list and the lhash disagree (misuse: M4, set1_id). */
static void cross_check_lhash(Obj *octx, Obj **list, size_t n, const Str *shown)
{
    int same;

    g_lh_len = 0;
    /* The typed lh_SSL_SESSION_* helpers are not public: use the generic walk. */
    OPENSSL_LH_doall((OPENSSL_LHASH *)SSL_CTX_sessions(obj_ptr(octx)), collect_lhash);
    same = g_lh_len == n;
    if (same) {
        /* Each list item is in the lhash and each lhash item in the list (NULL included), as sets. */
        static unsigned long check;
        int list_null, lh_null;
        check++;
        mark(list, n, check, 0, &list_null);
        mark(g_lh_items, g_lh_len, check, 1, &lh_null);
        for (size_t i = 0; same && i < n; i++)
            same = list[i] == NULL ? lh_null : list[i]->in_lhash == check;
        for (size_t i = 0; same && i < g_lh_len; i++)
            same = g_lh_items[i] == NULL ? list_null : g_lh_items[i]->in_list == check;
    }
    if (same) {
        str_reset(&octx->last_note);
        return;
    }
    Str note = {0};
    str_addf(&note, "ctx %s: cache list %s, lhash {", obj_id(octx), shown->buf);
    for (size_t i = 0; i < g_lh_len; i++)
        str_addf(&note, "%s%s", i ? "," : "", g_lh_items[i] ? obj_id(g_lh_items[i]) : "?");
    str_addf(&note, "}");
    /* Once per change, not at every step. */
    if (octx->last_note.buf == NULL || strcmp(octx->last_note.buf, note.buf) != 0) {
        fprintf(stderr, "@@note line %ld: %s\n", g_current_line, note.buf);
        fflush(stderr);
        str_reset(&octx->last_note);
        str_addf(&octx->last_note, "%s", note.buf);
    }
    free(note.buf);
}

void probe_cache_list(Obj *octx, Str *out)
{
    void *ctx = obj_ptr(octx);
    size_t max = obj_count(OBJ_SESSION) + 1, nf, nb = 0;
    Obj **list, **bwd;
    int first = 1;

    str_reset(out);
    str_addf(out, "[");
    if (octx->destroyed) {
        str_addf(out, "]");
        return;
    }
    list = xmalloc(2 * max * sizeof(*list));
    bwd = xmalloc(max * sizeof(*bwd));
    if (!walk(ctx, 1, list, &nf, max)) {
        /* A broken link: show both halves, joined at the element they share. */
        walk(ctx, 0, bwd, &nb, max);
        if (nb > 0 && nf > 0 && bwd[nb - 1] == list[nf - 1])
            nb--;
        for (size_t i = nb; i-- > 0;)
            list[nf++] = bwd[i];
    }
    for (size_t i = 0; i < nf; i++)
        add_id(out, &first, list[i] != NULL ? obj_id(list[i]) : "?");
    str_addf(out, "]");
    cross_check_lhash(octx, list, nf, out);
    free(list);
    free(bwd);
}
