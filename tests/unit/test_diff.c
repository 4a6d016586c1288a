/* test_diff.c: growth across snapshots on graphs built in code: summaries,
 * ordering and warnings, monotonic flags and rates, id set algebra with
 * reused addresses, retention-group growth and the verdict, the CI gate, and
 * the objgraph log parser. */
#include "harness.h"
#include "refgraph.h"

#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------ fixtures */

typedef struct obj {
    uint64_t id;
    const char *type;
    uint64_t size;
} obj;

typedef struct snap_spec {
    int64_t pid;
    double time;
    int64_t seq;
} snap_spec;

/* rg_diff_gate into r, first freeing the message of r's previous result. */
static int gate(const rg_diff *d, const char *spec, rg_gate_result *r)
{
    rg_free(r->message);
    r->message = NULL;
    return rg_diff_gate(d, spec, r);
}

static rg_builder *begin(snap_spec h)
{
    rg_builder *b = NULL;
    rg_builder_new(&b);
    rg_header_desc hd = {.format = "refgraph-snapshot", .format_version = 1, .producer = "test",
                         .pid = h.pid, .time = h.time, .seq = h.seq};
    rg_builder_set_header(b, &hd);
    return b;
}

static void add(rg_builder *b, uint64_t id, const char *type, uint64_t size)
{
    rg_object_desc d = {.id = id, .type = type, .size = size, .refcount = -1};
    CHECK(rg_builder_add_object(b, &d) == RG_OK);
}

/* `n` objects of `type` from id `first` on, 16 bytes apart like addresses. */
static void add_many(rg_builder *b, uint64_t first, uint64_t n, const char *type, uint64_t size)
{
    for (uint64_t i = 0; i < n; i++)
        add(b, first + 16 * i, type, size);
}

static rg_summary *finish(rg_builder *b, int groups)
{
    rg_snapshot *s = NULL;
    if (rg_builder_finish(b, &s) != RG_OK) {
        fprintf(stderr, "finish: %s\n", rg_last_error());
        return NULL;
    }
    rg_summary_options o = {.version = RG_SUMMARY_OPTIONS_VERSION, .no_groups = !groups};
    rg_summary *sum = NULL;
    if (rg_summary_compute(s, &o, &sum) != RG_OK)
        fprintf(stderr, "summary: %s\n", rg_last_error());
    rg_snapshot_free(s);
    return sum;
}

static rg_summary *from_objs(snap_spec h, const obj *objs, size_t n)
{
    rg_builder *b = begin(h);
    for (size_t i = 0; i < n; i++)
        add(b, objs[i].id, objs[i].type, objs[i].size);
    return finish(b, 0);
}

/* Three counts per type: a series where type A grows 10 -> 200 -> 400, B goes
 * up and down, C creeps up by too little to matter, D shrinks. */
static rg_summary *series_point(int k, double time, int64_t pid)
{
    static const uint64_t a[] = {10, 200, 400}, bb[] = {10, 500, 400}, c[] = {1000, 1010, 1020},
                          d[] = {300, 200, 100};
    rg_builder *b = begin((snap_spec){pid, time, k});
    add_many(b, 0x100000, a[k], "app.A", 100);
    add_many(b, 0x200000, bb[k], "app.B", 50);
    add_many(b, 0x300000, c[k], "C", 10);
    add_many(b, 0x400000, d[k], "D", 8);
    return finish(b, 0);
}

static const rg_growth *find_growth(const rg_diff *d, const char *name)
{
    for (uint32_t i = 0; i < rg_diff_type_count(d); i++)
        if (strcmp(rg_diff_type_get(d, i)->name, name) == 0)
            return rg_diff_type_get(d, i);
    return NULL;
}

static int has_warning(const rg_diff *d, const char *needle)
{
    for (uint32_t i = 0; i < rg_diff_warning_count(d); i++)
        if (strstr(rg_diff_warning_get(d, i), needle))
            return 1;
    return 0;
}

/* -------------------------------------------------------------- tests */

