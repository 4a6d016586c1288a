/* report_fmt.c: growable strings and the number, size, time and share
 * formats the report writes. Everything here is locale-free and clock-free,
 * so the same snapshots give the same bytes on every machine. */
#include "report_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rg_sbuf_put(rg_sbuf *b, const char *s, size_t len)
{
    if (b->failed)
        return;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d = rg_realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            rg_fail(RG_ENOMEM, "out of memory building report text");
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void rg_sbuf_puts(rg_sbuf *b, const char *s) { rg_sbuf_put(b, s, strlen(s)); }

void rg_sbuf_printf(rg_sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        rg_sbuf_put(b, small, (size_t)n);
        return;
    }
    char *big = rg_malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        rg_fail(RG_ENOMEM, "out of memory building report text");
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rg_sbuf_put(b, big, (size_t)n);
    rg_free(big);
}

char *rg_sbuf_take(rg_sbuf *b)
{
    if (b->failed) {
        rg_sbuf_free(b);
        return NULL;
    }
    char *s = b->data ? b->data : rg_rpt_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void rg_sbuf_free(rg_sbuf *b)
{
    rg_free(b->data);
    memset(b, 0, sizeof *b);
}

char *rg_rpt_strdup(const char *s)
{
    if (!s)
        s = "";
    return rg_xstrndup(s, strlen(s));
}

const char *rg_rpt_fmt_delta(char *buf, size_t cap, int64_t n)
{
    char tmp[40];
    uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    rg_format_count(tmp, sizeof tmp, mag);
    snprintf(buf, cap, "%s%s", n > 0 ? "+" : n < 0 ? "-" : "", tmp);
    return buf;
}

const char *rg_rpt_fmt_bytes_delta(char *buf, size_t cap, int64_t n)
{
    char tmp[40];
    uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    rg_format_bytes(tmp, sizeof tmp, (double)mag);
    snprintf(buf, cap, "%s%s", n > 0 ? "+" : n < 0 ? "-" : "", tmp);
    return buf;
}

const char *rg_rpt_fmt_time(char *buf, size_t cap, double unix_seconds)
{
    if (!(unix_seconds > 0) || unix_seconds > 253402300799.0) {
        snprintf(buf, cap, "unknown time");
        return buf;
    }
    time_t t = (time_t)floor(unix_seconds);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, cap, "unknown time");
        return buf;
    }
    snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

const char *rg_rpt_fmt_duration(char *buf, size_t cap, double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    if (seconds < 60) {
        snprintf(buf, cap, "%.*f s", seconds < 10 ? 1 : 0, seconds);
    } else if (seconds < 3600) {
        long s = lround(seconds);
        snprintf(buf, cap, "%ld min %ld s", s / 60, s % 60);
    } else {
        long m = lround(seconds / 60);
        snprintf(buf, cap, "%ld h %ld min", m / 60, m % 60);
    }
    return buf;
}

const char *rg_rpt_fmt_share(char *buf, size_t cap, uint64_t part, uint64_t whole)
{
    if (!whole) {
        snprintf(buf, cap, "0%%");
        return buf;
    }
    double p = 100.0 * (double)part / (double)whole;
    snprintf(buf, cap, "%.1f%%", p);
    return buf;
}
