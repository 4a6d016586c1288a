/* diff.c: growth across a series of snapshot summaries: ordering and
 * warnings, per-type and per-group growth with monotonic flags and rates,
 * and the verdict. Object lifetimes by id are in diff_lifetime.c, the CI
 * gate in diff_gate.c. */
#include "diff_internal.h"
#include "analyze/judge.h"


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rg_diff_options_init(rg_diff_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_DIFF_OPTIONS_VERSION, "rg_diff_options")
               : rg_fail(RG_EINVAL, "rg_diff_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_diff_options)RG_DIFF_OPTIONS_INIT;
    return rc;
}

/* ------------------------------------------------------------ formatting */

/* ------------------------------------------------------------- warnings */

int rg_diff_warn(rg_diff *d, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t cap = d->warnings_cap;
    if (rg_grow((void **)&d->warnings, &cap, (size_t)d->n_warnings + 1, sizeof *d->warnings) != RG_OK)
        return RG_ENOMEM;
    d->warnings_cap = cap;
    if (!(d->warnings[d->n_warnings] = rg_xstrndup(buf, strlen(buf))))
        return RG_ENOMEM;
    d->n_warnings++;
    return RG_OK;
}

/* --------------------------------------------------------------- ordering */

static _Thread_local rg_summary *const *order_sums;

static int by_time(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const rg_summary_info *p = &order_sums[x]->info, *q = &order_sums[y]->info;
    if (p->time != q->time)
        return p->time < q->time ? -1 : 1;
    if (p->seq != q->seq)
        return p->seq < q->seq ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Put the points in header-time order when every point has a time, and say
 * what the order rests on when they do not. */
static int order_points(rg_diff *d, rg_summary *const *sums, uint32_t n)
{
    int all_time = 1, some_time = 0;
    for (uint32_t i = 0; i < n; i++) {
        all_time &= sums[i]->info.time > 0;
        some_time |= sums[i]->info.time > 0;
    }
    for (uint32_t i = 0; i < n; i++)
        d->input_index[i] = i;
    if (all_time) {
        order_sums = sums;
        qsort(d->input_index, n, sizeof *d->input_index, by_time);
        order_sums = NULL;
    }
    int moved = 0;
    for (uint32_t i = 0; i < n; i++) {
        d->pts[i] = sums[d->input_index[i]];
        moved |= d->input_index[i] != i;
    }
    if (moved) {
        char list[768] = "";
        size_t w = 0;
        for (uint32_t i = 0; i < n && w < sizeof list - 8; i++) {
            int k = snprintf(list + w, sizeof list - w, "%s%s", i ? ", " : "", d->pts[i]->info.source);
            w = k < 0 ? w : w + (size_t)k;
        }
        if (w >= sizeof list - 8)
            strcpy(list + sizeof list - 8, ", ...");
        if (rg_diff_warn(d, "snapshots were not given in time order; analysed in header-time order: %s", list))
            return RG_ENOMEM;
    }
    if (!all_time) {
        uint32_t missing = 0, first = 0;
        for (uint32_t i = 0; i < n; i++)
            if (!(sums[i]->info.time > 0) && missing++ == 0)
                first = i;
        if (rg_diff_warn(d, "%s%s no timestamp%s: %s rates per minute are not available",
                         sums[first]->info.source,
                         missing > 1 ? " and others have" : " has", missing > 1 ? "s" : "",
                         some_time ? "the order given is kept and" : "the order given is kept;"))
            return RG_ENOMEM;
    } else {
        d->span = d->pts[n - 1]->info.time - d->pts[0]->info.time;
        if (!(d->span > 0) &&
            rg_diff_warn(d, "every snapshot has the same timestamp: rates per minute are not available"))
            return RG_ENOMEM;
    }
    /* Ids are addresses of one process; from two processes they mean nothing
     * to each other. */
    int64_t pid = -1;
    uint32_t pid_at = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t p = d->pts[i]->info.pid;
        if (p < 0)
            continue;
        if (pid < 0) {
            pid = p;
            pid_at = i;
        } else if (p != pid) {
            d->pids_differ = 1;
            if (rg_diff_warn(d, "snapshots come from different processes (pid %lld in %s, pid %lld in %s): "
                                "object ids cannot be matched, so lifetimes are not computed",
                             (long long)pid, d->pts[pid_at]->info.source, (long long)p,
                             d->pts[i]->info.source))
                return RG_ENOMEM;
            break;
        }
    }
    return RG_OK;
}

