/* test_report.c: the report's node tree, its escaping of hostile strings in
 * both renderers, tables with pipes and newlines, the SVG check,
 * determinism and the all-or-nothing directory output. */
#include "harness.h"
#include "refgraph.h"
#include "report/report_internal.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOSTILE "<img src=x onerror=alert(1)>|*_[x](y)"
/* The same, once the renderers have escaped it for HTML. */
#define HOSTILE_HTML "&lt;img src=x onerror=alert(1)&gt;|*_[x](y)"

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
        n++;
    return n;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

/* Parse Markdown back with GFM tables and render it as HTML: what GitHub
 * would show for report.md. */
static char *reparse_to_html(const char *md)
{
    cmark_syntax_extension *t = rg_md_table_extension();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_parser_attach_syntax_extension(p, t);
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *doc = cmark_parser_finish(p);
    char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
    cmark_node_free(doc);
    cmark_parser_free(p);
    return html;
}

/* The part of a report.html between <main> and </main>. */
static char *html_body(const char *page)
{
    const char *a = strstr(page, "<main>\n"), *b = strstr(page, "</main>");
    if (!a || !b || b < a)
        return NULL;
    a += strlen("<main>\n");
    return rg_xstrndup(a, (size_t)(b - a));
}

static void snapshot_text_is_escaped_before_it_reaches_markdown(void)
{
    char *s = rg_md_sanitize("a\nb\tc\rd\x1b[31me\x7f");
    CHECK_STR(s, "a\\nb\\tc\\rd\\x1b[31me\\x7f");
    free(s);
    s = rg_md_sanitize("bad \xff\xfe utf8 \xc3\x28 ok \xc3\xa9");
    CHECK_STR(s, "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD( ok \xc3\xa9");
    free(s);
    /* U+202E RIGHT-TO-LEFT OVERRIDE would make "txt.exe" read backwards. */
    s = rg_md_sanitize("a\xE2\x80\xAEtxt.exe");
    CHECK_STR(s, "a\\u202etxt.exe");
    free(s);
    s = rg_md_sanitize(HOSTILE);
    CHECK_STR(s, HOSTILE); /* markup characters are cmark's job, not this one's */
    free(s);
    s = rg_md_sanitize(NULL);
    CHECK_STR(s, "");
    free(s);
}

static void counts_deltas_and_bytes_are_formatted_for_people(void)
{
    char b[64];
    CHECK_STR(rg_format_count(b, sizeof b, 0), "0");
    CHECK_STR(rg_format_count(b, sizeof b, 495717), "495,717");
    CHECK_STR(rg_format_count(b, sizeof b, 1234567890), "1,234,567,890");
    CHECK_STR(rg_rpt_fmt_delta(b, sizeof b, -1234), "-1,234");
    CHECK_STR(rg_rpt_fmt_delta(b, sizeof b, 5), "+5");
    CHECK_STR(rg_format_bytes(b, sizeof b, 999), "999 B");
    CHECK_STR(rg_format_bytes(b, sizeof b, 62000000), "62.0 MB");
    CHECK_STR(rg_format_bytes(b, sizeof b, 1500), "1.50 kB");
    CHECK_STR(rg_format_bytes(b, sizeof b, 999999), "1.00 MB");
    CHECK_STR(rg_format_bytes(b, sizeof b, 9996), "10.0 kB");
    CHECK_STR(rg_format_bytes(b, sizeof b, -1200), "-1.20 kB");
    CHECK_STR(rg_format_bytes(b, sizeof b, 999.7), "1.00 kB");
    CHECK_STR(rg_rpt_fmt_bytes_delta(b, sizeof b, -48000000), "-48.0 MB");
    CHECK_STR(rg_rpt_fmt_time(b, sizeof b, 1764115200.25), "2025-11-26 00:00:00 UTC");
    CHECK_STR(rg_rpt_fmt_time(b, sizeof b, 0), "unknown time");
    CHECK_STR(rg_rpt_fmt_duration(b, sizeof b, 2.04), "2.0 s");
    CHECK_STR(rg_rpt_fmt_duration(b, sizeof b, 200), "3 min 20 s");
    CHECK_STR(rg_rpt_fmt_share(b, sizeof b, 1, 3), "33.3%");
    CHECK_STR(rg_rpt_fmt_share(b, sizeof b, 1, 0), "0%");
}

