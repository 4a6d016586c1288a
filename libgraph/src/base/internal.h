/*
 * internal.h: the in-memory layout of a loaded snapshot, shared by the
 * library's source files. Not installed. Analyses read these arrays directly
 * because the public per-edge accessors cost a call per edge, and the
 * analyses touch every edge of graphs with tens of millions of them.
 */
#ifndef RG_INTERNAL_H
#define RG_INTERNAL_H

#include "refgraph.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RG_INTERNAL __attribute__((visibility("hidden")))

/* ------------------------------------------------------------- errors */

/* Record an error for rg_last_error() and return `code`. printf-style. */
RG_INTERNAL int rg_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with an existing va_list. */
RG_INTERNAL int rg_vfail(int code, const char *fmt, va_list ap);
/* RG_EINVAL, naming `what`, unless `version` is `known`: every function that
 * takes an options struct checks its version field with this. */
RG_INTERNAL int rg_options_version(unsigned int version, unsigned int known, const char *what);
/* Prefix the current error text with "prefix: " (keeps the code). */
RG_INTERNAL void rg_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------ memory */

/* Allocation helpers that check for overflow of n * size. They return NULL
 * (and set RG_ENOMEM) on failure. */
/* The malloc family through the hooks of rg_set_allocator (memory.c): like
 * the C library's, NULL on failure and no error set. rg_free is public. */
RG_INTERNAL void *rg_malloc(size_t size);
RG_INTERNAL void *rg_calloc(size_t n, size_t size);
RG_INTERNAL void *rg_realloc(void *p, size_t size);
RG_INTERNAL char *rg_strdup(const char *s);
/* Frees memory that another library allocated with the C library's malloc. */
RG_INTERNAL void rg_libc_free(void *ptr);
RG_INTERNAL void *rg_xmalloc(size_t n, size_t size);
RG_INTERNAL void *rg_xcalloc(size_t n, size_t size);
RG_INTERNAL void *rg_xrealloc(void *p, size_t n, size_t size);
RG_INTERNAL char *rg_xstrndup(const char *s, size_t len);

/* Ask for huge pages for a large array read at random (no-op when small or
 * unsupported), and calloc with that advice (free with free()). */
RG_INTERNAL void rg_advise_huge(void *p, size_t bytes);
RG_INTERNAL void *rg_xcalloc_huge(size_t n, size_t size);

/* Grow `*arr` (elements of `size` bytes, capacity `*cap`) to hold at least
 * `need` elements, doubling. Returns 0 or RG_ENOMEM. */
RG_INTERNAL int rg_grow(void **arr, size_t *cap, size_t need, size_t size);
/* Copy the record `full` into the caller's `out`, no more than out's leading
 * size field covers; RG_EINVAL, naming `what`, when that is below min_size. */
RG_INTERNAL int rg_record_out(void *out, const void *full, size_t full_size, size_t min_size,
                              const char *what);
/* An array of n records of `have` bytes made into records of `want` bytes
 * (the caller's sizeof), each with its size field set to `want`. */
RG_INTERNAL int rg_records_restride(void **arr, size_t n, size_t have, size_t want, size_t min_size,
                                    const char *what);

/* ----------------------------------------------------- string interning */

/* Strings are stored once in an arena; an id is an index into `offsets`.
 * Id 0 is always the empty string so "no label" costs nothing. */
typedef struct rg_strtab {
    char *arena;
    uint64_t arena_len, arena_cap;
    uint64_t *offsets;   /* offsets[id] = start of string id in arena (NUL-terminated) */
    uint32_t count, offsets_cap;
    uint32_t *slots;     /* open addressing: id+1, 0 = empty */
    uint32_t *slot_hash; /* the string's hash beside each slot: most misses skip the compare */
    uint32_t slot_mask;  /* slot count - 1 (power of two) */
} rg_strtab;

/* The string hash's key: random, drawn once per process before main()
 * (strtab.c) and never changed after, so strings from an input cannot be
 * chosen to collide (with a fixed start the hash is easy to invert word by
 * word). Interning order, not the hash, decides string ids, so no output
 * depends on it. */
RG_INTERNAL extern uint64_t rg_string_hash_key;

/* The hash the string table uses: 8 bytes per step, so the loader's parser
 * thread can compute it while the bytes are hot and hand it over. */
static inline uint32_t rg_hash_bytes(const char *s, size_t len)
{
    uint64_t h = rg_string_hash_key ^ 0x9E3779B97F4A7C15ULL ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < len; i++)
        w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(h >> 32);
}

