/* objgraph_log.c: read the logs people already have, from
 * objgraph.show_most_common_types() ("NAME COUNT") and objgraph.show_growth()
 * ("NAME COUNT +DELTA"), as a series of type-count summaries.
 *
 * A block is a run of consecutive lines of one shape; any other line (a
 * blank, a timestamp, program output) ends it, and every block is one point
 * of the series. show_most_common_types sorts by count, so a two-column run
 * that is not sorted descending, or has a single line, is program output
 * rather than objgraph's and is ignored. */
#include "growth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most blocks (points) one log may hold: each costs about 330 bytes in
 * the summaries and the diff, whatever its size in the log (a one-line
 * block is 14 bytes), so the limit is what bounds memory. docs/reliability.md. */
#define RG_OBJGRAPH_MAX_BLOCKS 100000u

typedef struct log_row {     /* 24 bytes: a log may hold millions */
    uint64_t count;
    int64_t delta;
    uint32_t name;            /* id in the parser's string table */
    uint8_t has_delta;
    uint8_t estimated;        /* filled in from a later show_growth row */
} log_row;

typedef struct log_block {
    log_row *rows;
    size_t n, cap;
    int growth;               /* rows have a delta column */
    double time;
    uint64_t line;            /* first line, for the source text */
} log_block;

typedef struct log_parser {
    rg_strtab names;
    log_block *blocks;
    size_t n_blocks, cap_blocks;
    log_block cur;            /* the run being read */
    uint32_t *seen;           /* seen[name] = the run that last listed it */
    size_t seen_len, seen_cap;
    uint32_t run;             /* runs started so far; marks in `seen` */
    const char *name;         /* the log's name, for errors */
    double pending_time;      /* last date-time seen since the previous block */
} log_parser;

/* One line of objgraph output, or not. */
typedef struct log_line {
    const char *name;
    size_t name_len;
    uint64_t count;
    int64_t delta;
    int has_delta;
} log_line;

static int is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '<' || c == '>' || c == '-';
}

/* 1 and the value, 0 when there is no number, -1 when it does not fit in
 * 64 bits (an error: a count must never wrap). */
