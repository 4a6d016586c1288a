/* jsonl.c: the reader of refgraph's own JSON Lines format
 * (docs/snapshot-format.md): cut the stream into chunks of whole lines,
 * parse each line into records (jsonl_scan.c, or yajl in jsonl_yajl.c when
 * the scanner declines), and apply the records to the builder in file order.
 *
 * With two threads, a reader thread reads, decompresses and parses chunk
 * k+1 while the calling thread interns and stores chunk k: parsing and
 * building take about the same time, so the two overlap almost fully
 * (docs/design.md, "Loader"). The output does not depend on the thread
 * count: all builder calls happen on one thread, in file order. */
#include "jsonl_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2 MB chunks: small enough that a chunk and its parsed records are still
 * in cache when the building thread applies them, and that the buffers and
 * batches of the N_CHUNKS chunks cost few fresh pages (8 MB chunks, read up
 * to a doubled 16 MB capacity, faulted 100 MB of them: 0.4 s of kernel page
 * clearing per GB on the 2-core VM); large enough that handing a chunk
 * over (a mutex and a condition) costs nothing measurable. */
#define CHUNK_BYTES (2u << 20)
#define N_CHUNKS 3

/* ------------------------------------------------------------- chunks */

typedef struct chunk {
    char *buf;
    size_t len, cap;
    jl_batch bt;
    int last;          /* nothing follows: end of stream, or an error item */
    int ready;         /* filled and waiting for the builder (guarded by the mutex) */
} chunk;