RG_INTERNAL int rg_strtab_init(rg_strtab *t);
RG_INTERNAL void rg_strtab_free(rg_strtab *t);
/* Intern `len` bytes at `s`; writes the id. A string with an embedded NUL
 * keeps only its prefix. */
RG_INTERNAL int rg_strtab_intern(rg_strtab *t, const char *s, size_t len, uint32_t *id);
/* Same, for a string without NUL bytes whose rg_hash_bytes is `hash`. */
RG_INTERNAL int rg_strtab_intern_hashed(rg_strtab *t, const char *s, size_t len, uint32_t hash,
                                        uint32_t *id);
/* Length of string `id` (which must be < count). */
static inline uint64_t rg_strtab_len(const rg_strtab *t, uint32_t id)
{
    uint64_t end = id + 1 < t->count ? t->offsets[id + 1] : t->arena_len;
    return end - t->offsets[id] - 1;
}
static inline const char *rg_strtab_get(const rg_strtab *t, uint32_t id)
{
    return id < t->count ? t->arena + t->offsets[id] : "";
}
/* Drop the hash slots once no more strings will be added. */
RG_INTERNAL void rg_strtab_seal(rg_strtab *t);

/* ------------------------------------------------------------ id map */

/* Maps snapshot ids (uint64) to node indices. Slots hold node+1 and compare
 * through the node id array, so a slot costs 4 bytes.
 *
 * The ids come from the input, so the slot hash is keyed with a random
 * seed drawn for each map (getrandom): an input cannot choose ids that
 * collide, which with a fixed invertible hash it could, and one crafted
 * file made every insert probe the whole table (quadratic load). The
 * index cache stores the seed with the slots it places. */
typedef struct rg_idmap {
    uint32_t *slots;
    uint64_t mask;
    uint64_t used;
    uint64_t k0, k1;     /* the hash key */
} rg_idmap;

