/* test_dominators.c: the dominator tree against its definition (d dominates v
 * iff removing d makes v unreachable from the super-root) on random graphs,
 * retained sizes by hand, and a chain too deep for any recursion. */
#include "harness.h"
#include "refgraph.h"
#include "graph/graph_internal.h"

#include <stdlib.h>

#define MAXN 14

/* A small graph in adjacency-matrix form: how many edges i -> j and whether
 * each is weak; roots with a garbage flag. */
typedef struct tgraph {
    int n;
    int edge[MAXN][MAXN];   /* 0 none, 1 strong, 2 weak */
    int root[MAXN];         /* 0 none, 1 module root, 2 gc.garbage root */
    int garbage[MAXN];      /* flagged RG_NODE_GARBAGE */
    uint64_t size[MAXN];
} tgraph;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

static rg_snapshot *build(const tgraph *g)
{
    rg_builder *b;
    if (rg_builder_new(&b) != RG_OK)
        return NULL;
    for (int i = 0; i < g->n; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = 100 + (uint64_t)i, .type = "T",
                                                   .size = g->size[i], .refcount = -1,
                                                   .flags = g->garbage[i] ? RG_NODE_GARBAGE : 0});
        for (int j = 0; j < g->n; j++)
            if (g->edge[i][j])
                rg_builder_add_ref(b, 100 + (uint64_t)j,
                                   g->edge[i][j] == 2 ? RG_EDGE_WEAK : RG_EDGE_ATTR, "x", 0);
    }
    for (int i = 0; i < g->n; i++)
        if (g->root[i])
            rg_builder_add_root(b, 100 + (uint64_t)i,
                                g->root[i] == 2 ? RG_ROOT_GARBAGE : RG_ROOT_MODULE, "m");
    rg_snapshot *s = NULL;
    if (rg_builder_finish(b, &s) != RG_OK)
        return NULL;
    return s;
}

/* Nodes reachable over strong edges from `starts`, never entering `skip`. */
static void reach(const tgraph *g, const int *starts, int skip, int *seen)
{
    int queue[MAXN], head = 0, tail = 0;
    for (int i = 0; i < g->n; i++)
        seen[i] = 0;
    for (int i = 0; i < g->n; i++)
        if (starts[i] && i != skip) {
            seen[i] = 1;
            queue[tail++] = i;
        }
    while (head < tail) {
        int v = queue[head++];
        for (int j = 0; j < g->n; j++)
            if (g->edge[v][j] == 1 && !seen[j] && j != skip && !(g->garbage[j] && !g->garbage[v])) {
                seen[j] = 1;
                queue[tail++] = j;
            }
    }
}

static void random_graph(tgraph *g)
{
    memset(g, 0, sizeof *g);
    g->n = 1 + (int)rnd(MAXN);
    int density = 1 + (int)rnd(4);
    for (int i = 0; i < g->n; i++) {
        g->size[i] = 1 + rnd(1000);
        for (int j = 0; j < g->n; j++)
            if ((int)rnd(g->n * 2) < density)
                g->edge[i][j] = rnd(6) == 0 ? 2 : 1;
        int r = (int)rnd(10);
        g->root[i] = r == 0 ? 1 : r == 1 ? 2 : 0;
        g->garbage[i] = rnd(8) == 0;
    }
}

