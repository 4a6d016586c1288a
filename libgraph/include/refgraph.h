/*
 * refgraph.h: the one public header of librefgraph.
 *
 * librefgraph loads a heap snapshot (every object of a process, its type, size,
 * refcount and labelled outgoing references, plus the roots) into a compact
 * referrer/referent graph and answers "what is keeping these objects alive?".
 *
 * Read this header top to bottom like a manual:
 *   1. conventions (errors, ownership, versions)
 *   2. the one-call path: open a snapshot, look at it
 *   3. the data model: nodes, edges, roots, types
 *   4. building a graph in code (what the readers and the tests use)
 *   5. analyses: paths, diagrams, dominators, groups, cycles, growth, report
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an int: 0 (RG_OK) on success or a
 *   negative rg_error code. rg_last_error() then returns text that names the
 *   file and the line or byte offset where that applies. The text is
 *   thread-local and valid until the next failing call on the same thread.
 * - Out-parameters come last and are written only on success.
 * - Every handle is opaque. Every *_free accepts NULL and does nothing.
 * - Ownership is stated on each function: "owned by the snapshot" means the
 *   pointer stays valid until rg_snapshot_free(); "the caller frees" names the
 *   function to free it with.
 * - The library never prints, never exits and never aborts on bad input.
 *   Handles are not thread-safe; distinct handles may be used from distinct
 *   threads. A const rg_snapshot may be read from many threads at once.
 */
#ifndef REFGRAPH_H
#define REFGRAPH_H

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

#define RG_VERSION_MAJOR 0
#define RG_VERSION_MINOR 1
#define RG_VERSION_PATCH 0
#define RG_VERSION_STRING "0.1.0"

/* The version of the library actually linked (may differ from the header's). */
RG_API const char *rg_version(void);

/* ------------------------------------------------------------------ errors */

