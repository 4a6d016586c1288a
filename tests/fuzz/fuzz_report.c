/* fuzz_report.c: libFuzzer target for the report (report_model.c,
 * report_build.c, report_render.c, report_svg.c), fed graphs and names
 * made from the fuzz bytes (fuzz_graph.h): one snapshot, or a series of
 * three when the first byte is odd, so the growth sections are reached.
 *
 * Checks, each an abort when it fails:
 * - the Markdown re-parses with cmark-gfm into no raw HTML, links only to
 *   the report's own diagram files, and has exactly the headings, tables,
 *   table rows and list items of the HTML page (a name that broke out of
 *   its text would add or remove one);
 * - the HTML page has no live markup from a name: a scan as a browser's
 *   tokenizer would see it finds only the tags the report writes, no event
 *   handler attribute, no link or url() that leaves the page, no
 *   javascript: anywhere in an attribute. */
#include "fuzz_graph.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_ROW, CMARK_NODE_TABLE_CELL;

typedef struct fuzz_counts {
    unsigned headings, tables, rows, items;
} fuzz_counts;

static void report_fail(const char *what, const char *doc)
{
    fprintf(stderr, "fuzz_report: %s\n--- document ---\n%s\n", what, doc);
    abort();
}

/* ------------------------------------------------------- the Markdown */

static int report_is_diagram_file(const rg_report *r, const char *url)
{
    for (size_t i = 0; i < rg_report_diagram_count(r); i++) {
        const char *file, *svg;
        size_t len;
        rg_report_diagram_get(r, i, &file, &svg, &len);
        if (strcmp(file, url) == 0)
            return 1;
    }
    return 0;
}

static fuzz_counts report_check_markdown(const rg_report *r, const char *md)
{
    fuzz_counts c = {0};
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (!p || !table)
        abort();
    cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *doc = cmark_parser_finish(p);
    if (!doc)
        report_fail("cmark-gfm could not parse the Markdown", md);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_HTML_INLINE)
            report_fail("raw HTML in the Markdown", md);
        if (t == CMARK_NODE_LINK)
            report_fail("a link in the Markdown", md);
        if (t == CMARK_NODE_IMAGE && !report_is_diagram_file(r, cmark_node_get_url(n)))
            report_fail("an image that is not one of the report's diagrams", md);
        if (t == CMARK_NODE_HEADING)
            c.headings++;
        else if (t == CMARK_NODE_TABLE)
            c.tables++;
        else if (t == CMARK_NODE_TABLE_ROW)
            c.rows++;
        else if (t == CMARK_NODE_ITEM)
            c.items++;
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    cmark_parser_free(p);
    return c;
}

/* ----------------------------------------------------------- the HTML */

/* What the page is made of: the report's own HTML (report_render.c and
 * cmark's renderer) and the SVG elements Graphviz writes. */
static const char *const report_tags[] = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "h4", "p", "ul",
    "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "strong", "em",
    "figure", "figcaption", "br", "hr", "blockquote", "del",
    "svg", "g", "title", "desc", "polygon", "polyline", "path", "ellipse", "circle", "rect",
    "line", "text", "tspan", "defs", "lineargradient", "radialgradient", "stop",
};

static int report_tag_known(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof report_tags / sizeof report_tags[0]; i++)
        if (strlen(report_tags[i]) == n && strncasecmp(report_tags[i], name, n) == 0)
            return 1;
    return 0;
}

static int report_has_ci(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, lit, k) == 0)
            return 1;
    return 0;
}

static int report_attr_ok(const char *name, size_t nlen, const char *v, size_t vlen)
{
    if (nlen >= 2 && strncasecmp(name, "on", 2) == 0)
        return 0;
    if (report_has_ci(v, vlen, "javascript:") || report_has_ci(v, vlen, "&#") ||
        report_has_ci(v, vlen, "data:"))
        return 0;
    int link = (nlen == 4 && strncasecmp(name, "href", 4) == 0) ||
               (nlen == 10 && strncasecmp(name, "xlink:href", 10) == 0) ||
               (nlen == 3 && strncasecmp(name, "src", 3) == 0) ||
               (nlen == 6 && strncasecmp(name, "action", 6) == 0);
    if (link && (vlen == 0 || v[0] != '#'))
        return 0;
    /* url(#id) stays in the page; any other url() fetches */
    for (size_t i = 0; i + 4 <= vlen; i++) {
        if (strncasecmp(v + i, "url(", 4) != 0)
            continue;
        size_t j = i + 4;
        while (j < vlen && (v[j] == ' ' || v[j] == '"' || v[j] == '\''))
            j++;
        if (j >= vlen || v[j] != '#')
            return 0;
    }
    return 1;
}