static void check_against_definition(const tgraph *g)
{
    rg_snapshot *s = build(g);
    CHECK(s != NULL);
    if (!s)
        return;
    rg_dominators *d = NULL;
    CHECK(rg_dominators_compute(s, &d) == RG_OK);
    if (!d) {
        rg_snapshot_free(s);
        return;
    }
    /* Ids are added in order, so node i is object 100 + i. */
    int roots[MAXN], reachable[MAXN];
    for (int i = 0; i < g->n; i++)
        roots[i] = g->root[i] == 1;
    reach(g, roots, -1, reachable);
    for (int i = 0; i < g->n; i++)
        CHECK_EQ_U64(rg_dominators_reachable(d, (rg_node)i), reachable[i]);

    /* Unreachable part: the implementation's entries must be exactly one
     * member per source strongly connected component. */
    int r[MAXN][MAXN];
    for (int i = 0; i < g->n; i++) {
        int one[MAXN] = {0};
        one[i] = 1;
        reach(g, one, -1, r[i]);
    }
    int entry[MAXN] = {0};
    for (int i = 0; i < g->n; i++) {
        if (reachable[i])
            continue;
        /* source component: every unreachable node reaching i is reached by i */
        int source = 1;
        for (int j = 0; j < g->n; j++)
            if (!reachable[j] && r[j][i] && !r[i][j])
                source = 0;
        if (!source)
            continue;
        if (rg_dominators_idom(d, (rg_node)i) == RG_NODE_NONE)
            entry[i] = 1;
    }
    for (int i = 0; i < g->n; i++) {
        if (reachable[i] || !entry[i])
            continue;
        for (int j = 0; j < g->n; j++)
            if (j != i && entry[j] && r[i][j] && r[j][i])
                CHECK(!"two entries in one component");
    }
    for (int i = 0; i < g->n; i++) {
        if (reachable[i])
            continue;
        int covered = 0;
        for (int j = 0; j < g->n; j++)
            if (entry[j] && r[j][i])
                covered = 1;
        CHECK(covered);
    }

    /* The super-root refers to the roots and the entries. dom[a][v]: a
     * dominates v (removing a cuts v off). */
    int starts[MAXN], all[MAXN];
    for (int i = 0; i < g->n; i++)
        starts[i] = roots[i] || entry[i];
    reach(g, starts, -1, all);
    int dom[MAXN][MAXN];
    for (int a = 0; a < g->n; a++) {
        int without[MAXN];
        reach(g, starts, a, without);
        for (int v = 0; v < g->n; v++)
            dom[a][v] = all[v] && (v == a || !without[v]);
    }
    for (int v = 0; v < g->n; v++) {
        CHECK(all[v]);
        /* idom: the strict dominator that every other strict dominator dominates */
        int idom = -1;
        for (int a = 0; a < g->n; a++) {
            if (a == v || !dom[a][v])
                continue;
            int lowest = 1;
            for (int b = 0; b < g->n; b++)
                if (b != v && b != a && dom[b][v] && !dom[b][a])
                    lowest = 0;
            if (lowest)
                idom = a;
        }
        rg_node got = rg_dominators_idom(d, (rg_node)v);
        CHECK_EQ_U64(got, idom < 0 ? RG_NODE_NONE : (rg_node)idom);
        uint64_t retained = 0;
        for (int u = 0; u < g->n; u++)
            if (dom[v][u])
                retained += g->size[u];
        CHECK_EQ_U64(rg_dominators_retained(d, (rg_node)v), retained);
    }
    uint64_t total = 0;
    for (int v = 0; v < g->n; v++)
        total += g->size[v];
    CHECK_EQ_U64(rg_dominators_retained(d, RG_NODE_NONE), total);
    rg_dominators_free(d);
    rg_snapshot_free(s);
}

static void dominators_of_random_graphs_match_the_definition(void)
{
    tgraph g;
    for (int iter = 0; iter < 3000; iter++) {
        random_graph(&g);
        int before = rg_test_failures;
        check_against_definition(&g);
        if (rg_test_failures != before) {
            fprintf(stderr, "failing graph (iteration %d, n=%d):\n", iter, g.n);
            for (int i = 0; i < g.n; i++)
                for (int j = 0; j < g.n; j++)
                    if (g.edge[i][j])
                        fprintf(stderr, "  %d -> %d%s\n", i, j, g.edge[i][j] == 2 ? " (weak)" : "");
            for (int i = 0; i < g.n; i++)
                if (g.root[i])
                    fprintf(stderr, "  root %d%s\n", i, g.root[i] == 2 ? " (garbage)" : "");
            return;
        }
    }
}

