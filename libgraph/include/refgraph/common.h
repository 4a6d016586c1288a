/**
 * @file
 * refgraph/common.h: version, export macro, errors and memory.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/everything else includes it.
 */
#ifndef REFGRAPH_COMMON_H
#define REFGRAPH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a public function: exported from the shared library, imported by
 * its callers; empty for the static library (RG_STATIC_DEFINE). */
#if defined(RG_STATIC_DEFINE)
#define RG_API
#elif defined(_WIN32)
#ifdef RG_BUILDING_LIBRARY
#define RG_API __declspec(dllexport)
#else
#define RG_API __declspec(dllimport)
#endif
#else
#define RG_API __attribute__((visibility("default")))
#endif

#define RG_VERSION_MAJOR 1 /**< the header's major version: the ABI (SOVERSION) */
#define RG_VERSION_MINOR 0 /**< the header's minor version: additions */
#define RG_VERSION_PATCH 0 /**< the header's patch version: fixes */
#define RG_VERSION_STRING "1.0.0" /**< the three, as text */

/** The version of the library actually linked (may differ from the header's). */
RG_API const char *rg_version(void);

/* ------------------------------------------------------------------ errors */

/** Error codes start at -2: -1 is never an error, because it is what every
 * "none" value reads as when cast to int (RG_NODE_NONE, RG_GROUP_NONE and the
 * other UINT32_MAX sentinels, and the -1 of the *_from_name lookups). */
typedef enum rg_error {
    RG_OK = 0,
    RG_EIO = -2,        /**< a file could not be opened, read or written */
    RG_EFORMAT = -3,    /**< the input is malformed, truncated or of the wrong shape */
    RG_EVERSION = -4,   /**< a snapshot or cache of a format version we do not read */
    RG_ENOMEM = -5,     /**< an allocation failed */
    RG_EINVAL = -6,     /**< a caller passed an invalid argument, or options of an unknown version */
    RG_ENOTFOUND = -7,  /**< a selector (id, type, name) matched nothing */
    RG_ELIMIT = -8,     /**< a documented limit was exceeded (line length, counts) */
    RG_ERENDER = -9     /**< Graphviz or cmark failed to lay out or render */
} rg_error;

/** Text for the last error on this thread, or "" when there was none.
 * Owned by the library; valid until the next failing call on this thread. */
RG_API const char *rg_last_error(void);

/** The error code of the last failure on this thread (RG_OK when none). */
RG_API int rg_last_error_code(void);

/** Forget the last error on this thread. */
RG_API void rg_clear_error(void);

/* ----------------------------------------------------------------- records */
/*
 * Records are the structs the library fills; the API promises that a minor
 * release may append fields to any of them without breaking a caller
 * compiled against an older header. That needs one of two things:
 *
 * - A record the library fills into the caller's memory starts with
 *   `size_t struct_size`, which the caller sets to sizeof the record before the
 *   call:  rg_group_info gi = {.struct_size = sizeof gi};
 *          rg_groups_get(g, i, &gi);
 *   The library writes only the fields that fit in `struct_size` and fails with
 *   RG_EINVAL when `struct_size` is smaller than the 1.0 record. A function that
 *   returns an array of records takes the caller's sizeof as `record_size`
 *   and lays the array out with that stride. Records the caller fills for
 *   the library (rg_group_growth, rg_object_desc, rg_header_desc) carry the
 *   same field; there 0 means the 1.0 layout where the docs say so.
 * - A record the library hands out by const pointer (rg_snapshot_info,
 *   rg_suspect, rg_growth, ...) is owned by the library; the caller never
 *   sizes it, so it may grow at the end too.
 *
 * rg_edge and rg_root are values, not records: their layout is frozen for
 * the life of the major version; anything new about an edge or a root comes
 * as a function. Options structs carry a version instead (RG_*_OPTIONS_INIT).
 */

/** Free memory that a function documents as "free with rg_free". NULL is a no-op. */
RG_API void rg_free(void *ptr);

/** `bytes` as people read it: "812 B", "62.3 MB", "-1.20 kB" (powers of
 * 1000, three significant digits). Writes at most `cap` bytes to `buf`
 * (the caller's) and returns `buf`. */
RG_API const char *rg_format_bytes(char *buf, size_t cap, double bytes);
/** `n` with thousands separators: "1,234,567". Writes at most `cap` bytes
 * to `buf` (the caller's) and returns `buf`. */
RG_API const char *rg_format_count(char *buf, size_t cap, uint64_t n);

/* ---------------------------------------------------------------- memory */
/**
 * Allocator hooks, like zstd's ZSTD_customMem, so that a host can account
 * for (or pool) librefgraph's memory. Process-wide: set them once, before
 * any other call into the library, and do not change them while anything
 * the library allocated is alive (memory is freed through the hooks that
 * were set when it was allocated; mixing them frees one allocator's memory
 * with another). Every heap allocation of the library goes through them,
 * including what it hands out for rg_free. Not covered: the memory of the
 * libraries it uses (zlib, zstd, yajl, Graphviz, cmark-gfm) and the file
 * mappings of the index cache. The hooks must be thread-safe: the loader
 * and the analyses (rg_suspects_compute_all, reports, chains) call them
 * from threads of their own, at the same time as the caller's thread.
 */
typedef struct rg_allocator {
    /** sizeof(rg_allocator), set by the caller (see "Records" above). */
    size_t struct_size;
    /** Like malloc, calloc, realloc and free, with `opaque` first. All four
     * are required; none is called with a size of 0. */
    void *(*malloc_fn)(void *opaque, size_t size);
    void *(*calloc_fn)(void *opaque, size_t n, size_t size); /**< like calloc */
    void *(*realloc_fn)(void *opaque, void *ptr, size_t size); /**< like realloc (ptr never NULL) */
    void (*free_fn)(void *opaque, void *ptr); /**< like free (ptr never NULL) */
    /** Passed to every hook; the library never looks at it. */
    void *opaque;
} rg_allocator;

/** Route the library's allocations through `alloc` (copied), or back to the C
 * library's malloc family when NULL. RG_EINVAL when a hook is missing or
 * struct_size is not one this library knows. Not thread-safe: call it
 * before anything else, as above. */
RG_API int rg_set_allocator(const rg_allocator *alloc);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_COMMON_H */