static fuzz_counts report_check_html(const char *html)
{
    fuzz_counts c = {0};
    const char *p = html;
    while ((p = strchr(p, '<')) != NULL) {
        p++;
        if (strncmp(p, "!--", 3) == 0) {
            const char *end = strstr(p + 3, "-->");
            if (!end)
                report_fail("an unterminated comment", html);
            p = end + 3;
            continue;
        }
        if (strncasecmp(p, "!DOCTYPE html>", 14) == 0) {
            p += 14;
            continue;
        }
        if (*p == '!' || *p == '?')
            report_fail("a markup declaration or processing instruction", html);
        int closing = *p == '/';
        if (closing)
            p++;
        if (!isalpha((unsigned char)*p))
            continue; /* "<" not followed by a letter is text to a browser */
        const char *name = p;
        while (isalnum((unsigned char)*p) || *p == ':' || *p == '-' || *p == '_')
            p++;
        size_t nlen = (size_t)(p - name);
        if (!report_tag_known(name, nlen))
            report_fail("a tag the report does not write", html);
        if (!closing) {
            if (nlen == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6')
                c.headings++;
            else if (nlen == 5 && strncasecmp(name, "table", 5) == 0)
                c.tables++;
            else if (nlen == 2 && strncasecmp(name, "tr", 2) == 0)
                c.rows++;
            else if (nlen == 2 && strncasecmp(name, "li", 2) == 0)
                c.items++;
        }
        /* attributes, as the HTML tokenizer splits them */
        for (;;) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '/')
                p++;
            if (*p == '>' || *p == '\0')
                break;
            const char *an = p;
            while (*p && *p != '=' && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' &&
                   *p != '\n' && *p != '\r' && *p != '\f')
                p++;
            size_t anlen = (size_t)(p - an);
            const char *v = "";
            size_t vlen = 0;
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
                p++;
            if (*p == '=') {
                p++;
                while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
                    p++;
                if (*p == '"' || *p == '\'') {
                    char q = *p++;
                    v = p;
                    while (*p && *p != q)
                        p++;
                    vlen = (size_t)(p - v);
                    if (*p)
                        p++;
                } else {
                    v = p;
                    while (*p && *p != '>' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
                           *p != '\f')
                        p++;
                    vlen = (size_t)(p - v);
                }
            }
            if (!report_attr_ok(an, anlen, v, vlen))
                report_fail("an attribute that could run or fetch", html);
        }
    }
    return c;
}

/* ---------------------------------------------------------- the target */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rg_snapshot *snaps[3] = {0};
    size_t n = size > 0 && (data[0] & 1) ? 3 : 1;
    for (size_t i = 0; i < n; i++)
        if (fuzz_graph(data, size, (unsigned)(i * 4), &snaps[i]) != 0)
            goto out;
    rg_report_options o;
    rg_report_options_init(&o);
    char title[64];
    fuzz_bytes tf = {data, size, size / 2};
    o.title = fuzz_string(&tf, title, sizeof title);
    o.command_line = fuzz_hostile[size % FUZZ_HOSTILE_COUNT];
    o.top = 3;
    rg_report *r;
    if (rg_report_compute((const rg_snapshot *const *)snaps, n, &o, &r) == RG_OK) {
        char *md = NULL, *html = NULL;
        if (rg_report_markdown(r, &md) != RG_OK || rg_report_html(r, &html) != RG_OK)
            abort(); /* a built report always renders */
        fuzz_counts cm = report_check_markdown(r, md);
        fuzz_counts ch = report_check_html(html);
        if (cm.headings != ch.headings || cm.tables != ch.tables || cm.rows != ch.rows ||
            cm.items != ch.items) {
            fprintf(stderr, "Markdown: %u headings %u tables %u rows %u items; "
                            "HTML: %u headings %u tables %u rows %u items\n",
                    cm.headings, cm.tables, cm.rows, cm.items, ch.headings, ch.tables, ch.rows,
                    ch.items);
            report_fail("the Markdown and the HTML disagree on the document's shape", md);
        }
        (void)rg_report_summary(r);
        rg_free(md);
        rg_free(html);
        rg_report_free(r);
    }
out:
    for (size_t i = 0; i < n; i++)
        rg_snapshot_free(snaps[i]);
    return 0;
}
