/* test_diagram.c: referrer/referent diagrams: what is drawn (folding,
 * stop-at, depth, max-nodes), that DOT re-parses into the same graph, that
 * SVG is well-formed whatever the names hold, and the file/memory outputs. */
#include "harness.h"
#include "fixture.h"
#include "refgraph.h"

#include <graphviz/cgraph.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>


static void obj(uint64_t id, const char *type, uint64_t size, const char *repr)
{
    rg_object_desc d = {.id = id, .type = type, .size = size, .refcount = -1, .repr = repr};
    CHECK(rg_builder_add_object(B, &d) == RG_OK);
}

/* The seed queue plus a fan-in: 40 Watchers (module .registry -> dict ['w']
 * -> Holder .items -> list [i]) refer to the first Job. */
static rg_snapshot *seed_graph(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 10, RG_ROOT_MODULE, "__main__");
    rg_object_desc m = {.id = 10, .type = "module", .size = 72, .refcount = -1, .name = "__main__"};
    CHECK(rg_builder_add_object(B, &m) == RG_OK);
    ref(11, RG_EDGE_GLOBAL, "jobs");
    ref(31, RG_EDGE_GLOBAL, "registry");
    obj(11, "queue.Queue", 48, NULL);
    ref(12, RG_EDGE_ATTR, "queue");
    obj(12, "collections.deque", 600, NULL);
    idx(13, 0);
    obj(13, "tuple", 64, "(1, 2, <Job>)");
    idx(15, 2);
    ref(20, RG_EDGE_TYPE, NULL);
    obj(15, "__main__.Job", 56, "<Job 1>");
    ref(20, RG_EDGE_TYPE, NULL);
    obj(20, "type", 1000, "<class 'tuple'>");
    /* The Watchers sit deeper than the queue, so the tuple is on the path. */
    obj(31, "dict", 232, NULL);
    ref(32, RG_EDGE_DICT_VALUE, "'w'");
    obj(32, "Holder", 48, NULL);
    ref(30, RG_EDGE_ATTR, "items");
    obj(30, "list", 400, NULL);
    for (int i = 0; i < 40; i++)
        idx(100 + (uint64_t)i, i);
    for (int i = 0; i < 40; i++) {
        obj(100 + (uint64_t)i, "Watcher", 32, NULL);
        ref(15, RG_EDGE_ATTR, "job");
    }
    return finish();
}

/* Parse DOT back with Graphviz and count what it holds. */
static void reparse_counts(const char *dot, int *nodes, int *edges)
{
    Agraph_t *g = agmemread(dot);
    *nodes = *edges = -1;
    if (!g)
        return;
    *nodes = agnnodes(g);
    *edges = agnedges(g);
    agclose(g);
}

/* A structural XML check: tags balance, entities are the predefined or
 * numeric ones, no raw control characters. Enough to catch the ways a
 * label can break an SVG; the CLI tests also run xmllint. */
static int xml_well_formed(const char *x)
{
    char stack[64][64];
    int depth = 0, seen_root = 0;
    for (const char *p = x; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            return 0;
        if (c == '&') {
            static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
            int ok = 0;
            for (int i = 0; i < 5; i++)
                ok |= strncmp(p + 1, ents[i], strlen(ents[i])) == 0;
            if (p[1] == '#') {
                const char *q = p + 2 + (p[2] == 'x');
                while ((*q >= '0' && *q <= '9') || (p[2] == 'x' && ((*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F'))))
                    q++;
                ok = *q == ';' && q > p + 2 + (p[2] == 'x');
            }
            if (!ok)
                return 0;
            continue;
        }
        if (c == '>' && depth == 0 && seen_root)
            return 0;
        if (c != '<')
            continue;
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p, "-->");
            if (!e)
                return 0;
            p = e + 2;
            continue;
        }
        if (p[1] == '?' || p[1] == '!') {
            const char *e = strchr(p, '>');
            if (!e)
                return 0;
            p = e;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t nl = strcspn(name, " \t\n/>");
        const char *e = name + nl;
        /* Find the end of the tag, skipping quoted attribute values. */
        char q = 0;
        while (*e && (q || *e != '>')) {
            if (q && *e == q)
                q = 0;
            else if (!q && (*e == '"' || *e == '\''))
                q = *e;
            else if (q && *e == '<')
                return 0;
            e++;
        }
        if (!*e || nl == 0 || nl >= 64)
            return 0;
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], name, nl) != 0 || stack[depth - 1][nl])
                return 0;
            depth--;
        } else if (e[-1] != '/') {
            if (depth == 64)
                return 0;
            memcpy(stack[depth], name, nl);
            stack[depth][nl] = '\0';
            depth++;
            seen_root = 1;
        }
        p = e;
    }
    return depth == 0 && seen_root;
}

