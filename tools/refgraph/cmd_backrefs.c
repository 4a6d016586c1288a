/* cmd_backrefs.c: refgraph backrefs / refs SNAPSHOT SELECTOR: draw the
 * referrers (or referents) around an object with Graphviz, like objgraph's
 * show_backrefs / show_refs, with edge labels, sizes, roots drawn apart and
 * fan-in folded. */
#include "cli_select.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *out, const char *cmd)
{
    int back = strcmp(cmd, "backrefs") == 0;
    fprintf(out,
            "usage: refgraph %s [options] SNAPSHOT (--id ID | --type NAME [--all] | --name NAME)\n"
            "\n"
            "%s\n"
            "Edges carry their labels, node colour follows the distance from the selection,\n"
            "sizes are shown, roots are drawn as double octagons, and a node with more than\n"
            "--too-many %s folds the rest into one \"N more %s (X bytes)\" node.\n"
            "With --type --all, one instance per chain shape is selected.\n"
            "\n"
            CLI_SELECT_HELP
            "\n"
            "options:\n"
            "  --depth N         levels out from the selection (default 6)\n"
            "  --max-nodes N     draw at most N objects (default 300); what is left out is\n"
            "                    noted in the diagram and on stderr\n"
            "  --too-many N      fold %s beyond N per node (default 10)\n"
            "  --highlight TYPE  draw instances of TYPE highlighted\n"
            "  --stop-at TYPE    draw instances of TYPE but do not expand them\n"
            "  -o FILE           write to FILE (atomically); the format follows the\n"
            "                    extension: .dot/.gv, .svg, .png, .pdf. '-' is stdout; a\n"
            "                    FILE that is not a regular file (a FIFO, a terminal,\n"
            "                    /dev/stdout) is written in place\n"
            "  --format F        dot, svg, png or pdf (overrides the extension)\n"
            "  --json            the diagram's nodes and edges as JSON on stdout instead\n"
            "                    (not with -o or --format; schema in docs/cli.md)\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n"
            "\n"
            "Without -o the diagram goes to stdout (DOT unless --format says otherwise).\n"
            "exit status: 0 ok, 1 unreadable snapshot, nothing matches the selector, or the\n"
            "diagram cannot be rendered or written, 2 usage error.\n",
            cmd,
            back ? "Draw who refers to the selected object, up to --depth levels out: the answer\n"
                   "to \"what keeps it alive\" as a picture (objgraph.show_backrefs)."
                 : "Draw what the selected object refers to, up to --depth levels out\n"
                   "(objgraph.show_refs).",
            back ? "referrers" : "referents", back ? "referrers" : "referents",
            back ? "referrers" : "referents");
}

