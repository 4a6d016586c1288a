/* test_groups.c: retention groups: signatures, label normalisation, sizes,
 * stability across snapshots, readable paths. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>

/* The seed in miniature plus a big and a small dict. `base` shifts every id
 * and `reverse` adds the queue items in the opposite order, so a second copy
 * has other ids and another file order but the same shapes. */
/* A group's signature, in a buffer that lives as long as the enclosing block. */
static const char *sig_of(const rg_groups *g, rg_group grp, char *buf)
{
    rg_groups_signature(g, grp, buf, 64);
    return buf;
}
#define SIG(g, grp) sig_of((g), (grp), (char[64]){0})

static rg_snapshot *fixture(uint64_t base, int reverse)
{
    rg_builder *b;
    rg_builder_new(&b);
    uint64_t mod = base + 1, q = base + 2, dq = base + 3, cache = base + 4, small = base + 5;
    uint64_t tup0 = base + 100, job0 = base + 200, pay0 = base + 300, rec0 = base + 400;
    rg_builder_add_object(b, &(rg_object_desc){.id = mod, .type = "module", .size = 72, .name = "app"});
    rg_builder_add_ref(b, q, RG_EDGE_GLOBAL, "jobs", 0);
    rg_builder_add_ref(b, cache, RG_EDGE_GLOBAL, "cache", 0);
    rg_builder_add_ref(b, small, RG_EDGE_GLOBAL, "config", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = q, .type = "queue.Queue", .size = 48});
    rg_builder_add_ref(b, dq, RG_EDGE_ATTR, "queue", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = dq, .type = "collections.deque", .size = 600,
                                               .length = 5, .has_length = 1});
    for (int i = 0; i < 5; i++) {
        int k = reverse ? 4 - i : i;
        rg_builder_add_ref(b, tup0 + (uint64_t)k, RG_EDGE_INDEX, NULL, k);
    }
    for (int i = 0; i < 5; i++) {
        int k = reverse ? 4 - i : i;
        rg_builder_add_object(b, &(rg_object_desc){.id = tup0 + (uint64_t)k, .type = "tuple", .size = 64,
                                                   .length = 3, .has_length = 1});
        rg_builder_add_ref(b, job0 + (uint64_t)k, RG_EDGE_INDEX, NULL, 2);
        rg_builder_add_object(b, &(rg_object_desc){.id = job0 + (uint64_t)k, .type = "app.Job", .size = 56});
        rg_builder_add_ref(b, pay0 + (uint64_t)k, RG_EDGE_ATTR, "payload", 0);
        rg_builder_add_object(b, &(rg_object_desc){.id = pay0 + (uint64_t)k, .type = "bytes", .size = 1000});
    }
    rg_builder_add_object(b, &(rg_object_desc){.id = cache, .type = "dict", .size = 1200, .length = 10,
                                               .has_length = 1});
    for (int i = 0; i < 10; i++) {
        char key[32];
        if (i % 2)
            snprintf(key, sizeof key, "'user:%d'", i + 1);
        else
            snprintf(key, sizeof key, "'%c%c'", 'a' + i, 'a' + i);
        rg_builder_add_ref(b, rec0 + (uint64_t)i, RG_EDGE_DICT_VALUE, key, 0);
    }
    for (int i = 0; i < 10; i++)
        rg_builder_add_object(b, &(rg_object_desc){.id = rec0 + (uint64_t)i, .type = "app.Rec", .size = 40});
    rg_builder_add_object(b, &(rg_object_desc){.id = small, .type = "dict", .size = 232, .length = 3,
                                               .has_length = 1});
    rg_builder_add_ref(b, base + 500, RG_EDGE_DICT_VALUE, "'alpha'", 0);
    rg_builder_add_ref(b, base + 501, RG_EDGE_DICT_VALUE, "'node:17'", 0);
    rg_builder_add_ref(b, base + 502, RG_EDGE_DICT_VALUE, "<app.Key object at 0x7f3a9c0>", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = base + 500, .type = "int", .size = 28});
    rg_builder_add_object(b, &(rg_object_desc){.id = base + 501, .type = "int", .size = 28});
    rg_builder_add_object(b, &(rg_object_desc){.id = base + 502, .type = "int", .size = 28});
    /* not reachable: no group */
    rg_builder_add_object(b, &(rg_object_desc){.id = base + 900, .type = "app.Orphan", .size = 10});
    rg_builder_add_root(b, mod, RG_ROOT_MODULE, "app");
    rg_snapshot *s = NULL;
    rg_builder_finish(b, &s);
    return s;
}

