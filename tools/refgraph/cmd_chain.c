/* cmd_chain.c: refgraph chain SNAPSHOT SELECTOR: the shortest chain of
 * references from a root to an object (objgraph's find_backref_chain, with
 * edge labels), or why no root reaches it. */
#include "cli_select.h"

#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph chain [options] SNAPSHOT (--id ID | --type NAME [--all] | --name NAME)\n"
            "\n"
            "What keeps an object alive: the shortest chain of references from a root\n"
            "(a module, a thread's frame, builtins, gc.garbage) to it, root first, one\n"
            "hop per line: the object's type and short repr or name, then the label of the\n"
            "reference to the next hop (.attr, ['key'], [17], <cell 'x'>, frame local 'x').\n"
            "Weak and <type> (instance -> class) references never count; unnamed internal\n"
            "references only when nothing named reaches (docs/chains.md). When no root\n"
            "reaches the object, says why: an unreachable cycle, a holder outside the heap\n"
            "(refcount above the references the snapshot shows), or excluded edges.\n"
            "\n"
            CLI_SELECT_HELP
            "\n"
            "options:\n"
            "  --ignore-type T   chains never pass through instances of type T (repeatable)\n"
            "  --ignore-edge E   chains never use edges of kind E (attr, key, value, index,\n"
            "                    slot, cell, local, global, internal) or with label E as\n"
            "                    printed ('.f_globals', \"['k']\", '[0]') (repeatable)\n"
            "  --json            machine-readable output (schema in docs/chains.md)\n"
            "  --no-retained     skip the retained size of each hop (no dominator tree: faster)\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n"
            "\n"
            "exit status: 0 answered (reachable or not), 1 unreadable snapshot or nothing\n"
            "matches the selector, 2 usage error.\n");
}

#define MAX_IGNORES 64

typedef struct chain_args {
    cli_selector sel;
    int json;
    const char *ignore_types[MAX_IGNORES];
    size_t n_types;
    const char *ignore_labels[MAX_IGNORES];
    size_t n_labels;
    unsigned ignore_kinds;
    int no_retained;
} chain_args;

/* ------------------------------------------------------------- text output */

static void edge_text(const rg_snapshot *s, const rg_edge *e, char *buf, size_t cap)
{
    char raw[512];
    rg_edge_label_format(s, e, raw, sizeof raw);
    /* Labels come from the snapshot: keep them on one line, inert. */
    cli_term_escape(raw, buf, cap);
}

/* Retained sizes for the hops, when computed (the CLI's own, per run). */
static const rg_dominators *hop_dom;

/* The dominator tree for the retained column, computed on a second thread
 * while this one finds the paths and the object: the two need nothing from
 * each other until the chain is printed. */
typedef struct dom_job {
    const rg_snapshot *snap;
    rg_dominators *dom;   /* NULL when it could not be computed */
    pthread_t thread;
    int threaded;
} dom_job;

static void *dom_main(void *arg)
{
    dom_job *j = arg;
    if (rg_dominators_compute(j->snap, &j->dom) != RG_OK)
        j->dom = NULL;
    return NULL;
}

static void dom_start(dom_job *j, const rg_snapshot *snap)
{
    j->snap = snap;
    j->dom = NULL;
    j->threaded = pthread_create(&j->thread, NULL, dom_main, j) == 0;
}

/* The tree, once computed (on this thread if no second one could start). */
static rg_dominators *dom_finish(dom_job *j)
{
    if (j->threaded)
        pthread_join(j->thread, NULL);
    else
        dom_main(j);
    j->threaded = 0;
    return j->dom;
}

/* "  1.48 MB" before a hop's label: what the object retains, so the jump
 * where the bytes pile up shows (memlab's traces show the same). */
static void print_retained(const rg_snapshot *s, rg_node v)
{
    char b[32];
    (void)s;
    if (hop_dom)
        printf("  %9s", cli_fmt_bytes(b, sizeof b, rg_dominators_retained(hop_dom, v)));
}

