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

/* `bytes` as people read it: "812 B", "62.3 MB", "-1.20 kB" (powers of
 * 1000, three significant digits). Writes at most `cap` bytes to buf and
 * returns buf. */
RG_API const char *rg_format_bytes(char *buf, size_t cap, double bytes);
/* `n` with thousands separators: "1,234,567". Returns buf. */
RG_API const char *rg_format_count(char *buf, size_t cap, uint64_t n);

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
    /* Directory for the index cache, created (mode 0700) when missing; NULL
     * means the user's cache directory, $XDG_CACHE_HOME/refgraph, else
     * ~/.cache/refgraph (there only snapshots of 32 MiB and more are cached).
     * A cache is never written beside the snapshot. A directory not owned
     * by the user, world-writable without the sticky bit, or a symbolic
     * link is not used (cache_note says so). */
    const char *cache_dir;
    /* Number of threads the loader may use; 0 means "choose" (up to 2). */
    unsigned threads;
    /* Size cap of the cache directory in bytes: after writing a cache, the
     * least recently used caches there are removed until the rest fit.
     * 0 means $REFGRAPH_CACHE_MAX ("2G", "500M", bytes), else 2 GiB. */
    uint64_t cache_max_bytes;
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
RG_API const rg_snapshot_info *rg_snapshot_info_get(const rg_snapshot *snap);

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
RG_API void rg_referent_get(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);

/* Incoming references of `node` (from = the referrer), ordered by referrer. */
RG_API uint32_t rg_referrer_count(const rg_snapshot *snap, rg_node node);
RG_API void rg_referrer_get(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);

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
     * rg_path_options_init sets weak and type edges. Internal edges are
     * allowed but a path uses as few of them as it can: among all paths with
     * the fewest internal edges, the shortest wins. */
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
 * O(objects + edges) time, 13 bytes per object kept, and every object no root
 * reaches is classified at the same time (rg_paths_why_unreachable).
 * On a snapshot opened from an index cache, options equivalent to the
 * defaults return the forest the cache stores (no BFS, no per-object memory;
 * identical results). On success *out is owned by the caller (rg_paths_free);
 * it borrows `snap`, which must outlive it. */
RG_API int rg_paths_compute(const rg_snapshot *snap, const rg_path_options *opts,
                            rg_paths **out);
RG_API void rg_paths_free(rg_paths *paths);

/* Hops from the nearest root (0 for a root); RG_DISTANCE_NONE when no root
 * reaches the node. */
RG_API uint32_t rg_paths_distance(const rg_paths *paths, rg_node node);

/* The edge by which the BFS first reached `node` (edge.from is the parent).
 * RG_ENOTFOUND for roots and unreachable nodes. */
RG_API int rg_paths_parent(const rg_paths *paths, rg_node node, rg_edge *out);

/* The chain from the nearest root to `node`, root first: *n edges, edge 0
 * leaves the root, the last edge arrives at `node`. For a root *n is 0 and
 * *out NULL. On success *out is owned by the caller (rg_free). RG_ENOTFOUND
 * when no root reaches `node` (then ask rg_paths_why_unreachable). */
