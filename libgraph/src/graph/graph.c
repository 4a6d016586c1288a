/* graph.c: read access to a loaded snapshot, and its destruction. */
#include "graph/graph_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void rg_snapshot_free(rg_snapshot *s)
{
    if (!s)
        return;
    if (s->mapping) {
        munmap(s->mapping, s->mapping_size);
        for (size_t k = 0; k < sizeof s->owned / sizeof s->owned[0]; k++)
            rg_free(s->owned[k]);
        goto info;
    }
    rg_free(s->node_id);
    rg_free(s->node_id32);
    rg_free(s->node_type);
    rg_free(s->node_size);
    rg_free(s->node_size32);
    rg_free(s->node_type16);
    rg_free(s->node_len);
    rg_free(s->len_packed.bits);
    rg_free(s->repr_packed.bits);
    rg_free(s->name_packed.bits);
    rg_free(s->node_rc);
    rg_free(s->node_repr);
    rg_free(s->node_name);
    rg_free(s->node_flags);
    rg_free(s->fwd_off);
    rg_free(s->fwd_dst);
    rg_free(s->fwd_kind);
    rg_free(s->fwd_label);
    rg_free(s->rev_off);
    rg_free(s->rev_src);
    rg_free(s->rev_edge);
    rg_free(s->rev_weak);
    rg_free(s->type_name);
    rg_free(s->root_node);
    rg_free(s->root_kind);
    rg_free(s->root_label);
    rg_strtab_free(&s->strings);
    rg_idmap_free(&s->ids);
info:
    rg_free(s->cache_path);
    rg_free(s->info_path);
    rg_free(s->info_producer);
    rg_free(s->info_runtime);
    rg_free(s->info_cache_note);
    rg_free(s->info_format_storage);
    rg_free(s->info_compression_storage);
    rg_free(s);
}

const rg_snapshot_info *rg_snapshot_info_get(const rg_snapshot *s) { return s ? &s->info : NULL; }

uint32_t rg_node_count(const rg_snapshot *s) { return s->n_nodes; }
uint64_t rg_edge_count(const rg_snapshot *s) { return s->n_edges; }
uint32_t rg_root_count(const rg_snapshot *s) { return s->n_roots; }

uint32_t rg_rev_edge_find(const rg_snapshot *s, rg_node v, uint64_t r)
{
    /* v's referrers are sorted by source, and a source's edges to v are in
     * forward order: r is the k-th edge from src to v, k counted back. */
    rg_node src = s->rev_src[r];
    uint64_t k = 0;
    while (r - k > s->rev_off[v] && s->rev_src[r - k - 1] == src)
        k++;
    for (uint64_t e = s->fwd_off[src]; e < s->fwd_off[src + 1]; e++)
        if (s->fwd_dst[e] == v && k-- == 0)
            return (uint32_t)e;
    /* Only a forged cache gets here (its reverse CSR is not the forward
     * one's transpose): answer some valid edge, never an index out of range. */
    return s->fwd_off[src] < s->fwd_off[src + 1] ? s->fwd_off[src] : 0;
}

int rg_snapshot_wants_rev_edge(const rg_snapshot *s)
{
    if (s->node_rc)
        return 1;
    for (uint32_t v = 0; v < s->n_nodes; v++)
        if (s->node_flags[v] & RG_NODE_GARBAGE)
            return 1;
    return 0;
}

rg_node rg_snapshot_lookup_id(const rg_snapshot *s, uint64_t id)
{
    uint32_t end = s->ids_sorted_end;
    if (end) {
        uint32_t lo = 0, hi = end; /* ids rise strictly here: search [lo, hi) */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (rg_node_id_at(s, mid) < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < end && rg_node_id_at(s, lo) == id)
            return lo;
    }
    const rg_idmap *m = &s->ids;
    if (!m->slots || !m->used)
        return RG_NODE_NONE;
    if (s->node_id)
        return rg_idmap_lookup(m, s->node_id, id);
    /* 32-bit ids: rg_idmap_lookup reads 64-bit ones, so probe here */
    for (uint64_t i = rg_idmap_hash(m, id) & m->mask; m->slots[i]; i = (i + 1) & m->mask)
        if (s->node_id32[m->slots[i] - 1] == id)
            return m->slots[i] - 1;
    return RG_NODE_NONE;
}

