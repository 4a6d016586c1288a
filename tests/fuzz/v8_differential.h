/* v8_differential.h: load one input with the fast V8 reader (v8.c) and with
 * the yajl reference (v8_reference.c) and say how they differ: the unit
 * tests, the e2e tests (through test_v8 --compare) and the fuzz target use
 * it. Both must accept the same inputs and build the same graph, or refuse
 * with the same error code; the texts may differ only where yajl's own
 * words or its byte count are involved, so they are not compared. */
#ifndef RG_V8_DIFFERENTIAL_H
#define RG_V8_DIFFERENTIAL_H

#include "../unit/graph_equal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct v8_outcome {
    int rc;
    char err[1024];
    rg_snapshot *s;
} v8_outcome;

static v8_outcome v8_load(const void *data, size_t size, const char *name, int reference)
{
    v8_outcome o = {0};
    rg_input *in;
    rg_builder *b;
    if ((o.rc = rg_input_open_memory(data, size, name, &in)) != RG_OK) {
        snprintf(o.err, sizeof o.err, "%s", rg_last_error());
        return o;
    }
    if ((o.rc = rg_builder_new(&b)) != RG_OK) {
        rg_input_close(in);
        return o;
    }
    rg_builder_set_plain_parser(b, reference);
    o.rc = rg_read_v8(in, b, 1u << 20);
    if (o.rc == RG_OK) {
        rg_builder_set_info_strings(b, name, rg_input_compression(in), rg_input_total(in));
        o.rc = rg_builder_finish(b, &o.s);
    } else {
        rg_builder_free(b);
    }
    if (o.rc)
        snprintf(o.err, sizeof o.err, "%s", rg_last_error());
    rg_input_close(in);
    return o;
}

/* NULL when both readers agree on `data`, else what differs; with `why`
 * set, both outcomes are printed to stderr. */
static const char *v8_differ(const void *data, size_t size, const char *name, int why)
{
    v8_outcome fast = v8_load(data, size, name, 0), ref = v8_load(data, size, name, 1);
    const char *d = NULL;
    if (fast.rc != ref.rc)
        d = "outcome";
    else if (fast.s)
        d = rg_graph_diff(fast.s, ref.s);
    if (d && why)
        fprintf(stderr, "%s: the fast V8 reader disagrees with yajl: %s\n  fast: %d %s\n  yajl: %d %s\n", name, d,
                fast.rc, fast.err, ref.rc, ref.err);
    rg_snapshot_free(fast.s);
    rg_snapshot_free(ref.s);
    return d;
}

#endif