typedef struct analysis {
    rg_snapshot *s;
    rg_paths *p;
    rg_dominators *d;
    rg_groups *g;
} analysis;

static int analyse(analysis *a, uint64_t base, int reverse)
{
    memset(a, 0, sizeof *a);
    a->s = fixture(base, reverse);
    if (!a->s || rg_paths_compute(a->s, NULL, &a->p) != RG_OK || rg_dominators_compute(a->s, &a->d) != RG_OK ||
        rg_groups_compute(a->s, a->p, a->d, &a->g) != RG_OK) {
        fprintf(stderr, "analysis failed: %s\n", rg_last_error());
        return -1;
    }
    return 0;
}

static void release(analysis *a)
{
    rg_groups_free(a->g);
    rg_dominators_free(a->d);
    rg_paths_free(a->p);
    rg_snapshot_free(a->s);
}

static rg_group group_of_id(const analysis *a, uint64_t id)
{
    rg_node n;
    if (rg_node_find(a->s, id, &n) != RG_OK)
        return RG_GROUP_NONE;
    return rg_groups_of(a->g, n);
}

static void items_on_the_same_chain_shape_share_a_group_with_its_retained_bytes(void)
{
    analysis a;
    if (analyse(&a, 0, 0) != 0) {
        CHECK(0);
        return;
    }
    rg_group tuples = group_of_id(&a, 100), jobs = group_of_id(&a, 200);
    for (uint64_t i = 1; i < 5; i++) {
        CHECK_EQ_U64(group_of_id(&a, 100 + i), tuples);
        CHECK_EQ_U64(group_of_id(&a, 200 + i), jobs);
    }
    CHECK(tuples != jobs);
    CHECK_EQ_U64(group_of_id(&a, 900), RG_GROUP_NONE);
    rg_group_info gi = {.struct_size = sizeof gi};
    rg_groups_get(a.g, jobs, &gi);
    CHECK_EQ_U64(gi.count, 5);
    CHECK_EQ_U64(gi.shallow_bytes, 5 * 56);
    CHECK_EQ_U64(gi.retained_bytes, 5 * (56 + 1000));
    CHECK_EQ_U64(gi.depth, 4);
    CHECK_STR(gi.label, "[2]");
    CHECK_STR(gi.type_name, "app.Job");
    CHECK_STR(gi.root_label, "app");
    CHECK_EQ_U64(gi.root_kind, RG_ROOT_MODULE);
    CHECK_EQ_U64(gi.parent, tuples);
    CHECK_EQ_U64(rg_node_id(a.s, gi.representative), 200);
    CHECK(strncmp(SIG(a.g, jobs), "g1:", 3) == 0 && strlen(SIG(a.g, jobs)) == 35);
    char *path = NULL;
    CHECK(rg_groups_path(a.g, jobs, &path) == RG_OK);
    CHECK_STR(path, "module app \xe2\x86\x92 .jobs queue.Queue \xe2\x86\x92 .queue collections.deque "
                    "\xe2\x86\x92 [i] tuple \xe2\x86\x92 [2] app.Job");
    rg_free(path);
    rg_groups_get(a.g, tuples, &gi);
    CHECK_STR(gi.label, "[i]");
    CHECK_EQ_U64(gi.retained_bytes, 5 * (64 + 56 + 1000));

    rg_node *m;
    uint64_t k;
    CHECK(rg_groups_members(a.g, jobs, &m, &k) == RG_OK);
    CHECK_EQ_U64(k, 5);
    for (uint64_t i = 1; i < k; i++)
        CHECK(m[i - 1] < m[i]);
    rg_free(m);

    rg_group found;
    rg_group_info ji = {.struct_size = sizeof ji};
    rg_groups_get(a.g, jobs, &ji);
    CHECK(rg_groups_find(a.g, SIG(a.g, jobs), &found) == RG_OK);
    CHECK_EQ_U64(found, jobs);
    CHECK(rg_groups_find(a.g, "g1:nope", &found) == RG_ENOTFOUND);

    /* ranked: retained descending; the module's root group first */
    rg_group *r;
    uint32_t n;
    CHECK(rg_groups_ranked(a.g, &r, &n) == RG_OK);
    CHECK_EQ_U64(n, rg_groups_count(a.g));
    for (uint32_t i = 1; i < n; i++) {
        rg_group_info x = {.struct_size = sizeof x}, y = {.struct_size = sizeof y};
        rg_groups_get(a.g, r[i - 1], &x);
        rg_groups_get(a.g, r[i], &y);
        CHECK(x.retained_bytes >= y.retained_bytes);
    }
    rg_groups_get(a.g, r[0], &gi);
    CHECK_EQ_U64(gi.depth, 0);
    rg_free(r);
    release(&a);
}

