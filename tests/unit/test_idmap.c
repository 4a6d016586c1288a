/* test_idmap.c: the id map's two forms. A builder fills it "tagged" (8-byte
 * slots with the hash beside the node) and narrows it to the 4-byte slots
 * that lookups, the cache and the cache's checks read; every id must be
 * found the same in both forms, duplicates must be refused in both, and
 * narrowing must leave each node in the slot it had. */
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

/* A tagged map that starts small grows (its rehash reads only the tags),
 * refuses a duplicate, and after narrowing finds every id where it was. */
static void tagged_map_grows_refuses_duplicates_and_narrows_in_place(void)
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
    CHECK(rg_idmap_init(&m, 0) == RG_OK);
    CHECK(rg_idmap_widen(&m, 10) == RG_OK); /* far too small: it must grow */
    CHECK(m.tagged != NULL && m.slots == NULL);
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
        while ((uint32_t)m.tagged[i] != k + 1)
            i = (i + 1) & m.mask;
        where[k] = (uint32_t)i;
    }

    uint64_t mask = m.mask;
    rg_idmap_narrow(&m);
    CHECK(m.tagged == NULL && m.slots != NULL && m.mask == mask && m.used == N);
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
    rg_idmap_narrow(&m); /* a no-op now */
    CHECK(m.tagged == NULL && m.mask == mask);
    rg_idmap_free(&m);
done:
    free(ids);
    free(keys);
    free(out);
    free(where);
}

/* Only an empty map can be widened; an empty tagged map narrows to an
 * empty map whose lookups find nothing. */
static void only_an_empty_map_widens(void)
{
    uint64_t ids[1] = {42};
    rg_idmap m;
    CHECK(rg_idmap_init(&m, 0) == RG_OK);
    rg_node existing;
    CHECK(rg_idmap_insert(&m, ids, 0, &existing) == RG_OK && existing == RG_NODE_NONE);
    CHECK(rg_idmap_widen(&m, 100) == RG_EINVAL);
    CHECK(m.tagged == NULL && rg_idmap_lookup(&m, ids, 42) == 0);
    rg_idmap_free(&m);

    CHECK(rg_idmap_init(&m, 0) == RG_OK);
    CHECK(rg_idmap_widen(&m, 100000) == RG_OK);
    CHECK(m.mask + 1 >= 200000);
    CHECK(rg_idmap_lookup(&m, ids, 42) == RG_NODE_NONE);
    rg_idmap_narrow(&m);
    CHECK(m.slots != NULL && m.used == 0 && rg_idmap_lookup(&m, ids, 42) == RG_NODE_NONE);
    rg_idmap_free(&m);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(tagged_map_grows_refuses_duplicates_and_narrows_in_place);
    RUN(only_an_empty_map_widens);
    TEST_MAIN_END();
}