typedef struct diagram_args {
    cli_selector sel;
    rg_diagram_options o;
    const char *output;
    int format;
    int json;
} diagram_args;

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_diagram_options[] = {
    CLI_SELECT_LONG_OPTIONS,
    {"depth", required_argument, NULL, 'd'},
    {"max-nodes", required_argument, NULL, 'm'},
    {"too-many", required_argument, NULL, 'T'},
    {"highlight", required_argument, NULL, 'H'},
    {"stop-at", required_argument, NULL, 'S'},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

static int parse(const char *cmd, int argc, char **argv, diagram_args *a, cli_load_options *lo, int *done)
{
    const struct option *opts = cli_diagram_options;
    int c;
    long long v;
    *done = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (cli_select_option(&a->sel, c, optarg))
            continue;
        switch (c) {
        case 'd':
            if ((v = cli_parse_count(cmd, "--depth", optarg)) < 0)
                return EXIT_USAGE;
            a->o.depth = v > 1000000 ? 1000000 : (uint32_t)v;
            break;
        case 'm':
            if ((v = cli_parse_count(cmd, "--max-nodes", optarg)) < 0)
                return EXIT_USAGE;
            if (v == 0)
                return cli_usage_error(cmd, "--max-nodes must be at least 1");
            a->o.max_nodes = v > 1000000 ? 1000000 : (uint32_t)v;
            break;
        case 'T':
            if ((v = cli_parse_count(cmd, "--too-many", optarg)) < 0)
                return EXIT_USAGE;
            if (v == 0)
                return cli_usage_error(cmd, "--too-many must be at least 1");
            a->o.too_many = v > 1000000 ? 1000000 : (uint32_t)v;
            break;
        case 'H': a->o.highlight_type = optarg; break;
        case 'S': a->o.stop_at_type = optarg; break;
        case 'o': a->output = optarg; break;
        case 'f':
            if ((a->format = rg_diagram_format_from_name(optarg)) < 0)
                return cli_usage_error(cmd, "--format takes dot, svg, png or pdf, not '%s'", optarg);
            break;
        case 'j': a->json = 1; break;
        case 'h': help(stdout, cmd); *done = 1; return EXIT_OK;
        default: {
            int r = cli_load_option(lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error(cmd, opts, argc, argv);
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "no snapshot given");
    if (argc - optind > 1)
        return cli_usage_error(cmd, "one snapshot at a time");
    if (a->json && (a->output || a->format >= 0))
        return cli_usage_error(cmd, "--json writes the diagram as JSON on stdout: not with %s",
                               a->output ? "-o" : "--format");
    if (a->output && !*a->output)
        return cli_usage_error(cmd, "-o needs a file name");
    /* stdout, whatever it is (a pipe, a terminal, a file opened for
     * appending); the format is --format's, else DOT */
    if (a->output && (strcmp(a->output, "-") == 0 || strcmp(a->output, "/dev/stdout") == 0))
        a->output = NULL;
    if (a->format < 0 && a->output && (a->format = rg_diagram_format_from_path(a->output)) < 0)
        return cli_usage_error(cmd, "cannot tell the format from '%s': use a .dot, .gv, .svg, .png or "
                                    ".pdf name, or --format", a->output);
    if (a->format < 0)
        a->format = RG_FORMAT_DOT;
    return cli_select_check(cmd, &a->sel);
}

/* The objects to draw: the selection, or with --type --all one per chain shape. */
static int targets(const cli_selection *sel, int all, rg_node **out, size_t *n)
{
    size_t k = all && sel->groups ? sel->n_groups : 1;
    *out = malloc(k * sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < k; i++)
        (*out)[i] = all && sel->groups ? sel->groups[i].representative : sel->target;
    *n = k;
    return 0;
}

/* Render and write into an open stream: stdout, or a file that is not a
 * regular one. */
static int emit_stream(const char *cmd, const diagram_args *a, const rg_diagram *d, FILE *out,
                       const char *name)
{
    char *buf;
    size_t len;
    if (rg_diagram_render(d, (rg_diagram_format)a->format, &buf, &len) != RG_OK) {
        fprintf(stderr, "refgraph %s: %s\n", cmd, cli_term(rg_last_error()));
        return EXIT_BAD_INPUT;
    }
    int bad = fwrite(buf, 1, len, out) != len || fflush(out) != 0;
    rg_free(buf);
    if (bad && name)
        fprintf(stderr, "refgraph %s: %s: cannot write: %s\n", cmd, cli_term(name), strerror(errno));
    return bad ? EXIT_BAD_INPUT : EXIT_OK; /* on stdout, main() says why */
}

/* -o FILE. A regular file (or a new one) is written atomically: a temporary
 * file renamed over it when complete. Anything else that exists, a FIFO, a
 * terminal, /dev/null, /dev/stdout or a symlink to one, is written in place:
 * renaming over it would replace the device or its symlink (as root,
 * /dev/stdout itself) with a regular file. A symlink to a regular file is
 * followed, so the link stays a link. */
static int emit_file(const char *cmd, const diagram_args *a, const rg_diagram *d)
{
    const char *path = a->output;
    struct stat st, lst;
    char real[PATH_MAX];
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "refgraph %s: %s: is a directory\n", cmd, cli_term(path));
        return EXIT_BAD_INPUT;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "wb");
        if (!f) {
            fprintf(stderr, "refgraph %s: %s: cannot write: %s\n", cmd, cli_term(path), strerror(errno));
            return EXIT_BAD_INPUT;
        }
        int rc = emit_stream(cmd, a, d, f, path);
        if (fclose(f) != 0 && rc == EXIT_OK) {
            fprintf(stderr, "refgraph %s: %s: cannot write: %s\n", cmd, cli_term(path), strerror(errno));
            rc = EXIT_BAD_INPUT;
        }
        return rc;
    }
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(path, real))
        path = real;
    if (rg_diagram_write(d, (rg_diagram_format)a->format, path) != RG_OK) {
        fprintf(stderr, "refgraph %s: %s\n", cmd, cli_term(rg_last_error()));
        return EXIT_BAD_INPUT;
    }
    return EXIT_OK;
}

