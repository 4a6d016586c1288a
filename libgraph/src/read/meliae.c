/* meliae.c: the reader of meliae dumps (meliae.scanner.dump_all_objects,
 * Python 2 era): one JSON object per line,
 *
 *   {"address": 1400..., "type": "str", "size": 38, "len": 5, "value": "hello", "refs": []}
 *
 * with "name" for modules, classes and functions. References are bare
 * addresses, so labels are reconstructed the way meliae's own loader reads
 * them: a dict lists key, value, key, value; an instance whose references are
 * exactly [its __dict__, its class] is collapsed with that dict (meliae's
 * collapse_instance_dicts), so its attributes become labelled edges. Keys'
 * values may be dumped after the dict, so every record is kept until the end
 * and the graph is built in one pass then. docs/formats.md has the mapping. */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define FORMAT_NAME "meliae"
#define CHUNK (1u << 20)
#define VALUE_CAP 256          /* meliae writes at most 100 characters of a value */

enum field { F_NONE, F_SKIP, F_ADDRESS, F_TYPE, F_SIZE, F_NAME, F_LEN, F_VALUE, F_REFS };
static const struct { const char *name; enum field f; } field_names[] = {
    {"address", F_ADDRESS}, {"type", F_TYPE}, {"size", F_SIZE}, {"name", F_NAME},
    {"len", F_LEN}, {"value", F_VALUE}, {"refs", F_REFS},
};

enum value_kind { VK_NONE, VK_TEXT, VK_NUMBER };

/* Type names the labelling looks at, interned once. */
enum known { T_DICT, T_STR, T_UNICODE, T_BYTES, T_MODULE, T_LIST, T_TUPLE, T_DEQUE, T_CELL, T_FRAME,
             T_INSTANCE, T_CLASSOBJ, T_NONE, T_KNOWN_COUNT };
static const char *const known_names[T_KNOWN_COUNT] = {
    "dict", "str", "unicode", "bytes", "module", "list", "tuple", "collections.deque", "cell", "frame",
    "instance", "classobj", "NoneType",
};
/* meliae's collapse_instance_dicts never collapses these types. */
static const char *const never_collapse[] = {
    "str", "dict", "tuple", "list", "type", "function", "wrapper_descriptor", "code", "classobj",
    "int", "weakref",
};

typedef struct meliae_reader {
    rg_builder *b;
    const char *name;
    rg_read_error err;

    uint64_t line;
    int depth;
    enum field field;
    int records_on_line;

    /* the record being read */
    int has_addr, has_type, has_size, has_len;
    uint64_t addr, size, len;
    uint32_t type_sid, name_sid, value_sid;
    enum value_kind value_kind;
    uint64_t refs_start;

    /* every record, struct of arrays */
    uint32_t n;
    size_t cap;
    uint64_t *o_addr;
    uint32_t *o_type;
    uint64_t *o_size;
    uint32_t *o_len;           /* RG_LEN_NONE when absent */
    uint32_t *o_name;
    uint32_t *o_value;
    uint8_t *o_vkind;
    uint64_t *o_refs;          /* n + 1 offsets into refs */
    uint64_t *refs;
    uint64_t n_refs;
    size_t refs_cap;
    rg_idmap ids;
    uint64_t duplicates;
    rg_strtab st;              /* type names, names and values, until the build */

    uint32_t known[T_KNOWN_COUNT];
    uint32_t never[sizeof never_collapse / sizeof never_collapse[0]];
} meliae_reader;

static int fail(meliae_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(meliae_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&r->err, RG_EFORMAT, fmt, ap);
    va_end(ap);
    return 0;
}

static int oom(meliae_reader *r) { return rg_read_oom(&r->err); }

static const char *field_label(enum field f)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (field_names[i].f == f)
            return field_names[i].name;
    return "?";
}

static int wrong(meliae_reader *r, const char *what)
{
    return fail(r, "\"%s\" must be %s", field_label(r->field), what);
}

/* ------------------------------------------------------------ callbacks */

