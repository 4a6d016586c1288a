/* v8.c: the reader of V8 heap snapshots (.heapsnapshot files written by
 * Chrome DevTools, `node --heapsnapshot-signal`, `v8.writeHeapSnapshot()`
 * and `node --heapsnapshot-near-heap-limit`).
 *
 * The file is one JSON object: "snapshot" (whose "meta" names the fields of
 * the flat arrays), then "nodes" and "edges" (flat integer arrays), then
 * "strings", which every node and edge name refers to by index. Nodes,
 * edges and strings are nearly the whole file, so this front end decodes
 * them itself: a plain integer is a run of digits, a plain string has no
 * escape, and each goes straight into the reader's arrays (v8_events.c).
 * Everything else (the "snapshot" header, keys it does not know, and any
 * array element that is not plain: a fraction, a negative number, an
 * escape, a value of the wrong kind) is handed to yajl with the callbacks of
 * the reference reader (v8_reference.c), so both judge every value by the
 * same code and refuse the same files. The tests and the differential
 * fuzzer hold them to that. */
#include "read/v8_internal.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)
#define MAX_CARRY (64u << 20)       /* a key cut by the end of a chunk may be this long */
#define MAX_FAST_STRING (1u << 19)  /* a longer string streams through yajl instead */
#define NEED_MORE 1

enum state {
    S_START, S_KEY_FIRST, S_KEY, S_COLON, S_VALUE, S_ARR_FIRST, S_ELEM, S_ARR_NEXT, S_AFTER_VALUE,
    S_END, S_FEED,
};

/* A value on its way through yajl: where it ends is found by a skipper that
 * knows only strings and brackets; yajl, fed every byte the skipper passes,
 * judges the rest. */
typedef struct feed {
    yajl_handle h;
    int started, depth, in_str, esc, scalar;
    enum state then;
} feed;

typedef struct fast {
    v8_reader *r;
    rg_chunks c;
    enum state st;
    enum ctx arr;   /* C_NODES, C_EDGES, C_STRINGS while in one; C_SKIP in one no one reads */
    feed f;
    int eof;
} fast;

/* yajl's lexer also passes over \v and \f between values (yajl_lex.c),
 * and the fast front end must accept what the reference does. */
