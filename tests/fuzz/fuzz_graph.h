/* fuzz_graph.h: a small graph from fuzz bytes, for the targets that fuzz
 * what is made from a graph (report, diagrams) rather than a file format.
 *
 * The bytes are read as a little program for the public builder: object
 * count, then per object its type, size, length, refcount, name, repr and
 * references, then the roots and the header strings. Every string is either
 * one of a list of hostile names (markup, terminal controls, URLs, bidi
 * overrides, broken UTF-8) or raw bytes from the input, so the fuzzer both
 * replays known attacks and mutates them. Running out of bytes reads zeros:
 * every input is a graph. */
#ifndef RG_FUZZ_GRAPH_H
#define RG_FUZZ_GRAPH_H

#include "refgraph.h"

#include <stdint.h>
#include <string.h>

typedef struct fuzz_bytes {
    const uint8_t *p;
    size_t n, i;
} fuzz_bytes;

static unsigned fuzz_byte(fuzz_bytes *f) { return f->i < f->n ? f->p[f->i++] : 0; }

static const char *const fuzz_hostile[] = {
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "![x](http://127.0.0.1:9/x)",
    "<a href=\"http://127.0.0.1:9/x\">x</a>",
    "\"'><svg onload=alert(1)>",
    "--><script>alert(1)</script><!--",
    "]]><script>alert(1)</script>",
    "<style>@import url(http://127.0.0.1:9/x)</style>",
    "&lt;&#x3c;&amp;\\<b>",
    "\x1b[31mred\x1b[0m",
    "bell\x07 cr\r lf\n tab\t",
    "\xc2\x9b" "31m c1",
    "\xe2\x80\xae" "rtl",
    "\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xff",
    "a|b|c",
    "*em* _em_ `code` ~~del~~",
    "# heading",
    "\n## injected\n",
    "- item",
    "1. item",
    "> quote",
    "\\N \\G \\L \\E \\T",
    "{} [] \\\" %s %n",
    "dict",
    "list",
    "tuple",
    "app.Node",
    "__main__",
    "builtins",
    "",
};
#define FUZZ_HOSTILE_COUNT (sizeof fuzz_hostile / sizeof fuzz_hostile[0])

/* A string into buf: a hostile name, or 1..63 raw bytes from the input. */
static const char *fuzz_string(fuzz_bytes *f, char *buf, size_t cap)
{
    unsigned b = fuzz_byte(f);
    if (b < 0xC0)
        return fuzz_hostile[b % FUZZ_HOSTILE_COUNT];
    size_t len = b & 0x3f;
    if (len >= cap)
        len = cap - 1;
    size_t k = 0;
    while (k < len && f->i < f->n)
        buf[k++] = (char)f->p[f->i++];
    buf[k] = '\0'; /* a NUL in the bytes cuts the string, as C strings do */
    return buf;
}

#define FUZZ_MAX_OBJECTS 40

/* Build the graph the bytes describe; `extra` more copies of every leaf
 * object's type are added (a later snapshot of a growing process). */
static int fuzz_graph(const uint8_t *data, size_t size, unsigned extra, rg_snapshot **out)
{
    fuzz_bytes f = {data, size, 0};
    rg_builder *b;
    if (rg_builder_new(&b) != RG_OK)
        return -1;
    char s1[64], s2[64], s3[64];
    unsigned n = 2 + fuzz_byte(&f) % (FUZZ_MAX_OBJECTS - 1);
    for (unsigned i = 0; i < n; i++) {
        unsigned shape = fuzz_byte(&f);
        rg_object_desc o = {0};
        o.id = i + 1;
        o.type = fuzz_string(&f, s1, sizeof s1);
        o.size = (uint64_t)fuzz_byte(&f) * 64;
        o.has_length = shape & 1;
        o.length = fuzz_byte(&f);
        o.refcount = shape & 2 ? (int64_t)(fuzz_byte(&f) % 8) : -1;
        o.name = shape & 4 ? fuzz_string(&f, s2, sizeof s2) : NULL;
        o.repr = shape & 8 ? fuzz_string(&f, s3, sizeof s3) : NULL;
        o.flags = (shape & 16 ? RG_NODE_GC_TRACKED : 0) | (shape & 32 ? RG_NODE_GARBAGE : 0);
        if (rg_builder_add_object(b, &o) != RG_OK)
            goto fail;
        unsigned refs = fuzz_byte(&f) % 6;
        for (unsigned r = 0; r < refs; r++) {
            uint64_t to = 1 + fuzz_byte(&f) % (n + 1); /* n + 1: dangling */
            rg_edge_kind kind = (rg_edge_kind)(fuzz_byte(&f) % RG_EDGE_KIND_COUNT);
            char lb[64];
            const char *label = fuzz_string(&f, lb, sizeof lb);
            if (rg_builder_add_ref(b, to, kind, kind == RG_EDGE_INDEX ? NULL : label,
                                   kind == RG_EDGE_INDEX ? (int64_t)r : 0) != RG_OK)
                goto fail;
        }
    }
    /* The growth of a later snapshot: copies of the last object, all held
     * by the first one. */
    for (unsigned k = 0; k < extra * 8; k++) {
        rg_object_desc o = {.id = 1000 + k, .type = "fuzz.Grown", .size = 512, .refcount = 1,
                            .flags = RG_NODE_GC_TRACKED};
        if (rg_builder_add_object(b, &o) != RG_OK ||
            rg_builder_add_ref(b, n, RG_EDGE_INDEX, NULL, k) != RG_OK)
            goto fail;
    }
    unsigned roots = 1 + fuzz_byte(&f) % 3;
    for (unsigned r = 0; r < roots; r++) {
        uint64_t id = 1 + fuzz_byte(&f) % n;
        rg_root_kind kind = (rg_root_kind)(fuzz_byte(&f) % RG_ROOT_KIND_COUNT);
        if (rg_builder_add_root(b, id, kind, fuzz_string(&f, s1, sizeof s1)) != RG_OK)
            goto fail;
    }
    rg_header_desc h = {0};
    h.format = "refgraph-snapshot";
    h.format_version = 1;
    h.producer = fuzz_string(&f, s1, sizeof s1);
    h.runtime = fuzz_string(&f, s2, sizeof s2);
    h.pid = 7;
    h.time = 1764115200.0 + 60.0 * extra;
    h.seq = extra;
    if (rg_builder_set_header(b, &h) != RG_OK)
        goto fail;
    return rg_builder_finish(b, out) == RG_OK ? 0 : -1;
fail:
    rg_builder_free(b);
    return -1;
}

#endif
