/**
 * @file
 * refgraph/report.h: the report: Markdown, HTML, JSON and text.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/report/.
 */
#ifndef REFGRAPH_REPORT_H
#define REFGRAPH_REPORT_H

#include "suspects.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== report: Markdown and HTML (report.c) ==== */
/**
 * A report runs the analyses over a series of snapshots and explains the
 * result to someone who was not there: summary, leak suspects with their
 * retention paths and diagrams, growth, top types, unreachable cycles,
 * objects held from outside the heap, and how the report was made. It is
 * built as a cmark-gfm node tree; strings from the snapshot only ever become
 * text, never markup (docs/report.md lists the guarantees). The same
 * snapshots and options give byte-identical output.
 *
 *   rg_report_options o = RG_REPORT_OPTIONS_INIT;
 *   o.title = "worker memory";
 *   rg_report *r;
 *   if (rg_report_compute(snaps, n, &o, &r) != RG_OK ||
 *       rg_report_write(r, "out", RG_REPORT_MARKDOWN | RG_REPORT_HTML) != RG_OK)
 *       fprintf(stderr, "%s\n", rg_last_error());
 *   rg_report_free(r);
 */
typedef struct rg_report rg_report;

/** Options for rg_report_compute (versioned: start from RG_REPORT_OPTIONS_INIT). */
typedef struct rg_report_options {
    /** RG_REPORT_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** "# Memory report: <title>". NULL or "": made from the last snapshot's
     * runtime and pid. Borrowed for the call only. */
    const char *title;
    /** Leak suspects described, and rows in each table; 0 means 10. */
    uint32_t top;
    /** The command that made the report, shown under "How this report was
     * made". NULL: not shown. Borrowed for the call only. */
    const char *command_line;
    /** Which edges retention paths may use; NULL: rg_path_options_init's. */
    const rg_path_options *paths;
} rg_report_options;

/** The version of rg_report_options this header describes. */
#define RG_REPORT_OPTIONS_VERSION 1
/** rg_report_options with the version set and every default filled in:
 * `rg_report_options o = RG_REPORT_OPTIONS_INIT;`. */
#define RG_REPORT_OPTIONS_INIT {RG_REPORT_OPTIONS_VERSION, NULL, 0, NULL, NULL}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_REPORT_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_report_options_init(rg_report_options *opts, unsigned int version);

/** @{ */
/** Build a report from `n` snapshots of one process in time order (oldest
 * first; the last one is analysed in detail, the others give growth).
 * Everything the report says is copied into it, so the snapshots may be
 * freed afterwards. On success *out is owned by the caller: rg_report_free. */
RG_API int rg_report_compute(const rg_snapshot *const *snaps, size_t n,
                           const rg_report_options *opts, rg_report **out);
RG_API void rg_report_free(rg_report *report);
/** @} */

/** @{ */
/** The report as GitHub-flavoured Markdown (diagrams are linked as the
 * image files named by rg_report_diagram_get) or as one self-contained HTML page
 * (diagrams inlined, inline stylesheet, no script, no external fetch).
 * *out is NUL-terminated; the caller frees it with rg_free. */
RG_API int rg_report_markdown(const rg_report *report, char **out);
RG_API int rg_report_html(const rg_report *report, char **out);
/** @} */

/** The Summary section as plain text, for a terminal. Owned by the report. */
RG_API const char *rg_report_summary(const rg_report *report);

/** The same Summary for one snapshot's suspects, judged over n_snapshots
 * (growth given to rg_suspects_compute_all through its options), without drawing
 * anything: what `refgraph suspects` and `refgraph diff` print, so that they
 * and the report say the same. `suspects` must come from
 * rg_suspects_compute_all. On success *out is plain text the caller frees with
 * rg_free. */
RG_API int rg_report_verdict(const rg_snapshot *snap, const rg_suspects *suspects, uint32_t n_snapshots,
                             char **out);

/** @{ */
/** The diagrams: i < rg_report_diagram_count. `file` is the name the
 * Markdown links to ("suspect-1.svg"); `svg` is the document (NULL when the
 * diagram could not be drawn; the report then says why). Owned by the report. */
RG_API size_t rg_report_diagram_count(const rg_report *report);
RG_API void rg_report_diagram_get(const rg_report *report, size_t i, const char **file,
                              const char **svg, size_t *svg_len);
/** @} */

#define RG_REPORT_MARKDOWN 0x1u   /**< DIR/report.md */
#define RG_REPORT_HTML 0x2u       /**< DIR/report.html */

/** Write the report into directory `dir` (created, with its parents, when
 * missing): report.md and/or report.html as `formats` says, and the
 * diagrams as DIR/FILE.svg. Every file is first written under a temporary
 * name and renamed only once all of them are complete, so a failure leaves
 * neither a half-written file nor a new report.md beside old diagrams. Then
 * the diagrams of an earlier report in `dir` that this one does not have
 * (suspect-N.svg, cycle-N.svg) are removed; no other file is touched. */
RG_API int rg_report_write(const rg_report *report, const char *dir, unsigned formats);

/** The report's model as one JSON document (what `refgraph report --json`
 * prints; the schema is in docs/cli.md): title, snapshots, the Summary text,
 * suspects with their verdict, path, holder and advice, growth, top types,
 * unreachable cycles, objects held from outside, how it was made, and the
 * diagrams' file names. Strings that are not valid UTF-8 have each bad byte
 * replaced by U+FFFD. On success *out is NUL-terminated and owned by the
 * caller (rg_free). */
RG_API int rg_report_json(const rg_report *report, char **out);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_REPORT_H */
