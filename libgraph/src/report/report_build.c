/* report_build.c: the model as a cmark-gfm node tree, one function per
 * section, headings fixed and in a fixed order. A section with nothing in
 * it says so in one line instead of vanishing, so a reader can tell "none"
 * from "not looked at". The one exception is Growth, which exists only when
 * there are several snapshots to compare. */
#include "report_internal.h"
#include "analyze/judge.h"

#include <stdlib.h>
#include <string.h>

#define CNT(buf, n) rg_format_count(buf, sizeof buf, (n))
#define BYTES(buf, n) rg_format_bytes(buf, sizeof buf, (n))

static void section(cmark_node *doc, const char *title)
{
    rg_md_text(rg_md_heading(doc, 2), title);
}

static void one_line(cmark_node *doc, const char *text) { rg_md_text(rg_md_para(doc), text); }

/* "**Label:** " at the start of a list item. */
static void label(cmark_node *item, const char *text)
{
    rg_md_text(rg_md_strong(item), text);
    rg_md_text(item, " ");
}

static void header(cmark_node *doc, const rg_rpt *m)
{
    const rg_rpt_snap *last = &m->snaps[m->n_snaps - 1];
    const rg_rpt_snap *first = &m->snaps[0];
    char a[64], b[64], c[64];
    cmark_node *list = rg_md_list(doc, 0);

    cmark_node *it = rg_md_item(list);
    label(it, "Process:");
    if (last->pid >= 0)
        rg_md_textf(it, "pid %lld", (long long)last->pid);
    else
        rg_md_text(it, "pid unknown");
    rg_md_text(it, ", ");
    if (*last->runtime)
        rg_md_code(it, last->runtime);
    else
        rg_md_text(it, "runtime unknown");

    it = rg_md_item(list);
    label(it, "Producer:");
    if (*last->producer)
        rg_md_code(it, last->producer);
    else
        rg_md_text(it, "unknown");

    it = rg_md_item(list);
    if (m->n_snaps == 1) {
        label(it, "Snapshot:");
        rg_md_code(it, last->file);
        rg_md_textf(it, ", taken %s", rg_rpt_fmt_time(a, sizeof a, last->time));
    } else {
        label(it, "Snapshots:");
        rg_md_textf(it, "%zu, from %s to %s", m->n_snaps, rg_rpt_fmt_time(a, sizeof a, first->time),
                    rg_rpt_fmt_time(b, sizeof b, last->time));
        if (first->time > 0 && last->time >= first->time)
            rg_md_textf(it, " (%s)", rg_rpt_fmt_duration(c, sizeof c, last->time - first->time));
    }

    it = rg_md_item(list);
    label(it, m->n_snaps == 1 ? "Heap:" : "Heap in the last snapshot:");
    rg_md_textf(it, "%s objects, ", CNT(a, last->objects));
    rg_md_textf(it, "%s references, ", CNT(b, last->edges));
    rg_md_textf(it, "%s in total", BYTES(c, last->total_bytes));

    if (m->n_snaps > 1) {
        static const char *const h[] = {"seq", "snapshot", "taken", "objects", "references", "bytes"};
        cmark_node *t = rg_md_table(doc, 6, "rllrrr", h);
        for (size_t i = 0; i < m->n_snaps; i++) {
            const rg_rpt_snap *s = &m->snaps[i];
            cmark_node *row = rg_md_row(t);
            char idx[32];
            snprintf(idx, sizeof idx, "%lld", s->seq >= 0 ? (long long)s->seq : (long long)i + 1);
            rg_md_cell_text(row, idx);
            rg_md_cell_code(row, s->file);
            rg_md_cell_text(row, rg_rpt_fmt_time(a, sizeof a, s->time));
            rg_md_cell_text(row, CNT(b, s->objects));
            rg_md_cell_text(row, CNT(c, s->edges));
            rg_md_cell_text(row, BYTES(a, s->total_bytes));
        }
    }
}

