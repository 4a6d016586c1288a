/*
 * report_json.c: the report's model (rg_rpt) as one JSON document, for
 * `refgraph report --json` and for programs that want the findings without
 * parsing Markdown. Written with yajl's generator, so every string is
 * escaped; a snapshot string that is not valid UTF-8 has each bad byte
 * replaced by U+FFFD. The schema is in docs/cli.md.
 */
#include "report_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000;
    else
        return 0;
    if (left < n)
        return 0;
    unsigned cp = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

typedef struct jw {
    yajl_gen g;
    int failed;
} jw;

static void str(jw *w, const char *s)
{
    if (!s)
        s = "";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    while (i < len && utf8_seq(p + i, len - i))
        i += utf8_seq(p + i, len - i);
    if (i == len) {
        if (yajl_gen_string(w->g, p, len) != yajl_gen_status_ok)
            w->failed = 1;
        return;
    }
    rg_sbuf b = {0};
    for (i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        if (n) {
            rg_sbuf_put(&b, s + i, n);
            i += n;
        } else {
            rg_sbuf_puts(&b, "\xEF\xBF\xBD");
            i++;
        }
    }
    char *fixed = rg_sbuf_take(&b);
    if (!fixed || yajl_gen_string(w->g, (const unsigned char *)fixed, strlen(fixed)) != yajl_gen_status_ok)
        w->failed = 1;
    rg_free(fixed);
}

static void kv_str(jw *w, const char *k, const char *v) { str(w, k); str(w, v); }

static void kv_int(jw *w, const char *k, int64_t v)
{
    str(w, k);
    yajl_gen_integer(w->g, (long long)v);
}

static void kv_uint(jw *w, const char *k, uint64_t v)
{
    str(w, k);
    yajl_gen_integer(w->g, v > (uint64_t)INT64_MAX ? INT64_MAX : (long long)v);
}

static void kv_bool(jw *w, const char *k, int v)
{
    str(w, k);
    yajl_gen_bool(w->g, v != 0);
}

static void kv_num(jw *w, const char *k, double v)
{
    str(w, k);
    if (isfinite(v))
        yajl_gen_double(w->g, v);
    else
        yajl_gen_null(w->g);
}

static void open_map(jw *w, const char *k)
{
    if (k)
        str(w, k);
    yajl_gen_map_open(w->g);
}

static void open_array(jw *w, const char *k)
{
    str(w, k);
    yajl_gen_array_open(w->g);
}

static const char *cause_name(rg_rpt_cause c)
{
    switch (c) {
    case RG_RPT_CAUSE_CONTAINER: return "container";
    case RG_RPT_CAUSE_OUTSIDE: return "outside";
    case RG_RPT_CAUSE_CYCLES: return "cycles";
    default: return "none";
    }
}

static void path(jw *w, const char *k, const rg_rpt_path *p)
{
    open_map(w, k);
    kv_str(w, "root", p->root);
    kv_str(w, "root_label", p->root_label);
    open_array(w, "hops");
    for (size_t i = 0; i < p->n_hops; i++) {
        const rg_rpt_hop *h = &p->hops[i];
        open_map(w, NULL);
        if (h->skipped) {
            kv_uint(w, "skipped", h->skipped);
        } else {
            kv_str(w, "label", h->label);
            kv_str(w, "type", h->type);
            kv_str(w, "detail", h->detail);
        }
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);
    yajl_gen_map_close(w->g);
}

static void diagram_ref(jw *w, const rg_rpt *m, int i)
{
    str(w, "diagram");
    if (i < 0 || (size_t)i >= m->n_diagrams || !m->diagrams[i].svg) {
        yajl_gen_null(w->g);
        return;
    }
    str(w, m->diagrams[i].file);
}