static void keys_of_large_dicts_group_by_key_type_and_digits_become_hash(void)
{
    analysis a;
    if (analyse(&a, 0, 0) != 0) {
        CHECK(0);
        return;
    }
    /* a dict of 10: every key is data, grouped by key type */
    rg_group recs = group_of_id(&a, 400);
    for (uint64_t i = 1; i < 10; i++)
        CHECK_EQ_U64(group_of_id(&a, 400 + i), recs);
    rg_group_info gi = {.struct_size = sizeof gi};
    rg_groups_get(a.g, recs, &gi);
    CHECK_STR(gi.label, "[str]");
    CHECK_EQ_U64(gi.count, 10);
    /* a dict of 3: names stay, digits and addresses do not */
    rg_groups_get(a.g, group_of_id(&a, 500), &gi);
    CHECK_STR(gi.label, "['alpha']");
    rg_groups_get(a.g, group_of_id(&a, 501), &gi);
    CHECK_STR(gi.label, "['node:#']");
    rg_groups_get(a.g, group_of_id(&a, 502), &gi);
    CHECK_STR(gi.label, "[<app.Key object at #>]");
    release(&a);
}

static void group_signatures_match_across_snapshots_of_the_same_shape(void)
{
    analysis a, b;
    if (analyse(&a, 0, 0) != 0 || analyse(&b, 10000, 1) != 0) {
        CHECK(0);
        return;
    }
    CHECK_EQ_U64(rg_groups_count(a.g), rg_groups_count(b.g));
    rg_group_info x = {.struct_size = sizeof x}, y = {.struct_size = sizeof y};
    rg_groups_get(a.g, group_of_id(&a, 200), &x);
    rg_groups_get(b.g, group_of_id(&b, 10200), &y);
    CHECK_STR(SIG(a.g, group_of_id(&a, 200)), SIG(b.g, group_of_id(&b, 10200)));
    CHECK_EQ_U64(x.count, y.count);
    /* every signature of one has a match in the other */
    for (rg_group i = 0; i < rg_groups_count(a.g); i++) {
        rg_group j;
        rg_groups_get(a.g, i, &x);
        CHECK(rg_groups_find(b.g, SIG(a.g, i), &j) == RG_OK);
        rg_groups_get(b.g, j, &y);
        CHECK_EQ_U64(x.count, y.count);
        CHECK_EQ_U64(x.retained_bytes, y.retained_bytes);
    }
    /* different shapes differ */
    rg_groups_get(a.g, group_of_id(&a, 100), &y);
    rg_groups_get(a.g, group_of_id(&a, 200), &x);
    CHECK(strcmp(SIG(a.g, group_of_id(&a, 200)), SIG(a.g, group_of_id(&a, 100))) != 0);
    release(&a);
    release(&b);
}

/* A 40-deep chain whose every hop is different: the path keeps 8 hops,
 * elides 20, keeps 12; thread root labels lose their digits. */