/* The seed in miniature, retained sizes worked out by hand:
 *   module(72) -> Queue(48) -> deque(600) -> tuple(64) x2 -> Job(56) -> payload(100)
 * and the module also refers to a shared str(50) that tuple 0 refers to. */
static void retained_sizes_match_a_hand_computed_heap(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 72});
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "jobs", 0);
    rg_builder_add_ref(b, 9, RG_EDGE_GLOBAL, "name", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "queue.Queue", .size = 48});
    rg_builder_add_ref(b, 3, RG_EDGE_ATTR, "queue", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 3, .type = "collections.deque", .size = 600});
    rg_builder_add_ref(b, 4, RG_EDGE_INDEX, NULL, 0);
    rg_builder_add_ref(b, 5, RG_EDGE_INDEX, NULL, 1);
    rg_builder_add_object(b, &(rg_object_desc){.id = 4, .type = "tuple", .size = 64});
    rg_builder_add_ref(b, 6, RG_EDGE_INDEX, NULL, 2);
    rg_builder_add_ref(b, 9, RG_EDGE_INDEX, NULL, 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 5, .type = "tuple", .size = 64});
    rg_builder_add_ref(b, 7, RG_EDGE_INDEX, NULL, 2);
    rg_builder_add_object(b, &(rg_object_desc){.id = 6, .type = "app.Job", .size = 56});
    rg_builder_add_ref(b, 8, RG_EDGE_ATTR, "payload", 0);
    rg_builder_add_ref(b, 10, RG_EDGE_TYPE, NULL, 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 7, .type = "app.Job", .size = 56});
    rg_builder_add_ref(b, 11, RG_EDGE_ATTR, "payload", 0);
    rg_builder_add_ref(b, 10, RG_EDGE_TYPE, NULL, 0);
    rg_builder_add_ref(b, 6, RG_EDGE_WEAK, NULL, 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 8, .type = "bytes", .size = 100});
    rg_builder_add_object(b, &(rg_object_desc){.id = 9, .type = "str", .size = 50});
    rg_builder_add_object(b, &(rg_object_desc){.id = 10, .type = "type", .size = 900});
    rg_builder_add_object(b, &(rg_object_desc){.id = 11, .type = "bytes", .size = 100});
    /* an unreachable two-cycle holding a blob */
    rg_builder_add_object(b, &(rg_object_desc){.id = 12, .type = "Node", .size = 40});
    rg_builder_add_ref(b, 13, RG_EDGE_ATTR, "next", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 13, .type = "Node", .size = 40});
    rg_builder_add_ref(b, 12, RG_EDGE_ATTR, "next", 0);
    rg_builder_add_ref(b, 14, RG_EDGE_ATTR, "blob", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 14, .type = "bytes", .size = 5000});
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_dominators *d;
    CHECK(rg_dominators_compute(s, &d) == RG_OK);
    rg_node n[15];
    for (uint64_t id = 1; id <= 14; id++)
        rg_node_find(s, id, &n[id]);
    /* the class is reachable from both Jobs: dominated by the deque */
    CHECK_EQ_U64(rg_dominators_idom(d, n[10]), n[3]);
    CHECK_EQ_U64(rg_dominators_idom(d, n[9]), n[1]);
    CHECK_EQ_U64(rg_dominators_idom(d, n[6]), n[4]); /* the weak ref does not count */
    CHECK_EQ_U64(rg_dominators_idom(d, n[1]), RG_NODE_NONE);
    CHECK_EQ_U64(rg_dominators_retained(d, n[6]), 56 + 100);
    CHECK_EQ_U64(rg_dominators_retained(d, n[4]), 64 + 56 + 100);
    CHECK_EQ_U64(rg_dominators_retained(d, n[3]), 600 + 2 * (64 + 56 + 100) + 900);
    CHECK_EQ_U64(rg_dominators_retained(d, n[2]), 48 + 600 + 2 * (64 + 56 + 100) + 900);
    CHECK_EQ_U64(rg_dominators_retained(d, n[1]), 72 + 50 + 48 + 600 + 2 * (64 + 56 + 100) + 900);
    /* the cycle: entered at its first object, which keeps everything alive */
    CHECK(!rg_dominators_reachable(d, n[12]));
    CHECK(!rg_dominators_reachable(d, n[14]));
    CHECK(rg_dominators_reachable(d, n[9]));
    CHECK_EQ_U64(rg_dominators_idom(d, n[12]), RG_NODE_NONE);
    CHECK_EQ_U64(rg_dominators_idom(d, n[13]), n[12]);
    CHECK_EQ_U64(rg_dominators_retained(d, n[12]), 40 + 40 + 5000);
    rg_dominators_stats st = {.struct_size = sizeof st};
    rg_dominators_stats_get(d, &st);
    CHECK_EQ_U64(st.objects, 14);
    CHECK_EQ_U64(st.reachable, 11);
    CHECK_EQ_U64(st.unreachable_entries, 1);
    CHECK(st.memory_bytes <= 13 * 15 + 8);

    rg_node *top;
    uint32_t k;
    CHECK(rg_dominators_top(d, 3, &top, &k) == RG_OK);
    CHECK_EQ_U64(k, 3);
    CHECK_EQ_U64(top[0], n[12]); /* 5080: the cycle outweighs the module */
    CHECK_EQ_U64(top[1], n[13]);
    CHECK_EQ_U64(top[2], n[14]);
    rg_free(top);
    CHECK(rg_dominators_top(d, 0, &top, &k) == RG_OK);
    CHECK_EQ_U64(k, 14);
    for (uint32_t i = 1; i < k; i++)
        CHECK(rg_dominators_retained(d, top[i - 1]) >= rg_dominators_retained(d, top[i]));
    rg_free(top);
    rg_dominators_free(d);
    rg_dominators_free(NULL);
    rg_snapshot_free(s);
}

