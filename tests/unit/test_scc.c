/* test_scc.c: unreachable strongly connected components against a reference
 * (mutual reachability) on random graphs, and cycle shapes on a fixture. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>

#define MAXN 16

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

typedef struct tgraph {
    int n;
    int edge[MAXN][MAXN];   /* 0 none, 1 strong, 2 weak */
    int root[MAXN];         /* 0 none, 1 module, 2 garbage */
    int garbage[MAXN];
} tgraph;

static rg_snapshot *build(const tgraph *g)
{
    static const char *const types[] = {"A", "B", "C"};
    rg_builder *b;
    if (rg_builder_new(&b) != RG_OK)
        return NULL;
    for (int i = 0; i < g->n; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = 500 + (uint64_t)i, .type = types[i % 3],
                                                   .size = 10 + (uint64_t)i, .refcount = -1,
                                                   .flags = g->garbage[i] ? RG_NODE_GARBAGE : 0});
        for (int j = 0; j < g->n; j++)
            if (g->edge[i][j])
                rg_builder_add_ref(b, 500 + (uint64_t)j,
                                   g->edge[i][j] == 2 ? RG_EDGE_WEAK : RG_EDGE_ATTR, "r", 0);
    }
    for (int i = 0; i < g->n; i++)
        if (g->root[i])
            rg_builder_add_root(b, 500 + (uint64_t)i,
                                g->root[i] == 2 ? RG_ROOT_GARBAGE : RG_ROOT_MODULE, "m");
    rg_snapshot *s = NULL;
    rg_builder_finish(b, &s);
    return s;
}

/* Nodes reachable from `from` over strong edges, never entering `skip` nodes. */
static void closure(const tgraph *g, const int *skip, int from, int *seen)
{
    int queue[MAXN], head = 0, tail = 0;
    memset(seen, 0, sizeof(int) * MAXN);
    seen[from] = 1;
    queue[tail++] = from;
    while (head < tail) {
        int v = queue[head++];
        for (int j = 0; j < g->n; j++)
            if (g->edge[v][j] == 1 && !seen[j] && !skip[j]) {
                seen[j] = 1;
                queue[tail++] = j;
            }
    }
}

static void check_graph(const tgraph *g, int with_dom)
{
    rg_snapshot *s = build(g);
    CHECK(s != NULL);
    if (!s)
        return;
    rg_dominators *d = NULL;
    if (with_dom)
        CHECK(rg_dominators_compute(s, &d) == RG_OK);
    rg_cycles *c = NULL;
    CHECK(rg_cycles_compute(s, d, &c) == RG_OK);
    if (!c) {
        rg_dominators_free(d);
        rg_snapshot_free(s);
        return;
    }
    int r[MAXN][MAXN], reachable[MAXN] = {0};
    /* Reachable from the module roots, where a reference into an object in
     * gc.garbage from one that is not (the gc.garbage list) does not count. */
    int queue[MAXN], head = 0, tail = 0;
    for (int i = 0; i < g->n; i++)
        if (g->root[i] == 1 && !reachable[i]) {
            reachable[i] = 1;
            queue[tail++] = i;
        }
    while (head < tail) {
        int v = queue[head++];
        for (int j = 0; j < g->n; j++)
            if (g->edge[v][j] == 1 && !reachable[j] && !(g->garbage[j] && !g->garbage[v])) {
                reachable[j] = 1;
                queue[tail++] = j;
            }
    }
    /* Components are those of the unreachable subgraph. */
    for (int i = 0; i < g->n; i++)
        closure(g, reachable, i, r[i]);
    uint64_t components = 0, cyclic_objects = 0, garbage = 0, unreachable = 0;
    for (int i = 0; i < g->n; i++) {
        uint32_t ci = rg_cycles_component_of(c, (rg_node)i);
        if (reachable[i]) {
            CHECK_EQ_U64(ci, UINT32_MAX);
            CHECK_EQ_U64(rg_cycles_shape_of(c, (rg_node)i), UINT32_MAX);
            continue;
        }
        unreachable++;
        CHECK(ci != UINT32_MAX);
        int size = 0, lowest = 1;
        for (int j = 0; j < g->n; j++) {
            if (reachable[j])
                continue;
            int same = r[i][j] && r[j][i];
            CHECK_EQ_U64(rg_cycles_component_of(c, (rg_node)j) == ci, same);
            if (same) {
                size++;
                if (j < i)
                    lowest = 0;
            }
        }
        int cyclic = size > 1 || g->edge[i][i] == 1;
        CHECK_EQ_U64(rg_cycles_shape_of(c, (rg_node)i) != UINT32_MAX, cyclic);
        if (cyclic) {
            cyclic_objects++;
            garbage += g->garbage[i];
            components += lowest;
        }
    }
    rg_cycles_summary sum;
    rg_cycles_summary_get(c, &sum);
    CHECK_EQ_U64(sum.components, components);
    CHECK_EQ_U64(sum.cyclic_objects, cyclic_objects);
    CHECK_EQ_U64(sum.garbage_objects, garbage);
    CHECK_EQ_U64(sum.unreachable_objects, unreachable);
    uint64_t shape_objects = 0, shape_components = 0;
    for (uint32_t k = 0; k < sum.shapes; k++) {
        rg_cycle_shape sh;
        rg_cycles_shape_get(c, k, &sh);
        shape_objects += sh.objects;
        shape_components += sh.components;
        CHECK(sh.retained_bytes >= sh.bytes);
        CHECK_EQ_U64(rg_cycles_shape_of(c, sh.representative), k);
        /* the cycle is a closed walk of real strong edges inside one component */
        CHECK(sh.cycle_len >= 1);
        if (sh.cycle_len < 1)
            continue;
        CHECK_EQ_U64(sh.cycle[0].from, sh.representative);
        CHECK_EQ_U64(sh.cycle[sh.cycle_len - 1].to, sh.representative);
        for (uint32_t e = 0; e < sh.cycle_len; e++) {
            CHECK_EQ_U64(g->edge[sh.cycle[e].from][sh.cycle[e].to], 1);
            CHECK_EQ_U64(rg_cycles_component_of(c, sh.cycle[e].from),
                         rg_cycles_component_of(c, sh.representative));
            if (e > 0)
                CHECK_EQ_U64(sh.cycle[e].from, sh.cycle[e - 1].to);
        }
    }
    CHECK_EQ_U64(shape_objects, cyclic_objects);
    CHECK_EQ_U64(shape_components, components);
    rg_cycles_free(c);
    rg_dominators_free(d);
    rg_snapshot_free(s);
}

