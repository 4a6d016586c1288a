/* fuzz_cache.c: libFuzzer target for the index cache reader. Each input is
 * read twice: as it is (the checksums reject almost everything, quickly),
 * and with its checksums recomputed, which reaches the structural checks; a
 * cache they accept must then be safe to query everywhere. */
#include "graph/graph_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void query_all(const rg_snapshot *g)
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
}

static void try_parse(const uint8_t *data, size_t size, int fix)
{
    if (size == 0)
        return;
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return;
    memcpy(map, data, size);
    if (fix)
        rg_cache_fix_checksums(map, size);
    rg_snapshot *g = NULL;
    char *why = NULL;
    if (rg_cache_parse(map, size, NULL, 1u << 30, 1, &g, &why) == RG_OK) {
        query_all(g);
        rg_snapshot_free(g); /* unmaps */
    } else {
        munmap(map, size);
    }
    free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_parse(data, size, 0);
    try_parse(data, size, 1);
    return 0;
}
