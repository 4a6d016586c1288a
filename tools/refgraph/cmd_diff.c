/* cmd_diff.c: refgraph diff: growth across two or more snapshots (or an
 * objgraph log), with a CI gate. Inputs are summarised one at a time, so at
 * most one graph is in memory; output is in cmd_diff_output.c. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph diff [options] SNAPSHOT SNAPSHOT [SNAPSHOT...]\n"
            "       refgraph diff [options] DIR          (snapshots written by refgraph_dump --every)\n"
            "       refgraph diff [options] OBJGRAPH.LOG (objgraph.show_growth() or show_most_common_types() output)\n"
            "\n"
            "What grew between snapshots of one process: per-type and per-retention-group\n"
            "counts and bytes at every snapshot, growth per minute, which grew at every\n"
            "step, objects new/freed/surviving by id, and a verdict naming the container\n"
            "that most likely leaks, with its path. Snapshots are taken in header-time\n"
            "order whatever the order given. See docs/diff.md.\n"
            "\n"
            "  --top N            rows per table (default 10; 0 = all)\n"
            "  --json             machine-readable output (schema in docs/diff.md)\n"
            "  --fail-if-grows SELECTOR[:THRESHOLD]   (repeatable) exit 3 when it grew more:\n"
            "       SELECTOR   type:NAME, group:TEXT (a piece of the group's path), or bare\n"
            "                  (a type name, else groups whose path contains it)\n"
            "       THRESHOLD  growth first -> last that is allowed (default 0):\n"
            "                  N or +N objects (10k), N%% of the first count,\n"
            "                  bytes (10MB, 512kB, 1GiB), or any of these per minute (100/min)\n"
            "  --min-growth N     a suspect grew by at least N objects (default 100)\n"
            "  --min-ratio R      ... and by at least R times its first count (types; default 0.10)\n"
            "  --min-group-ratio R  the same for retention groups (default 0.02)\n"
            "  --no-groups        skip retention groups (faster; the verdict names types only)\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n"
            "\n"
            "Exit status: 0 ok, 1 unreadable input, 2 usage error (also: fewer than two\n"
            "snapshots), 3 a --fail-if-grows gate tripped.\n");
}

typedef struct points {
    rg_summary **v;
    uint32_t n, cap;
} points;

static int points_add(points *p, rg_summary *s)
{
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 16;
        rg_summary **v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return -1;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = s;
    return 0;
}

static void points_free(points *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        rg_summary_free(p->v[i]);
    free(p->v);
}

static int load_snapshot(const char *path, const cli_load_options *lo, const rg_summary_options *so,
                         points *pts)
{
    rg_snapshot *snap;
    if (cli_open(path, lo, &snap) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_summary *s;
    char what[64 + PATH_MAX];
    snprintf(what, sizeof what, "summarising %s", path);
    cli_progress_begin(what);
    int rc = rg_summary_compute(snap, so, &s);
    cli_progress_end();
    /* The graph goes before the next one is loaded: one graph at a time. */
    rg_snapshot_free(snap);
    if (rc != RG_OK) {
        fprintf(stderr, "refgraph: %s: %s\n", cli_term(path), cli_term(rg_last_error()));
        return EXIT_BAD_INPUT;
    }
    if (points_add(pts, s)) {
        rg_summary_free(s);
        fprintf(stderr, "refgraph: out of memory\n");
        return EXIT_BAD_INPUT;
    }
    return EXIT_OK;
}

