/* jsonl_yajl.c: the reference parser of refgraph's JSON Lines format
 * (docs/snapshot-format.md), on yajl's callback parser. It reads every line
 * the specialised scanner declines (the header, unusual escapes, anything
 * malformed), so every error message comes from here. It fills a batch of
 * records; it never touches the builder, so it can run on the reader
 * thread. Lines are fed to one yajl handle in order, as one stream. */
#include "jsonl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define FORMAT_NAME JL_FORMAT_NAME
#define FORMAT_VERSION JL_FORMAT_VERSION

enum rec_kind { REC_NONE, REC_HEADER, REC_OBJECT, REC_ROOT, REC_UNKNOWN };

/* The record-level field the parser is inside. */
enum field {
    F_NONE, F_SKIP, F_REC, F_ID, F_TYPE, F_SIZE, F_LEN, F_REPR, F_NAME, F_RC, F_FLAGS, F_REFS,
    F_FORMAT, F_VERSION, F_PRODUCER, F_RUNTIME, F_PID, F_TIME, F_SEQ, F_OBJECTS, F_EDGES,
    F_KIND, F_LABEL,
};

static const struct { const char *name; enum field f; } field_names[] = {
    {"rec", F_REC}, {"id", F_ID}, {"type", F_TYPE}, {"size", F_SIZE}, {"len", F_LEN},
    {"repr", F_REPR}, {"name", F_NAME}, {"rc", F_RC}, {"flags", F_FLAGS}, {"refs", F_REFS},
    {"format", F_FORMAT}, {"version", F_VERSION}, {"producer", F_PRODUCER},
    {"runtime", F_RUNTIME}, {"pid", F_PID}, {"time", F_TIME}, {"seq", F_SEQ},
    {"objects", F_OBJECTS}, {"edges", F_EDGES}, {"kind", F_KIND}, {"label", F_LABEL},
};

typedef struct strbuf {
    char *p;
    size_t len, cap;
    int set;
} strbuf;

typedef struct jl_yajl reader;
struct jl_yajl {
    yajl_handle h;
    jl_batch *bt;
    const char *name;
    rg_read_error err;   /* the first failure in a callback (reader.h) */

    uint64_t line;          /* 1-based line being parsed */
    uint64_t records;       /* complete records so far */
    int records_on_line;

    int depth;
    enum field field;       /* record field whose value is being parsed */
    int skip_depth;         /* depth at which an ignored value started */

    /* the record being assembled */
    enum rec_kind rec;
    strbuf rec_name, type, repr, name_s, format, producer, runtime, kind, label;
    int has_id, has_size, has_len, has_rc, has_version;
    uint64_t id, size, len;
    int64_t rc, version, pid, seq, objects, edges;
    double time;
    unsigned flags;

    /* refs: depth 2 is the list, depth 3 one reference; they go straight
     * into the batch from ref_start on, and are dropped unless the record
     * turns out to be an object */
    size_t ref_start;
    int ref_pos;
    jl_ref cur;
    int cur_has_label;

    int header_seen;
};

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&r->err, RG_EFORMAT, fmt, ap);
    va_end(ap);
    return 0; /* tells yajl to stop */
}

static const char *rec_label(const reader *r)
{
    switch (r->rec) {
    case REC_HEADER: return "header record";
    case REC_OBJECT: return "object record";
    case REC_ROOT: return "root record";
    default: return "record";
    }
}

static const char *field_label(enum field f)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (field_names[i].f == f)
            return field_names[i].name;
    return "?";
}

static int sb_set(strbuf *b, const unsigned char *s, size_t len)
{
    if (len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < len + 1)
            cap *= 2;
        char *p = rg_realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p, s, len);
    b->p[len] = '\0';
    b->len = len;
    b->set = 1;
    return 0;
}

