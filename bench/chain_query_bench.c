/*
 * chain_query_bench.c: time refgraph's chain query alone, and a diagram
 * render, for bench/deepleak_bench.sh.
 *
 *   chain_query_bench SNAPSHOT TYPE [REPEAT]
 *       load once, then REPEAT times (default 5): shortest paths from all
 *       roots + pick the typical TYPE instance + walk its chain (the query),
 *       timing the paths (one BFS per snapshot) and the walk (per object)
 *       apart too. Prints medians and the chain length.
 *   chain_query_bench --cache-dir DIR SNAPSHOT TYPE [REPEAT]
 *       the same through the index cache in DIR: a first open that writes
 *       it (the graph and the default path forest; first_open_s), then a
 *       re-open that maps it (load_s), on which the query reads the stored
 *       forest instead of running the BFS.
 *   chain_query_bench --diagram NODES [REPEAT]
 *       a referent diagram of NODES objects (a seeded graph with labelled
 *       fan-out and cross edges), built and rendered to SVG in-process;
 *       prints the median build+render time.
 */
#include <refgraph.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static int die(const char *what)
{
    fprintf(stderr, "chain_query_bench: %s: %s\n", what, rg_last_error());
    return 1;
}

static int chain_bench(const char *path, const char *type, int repeat, const char *cache_dir)
{
    rg_open_options o = {0};
    o.flags = cache_dir ? 0 : RG_OPEN_NO_CACHE;
    o.cache_dir = cache_dir;
    rg_snapshot *s;
    double t0 = now(), first_open = 0;
    if (cache_dir) {
        if (rg_snapshot_open(path, &o, &s) != RG_OK)
            return die(path);
        first_open = now() - t0;
        if (rg_snapshot_info_get(s)->cache_note[0])
            fprintf(stderr, "chain_query_bench: %s\n", rg_snapshot_info_get(s)->cache_note);
        rg_snapshot_free(s);
        t0 = now();
    }
    if (rg_snapshot_open(path, &o, &s) != RG_OK)
        return die(path);
    double load = now() - t0;
    if (cache_dir && !rg_snapshot_info_get(s)->from_cache) {
        fprintf(stderr, "chain_query_bench: the re-open did not use the cache in %s\n", cache_dir);
        return 1;
    }
    double *times = calloc((size_t)repeat, sizeof *times);
    double *bfs = calloc((size_t)repeat, sizeof *bfs);
    double *walk = calloc((size_t)repeat, sizeof *walk);
    size_t len = 0;
    for (int r = 0; r < repeat; r++) {
        t0 = now();
        rg_paths *p;
        if (rg_paths_compute(s, NULL, &p) != RG_OK)
            return die("paths");
        bfs[r] = now() - t0;
        uint32_t t;
        if (rg_type_find(s, type, &t) != RG_OK)
            return die(type);
        rg_node *inst = NULL;
        size_t n = 0, cap = 0;
        for (rg_node v = 0; v < rg_node_count(s); v++)
            if (rg_node_type(s, v) == t) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    inst = realloc(inst, cap * sizeof *inst);
                }
                inst[n++] = v;
            }
        rg_chain_group *g;
        rg_node *members;
        size_t ng;
        if (rg_paths_group(p, inst, n, &g, &ng, &members) != RG_OK)
            return die("group");
        rg_edge *edges;
        double t1 = now();
        if (rg_paths_chain(p, g[0].representative, &edges, &len) != RG_OK)
            return die("chain");
        double t2 = now();
        times[r] = t2 - t0;
        walk[r] = t2 - t1;
        rg_free(edges);
        rg_free(g);
        rg_free(members);
        free(inst);
        rg_paths_free(p);
    }
    if (cache_dir)
        printf("first_open_s %.3f ", first_open);
    printf("objects %u edges %llu load_s %.3f query_median_s %.6f paths_median_s %.6f "
           "walk_median_s %.7f chain_edges %zu repeat %d\n",
           rg_node_count(s), (unsigned long long)rg_edge_count(s), load, median(times, repeat),
           median(bfs, repeat), median(walk, repeat), len, repeat);
    free(times);
    free(bfs);
    free(walk);
    rg_snapshot_free(s);
    return 0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int diagram_bench(int nodes, int repeat)
{
    static const char *const types[] = {"app.Session", "dict", "list", "tuple", "app.Request", "bytes"};
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    for (int i = 1; i <= nodes; i++) {
        char repr[64];
        snprintf(repr, sizeof repr, "<object %d with a repr of some length>", i);
        rg_object_desc d = {.id = (uint64_t)i, .type = types[i % 6], .size = 48 + (uint64_t)(i % 7) * 100,
                            .refcount = -1, .repr = repr};
        rg_builder_add_object(b, &d);
        /* A tree (children 2i, 2i+1) plus one cross edge to an earlier node. */
        for (int c = 2 * i; c <= 2 * i + 1 && c <= nodes; c++) {
            char label[32];
            snprintf(label, sizeof label, "'key%d'", c);
            rg_builder_add_ref(b, (uint64_t)c, c % 2 ? RG_EDGE_DICT_VALUE : RG_EDGE_ATTR, c % 2 ? label : "child", 0);
        }
        if (i > 2)
            rg_builder_add_ref(b, 1 + next() % (uint64_t)(i - 1), RG_EDGE_INDEX, NULL, i % 10);
    }
    rg_snapshot *s;
    if (rg_builder_finish(b, &s) != RG_OK)
        return die("build");
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.direction = RG_DIAGRAM_REFERENTS;
    o.depth = 1000;
    o.max_nodes = (uint32_t)nodes;
    o.too_many = 1000;
    rg_node root;
    rg_node_find(s, 1, &root);
    double *times = calloc((size_t)repeat, sizeof *times);
    rg_diagram_stats st = {0};
    size_t svg_len = 0;
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        rg_diagram *d;
        if (rg_diagram_compute(s, &root, 1, &o, &d) != RG_OK)
            return die("diagram");
        char *svg;
        if (rg_diagram_render(d, RG_FORMAT_SVG, &svg, &svg_len) != RG_OK)
            return die("render");
        times[r] = now() - t0;
        rg_diagram_stats_get(d, &st);
        rg_free(svg);
        rg_diagram_free(d);
    }
    printf("diagram_nodes %u diagram_edges %u svg_bytes %zu render_median_s %.3f repeat %d\n", st.nodes,
           st.edges, svg_len, median(times, repeat), repeat);
    free(times);
    rg_snapshot_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--diagram") == 0)
        return diagram_bench(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 5);
    const char *cache_dir = NULL;
    if (argc >= 3 && strcmp(argv[1], "--cache-dir") == 0) {
        cache_dir = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: chain_query_bench [--cache-dir DIR] SNAPSHOT TYPE [REPEAT] | "
                        "--diagram NODES [REPEAT]\n");
        return 2;
    }
    return chain_bench(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 5, cache_dir);
}
