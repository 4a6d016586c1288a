/*
 * graph_internal.h: the in-memory layout of a loaded snapshot, the builder's
 * internals the readers feed, and the index cache, shared by the graph
 * layer and every layer above it. Not installed. Analyses read these arrays
 * directly because the public per-edge accessors cost a call per edge, and
 * the analyses touch every edge of graphs with tens of millions of them.
 */
#ifndef RG_GRAPH_INTERNAL_H
#define RG_GRAPH_INTERNAL_H

#include "base/base.h"

/* ------------------------------------------------------------ the graph */

#define RG_LEN_NONE UINT32_MAX       /* node_len: no length given */
#define RG_RC_NONE UINT32_MAX        /* node_rc: no refcount given */

/* A node column that few nodes have a value in (not `none`), packed: bit
 * v of `bits` says node v has one, which is val[rank[v / 64] + the set
 * bits below v in its word]. 1.5 bits a node and 4 bytes a value, against
 * the column's 4 bytes a node. One allocation (bits first); all NULL when
 * no node has a value. */
typedef struct rg_packed32 {
    uint64_t *bits;
    uint32_t *rank;
    uint32_t *val;
} rg_packed32;

static inline uint32_t rg_packed32_get(const rg_packed32 *p, uint32_t v, uint32_t none)
{
    if (!p->bits)
        return none;
    uint64_t word = p->bits[v >> 6], bit = 1ULL << (v & 63);
    if (!(word & bit))
        return none;
    return p->val[p->rank[v >> 6] + (uint32_t)__builtin_popcountll(word & (bit - 1))];
}

struct rg_snapshot {
    /* Nodes, struct-of-arrays so each pass touches only what it reads.
     * Each column as narrow as its values allow (docs/design.md, "Narrow in
     * memory"): a V8 graph about 22 bytes a node, with its offsets, a
     * Python one up to 8+4+8+4+4+4+4+1 + 2 offsets (8) + id map (~8). */
    uint32_t n_nodes;
    uint64_t *node_id;         /* NULL when node_id32 holds them: read through
                                * rg_node_id_at */
    uint32_t *node_id32;       /* rising ids all below 2^32 (V8's), 4 bytes saved */
    uint32_t *node_type;       /* index into type_name; NULL when node_type16
                                * holds them: read through rg_node_type_at */
    uint16_t *node_type16;     /* at most 65536 types (a heap has hundreds) */
    uint64_t *node_size;       /* NULL when node_size32 holds them: read through
                                * rg_node_size_at */
    uint32_t *node_size32;     /* every size below 4 GiB (V8's), 4 bytes saved */
    uint32_t *node_len;        /* RG_LEN_NONE when absent; clamped below it. NULL
                                * when packed (below): read through
                                * rg_node_len_at */
    uint32_t *node_rc;         /* RG_RC_NONE when absent; clamped below it. NULL
                                * when no object has one (V8): read through
                                * rg_node_rc_at */
    uint32_t *node_repr;       /* string id; NULL when packed: rg_node_repr_at */
    uint32_t *node_name;       /* string id; NULL when packed: rg_node_name_at */
    uint8_t *node_flags;
    /* The columns above that few objects have a value in, packed (V8:
     * lengths for arrays with elements, about 5% of the objects; names and
     * reprs about 20 and 30%, never both), each used when its column is
     * NULL. */
    rg_packed32 len_packed, repr_packed, name_packed;

    /* Forward edges (referents) in CSR: node n's edges are
     * fwd_dst[fwd_off[n] .. fwd_off[n+1]). 9 bytes/edge. */
    uint64_t n_edges;
    uint32_t *fwd_off;         /* n_nodes + 1; 32 bits: edges < 2^32 (builder) */
    uint32_t *fwd_dst;
    uint8_t *fwd_kind;
    uint32_t *fwd_label;       /* string id, or the index for RG_EDGE_INDEX */