static void long_group_path_keeps_first_8_and_last_12_hops(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    for (uint64_t i = 1; i <= 41; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = i, .type = i == 1 ? "frame" : i % 2 ? "app.Leaf" : "app.Node",
                                                   .size = 8});
        char label[16];
        snprintf(label, sizeof label, "f%llu", (unsigned long long)i);
        if (i < 41)
            rg_builder_add_ref(b, i + 1, i == 1 ? RG_EDGE_LOCAL : RG_EDGE_SLOT, i == 1 ? "head" : label, 0);
    }
    rg_builder_add_root(b, 1, RG_ROOT_THREAD, "Thread-17: worker()");
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_paths *p;
    rg_groups *g;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK(rg_groups_compute(s, p, NULL, &g) == RG_OK);
    CHECK_EQ_U64(rg_groups_count(g), 41);
    rg_group last = rg_groups_of(g, 40);
    rg_group_info gi = {.struct_size = sizeof gi};
    rg_groups_get(g, last, &gi);
    CHECK_EQ_U64(gi.retained_bytes, 0);
    CHECK_STR(gi.root_label, "Thread-#: worker()");
    char *path;
    CHECK(rg_groups_path(g, last, &path) == RG_OK);
    CHECK(strncmp(path, "thread Thread-#: worker() frame \xe2\x86\x92 frame local 'head' app.Node", 60) == 0);
    CHECK_CONTAINS(path, "\xe2\x80\xa6 20 hops \xe2\x80\xa6");
    rg_free(path);
    rg_groups_free(g);
    rg_groups_free(NULL);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* A chain whose hops alternate (.next Node, .next Leaf, .next Node...) is
 * recursion with a period of two: after the first full period every member
 * joins the group where the period began, and retained bytes count once. */
static void chain_alternating_two_hops_joins_the_group_where_the_period_began(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    for (uint64_t i = 1; i <= 41; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = i, .type = i == 1 ? "frame" : i % 2 ? "app.Leaf" : "app.Node",
                                                   .size = 8});
        if (i < 41)
            rg_builder_add_ref(b, i + 1, i == 1 ? RG_EDGE_LOCAL : RG_EDGE_SLOT, i == 1 ? "head" : "next", 0);
    }
    rg_builder_add_root(b, 1, RG_ROOT_THREAD, "Thread-17: worker()");
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_paths *p;
    rg_dominators *d;
    rg_groups *g;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    CHECK(rg_dominators_compute(s, &d) == RG_OK);
    CHECK(rg_groups_compute(s, p, d, &g) == RG_OK);
    /* frame; Node 2 by 'head'; Leaf 3; then Node 4 and Leaf 5 begin the
     * period that repeats: 5 groups, whatever the length */
    CHECK_EQ_U64(rg_groups_count(g), 5);
    rg_group_info gi = {.struct_size = sizeof gi};
    rg_groups_get(g, rg_groups_of(g, 40), &gi); /* id 41, a Leaf */
    CHECK(gi.repeat > 0);
    CHECK_EQ_U64(gi.count, 19);
    /* Leaf 5 retains ids 5..41; the other Leaves are inside it: counted once */
    CHECK_EQ_U64(gi.retained_bytes, 8 * 37);
    rg_groups_free(g);
    rg_dominators_free(d);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

/* A linked list is one recursive group, whatever its length, and its
 * retained size counts each node once. */
static rg_snapshot *linked_list(uint64_t n)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 100});
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "head", 0);
    for (uint64_t i = 0; i < n; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = 2 + i, .type = "app.Link", .size = 10});
        if (i + 1 < n)
            rg_builder_add_ref(b, 3 + i, RG_EDGE_SLOT, "next", 0);
        rg_builder_add_ref(b, 1000000 + i, RG_EDGE_SLOT, "value", 0);
        rg_builder_add_object(b, &(rg_object_desc){.id = 1000000 + i, .type = "bytes", .size = 1000});
    }
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_snapshot *s = NULL;
    rg_builder_finish(b, &s);
    return s;
}