typedef struct reader {
    rg_input *in;
    const char *name;
    uint64_t max_line;
    jl_yajl *y;
    uint64_t line;            /* number of the next line */
    uint64_t offset;          /* stream offset of the first byte not yet in a chunk */
    chunk *prev;              /* the chunk whose tail is the carried partial line */
    size_t carry_at, carry_len;
    uint64_t longest;
    size_t chunk_bytes;       /* grows from small to CHUNK_BYTES, so small inputs stay cheap */
    int scanner;              /* 0: every line through yajl */
    uint64_t announced;       /* the header's "objects" (0: none); set by the building thread */

    /* the pipeline between the reader thread and the building thread */
    chunk chunks[N_CHUNKS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;                 /* the builder failed: stop reading */
} reader;

static int grow_chunk(chunk *c, size_t need)
{
    if (need <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 1;
    while (cap < need)
        cap *= 2;
    char *p = rg_realloc(c->buf, cap);
    if (!p)
        return -1;
    c->buf = p;
    c->cap = cap;
    return 0;
}

/* A failure of the input itself (read error, memory): an error item with
 * no position, and the end of the chunks. */
#define raw_error(c, ...) ((c)->last = 1, jl_batch_error_raw(&(c)->bt, __VA_ARGS__))

/* A line longer than the limit: report a syntax error in the part within
 * the limit if there is one (as a streaming parser would have), else the
 * limit. */
static void over_limit(reader *r, chunk *c, const char *p, uint64_t line_offset)
{
    if (jl_yajl_line(r->y, &c->bt, p, (size_t)r->max_line, 0, r->line, line_offset) == 0)
        jl_batch_error(&c->bt, RG_ELIMIT, r->name, r->line, line_offset,
                       "line is longer than the limit of %llu bytes", (unsigned long long)r->max_line);
    c->last = 1;
}

/* Parse one line into c's batch; 0, or -1 when an error item ended it. */
static int parse_line(reader *r, chunk *c, const char *p, size_t len, int has_nl)
{
    uint64_t at = r->offset + (uint64_t)(p - c->buf);
    uint64_t bytes = len + (has_nl ? 1 : 0);
    if (bytes > r->max_line) {
        over_limit(r, c, p, at);
        return -1;
    }
    if (bytes > r->longest)
        r->longest = bytes;
    if (r->scanner && jl_yajl_header_seen(r->y) && jl_scan_line(&c->bt, p, len, r->line, at + len))
        return 0;
    if (jl_yajl_line(r->y, &c->bt, p, bytes, has_nl, r->line, at) < 0) {
        c->last = 1;
        return -1;
    }
    return 0;
}

static int has_data(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 1;
    return 0;
}

/* The last '\n' in p[0, len), or NULL (memrchr is a GNU extension). */
static const char *last_newline(const char *p, size_t len)
{
    while (len > 0)
        if (p[--len] == '\n')
            return p + len;
    return NULL;
}

/* Fill chunk c with whole lines (the carried partial line first, then as
 * much of the stream as fits) and parse them. */
static void fill(reader *r, chunk *c)
{
    jl_batch_reset(&c->bt);
    c->last = 0;
    c->len = 0;
    if (c->cap > 4 * (size_t)CHUNK_BYTES && r->carry_len < CHUNK_BYTES) {
        /* a huge line made this buffer huge; shrink it once it is past */
        if (r->carry_len && r->prev == c) {
            memmove(c->buf, c->buf + r->carry_at, r->carry_len);
            r->carry_at = 0;
        }
        char *p = rg_realloc(c->buf, 2 * (size_t)CHUNK_BYTES);
        if (p) {
            c->buf = p;
            c->cap = 2 * (size_t)CHUNK_BYTES;
        }
    }
    /* Read no more than the carry plus chunk_bytes, whatever the capacity
     * (which doubles to fit the carry): every byte read is a page touched,
     * and the records parsed from it fill the batch's arrays in proportion. */
    size_t want = r->carry_len + r->chunk_bytes;
    if (grow_chunk(c, want)) {
        raw_error(c, RG_ENOMEM, "%s: out of memory", r->name);
        return;
    }
    if (r->carry_len)
        memmove(c->buf, r->prev->buf + r->carry_at, r->carry_len);
    c->len = r->carry_len;
    r->carry_len = 0;
    if (r->chunk_bytes < CHUNK_BYTES)
        r->chunk_bytes *= 2;
    int eof = 0;
    size_t complete = 0;      /* bytes up to and including the last '\n' */
    for (;;) {
        while (c->len < want) {
            int64_t n = rg_input_read(r->in, c->buf + c->len, want - c->len);
            if (n < 0) {
                raw_error(c, rg_last_error_code() ? rg_last_error_code() : RG_EIO, "line %llu: %s",
                          (unsigned long long)r->line, rg_last_error());
                return;
            }
            if (n == 0) {
                eof = 1;
                break;
            }
            c->len += (size_t)n;
        }
        const char *nl = last_newline(c->buf, c->len);
        if (nl) {
            complete = (size_t)(nl - c->buf) + 1;
            break;
        }
        if (eof)
            break;
        /* One line fills the whole buffer: make room, unless it is already
         * over the limit. */
        if (c->len > r->max_line) {
            over_limit(r, c, c->buf, r->offset);
            return;
        }
        size_t blank = rg_blank_run_over(c->buf, c->len, RG_MAX_BLANK_RUN);
        if (blank < c->len) {
            jl_batch_error(&c->bt, RG_ELIMIT, r->name, r->line, r->offset + blank,
                           "more than %u bytes of whitespace in a row: refused (no writer pads a line so)",
                           RG_MAX_BLANK_RUN);
            c->last = 1;
            return;
        }
        size_t need = c->cap * 2;
        if (need > r->max_line + 2 && c->cap < r->max_line + 2)
            need = (size_t)r->max_line + 2;
        if (grow_chunk(c, need)) {
            raw_error(c, RG_ENOMEM, "%s:%llu: out of memory for a line of more than %zu bytes", r->name,
                      (unsigned long long)r->line, c->len);
            return;
        }
        want = c->cap;
    }
    const char *p = c->buf, *end = c->buf + complete;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (parse_line(r, c, p, (size_t)(nl - p), 1) < 0)
            return;
        r->line++;
        p = nl + 1;
    }
    if (!eof) {
        r->prev = c;
        r->carry_at = complete;
        r->carry_len = c->len - complete;
        r->offset += complete;
        return;
    }
    /* the end: a last line without '\n', then the end-of-stream checks */
    size_t tail = c->len - complete;
    int unfinished = 0;
    if (tail) {
        uint64_t at = r->offset + complete;
        if (tail > r->max_line) {
            over_limit(r, c, p, at);
            return;
        }
        if (tail > r->longest)
            r->longest = tail;
        if (!(r->scanner && jl_yajl_header_seen(r->y) && jl_scan_line(&c->bt, p, tail, r->line, at + tail))) {
            if (jl_yajl_line(r->y, &c->bt, p, tail, 0, r->line, at) < 0) {
                c->last = 1;
                return;
            }
            unfinished = has_data(p, tail);
        }
    }
    r->offset += c->len;
    jl_yajl_end(r->y, &c->bt, unfinished, r->line, r->offset);
    c->last = 1;
}

/* ------------------------------------------------------------- building */

static int builder_error(const reader *r, const jl_item *it)
{
    int code = rg_last_error_code() ? rg_last_error_code() : RG_ENOMEM;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rg_last_error());
    return rg_fail(code, "%s:%llu: byte %llu: %s", r->name, (unsigned long long)it->line,
                   (unsigned long long)it->end_offset, msg);
}

