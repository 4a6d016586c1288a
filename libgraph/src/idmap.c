/* idmap.c: snapshot id -> dense node index. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t capacity_for(uint64_t n)
{
    uint64_t cap = 1024;
    while (cap < n * 2)
        cap *= 2;
    return cap;
}

int rg_idmap_init(rg_idmap *m, uint64_t expected)
{
    memset(m, 0, sizeof *m);
    uint64_t cap = capacity_for(expected);
    m->slots = rg_xcalloc(cap, sizeof *m->slots);
    if (!m->slots)
        return RG_ENOMEM;
    m->mask = cap - 1;
    return RG_OK;
}

void rg_idmap_free(rg_idmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static int rehash(rg_idmap *m, const uint64_t *ids)
{
    uint64_t ncap = (m->mask + 1) * 2;
    uint32_t *ns = rg_xcalloc(ncap, sizeof *ns);
    if (!ns)
        return RG_ENOMEM;
    for (uint64_t i = 0; i <= m->mask; i++) {
        uint32_t v = m->slots[i];
        if (!v)
            continue;
        uint64_t j = rg_hash64(ids[v - 1]) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = v;
    }
    free(m->slots);
    m->slots = ns;
    m->mask = ncap - 1;
    return RG_OK;
}

int rg_idmap_insert(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing)
{
    uint64_t id = ids[n];
    uint64_t i = rg_hash64(id) & m->mask;
    while (m->slots[i]) {
        rg_node cand = m->slots[i] - 1;
        if (ids[cand] == id) {
            *existing = cand;
            return RG_OK;
        }
        i = (i + 1) & m->mask;
    }
    m->slots[i] = n + 1;
    m->used++;
    *existing = RG_NODE_NONE;
    if (m->used * 2 > m->mask + 1)
        return rehash(m, ids);
    return RG_OK;
}

rg_node rg_idmap_lookup(const rg_idmap *m, const uint64_t *ids, uint64_t id)
{
    if (!m->slots)
        return RG_NODE_NONE;
    uint64_t i = rg_hash64(id) & m->mask;
    while (m->slots[i]) {
        rg_node cand = m->slots[i] - 1;
        if (ids[cand] == id)
            return cand;
        i = (i + 1) & m->mask;
    }
    return RG_NODE_NONE;
}
