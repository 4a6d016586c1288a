/* cmd_types.c: refgraph types SNAPSHOT: objects and bytes per type. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph types [--top N] [--sort count|size] [--json] SNAPSHOT\n"
            "\n"
            "The most common types, with instance count and total shallow bytes, like\n"
            "objgraph.show_most_common_types() with sizes added.\n"
            "\n"
            "  --top N          show N types (default 20; 0 = all)\n"
            "  --sort count     order by instance count (default)\n"
            "  --sort size      order by total shallow bytes\n"
            "  --json           machine-readable output (schema in docs/cli.md)\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n");
}

/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_types_options[] = {
    {"top", required_argument, NULL, 'n'},
    {"sort", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

int cmd_types(int argc, char **argv)
{
    const struct option *opts = cli_types_options;
    int json = 0, c;
    long long top = 20;
    rg_sort sort = RG_SORT_COUNT;
    cli_load_options lo = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if ((top = cli_parse_count("types", "--top", optarg)) < 0)
                return EXIT_USAGE;
            break;
        case 's':
            if (strcmp(optarg, "count") == 0)
                sort = RG_SORT_COUNT;
            else if (strcmp(optarg, "size") == 0 || strcmp(optarg, "bytes") == 0)
                sort = RG_SORT_SIZE;
            else
                return cli_usage_error("types", "--sort takes 'count' or 'size', not '%s'", optarg);
            break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: {
            int r = cli_load_option(&lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error("types", opts, argc, argv);
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error("types", "no snapshot given");
    if (argc - optind > 1)
        return cli_usage_error("types", "one snapshot at a time (use 'refgraph diff' to compare)");
    rg_snapshot *snap;
    if (cli_open(argv[optind], &lo, &snap) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_type_stat *st;
    uint32_t n;
    if (rg_type_stats(snap, sort, &st, &n) != RG_OK) {
        fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
        rg_snapshot_free(snap);
        return EXIT_BAD_INPUT;
    }
    uint32_t shown = top == 0 || (uint64_t)top > n ? n : (uint32_t)top;
    const rg_snapshot_info *info = rg_snapshot_info_get(snap);
    if (json) {
        yajl_gen g = cli_json_new();
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "file", info->path);
        cli_json_kv_uint(g, "objects", info->objects);
        cli_json_kv_uint(g, "total_bytes", info->total_bytes);
        cli_json_kv_uint(g, "type_count", n);
        cli_json_str(g, "types");
        yajl_gen_array_open(g);
        for (uint32_t i = 0; i < shown; i++) {
            yajl_gen_map_open(g);
            cli_json_kv_str(g, "type", st[i].name);
            cli_json_kv_uint(g, "count", st[i].count);
            cli_json_kv_uint(g, "bytes", st[i].bytes);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        cli_json_finish(g, stdout);
    } else {
        size_t w = 4;
        for (uint32_t i = 0; i < shown; i++) {
            size_t len = cli_term_escape(st[i].name, NULL, 0);
            if (len > w)
                w = len > 60 ? 60 : len;
        }
        printf("%-*s %12s %12s %6s\n", (int)w, "type", "count", "bytes", "share");
        for (uint32_t i = 0; i < shown; i++) {
            char a[32], b[32];
            double share = info->total_bytes ? 100.0 * (double)st[i].bytes / (double)info->total_bytes : 0;
            printf("%-*.*s %12s %12s %5.1f%%\n", (int)w, (int)w, cli_term(st[i].name),
                   cli_fmt_count(a, sizeof a, st[i].count), cli_fmt_bytes(b, sizeof b, st[i].bytes), share);
        }
        if (shown < n)
            printf("(%u more types; --top 0 shows all)\n", n - shown);
    }
    rg_free(st);
    rg_snapshot_free(snap);
    return EXIT_OK;
}