/* --json: the diagram as data, the schema in docs/cli.md. */
static int emit_json(const char *cmd, const rg_diagram *d)
{
    static const struct {
        unsigned bit;
        const char *name;
    } roles[] = {{RG_DIAGRAM_TARGET, "target"}, {RG_DIAGRAM_ROOT, "root"}, {RG_DIAGRAM_HIGHLIGHT, "highlight"},
                 {RG_DIAGRAM_STOPPED, "stopped"}, {RG_DIAGRAM_FOLD, "fold"}};
    yajl_gen g = cli_json_new();
    if (!g) {
        fprintf(stderr, "refgraph %s: out of memory\n", cmd);
        return EXIT_BAD_INPUT;
    }
    rg_diagram_stats st;
    rg_diagram_stats_get(d, &st);
    yajl_gen_map_open(g);
    cli_json_kv_str(g, "command", cmd);
    cli_json_kv_str(g, "direction", strcmp(cmd, "backrefs") == 0 ? "referrers" : "referents");
    cli_json_kv_str(g, "title", rg_diagram_title(d));
    cli_json_kv_str(g, "note", rg_diagram_note(d));
    cli_json_str(g, "stats");
    yajl_gen_map_open(g);
    cli_json_kv_uint(g, "objects", st.nodes);
    cli_json_kv_uint(g, "fold_nodes", st.fold_nodes);
    cli_json_kv_uint(g, "edges", st.edges);
    cli_json_kv_uint(g, "omitted", st.omitted);
    cli_json_kv_uint(g, "folded", st.folded);
    cli_json_kv_uint(g, "folded_bytes", st.folded_bytes);
    cli_json_kv_uint(g, "stopped", st.stopped);
    cli_json_kv_uint(g, "depth_limited", st.depth_limited);
    yajl_gen_map_close(g);
    cli_json_str(g, "nodes");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rg_diagram_node_count(d); i++) {
        rg_diagram_node n;
        rg_diagram_node_get(d, i, &n);
        yajl_gen_map_open(g);
        cli_json_kv_uint(g, "index", i);
        cli_json_str(g, "roles");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++)
            if (n.roles & roles[k].bit)
                cli_json_str(g, roles[k].name);
        yajl_gen_array_close(g);
        cli_json_kv_uint(g, "distance", n.distance);
        if (n.roles & RG_DIAGRAM_FOLD) {
            cli_json_kv_uint(g, "folded", n.folded);
            cli_json_kv_uint(g, "bytes", n.size);
        } else {
            cli_json_kv_uint(g, "id", n.id);
            cli_json_kv_str(g, "type", n.type);
            cli_json_kv_str(g, "text", n.text);
            cli_json_kv_uint(g, "size", n.size);
            cli_json_kv_int(g, "length", n.length);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    cli_json_str(g, "edges");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < rg_diagram_edge_count(d); i++) {
        rg_diagram_edge e;
        rg_diagram_edge_get(d, i, &e);
        yajl_gen_map_open(g);
        cli_json_kv_uint(g, "from", e.from);
        cli_json_kv_uint(g, "to", e.to);
        cli_json_kv_str(g, "kind", rg_edge_kind_name(e.kind));
        cli_json_kv_str(g, "label", e.label);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    return cli_json_finish(g, stdout) == 0 ? EXIT_OK : EXIT_BAD_INPUT;
}

static int emit(const char *cmd, const diagram_args *a, const rg_diagram *d)
{
    if (a->json)
        return emit_json(cmd, d);
    return a->output ? emit_file(cmd, a, d) : emit_stream(cmd, a, d, stdout, NULL);
}

static int run(const char *cmd, rg_diagram_direction dir, int argc, char **argv)
{
    diagram_args a;
    memset(&a, 0, sizeof a);
    rg_diagram_options_init(&a.o);
    a.o.direction = dir;
    a.format = -1;
    cli_load_options lo = {0};
    int done, rc = parse(cmd, argc, argv, &a, &lo, &done);
    if (rc != EXIT_OK || done)
        return rc;
    rg_snapshot *snap;
    if (cli_open(argv[optind], &lo, &snap) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_paths *paths = NULL;
    rg_diagram *d = NULL;
    rg_node *nodes = NULL;
    size_t n = 0;
    cli_selection sel;
    memset(&sel, 0, sizeof sel);
    if (rg_paths_compute(snap, NULL, &paths) != RG_OK) {
        fprintf(stderr, "refgraph %s: %s\n", cmd, cli_term(rg_last_error()));
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    if ((rc = cli_select(cmd, snap, paths, &a.sel, &sel)) != EXIT_OK)
        goto done;
    if (targets(&sel, a.sel.all, &nodes, &n) != 0) {
        fprintf(stderr, "refgraph %s: out of memory\n", cmd);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    a.o.paths = paths;
    if (rg_diagram_compute(snap, nodes, n, &a.o, &d) != RG_OK) {
        /* A mistyped --highlight or --stop-at type: the nearest names. */
        char dym[512] = "";
        const char *types[2] = {a.o.highlight_type, a.o.stop_at_type};
        char err[1024];
        snprintf(err, sizeof err, "%s", rg_last_error());
        for (int k = 0; k < 2 && !dym[0]; k++) {
            uint32_t t;
            if (types[k] && rg_type_find(snap, types[k], &t) == RG_ENOTFOUND)
                cli_did_you_mean_type(dym, sizeof dym, snap, types[k]);
        }
        fprintf(stderr, "refgraph %s: %s%s\n", cmd, cli_term(err), dym);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    rc = emit(cmd, &a, d);
    if (*rg_diagram_note(d))
        fprintf(stderr, "refgraph %s: note: %s\n", cmd, cli_term(rg_diagram_note(d)));
done:
    free(nodes);
    rg_diagram_free(d);
    cli_selection_free(&sel);
    rg_paths_free(paths);
    rg_snapshot_free(snap);
    return rc;
}

int cmd_backrefs(int argc, char **argv) { return run("backrefs", RG_DIAGRAM_REFERRERS, argc, argv); }
int cmd_refs(int argc, char **argv) { return run("refs", RG_DIAGRAM_REFERENTS, argc, argv); }