static char *render(const rg_diagram *d, rg_diagram_format f, size_t *len)
{
    char *out = NULL;
    size_t n = 0;
    int rc = rg_diagram_render(d, f, &out, &n);
    CHECK(rc == RG_OK);
    if (rc != RG_OK)
        fprintf(stderr, "render: %s\n", rg_last_error());
    if (len)
        *len = n;
    return out;
}

static void test_backrefs_seed(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.paths = p;
    rg_node t = node(s, 15);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    /* Job; the tuple (on the retention path, so first) and 9 Watchers, the
     * other 31 folded; deque, list; Queue, Holder; module, dict. */
    CHECK_EQ_U64(st.fold_nodes, 1);
    CHECK_EQ_U64(st.folded, 31);     /* 41 referrers, 10 drawn */
    CHECK_EQ_U64(st.folded_bytes, 31 * 32);
    CHECK_EQ_U64(st.nodes, 1 + 10 + 2 + 2 + 2);
    CHECK_EQ_U64(st.omitted, 0);
    CHECK_STR(rg_diagram_note(d), "");
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        int nn, ne;
        reparse_counts(dot, &nn, &ne);
        CHECK_EQ_U64(nn, st.nodes + st.fold_nodes);
        CHECK_EQ_U64(ne, st.edges);
        CHECK_CONTAINS(dot, "31 more referrers\\n(992 B)");
        CHECK_CONTAINS(dot, "label=\".jobs\"");
        CHECK_CONTAINS(dot, "label=\"[2]\"");
        CHECK_CONTAINS(dot, "root: module __main__");
        CHECK_CONTAINS(dot, "doubleoctagon");
        CHECK(strstr(dot, "<type>") == NULL); /* type edges are not drawn by default */
    }
    rg_free(dot);
    size_t len;
    char *svg = render(d, RG_FORMAT_SVG, &len);
    if (svg) {
        CHECK_EQ_U64(strlen(svg), len);
        CHECK(xml_well_formed(svg));
        CHECK_CONTAINS(svg, "<svg");
        CHECK_CONTAINS(svg, "31 more referrers");
    }
    rg_free(svg);
    rg_diagram_free(d);
    rg_diagram_free(NULL);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

static void test_depth_stop_highlight(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.depth = 2;
    o.too_many = 100;
    rg_node t = node(s, 15);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    /* Job; tuple + 40 Watchers; deque + list. */
    CHECK_EQ_U64(st.nodes, 1 + 41 + 2);
    CHECK_EQ_U64(st.fold_nodes, 0);
    CHECK_EQ_U64(st.depth_limited, 2);
    rg_diagram_free(d);
    o.depth = 10;
    o.stop_at_type = "collections.deque";
    o.highlight_type = "Queue";   /* last dotted component */
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats_get(d, &st);
    CHECK_EQ_U64(st.stopped, 1);
    CHECK_EQ_U64(st.nodes, 1 + 41 + 2 + 3); /* Holder, dict, module via the Watchers */
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        CHECK_CONTAINS(dot, "(not expanded)");
        CHECK(strstr(dot, "queue.Queue") == NULL);
    }
    rg_free(dot);
    rg_diagram_free(d);
    o.stop_at_type = NULL;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        CHECK_CONTAINS(dot, "queue.Queue");
        CHECK_CONTAINS(dot, "#c00000");
    }
    rg_free(dot);
    rg_diagram_free(d);
    o.highlight_type = "NoSuchType";
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_ENOTFOUND);
    CHECK_CONTAINS(rg_last_error(), "highlight type");
    rg_snapshot_free(s);
}

static void test_referents(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.direction = RG_DIAGRAM_REFERENTS;
    o.depth = 5;
    rg_node t = node(s, 10);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    /* module; Queue, dict; deque, Holder; tuple, list; Job, 10 Watchers
     * (+ a fold of 30). */
    CHECK_EQ_U64(st.nodes, 1 + 2 + 2 + 2 + 11);
    CHECK_EQ_U64(st.fold_nodes, 1);
    CHECK_EQ_U64(st.folded, 30);
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        CHECK_CONTAINS(dot, "30 more referents");
        int nn, ne;
        reparse_counts(dot, &nn, &ne);
        CHECK_EQ_U64(nn, st.nodes + st.fold_nodes);
        CHECK_EQ_U64(ne, st.edges);
    }
    rg_free(dot);
    rg_diagram_free(d);
    rg_snapshot_free(s);
}

