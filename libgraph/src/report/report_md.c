/* report_md.c: small constructors for the cmark-gfm node tree the report is
 * built as, and the one gate every snapshot string passes on its way in.
 *
 * Strings enter only as TEXT or CODE literals. cmark escapes literals for
 * the output it renders (backslash escapes in Markdown, entities in HTML),
 * so a type named "<img onerror=...>|*_[x](y)" stays visible text. Inside a
 * GFM table, the table extension's escape hook also puts a backslash before
 * every '|', in text and in code spans alike (GFM strips it again before
 * parsing the cell), so pipes never split a cell. What cmark does not
 * handle is a raw newline inside a code span or a table cell (it would end
 * the row) and malformed UTF-8 (its renderer stops at the first bad byte):
 * rg_md_sanitize turns both into visible escapes before cmark sees them. */
#include "report_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cmark_syntax_extension *rg_md_table_extension(void)
{
    /* Registration is idempotent and cheap after the first call. */
    cmark_gfm_core_extensions_ensure_registered();
    return cmark_find_syntax_extension("table");
}

/* Decode one UTF-8 sequence at s (at most `avail` bytes). Returns its
 * length and the code point, or 0 for a malformed sequence. */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Code points that would change how the text around them reads: line and
 * paragraph separators, bidirectional embeddings, overrides and isolates
 * ("Trojan Source"), and the zero-width no-break space. */
static int invisible_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0xFEFF;
}

char *rg_md_sanitize(const char *s)
{
    if (!s)
        s = "";
    rg_sbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, run = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        int bad = n == 0;
        int ctl = !bad && (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || invisible_control(cp));
        if (!bad && !ctl) {
            i += n;
            continue;
        }
        rg_sbuf_put(&b, s + run, i - run);
        if (bad) {
            rg_sbuf_puts(&b, "\xEF\xBF\xBD"); /* U+FFFD */
            n = 1;
        } else if (cp == '\n') {
            rg_sbuf_puts(&b, "\\n");
        } else if (cp == '\r') {
            rg_sbuf_puts(&b, "\\r");
        } else if (cp == '\t') {
            rg_sbuf_puts(&b, "\\t");
        } else if (cp < 0x100) {
            rg_sbuf_printf(&b, "\\x%02x", (unsigned)cp);
        } else {
            rg_sbuf_printf(&b, "\\u%04x", (unsigned)cp);
        }
        i += n;
        run = i;
    }
    rg_sbuf_put(&b, s + run, i - run);
    return rg_sbuf_take(&b);
}

static cmark_node *append(cmark_node *parent, cmark_node *child)
{
    if (parent && child)
        cmark_node_append_child(parent, child);
    return child;
}

cmark_node *rg_md_heading(cmark_node *parent, int level)
{
    cmark_node *h = append(parent, cmark_node_new(CMARK_NODE_HEADING));
    cmark_node_set_heading_level(h, level);
    return h;
}

cmark_node *rg_md_para(cmark_node *parent) { return append(parent, cmark_node_new(CMARK_NODE_PARAGRAPH)); }

static void literal(cmark_node *parent, cmark_node_type type, const char *s)
{
    char *safe = rg_md_sanitize(s);
    cmark_node *n = cmark_node_new(type);
    cmark_node_set_literal(n, safe ? safe : "\xEF\xBF\xBD");
    rg_free(safe);
    append(parent, n);
}

void rg_md_text(cmark_node *parent, const char *s) { literal(parent, CMARK_NODE_TEXT, s); }

void rg_md_textf(cmark_node *parent, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        rg_md_text(parent, small);
        return;
    }
    char *big = rg_malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rg_md_text(parent, big);
    rg_free(big);
}

void rg_md_code(cmark_node *parent, const char *s)
{
    /* An empty code span renders as a bare pair of backticks, which reads as
     * punctuation; say what is missing instead. */
    if (!s || !*s) {
        rg_md_text(parent, "(none)");
        return;
    }
    literal(parent, CMARK_NODE_CODE, s);
}

cmark_node *rg_md_strong(cmark_node *parent) { return append(parent, cmark_node_new(CMARK_NODE_STRONG)); }
cmark_node *rg_md_emph(cmark_node *parent) { return append(parent, cmark_node_new(CMARK_NODE_EMPH)); }

void rg_md_code_block(cmark_node *parent, const char *s)
{
    /* cmark picks a fence longer than any run of backticks inside, so the
     * content cannot close the block early. */
    char *safe = rg_md_sanitize(s);
    rg_sbuf b = {0};
    rg_sbuf_puts(&b, safe ? safe : "");
    rg_sbuf_puts(&b, "\n");
    rg_free(safe);
    char *text = rg_sbuf_take(&b);
    cmark_node *n = cmark_node_new(CMARK_NODE_CODE_BLOCK);
    cmark_node_set_fence_info(n, "sh");
    cmark_node_set_literal(n, text ? text : "");
    rg_free(text);
    append(parent, n);
}

cmark_node *rg_md_list(cmark_node *parent, int ordered)
{
    cmark_node *l = append(parent, cmark_node_new(CMARK_NODE_LIST));
    cmark_node_set_list_type(l, ordered ? CMARK_ORDERED_LIST : CMARK_BULLET_LIST);
    if (ordered) {
        cmark_node_set_list_start(l, 1);
        cmark_node_set_list_delim(l, CMARK_PERIOD_DELIM);
    }
    cmark_node_set_list_tight(l, 1);
    return l;
}

cmark_node *rg_md_item(cmark_node *list)
{
    cmark_node *item = append(list, cmark_node_new(CMARK_NODE_ITEM));
    return rg_md_para(item);
}

