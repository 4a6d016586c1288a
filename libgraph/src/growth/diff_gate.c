/* diff_gate.c: rg_diff_gate, the CI check behind `refgraph diff
 * --fail-if-grows SELECTOR[:THRESHOLD]`. The grammar is in refgraph.h and
 * docs/diff.md. */
#include "diff_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_COUNT, T_PERCENT, T_BYTES } thr_kind;

typedef struct threshold {
    thr_kind kind;
    double value;
    int per_min;
    char text[64];            /* as the user wrote it */
} threshold;

static int unit_scale(const char *u, size_t len, double *scale, thr_kind *kind)
{
    static const struct { const char *name; double scale; thr_kind kind; } units[] = {
        {"", 1, T_COUNT}, {"k", 1e3, T_COUNT}, {"K", 1e3, T_COUNT}, {"M", 1e6, T_COUNT},
        {"%", 1, T_PERCENT},
        {"B", 1, T_BYTES}, {"kB", 1e3, T_BYTES}, {"KB", 1e3, T_BYTES}, {"MB", 1e6, T_BYTES},
        {"GB", 1e9, T_BYTES}, {"TB", 1e12, T_BYTES}, {"KiB", 1024.0, T_BYTES},
        {"MiB", 1024.0 * 1024, T_BYTES}, {"GiB", 1024.0 * 1024 * 1024, T_BYTES},
        {"TiB", 1024.0 * 1024 * 1024 * 1024, T_BYTES},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && strncmp(units[i].name, u, len) == 0) {
            *scale = units[i].scale;
            *kind = units[i].kind;
            return 1;
        }
    return 0;
}

/* "+100", "10k", "25%", "10MB", "1.5MiB/min". 1 when it parses. */
static int parse_threshold(const char *s, threshold *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->text, sizeof t->text, "%s", s);
    const char *p = s;
    if (*p == '+')
        p++;
    if (!isdigit((unsigned char)*p) && *p != '.')
        return 0;
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v) || v < 0)
        return 0;
    const char *unit = end, *unit_end = unit + strlen(unit);
    if (unit_end - unit >= 4 && strcmp(unit_end - 4, "/min") == 0) {
        t->per_min = 1;
        unit_end -= 4;
    }
    double scale;
    if (!unit_scale(unit, (size_t)(unit_end - unit), &scale, &t->kind))
        return 0;
    t->value = v * scale;
    return 1;
}

/* The measured growth of one record, in the threshold's unit. */
static double measure(const rg_diff *d, const rg_growth *g, const threshold *t)
{
    double v;
    switch (t->kind) {
    case T_PERCENT:
        if (g->count[0] == 0)
            v = g->count_delta > 0 ? INFINITY : 0;
        else
            v = 100.0 * (double)g->count_delta / (double)g->count[0];
        break;
    case T_BYTES: v = (double)g->bytes_delta; break;
    default: v = (double)g->count_delta; break;
    }
    if (t->per_min && isfinite(v))
        v = v / d->span * 60.0;
    return v;
}

static void describe(const rg_diff *d, const rg_growth *g, const threshold *t, double v, char *buf,
                     size_t cap)
{
    char a[48], b[48], c[48];
    const uint64_t first = g->count[0], last = g->count[d->n - 1];
    rg_format_count(b, sizeof b, first);
    rg_format_count(c, sizeof c, last);
    switch (t->kind) {
    case T_PERCENT:
        if (isinf(v))
            snprintf(a, sizeof a, "from none");
        else
            snprintf(a, sizeof a, "%+.1f%%", v);
        break;
    case T_BYTES:
        rg_format_bytes(a + 1, sizeof a - 1, v);
        a[0] = '+';
        if (v < 0)
            memmove(a, a + 1, strlen(a + 1) + 1);
        break;
    default: rg_format_signed_count(a, sizeof a, (int64_t)llround(v)); break;
    }
    snprintf(buf, cap, "%s grew by %s%s (%s -> %s objects over %u snapshots)", g->name, a,
             t->per_min ? " per minute" : t->kind == T_BYTES ? "" : t->kind == T_PERCENT ? "" : " objects",
             b, c, d->n);
}