static void reset_record(reader *r)
{
    r->rec = REC_NONE;
    r->rec_name.set = r->type.set = r->repr.set = r->name_s.set = 0;
    r->format.set = r->producer.set = r->runtime.set = r->kind.set = r->label.set = 0;
    r->has_id = r->has_size = r->has_len = r->has_rc = r->has_version = 0;
    r->rc = -1;
    r->pid = -1;
    r->seq = -1;
    r->objects = r->edges = 0;
    r->time = 0;
    r->flags = 0;
    r->ref_start = r->bt->n_refs;
}

/* Keep `len` bytes in the batch; the label form of a string. */
static int keep(reader *r, const void *s, size_t len, jl_str *out, int is_repr)
{
    char *p = jl_batch_alloc(r->bt, len + 1);
    if (!p)
        return fail(r, "out of memory");
    memcpy(p, s, len);
    p[len] = '\0'; /* so header strings can be handed on as C strings */
    /* the raw line is strict UTF-8 (jl_yajl_line checked it), so a
     * surrogate here came from a lone \uD800-style escape: U+FFFD */
    rg_utf8_scrub_surrogates(p, len);
    *out = jl_str_make(p, len, is_repr);
    return 1;
}

/* A value arrived where the record expected something else. */
static int wrong_shape(reader *r, const char *what)
{
    return fail(r, "%s: \"%s\" must be %s", rec_label(r), field_label(r->field), what);
}

/* ---- reference parsing (depth 3: [target, kind, label]) ---- */

static int ref_integer(reader *r, long long v)
{
    if (r->ref_pos == 0) {
        if (v < 0)
            return fail(r, "%s: reference target must be a non-negative integer", rec_label(r));
        r->cur.target = (uint64_t)v;
    } else if (r->ref_pos == 2) {
        if (r->cur.kind == RG_EDGE_INDEX) {
            r->cur.index = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
        } else {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%lld", v);
            if (!keep(r, buf, (size_t)n, &r->cur.label, 0))
                return 0;
        }
        r->cur_has_label = 1;
    } else if (r->ref_pos == 1) {
        return fail(r, "%s: reference kind must be a string", rec_label(r));
    }
    r->ref_pos++;
    return 1;
}

static int ref_string(reader *r, const unsigned char *s, size_t len)
{
    if (r->ref_pos == 0)
        return fail(r, "%s: reference target must be an integer id", rec_label(r));
    if (r->ref_pos == 1) {
        char kind[16];
        int k = -1;
        if (len < sizeof kind) {
            memcpy(kind, s, len);
            kind[len] = '\0';
            k = rg_edge_kind_from_name(kind);
        }
        if (k < 0) {
            /* Unknown kinds are kept as internal edges labelled by the kind. */
            r->cur.kind = RG_EDGE_INTERNAL;
            if (!keep(r, s, len, &r->cur.label, 0))
                return 0;
            r->cur_has_label = 1;
        } else {
            r->cur.kind = (uint8_t)k;
        }
    } else if (r->ref_pos == 2) {
        if (r->cur.kind == RG_EDGE_INDEX) {
            /* Lenient: an index written as a string of digits. */
            char buf[24];
            size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
            memcpy(buf, s, n);
            buf[n] = '\0';
            char *end;
            unsigned long v = strtoul(buf, &end, 10);
            if (*buf && !*end) {
                r->cur.index = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
            } else {
                r->cur.kind = RG_EDGE_INTERNAL;
                if (!keep(r, s, len, &r->cur.label, 0))
                    return 0;
            }
        } else if (!r->cur_has_label) {
            if (!keep(r, s, len, &r->cur.label, 0))
                return 0;
        }
        r->cur_has_label = 1;
    }
    r->ref_pos++;
    return 1;
}

/* ---- yajl callbacks ---- */

static int in_skip(reader *r) { return r->field == F_SKIP; }

