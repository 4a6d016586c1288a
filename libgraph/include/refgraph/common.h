/*
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

#define RG_VERSION_MAJOR 1
#define RG_VERSION_MINOR 0
#define RG_VERSION_PATCH 0
#define RG_VERSION_STRING "1.0.0"

/* The version of the library actually linked (may differ from the header's). */
RG_API const char *rg_version(void);

/* ------------------------------------------------------------------ errors */

/* Error codes start at -2: -1 is never an error, because it is what every
 * "none" value reads as when cast to int (RG_NODE_NONE, RG_GROUP_NONE and the
 * other UINT32_MAX sentinels, and the -1 of the *_from_name lookups). */
typedef enum rg_error {
    RG_OK = 0,
    RG_EIO = -2,        /* a file could not be opened, read or written */
    RG_EFORMAT = -3,    /* the input is malformed, truncated or of the wrong shape */
    RG_EVERSION = -4,   /* a snapshot or cache of a format version we do not read */
    RG_ENOMEM = -5,     /* an allocation failed */
    RG_EINVAL = -6,     /* a caller passed an invalid argument, or options of an unknown version */
    RG_ENOTFOUND = -7,  /* a selector (id, type, name) matched nothing */
    RG_ELIMIT = -8,     /* a documented limit was exceeded (line length, counts) */
    RG_ERENDER = -9     /* Graphviz or cmark failed to lay out or render */
} rg_error;

/* Text for the last error on this thread, or "" when there was none.
 * Owned by the library; valid until the next failing call on this thread. */
RG_API const char *rg_last_error(void);

/* The error code of the last failure on this thread (RG_OK when none). */
RG_API int rg_last_error_code(void);

/* Forget the last error on this thread. */
RG_API void rg_clear_error(void);

/* Free memory that a function documents as "free with rg_free". NULL is a no-op. */
RG_API void rg_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* REFGRAPH_COMMON_H */