/* Print hops: edges[i].from with the label of edges[i], then the last `to`. */
static void print_hops(const rg_snapshot *s, const rg_edge *edges, size_t n, rg_node last, const char *indent)
{
    size_t width = 0;
    char desc[256], label[512];
    for (size_t i = 0; i < n; i++) {
        cli_describe_node(s, edges[i].from, desc, sizeof desc);
        if (strlen(desc) > width)
            width = strlen(desc);
    }
    if (width > 70)
        width = 70;
    for (size_t i = 0; i < n; i++) {
        cli_describe_node(s, edges[i].from, desc, sizeof desc);
        edge_text(s, &edges[i], label, sizeof label);
        printf("%s%-*s", indent, (int)width, desc);
        print_retained(s, edges[i].from);
        printf("  %s\n", label);
    }
    cli_describe_node(s, last, desc, sizeof desc);
    printf("%s%-*s", indent, (int)width, desc);
    print_retained(s, last);
    printf("\n");
}

static void print_root_line(const rg_snapshot *s, const rg_paths *p, rg_node target, const char *indent)
{
    uint32_t r;
    if (rg_paths_root(p, target, &r) != RG_OK)
        return;
    rg_root root;
    rg_root_get(s, r, &root);
    const char *label = cli_term(root.label);
    printf("%sroot: %s%s%s%s\n", indent, rg_root_kind_name(root.kind), *label ? " '" : "", label, *label ? "'" : "");
}

static void print_reachable(const rg_snapshot *s, const rg_paths *p, rg_node target, const char *indent)
{
    rg_edge *edges;
    size_t n;
    if (rg_paths_chain(p, target, &edges, &n) != RG_OK)
        return;
    print_root_line(s, p, target, indent);
    print_hops(s, edges, n, target, indent);
    rg_free(edges);
}

static void print_unreachable(const rg_snapshot *s, const rg_paths *p, rg_node target, const char *indent)
{
    rg_unreachable w;
    rg_paths_why_unreachable(p, target, &w);
    char desc[256];
    rg_edge *edges = NULL;
    size_t n = 0;
    switch (w.kind) {
    case RG_UNREACHABLE_EXCLUDED:
        printf("%sno root reaches it through the references chains use; it is reachable only\n"
               "%sthrough an excluded reference (a <type> edge, --ignore-edge, --ignore-type):\n",
               indent, indent);
        print_reachable(s, p, w.holder, indent);
        if (rg_paths_holder_chain(p, target, &edges, &n) == RG_OK && n)
            print_hops(s, edges, n, target, indent);
        break;
    case RG_UNREACHABLE_OUTSIDE:
        cli_describe_node(s, w.holder, desc, sizeof desc);
        printf("%sheld from outside the heap: %s%s has refcount %lld but the snapshot shows\n"
               "%sonly %lld strong reference%s to it; %lld reference%s come%s from outside the heap\n"
               "%s(a C extension, a leaked Py_IncRef, an embedding application).\n",
               indent, w.holder == target ? "" : "its holder ", desc, (long long)rg_node_refcount(s, w.holder),
               indent, (long long)(rg_node_refcount(s, w.holder) - w.unexplained_refs),
               rg_node_refcount(s, w.holder) - w.unexplained_refs == 1 ? "" : "s",
               (long long)w.unexplained_refs, w.unexplained_refs == 1 ? "" : "s",
               w.unexplained_refs == 1 ? "s" : "", indent);
        if (rg_paths_holder_chain(p, target, &edges, &n) == RG_OK && n) {
            printf("%sfrom the holder:\n", indent);
            print_hops(s, edges, n, target, indent);
        }
        break;
    case RG_UNREACHABLE_CYCLE:
        printf("%son an unreachable reference cycle of %u object%s: no root reaches it, the\n"
               "%scycle keeps itself alive until the cycle collector runs (or forever if gc is\n"
               "%sdisabled or the objects are in gc.garbage). The cycle:\n",
               indent, w.cycle_size, w.cycle_size == 1 ? "" : "s", indent, indent);
        if (rg_paths_cycle(p, target, &edges, &n) == RG_OK)
            print_hops(s, edges, n, target, indent);
        break;
    case RG_UNREACHABLE_FROM_CYCLE:
        cli_describe_node(s, w.holder, desc, sizeof desc);
        printf("%sreachable only from an unreachable reference cycle of %u object%s, through %s:\n",
               indent, w.cycle_size, w.cycle_size == 1 ? "" : "s", desc);
        if (rg_paths_holder_chain(p, target, &edges, &n) == RG_OK && n)
            print_hops(s, edges, n, target, indent);
        break;
    default:
        printf("%sno root reaches it, it is on no reference cycle, and the snapshot shows no\n"
               "%sholder (no refcount above its known references): likely garbage not yet freed,\n"
               "%sor a snapshot without refcounts.\n", indent, indent, indent);
        break;
    }
    rg_free(edges);
}