static void test_max_nodes(void)
{
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_MODULE, "m");
    obj(1, "module", 72, NULL);
    for (int i = 0; i < 50; i++)
        ref(100 + (uint64_t)i, RG_EDGE_GLOBAL, "x");
    for (int i = 0; i < 50; i++) {
        obj(100 + (uint64_t)i, "Item", 10, NULL);
        idx(200 + (uint64_t)i, 0);
        obj(200 + (uint64_t)i, "Leaf", 10, NULL);
    }
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.direction = RG_DIAGRAM_REFERENTS;
    o.max_nodes = 20;
    o.too_many = 1000;
    o.title = "refs of \"m\"";
    rg_node t = node(s, 1);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    CHECK_EQ_U64(st.nodes, 20);
    CHECK_EQ_U64(st.omitted, 31 + 19); /* 31 Items at level 1, then the 19 drawn Items' Leaves */
    CHECK_STR(rg_diagram_note(d), "50 more objects not drawn (max-nodes 20)");
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        CHECK_CONTAINS(dot, "50 more objects not drawn (max-nodes 20)");
        CHECK_CONTAINS(dot, "refs of \\\"m\\\"");
    }
    rg_free(dot);
    rg_diagram_free(d);
    rg_snapshot_free(s);
}

/* Names with every special character: quotes, backslashes (including
 * Graphviz escapes like \N and \G), <>&, entities, newlines, controls,
 * invalid UTF-8, non-ASCII, DOT syntax, and very long text. */
static void test_hostile_names(void)
{
    static const char *hostile[] = {
        "q\"uote", "back\\slash", "\\N\\G\\E\\T\\H\\L\\l\\r\\n", "<script>alert(1)</script>",
        "a&b", "&bogus;", "&amp;", "&#0;", "new\nline", "tab\there", "ctl\x01\x1f\x7f",
        "bad\xff\xfe utf8 \xc0\x80 \xed\xa0\x80", "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x8d",
        "\"]; evil [label=\"x", "}\ndigraph { a -> b", "--> <!-- ]]> <![CDATA[",
        "trailing\\",
    };
    enum { N = sizeof hostile / sizeof hostile[0] };
    char long_name[5000];
    memset(long_name, 'L', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    rg_builder_new(&B);
    rg_builder_add_root(B, 1, RG_ROOT_OTHER, "root \"<&>\"\n\\N");
    rg_object_desc m = {.id = 1, .type = "dict", .size = 100, .refcount = -1, .name = "\\G<&>"};
    CHECK(rg_builder_add_object(B, &m) == RG_OK);
    for (int i = 0; i < N; i++)
        ref(10 + (uint64_t)i, RG_EDGE_DICT_VALUE, hostile[i]);
    ref(9, RG_EDGE_ATTR, long_name);
    for (int i = 0; i < N; i++) {
        obj(10 + (uint64_t)i, hostile[i], 10, hostile[N - 1 - i]);
        ref(9, RG_EDGE_LOCAL, hostile[i]);
    }
    obj(9, long_name, 10, long_name);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.too_many = 100;
    o.title = hostile[3];
    rg_node t = node(s, 9);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    CHECK_EQ_U64(st.nodes, N + 2);
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        int nn, ne;
        reparse_counts(dot, &nn, &ne);
        CHECK_EQ_U64(nn, st.nodes);
        CHECK_EQ_U64(ne, st.edges);
        /* Long text is cut with an ellipsis. */
        CHECK_CONTAINS(dot, "LLLL\xe2\x80\xa6");
        CHECK(strstr(dot, "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL") == NULL);
        /* The label values come back exactly as built: each \ doubled. */
        Agraph_t *g = agmemread(dot);
        CHECK(g != NULL);
        if (g) {
            int found = 0;
            for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
                char *l = agget(n, (char *)"label");
                if (l && strncmp(l, "back\\\\slash", 11) == 0)
                    found++;
                if (l && strncmp(l, "q\"uote", 6) == 0)
                    found++;
            }
            CHECK_EQ_U64(found, 2);
            agclose(g);
        }
    }
    rg_free(dot);
    char *svg = render(d, RG_FORMAT_SVG, NULL);
    if (svg) {
        CHECK(xml_well_formed(svg));
        CHECK_CONTAINS(svg, "&lt;script&gt;alert(1)&lt;/script&gt;");
        CHECK_CONTAINS(svg, "a&amp;b");
        CHECK_CONTAINS(svg, "&amp;bogus;");
        CHECK_CONTAINS(svg, "&amp;amp;");
        CHECK_CONTAINS(svg, "back\\slash");
        CHECK_CONTAINS(svg, "\\N\\G\\E");
        CHECK_CONTAINS(svg, "new\\nline");
        CHECK_CONTAINS(svg, "ctl\\x01\\x1f\\x7f");
        CHECK_CONTAINS(svg, "bad\xef\xbf\xbd");
        CHECK_CONTAINS(svg, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x8d");
        CHECK_CONTAINS(svg, "trailing\\");
    }
    rg_free(svg);
    rg_diagram_free(d);
    rg_snapshot_free(s);
}