static int on_null(void *ctx)
{
    meliae_reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found null");
    if (r->field == F_SKIP || r->depth > 2)
        return 1;
    if (r->field == F_NAME || r->field == F_VALUE || r->field == F_LEN)
        return 1; /* absent */
    return wrong(r, r->field == F_REFS ? "a list of addresses" : "present (not null)");
}

static int on_boolean(void *ctx, int v)
{
    meliae_reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a boolean");
    if (r->field == F_SKIP || r->depth > 2)
        return 1;
    if (r->field == F_VALUE && r->depth == 1) {
        if (rg_strtab_intern(&r->st, v ? "True" : "False", v ? 4 : 5, &r->value_sid))
            return oom(r);
        r->value_kind = VK_NUMBER;
        return 1;
    }
    return wrong(r, r->field == F_REFS ? "a list of addresses" : "a number or string");
}

static int add_ref(meliae_reader *r, uint64_t v)
{
    if (rg_grow((void **)&r->refs, &r->refs_cap, (size_t)r->n_refs + 1, sizeof *r->refs))
        return oom(r);
    r->refs[r->n_refs++] = v;
    return 1;
}

/* Numbers arrive as text: addresses are C unsigned longs, which may not fit
 * a long long, and a "value" is kept exactly as written. */
static int on_number(void *ctx, const char *s, size_t len)
{
    meliae_reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a number");
    if (r->field == F_SKIP)
        return 1;
    if (r->field == F_VALUE && r->depth == 1) {
        if (rg_strtab_intern(&r->st, s, len > 64 ? 64 : len, &r->value_sid))
            return oom(r);
        r->value_kind = VK_NUMBER;
        return 1;
    }
    if ((r->field == F_REFS && r->depth != 2) || (r->field != F_REFS && r->depth != 1))
        return wrong(r, r->field == F_REFS ? "a list of addresses" : "a scalar");
    uint64_t v;
    int ok = rg_parse_u64(s, len, &v);
    if (ok <= 0)
        return fail(r, "\"%s\" holds %.*s, which %s", field_label(r->field), (int)(len > 40 ? 40 : len), s,
                    ok < 0 ? "is out of range" : "is not a non-negative integer");
    switch (r->field) {
    case F_REFS: return add_ref(r, v);
    case F_ADDRESS: r->addr = v; r->has_addr = 1; return 1;
    case F_SIZE: r->size = v; r->has_size = 1; return 1;
    case F_LEN: r->len = v; r->has_len = 1; return 1;
    default: return wrong(r, "a string");
    }
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    meliae_reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found a string");
    if (r->field == F_SKIP)
        return 1;
    if (r->depth != 1)
        return wrong(r, r->field == F_REFS ? "a list of integer addresses" : "a scalar");
    size_t keep = len;
    if (keep > VALUE_CAP) {
        keep = VALUE_CAP;
        while (keep > 0 && (s[keep] & 0xC0) == 0x80)
            keep--;
    }
    char text[VALUE_CAP];
    memcpy(text, s, keep);
    rg_utf8_scrub_surrogates(text, keep);
    s = (const unsigned char *)text;
    switch (r->field) {
    case F_TYPE:
        if (len == 0)
            return fail(r, "\"type\" is empty");
        if (rg_strtab_intern(&r->st, (const char *)s, keep, &r->type_sid))
            return oom(r);
        r->has_type = 1;
        return 1;
    case F_NAME:
        if (rg_strtab_intern(&r->st, (const char *)s, keep, &r->name_sid))
            return oom(r);
        return 1;
    case F_VALUE:
        if (rg_strtab_intern(&r->st, (const char *)s, keep, &r->value_sid))
            return oom(r);
        r->value_kind = VK_TEXT;
        return 1;
    default: return wrong(r, "a number");
    }
}