/* A model with a hostile string in every field a snapshot can control. */
static void hostile_model(rg_rpt *m, int n_snaps)
{
    memset(m, 0, sizeof *m);
    m->cycle_diagram = -1;
    m->title = rg_rpt_strdup(HOSTILE);
    m->n_snaps = (size_t)n_snaps;
    m->snaps = rg_xcalloc(m->n_snaps, sizeof *m->snaps);
    for (int i = 0; i < n_snaps; i++) {
        m->snaps[i] = (rg_rpt_snap){.file = rg_rpt_strdup(HOSTILE "\n.jsonl"),
                                    .producer = rg_rpt_strdup(HOSTILE),
                                    .runtime = rg_rpt_strdup("CPython\n# not a heading"),
                                    .pid = 42, .seq = i, .time = 1764115200.0 + 60 * i,
                                    .objects = 10, .edges = 9, .roots = 1, .total_bytes = 1000};
    }
    m->has_growth = n_snaps > 1;
    m->has_refcounts = 1;
    m->n_suspects = 1;
    m->suspects = rg_xcalloc(1, sizeof *m->suspects);
    rg_rpt_suspect *s = &m->suspects[0];
    s->type = rg_rpt_strdup(HOSTILE "\nline two | `tick` ``");
    s->count = 7;
    s->shallow = 700;
    s->retained = 900;
    s->path.root = rg_rpt_strdup("module");
    s->path.root_label = rg_rpt_strdup(HOSTILE);
    rg_rpt_path_push(&s->path, "", "module", "");
    rg_rpt_path_push(&s->path, "." HOSTILE, "dict", "len 3");
    rg_rpt_path_push(&s->path, "['" HOSTILE "\n']", HOSTILE, "");
    s->holder_hop = 1;
    s->holder_type = rg_rpt_strdup("dict");
    s->holder_len = 3;
    s->holder_where = rg_rpt_strdup("app." HOSTILE);
    s->has_growth = n_snaps > 1;
    s->count_delta = 5;
    s->bytes_delta = 500;
    s->cause = RG_RPT_CAUSE_CONTAINER;
    s->significant = 1;
    s->level = RG_LEVEL_LEAK;
    s->reason = RG_REASON_LARGE;
    s->bulk_type = rg_rpt_strdup(HOSTILE "|bulk");
    s->bulk_count = 3;
    s->advice = rg_rpt_advice(s);
    s->diagram = -1;
    m->n_top_types = 2;
    m->type_count = 3;
    m->top_types = rg_xcalloc(2, sizeof *m->top_types);
    m->top_types[0] = (rg_rpt_type_row){rg_rpt_strdup(HOSTILE "\nsecond line"), 5, 500};
    m->top_types[1] = (rg_rpt_type_row){rg_rpt_strdup("a|b||c\\|d"), 3, 300};
    if (m->has_growth) {
        m->n_growth_types = 1;
        m->growth_types = rg_xcalloc(1, sizeof *m->growth_types);
        m->growth_types[0] = (rg_rpt_growth_row){.name = rg_rpt_strdup(HOSTILE), .count_first = 2,
                                                 .count_last = 7, .count_delta = 5, .bytes_delta = 500,
                                                 .steps_up = 1, .steps = 1};
    }
    m->n_outside = 1;
    m->outside = rg_xcalloc(1, sizeof *m->outside);
    m->outside[0] = (rg_rpt_outside_row){rg_rpt_strdup(HOSTILE "|"), 1, 2, 64};
    m->outside_objects = 1;
    m->outside_bytes = 64;
    m->cycle_components = 1;
    m->cycle_objects = 2;
    m->cycle_bytes = 128;
    m->n_cycles = 1;
    m->cycles = rg_xcalloc(1, sizeof *m->cycles);
    m->cycles[0] = (rg_rpt_cycle){.components = 1, .count = 2, .bytes = 128,
                                  .types = rg_rpt_strdup(HOSTILE " ×2")};
    m->cycle_example.root = rg_rpt_strdup("");
    rg_rpt_path_push(&m->cycle_example, "", HOSTILE, "");
    rg_rpt_path_push(&m->cycle_example, ".next|", HOSTILE, "");
    m->command_line = rg_rpt_strdup("refgraph report '" HOSTILE "' -o out\n```\n<script>");
    m->versions = rg_rpt_strdup("refgraph test");
    m->method_notes = rg_rpt_strdup("");
}

