/**
 * @file
 * refgraph/paths.h: shortest retention paths and why an object is unreachable.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/paths*.c.
 */
#ifndef REFGRAPH_PATHS_H
#define REFGRAPH_PATHS_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================== analyses ============================== */
/* Each analysis lives in its own source file and takes a const snapshot.
 * Results are handles owned by the caller, freed with their *_free. */

/* ==== paths: shortest retention paths (paths.c) ==== */
/**
 * One multi-source BFS from all roots over forward edges keeps a parent edge
 * per node; any object's chain to its nearest root is then a walk up the
 * parents. Which edges a path may use is set by rg_path_options (see
 * docs/design.md, "Which edges count").
 */
typedef struct rg_paths rg_paths;

/** No distance: no root reaches the object. */
#define RG_DISTANCE_NONE UINT32_MAX

/** Options for rg_paths_compute (versioned: start from RG_PATH_OPTIONS_INIT). */
typedef struct rg_path_options {
    /** RG_PATH_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** Bit (1u << kind) set: paths never use edges of that kind.
     * rg_path_options_init sets weak and type edges. Internal edges are
     * allowed but a path uses as few of them as it can: among all paths with
     * the fewest internal edges, the shortest wins. */
    unsigned ignore_edge_kinds;
    /** Paths never pass through instances of these type names (the objects
     * themselves can still be targets). Borrowed; must outlive the call. */
    const char *const *ignore_types;
    size_t n_ignore_types;    /**< entries in ignore_types */
    /** Edge labels (as formatted, e.g. ".__dict__", "<internal>") that paths
     * never use. Borrowed. */
    const char *const *ignore_labels;
    size_t n_ignore_labels;   /**< entries in ignore_labels */
} rg_path_options;

/** The version of rg_path_options this header describes. */
#define RG_PATH_OPTIONS_VERSION 1
/** rg_path_options with the version set and every default filled in:
 * `rg_path_options o = RG_PATH_OPTIONS_INIT;`. */
#define RG_PATH_OPTIONS_INIT {RG_PATH_OPTIONS_VERSION, (1u << RG_EDGE_WEAK) | (1u << RG_EDGE_TYPE), NULL, 0, NULL, 0}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_PATH_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_path_options_init(rg_path_options *opts, unsigned int version);

/** @{ */
/** Compute shortest retention paths from every root. NULL options = defaults.
 * O(objects + edges) time, 13 bytes per object kept, and every object no root
 * reaches is classified at the same time (rg_paths_why_unreachable).
 * On a snapshot opened from an index cache, options equivalent to the
 * defaults return the forest the cache stores (no BFS, no per-object memory;
 * identical results). On success *out is owned by the caller (rg_paths_free);
 * it borrows `snap`, which must outlive it. */
RG_API int rg_paths_compute(const rg_snapshot *snap, const rg_path_options *opts,
                            rg_paths **out);
RG_API void rg_paths_free(rg_paths *paths);
/** @} */

/** Hops from the nearest root (0 for a root); RG_DISTANCE_NONE when no root
 * reaches the node. */
RG_API uint32_t rg_paths_distance(const rg_paths *paths, rg_node node);

/** The edge by which the BFS first reached `node` (edge.from is the parent).
 * RG_ENOTFOUND for roots and unreachable nodes. */
RG_API int rg_paths_parent(const rg_paths *paths, rg_node node, rg_edge *out);

/** The chain from the nearest root to `node`, root first: *n edges, edge 0
 * leaves the root, the last edge arrives at `node`. For a root *n is 0 and
 * *out NULL. On success *out is owned by the caller (rg_free). RG_ENOTFOUND
 * when no root reaches `node` (then ask rg_paths_why_unreachable). */