    /* Reverse edges (referrers): rev_src[rev_off[n] .. rev_off[n+1]) are the
     * referrers of n, sorted by source, a source's edges to n in forward
     * order. rev_edge[] is the forward edge index, which gives the kind and
     * label without storing them twice: 8 bytes/edge. It is NULL (4 bytes
     * an edge saved) when no object has a refcount or is in gc.garbage
     * (V8): the analyses that read a reverse edge's kind in bulk (the
     * refcount checks) only run on such graphs, and the rest find the
     * index from the source's forward edges: read through rg_rev_edge. */
    uint32_t *rev_off;
    uint32_t *rev_src;
    uint32_t *rev_edge;
    /* Without rev_edge, bit r says reverse edge r is weak, for the
     * dominators (an eighth of rev_edge's size), set as the reverse CSR is
     * built; NULL when rev_edge is kept, or the reverse CSR was mapped from
     * a cache (the dominators then find the weak ones themselves). */
    uint8_t *rev_weak;

    /* Types: type t is named strings[type_name[t]]. */
    uint32_t n_types;
    uint32_t *type_name;

    /* Roots. */
    uint32_t n_roots;
    rg_node *root_node;
    uint8_t *root_kind;
    uint32_t *root_label;

    rg_strtab strings;
    /* id -> node. Nodes [0, ids_sorted_end) have strictly rising ids and
     * are not in `ids`: a binary search finds them. V8 writes all but a few
     * embedder objects in rising id order, so its map holds only those few,
     * not 13 bytes or so for every object. Look up through
     * rg_snapshot_lookup_id, which knows both. */
    rg_idmap ids;
    uint32_t ids_sorted_end;

    rg_snapshot_info info;
    /* Storage for the info strings. */
    char *info_path, *info_producer, *info_runtime, *info_cache_note;
    char *info_format_storage, *info_compression_storage;

    /* Longest line of the source, so a cached graph is not used where a
     * smaller max_line_bytes would have rejected the source. */
    uint64_t longest_line;
    /* The index cache this graph was read from or written to, and that
     * file's identity (its header checksum), so that named blobs kept
     * beside it (rg_cache_blob_*) are known to belong to this graph.
     * NULL when there is none. */
    char *cache_path;
    uint64_t cache_id;
    /* Set when the graph came from an index cache: its arrays point into
     * this mapping, except those decoded or rebuilt on open, which are in
     * `owned` (by cache section); free then unmaps and frees those. */
    void *mapping;
    size_t mapping_size;
    void *owned[24];
};

/* Edge index e of node n's referents. */
static inline uint64_t rg_fwd_begin(const rg_snapshot *s, rg_node n) { return s->fwd_off[n]; }
static inline uint64_t rg_fwd_end(const rg_snapshot *s, rg_node n) { return s->fwd_off[n + 1]; }
static inline uint64_t rg_rev_begin(const rg_snapshot *s, rg_node n) { return s->rev_off[n]; }
static inline uint64_t rg_rev_end(const rg_snapshot *s, rg_node n) { return s->rev_off[n + 1]; }

/* The node with this id, or RG_NODE_NONE (graph.c). */
RG_INTERNAL rg_node rg_snapshot_lookup_id(const rg_snapshot *s, uint64_t id);

/* Node n's type (an index into type_name). */
static inline uint32_t rg_node_type_at(const rg_snapshot *s, rg_node n)
{
    return s->node_type ? s->node_type[n] : s->node_type16[n];
}

/* Node n's shallow size. */
static inline uint64_t rg_node_size_at(const rg_snapshot *s, rg_node n)
{
    return s->node_size ? s->node_size[n] : s->node_size32[n];
}

/* Node n's id. */
static inline uint64_t rg_node_id_at(const rg_snapshot *s, rg_node n)
{
    return s->node_id ? s->node_id[n] : s->node_id32[n];
}

/* Node n's length, RG_LEN_NONE when absent. */
static inline uint32_t rg_node_len_at(const rg_snapshot *s, rg_node n)
{
    return s->node_len ? s->node_len[n] : rg_packed32_get(&s->len_packed, n, RG_LEN_NONE);
}

