/*
 * OpenSSL's memory goes through these wrappers (CRYPTO_set_mem_functions).
 *
 * Why: ASan keeps the "freed by" stack id in the first 8 bytes of a freed
 * block. libssl writes into freed objects in the misuse patterns (a second
 * SSL_SESSION_free cleanses the whole struct before freeing it again), which
 * would erase that stack from the double-free report. Each block gets a
 * 16-byte header in front of what OpenSSL sees: ASan's bookkeeping lands in
 * the header, which libssl never touches. The header also records the
 * requested size, so the harness knows how large each object is.
 *
 * This file also holds the ASan/LSan default options and the ASan error hook
 * that names the object an ASan report is about.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sanitizer/asan_interface.h>

#include "harness.h"

/* Header layout: [0,8) ASan's free-context id once freed, [8,16) size. */
enum { SIZE_SLOT = 8 };

static void *h_malloc(size_t n, const char *file, int line)
{
    unsigned char *block;

    (void)file;
    (void)line;
    block = malloc(n + ALLOC_HEADER);
    if (block == NULL)
        return NULL;
    memcpy(block + SIZE_SLOT, &n, sizeof(n));
    return block + ALLOC_HEADER;
}

static void h_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    if (p != NULL)
        free((unsigned char *)p - ALLOC_HEADER);
}

static void *h_realloc(void *p, size_t n, const char *file, int line)
{
    unsigned char *block;

    if (p == NULL)
        return h_malloc(n, file, line);
    if (n == 0) {
        h_free(p, file, line);
        return NULL;
    }
    block = realloc((unsigned char *)p - ALLOC_HEADER, n + ALLOC_HEADER);
    if (block == NULL)
        return NULL;
    memcpy(block + SIZE_SLOT, &n, sizeof(n));
    return block + ALLOC_HEADER;
}

void alloc_install(void)
{
    if (!CRYPTO_set_mem_functions(h_malloc, h_realloc, h_free))
        die("CRYPTO_set_mem_functions refused: libcrypto allocated before main");
}

size_t alloc_size(const void *p)
{
    size_t n;

    memcpy(&n, (const unsigned char *)p - ALLOC_HEADER + SIZE_SLOT, sizeof(n));
    return n;
}

/*
 * quarantine_size_mb: freed blocks stay poisoned (and are not reused) for
 * the whole run, so a late use of a freed session is still caught.
 * halt_on_error/abort_on_error=0: report, then exit(1); the supervisor reads
 * the report. max_free_fill_size stays 0: freed memory keeps the bytes libssl
 * left there, so the library behaves as it would without ASan.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=256:detect_leaks=1:abort_on_error=0:halt_on_error=1"
           ":allocator_may_return_null=0:detect_stack_use_after_return=0"
           ":print_summary=1:handle_abort=1";
}

/* report_objects: LSan prints each leaked block's address, so the supervisor
 * can map leaked blocks to session ids. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "report_objects=1";
}

/*
 * Called by ASan when it detects an error, before it prints the report:
 * name the object the faulting address belongs to. Only async-signal-safe
 * output (write) and our own tables are used here.
 */
void __asan_on_error(void);
void __asan_on_error(void)
{
    uintptr_t addr = (uintptr_t)__asan_get_report_address();
    long offset = 0;
    Obj *o;
    char line[256];
    int n;

    if (addr == 0)
        return;
    o = obj_containing(addr, &offset);
    if (o == NULL)
        return;
    n = snprintf(line, sizeof(line), "@@object %s %s%+ld (%s, created at line %ld",
                 o->kind == OBJ_SESSION ? "SSL_SESSION" : o->kind == OBJ_SSL ? "SSL" : "SSL_CTX",
                 obj_id(o), offset, o->destroyed ? "destroyed" : "live", o->created_line);
    if (n > 0 && (size_t)n < sizeof(line) && o->destroyed)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", destroyed at line %ld", o->destroyed_line);
    if (n > 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, ")\n");
    if (n > 0) {
        ssize_t w = write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
        (void)w;
    }
}
