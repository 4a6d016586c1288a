/* memory.c: overflow-checked allocation that reports RG_ENOMEM instead of
 * crashing, so hostile counts in a snapshot cannot take the process down. */
#include "base.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Transparent huge pages are opt-in ("madvise") on many systems. The id map
 * and the node id column are read at random, one access per object and per
 * reference; with 4 KiB pages nearly every access also misses the TLB, which
 * doubles its cost (docs/performance.md, "Loader"). Only whole 2 MiB pages
 * inside [p, p + bytes) are advised; pages already touched keep their size. */
void rg_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = 2u << 20;
    if (!p || bytes < 2 * huge)
        return;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
    (void)p;
    (void)bytes;
#endif
}

void *rg_xcalloc_huge(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        rg_fail(RG_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    size_t bytes = n * size;
    if (bytes < (8u << 20))
        return rg_xcalloc(n, size);
    void *p = NULL;
    if (posix_memalign(&p, 2u << 20, bytes) != 0) {
        rg_fail(RG_ENOMEM, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
    rg_advise_huge(p, bytes);
    memset(p, 0, bytes);
    return p;
}
