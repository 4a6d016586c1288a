/* strtab.c: one arena of interned strings (type names, labels, reprs). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a, then a finaliser: cheap and good enough for short labels. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return rg_hash64(h);
}

int rg_strtab_init(rg_strtab *t)
{
    memset(t, 0, sizeof *t);
    t->slot_mask = 1023;
    t->slots = rg_xcalloc(t->slot_mask + 1, sizeof *t->slots);
    if (!t->slots)
        return RG_ENOMEM;
    uint32_t id;
    return rg_strtab_intern(t, "", 0, &id); /* id 0 is "" */
}

void rg_strtab_free(rg_strtab *t)
{
    free(t->arena);
    free(t->offsets);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

void rg_strtab_seal(rg_strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->slot_mask = 0;
}

static int rehash(rg_strtab *t)
{
    uint32_t nmask = t->slot_mask * 2 + 1;
    uint32_t *ns = rg_xcalloc((size_t)nmask + 1, sizeof *ns);
    if (!ns)
        return RG_ENOMEM;
    for (uint32_t id = 0; id < t->count; id++) {
        const char *s = t->arena + t->offsets[id];
        uint64_t h = hash_bytes(s, strlen(s));
        uint32_t i = (uint32_t)h & nmask;
        while (ns[i])
            i = (i + 1) & nmask;
        ns[i] = id + 1;
    }
    free(t->slots);
    t->slots = ns;
    t->slot_mask = nmask;
    return RG_OK;
}

int rg_strtab_intern(rg_strtab *t, const char *s, size_t len, uint32_t *id)
{
    if (!t->slots)
        return rg_fail(RG_EINVAL, "string table is sealed");
    /* A string with an embedded NUL would not round-trip; keep its prefix. */
    const char *nul = memchr(s, '\0', len);
    if (nul)
        len = (size_t)(nul - s);
    uint64_t h = hash_bytes(s, len);
    uint32_t i = (uint32_t)h & t->slot_mask;
    while (t->slots[i]) {
        uint32_t cand = t->slots[i] - 1;
        const char *c = t->arena + t->offsets[cand];
        if (strncmp(c, s, len) == 0 && c[len] == '\0') {
            *id = cand;
            return RG_OK;
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
    t->slots[i] = t->count + 1;
    *id = t->count++;
    /* Keep the load under 1/2 so probes stay short. */
    if ((uint64_t)t->count * 2 > (uint64_t)t->slot_mask + 1)
        return rehash(t);
    return RG_OK;
}