RG_API int rg_paths_chain(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/* The root record (index for rg_root_get) the chain to `node` starts from;
 * O(distance). When several records name the same object the preferred one
 * is reported:
 * module, then thread, builtins, static, other, garbage; then file order.
 * RG_ENOTFOUND when no root reaches `node`. */
RG_API int rg_paths_root(const rg_paths *paths, rg_node node, uint32_t *out);

/* Why no root reaches an object. Checked in this order, so the first that
 * applies is the answer. */
typedef enum rg_unreachable_kind {
    RG_REACHABLE = 0,
    /* A reachable object refers to it (or to an object that leads to it), but
     * only through edges or types the path options exclude (a <type> edge,
     * an --ignore-edge label, an instance of an --ignore-type type). */
    RG_UNREACHABLE_EXCLUDED,
    /* Held from outside the heap: the holder's refcount exceeds the number of
     * strong referrers the snapshot shows (a C extension, a leaked
     * Py_IncRef). The holder may be the object itself. */
    RG_UNREACHABLE_OUTSIDE,
    /* On a reference cycle that no root reaches. */
    RG_UNREACHABLE_CYCLE,
    /* Not on a cycle itself, but referred to (transitively) only from an
     * unreachable cycle. */
    RG_UNREACHABLE_FROM_CYCLE,
    /* No root, no cycle, no refcount evidence (e.g. a snapshot without
     * refcounts, or an object nothing refers to). */
    RG_UNREACHABLE_UNEXPLAINED
} rg_unreachable_kind;

/* Static text: "reachable", "excluded-edges", "outside-heap", "cycle",
 * "from-cycle", "unexplained". */
RG_API const char *rg_unreachable_kind_name(rg_unreachable_kind kind);

typedef struct rg_unreachable {
    rg_unreachable_kind kind;
    /* EXCLUDED: the reachable referrer; OUTSIDE: the object with unexplained
     * references; CYCLE: the node itself; FROM_CYCLE: the nearest member of
     * the cycle. RG_NODE_NONE for REACHABLE and UNEXPLAINED. */
    rg_node holder;
    /* Edges from holder to the node (rg_paths_holder_chain lists them). */
    uint32_t hops;
    /* OUTSIDE: holder's refcount minus its strong referrers in the snapshot. */
    int64_t unexplained_refs;
    /* CYCLE, FROM_CYCLE: objects in the holder's strongly connected component. */
    uint32_t cycle_size;
} rg_unreachable;

/* Classify `node`. Always succeeds for a valid node (kind RG_REACHABLE when a
 * root reaches it); RG_EINVAL for a node out of range. */
RG_API int rg_paths_why_unreachable(const rg_paths *paths, rg_node node, rg_unreachable *out);

/* For an unreachable node with a holder: the edges from the holder to `node`,
 * holder first (for EXCLUDED the first edge is the excluded one). *n is 0 when
 * the node is its own holder. Caller frees *out with rg_free. RG_ENOTFOUND for
 * reachable nodes and UNEXPLAINED ones. */
RG_API int rg_paths_holder_chain(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/* For a node of kind RG_UNREACHABLE_CYCLE: a shortest cycle through it, as
 * edges starting and ending at `node`. Caller frees *out with rg_free.
 * RG_ENOTFOUND for nodes not on an unreachable cycle. */
RG_API int rg_paths_cycle(const rg_paths *paths, rg_node node, rg_edge **out, size_t *n);

/* Group objects by the shape of their chains: two chains have the same shape
 * when they start at the same kind of root (or the same kind of unreachable
 * holder) and pass through the same types by the same edges, with sequence
 * indices and dict keys treated alike ([3] ~ [17], ['a'] ~ ['b']). */
typedef struct rg_chain_group {
    size_t first;             /* members[first .. first+count) */
    size_t count;
    rg_node representative;   /* members[first]: the lowest node of the group */
    uint64_t bytes;           /* total shallow size of the members */
    uint32_t distance;        /* representative's hops from its root, or RG_DISTANCE_NONE */
    rg_unreachable_kind why;  /* RG_REACHABLE, or why the group is unreachable */
} rg_chain_group;

/* Group `nodes` (n of them; duplicates allowed). Groups come largest first,
 * ties by longer chain, then by lower representative; members of a group in
 * ascending node order. *groups (*n_groups entries) and *members (n entries)
 * are owned by the caller (rg_free both). */
RG_API int rg_paths_group(const rg_paths *paths, const rg_node *nodes, size_t n,
                          rg_chain_group **groups, size_t *n_groups, rg_node **members);
/* ==== end paths ==== */

/* ==== diagrams: Graphviz output (diagram.c) ==== */
/*
 * A diagram is built from the graph first (plain data, no Graphviz), then
 * rendered. DOT is made with libcgraph and written with agwrite; images are
 * laid out and rendered in-process with libgvc. Graphviz keeps process-wide
 * state, so every render is serialised behind one lock: rendering from
 * several threads is safe, but not parallel.
 *
 *   rg_diagram_options o; rg_diagram_options_init(&o);
 *   rg_diagram *d;
 *   rg_diagram_compute(snap, &target, 1, &o, &d);
 *   char *svg; size_t len;
 *   rg_diagram_render(d, RG_FORMAT_SVG, &svg, &len);   // or rg_diagram_write
 *   ... rg_free(svg); rg_diagram_free(d);
 *
 * Every label is made safe whatever the snapshot holds: invalid UTF-8 becomes
 * U+FFFD, control characters are shown as \n, \t or \xNN, backslashes and
 * '&' cannot trigger Graphviz escapes or entities, and long text is cut with
 * an ellipsis.
 */
typedef enum rg_diagram_format {
    RG_FORMAT_DOT = 0,
    RG_FORMAT_SVG,
    RG_FORMAT_PNG,
    RG_FORMAT_PDF
} rg_diagram_format;

/* "dot" (or "gv"), "svg", "png", "pdf" -> the format; -1 when unknown. */
RG_API int rg_diagram_format_from_name(const char *name);
/* The format for a file name's extension (case-insensitive); -1 when the
 * extension is missing or unknown. */
RG_API int rg_diagram_format_from_path(const char *path);
/* "dot", "svg", "png", "pdf". Static string. */
RG_API const char *rg_diagram_format_name(rg_diagram_format format);

typedef enum rg_diagram_direction {
    RG_DIAGRAM_REFERRERS = 0, /* who refers to the selection (objgraph show_backrefs) */
    RG_DIAGRAM_REFERENTS = 1  /* what the selection refers to (objgraph show_refs) */
} rg_diagram_direction;

typedef struct rg_diagram_options {
    rg_diagram_direction direction;
    /* Levels out from the selection. Default 6. */
    uint32_t depth;
    /* At most this many objects are drawn (fold nodes not counted); the rest
     * are counted as omitted and named in a note. Default 300; 0 = default. */
    uint32_t max_nodes;
    /* A node with more neighbours than this draws the first `too_many` (those
     * nearest a root first, when `paths` is given) and folds the rest into
     * one "N more referrers (X bytes)" node. Default 10; 0 = default. */
    uint32_t too_many;
    /* Instances of this type are drawn highlighted. NULL: none. Matched like
     * rg_type_find (exact, or the last dotted component). Borrowed. */
    const char *highlight_type;
    /* Instances of this type are drawn but not expanded. NULL: none. */
    const char *stop_at_type;
    /* Bit (1u << kind): edges of that kind are not drawn. Default: <type>
     * edges (every instance refers to its class; they swamp any diagram). */
    unsigned ignore_edge_kinds;
    /* Optional: shortest paths, so that referrers on the retention path are
     * drawn first and never folded, and roots are named by their record.
     * Borrowed; NULL is fine. */
    const rg_paths *paths;
    /* Optional caption drawn above the note. Borrowed; copied by build. */
    const char *title;
    /* Optional: dominators, so each object shows what it retains beside its
     * own size, and the node where the bytes pile up stands out. Borrowed;
     * NULL is fine. */
    const struct rg_dominators *dominators;
} rg_diagram_options;

RG_API void rg_diagram_options_init(rg_diagram_options *o);

typedef struct rg_diagram rg_diagram;

/* Referrers (or referents) of `targets` out to opts->depth levels. In a
 * referrer diagram roots are drawn but not expanded (unless selected). NULL
 * options = defaults. The diagram copies what it needs, so the snapshot and
 * opts->paths may be freed before it. RG_EINVAL for no targets or a node out of
 * range; RG_ENOTFOUND when a highlight/stop-at type is unknown. *out is
 * owned by the caller (rg_diagram_free). */
RG_API int rg_diagram_compute(const rg_snapshot *snap, const rg_node *targets, size_t n,
                            const rg_diagram_options *opts, rg_diagram **out);

/* Exactly `nodes` (duplicates ignored) and every edge among them, e.g. an
 * unreachable cycle. depth, too_many and direction are not used; max_nodes
 * is. Nodes are coloured by their order in `nodes` when it is a chain or
 * cycle, all alike otherwise. */
RG_API int rg_diagram_compute_set(const rg_snapshot *snap, const rg_node *nodes, size_t n,
                                const rg_diagram_options *opts, rg_diagram **out);

RG_API void rg_diagram_free(rg_diagram *d);

typedef struct rg_diagram_stats {
    uint32_t nodes;           /* objects drawn */
    uint32_t fold_nodes;      /* "N more" nodes drawn */
    uint32_t edges;           /* edges drawn */
    uint32_t omitted;         /* objects reached but not drawn (max_nodes) */
    uint64_t folded;          /* objects folded into "N more" nodes */
    uint64_t folded_bytes;    /* their shallow bytes */
    uint32_t stopped;         /* objects not expanded because of stop_at_type */
    uint32_t depth_limited;   /* objects at the depth limit with unexplored neighbours */
} rg_diagram_stats;

RG_API void rg_diagram_stats_get(const rg_diagram *d, rg_diagram_stats *out);

/* What was left out, as drawn in the diagram ("412 more objects not drawn
 * (max 300)"), or "" when nothing was. Owned by the diagram. */
RG_API const char *rg_diagram_note(const rg_diagram *d);

/* The title given in opts->title, plain text, or "". Owned by the diagram. */
RG_API const char *rg_diagram_title(const rg_diagram *d);

/* The diagram as data (what `refgraph backrefs --json` prints): nodes in the
 * order they were drawn (breadth first from the selection), edges in
 * reference direction as indices into the nodes.
 *
 *   for (size_t i = 0; i < rg_diagram_node_count(d); i++) {
 *       rg_diagram_node n; rg_diagram_node_get(d, i, &n);
 *       ...
 *   }
 *
 * The strings in the structs are owned by the diagram and live as long as
 * it does; they are plain text (not cut, not escaped for Graphviz). */
#define RG_DIAGRAM_TARGET    0x01u /* a selected object */
#define RG_DIAGRAM_ROOT      0x02u /* a GC root */
#define RG_DIAGRAM_HIGHLIGHT 0x04u /* an instance of opts->highlight_type */
#define RG_DIAGRAM_STOPPED   0x08u /* an instance of opts->stop_at_type, not expanded */
#define RG_DIAGRAM_FOLD      0x10u /* an "N more referrers" node */

typedef struct rg_diagram_node {
    uint64_t id;         /* the object's snapshot id; 0 for a fold */
    const char *type;    /* type name; "" for a fold */
    const char *text;    /* the object's name, else its repr; "" for none */
    uint64_t size;       /* shallow bytes; for a fold, the folded objects' bytes */
    int64_t length;      /* -1 when the snapshot gives none */
    uint64_t retained;   /* retained bytes when opts->dominators was given, else 0 */
    uint64_t folded;     /* for a fold: how many objects it stands for; else 0 */
    uint32_t distance;   /* hops from the selection */
    unsigned roles;      /* RG_DIAGRAM_* bits */
} rg_diagram_node;

typedef struct rg_diagram_edge {
    size_t from, to;     /* node indices: `from` refers to `to` */
    rg_edge_kind kind;   /* for a fold's edge: RG_EDGE_INTERNAL */
    const char *label;   /* "name", "[3]", "['key']", or "" */
} rg_diagram_edge;

RG_API size_t rg_diagram_node_count(const rg_diagram *d);
RG_API size_t rg_diagram_edge_count(const rg_diagram *d);
/* Fill *out with node (edge) i. RG_EINVAL when i is out of range. */
RG_API int rg_diagram_node_get(const rg_diagram *d, size_t i, rg_diagram_node *out);
RG_API int rg_diagram_edge_get(const rg_diagram *d, size_t i, rg_diagram_edge *out);

/* Render to memory: *out (with a NUL after the *len bytes, for text formats'
 * convenience) is owned by the caller (rg_free). RG_ERENDER with Graphviz's
 * message when layout or rendering fails. */
RG_API int rg_diagram_render(const rg_diagram *d, rg_diagram_format format, char **out,
                             size_t *len);

/* Render to a file, atomically: the bytes go to a temporary file beside
 * `path` that is renamed over it only when complete, so a failure never
 * leaves a partial or empty file. RG_EIO when the file cannot be written. */
RG_API int rg_diagram_write(const rg_diagram *d, rg_diagram_format format, const char *path);
/* ==== end diagrams ==== */

/* ==== dominators, retained size (dominators.c) ==== */
/*
 * The dominator tree over the whole graph. Object d dominates v when every
 * chain of strong (non-weak) references from a root to v passes through d:
 * freeing d would free v. A virtual super-root refers to every root record
 * (except gc.garbage roots: those objects are what the collector could not
 * free; for the same reason a reference into a gc.garbage object from one
 * outside gc.garbage, the list itself, does not count) and then to one
 * entry object per source component of the part that
 * no root reaches, so unreachable objects get dominators and retained sizes
 * too. The retained size of v is the shallow size of everything v dominates,
 * v included. Semi-NCA, iterative, near-linear (docs/suspects.md).
 * Memory: 12 bytes per object kept (idom + retained), 24 at peak.
 */
typedef struct rg_dominators rg_dominators;

/* Compute the dominator tree and every retained size. On success *out is
 * owned by the caller (rg_dominators_free); it borrows nothing. */
RG_API int rg_dominators_compute(const rg_snapshot *snap, rg_dominators **out);
RG_API void rg_dominators_free(rg_dominators *dom);

/* The immediate dominator of `node`, or RG_NODE_NONE when that is the
 * super-root (a root, an object two roots reach independently, or the entry
 * of an unreachable component). */
RG_API rg_node rg_dominators_idom(const rg_dominators *dom, rg_node node);

/* Retained size of `node` in bytes; for RG_NODE_NONE the super-root's, which
 * is the sum of all shallow sizes. */
RG_API uint64_t rg_dominators_retained(const rg_dominators *dom, rg_node node);

/* 1 when a root reaches `node` over strong references, 0 when it lies in the
 * unreachable part (gc.garbage roots do not count as roots). */
RG_API int rg_dominators_reachable(const rg_dominators *dom, rg_node node);

/* The `k` objects with the largest retained size (0 = all), largest first,
 * ties by lower node. *out has *n entries; the caller frees it (rg_free). */
RG_API int rg_dominators_top(const rg_dominators *dom, uint32_t k, rg_node **out, uint32_t *n);

typedef struct rg_dominators_stats {
    uint32_t objects;             /* nodes in the tree (every object) */
    uint32_t reachable;           /* objects a root reaches */
    uint32_t unreachable_entries; /* super-root children added for the unreachable part */
    uint64_t memory_bytes;        /* heap the handle holds */
    uint64_t peak_bytes;          /* heap in use at the peak of the computation */
} rg_dominators_stats;

RG_API void rg_dominators_stats_get(const rg_dominators *dom, rg_dominators_stats *out);
/* ==== end dominators ==== */

/* ==== retention groups (groups.c) ==== */
/*
 * Every object a root reaches is put in a group by its retention signature:
 * the hops (edge label, type) on its shortest chain from a root (rg_paths),
 * starting with the root's kind, label and type. Labels are normalised so that
 * data does not split groups: list/deque/set indices become [i] (tuple indices
 * stay, a tuple is a record), keys of large dicts become their key type
 * ([str], [int]), and digit runs in other keys become '#'. A hop that
 * repeats its parent's hop (.next Node, .next Node, ...) stays in the
 * parent's group, so a linked list of any length is one group. The exact rule
 * is in docs/suspects.md. A group's retained size counts each byte once.
 */
typedef struct rg_groups rg_groups;
typedef uint32_t rg_group;
#define RG_GROUP_NONE UINT32_MAX

typedef struct rg_group_info {
    /* "g1:" and 32 hex digits: a hash of the normalised hops, type names and
     * root. Equal in any snapshot with the same chain shape; match groups
     * across snapshots with it. */
    char signature[40];
    rg_group parent;          /* group of the previous hop; RG_GROUP_NONE at a root */
    uint32_t depth;           /* hops from the root (0 for root objects) */
    const char *label;        /* normalised label of the last hop ("[i]", ".jobs"); "" at a root */
    uint32_t type;            /* type of the members */
    const char *type_name;
    rg_root_kind root_kind;   /* the chain's root */
    const char *root_label;   /* normalised root label ("__main__"); owned by the groups */
    uint64_t count;           /* members */
    uint64_t shallow_bytes;
    uint64_t retained_bytes;  /* 0 when computed without dominators */
    rg_node representative;   /* the lowest-numbered member */
    /* 0, or for a recursive group (its hop repeats: a linked list, nested
     * lists) the longest run of members one after another. */
    uint32_t repeat;
} rg_group_info;

/* Group every reachable object. `paths` gives the chains (its options decide
 * which edges count); `dom` may be NULL (retained sizes are then 0). Both are
 * borrowed for the call only. On success *out is owned by the caller
 * (rg_groups_free); its strings stay valid while `snap` lives. */
RG_API int rg_groups_compute(const rg_snapshot *snap, const rg_paths *paths,
                             const rg_dominators *dom, rg_groups **out);
RG_API void rg_groups_free(rg_groups *groups);

RG_API uint32_t rg_groups_count(const rg_groups *groups);
/* Describe group `grp` (< rg_groups_count). */
RG_API void rg_groups_get(const rg_groups *groups, rg_group grp, rg_group_info *out);
/* The group of `node`; RG_GROUP_NONE for objects no root reaches. */
RG_API rg_group rg_groups_of(const rg_groups *groups, rg_node node);
/* The group with this signature; RG_ENOTFOUND when none. */
RG_API int rg_groups_find(const rg_groups *groups, const char *signature, rg_group *out);
/* The signature as a person reads it, root first:
 * "module __main__ → .jobs queue.Queue → .queue collections.deque → [i] tuple
 * → [2] __main__.Job". Chains deeper than 24 hops keep the first 8 and the
 * last 12 with "→ … N hops …" between. *out is owned by the caller (rg_free). */
RG_API int rg_groups_path(const rg_groups *groups, rg_group grp, char **out);
/* The members of `grp` in node order (one pass over all objects). *out is
 * owned by the caller (rg_free). */
RG_API int rg_groups_members(const rg_groups *groups, rg_group grp, rg_node **out, uint64_t *n);
/* All groups ordered by retained bytes, then count, then signature, all
 * descending but the signature. *out (*n entries) is owned by the caller. */
RG_API int rg_groups_ranked(const rg_groups *groups, rg_group **out, uint32_t *n);
/* ==== end retention groups ==== */

/* ==== unreachable cycles (scc.c) and held-from-outside (outside.c) ==== */
/*
 * Unreachable cycles: the objects no root reaches over strong references
 * (gc.garbage roots do not count as roots) are split into strongly connected
 * components (iterative Tarjan). A component of two or more objects, or one
 * object referring to itself, is a cycle: with the collector off or stuck it
 * stays in memory forever. Cycles of one shape (the same types, same counts)
 * are reported together, largest total first.
 */
typedef struct rg_cycles rg_cycles;

typedef struct rg_cycles_summary {
    uint64_t unreachable_objects;   /* objects no root reaches */
    uint64_t unreachable_bytes;
    uint64_t components;            /* cyclic components */
    uint64_t cyclic_objects;        /* objects on them */
    uint64_t cyclic_bytes;
    uint64_t garbage_objects;       /* of those, flagged RG_NODE_GARBAGE */
    uint64_t largest_component;     /* objects in the largest one */
    uint32_t shapes;
    /* Cycles with a member whose refcount exceeds the references the
     * snapshot shows (a static type and its MRO, a leaked Py_INCREF): held
     * from outside, so not garbage, and not counted above. */
    uint64_t held_components;
    uint64_t held_objects;
} rg_cycles_summary;

typedef struct rg_cycle_shape {
    /* "c1:" and 16 hex digits, a hash of the sorted (type name, count) list:
     * stable across snapshots. */
    char signature[24];
    const char *description;  /* "__main__.Node ×2, dict ×2"; owned by the handle */
    uint64_t components;      /* cyclic components of this shape */
    uint64_t objects_each;    /* objects in one of them */
    uint64_t objects;         /* over all of them */
    uint64_t bytes;           /* shallow bytes over all of them */
    /* Bytes freed if these cycles were collected: the components plus the
     * unreachable objects only they keep alive. Equals `bytes` when computed
     * without dominators. */
    uint64_t retained_bytes;
    uint64_t garbage;         /* members flagged RG_NODE_GARBAGE (in gc.garbage) */
    rg_node representative;   /* lowest member of the lowest-numbered component */
    /* A shortest cycle through the representative: cycle[0].from and
     * cycle[cycle_len-1].to are the representative. Owned by the handle. */
    const rg_edge *cycle;
    uint32_t cycle_len;
} rg_cycle_shape;

/* Find the unreachable part and its cycles. `dom` may be NULL (then
 * retained_bytes = bytes). On success *out is owned by the caller
 * (rg_cycles_free); strings stay valid while `snap` lives. */
RG_API int rg_cycles_compute(const rg_snapshot *snap, const rg_dominators *dom, rg_cycles **out);
RG_API void rg_cycles_free(rg_cycles *cycles);
RG_API void rg_cycles_summary_get(const rg_cycles *cycles, rg_cycles_summary *out);
/* Shape i (< summary.shapes), ordered by retained_bytes, then objects, then
 * signature. */
RG_API void rg_cycles_shape_get(const rg_cycles *cycles, uint32_t i, rg_cycle_shape *out);
/* The strongly connected component of an unreachable `node` (every
 * unreachable object has one, cyclic or not; ids follow Tarjan's output, a
 * reverse topological order); UINT32_MAX for reachable objects. */
RG_API uint32_t rg_cycles_component_of(const rg_cycles *cycles, rg_node node);
/* Shape index of the cycle `node` is on; UINT32_MAX when it is on none. */
RG_API uint32_t rg_cycles_shape_of(const rg_cycles *cycles, rg_node node);

/*
 * Held from outside the heap: objects whose refcount exceeds the strong
 * references the snapshot shows to them. What no dump sees (the interpreter's
 * own references, a C stack, interned strings, small ints, type objects,
 * module and code objects) is discounted: objects of runtime-owned types are
 * skipped unless asked for, immortal refcounts are skipped, and `margin`
 * extra references are tolerated. docs/suspects.md explains the margin.
 */
typedef struct rg_outside rg_outside;

typedef struct rg_outside_options {
    /* Unexplained references tolerated per object. rg_outside_options_init
     * sets RG_OUTSIDE_DEFAULT_MARGIN. */
    uint32_t margin;
    /* 1: also flag objects of runtime-owned types (type, module, code, str,
     * int, function, frame, cell, descriptors...). Default 0. */
    int include_runtime_types;
} rg_outside_options;

#define RG_OUTSIDE_DEFAULT_MARGIN 1u

RG_API void rg_outside_options_init(rg_outside_options *o);

#define RG_OUTSIDE_FLAGGED 0
#define RG_OUTSIDE_RUNTIME_TYPE 1
#define RG_OUTSIDE_BASELINE 2

typedef struct rg_outside_group {
    uint32_t type;
    const char *type_name;    /* owned by the snapshot */
    uint64_t objects;         /* flagged objects of this type */
    uint64_t unreachable;     /* of those, objects no root reaches */
    uint64_t excess;          /* sum of refcount - references seen */
    uint64_t shallow_bytes;
    /* Bytes the unexplained references keep alive: retained sizes of the
     * flagged objects no other flagged object dominates; for reachable ones
     * only when nothing else would hold them, i.e. the unreachable ones.
     * Equals shallow_bytes of the unreachable ones without dominators. */
    uint64_t retained_bytes;
    rg_node representative;   /* the flagged object keeping most bytes alive */
    int64_t representative_excess;
    /* Function-like objects (functions, methods, frames, closures) are
     * grouped by type and qualname: "" for other types; owned by the
     * snapshot. */
    const char *name;
    /* The exemption tier of the group's members (a type and name with
     * members in several tiers gives one group per tier):
     * RG_OUTSIDE_FLAGGED, an object the heap cannot explain;
     * RG_OUTSIDE_RUNTIME_TYPE, objects of a runtime-owned type (functions,
     * frames, cells) that nothing in the heap reaches: a suspect only when of
     * consequence or growing; RG_OUTSIDE_BASELINE, a type's private tables
     * and singletons that static types hold from C: a suspect only when it
     * grows (docs/diagnosis.md, rule "runtime exemption"). */
    int runtime;
    /* "o1:" and 32 hex digits of (type, name): the key for growth, equal in
     * every snapshot; see rg_outside_signature. */
    char signature[40];
} rg_outside_group;

/* 1 when the group is shown as held from outside the heap in a heap of
 * `total_bytes`: not exempt by the runtime tiers (RG_OUTSIDE_BASELINE
 * never; RG_OUTSIDE_RUNTIME_TYPE from 1 % of the heap). The suspects
 * ranking shows exempt groups too when they grow at every step. */
RG_API int rg_outside_group_shown(const rg_outside_group *g, uint64_t total_bytes);

/* The growth key of held-from-outside objects of `type_name` named `name`
 * ("" for none) in exemption tier `runtime`: "o1:" and 32 hex digits,
 * written to buf (>= 40 bytes). */
RG_API void rg_outside_signature(const char *type_name, const char *name, int runtime, char *buf);

/* Find the objects held from outside. `dom` may be NULL; NULL options =
 * defaults. On success *out is owned by the caller (rg_outside_free). */
RG_API int rg_outside_compute(const rg_snapshot *snap, const rg_dominators *dom,
                              const rg_outside_options *opts, rg_outside **out);
RG_API void rg_outside_free(rg_outside *outside);
/* Groups by type, unreachable first, then by retained bytes, then excess. */
RG_API uint32_t rg_outside_group_count(const rg_outside *outside);
RG_API void rg_outside_group_get(const rg_outside *outside, uint32_t i, rg_outside_group *out);
/* Refcount minus strong references in the snapshot: > 0 means references
 * nothing in the snapshot explains; 0 when the refcount is unknown. */
RG_API int64_t rg_outside_excess(const rg_snapshot *snap, rg_node node);
/* 1 when `node` was flagged (excess above the margin, type not skipped). */
RG_API int rg_outside_flagged(const rg_outside *outside, rg_node node);
/* ==== end cycles ==== */

/* ==== suspects: ranking (suspects.c) ==== */
/*
 * Leak suspects from every cause, in one ranked list:
 *   RG_CAUSE_RETAINED  many similar objects a root keeps alive (a retention
 *                      group), with the container they accumulate in;
 *   RG_CAUSE_CYCLE     unreachable reference cycles, by shape;
 *   RG_CAUSE_OUTSIDE   objects held by references from outside the heap, by type.
 * Ranking (docs/suspects.md): with growth given, suspects that grew come
 * first, by bytes grown; then by the bytes freeing the suspect would release,
 * then by instance count.
 */
typedef enum rg_cause {
    RG_CAUSE_RETAINED = 0,
    RG_CAUSE_CYCLE,
    RG_CAUSE_OUTSIDE
} rg_cause;

/* "retained", "cycle", "outside". Static string. */
RG_API const char *rg_cause_name(rg_cause cause);

/* Growth of one suspect across snapshots, matched by signature (a group's,
 * a cycle shape's, or "outside:" and the type name). */
typedef struct rg_group_growth {
    const char *signature;    /* borrowed for the call */
    int64_t count_delta;
    int64_t bytes_delta;
    /* Optional detail for the judgement (0 when unknown): the snapshots
     * compared minus one, how many of those steps the count rose, and the
     * rates (NaN or 0 when the series has no times). */
    uint32_t steps;
    uint32_t steps_up;
    double count_per_min;
    double bytes_per_min;
} rg_group_growth;

/* The judgement (judge.c, docs/diagnosis.md): one verdict per suspect, the
 * same for `suspects`, `diff` and the report, so that they cannot disagree. */
typedef enum rg_leak_level {
    RG_LEVEL_NO_LEAK = 0,
    RG_LEVEL_POSSIBLE_LEAK = 1,
    RG_LEVEL_LEAK = 2
} rg_leak_level;

typedef enum rg_leak_reason {
    RG_REASON_NONE = 0,         /* below the threshold of consequence, no growth */
    RG_REASON_GROWS_EVERY_STEP, /* rose at every step over >= 3 snapshots */
    RG_REASON_GREW,             /* rose between snapshots, not at every step */
    RG_REASON_UNREACHABLE,      /* no root reaches it and it is of consequence: waste */
    RG_REASON_LARGE,            /* one snapshot, of consequence: growth not measured */
    RG_REASON_STEADY            /* several snapshots, of consequence, did not grow */
} rg_leak_reason;

/* "no leak", "possible leak", "leak"; and a short name per reason
 * ("grows at every step", ...). Static strings. */
RG_API const char *rg_leak_level_name(rg_leak_level level);
RG_API const char *rg_leak_reason_name(rg_leak_reason reason);

typedef struct rg_suspect_options {
    /* A retention group is a suspect only with at least this many members.
     * rg_suspect_options_init sets 2. */
    uint32_t min_instances;
    /* Suspects with less than this share of all bytes are left out
     * (0 keeps all). rg_suspect_options_init sets 0.001 (0.1 %). */
    double min_share;
    /* Optional growth per signature (borrowed for the call). */
    const rg_group_growth *growth;
    size_t n_growth;
    /* Snapshots the growth compares (0 or 1: one snapshot, no growth). The
     * judgement needs it to tell "did not grow" from "not measured". */
    uint32_t n_snapshots;
} rg_suspect_options;

RG_API void rg_suspect_options_init(rg_suspect_options *o);

typedef struct rg_suspect {
    rg_cause cause;
    char signature[48];       /* the key for growth: group, cycle shape or "outside:TYPE" */
    uint64_t count;           /* instances: of the item group, on the cycles, of the type */
    uint64_t shallow_bytes;   /* of those instances */
    uint64_t retained_bytes;  /* bytes freed if the suspect were released */
    double share;             /* retained_bytes / all bytes */
    /* "Of consequence": share >= 10 % and retained >= 1 MB, or share >= 1 %
     * for unreachable causes (their bytes are waste by definition). */
    int significant;

    /* RG_CAUSE_RETAINED */
    rg_group top_group;       /* first group of the leak: its retained is reported */
    rg_group group;           /* the item group, the end of the path shown */
    rg_group bulk_group;      /* deeper group holding most bytes; RG_GROUP_NONE if none */
    rg_node accumulation;     /* the container whose children hold it; RG_NODE_NONE if none */
    uint64_t accumulation_retained;
    /* RG_CAUSE_CYCLE: index for rg_cycles_shape_get. RG_CAUSE_OUTSIDE: index for
     * rg_outside_group_get. */
    uint32_t index;

    rg_node representative;
    int has_growth;
    int64_t growth_count, growth_bytes;
    uint32_t growth_steps, growth_steps_up;
    double growth_count_per_min, growth_bytes_per_min;

    /* The judgement: rg_leak_level and the rule that decided it. */
    rg_leak_level level;
    rg_leak_reason reason;
    /* What a person wrote: for a head of function-like objects its qualname
     * (the representative's), else ""; when the head is plumbing (tuples,
     * closures, cells, frames), the first user type below it and how many
     * of it ("" and 0 when none). Owned by the snapshot. */
    const char *name;
    const char *carried_type;
    uint64_t carried_count;
    /* 1 for a group held by the interpreter's own tables (import caches,
     * codec tables, compiled code): listed only when it grows. */
    int interpreter_table;
} rg_suspect;

typedef struct rg_suspects rg_suspects;

/* Rank suspects from analyses already computed (all borrowed; they must
 * outlive the result, whose accessors hand them back). `dom` and `groups` are
 * required, `cycles` and `outside` may be NULL. NULL options = defaults. */
RG_API int rg_suspects_compute(const rg_snapshot *snap, const rg_dominators *dom,
                               const rg_groups *groups, const rg_cycles *cycles,
                               const rg_outside *outside, const rg_suspect_options *opts,
                               rg_suspects **out);

/* Run everything (paths with default options, dominators, groups, cycles,
 * outside with default options) and rank. The result owns the analyses; it
 * borrows `snap`, which must outlive it. */
RG_API int rg_suspects_compute_all(const rg_snapshot *snap, const rg_suspect_options *opts,
                               rg_suspects **out);
RG_API void rg_suspects_free(rg_suspects *suspects);

RG_API uint32_t rg_suspects_count(const rg_suspects *suspects);
/* Suspect i (< count), best first. Owned by the handle. */
RG_API const rg_suspect *rg_suspects_get(const rg_suspects *suspects, uint32_t i);

/* The analyses behind the suspects (owned or borrowed by the handle; NULL
 * for cycles/outside when none were given). */
RG_API const rg_paths *rg_suspects_paths(const rg_suspects *suspects);
RG_API const rg_dominators *rg_suspects_dominators(const rg_suspects *suspects);
RG_API const rg_groups *rg_suspects_groups(const rg_suspects *suspects);
RG_API const rg_cycles *rg_suspects_cycles(const rg_suspects *suspects);
RG_API const rg_outside *rg_suspects_outside(const rg_suspects *suspects);
/* ==== end suspects ==== */

/* ==== growth across snapshots (diff.c) ==== */
/*
 * Growth is found by comparing *summaries*, not graphs. A summary keeps what
 * a comparison needs from one snapshot: the type table (name -> count,
 * shallow bytes), the retention-group table (signature -> count, bytes,
 * readable path), every object's id with its type, size and group, and the
 * header's time, pid and seq. It is built from a loaded snapshot, after which
 * the snapshot can be freed, so a series of any length holds one graph at a
 * time plus N summaries (24 bytes per object each).
 *
 *   rg_summary *sums[3];
 *   for (i = 0; i < 3; i++) {
 *       rg_snapshot_open(path[i], NULL, &snap);
 *       rg_summary_compute(snap, NULL, &sums[i]);
 *       rg_snapshot_free(snap);
 *   }
 *   rg_diff *d; rg_diff_compute(sums, 3, NULL, &d);
 *   ... rg_diff_verdict(d)->text ...
 *   rg_diff_free(d); then rg_summary_free each summary.
 *
 * A series can also come from an objgraph log (show_growth() and
 * show_most_common_types() output): type counts only, no bytes, ids or paths.
 * docs/diff.md describes the analysis, its thresholds and its caveats.
 */
typedef struct rg_summary rg_summary;

/* What a summary holds (bits of rg_summary_info.flags). */
#define RG_SUMMARY_HAS_BYTES  0x1u  /* type and group tables carry bytes */
#define RG_SUMMARY_HAS_IDS    0x2u  /* per-object ids: lifetime analysis possible */
#define RG_SUMMARY_HAS_GROUPS 0x4u  /* retention groups were computed */
#define RG_SUMMARY_PARTIAL    0x8u  /* the type table lists only some types (objgraph top-N) */

typedef struct rg_summary_info {
    const char *source;       /* snapshot path, or "log:block N"; owned by the summary */
    const char *format;       /* "refgraph-snapshot", ..., or "objgraph-log" */
    int64_t pid;              /* -1 when unknown */
    double time;              /* Unix seconds; 0 when unknown */
    int64_t seq;              /* -1 when unknown */
    uint64_t objects;         /* objects in the snapshot (sum of listed counts for a log) */
    uint64_t total_bytes;     /* 0 without RG_SUMMARY_HAS_BYTES */
    uint32_t types;           /* entries in the type table */
    uint32_t groups;          /* entries in the group table */
    unsigned flags;           /* RG_SUMMARY_* */
    uint64_t memory_bytes;    /* heap the summary itself holds */
} rg_summary_info;

typedef struct rg_summary_options {
    /* Do not compute retention groups: faster, but no per-group growth and
     * the verdict can only name types. */
    int no_groups;
    /* Retention groups already computed for this snapshot with the default
     * path options (rg_groups_compute), so they are not computed twice;
     * borrowed for the call. NULL: compute them. */
    const rg_groups *groups;
    /* The held-from-outside analysis of this snapshot, when `groups` is
     * given, so that it is not computed twice; borrowed for the call. Its
     * groups join the group table (signatures "o1:..."), so that growth
     * outside the heap is measured like any other. */
    const rg_outside *outside;
} rg_summary_options;

/* Summarise a loaded snapshot. NULL options = defaults. On success *out is
 * owned by the caller (rg_summary_free) and borrows nothing: `snap` may be
 * freed at once. */
RG_API int rg_summary_compute(const rg_snapshot *snap, const rg_summary_options *opts,
                            rg_summary **out);
RG_API void rg_summary_free(rg_summary *sum);

/* Owned by the summary. */
RG_API const rg_summary_info *rg_summary_info_get(const rg_summary *sum);

/* Type table entry i (< info->types), sorted by name. out->type is i and
 * out->name is owned by the summary. */
RG_API void rg_summary_type_get(const rg_summary *sum, uint32_t i, rg_type_stat *out);

typedef struct rg_summary_group {
    const char *signature;    /* what matches a group across snapshots */
    const char *path;         /* readable path (rg_groups_path) */
    const char *container;    /* the parent group's path: where members accumulate; "" at a root */
    const char *member;       /* the path's last hop, e.g. "[i] tuple" */
    uint32_t depth;           /* hops from the root */
    uint64_t count;           /* member objects */
    uint64_t bytes;           /* shallow bytes of the members */
    uint64_t retained;        /* bytes the members keep alive; 0 when unknown */
} rg_summary_group;

/* Group table entry i (< info->groups), sorted by signature. Strings are
 * owned by the summary. */
RG_API void rg_summary_group_get(const rg_summary *sum, uint32_t i, rg_summary_group *out);

/* Is this text an objgraph log rather than a snapshot? 1 when it holds at
 * least one block of objgraph output and does not start like a snapshot
 * (JSON, gzip or zstd), else 0. Looks at the first `len` bytes only. */
RG_API int rg_objgraph_log_detect(const void *data, size_t len);

/* Parse objgraph output. A block is a run of consecutive lines of one shape:
 * "NAME COUNT" (show_most_common_types) or "NAME COUNT +DELTA" (show_growth);
 * any other line ends a block; every block is one point of the series. A
 * date-time "YYYY-MM-DD HH:MM:SS" on the text lines before a block becomes
 * that point's time. *out is an array of *n summaries (RG_SUMMARY_PARTIAL,
 * no bytes, ids or groups): free each with rg_summary_free and the array with
 * rg_free. RG_EFORMAT when the text holds no block. `name` is used in
 * sources and errors. */
RG_API int rg_objgraph_log_open_memory(const void *data, size_t len, const char *name,
                                 rg_summary ***out, uint32_t *n);
/* Same, reading a file (gzip and zstd are decompressed). */
RG_API int rg_objgraph_log_open(const char *path, rg_summary ***out, uint32_t *n);

typedef struct rg_diff rg_diff;

typedef struct rg_diff_options {
    /* A type or group is "growing" when its count rises at every step of a
     * series of >= 3 snapshots and the whole-series rise is at least
     * min_growth objects and at least min_ratio (types) or min_group_ratio
     * (groups) times its first count. A group is one path shape, a far more
     * specific signal than a type that gathers objects from everywhere, so
     * its bar is lower. rg_diff_options_init sets 100, 0.10 and 0.02. */
    uint64_t min_growth;
    double min_ratio;
    double min_group_ratio;
} rg_diff_options;

RG_API void rg_diff_options_init(rg_diff_options *o);

/* Analyse a series of >= 2 summaries, given in any order: when every one has
 * a header time they are put in time order (ties by seq, then the order
 * given); otherwise the order given is kept, with a warning. The summaries are
 * borrowed and must outlive the diff (rg_diff_point_get hands them back); names
 * and arrays in results are owned by the diff.
 * NULL options = defaults. RG_EINVAL for fewer than 2 summaries. On success
 * *out is owned by the caller (rg_diff_free). */
RG_API int rg_diff_compute(rg_summary *const *sums, uint32_t n, const rg_diff_options *opts,
                           rg_diff **out);
RG_API void rg_diff_free(rg_diff *d);

/* The series in analysis (time) order: point i < rg_diff_point_count. */
RG_API uint32_t rg_diff_point_count(const rg_diff *d);
RG_API const rg_summary *rg_diff_point_get(const rg_diff *d, uint32_t i);
/* Index of point i in the array given to rg_diff_compute. */
RG_API uint32_t rg_diff_point_input_index(const rg_diff *d, uint32_t i);
/* Seconds from the first point to the last; 0 when a time is unknown. */
RG_API double rg_diff_span_seconds(const rg_diff *d);

/* Warnings about the input (reordered, different pids, missing times,
 * partial data). Owned by the diff. */
RG_API uint32_t rg_diff_warning_count(const rg_diff *d);
RG_API const char *rg_diff_warning_get(const rg_diff *d, uint32_t i);

/* Growth record flags. */
#define RG_GROWTH_MONOTONIC       0x1u  /* count rose at every step, >= 3 points */
#define RG_GROWTH_MONOTONIC_BYTES 0x2u  /* bytes rose at every step, >= 3 points */
#define RG_GROWTH_SIGNIFICANT     0x4u  /* rise >= min_growth and >= the ratio x first */
#define RG_GROWTH_GROWING         0x8u  /* MONOTONIC and SIGNIFICANT: a leak suspect */
#define RG_GROWTH_ESTIMATED       0x10u /* some points were filled in (objgraph top-N) */
#define RG_GROWTH_RETAINED        0x20u /* bytes_delta and the rates are retained bytes */

/* One type or group across the series. Arrays have rg_diff_point_count
 * entries in time order; everything is owned by the diff. */
typedef struct rg_growth {
    const char *name;         /* type name, or a group's readable path */
    const char *signature;    /* groups: the matching key; types: the name */
    const char *container;    /* groups: the parent group's path ("" at a root); types: "" */
    const char *member;       /* groups: the last hop ("[i] tuple"); types: the name */
    const uint64_t *count;
    const uint64_t *bytes;    /* shallow bytes; all 0 without bytes */
    const uint64_t *retained; /* groups: retained bytes (0 when unknown); types: NULL */
    int64_t count_delta;      /* last - first */
    int64_t bytes_delta;      /* last - first (retained when known, for groups) */
    double count_per_min;     /* NaN when the timestamps do not give a span */
    double bytes_per_min;
    uint32_t steps_up;        /* steps at which the count rose */
    unsigned flags;           /* RG_GROWTH_* */
} rg_growth;

/* Types and groups, most growth first: GROWING first, then types by
 * count_delta, bytes_delta, name, and groups by bytes_delta (retained when
 * known), count_delta, signature; shrinking ones come last.
 * Groups exist only when every summary has RG_SUMMARY_HAS_GROUPS. */
RG_API uint32_t rg_diff_type_count(const rg_diff *d);
RG_API const rg_growth *rg_diff_type_get(const rg_diff *d, uint32_t i);
RG_API uint32_t rg_diff_group_count(const rg_diff *d);
RG_API const rg_growth *rg_diff_group_get(const rg_diff *d, uint32_t i);
/* The growth of one group as the suspects ranking takes it
 * (rg_suspect_options.growth): its signature is borrowed from the diff. */
RG_API rg_group_growth rg_growth_key(const rg_diff *d, const rg_growth *g);
/* Fill opts->growth (an array the caller frees with free()) from every group
 * of the diff, and opts->n_growth and opts->n_snapshots. */
RG_API int rg_suspect_options_from_diff(rg_suspect_options *opts, const rg_diff *d, rg_group_growth **owned);

/* Object lifetimes by id, in the style of memlab's find-leaks. Baseline is
 * the first point, final the last, target the one before final (the final
 * itself for two points). An id is the same object in two snapshots only
 * if its type and size are equal, and it is in every snapshot between them;
 * otherwise the address was reused and the objects count as freed + new.
 * Available when every summary has ids and all known pids agree. */
typedef struct rg_lifetime {
    const char *name;         /* type name or group path; "" for the totals */
    uint64_t new_count, new_bytes;           /* in final, not the same object in baseline */
    uint64_t freed_count, freed_bytes;       /* in baseline, not the same object in final */
    uint64_t surviving_count, surviving_bytes; /* the same object from baseline to final */
    /* memlab's leak set: in target but not in baseline, and still the same
     * object in final. 0 with two points. */
    uint64_t leaked_count, leaked_bytes;
} rg_lifetime;

RG_API int rg_diff_has_lifetimes(const rg_diff *d);
/* Totals over all objects; NULL without lifetimes. */
RG_API const rg_lifetime *rg_diff_lifetime_total(const rg_diff *d);
/* Ids present in baseline and final whose type or size differ (reused
 * addresses), and ids equal in both but missing from a snapshot between. */
RG_API uint64_t rg_diff_reused_ids(const rg_diff *d);
/* Per type / per group (by the object's group in final, or in baseline for
 * freed objects), sorted by leaked_count, new_count, name, all descending
 * except name. Zero entries without lifetimes. */
RG_API uint32_t rg_diff_lifetime_type_count(const rg_diff *d);
RG_API const rg_lifetime *rg_diff_lifetime_type_get(const rg_diff *d, uint32_t i);
RG_API uint32_t rg_diff_lifetime_group_count(const rg_diff *d);
RG_API const rg_lifetime *rg_diff_lifetime_group_get(const rg_diff *d, uint32_t i);

typedef enum rg_verdict_kind {
    RG_VERDICT_NONE = 0,      /* nothing grew past the thresholds */
    RG_VERDICT_GROUP,         /* a retention group grew: `growth` names its path */
    RG_VERDICT_TYPE           /* a type grew but no group explains it (or no groups) */
} rg_verdict_kind;

typedef struct rg_verdict {
    rg_verdict_kind kind;
    const rg_growth *growth;  /* the suspect; NULL for RG_VERDICT_NONE */
    int confirmed;            /* 1 when monotonic over >= 3 points */
    const char *text;         /* one or two sentences; owned by the diff */
    /* The judgement's growth rule (the one rg_suspect.level/reason come
     * from): RG_LEVEL_LEAK when confirmed, RG_LEVEL_POSSIBLE_LEAK for growth
     * over two snapshots or too small to confirm, RG_LEVEL_NO_LEAK for
     * RG_VERDICT_NONE. */
    rg_leak_level level;
    rg_leak_reason reason;
} rg_verdict;

/* Never NULL for a valid diff. */
RG_API const rg_verdict *rg_diff_verdict(const rg_diff *d);

/* A CI gate. `spec` is SELECTOR[:THRESHOLD]:
 *   SELECTOR   "type:NAME", "group:TEXT", or bare: an exact type name, else a
 *              type whose last dotted part is NAME, else every group whose
 *              path or signature contains TEXT.
 *   THRESHOLD  (default 0) growth from first to last point must not exceed:
 *              N or +N   objects (k and M suffixes: 10k);
 *              N%        percent of the first count;
 *              NB, NkB, NMB, NGB, NKiB, NMiB, NGiB   bytes (groups: retained
 *                        bytes when known, else shallow);
 *              any of these followed by /min: the rate per minute instead.
 * The gate trips when the growth is strictly greater. RG_EINVAL for a spec
 * that does not parse, or a /min threshold without timestamps. */
typedef struct rg_gate_result {
    int tripped;              /* 1 when the growth exceeds the threshold */
    uint32_t matched;         /* types or groups the selector matched */
    char message[512];        /* what grew by how much, against what threshold */
} rg_gate_result;

RG_API int rg_diff_gate(const rg_diff *d, const char *spec, rg_gate_result *out);
/* ==== end growth ==== */

/* ==== report: Markdown and HTML (report.c) ==== */
/*
 * A report runs the analyses over a series of snapshots and explains the
 * result to someone who was not there: summary, leak suspects with their
 * retention paths and diagrams, growth, top types, unreachable cycles,
 * objects held from outside the heap, and how the report was made. It is
 * built as a cmark-gfm node tree; strings from the snapshot only ever become
 * text, never markup (docs/report.md lists the guarantees). The same
 * snapshots and options give byte-identical output.
 *
 *   rg_report_options o;
 *   rg_report_options_init(&o);
 *   o.title = "worker memory";
 *   rg_report *r;
 *   if (rg_report_compute(snaps, n, &o, &r) != RG_OK ||
 *       rg_report_write(r, "out", RG_REPORT_MARKDOWN | RG_REPORT_HTML) != RG_OK)
 *       fprintf(stderr, "%s\n", rg_last_error());
 *   rg_report_free(r);
 */
typedef struct rg_report rg_report;

typedef struct rg_report_options {
    /* "# Memory report: <title>". NULL or "": made from the last snapshot's
     * runtime and pid. Borrowed for the call only. */
    const char *title;
    /* Leak suspects described, and rows in each table; 0 means 10. */
    uint32_t top;
    /* The command that made the report, shown under "How this report was
     * made". NULL: not shown. Borrowed for the call only. */
    const char *command_line;
    /* Which edges retention paths may use; NULL: rg_path_options_init's. */
    const rg_path_options *paths;
} rg_report_options;

/* Fill `o` with the defaults. */
RG_API void rg_report_options_init(rg_report_options *o);

/* Build a report from `n` snapshots of one process in time order (oldest
 * first; the last one is analysed in detail, the others give growth).
 * Everything the report says is copied into it, so the snapshots may be
 * freed afterwards. On success *out is owned by the caller: rg_report_free. */
RG_API int rg_report_compute(const rg_snapshot *const *snaps, size_t n,
                           const rg_report_options *opts, rg_report **out);
RG_API void rg_report_free(rg_report *report);

/* The report as GitHub-flavoured Markdown (diagrams are linked as the
 * image files named by rg_report_diagram_get) or as one self-contained HTML page
 * (diagrams inlined, inline stylesheet, no script, no external fetch).
 * *out is NUL-terminated; the caller frees it with rg_free. */
RG_API int rg_report_markdown(const rg_report *report, char **out);
RG_API int rg_report_html(const rg_report *report, char **out);

/* The Summary section as plain text, for a terminal. Owned by the report. */
RG_API const char *rg_report_summary(const rg_report *report);

/* The same Summary for one snapshot's suspects, judged over n_snapshots
 * (growth given to rg_suspects_compute_all through its options), without drawing
 * anything: what `refgraph suspects` and `refgraph diff` print, so that they
 * and the report say the same. `suspects` must come from
 * rg_suspects_compute_all. On success *out is plain text the caller frees with
 * rg_free. */
RG_API int rg_report_verdict(const rg_snapshot *snap, const rg_suspects *suspects, uint32_t n_snapshots,
                             char **out);

/* The diagrams: i < rg_report_diagram_count. `file` is the name the
 * Markdown links to ("suspect-1.svg"); `svg` is the document (NULL when the
 * diagram could not be drawn; the report then says why). Owned by the report. */
RG_API size_t rg_report_diagram_count(const rg_report *report);
RG_API void rg_report_diagram_get(const rg_report *report, size_t i, const char **file,
                              const char **svg, size_t *svg_len);

#define RG_REPORT_MARKDOWN 0x1u   /* DIR/report.md */
#define RG_REPORT_HTML 0x2u       /* DIR/report.html */

/* Write the report into directory `dir` (created, with its parents, when
 * missing): report.md and/or report.html as `formats` says, and the
 * diagrams as DIR/<file>.svg. Every file is first written under a temporary
 * name and renamed only once all of them are complete, so a failure leaves
 * neither a half-written file nor a new report.md beside old diagrams. Then
 * the diagrams of an earlier report in `dir` that this one does not have
 * (suspect-N.svg, cycle-N.svg) are removed; no other file is touched. */
RG_API int rg_report_write(const rg_report *report, const char *dir, unsigned formats);

/* The report's model as one JSON document (what `refgraph report --json`
 * prints; the schema is in docs/cli.md): title, snapshots, the Summary text,
 * suspects with their verdict, path, holder and advice, growth, top types,
 * unreachable cycles, objects held from outside, how it was made, and the
 * diagrams' file names. Strings that are not valid UTF-8 have each bad byte
 * replaced by U+FFFD. On success *out is NUL-terminated and owned by the
 * caller (rg_free). */
RG_API int rg_report_json(const rg_report *report, char **out);
/* ==== end report ==== */

#ifdef __cplusplus
}
#endif

#endif /* REFGRAPH_H */