static int parse_uint(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (s >= end || !isdigit((unsigned char)*s))
        return 0;
    while (s < end && isdigit((unsigned char)*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return 1;
}

static const char *skip_blank(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* 1: a line of objgraph output; 0: any other line; -1: objgraph's shape
 * with a number that does not fit (count beyond 2^64 - 1, delta beyond
 * 2^63 - 1). */
static int match_line(const char *s, const char *end, log_line *out)
{
    while (end > s && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    s = skip_blank(s, end);
    if (s >= end || !(isalpha((unsigned char)*s) || *s == '_' || *s == '<'))
        return 0;
    const char *name = s;
    while (s < end && is_name_char((unsigned char)*s))
        s++;
    out->name = name;
    out->name_len = (size_t)(s - name);
    const char *after = skip_blank(s, end);
    if (after == s)
        return 0;
    s = after;
    int got = parse_uint(&s, end, &out->count);
    if (got <= 0)
        return got;
    out->has_delta = 0;
    out->delta = 0;
    if (s == end)
        return 1;
    after = skip_blank(s, end);
    if (after == s || after == end || (*after != '+' && *after != '-'))
        return 0;
    int neg = *after == '-';
    s = after + 1;
    uint64_t d;
    got = parse_uint(&s, end, &d);
    if (got == 0 || (got > 0 && s != end))
        return 0;
    if (got < 0 || d > (uint64_t)INT64_MAX)
        return -1;
    out->delta = neg ? -(int64_t)d : (int64_t)d;
    out->has_delta = 1;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so a log's local date-times give correct differences
 * without depending on the machine's time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

/* The first "YYYY-MM-DD[ T]HH:MM:SS[.,fraction]" in the line, as seconds. */
static int find_datetime(const char *s, const char *end, double *out)
{
    for (const char *p = s; p + 19 <= end; p++) {
        unsigned y, mo, d, h, mi, se;
        if (!digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) || p[7] != '-' ||
            !digits(p + 8, 2, &d) || (p[10] != ' ' && p[10] != 'T') || !digits(p + 11, 2, &h) ||
            p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &se))
            continue;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
            continue;
        double t = (double)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
        const char *f = p + 19;
        if (f < end && (*f == '.' || *f == ',')) {
            double scale = 0.1;
            for (f++; f < end && isdigit((unsigned char)*f); f++, scale /= 10)
                t += (*f - '0') * scale;
        }
        *out = t;
        return 1;
    }
    return 0;
}

static void block_reset(log_block *b)
{
    memset(b, 0, sizeof *b);
}

/* A finished run becomes a point if it looks like objgraph's. */
static int end_block(log_parser *p)
{
    log_block *b = &p->cur;
    int keep = b->n > 0;
    if (keep && !b->growth) {
        keep = b->n >= 2;
        for (size_t i = 1; keep && i < b->n; i++)
            keep = b->rows[i].count <= b->rows[i - 1].count;
    }
    if (!keep) {
        rg_free(b->rows);
        block_reset(b);
        return RG_OK;
    }
    if (p->n_blocks >= RG_OBJGRAPH_MAX_BLOCKS) {
        unsigned long long line = (unsigned long long)b->line;
        rg_free(b->rows);
        block_reset(b);
        return rg_fail(RG_ELIMIT, "%s:%llu: more than %u blocks of objgraph output: a series is limited to "
                                  "%u points (RG_OBJGRAPH_MAX_BLOCKS); split the log, or keep every Nth block",
                       p->name ? p->name : "<memory>", line, RG_OBJGRAPH_MAX_BLOCKS, RG_OBJGRAPH_MAX_BLOCKS);
    }
    if (rg_grow((void **)&p->blocks, &p->cap_blocks, p->n_blocks + 1, sizeof *p->blocks) != RG_OK) {
        rg_free(b->rows);
        block_reset(b);
        return RG_ENOMEM;
    }
    /* Keep only the rows the block holds: a log of a million one-line
     * blocks must not keep a million growth reserves. */
    if (b->cap > b->n) {
        log_row *fit = rg_realloc(b->rows, b->n * sizeof *b->rows);
        if (fit) {
            b->rows = fit;
            b->cap = b->n;
        }
    }
    b->time = p->pending_time;
    p->pending_time = 0;
    p->blocks[p->n_blocks++] = *b;
    block_reset(b);
    return RG_OK;
}

static int add_row(log_parser *p, const log_line *l, uint64_t lineno)
{
    const char *name = l->name;
    size_t len = l->name_len;
    /* shortnames=False writes builtins with their module; snapshots write
     * them bare, and so do we. */
    if (len > 9 && memcmp(name, "builtins.", 9) == 0) {
        name += 9;
        len -= 9;
    }
    uint32_t id;
    int rc = rg_strtab_intern(&p->names, name, len, &id);
    if (rc)
        return rc;
    if ((size_t)id >= p->seen_len) {
        if (rg_grow((void **)&p->seen, &p->seen_cap, (size_t)id + 1, sizeof *p->seen) != RG_OK)
            return RG_ENOMEM;
        memset(p->seen + p->seen_len, 0, ((size_t)id + 1 - p->seen_len) * sizeof *p->seen);
        p->seen_len = (size_t)id + 1;
    }
    /* A name listed twice in one run, or a change of shape, starts a new block. */
    if (p->cur.n && (p->cur.growth != l->has_delta || p->seen[id] == p->run)) {
        if ((rc = end_block(p)) != RG_OK)
            return rc;
    }
    if (!p->cur.n) {
        p->run++;
        p->cur.growth = l->has_delta;
        p->cur.line = lineno;
    }
    if (rg_grow((void **)&p->cur.rows, &p->cur.cap, p->cur.n + 1, sizeof *p->cur.rows) != RG_OK)
        return RG_ENOMEM;
    p->cur.rows[p->cur.n++] = (log_row){.count = l->count, .delta = l->delta, .name = id, .has_delta = (uint8_t)l->has_delta};
    p->seen[id] = p->run;
    return RG_OK;
}

static void parser_free(log_parser *p)
{
    for (size_t i = 0; i < p->n_blocks; i++)
        rg_free(p->blocks[i].rows);
    rg_free(p->blocks);
    rg_free(p->cur.rows);
    rg_free(p->seen);
    rg_strtab_free(&p->names);
}

static int scan(log_parser *p, const char *data, size_t len)
{
    const char *s = data, *end = data + len;
    uint64_t lineno = 0;
    int rc;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        lineno++;
        log_line l;
        int m = match_line(s, le, &l);
        if (m < 0)
            return rg_fail(RG_EFORMAT, "%s:%llu: a count or change does not fit in 64 bits",
                           p->name ? p->name : "<memory>", (unsigned long long)lineno);
        if (m > 0) {
            if ((rc = add_row(p, &l, lineno)) != RG_OK)
                return rc;
        } else {
            if (p->cur.n && (rc = end_block(p)) != RG_OK)
                return rc;
            double t;
            if (find_datetime(s, le, &t))
                p->pending_time = t;
        }
        s = nl ? nl + 1 : end;
    }
    return p->cur.n ? end_block(p) : RG_OK;
}

/* show_growth lists a type with its count and its rise over the previous
 * peak, so a type the previous block did not list had count - delta then. */
static int backfill_growth(log_parser *p)
{
    for (size_t k = 1; k < p->n_blocks; k++) {
        log_block *b = &p->blocks[k], *prev = &p->blocks[k - 1];
        if (!b->growth)
            continue;
        size_t n_prev = prev->n;
        for (size_t i = 0; i < n_prev; i++)
            p->seen[prev->rows[i].name] = UINT32_MAX;
        for (size_t i = 0; i < b->n; i++) {
            const log_row *r = &b->rows[i];
            if (p->seen[r->name] == UINT32_MAX || (r->delta > 0 && (uint64_t)r->delta > r->count))
                continue;
            /* count - delta, in unsigned arithmetic: a fall (negative delta)
             * from a count near 2^64 must not wrap */
            uint64_t was = r->delta >= 0 ? r->count - (uint64_t)r->delta : r->count + (uint64_t)-r->delta;
            if (r->delta < 0 && was < r->count)
                return rg_fail(RG_EFORMAT, "%s:%llu: a count before this block's change does not fit in 64 bits",
                               p->name ? p->name : "<memory>", (unsigned long long)b->line);
            if (rg_grow((void **)&prev->rows, &prev->cap, prev->n + 1, sizeof *prev->rows) != RG_OK)
                return RG_ENOMEM;
            prev->rows[prev->n++] = (log_row){.count = was, .name = r->name, .estimated = 1};
        }
        for (size_t i = 0; i < n_prev; i++)
            p->seen[prev->rows[i].name] = 0;
    }
    return RG_OK;
}

/* One point: the summary, its source text and its type table, nothing
 * else; the type names are ids in the log's one string table. */
static int block_summary(rg_sum_strings *names, const log_block *b, size_t index, const char *name,
                         rg_summary **out)
{
    char source[1024];
    snprintf(source, sizeof source, "%s:%llu (%s block %zu)", name, (unsigned long long)b->line,
             b->growth ? "show_growth" : "show_most_common_types", index + 1);
    rg_summary *s;
    int rc = rg_summary_new_shared(source, "objgraph-log", names, &s);
    if (rc)
        return rc;
    s->info.time = b->time;
    s->info.seq = (int64_t)index;
    s->info.flags = RG_SUMMARY_PARTIAL;
    s->types = rg_xcalloc(b->n ? b->n : 1, sizeof *s->types);
    if (!s->types) {
        rg_summary_free(s);
        return RG_ENOMEM;
    }
    for (size_t i = 0; i < b->n; i++) {
        s->types[i].name = b->rows[i].name;
        s->types[i].count = b->rows[i].count;
        if (s->info.objects > UINT64_MAX - b->rows[i].count) {
            rg_summary_free(s);
            return rg_fail(RG_EFORMAT, "%s:%llu: the counts of this block add up to more than 2^64 - 1", name,
                           (unsigned long long)b->line);
        }
        s->info.objects += b->rows[i].count;
    }
    s->info.types = (uint32_t)b->n;
    if ((rc = rg_summary_sort_types(s, NULL)) != RG_OK) {
        rg_summary_free(s);
        return rc;
    }
    rg_summary_account(s);
    *out = s;
    return RG_OK;
}

/* Give up the parse's reference to the shared names. */
static void drop_shared(rg_sum_strings *shared)
{
    if (shared && __atomic_sub_fetch(&shared->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        rg_strtab_free(&shared->names);
        rg_free(shared);
    }
}

static int looks_like_snapshot(const unsigned char *d, size_t len)
{
    if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b)
        return 1;
    if (rg_zstd_magic(d, len))
        return 1;
    size_t i = 0;
    if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
        i = 3;
    while (i < len && isspace(d[i]))
        i++;
    return i < len && (d[i] == '{' || d[i] == '[');
}

int rg_objgraph_log_detect(const void *data, size_t len)
{
    if (!data || looks_like_snapshot(data, len))
        return 0;
    log_parser p;
    memset(&p, 0, sizeof p);
    if (rg_strtab_init(&p.names) != RG_OK)
        return 0;
    /* A line of objgraph's shape whose number overflows still says "this
     * is a log": the parse then names the line. */
    int rc = scan(&p, data, len);
    int ok = (rc == RG_OK && p.n_blocks > 0) || rc == RG_EFORMAT || rc == RG_ELIMIT;
    parser_free(&p);
    return ok;
}

int rg_objgraph_log_open_memory(const void *data, size_t len, const char *name, rg_summary ***out,
                          uint32_t *n)
{
    if ((!data && len) || !out || !n)
        return rg_fail(RG_EINVAL, "rg_objgraph_log_open_memory: NULL argument");
    if (!name)
        name = "<memory>";
    log_parser p;
    memset(&p, 0, sizeof p);
    int rc = rg_strtab_init(&p.names);
    if (rc)
        return rc;
    p.name = name;
    rg_summary **sums = NULL;
    rg_sum_strings *shared = NULL;
    size_t made = 0;
    if ((rc = scan(&p, data ? data : "", len)) != RG_OK)
        goto fail;
    if (p.n_blocks == 0) {
        rc = rg_fail(RG_EFORMAT, "%s: no objgraph output found (expected lines like "
                                 "'tuple  12345  +678' or 'function  1234')", name);
        goto fail;
    }
    if (p.n_blocks > UINT32_MAX - 1) {
        rc = rg_fail(RG_ELIMIT, "%s: too many blocks", name);
        goto fail;
    }
    if ((rc = backfill_growth(&p)) != RG_OK)
        goto fail;
    sums = rg_xcalloc(p.n_blocks, sizeof *sums);
    shared = rg_xcalloc(1, sizeof *shared);
    if (!sums || !shared) {
        rc = RG_ENOMEM;
        goto fail;
    }
    /* The parser's string table becomes the points' own: row names are
     * already ids in it. */
    shared->names = p.names;
    memset(&p.names, 0, sizeof p.names);
    rg_strtab_seal(&shared->names);
    shared->refs = 1; /* ours, until every point holds it */
    for (; made < p.n_blocks; made++) {
        if ((rc = block_summary(shared, &p.blocks[made], made, name, &sums[made])) != RG_OK)
            goto fail;
        /* the summary holds the block now: its rows can go */
        rg_free(p.blocks[made].rows);
        p.blocks[made].rows = NULL;
    }
    *out = sums;
    *n = (uint32_t)p.n_blocks;
    parser_free(&p);
    drop_shared(shared);
    return RG_OK;
fail:
    for (size_t i = 0; i < made; i++)
        rg_summary_free(sums[i]);
    rg_free(sums);
    parser_free(&p);
    drop_shared(shared);
    return rc;
}

int rg_objgraph_log_open(const char *path, rg_summary ***out, uint32_t *n)
{
    if (!path || !out || !n)
        return rg_fail(RG_EINVAL, "rg_objgraph_log_open: NULL argument");
    rg_clear_error();
    rg_input *in;
    int rc = rg_input_open_file(path, &in);
    if (rc)
        return rc;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (rg_grow((void **)&buf, &cap, len + 65536, 1) != RG_OK) {
            rc = RG_ENOMEM;
            break;
        }
        int64_t got = rg_input_read(in, buf + len, cap - len);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    rg_input_close(in);
    if (rc == RG_OK)
        rc = rg_objgraph_log_open_memory(buf, len, path, out, n);
    rg_free(buf);
    return rc;
}