int rg_node_find(const rg_snapshot *s, uint64_t id, rg_node *out)
{
    rg_node n = rg_snapshot_lookup_id(s, id);
    if (n == RG_NODE_NONE)
        return rg_fail(RG_ENOTFOUND, "%s: no object with id %llu", s->info.path,
                       (unsigned long long)id);
    *out = n;
    return RG_OK;
}

uint64_t rg_node_id(const rg_snapshot *s, rg_node n) { return rg_node_id_at(s, n); }
uint32_t rg_node_type(const rg_snapshot *s, rg_node n) { return rg_node_type_at(s, n); }
const char *rg_node_type_name(const rg_snapshot *s, rg_node n)
{
    return rg_strtab_get(&s->strings, s->type_name[rg_node_type_at(s, n)]);
}
uint64_t rg_node_size(const rg_snapshot *s, rg_node n) { return rg_node_size_at(s, n); }
int64_t rg_node_length(const rg_snapshot *s, rg_node n)
{
    uint32_t len = rg_node_len_at(s, n);
    return len == RG_LEN_NONE ? -1 : (int64_t)len;
}
int64_t rg_node_refcount(const rg_snapshot *s, rg_node n)
{
    uint32_t rc = rg_node_rc_at(s, n);
    return rc == RG_RC_NONE ? -1 : (int64_t)rc;
}
const char *rg_node_repr(const rg_snapshot *s, rg_node n)
{
    return rg_strtab_get(&s->strings, rg_node_repr_at(s, n));
}
const char *rg_node_name(const rg_snapshot *s, rg_node n)
{
    return rg_strtab_get(&s->strings, rg_node_name_at(s, n));
}
unsigned rg_node_flags(const rg_snapshot *s, rg_node n) { return s->node_flags[n]; }

uint32_t rg_referent_count(const rg_snapshot *s, rg_node n)
{
    return (uint32_t)(s->fwd_off[n + 1] - s->fwd_off[n]);
}

void rg_referent_get(const rg_snapshot *s, rg_node n, uint32_t i, rg_edge *out)
{
    uint64_t e = s->fwd_off[n] + i;
    out->from = n;
    out->to = s->fwd_dst[e];
    out->kind = (rg_edge_kind)s->fwd_kind[e];
    out->label = s->fwd_label[e];
}

uint32_t rg_referrer_count(const rg_snapshot *s, rg_node n)
{
    return (uint32_t)(s->rev_off[n + 1] - s->rev_off[n]);
}

void rg_referrer_get(const rg_snapshot *s, rg_node n, uint32_t i, rg_edge *out)
{
    uint64_t r = s->rev_off[n] + i;
    uint32_t e = rg_rev_edge(s, n, r);
    out->from = s->rev_src[r];
    out->to = n;
    out->kind = (rg_edge_kind)s->fwd_kind[e];
    out->label = s->fwd_label[e];
}

void rg_root_get(const rg_snapshot *s, uint32_t i, rg_root *out)
{
    out->node = s->root_node[i];
    out->kind = (rg_root_kind)s->root_kind[i];
    out->label = rg_strtab_get(&s->strings, s->root_label[i]);
}

const char *rg_string(const rg_snapshot *s, uint32_t id) { return rg_strtab_get(&s->strings, id); }

uint32_t rg_type_count(const rg_snapshot *s) { return s->n_types; }
const char *rg_type_name(const rg_snapshot *s, uint32_t t)
{
    return t < s->n_types ? rg_strtab_get(&s->strings, s->type_name[t]) : "";
}