/* 300,000 objects in one chain, plus a back edge making the whole chain one
 * cycle in the unreachable copy: recursion would overflow the stack. */
static void chain_of_300000_objects_does_not_overflow_the_stack(void)
{
    const uint64_t N = 300000;
    rg_builder *b;
    rg_builder_new(&b);
    for (uint64_t i = 0; i < N; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = i + 1, .type = "Link", .size = 10});
        if (i + 1 < N)
            rg_builder_add_ref(b, i + 2, RG_EDGE_SLOT, "next", 0);
    }
    for (uint64_t i = 0; i < N; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = N + i + 1, .type = "Ring", .size = 1});
        rg_builder_add_ref(b, i + 1 < N ? N + i + 2 : N + 1, RG_EDGE_SLOT, "next", 0);
    }
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "m");
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_dominators *d;
    CHECK(rg_dominators_compute(s, &d) == RG_OK);
    CHECK_EQ_U64(rg_dominators_retained(d, 0), N * 10);
    CHECK_EQ_U64(rg_dominators_retained(d, (rg_node)(N - 1)), 10);
    CHECK_EQ_U64(rg_dominators_idom(d, (rg_node)(N - 1)), N - 2);
    CHECK_EQ_U64(rg_dominators_idom(d, (rg_node)N), RG_NODE_NONE);
    CHECK_EQ_U64(rg_dominators_retained(d, (rg_node)N), N);
    CHECK_EQ_U64(rg_dominators_retained(d, RG_NODE_NONE), N * 11);
    rg_dominators_free(d);
    rg_snapshot_free(s);
}

/* Random multigraphs (a source may hold several edges to one target, weak
 * and strong mixed, as V8's do) built twice: with refcounts, so the graph
 * keeps each reverse edge's forward index (rev_edge), and without, so it
 * finds them from the forward edges and the dominators mark the weak
 * in-edges in a forward pass. Both must give the same referrers and the
 * same dominator tree. */
