/* query_bench.c: time the queries after a load, in-process, so process
 * start-up and loading do not hide them. Prints one JSON object.
 *
 *   query_bench SNAPSHOT CACHE_DIR TYPE
 *
 * open (from the index cache when CACHE_DIR holds one), the types table, the
 * shortest-path forest from all roots (what a chain query needs), one chain
 * to the first instance of TYPE, and the dominator tree with retained sizes. */
#include <refgraph.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: query_bench SNAPSHOT CACHE_DIR TYPE\n");
        return 2;
    }
    rg_open_options o = {.cache_dir = argv[2]};
    rg_snapshot *s;
    double t = now_ms();
    if (rg_snapshot_open(argv[1], &o, &s) != RG_OK) {
        fprintf(stderr, "query_bench: %s\n", rg_last_error());
        return 1;
    }
    double open_ms = now_ms() - t;
    int from_cache = rg_snapshot_info_get(s)->from_cache;

    rg_type_stat *st;
    uint32_t nst;
    t = now_ms();
    rg_type_stats(s, RG_SORT_COUNT, &st, &nst);
    double types_ms = now_ms() - t;
    rg_free(st);

    uint32_t type;
    rg_node target = RG_NODE_NONE;
    if (rg_type_find(s, argv[3], &type) == RG_OK)
        for (rg_node v = 0; v < rg_node_count(s); v++)
            if (rg_node_type(s, v) == type) {
                target = v;
                break;
            }
    rg_paths *p;
    t = now_ms();
    int prc = rg_paths_compute(s, NULL, &p);
    double paths_ms = now_ms() - t;
    double chain_ms = -1;
    size_t hops = 0;
    if (prc == RG_OK && target != RG_NODE_NONE) {
        rg_edge *chain;
        t = now_ms();
        if (rg_paths_chain(p, target, &chain, &hops) == RG_OK) {
            chain_ms = now_ms() - t;
            rg_free(chain);
        }
    }
    if (prc == RG_OK)
        rg_paths_free(p);
    rg_dominators *d;
    t = now_ms();
    int drc = rg_dominators_compute(s, &d);
    double dom_ms = now_ms() - t;
    if (drc == RG_OK)
        rg_dominators_free(d);
    printf("{\"open_ms\": %.3f, \"from_cache\": %d, \"types_ms\": %.3f, \"paths_ms\": %.3f, "
           "\"chain_ms\": %.4f, \"chain_hops\": %zu, \"dominators_ms\": %.3f, \"objects\": %u}\n",
           open_ms, from_cache, types_ms, paths_ms, chain_ms, hops, drc == RG_OK ? dom_ms : -1.0,
           rg_node_count(s));
    rg_snapshot_free(s);
    return 0;
}