static int on_start_map(void *ctx)
{
    meliae_reader *r = ctx;
    if (r->depth == 0) {
        if (r->records_on_line > 0)
            return fail(r, "more than one record on a line");
        r->has_addr = r->has_type = r->has_size = r->has_len = 0;
        r->name_sid = r->value_sid = 0;
        r->value_kind = VK_NONE;
        r->refs_start = r->n_refs;
        r->field = F_NONE;
    } else if (r->field != F_SKIP) {
        return wrong(r, r->field == F_REFS ? "a list of addresses" : "a scalar");
    }
    r->depth++;
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    meliae_reader *r = ctx;
    if (r->depth != 1)
        return 1;
    r->field = F_SKIP;
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (strlen(field_names[i].name) == len && memcmp(field_names[i].name, k, len) == 0)
            r->field = field_names[i].f;
    return 1;
}

static int grow_objects(meliae_reader *r)
{
    if ((size_t)r->n + 2 <= r->cap)
        return RG_OK;
    size_t cap = r->cap ? r->cap * 2 : 4096;
    void *p;
#define GROW(arr) do { if (!(p = rg_xrealloc(arr, cap, sizeof *(arr)))) return RG_ENOMEM; arr = p; } while (0)
    GROW(r->o_addr);
    GROW(r->o_type);
    GROW(r->o_size);
    GROW(r->o_len);
    GROW(r->o_name);
    GROW(r->o_value);
    GROW(r->o_vkind);
    GROW(r->o_refs);
#undef GROW
    r->cap = cap;
    return RG_OK;
}

static int flush_record(meliae_reader *r)
{
    if (!r->has_addr)
        return fail(r, "record has no \"address\"");
    if (!r->has_type)
        return fail(r, "record has no \"type\"");
    if (!r->has_size)
        return fail(r, "record has no \"size\"");
    if (r->n >= UINT32_MAX - 2)
        return fail(r, "more than %u objects", UINT32_MAX - 2);
    if (grow_objects(r))
        return oom(r);
    uint32_t i = r->n;
    r->o_addr[i] = r->addr;
    rg_node existing;
    if (rg_idmap_insert(&r->ids, r->o_addr, i, &existing))
        return oom(r);
    if (existing != RG_NODE_NONE) {
        /* meliae's dump_gc_objects can write an object twice; its loader
         * keeps the first record, and so do we. */
        r->duplicates++;
        r->n_refs = r->refs_start;
        return 1;
    }
    r->o_type[i] = r->type_sid;
    r->o_size[i] = r->size;
    r->o_len[i] = !r->has_len ? RG_LEN_NONE : r->len >= RG_LEN_NONE ? RG_LEN_NONE - 1 : (uint32_t)r->len;
    r->o_name[i] = r->name_sid;
    r->o_value[i] = r->value_sid;
    r->o_vkind[i] = (uint8_t)r->value_kind;
    r->o_refs[i] = r->refs_start;
    r->n++;
    r->o_refs[r->n] = r->n_refs;
    return 1;
}

static int on_end_map(void *ctx)
{
    meliae_reader *r = ctx;
    r->depth--;
    if (r->depth > 0) {
        if (r->depth == 1)
            r->field = F_NONE;
        return 1;
    }
    r->records_on_line++;
    return flush_record(r);
}

static int on_start_array(void *ctx)
{
    meliae_reader *r = ctx;
    if (r->depth == 0)
        return fail(r, "expected a JSON object, found an array");
    if (r->field != F_SKIP && !(r->field == F_REFS && r->depth == 1))
        return wrong(r, r->field == F_REFS ? "a list of integer addresses" : "a scalar");
    r->depth++;
    return 1;
}