/* Node n's repr and name (string ids; 0 is the empty string). */
static inline uint32_t rg_node_repr_at(const rg_snapshot *s, rg_node n)
{
    return s->node_repr ? s->node_repr[n] : rg_packed32_get(&s->repr_packed, n, 0);
}
static inline uint32_t rg_node_name_at(const rg_snapshot *s, rg_node n)
{
    return s->node_name ? s->node_name[n] : rg_packed32_get(&s->name_packed, n, 0);
}

/* Node n's refcount, RG_RC_NONE when absent. */
static inline uint32_t rg_node_rc_at(const rg_snapshot *s, rg_node n)
{
    return s->node_rc ? s->node_rc[n] : RG_RC_NONE;
}

/* The forward edge index of reverse edge r (one of node v's referrers):
 * found by scanning the source's forward edges when rev_edge is NULL. */
RG_INTERNAL uint32_t rg_rev_edge_find(const rg_snapshot *s, rg_node v, uint64_t r);
static inline uint32_t rg_rev_edge(const rg_snapshot *s, rg_node v, uint64_t r)
{
    return s->rev_edge ? s->rev_edge[r] : rg_rev_edge_find(s, v, r);
}

/* Is reverse edge r (one of node v's referrers) weak? From the weak bits
 * when rev_edge is NULL, so that loops over many referrers that only need
 * the kind do not scan a source's forward edges per referrer: one array of
 * a million elements would make that a million scans of a million edges. */
static inline bool rg_rev_is_weak(const rg_snapshot *s, rg_node v, uint64_t r)
{
    if (!s->rev_edge && s->rev_weak)
        return (s->rev_weak[r >> 3] >> (r & 7)) & 1u;
    return s->fwd_kind[rg_rev_edge(s, v, r)] == RG_EDGE_WEAK;
}

/* Does this edge keep its target alive for the purpose of retention paths
 * and dominators? Weak references do not. */
static inline bool rg_edge_kind_retains(rg_edge_kind k) { return k != RG_EDGE_WEAK; }

/* Fill rev_off, rev_src and (when with_edge) rev_edge, else rev_weak,
 * from the forward CSR (builder.c). */
RG_INTERNAL int rg_snapshot_build_reverse(rg_snapshot *s, int with_edge);
/* Whether a graph keeps rev_edge: some object has a refcount or is in
 * gc.garbage (the graph's rule; the cache records its answer). */
RG_INTERNAL int rg_snapshot_wants_rev_edge(const rg_snapshot *s);

/* -------------------------------------------------------------- builder */

/* Builder internals shared by the readers (which feed it) and graph.c. */
/* Preallocate for counts a header announces. Only a hint, never trusted:
 * each count is capped by what the input can back (rg_builder_hint_cap). */
RG_INTERNAL int rg_builder_set_expected(rg_builder *b, uint64_t objects, uint64_t edges);
/* Preallocate for counts of records already read and held (the V8 and
 * meliae readers build the graph at the end): backed by data, so not capped
 * by the input size, only by 2^28 entries. */
RG_INTERNAL int rg_builder_reserve(rg_builder *b, uint64_t objects, uint64_t edges);
/* The bytes of input that back a header's counts: the file's (or buffer's)
 * size as stored, compressed or not; 0 when unknown (a pipe), and then no
 * count is preallocated at all. Arrays grow as records arrive instead. */
RG_INTERNAL void rg_builder_set_input_size(rg_builder *b, uint64_t bytes);
/* The largest count of records of at least `min_record_bytes` bytes each
 * that the input can hold: the cap on any preallocation from a hint. */
RG_INTERNAL uint64_t rg_builder_hint_cap(const rg_builder *b, uint64_t min_record_bytes);
/* Intern a type name into the builder's tables without creating an object. */
RG_INTERNAL int rg_builder_add_object_interned(rg_builder *b, uint64_t id, uint32_t type_sid,
                                               const rg_object_desc *obj);
RG_INTERNAL int rg_builder_intern(rg_builder *b, const char *s, size_t len, uint32_t *sid);
RG_INTERNAL int rg_builder_add_ref_sid(rg_builder *b, uint64_t target_id, rg_edge_kind kind,
                                       uint32_t label);
