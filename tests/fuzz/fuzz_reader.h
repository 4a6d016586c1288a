/* fuzz_reader.h: what the reader fuzz targets share. One input is read by
 * one reader straight from memory, as rg_snapshot_open_memory would after
 * sniffing, and a graph it accepts is then queried everywhere, so that a
 * reader that hands over an inconsistent graph is found too. */
#ifndef RG_FUZZ_READER_H
#define RG_FUZZ_READER_H

#include "read/readers.h"

#include <stdlib.h>
#include <string.h>

typedef int (*fuzz_reader_fn)(rg_input *in, rg_builder *b, uint64_t max_line);

static void fuzz_reader_query(const rg_snapshot *g)
{
    rg_type_stat *st;
    uint32_t n;
    if (rg_type_stats(g, RG_SORT_SIZE, sizeof(rg_type_stat), &st, &n) == RG_OK)
        rg_free(st);
    char label[64];
    for (uint32_t v = 0; v < rg_node_count(g); v++) {
        rg_edge e;
        for (uint32_t i = 0; i < rg_referent_count(g, v); i++) {
            rg_referent_get(g, v, i, &e);
            rg_edge_label_format(g, &e, label, sizeof label);
        }
        for (uint32_t i = 0; i < rg_referrer_count(g, v); i++)
            rg_referrer_get(g, v, i, &e);
        (void)rg_node_type_name(g, v);
        (void)rg_node_repr(g, v);
        (void)rg_node_name(g, v);
        rg_node found;
        (void)rg_node_find(g, rg_node_id(g, v), &found);
    }
    for (uint32_t r = 0; r < rg_root_count(g); r++) {
        rg_root root;
        rg_root_get(g, r, &root);
    }
    /* the retention paths walk every edge the reader made */
    rg_paths *p;
    if (rg_paths_compute(g, NULL, &p) == RG_OK)
        rg_paths_free(p);
}

/* Read `data` with `reader`; a line limit of 64 bytes when the input ends
 * in 'L', so the over-limit paths are reached too. */
static void fuzz_reader_run(fuzz_reader_fn reader, const uint8_t *data, size_t size)
{
    rg_input *in;
    rg_builder *b;
    if (rg_input_open_memory(data, size, "fuzz", &in) != RG_OK)
        return;
    if (rg_builder_new(&b) != RG_OK) {
        rg_input_close(in);
        return;
    }
    uint64_t max_line = size > 64 && data[size - 1] == 'L' ? 64 : (1u << 20);
    int rc = reader(in, b, max_line);
    if (rc == RG_OK) {
        rg_snapshot *s;
        rg_builder_set_info_strings(b, "fuzz", rg_input_compression(in), rg_input_total(in));
        if (rg_builder_finish(b, &s) == RG_OK) {
            fuzz_reader_query(s);
            rg_snapshot_free(s);
        }
    } else {
        /* an error always says what went wrong */
        if (rg_last_error()[0] == '\0')
            abort();
        rg_builder_free(b);
    }
    rg_input_close(in);
}

#endif
