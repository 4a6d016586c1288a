/* strtab.c: one arena of interned strings (type names, labels, reprs).
 *
 * Open addressing with the string's hash kept in each slot, so a probe
 * that lands on another string almost never touches the arena: interning
 * millions of distinct reprs is then one cache miss per string (the slot),
 * which the loader prefetches (rg_strtab_prefetch) a few records ahead. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

uint64_t rg_string_hash_key;

__attribute__((constructor)) static void init_string_hash_key(void)
{
    uint64_t k0, k1;
    rg_random_key(&k0, &k1);
    rg_string_hash_key = k0 ^ (k1 << 1);
}

int rg_strtab_init(rg_strtab *t)
{
    memset(t, 0, sizeof *t);
    /* Small to start (it doubles as strings arrive): a series of a million
     * objgraph-log points has a table per point, most of a few names. */
    t->slot_mask = 15;
    t->slots = rg_xcalloc(t->slot_mask + 1, sizeof *t->slots);
    if (!t->slots) {
        rg_strtab_free(t);
        return RG_ENOMEM;
    }
    uint32_t id;
    return rg_strtab_intern(t, "", 0, &id); /* id 0 is "" */
}

void rg_strtab_free(rg_strtab *t)
{
    rg_free(t->arena);
    rg_free(t->offsets);
    rg_free(t->slots);
    memset(t, 0, sizeof *t);
}

void rg_strtab_seal(rg_strtab *t)
{
    /* No string will be added: give back the growth reserve too (a series
     * of many small summaries keeps a table each). */
    if (t->offsets_cap > t->count && t->count) {
        uint64_t *o = rg_realloc(t->offsets, (size_t)t->count * sizeof *t->offsets);
        if (o) {
            t->offsets = o;
            t->offsets_cap = t->count;
        }
    }
    if (t->arena_cap > t->arena_len && t->arena_len) {
        char *a = rg_realloc(t->arena, (size_t)t->arena_len);
        if (a) {
            t->arena = a;
            t->arena_cap = t->arena_len;
        }
    }
    rg_free(t->slots);
    t->slots = NULL;
    t->slot_mask = 0;
}

static int rehash(rg_strtab *t)
{
    uint32_t nmask = t->slot_mask * 2 + 1;
    rg_strtab_slot *ns = rg_xcalloc_huge((size_t)nmask + 1, sizeof *ns);
    if (!ns)
        return RG_ENOMEM;
    /* Move the slots, not the strings: the hashes are already known. */
    for (uint32_t i = 0; i <= t->slot_mask; i++) {
        if (!t->slots[i].id1)
            continue;
        uint32_t j = t->slots[i].hash & nmask;
        while (ns[j].id1)
            j = (j + 1) & nmask;
        ns[j] = t->slots[i];
    }
    rg_free(t->slots);
    t->slots = ns;
    t->slot_mask = nmask;
    return RG_OK;
}

int rg_strtab_intern_hashed(rg_strtab *t, const char *s, size_t len, uint32_t hash, uint32_t *id)
{
    if (!t->slots)
        return rg_fail(RG_EINVAL, "string table is sealed");
    uint32_t i = hash & t->slot_mask;
    while (t->slots[i].id1) {
        if (t->slots[i].hash == hash) {
            uint32_t cand = t->slots[i].id1 - 1;
            if (rg_strtab_len(t, cand) == len && memcmp(t->arena + t->offsets[cand], s, len) == 0) {
                *id = cand;
                return RG_OK;
            }
        }
        i = (i + 1) & t->slot_mask;
    }
    if (t->count == UINT32_MAX - 1)
        return rg_fail(RG_ELIMIT, "more than 4 billion distinct strings");
    size_t cap = t->offsets_cap;
    if (rg_grow((void **)&t->offsets, &cap, (size_t)t->count + 1, sizeof *t->offsets))
        return RG_ENOMEM;
    t->offsets_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    size_t acap = t->arena_cap;
    if (rg_grow((void **)&t->arena, &acap, t->arena_len + len + 1, 1))
        return RG_ENOMEM;
    t->arena_cap = acap;
    memcpy(t->arena + t->arena_len, s, len);
    t->arena[t->arena_len + len] = '\0';
    t->offsets[t->count] = t->arena_len;
    t->arena_len += len + 1;
    t->slots[i].id1 = t->count + 1;
    t->slots[i].hash = hash;
    *id = t->count++;
    /* Keep the load under 1/2 so probes stay short. */
    if ((uint64_t)t->count * 2 > (uint64_t)t->slot_mask + 1)
        return rehash(t);
    return RG_OK;
}

int rg_strtab_intern(rg_strtab *t, const char *s, size_t len, uint32_t *id)
{
    /* A string with an embedded NUL would not round-trip; keep its prefix. */
    const char *nul = memchr(s, '\0', len);
    if (nul)
        len = (size_t)(nul - s);
    return rg_strtab_intern_hashed(t, s, len, rg_hash_bytes(s, len), id);
}
