/*
 * base.h: the base layer's private interface: errors, allocation, string
 * interning, the id map, input streams and text helpers. Every layer above
 * includes it (usually through its own private header). Not installed.
 */
#ifndef RG_BASE_H
#define RG_BASE_H

#include "refgraph.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RG_INTERNAL __attribute__((visibility("hidden")))

/* Every allocation goes through base/memory.c, so that rg_set_allocator sees
 * all of them: elsewhere a direct call of the C library's malloc family does
 * not compile (rg_malloc, rg_calloc, rg_realloc, rg_strdup, rg_free instead;
 * rg_libc_free for what another library allocated); tests may. Function-like macros
 * rather than #pragma GCC poison, because yajl, cmark-gfm and Graphviz name
 * struct members malloc and free in their headers; stdlib.h and string.h
 * come first so that their declarations are not caught. */
#include <stdlib.h>
#include <string.h>
#if defined(RG_BUILDING_LIBRARY) && !defined(RG_MEMORY_C)
#define malloc(n) rg_call_rg_malloc_not_malloc(n)
#define calloc(n, size) rg_call_rg_calloc_not_calloc(n, size)
#define realloc(p, size) rg_call_rg_realloc_not_realloc(p, size)
#define free(p) rg_call_rg_free_not_free(p)
#define strdup(s) rg_call_rg_strdup_not_strdup(s)
#endif

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
 * unsupported), and calloc with that advice (free with rg_free()). */
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
typedef struct rg_strtab_slot {
    uint32_t id1;        /* string id + 1; 0 = empty */
    uint32_t hash;
} rg_strtab_slot;

typedef struct rg_strtab {
    char *arena;
    uint64_t arena_len, arena_cap;
    uint64_t *offsets;   /* offsets[id] = start of string id in arena (NUL-terminated) */
    uint32_t count, offsets_cap;
    /* Open addressing: each slot is id+1 (0 = empty) with the string's hash
     * beside it in the same 8 bytes, so a probe that lands on another string
     * skips the compare, and a probe costs one cache miss, not two. */
    rg_strtab_slot *slots;
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
/* Start fetching the slot a string of this hash probes first. */
static inline __attribute__((always_inline)) void rg_strtab_prefetch(const rg_strtab *t, uint32_t hash)
{
    __builtin_prefetch(&t->slots[hash & t->slot_mask]);
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
    /* While a builder fills it (rg_idmap_tag .. rg_idmap_untag), each slot
     * holds node+1 in its low 24 bits and 8 bits of the id's hash above
     * them, so an insert compares the tag in the slot it already has in cache
     * and reads the id array only on a tag match (idmap.c). A node number
     * that needs the top bits (16.7 million nodes) untags the map first. */
    int tagged;
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
/* always_inline: GCC 12's pure-const pass counts a prefetch as no effect,
 * so a non-inlined copy was found "const" and every call to it deleted as
 * dead code (the builder's rg_builder_prefetch_id compiled to a bare ret). */
static inline __attribute__((always_inline)) void rg_idmap_prefetch(const rg_idmap *m, uint64_t id)
{
    __builtin_prefetch(&m->slots[rg_idmap_hash(m, id) & m->mask]);
}
/* Start tagging the slots of an empty map (see rg_idmap); the builder does
 * so for the map it fills. */
RG_INTERNAL int rg_idmap_tag(rg_idmap *m);
/* Mask the tags off in place: every node stays in its slot, so the probe
 * sequences, the cache's layout and every lookup are those of an untagged
 * map. A no-op on a map that is not tagged. */
RG_INTERNAL void rg_idmap_untag(rg_idmap *m);
/* out[i] = the node of keys[i], or RG_NODE_NONE; memory-level parallel, for
 * resolving millions of references at once. */
RG_INTERNAL void rg_idmap_lookup_many(const rg_idmap *m, const uint64_t *ids, const uint64_t *keys,
                                      uint32_t *out, size_t n);
/* Insert node `n` whose id is ids[n]. If the id is present, *existing is set
 * to that node and nothing is inserted; else *existing = RG_NODE_NONE. */
RG_INTERNAL int rg_idmap_insert(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing);
RG_INTERNAL rg_node rg_idmap_lookup(const rg_idmap *m, const uint64_t *ids, uint64_t id);

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

/* ------------------------------------------------------------------ text */

/* "+1,234" / "-56" / "+0": a count's change, always signed (format.c; the
 * unsigned rg_format_count and rg_format_bytes are public). */
RG_INTERNAL const char *rg_format_signed_count(char *buf, size_t cap, int64_t n);

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
