/* idmap.c: snapshot id -> dense node index.
 *
 * Linear probing over 4-byte slots that hold node+1 and compare through the
 * node id array. Ids are addresses in Python dumps, so every access is a
 * cache miss; the batch lookup below keeps a window of them in flight.
 *
 * While a builder inserts, the slots also carry 8 bits of the id's hash
 * above a 24-bit node+1 ("tagged", rg_idmap in base.h), so an insert reads
 * the id array only for the 1 in 256 occupied slots whose tag matches: with
 * the slot prefetched, the compare through the id array was 82 % of the
 * insert's time. Untagging masks the tags off in place; nothing moves. */
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
    m->slots = NULL;
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

#define NODE_BITS 24
#define NODE_PART ((1u << NODE_BITS) - 1) /* node + 1; 0 = empty */
#define TAG_PART (~NODE_PART)

/* The tag of a slot hash: its top 8 bits, which no table of fewer than
 * 2^56 slots uses for the index. */
static inline uint32_t tag_of(uint64_t h) { return (uint32_t)(h >> 56) << NODE_BITS; }

int rg_idmap_tag(rg_idmap *m)
{
    if (m->used)
        return rg_fail(RG_EINVAL, "rg_idmap_tag: the map is not empty");
    m->tagged = 1;
    return RG_OK;
}

void rg_idmap_untag(rg_idmap *m)
{
    if (!m->tagged)
        return;
    if (m->used)
        for (uint64_t i = 0; i <= m->mask; i++)
            m->slots[i] &= NODE_PART;
    m->tagged = 0;
}

static int rehash_to(rg_idmap *m, const uint64_t *ids, uint64_t ncap)
{
    uint32_t *ns = rg_xcalloc_huge(ncap, sizeof *ns);
    if (!ns)
        return RG_ENOMEM;
    for (uint64_t i = 0; i <= m->mask; i++) {
        uint32_t v = m->slots[i];
        if (!v)
            continue;
        uint32_t node1 = m->tagged ? v & NODE_PART : v;
        uint64_t j = rg_idmap_hash(m, ids[node1 - 1]) & (ncap - 1);
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
    uint32_t tag = tag_of(h);
    uint64_t i = h & m->mask;
    for (uint32_t v; (v = m->slots[i]) != 0; i = (i + 1) & m->mask) {
        if ((v & TAG_PART) == tag && ids[(v & NODE_PART) - 1] == id) {
            *existing = (v & NODE_PART) - 1;
            return RG_OK;
        }
    }
    m->slots[i] = tag | (n + 1);
    m->used++;
    *existing = RG_NODE_NONE;
    if (m->used * 2 > m->mask + 1)
        return rehash_to(m, ids, (m->mask + 1) * 2);
    return RG_OK;
}

static rg_node lookup_tagged(const rg_idmap *m, const uint64_t *ids, uint64_t id)
{
    uint64_t h = rg_idmap_hash(m, id);
    uint32_t tag = tag_of(h);
    for (uint64_t i = h & m->mask, v; (v = m->slots[i]) != 0; i = (i + 1) & m->mask)
        if ((v & TAG_PART) == tag && ids[(v & NODE_PART) - 1] == id)
            return (v & NODE_PART) - 1;
    return RG_NODE_NONE;
}

int rg_idmap_insert(rg_idmap *m, const uint64_t *ids, rg_node n, rg_node *existing)
{
    if (m->tagged) {
        if (n + 1 <= NODE_PART)
            return insert_tagged(m, ids, n, existing);
        rg_idmap_untag(m); /* a node number that needs the tag's bits */
    }
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
    if (!m->slots)
        return RG_NODE_NONE;
    if (m->tagged)
        return lookup_tagged(m, ids, id);
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
    if (!m->slots) {
        for (size_t k = 0; k < n; k++)
            out[k] = RG_NODE_NONE;
        return;
    }
    if (m->tagged) {
        for (size_t k = 0; k < n; k++) {
            if (k + AHEAD < n)
                rg_idmap_prefetch(m, keys[k + AHEAD]);
            out[k] = lookup_tagged(m, ids, keys[k]);
        }
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
