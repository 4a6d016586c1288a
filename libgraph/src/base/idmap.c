/* idmap.c: snapshot id -> dense node index.
 *
 * Linear probing over 4-byte slots that hold node+1 and compare through the
 * node id array. Ids are addresses in Python dumps, so every access is a
 * cache miss; the batch lookup below keeps a window of them in flight.
 *
 * While a builder inserts, the slots are 8 bytes with the hash beside the
 * node (rg_idmap in base.h: "tagged"), so an insert of a new id misses the
 * cache once, not once more per occupied slot it passes; the builder
 * narrows the map before anything else reads it. The slot index is the
 * same hash & mask either way, so narrowing moves nothing. */
#include "base.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

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
    rg_random_key(&m->k0, &m->k1);
    uint64_t cap = capacity_for(expected);
    m->slots = rg_xcalloc_huge(cap, sizeof *m->slots);
    if (!m->slots)
        return RG_ENOMEM;
    m->mask = cap - 1;
    return RG_OK;
}

void rg_idmap_free(rg_idmap *m)
{
    rg_free(m->slots);
    rg_free(m->tagged);
    m->slots = NULL;
    m->tagged = NULL;
    m->mask = m->used = 0;
}

void rg_random_key(uint64_t *k0, uint64_t *k1)
{
    uint64_t k[2];
    if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k[0] = rg_hash64((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)k ^ ((uint64_t)getpid() << 32));
        k[1] = rg_hash64(k[0] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&rg_random_key);
    }
    *k0 = k[0];
    *k1 = k[1] | 1;
}

#define TAG_NODE(v) ((uint32_t)(v))         /* node + 1, 0 = empty */
#define TAG_HASH(v) ((uint32_t)((v) >> 32))  /* the low 32 bits of the slot hash */

/* The tagged table doubled (or more): the slot index is the hash's low
 * bits, which the tag keeps, so the id array is read only for tables of
 * more than 2^32 slots. */
static int rehash_tagged(rg_idmap *m, const uint64_t *ids, uint64_t ncap)
{
    uint64_t *nt = rg_xcalloc_huge(ncap, sizeof *nt);
    if (!nt)
        return RG_ENOMEM;
    uint64_t nmask = ncap - 1;
    for (uint64_t i = 0; i <= m->mask; i++) {
        uint64_t v = m->tagged[i];
        if (!v)
            continue;
        uint64_t j = nmask <= UINT32_MAX ? TAG_HASH(v) & nmask
                                         : rg_idmap_hash(m, ids[TAG_NODE(v) - 1]) & nmask;
        while (nt[j])
            j = (j + 1) & nmask;
        nt[j] = v;
    }
    rg_free(m->tagged);
    m->tagged = nt;
    m->mask = nmask;
    return RG_OK;
}

int rg_idmap_widen(rg_idmap *m, uint64_t expected)
{
    if (m->tagged)
        return RG_OK;
    if (m->used)
        return rg_fail(RG_EINVAL, "rg_idmap_widen: the map is not empty");
    uint64_t cap = capacity_for(expected);
    if (cap < m->mask + 1)
        cap = m->mask + 1;
    uint64_t *t = rg_xcalloc_huge(cap, sizeof *t);
    if (!t)
        return RG_ENOMEM;
    rg_free(m->slots);
    m->slots = NULL;
    m->tagged = t;
    m->mask = cap - 1;
    return RG_OK;
}

void rg_idmap_narrow(rg_idmap *m)
{
    if (!m->tagged)
        return;
    /* In place and in order: slot i's 4 bytes go where the first half of
     * 8-byte slot i/2 was, which was read already (or is slot i itself). */
    uint64_t *t = m->tagged;
    uint32_t *s = (uint32_t *)(void *)t;
    for (uint64_t i = 0; i <= m->mask; i++) {
        uint64_t v = t[i];
        s[i] = TAG_NODE(v);
    }
    uint32_t *shrunk = rg_realloc(s, (size_t)(m->mask + 1) * sizeof *s);
    m->slots = shrunk ? shrunk : s; /* a failed shrink keeps the block: still valid */
    m->tagged = NULL;
}

