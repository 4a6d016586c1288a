/*
 * diagram_options.c: what a caller may ask of a diagram (the options and the
 * output formats' names), apart from drawing it, so that a build without
 * rendering (REFGRAPH_RENDER=OFF) parses and defaults exactly as one with.
 */
#include "base/base.h"

#include <string.h>
#include <strings.h>

void rg_diagram_options_init(rg_diagram_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->direction = RG_DIAGRAM_REFERRERS;
    o->depth = 6;
    o->max_nodes = 300;
    o->too_many = 10;
    o->ignore_edge_kinds = 1u << RG_EDGE_TYPE;
}

static const char *const format_names[] = {"dot", "svg", "png", "pdf"};

int rg_diagram_format_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcasecmp(name, "gv") == 0)
        return RG_FORMAT_DOT;
    for (int f = 0; f < 4; f++)
        if (strcasecmp(name, format_names[f]) == 0)
            return f;
    return -1;
}

int rg_diagram_format_from_path(const char *path)
{
    if (!path)
        return -1;
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    return dot && dot[1] ? rg_diagram_format_from_name(dot + 1) : -1;
}

const char *rg_diagram_format_name(rg_diagram_format f)
{
    return (unsigned)f < 4 ? format_names[f] : "dot";
}
