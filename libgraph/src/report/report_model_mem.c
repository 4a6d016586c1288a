/* report_model_mem.c: the model's parts (paths, diagrams) and its memory.
 * Kept apart from report.c, the public API, so that the model's builders
 * call down to here and never back up into the API that drives them. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

void rg_rpt_path_free(rg_rpt_path *p)
{
    for (size_t i = 0; i < p->n_hops; i++) {
        rg_free(p->hops[i].label);
        rg_free(p->hops[i].type);
        rg_free(p->hops[i].detail);
    }
    rg_free(p->hops);
    rg_free(p->root);
    rg_free(p->root_label);
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
        rg_free(svg);
        return RG_ENOMEM;
    }
    m->diagrams = d;
    d = &m->diagrams[m->n_diagrams++];
    memset(d, 0, sizeof *d);
    d->file = rg_rpt_strdup(file);
    d->alt = rg_rpt_strdup(alt);
    if (svg && !rg_svg_is_inert(svg, svg_len)) {
        rg_free(svg);
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
        rg_free(rows[i].name);
    rg_free(rows);
}

void rg_rpt_free(rg_rpt *m)
{
    if (!m)
        return;
    rg_free(m->title);
    for (size_t i = 0; i < m->n_snaps; i++) {
        rg_free(m->snaps[i].file);
        rg_free(m->snaps[i].producer);
        rg_free(m->snaps[i].runtime);
    }
    rg_free(m->snaps);
    for (size_t i = 0; i < m->n_suspects; i++) {
        rg_rpt_suspect *s = &m->suspects[i];
        rg_free(s->type);
        rg_rpt_path_free(&s->path);
        rg_free(s->holder_type);
        rg_free(s->holder_where);
        rg_free(s->bulk_type);
        rg_free(s->advice);
        rg_free(s->name);
        rg_free(s->carried_type);
        rg_free(s->chain_link);
    }
    rg_free(m->suspects);
    growth_rows_free(m->growth_types, m->n_growth_types);
    growth_rows_free(m->growth_groups, m->n_growth_groups);
    rg_free(m->growth_warnings);
    for (size_t i = 0; i < m->n_top_types; i++)
        rg_free(m->top_types[i].type);
    rg_free(m->top_types);
    for (size_t i = 0; i < m->n_cycles; i++)
        rg_free(m->cycles[i].types);
    rg_free(m->cycles);
    rg_rpt_path_free(&m->cycle_example);
    for (size_t i = 0; i < m->n_outside; i++)
        rg_free(m->outside[i].type);
    rg_free(m->outside);
    rg_free(m->command_line);
    rg_free(m->versions);
    rg_free(m->method_notes);
    for (size_t i = 0; i < m->n_diagrams; i++) {
        rg_free(m->diagrams[i].file);
        rg_free(m->diagrams[i].alt);
        rg_free(m->diagrams[i].svg);
        rg_free(m->diagrams[i].note);
    }
    rg_free(m->diagrams);
    memset(m, 0, sizeof *m);
}