/* ----------------------------------------------------------- growth rows */

/* Rows are string ids of the keys (type names or group signatures); row r,
 * point i is at r*n + i. */
static int table_row(table *t, const char *key, uint32_t n, uint32_t *row)
{
    uint32_t id;
    int rc = rg_strtab_intern(&t->keys, key, strlen(key), &id);
    if (rc)
        return rc;
    if (id >= t->rows) {
        size_t need = (size_t)id + 1;
        if (need > t->cap) {
            /* Every key is interned before the first row (check_cells), so
             * the table is allocated once at its final size: a reserve of
             * spare rows would cost a cell per point each. */
            size_t cap = t->keys.count > need ? t->keys.count : need;
            uint64_t *c = rg_xrealloc(t->count, cap * n, sizeof *c);
            if (c)
                t->count = c;
            uint64_t *b = c ? rg_xrealloc(t->bytes, cap * n, sizeof *b) : NULL;
            if (b)
                t->bytes = b;
            /* retained bytes are known for groups only */
            uint64_t *r = !b ? NULL : t->retained_too ? rg_xrealloc(t->retained, cap * n, sizeof *r) : b;
            if (r && t->retained_too)
                t->retained = r;
            uint8_t *k = r ? rg_xrealloc(t->known, cap * n, sizeof *k) : NULL;
            if (k)
                t->known = k;
            uint8_t *ik = k ? rg_xrealloc(t->is_key, cap, sizeof *ik) : NULL;
            if (ik)
                t->is_key = ik;
            uint32_t *p = ik ? rg_xrealloc(t->path, cap, sizeof *p) : NULL;
            if (p)
                t->path = p;
            uint32_t *co = p ? rg_xrealloc(t->container, cap, sizeof *co) : NULL;
            if (co)
                t->container = co;
            uint32_t *me = co ? rg_xrealloc(t->member, cap, sizeof *me) : NULL;
            if (!me)
                return RG_ENOMEM;
            t->member = me;
            t->cap = cap;
        }
        size_t from = t->rows;
        memset(t->count + from * n, 0, (need - from) * n * sizeof *t->count);
        memset(t->bytes + from * n, 0, (need - from) * n * sizeof *t->bytes);
        if (t->retained_too)
            memset(t->retained + from * n, 0, (need - from) * n * sizeof *t->retained);
        memset(t->known + from * n, 0, (need - from) * n);
        memset(t->is_key + from, 0, need - from);
        memset(t->path + from, 0, (need - from) * sizeof *t->path);
        memset(t->container + from, 0, (need - from) * sizeof *t->container);
        memset(t->member + from, 0, (need - from) * sizeof *t->member);
        t->rows = need;
    }
    t->is_key[id] = 1;
    *row = id;
    return RG_OK;
}

static void table_free(table *t)
{
    rg_strtab_free(&t->keys);
    rg_strtab_free(&t->paths);
    rg_free(t->is_key);
    rg_free(t->container);
    rg_free(t->member);
    rg_free(t->count);
    rg_free(t->bytes);
    rg_free(t->retained);
    rg_free(t->known);
    rg_free(t->path);
}

/* objgraph lists only the top N types: a point that does not list a type
 * takes the nearest earlier listed value (else the nearest later one), so a
 * gap is never read as growth. Returns 1 when something was filled. */
static int fill_gaps(table *t, size_t r, uint32_t n)
{
    uint64_t *c = t->count + r * n;
    const uint8_t *k = t->known + r * n;
    int filled = 0, have = 0;
    uint64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k[i]) {
            last = c[i];
            have = 1;
        } else if (k[i] == 0 && have) {
            c[i] = last;
            filled = 1;
        }
    }
    uint32_t first_known = n;
    for (uint32_t i = 0; i < n && first_known == n; i++)
        if (k[i])
            first_known = i;
    for (uint32_t i = 0; i < first_known && first_known < n; i++) {
        c[i] = c[first_known];
        filled = 1;
    }
    return filled;
}