/* Every <tr> of every table has as many cells as its table has header cells. */
static void check_table_shapes(const char *html)
{
    const char *t = html;
    int tables = 0;
    while ((t = strstr(t, "<table>")) != NULL) {
        const char *end = strstr(t, "</table>");
        CHECK(end != NULL);
        if (!end)
            return;
        char *tab = rg_xstrndup(t, (size_t)(end - t));
        int rows = count_of(tab, "<tr>");
        int heads = count_of(tab, "<th>") + count_of(tab, "<th ");
        int cells = count_of(tab, "<td>") + count_of(tab, "<td ");
        CHECK(rows >= 2);
        CHECK(heads > 0 && cells == heads * (rows - 1));
        free(tab);
        tables++;
        t = end;
    }
    CHECK(tables >= 3);
}

static void hostile_strings_stay_text_in_markdown_and_html(void)
{
    for (int n = 1; n <= 2; n++) {
        rg_rpt m;
        hostile_model(&m, n);
        char *md = NULL, *page = NULL;
        CHECK(rg_rpt_render_markdown(&m, &md) == RG_OK);
        CHECK(rg_rpt_render_html(&m, &page) == RG_OK);
        if (!md || !page) {
            rg_rpt_free(&m);
            return;
        }
        /* HTML: no live tag, no script; the text is there, escaped. */
        CHECK(!contains_ci(page, "<img"));
        CHECK(!contains_ci(page, "<script"));
        CHECK(strstr(page, HOSTILE_HTML) != NULL);
        CHECK(strstr(page, "<title>Memory report: &lt;img src=x onerror=alert(1)&gt;|*_[x](y)</title>") != NULL);
        /* The newline in a type name shows as \n instead of ending a row. */
        CHECK(strstr(page, "<code>" HOSTILE_HTML "\\nsecond line</code>") != NULL);
        check_table_shapes(page);

        /* Markdown: what GitHub renders from report.md is the same page
         * body, so nothing in it was read as markup. */
        char *again = reparse_to_html(md);
        char *body = html_body(page);
        CHECK(again && body);
        if (again && body) {
            CHECK_STR(again, body);
            CHECK(!contains_ci(again, "<img"));
            CHECK(!contains_ci(again, "<a href"));
            CHECK(!contains_ci(again, "<em>"));
            check_table_shapes(again);
        }
        /* Headings stay the eight fixed ones (seven without Growth). */
        CHECK_EQ_U64(count_of(md, "\n## "), n > 1 ? 7 : 6);
        CHECK(strncmp(md, "# Memory report: ", 17) == 0);
        free(again);
        free(body);
        free(md);
        free(page);
        rg_rpt_free(&m);
    }
}

static void pipes_in_snapshot_text_do_not_split_table_cells(void)
{
    rg_rpt m;
    hostile_model(&m, 1);
    char *md = NULL;
    CHECK(rg_rpt_render_markdown(&m, &md) == RG_OK);
    if (!md) {
        rg_rpt_free(&m);
        return;
    }
    /* cmark's table extension escapes pipes in cells, text and code alike. */
    CHECK(strstr(md, "`a\\|b\\|\\|c\\\\|d`") != NULL);
    char *html = reparse_to_html(md);
    CHECK_CONTAINS(html, "<code>a|b||c\\|d</code>");
    free(html);
    free(md);
    rg_rpt_free(&m);
}

