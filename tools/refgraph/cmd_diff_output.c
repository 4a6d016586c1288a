/* cmd_diff_output.c: what refgraph diff prints: the series, the types and
 * groups that grew most, object lifetimes, the verdict; as text or as JSON
 * (schema in docs/diff.md). */
#include "cli.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ text */

static const char *fmt_signed(char *buf, size_t cap, int64_t n)
{
    char tmp[32];
    cli_fmt_count(tmp, sizeof tmp, n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n);
    snprintf(buf, cap, "%s%.28s", n < 0 ? "-" : "+", tmp);
    return buf;
}

static const char *fmt_signed_bytes(char *buf, size_t cap, double n)
{
    char tmp[32];
    cli_fmt_bytes(tmp, sizeof tmp, (uint64_t)fabs(n));
    snprintf(buf, cap, "%s%.28s", n < 0 ? "-" : "+", tmp);
    return buf;
}

static const char *fmt_rate(char *buf, size_t cap, double per_min, int bytes)
{
    if (isnan(per_min))
        return snprintf(buf, cap, "-"), buf;
    char tmp[32];
    if (bytes)
        fmt_signed_bytes(tmp, sizeof tmp, per_min);
    else
        fmt_signed(tmp, sizeof tmp, (int64_t)llround(per_min));
    snprintf(buf, cap, "%.28s/min", tmp);
    return buf;
}

/* "1,200 → 3,400 → 5,600", or first → … → last for long series. */
static const char *fmt_series(char *buf, size_t cap, const uint64_t *v, uint32_t n)
{
    size_t w = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && w + 1 < cap; i++) {
        char c[32];
        if (n > 5 && i == 2) {
            w += (size_t)snprintf(buf + w, cap - w, " → …");
            i = n - 2;
        }
        int k = snprintf(buf + w, cap - w, "%s%s", i ? " → " : "", cli_fmt_count(c, sizeof c, v[i]));
        if (k < 0)
            break;
        w += (size_t)k;
    }
    return buf;
}

/* Display width of UTF-8 text (the arrows are one column, three bytes). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int c = columns(s); c < width; c++)
        fputc(' ', out);
}

static const char *flag_text(unsigned f)
{
    if (f & RG_GROWTH_GROWING)
        return "grows at every step";
    if (f & RG_GROWTH_MONOTONIC)
        return "every step, small";
    if (f & RG_GROWTH_SIGNIFICANT)
        return "grew, not steadily";
    return "";
}

static uint32_t shown(uint32_t avail, uint32_t top) { return top == 0 || top > avail ? avail : top; }

static void print_types(const rg_diff *d, const cli_diff_view *v, int has_bytes, FILE *out)
{
    /* Types are sorted by count growth, suspects first: those that grew lead. */
    uint32_t n = rg_diff_type_count(d), np = rg_diff_point_count(d), rows = 0;
    for (uint32_t i = 0; i < n && rg_diff_type_get(d, i)->count_delta > 0; i++)
        rows++;
    uint32_t k = shown(rows, v->top);
    fprintf(out, "\n%sTypes that grew most%s (count at each snapshot):\n", cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF));
    if (!k) {
        fprintf(out, "  (no type grew)\n");
        return;
    }
    int wname = 4, wser = 6;
    char ser[256], a[40], b[40], c[40];
    for (uint32_t i = 0; i < k; i++) {
        const rg_growth *g = rg_diff_type_get(d, i);
        int cn = columns(cli_term(g->name));
        wname = cn > wname ? (cn > 48 ? 48 : cn) : wname;
        int cs = columns(fmt_series(ser, sizeof ser, g->count, np));
        wser = cs > wser ? cs : wser;
    }
    fprintf(out, "  ");
    pad(out, "type", wname);
    fprintf(out, "  ");
    pad(out, "counts", wser);
    fprintf(out, "  %10s  %12s", "Δ count", "per minute");
    if (has_bytes)
        fprintf(out, "  %11s", "Δ bytes");
    fprintf(out, "\n");
    for (uint32_t i = 0; i < k; i++) {
        const rg_growth *g = rg_diff_type_get(d, i);
        fprintf(out, "  ");
        const char *name = cli_term(g->name);
        if (columns(name) > wname)
            fprintf(out, "%.*s…", wname - 1, name);
        else
            pad(out, name, wname);
        fprintf(out, "  ");
        pad(out, fmt_series(ser, sizeof ser, g->count, np), wser);
        fprintf(out, "  %10s  %12s", fmt_signed(a, sizeof a, g->count_delta),
                fmt_rate(b, sizeof b, g->count_per_min, 0));
        if (has_bytes)
            fprintf(out, "  %11s", fmt_signed_bytes(c, sizeof c, (double)g->bytes_delta));
        const char *f = flag_text(g->flags);
        fprintf(out, "%s%s%s\n", *f ? "  " : "", f, g->flags & RG_GROWTH_ESTIMATED ? " (estimated)" : "");
    }
    if (k < rows)
        fprintf(out, "  (%u more grew; --top 0 shows all)\n", rows - k);
}

