/* jsonl.c: the streaming reader of refgraph's own JSON Lines format
 * (docs/snapshot-format.md), built on yajl's callback parser. The file is fed
 * to one yajl handle line by line, so memory stays bounded by the longest
 * string, not by the file, and every error can name its line. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define FORMAT_NAME "refgraph-snapshot"
#define FORMAT_VERSION 1
#define CHUNK (1u << 20)

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

typedef struct ref {
    uint64_t target;
    uint32_t label;
    uint8_t kind;
} ref;

typedef struct reader {
    rg_builder *b;
    const char *name;
    char err[512];
    int failed;

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

    /* refs: depth 2 is the list, depth 3 one reference */
    ref *refs;
    size_t n_refs, refs_cap;
    int ref_pos;
    ref cur;
    const char *cur_kind_text;  /* for unknown kinds, kept as the label */
    int cur_has_label;

    int header_seen;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
        r->failed = 1;
    }
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
        char *p = realloc(b->p, cap);
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
    r->n_refs = 0;
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
            r->cur.label = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
        } else {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%lld", v);
            if (rg_builder_intern(r->b, buf, (size_t)n, &r->cur.label))
                return fail(r, "%s", rg_last_error());
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
            if (rg_builder_intern(r->b, (const char *)s, len, &r->cur.label))
                return fail(r, "%s", rg_last_error());
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
                r->cur.label = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
            } else {
                r->cur.kind = RG_EDGE_INTERNAL;
                if (rg_builder_intern(r->b, (const char *)s, len, &r->cur.label))
                    return fail(r, "%s", rg_last_error());
            }
        } else if (!r->cur_has_label) {
            if (rg_builder_intern(r->b, (const char *)s, len, &r->cur.label))
                return fail(r, "%s", rg_last_error());
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
    rg_header_desc h = {
        .format = FORMAT_NAME,
        .format_version = (int)r->version,
        .producer = r->producer.set ? r->producer.p : NULL,
        .runtime = r->runtime.set ? r->runtime.p : NULL,
        .pid = r->pid,
        .time = r->time,
        .seq = r->seq,
    };
    if (rg_builder_set_header(r->b, &h) ||
        rg_builder_set_expected(r->b, r->objects > 0 ? (uint64_t)r->objects : 0,
                                r->edges > 0 ? (uint64_t)r->edges : 0))
        return fail(r, "%s", rg_last_error());
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
    uint32_t type_sid;
    if (rg_builder_intern(r->b, r->type.p, r->type.len, &type_sid))
        return fail(r, "%s", rg_last_error());
    rg_object_desc d = {
        .id = r->id,
        .size = r->size,
        .length = (int64_t)r->len,
        .has_length = r->has_len,
        .repr = r->repr.set ? r->repr.p : NULL,
        .name = r->name_s.set ? r->name_s.p : NULL,
        .refcount = r->has_rc ? r->rc : -1,
        .flags = r->flags,
    };
    if (rg_builder_add_object_interned(r->b, r->id, type_sid, &d)) {
        /* The builder's message already names the lines. */
        snprintf(r->err, sizeof r->err, "%s", rg_last_error());
        r->failed = 1;
        return 0;
    }
    for (size_t i = 0; i < r->n_refs; i++)
        if (rg_builder_add_ref_sid(r->b, r->refs[i].target, (rg_edge_kind)r->refs[i].kind,
                                   r->refs[i].label))
            return fail(r, "%s", rg_last_error());
    return 1;
}