static int on_end_array(void *ctx)
{
    meliae_reader *r = ctx;
    r->depth--;
    if (r->depth == 1)
        r->field = F_NONE;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* ------------------------------------------------------------- building */

#define NONE32 UINT32_MAX

/* How an object's references are labelled. */
enum mode { M_PLAIN, M_MODULE, M_MODULE_SHARED, M_INSTANCE, M_OLD_INSTANCE };

typedef struct build {
    meliae_reader *r;
    uint32_t *tgt;         /* per ref: object index, or NONE32 when not in the dump */
    uint32_t *referrers;   /* per object: references from other objects */
    uint32_t *owner;       /* per dict: the object it was collapsed into, or NONE32 */
    uint8_t *mode;
    uint32_t *sid;         /* reader string id -> builder string id; NONE32 = not yet */
} build;

static const char *text(const meliae_reader *r, uint32_t sid) { return rg_strtab_get(&r->st, sid); }
static int is_type(const meliae_reader *r, uint32_t o, enum known k) { return r->o_type[o] == r->known[k]; }
static int is_text_type(const meliae_reader *r, uint32_t o)
{
    return is_type(r, o, T_STR) || is_type(r, o, T_UNICODE) || is_type(r, o, T_BYTES);
}
static uint32_t nrefs(const meliae_reader *r, uint32_t o) { return (uint32_t)(r->o_refs[o + 1] - r->o_refs[o]); }

static int builder_sid(build *bd, uint32_t sid, uint32_t *out)
{
    if (bd->sid[sid] == NONE32) {
        const char *s = text(bd->r, sid);
        if (rg_builder_intern(bd->r->b, s, strlen(s), &bd->sid[sid]))
            return RG_ENOMEM;
    }
    *out = bd->sid[sid];
    return RG_OK;
}

/* A dict key as a label: quoted ('k', like a repr) for dict entries, bare
 * for the attribute and global names of collapsed instances and modules. */
static int key_label(build *bd, uint32_t key, int quoted, uint32_t *out)
{
    const meliae_reader *r = bd->r;
    char buf[VALUE_CAP + 64];
    if (key == NONE32)
        snprintf(buf, sizeof buf, "?");
    else if (r->o_vkind[key] == VK_TEXT && is_text_type(r, key) && quoted)
        snprintf(buf, sizeof buf, "'%s'", text(r, r->o_value[key]));
    else if (r->o_vkind[key] != VK_NONE)
        snprintf(buf, sizeof buf, "%s", text(r, r->o_value[key]));
    else if (is_type(r, key, T_NONE))
        snprintf(buf, sizeof buf, "None");
    else
        snprintf(buf, sizeof buf, "<%s>", text(r, r->o_type[key]));
    return rg_builder_intern(r->b, buf, strlen(buf), out);
}

static int resolve(build *bd)
{
    meliae_reader *r = bd->r;
    bd->tgt = rg_xmalloc(r->n_refs ? r->n_refs : 1, sizeof *bd->tgt);
    bd->referrers = rg_xcalloc(r->n ? r->n : 1, sizeof *bd->referrers);
    bd->owner = rg_xmalloc(r->n ? r->n : 1, sizeof *bd->owner);
    bd->mode = rg_xcalloc(r->n ? r->n : 1, 1);
    bd->sid = rg_xmalloc(r->st.count, sizeof *bd->sid);
    if (!bd->tgt || !bd->referrers || !bd->owner || !bd->mode || !bd->sid)
        return RG_ENOMEM;
    memset(bd->owner, 0xff, (size_t)(r->n ? r->n : 1) * sizeof *bd->owner);
    memset(bd->sid, 0xff, (size_t)r->st.count * sizeof *bd->sid);
    rg_idmap_lookup_many(&r->ids, r->o_addr, r->refs, bd->tgt, r->n_refs);
    for (uint32_t o = 0; o < r->n; o++)
        for (uint64_t e = r->o_refs[o]; e < r->o_refs[o + 1]; e++) {
            uint32_t t = bd->tgt[e];
            if (t != NONE32 && t != o && bd->referrers[t] < NONE32)
                bd->referrers[t]++;
        }
    return RG_OK;
}

/* meliae's collapse_instance_dicts: an instance whose references are exactly
 * [its __dict__, its class] (or a module whose one reference is its dict)
 * absorbs the dict, so attributes hang off the instance itself. Unlike
 * meliae, a dict that anything else also refers to is left alone. */
static void collapse(build *bd)
{
    meliae_reader *r = bd->r;
    for (uint32_t o = 0; o < r->n; o++) {
        int skip = 0;
        for (size_t i = 0; i < sizeof r->never / sizeof r->never[0]; i++)
            skip |= r->o_type[o] == r->never[i];
        if (skip)
            continue;
        uint64_t e = r->o_refs[o];
        uint32_t dict = NONE32;
        enum mode m = M_PLAIN;
        if (is_type(r, o, T_MODULE) && nrefs(r, o) == 1) {
            dict = bd->tgt[e];
            m = M_MODULE;
        } else if (nrefs(r, o) == 2 && bd->tgt[e] != NONE32 && bd->tgt[e + 1] != NONE32) {
            uint32_t a = bd->tgt[e], c = bd->tgt[e + 1];
            if (is_type(r, a, T_DICT) && r->o_name[c] != 0 && r->o_name[c] == r->o_type[o]) {
                dict = a;
                m = M_INSTANCE;
            } else if (is_type(r, o, T_INSTANCE) && is_type(r, a, T_CLASSOBJ) && is_type(r, c, T_DICT)) {
                dict = c;
                m = M_OLD_INSTANCE;
            }
        }
        if (dict == NONE32 || dict == o || !is_type(r, dict, T_DICT) || bd->owner[dict] != NONE32)
            continue;
        if (bd->referrers[dict] == 1) {
            bd->owner[dict] = o;
            bd->mode[o] = (uint8_t)m;
        } else if (m == M_MODULE) {
            /* Every function's __globals__ shares a module's dict: keep the
             * dict, and give the module its globals as labelled edges too. */
            bd->mode[o] = M_MODULE_SHARED;
        }
    }
}

/* A dict's references alternate key, value (Python 2's dict_traverse). */
static int emit_pairs(build *bd, uint32_t dict, int value_kind)
{
    meliae_reader *r = bd->r;
    uint64_t e0 = r->o_refs[dict], k = nrefs(r, dict);
    for (uint64_t i = 0; i < k; i += 2) {
        uint64_t e = e0 + i;
        if (i + 1 == k)
            return rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_INTERNAL, 0);
        uint32_t quoted, bare;
        if (key_label(bd, bd->tgt[e], 1, &quoted))
            return RG_ENOMEM;
        if (value_kind == RG_EDGE_DICT_VALUE)
            bare = quoted;
        else if (key_label(bd, bd->tgt[e], 0, &bare))
            return RG_ENOMEM;
        int rc = rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_DICT_KEY, quoted);
        if (!rc)
            rc = rg_builder_add_ref_sid(r->b, r->refs[e + 1], (rg_edge_kind)value_kind, bare);
        if (rc)
            return rc;
    }
    return RG_OK;
}