static rg_snapshot *build_multi(uint32_t n, const uint32_t *src, const uint32_t *dst, const uint8_t *weak,
                                uint32_t m, int with_rc)
{
    rg_builder *b;
    if (rg_builder_new(&b) != RG_OK)
        return NULL;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = 7 + 2 * (uint64_t)i, .type = "T", .size = 1 + i % 13,
                                                   .refcount = with_rc ? 1 : -1});
        for (; k < m && src[k] == i; k++)
            rg_builder_add_ref(b, 7 + 2 * (uint64_t)dst[k], weak[k] ? RG_EDGE_WEAK : RG_EDGE_INDEX, NULL,
                               (int64_t)k);
    }
    for (uint32_t i = 0; i < n; i += 17)
        rg_builder_add_root(b, 7 + 2 * (uint64_t)i, RG_ROOT_MODULE, "m");
    rg_snapshot *s = NULL;
    if (rg_builder_finish(b, &s) != RG_OK)
        return NULL;
    return s;
}

static void dominators_without_reverse_edge_indices_match_those_with_them(void)
{
    enum { N = 400, M = 2400 };
    static uint32_t src[M], dst[M];
    static uint8_t weak[M];
    for (int iter = 0; iter < 40; iter++) {
        uint32_t n = 2 + rnd(N - 1), m = rnd(M);
        for (uint32_t k = 0; k < m; k++)
            src[k] = rnd(n);
        /* sources in order (each object's references follow it), several
         * edges between one pair */
        for (uint32_t k = 1; k < m; k++)
            for (uint32_t j = k; j > 0 && src[j - 1] > src[j]; j--) {
                uint32_t t = src[j];
                src[j] = src[j - 1];
                src[j - 1] = t;
            }
        for (uint32_t k = 0; k < m; k++) {
            dst[k] = k && rnd(3) == 0 && src[k - 1] == src[k] ? dst[k - 1] : rnd(n);
            weak[k] = rnd(4) == 0;
        }
        rg_snapshot *a = build_multi(n, src, dst, weak, m, 1), *b = build_multi(n, src, dst, weak, m, 0);
        CHECK(a && b);
        if (!a || !b) {
            rg_snapshot_free(a);
            rg_snapshot_free(b);
            return;
        }
        CHECK(a->rev_edge != NULL);
        CHECK(b->rev_edge == NULL && b->node_rc == NULL);
        for (rg_node v = 0; v < n; v++) {
            CHECK_EQ_U64(rg_referrer_count(a, v), rg_referrer_count(b, v));
            for (uint32_t i = 0; i < rg_referrer_count(a, v); i++) {
                rg_edge x, y;
                rg_referrer_get(a, v, i, &x);
                rg_referrer_get(b, v, i, &y);
                CHECK(x.from == y.from && x.to == y.to && x.kind == y.kind && x.label == y.label);
            }
        }
        rg_dominators *da = NULL, *db = NULL;
        CHECK(rg_dominators_compute(a, &da) == RG_OK && rg_dominators_compute(b, &db) == RG_OK);
        for (rg_node v = 0; da && db && v < n; v++) {
            CHECK_EQ_U64(rg_dominators_idom(da, v), rg_dominators_idom(db, v));
            CHECK_EQ_U64(rg_dominators_retained(da, v), rg_dominators_retained(db, v));
            CHECK_EQ_U64(rg_dominators_reachable(da, v), rg_dominators_reachable(db, v));
        }
        rg_dominators_free(da);
        rg_dominators_free(db);
        rg_snapshot_free(a);
        rg_snapshot_free(b);
    }
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(dominators_of_random_graphs_match_the_definition);
    RUN(retained_sizes_match_a_hand_computed_heap);
    RUN(chain_of_300000_objects_does_not_overflow_the_stack);
    RUN(dominators_without_reverse_edge_indices_match_those_with_them);
    TEST_MAIN_END();
}
