/* report_svg.c: the check every diagram passes before a report inlines it.
 *
 * Graphviz escapes the labels it writes into SVG, so a diagram of hostile
 * type names is already inert. The report still checks, because the HTML
 * page inlines the SVG as raw markup and a single missed escape would be a
 * script running in whoever opens the bug ticket's attachment. The check is
 * an allowlist: only the elements Graphviz's SVG renderer writes, no event
 * handler attributes, no links or url() that leave the document (so no
 * javascript: or data: URL either), no CDATA and no DTD internal subset (which could
 * define entities). It is a single forward scan, linear in the SVG. */
#include "report_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const allowed_elements[] = {
    "svg", "g", "title", "desc", "polygon", "polyline", "path", "ellipse", "circle", "rect",
    "line", "text", "tspan", "a", "defs", "lineargradient", "radialgradient", "stop",
};

static int starts_with(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

static const char *find(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    for (; p + n <= end; p++)
        if (memcmp(p, lit, n) == 0)
            return p;
    return NULL;
}

static int name_char(char c) { return isalnum((unsigned char)c) || c == ':' || c == '_' || c == '-' || c == '.'; }

static int element_allowed(const char *name, size_t n)
{
    char low[32];
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof allowed_elements / sizeof allowed_elements[0]; i++)
        if (strcmp(low, allowed_elements[i]) == 0)
            return 1;
    return 0;
}

/* Attributes whose value may hold url(...): a paint server, a clip path or
 * a style sheet. Text-like attributes (titles, tooltips) never fetch, so a
 * repr that happens to read "url(http://...)" there is harmless. */
static int url_attribute(const char *n, size_t len)
{
    static const char *const names[] = {"style", "fill", "stroke", "filter", "clip-path", "mask",
                                        "marker-start", "marker-mid", "marker-end", "cursor"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && strncasecmp(n, names[i], len) == 0)
            return 1;
    return 0;
}

/* url(#id) stays inside the document; any other url() fetches. */
static int fetches(const char *v, const char *end)
{
    for (const char *p = v; p + 4 <= end; p++) {
        if (strncasecmp(p, "url(", 4) != 0)
            continue;
        const char *q = p + 4;
        while (q < end && (*q == ' ' || *q == '\'' || *q == '"'))
            q++;
        if (q >= end || *q != '#')
            return 1;
    }
    return 0;
}

/* Scan one start tag from just after "<name"; returns the position after
 * its '>' or NULL when the tag is unsafe or malformed. */
static const char *scan_attributes(const char *p, const char *end)
{
    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p >= end)
            return NULL;
        if (*p == '>')
            return p + 1;
        if (*p == '/') {
            p++;
            continue;
        }
        const char *an = p;
        while (p < end && name_char(*p))
            p++;
        size_t alen = (size_t)(p - an);
        if (alen == 0)
            return NULL;
        if (alen >= 2 && tolower((unsigned char)an[0]) == 'o' && tolower((unsigned char)an[1]) == 'n')
            return NULL; /* onload, onclick, onerror ... */
        int is_href = (alen == 4 && strncasecmp(an, "href", 4) == 0) ||
                      (alen == 10 && strncasecmp(an, "xlink:href", 10) == 0);
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p < end && *p == '=') {
            p++;
            while (p < end && isspace((unsigned char)*p))
                p++;
            if (p >= end || (*p != '"' && *p != '\''))
                return NULL; /* Graphviz always quotes */
            char q = *p++;
            const char *v = p;
            while (p < end && *p != q)
                p++;
            if (p >= end)
                return NULL;
            if (url_attribute(an, alen) && fetches(v, p))
                return NULL;
            if (is_href && (p == v || *v != '#'))
                return NULL;
            p++;
        } else if (is_href) {
            return NULL;
        }
    }
}

int rg_svg_is_inert(const char *svg, size_t len)
{
    if (!svg)
        return 0;
    const char *p = svg, *end = svg + len;
    int saw_svg = 0;
    if (memchr(svg, '\0', len))
        return 0;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            break;
        p = lt;
        if (starts_with(p, end, "<!--")) {
            const char *e = find(p + 4, end, "-->");
            if (!e)
                return 0;
            p = e + 3;
        } else if (starts_with(p, end, "<![CDATA[")) {
            return 0;
        } else if (starts_with(p, end, "<?")) {
            const char *e = find(p + 2, end, "?>");
            if (!e)
                return 0;
            p = e + 2;
        } else if (starts_with(p, end, "<!")) {
            const char *e = memchr(p, '>', (size_t)(end - p));
            if (!e || memchr(p, '[', (size_t)(e - p)))
                return 0;
            p = e + 1;
        } else if (starts_with(p, end, "</")) {
            const char *e = memchr(p, '>', (size_t)(end - p));
            if (!e)
                return 0;
            p = e + 1;
        } else {
            const char *name = p + 1, *q = name;
            while (q < end && name_char(*q))
                q++;
            if (!element_allowed(name, (size_t)(q - name)))
                return 0;
            if ((size_t)(q - name) == 3 && strncasecmp(name, "svg", 3) == 0)
                saw_svg = 1;
            p = scan_attributes(q, end);
            if (!p)
                return 0;
        }
    }
    return saw_svg;
}

const char *rg_svg_element(const char *svg, size_t len)
{
    const char *p = svg, *end = svg + len;
    while (p && p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            return NULL;
        if (starts_with(lt, end, "<!--")) {
            const char *e = find(lt + 4, end, "-->");
            p = e ? e + 3 : NULL;
            continue;
        }
        if (starts_with(lt, end, "<svg") && lt + 4 < end &&
            (isspace((unsigned char)lt[4]) || lt[4] == '>'))
            return lt;
        p = lt + 1;
    }
    return NULL;
}