static void summary_counts_types_bytes_and_header_of_one_snapshot(void)
{
    obj objs[] = {{0x30, "tuple", 64}, {0x10, "dict", 232}, {0x20, "tuple", 48}, {0x40, "app.Job", 56}};
    rg_summary *s = from_objs((snap_spec){4242, 1700000000.5, 3}, objs, 4);
    REQUIRE(s != NULL);
    const rg_summary_info *i = rg_summary_info_get(s);
    CHECK_EQ_U64(i->objects, 4);
    CHECK_EQ_U64(i->total_bytes, 64 + 232 + 48 + 56);
    CHECK_EQ_U64(i->types, 3);
    CHECK_EQ_U64(i->pid, 4242);
    CHECK_EQ_U64(i->seq, 3);
    CHECK(i->time == 1700000000.5);
    CHECK(i->flags & RG_SUMMARY_HAS_IDS);
    CHECK(i->flags & RG_SUMMARY_HAS_BYTES);
    CHECK(!(i->flags & RG_SUMMARY_HAS_GROUPS));
    CHECK(!(i->flags & RG_SUMMARY_PARTIAL));
    CHECK(i->memory_bytes >= 4 * 24);
    rg_type_stat t = {.struct_size = sizeof t};
    rg_summary_type_get(s, 0, &t); /* sorted by name */
    CHECK_STR(t.name, "app.Job");
    rg_summary_type_get(s, 2, &t);
    CHECK_STR(t.name, "tuple");
    CHECK_EQ_U64(t.count, 2);
    CHECK_EQ_U64(t.bytes, 112);
    rg_summary_free(s);
    rg_summary_free(NULL);
}

static void diff_of_one_snapshot_is_an_error_asking_for_two(void)
{
    obj objs[] = {{1, "x", 1}};
    rg_summary *s = from_objs((snap_spec){1, 100, 0}, objs, 1);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(&s, 1, NULL, &d) == RG_EINVAL);
    CHECK_CONTAINS(rg_last_error(), "at least two");
    CHECK(d == NULL);
    rg_summary_free(s);
    rg_diff_free(NULL);
}

