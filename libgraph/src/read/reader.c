/* reader.c: the skeleton the snapshot readers share (see reader.h). */
#include "read/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

int rg_read_verrorf(rg_read_error *e, int code, const char *fmt, va_list ap)
{
    if (!e->failed) {
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        e->failed = 1;
        e->code = code;
    }
    return 0;
}

int rg_read_errorf(rg_read_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(e, code, fmt, ap);
    va_end(ap);
    return 0;
}

int rg_read_oom(rg_read_error *e)
{
    return rg_read_errorf(e, RG_ENOMEM, "out of memory (%s)", rg_last_error());
}

int rg_read_fail_at(int code, const char *file, uint64_t line, uint64_t offset, const char *fmt, ...)
{
    char text[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rg_fail(code, "%s:%llu: byte %llu: %s", file, (unsigned long long)line, (unsigned long long)offset,
                   text);
}

int rg_read_error_report(const rg_read_error *e, const char *file, uint64_t line, uint64_t offset)
{
    if (!e->failed)
        return rg_read_fail_at(RG_EFORMAT, file, line, offset, "unknown error");
    return rg_read_fail_at(e->code ? e->code : RG_EFORMAT, file, line, offset, "%s", e->msg);
}

int rg_read_yajl_error(void *handle, const char *file, uint64_t line, uint64_t offset, const char *where)
{
    yajl_handle h = handle;
    unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
    const char *m = msg ? (const char *)msg : "parse error";
    const char *nl = strchr(m, '\n');
    int len = nl ? (int)(nl - m) : (int)strlen(m);
    rg_read_fail_at(RG_EFORMAT, file, line, offset, "invalid JSON%s%s: %.*s", where ? " in " : "",
                    where ? where : "", len, m);
    if (msg)
        yajl_free_error(h, msg);
    return RG_EFORMAT;
}

int rg_read_check_utf8(const unsigned char *p, size_t n, const char *file, uint64_t line, uint64_t offset,
                       size_t *tail)
{
    size_t bad = rg_utf8_check(p, n, tail);
    if (bad >= n)
        return RG_OK;
    return rg_read_fail_at(RG_EFORMAT, file, line + rg_count_lines(p, bad), offset + bad,
                           "invalid UTF-8: byte 0x%02X does not start a valid sequence (overlong form, "
                           "surrogate, above U+10FFFF or stray byte)", p[bad]);
}

/* ------------------------------------------------------------ chunks */

uint64_t rg_count_lines(const unsigned char *p, size_t n)
{
    /* eight bytes at a time (a newline byte becomes a zero byte, counted
     * without a branch): snapshot rows are short, so memchr per newline
     * would cost a call per row */
    const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t lines = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= ones * '\n';
        uint64_t zero = ~(((w & low7) + low7) | w | low7);
        lines += ((zero >> 7) * ones) >> 56;
    }
    for (; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

int rg_chunks_open(rg_chunks *c, rg_input *in, size_t cap, size_t max)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->name = rg_input_name(in);
    c->cap = cap;
    c->max = max < cap ? cap : max;
    c->line = 1;
    c->buf = rg_malloc(cap + RG_CHUNK_SLACK);
    if (!c->buf)
        return rg_fail(RG_ENOMEM, "%s: out of memory", c->name);
    return RG_OK;
}

int rg_chunks_next(rg_chunks *c, size_t used)
{
    if (used > c->len)
        used = c->len;
    c->line += rg_count_lines(c->buf, used);
    c->offset += used;
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    if (c->eof)
        return 0;
    if (c->len == c->cap) {
        if (c->cap >= c->max)
            return rg_read_fail_at(RG_ELIMIT, c->name, c->line, c->offset,
                                   "a single token is longer than %zu bytes", c->max);
        size_t cap = c->cap * 2 < c->max ? c->cap * 2 : c->max;
        unsigned char *p = rg_realloc(c->buf, cap + RG_CHUNK_SLACK);
        if (!p)
            return rg_fail(RG_ENOMEM, "%s: out of memory", c->name);
        c->buf = p;
        c->cap = cap;
    }
    int64_t got = rg_input_read(c->in, c->buf + c->len, c->cap - c->len);
    if (got < 0) {
        int rc = rg_last_error_code();
        rg_error_prefix("line %llu", (unsigned long long)rg_chunks_line_at(c, c->len));
        return rc ? rc : RG_EIO;
    }
    if (got == 0) {
        c->eof = 1;
        return 0;
    }
    c->len += (size_t)got;
    return 1;
}

uint64_t rg_chunks_line_at(const rg_chunks *c, size_t i)
{
    return c->line + rg_count_lines(c->buf, i < c->len ? i : c->len);
}

void rg_chunks_close(rg_chunks *c)
{
    rg_free(c->buf);
    c->buf = NULL;
    c->cap = c->len = 0;
}

/* ------------------------------------------------------- end of read */

int rg_read_end(rg_chunks *c, const char *file, int (*build)(void *reader), void *reader)
{
    if (c)
        rg_chunks_close(c);
    int rc = build(reader);
    if (rc)
        rg_error_prefix("%s", file);
    return rc;
}
