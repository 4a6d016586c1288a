/* memory.c: overflow-checked allocation that reports RG_ENOMEM instead of
 * crashing, so hostile counts in a snapshot cannot take the process down. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void rg_free(void *ptr) { free(ptr); }

void *rg_xmalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        rg_fail(RG_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = malloc((n * size) != 0 ? n * size : 1);
    if (!p)
        rg_fail(RG_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return p;
}

void *rg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        rg_fail(RG_ENOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *rg_xrealloc(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        rg_fail(RG_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *q = realloc(p, (n * size) != 0 ? n * size : 1);
    if (!q)
        rg_fail(RG_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return q;
}

char *rg_xstrndup(const char *s, size_t len)
{
    char *p = rg_xmalloc(len + 1, 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

int rg_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return RG_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return rg_fail(RG_ENOMEM, "array too large");
        ncap *= 2;
    }
    void *p = rg_xrealloc(*arr, ncap, size);
    if (!p)
        return RG_ENOMEM;
    *arr = p;
    *cap = ncap;
    return RG_OK;
}