static void growth_at_every_step_is_flagged_monotonic_with_rates_per_minute(void)
{
    rg_summary *s[3];
    for (int k = 0; k < 3; k++)
        s[k] = series_point(k, 1000 + 60.0 * k, 7);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (!d)
        return;
    CHECK_EQ_U64(rg_diff_warning_count(d), 0);
    CHECK(rg_diff_span_seconds(d) == 120);
    const rg_growth *a = find_growth(d, "app.A"), *b = find_growth(d, "app.B"),
                    *c = find_growth(d, "C"), *dd = find_growth(d, "D");
    CHECK(a && b && c && dd);
    if (!(a && b && c && dd))
        return;
    CHECK_EQ_U64(a->count[0], 10);
    CHECK_EQ_U64(a->count[2], 400);
    CHECK(a->count_delta == 390);
    CHECK(a->bytes_delta == 39000);
    CHECK(fabs(a->count_per_min - 195.0) < 1e-9);
    CHECK(fabs(a->bytes_per_min - 19500.0) < 1e-9);
    CHECK(a->flags & RG_GROWTH_MONOTONIC);
    CHECK(a->flags & RG_GROWTH_MONOTONIC_BYTES);
    CHECK(a->flags & RG_GROWTH_GROWING);
    CHECK_EQ_U64(a->steps_up, 2);
    /* Grew overall but not at every step: not a suspect. */
    CHECK(!(b->flags & RG_GROWTH_MONOTONIC));
    CHECK(b->flags & RG_GROWTH_SIGNIFICANT);
    CHECK(!(b->flags & RG_GROWTH_GROWING));
    /* Grew at every step by too little. */
    CHECK(c->flags & RG_GROWTH_MONOTONIC);
    CHECK(!(c->flags & RG_GROWTH_SIGNIFICANT));
    CHECK(!(c->flags & RG_GROWTH_GROWING));
    CHECK(dd->count_delta == -200);
    CHECK(dd->flags == 0);
    /* Order: suspects first, then by count growth; shrinking types last. */
    CHECK(rg_diff_type_get(d, 0) == a);
    CHECK(rg_diff_type_get(d, rg_diff_type_count(d) - 1) == dd);
    const rg_verdict *v = rg_diff_verdict(d);
    CHECK(v->kind == RG_VERDICT_TYPE);
    CHECK(v->growth == a);
    CHECK(v->confirmed);
    /* The judgement's rule, as rg_suspect.level/reason would say it. */
    CHECK(v->level == RG_LEVEL_LEAK && v->reason == RG_REASON_GROWS_EVERY_STEP);
    CHECK_CONTAINS(v->text, "app.A");
    CHECK_CONTAINS(v->text, "10 → 200 → 400");
    CHECK_CONTAINS(v->text, "+195/min");
    /* Stricter thresholds: A's 390 is not enough. */
    rg_diff_options o;
    rg_diff_options_init(&o, RG_DIFF_OPTIONS_VERSION);
    CHECK_EQ_U64(o.min_growth, 100);
    CHECK(o.min_ratio == 0.10 && o.min_group_ratio == 0.02);
    o.min_growth = 1000;
    rg_diff *d2 = NULL;
    CHECK(rg_diff_compute(s, 3, &o, &d2) == RG_OK);
    if (d2) {
        CHECK(rg_diff_verdict(d2)->kind == RG_VERDICT_NONE);
        CHECK(rg_diff_verdict(d2)->growth == NULL);
        CHECK_CONTAINS(rg_diff_verdict(d2)->text, "No leak suspected");
    }
    rg_diff_free(d2);
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

static void snapshots_given_out_of_order_are_sorted_by_time(void)
{
    rg_summary *s[3];
    s[0] = series_point(2, 3000, 7); /* given last-first-middle */
    s[1] = series_point(0, 1000, 7);
    s[2] = series_point(1, 2000, 7);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (!d)
        return;
    CHECK_EQ_U64(rg_diff_point_input_index(d, 0), 1);
    CHECK_EQ_U64(rg_diff_point_input_index(d, 1), 2);
    CHECK_EQ_U64(rg_diff_point_input_index(d, 2), 0);
    CHECK(rg_diff_point_get(d, 0) == s[1]);
    CHECK(has_warning(d, "not given in time order"));
    const rg_growth *a = find_growth(d, "app.A");
    CHECK(a && (a->flags & RG_GROWTH_GROWING));
    CHECK(rg_diff_span_seconds(d) == 2000);
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

static void different_pids_or_missing_timestamps_are_warnings(void)
{
    rg_summary *s[3];
    s[0] = series_point(0, 1000, 7);
    s[1] = series_point(1, 2000, 8);
    s[2] = series_point(2, 3000, 7);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (d) {
        CHECK(has_warning(d, "different processes (pid 7"));
        CHECK(has_warning(d, "pid 8"));
        CHECK(!rg_diff_has_lifetimes(d)); /* ids of two processes mean nothing to each other */
        CHECK(rg_diff_lifetime_total(d) == NULL);
    }
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);

    /* No timestamps: the order given stands, no rates. */
    s[0] = series_point(0, 0, 7);
    s[1] = series_point(1, 0, 7);
    s[2] = series_point(2, 0, 7);
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (d) {
        CHECK(has_warning(d, "no timestamp"));
        CHECK(rg_diff_span_seconds(d) == 0);
        const rg_growth *a = find_growth(d, "app.A");
        CHECK(a && isnan(a->count_per_min));
        CHECK(a && (a->flags & RG_GROWTH_GROWING));
        CHECK(rg_diff_has_lifetimes(d));
    }
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

static void growth_between_two_snapshots_is_significant_but_unconfirmed(void)
{
    rg_summary *s[2] = {series_point(0, 1000, 7), series_point(2, 1060, 7)};
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 2, NULL, &d) == RG_OK);
    if (d) {
        const rg_growth *a = find_growth(d, "app.A");
        CHECK(a && !(a->flags & RG_GROWTH_MONOTONIC) && (a->flags & RG_GROWTH_SIGNIFICANT));
        const rg_verdict *v = rg_diff_verdict(d);
        CHECK(v->kind == RG_VERDICT_TYPE);
        CHECK(!v->confirmed);
        CHECK(v->level == RG_LEVEL_POSSIBLE_LEAK && v->reason == RG_REASON_GREW);
        CHECK_CONTAINS(v->text, "third snapshot");
        /* Two points: no target distinct from final, so no leak set. */
        CHECK(rg_diff_has_lifetimes(d));
        CHECK_EQ_U64(rg_diff_lifetime_total(d)->leaked_count, 0);
    }
    rg_diff_free(d);
    rg_summary_free(s[0]);
    rg_summary_free(s[1]);
}

static const rg_lifetime *lifetime_of(const rg_diff *d, const char *type)
{
    for (uint32_t i = 0; i < rg_diff_lifetime_type_count(d); i++)
        if (strcmp(rg_diff_lifetime_type_get(d, i)->name, type) == 0)
            return rg_diff_lifetime_type_get(d, i);
    return NULL;
}

/* Addresses reused by another type, by the same type with another size, and
 * by the same type and size after a gap must not count as survivors. */
