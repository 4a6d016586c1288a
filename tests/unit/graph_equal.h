/* graph_equal.h: compare two loaded snapshots array by array (the loader
 * tests, the cache tests and the fuzzers use it). Returns NULL when equal,
 * else the name of the first part that differs. */
#ifndef RG_TEST_GRAPH_EQUAL_H
#define RG_TEST_GRAPH_EQUAL_H

#include "read/readers.h"

#include <string.h>

static const char *rg_graph_diff(const rg_snapshot *a, const rg_snapshot *b)
{
#define SAME_ARR(f, n) \
    if (!a->f != !b->f) return #f " (present in one only)"; \
    if ((n) && a->f && memcmp(a->f, b->f, (size_t)(n) * sizeof *a->f) != 0) return #f
    if (a->n_nodes != b->n_nodes) return "n_nodes";
    if (a->n_edges != b->n_edges) return "n_edges";
    if (a->n_types != b->n_types) return "n_types";
    if (a->n_roots != b->n_roots) return "n_roots";
    uint64_t n = a->n_nodes, e = a->n_edges;
    SAME_ARR(node_rc, n); SAME_ARR(node_flags, n);
    SAME_ARR(fwd_off, n + 1); SAME_ARR(fwd_dst, e); SAME_ARR(fwd_kind, e); SAME_ARR(fwd_label, e);
    SAME_ARR(rev_off, n + 1); SAME_ARR(rev_src, e); SAME_ARR(rev_edge, e);
    SAME_ARR(type_name, a->n_types);
    SAME_ARR(root_node, a->n_roots); SAME_ARR(root_kind, a->n_roots); SAME_ARR(root_label, a->n_roots);
    if (a->strings.count != b->strings.count || a->strings.arena_len != b->strings.arena_len) return "strings";
    SAME_ARR(strings.offsets, a->strings.count);
    SAME_ARR(strings.arena, a->strings.arena_len);
#undef SAME_ARR
    const rg_snapshot_info *x = &a->info, *y = &b->info;
    if (strcmp(x->format, y->format) || x->format_version != y->format_version ||
        strcmp(x->compression, y->compression) || strcmp(x->producer, y->producer) ||
        strcmp(x->runtime, y->runtime) || x->pid != y->pid || x->time != y->time || x->seq != y->seq ||
        x->objects != y->objects || x->edges != y->edges || x->roots != y->roots ||
        x->total_bytes != y->total_bytes || x->input_bytes != y->input_bytes ||
        x->skipped_records != y->skipped_records || x->dangling_refs != y->dangling_refs ||
        x->dangling_roots != y->dangling_roots)
        return "info";
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_node_id_at(a, v) != rg_node_id_at(b, v)) return "node_id";
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_node_size_at(a, v) != rg_node_size_at(b, v)) return "node_size";
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_node_type_at(a, v) != rg_node_type_at(b, v)) return "node_type";
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_snapshot_lookup_id(b, rg_node_id_at(a, v)) != v) return "id map";
    /* lengths may be a column in one (a cache) and packed in the other */
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_node_len_at(a, v) != rg_node_len_at(b, v)) return "node_len";
    for (uint32_t v = 0; v < a->n_nodes; v++)
        if (rg_node_repr_at(a, v) != rg_node_repr_at(b, v) || rg_node_name_at(a, v) != rg_node_name_at(b, v))
            return "node_repr/node_name";
    return NULL;
}

#endif
