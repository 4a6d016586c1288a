/* summary.c: rg_summary_compute: the part of a snapshot that a growth analysis
 * needs (type table, group table, id set), so the graph can be freed before
 * the next snapshot of a series is loaded. */
#include "growth.h"

#include <stdlib.h>
#include <string.h>

int rg_summary_new(const char *source, const char *format, rg_summary **out)
{
    rg_summary *s = rg_xcalloc(1, sizeof *s);
    if (!s)
        return RG_ENOMEM;
    s->source = rg_xstrndup(source ? source : "", source ? strlen(source) : 0);
    s->format = rg_xstrndup(format ? format : "", format ? strlen(format) : 0);
    if (!s->source || !s->format || rg_strtab_init(&s->names) != RG_OK) {
        rg_summary_free(s);
        return RG_ENOMEM;
    }
    s->info.source = s->source;
    s->info.format = s->format;
    s->info.pid = -1;
    s->info.seq = -1;
    *out = s;
    return RG_OK;
}

int rg_summary_new_shared(const char *source, const char *format_literal, rg_sum_strings *shared,
                          rg_summary **out)
{
    rg_summary *s = rg_xcalloc(1, sizeof *s);
    if (!s)
        return RG_ENOMEM;
    s->source = rg_xstrndup(source, strlen(source));
    if (!s->source) {
        rg_free(s);
        return RG_ENOMEM;
    }
    __atomic_add_fetch(&shared->refs, 1, __ATOMIC_RELAXED);
    s->shared = shared;
    s->info.source = s->source;
    s->info.format = format_literal;
    s->info.pid = -1;
    s->info.seq = -1;
    *out = s;
    return RG_OK;
}