static void print_target(const rg_snapshot *s, const rg_paths *p, rg_node t, const char *indent)
{
    if (rg_paths_distance(p, t) != RG_DISTANCE_NONE)
        print_reachable(s, p, t, indent);
    else
        print_unreachable(s, p, t, indent);
}

static void print_text(const rg_snapshot *s, const rg_paths *p, const chain_args *a, const cli_selection *sel)
{
    char desc[256], bytes[32], count[32];
    if (!a->sel.all) {
        cli_describe_node(s, sel->target, desc, sizeof desc);
        uint32_t d = rg_paths_distance(p, sel->target);
        printf("%s (id %llu, %s)", desc, (unsigned long long)rg_node_id(s, sel->target),
               cli_fmt_bytes(bytes, sizeof bytes, rg_node_size(s, sel->target)));
        if (d == RG_DISTANCE_NONE)
            printf(" is not reachable from any root:\n");
        else
            printf(" is kept alive by a chain of %u reference%s%s:\n", d, d == 1 ? "" : "s",
                   hop_dom ? " (beside each object, what it retains)" : "");
        print_target(s, p, sel->target, "  ");
        if (sel->type != UINT32_MAX)
            printf("(%s; --all shows every chain shape)\n", cli_term(sel->what));
        return;
    }
    printf("%s instance%s of %s in %zu chain shape%s:\n", cli_fmt_count(count, sizeof count, sel->n_instances),
           sel->n_instances == 1 ? "" : "s", cli_term(rg_type_name(s, sel->type)), sel->n_groups,
           sel->n_groups == 1 ? "" : "s");
    for (size_t g = 0; g < sel->n_groups; g++) {
        const rg_chain_group *gr = &sel->groups[g];
        printf("\n[%zu] %s instance%s (%s), e.g. id %llu%s\n", g + 1, cli_fmt_count(count, sizeof count, gr->count),
               gr->count == 1 ? "" : "s", cli_fmt_bytes(bytes, sizeof bytes, gr->bytes),
               (unsigned long long)rg_node_id(s, gr->representative),
               gr->why == RG_REACHABLE ? ":" : ", not reachable from any root:");
        print_target(s, p, gr->representative, "  ");
    }
}

/* ------------------------------------------------------------- JSON output */

static void json_node(yajl_gen g, const rg_snapshot *s, rg_node n)
{
    yajl_gen_map_open(g);
    cli_json_kv_uint(g, "id", rg_node_id(s, n));
    cli_json_kv_str(g, "type", rg_node_type_name(s, n));
    if (*rg_node_name(s, n))
        cli_json_kv_str(g, "name", rg_node_name(s, n));
    if (*rg_node_repr(s, n))
        cli_json_kv_str(g, "repr", rg_node_repr(s, n));
    cli_json_kv_uint(g, "size", rg_node_size(s, n));
    if (rg_node_refcount(s, n) >= 0)
        cli_json_kv_int(g, "refcount", rg_node_refcount(s, n));
}

/* [{node..., "edge": {...}}, ..., {last node}] */
static void json_hops(yajl_gen g, const rg_snapshot *s, const char *key, const rg_edge *edges, size_t n, rg_node last)
{
    cli_json_str(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        json_node(g, s, edges[i].from);
        char label[1024];
        size_t need = rg_edge_label_format(s, &edges[i], label, sizeof label);
        char *big = need >= sizeof label ? malloc(need + 1) : NULL;
        if (big)
            rg_edge_label_format(s, &edges[i], big, need + 1);
        cli_json_str(g, "edge");
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "kind", rg_edge_kind_name(edges[i].kind));
        cli_json_kv_str(g, "label", big ? big : label);
        yajl_gen_map_close(g);
        free(big);
        yajl_gen_map_close(g);
    }
    json_node(g, s, last);
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
}

