/* test_api.c: the promises of the public API itself (docs/api.md): option
 * structs carry a version that the library checks, and no sentinel can be
 * mistaken for an error code. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>

static rg_snapshot *tiny(void)
{
    rg_builder *b;
    rg_snapshot *s = NULL;
    if (rg_builder_new(&b) != RG_OK)
        return NULL;
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 72, .refcount = 1});
    rg_builder_add_ref(b, 2, RG_EDGE_ATTR, "items", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "list", .size = 56, .refcount = 1});
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_builder_finish(b, &s);
    return s;
}

static void test_options_init_fills_the_documented_defaults(void)
{
    rg_path_options p;
    CHECK(rg_path_options_init(&p, RG_PATH_OPTIONS_VERSION) == RG_OK);
    CHECK(p.version == RG_PATH_OPTIONS_VERSION);
    CHECK(p.ignore_edge_kinds == ((1u << RG_EDGE_WEAK) | (1u << RG_EDGE_TYPE)));
    rg_diagram_options d;
    CHECK(rg_diagram_options_init(&d, RG_DIAGRAM_OPTIONS_VERSION) == RG_OK);
    CHECK(d.depth == 6 && d.max_nodes == 300 && d.too_many == 10);
    rg_suspect_options s = RG_SUSPECT_OPTIONS_INIT;
    CHECK(s.min_instances == 2 && s.min_share == 0.001);
    rg_diff_options df = RG_DIFF_OPTIONS_INIT;
    CHECK(df.min_growth == 100 && df.min_ratio == 0.10 && df.min_group_ratio == 0.02);
    rg_outside_options o = RG_OUTSIDE_OPTIONS_INIT;
    CHECK(o.margin == RG_OUTSIDE_DEFAULT_MARGIN);
}

static void test_options_init_rejects_an_unknown_version(void)
{
    rg_report_options r;
    CHECK(rg_report_options_init(&r, RG_REPORT_OPTIONS_VERSION + 1) == RG_EINVAL);
    CHECK_CONTAINS(rg_last_error(), "rg_report_options");
    CHECK(rg_open_options_init(NULL, RG_OPEN_OPTIONS_VERSION) == RG_EINVAL);
    CHECK(rg_summary_options_init(&(rg_summary_options){0}, 0) == RG_EINVAL);
}

static void test_a_call_rejects_options_of_an_unknown_version(void)
{
    rg_snapshot *s = tiny();
    CHECK(s != NULL);
    rg_paths *paths = NULL;
    rg_path_options po = RG_PATH_OPTIONS_INIT;
    po.version = 0; /* a zero-filled struct from before versions */
    CHECK(rg_paths_compute(s, &po, &paths) == RG_EINVAL);
    CHECK(paths == NULL);
    CHECK_CONTAINS(rg_last_error(), "rg_paths_compute: rg_path_options: version 0");
    po.version = RG_PATH_OPTIONS_VERSION;
    CHECK(rg_paths_compute(s, &po, &paths) == RG_OK);
    rg_paths_free(paths);
    /* NULL still means defaults. */
    CHECK(rg_paths_compute(s, NULL, &paths) == RG_OK);
    CHECK(rg_paths_distance(paths, 1) == 1);
    rg_paths_free(paths);

    rg_open_options oo = {.version = 99};
    rg_snapshot *t = NULL;
    CHECK(rg_snapshot_open_memory("{}", 2, "x", &oo, &t) == RG_EINVAL);
    CHECK(t == NULL);
    rg_snapshot_free(s);
}

static void test_no_none_value_reads_as_an_error_code(void)
{
    const int nones[] = {(int)RG_NODE_NONE, (int)RG_GROUP_NONE, (int)RG_DISTANCE_NONE,
                         (int)RG_COMPONENT_NONE, (int)RG_SHAPE_NONE, rg_edge_kind_from_name("nope"),
                         rg_root_kind_from_name("nope"), rg_diagram_format_from_name("nope")};
    const int errors[] = {RG_EIO, RG_EFORMAT, RG_EVERSION, RG_ENOMEM, RG_EINVAL, RG_ENOTFOUND,
                          RG_ELIMIT, RG_ERENDER};
    for (size_t i = 0; i < sizeof nones / sizeof *nones; i++)
        for (size_t j = 0; j < sizeof errors / sizeof *errors; j++)
            CHECK(nones[i] != errors[j]);
}

int main(void)
{
    RUN(test_options_init_fills_the_documented_defaults);
    RUN(test_options_init_rejects_an_unknown_version);
    RUN(test_a_call_rejects_options_of_an_unknown_version);
    RUN(test_no_none_value_reads_as_an_error_code);
    TEST_MAIN_END();
}
