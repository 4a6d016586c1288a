/* cmd_info.c: refgraph info SNAPSHOT: what a snapshot holds. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <time.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph info [--json] [--no-cache] [--cache-dir DIR] [--cache-max SIZE] SNAPSHOT...\n"
            "\n"
            "Print a snapshot's format, producer, runtime, pid and time, its object, edge\n"
            "and root counts, total shallow bytes, load time, and what was skipped\n"
            "(records of unknown kind, references to ids not in the snapshot).\n"
            "\n"
            "  --json         machine-readable output (schema in docs/cli.md)\n"
            "  --color WHEN   auto (on a terminal, unless NO_COLOR is set), always, never\n"
            "  --no-cache     neither read nor write the index cache\n"
            "  --cache-dir D  keep the index cache in D (default: $XDG_CACHE_HOME/refgraph,\n"
            "                 else ~/.cache/refgraph; never beside the snapshot)\n"
            "  --cache-max S  cap the cache directory at S bytes (500M, 2G; default\n"
            "                 $REFGRAPH_CACHE_MAX, else 2G): least recently used go first\n");
}

/* "2026-12-06 00:44:03 UTC", as the report writes times. */
static const char *fmt_utc(char *buf, size_t cap, double unix_seconds)
{
    time_t t = (time_t)floor(unix_seconds);
    struct tm tm;
    if (unix_seconds > 253402300799.0 || !gmtime_r(&t, &tm)) {
        snprintf(buf, cap, "%.3f (not a date)", unix_seconds);
        return buf;
    }
    snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

static void print_text(const rg_snapshot_info *i)
{
    char a[64], b[32];
    printf("%sfile:        %s%s\n", cli_color(CLI_C_HEAD), cli_term(i->path), cli_color(CLI_C_OFF));
    printf("format:      %s version %d (compression: %s)\n", cli_term(i->format), i->format_version,
           cli_term(i->compression));
    printf("producer:    %s\n", i->producer[0] ? cli_term(i->producer) : "(unknown)");
    printf("runtime:     %s\n", i->runtime[0] ? cli_term(i->runtime) : "(unknown)");
    if (i->pid >= 0)
        printf("pid:         %lld\n", (long long)i->pid);
    if (i->time > 0)
        printf("time:        %s\n", fmt_utc(a, sizeof a, i->time));
    printf("objects:     %s\n", cli_fmt_count(a, sizeof a, i->objects));
    printf("edges:       %s\n", cli_fmt_count(a, sizeof a, i->edges));
    printf("roots:       %s\n", cli_fmt_count(a, sizeof a, i->roots));
    printf("total size:  %s (%s bytes)\n", cli_fmt_bytes(b, sizeof b, i->total_bytes),
           cli_fmt_count(a, sizeof a, i->total_bytes));
    printf("input:       %s uncompressed\n", cli_fmt_bytes(b, sizeof b, i->input_bytes));
    printf("load time:   %.3f s%s\n", i->load_seconds, i->from_cache ? " (from index cache)" : "");
    printf("skipped:     %llu records of unknown kind\n", (unsigned long long)i->skipped_records);
    /* What a dangling reference is, said where it is counted: it is not an
     * error, and nobody should have to look it up mid-incident. */
    printf("%sdangling:%s    %llu references, %llu roots to ids not in the snapshot (objects the "
           "producer did not write, e.g. freed while it dumped, or skipped; dropped, not an error)\n",
           i->dangling_refs || i->dangling_roots ? cli_color(CLI_C_WARN) : "", cli_color(CLI_C_OFF),
           (unsigned long long)i->dangling_refs, (unsigned long long)i->dangling_roots);
}

static void print_json(yajl_gen g, const rg_snapshot_info *i)
{
    yajl_gen_map_open(g);
    cli_json_kv_str(g, "file", i->path);
    cli_json_kv_str(g, "format", i->format);
    cli_json_kv_int(g, "format_version", i->format_version);
    cli_json_kv_str(g, "compression", i->compression);
    cli_json_kv_str(g, "producer", i->producer);
    cli_json_kv_str(g, "runtime", i->runtime);
    cli_json_kv_int(g, "pid", i->pid);
    cli_json_kv_double(g, "time", i->time);
    cli_json_kv_int(g, "seq", i->seq);
    cli_json_kv_uint(g, "objects", i->objects);
    cli_json_kv_uint(g, "edges", i->edges);
    cli_json_kv_uint(g, "roots", i->roots);
    cli_json_kv_uint(g, "total_bytes", i->total_bytes);
    cli_json_kv_uint(g, "input_bytes", i->input_bytes);
    cli_json_kv_uint(g, "skipped_records", i->skipped_records);
    cli_json_kv_uint(g, "dangling_refs", i->dangling_refs);
    cli_json_kv_uint(g, "dangling_roots", i->dangling_roots);
    cli_json_kv_double(g, "load_seconds", i->load_seconds);
    cli_json_str(g, "from_cache");
    yajl_gen_bool(g, i->from_cache);
    yajl_gen_map_close(g);
}

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_info_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

int cmd_info(int argc, char **argv)
{
    const struct option *opts = cli_info_options;
    int json = 0, c;
    cli_load_options lo = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h') {
            help(stdout);
            return EXIT_OK;
        } else {
            int r = cli_load_option(&lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error("info", opts, argc, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("info", "no snapshot given");
    yajl_gen g = json ? cli_json_new() : NULL;
    if (g && argc - optind > 1)
        yajl_gen_array_open(g);
    int status = EXIT_OK;
    for (int i = optind; i < argc; i++) {
        rg_snapshot *snap;
        if (cli_open(argv[i], &lo, &snap) != EXIT_OK) {
            status = EXIT_BAD_INPUT;
            break;
        }
        if (g)
            print_json(g, rg_snapshot_info_get(snap));
        else {
            if (i > optind)
                printf("\n");
            print_text(rg_snapshot_info_get(snap));
        }
        rg_snapshot_free(snap);
    }
    if (g) {
        if (argc - optind > 1)
            yajl_gen_array_close(g);
        if (status == EXIT_OK)
            cli_json_finish(g, stdout);
        else
            yajl_gen_free(g);
    }
    return status;
}