static void growth_stats(rg_diff *d, rg_growth *g, int use_retained, double ratio)
{
    uint32_t n = d->n;
    const uint64_t *bytes = use_retained ? g->retained : g->bytes;
    g->count_delta = (int64_t)g->count[n - 1] - (int64_t)g->count[0];
    g->bytes_delta = (int64_t)bytes[n - 1] - (int64_t)bytes[0];
    g->steps_up = 0;
    int mono = n >= 3, mono_b = n >= 3 && d->has_bytes;
    for (uint32_t i = 1; i < n; i++) {
        if (g->count[i] > g->count[i - 1])
            g->steps_up++;
        else
            mono = 0;
        if (!(bytes[i] > bytes[i - 1]))
            mono_b = 0;
    }
    if (mono)
        g->flags |= RG_GROWTH_MONOTONIC;
    if (mono_b)
        g->flags |= RG_GROWTH_MONOTONIC_BYTES;
    if (g->count_delta > 0 && (uint64_t)g->count_delta >= d->opts.min_growth &&
        (double)g->count_delta >= ratio * (double)g->count[0])
        g->flags |= RG_GROWTH_SIGNIFICANT;
    if ((g->flags & RG_GROWTH_MONOTONIC) && (g->flags & RG_GROWTH_SIGNIFICANT))
        g->flags |= RG_GROWTH_GROWING;
    if (d->span > 0) {
        g->count_per_min = (double)g->count_delta / d->span * 60.0;
        g->bytes_per_min = d->has_bytes ? (double)g->bytes_delta / d->span * 60.0 : NAN;
    } else {
        g->count_per_min = NAN;
        g->bytes_per_min = NAN;
    }
}

/* Types: GROWING first, then by count growth (objgraph's order). */
static int by_growth(const void *a, const void *b)
{
    const rg_growth *x = a, *y = b;
    int gx = !!(x->flags & RG_GROWTH_GROWING), gy = !!(y->flags & RG_GROWTH_GROWING);
    if (gx != gy)
        return gy - gx;
    if (x->count_delta != y->count_delta)
        return x->count_delta < y->count_delta ? 1 : -1;
    if (x->bytes_delta != y->bytes_delta)
        return x->bytes_delta < y->bytes_delta ? 1 : -1;
    return strcmp(x->signature, y->signature);
}

/* Groups: GROWING first, then by bytes growth, which is retained bytes when
 * known: the group nearest the root that grows retains everything its
 * members hold, so it comes before the groups below it. */
static int by_bytes_growth(const void *a, const void *b)
{
    const rg_growth *x = a, *y = b;
    int gx = !!(x->flags & RG_GROWTH_GROWING), gy = !!(y->flags & RG_GROWTH_GROWING);
    if (gx != gy)
        return gy - gx;
    if (x->bytes_delta != y->bytes_delta)
        return x->bytes_delta < y->bytes_delta ? 1 : -1;
    if (x->count_delta != y->count_delta)
        return x->count_delta < y->count_delta ? 1 : -1;
    return strcmp(x->signature, y->signature);
}

/* Turn a filled table into growth records. The table's arrays move into the
 * diff, which frees them. */