static int intern(rg_builder *b, const jl_str *s, uint32_t *sid)
{
    if (!s->p) {
        *sid = 0;
        return RG_OK;
    }
    return rg_builder_intern_hashed(b, s->p, s->len, s->hash, sid);
}

static int apply_object(const reader *r, rg_builder *b, jl_batch *bt, const jl_item *it)
{
    jl_ref *refs = it->n_refs ? bt->refs + it->first_ref : NULL;
    /* Interning order is the order the strings appear in the line, labels
     * first, as the yajl path always did: string ids do not depend on which
     * parser read a line. */
    for (uint32_t i = 0; i < it->n_refs; i++)
        if (refs[i].kind != RG_EDGE_INDEX && intern(b, &refs[i].label, &refs[i].index))
            return builder_error(r, it);
    rg_object_fast o = {.id = it->id, .size = it->size, .len = it->len, .rc = it->rc, .flags = it->flags};
    if (intern(b, &it->type, &o.type_sid) || intern(b, &it->repr, &o.repr_sid) ||
        intern(b, &it->name, &o.name_sid))
        return builder_error(r, it);
    rg_builder_set_line(b, it->line);
    if (rg_builder_add_object_fast(b, &o))
        return builder_error(r, it);
    for (uint32_t i = 0; i < it->n_refs; i++)
        if (rg_builder_add_ref_sid(b, refs[i].target, (rg_edge_kind)refs[i].kind, refs[i].index))
            return builder_error(r, it);
    return RG_OK;
}

static int apply_header(reader *r, rg_builder *b, const jl_batch *bt, const jl_item *it)
{
    const jl_header *h = &bt->header;
    r->announced = h->objects > 0 ? (uint64_t)h->objects : 0;
    rg_header_desc d = {
        .format = JL_FORMAT_NAME,
        .format_version = (int)h->version,
        .producer = h->producer.p,
        .runtime = h->runtime.p,
        .pid = h->pid,
        .time = h->time,
        .seq = h->seq,
    };
    if (rg_builder_set_header(b, &d) ||
        rg_builder_set_expected(b, h->objects > 0 ? (uint64_t)h->objects : 0,
                                h->edges > 0 ? (uint64_t)h->edges : 0))
        return builder_error(r, it);
    return RG_OK;
}

/* Apply a chunk's records to the builder, in order. */
static int apply(reader *r, rg_builder *b, jl_batch *bt)
{
    /* Start each object's id-map and string-table slot misses this many
     * records early (about a microsecond of building: enough to hide a DRAM
     * miss). */
    const size_t ahead = 16;
    for (size_t i = 0; i < bt->n_items; i++) {
        if (i + ahead < bt->n_items && bt->items[i + ahead].kind == JL_OBJECT) {
            const jl_item *next = &bt->items[i + ahead];
            rg_builder_prefetch_id(b, next->id);
            /* reprs and names are mostly distinct strings: a slot miss each */
            if (next->repr.p)
                rg_builder_prefetch_string(b, next->repr.hash);
            if (next->name.p)
                rg_builder_prefetch_string(b, next->name.hash);
        }
        const jl_item *it = &bt->items[i];
        int rc = RG_OK;
        switch (it->kind) {
        case JL_OBJECT: rc = apply_object(r, b, bt, it); break;
        case JL_ROOT: {
            uint32_t label;
            rg_builder_set_line(b, it->line);
            if (intern(b, &it->name, &label) ||
                rg_builder_add_root_sid(b, it->id, (rg_root_kind)it->root_kind, label))
                rc = builder_error(r, it);
            break;
        }
        case JL_HEADER: rc = apply_header(r, b, bt, it); break;
        case JL_SKIP: rg_builder_note_skipped(b, 1); break;
        default: return jl_batch_report(bt);
        }
        if (rc)
            return rc;
    }
    if (bt->oom)
        return rg_fail(RG_ENOMEM, "%s: out of memory while parsing line %llu", r->name,
                       (unsigned long long)r->line);
    return RG_OK;
}

