/*
 * report_off.c: the report API of a library built without cmark-gfm and
 * Graphviz (REFGRAPH_RENDER=OFF). Every call that would make or write a
 * report fails with RG_ERENDER and says why; the accessors answer as for no
 * report.
 */
#include "base/base.h"

#define RENDER_OFF "built without rendering (REFGRAPH_RENDER=OFF)"

static int off(char **out, const char *fn)
{
    if (out)
        *out = NULL;
    return rg_fail(RG_ERENDER, "%s: " RENDER_OFF, fn);
}

int rg_report_compute(const rg_snapshot *const *snaps, size_t n, const rg_report_options *opts, rg_report **out)
{
    if (out)
        *out = NULL;
    return rg_fail(RG_ERENDER, "rg_report_compute: " RENDER_OFF);
}

void rg_report_free(rg_report *report) {}
int rg_report_markdown(const rg_report *report, char **out) { return off(out, "rg_report_markdown"); }
int rg_report_html(const rg_report *report, char **out) { return off(out, "rg_report_html"); }
const char *rg_report_summary(const rg_report *report) { return ""; }

int rg_report_verdict(const rg_snapshot *snap, const rg_suspects *suspects, uint32_t n_snapshots, char **out)
{
    return off(out, "rg_report_verdict");
}

size_t rg_report_diagram_count(const rg_report *report) { return 0; }

void rg_report_diagram_get(const rg_report *report, size_t i, const char **file, const char **svg, size_t *svg_len)
{
    if (file)
        *file = "";
    if (svg)
        *svg = NULL;
    if (svg_len)
        *svg_len = 0;
}

int rg_report_write(const rg_report *report, const char *dir, unsigned formats)
{
    return rg_fail(RG_ERENDER, "rg_report_write: " RENDER_OFF);
}

int rg_report_json(const rg_report *report, char **out) { return off(out, "rg_report_json"); }