/* The line (1-based) at which an object was added, for duplicate-id errors;
 * the readers set the current line before adding. */
RG_INTERNAL void rg_builder_set_line(rg_builder *b, uint64_t line);
RG_INTERNAL uint64_t rg_builder_object_count(const rg_builder *b);
RG_INTERNAL void rg_builder_note_skipped(rg_builder *b, uint64_t n);
RG_INTERNAL int rg_builder_set_info_strings(rg_builder *b, const char *path, const char *compression,
                                            uint64_t input_bytes);
/* An object whose strings are already interned and whose optional numbers
 * are already clamped (RG_LEN_NONE / RG_RC_NONE when absent): the loader's
 * hot path, which skips rg_object_desc's strlen and re-interning. */
typedef struct rg_object_fast {
    uint64_t id;
    uint64_t size;
    uint32_t type_sid, repr_sid, name_sid;
    uint32_t len, rc;
    unsigned flags;
} rg_object_fast;
RG_INTERNAL int rg_builder_add_object_fast(rg_builder *b, const rg_object_fast *o);
RG_INTERNAL int rg_builder_add_root_sid(rg_builder *b, uint64_t id, rg_root_kind kind, uint32_t label);
RG_INTERNAL int rg_builder_intern_hashed(rg_builder *b, const char *s, size_t len, uint32_t hash,
                                         uint32_t *sid);
/* Hint that an object with this id is about to be added (starts the id
 * map's cache miss early). */
RG_INTERNAL void rg_builder_prefetch_id(const rg_builder *b, uint64_t id);
/* The same for a string of this rg_hash_bytes about to be interned. */
RG_INTERNAL void rg_builder_prefetch_string(const rg_builder *b, uint32_t hash);
/* Threads the builder and the readers may use (1 or 2; 0 = choose). */
RG_INTERNAL void rg_builder_set_threads(rg_builder *b, unsigned threads);
RG_INTERNAL unsigned rg_builder_threads(const rg_builder *b);
/* Read every JSONL line with yajl, never the specialised scanner: the
 * reference the tests and the fuzzer compare the scanner against. */
RG_INTERNAL void rg_builder_set_plain_parser(rg_builder *b, int on);
RG_INTERNAL int rg_builder_plain_parser(const rg_builder *b);
/* The reader vouches that object ids are unique (it checked them) and
 * names each reference's target by its node index (the order objects were
 * added) instead of its id: the builder then indexes the ids once at the
 * end (not at all when they rise), resolves no reference through the id
 * map and keeps targets in 32 bits (the V8 reader). Before any reference
 * is added (else RG_EINVAL). */
RG_INTERNAL int rg_builder_set_node_targets(rg_builder *b, int on);
/* Longest input line seen by the reader (recorded in the index cache). */
RG_INTERNAL void rg_builder_set_longest_line(rg_builder *b, uint64_t bytes);
RG_INTERNAL uint64_t rg_builder_longest_line(const rg_builder *b);

/* ------------------------------------------------------------ index cache */

/* Who a cache belongs to: the source file's size, mtime and a hash of
 * sampled blocks, and what an edit in place cannot keep: the inode's
 * change time (set by the kernel on every write and every utime; no call
 * sets it back), its number and device (cache.c). */
typedef struct rg_cache_key {
    uint64_t size;
    int64_t mtime_ns;
    uint64_t sample;
    int64_t ctime_ns;
    uint64_t ino, dev;
} rg_cache_key;

/* Snapshots smaller than this (uncompressed) get no cache in the default
 * cache directory: they load faster than a cache pays back. An explicit
 * cache_dir caches every size. */
#define RG_CACHE_MIN_INPUT (32ULL << 20)
/* The cache directory's size cap when neither the options nor
 * $REFGRAPH_CACHE_MAX set one. */
#define RG_CACHE_DEFAULT_MAX (2ULL << 30)

RG_INTERNAL int rg_cache_key_of(const char *path, rg_cache_key *key);
/* Where the cache of `path` lives in cache_dir: its base name for people,
 * then a hash of its absolute path, device and inode, so that two snapshots
 * never share a name (an edit in place keeps the name: the stale cache is
 * then found, noted and replaced). Free with rg_free(). */