/* "the `collections.deque` (len 4,096) at `__main__.jobs.queue`" */
static void holder(cmark_node *p, const rg_rpt_suspect *s)
{
    switch (s->cause) {
    case RG_RPT_CAUSE_CYCLES:
        rg_md_text(p, "none: no root reaches these objects; they keep each other alive");
        return;
    case RG_RPT_CAUSE_OUTSIDE:
        rg_md_text(p, "outside the Python heap: references that no object in the snapshot explains");
        return;
    default:
        break;
    }
    if (!s->holder_type || !*s->holder_type) {
        rg_md_text(p, "not found: the objects are held directly by the path above");
        return;
    }
    rg_md_text(p, "the ");
    rg_md_code(p, s->holder_type);
    if (s->holder_len >= 0) {
        char a[32];
        rg_md_textf(p, " (len %s)", CNT(a, (uint64_t)s->holder_len));
    }
    if (s->holder_where && *s->holder_where) {
        rg_md_text(p, " at ");
        rg_md_code(p, s->holder_where);
    }
}

/* The suspect in a few words, for its heading and the overview table. */
static void held_by(cmark_node *p, const rg_rpt_suspect *s)
{
    switch (s->cause) {
    case RG_RPT_CAUSE_CYCLES: rg_md_text(p, "unreachable cycles"); break;
    case RG_RPT_CAUSE_OUTSIDE: rg_md_text(p, "outside the heap"); break;
    default:
        if (s->holder_type && *s->holder_type)
            rg_md_code(p, s->holder_type);
        else
            rg_md_text(p, "its path");
    }
}

static void growth_text(cmark_node *p, int64_t count_delta, int64_t bytes_delta)
{
    char a[48], b[48];
    if (count_delta == 0 && bytes_delta == 0) {
        rg_md_text(p, "no change");
        return;
    }
    rg_md_textf(p, "%s objects, %s", rg_rpt_fmt_delta(a, sizeof a, count_delta),
                rg_rpt_fmt_bytes_delta(b, sizeof b, bytes_delta));
}

/* Suspects the judgement calls at least a possible leak get a row and a
 * section; the rest go on one compact line, so a steady program's report has
 * no suspect sections. */
static int detailed(const rg_rpt_suspect *s) { return s->level >= RG_LEVEL_POSSIBLE_LEAK; }

static void compact_line(cmark_node *doc, const rg_rpt *m, size_t n_detailed)
{
    char a[48], b[48];
    if (n_detailed == m->n_suspects)
        return;
    cmark_node *p = rg_md_para(doc);
    rg_md_text(p, n_detailed ? "Also listed, not of consequence: " : "Not of consequence (no leak): ");
    int first = 1;
    for (size_t i = 0; i < m->n_suspects; i++) {
        const rg_rpt_suspect *s = &m->suspects[i];
        if (detailed(s))
            continue;
        rg_md_text(p, first ? "" : "; ");
        first = 0;
        rg_md_textf(p, "%s ", CNT(a, s->count));
        rg_md_code(p, s->type);
        rg_md_textf(p, " (%s) ", BYTES(b, s->retained));
        rg_md_text(p, s->cause == RG_RPT_CAUSE_CYCLES ? "in " : s->cause == RG_RPT_CAUSE_OUTSIDE ? "held from " : "held by ");
        held_by(p, s);
        if (s->holder_where && *s->holder_where && s->cause == RG_RPT_CAUSE_CONTAINER) {
            rg_md_text(p, " at ");
            rg_md_code(p, s->holder_where);
        }
    }
    rg_md_text(p, ".");
}