static int emit_refs(build *bd, uint32_t o)
{
    meliae_reader *r = bd->r;
    uint64_t e0 = r->o_refs[o], k = nrefs(r, o);
    switch ((enum mode)bd->mode[o]) {
    case M_MODULE: return emit_pairs(bd, bd->tgt[e0], RG_EDGE_GLOBAL);
    case M_MODULE_SHARED: {
        uint32_t label;
        int rc = rg_builder_intern(r->b, "__dict__", 8, &label);
        if (!rc)
            rc = rg_builder_add_ref_sid(r->b, r->refs[e0], RG_EDGE_ATTR, label);
        return rc ? rc : emit_pairs(bd, bd->tgt[e0], RG_EDGE_GLOBAL);
    }
    case M_INSTANCE: {
        int rc = emit_pairs(bd, bd->tgt[e0], RG_EDGE_ATTR);
        return rc ? rc : rg_builder_add_ref_sid(r->b, r->refs[e0 + 1], RG_EDGE_TYPE, 0);
    }
    case M_OLD_INSTANCE: {
        int rc = rg_builder_add_ref_sid(r->b, r->refs[e0], RG_EDGE_TYPE, 0);
        return rc ? rc : emit_pairs(bd, bd->tgt[e0 + 1], RG_EDGE_ATTR);
    }
    default: break;
    }
    if (is_type(r, o, T_DICT))
        return emit_pairs(bd, o, RG_EDGE_DICT_VALUE);
    /* CPython's list and tuple tp_traverse visit the items last to first;
     * a deque's visits them in order. */
    int reversed = is_type(r, o, T_LIST) || is_type(r, o, T_TUPLE);
    int indexed = reversed || is_type(r, o, T_DEQUE);
    for (uint64_t i = 0; i < k; i++) {
        uint64_t e = e0 + i;
        uint32_t t = bd->tgt[e];
        uint64_t index = reversed ? k - 1 - i : i;
        int rc;
        if (indexed)
            rc = rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_INDEX,
                                        index >= NONE32 ? NONE32 - 1 : (uint32_t)index);
        else if (is_type(r, o, T_CELL))
            rc = rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_CELL, 0);
        else if (t != NONE32 && r->o_name[t] != 0 && r->o_name[t] == r->o_type[o])
            rc = rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_TYPE, 0);
        else
            rc = rg_builder_add_ref_sid(r->b, r->refs[e], RG_EDGE_INTERNAL, 0);
        if (rc)
            return rc;
    }
    return RG_OK;
}