static void json_result(yajl_gen g, const rg_snapshot *s, const rg_paths *p, rg_node t)
{
    cli_json_str(g, "target");
    json_node(g, s, t);
    yajl_gen_map_close(g);
    rg_edge *edges = NULL;
    size_t n = 0;
    uint32_t r;
    if (rg_paths_root(p, t, &r) == RG_OK) {
        rg_root root;
        rg_root_get(s, r, &root);
        yajl_gen_string(g, (const unsigned char *)"reachable", 9);
        yajl_gen_bool(g, 1);
        cli_json_str(g, "root");
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "kind", rg_root_kind_name(root.kind));
        cli_json_kv_str(g, "label", root.label);
        yajl_gen_map_close(g);
        if (rg_paths_chain(p, t, &edges, &n) == RG_OK)
            json_hops(g, s, "chain", edges, n, t);
        rg_free(edges);
        return;
    }
    rg_unreachable w;
    rg_paths_why_unreachable(p, t, &w);
    yajl_gen_string(g, (const unsigned char *)"reachable", 9);
    yajl_gen_bool(g, 0);
    cli_json_kv_str(g, "why", rg_unreachable_kind_name(w.kind));
    if (w.holder != RG_NODE_NONE) {
        cli_json_str(g, "holder");
        json_node(g, s, w.holder);
        yajl_gen_map_close(g);
        if (rg_paths_holder_chain(p, t, &edges, &n) == RG_OK)
            json_hops(g, s, "holder_chain", edges, n, t);
        rg_free(edges);
        edges = NULL;
    }
    if (w.kind == RG_UNREACHABLE_OUTSIDE)
        cli_json_kv_int(g, "unexplained_refs", w.unexplained_refs);
    if (w.kind == RG_UNREACHABLE_CYCLE || w.kind == RG_UNREACHABLE_FROM_CYCLE)
        cli_json_kv_uint(g, "cycle_size", w.cycle_size);
    if (w.kind == RG_UNREACHABLE_CYCLE && rg_paths_cycle(p, t, &edges, &n) == RG_OK)
        json_hops(g, s, "cycle", edges, n, t);
    if (w.kind == RG_UNREACHABLE_EXCLUDED && rg_paths_chain(p, w.holder, &edges, &n) == RG_OK) {
        json_hops(g, s, "holder_root_chain", edges, n, w.holder);
    }
    rg_free(edges);
}