static int on_null(void *ctx)
{
    reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found null");
    if (in_skip(r))
        return 1;
    if (r->field == F_REFS && r->depth == 3) {
        if (r->ref_pos < 2)
            return fail(r, "%s: reference target and kind must not be null", rec_label(r));
        r->ref_pos++;
        return 1;
    }
    /* null is "absent" for optional fields */
    switch (r->field) {
    case F_REPR: case F_NAME: case F_LEN: case F_RC: case F_PID: case F_TIME: case F_SEQ:
    case F_LABEL: case F_PRODUCER: case F_RUNTIME: case F_OBJECTS: case F_EDGES: case F_FLAGS:
    case F_REFS:
        return 1;
    default:
        return wrong_shape(r, "present (not null)");
    }
}

static int on_boolean(void *ctx, int v)
{
    reader *r = ctx;
    (void)v;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a boolean");
    if (in_skip(r))
        return 1;
    return wrong_shape(r, r->field == F_REFS ? "a list of [target, kind, label] arrays" : "of another type");
}

static int on_integer(void *ctx, long long v)
{
    reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a number");
    if (in_skip(r))
        return 1;
    if (r->field == F_REFS) {
        if (r->depth != 3)
            return wrong_shape(r, "a list of [target, kind, label] arrays");
        return ref_integer(r, v);
    }
    if (r->depth != 1)
        return wrong_shape(r, "a scalar");
    switch (r->field) {
    case F_ID:
        if (v < 0) return wrong_shape(r, "a non-negative integer");
        r->id = (uint64_t)v; r->has_id = 1; return 1;
    case F_SIZE:
        if (v < 0) return wrong_shape(r, "a non-negative integer");
        r->size = (uint64_t)v; r->has_size = 1; return 1;
    case F_LEN:
        if (v < 0) return wrong_shape(r, "a non-negative integer");
        r->len = (uint64_t)v; r->has_len = 1; return 1;
    case F_RC: r->rc = v; r->has_rc = 1; return 1;
    case F_VERSION: r->version = v; r->has_version = 1; return 1;
    case F_PID: r->pid = v; return 1;
    case F_SEQ: r->seq = v; return 1;
    case F_TIME: r->time = (double)v; return 1;
    case F_OBJECTS: r->objects = v; return 1;
    case F_EDGES: r->edges = v; return 1;
    default: return wrong_shape(r, "a string");
    }
}

static int on_double(void *ctx, double v)
{
    reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a number");
    if (in_skip(r))
        return 1;
    if (r->depth == 1 && r->field == F_TIME) {
        r->time = v;
        return 1;
    }
    return wrong_shape(r, "an integer");
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a string");
    if (in_skip(r))
        return 1;
    if (r->field == F_REFS) {
        if (r->depth != 3)
            return wrong_shape(r, "a list of [target, kind, label] arrays");
        return ref_string(r, s, len);
    }
    if (r->field == F_FLAGS) {
        if (r->depth != 2)
            return wrong_shape(r, "a list of strings");
        if (len == 2 && memcmp(s, "gc", 2) == 0)
            r->flags |= RG_NODE_GC_TRACKED;
        else if (len == 7 && memcmp(s, "garbage", 7) == 0)
            r->flags |= RG_NODE_GARBAGE;
        return 1;
    }
    if (r->depth != 1)
        return wrong_shape(r, "a scalar");
    strbuf *dst;
    switch (r->field) {
    case F_REC: dst = &r->rec_name; break;
    case F_TYPE: dst = &r->type; break;
    case F_REPR: dst = &r->repr; break;
    case F_NAME: dst = &r->name_s; break;
    case F_FORMAT: dst = &r->format; break;
    case F_PRODUCER: dst = &r->producer; break;
    case F_RUNTIME: dst = &r->runtime; break;
    case F_KIND: dst = &r->kind; break;
    case F_LABEL: dst = &r->label; break;
    default: return wrong_shape(r, "a number");
    }
    if (sb_set(dst, s, len))
        return fail(r, "out of memory");
    if (r->field == F_REC) {
        if (len == 6 && memcmp(s, "header", 6) == 0)
            r->rec = REC_HEADER;
        else if (len == 6 && memcmp(s, "object", 6) == 0)
            r->rec = REC_OBJECT;
        else if (len == 4 && memcmp(s, "root", 4) == 0)
            r->rec = REC_ROOT;
        else
            r->rec = REC_UNKNOWN;
    }
    return 1;
}