static void print_groups(const rg_diff *d, const cli_diff_view *v, FILE *out)
{
    /* Sorted by bytes: a group whose count stays (the container itself) can
     * come before those whose count grew, so every group is looked at. */
    uint32_t n = rg_diff_group_count(d), np = rg_diff_point_count(d), rows = 0, k = 0;
    for (uint32_t i = 0; i < n; i++)
        rows += rg_diff_group_get(d, i)->count_delta > 0;
    uint32_t limit = shown(rows, v->top);
    fprintf(out, "\n%sRetention groups that grew most%s (objects reached by one path shape):\n",
            cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF));
    if (!limit) {
        fprintf(out, "  (no group grew)\n");
        return;
    }
    char ser[256], a[40], b[40], c[40], e[40];
    for (uint32_t i = 0; i < n && k < limit; i++) {
        const rg_growth *g = rg_diff_group_get(d, i);
        if (g->count_delta <= 0)
            continue;
        const char *f = flag_text(g->flags);
        fprintf(out, "  %u. %s objects (%s), %s %s (%s)%s%s%s\n", ++k,
                fmt_signed(a, sizeof a, g->count_delta), fmt_rate(b, sizeof b, g->count_per_min, 0),
                fmt_signed_bytes(c, sizeof c, (double)g->bytes_delta),
                g->flags & RG_GROWTH_RETAINED ? "retained" : "shallow",
                fmt_rate(e, sizeof e, g->bytes_per_min, 1), *f ? "  [" : "", f, *f ? "]" : "");
        fprintf(out, "     counts %s\n", fmt_series(ser, sizeof ser, g->count, np));
        fprintf(out, "     %s\n", cli_term(g->name));
    }
    if (limit < rows)
        fprintf(out, "  (%u more grew; --top 0 shows all)\n", rows - limit);
}

static void print_lifetimes(const rg_diff *d, const cli_diff_view *v, FILE *out)
{
    const rg_lifetime *t = rg_diff_lifetime_total(d);
    uint32_t np = rg_diff_point_count(d);
    char a[32], b[32], c[32], e[32];
    fprintf(out, "\nObjects by id (baseline #1, final #%u; an id is the same object only with the same "
                 "type and size in every snapshot between):\n", np);
    fprintf(out, "  surviving %s (%s), new %s (%s), ", cli_fmt_count(a, sizeof a, t->surviving_count),
            cli_fmt_bytes(b, sizeof b, t->surviving_bytes), cli_fmt_count(c, sizeof c, t->new_count),
            cli_fmt_bytes(e, sizeof e, t->new_bytes));
    fprintf(out, "freed %s (%s); reused addresses: %s\n", cli_fmt_count(a, sizeof a, t->freed_count),
            cli_fmt_bytes(b, sizeof b, t->freed_bytes), cli_fmt_count(c, sizeof c, rg_diff_reused_ids(d)));
    if (np < 3)
        return;
    fprintf(out, "  created after #1 and still alive in #%u and #%u (memlab's leak set): %s (%s)\n", np - 1, np,
            cli_fmt_count(a, sizeof a, t->leaked_count), cli_fmt_bytes(b, sizeof b, t->leaked_bytes));
    uint32_t n = rg_diff_lifetime_type_count(d), rows = 0;
    for (uint32_t i = 0; i < n && rg_diff_lifetime_type_get(d, i)->leaked_count > 0; i++)
        rows++;
    uint32_t k = shown(rows, v->top);
    if (!k)
        return;
    int w = 4;
    for (uint32_t i = 0; i < k; i++) {
        int cn = columns(cli_term(rg_diff_lifetime_type_get(d, i)->name));
        w = cn > w ? (cn > 48 ? 48 : cn) : w;
    }
    fprintf(out, "  ");
    pad(out, "type", w);
    fprintf(out, "  %10s  %10s  %10s\n", "leak set", "new", "freed");
    for (uint32_t i = 0; i < k; i++) {
        const rg_lifetime *l = rg_diff_lifetime_type_get(d, i);
        fprintf(out, "  ");
        const char *name = cli_term(l->name);
        if (columns(name) > w)
            fprintf(out, "%.*s…", w - 1, name);
        else
            pad(out, name, w);
        fprintf(out, "  %10s  %10s  %10s\n", cli_fmt_count(a, sizeof a, l->leaked_count),
                cli_fmt_count(b, sizeof b, l->new_count), cli_fmt_count(c, sizeof c, l->freed_count));
    }
    uint32_t ng = rg_diff_lifetime_group_count(d), grows = 0;
    for (uint32_t i = 0; i < ng && rg_diff_lifetime_group_get(d, i)->leaked_count > 0; i++)
        grows++;
    uint32_t kg = shown(grows, v->top < 5 && v->top ? v->top : 5);
    for (uint32_t i = 0; i < kg; i++) {
        const rg_lifetime *l = rg_diff_lifetime_group_get(d, i);
        fprintf(out, "  %s in the leak set at %s\n", cli_fmt_count(a, sizeof a, l->leaked_count), cli_term(l->name));
    }
}