static void suspects(cmark_node *doc, const rg_rpt *m, rg_md_target target)
{
    section(doc, "Leak suspects");
    size_t n_detailed = 0;
    for (size_t i = 0; i < m->n_suspects; i++)
        n_detailed += detailed(&m->suspects[i]);
    if (m->n_suspects == 0) {
        one_line(doc, "No leak suspects: no group of objects stands out as held in one place.");
        return;
    }
    char a[48], b[48];
    if (n_detailed) {
        const char *h[] = {"rank", "objects", "count", "retained", "held by", "verdict", "growth"};
        int ncols = m->has_growth ? 7 : 6;
        cmark_node *t = rg_md_table(doc, ncols, "rlrrllr", h);
        for (size_t i = 0; i < m->n_suspects; i++) {
            const rg_rpt_suspect *s = &m->suspects[i];
            if (!detailed(s))
                continue;
            cmark_node *row = rg_md_row(t);
            snprintf(a, sizeof a, "%zu", i + 1);
            rg_md_cell_text(row, a);
            rg_md_cell_code(row, s->name && *s->name ? s->name : s->type);
            rg_md_cell_text(row, CNT(a, s->count));
            rg_md_cell_text(row, BYTES(b, s->retained));
            held_by(rg_md_cell(row), s);
            snprintf(a, sizeof a, "%s (%s)", rg_leak_level_name((rg_leak_level)s->level),
                     rg_leak_reason_name((rg_leak_reason)s->reason));
            rg_md_cell_text(row, a);
            if (m->has_growth) {
                cmark_node *cell = rg_md_cell(row);
                if (s->has_growth)
                    growth_text(cell, s->count_delta, s->bytes_delta);
                else
                    rg_md_text(cell, "not measured");
            }
        }
    }
    for (size_t i = 0; i < m->n_suspects; i++) {
        const rg_rpt_suspect *s = &m->suspects[i];
        if (!detailed(s))
            continue;
        cmark_node *h = rg_md_heading(doc, 3);
        rg_md_textf(h, "Suspect %zu: ", i + 1);
        rg_md_code(h, s->type);
        rg_md_text(h, s->cause == RG_RPT_CAUSE_CYCLES    ? " in "
                      : s->cause == RG_RPT_CAUSE_OUTSIDE ? " held from "
                                                         : " held by ");
        held_by(h, s);

        cmark_node *list = rg_md_list(doc, 0);
        cmark_node *it = rg_md_item(list);
        label(it, "Verdict:");
        rg_md_textf(it, "%s (%s)", rg_leak_level_name((rg_leak_level)s->level),
                    rg_leak_reason_name((rg_leak_reason)s->reason));
        if (s->name && *s->name) {
            it = rg_md_item(list);
            label(it, "Function:");
            rg_md_code(it, s->name);
        }
        if (s->carried_type && *s->carried_type) {
            it = rg_md_item(list);
            label(it, "Carries:");
            rg_md_code(it, s->carried_type);
        }
        it = rg_md_item(list);
        label(it, s->cause == RG_RPT_CAUSE_CYCLES ? "Cycle:" : "Retention path:");
        rg_md_path(it, &s->path);

        it = rg_md_item(list);
        label(it, "Count:");
        rg_md_textf(it, "%s object%s", CNT(a, s->count), s->count == 1 ? "" : "s");
        if (s->has_growth && (s->count_delta || s->bytes_delta)) {
            rg_md_text(it, " (");
            growth_text(it, s->count_delta, s->bytes_delta);
            rg_md_text(it, " since the first snapshot)");
        } else if (s->has_growth) {
            rg_md_text(it, " (no change since the first snapshot)");
        }

        it = rg_md_item(list);
        label(it, "Size:");
        rg_md_textf(it, "%s shallow, %s retained", BYTES(a, s->shallow), BYTES(b, s->retained));
        if (s->bulk_type && *s->bulk_type) {
            rg_md_text(it, "; most of it in ");
            rg_md_textf(it, "%s ", CNT(a, s->bulk_count));
            rg_md_code(it, s->bulk_type);
            rg_md_textf(it, " object%s (%s retained) further down the path",
                        s->bulk_count == 1 ? "" : "s", BYTES(b, s->bulk_retained));
        }

        it = rg_md_item(list);
        label(it, "Accumulation point:");
        holder(it, s);

        it = rg_md_item(list);
        label(it, "What to look at:");
        rg_md_text(it, s->advice);

        if (s->diagram >= 0 && (size_t)s->diagram < m->n_diagrams)
            rg_md_diagram(doc, &m->diagrams[s->diagram], target);
    }
    compact_line(doc, m, n_detailed);
}

