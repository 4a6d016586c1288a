/* jsonl_scan.c: a scanner for the object and root records of refgraph's
 * JSONL format, about five times faster than yajl's callbacks on real
 * dumps (docs/design.md, "Loader", has the profile that justified it).
 *
 * The contract is narrow on purpose: for a line it either produces exactly
 * the record the yajl path (jsonl_yajl.c) would produce, or declines and
 * leaves the line to yajl. It declines anything unusual: duplicate keys,
 * nested values in unknown fields, non-integer numbers, numbers of more than
 * 18 digits, escaped keys, \u escapes it would have to reason about (NUL,
 * surrogates), bytes that are not strict UTF-8, unknown edge kinds, and
 * every error. So every message still comes from the reference parser, and
 * the fuzzer (tests/fuzz) checks the two agree on every input.
 *
 * Two layers of speed, each falling back to the one below: object_fast()
 * takes the object record exactly as the dumpers write it (fixed key order,
 * no whitespace) by prefix compares; record() takes any key order and
 * whitespace. Both read numbers and string runs eight bytes at a time
 * (SWAR), never past the line's end. */
#include "jsonl_internal.h"

#include <string.h>

/* Is k[0, n) the word w? */
#define IS(w) (n == sizeof(w) - 1 && memcmp(k, w, sizeof(w) - 1) == 0)

typedef struct scan {
    const char *p, *end;
    jl_batch *bt;
} scan;

/* ---- eight bytes at a time (SWAR): only ever on 8 bytes inside the line,
 * so nothing past `end` is read; the byte loops finish what is left. */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w; /* byte k of the word (from the least significant) is p[k] */
}

/* The high bit set in each byte of w that ends an unescaped run of a string
 * ('"', '\\', a control byte or a non-ASCII byte). Each term is exact at its
 * lowest set byte (a borrow can only mark bytes above a real match), so the
 * lowest set bit of the union is the first such byte. */
static inline uint64_t string_stops(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w) | w) & HIGHS;
}

/* How many of w's bytes, from the first, are ASCII digits (0 to 8). */
static inline unsigned digit_run(uint64_t w)
{
    uint64_t x = w ^ (ONES * '0'); /* a digit's byte is now its value, 0..9 */
    /* a non-digit has a high nibble already, or gets one by adding 6 (10..15);
     * a carry out of a byte only marks later bytes, which come after it */
    uint64_t bad = (x | (x + ONES * 6)) & (ONES * 0xF0);
    return bad ? (unsigned)__builtin_ctzll(bad) / 8 : 8;
}

