/* test_paths.c: shortest retention paths, which edges count, root
 * preference, unreachable objects and chain grouping, on graphs built in code. */
#include "harness.h"
#include "fixture.h"
#include "refgraph.h"

#include <stdlib.h>


static void obj(uint64_t id, const char *type, uint64_t size, int64_t rc)
{
    rg_object_desc d = {.id = id, .type = type, .size = size, .refcount = rc};
    CHECK(rg_builder_add_object(B, &d) == RG_OK);
}

static void named(uint64_t id, const char *type, const char *name)
{
    rg_object_desc d = {.id = id, .type = type, .size = 72, .refcount = -1, .name = name};
    CHECK(rg_builder_add_object(B, &d) == RG_OK);
}

/* "module __main__ .jobs -> queue.Queue .queue -> ..." for comparison. */
static char *chain_text(const rg_snapshot *s, const rg_paths *p, uint64_t id)
{
    static char buf[4096];
    rg_edge *e;
    size_t n;
    buf[0] = '\0';
    if (rg_paths_chain(p, node(s, id), &e, &n) != RG_OK)
        return buf;
    size_t w = 0;
    for (size_t i = 0; i < n && w < sizeof buf - 200; i++) {
        char label[128];
        rg_edge_label_format(s, &e[i], label, sizeof label);
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s %s", i ? " -> " : "",
                              rg_node_type_name(s, e[i].from), label);
    }
    if (n)
        snprintf(buf + w, sizeof buf - w, " -> %s", rg_node_type_name(s, e[n - 1].to));
    rg_free(e);
    return buf;
}

/* The seed: a module-level queue.Queue whose deque holds (prio, n, Job)
 * tuples; a thread frame, sys.modules and builtins also lead there. */
static rg_snapshot *seed_graph(void)
{
    rg_builder_new(&B);
    /* The thread root comes first in the file: module roots must still win. */
    rg_builder_add_root(B, 50, RG_ROOT_THREAD, "MainThread <module>");
    rg_builder_add_root(B, 60, RG_ROOT_BUILTINS, "builtins");
    rg_builder_add_root(B, 70, RG_ROOT_MODULE, "sys");
    rg_builder_add_root(B, 10, RG_ROOT_MODULE, "__main__");
    named(50, "frame", "<module>");
    ref(11, RG_EDGE_LOCAL, "jobs");
    named(60, "module", "builtins");
    ref(80, RG_EDGE_GLOBAL, "__import__");
    named(70, "module", "sys");
    ref(71, RG_EDGE_GLOBAL, "modules");
    obj(71, "dict", 1000, 1);
    ref(10, RG_EDGE_DICT_VALUE, "'__main__'");
    ref(70, RG_EDGE_DICT_VALUE, "'sys'");
    named(10, "module", "__main__");
    ref(11, RG_EDGE_GLOBAL, "jobs");
    ref(20, RG_EDGE_GLOBAL, "Job");
    obj(11, "queue.Queue", 48, 2);
    ref(12, RG_EDGE_ATTR, "queue");
    ref(30, RG_EDGE_TYPE, NULL);
    obj(12, "collections.deque", 600, 1);
    idx(13, 0);
    idx(14, 1);
    obj(13, "tuple", 64, 1);
    idx(90, 0);
    idx(91, 1);
    idx(15, 2);
    obj(14, "tuple", 64, 1);
    idx(16, 2);
    obj(15, "__main__.Job", 56, 1);
    ref(20, RG_EDGE_TYPE, NULL);
    obj(16, "__main__.Job", 56, 1);
    ref(20, RG_EDGE_TYPE, NULL);
    named(20, "type", "Job");
    named(30, "type", "Queue");
    named(80, "builtin_function_or_method", "__import__");
    obj(90, "int", 28, 5);
    obj(91, "int", 28, 5);
    return finish();
}