void cli_diff_print_text(const rg_diff *d, const cli_diff_view *v, FILE *out)
{
    uint32_t np = rg_diff_point_count(d);
    const rg_summary_info *first = rg_summary_info_get(rg_diff_point_get(d, 0));
    int has_bytes = 1;
    for (uint32_t i = 0; i < np; i++)
        has_bytes &= !!(rg_summary_info_get(rg_diff_point_get(d, i))->flags & RG_SUMMARY_HAS_BYTES);
    double span = rg_diff_span_seconds(d);
    fprintf(out, "%sGrowth over %u %s", cli_color(CLI_C_HEAD), np, strcmp(first->format, "objgraph-log") == 0 ? "objgraph blocks" : "snapshots");
    if (first->pid >= 0)
        fprintf(out, " of pid %lld", (long long)first->pid);
    if (span > 0)
        fprintf(out, ", %.1f s", span);
    fprintf(out, "%s:\n  %3s  %9s  %12s  %10s  %s\n", cli_color(CLI_C_OFF), "#", "time", "objects", "bytes", "source");
    for (uint32_t i = 0; i < np; i++) {
        const rg_summary_info *s = rg_summary_info_get(rg_diff_point_get(d, i));
        char t[32], a[32], b[32];
        if (span > 0)
            snprintf(t, sizeof t, "+%.1fs", s->time - first->time);
        else
            snprintf(t, sizeof t, "-");
        fprintf(out, "  %3u  %9s  %12s  %10s  %s\n", i + 1, t, cli_fmt_count(a, sizeof a, s->objects),
                has_bytes ? cli_fmt_bytes(b, sizeof b, s->total_bytes) : "-", cli_term(s->source));
    }
    print_types(d, v, has_bytes, out);
    if (rg_diff_group_count(d))
        print_groups(d, v, out);
    if (rg_diff_has_lifetimes(d))
        print_lifetimes(d, v, out);
    const rg_verdict *vd = rg_diff_verdict(d);
    if (v->judgement) {
        fprintf(out, "\n%sVerdict:%s %s%s%s\n", cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF),
                cli_color_level(v->judged_leak ? RG_LEVEL_LEAK : RG_LEVEL_NO_LEAK), cli_term(v->judgement),
                cli_color(CLI_C_OFF));
        return;
    }
    fprintf(out, "\n%sVerdict:%s %s\n", cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF), cli_term(vd->text));
    if (vd->kind == RG_VERDICT_GROUP && vd->growth)
        fprintf(out, "  path: %s\n", cli_term(vd->growth->name));
}

/* ------------------------------------------------------------------ JSON */

static void json_num_or_null(yajl_gen g, const char *key, double v)
{
    cli_json_str(g, key);
    if (isfinite(v))
        yajl_gen_double(g, v);
    else
        yajl_gen_null(g);
}

static void json_bool(yajl_gen g, const char *key, int v)
{
    cli_json_str(g, key);
    yajl_gen_bool(g, v != 0);
}

