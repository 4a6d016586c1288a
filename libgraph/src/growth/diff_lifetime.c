/* diff_lifetime.c: new, surviving, freed and leaked objects by id, in the
 * style of memlab's find-leaks (target minus baseline, intersected with
 * final), counted by type and by retention group.
 *
 * Python ids are addresses and are reused as soon as an object dies, so an
 * id alone does not make two snapshots' objects the same. Here an object
 * survives from snapshot a to b only if the id is present in a, in b and in
 * every snapshot between, with the same type and the same size each time.
 * What remains uncertain: an object freed and replaced at the same address
 * by one of the same type and size between two consecutive snapshots still
 * looks like a survivor (docs/diff.md). All steps are merges of id-sorted
 * arrays: linear in the objects. */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>

static inline int same_object(const rg_diff *d, uint32_t a, const rg_sum_obj *x, uint32_t b,
                              const rg_sum_obj *y)
{
    return x->id == y->id && x->size == y->size && d->type_map[a][x->type] == d->type_map[b][y->type];
}

/* `surv` holds indices into point a's objects, ascending; replace them, in
 * place, by the indices in point b of the same objects. Returns the count. */
static uint64_t chain_step(const rg_diff *d, uint32_t a, uint32_t *surv, uint64_t n_surv, uint32_t b)
{
    const rg_sum_obj *ao = d->pts[a]->objs, *bo = d->pts[b]->objs;
    uint64_t nb = d->pts[b]->n_objs, j = 0, w = 0;
    for (uint64_t i = 0; i < n_surv; i++) {
        const rg_sum_obj *x = &ao[surv[i]];
        while (j < nb && bo[j].id < x->id)
            j++;
        if (j < nb && same_object(d, a, x, b, &bo[j]))
            surv[w++] = (uint32_t)j;
    }
    return w;
}

typedef struct tally {
    rg_lifetime *by_type, *by_group;
    size_t n_types, n_groups;
} tally;

enum { NEW, FREED, SURVIVING, LEAKED };

static void add(rg_diff *d, tally *t, uint32_t point, const rg_sum_obj *o, int what)
{
    rg_lifetime *rows[3] = {&d->lt_total, &t->by_type[d->type_map[point][o->type]], NULL};
    if (d->has_groups && o->group != RG_SUM_NO_GROUP)
        rows[2] = &t->by_group[d->group_map[point][o->group]];
    for (int k = 0; k < 3; k++) {
        rg_lifetime *l = rows[k];
        if (!l)
            continue;
        switch (what) {
        case NEW: l->new_count++; l->new_bytes += o->size; break;
        case FREED: l->freed_count++; l->freed_bytes += o->size; break;
        case SURVIVING: l->surviving_count++; l->surviving_bytes += o->size; break;
        default: l->leaked_count++; l->leaked_bytes += o->size; break;
        }
    }
}