static int emit_object(build *bd, uint32_t o)
{
    meliae_reader *r = bd->r;
    uint32_t type = r->o_type[o];
    uint64_t size = r->o_size[o];
    uint64_t e0 = r->o_refs[o];
    if (bd->mode[o] == M_OLD_INSTANCE && r->o_name[bd->tgt[e0]] != 0)
        type = r->o_name[bd->tgt[e0]];
    if (bd->mode[o] != M_PLAIN && bd->mode[o] != M_MODULE_SHARED) {
        uint32_t dict = bd->mode[o] == M_OLD_INSTANCE ? bd->tgt[e0 + 1] : bd->tgt[e0];
        size += r->o_size[dict];
    }
    char repr[VALUE_CAP + 8];
    repr[0] = '\0';
    if (r->o_vkind[o] == VK_TEXT && is_text_type(r, o)) {
        /* meliae writes the first 100 characters of a string. */
        int cut = r->o_len[o] != RG_LEN_NONE && r->o_len[o] > 100;
        snprintf(repr, sizeof repr, "'%s'%s", text(r, r->o_value[o]), cut ? "..." : "");
    } else if (r->o_vkind[o] != VK_NONE) {
        snprintf(repr, sizeof repr, "%s", text(r, r->o_value[o]));
    }
    uint32_t type_sid;
    if (builder_sid(bd, type, &type_sid))
        return RG_ENOMEM;
    rg_object_desc d = {
        .id = r->o_addr[o],
        .size = size,
        .length = r->o_len[o] == RG_LEN_NONE ? -1 : (int64_t)r->o_len[o],
        .has_length = r->o_len[o] != RG_LEN_NONE,
        .repr = repr,
        .name = text(r, r->o_name[o]),
        .refcount = -1,
    };
    int rc = rg_builder_add_object_interned(r->b, d.id, type_sid, &d);
    return rc ? rc : emit_refs(bd, o);
}

/* meliae records no roots. Modules stand for sys.modules; an object nothing
 * in the dump refers to is held from outside the heap (a thread's running
 * frame, the interpreter, a C extension), so it is a root too. */
static int emit_root(build *bd, uint32_t o)
{
    meliae_reader *r = bd->r;
    if (is_type(r, o, T_MODULE))
        return rg_builder_add_root(r->b, r->o_addr[o], RG_ROOT_MODULE,
                                   r->o_name[o] ? text(r, r->o_name[o]) : "module");
    if (bd->referrers[o] != 0)
        return RG_OK;
    if (is_type(r, o, T_FRAME))
        return rg_builder_add_root(r->b, r->o_addr[o], RG_ROOT_THREAD,
                                   r->o_value[o] ? text(r, r->o_value[o]) : "frame");
    return rg_builder_add_root(r->b, r->o_addr[o], RG_ROOT_OTHER, "no referrers in the dump");
}