static int flush_root(reader *r)
{
    if (!r->has_id)
        return fail(r, "root record: \"id\" is missing");
    int k = r->kind.set ? rg_root_kind_from_name(r->kind.p) : RG_ROOT_OTHER;
    if (k < 0)
        k = RG_ROOT_OTHER;
    if (rg_builder_add_root(r->b, r->id, (rg_root_kind)k, r->label.set ? r->label.p : NULL))
        return fail(r, "%s", rg_last_error());
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
    rg_builder_set_line(r->b, r->line);
    if (!r->header_seen) {
        if (r->rec != REC_HEADER)
            return fail(r, "expected a header record first (found %s)",
                        r->rec_name.set ? r->rec_name.p : "a record without \"rec\"");
        r->header_seen = 1;
        int rc = flush_header(r);
        if (rc == -2) {
            r->failed = 2; /* version error */
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
    default: rg_builder_note_skipped(r->b, 1); return 1;
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
        if (r->n_refs == r->refs_cap) {
            size_t cap = r->refs_cap;
            if (rg_grow((void **)&r->refs, &cap, r->n_refs + 1, sizeof *r->refs))
                return fail(r, "out of memory");
            r->refs_cap = cap;
        }
        r->refs[r->n_refs++] = r->cur;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, on_integer, on_double, NULL, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

static void free_reader(reader *r)
{
    strbuf *bufs[] = {&r->rec_name, &r->type, &r->repr, &r->name_s, &r->format,
                      &r->producer, &r->runtime, &r->kind, &r->label};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]->p);
    free(r->refs);
}

/* Turn a parse failure into the library error, naming line and offset. */
static int report(reader *r, yajl_handle h, yajl_status st, uint64_t offset)
{
    int code = r->failed == 2 ? RG_EVERSION : RG_EFORMAT;
    if (st == yajl_status_error && !r->failed) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        const char *m = (const char *)msg;
        /* yajl prefixes "lexical error: " or "parse error: "; keep its words. */
        const char *nl = strchr(m, '\n');
        int len = nl ? (int)(nl - m) : (int)strlen(m);
        rg_fail(code, "%s:%llu: byte %llu: invalid JSON: %.*s", r->name, (unsigned long long)r->line,
                (unsigned long long)offset, len, m);
        yajl_free_error(h, msg);
        return code;
    }
    return rg_fail(code, "%s:%llu: byte %llu: %s", r->name, (unsigned long long)r->line,
                   (unsigned long long)offset, r->err);
}

int rg_read_jsonl(rg_input *in, rg_builder *b, uint64_t max_line)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.b = b;
    r.name = rg_input_name(in);
    r.line = 1;
    reset_record(&r);

    yajl_handle h = yajl_alloc(&callbacks, NULL, &r);
    unsigned char *buf = malloc(CHUNK);
    if (!h || !buf) {
        if (h)
            yajl_free(h);
        free(buf);
        return rg_fail(RG_ENOMEM, "%s: out of memory", r.name);
    }
    yajl_config(h, yajl_allow_multiple_values, 1);

    int rc = RG_OK;
    uint64_t offset = 0;        /* stream offset of buf[0] */
    uint64_t line_start = 0;    /* stream offset where the current line began */
    int line_has_data = 0;
    for (;;) {
        int64_t n = rg_input_read(in, buf, CHUNK);
        if (n < 0) {
            rc = rg_last_error_code();
            rg_error_prefix("line %llu", (unsigned long long)r.line);
            break;
        }
        if (n == 0)
            break;
        size_t pos = 0;
        while (pos < (size_t)n) {
            unsigned char *nl = memchr(buf + pos, '\n', (size_t)n - pos);
            size_t end = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
            if (!line_has_data) {
                for (size_t i = pos; i < end; i++)
                    if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
                        line_has_data = 1;
                        break;
                    }
            }
            yajl_status st = yajl_parse(h, buf + pos, end - pos);
            if (st != yajl_status_ok) {
                rc = report(&r, h, st, offset + pos + yajl_get_bytes_consumed(h));
                goto done;
            }
            if (offset + end - line_start > max_line) {
                rc = rg_fail(RG_ELIMIT, "%s:%llu: byte %llu: line is longer than the limit of %llu bytes",
                             r.name, (unsigned long long)r.line, (unsigned long long)line_start,
                             (unsigned long long)max_line);
                goto done;
            }
            pos = end;
            if (nl) {
                if (r.depth != 0 || (line_has_data && r.records_on_line == 0)) {
                    rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: record does not end on its line",
                                 r.name, (unsigned long long)r.line, (unsigned long long)(offset + end - 1));
                    goto done;
                }
                r.line++;
                r.records_on_line = 0;
                line_has_data = 0;
                line_start = offset + end;
            }
        }
        offset += (uint64_t)n;
    }
    if (rc == RG_OK) {
        /* yajl calls an input with no value at all "premature EOF"; say it plainly. */
        yajl_status st = r.records == 0 && r.depth == 0 && !line_has_data ? yajl_status_ok
                                                                            : yajl_complete_parse(h);
        if (st != yajl_status_ok || r.depth != 0) {
            if (r.failed)
                rc = report(&r, h, st, offset);
            else
                rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: truncated record (the file ends mid-line)",
                             r.name, (unsigned long long)r.line, (unsigned long long)offset);
        } else if (!r.header_seen) {
            rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: %s", r.name, (unsigned long long)r.line,
                         (unsigned long long)offset,
                         offset == 0 ? "empty file (expected a header record)" : "no header record");
        }
    }
done:
    yajl_free(h);
    free(buf);
    free_reader(&r);
    return rc;
}