static void reused_addresses_do_not_count_as_survivors(void)
{
    obj b[] = {{1, "X", 10}, {2, "X", 10}, {3, "X", 10}, {4, "X", 10}, {5, "X", 10}, {8, "X", 10}};
    obj t[] = {{1, "X", 10}, {2, "X", 10}, {3, "Y", 10}, {4, "X", 20},
               {6, "X", 10}, {7, "X", 10}, {9, "X", 10}};
    obj f[] = {{1, "X", 10}, {2, "X", 10}, {3, "Y", 10}, {4, "X", 20},
               {6, "X", 10}, {7, "Y", 10}, {8, "X", 10}};
    rg_summary *s[3] = {from_objs((snap_spec){5, 100, 0}, b, 6), from_objs((snap_spec){5, 200, 1}, t, 7),
                        from_objs((snap_spec){5, 300, 2}, f, 7)};
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (!d)
        return;
    CHECK(rg_diff_has_lifetimes(d));
    const rg_lifetime *tot = rg_diff_lifetime_total(d);
    CHECK_EQ_U64(tot->surviving_count, 2);   /* ids 1, 2 */
    CHECK_EQ_U64(tot->surviving_bytes, 20);
    CHECK_EQ_U64(tot->new_count, 5);         /* 3, 4, 6, 7, 8 */
    CHECK_EQ_U64(tot->new_bytes, 60);
    CHECK_EQ_U64(tot->freed_count, 4);       /* 3, 4, 5, 8 of the baseline */
    CHECK_EQ_U64(tot->leaked_count, 3);      /* 3 (Y), 4 (X/20), 6; not 7 (became Y) nor 9 (gone) */
    CHECK_EQ_U64(tot->leaked_bytes, 40);
    CHECK_EQ_U64(rg_diff_reused_ids(d), 3);  /* 3, 4, 8 */
    const rg_lifetime *x = lifetime_of(d, "X"), *y = lifetime_of(d, "Y");
    CHECK(x && y);
    if (x && y) {
        CHECK_EQ_U64(x->leaked_count, 2);
        CHECK_EQ_U64(y->leaked_count, 1);
        CHECK_EQ_U64(x->surviving_count, 2);
        CHECK_EQ_U64(x->freed_count, 4);
        CHECK_EQ_U64(y->new_count, 2);
        CHECK_EQ_U64(x->new_count, 3);
    }
    CHECK(rg_diff_lifetime_type_get(d, 0) == x); /* most leaked first */
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

/* A queue whose items pile up: module app .jobs -> queue.Queue .queue ->
 * collections.deque [i] -> tuple [2] -> app.Job, plus a steady list that
 * churns (same size, new items). */
static rg_summary *queue_point(int k, uint64_t items, int64_t pid, double time)
{
    rg_builder *b = begin((snap_spec){pid, time, k});
    add(b, 1, "module", 100);
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "jobs", 0);
    rg_builder_add_ref(b, 3, RG_EDGE_GLOBAL, "steady", 0);
    add(b, 2, "queue.Queue", 56);
    rg_builder_add_ref(b, 4, RG_EDGE_ATTR, "queue", 0);
    rg_object_desc dq = {.id = 4, .type = "collections.deque", .size = 600 + 8 * items, .refcount = -1};
    rg_builder_add_object(b, &dq);
    for (uint64_t i = 0; i < items; i++)
        rg_builder_add_ref(b, 0x10000 + 16 * i, RG_EDGE_INDEX, NULL, (int64_t)i);
    /* The steady list holds 50 items, replaced by new ones at every point. */
    add(b, 3, "list", 456);
    for (uint64_t i = 0; i < 50; i++)
        rg_builder_add_ref(b, 0x900000 + 0x10000 * (uint64_t)k + 16 * i, RG_EDGE_INDEX, NULL, (int64_t)i);
    for (uint64_t i = 0; i < 50; i++)
        add(b, 0x900000 + 0x10000 * (uint64_t)k + 16 * i, "app.Event", 48);
    for (uint64_t i = 0; i < items; i++) {
        add(b, 0x10000 + 16 * i, "tuple", 64);
        rg_builder_add_ref(b, 0x400000 + 16 * i, RG_EDGE_INDEX, NULL, 2);
        add(b, 0x400000 + 16 * i, "app.Job", 56);
    }
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    return finish(b, 1);
}