cmark_node *rg_md_table(cmark_node *parent, int ncols, const char *align, const char *const *headers)
{
    cmark_syntax_extension *ext = rg_md_table_extension();
    cmark_node *t = append(parent, cmark_node_new_with_ext(CMARK_NODE_TABLE, ext));
    uint8_t a[32] = {0};
    if (ncols > 32)
        ncols = 32;
    for (int i = 0; i < ncols; i++) {
        char c = align && align[i] ? align[i] : 'n';
        a[i] = c == 'l' || c == 'r' || c == 'c' ? (uint8_t)c : 0;
    }
    cmark_gfm_extensions_set_table_columns(t, (uint16_t)ncols);
    cmark_gfm_extensions_set_table_alignments(t, (uint16_t)ncols, a);
    cmark_node *h = append(t, cmark_node_new_with_ext(CMARK_NODE_TABLE_ROW, ext));
    cmark_gfm_extensions_set_table_row_is_header(h, 1);
    for (int i = 0; i < ncols; i++)
        rg_md_cell_text(h, headers[i]);
    return t;
}

cmark_node *rg_md_row(cmark_node *table)
{
    return append(table, cmark_node_new_with_ext(CMARK_NODE_TABLE_ROW, rg_md_table_extension()));
}

cmark_node *rg_md_cell(cmark_node *row)
{
    /* Not cmark_node_new_with_ext: in cmark-gfm 0.29.0.gfm.6 that allocates
     * a per-cell parser record which the extension never frees (it frees
     * the table's and the rows' only). Rendering a cell does not use that
     * record, so the cell gets the extension without it. */
    cmark_node *cell = cmark_node_new(CMARK_NODE_TABLE_CELL);
    cmark_node_set_syntax_extension(cell, rg_md_table_extension());
    return append(row, cell);
}

void rg_md_cell_text(cmark_node *row, const char *s) { rg_md_text(rg_md_cell(row), s); }
void rg_md_cell_code(cmark_node *row, const char *s) { rg_md_code(rg_md_cell(row), s); }

void rg_md_path(cmark_node *parent, const rg_rpt_path *p)
{
    int first = 1;
    if (p->root && *p->root) {
        rg_md_text(parent, p->root);
        if (p->root_label && *p->root_label) {
            rg_md_text(parent, " ");
            rg_md_code(parent, p->root_label);
        }
        first = 0;
    }
    for (size_t i = 0; i < p->n_hops; i++) {
        const rg_rpt_hop *h = &p->hops[i];
        if (!first)
            rg_md_text(parent, " → ");
        if (h->skipped) {
            char n[32];
            rg_md_textf(parent, "… %s more hops …", rg_format_count(n, sizeof n, h->skipped));
            first = 0;
            continue;
        }
        if (h->label && *h->label) {
            rg_md_code(parent, h->label);
            rg_md_text(parent, " → ");
        }
        rg_md_code(parent, h->type);
        if (h->detail && *h->detail) {
            rg_md_text(parent, " (");
            rg_md_text(parent, h->detail);
            rg_md_text(parent, ")");
        }
        first = 0;
    }
}

void rg_md_diagram(cmark_node *parent, const rg_rpt_diagram *d, rg_md_target target)
{
    if (!d->svg) {
        cmark_node *p = rg_md_para(parent);
        rg_md_emph(p);
        rg_md_text(cmark_node_last_child(p), "Diagram not drawn: ");
        rg_md_text(cmark_node_last_child(p), d->note && *d->note ? d->note : "unknown reason");
        return;
    }
    if (target == RG_MD_MARKDOWN) {
        cmark_node *p = rg_md_para(parent);
        cmark_node *img = append(p, cmark_node_new(CMARK_NODE_IMAGE));
        cmark_node_set_url(img, d->file);
        rg_md_text(img, d->alt);
        return;
    }
    /* HTML: the SVG goes in as it is, inside a figure. It was checked by
     * rg_svg_is_inert when the diagram was added; the prolog and doctype
     * Graphviz writes are dropped because they are not allowed mid-page. */
    const char *start = rg_svg_element(d->svg, d->svg_len);
    if (!start)
        return;
    size_t len = d->svg_len - (size_t)(start - d->svg);
    while (len && (start[len - 1] == '\n' || start[len - 1] == ' '))
        len--;
    rg_sbuf b = {0};
    rg_sbuf_puts(&b, "<figure class=\"diagram\">\n");
    rg_sbuf_put(&b, start, len);
    rg_sbuf_puts(&b, "\n<figcaption>");
    /* The caption is ours, but escape it like any text. */
    char *alt = rg_md_sanitize(d->alt);
    for (const char *c = alt ? alt : ""; *c; c++) {
        switch (*c) {
        case '&': rg_sbuf_puts(&b, "&amp;"); break;
        case '<': rg_sbuf_puts(&b, "&lt;"); break;
        case '>': rg_sbuf_puts(&b, "&gt;"); break;
        case '"': rg_sbuf_puts(&b, "&quot;"); break;
        default: rg_sbuf_put(&b, c, 1);
        }
    }
    rg_free(alt);
    rg_sbuf_puts(&b, "</figcaption>\n</figure>");
    char *html = rg_sbuf_take(&b);
    if (!html)
        return;
    cmark_node *blk = append(parent, cmark_node_new(CMARK_NODE_CUSTOM_BLOCK));
    cmark_node_set_on_enter(blk, html);
    cmark_node_set_on_exit(blk, "");
    rg_free(html);
}