static void shortest_chain_runs_from_the_module_to_the_object(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK_STR(chain_text(s, p, 15),
              "module .jobs -> queue.Queue .queue -> collections.deque [0] -> tuple [2] -> __main__.Job");
    CHECK_STR(chain_text(s, p, 16),
              "module .jobs -> queue.Queue .queue -> collections.deque [1] -> tuple [2] -> __main__.Job");
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 15)), 4);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 10)), 0);
    uint32_t r;
    CHECK(rg_paths_root(p, node(s, 15), &r) == RG_OK);
    rg_root root;
    rg_root_get(s, r, &root);
    CHECK_STR(root.label, "__main__");
    CHECK_EQ_U64(root.kind, RG_ROOT_MODULE);
    /* A class is reached through the module global, never an instance's <type>. */
    CHECK_STR(chain_text(s, p, 20), "module .Job -> type");
    rg_edge e;
    CHECK(rg_paths_parent(p, node(s, 15), &e) == RG_OK);
    CHECK_EQ_U64(e.from, node(s, 13));
    CHECK_EQ_U64(e.kind, RG_EDGE_INDEX);
    CHECK_EQ_U64(e.label, 2);
    CHECK(rg_paths_parent(p, node(s, 10), &e) == RG_ENOTFOUND);
    rg_edge *chain = (rg_edge *)1;
    size_t n = 99;
    CHECK(rg_paths_chain(p, node(s, 10), &chain, &n) == RG_OK);
    CHECK(chain == NULL);
    CHECK_EQ_U64(n, 0);
    rg_unreachable why = {.struct_size = sizeof why};
    CHECK(rg_paths_why_unreachable(p, node(s, 15), &why) == RG_OK);
    CHECK_EQ_U64(why.kind, RG_REACHABLE);
    rg_paths_free(p);
    rg_paths_free(NULL);
    rg_snapshot_free(s);
}

static void ignored_labels_types_and_kinds_reroute_or_cut_paths(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_path_options o;
    rg_path_options_init(&o, RG_PATH_OPTIONS_VERSION);
    /* Without the module's .jobs, the thread frame's local is next best. */
    const char *labels[] = {".jobs"};
    o.ignore_labels = labels;
    o.n_ignore_labels = 1;
    rg_paths *p;
    CHECK(rg_paths_compute(s, &o, &p) == RG_OK);
    CHECK_STR(chain_text(s, p, 15),
              "frame frame local 'jobs' -> queue.Queue .queue -> collections.deque [0] -> tuple [2] -> __main__.Job");
    rg_paths_free(p);
    /* Ignoring deque items by label and frames by type: no path is left to
     * the Jobs; they are then explained by the edges that were excluded. */
    const char *labels2[] = {".jobs", "[0]", "[1]"};
    const char *types[] = {"frame"};
    o.ignore_labels = labels2;
    o.n_ignore_labels = 3;
    o.ignore_types = types;
    o.n_ignore_types = 1;
    CHECK(rg_paths_compute(s, &o, &p) == RG_OK);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 15)), RG_DISTANCE_NONE);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 11)), RG_DISTANCE_NONE);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 50)), 0); /* the ignored root itself stays */
    rg_unreachable why = {.struct_size = sizeof why};
    CHECK(rg_paths_why_unreachable(p, node(s, 15), &why) == RG_OK);
    CHECK_EQ_U64(why.kind, RG_UNREACHABLE_EXCLUDED);
    CHECK_EQ_U64(why.holder, node(s, 50)); /* the frame, first referrer of the Queue in node order */
    CHECK_EQ_U64(why.hops, 4);
    rg_edge *hc;
    size_t n;
    CHECK(rg_paths_holder_chain(p, node(s, 15), &hc, &n) == RG_OK);
    CHECK_EQ_U64(n, 4);
    if (n == 4) {
        CHECK_EQ_U64(hc[0].from, node(s, 50));
        CHECK_EQ_U64(hc[0].kind, RG_EDGE_LOCAL);
        CHECK_EQ_U64(hc[3].to, node(s, 15));
    }
    rg_free(hc);
    rg_paths_free(p);
    /* Re-allowing <type> edges (clearing the bit) changes nothing here. */
    rg_path_options_init(&o, RG_PATH_OPTIONS_VERSION);
    o.ignore_edge_kinds = 1u << RG_EDGE_WEAK;
    CHECK(rg_paths_compute(s, &o, &p) == RG_OK);
    CHECK_STR(chain_text(s, p, 20), "module .Job -> type");
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* Internal edges are used only when nothing named reaches, and then as few
 * as possible, shortest among those. */