static void group_growth_names_the_container_it_accumulates_in(void)
{
    static const uint64_t items[] = {200, 600, 1000};
    rg_summary *s[3];
    for (int k = 0; k < 3; k++)
        s[k] = queue_point(k, items[k], 9, 5000 + 30.0 * k);
    CHECK(s[0] && s[1] && s[2]);
    if (!(s[0] && s[1] && s[2]))
        return;
    CHECK(rg_summary_info_get(s[0])->flags & RG_SUMMARY_HAS_GROUPS);
    CHECK(rg_summary_info_get(s[0])->groups >= 5);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (!d)
        return;
    CHECK(rg_diff_group_count(d) >= 5);
    const rg_verdict *v = rg_diff_verdict(d);
    CHECK(v->kind == RG_VERDICT_GROUP);
    CHECK(v->confirmed);
    if (v->growth) {
        const rg_growth *g = v->growth;
        /* The items of the deque, not the Jobs below them: the tuples keep the
         * Jobs alive, so their group retains the most. */
        CHECK_CONTAINS(g->name, ".jobs");
        CHECK_CONTAINS(g->name, ".queue");
        CHECK_CONTAINS(g->member, "tuple");
        CHECK_CONTAINS(g->container, "collections.deque");
        CHECK_EQ_U64(g->count[0], 200);
        CHECK_EQ_U64(g->count[2], 1000);
        CHECK(g->flags & RG_GROWTH_GROWING);
        CHECK(fabs(g->count_per_min - 800.0) < 1e-9);
        CHECK_CONTAINS(v->text, ".jobs");
        CHECK_CONTAINS(v->text, "200 → 600 → 1,000");
    }
    /* The churning list's items are new every time but never accumulate. */
    for (uint32_t i = 0; i < rg_diff_group_count(d); i++) {
        const rg_growth *g = rg_diff_group_get(d, i);
        if (strstr(g->name, ".steady"))
            CHECK(!(g->flags & RG_GROWTH_GROWING));
    }
    /* Lifetimes by group: the tuples made between baseline and target are
     * still there at the end; the Events never are. */
    CHECK(rg_diff_has_lifetimes(d));
    const rg_lifetime *top = rg_diff_lifetime_group_get(d, 0);
    CHECK(top != NULL);
    if (top) {
        CHECK_EQ_U64(top->leaked_count, 400);
        CHECK(strstr(top->name, "tuple") || strstr(top->name, "Job"));
    }
    const rg_lifetime *ev = lifetime_of(d, "app.Event");
    CHECK(ev && ev->leaked_count == 0 && ev->new_count == 50 && ev->freed_count == 50);

    /* A gate on the group by a piece of its path. */
    rg_gate_result r = {.struct_size = sizeof r};
    CHECK(gate(d, "group:.queue:500", &r) == RG_OK);
    CHECK(r.tripped);
    CHECK(r.matched >= 1);
    CHECK_CONTAINS(r.message, "+800");
    CHECK(gate(d, "group:.steady", &r) == RG_OK);
    CHECK(!r.tripped);
    rg_free(r.message);
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

/* A queue that rises at every step by two items (a few hundred bytes) is
 * noise, not a possible leak: among a busy heap's thousands of groups some
 * rise at every step of three snapshots by chance (rg_judge_rise_is_noise). */
static void a_rise_at_every_step_under_the_noise_floor_is_no_verdict(void)
{
    static const uint64_t items[] = {200, 202, 204};
    rg_summary *s[3];
    for (int k = 0; k < 3; k++)
        s[k] = queue_point(k, items[k], 9, 5000 + 30.0 * k);
    CHECK(s[0] && s[1] && s[2]);
    if (!(s[0] && s[1] && s[2]))
        return;
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (d) {
        int monotonic = 0;
        for (uint32_t i = 0; i < rg_diff_group_count(d); i++)
            monotonic |= strstr(rg_diff_group_get(d, i)->name, ".queue") &&
                         (rg_diff_group_get(d, i)->flags & RG_GROWTH_MONOTONIC);
        CHECK(monotonic); /* it did rise at every step */
        const rg_verdict *v = rg_diff_verdict(d);
        CHECK(v->kind == RG_VERDICT_NONE);
        CHECK(v->level == RG_LEVEL_NO_LEAK);
        CHECK_CONTAINS(v->text, "No leak suspected");
        rg_diff_free(d);
    }
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);
}

