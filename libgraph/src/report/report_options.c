/*
 * report_options.c: the report's options, apart from the report, so that a
 * build without rendering (REFGRAPH_RENDER=OFF) defaults exactly as one with.
 */
#include "base/base.h"

#include <string.h>

void rg_report_options_init(rg_report_options *o)
{
    if (o)
        memset(o, 0, sizeof *o);
}