/* ------------------------------------------------------------- threads */

static void *reader_main(void *arg)
{
    reader *r = arg;
    for (size_t k = 1;; k++) {
        chunk *c = &r->chunks[k % N_CHUNKS];
        pthread_mutex_lock(&r->mu);
        while (c->ready && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            return NULL;
        fill(r, c);
        int last = c->last;
        pthread_mutex_lock(&r->mu);
        c->ready = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        if (last)
            return NULL;
    }
}

int rg_read_jsonl(rg_input *in, rg_builder *b, uint64_t max_line)
{
    reader *r = rg_calloc(1, sizeof *r);
    if (!r)
        return rg_fail(RG_ENOMEM, "%s: out of memory", rg_input_name(in));
    r->in = in;
    r->name = rg_input_name(in);
    r->max_line = max_line;
    r->line = 1;
    r->scanner = !rg_builder_plain_parser(b);
    r->chunk_bytes = 64 * 1024;
    int rc = jl_yajl_new(r->name, &r->y);
    if (rc) {
        rg_free(r);
        return rc;
    }
    /* The first chunk is read here: small files never start a thread. */
    chunk *c = &r->chunks[0];
    fill(r, c);
    int threaded = 0;
    if (!c->last && rg_builder_threads(b) > 1 && pthread_mutex_init(&r->mu, NULL) == 0) {
        if (pthread_cond_init(&r->cv, NULL) == 0) {
            c->ready = 1;
            pthread_t th;
            if (pthread_create(&th, NULL, reader_main, r) == 0) {
                threaded = 1;
                for (size_t k = 0;; k++) {
                    c = &r->chunks[k % N_CHUNKS];
                    pthread_mutex_lock(&r->mu);
                    while (!c->ready)
                        pthread_cond_wait(&r->cv, &r->mu);
                    pthread_mutex_unlock(&r->mu);
                    rc = apply(r, b, &c->bt);
                    int last = c->last;
                    pthread_mutex_lock(&r->mu);
                    c->ready = 0;
                    if (rc)
                        r->stop = 1;
                    pthread_cond_broadcast(&r->cv);
                    pthread_mutex_unlock(&r->mu);
                    if (rc || last)
                        break;
                }
                pthread_join(th, NULL);
            }
            pthread_cond_destroy(&r->cv);
        }
        pthread_mutex_destroy(&r->mu);
    }
    if (!threaded) {
        for (;;) {
            rc = apply(r, b, &c->bt);
            if (rc || c->last)
                break;
            fill(r, c);
        }
    }
    /* The header's "objects" is the number of object records (or a lower
     * bound: docs/snapshot-format.md); a file with fewer was cut, maybe
     * exactly at a line boundary, where nothing else would notice. */
    if (rc == RG_OK && r->announced && rg_builder_object_count(b) < r->announced)
        rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: truncated: the header announces %llu objects, the file has %llu",
                     r->name, (unsigned long long)r->line, (unsigned long long)r->offset,
                     (unsigned long long)r->announced, (unsigned long long)rg_builder_object_count(b));
    rg_builder_set_longest_line(b, r->longest);
    for (size_t k = 0; k < N_CHUNKS; k++) {
        jl_batch_free(&r->chunks[k].bt);
        rg_free(r->chunks[k].buf);
    }
    jl_yajl_free(r->y);
    rg_free(r);
    return rc;
}