static int on_start_map(void *ctx)
{
    reader *r = ctx;
    if (r->depth == 0) {
        if (r->records_on_line > 0)
            return fail(r, "more than one record on a line");
        reset_record(r);
        r->field = F_NONE;
    } else if (!in_skip(r)) {
        return wrong_shape(r, r->field == F_REFS ? "a list of [target, kind, label] arrays"
                                              : r->field == F_FLAGS ? "a list of strings" : "a single value, not an object");
    }
    r->depth++;
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    reader *r = ctx;
    if (r->depth != 1)
        return 1; /* keys inside a skipped value */
    r->field = F_SKIP;
    r->skip_depth = 1;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        const char *n = field_names[i].name;
        if (strlen(n) == len && memcmp(n, k, len) == 0) {
            r->field = field_names[i].f;
            break;
        }
    }
    return 1;
}

static int flush_header(reader *r)
{
    if (!r->format.set || strcmp(r->format.p, FORMAT_NAME) != 0)
        return fail(r, "header record: \"format\" must be \"%s\"", FORMAT_NAME);
    if (!r->has_version)
        return fail(r, "header record: \"version\" is missing");
    if (r->version != FORMAT_VERSION) {
        fail(r, "unsupported snapshot format version %lld (this refgraph reads version %d)",
             (long long)r->version, FORMAT_VERSION);
        return -2;
    }
    jl_item *it = jl_batch_item(r->bt);
    if (!it)
        return fail(r, "out of memory");
    it->kind = JL_HEADER;
    it->line = r->line;
    jl_header *h = &r->bt->header;
    memset(h, 0, sizeof *h);
    if (r->producer.set && !keep(r, r->producer.p, r->producer.len, &h->producer, 0))
        return 0;
    if (r->runtime.set && !keep(r, r->runtime.p, r->runtime.len, &h->runtime, 0))
        return 0;
    h->version = r->version;
    h->pid = r->pid;
    h->time = r->time;
    h->seq = r->seq;
    h->objects = r->objects;
    h->edges = r->edges;
    return 1;
}

static int flush_object(reader *r)
{
    if (!r->has_id)
        return fail(r, "object record: \"id\" is missing");
    if (!r->type.set)
        return fail(r, "object record: \"type\" is missing");
    if (!r->has_size)
        return fail(r, "object record: \"size\" is missing");
    jl_item *it = jl_batch_item(r->bt);
    if (!it)
        return fail(r, "out of memory");
    it->kind = JL_OBJECT;
    it->line = r->line;
    it->id = r->id;
    it->size = r->size;
    it->len = r->has_len ? (r->len >= RG_LEN_NONE ? RG_LEN_NONE - 1 : (uint32_t)r->len) : RG_LEN_NONE;
    it->rc = !r->has_rc || r->rc < 0 ? RG_RC_NONE : r->rc >= RG_RC_NONE ? RG_RC_NONE - 1 : (uint32_t)r->rc;
    it->flags = (uint8_t)r->flags;
    it->first_ref = r->ref_start;
    it->n_refs = (uint32_t)(r->bt->n_refs - r->ref_start);
    if (!keep(r, r->type.p, r->type.len, &it->type, 0))
        return 0;
    /* strbuf contents end at their first NUL, as the C strings did */
    if (r->repr.set && !keep(r, r->repr.p, strlen(r->repr.p), &it->repr, 1))
        return 0;
    if (r->name_s.set && !keep(r, r->name_s.p, strlen(r->name_s.p), &it->name, 0))
        return 0;
    return 1;
}

