/**
 * @file
 * refgraph/outside.h: objects held from outside the heap.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/outside.c.
 */
#ifndef REFGRAPH_OUTSIDE_H
#define REFGRAPH_OUTSIDE_H

#include "dominators.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Held from outside the heap: objects whose refcount exceeds the strong
 * references the snapshot shows to them. What no dump sees (the interpreter's
 * own references, a C stack, interned strings, small ints, type objects,
 * module and code objects) is discounted: objects of runtime-owned types are
 * skipped unless asked for, immortal refcounts are skipped, and `margin`
 * extra references are tolerated. docs/suspects.md explains the margin.
 */
typedef struct rg_outside rg_outside;

/** Options for rg_outside_compute (versioned: start from RG_OUTSIDE_OPTIONS_INIT). */
typedef struct rg_outside_options {
    /** RG_OUTSIDE_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** Unexplained references tolerated per object. rg_outside_options_init
     * sets RG_OUTSIDE_DEFAULT_MARGIN. */
    uint32_t margin;
    /** 1: also flag objects of runtime-owned types (type, module, code, str,
     * int, function, frame, cell, descriptors...). Default 0. */
    int include_runtime_types;
} rg_outside_options;

/** Unexplained references tolerated per object by default (docs/suspects.md). */
#define RG_OUTSIDE_DEFAULT_MARGIN 1u

/** The version of rg_outside_options this header describes. */
#define RG_OUTSIDE_OPTIONS_VERSION 1
/** rg_outside_options with the version set and every default filled in:
 * `rg_outside_options o = RG_OUTSIDE_OPTIONS_INIT;`. */
#define RG_OUTSIDE_OPTIONS_INIT {RG_OUTSIDE_OPTIONS_VERSION, RG_OUTSIDE_DEFAULT_MARGIN, 0}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_OUTSIDE_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_outside_options_init(rg_outside_options *opts, unsigned int version);

#define RG_OUTSIDE_FLAGGED 0      /**< tier: an object the heap cannot explain */
#define RG_OUTSIDE_RUNTIME_TYPE 1 /**< tier: objects of a runtime-owned type */
#define RG_OUTSIDE_BASELINE 2     /**< tier: a type's private tables and singletons */

/** Objects of one type (and name) held from outside the heap (rg_outside_group_get). */
typedef struct rg_outside_group {
    /** sizeof(rg_outside_group), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    uint32_t type;            /**< their type's number */
    const char *type_name;    /**< owned by the snapshot */
    uint64_t objects;         /**< flagged objects of this type */
    uint64_t unreachable;     /**< of those, objects no root reaches */
    uint64_t excess;          /**< sum of refcount - references seen */
    uint64_t shallow_bytes;   /**< their own bytes */
    /** Bytes the unexplained references keep alive: retained sizes of the
     * flagged objects no other flagged object dominates; for reachable ones
     * only when nothing else would hold them, i.e. the unreachable ones.
     * Equals shallow_bytes of the unreachable ones without dominators. */
    uint64_t retained_bytes;
    rg_node representative;   /**< the flagged object keeping most bytes alive */
    int64_t representative_excess; /**< its unexplained references */
    /** Function-like objects (functions, methods, frames, closures) are
     * grouped by type and qualname: "" for other types; owned by the
     * snapshot. */
    const char *name;
    /** The exemption tier of the group's members (a type and name with
     * members in several tiers gives one group per tier):
     * RG_OUTSIDE_FLAGGED, an object the heap cannot explain;
     * RG_OUTSIDE_RUNTIME_TYPE, objects of a runtime-owned type (functions,
     * frames, cells) that nothing in the heap reaches: a suspect only when of
     * consequence or growing; RG_OUTSIDE_BASELINE, a type's private tables
     * and singletons that static types hold from C: a suspect only when it
     * grows (docs/diagnosis.md, rule "runtime exemption"). */
    int runtime;
    /** "o1:" and 32 hex digits of (type, name): the key for growth, equal in
     * every snapshot; see rg_outside_signature. */
    const char *signature;    /**< owned by the handle */
} rg_outside_group;

/** 1 when the group is shown as held from outside the heap in a heap of
 * `total_bytes`: not exempt by the runtime tiers (RG_OUTSIDE_BASELINE
 * never; RG_OUTSIDE_RUNTIME_TYPE from 1 % of the heap). The suspects
 * ranking shows exempt groups too when they grow at every step. */
RG_API int rg_outside_group_shown(const rg_outside_group *g, uint64_t total_bytes);

/** The growth key of held-from-outside objects of `type_name` named `name`
 * ("" for none) in exemption tier `runtime`: "o1:" and 32 hex digits,
 * written to buf like snprintf (at most `cap` bytes with the NUL); returns the
 * length of the whole signature. */
RG_API size_t rg_outside_signature(const char *type_name, const char *name, int runtime, char *buf,
                                   size_t cap);

/** @{ */
/** Find the objects held from outside. `dom` may be NULL; NULL options =
 * defaults. On success *out is owned by the caller (rg_outside_free). */
RG_API int rg_outside_compute(const rg_snapshot *snap, const rg_dominators *dom,
                              const rg_outside_options *opts, rg_outside **out);
RG_API void rg_outside_free(rg_outside *outside);
/** @} */
/** @{ */
/** Groups by type, unreachable first, then by retained bytes, then excess. */
RG_API uint32_t rg_outside_group_count(const rg_outside *outside);
RG_API int rg_outside_group_get(const rg_outside *outside, uint32_t i, rg_outside_group *out);
/** @} */
/** Refcount minus strong references in the snapshot: > 0 means references
 * nothing in the snapshot explains; 0 when the refcount is unknown. */
RG_API int64_t rg_outside_excess(const rg_snapshot *snap, rg_node node);
/** 1 when `node` was flagged (excess above the margin, type not skipped). */
RG_API int rg_outside_flagged(const rg_outside *outside, rg_node node);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_OUTSIDE_H */
