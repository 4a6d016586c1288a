/**
 * @file
 * refgraph/builder.h: building a graph in code.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/what the readers, the tests and embedders with a format of their own use.
 */
#ifndef REFGRAPH_BUILDER_H
#define REFGRAPH_BUILDER_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------- building a graph in code */
/*
 * The readers build graphs through this interface, and so can tests and
 * embedders with a format of their own:
 *
 *   rg_builder *b; rg_builder_new(&b);
 *   rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "app.Job", .size = 56});
 *   rg_builder_add_ref(b, 2, RG_EDGE_ATTR, "payload", 0);   // refs of object 1
 *   rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "bytes", .size = 1000});
 *   rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
 *   rg_snapshot *snap; rg_builder_finish(b, &snap);          // consumes b
 */

/** A graph under construction (rg_builder_new ... rg_builder_finish). */
typedef struct rg_builder rg_builder;

/** One object for rg_builder_add_object; strings are copied. */
typedef struct rg_object_desc {
    /** sizeof(rg_object_desc), or 0 for the 1.0 layout (see "Records" in
     * refgraph/common.h): fields added later are read only when it covers them. */
    size_t struct_size;
    uint64_t id;              /**< the object's id in the snapshot (unique) */
    const char *type;         /**< required */
    uint64_t size;            /**< shallow size in bytes */
    int64_t length;           /**< -1 or 0 with has_length = 0: none */
    int has_length;           /**< 1 when `length` is given */
    const char *repr;         /**< NULL: none; copied */
    const char *name;         /**< NULL: none; copied */
    int64_t refcount;         /**< -1: unknown */
    unsigned flags;           /**< RG_NODE_GC_TRACKED | RG_NODE_GARBAGE */
} rg_object_desc;

/** What a snapshot says about itself, for rg_builder_set_header. */
typedef struct rg_header_desc {
    /** sizeof(rg_header_desc), or 0 for the 1.0 layout (see "Records" in
     * refgraph/common.h): fields added later are read only when it covers them. */
    size_t struct_size;
    const char *format; /**< "refgraph-snapshot", "v8-heapsnapshot", "meliae"; NULL: unknown */
    int format_version; /**< the format's version */
    const char *producer; /**< the program that wrote the snapshot */
    const char *runtime; /**< the runtime it describes ("CPython 3.12.1") */
    int64_t pid; /**< the process id; -1 when unknown */
    double time; /**< Unix seconds; 0 when unknown */
    int64_t seq; /**< sequence in a series; -1 when unknown */
} rg_header_desc;

/** @{ */
/** A new, empty builder; free with rg_builder_free or consume with
 * rg_builder_finish. */
RG_API int rg_builder_new(rg_builder **out);
RG_API void rg_builder_free(rg_builder *b);
/** @} */

/** Copy the header fields (strings are copied; NULL means unknown). */
RG_API int rg_builder_set_header(rg_builder *b, const rg_header_desc *header);

/** Add an object. RG_EFORMAT when the id was already added. Strings copied. */
RG_API int rg_builder_add_object(rg_builder *b, const rg_object_desc *obj);

/** Add a reference from the most recently added object to `target_id`. For
 * RG_EDGE_INDEX pass the index in `index` and NULL label; otherwise the label
 * (may be NULL) is copied. The target may be added later; a target that never
 * appears is counted as dangling by rg_builder_finish. */
RG_API int rg_builder_add_ref(rg_builder *b, uint64_t target_id, rg_edge_kind kind,
                              const char *label, int64_t index);

/** Add a root; the object may be added later. */
RG_API int rg_builder_add_root(rg_builder *b, uint64_t id, rg_root_kind kind,
                               const char *label);

/** Resolve references, build both edge directions and hand back the graph.
 * The builder is consumed (freed) whether this succeeds or not. */
RG_API int rg_builder_finish(rg_builder *b, rg_snapshot **out);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_BUILDER_H */