typedef enum rg_error {
    RG_OK = 0,
    RG_EIO = -1,        /* a file could not be opened, read or written */
    RG_EFORMAT = -2,    /* the input is malformed, truncated or of the wrong shape */
    RG_EVERSION = -3,   /* a snapshot or cache of a format version we do not read */
    RG_ENOMEM = -4,     /* an allocation failed */
    RG_EINVAL = -5,     /* a caller passed an invalid argument */
    RG_ENOTFOUND = -6,  /* a selector (id, type, name) matched nothing */
    RG_ELIMIT = -7,     /* a documented limit was exceeded (line length, counts) */
    RG_ERENDER = -8     /* Graphviz or cmark failed to lay out or render */
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

/* ------------------------------------------------------- the one-call path */
/*
 *   rg_snapshot *snap;
 *   if (rg_snapshot_open("snap.jsonl.gz", NULL, &snap) != RG_OK) {
 *       fprintf(stderr, "%s\n", rg_last_error());
 *       return 1;
 *   }
 *   rg_type_stat *stats; uint32_t n;
 *   rg_type_stats(snap, RG_SORT_COUNT, &stats, &n);
 *   ... stats[0].name, stats[0].count, stats[0].bytes ...
 *   rg_free(stats);
 *   rg_snapshot_free(snap);
 */

typedef struct rg_snapshot rg_snapshot;

/* Options for rg_snapshot_open. Zero-initialise, then set what you need;
 * NULL options mean all defaults. */
typedef struct rg_open_options {
    /* Longest line accepted, in bytes; 0 means the default of 1 GiB. */
    uint64_t max_line_bytes;
    /* Flags: RG_OPEN_* below. */
    unsigned flags;
    /* Directory for the index cache; NULL writes it beside the snapshot. */
    const char *cache_dir;
    /* Number of threads the loader may use; 0 means "choose" (up to 2). */
    unsigned threads;
} rg_open_options;

#define RG_OPEN_NO_CACHE 0x1u   /* neither read nor write an index cache */

/* Open and load a snapshot file. The format (refgraph JSONL, V8
 * .heapsnapshot, meliae) and compression (gzip, zstd) are detected from the
 * content. On success *out owns the whole graph; free it with
 * rg_snapshot_free. On failure *out is untouched and rg_last_error() names
 * the file and line/offset. */
RG_API int rg_snapshot_open(const char *path, const rg_open_options *opts,
                            rg_snapshot **out);

/* Load a snapshot from memory (the bytes may be compressed). `name` is used
 * in error messages only. The buffer is not retained. */
RG_API int rg_snapshot_open_memory(const void *data, size_t size, const char *name,
                                   const rg_open_options *opts, rg_snapshot **out);

/* Free a snapshot and everything it owns. NULL is a no-op. */
RG_API void rg_snapshot_free(rg_snapshot *snap);

/* What a snapshot says about itself and about its loading. All strings are
 * owned by the snapshot and may be "" but never NULL. */
typedef struct rg_snapshot_info {
    const char *path;         /* as given to rg_snapshot_open */
    const char *format;       /* "refgraph-snapshot", "v8-heapsnapshot", "meliae" */
    int format_version;
    const char *compression;  /* "none", "gzip", "zstd" */
    const char *producer;
    const char *runtime;
    int64_t pid;              /* -1 when unknown */
    double time;              /* Unix seconds; 0 when unknown */
    int64_t seq;              /* sequence in a series; -1 when unknown */
    uint64_t objects;
    uint64_t edges;           /* edges kept in the graph */
    uint64_t roots;
    uint64_t total_bytes;     /* sum of shallow sizes */
    uint64_t input_bytes;     /* uncompressed bytes read */
    uint64_t skipped_records; /* records of an unknown kind */
    uint64_t dangling_refs;   /* references whose target is not in the snapshot */
    uint64_t dangling_roots;  /* roots whose id is not in the snapshot */
    double load_seconds;
    int from_cache;           /* 1 when the graph came from the index cache */
    const char *cache_note;   /* why a cache was ignored or not written; "" if none */
} rg_snapshot_info;

/* Owned by the snapshot. Never NULL for a valid snapshot. */
RG_API const rg_snapshot_info *rg_snapshot_get_info(const rg_snapshot *snap);

/* ---------------------------------------------------------- the data model */

/* A node is a dense index 0..rg_node_count()-1. Ids from the snapshot file
 * map to nodes through rg_node_find. */
typedef uint32_t rg_node;
#define RG_NODE_NONE UINT32_MAX

typedef enum rg_edge_kind {
    RG_EDGE_ATTR = 0,     /* .name: instance attribute */
    RG_EDGE_DICT_KEY,     /* <key 'k'>: a dict refers to its key object */
    RG_EDGE_DICT_VALUE,   /* ['k']: a dict refers to the value under a key */
    RG_EDGE_INDEX,        /* [3]: sequence item; the label is the integer */
    RG_EDGE_SLOT,         /* .name: a __slots__ member */
    RG_EDGE_CELL,         /* <cell 'x'>: closure cell */
    RG_EDGE_LOCAL,        /* frame local 'x' */
    RG_EDGE_GLOBAL,       /* .x: module global */
    RG_EDGE_TYPE,         /* <type>: an object refers to its class */
    RG_EDGE_WEAK,         /* <weak>: does not keep its target alive */
    RG_EDGE_INTERNAL,     /* anything the producer could not name */
    RG_EDGE_KIND_COUNT
} rg_edge_kind;

/* The format's name for an edge kind ("attr", "index", ...). Static string. */
RG_API const char *rg_edge_kind_name(rg_edge_kind kind);

/* The kind with that format name, or -1. */
RG_API int rg_edge_kind_from_name(const char *name);

typedef struct rg_edge {
    rg_node from;
    rg_node to;
    rg_edge_kind kind;
    /* For RG_EDGE_INDEX the integer index; otherwise a string id for
     * rg_string() (0 is the empty string: no label). */
    uint32_t label;
} rg_edge;

typedef enum rg_root_kind {
    RG_ROOT_MODULE = 0,
    RG_ROOT_THREAD,
    RG_ROOT_BUILTINS,
    RG_ROOT_STATIC,
    RG_ROOT_GARBAGE,
    RG_ROOT_OTHER,
    RG_ROOT_KIND_COUNT
} rg_root_kind;

RG_API const char *rg_root_kind_name(rg_root_kind kind);
RG_API int rg_root_kind_from_name(const char *name);

typedef struct rg_root {
    rg_node node;
    rg_root_kind kind;
    const char *label;        /* owned by the snapshot; "" when none */
} rg_root;

/* Node flags (rg_node_flags). */
#define RG_NODE_GC_TRACKED 0x1u  /* tracked by the runtime's cycle collector */
#define RG_NODE_GARBAGE    0x2u  /* listed in gc.garbage */
#define RG_NODE_ROOT       0x4u  /* named by at least one root record */

RG_API uint32_t rg_node_count(const rg_snapshot *snap);
RG_API uint64_t rg_edge_count(const rg_snapshot *snap);
RG_API uint32_t rg_root_count(const rg_snapshot *snap);

/* Find the node with snapshot id `id`. RG_ENOTFOUND when there is none. */
RG_API int rg_node_find(const rg_snapshot *snap, uint64_t id, rg_node *out);

/* Node accessors. `node` must be < rg_node_count(); strings are owned by the
 * snapshot. */
RG_API uint64_t rg_node_id(const rg_snapshot *snap, rg_node node);
RG_API uint32_t rg_node_type(const rg_snapshot *snap, rg_node node);
RG_API const char *rg_node_type_name(const rg_snapshot *snap, rg_node node);
RG_API uint64_t rg_node_size(const rg_snapshot *snap, rg_node node);
/* Length of a container or string; -1 when the snapshot gave none. */
RG_API int64_t rg_node_length(const rg_snapshot *snap, rg_node node);
/* Reference count; -1 when the runtime has none or the snapshot gave none. */
RG_API int64_t rg_node_refcount(const rg_snapshot *snap, rg_node node);
/* Short value and name; "" when absent (never NULL). */
RG_API const char *rg_node_repr(const rg_snapshot *snap, rg_node node);
RG_API const char *rg_node_name(const rg_snapshot *snap, rg_node node);
RG_API unsigned rg_node_flags(const rg_snapshot *snap, rg_node node);

/* Outgoing references of `node`, in snapshot order: i < rg_referent_count. */
RG_API uint32_t rg_referent_count(const rg_snapshot *snap, rg_node node);
RG_API void rg_referent(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);

/* Incoming references of `node` (from = the referrer), ordered by referrer. */
RG_API uint32_t rg_referrer_count(const rg_snapshot *snap, rg_node node);
RG_API void rg_referrer(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);

RG_API void rg_root_get(const rg_snapshot *snap, uint32_t i, rg_root *out);

/* The interned string `id`; "" for 0 or an id out of range. Owned by the snapshot. */
RG_API const char *rg_string(const rg_snapshot *snap, uint32_t id);

/* Write the label a person would write for an edge: ".jobs", "[3]",
 * "['user:42']", "<cell 'x'>", "frame local 'buf'", "<type>", "<internal>".
 * Like snprintf: writes at most `cap` bytes including the NUL and returns the
 * length the full label has. */
RG_API size_t rg_edge_label_format(const rg_snapshot *snap, const rg_edge *edge,
                                   char *buf, size_t cap);

/* Type table. Types are numbered 0..rg_type_count()-1. */
RG_API uint32_t rg_type_count(const rg_snapshot *snap);
RG_API const char *rg_type_name(const rg_snapshot *snap, uint32_t type);

/* Find a type by name. An exact match wins; otherwise a unique match of the
 * last dotted component ("Job" finds "app.Job"). RG_ENOTFOUND when nothing
 * matches, RG_EINVAL (with the candidates in the error text) when ambiguous. */
RG_API int rg_type_find(const rg_snapshot *snap, const char *name, uint32_t *out);

typedef struct rg_type_stat {
    uint32_t type;
    const char *name;         /* owned by the snapshot */
    uint64_t count;
    uint64_t bytes;           /* total shallow size */
} rg_type_stat;

typedef enum rg_sort { RG_SORT_COUNT = 0, RG_SORT_SIZE = 1 } rg_sort;

/* Per-type counts and shallow bytes, one entry per type that has instances,
 * sorted by `sort` descending, ties by name. *out is an array of *n entries;
 * free it with rg_free. */
RG_API int rg_type_stats(const rg_snapshot *snap, rg_sort sort,
                         rg_type_stat **out, uint32_t *n);

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

typedef struct rg_builder rg_builder;

typedef struct rg_object_desc {
    uint64_t id;
    const char *type;         /* required */
    uint64_t size;
    int64_t length;           /* -1 or 0 with has_length = 0: none */
    int has_length;
    const char *repr;         /* NULL: none; copied */
    const char *name;         /* NULL: none; copied */
    int64_t refcount;         /* -1: unknown */
    unsigned flags;           /* RG_NODE_GC_TRACKED | RG_NODE_GARBAGE */
} rg_object_desc;

typedef struct rg_header_desc {
    const char *format;
    int format_version;
    const char *producer;
    const char *runtime;
    int64_t pid;
    double time;
    int64_t seq;
} rg_header_desc;

/* A new, empty builder; free with rg_builder_free or consume with
 * rg_builder_finish. */
RG_API int rg_builder_new(rg_builder **out);
RG_API void rg_builder_free(rg_builder *b);

/* Copy the header fields (strings are copied; NULL means unknown). */
RG_API int rg_builder_set_header(rg_builder *b, const rg_header_desc *header);

/* Add an object. RG_EFORMAT when the id was already added. Strings copied. */
RG_API int rg_builder_add_object(rg_builder *b, const rg_object_desc *obj);

/* Add a reference from the most recently added object to `target_id`. For
 * RG_EDGE_INDEX pass the index in `index` and NULL label; otherwise the label
 * (may be NULL) is copied. The target may be added later; a target that never
 * appears is counted as dangling by rg_builder_finish. */
RG_API int rg_builder_add_ref(rg_builder *b, uint64_t target_id, rg_edge_kind kind,
                              const char *label, int64_t index);

/* Add a root; the object may be added later. */
RG_API int rg_builder_add_root(rg_builder *b, uint64_t id, rg_root_kind kind,
                               const char *label);

/* Resolve references, build both edge directions and hand back the graph.
 * The builder is consumed (freed) whether this succeeds or not. */
RG_API int rg_builder_finish(rg_builder *b, rg_snapshot **out);

/* ============================== analyses ============================== */
/* Each analysis lives in its own source file and takes a const snapshot.
 * Results are handles owned by the caller, freed with their *_free. */

/* ==== paths: shortest retention paths (paths.c) ==== */
/*
 * One multi-source BFS from all roots over forward edges keeps a parent edge
 * per node; any object's chain to its nearest root is then a walk up the
 * parents. Which edges a path may use is set by rg_path_options (see
 * docs/design.md, "Which edges count").
 */
typedef struct rg_paths rg_paths;

#define RG_DISTANCE_NONE UINT32_MAX

typedef struct rg_path_options {
    /* Bit (1u << kind) set: paths never use edges of that kind.
     * rg_path_options_init sets weak and type edges. */
    unsigned ignore_edge_kinds;
    /* Paths never pass through instances of these type names (the objects
     * themselves can still be targets). Borrowed; must outlive the call. */
    const char *const *ignore_types;
    size_t n_ignore_types;
    /* Edge labels (as formatted, e.g. ".__dict__", "<internal>") that paths
     * never use. Borrowed. */
    const char *const *ignore_labels;
    size_t n_ignore_labels;
} rg_path_options;

/* Fill `o` with the defaults. */
RG_API void rg_path_options_init(rg_path_options *o);

/* Compute shortest retention paths from every root. NULL options = defaults.
 * On success *out is owned by the caller (rg_paths_free); it borrows `snap`,
 * which must outlive it. */
RG_API int rg_paths_compute(const rg_snapshot *snap, const rg_path_options *opts,
                            rg_paths **out);
RG_API void rg_paths_free(rg_paths *paths);

/* Hops from the nearest root (0 for a root); RG_DISTANCE_NONE when no root
 * reaches the node. */
RG_API uint32_t rg_paths_distance(const rg_paths *paths, rg_node node);

/* The edge by which the BFS first reached `node` (edge.from is the parent).
 * RG_ENOTFOUND for roots and unreachable nodes. */
RG_API int rg_paths_parent(const rg_paths *paths, rg_node node, rg_edge *out);
/* ==== end paths ==== */

/* ==== diagrams: Graphviz output (diagram.c) ==== */
/* ==== end diagrams ==== */

/* ==== dominators, retained size (dominators.c) ==== */
/* ==== end dominators ==== */

/* ==== retention groups (groups.c) ==== */
/* ==== end retention groups ==== */

/* ==== unreachable cycles (scc.c) and held-from-outside (outside.c) ==== */
/* ==== end cycles ==== */

/* ==== suspects: ranking (suspects.c) ==== */
/* ==== end suspects ==== */

/* ==== growth across snapshots (diff.c) ==== */
/* ==== end growth ==== */

/* ==== report: Markdown and HTML (report.c) ==== */
/* ==== end report ==== */

#ifdef __cplusplus
}
#endif

#endif /* REFGRAPH_H */
