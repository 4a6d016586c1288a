/*
 * suspects_bench.c: time the leak-suspect analyses on a loaded snapshot, one
 * stage at a time, on one core, for bench/suspects_bench.sh.
 *
 *   suspects_bench SNAPSHOT [REPEAT]
 *
 * Loads once (timed, wall clock), then REPEAT times (default 3) runs: dominators,
 * shortest paths, retention groups, unreachable cycles, held-from-outside,
 * ranking. Prints the median CPU time of each stage and of dominators + groups (the
 * issue's target: 10 M objects / 30 M edges under 10 s), the dominators'
 * memory per object (kept and peak), and the top suspect, so a run on a
 * generated snapshot can be checked against its planted leak.
 */
#include <refgraph.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this (single) thread: the analyses are single-threaded, and a
 * shared, loaded machine inflates wall time but not this. Wall time is
 * reported for the load. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define STAGES 11
static const char *const stage_name[STAGES] = {
    "dominators", "paths", "groups", "cycles", "outside", "rank", "dominators+groups",
    "  groups: assign", "  groups: tally", "all, one thread", "all, two threads",
};

/* The library's two steps of rg_groups_compute (analyze/run.h; hidden in the
 * shared library, linkable from the static one), timed apart because
 * rg_analyses_run runs them in different phases. */
int rg_groups_assign(const rg_snapshot *s, const rg_paths *paths, rg_groups **out);
void rg_groups_tally(rg_groups *G, const rg_paths *paths, const rg_dominators *dom);

static double max2(double a, double b) { return a > b ? a : b; }

static int fail(const char *what)
{
    fprintf(stderr, "suspects_bench: %s: %s\n", what, rg_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: suspects_bench SNAPSHOT [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 2 ? atoi(argv[2]) : 3;
    if (repeat < 1)
        repeat = 1;
    rg_open_options o;
    memset(&o, 0, sizeof o);
    o.flags = RG_OPEN_NO_CACHE;
    rg_snapshot *s;
    double t0 = wall();
    if (rg_snapshot_open(argv[1], &o, &s) != RG_OK)
        return fail("load");
    printf("loaded %u objects, %llu edges in %.2f s (wall)\n", rg_node_count(s),
           (unsigned long long)rg_edge_count(s), wall() - t0);

    double *times = calloc((size_t)repeat * STAGES, sizeof *times);
    if (!times)
        return 1;
    for (int r = 0; r < repeat; r++) {
        rg_dominators *d;
        rg_paths *p;
        rg_groups *g;
        rg_cycles *c;
        rg_outside *out;
        rg_suspects *sus;
        double a = now();
        if (rg_dominators_compute(s, &d) != RG_OK)
            return fail("dominators");
        double b = now();
        if (rg_paths_compute(s, NULL, &p) != RG_OK)
            return fail("paths");
        double c0 = now();
        if (rg_groups_assign(s, p, &g) != RG_OK)
            return fail("groups");
        double ca = now();
        rg_groups_tally(g, p, d);
        double c1 = now();
        if (rg_cycles_compute(s, d, &c) != RG_OK)
            return fail("cycles");
        double c2 = now();
        if (rg_outside_compute(s, d, NULL, &out) != RG_OK)
            return fail("outside");
        double c3 = now();
        if (rg_suspects_compute(s, d, g, c, out, NULL, &sus) != RG_OK)
            return fail("suspects");
        double c4 = now();
        double *t = &times[r * STAGES];
        t[0] = b - a;
        t[1] = c0 - b;
        t[2] = c1 - c0;
        t[3] = c2 - c1;
        t[4] = c3 - c2;
        t[5] = c4 - c3;
        t[6] = t[0] + t[2];
        t[7] = ca - c0;
        t[8] = c1 - ca;
        t[9] = c4 - a;
        /* rg_analyses_run's schedule: dominators beside paths + assign, then
         * outside beside tally + cycles; the ranking after both. */
        t[10] = max2(t[0], t[1] + t[7]) + max2(t[4], t[8] + t[3]) + t[5];
        if (r == repeat - 1) {
            rg_dominators_stats st;
            rg_dominators_stats_get(d, &st);
            printf("dominators: %u reachable, %u unreachable entries, %.1f bytes/object kept, %.1f at peak\n",
                   st.reachable, st.unreachable_entries, (double)st.memory_bytes / (st.objects ? st.objects : 1),
                   (double)st.peak_bytes / (st.objects ? st.objects : 1));
            printf("groups: %u\n", rg_groups_count(g));
            const rg_suspect *top = rg_suspects_get(sus, 0);
            if (top) {
                if (top->cause == RG_CAUSE_RETAINED) {
                    char *path = NULL;
                    rg_groups_path(g, top->group, &path);
                    printf("top suspect: %llu x %s, retains %llu bytes\n  %s\n  accumulation: %s\n",
                           (unsigned long long)top->count, rg_node_type_name(s, top->representative),
                           (unsigned long long)top->retained_bytes, path ? path : "",
                           top->accumulation == RG_NODE_NONE ? "-" : rg_node_type_name(s, top->accumulation));
                    rg_free(path);
                } else {
                    printf("top suspect: %s, %llu objects, retains %llu bytes\n", rg_cause_name(top->cause),
                           (unsigned long long)top->count, (unsigned long long)top->retained_bytes);
                }
            }
        }
        rg_suspects_free(sus);
        rg_outside_free(out);
        rg_cycles_free(c);
        rg_groups_free(g);
        rg_paths_free(p);
        rg_dominators_free(d);
    }
    printf("median of %d run%s (CPU seconds, each stage on one thread; \"two threads\" is the\n"
           "critical path of rg_analyses_run's schedule from the same stage times):\n",
           repeat, repeat == 1 ? "" : "s");
    double *col = calloc((size_t)repeat, sizeof *col);
    if (!col)
        return 1;
    for (int k = 0; k < STAGES; k++) {
        for (int r = 0; r < repeat; r++)
            col[r] = times[r * STAGES + k];
        qsort(col, (size_t)repeat, sizeof *col, cmp_double);
        printf("  %-18s %7.3f\n", stage_name[k], col[repeat / 2]);
    }
    free(col);
    free(times);
    /* The library's own two-thread run, wall clock (a loaded machine
     * stretches it; compare with the critical path above). */
    double best = 0;
    for (int r = 0; r < repeat; r++) {
        rg_suspects *sus;
        double a = wall();
        if (rg_suspects_compute_all(s, NULL, &sus) != RG_OK)
            return fail("rg_suspects_compute_all");
        double b = wall() - a;
        if (r == 0 || b < best)
            best = b;
        rg_suspects_free(sus);
    }
    printf("rg_suspects_compute_all (all, as the CLI runs it): best of %d %.3f s wall\n", repeat, best);
    rg_snapshot_free(s);
    return 0;
}