static void suspect(jw *w, const rg_rpt *m, const rg_rpt_suspect *s)
{
    open_map(w, NULL);
    kv_str(w, "type", s->type);
    kv_str(w, "verdict", rg_leak_level_name((rg_leak_level)s->level));
    kv_int(w, "level", s->level);
    kv_str(w, "reason", rg_leak_reason_name((rg_leak_reason)s->reason));
    kv_str(w, "cause", cause_name(s->cause));
    kv_bool(w, "significant", s->significant);
    kv_uint(w, "count", s->count);
    kv_uint(w, "shallow_bytes", s->shallow);
    kv_uint(w, "retained_bytes", s->retained);
    if (s->has_growth) {
        kv_int(w, "count_delta", s->count_delta);
        kv_int(w, "bytes_delta", s->bytes_delta);
        kv_uint(w, "steps", s->steps);
        kv_uint(w, "steps_up", s->steps_up);
        kv_num(w, "bytes_per_min", s->bytes_per_min);
    }
    path(w, "path", &s->path);
    open_map(w, "holder");
    str(w, "hop");
    if (s->holder_hop == SIZE_MAX)
        yajl_gen_null(w->g);
    else
        yajl_gen_integer(w->g, (long long)s->holder_hop);
    kv_str(w, "type", s->holder_type);
    kv_int(w, "length", s->holder_len);
    kv_str(w, "where", s->holder_where);
    yajl_gen_map_close(w->g);
    if (s->bulk_type && *s->bulk_type) {
        open_map(w, "bulk");
        kv_str(w, "type", s->bulk_type);
        kv_uint(w, "count", s->bulk_count);
        kv_uint(w, "retained_bytes", s->bulk_retained);
        yajl_gen_map_close(w->g);
    }
    if (s->components)
        kv_uint(w, "cycles", s->components);
    kv_str(w, "name", s->name);
    kv_str(w, "carried_type", s->carried_type);
    kv_str(w, "chain_link", s->chain_link);
    kv_str(w, "advice", s->advice);
    diagram_ref(w, m, s->diagram);
    yajl_gen_map_close(w->g);
}

static void growth_rows(jw *w, const char *k, const rg_rpt_growth_row *rows, size_t n)
{
    open_array(w, k);
    for (size_t i = 0; i < n; i++) {
        open_map(w, NULL);
        kv_str(w, "name", rows[i].name);
        kv_uint(w, "count_first", rows[i].count_first);
        kv_uint(w, "count_last", rows[i].count_last);
        kv_int(w, "count_delta", rows[i].count_delta);
        kv_int(w, "bytes_delta", rows[i].bytes_delta);
        kv_uint(w, "steps_up", rows[i].steps_up);
        kv_uint(w, "steps", rows[i].steps);
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);
}

