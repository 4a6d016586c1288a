/* fixture.h: what the C tests share to build graphs in code and to read
 * fixture files. Static inline so a test that uses only some of it compiles
 * without unused-function warnings. Include after harness.h. */
#ifndef RG_TEST_FIXTURE_H
#define RG_TEST_FIXTURE_H

#include "refgraph.h"

#include <stdio.h>
#include <stdlib.h>

/* The builder the helpers below add to; a test sets it with rg_builder_new. */
static rg_builder *B;

/* A reference from the last object added to B. */
static inline void ref(uint64_t to, rg_edge_kind kind, const char *label)
{
    CHECK(rg_builder_add_ref(B, to, kind, label, 0) == RG_OK);
}

/* An [i] reference from the last object added to B. */
static inline void idx(uint64_t to, int64_t i)
{
    CHECK(rg_builder_add_ref(B, to, RG_EDGE_INDEX, NULL, i) == RG_OK);
}

/* Finish B into a snapshot (B is consumed). */
static inline rg_snapshot *finish(void)
{
    rg_snapshot *s = NULL;
    CHECK(rg_builder_finish(B, &s) == RG_OK);
    B = NULL;
    return s;
}

/* The node with snapshot id `id`; RG_NODE_NONE (and a failed CHECK) if none. */
static inline rg_node node(const rg_snapshot *s, uint64_t id)
{
    rg_node n = RG_NODE_NONE;
    CHECK(rg_node_find(s, id, &n) == RG_OK);
    return n;
}

/* A whole file, NUL-terminated; NULL if it cannot be read. Free with free(). */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

/* Set each byte of `text` to each of `repl` in turn and load it: the reader
 * must either build a graph or give an error text (the sanitizers check it
 * never misbehaves on the way). Returns how many loads failed silently. */
static inline int flip_sweep(char *text, size_t len, const char *repl, size_t n_repl, const char *name)
{
    int unexplained = 0;
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < n_repl; k++) {
            char saved = text[i];
            text[i] = repl[k];
            rg_snapshot *s = NULL;
            if (rg_snapshot_open_memory(text, len, name, NULL, &s) == RG_OK)
                rg_snapshot_free(s);
            else if (!*rg_last_error())
                unexplained++;
            text[i] = saved;
        }
    return unexplained;
}

#endif