static const char *order[] = {"# Memory report: ", "## Summary", "## Leak suspects", "## Growth",
                              "## Top types", "## Unreachable cycles",
                              "## Held outside the Python heap", "## How this report was made"};

static void check_order(const char *md, int with_growth)
{
    const char *at = md;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(md, order[i]);
        if (i == 3 && !with_growth) {
            CHECK(p == NULL);
            continue;
        }
        CHECK(p != NULL && p >= at);
        if (p)
            at = p;
    }
}

static rg_snapshot *small_snapshot(const char *job_type, int jobs, double time)
{
    rg_builder *b;
    rg_builder_new(&b);
    rg_builder_set_header(b, &(rg_header_desc){.format = "refgraph-snapshot", .format_version = 1,
                                               .producer = "test " HOSTILE, .runtime = "CPython 3.11.7",
                                               .pid = 4242, .time = time, .seq = -1});
    rg_builder_add_object(b, &(rg_object_desc){.id = 1, .type = "module", .size = 72, .name = "app",
                                               .refcount = -1});
    rg_builder_add_ref(b, 2, RG_EDGE_GLOBAL, "jobs", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 2, .type = "queue.Queue", .size = 48, .refcount = 1});
    rg_builder_add_ref(b, 3, RG_EDGE_ATTR, "queue", 0);
    rg_builder_add_object(b, &(rg_object_desc){.id = 3, .type = "collections.deque", .size = 600,
                                               .length = jobs, .has_length = 1, .refcount = 1});
    for (int i = 0; i < jobs; i++)
        rg_builder_add_ref(b, (uint64_t)(100 + i), RG_EDGE_INDEX, NULL, i);
    for (int i = 0; i < jobs; i++) {
        rg_builder_add_object(b, &(rg_object_desc){.id = (uint64_t)(100 + i), .type = "tuple", .size = 64,
                                                   .length = 3, .has_length = 1, .refcount = 1});
        rg_builder_add_ref(b, (uint64_t)(1000 + i), RG_EDGE_INDEX, NULL, 2);
        rg_builder_add_object(b, &(rg_object_desc){.id = (uint64_t)(1000 + i), .type = job_type,
                                                   .size = 56, .refcount = 1});
    }
    rg_builder_add_root(b, 1, RG_ROOT_MODULE, "app");
    rg_snapshot *s = NULL;
    if (rg_builder_finish(b, &s) != RG_OK)
        fprintf(stderr, "builder: %s\n", rg_last_error());
    return s;
}

static void report_from_snapshots_names_the_process_and_times(void)
{
    rg_snapshot *s1 = small_snapshot("app." HOSTILE, 20, 1764115200.0);
    rg_snapshot *s2 = small_snapshot("app." HOSTILE, 60, 1764115260.0);
    REQUIRE(s1 && s2);
    const rg_snapshot *both[] = {s1, s2};
    rg_report_options o;
    rg_report_options_init(&o, RG_REPORT_OPTIONS_VERSION);
    o.command_line = "refgraph report a b -o out";
    rg_report *r1 = NULL, *r2 = NULL;
    CHECK(rg_report_compute(both, 1, &o, &r1) == RG_OK);
    CHECK(rg_report_compute(both, 2, &o, &r2) == RG_OK);
    char *md1 = NULL, *md2 = NULL, *h2 = NULL;
    if (r1 && r2) {
        CHECK(rg_report_markdown(r1, &md1) == RG_OK);
        CHECK(rg_report_markdown(r2, &md2) == RG_OK);
        CHECK(rg_report_html(r2, &h2) == RG_OK);
    }
    if (md1 && md2 && h2) {
        check_order(md1, 0);
        check_order(md2, 1);
        CHECK_CONTAINS(md1, "Memory report: CPython 3.11.7, pid 4242");
        CHECK_CONTAINS(md2, "2025-11-26 00:01:00 UTC");
        CHECK_CONTAINS(md1, "refgraph report a b -o out");
        CHECK(!contains_ci(h2, "<img"));
        CHECK_CONTAINS(rg_report_summary(r2), "objects");
    }
    /* Same snapshots, same options: the same bytes. */
    rg_report *again = NULL;
    CHECK(rg_report_compute(both, 2, &o, &again) == RG_OK);
    char *md3 = NULL, *h3 = NULL;
    if (again) {
        rg_report_markdown(again, &md3);
        rg_report_html(again, &h3);
    }
    CHECK(md2 && md3 && strcmp(md2, md3) == 0);
    CHECK(h2 && h3 && strcmp(h2, h3) == 0);
    rg_free(md1);
    rg_free(md2);
    rg_free(md3);
    rg_free(h2);
    rg_free(h3);
    rg_report_free(r1);
    rg_report_free(r2);
    rg_report_free(again);
    /* The report copied what it needs: freeing the snapshots first is fine. */
    rg_snapshot_free(s1);
    rg_snapshot_free(s2);
}