static void internal_edges_are_used_only_when_nothing_named_reaches(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    named(1, "module", "m");
    ref(5, RG_EDGE_INTERNAL, NULL);     /* m -internal-> X (1 hop) */
    ref(2, RG_EDGE_GLOBAL, "a");
    ref(7, RG_EDGE_INTERNAL, "f_code"); /* m -internal-> Y */
    obj(2, "A", 10, 1);
    ref(3, RG_EDGE_ATTR, "b");
    obj(3, "B", 10, 1);
    ref(4, RG_EDGE_ATTR, "c");
    obj(4, "C", 10, 1);
    ref(5, RG_EDGE_ATTR, "x");         /* the named path to X: 4 hops */
    obj(5, "X", 10, 2);
    obj(7, "Y", 10, 1);
    ref(8, RG_EDGE_ATTR, "z");
    ref(9, RG_EDGE_INTERNAL, NULL);
    obj(8, "Z", 10, 1);
    ref(9, RG_EDGE_ATTR, "w");
    obj(9, "W", 10, 2);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK_STR(chain_text(s, p, 5), "module .a -> A .b -> B .c -> C .x -> X");
    CHECK_STR(chain_text(s, p, 7), "module <f_code> -> Y");
    /* W: m -int-> Y -int-> W (2 internal) loses to m -int-> Y .z -> Z .w -> W (1 internal). */
    CHECK_STR(chain_text(s, p, 9), "module <f_code> -> Y .z -> Z .w -> W");
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 9)), 3);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* Level merging: a node reached with one internal edge must get the
 * shortest distance among one-internal-edge paths, even when the seed that
 * gives it comes from a deeper level-0 node. */
static void fewest_internal_edges_then_shortest_wins(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    named(1, "module", "m");
    ref(2, RG_EDGE_GLOBAL, "deep");
    ref(10, RG_EDGE_INTERNAL, NULL);    /* m -int-> P (dist 1) */
    obj(2, "D1", 1, 1);
    ref(3, RG_EDGE_ATTR, "d");
    obj(3, "D2", 1, 1);
    ref(4, RG_EDGE_INTERNAL, NULL);     /* D2 -int-> T (dist 3) */
    obj(10, "P", 1, 1);
    ref(11, RG_EDGE_ATTR, "p");
    obj(11, "P2", 1, 1);
    ref(12, RG_EDGE_ATTR, "p");
    obj(12, "P3", 1, 1);
    ref(4, RG_EDGE_ATTR, "t");          /* via P: dist 4 */
    obj(4, "T", 1, 2);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 4)), 3);
    CHECK_STR(chain_text(s, p, 4), "module .deep -> D1 .d -> D2 <internal> -> T");
    rg_paths_free(p);
    rg_snapshot_free(s);
}