static int rehash_to(rg_idmap *m, const uint64_t *ids, uint64_t ncap)
{
    if (m->tagged)
        return rehash_tagged(m, ids, ncap);
    uint32_t *ns = rg_xcalloc_huge(ncap, sizeof *ns);
    if (!ns)
        return RG_ENOMEM;
    for (uint64_t i = 0; i <= m->mask; i++) {
        uint32_t v = m->slots[i];
        if (!v)
            continue;
        uint64_t j = rg_idmap_hash(m, ids[v - 1]) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = v;
    }
    rg_free(m->slots);
    m->slots = ns;
    m->mask = ncap - 1;
    return RG_OK;
}

int rg_idmap_reserve(rg_idmap *m, const uint64_t *ids, uint64_t expected)
{
    uint64_t cap = capacity_for(expected);
    if (cap <= m->mask + 1)
        return RG_OK;
    return rehash_to(m, ids, cap);
}

static int insert_tagged(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing)
{
    uint64_t id = ids[n];
    uint64_t h = rg_idmap_hash(m, id);
    uint32_t tag = (uint32_t)h;
    uint64_t i = h & m->mask;
    for (uint64_t v; (v = m->tagged[i]) != 0; i = (i + 1) & m->mask) {
        if (TAG_HASH(v) == tag && ids[TAG_NODE(v) - 1] == id) {
            *existing = TAG_NODE(v) - 1;
            return RG_OK;
        }
    }
    m->tagged[i] = (uint64_t)tag << 32 | ((uint64_t)n + 1);
    m->used++;
    *existing = RG_NODE_NONE;
    if (m->used * 2 > m->mask + 1)
        return rehash_to(m, ids, (m->mask + 1) * 2);
    return RG_OK;
}

static rg_node lookup_tagged(const rg_idmap *m, const uint64_t *ids, uint64_t id)
{
    uint64_t h = rg_idmap_hash(m, id);
    uint32_t tag = (uint32_t)h;
    for (uint64_t i = h & m->mask, v; (v = m->tagged[i]) != 0; i = (i + 1) & m->mask)
        if (TAG_HASH(v) == tag && ids[TAG_NODE(v) - 1] == id)
            return TAG_NODE(v) - 1;
    return RG_NODE_NONE;
}

int rg_idmap_insert(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing)
{
    if (m->tagged)
        return insert_tagged(m, ids, n, existing);
    uint64_t id = ids[n];
    uint64_t i = rg_idmap_hash(m, id) & m->mask;
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
        return rehash_to(m, ids, (m->mask + 1) * 2);
    return RG_OK;
}

rg_node rg_idmap_lookup(const rg_idmap *m, const uint64_t *ids, uint64_t id)
{
    if (m->tagged)
        return lookup_tagged(m, ids, id);
    if (!m->slots)
        return RG_NODE_NONE;
    uint64_t i = rg_idmap_hash(m, id) & m->mask;
    while (m->slots[i]) {
        rg_node cand = m->slots[i] - 1;
        if (ids[cand] == id)
            return cand;
        i = (i + 1) & m->mask;
    }
    return RG_NODE_NONE;
}

/* Three stages a few keys apart: prefetch the slot, then read it and prefetch
 * the candidate's id, then compare. Each key still costs two misses, but
 * about a dozen are outstanding at once instead of one. */
#define AHEAD 16

void rg_idmap_lookup_many(const rg_idmap *m, const uint64_t *ids, const uint64_t *keys,
                          uint32_t *out, size_t n)
{
    if (m->tagged) {
        for (size_t k = 0; k < n; k++) {
            if (k + AHEAD < n)
                rg_idmap_prefetch(m, keys[k + AHEAD]);
            out[k] = lookup_tagged(m, ids, keys[k]);
        }
        return;
    }
    if (!m->slots) {
        for (size_t k = 0; k < n; k++)
            out[k] = RG_NODE_NONE;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n)
            __builtin_prefetch(&m->slots[rg_idmap_hash(m, keys[k + AHEAD]) & m->mask]);
        if (k + AHEAD / 2 < n) {
            uint32_t v = m->slots[rg_idmap_hash(m, keys[k + AHEAD / 2]) & m->mask];
            if (v)
                __builtin_prefetch(&ids[v - 1]);
        }
        out[k] = rg_idmap_lookup(m, ids, keys[k]);
    }
}
