/* cache_codec.c: the index cache's column encodings (cache_impl.h says
 * which and why) and its checksum. */
#include "graph/cache_impl.h"

#include <string.h>

/* ------------------------------------------------------------ checksum */

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t lane(uint64_t acc, uint64_t w) { return rotl(acc + w * P2, 31) * P1; }

uint64_t rg_cache_checksum(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t a = seed + P1 + P2, b = seed + P2, c = seed, d = seed - P1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        a = lane(a, w[0]);
        b = lane(b, w[1]);
        c = lane(c, w[2]);
        d = lane(d, w[3]);
    }
    uint64_t h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + (uint64_t)n;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = rotl(h ^ lane(0, w), 27) * P1 + P3;
    }
    for (; i < n; i++)
        h = rotl(h ^ (p[i] * P3), 11) * P1;
    return rg_hash64(h);
}

/* ------------------------------------------------------------ narrow */

static unsigned bytes_for(uint64_t max)
{
    unsigned w = 0;
    for (; max; max >>= 8)
        w++;
    return w;
}

unsigned rg_col_width32(const uint32_t *a, uint64_t n)
{
    uint32_t m = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = a[i] + 1u;
        m = v > m ? v : m;
    }
    return bytes_for(m);
}

void rg_col_put32(unsigned char *out, const uint32_t *a, uint64_t n, unsigned width)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = a[i] + 1u;
        for (unsigned b = 0; b < width; b++)
            *out++ = (unsigned char)(v >> (8 * b));
    }
}

/* One loop per width, so each is a plain widening copy the compiler
 * vectorises: decoding runs on every re-open. */
void rg_col_get32(const unsigned char *in, uint64_t n, unsigned width, uint32_t *out)
{
    switch (width) {
    case 0:
        memset(out, 0xff, (size_t)n * sizeof *out);
        break;
    case 1:
        for (uint64_t i = 0; i < n; i++)
            out[i] = (uint32_t)in[i] - 1u;
        break;
    case 2:
        for (uint64_t i = 0; i < n; i++)
            out[i] = ((uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8) - 1u;
        break;
    case 3:
        for (uint64_t i = 0; i < n; i++)
            out[i] = ((uint32_t)in[3 * i] | (uint32_t)in[3 * i + 1] << 8 | (uint32_t)in[3 * i + 2] << 16) - 1u;
        break;
    default:
        for (uint64_t i = 0; i < n; i++) {
            uint32_t v;
            memcpy(&v, in + 4 * i, 4);
            out[i] = v - 1u;
        }
        break;
    }
}

unsigned rg_col_width64(const uint64_t *a, uint64_t n)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        m |= a[i];
    return bytes_for(m);
}

void rg_col_put64(unsigned char *out, const uint64_t *a, uint64_t n, unsigned width)
{
    for (uint64_t i = 0; i < n; i++)
        for (unsigned b = 0; b < width; b++)
            *out++ = (unsigned char)(a[i] >> (8 * b));
}

void rg_col_get64(const unsigned char *in, uint64_t n, unsigned width, uint64_t *out)
{
    if (width == 8) {
        memcpy(out, in, (size_t)n * 8);
        return;
    }
    if (width == 4) {
        for (uint64_t i = 0; i < n; i++) {
            uint32_t v;
            memcpy(&v, in + 4 * i, 4);
            out[i] = v;
        }
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = 0;
        for (unsigned b = 0; b < width; b++)
            v |= (uint64_t)in[width * i + b] << (8 * b);
        out[i] = v;
    }
}

/* ------------------------------------------------------------ varints */

static unsigned varint_len(uint64_t v)
{
    unsigned k = 1;
    while (v >= 0x80) {
        v >>= 7;
        k++;
    }
    return k;
}

static unsigned char *varint_put(unsigned char *out, uint64_t v)
{
    while (v >= 0x80) {
        *out++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *out++ = (unsigned char)v;
    return out;
}

/* The varint at *pos, or 0 with *ok cleared when it runs past end or past
 * 64 bits. */
static inline uint64_t varint_get(const unsigned char *in, uint64_t end, uint64_t *pos, int *ok)
{
    uint64_t p = *pos;
    if (p < end && in[p] < 0x80) {
        *pos = p + 1;
        return in[p];
    }
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end) {
            *ok = 0;
            return 0;
        }
        unsigned char c = in[p++];
        if (shift == 63 && c > 1) {
            *ok = 0;
            return 0;
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *pos = p;
            return v;
        }
    }
    *ok = 0;
    return 0;
}

static inline uint64_t zigzag(uint64_t cur, uint64_t prev)
{
    int64_t d = (int64_t)(cur - prev);
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

uint64_t rg_col_delta_size(const uint64_t *a, uint64_t n)
{
    uint64_t size = 0, prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        size += varint_len(zigzag(a[i], prev));
        prev = a[i];
    }
    return size;
}

void rg_col_put_delta(unsigned char *out, const uint64_t *a, uint64_t n)
{
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        out = varint_put(out, zigzag(a[i], prev));
        prev = a[i];
    }
}

int rg_col_get_delta(const unsigned char *in, uint64_t size, uint64_t n, uint64_t *out)
{
    uint64_t pos = 0, prev = 0;
    int ok = 1;
    for (uint64_t i = 0; i < n && ok; i++) {
        uint64_t z = varint_get(in, size, &pos, &ok);
        prev += (z >> 1) ^ (0 - (z & 1));
        out[i] = prev;
    }
    return ok && pos == size;
}

uint64_t rg_col_degrees_size(const uint32_t *off, uint64_t n)
{
    uint64_t size = 0;
    for (uint64_t i = 0; i < n; i++)
        size += varint_len(off[i + 1] - off[i]);
    return size;
}

void rg_col_put_degrees(unsigned char *out, const uint32_t *off, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        out = varint_put(out, off[i + 1] - off[i]);
}

int rg_col_get_degrees(const unsigned char *in, uint64_t size, uint64_t n, uint64_t total, uint32_t *off)
{
    uint64_t pos = 0, at = 0;
    int ok = 1;
    off[0] = 0;
    for (uint64_t i = 0; i < n && ok; i++) {
        uint64_t d = varint_get(in, size, &pos, &ok);
        if (d > total - at)
            return 0; /* also keeps the sum from wrapping */
        at += d;
        off[i + 1] = (uint32_t)at; /* at <= total, an edge count: below 2^32 */
    }
    return ok && pos == size && at == total;
}
