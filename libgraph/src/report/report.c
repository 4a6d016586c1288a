/* report.c: the public report API: builds the model (report_model.c) and
 * hands out what is rendered from it. Nothing in the layer calls back here. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

int rg_report_compute(const rg_snapshot *const *snaps, size_t n, const rg_report_options *opts,
                    rg_report **out)
{
    if (!snaps || !out)
        return rg_fail(RG_EINVAL, "rg_report_compute: NULL argument");
    if (opts && rg_options_version(opts->version, RG_REPORT_OPTIONS_VERSION, "rg_report_compute: rg_report_options") != RG_OK)
        return RG_EINVAL;
    if (n == 0)
        return rg_fail(RG_EINVAL, "rg_report_compute: no snapshot given");
    for (size_t i = 0; i < n; i++)
        if (!snaps[i])
            return rg_fail(RG_EINVAL, "rg_report_compute: snapshot %zu is NULL", i);
    rg_report_options defaults;
    if (!opts) {
        rg_report_options_init(&defaults, RG_REPORT_OPTIONS_VERSION);
        opts = &defaults;
    }
    rg_report *r = rg_xcalloc(1, sizeof *r);
    if (!r)
        return RG_ENOMEM;
    r->m.cycle_diagram = -1;
    int rc = rg_rpt_gather(&r->m, snaps, n, opts);
    if (rc == RG_OK)
        rc = rg_rpt_render_summary(&r->m, &r->summary);
    if (rc != RG_OK) {
        rg_report_free(r);
        return rc;
    }
    *out = r;
    return RG_OK;
}

void rg_report_free(rg_report *r)
{
    if (!r)
        return;
    rg_rpt_free(&r->m);
    rg_free(r->summary);
    rg_free(r);
}

int rg_report_markdown(const rg_report *r, char **out)
{
    if (!r || !out)
        return rg_fail(RG_EINVAL, "rg_report_markdown: NULL argument");
    return rg_rpt_render_markdown(&r->m, out);
}

int rg_report_html(const rg_report *r, char **out)
{
    if (!r || !out)
        return rg_fail(RG_EINVAL, "rg_report_html: NULL argument");
    return rg_rpt_render_html(&r->m, out);
}

const char *rg_report_summary(const rg_report *r) { return r && r->summary ? r->summary : ""; }

int rg_report_verdict(const rg_snapshot *snap, const rg_suspects *suspects, uint32_t n_snapshots, char **out)
{
    if (!snap || !suspects || !out)
        return rg_fail(RG_EINVAL, "rg_report_verdict: NULL argument");
    rg_rpt m;
    memset(&m, 0, sizeof m);
    int rc = rg_rpt_gather_verdict(&m, snap, suspects, n_snapshots);
    char *text = NULL;
    if (rc == RG_OK)
        rc = rg_rpt_render_summary(&m, &text);
    rg_rpt_free(&m);
    if (rc != RG_OK)
        return rc;
    /* One paragraph, no trailing newline: callers print it on a line. */
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    *out = text;
    return RG_OK;
}

size_t rg_report_diagram_count(const rg_report *r) { return r ? r->m.n_diagrams : 0; }

void rg_report_diagram_get(const rg_report *r, size_t i, const char **file, const char **svg,
                       size_t *svg_len)
{
    const rg_rpt_diagram *d = r && i < r->m.n_diagrams ? &r->m.diagrams[i] : NULL;
    if (file)
        *file = d ? d->file : "";
    if (svg)
        *svg = d ? d->svg : NULL;
    if (svg_len)
        *svg_len = d ? d->svg_len : 0;
}