/* The value of w's first n digits (1 <= n <= 8, digit_run(w) >= n). */
static inline uint64_t digits_value(uint64_t w, unsigned n)
{
    uint64_t x = (w ^ (ONES * '0')) << (8 * (8 - n)); /* leading zero digits shift in */
    x = x * 10 + (x >> 8);                            /* pairs */
    return (((x & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
            (((x >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
}

static inline void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

static inline int eat(scan *s, char c)
{
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* Length of the strict UTF-8 sequence at p, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned char)p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

/* Decode the escaped string s[0, n) (between its quotes) into the batch. */
static int decode(scan *sc, const char *s, size_t n, const char **out, size_t *out_len)
{
    char *d = jl_batch_alloc(sc->bt, n ? n : 1), *w = d;
    if (!d)
        return 0;
    const char *p = s, *end = s + n;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c != '\\') {
            *w++ = (char)c;
            p++;
            continue;
        }
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (end - p < 4 || !hex4(p, &cp) || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
            p += 4;
            if (cp < 0x80) {
                *w++ = (char)cp;
            } else if (cp < 0x800) {
                *w++ = (char)(0xC0 | (cp >> 6));
                *w++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *w++ = (char)(0xE0 | (cp >> 12));
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *w++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: return 0;
        }
    }
    *out = d;
    *out_len = (size_t)(w - d);
    return 1;
}

/* A JSON string at s->p (the opening quote). Escapes are decoded only when
 * `decode_ok`; otherwise a string with escapes is declined. */
static int string(scan *s, const char **out, size_t *out_len, int decode_ok)
{
    ws(s);
    if (s->p >= s->end || *s->p != '"')
        return 0;
    const char *start = ++s->p, *p = start;
    const char *end = s->end;
    int escaped = 0;
    for (;;) {
        while (end - p >= 8) {
            uint64_t stop = string_stops(load8(p));
            if (stop) {
                p += __builtin_ctzll(stop) / 8;
                break;
            }
            p += 8;
        }
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            return 0;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\\') {
            if (!decode_ok || end - p < 2)
                return 0;
            escaped = 1;
            p += p[1] == 'u' ? 6 : 2;
            if (p > end)
                return 0;
            continue;
        }
        if (c < 0x20)
            return 0;
        size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (!n)
            return 0;
        p += n;
    }
    s->p = p + 1;
    if (!escaped) {
        *out = start;
        *out_len = (size_t)(p - start);
        return 1;
    }
    return decode(s, start, (size_t)(p - start), out, out_len);
}

static inline jl_str mkstr(const char *p, size_t len, int is_repr)
{
    if (is_repr && len > JL_REPR_MAX) {
        len = JL_REPR_MAX;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;
    }
    jl_str r = {p, (uint32_t)len, rg_hash_bytes(p, len)};
    return r;
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A JSON integer of at most 18 digits; declines fractions and exponents. */
static int integer(scan *s, int64_t *out)
{
    ws(s);
    const char *p = s->p, *end = s->end;
    int neg = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end || !is_digit(*p))
        return 0;
    uint64_t v = 0;
    if (*p == '0') {
        p++;
    } else {
        static const uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
        const char *first = p;
        while (end - p >= 8 && p - first <= 18) {
            uint64_t w = load8(p);
            unsigned n = digit_run(w);
            if (n == 0)
                break;
            v = v * pow10[n] + digits_value(w, n);
            p += n;
            if (n < 8)
                break;
        }
        while (p < end && is_digit(*p)) {
            v = v * 10 + (uint64_t)(*p - '0');
            p++;
        }
        if (p - first > 18)
            return 0;
    }
    if (p < end && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E'))
        return 0;
    s->p = p;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 1;
}

/* A non-negative integer as the dumpers write them (no whitespace, no sign,
 * no leading zero, at most 15 digits, with 16 bytes of the line to read):
 * two 8-byte steps and no loop. 0 without consuming anything otherwise, for
 * the general integer() to decide. */
static inline int uint_fast(scan *s, uint64_t *out)
{
    static const uint64_t pow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    const char *p = s->p;
    if (s->end - p < 16 || (unsigned char)(*p - '1') > 8)
        return 0;
    uint64_t w = load8(p);
    unsigned n = digit_run(w);
    uint64_t v = digits_value(w, n);
    if (n == 8) {
        uint64_t w2 = load8(p + 8);
        unsigned n2 = digit_run(w2);
        if (n2 == 8)
            return 0;
        if (n2)
            v = v * pow10[n2] + digits_value(w2, n2);
        n += n2;
    }
    char c = p[n]; /* not a digit, and inside the line (n < 16) */
    if (c == '.' || c == 'e' || c == 'E')
        return 0;
    s->p = p + n;
    *out = v;
    return 1;
}

static int uinteger(scan *s, uint64_t *out)
{
    if (uint_fast(s, out))
        return 1;
    int64_t v;
    if (!integer(s, &v) || v < 0)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static inline int literal(scan *s, const char *word, size_t n)
{
    ws(s);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

static inline int null(scan *s) { return literal(s, "null", 4); }

static int peek(scan *s, char c)
{
    ws(s);
    return s->p < s->end && *s->p == c;
}

/* Skip the exact bytes w[0, n) if the input has them next (no whitespace
 * allowed: the fast paths below take only what the dumpers write, and fall
 * back to the general parser on anything else). */
static inline int lit_at(scan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return 0;
    s->p += n;
    return 1;
}
#define LIT(s, w) lit_at(s, w, sizeof(w) - 1)

/* The value of a field the reader ignores: a scalar, else decline. */
static int skip_value(scan *s)
{
    ws(s);
    if (s->p >= s->end)
        return 0;
    const char *str;
    size_t len;
    int64_t v;
    switch (*s->p) {
    case '"': return string(s, &str, &len, 1);
    case 't': return literal(s, "true", 4);
    case 'f': return literal(s, "false", 5);
    case 'n': return null(s);
    default: return integer(s, &v);
    }
}

static int edge_kind(const char *k, size_t n)
{
    if (n < 3)
        return -1;
    switch (k[0]) {
    case 'a': return IS("attr") ? RG_EDGE_ATTR : -1;
    case 'k': return IS("key") ? RG_EDGE_DICT_KEY : -1;
    case 'v': return IS("value") ? RG_EDGE_DICT_VALUE : -1;
    case 'i': return IS("index") ? RG_EDGE_INDEX : IS("internal") ? RG_EDGE_INTERNAL : -1;
    case 's': return IS("slot") ? RG_EDGE_SLOT : -1;
    case 'c': return IS("cell") ? RG_EDGE_CELL : -1;
    case 'l': return IS("local") ? RG_EDGE_LOCAL : -1;
    case 'g': return IS("global") ? RG_EDGE_GLOBAL : -1;
    case 't': return IS("type") ? RG_EDGE_TYPE : -1;
    case 'w': return IS("weak") ? RG_EDGE_WEAK : -1;
    default: return -1;
    }
}

/* The edge kind as the dumpers write it after a reference's target (a
 * comma, then the quoted kind, no whitespace), skipped; -1 without
 * consuming anything otherwise, for the general path. */
static inline int kind_fast(scan *s)
{
    if (s->end - s->p < 3 || s->p[0] != ',' || s->p[1] != '"')
        return -1;
    switch (s->p[2]) {
    case 'i': return LIT(s, ",\"index\"") ? RG_EDGE_INDEX : LIT(s, ",\"internal\"") ? RG_EDGE_INTERNAL : -1;
    case 'a': return LIT(s, ",\"attr\"") ? RG_EDGE_ATTR : -1;
    case 'k': return LIT(s, ",\"key\"") ? RG_EDGE_DICT_KEY : -1;
    case 'v': return LIT(s, ",\"value\"") ? RG_EDGE_DICT_VALUE : -1;
    case 's': return LIT(s, ",\"slot\"") ? RG_EDGE_SLOT : -1;
    case 'c': return LIT(s, ",\"cell\"") ? RG_EDGE_CELL : -1;
    case 'l': return LIT(s, ",\"local\"") ? RG_EDGE_LOCAL : -1;
    case 'g': return LIT(s, ",\"global\"") ? RG_EDGE_GLOBAL : -1;
    case 't': return LIT(s, ",\"type\"") ? RG_EDGE_TYPE : -1;
    case 'w': return LIT(s, ",\"weak\"") ? RG_EDGE_WEAK : -1;
    default: return -1;
    }
}

static int refs(scan *s, uint64_t *first, uint32_t *count)
{
    if (!eat(s, '['))
        return 0;
    *first = s->bt->n_refs;
    *count = 0;
    if (eat(s, ']'))
        return 1;
    do {
        if (!eat(s, '['))
            return 0;
        jl_ref *r = jl_batch_refs(s->bt, 1);
        if (!r)
            return 0;
        memset(r, 0, sizeof *r);
        const char *kp;
        size_t kn;
        if (!uinteger(s, &r->target))
            return 0;
        int k = kind_fast(s);
        if (k < 0 && (!eat(s, ',') || !string(s, &kp, &kn, 0) || (k = edge_kind(kp, kn)) < 0))
            return 0;
        r->kind = (uint8_t)k;
        if (eat(s, ',')) {
            if (null(s)) {
                /* no label */
            } else if (k == RG_EDGE_INDEX) {
                int64_t v;
                uint64_t u;
                if (uint_fast(s, &u))
                    v = (int64_t)u;
                else if (!integer(s, &v))
                    return 0;
                r->index = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
            } else {
                const char *lp;
                size_t ln;
                if (!string(s, &lp, &ln, 1))
                    return 0;
                r->label = mkstr(lp, ln, 0);
            }
        }
        if (!eat(s, ']'))
            return 0;
        (*count)++;
    } while (eat(s, ','));
    return eat(s, ']');
}

static int flags(scan *s, unsigned *out)
{
    if (!eat(s, '['))
        return 0;
    if (eat(s, ']'))
        return 1;
    do {
        const char *p;
        size_t n;
        if (!string(s, &p, &n, 0))
            return 0;
        if (n == 2 && memcmp(p, "gc", 2) == 0)
            *out |= RG_NODE_GC_TRACKED;
        else if (n == 7 && memcmp(p, "garbage", 7) == 0)
            *out |= RG_NODE_GARBAGE;
    } while (eat(s, ','));
    return eat(s, ']');
}

enum {
    K_REC = 1 << 0, K_ID = 1 << 1, K_TYPE = 1 << 2, K_SIZE = 1 << 3, K_LEN = 1 << 4,
    K_REPR = 1 << 5, K_NAME = 1 << 6, K_RC = 1 << 7, K_FLAGS = 1 << 8, K_REFS = 1 << 9,
    K_KIND = 1 << 10, K_LABEL = 1 << 11,
    K_OTHER = 1 << 12,       /* a header field: the yajl path type-checks it */
    K_UNKNOWN = 1 << 13,     /* not a field of the format: ignored */
};
#define OBJECT_KEYS (K_REC | K_ID | K_TYPE | K_SIZE | K_LEN | K_REPR | K_NAME | K_RC | K_FLAGS | K_REFS)
#define ROOT_KEYS (K_REC | K_ID | K_KIND | K_LABEL)

static unsigned key_of(const char *k, size_t n)
{
    if (n < 2)
        return K_UNKNOWN;
    switch (k[0]) {
    case 'i': return IS("id") ? K_ID : K_UNKNOWN;
    case 't': return IS("type") ? K_TYPE : IS("time") ? K_OTHER : K_UNKNOWN;
    case 's': return IS("size") ? K_SIZE : IS("seq") ? K_OTHER : K_UNKNOWN;
    case 'r':
        return IS("refs") ? K_REFS : IS("rec") ? K_REC : IS("rc") ? K_RC : IS("repr") ? K_REPR
             : IS("runtime") ? K_OTHER : K_UNKNOWN;
    case 'f': return IS("flags") ? K_FLAGS : IS("format") ? K_OTHER : K_UNKNOWN;
    case 'l': return IS("len") ? K_LEN : IS("label") ? K_LABEL : K_UNKNOWN;
    case 'n': return IS("name") ? K_NAME : K_UNKNOWN;
    case 'k': return IS("kind") ? K_KIND : K_UNKNOWN;
    case 'p': return IS("pid") || IS("producer") ? K_OTHER : K_UNKNOWN;
    case 'v': return IS("version") ? K_OTHER : K_UNKNOWN;
    case 'o': return IS("objects") ? K_OTHER : K_UNKNOWN;
    case 'e': return IS("edges") ? K_OTHER : K_UNKNOWN;
    default: return K_UNKNOWN;
    }
}

enum { REC_OBJECT = 1, REC_ROOT = 2 };

static int root_kind(const char *p, size_t n)
{
    static const char *const names[RG_ROOT_KIND_COUNT] = {
        "module", "thread", "builtins", "static", "garbage", "other",
    };
    for (int k = 0; k < RG_ROOT_KIND_COUNT; k++)
        if (strlen(names[k]) == n && memcmp(names[k], p, n) == 0)
            return k;
    return RG_ROOT_OTHER;
}

/* An object's "len" and "rc" as an item holds them: RG_LEN_NONE / RG_RC_NONE
 * when absent (or, for rc, negative), clamped below those otherwise. One
 * home for record() and object_fast(), which must make the same item. */
static inline uint32_t item_len(int has_len, uint64_t len)
{
    return has_len ? (len >= RG_LEN_NONE ? RG_LEN_NONE - 1 : (uint32_t)len) : RG_LEN_NONE;
}

static inline uint32_t item_rc(int has_rc, int64_t rc)
{
    return !has_rc || rc < 0 ? RG_RC_NONE : rc >= RG_RC_NONE ? RG_RC_NONE - 1 : (uint32_t)rc;
}

static int record(scan *s, const char *line, uint64_t line_no, uint64_t end_offset)
{
    unsigned seen = 0, fl = 0;
    int rec = 0;
    uint64_t id = 0, size = 0, len = 0;
    int64_t rc = -1;
    int has_len = 0, has_rc = 0, rkind = RG_ROOT_OTHER;
    jl_str type = {0}, repr = {0}, name = {0}, label = {0};
    uint64_t first_ref = 0;
    uint32_t n_refs = 0;
    const char *p;
    size_t n;

    if (!eat(s, '{'))
        return 0;
    do {
        if (!string(s, &p, &n, 0) || !eat(s, ':'))
            return 0;
        unsigned k = key_of(p, n);
        if ((seen & k) && k != K_UNKNOWN)
            return 0;
        seen |= k;
        switch (k) {
        case K_REC:
            if (!string(s, &p, &n, 0))
                return 0;
            if (n == 6 && !memcmp(p, "object", 6))
                rec = REC_OBJECT;
            else if (n == 4 && !memcmp(p, "root", 4))
                rec = REC_ROOT;
            else
                return 0;
            break;
        case K_ID:
            if (!uinteger(s, &id))
                return 0;
            break;
        case K_TYPE:
            if (!string(s, &p, &n, 1))
                return 0;
            type = mkstr(p, n, 0);
            break;
        case K_SIZE:
            if (!uinteger(s, &size))
                return 0;
            break;
        case K_LEN:
            if (!null(s)) {
                if (!uinteger(s, &len))
                    return 0;
                has_len = 1;
            }
            break;
        case K_REPR:
            if (!null(s)) {
                if (!string(s, &p, &n, 1))
                    return 0;
                repr = mkstr(p, n, 1);
            }
            break;
        case K_NAME:
            if (!null(s)) {
                if (!string(s, &p, &n, 1))
                    return 0;
                name = mkstr(p, n, 0);
            }
            break;
        case K_RC:
            if (!null(s)) {
                if (!integer(s, &rc))
                    return 0;
                has_rc = 1;
            }
            break;
        case K_FLAGS:
            if (!null(s) && !flags(s, &fl))
                return 0;
            break;
        case K_REFS:
            if (!null(s) && !refs(s, &first_ref, &n_refs))
                return 0;
            break;
        case K_KIND:
            if (!string(s, &p, &n, 0))
                return 0;
            rkind = root_kind(p, n);
            break;
        case K_LABEL:
            if (!null(s)) {
                if (!string(s, &p, &n, 1))
                    return 0;
                label = mkstr(p, n, 0);
            }
            break;
        case K_OTHER:
            return 0;
        default:
            if (peek(s, '{') || peek(s, '[') || !skip_value(s))
                return 0;
            break;
        }
    } while (eat(s, ','));
    if (!eat(s, '}'))
        return 0;
    ws(s);
    if (s->p != s->end)
        return 0;

    jl_item *it;
    if (rec == REC_OBJECT) {
        if ((seen & ~(unsigned)(OBJECT_KEYS | K_UNKNOWN)) || !(seen & K_ID) || !(seen & K_TYPE) ||
            !(seen & K_SIZE))
            return 0;
        if (!(it = jl_batch_item(s->bt)))
            return 0;
        it->kind = JL_OBJECT;
        it->id = id;
        it->size = size;
        it->len = item_len(has_len, len);
        it->rc = item_rc(has_rc, rc);
        it->flags = (uint8_t)fl;
        it->type = type;
        it->repr = repr;
        it->name = name;
        it->first_ref = first_ref;
        it->n_refs = n_refs;
    } else if (rec == REC_ROOT) {
        if ((seen & ~(unsigned)(ROOT_KEYS | K_UNKNOWN)) || !(seen & K_ID))
            return 0;
        if (!(it = jl_batch_item(s->bt)))
            return 0;
        it->kind = JL_ROOT;
        it->id = id;
        it->root_kind = (uint8_t)rkind;
        it->name = label;
    } else {
        return 0;
    }
    it->line = line_no;
    it->end_offset = end_offset;
    (void)line;
    return 1;
}

/* The object record as the dumpers write it: no whitespace, "rec" first,
 * then "id", "type", "size", then any of "len", "rc", "repr", "name",
 * "flags", "refs" in that order, each at most once. The fields are read by
 * the same functions as in record(), so the item is the one record() would
 * make; 0 on anything else, and the caller starts over with record(). */
static int object_fast(scan *s, uint64_t line_no, uint64_t end_offset)
{
    uint64_t id, size, len = 0;
    int64_t rc = -1;
    int has_len = 0, has_rc = 0;
    unsigned fl = 0;
    jl_str type, repr = {0}, name = {0};
    uint64_t first_ref = 0;
    uint32_t n_refs = 0;
    const char *p;
    size_t n;

    if (!LIT(s, "{\"rec\":\"object\",\"id\":") || !uinteger(s, &id) || !LIT(s, ",\"type\":") ||
        !string(s, &p, &n, 1))
        return 0;
    type = mkstr(p, n, 0);
    if (!LIT(s, ",\"size\":") || !uinteger(s, &size))
        return 0;
    if (LIT(s, ",\"len\":") && !null(s)) {
        if (!uinteger(s, &len))
            return 0;
        has_len = 1;
    }
    if (LIT(s, ",\"rc\":") && !null(s)) {
        uint64_t u;
        if (uint_fast(s, &u))
            rc = (int64_t)u;
        else if (!integer(s, &rc))
            return 0;
        has_rc = 1;
    }
    if (LIT(s, ",\"repr\":") && !null(s)) {
        if (!string(s, &p, &n, 1))
            return 0;
        repr = mkstr(p, n, 1);
    }
    if (LIT(s, ",\"name\":") && !null(s)) {
        if (!string(s, &p, &n, 1))
            return 0;
        name = mkstr(p, n, 0);
    }
    if (LIT(s, ",\"flags\":") && !null(s) && !flags(s, &fl))
        return 0;
    if (LIT(s, ",\"refs\":") && !null(s) && !refs(s, &first_ref, &n_refs))
        return 0;
    if (!LIT(s, "}") || s->p != s->end)
        return 0;
    jl_item *it = jl_batch_item(s->bt);
    if (!it)
        return 0;
    it->kind = JL_OBJECT;
    it->id = id;
    it->size = size;
    it->len = item_len(has_len, len);
    it->rc = item_rc(has_rc, rc);
    it->flags = (uint8_t)fl;
    it->type = type;
    it->repr = repr;
    it->name = name;
    it->first_ref = first_ref;
    it->n_refs = n_refs;
    it->line = line_no;
    it->end_offset = end_offset;
    return 1;
}

int jl_scan_line(jl_batch *bt, const char *p, size_t len, uint64_t line, uint64_t end_offset)
{
    scan s = {p, p + len, bt};
    ws(&s);
    if (s.p == s.end)
        return 1; /* blank */
    size_t items = bt->n_items, nrefs = bt->n_refs;
    if (object_fast(&s, line, end_offset))
        return 1;
    bt->n_items = items;
    bt->n_refs = nrefs;
    s.p = p;
    ws(&s);
    if (record(&s, p, line, end_offset))
        return 1;
    bt->n_items = items;
    bt->n_refs = nrefs;
    return 0;
}
