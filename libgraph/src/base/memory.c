/* memory.c: overflow-checked allocation that reports RG_ENOMEM instead of
 * crashing, so hostile counts in a snapshot cannot take the process down. */
/* The one file that calls the C library's allocator (base.h forbids it elsewhere). */
#define RG_MEMORY_C
#include "base.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The hooks of rg_set_allocator. A plain global: the API asks for it to be
 * set before any other call, so it is only ever read concurrently. */
static rg_allocator hooks;
static int custom; /* 1 when hooks are set */

int rg_set_allocator(const rg_allocator *alloc)
{
    if (!alloc) {
        memset(&hooks, 0, sizeof hooks);
        custom = 0;
        return RG_OK;
    }
    if (alloc->struct_size < sizeof(rg_allocator))
        return rg_fail(RG_EINVAL, "rg_set_allocator: struct_size %zu is smaller than the %zu of librefgraph "
                       "1.0; set it to sizeof(rg_allocator)", alloc->struct_size, sizeof(rg_allocator));
    if (!alloc->malloc_fn || !alloc->calloc_fn || !alloc->realloc_fn || !alloc->free_fn)
        return rg_fail(RG_EINVAL, "rg_set_allocator: malloc_fn, calloc_fn, realloc_fn and free_fn are all required");
    memcpy(&hooks, alloc, sizeof hooks);
    hooks.struct_size = sizeof hooks;
    custom = 1;
    return RG_OK;
}

/* The library's malloc family: what every allocation goes through. They
 * behave like the C library's (NULL on failure, no error set), so that a
 * call of malloc can become a call of rg_malloc without another change. */
void *rg_malloc(size_t size)
{
    if (!custom)
        return malloc(size);
    return hooks.malloc_fn(hooks.opaque, size ? size : 1);
}

void *rg_calloc(size_t n, size_t size)
{
    if (!custom)
        return calloc(n, size);
    return hooks.calloc_fn(hooks.opaque, n ? n : 1, size ? size : 1);
}

void *rg_realloc(void *p, size_t size)
{
    if (!custom)
        return realloc(p, size);
    if (!p)
        return hooks.malloc_fn(hooks.opaque, size ? size : 1);
    return hooks.realloc_fn(hooks.opaque, p, size ? size : 1);
}

char *rg_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = rg_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void rg_free(void *ptr)
{
    if (!ptr)
        return;
    if (!custom)
        free(ptr);
    else
        hooks.free_fn(hooks.opaque, ptr);
}

/* What another library allocated with the C library's malloc (cmark-gfm's
 * default allocator, realpath) goes back to the C library, whatever the
 * hooks. */
void rg_libc_free(void *ptr) { free(ptr); }

void *rg_xmalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        rg_fail(RG_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = rg_malloc((n * size) != 0 ? n * size : 1);
    if (!p)
        rg_fail(RG_ENOMEM, "out of memory allocating %zu bytes", n * size);
    return p;
}

void *rg_xcalloc(size_t n, size_t size)
{
    void *p = rg_calloc(n ? n : 1, size ? size : 1);
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
    void *q = rg_realloc(p, (n * size) != 0 ? n * size : 1);
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
    /* Hooks have no aligned allocation: their memory goes without huge pages. */
    if (bytes < (8u << 20) || custom)
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

/* Records (refgraph/common.h, "Records"): the caller's struct says in its
 * first field how much of the record it knows, so a minor release can append
 * fields without writing past an older caller's struct. */
int rg_record_out(void *out, const void *full, size_t full_size, size_t min_size, const char *what)
{
    size_t have;
    if (!out)
        return rg_fail(RG_EINVAL, "%s: NULL record", what);
    memcpy(&have, out, sizeof have);
    if (have < min_size)
        return rg_fail(RG_EINVAL, "%s: record size %zu is smaller than the %zu of librefgraph 1.0; "
                       "set .struct_size = sizeof the record", what, have, min_size);
    memcpy(out, full, have < full_size ? have : full_size);
    memcpy(out, &have, sizeof have);
    return RG_OK;
}

int rg_records_restride(void **arr, size_t n, size_t have, size_t want, size_t min_size, const char *what)
{
    if (want < min_size)
        return rg_fail(RG_EINVAL, "%s: record size %zu is smaller than the %zu of librefgraph 1.0; "
                       "pass sizeof the record", what, want, min_size);
    char *src = *arr;
    for (size_t i = 0; i < n; i++)
        memcpy(src + i * have, &want, sizeof want);
    if (want == have)
        return RG_OK;
    char *dst = rg_xcalloc(n, want);
    if (!dst)
        return RG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(dst + i * want, src + i * have, want < have ? want : have);
    rg_free(src);
    *arr = dst;
    return RG_OK;
}
