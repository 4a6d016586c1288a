/*
 * diagram_options.c: what a caller may ask of a diagram (the options and the
 * output formats' names), apart from drawing it, so that a build without
 * rendering (REFGRAPH_RENDER=OFF) parses and defaults exactly as one with.
 */
#include "base/base.h"

#include <string.h>
#include <strings.h>

int rg_diagram_options_init(rg_diagram_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_DIAGRAM_OPTIONS_VERSION, "rg_diagram_options")
               : rg_fail(RG_EINVAL, "rg_diagram_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_diagram_options)RG_DIAGRAM_OPTIONS_INIT;
    return rc;
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
