/* test_idmap.c: the id map's two forms. A builder fills it "tagged" (8 bits
 * of the hash above a 24-bit node+1 in each slot) and untags it into the
 * plain slots that lookups, the cache and the cache's checks read; every id
 * must be found the same in both forms, duplicates must be refused in both,
 * and untagging must leave each node in the slot it had. */
#include "harness.h"
#include "graph/graph_internal.h"

#include <stdlib.h>

#define N 50000

static uint64_t next_id(uint64_t *rng)
{
    *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
    return (*rng & 0x0000FFFFFFFFFFF0ULL) | 0x10; /* address-like, never 0 */
}

/* Every node is in exactly one slot, and every slot holds a node or is empty
 * (what the cache's check_ids asks of a stored map). */
static int each_node_once(const rg_idmap *m, uint32_t n)
{
    char *seen = calloc(n, 1);
    uint64_t used = 0;
    int bad = !seen;
    for (uint64_t i = 0; !bad && i <= m->mask; i++) {
        uint32_t v = m->slots[i];
        if (!v)
            continue;
        bad |= v > n || seen[v - 1];
        if (!bad)
            seen[v - 1] = 1;
        used++;
    }
    free(seen);
    return !bad && used == n && used == m->used;
}

/* A tagged map that starts small grows, refuses a duplicate, and after
 * untagging finds every id where it was. */
static void tagged_map_grows_refuses_duplicates_and_untags_in_place(void)
{
    uint64_t *ids = malloc((N + 1) * sizeof *ids);
    uint64_t *keys = malloc(2 * N * sizeof *keys);
    uint32_t *out = malloc(2 * N * sizeof *out);
    uint32_t *where = malloc(N * sizeof *where);
    CHECK(ids && keys && out && where);
    if (!ids || !keys || !out || !where)
        goto done;
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (uint32_t n = 0; n < N; n++)
        ids[n] = next_id(&rng);

    rg_idmap m;
    CHECK(rg_idmap_init(&m, 0) == RG_OK); /* 1024 slots: it must grow */
    CHECK(rg_idmap_tag(&m) == RG_OK && m.tagged);
    uint64_t first_mask = m.mask;
    for (uint32_t n = 0; n < N; n++) {
        rg_node existing = 7;
        CHECK(rg_idmap_insert(&m, ids, n, &existing) == RG_OK && existing == RG_NODE_NONE);
    }
    CHECK(m.mask > first_mask && m.used == N);
    /* a second node with the id of node 123 is refused, naming node 123 */
    ids[N] = ids[123];
    rg_node existing = RG_NODE_NONE;
    CHECK(rg_idmap_insert(&m, ids, N, &existing) == RG_OK && existing == 123);
    CHECK(m.used == N);

    /* lookups on the tagged form: present ids and absent ones */
    for (uint32_t k = 0; k < N; k++) {
        keys[2 * k] = ids[k];
        keys[2 * k + 1] = next_id(&rng) | 1; /* odd: never one of ids[] */
    }
    for (uint32_t k = 0; k < N; k++)
        CHECK(rg_idmap_lookup(&m, ids, ids[k]) == k);
    rg_idmap_lookup_many(&m, ids, keys, out, 2 * N);
    for (uint32_t k = 0; k < N; k++)
        CHECK(out[2 * k] == k && out[2 * k + 1] == RG_NODE_NONE);
    for (uint32_t k = 0; k < N; k++) {
        uint64_t i = rg_idmap_hash(&m, ids[k]) & m.mask;
        while ((m.slots[i] & 0xFFFFFFu) != k + 1)
            i = (i + 1) & m.mask;
        where[k] = (uint32_t)i;
    }

    uint64_t mask = m.mask;
    rg_idmap_untag(&m);
    CHECK(!m.tagged && m.mask == mask && m.used == N);
    CHECK(each_node_once(&m, N));
    for (uint32_t k = 0; k < N; k++)
        CHECK(m.slots[where[k]] == k + 1);
    for (uint32_t k = 0; k < N; k++)
        CHECK(rg_idmap_lookup(&m, ids, ids[k]) == k);
    rg_idmap_lookup_many(&m, ids, keys, out, 2 * N);
    for (uint32_t k = 0; k < N; k++)
        CHECK(out[2 * k] == k && out[2 * k + 1] == RG_NODE_NONE);
    /* the narrow form refuses the duplicate too */
    existing = RG_NODE_NONE;
    CHECK(rg_idmap_insert(&m, ids, N, &existing) == RG_OK && existing == 123);
    rg_idmap_untag(&m); /* a no-op now */
    CHECK(!m.tagged && m.mask == mask && m.slots[where[0]] == 1);
    rg_idmap_free(&m);
done:
    free(ids);
    free(keys);
    free(out);
    free(where);
}

