/* summary_groups.c: a summary's group table, from the retention groups
 * (groups.c) with retained sizes from the dominator tree, so that per-group
 * growth can be compared after the graph is gone. */
#include "growth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local const rg_summary *sorting;

static int group_by_signature(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return strcmp(rg_sum_str(sorting, sorting->groups[*x].signature),
                  rg_sum_str(sorting, sorting->groups[*y].signature));
}

/* The last hop of a readable path ("[i] tuple" of "... → [i] tuple"). */
static const char *last_hop(const char *path)
{
    const char *arrow = "\xe2\x86\x92 "; /* "→ " */
    const char *last = path, *p = path;
    while ((p = strstr(p, arrow)) != NULL) {
        p += strlen(arrow);
        last = p;
    }
    return last;
}

/* "held from outside the heap: function __main__.f.<locals>.g" */
static char *outside_path(const rg_outside_group *og)
{
    const char *name = og->name ? og->name : "";
    size_t cap = strlen(og->type_name) + strlen(name) + 40;
    char *p = rg_xmalloc(cap, 1);
    if (p)
        snprintf(p, cap, "held from outside the heap: %s%s%s", og->type_name, *name ? " " : "", name);
    return p;
}

int rg_summary_fill_groups(rg_summary *s, const rg_snapshot *snap, const rg_groups *given,
                           const rg_outside *given_outside)
{
    rg_paths *paths = NULL;
    rg_dominators *dom = NULL;
    rg_groups *owned = NULL;
    rg_outside *owned_outside = NULL;
    const rg_outside *outside = given_outside;
    const rg_groups *groups = given;
    uint32_t *order = NULL, *remap = NULL, *parent = NULL;
    rg_sum_group *sorted = NULL;
    int rc = RG_OK;
    if (!groups) {
        if ((rc = rg_paths_compute(snap, NULL, &paths)) != RG_OK ||
            (rc = rg_dominators_compute(snap, &dom)) != RG_OK ||
            (rc = rg_groups_compute(snap, paths, dom, &owned)) != RG_OK)
            goto out;
        groups = owned;
    }
    if (!outside) {
        if (!dom && (rc = rg_dominators_compute(snap, &dom)) != RG_OK)
            goto out;
        if ((rc = rg_outside_compute(snap, dom, NULL, &owned_outside)) != RG_OK)
            goto out;
        outside = owned_outside;
    }
    /* Groups borrow paths and dominators for the call only: free them before
     * the group table grows, to keep the peak down. */
    rg_dominators_free(dom);
    dom = NULL;
    rg_paths_free(paths);
    paths = NULL;

    uint32_t n_reach = rg_groups_count(groups);
    uint32_t n = n_reach + rg_outside_group_count(outside);
    s->groups = rg_xcalloc(n ? n : 1, sizeof *s->groups);
    parent = rg_xmalloc(n ? n : 1, sizeof *parent);
    order = rg_xmalloc(n ? n : 1, sizeof *order);
    remap = rg_xmalloc(n ? n : 1, sizeof *remap);
    sorted = rg_xmalloc(n ? n : 1, sizeof *sorted);
    rc = RG_ENOMEM;
    if (!s->groups || !parent || !order || !remap || !sorted)
        goto out;
    for (uint32_t g = 0; g < n_reach; g++) {
        rg_group_info gi = {.struct_size = sizeof gi};
        rg_groups_get(groups, g, &gi);
        rg_sum_group *sg = &s->groups[g];
        char *path = NULL;
        if ((rc = rg_groups_path(groups, g, &path)) != RG_OK)
            goto out;
        char sig[64];
        size_t sig_len = rg_groups_signature(groups, g, sig, sizeof sig);
        rc = rg_strtab_intern(&s->names, sig, sig_len, &sg->signature);
        if (rc == RG_OK)
            rc = rg_strtab_intern(&s->names, path, strlen(path), &sg->path);
        const char *hop = last_hop(path);
        if (rc == RG_OK)
            rc = rg_strtab_intern(&s->names, hop, strlen(hop), &sg->member);
        rg_free(path);
        if (rc)
            goto out;
        sg->count = gi.count;
        sg->bytes = gi.shallow_bytes;
        sg->retained = gi.retained_bytes;
        sg->depth = gi.depth;
        parent[g] = gi.parent;
    }
    /* Objects held from outside the heap, one row per outside group. */
    for (uint32_t g = n_reach; g < n; g++) {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(outside, g - n_reach, &og);
        rg_sum_group *sg = &s->groups[g];
        char *path = outside_path(&og);
        if (!path) {
            rc = RG_ENOMEM;
            goto out;
        }
        rc = rg_strtab_intern(&s->names, og.signature, strlen(og.signature), &sg->signature);
        if (rc == RG_OK)
            rc = rg_strtab_intern(&s->names, path, strlen(path), &sg->path);
        sg->member = sg->path;
        rg_free(path);
        if (rc)
            goto out;
        sg->count = og.objects;
        sg->bytes = og.shallow_bytes;
        sg->retained = og.retained_bytes;
        parent[g] = RG_GROUP_NONE;
    }
    /* Containers: a group's container is its parent group's path. */
    for (uint32_t g = 0; g < n; g++)
        s->groups[g].container = parent[g] == RG_GROUP_NONE ? 0 : s->groups[parent[g]].path;
    for (uint32_t g = 0; g < n; g++)
        order[g] = g;
    sorting = s;
    qsort(order, n, sizeof *order, group_by_signature);
    sorting = NULL;
    for (uint32_t i = 0; i < n; i++) {
        sorted[i] = s->groups[order[i]];
        remap[order[i]] = i;
    }
    rg_free(s->groups);
    s->groups = sorted;
    sorted = NULL;
    s->info.groups = n;
    for (uint32_t v = 0; v < snap->n_nodes; v++) {
        rg_group g = rg_groups_of(groups, v);
        s->objs[v].group = g == RG_GROUP_NONE || g >= n_reach ? RG_SUM_NO_GROUP : remap[g];
    }
    rc = RG_OK;
out:
    rg_outside_free(owned_outside);
    rg_groups_free(owned);
    rg_dominators_free(dom);
    rg_paths_free(paths);
    rg_free(order);
    rg_free(remap);
    rg_free(parent);
    rg_free(sorted);
    return rc;
}
