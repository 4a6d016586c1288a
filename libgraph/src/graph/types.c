/* types.c: per-type counts and bytes (objgraph's show_most_common_types). */
#include "graph/graph_internal.h"

#include <stdlib.h>
#include <string.h>


static int by_count(const void *a, const void *b)
{
    const rg_type_stat *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int by_size(const void *a, const void *b)
{
    const rg_type_stat *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

int rg_type_stats(const rg_snapshot *s, rg_sort sort, size_t record_size, rg_type_stat **out, uint32_t *n)
{
    if (!s || !out || !n)
        return rg_fail(RG_EINVAL, "rg_type_stats: NULL argument");
    rg_type_stat *all = rg_xcalloc(s->n_types ? s->n_types : 1, sizeof *all);
    if (!all)
        return RG_ENOMEM;
    for (uint32_t v = 0; v < s->n_nodes; v++) {
        rg_type_stat *t = &all[rg_node_type_at(s, v)];
        t->count++;
        t->bytes += rg_node_size_at(s, v);
    }
    uint32_t w = 0;
    for (uint32_t t = 0; t < s->n_types; t++) {
        if (!all[t].count)
            continue;
        all[w] = all[t];
        all[w].type = t;
        all[w].name = rg_type_name(s, t);
        w++;
    }
    qsort(all, w, sizeof *all, sort == RG_SORT_SIZE ? by_size : by_count);
    void *arr = all;
    if (rg_records_restride(&arr, w, sizeof *all, record_size, sizeof *all, "rg_type_stats") != RG_OK) {
        rg_free(all);
        return rg_last_error_code();
    }
    *out = arr;
    *n = w;
    return RG_OK;
}
