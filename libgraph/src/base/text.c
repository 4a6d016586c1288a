/* Text helpers every reader needs: JSON integer text to uint64 and strict
 * UTF-8 checks. They live below the readers so that no reader borrows from
 * another. */
#include "base.h"

#include <string.h>

int rg_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || s[0] == '-')
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

size_t rg_utf8_check(const unsigned char *s, size_t len, size_t *tail)
{
    size_t i = 0;
    if (tail)
        *tail = 0;
    while (i < len) {
        /* eight ASCII bytes at a time: most of every snapshot */
        if (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0;       /* overlong */
            else if (c == 0xED)
                hi = 0x9F;       /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90;       /* overlong */
            else if (c == 0xF4)
                hi = 0x8F;       /* above U+10FFFF */
        } else {
            return i;            /* C0, C1, F5..FF, or a stray continuation byte */
        }
        for (size_t k = 1; k < n; k++) {
            if (i + k >= len) {
                if (!tail)
                    return i;
                *tail = len - i;
                return len;
            }
            unsigned b = s[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                return i;
        }
        i += n;
    }
    return len;
}

void rg_utf8_scrub_surrogates(char *s, size_t len)
{
    char *end = s + len;
    while (s < end && (s = memchr(s, 0xED, (size_t)(end - s))) != NULL) {
        if (end - s >= 3 && ((unsigned char)s[1] & 0xE0) == 0xA0) {
            s[0] = (char)0xEF;
            s[1] = (char)0xBF;
            s[2] = (char)0xBD;
            s += 3;
        } else {
            s++;
        }
    }
}
