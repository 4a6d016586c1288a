/* v8_load.c: load a V8 .heapsnapshot to dominators, the work memlab's
 * getFullHeapFromFile does, and print where the time went.
 *
 *   v8_load [--reference] [--threads N] FILE
 *
 * With V8_LOAD_MEM set in the environment it also prints, on stderr, the
 * resident and peak resident memory after each phase.
 *
 * It reads the file as rg_snapshot_open does without a cache, through the
 * library's internal entry points so that --reference can select the yajl
 * reader (v8_reference.c) for a same-run comparison of the two readers. */
#include "read/readers.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Resident and peak resident MB so far (VmRSS, VmHWM), to see which phase
 * sets the peak. */
static void mem(const char *phase)
{
    if (!getenv("V8_LOAD_MEM"))
        return;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long rss = 0, hwm = 0;
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &rss);
        sscanf(line, "VmHWM: %ld", &hwm);
    }
    if (f)
        fclose(f);
    struct mallinfo2 mi = mallinfo2();
    fprintf(stderr, "  after %-10s rss %6.1f MB, peak %6.1f MB, malloc'd %6.1f MB\n", phase, rss / 1024.0,
            hwm / 1024.0, (double)(mi.uordblks + mi.hblkhd) / 1048576.0);
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

int main(int argc, char **argv)
{
    int reference = 0;
    unsigned threads = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reference") == 0)
            reference = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: v8_load [--reference] [--threads N] FILE\n");
        return 2;
    }
    /* CPU of the calling thread and of the process over the read: on a
     * loaded machine the wall is mostly waiting, and the calling thread's
     * CPU is the read's critical path (the V8 reader's sink thread runs
     * beside it) */
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double t0 = now();
    rg_input *in;
    rg_builder *b;
    if (rg_input_open_file(path, &in) || rg_builder_new(&b)) {
        fprintf(stderr, "%s\n", rg_last_error());
        return 1;
    }
    rg_builder_set_threads(b, threads);
    rg_builder_set_input_size(b, rg_input_stored_size(in));
    rg_builder_set_plain_parser(b, reference);
    rg_snapshot *s;
    if (rg_read_v8(in, b, 1ULL << 30)) {
        fprintf(stderr, "%s\n", rg_last_error());
        return 1;
    }
    double t1 = now();
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID), p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    mem("read");
    rg_builder_set_info_strings(b, rg_input_name(in), rg_input_compression(in), rg_input_total(in));
    if (rg_builder_finish(b, &s)) {
        fprintf(stderr, "%s\n", rg_last_error());
        return 1;
    }
    rg_input_close(in);
    double t2 = now();
    mem("finish");
    rg_dominators *d;
    if (rg_dominators_compute(s, &d)) {
        fprintf(stderr, "%s\n", rg_last_error());
        return 1;
    }
    double t3 = now();
    mem("dominators");
    printf("%s %s: %u nodes, %llu edges; read %.2f s, finish %.2f s, dominators %.2f s, total %.2f s\n",
           reference ? "refgraph(yajl)" : "refgraph", path, rg_node_count(s),
           (unsigned long long)rg_snapshot_info_get(s)->edges, t1 - t0, t2 - t1, t3 - t2, t3 - t0);
    if (getenv("V8_LOAD_CPU"))
        fprintf(stderr, "  read cpu: calling thread %.3f s, process %.3f s\n", c1 - c0, p1 - p0);
    rg_dominators_free(d);
    rg_snapshot_free(s);
    return 0;
}