/* A series of N points writes arrays of N values per type: the document is
 * streamed as it is made (CLI_JSON_FLUSH_BYTES at a time), so its size never
 * sits in memory. */
static void json_u64_array(yajl_gen g, FILE *out, const char *key, const uint64_t *v, uint32_t n)
{
    cli_json_str(g, key);
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < n; i++) {
        yajl_gen_integer(g, v[i] > (uint64_t)INT64_MAX ? INT64_MAX : (long long)v[i]);
        if ((i & 1023) == 1023)
            cli_json_flush(g, out, CLI_JSON_FLUSH_BYTES);
    }
    yajl_gen_array_close(g);
}

static void json_growth(yajl_gen g, FILE *out, const rg_growth *x, uint32_t np, int group)
{
    yajl_gen_map_open(g);
    cli_json_kv_str(g, "name", x->name);
    if (group) {
        cli_json_kv_str(g, "signature", x->signature);
        cli_json_kv_str(g, "container", x->container);
        cli_json_kv_str(g, "member", x->member);
    }
    json_u64_array(g, out, "counts", x->count, np);
    json_u64_array(g, out, "bytes", x->bytes, np);
    if (group && x->retained)
        json_u64_array(g, out, "retained", x->retained, np);
    cli_json_str(g, "steps");
    yajl_gen_array_open(g);
    for (uint32_t i = 1; i < np; i++) {
        yajl_gen_integer(g, (long long)x->count[i] - (long long)x->count[i - 1]);
        if ((i & 1023) == 1023)
            cli_json_flush(g, out, CLI_JSON_FLUSH_BYTES);
    }
    yajl_gen_array_close(g);
    cli_json_kv_int(g, "count_delta", x->count_delta);
    cli_json_kv_int(g, "bytes_delta", x->bytes_delta);
    json_num_or_null(g, "count_per_min", x->count_per_min);
    json_num_or_null(g, "bytes_per_min", x->bytes_per_min);
    json_bool(g, "monotonic", x->flags & RG_GROWTH_MONOTONIC);
    json_bool(g, "monotonic_bytes", x->flags & RG_GROWTH_MONOTONIC_BYTES);
    json_bool(g, "significant", x->flags & RG_GROWTH_SIGNIFICANT);
    json_bool(g, "growing", x->flags & RG_GROWTH_GROWING);
    json_bool(g, "estimated", x->flags & RG_GROWTH_ESTIMATED);
    if (group)
        json_bool(g, "bytes_are_retained", x->flags & RG_GROWTH_RETAINED);
    yajl_gen_map_close(g);
}

static void json_lifetime(yajl_gen g, const rg_lifetime *l, const char *name_key)
{
    yajl_gen_map_open(g);
    if (name_key)
        cli_json_kv_str(g, name_key, l->name);
    cli_json_kv_uint(g, "new", l->new_count);
    cli_json_kv_uint(g, "new_bytes", l->new_bytes);
    cli_json_kv_uint(g, "freed", l->freed_count);
    cli_json_kv_uint(g, "freed_bytes", l->freed_bytes);
    cli_json_kv_uint(g, "surviving", l->surviving_count);
    cli_json_kv_uint(g, "surviving_bytes", l->surviving_bytes);
    cli_json_kv_uint(g, "leaked", l->leaked_count);
    cli_json_kv_uint(g, "leaked_bytes", l->leaked_bytes);
    yajl_gen_map_close(g);
}

typedef const rg_growth *(*growth_at)(const rg_diff *, uint32_t);
typedef const rg_lifetime *(*lifetime_at)(const rg_diff *, uint32_t);

static void json_growth_list(yajl_gen g, FILE *out, const rg_diff *d, const char *key, uint32_t n,
                             growth_at at, uint32_t top, int group)
{
    cli_json_str(g, key);
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < shown(n, top); i++) {
        json_growth(g, out, at(d, i), rg_diff_point_count(d), group);
        cli_json_flush(g, out, CLI_JSON_FLUSH_BYTES);
    }
    yajl_gen_array_close(g);
}

static void json_lifetime_list(yajl_gen g, FILE *out, const rg_diff *d, const char *key, uint32_t n, lifetime_at at,
                               uint32_t top, const char *name_key)
{
    cli_json_str(g, key);
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < shown(n, top); i++) {
        json_lifetime(g, at(d, i), name_key);
        cli_json_flush(g, out, CLI_JSON_FLUSH_BYTES);
    }
    yajl_gen_array_close(g);
}

