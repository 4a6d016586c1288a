/* report.c: the public report API and the model's memory. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

int rg_report_options_init(rg_report_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_REPORT_OPTIONS_VERSION, "rg_report_options")
               : rg_fail(RG_EINVAL, "rg_report_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_report_options)RG_REPORT_OPTIONS_INIT;
    return rc;
}

void rg_rpt_path_free(rg_rpt_path *p)
{
    for (size_t i = 0; i < p->n_hops; i++) {
        free(p->hops[i].label);
        free(p->hops[i].type);
        free(p->hops[i].detail);
    }
    free(p->hops);
    free(p->root);
    free(p->root_label);
    memset(p, 0, sizeof *p);
}

int rg_rpt_path_push(rg_rpt_path *p, const char *label, const char *type, const char *detail)
{
    rg_rpt_hop *h = rg_xrealloc(p->hops, p->n_hops + 1, sizeof *h);
    if (!h)
        return RG_ENOMEM;
    p->hops = h;
    h = &p->hops[p->n_hops];
    h->label = rg_rpt_strdup(label);
    h->type = rg_rpt_strdup(type);
    h->detail = rg_rpt_strdup(detail);
    h->skipped = 0;
    p->n_hops++;
    if (!h->label || !h->type || !h->detail)
        return RG_ENOMEM;
    return RG_OK;
}

int rg_rpt_path_skip(rg_rpt_path *p, uint64_t n)
{
    int rc = rg_rpt_path_push(p, "", "", "");
    if (rc == RG_OK)
        p->hops[p->n_hops - 1].skipped = n;
    return rc;
}

int rg_rpt_add_diagram(rg_rpt *m, const char *file, const char *alt, char *svg, size_t svg_len,
                       const char *note, int *index)
{
    rg_rpt_diagram *d = rg_xrealloc(m->diagrams, m->n_diagrams + 1, sizeof *d);
    if (!d) {
        free(svg);
        return RG_ENOMEM;
    }
    m->diagrams = d;
    d = &m->diagrams[m->n_diagrams++];
    memset(d, 0, sizeof *d);
    d->file = rg_rpt_strdup(file);
    d->alt = rg_rpt_strdup(alt);
    if (svg && !rg_svg_is_inert(svg, svg_len)) {
        free(svg);
        svg = NULL;
        note = "the SVG Graphviz wrote did not pass the report's safety check";
    }
    d->svg = svg;
    d->svg_len = svg ? svg_len : 0;
    d->note = rg_rpt_strdup(note);
    *index = (int)(m->n_diagrams - 1);
    if (!d->file || !d->alt || !d->note)
        return RG_ENOMEM;
    return RG_OK;
}

static void growth_rows_free(rg_rpt_growth_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].name);
    free(rows);
}

void rg_rpt_free(rg_rpt *m)
{
    if (!m)
        return;
    free(m->title);
    for (size_t i = 0; i < m->n_snaps; i++) {
        free(m->snaps[i].file);
        free(m->snaps[i].producer);
        free(m->snaps[i].runtime);
    }
    free(m->snaps);
    for (size_t i = 0; i < m->n_suspects; i++) {
        rg_rpt_suspect *s = &m->suspects[i];
        free(s->type);
        rg_rpt_path_free(&s->path);
        free(s->holder_type);
        free(s->holder_where);
        free(s->bulk_type);
        free(s->advice);
        free(s->name);
        free(s->carried_type);
        free(s->chain_link);
    }
    free(m->suspects);
    growth_rows_free(m->growth_types, m->n_growth_types);
    growth_rows_free(m->growth_groups, m->n_growth_groups);
    free(m->growth_warnings);
    for (size_t i = 0; i < m->n_top_types; i++)
        free(m->top_types[i].type);
    free(m->top_types);
    for (size_t i = 0; i < m->n_cycles; i++)
        free(m->cycles[i].types);
    free(m->cycles);
    rg_rpt_path_free(&m->cycle_example);
    for (size_t i = 0; i < m->n_outside; i++)
        free(m->outside[i].type);
    free(m->outside);
    free(m->command_line);
    free(m->versions);
    free(m->method_notes);
    for (size_t i = 0; i < m->n_diagrams; i++) {
        free(m->diagrams[i].file);
        free(m->diagrams[i].alt);
        free(m->diagrams[i].svg);
        free(m->diagrams[i].note);
    }
    free(m->diagrams);
    memset(m, 0, sizeof *m);
}

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
    free(r->summary);
    free(r);
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