static int flush_root(reader *r)
{
    r->bt->n_refs = r->ref_start;
    if (!r->has_id)
        return fail(r, "root record: \"id\" is missing");
    int k = r->kind.set ? rg_root_kind_from_name(r->kind.p) : RG_ROOT_OTHER;
    if (k < 0)
        k = RG_ROOT_OTHER;
    jl_item *it = jl_batch_item(r->bt);
    if (!it)
        return fail(r, "out of memory");
    it->kind = JL_ROOT;
    it->line = r->line;
    it->id = r->id;
    it->root_kind = (uint8_t)k;
    if (r->label.set && !keep(r, r->label.p, strlen(r->label.p), &it->name, 0))
        return 0;
    return 1;
}

static int on_end_map(void *ctx)
{
    reader *r = ctx;
    r->depth--;
    if (r->depth > 0) {
        if (in_skip(r) && r->depth == r->skip_depth)
            r->field = F_NONE;
        return 1;
    }
    /* a whole record */
    r->records_on_line++;
    if (r->rec != REC_OBJECT)
        r->bt->n_refs = r->ref_start;
    if (!r->header_seen) {
        if (r->rec != REC_HEADER)
            return fail(r, "expected a header record first (found %s)",
                        r->rec_name.set ? r->rec_name.p : "a record without \"rec\"");
        r->header_seen = 1;
        int rc = flush_header(r);
        if (rc == -2) {
            r->err.code = RG_EVERSION;
            return 0;
        }
        r->records++;
        return rc;
    }
    r->records++;
    switch (r->rec) {
    case REC_OBJECT: return flush_object(r);
    case REC_ROOT: return flush_root(r);
    case REC_HEADER: return fail(r, "a second header record");
    case REC_NONE: return fail(r, "record has no \"rec\" field");
    default: {
        jl_item *it = jl_batch_item(r->bt);
        if (!it)
            return fail(r, "out of memory");
        it->kind = JL_SKIP;
        it->line = r->line;
        return 1;
    }
    }
}

static int on_start_array(void *ctx)
{
    reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found an array");
    if (!in_skip(r)) {
        if (r->field == F_REFS) {
            if (r->depth == 2) {
                r->ref_pos = 0;
                memset(&r->cur, 0, sizeof r->cur);
                r->cur_has_label = 0;
            } else if (r->depth != 1) {
                return wrong_shape(r, "a list of [target, kind, label] arrays");
            }
        } else if (r->field != F_FLAGS || r->depth != 1) {
            return wrong_shape(r, r->field == F_FLAGS ? "a list of strings" : "a single value, not an array");
        }
    }
    r->depth++;
    return 1;
}

