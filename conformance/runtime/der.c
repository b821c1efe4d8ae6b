/* What d2i_SSL_SESSION reads: the encoding, and zero bytes past it. */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/*
 * A trace may give d2i a length beyond the encoding; the model reads zero
 * bytes there, so the copy is zero-padded to len bytes (plus one) and d2i
 * never reads the heap past a buffer.
 */
unsigned char *sim_der_copy(const unsigned char *der, long long der_len, long long len)
{
    size_t have = der_len > 0 ? (size_t)der_len : 0;
    size_t size = len > (long long)have ? (size_t)len : have;
    unsigned char *copy = calloc(1, size + 1);

    if (copy == NULL)
        die("out of memory");
    if (have > 0)
        memcpy(copy, der, have);
    return copy;
}
