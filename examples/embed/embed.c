/* embed.c: the smallest useful program on top of librefgraph.
 *
 *   embed SNAPSHOT
 *
 * Opens a snapshot, prints the five most common types with their bytes, and
 * the referrers of one instance of the most common type. Built against the
 * installed library both through pkg-config and through the CMake package
 * (see CMakeLists.txt here and tests/cli/test_install.py). */
#include <refgraph.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SNAPSHOT\n", argv[0]);
        return 2;
    }
    rg_open_options opts = {.flags = RG_OPEN_NO_CACHE};
    rg_snapshot *snap;
    if (rg_snapshot_open(argv[1], &opts, &snap) != RG_OK) {
        fprintf(stderr, "%s\n", rg_last_error());
        return 1;
    }
    rg_type_stat *stats;
    uint32_t n;
    if (rg_type_stats(snap, RG_SORT_COUNT, &stats, &n) != RG_OK) {
        fprintf(stderr, "%s\n", rg_last_error());
        rg_snapshot_free(snap);
        return 1;
    }
    printf("refgraph %s: %u objects\n", rg_version(), rg_node_count(snap));
    for (uint32_t i = 0; i < n && i < 5; i++)
        printf("%-24s %8llu objects %10llu bytes\n", stats[i].name,
               (unsigned long long)stats[i].count, (unsigned long long)stats[i].bytes);

    /* The referrers of the first instance of the most common type. */
    for (rg_node v = 0; n > 0 && v < rg_node_count(snap); v++) {
        if (rg_node_type(snap, v) != stats[0].type)
            continue;
        printf("referrers of %s id %llu:\n", stats[0].name, (unsigned long long)rg_node_id(snap, v));
        for (uint32_t i = 0; i < rg_referrer_count(snap, v); i++) {
            rg_edge e;
            char label[128];
            rg_referrer_get(snap, v, i, &e);
            rg_edge_label_format(snap, &e, label, sizeof label);
            printf("  %s %s\n", rg_node_type_name(snap, e.from), label);
        }
        break;
    }
    rg_free(stats);
    rg_snapshot_free(snap);
    return 0;
}
