/* cli_term.c: strings from a snapshot made safe for a terminal.
 *
 * Type names, reprs, labels, producer strings and file names come from
 * whoever made the snapshot, which may be a stranger's ticket attachment.
 * Printed raw, an ESC or a C1 CSI (U+009B) starts a terminal control
 * sequence (colours, cursor moves, window titles, on some terminals
 * clipboard writes), BEL rings, CR overwrites the line and a bidi override
 * reorders what follows. Every text printer passes such strings through
 * cli_term(); --json output is escaped by yajl instead. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one
 * (overlong, surrogate, above U+10FFFF, cut short); *cp gets the code point. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Code points shown escaped although they are valid: C1 controls, and the
 * invisible formatting characters that reorder or split lines. */
static int escape_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t cli_term_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
#define PUT(ch) do { if (w + 1 < cap) out[w] = (char)(ch); w++; } while (0)
    while (*p) {
        uint32_t cp;
        size_t n = utf8_seq(p, &cp);
        if (n == 1 && cp >= 0x20 && cp != 0x7F) {
            PUT(*p);
        } else if (n == 1 && (cp == '\n' || cp == '\r' || cp == '\t')) {
            PUT('\\');
            PUT(cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
        } else if (n == 0 || n == 1) {
            /* a C0 control, DEL, or a byte that is not UTF-8 */
            PUT('\\');
            PUT('x');
            PUT(hex[*p >> 4]);
            PUT(hex[*p & 15]);
            n = 1;
        } else if (escape_cp(cp)) {
            PUT('\\');
            PUT('u');
            for (int k = 12; k >= 0; k -= 4)
                PUT(hex[(cp >> k) & 15]);
        } else {
            for (size_t i = 0; i < n; i++)
                PUT(p[i]);
        }
        p += n;
    }
#undef PUT
    if (cap)
        out[w < cap ? w : cap - 1] = '\0';
    return w;
}

/* A ring of buffers, so that one printf can take several cli_term()
 * arguments. The CLI is single-threaded. */
#define CLI_TERM_SLOTS 16
static char *term_buf[CLI_TERM_SLOTS];
static size_t term_cap[CLI_TERM_SLOTS];
static unsigned term_next;

const char *cli_term(const char *s)
{
    unsigned k = term_next++ % CLI_TERM_SLOTS;
    size_t need = cli_term_escape(s, NULL, 0) + 1;
    if (need > term_cap[k]) {
        char *b = realloc(term_buf[k], need);
        if (!b)
            return "(out of memory)";
        term_buf[k] = b;
        term_cap[k] = need;
    }
    cli_term_escape(s, term_buf[k], term_cap[k]);
    return term_buf[k];
}