static int by_leaked(const void *a, const void *b)
{
    const rg_lifetime *x = a, *y = b;
    if (x->leaked_count != y->leaked_count)
        return x->leaked_count < y->leaked_count ? 1 : -1;
    if (x->new_count != y->new_count)
        return x->new_count < y->new_count ? 1 : -1;
    if (x->freed_count != y->freed_count)
        return x->freed_count < y->freed_count ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Keep the rows that counted anything, named, sorted. */
static uint32_t compact(rg_lifetime *rows, size_t n, const table *t, int groups)
{
    uint32_t w = 0;
    for (size_t r = 0; r < n; r++) {
        rg_lifetime *l = &rows[r];
        if (!(l->new_count | l->freed_count | l->surviving_count | l->leaked_count))
            continue;
        l->name = groups ? rg_strtab_get(&t->paths, t->path[r]) : rg_strtab_get(&t->keys, (uint32_t)r);
        rows[w++] = *l;
    }
    qsort(rows, w, sizeof *rows, by_leaked);
    return w;
}

int rg_diff_lifetimes(rg_diff *d)
{
    const uint32_t base = 0, fin = d->n - 1, target = d->n >= 3 ? d->n - 2 : fin;
    const rg_summary *B = d->pts[base], *T = d->pts[target], *F = d->pts[fin];
    for (uint32_t i = 0; i < d->n; i++)
        if (d->pts[i]->n_objs > UINT32_MAX)
            return rg_fail(RG_ELIMIT, "%s: too many objects for lifetime analysis", d->pts[i]->info.source);
    tally t = {0};
    t.n_types = d->type_table.rows;
    t.n_groups = d->has_groups ? d->group_table.rows : 0;
    t.by_type = rg_xcalloc(t.n_types ? t.n_types : 1, sizeof *t.by_type);
    t.by_group = rg_xcalloc(t.n_groups ? t.n_groups : 1, sizeof *t.by_group);
    uint32_t *surv = rg_xmalloc(B->n_objs ? (size_t)B->n_objs : 1, sizeof *surv);
    uint8_t *old_t = rg_xcalloc(T->n_objs ? (size_t)T->n_objs : 1, 1);
    uint8_t *old_f = target == fin ? old_t : rg_xcalloc(F->n_objs ? (size_t)F->n_objs : 1, 1);
    int rc = RG_ENOMEM;
    if (!t.by_type || !t.by_group || !surv || !old_t || !old_f)
        goto out;
    memset(&d->lt_total, 0, sizeof d->lt_total);
    d->lt_total.name = "";

    uint64_t n_surv = B->n_objs;
    for (uint64_t i = 0; i < n_surv; i++)
        surv[i] = (uint32_t)i;
    for (uint32_t k = base + 1; k <= target; k++)
        n_surv = chain_step(d, k - 1, surv, n_surv, k);
    for (uint64_t i = 0; i < n_surv; i++)
        old_t[surv[i]] = 1;

    if (target != fin) {
        /* memlab's leak set: new by the target, and the same object in final. */
        uint64_t j = 0;
        for (uint64_t i = 0; i < T->n_objs; i++) {
            const rg_sum_obj *x = &T->objs[i];
            while (j < F->n_objs && F->objs[j].id < x->id)
                j++;
            if (!old_t[i] && j < F->n_objs && same_object(d, target, x, fin, &F->objs[j]))
                add(d, &t, fin, &F->objs[j], LEAKED);
        }
        n_surv = chain_step(d, target, surv, n_surv, fin);
        for (uint64_t i = 0; i < n_surv; i++)
            old_f[surv[i]] = 1;
    }

    for (uint64_t i = 0; i < F->n_objs; i++)
        add(d, &t, fin, &F->objs[i], old_f[i] ? SURVIVING : NEW);

    uint64_t j = 0;
    for (uint64_t i = 0; i < B->n_objs; i++) {
        const rg_sum_obj *x = &B->objs[i];
        while (j < F->n_objs && F->objs[j].id < x->id)
            j++;
        int present = j < F->n_objs && F->objs[j].id == x->id;
        if (present && old_f[j])
            continue;
        if (present)
            d->reused_ids++;
        add(d, &t, base, x, FREED);
    }

    d->n_lt_types = compact(t.by_type, t.n_types, &d->type_table, 0);
    d->n_lt_groups = compact(t.by_group, t.n_groups, &d->group_table, 1);
    d->lt_types = t.by_type;
    d->lt_groups = t.by_group;
    t.by_type = t.by_group = NULL;
    d->has_lifetimes = 1;
    rc = RG_OK;
out:
    rg_free(t.by_type);
    rg_free(t.by_group);
    rg_free(surv);
    if (old_f != old_t)
        rg_free(old_f);
    rg_free(old_t);
    return rc;
}

int rg_diff_has_lifetimes(const rg_diff *d) { return d->has_lifetimes; }
const rg_lifetime *rg_diff_lifetime_total(const rg_diff *d) { return d->has_lifetimes ? &d->lt_total : NULL; }
uint64_t rg_diff_reused_ids(const rg_diff *d) { return d->reused_ids; }
uint32_t rg_diff_lifetime_type_count(const rg_diff *d) { return d->n_lt_types; }
const rg_lifetime *rg_diff_lifetime_type_get(const rg_diff *d, uint32_t i)
{
    return i < d->n_lt_types ? &d->lt_types[i] : NULL;
}
uint32_t rg_diff_lifetime_group_count(const rg_diff *d) { return d->n_lt_groups; }
const rg_lifetime *rg_diff_lifetime_group_get(const rg_diff *d, uint32_t i)
{
    return i < d->n_lt_groups ? &d->lt_groups[i] : NULL;
}