static void test_random_graphs(void)
{
    tgraph g;
    for (int iter = 0; iter < 3000; iter++) {
        memset(&g, 0, sizeof g);
        g.n = 1 + (int)rnd(MAXN);
        int density = 1 + (int)rnd(3);
        for (int i = 0; i < g.n; i++) {
            for (int j = 0; j < g.n; j++)
                if ((int)rnd(g.n * 2) < density)
                    g.edge[i][j] = rnd(5) == 0 ? 2 : 1;
            int x = (int)rnd(12);
            g.root[i] = x == 0 ? 1 : x == 1 ? 2 : 0;
            g.garbage[i] = rnd(4) == 0;
        }
        int before = rg_test_failures;
        check_graph(&g, iter & 1);
        if (rg_test_failures != before) {
            fprintf(stderr, "failing graph at iteration %d (n=%d)\n", iter, g.n);
            return;
        }
    }
}

/* Three Node<->dict two-cycles (two in gc.garbage), one self-referencing
 * list, one three-cycle holding a blob, and the same leak in another file
 * with other ids and another type order: shapes and signatures must match. */
static rg_snapshot *cycles_fixture(uint64_t base, int types_reversed)
{
    rg_builder *b;
    rg_builder_new(&b);
    uint64_t id = base;
    if (types_reversed) {
        rg_builder_add_object(b, &(rg_object_desc){.id = id++, .type = "list", .size = 1});
        rg_builder_add_object(b, &(rg_object_desc){.id = id++, .type = "dict", .size = 1});
    }
    rg_builder_add_object(b, &(rg_object_desc){.id = id++, .type = "module", .size = 100});
    rg_builder_add_root(b, id - 1, RG_ROOT_MODULE, "app");
    for (int k = 0; k < 3; k++) {
        uint64_t node = id++, dict = id++;
        unsigned fl = k < 2 ? RG_NODE_GARBAGE : 0;
        rg_builder_add_object(b, &(rg_object_desc){.id = node, .type = "app.Node", .size = 48, .flags = fl});
        rg_builder_add_ref(b, dict, RG_EDGE_ATTR, "__dict__", 0);
        rg_builder_add_object(b, &(rg_object_desc){.id = dict, .type = "dict", .size = 232, .flags = fl});
        rg_builder_add_ref(b, node, RG_EDGE_DICT_VALUE, "'self'", 0);
        if (k < 2)
            rg_builder_add_root(b, node, RG_ROOT_GARBAGE, "gc.garbage");
    }
    uint64_t l = id++;
    rg_builder_add_object(b, &(rg_object_desc){.id = l, .type = "list", .size = 88});
    rg_builder_add_ref(b, l, RG_EDGE_INDEX, NULL, 0);
    uint64_t a = id++, bb = id++, cc = id++, blob = id++;
    rg_builder_add_object(b, &(rg_object_desc){.id = a, .type = "app.Ring", .size = 40});
    rg_builder_add_ref(b, bb, RG_EDGE_ATTR, "next", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = bb, .type = "app.Ring", .size = 40});
    rg_builder_add_ref(b, cc, RG_EDGE_ATTR, "next", 0);
    rg_builder_add_ref(b, blob, RG_EDGE_ATTR, "data", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = cc, .type = "app.Ring", .size = 40});
    rg_builder_add_ref(b, a, RG_EDGE_ATTR, "next", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = blob, .type = "bytes", .size = 100000});
    rg_snapshot *s = NULL;
    rg_builder_finish(b, &s);
    return s;
}

