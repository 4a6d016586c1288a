/* test_outside.c: objects held by references from outside the heap: the
 * excess, the margin, what is discounted, bytes kept alive, and how it
 * interacts with unreachable cycles. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>

/*
 * module app (rc 1)
 *   .kept  -> app.Box  rc 2: one reference seen + 1 spare: within the margin
 *   .held  -> app.Box  rc 4: one seen, 3 unexplained: flagged, keeps nothing
 *   .klass -> type     rc 9: runtime-owned, never flagged by default
 *   .imm   -> tuple    rc 999999999: immortal (deep-frozen), skipped
 *   .g     -> list     rc 1, also the module dict's value: global edges do not count
 * unreachable:
 *   3 x app.Leaky rc 1, no referrer, each -> list(1000 B) rc 1: flagged, keep 1056 B each
 *   a 2-cycle of app.Node rc 1 each: garbage, not held
 *   a 2-cycle of app.Node with one rc 2: held from outside (a Py_INCREF on a cycle)
 */
static rg_snapshot *fixture(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 72, .refcount = 1});
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "kept", 0);
    rg_builder_add_ref(b, 3, RG_EDGE_GLOBAL, "held", 0);
    rg_builder_add_ref(b, 4, RG_EDGE_GLOBAL, "klass", 0);
    rg_builder_add_ref(b, 5, RG_EDGE_GLOBAL, "imm", 0);
    rg_builder_add_ref(b, 6, RG_EDGE_GLOBAL, "g", 0);
    rg_builder_add_ref(b, 7, RG_EDGE_ATTR, "__dict__", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 7, .type = "dict", .size = 200, .refcount = 1});
    rg_builder_add_ref(b, 2, RG_EDGE_DICT_VALUE, "'kept'", 0);
    rg_builder_add_ref(b, 3, RG_EDGE_DICT_VALUE, "'held'", 0);
    rg_builder_add_ref(b, 4, RG_EDGE_DICT_VALUE, "'klass'", 0);
    rg_builder_add_ref(b, 5, RG_EDGE_DICT_VALUE, "'imm'", 0);
    rg_builder_add_ref(b, 6, RG_EDGE_DICT_VALUE, "'g'", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "app.Box", .size = 48, .refcount = 2});
    rg_builder_add_object(b, &(rg_object_desc){.id = 3, .type = "app.Box", .size = 48, .refcount = 4});
    rg_builder_add_object(b, &(rg_object_desc){.id = 4, .type = "type", .size = 900, .refcount = 9});
    rg_builder_add_object(b, &(rg_object_desc){.id = 5, .type = "tuple", .size = 40, .refcount = 999999999});
    rg_builder_add_object(b, &(rg_object_desc){.id = 6, .type = "list", .size = 56, .refcount = 1});
    for (uint64_t i = 0; i < 3; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = 10 + i, .type = "app.Leaky", .size = 56, .refcount = 1});
        rg_builder_add_ref(b, 20 + i, RG_EDGE_ATTR, "data", 0);
        rg_builder_add_ref(b, 4, RG_EDGE_TYPE, NULL, 0);
        rg_builder_add_object(b, &(rg_object_desc){.id = 20 + i, .type = "list", .size = 1000, .refcount = 1});
    }
    rg_builder_add_object(b, &(rg_object_desc){.id = 30, .type = "app.Node", .size = 48, .refcount = 1});
    rg_builder_add_ref(b, 31, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 31, .type = "app.Node", .size = 48, .refcount = 1});
    rg_builder_add_ref(b, 30, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 32, .type = "app.Node", .size = 48, .refcount = 2});
    rg_builder_add_ref(b, 33, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 33, .type = "app.Node", .size = 48, .refcount = 1});
    rg_builder_add_ref(b, 32, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_snapshot *s = NULL;
    rg_builder_finish(b, &s);
    return s;
}

static rg_node node(const rg_snapshot *s, uint64_t id)
{
    rg_node n = RG_NODE_NONE;
    rg_node_find(s, id, &n);
    return n;
}

