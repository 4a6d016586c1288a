/* report_render.c: the node tree to GitHub Markdown, or to one
 * self-contained HTML page (inline stylesheet, inline SVG, no script, no
 * fetch of anything: a Content-Security-Policy says so to the browser too). */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

/* Width 0: cmark never wraps, so a long path stays on one line and the
 * output does not depend on where words happen to fall. */
#define RG_MD_WIDTH 0

static const char html_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\">\n"
    "<meta name=\"generator\" content=\"refgraph " RG_VERSION_STRING "\">\n";

static const char html_style[] =
    "<style>\n"
    "body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1f2328;"
    "background:#fff;max-width:64rem;margin:2rem auto;padding:0 1rem}\n"
    "h1{font-size:1.6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\n"
    "h2{font-size:1.3rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.2rem}\n"
    "h3{font-size:1.05rem;margin-top:1.6rem}\n"
    "code{font:.88em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;"
    "padding:.1em .3em;border-radius:4px;overflow-wrap:anywhere}\n"
    "pre{background:#f3f4f6;padding:.8rem;border-radius:6px;overflow-x:auto}\n"
    "pre code{background:none;padding:0}\n"
    "table{border-collapse:collapse;margin:1rem 0;display:block;overflow-x:auto}\n"
    "th,td{border:1px solid #d0d7de;padding:.25rem .6rem;vertical-align:top}\n"
    "th{background:#f3f4f6}\n"
    "figure.diagram{margin:1rem 0;overflow-x:auto}\n"
    "figure.diagram svg{display:block;max-width:100%;height:auto}\n"
    "figcaption{font-size:.85rem;color:#59636e}\n"
    "</style>\n"
    "</head>\n"
    "<body>\n"
    "<main>\n";

static const char html_tail[] = "</main>\n</body>\n</html>\n";

static void put_escaped(rg_sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': rg_sbuf_puts(b, "&amp;"); break;
        case '<': rg_sbuf_puts(b, "&lt;"); break;
        case '>': rg_sbuf_puts(b, "&gt;"); break;
        case '"': rg_sbuf_puts(b, "&quot;"); break;
        case '\'': rg_sbuf_puts(b, "&#39;"); break;
        default: rg_sbuf_put(b, s, 1);
        }
    }
}

int rg_rpt_render_markdown(const rg_rpt *m, char **out)
{
    cmark_node *doc;
    int rc = rg_rpt_build_tree(m, RG_MD_MARKDOWN, &doc);
    if (rc != RG_OK)
        return rc;
    char *md = cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, RG_MD_WIDTH);
    cmark_node_free(doc);
    if (!md)
        return rg_fail(RG_ERENDER, "cmark could not render the report as Markdown");
    /* Hand back memory the caller frees with rg_free (free), whatever
     * allocator cmark was built with. */
    *out = rg_rpt_strdup(md);
    (cmark_get_default_mem_allocator()->free)(md);
    return *out ? RG_OK : RG_ENOMEM;
}

int rg_rpt_render_html(const rg_rpt *m, char **out)
{
    cmark_node *doc;
    int rc = rg_rpt_build_tree(m, RG_MD_HTML, &doc);
    if (rc != RG_OK)
        return rc;
    cmark_mem *mem = cmark_get_default_mem_allocator();
    cmark_llist *exts = cmark_llist_append(mem, NULL, rg_md_table_extension());
    /* CMARK_OPT_DEFAULT is cmark's safe mode: raw HTML nodes would be
     * dropped. The tree has none; the diagrams are custom blocks. */
    char *body = cmark_render_html(doc, CMARK_OPT_DEFAULT, exts);
    cmark_llist_free(mem, exts);
    cmark_node_free(doc);
    if (!body)
        return rg_fail(RG_ERENDER, "cmark could not render the report as HTML");

    rg_sbuf b = {0};
    rg_sbuf_puts(&b, html_head);
    rg_sbuf_puts(&b, "<title>Memory report: ");
    char *title = rg_md_sanitize(m->title);
    put_escaped(&b, title ? title : "");
    rg_free(title);
    rg_sbuf_puts(&b, "</title>\n");
    rg_sbuf_puts(&b, html_style);
    rg_sbuf_puts(&b, body);
    rg_sbuf_puts(&b, html_tail);
    (mem->free)(body);
    *out = rg_sbuf_take(&b);
    return *out ? RG_OK : RG_ENOMEM;
}

int rg_rpt_render_summary(const rg_rpt *m, char **out)
{
    cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
    rg_rpt_summary(doc, m);
    char *txt = cmark_render_plaintext(doc, CMARK_OPT_DEFAULT, RG_MD_WIDTH);
    cmark_node_free(doc);
    if (!txt)
        return rg_fail(RG_ERENDER, "cmark could not render the summary");
    *out = rg_rpt_strdup(txt);
    (cmark_get_default_mem_allocator()->free)(txt);
    return *out ? RG_OK : RG_ENOMEM;
}