void cli_diff_print_json(const rg_diff *d, const cli_diff_view *v, FILE *out)
{
    uint32_t np = rg_diff_point_count(d);
    yajl_gen g = cli_json_new();
    yajl_gen_map_open(g);
    cli_json_str(g, "points");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < np; i++) {
        const rg_summary_info *s = rg_summary_info_get(rg_diff_point_get(d, i));
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "source", s->source);
        cli_json_kv_str(g, "format", s->format);
        cli_json_kv_int(g, "input_index", rg_diff_point_input_index(d, i));
        cli_json_kv_int(g, "pid", s->pid);
        json_num_or_null(g, "time", s->time > 0 ? s->time : NAN);
        cli_json_kv_int(g, "seq", s->seq);
        cli_json_kv_uint(g, "objects", s->objects);
        cli_json_kv_uint(g, "total_bytes", s->total_bytes);
        cli_json_kv_uint(g, "types", s->types);
        cli_json_kv_uint(g, "groups", s->groups);
        json_bool(g, "partial", s->flags & RG_SUMMARY_PARTIAL);
        cli_json_kv_uint(g, "summary_bytes", s->memory_bytes);
        yajl_gen_map_close(g);
        cli_json_flush(g, out, CLI_JSON_FLUSH_BYTES);
    }
    yajl_gen_array_close(g);
    double span = rg_diff_span_seconds(d);
    json_num_or_null(g, "span_seconds", span > 0 ? span : NAN);
    cli_json_str(g, "thresholds");
    yajl_gen_map_open(g);
    cli_json_kv_uint(g, "min_growth", v->min_growth);
    cli_json_kv_double(g, "min_ratio", v->min_ratio);
    cli_json_kv_double(g, "min_group_ratio", v->min_group_ratio);
    yajl_gen_map_close(g);
    cli_json_str(g, "warnings");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < rg_diff_warning_count(d); i++)
        cli_json_str(g, rg_diff_warning_get(d, i));
    yajl_gen_array_close(g);
    json_growth_list(g, out, d, "types", rg_diff_type_count(d), rg_diff_type_get, v->top, 0);
    json_growth_list(g, out, d, "groups", rg_diff_group_count(d), rg_diff_group_get, v->top, 1);

    cli_json_str(g, "lifetimes");
    if (!rg_diff_has_lifetimes(d)) {
        yajl_gen_null(g);
    } else {
        yajl_gen_map_open(g);
        cli_json_kv_int(g, "baseline", 0);
        cli_json_kv_int(g, "target", np >= 3 ? np - 2 : np - 1);
        cli_json_kv_int(g, "final", np - 1);
        cli_json_kv_uint(g, "reused_ids", rg_diff_reused_ids(d));
        cli_json_str(g, "total");
        json_lifetime(g, rg_diff_lifetime_total(d), NULL);
        json_lifetime_list(g, out, d, "types", rg_diff_lifetime_type_count(d), rg_diff_lifetime_type_get, v->top,
                           "type");
        json_lifetime_list(g, out, d, "groups", rg_diff_lifetime_group_count(d), rg_diff_lifetime_group_get,
                           v->top, "path");
        yajl_gen_map_close(g);
    }

    const rg_verdict *vd = rg_diff_verdict(d);
    cli_json_str(g, "verdict");
    yajl_gen_map_open(g);
    /* With the judgement, a leak-free verdict names no suspect. */
    int none = v->judgement && !v->judged_leak;
    cli_json_kv_str(g, "kind", none ? "none" : vd->kind == RG_VERDICT_GROUP ? "group"
                                       : vd->kind == RG_VERDICT_TYPE ? "type" : "none");
    json_bool(g, "confirmed", vd->confirmed && !none);
    cli_json_kv_str(g, "text", v->judgement ? v->judgement : vd->text);
    cli_json_str(g, "suspect");
    if (vd->growth && !none)
        json_growth(g, out, vd->growth, np, vd->kind == RG_VERDICT_GROUP);
    else
        yajl_gen_null(g);
    yajl_gen_map_close(g);

    cli_json_str(g, "gates");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_gates; i++) {
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "spec", v->gate_specs[i]);
        json_bool(g, "tripped", v->gates[i].tripped);
        cli_json_kv_uint(g, "matched", v->gates[i].matched);
        cli_json_kv_str(g, "message", v->gates[i].message);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    cli_json_finish(g, out);
}
