/*
 * diagram_text.c: turn arbitrary snapshot strings into Graphviz label text
 * that shows exactly what was there and cannot break the output.
 *
 * A Graphviz label is an escString: backslash sequences (\n, \N, \G, \l...)
 * are interpreted, and "&...;" is decoded as an entity. So a backslash is
 * written doubled and '&' as "&amp;"; both then show as themselves in every
 * renderer. Quotes need nothing here: agwrite quotes attribute values
 * itself. Invalid UTF-8 becomes U+FFFD so the SVG stays well-formed XML.
 */
#include "diagram_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(rg_text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (rg_grow((void **)&t->buf, &t->cap, t->len + n + 1, 1)) {
        t->failed = 1;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

void rg_text_raw(rg_text *t, const char *s) { put(t, s, strlen(s)); }

char *rg_text_take(rg_text *t)
{
    if (!t->failed && !t->buf)
        put(t, "", 0);
    char *b = t->failed ? NULL : t->buf;
    if (t->failed)
        rg_free(t->buf);
    memset(t, 0, sizeof *t);
    return b;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid
 * (overlongs, surrogates and code points above U+10FFFF included). */
static size_t utf8_valid(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

void rg_text_safe(rg_text *t, const char *str, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t chars = 0;
    while (*s) {
        size_t n = utf8_valid(s);
        if (chars + 1 >= max_chars && s[n ? n : 1]) {
            /* Room for one character and more text follows: cut here. */
            put(t, "\xe2\x80\xa6", 3);
            return;
        }
        char esc[8];
        if (n == 0) {
            put(t, "\xef\xbf\xbd", 3);
            n = 1;
        } else if (*s == '\\') {
            put(t, "\\\\", 2);
        } else if (*s == '&') {
            put(t, "&amp;", 5);
        } else if (*s == '\n') {
            put(t, "\\\\n", 3);
        } else if (*s == '\t') {
            put(t, "\\\\t", 3);
        } else if (*s < 0x20 || *s == 0x7f) {
            snprintf(esc, sizeof esc, "\\\\x%02x", *s);
            put(t, esc, strlen(esc));
        } else if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
            /* a C1 control (U+0080-U+009F): U+009B is a terminal's CSI */
            snprintf(esc, sizeof esc, "\\\\u%04x", (unsigned)(s[1]));
            put(t, esc, strlen(esc));
        } else {
            put(t, (const char *)s, n);
        }
        s += n;
        chars++;
    }
}