/* Load the last snapshot again and judge its suspects with the growth. */
static int judge_last(const char *path, const cli_load_options *lo, const rg_diff *diff, cli_diff_view *view)
{
    rg_snapshot *snap;
    if (cli_open(path, lo, &snap) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_suspect_options so;
    rg_suspect_options_init(&so, RG_SUSPECT_OPTIONS_VERSION);
    rg_group_growth *gg = NULL;
    rg_suspects *S = NULL;
    char *text = NULL;
    int rc = rg_suspect_options_from_diff(&so, diff, &gg);
    cli_progress_begin("analysing suspects");
    if (rc == RG_OK)
        rc = rg_suspects_compute_all(snap, &so, &S);
    if (rc == RG_OK)
        rc = rg_report_verdict(snap, S, rg_diff_point_count(diff), &text);
    cli_progress_end();
    if (rc == RG_OK) {
        const rg_suspect *top = rg_suspects_get(S, 0);
        view->judged_leak = top && top->level >= RG_LEVEL_POSSIBLE_LEAK;
        /* the report's sentence ends its paragraph with a newline, which
         * the terminal escaping would show as a literal "\n" */
        for (size_t len = strlen(text); len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '); len--)
            text[len - 1] = '\0';
        view->judgement = text;
    } else if (rg_last_error_code() == RG_ERENDER) {
        /* A library without reports cannot word the judgement: say so and
         * fall back to the diff's own verdict rather than fail the diff. */
        fprintf(stderr, "refgraph diff: note: %s; the verdict is the growth's alone\n", rg_last_error());
        rc = RG_OK;
    } else {
        fprintf(stderr, "refgraph: %s: %s\n", path, rg_last_error());
    }
    rg_free(gg);
    rg_suspects_free(S);
    rg_snapshot_free(snap);
    return rc == RG_OK ? EXIT_OK : EXIT_BAD_INPUT;
}

static int load_log(const char *path, points *pts)
{
    rg_summary **v;
    uint32_t n;
    if (rg_objgraph_log_open(path, &v, &n) != RG_OK) {
        fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_OK;
    for (uint32_t i = 0; i < n; i++) {
        if (rc == EXIT_OK && points_add(pts, v[i]) == 0)
            continue;
        rg_summary_free(v[i]);
        rc = EXIT_BAD_INPUT;
    }
    rg_free(v);
    if (rc)
        fprintf(stderr, "refgraph: out of memory\n");
    return rc;
}

static int parse_ratio(const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= 0))
        return cli_usage_error("diff", "%s needs a non-negative number, not '%s'", opt, arg);
    *out = v;
    return EXIT_OK;
}

/* "; did you mean 'app.Item'?" for a gate that matched nothing: its
 * selector (SPEC without "type:"/"group:" and without ":THRESHOLD") set
 * beside the names of the types and groups the diff holds. */
static void gate_suggestion(const rg_diff *d, const char *spec, char *dym, size_t cap)
{
    dym[0] = '\0';
    int types = 1, groups = 0; /* a bare selector is most often a type name */
    if (strncmp(spec, "type:", 5) == 0) {
        spec += 5;
    } else if (strncmp(spec, "group:", 6) == 0) {
        groups = 1;
        spec += 6;
        types = 0;
    }
    char word[256];
    snprintf(word, sizeof word, "%s", spec);
    char *colon = strrchr(word, ':');
    if (colon && colon != word)
        *colon = '\0';
    uint32_t nt = types ? rg_diff_type_count(d) : 0, ng = groups ? rg_diff_group_count(d) : 0;
    const char **names = malloc(((size_t)nt + ng + 1) * sizeof *names);
    if (!names)
        return;
    size_t k = 0;
    for (uint32_t i = 0; i < nt; i++)
        names[k++] = rg_diff_type_get(d, i)->name;
    for (uint32_t i = 0; i < ng; i++)
        names[k++] = rg_diff_group_get(d, i)->name;
    cli_did_you_mean(dym, cap, groups && !types ? "group:" : "", word, names, k);
    free(names);
}

enum { OPT_GATE = 2001, OPT_MIN_GROWTH, OPT_MIN_RATIO, OPT_MIN_GROUP_RATIO, OPT_NO_GROUPS };

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_diff_options[] = {
    {"top", required_argument, NULL, 'n'},
    {"json", no_argument, NULL, 'j'},
    {"fail-if-grows", required_argument, NULL, OPT_GATE},
    {"min-growth", required_argument, NULL, OPT_MIN_GROWTH},
    {"min-ratio", required_argument, NULL, OPT_MIN_RATIO},
    {"min-group-ratio", required_argument, NULL, OPT_MIN_GROUP_RATIO},
    {"no-groups", no_argument, NULL, OPT_NO_GROUPS},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

int cmd_diff(int argc, char **argv)
{
    const struct option *opts = cli_diff_options;
    cli_diff_view view = {.top = 10};
    rg_diff_options dopts;
    rg_diff_options_init(&dopts, RG_DIFF_OPTIONS_VERSION);
    rg_summary_options sopts = RG_SUMMARY_OPTIONS_INIT;
    cli_load_options lo = {0};
    cli_strlist gates = {0}, inputs = {0};
    points pts = {0};
    rg_diff *diff = NULL;
    int c, rc = EXIT_OK;
    long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if ((v = cli_parse_count("diff", "--top", optarg)) < 0) {
                rc = EXIT_USAGE;
                goto out;
            }
            view.top = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
            break;
        case 'j': view.json = 1; break;
        case OPT_GATE:
            if (cli_strlist_add(&gates, optarg)) {
                rc = EXIT_BAD_INPUT;
                goto out;
            }
            break;
        case OPT_MIN_GROWTH:
            if ((v = cli_parse_count("diff", "--min-growth", optarg)) < 0) {
                rc = EXIT_USAGE;
                goto out;
            }
            dopts.min_growth = (uint64_t)v;
            break;
        case OPT_MIN_RATIO:
            if ((rc = parse_ratio("--min-ratio", optarg, &dopts.min_ratio)) != EXIT_OK)
                goto out;
            break;
        case OPT_MIN_GROUP_RATIO:
            if ((rc = parse_ratio("--min-group-ratio", optarg, &dopts.min_group_ratio)) != EXIT_OK)
                goto out;
            break;
        case OPT_NO_GROUPS: sopts.no_groups = 1; break;
        case 'h': help(stdout); goto out;
        default: {
            int r = cli_load_option(&lo, c, optarg);
            if (r == 0)
                cli_option_error("diff", opts, argc, argv);
            if (r <= 0) {
                rc = EXIT_USAGE;
                goto out;
            }
        }
        }
    }
    if (optind >= argc) {
        rc = cli_usage_error("diff", "no snapshots given");
        goto out;
    }

    /* Expand directories, tell snapshots from logs by content. */
    int n_logs = 0, n_snaps = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "refgraph: %s: %s\n", cli_term(argv[i]), strerror(errno));
            rc = EXIT_BAD_INPUT;
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            size_t before = inputs.n;
            if ((rc = cli_expand_dir(argv[i], &inputs)) != EXIT_OK)
                goto out;
            n_snaps += (int)(inputs.n - before);
            continue;
        }
        int kind = cli_sniff(argv[i]);
        if (kind == CLI_IN_UNREADABLE) {
            fprintf(stderr, "refgraph: %s: %s\n", cli_term(argv[i]), strerror(errno));
            rc = EXIT_BAD_INPUT;
            goto out;
        }
        if (kind == CLI_IN_LOG)
            n_logs++;
        else
            n_snaps++;
        if (cli_strlist_add(&inputs, argv[i])) {
            rc = EXIT_BAD_INPUT;
            goto out;
        }
    }
    if (n_logs && n_snaps) {
        rc = cli_usage_error("diff", "cannot compare snapshots with objgraph logs; give one kind");
        goto out;
    }
    if (!n_logs && n_snaps < 2) {
        rc = cli_usage_error("diff", "growth needs at least two snapshots (got %d%s)", n_snaps,
                             argc - optind == 1 ? ", from one argument" : "");
        goto out;
    }

    for (size_t i = 0; i < inputs.n; i++) {
        rc = n_logs ? load_log(inputs.v[i], &pts) : load_snapshot(inputs.v[i], &lo, &sopts, &pts);
        if (rc != EXIT_OK)
            goto out;
    }
    if (pts.n < 2) {
        rc = cli_usage_error("diff", "growth needs at least two points; the log holds %u block%s of "
                                     "objgraph output", pts.n, pts.n == 1 ? "" : "s");
        goto out;
    }
    if (rg_diff_compute(pts.v, pts.n, &dopts, &diff) != RG_OK) {
        fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    for (uint32_t i = 0; i < rg_diff_warning_count(diff); i++)
        fprintf(stderr, "refgraph diff: warning: %s\n", cli_term(rg_diff_warning_get(diff, i)));

    /* The verdict is the judgement's, worded as the report words it, so
     * diff, suspects and the report cannot disagree. */
    if (!n_logs && !sopts.no_groups &&
        (rc = judge_last(inputs.v[rg_diff_point_input_index(diff, pts.n - 1)], &lo, diff, &view)) != EXIT_OK)
        goto out;

    /* Gates are evaluated before printing so --json can carry them. */
    view.n_gates = gates.n;
    view.gate_specs = (const char *const *)gates.v;
    view.gates = calloc(gates.n ? gates.n : 1, sizeof *view.gates);
    if (!view.gates) {
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    int tripped = 0;
    for (size_t i = 0; i < gates.n; i++) {
        view.gates[i].struct_size = sizeof view.gates[i];
        if (rg_diff_gate(diff, gates.v[i], &view.gates[i]) != RG_OK) {
            rc = cli_usage_error("diff", "--fail-if-grows %s", cli_term(rg_last_error()));
            goto out;
        }
        if (view.gates[i].matched == 0) {
            /* A typo must not turn a CI gate green: an error, before any output. */
            char dym[512];
            gate_suggestion(diff, gates.v[i], dym, sizeof dym);
            fprintf(stderr, "refgraph diff: --fail-if-grows %s (a gate that matches nothing is an error)%s\n",
                    cli_term(view.gates[i].message), dym);
            rc = EXIT_USAGE;
            goto out;
        }
        tripped |= view.gates[i].tripped;
    }
    view.min_growth = dopts.min_growth;
    view.min_ratio = dopts.min_ratio;
    view.min_group_ratio = dopts.min_group_ratio;
    if (view.json)
        cli_diff_print_json(diff, &view, stdout);
    else
        cli_diff_print_text(diff, &view, stdout);
    for (size_t i = 0; i < gates.n; i++) {
        const rg_gate_result *r = &view.gates[i];
        if (r->tripped)
            fprintf(stderr, "refgraph diff: gate tripped: %s\n", cli_term(r->message));
        else
            fprintf(stderr, "refgraph diff: gate passed: %s\n", cli_term(r->message));
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        rc = EXIT_BAD_INPUT; /* main() says why */
        goto out;
    }
    rc = tripped ? EXIT_GATE : EXIT_OK;
out:
    rg_free((char *)view.judgement);
    for (size_t i = 0; view.gates && i < view.n_gates; i++)
        rg_free(view.gates[i].message);
    free(view.gates);
    rg_diff_free(diff);
    points_free(&pts);
    cli_strlist_free(&gates);
    cli_strlist_free(&inputs);
    return rc;
}