static void model(jw *w, const rg_rpt *m, const char *summary)
{
    open_map(w, NULL);
    kv_str(w, "title", m->title);
    open_array(w, "snapshots");
    for (size_t i = 0; i < m->n_snaps; i++) {
        const rg_rpt_snap *s = &m->snaps[i];
        open_map(w, NULL);
        kv_str(w, "file", s->file);
        kv_str(w, "producer", s->producer);
        kv_str(w, "runtime", s->runtime);
        kv_int(w, "pid", s->pid);
        kv_int(w, "seq", s->seq);
        kv_num(w, "time", s->time);
        kv_uint(w, "objects", s->objects);
        kv_uint(w, "edges", s->edges);
        kv_uint(w, "roots", s->roots);
        kv_uint(w, "total_bytes", s->total_bytes);
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);
    kv_str(w, "summary", summary);
    open_array(w, "suspects");
    for (size_t i = 0; i < m->n_suspects; i++)
        suspect(w, m, &m->suspects[i]);
    yajl_gen_array_close(w->g);

    str(w, "growth");
    if (!m->has_growth) {
        yajl_gen_null(w->g);
    } else {
        open_map(w, NULL);
        kv_str(w, "warnings", m->growth_warnings);
        growth_rows(w, "types", m->growth_types, m->n_growth_types);
        growth_rows(w, "groups", m->growth_groups, m->n_growth_groups);
        yajl_gen_map_close(w->g);
    }

    kv_uint(w, "type_count", m->type_count);
    open_array(w, "top_types");
    for (size_t i = 0; i < m->n_top_types; i++) {
        open_map(w, NULL);
        kv_str(w, "type", m->top_types[i].type);
        kv_uint(w, "count", m->top_types[i].count);
        kv_uint(w, "bytes", m->top_types[i].bytes);
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);

    open_map(w, "unreachable");
    kv_uint(w, "objects", m->unreachable_objects);
    kv_uint(w, "bytes", m->unreachable_bytes);
    kv_uint(w, "baseline_objects", m->baseline_objects);
    kv_uint(w, "baseline_bytes", m->baseline_bytes);
    kv_uint(w, "cycle_objects", m->cycle_objects);
    kv_uint(w, "cycle_bytes", m->cycle_bytes);
    kv_uint(w, "cycle_count", m->cycle_components);
    open_array(w, "cycles");
    for (size_t i = 0; i < m->n_cycles; i++) {
        open_map(w, NULL);
        kv_str(w, "types", m->cycles[i].types);
        kv_uint(w, "cycles", m->cycles[i].components);
        kv_uint(w, "objects", m->cycles[i].count);
        kv_uint(w, "bytes", m->cycles[i].bytes);
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);
    if (m->cycle_example.n_hops)
        path(w, "example", &m->cycle_example);
    diagram_ref(w, m, m->cycle_diagram);
    yajl_gen_map_close(w->g);

    str(w, "outside");
    if (!m->has_refcounts) {
        yajl_gen_null(w->g); /* the snapshot gave no reference counts */
    } else {
        open_map(w, NULL);
        kv_uint(w, "objects", m->outside_objects);
        kv_uint(w, "bytes", m->outside_bytes);
        open_array(w, "rows");
        for (size_t i = 0; i < m->n_outside; i++) {
            open_map(w, NULL);
            kv_str(w, "type", m->outside[i].type);
            kv_uint(w, "count", m->outside[i].count);
            kv_uint(w, "excess", m->outside[i].excess);
            kv_uint(w, "retained_bytes", m->outside[i].bytes);
            yajl_gen_map_close(w->g);
        }
        yajl_gen_array_close(w->g);
        yajl_gen_map_close(w->g);
    }

    open_map(w, "method");
    kv_str(w, "command_line", m->command_line);
    kv_str(w, "versions", m->versions);
    kv_str(w, "notes", m->method_notes);
    yajl_gen_map_close(w->g);

    open_array(w, "diagrams");
    for (size_t i = 0; i < m->n_diagrams; i++) {
        const rg_rpt_diagram *d = &m->diagrams[i];
        open_map(w, NULL);
        kv_str(w, "file", d->file);
        kv_str(w, "shows", d->alt);
        kv_bool(w, "drawn", d->svg != NULL);
        if (!d->svg)
            kv_str(w, "note", d->note);
        yajl_gen_map_close(w->g);
    }
    yajl_gen_array_close(w->g);
    yajl_gen_map_close(w->g);
}

int rg_report_json(const rg_report *r, char **out)
{
    if (!r || !out)
        return rg_fail(RG_EINVAL, "rg_report_json: NULL argument");
    *out = NULL;
    jw w = {yajl_gen_alloc(NULL), 0};
    if (!w.g)
        return rg_fail(RG_ENOMEM, "rg_report_json: out of memory");
    yajl_gen_config(w.g, yajl_gen_beautify, 1);
    yajl_gen_config(w.g, yajl_gen_indent_string, "  ");
    model(&w, &r->m, r->summary ? r->summary : "");
    const unsigned char *buf;
    size_t len;
    int rc = RG_OK;
    if (w.failed || yajl_gen_get_buf(w.g, &buf, &len) != yajl_gen_status_ok)
        rc = rg_fail(RG_ENOMEM, "rg_report_json: the JSON generator failed");
    else if (!(*out = rg_xstrndup((const char *)buf, len)))
        rc = RG_ENOMEM;
    yajl_gen_free(w.g);
    return rc;
}
