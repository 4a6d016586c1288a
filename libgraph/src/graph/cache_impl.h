/*
 * cache_impl.h: what the index cache's files share (cache.c writes and
 * reads the graph, cache_codec.c packs its columns, cache_blob.c keeps the
 * named blobs of higher layers beside it). Not installed.
 */
#ifndef RG_CACHE_IMPL_H
#define RG_CACHE_IMPL_H

#include "graph/graph_internal.h"

/* ------------------------------------------------------------ the layout
 * (cache.c explains it and reads it; cache_write.c writes it) */

#define CACHE_MAGIC "RGCACHE"
/* 2: the path forest; 3: ctime, inode and device of the source, id map key;
 * 4: a codec per section (narrow, delta, rebuilt), no forest;
 * 5: 32-bit CSR offsets, optional refcounts and reverse edge indices,
 *    the id map only for the nodes after a rising prefix */
#define CACHE_VERSION 5u
#define CACHE_BOM 0x01020304u
#define ALIGN 64u

enum section {
    S_NODE_ID, S_NODE_TYPE, S_NODE_SIZE, S_NODE_LEN, S_NODE_RC, S_NODE_REPR, S_NODE_NAME, S_NODE_FLAGS,
    S_FWD_OFF, S_FWD_DST, S_FWD_KIND, S_FWD_LABEL, S_REV_OFF, S_REV_SRC, S_REV_EDGE, S_TYPE_NAME,
    S_ROOT_NODE, S_ROOT_KIND, S_ROOT_LABEL, S_STR_OFFSETS, S_STR_ARENA, S_ID_SLOTS,
    S_INFO_STRINGS, S_COUNT   /* S_INFO_STRINGS stays last: it ends the file */
};

/* How a section is stored. C_RAW is the array as it is in memory, used in
 * place from the mapping (no copy, no page to clear); the others are
 * smaller and decoded on open (cache_impl.h); C_REBUILT sections are empty
 * and recomputed from others (the reverse CSR from the forward one, the
 * string offsets from the arena's NULs). */
enum codec { C_RAW, C_N32, C_N64, C_DELTA, C_DEGREES, C_REBUILT };

/* Per section: the element size in memory, and its one compact codec
 * (C_RAW when it has none). */
static const unsigned char elem_of[S_COUNT] = {
    [S_NODE_ID] = 8,   [S_NODE_TYPE] = 4, [S_NODE_SIZE] = 8,  [S_NODE_LEN] = 4,   [S_NODE_RC] = 4,
    [S_NODE_REPR] = 4, [S_NODE_NAME] = 4, [S_NODE_FLAGS] = 1, [S_FWD_OFF] = 4,    [S_FWD_DST] = 4,
    [S_FWD_KIND] = 1,  [S_FWD_LABEL] = 4, [S_REV_OFF] = 4,    [S_REV_SRC] = 4,    [S_REV_EDGE] = 4,
    [S_TYPE_NAME] = 4, [S_ROOT_NODE] = 4, [S_ROOT_KIND] = 1,  [S_ROOT_LABEL] = 4, [S_STR_OFFSETS] = 8,
    [S_STR_ARENA] = 1, [S_ID_SLOTS] = 4,  [S_INFO_STRINGS] = 1,
};
static const unsigned char compact_of[S_COUNT] = {
    [S_NODE_ID] = C_DELTA,     [S_NODE_TYPE] = C_N32,      [S_NODE_SIZE] = C_N64,    [S_NODE_LEN] = C_N32,
    [S_NODE_RC] = C_N32,       [S_NODE_REPR] = C_N32,      [S_NODE_NAME] = C_N32,    [S_FWD_OFF] = C_DEGREES,
    [S_FWD_DST] = C_N32,       [S_FWD_LABEL] = C_N32,      [S_REV_OFF] = C_REBUILT,  [S_REV_SRC] = C_REBUILT,
    [S_REV_EDGE] = C_REBUILT,  [S_TYPE_NAME] = C_N32,      [S_ROOT_NODE] = C_N32,    [S_ROOT_LABEL] = C_N32,
    [S_STR_OFFSETS] = C_REBUILT, [S_ID_SLOTS] = C_N32,
};

