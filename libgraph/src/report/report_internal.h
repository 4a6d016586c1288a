/*
 * report_internal.h: what the report's source files share.
 *
 * The report is made in three steps, one job per file:
 *   report_model.c  runs the analyses and copies what the report says into a
 *                   plain model (rg_rpt): numbers and strings, nothing else;
 *   report_build.c  turns the model into a cmark-gfm node tree, section by
 *                   section (report_text.c writes the sentences);
 *   report_render.c renders the tree as GitHub Markdown or as one
 *                   self-contained HTML page; report_write.c puts the files
 *                   on disk all-or-nothing.
 * Keeping the model free of snapshot handles lets the tree be built from a
 * hand-made model in tests, hostile strings and all.
 *
 * Safety rule: a string that came from a snapshot reaches the tree only as
 * the literal of a TEXT or CODE node, through rg_md_text/rg_md_code, which
 * also make control characters and broken UTF-8 visible. The only raw
 * markup in a report is the SVG of a diagram, and that passes
 * rg_svg_is_inert() first.
 */
#ifndef RG_REPORT_INTERNAL_H
#define RG_REPORT_INTERNAL_H

#include "graph/graph_internal.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>

/* The GFM table node types live in the extensions library, which exports
 * them without declaring them in an installed header. They are valid once
 * cmark_gfm_core_extensions_ensure_registered() has run. */
extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_ROW, CMARK_NODE_TABLE_CELL;

/* ------------------------------------------------------ growable strings */

typedef struct rg_sbuf {
    char *data;   /* NUL-terminated once anything was added */
    size_t len, cap;
    int failed;   /* an allocation failed; later appends do nothing */
} rg_sbuf;