static void test_node_set(void)
{
    rg_builder_new(&B);
    obj(1, "Node", 48, NULL);
    ref(2, RG_EDGE_ATTR, "next");
    ref(4, RG_EDGE_ATTR, "data");
    obj(2, "Node", 48, NULL);
    ref(3, RG_EDGE_ATTR, "next");
    obj(3, "Node", 48, NULL);
    ref(1, RG_EDGE_ATTR, "next");
    ref(3, RG_EDGE_ATTR, "self");
    obj(4, "dict", 232, NULL);
    rg_snapshot *s = finish();
    if (!s)
        return;
    rg_node set[4] = {node(s, 1), node(s, 2), node(s, 3), node(s, 1)};
    rg_diagram *d;
    CHECK(rg_diagram_compute_set(s, set, 4, NULL, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    CHECK_EQ_U64(st.nodes, 3);
    CHECK_EQ_U64(st.edges, 4);
    char *dot = render(d, RG_FORMAT_DOT, NULL);
    if (dot) {
        int nn, ne;
        reparse_counts(dot, &nn, &ne);
        CHECK_EQ_U64(nn, 3);
        CHECK_EQ_U64(ne, 4);
        CHECK_CONTAINS(dot, ".self");
    }
    rg_free(dot);
    rg_diagram_free(d);
    rg_snapshot_free(s);
}

static void test_formats_and_files(void)
{
    CHECK_EQ_U64(rg_diagram_format_from_path("x.svg"), RG_FORMAT_SVG);
    CHECK_EQ_U64(rg_diagram_format_from_path("dir.d/x.PNG"), RG_FORMAT_PNG);
    CHECK_EQ_U64(rg_diagram_format_from_path("x.gv"), RG_FORMAT_DOT);
    CHECK_EQ_U64(rg_diagram_format_from_path("x.pdf"), RG_FORMAT_PDF);
    CHECK(rg_diagram_format_from_path("x.jpeg") == -1);
    CHECK(rg_diagram_format_from_path("dir.svg/x") == -1);
    CHECK(rg_diagram_format_from_name("nope") == -1);
    CHECK_STR(rg_diagram_format_name(RG_FORMAT_PDF), "pdf");
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_node t = node(s, 15);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, NULL, &d) == RG_OK);
    size_t len;
    char *png = render(d, RG_FORMAT_PNG, &len);
    CHECK(png && len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    rg_free(png);
    char *pdf = render(d, RG_FORMAT_PDF, &len);
    CHECK(pdf && len > 5 && memcmp(pdf, "%PDF-", 5) == 0);
    rg_free(pdf);
    char dir[] = "/tmp/rg_test_diagram_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/out.svg", dir);
    CHECK(rg_diagram_write(d, RG_FORMAT_SVG, path) == RG_OK);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size > 100);
    unlink(path);
    snprintf(path, sizeof path, "%s/missing/out.svg", dir);
    CHECK(rg_diagram_write(d, RG_FORMAT_SVG, path) == RG_EIO);
    CHECK_CONTAINS(rg_last_error(), "cannot write");
    CHECK(rmdir(dir) == 0); /* nothing was left behind */
    char *out;
    CHECK(rg_diagram_render(d, (rg_diagram_format)7, &out, &len) == RG_EINVAL);
    rg_diagram *bad;
    CHECK(rg_diagram_compute(s, &t, 0, NULL, &bad) == RG_EINVAL);
    rg_node oob = 12345;
    CHECK(rg_diagram_compute(s, &oob, 1, NULL, &bad) == RG_EINVAL);
    rg_diagram_free(d);
    rg_snapshot_free(s);
}