static void chain_5000_deep_is_walked_without_recursion(void)
{
    enum { DEPTH = 5000 };
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "deep");
    named(1, "module", "deep");
    ref(100, RG_EDGE_GLOBAL, "registry");
    obj(100, "dict", 200, 1);
    ref(1000, RG_EDGE_DICT_VALUE, "'head'");
    for (int i = 0; i < DEPTH; i++) {
        obj(1000 + (uint64_t)i, "deep.Node", 40, 1);
        ref(i + 1 < DEPTH ? 1001 + (uint64_t)i : 999, RG_EDGE_SLOT, "next");
    }
    obj(999, "deep.Payload", 56, 1);
    ref(998, RG_EDGE_ATTR, "blob");
    obj(998, "bytearray", 65593, 1);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_edge *e;
    size_t n;
    CHECK(rg_paths_chain(p, node(s, 999), &e, &n) == RG_OK);
    CHECK_EQ_U64(n, DEPTH + 2);
    if (n == DEPTH + 2) {
        char label[64];
        rg_edge_label_format(s, &e[0], label, sizeof label);
        CHECK_STR(label, ".registry");
        rg_edge_label_format(s, &e[1], label, sizeof label);
        CHECK_STR(label, "['head']");
        int ok = 1;
        for (size_t i = 2; i < n; i++) {
            rg_edge_label_format(s, &e[i], label, sizeof label);
            ok &= strcmp(label, ".next") == 0 && strcmp(rg_node_type_name(s, e[i].from), "deep.Node") == 0;
            ok &= e[i].from == e[i - 1].to;
        }
        CHECK(ok);
        CHECK_EQ_U64(e[n - 1].to, node(s, 999));
    }
    rg_free(e);
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 998)), DEPTH + 3);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* Every way of being unreachable, and the cycle through a node. */
static void every_kind_of_unreachable_is_told_apart(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    named(1, "module", "m");
    ref(2, RG_EDGE_GLOBAL, "inst");
    obj(2, "Inst", 48, 1);
    ref(3, RG_EDGE_TYPE, NULL);          /* the class is held only by <type> */
    named(3, "type", "Local");
    /* A three-object cycle, with a dict hanging off it. */
    obj(10, "Node", 48, 1);
    ref(11, RG_EDGE_ATTR, "next");
    obj(11, "Node", 48, 1);
    ref(12, RG_EDGE_ATTR, "next");
    ref(13, RG_EDGE_ATTR, "data");
    obj(12, "Node", 48, 1);
    ref(10, RG_EDGE_ATTR, "next");
    obj(13, "dict", 232, 1);
    /* A self-cycle. */
    obj(14, "list", 64, 1);
    idx(14, 0);
    /* Held from outside: refcount 3, one referrer (a weakref does not count). */
    obj(20, "Leaked", 48, 3);
    ref(21, RG_EDGE_ATTR, "buf");
    obj(21, "bytes", 1000, 1);
    obj(22, "Holder", 48, 1);
    ref(20, RG_EDGE_ATTR, "leaked");
    obj(23, "weakref.ReferenceType", 80, 1);
    ref(20, RG_EDGE_WEAK, NULL);
    ref(22, RG_EDGE_WEAK, NULL);
    ref(23, RG_EDGE_WEAK, NULL);
    /* A cycle held from outside is "outside", not "cycle". */
    obj(30, "A", 48, 2);
    ref(31, RG_EDGE_ATTR, "b");
    obj(31, "B", 48, 1);
    ref(30, RG_EDGE_ATTR, "a");
    /* No refcount, no referrers. */
    obj(40, "Orphan", 16, -1);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_unreachable w = {.struct_size = sizeof w};
    CHECK(rg_paths_why_unreachable(p, node(s, 3), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_EXCLUDED);
    CHECK_EQ_U64(w.holder, node(s, 2));
    CHECK_EQ_U64(w.hops, 1);
    for (uint64_t id = 10; id <= 12; id++) {
        CHECK(rg_paths_why_unreachable(p, node(s, id), &w) == RG_OK);
        CHECK_EQ_U64(w.kind, RG_UNREACHABLE_CYCLE);
        CHECK_EQ_U64(w.holder, node(s, id));
        CHECK_EQ_U64(w.cycle_size, 3);
        CHECK_EQ_U64(w.hops, 0);
    }
    CHECK(rg_paths_why_unreachable(p, node(s, 13), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_FROM_CYCLE);
    CHECK_EQ_U64(w.holder, node(s, 11));
    CHECK_EQ_U64(w.cycle_size, 3);
    CHECK(rg_paths_why_unreachable(p, node(s, 14), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_CYCLE);
    CHECK_EQ_U64(w.cycle_size, 1);
    CHECK(rg_paths_why_unreachable(p, node(s, 21), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_OUTSIDE);
    /* 22 (Holder, rc 1, only a weak referrer) is itself held from outside
     * and leads to 20; 20 is also over-counted. Node order makes 20 a seed
     * first, so 21's holder is 20. */
    CHECK_EQ_U64(w.holder, node(s, 20));
    CHECK_EQ_U64(w.unexplained_refs, 2);
    CHECK_EQ_U64(w.hops, 1);
    CHECK(rg_paths_why_unreachable(p, node(s, 31), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_OUTSIDE);
    CHECK_EQ_U64(w.holder, node(s, 30));
    CHECK_EQ_U64(w.unexplained_refs, 1);
    CHECK(rg_paths_why_unreachable(p, node(s, 40), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_UNEXPLAINED);
    CHECK_EQ_U64(w.holder, RG_NODE_NONE);
    rg_edge *e;
    size_t n;
    CHECK(rg_paths_chain(p, node(s, 10), &e, &n) == RG_ENOTFOUND);
    CHECK_CONTAINS(rg_last_error(), "no root reaches object 10");
    CHECK(rg_paths_cycle(p, node(s, 11), &e, &n) == RG_OK);
    CHECK_EQ_U64(n, 3);
    if (n == 3) {
        CHECK_EQ_U64(e[0].from, node(s, 11));
        CHECK_EQ_U64(e[0].to, node(s, 12));
        CHECK_EQ_U64(e[1].to, node(s, 10));
        CHECK_EQ_U64(e[2].to, node(s, 11));
    }
    rg_free(e);
    CHECK(rg_paths_cycle(p, node(s, 14), &e, &n) == RG_OK);
    CHECK_EQ_U64(n, 1);
    rg_free(e);
    CHECK(rg_paths_cycle(p, node(s, 13), &e, &n) == RG_ENOTFOUND);
    CHECK(rg_paths_holder_chain(p, node(s, 13), &e, &n) == RG_OK);
    CHECK_EQ_U64(n, 1);
    rg_free(e);
    CHECK(rg_paths_holder_chain(p, node(s, 2), &e, &n) == RG_ENOTFOUND);
    CHECK_STR(rg_unreachable_kind_name(RG_UNREACHABLE_OUTSIDE), "outside-heap");
    CHECK(rg_paths_why_unreachable(p, 9999, &w) == RG_EINVAL);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* A 200,000-object unreachable ring with a tail: Tarjan must not recurse,
 * and the cycle through any member is the whole ring. */
static void unreachable_ring_of_200000_is_one_cycle_without_recursion(void)
{
    enum { RING = 200000 };
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    named(1, "module", "m");
    for (uint64_t i = 0; i < RING; i++) {
        obj(1000 + i, "Link", 48, 1);
        ref(1000 + (i + 1) % RING, RG_EDGE_ATTR, "next");
        if (i == RING / 2)
            ref(5, RG_EDGE_ATTR, "tail");
    }
    obj(5, "Tail", 16, 1);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_unreachable w = {.struct_size = sizeof w};
    CHECK(rg_paths_why_unreachable(p, node(s, 1000 + RING - 1), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_CYCLE);
    CHECK_EQ_U64(w.cycle_size, RING);
    CHECK(rg_paths_why_unreachable(p, node(s, 5), &w) == RG_OK);
    CHECK_EQ_U64(w.kind, RG_UNREACHABLE_FROM_CYCLE);
    CHECK_EQ_U64(w.holder, node(s, 1000 + RING / 2));
    CHECK_EQ_U64(w.cycle_size, RING);
    rg_edge *e;
    size_t n;
    CHECK(rg_paths_cycle(p, node(s, 1000), &e, &n) == RG_OK);
    CHECK_EQ_U64(n, RING);
    if (n == RING) {
        CHECK_EQ_U64(e[0].from, node(s, 1000));
        CHECK_EQ_U64(e[RING - 1].to, node(s, 1000));
    }
    rg_free(e);
    /* The module root is unaffected. */
    CHECK_EQ_U64(rg_paths_distance(p, node(s, 1)), 0);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

static void paths_group_merges_targets_of_the_same_chain_shape(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    named(1, "module", "m");
    ref(2, RG_EDGE_GLOBAL, "items");
    ref(3, RG_EDGE_GLOBAL, "cache");
    obj(2, "list", 100, 1);
    for (int i = 0; i < 5; i++)
        idx(100 + (uint64_t)i, i);
    obj(3, "dict", 100, 1);
    ref(200, RG_EDGE_DICT_VALUE, "'a'");
    ref(201, RG_EDGE_DICT_VALUE, "'b'");
    for (int i = 0; i < 5; i++)
        obj(100 + (uint64_t)i, "Job", 10, 1);
    obj(200, "Job", 20, 1);
    ref(202, RG_EDGE_ATTR, "child");
    obj(201, "Job", 20, 1);
    obj(202, "Job", 30, 1);
    obj(300, "Job", 7, -1);   /* unreachable */
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_node nodes[9];
    uint64_t ids[9] = {300, 202, 201, 200, 104, 103, 102, 101, 100};
    for (int i = 0; i < 9; i++)
        nodes[i] = node(s, ids[i]);
    rg_chain_group *g;
    rg_node *m;
    size_t ng;
    CHECK(rg_paths_group(p, nodes, 9, sizeof(rg_chain_group), &g, &ng, &m) == RG_OK);
    CHECK_EQ_U64(ng, 4);
    if (ng == 4) {
        CHECK_EQ_U64(g[0].count, 5);
        CHECK_EQ_U64(g[0].representative, node(s, 100));
        CHECK_EQ_U64(g[0].bytes, 50);
        CHECK_EQ_U64(g[0].distance, 2);
        CHECK_EQ_U64(m[g[0].first + 4], node(s, 104));
        CHECK_EQ_U64(g[1].count, 2);
        CHECK_EQ_U64(g[1].representative, node(s, 200));
        CHECK_EQ_U64(g[1].bytes, 40);
        /* Singletons: the longer chain (202, 3 hops) first. */
        CHECK_EQ_U64(g[2].representative, node(s, 202));
        CHECK_EQ_U64(g[3].representative, node(s, 300));
        CHECK_EQ_U64(g[3].why, RG_UNREACHABLE_UNEXPLAINED);
        CHECK_EQ_U64(g[3].distance, RG_DISTANCE_NONE);
    }
    rg_free(g);
    rg_free(m);
    CHECK(rg_paths_group(p, NULL, 0, sizeof(rg_chain_group), &g, &ng, &m) == RG_OK);
    CHECK_EQ_U64(ng, 0);
    rg_free(g);
    rg_free(m);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* Ties at equal depth go to roots by kind, then file order: never to
 * whichever root happens to come first in the file. */
static void equal_depth_ties_go_to_the_preferred_root_kind(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 3, RG_ROOT_GARBAGE, "gc.garbage");
    rg_builder_add_root(B, 2, RG_ROOT_THREAD, "worker");
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "app");
    named(1, "module", "app");
    ref(9, RG_EDGE_GLOBAL, "thing");
    named(2, "frame", "run");
    ref(9, RG_EDGE_LOCAL, "thing");
    obj(3, "list", 64, 1);
    idx(9, 0);
    obj(9, "Thing", 8, 3);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK_STR(chain_text(s, p, 9), "module .thing -> Thing");
    rg_paths_free(p);
    rg_snapshot_free(s);
}

static void bad_arguments_are_errors_not_crashes(void)
{
    rg_paths *p = NULL;
    CHECK(rg_paths_compute(NULL, NULL, &p) == RG_EINVAL);
    CHECK(p == NULL);
    CHECK_EQ_U64(rg_paths_distance(NULL, 0), RG_DISTANCE_NONE);
    rg_path_options_init(NULL, RG_PATH_OPTIONS_VERSION);
    rg_builder_new(&B);
    rg_snapshot *s = finish();
    if (!s)
        return;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_edge *e;
    size_t n;
    CHECK(rg_paths_chain(p, 0, &e, &n) == RG_EINVAL);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(shortest_chain_runs_from_the_module_to_the_object);
    RUN(ignored_labels_types_and_kinds_reroute_or_cut_paths);
    RUN(internal_edges_are_used_only_when_nothing_named_reaches);
    RUN(fewest_internal_edges_then_shortest_wins);
    RUN(chain_5000_deep_is_walked_without_recursion);
    RUN(every_kind_of_unreachable_is_told_apart);
    RUN(unreachable_ring_of_200000_is_one_cycle_without_recursion);
    RUN(paths_group_merges_targets_of_the_same_chain_shape);
    RUN(equal_depth_ties_go_to_the_preferred_root_kind);
    RUN(bad_arguments_are_errors_not_crashes);
    TEST_MAIN_END();
}