RG_INTERNAL void rg_sbuf_put(rg_sbuf *b, const char *s, size_t len);
RG_INTERNAL void rg_sbuf_puts(rg_sbuf *b, const char *s);
RG_INTERNAL void rg_sbuf_printf(rg_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the string over (never NULL unless failed; "" when empty). */
RG_INTERNAL char *rg_sbuf_take(rg_sbuf *b);
RG_INTERNAL void rg_sbuf_free(rg_sbuf *b);
/* A copy of `s` (NULL counts as ""), or NULL with RG_ENOMEM set. */
RG_INTERNAL char *rg_rpt_strdup(const char *s);

/* ------------------------------------------------------ number formatting */

/* "+1,234" / "-56" / "0" */
RG_INTERNAL const char *rg_rpt_fmt_delta(char *buf, size_t cap, int64_t n);
/* "+48.0 MB" / "-1.20 kB" (rg_format_bytes with a sign) */
RG_INTERNAL const char *rg_rpt_fmt_bytes_delta(char *buf, size_t cap, int64_t n);
/* "2026-11-25 10:00:00 UTC"; "unknown time" for 0. UTC, so the report does
 * not depend on the machine's time zone. */
RG_INTERNAL const char *rg_rpt_fmt_time(char *buf, size_t cap, double unix_seconds);
/* "1.5 s", "3 min 20 s", "2 h 5 min" */
RG_INTERNAL const char *rg_rpt_fmt_duration(char *buf, size_t cap, double seconds);
/* "12.5%" of a whole; "0%" when the whole is 0 */
RG_INTERNAL const char *rg_rpt_fmt_share(char *buf, size_t cap, uint64_t part, uint64_t whole);

/* ------------------------------------------------------------ the model */

/* One step of a retention path: the edge label by which the previous object
 * refers to this one ("" for the first step, which is the root), and this
 * object's type. `detail` says what people recognise it by ("len 4,096",
 * "name 'app'"); may be "". */
typedef struct rg_rpt_hop {
    char *label;
    char *type;
    char *detail;
    uint64_t skipped;    /* > 0: stands for this many hops left out of a long chain */
} rg_rpt_hop;

typedef struct rg_rpt_path {
    char *root;          /* the root's kind: "module", "thread"; "" if none */
    char *root_label;    /* its label: "__main__", "MainThread"; NULL or "" if none */
    rg_rpt_hop *hops;
    size_t n_hops;
} rg_rpt_path;

/* The usual causes the summary names. */
typedef enum rg_rpt_cause {
    RG_RPT_CAUSE_NONE = 0,
    RG_RPT_CAUSE_CONTAINER,   /* a growing global container */
    RG_RPT_CAUSE_OUTSIDE,     /* held from outside the heap (a C extension) */
    RG_RPT_CAUSE_CYCLES       /* unreachable cycles */
} rg_rpt_cause;

/* A diagram: an SVG document and the file name it is written under. */
typedef struct rg_rpt_diagram {
    char *file;          /* "suspect-1.svg" */
    char *alt;           /* what it shows, for the Markdown image text */
    char *svg;           /* NULL when it could not be drawn */
    size_t svg_len;
    char *note;          /* why it is missing, when svg is NULL */
} rg_rpt_diagram;

typedef struct rg_rpt_suspect {
    char *type;              /* the accumulated objects' type */
    uint64_t count;          /* objects in the group */
    uint64_t shallow;        /* their shallow bytes */
    uint64_t retained;       /* bytes freed if the accumulation point let go */
    rg_rpt_path path;        /* root ... accumulation point ... an object */
    size_t holder_hop;       /* index in path.hops of the accumulation point;
                              * SIZE_MAX when it is not on the path shown */
    char *holder_type;
    int64_t holder_len;      /* -1 when unknown */
    char *holder_where;      /* "__main__.jobs.queue": where in the program; may be "" */
    int has_growth;
    int64_t count_delta;     /* from the first snapshot to the last */
    int64_t bytes_delta;
    rg_rpt_cause cause;
    int significant;         /* big enough to call a leak on one snapshot's evidence */
    char *bulk_type;         /* deeper objects holding most of the bytes; "" if none */
    uint64_t bulk_count, bulk_retained;
    uint64_t components;     /* cycles: how many cycles of this shape */
    char *advice;            /* the "what to look at" line */
    int diagram;             /* index into rg_rpt.diagrams, or -1 */
    /* The judgement (rg_suspect.level/reason) and its evidence. */
    int level;               /* rg_leak_level */
    int reason;              /* rg_leak_reason */
    uint32_t steps, steps_up;
    double bytes_per_min;    /* NaN or 0 when unknown */
    /* What a person wrote (rg_suspect.name, carried_type): "" when none. */
    char *name;
    char *carried_type;
    int interpreter_table;
    uint32_t outside_index;  /* RG_RPT_CAUSE_OUTSIDE: the rg_outside group */
    char *chain_link;        /* a recursive group: the hop that links one member to the next; "" if none */
} rg_rpt_suspect;

typedef struct rg_rpt_snap {
    char *file;          /* base name */
    char *producer, *runtime;
    int64_t pid, seq;
    double time;
    uint64_t objects, edges, roots, total_bytes;
} rg_rpt_snap;

typedef struct rg_rpt_type_row {
    char *type;
    uint64_t count, bytes;
} rg_rpt_type_row;

typedef struct rg_rpt_growth_row {
    char *name;              /* a type, or a group's readable path */
    uint64_t count_first, count_last;
    int64_t count_delta, bytes_delta;
    uint32_t steps_up, steps; /* steps at which the count rose, of all steps */
} rg_rpt_growth_row;

typedef struct rg_rpt_cycle {
    uint64_t components;     /* cycles of this shape */
    uint64_t count, bytes;   /* objects and shallow bytes over all of them */
    char *types;             /* "app.Node ×2, dict ×2" */
} rg_rpt_cycle;

typedef struct rg_rpt_outside_row {
    char *type;
    uint64_t count;          /* objects of the type with an excess */
    uint64_t excess;         /* refcount minus the references seen, summed */
    uint64_t bytes;          /* what those objects retain */
} rg_rpt_outside_row;

typedef struct rg_rpt {
    int no_diagrams;         /* the verdict alone (rg_report_verdict): draw nothing */
    char *title;
    rg_rpt_snap *snaps;
    size_t n_snaps;

    rg_rpt_suspect *suspects;
    size_t n_suspects;

    int has_growth;          /* several snapshots: the Growth section exists */
    rg_rpt_growth_row *growth_types;
    size_t n_growth_types;
    rg_rpt_growth_row *growth_groups;
    size_t n_growth_groups;
    char *growth_warnings;   /* the series warnings (the verdict is the Summary's); "" if none */

    rg_rpt_type_row *top_types;
    size_t n_top_types;
    uint64_t type_count;     /* distinct types in the last snapshot */

    rg_rpt_cycle *cycles;    /* unreachable strongly connected components */
    /* Objects no root reaches, and of them the interpreter's own baseline
     * (held-from-outside groups the judgement exempts). */
    uint64_t unreachable_objects, unreachable_bytes;
    uint64_t baseline_objects, baseline_bytes;
    size_t n_cycles;
    uint64_t cycle_objects, cycle_bytes, cycle_components;
    rg_rpt_path cycle_example;   /* one cycle, first object repeated at the end */
    int cycle_diagram;           /* -1 when none */

    int has_refcounts;       /* the last snapshot gave reference counts */
    rg_rpt_outside_row *outside;
    size_t n_outside;
    uint64_t outside_objects, outside_bytes;

    char *command_line;      /* "" when the caller gave none */
    char *versions;          /* "refgraph 0.1.0, cmark-gfm ..., Graphviz ..." */
    char *method_notes;      /* options the analyses ran with; may be "" */

    rg_rpt_diagram *diagrams;
    size_t n_diagrams;
} rg_rpt;

RG_INTERNAL void rg_rpt_path_free(rg_rpt_path *p);
RG_INTERNAL void rg_rpt_free(rg_rpt *m);
/* Append a hop to a path (strings copied; NULL counts as ""). */
RG_INTERNAL int rg_rpt_path_push(rg_rpt_path *p, const char *label, const char *type,
                                 const char *detail);
/* Append a marker for `n` hops left out. */
RG_INTERNAL int rg_rpt_path_skip(rg_rpt_path *p, uint64_t n);
/* Add a diagram; takes ownership of `svg` (may be NULL with a note).
 * Writes its index. */
RG_INTERNAL int rg_rpt_add_diagram(rg_rpt *m, const char *file, const char *alt, char *svg,
                                   size_t svg_len, const char *note, int *index);

/* The public handle: the model and what is rendered from it once. */
struct rg_report {
    rg_rpt m;
    char *summary;   /* plain text of the Summary section */
};

/* Fill a model from loaded snapshots (in time order; the last one is
 * analysed in detail). */
/* The model of the Summary alone, from a snapshot's suspects (which must
 * own their analyses: rg_suspects_compute_all) judged over n_snapshots. */
RG_INTERNAL int rg_rpt_gather_verdict(rg_rpt *m, const rg_snapshot *snap, const rg_suspects *suspects,
                                      uint32_t n_snapshots);
RG_INTERNAL int rg_rpt_gather(rg_rpt *m, const rg_snapshot *const *snaps, size_t n,
                              const rg_report_options *opts);

/* ----------------------------------------------------- the cmark tree */

/* Target of a tree: Markdown links diagrams as images; HTML inlines them. */
typedef enum rg_md_target { RG_MD_MARKDOWN = 0, RG_MD_HTML = 1 } rg_md_target;

RG_INTERNAL cmark_syntax_extension *rg_md_table_extension(void);
RG_INTERNAL cmark_node *rg_md_heading(cmark_node *parent, int level);
RG_INTERNAL cmark_node *rg_md_para(cmark_node *parent);
/* Inline text: `s` is made safe (see rg_md_sanitize) and escaped by cmark. */
RG_INTERNAL void rg_md_text(cmark_node *parent, const char *s);
RG_INTERNAL void rg_md_textf(cmark_node *parent, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
RG_INTERNAL void rg_md_code(cmark_node *parent, const char *s);
RG_INTERNAL cmark_node *rg_md_strong(cmark_node *parent);
RG_INTERNAL cmark_node *rg_md_emph(cmark_node *parent);
RG_INTERNAL void rg_md_code_block(cmark_node *parent, const char *s);
/* A bullet or numbered list, and an item holding one paragraph (returned). */
RG_INTERNAL cmark_node *rg_md_list(cmark_node *parent, int ordered);
RG_INTERNAL cmark_node *rg_md_item(cmark_node *list);
/* A GFM table with `ncols` columns; `align` is a string of 'l'/'r'/'c'/'n'
 * per column. The header row is added from `headers`. */
RG_INTERNAL cmark_node *rg_md_table(cmark_node *parent, int ncols, const char *align,
                                    const char *const *headers);
RG_INTERNAL cmark_node *rg_md_row(cmark_node *table);
RG_INTERNAL cmark_node *rg_md_cell(cmark_node *row);
/* Convenience: a cell holding plain text / inline code. */
RG_INTERNAL void rg_md_cell_text(cmark_node *row, const char *s);
RG_INTERNAL void rg_md_cell_code(cmark_node *row, const char *s);
/* A diagram: an image paragraph (Markdown) or the inlined SVG (HTML). */
RG_INTERNAL void rg_md_diagram(cmark_node *parent, const rg_rpt_diagram *d, rg_md_target target);
/* A path as "`root` → `.label` → `type` ...". */
RG_INTERNAL void rg_md_path(cmark_node *parent, const rg_rpt_path *p);

/* Make a string safe to show as literal text: valid UTF-8, no control
 * characters (shown as \n, \t, \xNN), no bidirectional overrides (shown as
 * \u202e). Returns a new string, or NULL when out of memory. */
RG_INTERNAL char *rg_md_sanitize(const char *s);

/* Build the whole document. */
RG_INTERNAL int rg_rpt_build_tree(const rg_rpt *m, rg_md_target target, cmark_node **out);

/* --------------------------------------------------------- sentences */

/* The summary as sentences appended to `section` (several paragraphs). */
RG_INTERNAL void rg_rpt_summary(cmark_node *section, const rg_rpt *m);
/* The "what to look at" line for a suspect, from its path, holder type and
 * growth. Returns a new string. */
RG_INTERNAL char *rg_rpt_advice(const rg_rpt_suspect *s);
/* Which usual cause the model points at first. */
RG_INTERNAL /* Whether a ranked suspect of cause `c` is of consequence or growing. */
RG_INTERNAL int rg_rpt_cause_significant(const rg_rpt *m, rg_rpt_cause c);
RG_INTERNAL rg_rpt_cause rg_rpt_main_cause(const rg_rpt *m);

/* ----------------------------------------------------------- rendering */

RG_INTERNAL int rg_rpt_render_markdown(const rg_rpt *m, char **out);
RG_INTERNAL int rg_rpt_render_html(const rg_rpt *m, char **out);
RG_INTERNAL int rg_rpt_render_summary(const rg_rpt *m, char **out);

/* Does this SVG contain nothing that could run or fetch: no script,
 * foreignObject, event-handler attribute, external reference or
 * javascript: URL? Diagrams that fail are left out of the report. */
RG_INTERNAL int rg_svg_is_inert(const char *svg, size_t len);

/* Where an SVG document's <svg element starts (after the XML prolog,
 * doctype and comments Graphviz writes), or NULL. */
RG_INTERNAL const char *rg_svg_element(const char *svg, size_t len);

#endif