RG_INTERNAL char *rg_cache_path(const char *path, const char *cache_dir, const rg_cache_key *key);
/* cache_dir.c: $XDG_CACHE_HOME/refgraph, else $HOME/.cache/refgraph; NULL
 * when neither is set (absolute). Free with rg_free(). */
RG_INTERNAL char *rg_cache_default_dir(void);
/* A note about the index cache (why it was not used), printf-style; the
 * caller frees it. NULL when out of memory. */
RG_INTERNAL char *rg_cache_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Create `dir` (mode 0700, with its parents) and check it is safe to use:
 * a directory, not a symbolic link, owned by us, not writable by everyone
 * without the sticky bit. Otherwise *note (rg_free()) says why. */
RG_INTERNAL int rg_cache_dir_prepare(const char *dir, char **note);
/* The size cap: `asked` when non-zero, else $REFGRAPH_CACHE_MAX ("2G",
 * "500M", bytes), else RG_CACHE_DEFAULT_MAX. */
RG_INTERNAL uint64_t rg_cache_max_bytes(uint64_t asked);
/* Remove the least recently used (oldest mtime) *.rgcache files of ours in
 * `dir` until they total at most max_bytes; never `keep`. */
RG_INTERNAL void rg_cache_evict(const char *dir, const char *keep, uint64_t max_bytes);
/* Map and check a cache. RG_OK: *out is the graph (info.path not set).
 * RG_ENOTFOUND: there is none. Otherwise it is unusable and *note (free
 * with rg_free()) says why. */
RG_INTERNAL int rg_cache_load(const char *cache_path, const rg_cache_key *key, uint64_t max_line,
                              unsigned threads, rg_snapshot **out, char **note);
/* Check a cache image at `data` (mmap'd; on success the snapshot owns it
 * and munmaps it). key NULL skips the source identity check. */
RG_INTERNAL int rg_cache_parse(void *data, size_t size, const rg_cache_key *key, uint64_t max_line,
                               unsigned threads, rg_snapshot **out, char **why);
/* Write the cache of s atomically. On failure *note (rg_free()) says why. */
RG_INTERNAL int rg_cache_write(const rg_snapshot *s, const char *cache_path, const rg_cache_key *key,
                               char **note);
/* Record that `s` was just written to the cache at cache_path, so that
 * blobs may be kept beside it. */
RG_INTERNAL int rg_cache_attach(rg_snapshot *s, const char *cache_path);
/* Named blobs: opaque bytes a higher layer keeps beside the index cache
 * of a graph (the retention paths keep their forest so), in a file of
 * their own that names the cache it belongs to and is checksummed whole.
 * Open gives RG_ENOTFOUND when the graph has no cache or no such blob, or
 * the blob is damaged or belongs to another cache; a damaged one is
 * removed. The data stays valid until close. Store writes atomically;
 * both do nothing for a graph without a cache (RG_ENOTFOUND). A name is
 * [a-z0-9_]+, at most 32 bytes. */
typedef struct rg_cache_blob rg_cache_blob;
RG_INTERNAL int rg_cache_blob_open(const rg_snapshot *s, const char *name, rg_cache_blob **out);
RG_INTERNAL const void *rg_cache_blob_data(const rg_cache_blob *b, uint64_t *size);
RG_INTERNAL void rg_cache_blob_close(rg_cache_blob *b);
RG_INTERNAL int rg_cache_blob_store(const rg_snapshot *s, const char *name, const void *const *parts,
                                    const uint64_t *sizes, unsigned n_parts);
/* Where blob `name` of the cache at cache_path lives (rg_free()). */
RG_INTERNAL char *rg_cache_blob_path(const char *cache_path, const char *name);
/* Recompute a blob file's checksums (for tests that forge one). */
RG_INTERNAL void rg_cache_blob_fix_checksums(void *data, size_t size);
/* Recompute a cache image's checksums (the fuzzer uses this to reach the
 * structural checks behind them). */
RG_INTERNAL void rg_cache_fix_checksums(void *data, size_t size);

#endif
