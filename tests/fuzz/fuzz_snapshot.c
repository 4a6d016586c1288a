/* fuzz_snapshot.c: libFuzzer target for rg_snapshot_open_memory (JSONL,
 * plain, gzip or zstd, chosen by the input's magic bytes).
 *
 * Differential: every input is loaded three ways, with the specialised
 * scanner on one thread, with it on two threads, and with yajl alone; the
 * graphs, or the error codes and messages, must be identical. A crash, a
 * sanitizer report or a disagreement is a finding. */
#include "../unit/graph_equal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct fuzz_outcome {
    int rc;
    char err[1024];
    rg_snapshot *s;
} fuzz_outcome;

static fuzz_outcome fuzz_load(const uint8_t *data, size_t size, int plain, unsigned threads)
{
    fuzz_outcome o = {0};
    rg_input *in;
    rg_builder *b;
    if ((o.rc = rg_input_open_memory(data, size, "fuzz", &in)) != RG_OK) {
        snprintf(o.err, sizeof o.err, "%s", rg_last_error());
        return o;
    }
    if ((o.rc = rg_builder_new(&b)) != RG_OK) {
        rg_input_close(in);
        return o;
    }
    rg_builder_set_threads(b, threads);
    rg_builder_set_plain_parser(b, plain);
    /* a small line limit reaches the over-limit path too */
    o.rc = rg_read_jsonl(in, b, size > 64 && data[size - 1] == 'L' ? 64 : (1u << 20));
    if (o.rc == RG_OK) {
        rg_builder_set_info_strings(b, "fuzz", rg_input_compression(in), rg_input_total(in));
        o.rc = rg_builder_finish(b, &o.s);
    } else {
        rg_builder_free(b);
    }
    if (o.rc)
        snprintf(o.err, sizeof o.err, "%s", rg_last_error());
    rg_input_close(in);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the public entry point, as an embedder calls it */
    rg_snapshot *s = NULL;
    if (rg_snapshot_open_memory(data, size, "fuzz", NULL, &s) == RG_OK) {
        rg_type_stat *st;
        uint32_t n;
        if (rg_type_stats(s, RG_SORT_COUNT, sizeof(rg_type_stat), &st, &n) == RG_OK)
            rg_free(st);
        rg_snapshot_free(s);
    }
    fuzz_outcome ref = fuzz_load(data, size, 1, 1);
    for (int k = 0; k < 2; k++) {
        fuzz_outcome o = fuzz_load(data, size, 0, k ? 2 : 1);
        const char *d = NULL;
        if (o.rc != ref.rc || strcmp(o.err, ref.err) != 0)
            d = "outcome";
        else if (o.s)
            d = rg_graph_diff(o.s, ref.s);
        if (d) {
            fprintf(stderr, "scanner (threads %d) disagrees with yajl: %s\n  scanner: %d %s\n  yajl:    %d %s\n",
                    k ? 2 : 1, d, o.rc, o.err, ref.rc, ref.err);
            abort();
        }
        rg_snapshot_free(o.s);
    }
    rg_snapshot_free(ref.s);
    return 0;
}
