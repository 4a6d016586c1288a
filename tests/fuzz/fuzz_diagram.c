/* fuzz_diagram.c: libFuzzer target for the diagram builder and its DOT
 * writer (diagram_build.c, diagram_text.c, diagram_render.c), fed graphs
 * and names made from the fuzz bytes (fuzz_graph.h).
 *
 * Referrer and referent diagrams of a chosen object, and the set diagram of
 * a few, are rendered as DOT; the DOT must re-parse with cgraph's agmemread
 * into at least the nodes and edges the builder says it drew, whatever the
 * names held. */
#include "fuzz_graph.h"

#include <graphviz/cgraph.h>

#include <stdio.h>
#include <stdlib.h>

static void diagram_check(const rg_diagram *d)
{
    char *dot;
    size_t len;
    if (rg_diagram_render(d, RG_FORMAT_DOT, &dot, &len) != RG_OK)
        abort(); /* DOT needs no layout: it always renders */
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    Agraph_t *g = agmemread(dot);
    if (!g) {
        fprintf(stderr, "fuzz_diagram: the DOT does not re-parse\n%s\n", dot);
        abort();
    }
    if ((uint32_t)agnnodes(g) < st.nodes + st.fold_nodes || (uint32_t)agnedges(g) < st.edges) {
        fprintf(stderr, "fuzz_diagram: DOT has %d nodes %d edges, the builder drew %u+%u nodes %u edges\n%s\n",
                agnnodes(g), agnedges(g), st.nodes, st.fold_nodes, st.edges, dot);
        abort();
    }
    agclose(g);
    rg_free(dot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rg_snapshot *s;
    if (fuzz_graph(data, size, 0, &s) != 0)
        return 0;
    uint32_t n = rg_node_count(s);
    fuzz_bytes f = {data, size, size > 8 ? size - 8 : 0}; /* the tail picks the options */
    rg_node target = fuzz_byte(&f) % n;
    rg_paths *paths = NULL;
    (void)rg_paths_compute(s, NULL, &paths);
    for (int dir = 0; dir < 2; dir++) {
        rg_diagram_options o;
        rg_diagram_options_init(&o);
        o.direction = dir ? RG_DIAGRAM_REFERENTS : RG_DIAGRAM_REFERRERS;
        o.depth = 1 + fuzz_byte(&f) % 6;
        o.max_nodes = 1 + fuzz_byte(&f) % 30;
        o.too_many = 1 + fuzz_byte(&f) % 5;
        o.paths = paths;
        o.highlight_type = fuzz_byte(&f) & 1 ? rg_node_type_name(s, target) : NULL;
        o.ignore_edge_kinds = fuzz_byte(&f) & 1 ? 0 : o.ignore_edge_kinds;
        char title[64];
        o.title = fuzz_string(&f, title, sizeof title);
        rg_diagram *d;
        if (rg_diagram_compute(s, &target, 1, &o, &d) == RG_OK) {
            (void)rg_diagram_note(d);
            diagram_check(d);
            rg_diagram_free(d);
        }
    }
    rg_node set[4];
    for (int i = 0; i < 4; i++)
        set[i] = (rg_node)((target + (unsigned)i) % n);
    rg_diagram *d;
    if (rg_diagram_compute_set(s, set, 4, NULL, &d) == RG_OK) {
        diagram_check(d);
        rg_diagram_free(d);
    }
    rg_paths_free(paths);
    rg_snapshot_free(s);
    return 0;
}