typedef struct cache_section {
    uint64_t offset, size, checksum;
    uint32_t codec;   /* enum codec */
    uint32_t width;   /* bytes per value of a narrow column; 0 otherwise */
} cache_section;

typedef struct cache_header {
    char magic[8];
    uint32_t version, bom, header_size, n_sections;
    uint64_t file_size;
    /* the source this graph was built from */
    uint64_t src_size, src_sample;
    int64_t src_mtime_ns;
    int64_t src_ctime_ns;
    uint64_t src_ino, src_dev;
    uint64_t longest_line;
    /* counts */
    uint64_t n_nodes, n_edges, n_types, n_roots, n_strings, arena_len, id_mask, id_used;
    uint64_t id_k0, id_k1;   /* the id map's hash key (internal.h) */
    uint64_t id_sorted_end;  /* ids_sorted_end: those nodes are not in the id map */
    uint64_t has_rc;         /* 0: node_rc is NULL, S_NODE_RC empty */
    uint64_t has_rev_edge;   /* 0: rev_edge is NULL, S_REV_EDGE empty (also when rebuilt) */
    /* info */
    uint64_t objects, edges, roots, total_bytes, input_bytes, skipped, dangling_refs, dangling_roots;
    int64_t pid, seq, format_version;
    double time;
    /* offsets of NUL-terminated strings inside S_INFO_STRINGS */
    uint64_t str_format, str_compression, str_producer, str_runtime;
    cache_section sections[S_COUNT];
    uint64_t header_checksum;   /* of every byte above */
} cache_header;


/* A 64-bit hash with four independent lanes (the structure of XXH64), so it
 * runs at memory speed: every cache file is checked whole on every open. */
RG_INTERNAL uint64_t rg_cache_checksum(const void *data, size_t n, uint64_t seed);

/* ----------------------------------------------------- column encodings
 *
 * A cache stores what cannot be recomputed, as narrow as the values allow:
 *   narrow32: each uint32 as (v + 1) mod 2^32 in `width` bytes (0..4),
 *             little-endian. The +1 makes the "none" value UINT32_MAX a 0,
 *             so a column that is all "none" (lengths and refcounts of a
 *             V8 snapshot) costs nothing, and string ids below 2^24 cost 3.
 *   narrow64: each uint64 in `width` bytes (0..8).
 *   delta:    uint64s as LEB128 varints of the zigzag difference to the one
 *             before: V8 ids (step 2) cost a byte each.
 *   degrees:  a CSR offset array (n + 1 entries, from 0) as n LEB128
 *             counts; decoding rebuilds the offsets, which are monotonic
 *             by construction.
 * Decoders never read outside [in, in + size) and return 0 on input that
 * does not decode to exactly `n` values filling exactly `size` bytes. */
RG_INTERNAL unsigned rg_col_width32(const uint32_t *a, uint64_t n);
RG_INTERNAL void rg_col_put32(unsigned char *out, const uint32_t *a, uint64_t n, unsigned width);
RG_INTERNAL void rg_col_get32(const unsigned char *in, uint64_t n, unsigned width, uint32_t *out);
RG_INTERNAL unsigned rg_col_width64(const uint64_t *a, uint64_t n);
RG_INTERNAL void rg_col_put64(unsigned char *out, const uint64_t *a, uint64_t n, unsigned width);
RG_INTERNAL void rg_col_get64(const unsigned char *in, uint64_t n, unsigned width, uint64_t *out);

RG_INTERNAL uint64_t rg_col_delta_size(const uint64_t *a, uint64_t n);
RG_INTERNAL void rg_col_put_delta(unsigned char *out, const uint64_t *a, uint64_t n);
RG_INTERNAL int rg_col_get_delta(const unsigned char *in, uint64_t size, uint64_t n, uint64_t *out);

RG_INTERNAL uint64_t rg_col_degrees_size(const uint32_t *off, uint64_t n);
RG_INTERNAL void rg_col_put_degrees(unsigned char *out, const uint32_t *off, uint64_t n);
/* Also checks that the counts add up to `total`. */
RG_INTERNAL int rg_col_get_degrees(const unsigned char *in, uint64_t size, uint64_t n, uint64_t total,
                                   uint32_t *off);

#endif