static void test_flags_and_groups(void)
{
    rg_snapshot *s = fixture();
    CHECK(s != NULL);
    if (!s)
        return;
    rg_dominators *d;
    rg_outside *o;
    CHECK(rg_dominators_compute(s, &d) == RG_OK);
    CHECK(rg_outside_compute(s, d, NULL, &o) == RG_OK);
    CHECK_EQ_U64(rg_outside_excess(s, node(s, 2)), 1);
    CHECK_EQ_U64(rg_outside_excess(s, node(s, 3)), 3);
    CHECK_EQ_U64(rg_outside_excess(s, node(s, 6)), 0); /* the global edge is not a reference */
    CHECK_EQ_U64(rg_outside_excess(s, node(s, 10)), 1);
    CHECK(!rg_outside_flagged(o, node(s, 2)));
    CHECK(rg_outside_flagged(o, node(s, 3)));
    CHECK(!rg_outside_flagged(o, node(s, 4)));
    CHECK(!rg_outside_flagged(o, node(s, 5)));
    CHECK(!rg_outside_flagged(o, node(s, 6)));
    for (uint64_t i = 0; i < 3; i++) {
        CHECK(rg_outside_flagged(o, node(s, 10 + i)));
        CHECK(!rg_outside_flagged(o, node(s, 20 + i)));
    }
    CHECK(!rg_outside_flagged(o, node(s, 30)));
    CHECK(!rg_outside_flagged(o, node(s, 31)));
    CHECK(rg_outside_flagged(o, node(s, 32)));
    CHECK(!rg_outside_flagged(o, node(s, 33)));

    /* Groups: unreachable first (Leaky keeps 3 x 1056, the Node pair 96), then Box. */
    CHECK_EQ_U64(rg_outside_group_count(o), 3);
    rg_outside_group g;
    rg_outside_group_get(o, 0, &g);
    CHECK_STR(g.type_name, "app.Leaky");
    CHECK_EQ_U64(g.objects, 3);
    CHECK_EQ_U64(g.unreachable, 3);
    CHECK_EQ_U64(g.excess, 3);
    CHECK_EQ_U64(g.shallow_bytes, 3 * 56);
    CHECK_EQ_U64(g.retained_bytes, 3 * (56 + 1000));
    CHECK_EQ_U64(g.representative_excess, 1);
    rg_outside_group_get(o, 1, &g);
    CHECK_STR(g.type_name, "app.Node");
    CHECK_EQ_U64(g.objects, 1);
    CHECK_EQ_U64(g.retained_bytes, 96);
    rg_outside_group_get(o, 2, &g);
    CHECK_STR(g.type_name, "app.Box");
    CHECK_EQ_U64(g.unreachable, 0);
    CHECK_EQ_U64(g.excess, 3);
    CHECK_EQ_U64(g.retained_bytes, 0);
    rg_outside_group_get(o, 3, &g);
    CHECK_EQ_U64(g.objects, 0);
    rg_outside_free(o);

    /* Runtime types on request; a wider margin hides the Box. */
    rg_outside_options opt;
    rg_outside_options_init(&opt);
    CHECK_EQ_U64(opt.margin, RG_OUTSIDE_DEFAULT_MARGIN);
    opt.include_runtime_types = 1;
    opt.margin = 3;
    CHECK(rg_outside_compute(s, NULL, &opt, &o) == RG_OK);
    CHECK(rg_outside_flagged(o, node(s, 4)));
    CHECK(!rg_outside_flagged(o, node(s, 3)));
    CHECK(!rg_outside_flagged(o, node(s, 5)));
    CHECK(rg_outside_flagged(o, node(s, 10)));
    rg_outside_free(o);

    /* The cycle held from outside is not garbage; the other one is. */
    rg_cycles *c;
    CHECK(rg_cycles_compute(s, d, &c) == RG_OK);
    rg_cycles_summary sum;
    rg_cycles_summary_get(c, &sum);
    CHECK_EQ_U64(sum.components, 1);
    CHECK_EQ_U64(sum.held_components, 1);
    CHECK_EQ_U64(sum.held_objects, 2);
    CHECK(rg_cycles_shape_of(c, node(s, 30)) != UINT32_MAX);
    CHECK(rg_cycles_shape_of(c, node(s, 32)) == UINT32_MAX);
    rg_cycles_free(c);
    rg_outside_free(NULL);
    rg_dominators_free(d);
    rg_snapshot_free(s);
}

/* Without refcounts nothing can be said. */
static void test_no_refcounts(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "app.Leaky", .size = 56, .refcount = -1});
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_outside *o;
    CHECK(rg_outside_compute(s, NULL, NULL, &o) == RG_OK);
    CHECK_EQ_U64(rg_outside_group_count(o), 0);
    CHECK_EQ_U64(rg_outside_excess(s, 0), 0);
    rg_outside_free(o);
    rg_snapshot_free(s);
}

int main(void)
{
    RUN(test_flags_and_groups);
    RUN(test_no_refcounts);
    TEST_MAIN_END();
}