static int build_graph(meliae_reader *r)
{
    rg_header_desc h = {
        .format = FORMAT_NAME, .format_version = 0, .producer = "meliae", .runtime = "CPython",
        .pid = -1, .time = 0, .seq = -1,
    };
    int rc = rg_builder_set_header(r->b, &h);
    if (!rc)
        rc = rg_builder_reserve(r->b, r->n, r->n_refs);
    if (rc)
        return rc;
    rg_builder_note_skipped(r->b, r->duplicates);
    build bd = {.r = r};
    rc = resolve(&bd);
    if (!rc) {
        collapse(&bd);
        for (uint32_t o = 0; rc == RG_OK && o < r->n; o++)
            if (bd.owner[o] == NONE32)
                rc = emit_object(&bd, o);
        for (uint32_t o = 0; rc == RG_OK && o < r->n; o++)
            if (bd.owner[o] == NONE32)
                rc = emit_root(&bd, o);
    }
    rg_free(bd.tgt);
    rg_free(bd.referrers);
    rg_free(bd.owner);
    rg_free(bd.mode);
    rg_free(bd.sid);
    return rc;
}

/* --------------------------------------------------------------- driver */

static int report(meliae_reader *r, yajl_handle h, yajl_status st, uint64_t offset)
{
    if (st == yajl_status_error && !r->err.failed)
        return rg_read_yajl_error(h, r->name, r->line, offset, NULL);
    return rg_read_error_report(&r->err, r->name, r->line, offset);
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* One line: a record, or the "[" / "]" / trailing "," of a dump written as a
 * JSON list, which meliae's loader also accepts. */
static int parse_line(meliae_reader *r, yajl_handle h, const unsigned char *p, size_t len, uint64_t start,
                      int last)
{
    size_t a = 0;
    while (a < len && is_space(p[a]))
        a++;
    while (len > a && is_space(p[len - 1]))
        len--;
    if (a == len || (len - a == 1 && (p[a] == '[' || p[a] == ']')))
        return RG_OK;
    if (p[len - 1] == ',')
        len--;
    r->records_on_line = 0;
    size_t tail;
    int rc = rg_read_check_utf8(p + a, len - a, r->name, r->line, start + a, last ? &tail : NULL);
    if (rc)
        return rc;
    yajl_status st = yajl_parse(h, p + a, len - a);
    if (st != yajl_status_ok)
        return report(r, h, st, start + a + yajl_get_bytes_consumed(h));
    /* The newline ends a token yajl may still be holding (a number); the
     * last line of a file that ends mid-record must not get one, so that it
     * reads as truncated rather than as a broken string. */
    if (!last && (st = yajl_parse(h, (const unsigned char *)"\n", 1)) != yajl_status_ok)
        return report(r, h, st, start + len);
    if (r->depth != 0 || r->records_on_line != 1)
        return rg_read_fail_at(RG_EFORMAT, r->name, r->line, start + len, "%s",
                       r->depth == 0 ? "expected a JSON object"
                       : last      ? "truncated record (the file ends in the middle of it)"
                                   : "record does not end on its line");
    return RG_OK;
}

static void free_reader(meliae_reader *r)
{
    rg_free(r->o_addr);
    rg_free(r->o_type);
    rg_free(r->o_size);
    rg_free(r->o_len);
    rg_free(r->o_name);
    rg_free(r->o_value);
    rg_free(r->o_vkind);
    rg_free(r->o_refs);
    rg_free(r->refs);
    rg_idmap_free(&r->ids);
    rg_strtab_free(&r->st);
}

static int init_reader(meliae_reader *r)
{
    if (rg_strtab_init(&r->st) || rg_idmap_init(&r->ids, 0) || grow_objects(r))
        return RG_ENOMEM;
    r->o_refs[0] = 0;
    for (int k = 0; k < T_KNOWN_COUNT; k++)
        if (rg_strtab_intern(&r->st, known_names[k], strlen(known_names[k]), &r->known[k]))
            return RG_ENOMEM;
    for (size_t i = 0; i < sizeof never_collapse / sizeof never_collapse[0]; i++)
        if (rg_strtab_intern(&r->st, never_collapse[i], strlen(never_collapse[i]), &r->never[i]))
            return RG_ENOMEM;
    return RG_OK;
}

static int build_graph_cb(void *reader) { return build_graph(reader); }

int rg_read_meliae(rg_input *in, rg_builder *b, uint64_t max_line)
{
    meliae_reader *r = rg_xcalloc(1, sizeof *r);
    if (!r)
        return RG_ENOMEM;
    r->b = b;
    r->name = rg_input_name(in);
    r->line = 1;
    yajl_handle h = yajl_alloc(&callbacks, NULL, r);
    rg_chunks c;
    /* a line is carried whole to the next chunk until its newline: the
     * buffer may grow past the line limit, which is checked below first */
    int rc = rg_chunks_open(&c, in, CHUNK, max_line < SIZE_MAX - 2 * CHUNK ? (size_t)max_line + 2 * CHUNK : SIZE_MAX);
    if (rc)
        goto done;
    if (!h || init_reader(r)) {
        rc = rg_fail(RG_ENOMEM, "%s: out of memory", r->name);
        goto done;
    }
    yajl_config(h, yajl_allow_multiple_values, 1);

    size_t used = 0, scanned = 0;  /* bytes of the current line already looked at */
    for (;;) {
        int got = rg_chunks_next(&c, used);
        if (got < 0) {
            rc = got;
            goto done;
        }
        scanned = scanned > used ? scanned - used : 0;
        used = 0;
        if (got == 0)
            break;
        size_t pos = 0;
        while (pos < c.len) {
            unsigned char *nl = memchr(c.buf + scanned, '\n', c.len - scanned);
            size_t end = nl ? (size_t)(nl - c.buf) : c.len;
            uint64_t line_start = c.offset + pos;
            if (end - pos > max_line) {
                rc = rg_read_fail_at(RG_ELIMIT, r->name, r->line, line_start,
                                     "line is longer than the limit of %llu bytes", (unsigned long long)max_line);
                goto done;
            }
            if (!nl || scanned > pos) {
                /* a line that spans chunks is held in memory: look at its
                 * new bytes and the run that may lead into them */
                size_t from = scanned > pos + RG_MAX_BLANK_RUN ? scanned - RG_MAX_BLANK_RUN : pos;
                size_t blank = end - pos > RG_MAX_BLANK_RUN
                                   ? from + rg_blank_run_over((const char *)c.buf + from, end - from,
                                                              RG_MAX_BLANK_RUN)
                                   : end;
                if (blank < end) {
                    rc = rg_read_fail_at(RG_ELIMIT, r->name, r->line, c.offset + blank,
                                         "more than %u bytes of whitespace in a row: refused (no writer pads a "
                                         "line so)", RG_MAX_BLANK_RUN);
                    goto done;
                }
            }
            if (!nl) {
                scanned = c.len;
                break;
            }
            if ((rc = parse_line(r, h, c.buf + pos, end - pos, line_start, 0)))
                goto done;
            r->line++;
            pos = end + 1;
            scanned = pos;
        }
        used = pos;
    }
    if (c.len && (rc = parse_line(r, h, c.buf, c.len, c.offset, 1)))
        goto done;
    uint64_t offset = c.offset + c.len;
    if (yajl_complete_parse(h) != yajl_status_ok || r->depth != 0) {
        rc = rg_read_fail_at(RG_EFORMAT, r->name, r->line, offset, "truncated record (the file ends mid-line)");
        goto done;
    }
    if (r->n == 0) {
        rc = rg_read_fail_at(RG_EFORMAT, r->name, r->line, offset, "no meliae records");
        goto done;
    }
    yajl_free(h);
    h = NULL;
    rc = rg_read_end(&c, r->name, build_graph_cb, r);
done:
    if (h)
        yajl_free(h);
    rg_chunks_close(&c);
    free_reader(r);
    rg_free(r);
    return rc;
}

int rg_sniff_meliae(const void *head, size_t n)
{
    const unsigned char *p = head, *end = p + n;
    while (p < end && is_space(*p))
        p++;
    if (p < end && *p == '[') {
        p++;
        while (p < end && is_space(*p))
            p++;
    }
    if (p >= end || *p++ != '{')
        return 0;
    while (p < end && is_space(*p))
        p++;
    static const char key[] = "\"address\"";
    return (size_t)(end - p) >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}