RG_API int rg_paths_chain(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/** The root record (index for rg_root_get) the chain to `node` starts from;
 * O(distance). When several records name the same object the preferred one
 * is reported:
 * module, then thread, builtins, static, other, garbage; then file order.
 * RG_ENOTFOUND when no root reaches `node`. */
RG_API int rg_paths_root(const rg_paths *paths, rg_node node, uint32_t *out);

/** Why no root reaches an object. Checked in this order, so the first that
 * applies is the answer. */
typedef enum rg_unreachable_kind {
    RG_REACHABLE = 0,
    /** A reachable object refers to it (or to an object that leads to it), but
     * only through edges or types the path options exclude (a `<type>` edge,
     * an --ignore-edge label, an instance of an --ignore-type type). */
    RG_UNREACHABLE_EXCLUDED,
    /** Held from outside the heap: the holder's refcount exceeds the number of
     * strong referrers the snapshot shows (a C extension, a leaked
     * Py_IncRef). The holder may be the object itself. */
    RG_UNREACHABLE_OUTSIDE,
    /** On a reference cycle that no root reaches. */
    RG_UNREACHABLE_CYCLE,
    /** Not on a cycle itself, but referred to (transitively) only from an
     * unreachable cycle. */
    RG_UNREACHABLE_FROM_CYCLE,
    /** No root, no cycle, no refcount evidence (e.g. a snapshot without
     * refcounts, or an object nothing refers to). */
    RG_UNREACHABLE_UNEXPLAINED
} rg_unreachable_kind;

/** Static text: "reachable", "excluded-edges", "outside-heap", "cycle",
 * "from-cycle", "unexplained". */
RG_API const char *rg_unreachable_kind_name(rg_unreachable_kind kind);

/** Why no root reaches an object (rg_paths_why_unreachable). */
typedef struct rg_unreachable {
    /** sizeof(rg_unreachable), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    rg_unreachable_kind kind; /**< the first reason that applies */
    /** EXCLUDED: the reachable referrer; OUTSIDE: the object with unexplained
     * references; CYCLE: the node itself; FROM_CYCLE: the nearest member of
     * the cycle. RG_NODE_NONE for REACHABLE and UNEXPLAINED. */
    rg_node holder;
    /** Edges from holder to the node (rg_paths_holder_chain lists them). */
    uint32_t hops;
    /** OUTSIDE: holder's refcount minus its strong referrers in the snapshot. */
    int64_t unexplained_refs;
    /** CYCLE, FROM_CYCLE: objects in the holder's strongly connected component. */
    uint32_t cycle_size;
} rg_unreachable;

/** Classify `node`. Always succeeds for a valid node (kind RG_REACHABLE when a
 * root reaches it); RG_EINVAL for a node out of range. */
RG_API int rg_paths_why_unreachable(const rg_paths *paths, rg_node node, rg_unreachable *out);

/** For an unreachable node with a holder: the edges from the holder to `node`,
 * holder first (for EXCLUDED the first edge is the excluded one). *n is 0 when
 * the node is its own holder. Caller frees *out with rg_free. RG_ENOTFOUND for
 * reachable nodes and UNEXPLAINED ones. */
RG_API int rg_paths_holder_chain(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/** For a node of kind RG_UNREACHABLE_CYCLE: a shortest cycle through it, as
 * edges starting and ending at `node`. Caller frees *out with rg_free.
 * RG_ENOTFOUND for nodes not on an unreachable cycle. */
RG_API int rg_paths_cycle(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/** Group objects by the shape of their chains: two chains have the same shape
 * when they start at the same kind of root (or the same kind of unreachable
 * holder) and pass through the same types by the same edges, with sequence
 * indices and dict keys treated alike ([3] ~ [17], ['a'] ~ ['b']). */
typedef struct rg_chain_group {
    /** The record_size given to rg_paths_group (see "Records" in refgraph/common.h). */
    size_t struct_size;
    size_t first;             /**< members[first .. first+count) */
    size_t count;             /**< members */
    rg_node representative;   /**< members[first]: the lowest node of the group */
    uint64_t bytes;           /**< total shallow size of the members */
    uint32_t distance;        /**< representative's hops from its root, or RG_DISTANCE_NONE */
    rg_unreachable_kind why;  /**< RG_REACHABLE, or why the group is unreachable */
} rg_chain_group;

/** Group `nodes` (n of them; duplicates allowed). Groups come largest first,
 * ties by longer chain, then by lower representative; members of a group in
 * ascending node order. *groups (*n_groups records of `record_size` bytes;
 * pass sizeof(rg_chain_group)) and *members (n entries) are owned by the
 * caller (rg_free both). */
RG_API int rg_paths_group(const rg_paths *paths, const rg_node *nodes, size_t n, size_t record_size,
                          rg_chain_group **groups, size_t *n_groups, rg_node **members);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_PATHS_H */