static int print_json(const rg_snapshot *s, const rg_paths *p, const chain_args *a, const cli_selection *sel)
{
    yajl_gen g = cli_json_new();
    if (!g)
        return -1;
    yajl_gen_map_open(g);
    cli_json_kv_str(g, "snapshot", rg_snapshot_info_get(s)->path);
    if (sel->type != UINT32_MAX) {
        cli_json_kv_str(g, "type", rg_type_name(s, sel->type));
        cli_json_kv_uint(g, "instances", sel->n_instances);
    }
    cli_json_str(g, "results");
    yajl_gen_array_open(g);
    size_t n = a->sel.all ? sel->n_groups : 1;
    for (size_t i = 0; i < n; i++) {
        yajl_gen_map_open(g);
        if (sel->groups) {
            cli_json_kv_uint(g, "count", sel->groups[i].count);
            cli_json_kv_uint(g, "bytes", sel->groups[i].bytes);
        } else {
            cli_json_kv_uint(g, "count", 1);
            cli_json_kv_uint(g, "bytes", rg_node_size(s, sel->target));
        }
        json_result(g, s, p, a->sel.all ? sel->groups[i].representative : sel->target);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    return cli_json_finish(g, stdout);
}

/* ------------------------------------------------------------ the command */

/* Does `rule` (an --ignore-edge label as the user wrote it) name the edge
 * whose label prints as `label`? As rg_paths_compute matches: the printed
 * label, or a bare name for the attribute, slot or global of that name. */
static int label_rule_matches(const char *rule, const char *label, rg_edge_kind kind)
{
    if (strcmp(rule, label) == 0)
        return 1;
    if (strcmp(rule, "<cell>") == 0)
        return kind == RG_EDGE_CELL;
    if (kind == RG_EDGE_ATTR || kind == RG_EDGE_SLOT || kind == RG_EDGE_GLOBAL)
        return label[0] == '.' && strcmp(rule, label + 1) == 0;
    return 0;
}

/* The distinct printed labels of the snapshot's named edges (attributes,
 * slots, globals, keys, values, cells, locals), for a "did you mean". */
static void suggest_label(const rg_snapshot *snap, const char *rule, char *dym, size_t cap)
{
    dym[0] = '\0';
    uint32_t n = rg_node_count(snap), max_label = 0;
    for (rg_node v = 0; v < n; v++)
        for (uint32_t i = 0, k = rg_referent_count(snap, v); i < k; i++) {
            rg_edge e;
            rg_referent_get(snap, v, i, &e);
            if (e.kind != RG_EDGE_INDEX && e.label > max_label)
                max_label = e.label;
        }
    unsigned char *seen = calloc((size_t)max_label + 1, RG_EDGE_KIND_COUNT);
    cli_strlist labels = {0};
    for (rg_node v = 0; v < n && seen; v++)
        for (uint32_t i = 0, k = rg_referent_count(snap, v); i < k; i++) {
            rg_edge e;
            rg_referent_get(snap, v, i, &e);
            if (e.kind == RG_EDGE_INDEX || e.kind == RG_EDGE_TYPE || e.label == 0 ||
                seen[(size_t)e.label * RG_EDGE_KIND_COUNT + e.kind]++)
                continue;
            char buf[256];
            rg_edge_label_format(snap, &e, buf, sizeof buf);
            if (cli_strlist_add(&labels, buf))
                goto out;
        }
    if (labels.n) {
        /* A bare rule is compared with bare names too. */
        int bare = rule[0] != '.' && rule[0] != '[' && rule[0] != '<';
        if (bare)
            for (size_t i = 0; i < labels.n; i++)
                if (labels.v[i][0] == '.')
                    memmove(labels.v[i], labels.v[i] + 1, strlen(labels.v[i]));
        cli_did_you_mean(dym, cap, "", rule, (const char *const *)labels.v, labels.n);
    }
out:
    cli_strlist_free(&labels);
    free(seen);
}

/* Every --ignore-edge label must name at least one edge of the snapshot. */
static int check_ignore_labels(const rg_snapshot *snap, const chain_args *a)
{
    unsigned char matched[MAX_IGNORES] = {0};
    size_t left = 0;
    for (size_t j = 0; j < a->n_labels; j++) {
        /* Kind names are checked when parsed; <type> and <weak> are kinds. */
        if (strcmp(a->ignore_labels[j], "<type>") == 0 || strcmp(a->ignore_labels[j], "<weak>") == 0)
            matched[j] = 1;
        else
            left++;
    }
    uint32_t n = rg_node_count(snap);
    for (rg_node v = 0; v < n && left; v++)
        for (uint32_t i = 0, k = rg_referent_count(snap, v); i < k && left; i++) {
            rg_edge e;
            char buf[256];
            rg_referent_get(snap, v, i, &e);
            rg_edge_label_format(snap, &e, buf, sizeof buf);
            for (size_t j = 0; j < a->n_labels; j++)
                if (!matched[j] && label_rule_matches(a->ignore_labels[j], buf, e.kind)) {
                    matched[j] = 1;
                    left--;
                }
        }
    for (size_t j = 0; j < a->n_labels; j++) {
        if (matched[j])
            continue;
        char dym[512];
        suggest_label(snap, a->ignore_labels[j], dym, sizeof dym);
        fprintf(stderr, "refgraph chain: --ignore-edge %s matches no edge kind and no reference in %s%s\n",
                cli_term(a->ignore_labels[j]), cli_term(rg_snapshot_info_get(snap)->path), dym);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_chain_options[] = {
    CLI_SELECT_LONG_OPTIONS,
    {"ignore-type", required_argument, NULL, 't'},
    {"ignore-edge", required_argument, NULL, 'e'},
    {"json", no_argument, NULL, 'j'},
    {"no-retained", no_argument, NULL, 'R'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

static int parse(int argc, char **argv, chain_args *a, cli_load_options *lo, int *done)
{
    const struct option *opts = cli_chain_options;
    int c;
    *done = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_select_option(&a->sel, c, optarg))
            continue;
        switch (c) {
        case 't':
            if (a->n_types == MAX_IGNORES)
                return cli_usage_error("chain", "at most %d --ignore-type options", MAX_IGNORES);
            a->ignore_types[a->n_types++] = optarg;
            break;
        case 'e': {
            int k = rg_edge_kind_from_name(optarg);
            if (k == RG_EDGE_WEAK || k == RG_EDGE_TYPE)
                break; /* never used anyway */
            if (k >= 0) {
                a->ignore_kinds |= 1u << k;
            } else {
                if (a->n_labels == MAX_IGNORES)
                    return cli_usage_error("chain", "at most %d --ignore-edge labels", MAX_IGNORES);
                a->ignore_labels[a->n_labels++] = optarg;
            }
            break;
        }
        case 'j': a->json = 1; break;
        case 'R': a->no_retained = 1; break;
        case 'h': help(stdout); *done = 1; return EXIT_OK;
        default: {
            int r = cli_load_option(lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error("chain", opts, argc, argv);
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error("chain", "no snapshot given");
    if (argc - optind > 1)
        return cli_usage_error("chain", "one snapshot at a time");
    return cli_select_check("chain", &a->sel);
}

int cmd_chain(int argc, char **argv)
{
    chain_args a;
    memset(&a, 0, sizeof a);
    cli_load_options lo = {0};
    int done, rc = parse(argc, argv, &a, &lo, &done);
    if (rc != EXIT_OK || done)
        return rc;
    rg_snapshot *snap;
    if (cli_open(argv[optind], &lo, &snap) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_path_options po;
    rg_path_options_init(&po);
    po.ignore_edge_kinds |= a.ignore_kinds;
    po.ignore_types = a.ignore_types;
    po.n_ignore_types = a.n_types;
    po.ignore_labels = a.ignore_labels;
    po.n_ignore_labels = a.n_labels;
    /* A rule that matches nothing is a typo, not a wish: an error, so that
     * a mistyped rule never silently answers another question. */
    for (size_t i = 0; i < a.n_types; i++) {
        uint32_t t;
        if (rg_type_find(snap, a.ignore_types[i], &t) != RG_OK) {
            char dym[512] = "";
            if (rg_last_error_code() == RG_ENOTFOUND)
                cli_did_you_mean_type(dym, sizeof dym, snap, a.ignore_types[i]);
            fprintf(stderr, "refgraph chain: --ignore-type %s matches nothing: %s%s\n",
                    cli_term(a.ignore_types[i]), cli_term(rg_last_error()), dym);
            rg_snapshot_free(snap);
            return EXIT_USAGE;
        }
        a.ignore_types[i] = rg_type_name(snap, t);
    }
    if ((rc = check_ignore_labels(snap, &a)) != EXIT_OK) {
        rg_snapshot_free(snap);
        return rc;
    }
    rg_paths *paths = NULL;
    cli_selection sel;
    memset(&sel, 0, sizeof sel);
    int want_dom = !a.json && !a.no_retained;
    dom_job dj;
    if (want_dom)
        dom_start(&dj, snap);
    if (rg_paths_compute(snap, &po, &paths) != RG_OK) {
        fprintf(stderr, "refgraph chain: %s\n", cli_term(rg_last_error()));
        rc = EXIT_BAD_INPUT;
    } else if ((rc = cli_select("chain", snap, paths, &a.sel, &sel)) == EXIT_OK) {
        if (want_dom) {
            cli_progress_begin("analysing dominators");
            hop_dom = dom_finish(&dj);
            want_dom = 0;
            cli_progress_end();
        }
        if (a.json)
            rc = print_json(snap, paths, &a, &sel) == 0 ? EXIT_OK : EXIT_BAD_INPUT;
        else
            print_text(snap, paths, &a, &sel);
    }
    if (want_dom)
        rg_dominators_free(dom_finish(&dj)); /* not printed: the selection failed */
    cli_selection_free(&sel);
    rg_dominators_free((rg_dominators *)hop_dom);
    hop_dom = NULL;
    rg_paths_free(paths);
    rg_snapshot_free(snap);
    if (fflush(stdout) != 0)
        return EXIT_BAD_INPUT;
    return rc;
}