static void gate_trips_only_above_its_count_bytes_or_percent_threshold(void)
{
    rg_summary *s[3];
    for (int k = 0; k < 3; k++)
        s[k] = series_point(k, 1000 + 60.0 * k, 7);
    rg_diff *d = NULL;
    CHECK(rg_diff_compute(s, 3, NULL, &d) == RG_OK);
    if (!d)
        return;
    rg_gate_result r = {.struct_size = sizeof r};
    /* app.A: 10 -> 400 objects (+390, +3900 %), 1000 -> 40000 bytes, 120 s. */
    struct { const char *spec; int tripped; } cases[] = {
        {"app.A", 1},            /* no threshold: any growth */
        {"A", 1},                /* last dotted part */
        {"type:app.A:389", 1},
        {"app.A:390", 0},        /* strictly greater trips */
        {"app.A:+390", 0},
        {"app.A:1k", 0},
        {"app.A:3800%", 1},
        {"app.A:3900%", 0},
        {"app.A:38kB", 1},
        {"app.A:39kB", 0},
        {"app.A:38KiB", 1},      /* 38912 bytes */
        {"app.A:39KiB", 0},
        {"app.A:194/min", 1},
        {"app.A:195/min", 0},
        {"app.A:19kB/min", 1},
        {"D", 0},                /* shrank */
        {"C:19", 1},
        {"C:20", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = gate(d, cases[i].spec, &r);
        CHECK(rc == RG_OK);
        if (rc != RG_OK || r.tripped != cases[i].tripped)
            fprintf(stderr, "  gate %s: rc %d tripped %d (%s)\n", cases[i].spec, rc, r.tripped,
                    rc ? rg_last_error() : r.message);
        CHECK_EQ_U64(r.matched, 1);
    }
    CHECK(gate(d, "app.A:389", &r) == RG_OK);
    CHECK_CONTAINS(r.message, "app.A grew by +390 objects");
    CHECK_CONTAINS(r.message, "10 -> 400");
    CHECK_CONTAINS(r.message, "more than the threshold 389");
    CHECK(gate(d, "app.A:38kB", &r) == RG_OK);
    CHECK_CONTAINS(r.message, "+39.0 kB");
    /* Nothing matched: not tripped, and said so. */
    CHECK(gate(d, "NoSuchType", &r) == RG_OK);
    CHECK(!r.tripped);
    CHECK_EQ_U64(r.matched, 0);
    CHECK_CONTAINS(r.message, "no type or group matched");
    /* Malformed. */
    CHECK(gate(d, "app.A:12xyz", &r) == RG_EINVAL);
    CHECK_CONTAINS(rg_last_error(), "threshold");
    CHECK(gate(d, ":5", &r) == RG_EINVAL);
    CHECK(gate(d, "type:", &r) == RG_EINVAL);
    rg_free(r.message);
    r.message = NULL;
    rg_diff_free(d);
    for (int k = 0; k < 3; k++)
        rg_summary_free(s[k]);

    /* Ambiguous last part; per-minute without timestamps. */
    obj o1[] = {{1, "a.Job", 8}, {2, "b.Job", 8}};
    obj o2[] = {{1, "a.Job", 8}, {2, "b.Job", 8}, {3, "b.Job", 8}};
    rg_summary *t[2] = {from_objs((snap_spec){1, 0, 0}, o1, 2), from_objs((snap_spec){1, 0, 1}, o2, 3)};
    CHECK(rg_diff_compute(t, 2, NULL, &d) == RG_OK);
    if (d) {
        CHECK(gate(d, "Job", &r) == RG_EINVAL);
        CHECK_CONTAINS(rg_last_error(), "ambiguous");
        CHECK(gate(d, "b.Job", &r) == RG_OK && r.tripped);
        CHECK(gate(d, "b.Job:1/min", &r) == RG_EINVAL);
        CHECK_CONTAINS(rg_last_error(), "timestamps");
    }
    rg_free(r.message);
    rg_diff_free(d);
    rg_summary_free(t[0]);
    rg_summary_free(t[1]);
}

/* Output as objgraph 3.5 writes it (show_most_common_types: '%-*s %i';
 * show_growth: '%-*s%9d %+9d'), with log lines between. */
static const char objgraph_log[] =
    "2026-11-25 10:00:00,120 INFO start\n"
    "function           3134\n"
    "tuple              1728\n"
    "dict               1492\n"
    "\n"
    "2026-11-25 10:01:00 tick\n"
    "function               3134     +3134\n"
    "tuple                  1483     +1483\n"
    "Job                     100      +100\n"
    "processed 12 jobs\n"
    "--- 2026-11-25 10:02:00\n"
    "Job                     400      +300\n"
    "builtins.list          1428     +1001\n"
    "2026-11-25 10:03:00\n"
    "Job                     800      +400\n";

static void objgraph_log_is_detected_and_parsed_into_one_summary_per_block(void)
{
    CHECK(rg_objgraph_log_detect(objgraph_log, sizeof objgraph_log - 1));
    CHECK(!rg_objgraph_log_detect("{\"rec\":\"header\"}\n", 17));
    CHECK(!rg_objgraph_log_detect("\x1f\x8b\x08\x00", 4));
    CHECK(!rg_objgraph_log_detect("hello world\nprocessed 12\n", 25)); /* one 2-column line is not a block */
    CHECK(!rg_objgraph_log_detect("a 1\nb 5\nc 3\n", 12));            /* not sorted: not objgraph's */

    rg_summary **pts = NULL;
    uint32_t n = 0;
    CHECK(rg_objgraph_log_open_memory("just text\n", 10, "x.log", &pts, &n) == RG_EFORMAT);
    CHECK_CONTAINS(rg_last_error(), "x.log: no objgraph output");

    CHECK(rg_objgraph_log_open_memory(objgraph_log, sizeof objgraph_log - 1, "app.log", &pts, &n) == RG_OK);
    CHECK_EQ_U64(n, 4);
    if (n != 4)
        return;
    const rg_summary_info *i0 = rg_summary_info_get(pts[0]), *i1 = rg_summary_info_get(pts[1]),
                          *i2 = rg_summary_info_get(pts[2]), *i3 = rg_summary_info_get(pts[3]);
    CHECK_STR(i0->format, "objgraph-log");
    CHECK_CONTAINS(i0->source, "app.log:2");
    CHECK_CONTAINS(i0->source, "show_most_common_types");
    CHECK_CONTAINS(i1->source, "show_growth");
    CHECK(i0->flags == RG_SUMMARY_PARTIAL);
    CHECK(fabs(i1->time - i0->time - 59.88) < 1e-6);
    CHECK(i2->time - i1->time == 60);
    CHECK(i3->time - i2->time == 60);
    CHECK(fabs(i0->time - 1795600800.12) < 1e-6); /* 2026-11-25 10:00:00.12 UTC */
    /* The first growth block taught us Job was 0 before it: listed (estimated)
     * in the point before. "builtins.list" is written as "list". */
    CHECK_EQ_U64(i0->types, 4);
    rg_type_stat t = {.struct_size = sizeof t};
    rg_summary_type_get(pts[0], 0, &t);
    CHECK_STR(t.name, "Job");
    CHECK_EQ_U64(t.count, 0);
    CHECK_EQ_U64(i2->types, 2);
    rg_summary_type_get(pts[2], 1, &t);
    CHECK_STR(t.name, "list");
    CHECK_EQ_U64(t.count, 1428);
    rg_summary_type_get(pts[1], 2, &t); /* list backfilled: 1428 - 1001 */
    CHECK_STR(t.name, "list");
    CHECK_EQ_U64(t.count, 427);

    rg_diff *d = NULL;
    CHECK(rg_diff_compute(pts, n, NULL, &d) == RG_OK);
    if (d) {
        CHECK(has_warning(d, "type counts only"));
        CHECK(!rg_diff_has_lifetimes(d));
        CHECK_EQ_U64(rg_diff_group_count(d), 0);
        CHECK(fabs(rg_diff_span_seconds(d) - 179.88) < 1e-6);
        const rg_growth *job = find_growth(d, "Job"), *fn = find_growth(d, "function"),
                        *tup = find_growth(d, "tuple");
        CHECK(job && (job->flags & RG_GROWTH_GROWING));
        CHECK(job && job->count_delta == 800);
        CHECK(job && fabs(job->count_per_min - 800.0 / 179.88 * 60) < 1e-6);
        /* Missing from later blocks = unchanged there, never growth. */
        CHECK(fn && fn->count_delta == 0 && (fn->flags & RG_GROWTH_ESTIMATED));
        CHECK(tup && tup->count_delta == 1483 - 1728 && !(tup->flags & RG_GROWTH_GROWING));
        const rg_verdict *v = rg_diff_verdict(d);
        CHECK(v->kind == RG_VERDICT_TYPE);
        CHECK(v->growth == job);
        CHECK_CONTAINS(v->text, "type counts only");
        rg_gate_result r = {.struct_size = sizeof r};
        CHECK(gate(d, "Job:+700", &r) == RG_OK && r.tripped);
        CHECK(gate(d, "Job:1MB", &r) == RG_EINVAL); /* no bytes in a log */
        rg_free(r.message);
    }
    rg_diff_free(d);
    for (uint32_t k = 0; k < n; k++)
        rg_summary_free(pts[k]);
    rg_free(pts);
}

/* Ids in no order and spread over the whole 64-bit range, so every radix
 * pass of the summary's id sort is exercised; lifetimes depend on the order. */
static void lifetimes_are_right_for_ids_in_any_order_over_the_64_bit_range(void)
{
    enum { N = 3000 };
    static uint64_t ids[N];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ids[i] = x | 1; /* never 0, distinct with overwhelming odds */
    }
    rg_builder *b = begin((snap_spec){3, 10, 0});
    for (int i = 0; i < N; i++)
        add(b, ids[i], i % 3 ? "P" : "Q", 32);
    rg_summary *s0 = finish(b, 0);
    /* Final: the same objects in reverse order but every fifth one gone, and
     * every seventh one now of another type; plus 100 new ones. */
    b = begin((snap_spec){3, 20, 1});
    uint64_t expect_surviving = 0, expect_reused = 0;
    for (int i = N - 1; i >= 0; i--) {
        if (i % 5 == 0)
            continue;
        int other = i % 7 == 0;
        add(b, ids[i], other ? "R" : i % 3 ? "P" : "Q", 32);
        expect_surviving += !other;
        expect_reused += other;
    }
    for (uint64_t i = 0; i < 100; i++)
        add(b, 0xfff0000000000000ULL + 16 * i, "P", 32);
    rg_summary *s1 = finish(b, 0);
    rg_summary *s[2] = {s0, s1};
    rg_diff *d = NULL;
    CHECK(s0 && s1 && rg_diff_compute(s, 2, NULL, &d) == RG_OK);
    if (d) {
        const rg_lifetime *t = rg_diff_lifetime_total(d);
        CHECK_EQ_U64(t->surviving_count, expect_surviving);
        CHECK_EQ_U64(t->freed_count, N - expect_surviving);
        CHECK_EQ_U64(t->new_count, expect_reused + 100);
        CHECK_EQ_U64(rg_diff_reused_ids(d), expect_reused);
    }
    rg_diff_free(d);
    rg_summary_free(s0);
    rg_summary_free(s1);
}

