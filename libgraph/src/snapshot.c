/* snapshot.c: rg_snapshot_open: pick the reader for a stream and build the
 * graph. */
#include "internal.h"

#include <string.h>
#include <time.h>

#define DEFAULT_MAX_LINE (1ULL << 30)

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(rg_input *in, const rg_open_options *opts, rg_snapshot **out)
{
    double t0 = now_seconds();
    uint64_t max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : DEFAULT_MAX_LINE;
    const void *head;
    int64_t n = rg_input_peek(in, &head);
    if (n < 0)
        return (int)rg_last_error_code();

    rg_builder *b;
    int rc = rg_builder_new(&b);
    if (rc)
        return rc;
    rc = rg_read_jsonl(in, b, max_line);
    if (rc) {
        rg_builder_free(b);
        return rc;
    }
    rg_builder_set_info_strings(b, rg_input_name(in), rg_input_compression(in), rg_input_total(in));
    rg_snapshot *s;
    rc = rg_builder_finish(b, &s);
    if (rc) {
        rg_error_prefix("%s", rg_input_name(in));
        return rc;
    }
    s->info.load_seconds = now_seconds() - t0;
    *out = s;
    return RG_OK;
}

int rg_snapshot_open(const char *path, const rg_open_options *opts, rg_snapshot **out)
{
    if (!path || !out)
        return rg_fail(RG_EINVAL, "rg_snapshot_open: NULL path or out");
    rg_clear_error();
    rg_input *in;
    int rc = rg_input_open_file(path, &in);
    if (rc)
        return rc;
    rc = load(in, opts, out);
    rg_input_close(in);
    return rc;
}

int rg_snapshot_open_memory(const void *data, size_t size, const char *name,
                            const rg_open_options *opts, rg_snapshot **out)
{
    if (!out || (!data && size))
        return rg_fail(RG_EINVAL, "rg_snapshot_open_memory: NULL data or out");
    rg_clear_error();
    rg_input *in;
    int rc = rg_input_open_memory(data, size, name, &in);
    if (rc)
        return rc;
    rc = load(in, opts, out);
    rg_input_close(in);
    return rc;
}