static int table_to_growth(rg_diff *d, table *t, int groups, rg_growth **out, uint32_t *n_out)
{
    uint32_t n = d->n;
    if (t->rows > UINT32_MAX)
        return rg_fail(RG_ELIMIT, "too many types or groups");
    rg_growth *g = rg_xcalloc(t->rows ? t->rows : 1, sizeof *g);
    if (!g)
        return RG_ENOMEM;
    uint32_t w = 0;
    for (size_t r = 0; r < t->rows; r++) {
        if (!t->is_key[r])
            continue;
        rg_growth *x = &g[w++];
        x->signature = rg_strtab_get(&t->keys, (uint32_t)r);
        x->name = groups ? rg_strtab_get(&t->paths, t->path[r]) : x->signature;
        x->container = groups ? rg_strtab_get(&t->paths, t->container[r]) : "";
        x->member = groups ? rg_strtab_get(&t->paths, t->member[r]) : x->signature;
        x->count = t->count + r * n;
        x->bytes = t->bytes + r * n;
        x->retained = groups ? t->retained + r * n : NULL;
        if (fill_gaps(t, r, n))
            x->flags |= RG_GROWTH_ESTIMATED;
        int use_retained = 0;
        if (groups) {
            use_retained = 1;
            for (uint32_t i = 0; i < n; i++)
                if (x->count[i] && !x->retained[i])
                    use_retained = 0;
        }
        if (use_retained)
            x->flags |= RG_GROWTH_RETAINED;
        growth_stats(d, x, use_retained, groups ? d->opts.min_group_ratio : d->opts.min_ratio);
    }
    qsort(g, w, sizeof *g, groups ? by_bytes_growth : by_growth);
    *out = g;
    *n_out = w;
    return RG_OK;
}

/* Intern every key first: the table's size is then known, and a series
 * whose table would pass RG_DIFF_MAX_CELLS is refused before any of it is
 * allocated. */
static int check_cells(table *t, uint32_t n, uint64_t listed, const char *what)
{
    uint64_t cells = (uint64_t)(t->keys.count - 1) * n;
    uint64_t limit = listed > RG_DIFF_MAX_CELLS / RG_DIFF_CELLS_PER_ROW ? listed * RG_DIFF_CELLS_PER_ROW
                                                                          : RG_DIFF_MAX_CELLS;
    if (cells <= limit)
        return RG_OK;
    return rg_fail(RG_ELIMIT,
                   "the series has %u points and %u %s: the growth table would need %llu cells (%s x points), "
                   "more than the limit of %llu (RG_DIFF_MAX_CELLS, or %u per row the points list): "
                   "compare fewer points",
                   n, t->keys.count - 1, what, (unsigned long long)cells, what, (unsigned long long)limit,
                   RG_DIFF_CELLS_PER_ROW);
}

/* Intern the keys of every point (type names, or group signatures), then
 * check_cells: the table is refused, or allocated once at its final size. */
static int intern_keys(const rg_diff *d, table *t, int groups)
{
    uint64_t listed = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        const rg_summary *s = d->pts[i];
        uint32_t m = groups ? s->info.groups : s->info.types;
        listed += m;
        for (uint32_t k = 0; k < m; k++) {
            const char *key = rg_sum_str(s, groups ? s->groups[k].signature : s->types[k].name);
            uint32_t id;
            int rc = rg_strtab_intern(&t->keys, key, strlen(key), &id);
            if (rc != RG_OK)
                return rc;
        }
    }
    return check_cells(t, d->n, listed, groups ? "retention groups" : "type names");
}

static int collect_types(rg_diff *d)
{
    table *t = &d->type_table;
    uint32_t n = d->n;
    int rc;
    if ((rc = intern_keys(d, t, 0)) != RG_OK)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        const rg_summary *s = d->pts[i];
        d->type_map[i] = rg_xmalloc(s->info.types ? s->info.types : 1, sizeof **d->type_map);
        if (!d->type_map[i])
            return RG_ENOMEM;
        for (uint32_t k = 0; k < s->info.types; k++) {
            uint32_t row;
            if ((rc = table_row(t, rg_sum_str(s, s->types[k].name), n, &row)) != RG_OK)
                return rc;
            d->type_map[i][k] = row;
            t->count[(size_t)row * n + i] = s->types[k].count;
            t->bytes[(size_t)row * n + i] = s->types[k].bytes;
            t->known[(size_t)row * n + i] = 1;
        }
    }
    /* A complete type table lists every type: absence is a known zero. */
    for (uint32_t i = 0; i < n; i++)
        if (!(d->pts[i]->info.flags & RG_SUMMARY_PARTIAL))
            for (size_t r = 0; r < t->rows; r++)
                t->known[r * n + i] = 1;
    return table_to_growth(d, t, 0, &d->types, &d->n_types);
}

