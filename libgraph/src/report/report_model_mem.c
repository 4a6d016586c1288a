/* report_model_mem.c: the model's parts (paths, diagrams) and its memory.
 * Kept apart from report.c, the public API, so that the model's builders
 * call down to here and never back up into the API that drives them. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

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
