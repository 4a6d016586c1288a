/* v8_reference.c: the V8 heap snapshot reader as it was first written, the
 * whole file through yajl's callback parser. It is slower than the fast
 * front end (v8.c) and kept for one job: the tests and the differential
 * fuzzer load every snapshot with both and require the same graph, or the
 * same error code. rg_builder_set_plain_parser selects it. */
#include "read/v8_internal.h"

#include <stdlib.h>

#define CHUNK (1u << 20)

static int report(v8_reader *r, yajl_handle h, yajl_status st, uint64_t line, uint64_t offset)
{
    if (st == yajl_status_error && !r->err.failed)
        return rg_read_yajl_error(h, r->name, line, offset, rg_v8_ctx_label(rg_v8_cur(r)));
    return rg_read_error_report(&r->err, r->name, line, offset);
}

int rg_read_v8_reference(rg_input *in, rg_builder *b, uint64_t max_line)
{
    (void)max_line; /* a snapshot may legally be one line; strings are capped instead */
    v8_reader *r = rg_v8_reader_new(b, rg_input_name(in));
    if (!r)
        return rg_fail(RG_ENOMEM, "%s: out of memory", rg_input_name(in));
    rg_chunks c;
    int rc = rg_chunks_open(&c, in, CHUNK, CHUNK);
    yajl_handle h = rc ? NULL : yajl_alloc(&rg_v8_callbacks, NULL, r);
    if (!rc && !h)
        rc = rg_fail(RG_ENOMEM, "%s: out of memory", r->name);
    size_t used = 0;
    while (rc == RG_OK) {
        int got = rg_chunks_next(&c, used);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0 && c.len == 0)
            break;
        /* Strict UTF-8 before yajl sees a byte: yajl lets overlong forms,
         * surrogates and code points above U+10FFFF through. A sequence cut
         * by the read waits for the next one; at the end of the file it is
         * handed over as it is (the file is truncated inside a string). */
        size_t tail = 0;
        if ((rc = rg_read_check_utf8(c.buf, c.len, r->name, c.line, c.offset, &tail)))
            break;
        size_t n = got ? c.len - tail : c.len;
        yajl_status st = yajl_parse(h, c.buf, n);
        if (st != yajl_status_ok) {
            size_t at = yajl_get_bytes_consumed(h);
            rc = report(r, h, st, rg_chunks_line_at(&c, at), c.offset + at);
            break;
        }
        used = n;
        if (got == 0) {
            rg_chunks_next(&c, used);
            break;
        }
    }
    if (rc == RG_OK) {
        /* A file that ends with a container still open is truncated,
         * whatever its last token: yajl_complete_parse would hand over a
         * number cut by the end of the file ("78" of "7828") as if it were
         * whole, and the callbacks would then judge the wrong value. */
        yajl_status st = r->depth != 0 ? yajl_status_ok : yajl_complete_parse(h);
        rc = rg_v8_check_complete(r, st != yajl_status_ok || r->depth != 0, c.line, c.offset);
    }
    if (h)
        yajl_free(h);
    if (rc == RG_OK) {
        rg_idmap_free(&r->ids);
        rc = rg_read_end(&c, r->name, rg_v8_build_graph, r);
    }
    rg_chunks_close(&c);
    rg_v8_reader_free(r);
    return rc;
}