static inline uint64_t rg_hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* 64 x 64 -> 128-bit multiply folded to 64 bits (wyhash's "mum"). */
static inline uint64_t rg_mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The keyed slot hash of an id: two folded multiplies of the id mixed with
 * the 128-bit key, every output bit depending on every id and key bit. */
static inline uint64_t rg_idmap_hash(const rg_idmap *m, uint64_t id)
{
    return rg_mum(rg_mum(id ^ m->k0, m->k1 ^ 0xe7037ed1a0b428dbULL) ^ m->k1, id ^ 0x8ebc6af09c88c6e3ULL ^ m->k0);
}

/* Fill a fresh random key (getrandom; never fails: falls back to the clock
 * and addresses mixed, which an input still cannot see). */
RG_INTERNAL void rg_random_key(uint64_t *k0, uint64_t *k1);

RG_INTERNAL int rg_idmap_init(rg_idmap *m, uint64_t expected);
RG_INTERNAL void rg_idmap_free(rg_idmap *m);
/* Grow the table now for `expected` entries, so it never rehashes while
 * they are inserted. */
RG_INTERNAL int rg_idmap_reserve(rg_idmap *m, const uint64_t *ids, uint64_t expected);
/* Start fetching the slot `id` hashes to; a lookup soon after finds it in cache. */
static inline void rg_idmap_prefetch(const rg_idmap *m, uint64_t id)
{
    __builtin_prefetch(&m->slots[rg_idmap_hash(m, id) & m->mask]);
}
/* out[i] = the node of keys[i], or RG_NODE_NONE; memory-level parallel, for
 * resolving millions of references at once. */
RG_INTERNAL void rg_idmap_lookup_many(const rg_idmap *m, const uint64_t *ids, const uint64_t *keys,
                                      uint32_t *out, size_t n);
/* Insert node `n` whose id is ids[n]. If the id is present, *existing is set
 * to that node and nothing is inserted; else *existing = RG_NODE_NONE. */
RG_INTERNAL int rg_idmap_insert(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing);
RG_INTERNAL rg_node rg_idmap_lookup(const rg_idmap *m, const uint64_t *ids, uint64_t id);

/* ------------------------------------------------------------ the graph */

#define RG_LEN_NONE UINT32_MAX       /* node_len: no length given */
#define RG_RC_NONE UINT32_MAX        /* node_rc: no refcount given */

struct rg_snapshot {
    /* Nodes, struct-of-arrays so each pass touches only what it reads.
     * 8+4+8+4+4+4+4+1 bytes + 2 offsets (16) + id map (~8) = 61 bytes/node. */
    uint32_t n_nodes;
    uint64_t *node_id;
    uint32_t *node_type;       /* index into type_name */
    uint64_t *node_size;
    uint32_t *node_len;        /* RG_LEN_NONE when absent; clamped below it */
    uint32_t *node_rc;         /* RG_RC_NONE when absent; clamped below it */
    uint32_t *node_repr;       /* string id */
    uint32_t *node_name;       /* string id */
    uint8_t *node_flags;

    /* Forward edges (referents) in CSR: node n's edges are
     * fwd_dst[fwd_off[n] .. fwd_off[n+1]). 9 bytes/edge. */
    uint64_t n_edges;
    uint64_t *fwd_off;         /* n_nodes + 1 */
    uint32_t *fwd_dst;
    uint8_t *fwd_kind;
    uint32_t *fwd_label;       /* string id, or the index for RG_EDGE_INDEX */

    /* Reverse edges (referrers): rev_src[rev_off[n] .. rev_off[n+1]) are the
     * referrers of n; rev_edge[] is the forward edge index, which gives the
     * kind and label without storing them twice. 8 bytes/edge. */
    uint64_t *rev_off;
    uint32_t *rev_src;
    uint32_t *rev_edge;

    /* Types: type t is named strings[type_name[t]]. */
    uint32_t n_types;
    uint32_t *type_name;

    /* Roots. */
    uint32_t n_roots;
    rg_node *root_node;
    uint8_t *root_kind;
    uint32_t *root_label;

    rg_strtab strings;
    rg_idmap ids;

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

/* Does this edge keep its target alive for the purpose of retention paths
 * and dominators? Weak references do not. */
static inline bool rg_edge_kind_retains(rg_edge_kind k) { return k != RG_EDGE_WEAK; }

/* Fill rev_off, rev_src and rev_edge from the forward CSR (builder.c). */
RG_INTERNAL int rg_snapshot_build_reverse(rg_snapshot *s);

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
 * end and resolves no reference through the id map (the V8 reader). */
RG_INTERNAL void rg_builder_set_node_targets(rg_builder *b, int on);
/* Longest input line seen by the reader (recorded in the index cache). */
RG_INTERNAL void rg_builder_set_longest_line(rg_builder *b, uint64_t bytes);
RG_INTERNAL uint64_t rg_builder_longest_line(const rg_builder *b);

/* ---------------------------------------------------------- input streams */

/* A byte stream over a file or a memory buffer, decompressing gzip or zstd
 * transparently (detected by magic bytes). */
typedef struct rg_input rg_input;

/* Does a stream start with a zstd frame: a compressed frame (28 B5 2F FD)
 * or a skippable frame (magic 0x184D2A50..5F, little-endian), which zstd -d
 * skips and so do we? */
static inline int rg_zstd_magic(const unsigned char *m, size_t n)
{
    return n >= 4 && ((m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
                      ((m[0] & 0xF0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18));
}

RG_INTERNAL int rg_input_open_file(const char *path, rg_input **out);
RG_INTERNAL int rg_input_open_memory(const void *data, size_t size, const char *name,
                                     rg_input **out);
/* Read up to `cap` bytes. Returns the count (0 at the end) or a negative
 * error (truncated or corrupt compressed data, read error). */
RG_INTERNAL int64_t rg_input_read(rg_input *in, void *buf, size_t cap);
/* Peek at the first bytes of the (decompressed) stream without consuming. */
RG_INTERNAL int64_t rg_input_peek(rg_input *in, const void **data);
RG_INTERNAL const char *rg_input_name(const rg_input *in);
RG_INTERNAL const char *rg_input_compression(const rg_input *in);
RG_INTERNAL uint64_t rg_input_total(const rg_input *in);   /* uncompressed bytes consumed */
/* The stream's size as stored (compressed bytes for compressed input): a
 * regular file's size or the buffer's; 0 when unknown (a pipe). */
RG_INTERNAL uint64_t rg_input_stored_size(const rg_input *in);
RG_INTERNAL void rg_input_close(rg_input *in);

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
 * then found, noted and replaced). Free with free(). */
RG_INTERNAL char *rg_cache_path(const char *path, const char *cache_dir, const rg_cache_key *key);
/* cache_dir.c: $XDG_CACHE_HOME/refgraph, else $HOME/.cache/refgraph; NULL
 * when neither is set (absolute). Free with free(). */
RG_INTERNAL char *rg_cache_default_dir(void);
/* A note about the index cache (why it was not used), printf-style; the
 * caller frees it. NULL when out of memory. */
RG_INTERNAL char *rg_cache_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Create `dir` (mode 0700, with its parents) and check it is safe to use:
 * a directory, not a symbolic link, owned by us, not writable by everyone
 * without the sticky bit. Otherwise *note (free()) says why. */
RG_INTERNAL int rg_cache_dir_prepare(const char *dir, char **note);
/* The size cap: `asked` when non-zero, else $REFGRAPH_CACHE_MAX ("2G",
 * "500M", bytes), else RG_CACHE_DEFAULT_MAX. */
RG_INTERNAL uint64_t rg_cache_max_bytes(uint64_t asked);
/* Remove the least recently used (oldest mtime) *.rgcache files of ours in
 * `dir` until they total at most max_bytes; never `keep`. */
RG_INTERNAL void rg_cache_evict(const char *dir, const char *keep, uint64_t max_bytes);
/* Map and check a cache. RG_OK: *out is the graph (info.path not set).
 * RG_ENOTFOUND: there is none. Otherwise it is unusable and *note (free
 * with free()) says why. */
RG_INTERNAL int rg_cache_load(const char *cache_path, const rg_cache_key *key, uint64_t max_line,
                              unsigned threads, rg_snapshot **out, char **note);
/* Check a cache image at `data` (mmap'd; on success the snapshot owns it
 * and munmaps it). key NULL skips the source identity check. */
RG_INTERNAL int rg_cache_parse(void *data, size_t size, const rg_cache_key *key, uint64_t max_line,
                               unsigned threads, rg_snapshot **out, char **why);
/* Write the cache of s atomically. On failure *note (free()) says why. */
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
/* Where blob `name` of the cache at cache_path lives (free()). */
RG_INTERNAL char *rg_cache_blob_path(const char *cache_path, const char *name);
/* Recompute a blob file's checksums (for tests that forge one). */
RG_INTERNAL void rg_cache_blob_fix_checksums(void *data, size_t size);
/* Recompute a cache image's checksums (the fuzzer uses this to reach the
 * structural checks behind them). */
RG_INTERNAL void rg_cache_fix_checksums(void *data, size_t size);

/* ---------------------------------------------------------------- readers */

/* Whitespace in a row that a line-based reader buffers before it refuses
 * the line: no writer pads so, and a compressed bomb of spaces would
 * otherwise be held in memory up to max_line_bytes. */
#define RG_MAX_BLANK_RUN (1u << 20)

/* The offset where a run of more than `limit` spaces, tabs or CRs begins in
 * p[0, len), or len when there is none. */
static inline size_t rg_blank_run_over(const char *p, size_t len, size_t limit)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            if (++run > limit)
                return i + 1 - run;
        } else {
            run = 0;
        }
    }
    return len;
}