/* Exact type name, else the unique type whose last dotted part(s) match. */
static int find_type(const rg_growth *types, uint32_t n, const char *name, const rg_growth **out)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(types[i].name, name) == 0) {
            *out = &types[i];
            return RG_OK;
        }
    const rg_growth *found = NULL;
    uint32_t matches = 0;
    char cands[256] = "";
    size_t nl = strlen(name);
    for (uint32_t i = 0; i < n; i++) {
        const char *tn = types[i].name;
        size_t tl = strlen(tn);
        if (tl > nl && tn[tl - nl - 1] == '.' && strcmp(tn + tl - nl, name) == 0) {
            if (matches++ == 0)
                found = &types[i];
            size_t cl = strlen(cands);
            if (cl < sizeof cands - 4)
                snprintf(cands + cl, sizeof cands - cl, "%s%s", cl ? ", " : "", tn);
        }
    }
    if (matches > 1)
        return rg_fail(RG_EINVAL, "gate: type name '%s' is ambiguous: %s", name, cands);
    *out = found;
    return RG_OK;
}

/* The result with its message copied out for the caller (rg_free). */
static int gate_out(rg_gate_result *caller, rg_gate_result *full, const char *msg)
{
    full->message = rg_xstrndup(msg, strlen(msg));
    if (!full->message)
        return RG_ENOMEM;
    int rc = rg_record_out(caller, full, sizeof *full, sizeof *full, "rg_diff_gate");
    if (rc != RG_OK)
        rg_free(full->message);
    return rc;
}

int rg_diff_gate(const rg_diff *d, const char *spec, rg_gate_result *caller)
{
    if (!d || !spec || !caller)
        return rg_fail(RG_EINVAL, "rg_diff_gate: NULL argument");
    rg_gate_result full = {.struct_size = sizeof full}, *out = &full;
    char message[512];
    char sel[512];
    if (strlen(spec) >= sizeof sel)
        return rg_fail(RG_EINVAL, "gate '%.40s...': too long", spec);
    strcpy(sel, spec);
    threshold thr;
    parse_threshold("0", &thr);
    char *colon = strrchr(sel, ':');
    if (colon && parse_threshold(colon + 1, &thr))
        *colon = '\0';
    else if (colon && colon[1] && (isdigit((unsigned char)colon[1]) || colon[1] == '+') &&
             strncmp(sel, "group:", 6) != 0)
        return rg_fail(RG_EINVAL, "gate '%s': threshold '%s' is not N, +N, N%%, a size like 10MB, "
                                  "or one of these per minute (N/min)", spec, colon + 1);
    if (!sel[0])
        return rg_fail(RG_EINVAL, "gate '%s': no type or group named", spec);
    if (thr.per_min && !(d->span > 0))
        return rg_fail(RG_EINVAL, "gate '%s': a per-minute threshold needs snapshots with timestamps", spec);
    if (thr.kind == T_BYTES && !d->has_bytes)
        return rg_fail(RG_EINVAL, "gate '%s': a byte threshold needs snapshots with sizes "
                                  "(objgraph logs have none)", spec);

    int want_types = 1, want_groups = 1;
    const char *name = sel;
    if (strncmp(sel, "type:", 5) == 0) {
        name = sel + 5;
        want_groups = 0;
    } else if (strncmp(sel, "group:", 6) == 0) {
        name = sel + 6;
        want_types = 0;
    }
    if (!name[0])
        return rg_fail(RG_EINVAL, "gate '%s': no type or group named", spec);

    /* Candidates: one type, or every group whose path or signature holds the text. */
    const rg_growth *type = NULL;
    if (want_types) {
        int rc = find_type(d->types, d->n_types, name, &type);
        if (rc)
            return rc;
    }
    const rg_growth *worst = NULL;
    double worst_v = -INFINITY;
    if (type) {
        out->matched = 1;
        worst = type;
        worst_v = measure(d, type, &thr);
    } else if (want_groups) {
        for (uint32_t i = 0; i < d->n_groups; i++) {
            const rg_growth *g = &d->groups[i];
            if (!strstr(g->name, name) && !strstr(g->signature, name))
                continue;
            out->matched++;
            double v = measure(d, g, &thr);
            if (!worst || v > worst_v) {
                worst = g;
                worst_v = v;
            }
        }
    }
    if (!worst) {
        snprintf(message, sizeof message, "%.200s: no %s matched '%.200s' in any snapshot%s", spec,
                 want_groups && want_types ? "type or group" : want_types ? "type" : "group", name,
                 want_groups && !d->has_groups ? " (retention groups were not computed)" : "");
        return gate_out(caller, out, message);
    }
    out->tripped = worst_v > thr.value;
    char what[400];
    describe(d, worst, &thr, worst_v, what, sizeof what);
    char more[48] = "";
    if (out->matched > 1)
        snprintf(more, sizeof more, " (worst of %u groups)", out->matched);
    snprintf(message, sizeof message, "%.380s%s, %s the threshold %.60s", what, more,
             out->tripped ? "more than" : "within", thr.text);
    return gate_out(caller, out, message);
}
