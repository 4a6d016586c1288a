/*
 * report_options.c: the report's options, apart from the report, so that a
 * build without rendering (REFGRAPH_RENDER=OFF) defaults exactly as one with.
 */
#include "base/base.h"

#include <string.h>

int rg_report_options_init(rg_report_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_REPORT_OPTIONS_VERSION, "rg_report_options")
               : rg_fail(RG_EINVAL, "rg_report_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_report_options)RG_REPORT_OPTIONS_INIT;
    return rc;
}