static void test_shapes(void)
{
    rg_snapshot *s1 = cycles_fixture(1, 0), *s2 = cycles_fixture(9000, 1);
    CHECK(s1 && s2);
    if (!s1 || !s2)
        return;
    rg_dominators *d1;
    CHECK(rg_dominators_compute(s1, &d1) == RG_OK);
    rg_cycles *c1, *c2;
    CHECK(rg_cycles_compute(s1, d1, &c1) == RG_OK);
    CHECK(rg_cycles_compute(s2, NULL, &c2) == RG_OK);
    rg_cycles_summary sum;
    rg_cycles_summary_get(c1, &sum);
    CHECK_EQ_U64(sum.components, 5);
    CHECK_EQ_U64(sum.shapes, 3);
    CHECK_EQ_U64(sum.cyclic_objects, 6 + 1 + 3);
    CHECK_EQ_U64(sum.unreachable_objects, 6 + 1 + 3 + 1);
    CHECK_EQ_U64(sum.garbage_objects, 4);
    CHECK_EQ_U64(sum.largest_component, 3);
    rg_cycle_shape sh;
    /* the ring keeps the blob alive: first by retained bytes */
    rg_cycles_shape_get(c1, 0, &sh);
    CHECK_STR(sh.description, "app.Ring \xc3\x97" "3");
    CHECK_EQ_U64(sh.bytes, 120);
    CHECK_EQ_U64(sh.retained_bytes, 120 + 100000);
    CHECK_EQ_U64(sh.cycle_len, 3);
    rg_cycles_shape_get(c1, 1, &sh);
    CHECK_STR(sh.description, "app.Node \xc3\x97" "1, dict \xc3\x97" "1");
    CHECK_EQ_U64(sh.components, 3);
    CHECK_EQ_U64(sh.objects_each, 2);
    CHECK_EQ_U64(sh.objects, 6);
    CHECK_EQ_U64(sh.bytes, 3 * 280);
    CHECK_EQ_U64(sh.garbage, 4);
    CHECK_EQ_U64(sh.cycle_len, 2);
    CHECK_STR(rg_node_type_name(s1, sh.representative), "app.Node");
    char sig_pair[24];
    memcpy(sig_pair, sh.signature, sizeof sig_pair);
    rg_cycles_shape_get(c1, 2, &sh);
    CHECK_STR(sh.description, "list \xc3\x97" "1");
    CHECK_EQ_U64(sh.cycle_len, 1);
    CHECK_EQ_U64(sh.cycle[0].from, sh.cycle[0].to);

    /* same shapes in the other file, with the same signatures */
    int matched = 0;
    rg_cycles_summary_get(c2, &sum);
    CHECK_EQ_U64(sum.shapes, 3);
    for (uint32_t i = 0; i < sum.shapes; i++) {
        rg_cycles_shape_get(c2, i, &sh);
        if (strcmp(sh.signature, sig_pair) == 0) {
            matched = 1;
            CHECK_EQ_U64(sh.components, 3);
        }
    }
    CHECK(matched);
    rg_cycles_free(c1);
    rg_cycles_free(c2);
    rg_cycles_free(NULL);
    rg_dominators_free(d1);
    rg_snapshot_free(s1);
    rg_snapshot_free(s2);
}

/* One ring of 200,000 objects: Tarjan must not recurse. */
static void test_deep_ring(void)
{
    const uint64_t N = 200000;
    rg_builder *b;
    rg_builder_new(&b);
    for (uint64_t i = 0; i < N; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = i + 1, .type = "Link", .size = 8});
        rg_builder_add_ref(b, i + 1 < N ? i + 2 : 1, RG_EDGE_ATTR, "next", 0);
    }
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_cycles *c;
    CHECK(rg_cycles_compute(s, NULL, &c) == RG_OK);
    rg_cycles_summary sum;
    rg_cycles_summary_get(c, &sum);
    CHECK_EQ_U64(sum.components, 1);
    CHECK_EQ_U64(sum.largest_component, N);
    rg_cycle_shape sh;
    rg_cycles_shape_get(c, 0, &sh);
    CHECK_EQ_U64(sh.cycle_len, N);
    CHECK_EQ_U64(sh.representative, 0);
    rg_cycles_free(c);
    rg_snapshot_free(s);
}

int main(void)
{
    RUN(test_random_graphs);
    RUN(test_shapes);
    RUN(test_deep_ring);
    TEST_MAIN_END();
}