static void report_build_refuses_bad_arguments(void)
{
    rg_report *r = NULL;
    CHECK(rg_report_compute(NULL, 1, NULL, &r) == RG_EINVAL);
    const rg_snapshot *none[] = {NULL};
    CHECK(rg_report_compute(none, 1, NULL, &r) == RG_EINVAL);
    CHECK(rg_report_compute(none, 0, NULL, &r) == RG_EINVAL);
    CHECK(r == NULL);
    rg_report_free(NULL);
    CHECK_STR(rg_report_summary(NULL), "");
    CHECK_EQ_U64(rg_report_diagram_count(NULL), 0);
}

static void only_inert_svg_passes_the_check(void)
{
    static const char good[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
        "<!-- Generated by graphviz version 2.42.2 -->\n"
        "<svg width=\"62pt\" height=\"44pt\" viewBox=\"0.00 0.00 62.00 44.00\" xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
        "<g id=\"graph0\" class=\"graph\" transform=\"scale(1 1) rotate(0) translate(4 40)\">\n"
        "<title>&lt;img src=x onerror=alert(1)&gt;</title>\n"
        "<polygon fill=\"white\" stroke=\"transparent\" points=\"-4,4 -4,-40 58,-40 58,4 -4,4\"/>\n"
        "<!-- a&#45;&gt;b -->\n"
        "<g id=\"node1\" class=\"node\"><title>a</title>\n"
        "<a xlink:title=\"url(http://x) javascript:alert(1)\"><ellipse fill=\"url(#g1)\" stroke=\"black\" cx=\"27\" cy=\"-18\" rx=\"27\" ry=\"18\"/></a>\n"
        "<text text-anchor=\"middle\" x=\"27\" y=\"-14.3\" font-family=\"Times,serif\" font-size=\"14.00\">a</text>\n"
        "</g>\n</g>\n</svg>\n";
    CHECK(rg_svg_is_inert(good, strlen(good)));
    CHECK(rg_svg_element(good, strlen(good)) == strstr(good, "<svg "));
    static const char *const bad[] = {
        "<svg><script>alert(1)</script></svg>",
        "<svg onload=\"alert(1)\"></svg>",
        "<svg><g ONCLICK='x'></g></svg>",
        "<svg><foreignObject><img src=x></foreignObject></svg>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<svg><a href=\"http://example.com/\"><text>x</text></a></svg>",
        "<svg><image href=\"http://example.com/x.png\"/></svg>",
        "<svg><rect style=\"fill:url(http://example.com/x)\"/></svg>",
        "<svg><rect fill=\"url( 'https://x/y' )\"/></svg>",
        "<svg><![CDATA[<script>alert(1)</script>]]></svg>",
        "<!DOCTYPE svg [<!ENTITY x \"<script>\">]><svg>&x;</svg>",
        "<svg><set attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
        "<svg><text>unterminated <!-- comment</text></svg>",
        "<svg><g id=unquoted></g></svg>",
        "<g>no svg element</g>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int inert = rg_svg_is_inert(bad[i], strlen(bad[i]));
        if (inert)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(!inert);
    }
}

static void diagram_that_fails_the_svg_check_is_left_out(void)
{
    rg_rpt m;
    hostile_model(&m, 1);
    const char *evil = "<svg><script>document.title='pwned'</script></svg>";
    int idx = -1;
    CHECK(rg_rpt_add_diagram(&m, "suspect-1.svg", "diagram", rg_rpt_strdup(evil), strlen(evil), "", &idx) == RG_OK);
    CHECK(idx == 0);
    m.suspects[0].diagram = idx;
    CHECK(m.diagrams[0].svg == NULL);
    char *page = NULL, *md = NULL;
    CHECK(rg_rpt_render_html(&m, &page) == RG_OK);
    CHECK(rg_rpt_render_markdown(&m, &md) == RG_OK);
    CHECK(page && !contains_ci(page, "<script"));
    CHECK(page && !strstr(page, "pwned"));
    CHECK_CONTAINS(md, "Diagram not drawn");
    free(page);
    free(md);
    rg_rpt_free(&m);
}

static int file_exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void report_write_leaves_all_files_or_none(void)
{
    char tmpl[] = "/tmp/rg-report-XXXXXX";
    char *base = mkdtemp(tmpl);
    REQUIRE(base != NULL);
    rg_snapshot *s = small_snapshot("app.Job", 5, 1764115200.0);
    rg_report *r = NULL;
    const rg_snapshot *one[] = {s};
    CHECK(s && rg_report_compute(one, 1, NULL, &r) == RG_OK);
    char out[600];
    snprintf(out, sizeof out, "%s/a/b", base);
    CHECK(r && rg_report_write(r, out, RG_REPORT_MARKDOWN | RG_REPORT_HTML) == RG_OK);
    CHECK(file_exists(out, "report.md"));
    CHECK(file_exists(out, "report.html"));

    /* Only the formats asked for. */
    char only[600];
    snprintf(only, sizeof only, "%s/only-md", base);
    CHECK(r && rg_report_write(r, only, RG_REPORT_MARKDOWN) == RG_OK);
    CHECK(file_exists(only, "report.md"));
    CHECK(!file_exists(only, "report.html"));
    CHECK(r && rg_report_write(r, only, 0) == RG_EINVAL);

    /* report.html is in the way: nothing is written, nothing is left. */
    char blocked[600], in_way[700];
    snprintf(blocked, sizeof blocked, "%s/blocked", base);
    snprintf(in_way, sizeof in_way, "%s/report.html", blocked);
    mkdir(blocked, 0777);
    mkdir(in_way, 0777);
    int rc = r ? rg_report_write(r, blocked, RG_REPORT_MARKDOWN | RG_REPORT_HTML) : RG_OK;
    CHECK(rc == RG_EIO);
    CHECK_CONTAINS(rg_last_error(), "report.html");
    CHECK(!file_exists(blocked, "report.md"));
    CHECK_EQ_U64(dir_entries(blocked), 1);
    rmdir(in_way);
    rmdir(blocked);

    rg_report_free(r);
    rg_snapshot_free(s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    CHECK(system(cmd) == 0);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(snapshot_text_is_escaped_before_it_reaches_markdown);
    RUN(counts_deltas_and_bytes_are_formatted_for_people);
    RUN(hostile_strings_stay_text_in_markdown_and_html);
    RUN(pipes_in_snapshot_text_do_not_split_table_cells);
    RUN(report_from_snapshots_names_the_process_and_times);
    RUN(report_build_refuses_bad_arguments);
    RUN(only_inert_svg_passes_the_check);
    RUN(diagram_that_fails_the_svg_check_is_left_out);
    RUN(report_write_leaves_all_files_or_none);
    TEST_MAIN_END();
}
