/* cmd_report.c: refgraph report SNAPSHOT... -o DIR: the Markdown and HTML
 * report, with its diagrams, ready to attach to a bug ticket. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph report SNAPSHOT... -o DIR [--title T] [--top N] [--format md,html]\n"
            "       refgraph report SNAPSHOT... --json [-o DIR] [--title T] [--top N]\n"
            "\n"
            "Explain a leak to someone who was not there: writes DIR/report.md (GitHub\n"
            "Markdown), DIR/report.html (one self-contained page, diagrams inlined) and the\n"
            "diagrams as DIR/*.svg. Give the snapshots oldest first, or a directory of\n"
            "them (a dumper output directory: the snapshots in it, told by content, in\n"
            "name order). With several snapshots the report adds growth. The files appear\n"
            "all at once or not at all. The Summary is printed when done.\n"
            "\n"
            "  -o, --output DIR   directory for the report (created if missing)\n"
            "  --title T          report title (default: runtime and pid)\n"
            "  --top N            suspects described and table rows (default 10)\n"
            "  --format LIST      md, html or md,html (default md,html)\n"
            "  -q, --quiet        print nothing on success\n"
            "  --json             print the report's model as JSON on stdout instead of the\n"
            "                     Summary; -o DIR is then optional (no files without it).\n"
            "                     Schema in docs/cli.md\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n");
}

static int parse_formats(const char *arg, unsigned *out)
{
    unsigned f = 0;
    const char *p = arg;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 2 && strncmp(p, "md", 2) == 0)
            f |= RG_REPORT_MARKDOWN;
        else if ((n == 8 && strncmp(p, "markdown", 8) == 0))
            f |= RG_REPORT_MARKDOWN;
        else if (n == 4 && strncmp(p, "html", 4) == 0)
            f |= RG_REPORT_HTML;
        else
            return cli_usage_error("report", "--format takes md, html or md,html, not '%s'", arg);
        p += n;
        if (*p == ',')
            p++;
    }
    if (!f)
        return cli_usage_error("report", "--format takes md, html or md,html, not '%s'", arg);
    *out = f;
    return EXIT_OK;
}


/* The command line as the user could type it again: arguments quoted
 * shell-style where they need it. */
static char *command_line(int argc, char **argv)
{
    size_t cap = 16;
    for (int i = 0; i < argc; i++)
        cap += strlen(argv[i]) * 4 + 3;
    char *s = malloc(cap), *w = s;
    if (!s)
        return NULL;
    w += sprintf(w, "refgraph");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@%", *c))
                plain = 0;
        *w++ = ' ';
        if (plain) {
            w += sprintf(w, "%s", a);
            continue;
        }
        *w++ = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') {
                memcpy(w, "'\\''", 4);
                w += 4;
            } else {
                *w++ = *c;
            }
        }
        *w++ = '\'';
    }
    *w = '\0';
    return s;
}

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_report_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"title", required_argument, NULL, 't'},
    {"top", required_argument, NULL, 'n'},
    {"format", required_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

static int run(int argc, char **argv, const char *cmd)
{
    const struct option *opts = cli_report_options;
    const char *dir = NULL, *title = NULL;
    long long top = 0;
    unsigned formats = RG_REPORT_MARKDOWN | RG_REPORT_HTML;
    int quiet = 0, json = 0, c;
    cli_load_options lo = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:n:q", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 't': title = optarg; break;
        case 'n':
            if ((top = cli_parse_count("report", "--top", optarg)) < 0)
                return EXIT_USAGE;
            if (top > 100000)
                return cli_usage_error("report", "--top is at most 100000");
            break;
        case 'f':
            if (parse_formats(optarg, &formats) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: {
            int r = cli_load_option(&lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error("report", opts, argc, argv);
        }
        }
    }
    if (dir && !*dir)
        return cli_usage_error("report", "-o needs a directory name");
    if (!dir && !json)
        return cli_usage_error("report", "no output directory given (-o DIR)");
    if (optind >= argc)
        return cli_usage_error("report", "no snapshot given");

    cli_strlist paths = {0};
    for (int i = optind; i < argc; i++) {
        int rc = cli_is_dir(argv[i]) ? cli_expand_dir(argv[i], &paths)
                 : cli_strlist_add(&paths, argv[i]) == 0 ? EXIT_OK : EXIT_BAD_INPUT;
        if (rc != EXIT_OK) {
            cli_strlist_free(&paths);
            return EXIT_BAD_INPUT;
        }
    }
    rg_snapshot **snaps = calloc(paths.n, sizeof *snaps);
    if (!snaps) {
        cli_strlist_free(&paths);
        fprintf(stderr, "refgraph: out of memory\n");
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_OK;
    for (size_t i = 0; i < paths.n && rc == EXIT_OK; i++)
        rc = cli_open(paths.v[i], &lo, &snaps[i]);

    rg_report *report = NULL;
    if (rc == EXIT_OK) {
        rg_report_options ro;
        rg_report_options_init(&ro);
        ro.title = title;
        ro.top = (uint32_t)top;
        ro.command_line = cmd;
        char *doc = NULL;
        cli_progress_begin("analysing the snapshots for the report");
        int built = rg_report_compute((const rg_snapshot *const *)snaps, paths.n, &ro, &report);
        cli_progress_end();
        if (built != RG_OK ||
            (json && rg_report_json(report, &doc) != RG_OK) ||
            (dir && rg_report_write(report, dir, formats) != RG_OK)) {
            fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
            rc = EXIT_BAD_INPUT;
        }
        if (rc == EXIT_OK && doc && cli_json_write((const unsigned char *)doc, strlen(doc), stdout) != 0)
            rc = EXIT_BAD_INPUT; /* main() says why */
        rg_free(doc);
    }
    if (rc == EXIT_OK && !quiet && !json) {
        const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
        if (formats & RG_REPORT_MARKDOWN)
            printf("wrote %s%sreport.md\n", cli_term(dir), sep);
        if (formats & RG_REPORT_HTML)
            printf("wrote %s%sreport.html\n", cli_term(dir), sep);
        size_t nd = rg_report_diagram_count(report), shown = 0;
        for (size_t i = 0; i < nd; i++) {
            const char *svg;
            rg_report_diagram_get(report, i, NULL, &svg, NULL);
            shown += svg != NULL;
        }
        if (shown)
            printf("wrote %zu diagram%s (%s%s*.svg)\n", shown, shown == 1 ? "" : "s", cli_term(dir), sep);
        printf("\nSummary:\n%s", rg_report_summary(report));
    }
    rg_report_free(report);
    for (size_t i = 0; i < paths.n; i++)
        rg_snapshot_free(snaps[i]);
    free(snaps);
    cli_strlist_free(&paths);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    /* Before getopt_long, which permutes argv. */
    char *cmd = command_line(argc, argv);
    if (!cmd) {
        fprintf(stderr, "refgraph: out of memory\n");
        return EXIT_BAD_INPUT;
    }
    int rc = run(argc, argv, cmd);
    free(cmd);
    return rc;
}