void rg_summary_free(rg_summary *s)
{
    if (!s)
        return;
    rg_free(s->source);
    rg_free(s->format);
    rg_strtab_free(&s->names);
    if (s->shared && __atomic_sub_fetch(&s->shared->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        rg_strtab_free(&s->shared->names);
        rg_free(s->shared);
    }
    rg_free(s->types);
    rg_free(s->groups);
    rg_free(s->objs);
    rg_free(s);
}

const rg_summary_info *rg_summary_info_get(const rg_summary *s) { return s ? &s->info : NULL; }

int rg_summary_type_get(const rg_summary *s, uint32_t i, rg_type_stat *caller_)
{
    rg_type_stat full_ = {.struct_size = sizeof full_}, *out = &full_;
    const rg_sum_type *t = &s->types[i];
    out->type = i;
    out->name = rg_sum_str(s, t->name);
    out->count = t->count;
    out->bytes = t->bytes;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_summary_type_get");
}

int rg_summary_group_get(const rg_summary *s, uint32_t i, rg_summary_group *caller_)
{
    rg_summary_group full_ = {.struct_size = sizeof full_}, *out = &full_;
    const rg_sum_group *g = &s->groups[i];
    out->signature = rg_sum_str(s, g->signature);
    out->path = rg_sum_str(s, g->path);
    out->container = rg_sum_str(s, g->container);
    out->member = rg_sum_str(s, g->member);
    out->depth = g->depth;
    out->count = g->count;
    out->bytes = g->bytes;
    out->retained = g->retained;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_summary_group_get");
}

void rg_summary_account(rg_summary *s)
{
    s->info.memory_bytes = sizeof *s + s->names.arena_cap + (uint64_t)s->names.offsets_cap * 8 +
                           (uint64_t)s->info.types * sizeof *s->types +
                           (uint64_t)s->info.groups * sizeof *s->groups + s->n_objs * sizeof *s->objs;
}

/* qsort has no context argument in C11; the table being sorted is passed
 * through this file-local pointer, set only for the duration of one sort.
 * Summaries are built one per thread at a time (handles are not shared), so
 * the pointer is thread-local. */
static _Thread_local const rg_summary *sorting;

static int type_index_by_name(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return strcmp(rg_sum_str(sorting, sorting->types[*x].name),
                  rg_sum_str(sorting, sorting->types[*y].name));
}

int rg_summary_sort_types(rg_summary *s, uint32_t **remap_out)
{
    uint32_t n = s->info.types;
    uint32_t *order = rg_xmalloc(n ? n : 1, sizeof *order);
    uint32_t *remap = rg_xmalloc(n ? n : 1, sizeof *remap);
    rg_sum_type *sorted = rg_xmalloc(n ? n : 1, sizeof *sorted);
    if (!order || !remap || !sorted) {
        rg_free(order);
        rg_free(remap);
        rg_free(sorted);
        return RG_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    sorting = s;
    qsort(order, n, sizeof *order, type_index_by_name);
    sorting = NULL;
    for (uint32_t i = 0; i < n; i++) {
        sorted[i] = s->types[order[i]];
        remap[order[i]] = i;
    }
    rg_free(s->types);
    s->types = sorted;
    rg_free(order);
    if (remap_out)
        *remap_out = remap;
    else
        rg_free(remap);
    return RG_OK;
}

/* LSD radix sort by id, 16 bits per pass; passes in which every id has the
 * same digit are skipped (Python ids are 16-byte aligned addresses, so the
 * low digit rarely varies much and the top one never does). Linear, where
 * qsort of 10^7 records would dominate the summary's cost. */
static int sort_objs_by_id(rg_sum_obj *objs, uint64_t n)
{
    int sorted = 1;
    for (uint64_t i = 1; i < n && sorted; i++)
        sorted = objs[i - 1].id <= objs[i].id;
    if (sorted)
        return RG_OK;
    rg_sum_obj *tmp = rg_xmalloc((size_t)n, sizeof *tmp);
    uint64_t *count = rg_xmalloc(65536, sizeof *count);
    if (!tmp || !count) {
        rg_free(tmp);
        rg_free(count);
        return RG_ENOMEM;
    }
    rg_sum_obj *src = objs, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (uint64_t i = 0; i < n; i++)
            count[(src[i].id >> shift) & 0xffff]++;
        if (count[(src[0].id >> shift) & 0xffff] == n)
            continue;
        uint64_t sum = 0;
        for (uint32_t d = 0; d < 65536; d++) {
            uint64_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (uint64_t i = 0; i < n; i++)
            dst[count[(src[i].id >> shift) & 0xffff]++] = src[i];
        rg_sum_obj *t = src;
        src = dst;
        dst = t;
    }
    if (src != objs)
        memcpy(objs, src, (size_t)n * sizeof *objs);
    rg_free(tmp);
    rg_free(count);
    return RG_OK;
}

static int build_types(rg_summary *s, const rg_snapshot *snap, uint32_t **local_to_sum)
{
    uint64_t *count = rg_xcalloc(snap->n_types ? snap->n_types : 1, sizeof *count);
    uint64_t *bytes = rg_xcalloc(snap->n_types ? snap->n_types : 1, sizeof *bytes);
    uint32_t *map = rg_xmalloc(snap->n_types ? snap->n_types : 1, sizeof *map);
    int rc = RG_ENOMEM;
    if (!count || !bytes || !map)
        goto out;
    for (uint32_t v = 0; v < snap->n_nodes; v++) {
        count[rg_node_type_at(snap, v)]++;
        bytes[rg_node_type_at(snap, v)] += rg_node_size_at(snap, v);
    }
    uint32_t present = 0;
    for (uint32_t t = 0; t < snap->n_types; t++)
        present += count[t] != 0;
    s->types = rg_xcalloc(present ? present : 1, sizeof *s->types);
    if (!s->types)
        goto out;
    uint32_t w = 0;
    for (uint32_t t = 0; t < snap->n_types; t++) {
        map[t] = UINT32_MAX;
        if (!count[t])
            continue;
        const char *name = rg_type_name(snap, t);
        if ((rc = rg_strtab_intern(&s->names, name, strlen(name), &s->types[w].name)) != RG_OK)
            goto out;
        s->types[w].count = count[t];
        s->types[w].bytes = bytes[t];
        map[t] = w++;
    }
    s->info.types = w;
    uint32_t *remap;
    if ((rc = rg_summary_sort_types(s, &remap)) != RG_OK)
        goto out;
    for (uint32_t t = 0; t < snap->n_types; t++)
        if (map[t] != UINT32_MAX)
            map[t] = remap[map[t]];
    rg_free(remap);
    *local_to_sum = map;
    map = NULL;
    rc = RG_OK;
out:
    rg_free(count);
    rg_free(bytes);
    rg_free(map);
    return rc;
}

int rg_summary_options_init(rg_summary_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_SUMMARY_OPTIONS_VERSION, "rg_summary_options")
               : rg_fail(RG_EINVAL, "rg_summary_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_summary_options)RG_SUMMARY_OPTIONS_INIT;
    return rc;
}

int rg_summary_compute(const rg_snapshot *snap, const rg_summary_options *opts, rg_summary **out)
{
    if (!snap || !out)
        return rg_fail(RG_EINVAL, "rg_summary_compute: NULL argument");
    if (opts && rg_options_version(opts->version, RG_SUMMARY_OPTIONS_VERSION, "rg_summary_compute: rg_summary_options") != RG_OK)
        return RG_EINVAL;
    const rg_snapshot_info *si = &snap->info;
    rg_summary *s;
    int rc = rg_summary_new(si->path, si->format, &s);
    if (rc)
        return rc;
    s->info.pid = si->pid;
    s->info.time = si->time;
    s->info.seq = si->seq;
    s->info.objects = snap->n_nodes;
    s->info.total_bytes = si->total_bytes;
    s->info.flags = RG_SUMMARY_HAS_BYTES | RG_SUMMARY_HAS_IDS;

    uint32_t *type_map = NULL;
    if ((rc = build_types(s, snap, &type_map)) != RG_OK)
        goto fail;
    s->n_objs = snap->n_nodes;
    s->objs = rg_xmalloc(s->n_objs ? (size_t)s->n_objs : 1, sizeof *s->objs);
    if (!s->objs) {
        rc = RG_ENOMEM;
        goto fail;
    }
    /* Objects stay in node order until the groups are filled in, so a node
     * index is also an index into objs. */
    for (uint32_t v = 0; v < snap->n_nodes; v++) {
        rg_sum_obj *o = &s->objs[v];
        o->id = rg_node_id_at(snap, v);
        o->size = rg_node_size_at(snap, v);
        o->type = type_map[rg_node_type_at(snap, v)];
        o->group = RG_SUM_NO_GROUP;
    }
    rg_free(type_map);
    type_map = NULL;
    if (!(opts && opts->no_groups)) {
        if ((rc = rg_summary_fill_groups(s, snap, opts ? opts->groups : NULL, opts ? opts->outside : NULL)) != RG_OK)
            goto fail;
        s->info.flags |= RG_SUMMARY_HAS_GROUPS;
    }
    if ((rc = sort_objs_by_id(s->objs, s->n_objs)) != RG_OK)
        goto fail;
    rg_strtab_seal(&s->names);
    rg_summary_account(s);
    *out = s;
    return RG_OK;
fail:
    rg_free(type_map);
    rg_summary_free(s);
    return rc;
}
