/* jsonl_batch.c: the batch of parsed records that the JSONL parsers
 * (jsonl_scan.c, jsonl_yajl.c) fill and jsonl.c applies to the builder: a
 * container that calls nobody, so the reader's calls all go one way
 * (jsonl.c -> parsers -> batch). */
#include "jsonl_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (1u << 20)

void jl_batch_reset(jl_batch *bt)
{
    bt->n_items = 0;
    bt->n_refs = 0;
    /* after one huge line (a dict of 10^6 keys) give its arrays back */
    if (bt->refs_cap > (1u << 20)) {
        rg_free(bt->refs);
        bt->refs = NULL;
        bt->refs_cap = 0;
    }
    if (bt->items_cap > (1u << 18)) {
        rg_free(bt->items);
        bt->items = NULL;
        bt->items_cap = 0;
    }
    /* keep the first block for reuse, free the rest */
    if (bt->blocks) {
        jl_block *keep = bt->blocks, *b = keep->next;
        while (b) {
            jl_block *next = b->next;
            rg_free(b);
            b = next;
        }
        keep->next = NULL;
        keep->used = 0;
    }
    memset(&bt->error, 0, sizeof bt->error);
    bt->err_file = NULL;
    bt->oom = 0;
}

void jl_batch_free(jl_batch *bt)
{
    jl_block *b = bt->blocks;
    while (b) {
        jl_block *next = b->next;
        rg_free(b);
        b = next;
    }
    rg_free(bt->items);
    rg_free(bt->refs);
    memset(bt, 0, sizeof *bt);
}

jl_item *jl_batch_item_grow(jl_batch *bt)
{
    if (bt->n_items == bt->items_cap) {
        size_t cap = bt->items_cap ? bt->items_cap * 2 : 4096;
        jl_item *p = rg_realloc(bt->items, cap * sizeof *p);
        if (!p) {
            bt->oom = 1;
            return NULL;
        }
        bt->items = p;
        bt->items_cap = cap;
    }
    jl_item *it = &bt->items[bt->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}

jl_ref *jl_batch_refs_grow(jl_batch *bt, size_t n)
{
    if (bt->n_refs + n > bt->refs_cap) {
        size_t cap = bt->refs_cap ? bt->refs_cap : 16384;
        while (cap < bt->n_refs + n)
            cap *= 2;
        jl_ref *p = rg_realloc(bt->refs, cap * sizeof *p);
        if (!p) {
            bt->oom = 1;
            return NULL;
        }
        bt->refs = p;
        bt->refs_cap = cap;
    }
    jl_ref *r = &bt->refs[bt->n_refs];
    bt->n_refs += n;
    return r;
}

char *jl_batch_alloc(jl_batch *bt, size_t n)
{
    jl_block *b = bt->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_BYTES ? n : BLOCK_BYTES;
        jl_block *nb = rg_malloc(sizeof *nb + cap);
        if (!nb) {
            bt->oom = 1;
            return NULL;
        }
        nb->used = 0;
        nb->cap = cap;
        /* the newest block goes first; a reset keeps only it */
        nb->next = b;
        bt->blocks = nb;
        b = nb;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static void error_item(jl_batch *bt, uint64_t line)
{
    jl_item *it = jl_batch_item(bt);
    if (it) {
        it->kind = JL_ERROR;
        it->line = line;
    }
}

void jl_batch_error(jl_batch *bt, int code, const char *name, uint64_t line, uint64_t offset,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&bt->error, code, fmt, ap);
    va_end(ap);
    bt->err_file = name;
    bt->err_line = line;
    bt->err_offset = offset;
    error_item(bt, line);
}

void jl_batch_error_raw(jl_batch *bt, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&bt->error, code, fmt, ap);
    va_end(ap);
    bt->err_file = NULL;
    error_item(bt, 0);
}

int jl_batch_report(const jl_batch *bt)
{
    if (bt->err_file)
        return rg_read_error_report(&bt->error, bt->err_file, bt->err_line, bt->err_offset);
    return rg_fail(bt->error.code ? bt->error.code : RG_EFORMAT, "%s", bt->error.failed ? bt->error.msg : "unknown error");
}