static void growth_table(cmark_node *doc, const char *first_col, const rg_rpt_growth_row *rows,
                         size_t n, int code)
{
    const char *h[] = {first_col, "first", "last", "change", "bytes change", "rose at"};
    cmark_node *t = rg_md_table(doc, 6, "lrrrrr", h);
    char a[48];
    for (size_t i = 0; i < n; i++) {
        cmark_node *row = rg_md_row(t);
        if (code)
            rg_md_cell_code(row, rows[i].name);
        else
            rg_md_cell_text(row, rows[i].name);
        rg_md_cell_text(row, CNT(a, rows[i].count_first));
        rg_md_cell_text(row, CNT(a, rows[i].count_last));
        rg_md_cell_text(row, rg_rpt_fmt_delta(a, sizeof a, rows[i].count_delta));
        rg_md_cell_text(row, rg_rpt_fmt_bytes_delta(a, sizeof a, rows[i].bytes_delta));
        snprintf(a, sizeof a, "%u of %u steps", rows[i].steps_up, rows[i].steps);
        rg_md_cell_text(row, a);
    }
}

static void growth(cmark_node *doc, const rg_rpt *m)
{
    section(doc, "Growth");
    /* The verdict is the Summary's (the one judgement, which `refgraph
     * diff` prints too); here only what the series itself warns about. */
    if (m->growth_warnings && *m->growth_warnings)
        rg_md_text(rg_md_para(doc), m->growth_warnings);
    if (m->n_growth_types == 0 && m->n_growth_groups == 0) {
        one_line(doc, "Nothing grew from the first snapshot to the last.");
        return;
    }
    if (m->n_growth_types) {
        rg_md_text(rg_md_heading(doc, 3), "Growing types");
        growth_table(doc, "type", m->growth_types, m->n_growth_types, 1);
    }
    if (m->n_growth_groups) {
        rg_md_text(rg_md_heading(doc, 3), "Growing groups");
        growth_table(doc, "retention path", m->growth_groups, m->n_growth_groups, 0);
    }
}

static void top_types(cmark_node *doc, const rg_rpt *m)
{
    section(doc, "Top types");
    if (m->n_top_types == 0) {
        one_line(doc, "The snapshot holds no objects.");
        return;
    }
    const rg_rpt_snap *last = &m->snaps[m->n_snaps - 1];
    static const char *const h[] = {"type", "count", "bytes", "share"};
    cmark_node *t = rg_md_table(doc, 4, "lrrr", h);
    char a[48], b[48];
    for (size_t i = 0; i < m->n_top_types; i++) {
        cmark_node *row = rg_md_row(t);
        rg_md_cell_code(row, m->top_types[i].type);
        rg_md_cell_text(row, CNT(a, m->top_types[i].count));
        rg_md_cell_text(row, BYTES(a, m->top_types[i].bytes));
        rg_md_cell_text(row, rg_rpt_fmt_share(a, sizeof a, m->top_types[i].bytes, last->total_bytes));
    }
    if (m->type_count > m->n_top_types)
        rg_md_textf(rg_md_para(doc), "%s more type%s not shown. Share is of all %s.",
                    CNT(a, m->type_count - m->n_top_types),
                    m->type_count - m->n_top_types == 1 ? " is" : "s are", BYTES(b, last->total_bytes));
}