static const char *const edge_kind_names[RG_EDGE_KIND_COUNT] = {
    "attr", "key", "value", "index", "slot", "cell", "local", "global", "type", "weak", "internal",
};

const char *rg_edge_kind_name(rg_edge_kind k)
{
    return (unsigned)k < RG_EDGE_KIND_COUNT ? edge_kind_names[k] : "internal";
}

int rg_edge_kind_from_name(const char *name)
{
    for (int k = 0; k < RG_EDGE_KIND_COUNT; k++)
        if (strcmp(name, edge_kind_names[k]) == 0)
            return k;
    return -1;
}

static const char *const root_kind_names[RG_ROOT_KIND_COUNT] = {
    "module", "thread", "builtins", "static", "garbage", "other",
};

const char *rg_root_kind_name(rg_root_kind k)
{
    return (unsigned)k < RG_ROOT_KIND_COUNT ? root_kind_names[k] : "other";
}

int rg_root_kind_from_name(const char *name)
{
    for (int k = 0; k < RG_ROOT_KIND_COUNT; k++)
        if (strcmp(name, root_kind_names[k]) == 0)
            return k;
    return -1;
}

size_t rg_edge_label_format(const rg_snapshot *s, const rg_edge *e, char *buf, size_t cap)
{
    const char *l = rg_strtab_get(&s->strings, e->label);
    int n;
    switch (e->kind) {
    case RG_EDGE_ATTR:
    case RG_EDGE_SLOT:
    case RG_EDGE_GLOBAL: n = snprintf(buf, cap, ".%s", l); break;
    case RG_EDGE_DICT_KEY: n = snprintf(buf, cap, "<key %s>", l); break;
    case RG_EDGE_DICT_VALUE: n = snprintf(buf, cap, "[%s]", l); break;
    case RG_EDGE_INDEX: n = snprintf(buf, cap, "[%u]", e->label); break;
    case RG_EDGE_CELL: n = *l ? snprintf(buf, cap, "<cell '%s'>", l) : snprintf(buf, cap, "<cell>"); break;
    case RG_EDGE_LOCAL: n = snprintf(buf, cap, "frame local '%s'", l); break;
    case RG_EDGE_TYPE: n = snprintf(buf, cap, "<type>"); break;
    case RG_EDGE_WEAK: n = *l ? snprintf(buf, cap, "<weak %s>", l) : snprintf(buf, cap, "<weak>"); break;
    default: n = *l ? snprintf(buf, cap, "<%s>", l) : snprintf(buf, cap, "<internal>"); break;
    }
    return n < 0 ? 0 : (size_t)n;
}


int rg_type_find(const rg_snapshot *s, const char *name, uint32_t *out)
{
    if (!name)
        return rg_fail(RG_EINVAL, "rg_type_find: NULL name");
    for (uint32_t t = 0; t < s->n_types; t++)
        if (strcmp(rg_type_name(s, t), name) == 0) {
            *out = t;
            return RG_OK;
        }
    uint32_t found = UINT32_MAX, matches = 0;
    char cands[256] = "";
    for (uint32_t t = 0; t < s->n_types; t++) {
        const char *tn = rg_type_name(s, t);
        size_t nl = strlen(name), tl = strlen(tn);
        /* "Job" matches "app.Job"; "app.Job" matches "pkg.app.Job". */
        if (tl > nl && tn[tl - nl - 1] == '.' && strcmp(tn + tl - nl, name) == 0) {
            if (matches++ == 0)
                found = t;
            size_t cl = strlen(cands);
            if (cl < sizeof cands - 4)
                snprintf(cands + cl, sizeof cands - cl, "%s%s", cl ? ", " : "", tn);
        }
    }
    if (matches == 1) {
        *out = found;
        return RG_OK;
    }
    if (matches > 1)
        return rg_fail(RG_EINVAL, "%s: type name '%s' is ambiguous: %s", s->info.path, name, cands);
    return rg_fail(RG_ENOTFOUND, "%s: no type named '%s'", s->info.path, name);
}