static int collect_groups(rg_diff *d)
{
    table *t = &d->group_table;
    uint32_t n = d->n;
    int rc;
    if ((rc = intern_keys(d, t, 1)) != RG_OK)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        const rg_summary *s = d->pts[i];
        d->group_map[i] = rg_xmalloc(s->info.groups ? s->info.groups : 1, sizeof **d->group_map);
        if (!d->group_map[i])
            return RG_ENOMEM;
        for (uint32_t k = 0; k < s->info.groups; k++) {
            const rg_sum_group *sg = &s->groups[k];
            uint32_t row;
            if ((rc = table_row(t, rg_sum_str(s, sg->signature), n, &row)) != RG_OK)
                return rc;
            d->group_map[i][k] = row;
            size_t at = (size_t)row * n + i;
            t->count[at] = sg->count;
            t->bytes[at] = sg->bytes;
            t->retained[at] = sg->retained;
            t->known[at] = 1;
            /* Where the row was seen last; its strings are taken from there
             * below, once per row rather than once per point. */
            t->path[row] = i;
            t->member[row] = k;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (uint32_t i = 0; i < n; i++)
            t->known[r * n + i] = 1;
        if (!t->is_key[r])
            continue;
        const rg_summary *s = d->pts[t->path[r]];
        const rg_sum_group *sg = &s->groups[t->member[r]];
        const char *p = rg_sum_str(s, sg->path), *c = rg_sum_str(s, sg->container),
                   *m = rg_sum_str(s, sg->member);
        if ((rc = rg_strtab_intern(&t->paths, p, strlen(p), &t->path[r])) != RG_OK ||
            (rc = rg_strtab_intern(&t->paths, c, strlen(c), &t->container[r])) != RG_OK ||
            (rc = rg_strtab_intern(&t->paths, m, strlen(m), &t->member[r])) != RG_OK)
            return rc;
    }
    return table_to_growth(d, t, 1, &d->groups, &d->n_groups);
}

/* ---------------------------------------------------------------- verdict */

static const rg_growth *pick(const rg_growth *g, uint32_t n, unsigned need)
{
    const rg_growth *best = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if ((g[i].flags & need) != need)
            continue;
        if (!best || g[i].bytes_delta > best->bytes_delta ||
            (g[i].bytes_delta == best->bytes_delta && g[i].count_delta > best->count_delta))
            best = &g[i];
    }
    return best;
}

/* The group that rose at every step with the most bytes grown, however
 * little above noise (rg_judge_rise_is_noise): the judgement's "grows at
 * every step" rule. Groups held under a growing group grow with it; the
 * nearest-root one has the most bytes. */
static const rg_growth *pick_monotonic(const rg_growth *g, uint32_t n)
{
    const rg_growth *best = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!(g[i].flags & RG_GROWTH_MONOTONIC) || g[i].count_delta <= 0 ||
            rg_judge_rise_is_noise(g[i].count_delta, g[i].bytes_delta))
            continue;
        if (!best || g[i].bytes_delta > best->bytes_delta)
            best = &g[i];
    }
    return best;
}

/* The verdict as data: which growth it names and the judgement's level and
 * reason for it (analyze/judge.c, rg_judge_growth: the one home of the
 * growth rules). The words are diff_verdict_text.c's. */