static int on_end_array(void *ctx)
{
    reader *r = ctx;
    r->depth--;
    if (in_skip(r)) {
        if (r->depth == r->skip_depth)
            r->field = F_NONE;
        return 1;
    }
    if (r->field == F_REFS && r->depth == 2) {
        if (r->ref_pos < 2)
            return fail(r, "%s: a reference needs at least [target, kind]", rec_label(r));
        jl_ref *ref = jl_batch_refs(r->bt, 1);
        if (!ref)
            return fail(r, "out of memory");
        *ref = r->cur;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, on_integer, on_double, NULL, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* Turn a parse failure into an error item naming line and offset. */
static int report(reader *r, yajl_status st, uint64_t offset)
{
    int code = r->err.failed ? r->err.code : RG_EFORMAT;
    if (st == yajl_status_error && !r->err.failed) {
        unsigned char *msg = yajl_get_error(r->h, 0, NULL, 0);
        const char *m = msg ? (const char *)msg : "?";
        /* yajl prefixes "lexical error: " or "parse error: "; keep its words. */
        const char *nl = strchr(m, '\n');
        int len = nl ? (int)(nl - m) : (int)strlen(m);
        jl_batch_error(r->bt, code, r->name, r->line, offset, "invalid JSON: %.*s", len, m);
        if (msg)
            yajl_free_error(r->h, msg);
        return -1;
    }
    jl_batch_error(r->bt, code, r->name, r->line, offset, "%s", r->err.msg);
    return -1;
}

int jl_yajl_new(const char *name, jl_yajl **out)
{
    reader *r = rg_calloc(1, sizeof *r);
    if (!r)
        return rg_fail(RG_ENOMEM, "%s: out of memory", name);
    r->name = name;
    r->h = yajl_alloc(&callbacks, NULL, r);
    if (!r->h) {
        rg_free(r);
        return rg_fail(RG_ENOMEM, "%s: out of memory", name);
    }
    yajl_config(r->h, yajl_allow_multiple_values, 1);
    *out = r;
    return RG_OK;
}

void jl_yajl_free(jl_yajl *r)
{
    if (!r)
        return;
    strbuf *bufs[] = {&r->rec_name, &r->type, &r->repr, &r->name_s, &r->format,
                      &r->producer, &r->runtime, &r->kind, &r->label};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        rg_free(bufs[i]->p);
    yajl_free(r->h);
    rg_free(r);
}

int jl_yajl_header_seen(const jl_yajl *r) { return r->header_seen; }

int jl_yajl_line(jl_yajl *r, jl_batch *bt, const char *p, size_t len, int has_nl, uint64_t line,
                 uint64_t offset)
{
    r->bt = bt;
    r->line = line;
    r->records_on_line = 0;
    r->ref_start = bt->n_refs;
    int line_has_data = 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            line_has_data = 1;
            break;
        }
    size_t first_item = bt->n_items;
    /* yajl's own check lets overlong forms, surrogates and code points
     * above U+10FFFF through; they would reach --json output. The scanner
     * declines such lines, so only this path needs the check. */
    size_t tail, bad = rg_utf8_check((const unsigned char *)p, len, has_nl ? NULL : &tail);
    if (bad < len) {
        jl_batch_error(bt, RG_EFORMAT, r->name, line, offset + bad,
                       "invalid UTF-8: byte 0x%02X does not start a valid sequence "
                       "(overlong form, surrogate, above U+10FFFF or stray byte)",
                       (unsigned char)p[bad]);
        return -1;
    }
    yajl_status st = yajl_parse(r->h, (const unsigned char *)p, len);
    if (st != yajl_status_ok)
        return report(r, st, offset + yajl_get_bytes_consumed(r->h));
    /* errors the builder finds later point at the end of the line, as
     * they did when the builder was called from the callbacks */
    for (size_t i = first_item; i < bt->n_items; i++)
        bt->items[i].end_offset = offset + len - (has_nl ? 1 : 0);
    if (has_nl && (r->depth != 0 || (line_has_data && r->records_on_line == 0))) {
        jl_batch_error(bt, RG_EFORMAT, r->name, line, offset + len - 1, "record does not end on its line");
        return -1;
    }
    return 0;
}

int jl_yajl_end(jl_yajl *r, jl_batch *bt, int last_line_unfinished, uint64_t line, uint64_t offset)
{
    r->bt = bt;
    r->line = line;
    if (last_line_unfinished) {
        yajl_status st = yajl_complete_parse(r->h);
        if (st != yajl_status_ok || r->depth != 0) {
            if (r->err.failed)
                return report(r, st, offset);
            jl_batch_error(bt, RG_EFORMAT, r->name, line, offset,
                           "truncated record (the file ends mid-line)");
            return -1;
        }
    }
    if (!r->header_seen) {
        jl_batch_error(bt, RG_EFORMAT, r->name, line, offset, "%s",
                       offset == 0 ? "empty file (expected a header record)" : "no header record");
        return -1;
    }
    return 0;
}
