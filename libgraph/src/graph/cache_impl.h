/*
 * cache_impl.h: what the index cache's files share (cache.c writes and
 * reads the graph, cache_codec.c packs its columns, cache_blob.c keeps the
 * named blobs of higher layers beside it). Not installed.
 */
#ifndef RG_CACHE_IMPL_H
#define RG_CACHE_IMPL_H

#include "base/internal.h"

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

RG_INTERNAL uint64_t rg_col_degrees_size(const uint64_t *off, uint64_t n);
RG_INTERNAL void rg_col_put_degrees(unsigned char *out, const uint64_t *off, uint64_t n);
/* Also checks that the counts add up to `total`. */
RG_INTERNAL int rg_col_get_degrees(const unsigned char *in, uint64_t size, uint64_t n, uint64_t total,
                                   uint64_t *off);

#endif