static void judge_verdict(rg_diff *d)
{
    rg_verdict *v = &d->verdict;
    const rg_growth *g = NULL;
    unsigned need = d->n >= 3 ? RG_GROWTH_GROWING : RG_GROWTH_SIGNIFICANT;
    if ((g = pick(d->groups, d->n_groups, need)) != NULL)
        v->kind = RG_VERDICT_GROUP;
    else if ((g = pick(d->types, d->n_types, need)) != NULL)
        v->kind = RG_VERDICT_TYPE;
    else if (d->n >= 3 && (g = pick_monotonic(d->groups, d->n_groups)) != NULL)
        v->kind = RG_VERDICT_GROUP; /* growth at every step above noise is at least possible */
    else
        v->kind = RG_VERDICT_NONE;
    v->growth = g;
    v->level = RG_LEVEL_NO_LEAK;
    v->reason = RG_REASON_NONE;
    if (g)
        rg_judge_growth(d->n >= 3 && (g->flags & RG_GROWTH_MONOTONIC) && g->count_delta > 0 &&
                            ((g->flags & RG_GROWTH_SIGNIFICANT) ||
                             !rg_judge_rise_is_noise(g->count_delta, g->bytes_delta)),
                        g->count_delta > 0,
                        (g->flags & RG_GROWTH_SIGNIFICANT) != 0, false, &v->level, &v->reason);
    v->confirmed = v->level == RG_LEVEL_LEAK;
}

/* ------------------------------------------------------------- the whole */

int rg_diff_compute(rg_summary *const *sums, uint32_t n, const rg_diff_options *opts, rg_diff **out)
{
    if (!sums || !out)
        return rg_fail(RG_EINVAL, "rg_diff_compute: NULL argument");
    if (opts && rg_options_version(opts->version, RG_DIFF_OPTIONS_VERSION, "rg_diff_compute: rg_diff_options") != RG_OK)
        return RG_EINVAL;
    if (n < 2)
        return rg_fail(RG_EINVAL, "growth needs at least two snapshots (got %u)", n);
    for (uint32_t i = 0; i < n; i++)
        if (!sums[i])
            return rg_fail(RG_EINVAL, "rg_diff_compute: summary %u is NULL", i);
    rg_diff *d = rg_xcalloc(1, sizeof *d);
    if (!d)
        return RG_ENOMEM;
    int rc = RG_ENOMEM;
    if (opts)
        d->opts = *opts;
    else
        rg_diff_options_init(&d->opts, RG_DIFF_OPTIONS_VERSION);
    d->n = n;
    d->pts = rg_xcalloc(n, sizeof *d->pts);
    d->input_index = rg_xcalloc(n, sizeof *d->input_index);
    d->type_map = rg_xcalloc(n, sizeof *d->type_map);
    d->group_map = rg_xcalloc(n, sizeof *d->group_map);
    if (!d->pts || !d->input_index || !d->type_map || !d->group_map)
        goto fail;
    if (rg_strtab_init(&d->type_table.keys) || rg_strtab_init(&d->type_table.paths) ||
        rg_strtab_init(&d->group_table.keys) || rg_strtab_init(&d->group_table.paths))
        goto fail;
    d->group_table.retained_too = 1;
    if ((rc = order_points(d, sums, n)) != RG_OK)
        goto fail;

    unsigned all = ~0u, any = 0;
    for (uint32_t i = 0; i < n; i++) {
        all &= d->pts[i]->info.flags;
        any |= d->pts[i]->info.flags;
        d->objgraph |= strcmp(d->pts[i]->info.format, "objgraph-log") == 0;
    }
    d->has_bytes = !!(all & RG_SUMMARY_HAS_BYTES);
    d->has_groups = !!(all & RG_SUMMARY_HAS_GROUPS);
    if (d->objgraph &&
        (rc = rg_diff_warn(d, "objgraph logs carry type counts only: no bytes, object ids or retention "
                              "paths are available")) != RG_OK)
        goto fail;
    if ((any & RG_SUMMARY_PARTIAL) &&
        (rc = rg_diff_warn(d, "some points list only the top types (objgraph's limit): a type missing from "
                              "a point is taken to be unchanged there")) != RG_OK)
        goto fail;
    if (!d->has_groups && (any & RG_SUMMARY_HAS_GROUPS) &&
        (rc = rg_diff_warn(d, "retention groups are missing from some snapshots: per-group growth is "
                              "not computed")) != RG_OK)
        goto fail;
    if (!d->has_bytes && (any & RG_SUMMARY_HAS_BYTES) &&
        (rc = rg_diff_warn(d, "some points have no byte sizes: bytes are not compared")) != RG_OK)
        goto fail;

    if ((rc = collect_types(d)) != RG_OK)
        goto fail;
    if (d->has_groups && (rc = collect_groups(d)) != RG_OK)
        goto fail;
    if ((all & RG_SUMMARY_HAS_IDS) && !d->pids_differ && (rc = rg_diff_lifetimes(d)) != RG_OK)
        goto fail;
    judge_verdict(d);
    if ((rc = rg_diff_word_verdict(d)) != RG_OK)
        goto fail;
    *out = d;
    return RG_OK;
fail:
    rg_diff_free(d);
    return rc;
}