static const unsigned char ws_table[256] = {
    [' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1, ['\v'] = 1, ['\f'] = 1,
};
static inline int is_ws(unsigned char c) { return ws_table[c]; }

static int syntax(fast *s, size_t at, const char *what)
{
    return rg_read_fail_at(RG_EFORMAT, s->r->name, rg_chunks_line_at(&s->c, at), s->c.offset + at,
                           "invalid JSON in %s: %s", rg_v8_ctx_label(rg_v8_cur(s->r)), what);
}

static int failed_at(fast *s, size_t at)
{
    return rg_read_error_report(&s->r->err, s->r->name, rg_chunks_line_at(&s->c, at), s->c.offset + at);
}

static int yajl_failed(fast *s, yajl_status st, size_t at)
{
    if (st == yajl_status_error && !s->r->err.failed)
        return rg_read_yajl_error(s->f.h, s->r->name, rg_chunks_line_at(&s->c, at), s->c.offset + at,
                                  rg_v8_ctx_label(rg_v8_cur(s->r)));
    return failed_at(s, at);
}

static int feed_start(fast *s, size_t at, enum state then)
{
    unsigned char c = s->c.buf[at];
    if (c == ']' || c == '}' || c == ',' || c == ':')
        return syntax(s, at, "expected a value");
    memset(&s->f, 0, sizeof s->f);
    s->f.h = yajl_alloc(&rg_v8_callbacks, NULL, s->r);
    if (!s->f.h)
        return rg_fail(RG_ENOMEM, "%s: out of memory", s->r->name);
    s->f.then = then;
    s->st = S_FEED;
    return RG_OK;
}

static void feed_end(fast *s)
{
    if (s->f.h)
        yajl_free(s->f.h);
    s->f.h = NULL;
}

/* Pass the value's bytes from *pos on to yajl, up to its end or `lim`. */
static int feed_step(fast *s, size_t *pos, size_t lim)
{
    feed *f = &s->f;
    const unsigned char *b = s->c.buf;
    size_t i = *pos;
    int done = 0;
    if (!f->started && i < lim) {
        f->started = 1;
        if (b[i] == '[' || b[i] == '{')
            f->depth = 1, i++;
        else if (b[i] == '"')
            f->in_str = 1, i++;
        else
            f->scalar = 1;
    }
    while (i < lim && !done) {
        unsigned char c = b[i];
        if (f->in_str) {
            if (f->esc)
                f->esc = 0;
            else if (c == '\\')
                f->esc = 1;
            else if (c == '"') {
                f->in_str = 0;
                done = f->depth == 0;
            }
            i++;
        } else if (f->scalar) {
            /* only what a number or a literal is made of: yajl would take
             * "0" of 0"x as a whole value and wait for the string */
            if ((unsigned)(c - '0') < 10 || (unsigned)((c | 0x20) - 'a') < 26 || c == '-' || c == '+' || c == '.')
                i++;
            else
                done = 1;
        } else {
            if (c == '"')
                f->in_str = 1;
            else if (c == '[' || c == '{')
                f->depth++;
            else if (c == ']' || c == '}')
                done = --f->depth == 0;
            i++;
        }
    }
    yajl_status st = yajl_parse(f->h, b + *pos, i - *pos);
    if (st != yajl_status_ok)
        return yajl_failed(s, st, *pos + yajl_get_bytes_consumed(f->h));
    *pos = i;
    if (!done)
        return NEED_MORE;
    if ((st = yajl_complete_parse(f->h)) != yajl_status_ok)
        return yajl_failed(s, st, i);
    feed_end(s);
    s->st = f->then;
    return RG_OK;
}

/* A key with an escape is decoded by yajl, as the reference reader does. */
typedef struct key_out {
    unsigned char *text;
    size_t len;
} key_out;

static int key_string(void *ctx, const unsigned char *k, size_t len)
{
    key_out *o = ctx;
    o->text = rg_malloc(len ? len : 1);
    if (!o->text)
        return 0;
    memcpy(o->text, k, len);
    o->len = len;
    return 1;
}

static int escaped_key(fast *s, size_t at, size_t end)
{
    static const yajl_callbacks cb = {.yajl_string = key_string};
    key_out o = {0};
    yajl_handle h = yajl_alloc(&cb, NULL, &o);
    if (!h)
        return rg_fail(RG_ENOMEM, "%s: out of memory", s->r->name);
    yajl_status st = yajl_parse(h, s->c.buf + at, end - at);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    int rc = RG_OK;
    if (st != yajl_status_ok || !o.text)
        rc = o.text || st == yajl_status_error
                 ? rg_read_yajl_error(h, s->r->name, rg_chunks_line_at(&s->c, at), s->c.offset + at,
                                      rg_v8_ctx_label(rg_v8_cur(s->r)))
                 : rg_fail(RG_ENOMEM, "%s: out of memory", s->r->name);
    else
        rg_v8_on_map_key(s->r, o.text, o.len);
    rg_free(o.text);
    yajl_free(h);
    return rc;
}

static int elem_number(fast *s, size_t *pos, size_t lim)
{
    const unsigned char *b = s->c.buf;
    size_t i = *pos, start = i;
    uint64_t v = 0;
    while (i < lim && (unsigned)(b[i] - '0') < 10)
        v = v * 10 + (b[i++] - '0');
    if (i == lim)
        return NEED_MORE;
    size_t n = i - start;
    /* "01" is not JSON and twenty digits may not fit: yajl decides those */
    if (n == 0 || n > 19 || (n > 1 && b[start] == '0') ||
        !(is_ws(b[i]) || b[i] == ',' || b[i] == ']'))
        return feed_start(s, start, S_ARR_NEXT);
    int ok = s->arr == C_NODES ? rg_v8_node_value(s->r, v) : rg_v8_edge_value(s->r, v);
    if (!ok)
        return failed_at(s, i);
    *pos = i;
    s->st = S_ARR_NEXT;
    return RG_OK;
}

/* Whole records of plain integers ("1,2,3" with any whitespace), straight
 * into the arrays: the bulk of every snapshot. It stops, leaving *pos at
 * the start of a record, at the end of the array (the "]" is left for the
 * state machine), at the end of the buffer, and at anything not plain,
 * which elem_number then takes one value at a time. */
static int records(fast *s, size_t *pos, size_t lim)
{
    v8_reader *r = s->r;
    const unsigned char *b = s->c.buf;
    int nodes = s->arr == C_NODES;
    uint32_t nf = nodes ? r->nfc : r->efc;
    uint64_t v[MAX_FIELDS];
    size_t i = *pos;
    while (r->field == 0) {
        size_t j = i;
        /* buf[lim] is a NUL sentinel (run), which ends every loop below */
        for (uint32_t f = 0; f < nf; f++) {
            while (is_ws(b[j]))
                j++;
            size_t start = j;
            uint64_t x = 0;
            unsigned d;
            while ((d = (unsigned)b[j] - '0') < 10) {
                x = x * 10 + d;
                j++;
            }
            size_t n = j - start;
            if (n == 0 || n > 19 || (n > 1 && b[start] == '0'))
                goto out;
            while (is_ws(b[j]))
                j++;
            if (j >= lim)
                goto out;
            v[f] = x;
            if (b[j] == ',')
                j++;
            else if (b[j] != ']' || f + 1 < nf)
                goto out;
        }
        if (!(nodes ? rg_v8_node_record(r, v) : rg_v8_edge_record(r, v)))
            return failed_at(s, j);
        i = j;
        if (b[j - 1] != ',') {
            s->st = S_ARR_NEXT;
            break;
        }
    }
out:
    *pos = i;
    return RG_OK;
}

static int elem_string(fast *s, size_t *pos, size_t lim)
{
    const unsigned char *b = s->c.buf;
    size_t start = *pos, i = start + 1;
    if (b[start] != '"')
        return feed_start(s, start, S_ARR_NEXT);
    while (i < lim && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20)
        i++;
    if (i == lim)
        return i - start > MAX_FAST_STRING ? feed_start(s, start, S_ARR_NEXT) : NEED_MORE;
    if (b[i] != '"')
        return feed_start(s, start, S_ARR_NEXT);
    if (!rg_v8_add_string(s->r, b + start + 1, i - start - 1))
        return failed_at(s, i);
    *pos = i + 1;
    s->st = S_ARR_NEXT;
    return RG_OK;
}

/* An element of an array no one reads ("locations", "samples", ...; the
 * callbacks only skip them): a plain integer is passed over here; anything
 * else hands the rest of the array to yajl, which sees it from "[" on,
 * as if the integers before had not been there (they cannot change what it
 * decides). */
static int elem_skipped(fast *s, size_t *pos, size_t lim)
{
    const unsigned char *b = s->c.buf;
    size_t i = *pos, start = i;
    while (i < lim && (unsigned)(b[i] - '0') < 10)
        i++;
    if (i == lim)
        return NEED_MORE;
    size_t n = i - start;
    if (n > 0 && (n == 1 || b[start] != '0') && (is_ws(b[i]) || b[i] == ',' || b[i] == ']')) {
        *pos = i;
        s->st = S_ARR_NEXT;
        return RG_OK;
    }
    if (b[start] == ']')
        return syntax(s, start, "expected a value");
    int rc = feed_start(s, start, S_AFTER_VALUE);
    if (rc)
        return rc;
    s->f.started = 1;
    s->f.depth = 1;
    yajl_status st = yajl_parse(s->f.h, (const unsigned char *)"[", 1);
    return st == yajl_status_ok ? RG_OK : yajl_failed(s, st, start);
}

/* Advance through buf[*pos, lim) until it needs bytes beyond lim. */
static int run(fast *s, size_t *pos, size_t lim)
{
    v8_reader *r = s->r;
    const unsigned char *b = s->c.buf;
    size_t i = *pos;
    int rc = RG_OK;
    /* a sentinel after the last byte to look at (the chunk loop leaves
     * room for it), put back on the way out: the byte there may be the
     * start of a UTF-8 sequence still being read */
    unsigned char saved = s->c.buf[lim];
    s->c.buf[lim] = 0;
    while (rc == RG_OK) {
        if (s->st == S_FEED) {
            rc = feed_step(s, &i, lim);
            continue;
        }
        while (i < lim && is_ws(b[i]))
            i++;
        if (i == lim) {
            rc = NEED_MORE;
            break;
        }
        unsigned char c = b[i];
        switch (s->st) {
        case S_START:
            if (c != '{') {
                rc = feed_start(s, i, S_END);
                break;
            }
            i++;
            if (!rg_v8_open_container(r, 1))
                rc = failed_at(s, i);
            s->st = S_KEY_FIRST;
            break;
        case S_KEY_FIRST:
        case S_KEY:
            if (c == '}' && s->st == S_KEY_FIRST) {
                i++;
                if (!rg_v8_close_container(r))
                    rc = failed_at(s, i);
                s->st = S_END;
                break;
            }
            if (c != '"') {
                rc = syntax(s, i, "expected a key (a string)");
                break;
            }
            {
                size_t k = i + 1;
                int plain = 1;
                while (k < lim && b[k] != '"') {
                    if (b[k] == '\\' || b[k] < 0x20) {
                        plain = 0;
                        if (b[k] == '\\' && ++k == lim)
                            break;
                    }
                    k++;
                }
                if (k >= lim) {
                    rc = NEED_MORE;
                    break;
                }
                if (plain)
                    rg_v8_on_map_key(r, b + i + 1, k - i - 1);
                else if ((rc = escaped_key(s, i, k + 1)))
                    break;
                i = k + 1;
                s->st = S_COLON;
            }
            break;
        case S_COLON:
            if (c != ':') {
                rc = syntax(s, i, "expected ':' after a key");
                break;
            }
            i++;
            s->st = S_VALUE;
            break;
        case S_VALUE:
            if (c == '[' && (r->key == K_NODES || r->key == K_EDGES || r->key == K_STRINGS)) {
                i++;
                if (!rg_v8_open_container(r, 0)) {
                    rc = failed_at(s, i);
                    break;
                }
                s->arr = rg_v8_cur(r);
                s->st = S_ARR_FIRST;
            } else if (c == '[' && r->key == K_SKIP && r->depth == 1) {
                i++;
                s->arr = C_SKIP;
                s->st = S_ARR_FIRST;
            } else {
                rc = feed_start(s, i, S_AFTER_VALUE);
            }
            break;
        case S_ARR_FIRST:
        case S_ARR_NEXT:
            if (c == ']') {
                i++;
                if (s->arr != C_SKIP && !rg_v8_close_container(r))
                    rc = failed_at(s, i);
                s->st = S_AFTER_VALUE;
            } else if (s->st == S_ARR_FIRST) {
                s->st = S_ELEM;
            } else if (c == ',') {
                i++;
                s->st = S_ELEM;
            } else {
                rc = syntax(s, i, "expected ',' or ']' after an array element");
            }
            break;
        case S_ELEM:
            if (s->arr == C_STRINGS || s->arr == C_SKIP) {
                rc = s->arr == C_STRINGS ? elem_string(s, &i, lim) : elem_skipped(s, &i, lim);
                break;
            }
            {
                /* records stops at a record's start, which may be
                 * whitespace after a comma (",\n1,2,3" cut by the end of
                 * the chunk): elem_number expects a value, so after
                 * progress the loop goes round (skipping it) first; without
                 * progress the record is odd and elem_number takes it one
                 * value at a time */
                size_t at = i;
                if ((rc = records(s, &i, lim)) == RG_OK && s->st == S_ELEM && i == at)
                    rc = elem_number(s, &i, lim);
            }
            break;
        case S_AFTER_VALUE:
            if (c == ',') {
                i++;
                s->st = S_KEY;
            } else if (c == '}') {
                i++;
                if (!rg_v8_close_container(r))
                    rc = failed_at(s, i);
                s->st = S_END;
            } else {
                rc = syntax(s, i, "expected ',' or '}' after a value");
            }
            break;
        case S_END:
            rc = syntax(s, i, "trailing garbage after the top-level object");
            break;
        case S_FEED:
            break;
        }
    }
    s->c.buf[lim] = saved;
    *pos = i;
    return rc;
}

int rg_read_v8(rg_input *in, rg_builder *b, uint64_t max_line)
{
    if (rg_builder_plain_parser(b))
        return rg_read_v8_reference(in, b, max_line);
    fast s = {0};
    s.r = rg_v8_reader_new(b, rg_input_name(in));
    if (!s.r)
        return rg_fail(RG_ENOMEM, "%s: out of memory", rg_input_name(in));
    int rc = rg_chunks_open(&s.c, in, CHUNK, MAX_CARRY);
    size_t pos = 0, checked = 0;
    while (rc == RG_OK) {
        int got = rg_chunks_next(&s.c, pos);
        if (got < 0) {
            rc = got;
            break;
        }
        checked = checked > pos ? checked - pos : 0;
        pos = 0;
        s.eof = got == 0;
        /* Strict UTF-8 before a byte is parsed (yajl lets overlong forms,
         * surrogates and code points above U+10FFFF through); a sequence
         * cut by the read waits for the next one, unless the file ends. */
        size_t tail = 0;
        if ((rc = rg_read_check_utf8(s.c.buf + checked, s.c.len - checked, s.r->name,
                                     rg_chunks_line_at(&s.c, checked), s.c.offset + checked, &tail)))
            break;
        size_t lim = s.eof ? s.c.len : s.c.len - tail;
        checked = lim;
        rc = run(&s, &pos, lim);
        if (rc == NEED_MORE)
            rc = RG_OK;
        if (rc || s.eof)
            break;
    }
    if (rc == RG_OK) {
        int open = s.st != S_END;
        if (s.st == S_FEED && s.r->depth == 0)
            yajl_complete_parse(s.f.h); /* a scalar at the top: the callbacks name it */
        rc = rg_v8_check_complete(s.r, open, rg_chunks_line_at(&s.c, s.c.len), s.c.offset + s.c.len);
    }
    feed_end(&s);
    if (rc == RG_OK) {
        rg_idmap_free(&s.r->ids);
        rc = rg_read_end(&s.c, s.r->name, rg_v8_build_graph, s.r);
    }
    rg_chunks_close(&s.c);
    rg_v8_reader_free(s.r);
    return rc;
}

int rg_sniff_v8(const void *head, size_t n)
{
    const unsigned char *p = head, *end = p + n;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p >= end || *p++ != '{')
        return 0;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    static const char key[] = "\"snapshot\"";
    return (size_t)(end - p) >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}