/* Block rules: a change of shape or a name listed twice ends a block. */
static void objgraph_block_ends_at_a_change_of_shape_or_a_repeated_name(void)
{
    const char *text = "a 10 +1\n"
                       "b 5\n"
                       "c 3\n"
                       "x 5 +5\n"
                       "x 7 +2\n";
    rg_summary **pts = NULL;
    uint32_t n = 0;
    CHECK(rg_objgraph_log_open_memory(text, strlen(text), "b.log", &pts, &n) == RG_OK);
    CHECK_EQ_U64(n, 4);
    if (n == 4) {
        CHECK_EQ_U64(rg_summary_info_get(pts[0])->types, 1);
        CHECK_EQ_U64(rg_summary_info_get(pts[1])->types, 3); /* b, c, and x's count before: 5 - 5 */
        CHECK_EQ_U64(rg_summary_info_get(pts[2])->types, 1);
        CHECK_EQ_U64(rg_summary_info_get(pts[3])->types, 1);
        CHECK_CONTAINS(rg_summary_info_get(pts[3])->source, "b.log:5");
    }
    for (uint32_t k = 0; k < n; k++)
        rg_summary_free(pts[k]);
    rg_free(pts);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(summary_counts_types_bytes_and_header_of_one_snapshot);
    RUN(diff_of_one_snapshot_is_an_error_asking_for_two);
    RUN(growth_at_every_step_is_flagged_monotonic_with_rates_per_minute);
    RUN(snapshots_given_out_of_order_are_sorted_by_time);
    RUN(different_pids_or_missing_timestamps_are_warnings);
    RUN(growth_between_two_snapshots_is_significant_but_unconfirmed);
    RUN(reused_addresses_do_not_count_as_survivors);
    RUN(group_growth_names_the_container_it_accumulates_in);
    RUN(a_rise_at_every_step_under_the_noise_floor_is_no_verdict);
    RUN(gate_trips_only_above_its_count_bytes_or_percent_threshold);
    RUN(objgraph_log_is_detected_and_parsed_into_one_summary_per_block);
    RUN(objgraph_block_ends_at_a_change_of_shape_or_a_repeated_name);
    RUN(lifetimes_are_right_for_ids_in_any_order_over_the_64_bit_range);
    TEST_MAIN_END();
}