typedef struct job {
    const rg_snapshot *s;
    rg_node t;
    int ok;
} job;

static void *render_thread(void *arg)
{
    job *j = arg;
    j->ok = 1;
    for (int i = 0; i < 4; i++) {
        rg_diagram *d;
        if (rg_diagram_compute(j->s, &j->t, 1, NULL, &d) != RG_OK) {
            j->ok = 0;
            break;
        }
        char *svg;
        size_t len;
        if (rg_diagram_render(d, RG_FORMAT_SVG, &svg, &len) != RG_OK || !xml_well_formed(svg))
            j->ok = 0;
        rg_free(svg);
        rg_diagram_free(d);
    }
    return NULL;
}

/* Renders from several threads are serialised by the library's lock. */
static void test_threads(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    pthread_t th[3];
    job jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (job){s, node(s, 15), 0};
        CHECK(pthread_create(&th[i], NULL, render_thread, &jobs[i]) == 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok);
    }
    rg_snapshot_free(s);
}

/* The accessors give the same diagram as data: one target at distance 0,
 * one fold standing for the 31 referrers and their bytes, every edge's ends
 * in range, and out-of-range indices refused. */
static void test_accessors(void)
{
    rg_snapshot *s = seed_graph();
    if (!s)
        return;
    rg_paths *p;
    CHECK(rg_paths_compute(s, NULL, &p) == RG_OK);
    rg_diagram_options o;
    rg_diagram_options_init(&o);
    o.paths = p;
    o.title = "what keeps Job alive";
    rg_node t = node(s, 15);
    rg_diagram *d;
    CHECK(rg_diagram_compute(s, &t, 1, &o, &d) == RG_OK);
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    size_t nn = rg_diagram_node_count(d), ne = rg_diagram_edge_count(d);
    CHECK_EQ_U64(nn, st.nodes + st.fold_nodes);
    CHECK_EQ_U64(ne, st.edges);
    CHECK_STR(rg_diagram_title(d), "what keeps Job alive");
    size_t targets = 0, folds = 0, roots = 0;
    for (size_t i = 0; i < nn; i++) {
        rg_diagram_node n;
        CHECK(rg_diagram_node_get(d, i, &n) == RG_OK);
        if (n.roles & RG_DIAGRAM_TARGET) {
            targets++;
            CHECK_EQ_U64(n.id, 15);
            CHECK_EQ_U64(n.distance, 0);
            CHECK_EQ_U64(n.size, rg_node_size(s, t));
            CHECK_STR(n.type, rg_node_type_name(s, t));
        }
        if (n.roles & RG_DIAGRAM_FOLD) {
            folds++;
            CHECK_EQ_U64(n.folded, 31);
            CHECK_EQ_U64(n.size, 31 * 32);
            CHECK_STR(n.type, "");
        }
        if (n.roles & RG_DIAGRAM_ROOT) {
            roots++;
            CHECK_STR(n.type, "module");
        }
    }
    CHECK_EQ_U64(targets, 1);
    CHECK_EQ_U64(folds, 1);
    CHECK(roots >= 1);
    int jobs_edge = 0;
    for (size_t i = 0; i < ne; i++) {
        rg_diagram_edge e;
        CHECK(rg_diagram_edge_get(d, i, &e) == RG_OK);
        CHECK(e.from < nn && e.to < nn);
        jobs_edge |= strcmp(e.label, ".jobs") == 0;
    }
    CHECK(jobs_edge);
    rg_diagram_node n;
    rg_diagram_edge e;
    CHECK(rg_diagram_node_get(d, nn, &n) == RG_EINVAL);
    CHECK_CONTAINS(rg_last_error(), "out of range");
    CHECK(rg_diagram_edge_get(d, ne, &e) == RG_EINVAL);
    CHECK(rg_diagram_node_get(NULL, 0, &n) == RG_EINVAL);
    CHECK_EQ_U64(rg_diagram_node_count(NULL), 0);
    rg_diagram_free(d);
    rg_paths_free(p);
    rg_snapshot_free(s);
}

int main(void)
{
    RUN(test_backrefs_seed);
    RUN(test_accessors);
    RUN(test_depth_stop_highlight);
    RUN(test_referents);
    RUN(test_max_nodes);
    RUN(test_hostile_names);
    RUN(test_node_set);
    RUN(test_formats_and_files);
    RUN(test_threads);
    TEST_MAIN_END();
}
