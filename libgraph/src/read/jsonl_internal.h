/*
 * jsonl_internal.h: what the JSONL reader's four parts share. Calls go
 * one way: jsonl.c drives the two parsers, and all three use the batch.
 *
 *   jsonl.c       splits the stream into chunks of whole lines (on a second
 *                 thread when there is one) and applies parsed records to the
 *                 builder, in file order, on the calling thread;
 *   jsonl_batch.c the batch of parsed records (items, refs, string storage,
 *                 the error item), which the parsers fill;
 *   jsonl_scan.c  a scanner specialised to the records our dumpers write; it
 *                 either parses a line exactly as yajl would or declines it;
 *   jsonl_yajl.c  yajl's callback parser, for every declined line: headers,
 *                 escapes the scanner does not decode, and every error, so
 *                 messages stay those of the reference parser.
 *
 * Parsing never touches the builder (it may run on another thread); it fills
 * a batch of records whose strings point into the chunk or into the batch's
 * own storage, with their hashes already computed.
 */
#ifndef RG_JSONL_INTERNAL_H
#define RG_JSONL_INTERNAL_H

#include "readers.h"
#include "reader.h"

#include <string.h>

#define JL_FORMAT_NAME "refgraph-snapshot"
#define JL_FORMAT_VERSION 1
#define JL_REPR_MAX 256

/* A string of a record; p == NULL means absent. `hash` is rg_hash_bytes. */
typedef struct jl_str {
    const char *p;
    uint32_t len;
    uint32_t hash;
} jl_str;

typedef struct jl_ref {
    uint64_t target;
    jl_str label;     /* not RG_EDGE_INDEX: the label, or absent */
    uint32_t index;   /* RG_EDGE_INDEX: the index; otherwise the label's id once interned */
    uint8_t kind;
} jl_ref;

enum jl_kind { JL_OBJECT, JL_ROOT, JL_HEADER, JL_SKIP, JL_ERROR };

typedef struct jl_item {
    uint8_t kind;          /* enum jl_kind */
    uint8_t flags;         /* object: RG_NODE_* */
    uint8_t root_kind;     /* root: rg_root_kind */
    uint32_t n_refs;
    uint64_t first_ref;    /* index into the batch's refs */
    uint64_t line;
    uint64_t end_offset;   /* stream offset of the line's end, for errors found later */
    uint64_t id, size;
    uint32_t len, rc;      /* RG_LEN_NONE / RG_RC_NONE when absent */
    jl_str type, repr, name;  /* root: name is the label */
} jl_item;

typedef struct jl_header {
    jl_str producer, runtime;
    int64_t version, pid, seq, objects, edges;
    double time;
} jl_header;

/* Storage for decoded strings: blocks that never move, so pointers into
 * them stay valid until the batch is reset. */
typedef struct jl_block {
    struct jl_block *next;
    size_t used, cap;
    char data[];
} jl_block;

typedef struct jl_batch {
    jl_item *items;
    size_t n_items, items_cap;
    jl_ref *refs;
    size_t n_refs, refs_cap;
    jl_block *blocks;
    jl_header header;
    /* The JL_ERROR item's failure (reader.h), reported on the building
     * thread through the readers' one "FILE:LINE: byte N:" formatter at
     * err_file, err_line, err_offset; err_file NULL for a failure of the
     * input itself, whose message names the file as it likes. */
    rg_read_error error;
    const char *err_file;
    uint64_t err_line, err_offset;
    int oom;                 /* an allocation failed while parsing */
} jl_batch;

/* ---- jsonl_batch.c ---- */

RG_INTERNAL void jl_batch_reset(jl_batch *bt);
RG_INTERNAL void jl_batch_free(jl_batch *bt);
/* The growing halves of jl_batch_item and jl_batch_refs. */
RG_INTERNAL jl_item *jl_batch_item_grow(jl_batch *bt);
RG_INTERNAL jl_ref *jl_batch_refs_grow(jl_batch *bt, size_t n);
/* A new zeroed item / n refs at the end (NULL and bt->oom set when out of
 * memory). Inline: the scanner makes one item and a few refs per line. */
static inline jl_item *jl_batch_item(jl_batch *bt)
{
    if (bt->n_items == bt->items_cap)
        return jl_batch_item_grow(bt);
    jl_item *it = &bt->items[bt->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}
static inline jl_ref *jl_batch_refs(jl_batch *bt, size_t n)
{
    if (n > bt->refs_cap - bt->n_refs)
        return jl_batch_refs_grow(bt, n);
    jl_ref *r = &bt->refs[bt->n_refs];
    bt->n_refs += n;
    return r;
}
/* n bytes of string storage that stay put. */
RG_INTERNAL char *jl_batch_alloc(jl_batch *bt, size_t n);
/* Record an error item, to be reported as "<name>:<line>: byte <offset>:
 * <message>" (jl_batch_report). */
RG_INTERNAL void jl_batch_error(jl_batch *bt, int code, const char *name, uint64_t line, uint64_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Record an error item without a position (the input's own failures). */
RG_INTERNAL void jl_batch_error_raw(jl_batch *bt, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the library error from the batch's error item; returns its code. */
RG_INTERNAL int jl_batch_report(const jl_batch *bt);

/* Finish a string exactly as the builder would have stored it: cut at a NUL,
 * bound reprs to JL_REPR_MAX bytes without splitting a UTF-8 sequence, hash. */
static inline jl_str jl_str_make(const char *p, size_t len, int is_repr)
{
    const char *nul = memchr(p, '\0', len);
    if (nul)
        len = (size_t)(nul - p);
    if (is_repr && len > JL_REPR_MAX) {
        len = JL_REPR_MAX;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;
    }
    jl_str s = {p, (uint32_t)len, rg_hash_bytes(p, len)};
    return s;
}

/* ---- jsonl_scan.c ---- */

/* Parse one line (without its '\n') of a file whose header has been read.
 * Returns 1 when the line was blank or one object/root record that the
 * scanner read completely and exactly as the yajl path would (items and
 * refs appended), 0 when it declines (nothing appended). */
RG_INTERNAL int jl_scan_line(jl_batch *bt, const char *p, size_t len, uint64_t line, uint64_t end_offset);

/* ---- jsonl_yajl.c ---- */

typedef struct jl_yajl jl_yajl;

RG_INTERNAL int jl_yajl_new(const char *name, jl_yajl **out);
RG_INTERNAL void jl_yajl_free(jl_yajl *y);
/* Parse one line (with its '\n' when has_nl) starting at stream offset
 * `offset`. Returns 0, or -1 after appending an error item. */
RG_INTERNAL int jl_yajl_line(jl_yajl *y, jl_batch *bt, const char *p, size_t len, int has_nl, uint64_t line,
                 uint64_t offset);
/* The end of the stream at `offset`, after a last line without '\n' (if
 * any) went through jl_yajl_line. Returns 0 or -1 after an error item. */
RG_INTERNAL int jl_yajl_end(jl_yajl *y, jl_batch *bt, int last_line_unfinished, uint64_t line, uint64_t offset);
/* Has the header record been read? */
RG_INTERNAL int jl_yajl_header_seen(const jl_yajl *y);

#endif