static void linked_list_of_any_length_is_one_recursive_group(void)
{
    rg_snapshot *s1 = linked_list(50), *s2 = linked_list(500);
    REQUIRE(s1 && s2);
    rg_paths *p1, *p2;
    rg_dominators *d1;
    rg_groups *g1, *g2;
    CHECK(rg_paths_compute(s1, NULL, &p1) == RG_OK);
    CHECK(rg_paths_compute(s2, NULL, &p2) == RG_OK);
    CHECK(rg_dominators_compute(s1, &d1) == RG_OK);
    CHECK(rg_groups_compute(s1, p1, d1, &g1) == RG_OK);
    CHECK(rg_groups_compute(s2, p2, NULL, &g2) == RG_OK);
    /* module, the head, the rest of the list, the head's value, the values */
    CHECK_EQ_U64(rg_groups_count(g1), 5);
    CHECK_EQ_U64(rg_groups_count(g2), 5);
    rg_node second, second2;
    CHECK(rg_node_find(s1, 3, &second) == RG_OK);
    CHECK(rg_node_find(s2, 3, &second2) == RG_OK);
    rg_group_info a = {.struct_size = sizeof a}, b = {.struct_size = sizeof b};
    rg_groups_get(g1, rg_groups_of(g1, second), &a);
    rg_groups_get(g2, rg_groups_of(g2, second2), &b);
    CHECK_EQ_U64(a.count, 49);
    CHECK_EQ_U64(b.count, 499);
    CHECK_EQ_U64(a.repeat, 49);
    CHECK_STR(SIG(g1, rg_groups_of(g1, second)), SIG(g2, rg_groups_of(g2, second2)));
    CHECK_EQ_U64(a.retained_bytes, 49 * 1010);
    rg_node last;
    CHECK(rg_node_find(s1, 51, &last) == RG_OK);
    CHECK_EQ_U64(rg_groups_of(g1, last), rg_groups_of(g1, second));
    char *path;
    CHECK(rg_groups_path(g1, rg_groups_of(g1, second), &path) == RG_OK);
    CHECK_STR(path, "module app \xe2\x86\x92 .head app.Link \xe2\x86\x92 .next app.Link (repeated, up to 49 deep)");
    rg_free(path);
    /* the values along the list are one group too */
    rg_node v0, v9;
    rg_node_find(s1, 1000001, &v0);
    rg_node_find(s1, 1000009, &v9);
    CHECK_EQ_U64(rg_groups_of(g1, v0), rg_groups_of(g1, v9));
    rg_groups_get(g1, rg_groups_of(g1, v0), &a);
    CHECK_EQ_U64(a.count, 49);
    CHECK_EQ_U64(a.repeat, 0);
    rg_groups_free(g1);
    rg_groups_free(g2);
    rg_dominators_free(d1);
    rg_paths_free(p1);
    rg_paths_free(p2);
    rg_snapshot_free(s1);
    rg_snapshot_free(s2);
}

/* Ranking across causes, a single big object, growth first. The heap:
 * module app -> .jobs list of 20 app.Job (100 B each, 2 kB)
 *            -> .blob bytearray (5 kB: one object, 40 % of the heap)
 * an unreachable cycle of two app.Node holding 3 kB. */