/* Each reader turns a stream into builder calls. `max_line` bounds a line. */
RG_INTERNAL int rg_read_jsonl(rg_input *in, rg_builder *b, uint64_t max_line);
/* V8 .heapsnapshot (v8.c) and meliae dumps (meliae.c); rg_sniff_* say
 * whether the first bytes of a stream look like that format. */
RG_INTERNAL int rg_read_v8(rg_input *in, rg_builder *b, uint64_t max_line);
RG_INTERNAL int rg_read_meliae(rg_input *in, rg_builder *b, uint64_t max_line);
RG_INTERNAL int rg_sniff_v8(const void *head, size_t n);
RG_INTERNAL int rg_sniff_meliae(const void *head, size_t n);
/* Parse JSON number text as a uint64: 1 on success, 0 when it is negative or
 * not an integer, -1 when it does not fit (base/text.c). */
RG_INTERNAL int rg_parse_u64(const char *s, size_t len, uint64_t *out);
/* yajl decodes a lone \\uDC00-style escape (V8 and meliae write them) to
 * the bytes of a surrogate, which is not UTF-8; replace each with U+FFFD,
 * which has the same length (base/text.c). */
RG_INTERNAL void rg_utf8_scrub_surrogates(char *s, size_t len);
/* Strict UTF-8 (RFC 3629): no overlong forms (C0 80), no surrogates
 * (ED A0 80), nothing above U+10FFFF (F4 90 80 80). Returns the offset of
 * the first byte that does not start a valid sequence, or len when all is
 * valid. With tail non-NULL, a sequence cut by the end of the buffer but
 * valid so far is not an error: *tail is its length (0 when none), for a
 * caller that streams and carries those bytes on (base/text.c). */
RG_INTERNAL size_t rg_utf8_check(const unsigned char *s, size_t len, size_t *tail);

#endif