/* A node number that needs the tag's bits (past 2^24 - 2) untags the map
 * first; every earlier node stays findable, and so does the new one. The id
 * array is mostly untouched zero pages. */
static void a_node_past_24_bits_untags_the_map_first(void)
{
    const uint32_t big = 0xFFFFFF; /* node + 1 = 2^24: no longer fits */
    uint64_t *ids = calloc((size_t)big + 1, sizeof *ids);
    CHECK(ids != NULL);
    if (!ids)
        return;
    uint64_t rng = 12345;
    for (uint32_t n = 0; n < 1000; n++)
        ids[n] = next_id(&rng);
    ids[big] = next_id(&rng) | 1;
    rg_idmap m;
    CHECK(rg_idmap_init(&m, 1000) == RG_OK && rg_idmap_tag(&m) == RG_OK);
    rg_node existing;
    for (uint32_t n = 0; n < 1000; n++)
        CHECK(rg_idmap_insert(&m, ids, n, &existing) == RG_OK && existing == RG_NODE_NONE);
    CHECK(m.tagged);
    CHECK(rg_idmap_insert(&m, ids, big, &existing) == RG_OK && existing == RG_NODE_NONE);
    CHECK(!m.tagged && m.used == 1001);
    for (uint32_t n = 0; n < 1000; n++)
        CHECK(rg_idmap_lookup(&m, ids, ids[n]) == n);
    CHECK(rg_idmap_lookup(&m, ids, ids[big]) == big);
    ids[big - 1] = ids[7]; /* and a duplicate is still refused */
    CHECK(rg_idmap_insert(&m, ids, big - 1, &existing) == RG_OK && existing == 7);
    rg_idmap_free(&m);
    free(ids);
}

/* Only an empty map can be tagged; an empty tagged map untags to a map
 * whose lookups find nothing. */
static void only_an_empty_map_is_tagged(void)
{
    uint64_t ids[1] = {42};
    rg_idmap m;
    CHECK(rg_idmap_init(&m, 0) == RG_OK);
    rg_node existing;
    CHECK(rg_idmap_insert(&m, ids, 0, &existing) == RG_OK && existing == RG_NODE_NONE);
    CHECK(rg_idmap_tag(&m) == RG_EINVAL);
    CHECK(!m.tagged && rg_idmap_lookup(&m, ids, 42) == 0);
    rg_idmap_free(&m);

    CHECK(rg_idmap_init(&m, 100000) == RG_OK && rg_idmap_tag(&m) == RG_OK);
    CHECK(rg_idmap_lookup(&m, ids, 42) == RG_NODE_NONE);
    rg_idmap_untag(&m);
    CHECK(m.slots != NULL && m.used == 0 && rg_idmap_lookup(&m, ids, 42) == RG_NODE_NONE);
    rg_idmap_free(&m);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(tagged_map_grows_refuses_duplicates_and_untags_in_place);
    RUN(a_node_past_24_bits_untags_the_map_first);
    RUN(only_an_empty_map_is_tagged);
    TEST_MAIN_END();
}