static void suspects_rank_across_causes_with_growth_first(void)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 100});
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "jobs", 0);
    rg_builder_add_ref(b, 3, RG_EDGE_GLOBAL, "blob", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "list", .size = 200});
    for (int i = 0; i < 20; i++)
        rg_builder_add_ref(b, 100 + (uint64_t)i, RG_EDGE_INDEX, NULL, i);
    for (int i = 0; i < 20; i++)
        rg_builder_add_object(b, &(rg_object_desc){.id = 100 + (uint64_t)i, .type = "app.Job", .size = 100});
    rg_builder_add_object(b, &(rg_object_desc){.id = 3, .type = "bytearray", .size = 5000});
    rg_builder_add_object(b, &(rg_object_desc){.id = 50, .type = "app.Node", .size = 50, .refcount = 1});
    rg_builder_add_ref(b, 51, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_ref(b, 52, RG_EDGE_ATTR, "data", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 51, .type = "app.Node", .size = 50, .refcount = 1});
    rg_builder_add_ref(b, 50, RG_EDGE_ATTR, "peer", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 52, .type = "bytes", .size = 2900, .refcount = 1});
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    rg_suspects *S;
    CHECK(rg_suspects_compute_all(s, NULL, &S) == RG_OK);
    /* blob 5000 > cycle 3000 > jobs 2000 */
    CHECK_EQ_U64(rg_suspects_count(S), 3);
    const rg_suspect *a = rg_suspects_get(S, 0), *c = rg_suspects_get(S, 1), *j = rg_suspects_get(S, 2);
    CHECK(a && c && j);
    if (!a || !c || !j)
        return;
    /* The cycle is waste: significant from 1 %; the blob and jobs are not
     * (under 1 MB), so the cycle ranks first. */
    CHECK_EQ_U64(a->cause, RG_CAUSE_CYCLE);
    CHECK(a->significant);
    CHECK_EQ_U64(a->retained_bytes, 3000);
    CHECK_EQ_U64(c->cause, RG_CAUSE_RETAINED);
    CHECK_EQ_U64(c->count, 1);
    CHECK_EQ_U64(c->retained_bytes, 5000);
    CHECK_STR(rg_node_type_name(s, c->representative), "bytearray");
    CHECK_EQ_U64(j->count, 20);
    CHECK_EQ_U64(j->retained_bytes, 2000);
    CHECK_EQ_U64(rg_node_id(s, j->accumulation), 2);
    CHECK_STR(rg_cause_name(j->cause), "retained");
    CHECK(rg_suspects_paths(S) && rg_suspects_dominators(S) && rg_suspects_groups(S) &&
          rg_suspects_cycles(S) && rg_suspects_outside(S));
    CHECK(rg_suspects_get(S, 3) == NULL);

    /* Growth: the jobs grew at every step by 15 objects and 150 kB, so they
     * come first whatever their size. */
    rg_group_growth gr[2] = {{sizeof(rg_group_growth), j->signature, 15, 150000, 2, 2, 0, 0},
                             {sizeof(rg_group_growth), "g1:unknown", 1, 1, 2, 1, 0, 0}};
    rg_suspect_options o;
    rg_suspect_options_init(&o, RG_SUSPECT_OPTIONS_VERSION);
    CHECK_EQ_U64(o.min_instances, 2);
    o.growth = gr;
    o.n_growth = 2;
    o.n_snapshots = 3;
    rg_suspects *S2;
    CHECK(rg_suspects_compute(s, rg_suspects_dominators(S), rg_suspects_groups(S), rg_suspects_cycles(S),
                              rg_suspects_outside(S), &o, &S2) == RG_OK);
    const rg_suspect *first = rg_suspects_get(S2, 0);
    CHECK(first && first->cause == RG_CAUSE_RETAINED && first->count == 20);
    CHECK(first && first->has_growth && first->growth_bytes == 150000 && first->growth_count == 15);
    /* Growth at every step above noise makes a possible leak, however small. */
    CHECK(first && first->level == RG_LEVEL_POSSIBLE_LEAK && first->reason == RG_REASON_GROWS_EVERY_STEP);
    CHECK(!rg_suspects_get(S2, 1)->has_growth);
    rg_suspects_free(S2);

    /* A rise under 100 objects and 64 KiB is noise (a running frame's
     * locals, a bounded queue's backlog): it decides nothing, and a group
     * of no consequence stays "no leak" however regular the rise. */
    gr[0].bytes_delta = 1500;
    CHECK(rg_suspects_compute(s, rg_suspects_dominators(S), rg_suspects_groups(S), rg_suspects_cycles(S),
                              rg_suspects_outside(S), &o, &S2) == RG_OK);
    for (size_t i = 0; i < rg_suspects_count(S2); i++) {
        const rg_suspect *sp = rg_suspects_get(S2, i);
        if (sp->has_growth) {
            CHECK(sp->count == 20 && sp->growth_bytes == 1500);
            CHECK(sp->level == RG_LEVEL_NO_LEAK && sp->reason != RG_REASON_GROWS_EVERY_STEP);
        }
    }
    rg_suspects_free(S2);

    /* min_instances above the group's size leaves only the blob and the cycle */
    o.growth = NULL;
    o.n_growth = 0;
    o.min_instances = 21;
    CHECK(rg_suspects_compute(s, rg_suspects_dominators(S), rg_suspects_groups(S), NULL, NULL, &o, &S2) == RG_OK);
    CHECK_EQ_U64(rg_suspects_count(S2), 1);
    CHECK_EQ_U64(rg_suspects_get(S2, 0)->count, 1);
    CHECK(rg_suspects_cycles(S2) == NULL);
    rg_suspects_free(S2);
    rg_suspects_free(S);
    rg_suspects_free(NULL);
    rg_snapshot_free(s);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(items_on_the_same_chain_shape_share_a_group_with_its_retained_bytes);
    RUN(keys_of_large_dicts_group_by_key_type_and_digits_become_hash);
    RUN(group_signatures_match_across_snapshots_of_the_same_shape);
    RUN(long_group_path_keeps_first_8_and_last_12_hops);
    RUN(chain_alternating_two_hops_joins_the_group_where_the_period_began);
    RUN(linked_list_of_any_length_is_one_recursive_group);
    RUN(suspects_rank_across_causes_with_growth_first);
    TEST_MAIN_END();
}
