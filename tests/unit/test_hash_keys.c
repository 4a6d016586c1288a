/* test_hash_keys.c: the id map and the string table hash with a random key,
 * so an input cannot choose ids or strings that collide. Each test crafts
 * thousands of keys that collide completely under the old unkeyed hash
 * (both hashes were invertible) and checks that they now spread over the
 * table: a count of distinct slots, not a timing. */
#include "harness.h"
#include "graph/graph_internal.h"

#include <stdlib.h>

#define N 20000
#define SLOT_BITS 20

static uint64_t inverse_odd(uint64_t a)
{
    uint64_t x = a; /* Newton's iteration: each step doubles the correct bits */
    for (int i = 0; i < 6; i++)
        x *= 2 - a * x;
    return x;
}

/* x ^= x >> s undone, for any shift s >= 1 */
static uint64_t unxorshift(uint64_t y, int s)
{
    uint64_t x = y;
    for (int i = 0; i < 64 / s + 1; i++)
        x = y ^ (x >> s);
    return x;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t distinct(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || v[i] != v[i - 1];
    return d;
}

/* The old id hash was the murmur3 finalizer with 33-bit shifts; ids whose
 * hash has 32 low zero bits all went to slot 0 of any table. */
static void ids_that_collided_under_the_old_hash_spread_over_the_table(void)
{
    uint64_t *ids = malloc(N * sizeof *ids), *slots = malloc(N * sizeof *slots);
    CHECK(ids && slots);
    if (!ids || !slots)
        goto out;
    for (uint64_t k = 0; k < N; k++) {
        uint64_t x = (k + 1) << 32;
        x = unxorshift(x, 33);
        x *= inverse_odd(0xc4ceb9fe1a85ec53ULL);
        x = unxorshift(x, 33);
        x *= inverse_odd(0xff51afd7ed558ccdULL);
        ids[k] = unxorshift(x, 33);
        CHECK((rg_hash64(ids[k]) & 0xFFFFFFFFu) == 0); /* they do collide under the old hash */
    }
    rg_idmap m;
    CHECK(rg_idmap_init(&m, 0) == RG_OK);
    for (size_t k = 0; k < N; k++)
        slots[k] = rg_idmap_hash(&m, ids[k]) & ((1u << SLOT_BITS) - 1);
    /* 20 000 keys over 2^20 slots: about 19 800 distinct when spread */
    size_t d = distinct(slots, N);
    CHECK(d > N * 9 / 10);
    /* and the map holds them all, each found again */
    for (rg_node n = 0; n < N; n++) {
        rg_node existing;
        CHECK(rg_idmap_insert(&m, ids, n, &existing) == RG_OK && existing == RG_NODE_NONE);
    }
    for (rg_node n = 0; n < N; n++)
        CHECK(rg_idmap_lookup(&m, ids, ids[n]) == n);
    rg_idmap_free(&m);
out:
    free(ids);
    free(slots);
}

/* The old string hash started from a constant: for 16-byte strings, any
 * second word can be paired with a first word that brings the state to a
 * chosen value, so every such string had one hash. */
static void strings_that_collided_under_the_old_hash_spread_over_the_table(void)
{
    const uint64_t M1 = 0xbf58476d1ce4e5b9ULL;
    char (*strs)[16] = malloc(N * sizeof *strs);
    uint64_t *slots = malloc(N * sizeof *slots);
    CHECK(strs && slots);
    if (!strs || !slots)
        goto out;
    const uint64_t h0 = 0x9E3779B97F4A7C15ULL ^ 16, target = 0x0123456789abcdefULL;
    uint64_t rng = 88172645463325252ULL;
    size_t made = 0;
    while (made < N) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint64_t w2 = rng | 0x0101010101010101ULL; /* no NUL byte */
        /* state after word 1 must be g^-1(target) ^ w2, where g(x) = x*M1 then x ^= x >> 31 */
        uint64_t h1 = (unxorshift(target, 31) * inverse_odd(M1)) ^ w2;
        uint64_t w1 = (unxorshift(h1, 31) * inverse_odd(M1)) ^ h0;
        int nul = 0;
        for (int b = 0; b < 8; b++)
            nul |= ((w1 >> (8 * b)) & 0xFF) == 0;
        if (nul)
            continue;
        memcpy(strs[made], &w1, 8);
        memcpy(strs[made] + 8, &w2, 8);
        made++;
    }
    /* what the old hash gave every one of them */
    for (size_t k = 0; k < N; k++) {
        uint64_t h = h0, w;
        for (int i = 0; i < 2; i++) {
            memcpy(&w, strs[k] + 8 * i, 8);
            h = (h ^ w) * M1;
            h ^= h >> 31;
        }
        CHECK(h == target);
        if (h != target)
            break;
    }
    for (size_t k = 0; k < N; k++)
        slots[k] = rg_hash_bytes(strs[k], 16) & ((1u << SLOT_BITS) - 1);
    size_t d = distinct(slots, N);
    CHECK(d > N * 9 / 10);
    /* interned, every one is its own string */
    rg_strtab t;
    CHECK(rg_strtab_init(&t) == RG_OK);
    for (size_t k = 0; k < N; k++) {
        uint32_t id;
        CHECK(rg_strtab_intern(&t, strs[k], 16, &id) == RG_OK && id == k + 1);
    }
    rg_strtab_free(&t);
out:
    free(strs);
    free(slots);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(ids_that_collided_under_the_old_hash_spread_over_the_table);
    RUN(strings_that_collided_under_the_old_hash_spread_over_the_table);
    TEST_MAIN_END();
}