static void cycles(cmark_node *doc, const rg_rpt *m, rg_md_target target)
{
    section(doc, "Unreachable cycles");
    if (m->cycle_components == 0) {
        one_line(doc, "None: every object on a reference cycle is reachable from a root.");
        return;
    }
    char a[48], b[48], c[48];
    rg_md_textf(rg_md_para(doc),
                "%s objects (%s) sit on %s reference cycles that no root reaches. They live "
                "until the cycle collector runs; with the collector disabled, or stuck on "
                "finalizers, they never go.",
                CNT(a, m->cycle_objects), BYTES(b, m->cycle_bytes), CNT(c, m->cycle_components));
    if (m->n_cycles) {
        static const char *const h[] = {"shape", "cycles", "objects", "bytes"};
        cmark_node *t = rg_md_table(doc, 4, "lrrr", h);
        for (size_t i = 0; i < m->n_cycles; i++) {
            cmark_node *row = rg_md_row(t);
            rg_md_cell_code(row, m->cycles[i].types);
            rg_md_cell_text(row, CNT(a, m->cycles[i].components));
            rg_md_cell_text(row, CNT(a, m->cycles[i].count));
            rg_md_cell_text(row, BYTES(a, m->cycles[i].bytes));
        }
    }
    if (m->cycle_example.n_hops) {
        cmark_node *p = rg_md_para(doc);
        rg_md_text(p, "A representative cycle: ");
        rg_md_path(p, &m->cycle_example);
        rg_md_text(p, ".");
    }
    if (m->cycle_diagram >= 0 && (size_t)m->cycle_diagram < m->n_diagrams)
        rg_md_diagram(doc, &m->diagrams[m->cycle_diagram], target);
}

static void outside(cmark_node *doc, const rg_rpt *m)
{
    section(doc, "Held outside the Python heap");
    if (!m->has_refcounts) {
        one_line(doc, "Not checked: the snapshot has no reference counts.");
        return;
    }
    if (m->n_outside == 0) {
        one_line(doc, "Nothing: every reference count is explained by references in the snapshot.");
        return;
    }
    char a[48], b[48];
    if (rg_rpt_cause_significant(m, RG_RPT_CAUSE_OUTSIDE))
        rg_md_textf(rg_md_para(doc),
                    "%s objects (%s retained) have reference counts higher than the references "
                    "the snapshot shows. Something outside the Python heap holds them: usually a C "
                    "extension or a ctypes call that took a reference and never released it.",
                    CNT(a, m->outside_objects), BYTES(b, m->outside_bytes));
    else
        rg_md_textf(rg_md_para(doc),
                    "%s objects (%s retained) have reference counts higher than the references "
                    "the snapshot shows, too few to be a leak: the interpreter itself holds a "
                    "few objects through tables that no dump sees. A C extension that leaks "
                    "shows up here as many objects of one type, growing between snapshots.",
                    CNT(a, m->outside_objects), BYTES(b, m->outside_bytes));
    static const char *const h[] = {"type", "objects", "unexplained references", "retained"};
    cmark_node *t = rg_md_table(doc, 4, "lrrr", h);
    for (size_t i = 0; i < m->n_outside; i++) {
        cmark_node *row = rg_md_row(t);
        rg_md_cell_code(row, m->outside[i].type);
        rg_md_cell_text(row, CNT(a, m->outside[i].count));
        rg_md_cell_text(row, CNT(a, m->outside[i].excess));
        rg_md_cell_text(row, BYTES(a, m->outside[i].bytes));
    }
}

static void method(cmark_node *doc, const rg_rpt *m)
{
    section(doc, "How this report was made");
    if (m->command_line && *m->command_line) {
        rg_md_text(rg_md_para(doc), "Command:");
        rg_md_code_block(doc, m->command_line);
    }
    cmark_node *p = rg_md_para(doc);
    rg_md_text(p, "Made by ");
    rg_md_text(p, m->versions);
    rg_md_text(p, ".");
    if (m->method_notes && *m->method_notes)
        rg_md_text(rg_md_para(doc), m->method_notes);
}

int rg_rpt_build_tree(const rg_rpt *m, rg_md_target target, cmark_node **out)
{
    if (!m->n_snaps)
        return rg_fail(RG_EINVAL, "report: no snapshot");
    cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
    cmark_node *h1 = rg_md_heading(doc, 1);
    rg_md_text(h1, "Memory report: ");
    rg_md_text(h1, m->title);
    header(doc, m);

    section(doc, "Summary");
    rg_rpt_summary(doc, m);

    suspects(doc, m, target);
    if (m->has_growth)
        growth(doc, m);
    top_types(doc, m);
    cycles(doc, m, target);
    outside(doc, m);
    method(doc, m);
    *out = doc;
    return RG_OK;
}