void rg_diff_free(rg_diff *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n_warnings; i++)
        rg_free(d->warnings[i]);
    rg_free(d->warnings);
    if (d->type_map)
        for (uint32_t i = 0; i < d->n; i++)
            rg_free(d->type_map[i]);
    if (d->group_map)
        for (uint32_t i = 0; i < d->n; i++)
            rg_free(d->group_map[i]);
    rg_free(d->type_map);
    rg_free(d->group_map);
    table_free(&d->type_table);
    table_free(&d->group_table);
    rg_free(d->types);
    rg_free(d->groups);
    rg_free(d->lt_types);
    rg_free(d->lt_groups);
    rg_free(d->pts);
    rg_free(d->input_index);
    rg_free(d->verdict_text);
    rg_free(d);
}

uint32_t rg_diff_point_count(const rg_diff *d) { return d->n; }
const rg_summary *rg_diff_point_get(const rg_diff *d, uint32_t i) { return i < d->n ? d->pts[i] : NULL; }
uint32_t rg_diff_point_input_index(const rg_diff *d, uint32_t i)
{
    return i < d->n ? d->input_index[i] : UINT32_MAX;
}
double rg_diff_span_seconds(const rg_diff *d) { return d->span > 0 ? d->span : 0; }
uint32_t rg_diff_warning_count(const rg_diff *d) { return d->n_warnings; }
const char *rg_diff_warning_get(const rg_diff *d, uint32_t i) { return i < d->n_warnings ? d->warnings[i] : ""; }
uint32_t rg_diff_type_count(const rg_diff *d) { return d->n_types; }
const rg_growth *rg_diff_type_get(const rg_diff *d, uint32_t i) { return i < d->n_types ? &d->types[i] : NULL; }
uint32_t rg_diff_group_count(const rg_diff *d) { return d->n_groups; }
const rg_growth *rg_diff_group_get(const rg_diff *d, uint32_t i) { return i < d->n_groups ? &d->groups[i] : NULL; }
const rg_verdict *rg_diff_verdict(const rg_diff *d) { return &d->verdict; }

int rg_growth_key(const rg_diff *d, const rg_growth *g, rg_group_growth *out)
{
    if (!d || !g)
        return rg_fail(RG_EINVAL, "rg_growth_key: NULL argument");
    rg_group_growth k = {sizeof k, g->signature, g->count_delta, g->bytes_delta, d->n > 1 ? d->n - 1 : 0,
                         g->steps_up, g->count_per_min, g->bytes_per_min};
    return rg_record_out(out, &k, sizeof k, sizeof k, "rg_growth_key");
}

int rg_suspect_options_from_diff(rg_suspect_options *opts, const rg_diff *d, rg_group_growth **owned)
{
    if (!opts || !d || !owned)
        return rg_fail(RG_EINVAL, "rg_suspect_options_from_diff: NULL argument");
    if (opts && rg_options_version(opts->version, RG_SUSPECT_OPTIONS_VERSION, "rg_suspect_options_from_diff: rg_suspect_options") != RG_OK)
        return RG_EINVAL;
    uint32_t ng = d->n_groups;
    rg_group_growth *gg = rg_xcalloc(ng ? ng : 1, sizeof *gg);
    if (!gg)
        return RG_ENOMEM;
    for (uint32_t i = 0; i < ng; i++) {
        gg[i].struct_size = sizeof gg[i];
        rg_growth_key(d, &d->groups[i], &gg[i]);
    }
    opts->growth = gg;
    opts->n_growth = ng;
    opts->n_snapshots = d->n;
    *owned = gg;
    return RG_OK;
}
