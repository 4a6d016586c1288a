/*
 * render_off.c: the diagram API of a library built without Graphviz
 * (REFGRAPH_RENDER=OFF). Every call that would build or draw a diagram fails
 * with RG_ERENDER and says why, so that callers, the CLI among them, link
 * and report it instead of crashing; the accessors answer as for no diagram.
 */
#include "base/base.h"

#define RENDER_OFF "built without rendering (REFGRAPH_RENDER=OFF)"

int rg_diagram_compute(const rg_snapshot *snap, const rg_node *targets, size_t n, const rg_diagram_options *opts,
                     rg_diagram **out)
{
    if (out)
        *out = NULL;
    return rg_fail(RG_ERENDER, "rg_diagram_compute: " RENDER_OFF);
}

int rg_diagram_compute_set(const rg_snapshot *snap, const rg_node *nodes, size_t n, const rg_diagram_options *opts,
                         rg_diagram **out)
{
    if (out)
        *out = NULL;
    return rg_fail(RG_ERENDER, "rg_diagram_compute_set: " RENDER_OFF);
}

void rg_diagram_free(rg_diagram *d) {}

int rg_diagram_stats_get(const rg_diagram *d, rg_diagram_stats *out)
{
    return rg_fail(RG_ERENDER, "rg_diagram_stats_get: " RENDER_OFF);
}

const char *rg_diagram_note(const rg_diagram *d) { return ""; }
const char *rg_diagram_title(const rg_diagram *d) { return ""; }
size_t rg_diagram_node_count(const rg_diagram *d) { return 0; }
size_t rg_diagram_edge_count(const rg_diagram *d) { return 0; }

int rg_diagram_node_get(const rg_diagram *d, size_t i, rg_diagram_node *out)
{
    return rg_fail(RG_ERENDER, "rg_diagram_node_get: " RENDER_OFF);
}

int rg_diagram_edge_get(const rg_diagram *d, size_t i, rg_diagram_edge *out)
{
    return rg_fail(RG_ERENDER, "rg_diagram_edge_get: " RENDER_OFF);
}

int rg_diagram_render(const rg_diagram *d, rg_diagram_format format, char **out, size_t *len)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    return rg_fail(RG_ERENDER, "rg_diagram_render: " RENDER_OFF);
}

int rg_diagram_write(const rg_diagram *d, rg_diagram_format format, const char *path)
{
    return rg_fail(RG_ERENDER, "rg_diagram_write: " RENDER_OFF);
}
