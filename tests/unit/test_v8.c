/* test_v8.c: the V8 .heapsnapshot reader: the mapping to refgraph's model on
 * a small snapshot in node's exact layout (tests/data/v8/tiny.heapsnapshot),
 * compressed input, meta field order, and every class of bad input from
 * tests/data/v8/ (regenerate them with make_fixtures.py there), plus every
 * truncation and a byte-flip sweep, which must fail cleanly, never crash. */
#include "harness.h"
#include "fixture.h"
#include "read/readers.h"
#include "refgraph.h"
#include "../fuzz/v8_differential.h"

#include <dirent.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#define V8_DATA RG_TEST_DATA "/v8/"

static rg_snapshot *open_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, V8_DATA "%s", name);
    rg_snapshot *s = NULL;
    rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .flags = RG_OPEN_NO_CACHE};
    if (rg_snapshot_open(path, &o, &s) != RG_OK) {
        fprintf(stderr, "open %s: %s\n", name, rg_last_error());
        return NULL;
    }
    return s;
}

/* The formatted label of the edge from `from` to `to`, or "" when none. */
static const char *edge_label(const rg_snapshot *s, rg_node from, rg_node to, rg_edge_kind *kind)
{
    static char buf[256];
    buf[0] = '\0';
    for (uint32_t i = 0; i < rg_referent_count(s, from); i++) {
        rg_edge e;
        rg_referent_get(s, from, i, &e);
        if (e.to == to) {
            rg_edge_label_format(s, &e, buf, sizeof buf);
            if (kind)
                *kind = e.kind;
            break;
        }
    }
    return buf;
}

static uint64_t type_count(const rg_snapshot *s, const char *type)
{
    rg_type_stat *st;
    uint32_t n;
    uint64_t count = 0;
    if (rg_type_stats(s, RG_SORT_COUNT, sizeof(rg_type_stat), &st, &n) != RG_OK)
        return UINT64_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(st[i].name, type) == 0)
            count = st[i].count;
    rg_free(st);
    return count;
}

static void check_tiny_graph(rg_snapshot *s)
{
    const rg_snapshot_info *i = rg_snapshot_info_get(s);
    CHECK_STR(i->format, "v8-heapsnapshot");
    CHECK_STR(i->runtime, "node");
    CHECK_EQ_U64(i->objects, 14);
    CHECK_EQ_U64(i->edges, 16);
    CHECK_EQ_U64(i->dangling_refs, 0);
    CHECK_EQ_U64(i->total_bytes, 40 + 32 + 64 + 32 + 24 + 80 + 24 + 48 + 20 + 100);

    /* type names: constructor names for objects, DevTools' classes otherwise */
    CHECK_EQ_U64(type_count(s, "Leaky"), 2);
    CHECK_EQ_U64(type_count(s, "Holder"), 1);
    CHECK_EQ_U64(type_count(s, "(string)"), 1);
    CHECK_EQ_U64(type_count(s, "(closure)"), 1);
    CHECK_EQ_U64(type_count(s, "(array)"), 1);
    CHECK_EQ_U64(type_count(s, "(system)"), 1);
    CHECK_EQ_U64(type_count(s, "(synthetic)"), 4);
    CHECK_EQ_U64(type_count(s, "system / Context"), 1);

    rg_node root = node(s, 1), global = node(s, 7), holder = node(s, 9);
    rg_node elems = node(s, 11), fn = node(s, 13), leaky = node(s, 15);
    rg_node map = node(s, 19), leaky2 = node(s, 21), ctx = node(s, 23);
    rg_node str = node(s, 25);
    CHECK_STR(rg_node_repr(s, str), "h\xc3\xa9llo \"w\"");
    CHECK_STR(rg_node_name(s, fn), "fn");
    CHECK_STR(rg_node_name(s, map), "system / Map");
    CHECK_EQ_U64(rg_node_length(s, elems), 2);
    CHECK(rg_node_length(s, holder) == -1);
    CHECK(rg_node_refcount(s, holder) == -1);

    rg_edge_kind k = RG_EDGE_KIND_COUNT;
    CHECK_STR(edge_label(s, global, holder, &k), ".keep");
    CHECK(k == RG_EDGE_ATTR);
    CHECK_STR(edge_label(s, holder, elems, &k), ".items");
    CHECK_STR(edge_label(s, elems, leaky2, &k), "[1]");
    CHECK(k == RG_EDGE_INDEX);
    CHECK_STR(edge_label(s, ctx, leaky2, &k), "<cell 'secret'>");
    CHECK(k == RG_EDGE_CELL);
    CHECK_STR(edge_label(s, holder, str, &k), "<weak cache>");
    CHECK(k == RG_EDGE_WEAK);
    CHECK_STR(edge_label(s, global, map, &k), "<type>");
    CHECK(k == RG_EDGE_TYPE);
    CHECK_STR(edge_label(s, leaky, map, &k), "<hidden>");
    CHECK(k == RG_EDGE_INTERNAL);
    CHECK_STR(edge_label(s, fn, ctx, &k), "<context>");
    CHECK_STR(edge_label(s, root, global, &k), "<global>");

    /* roots: the synthetic root, its children, and the (GC roots) categories */
    CHECK_EQ_U64(rg_root_count(s), 5);
    int seen_global = 0, seen_stack = 0, seen_handles = 0, seen_root = 0;
    for (uint32_t r = 0; r < rg_root_count(s); r++) {
        rg_root rt;
        rg_root_get(s, r, &rt);
        if (rt.node == global) {
            seen_global = 1;
            CHECK(rt.kind == RG_ROOT_MODULE);
            CHECK_STR(rt.label, "global");
        } else if (strcmp(rt.label, "(Stack roots)") == 0) {
            seen_stack = 1;
            CHECK(rt.kind == RG_ROOT_THREAD);
        } else if (strcmp(rt.label, "(Global handles)") == 0) {
            seen_handles = 1;
            CHECK(rt.kind == RG_ROOT_OTHER);
        } else if (rt.node == root) {
            seen_root = 1;
            CHECK_STR(rt.label, "(root)");
        }
    }
    CHECK(seen_global && seen_stack && seen_handles && seen_root);
    CHECK(rg_node_flags(s, global) & RG_NODE_ROOT);
    CHECK(!(rg_node_flags(s, holder) & RG_NODE_ROOT));
}

static void v8_heapsnapshot_loads_nodes_edges_and_roots(void)
{
    rg_snapshot *s = open_fixture("tiny.heapsnapshot");
    REQUIRE(s != NULL);
    check_tiny_graph(s);
    CHECK_EQ_U64(type_count(s, "Detached HTMLDivElement"), 1);
    CHECK_STR(rg_snapshot_info_get(s)->compression, "none");
    rg_snapshot_free(s);
}

/* meta.node_fields / edge_fields in another order, no detachedness field and
 * no node_count: the reader must follow meta, not fixed offsets. */
static void v8_reader_follows_meta_field_order_not_fixed_offsets(void)
{
    rg_snapshot *s = open_fixture("reordered.heapsnapshot");
    REQUIRE(s != NULL);
    check_tiny_graph(s);
    CHECK_EQ_U64(type_count(s, "HTMLDivElement"), 1);
    rg_snapshot_free(s);
}

static void gzip_and_zstd_v8_snapshots_load_like_plain_ones(void)
{
    size_t len;
    char *text = slurp(V8_DATA "tiny.heapsnapshot", &len);
    REQUIRE(text != NULL);
    /* gzip */
    uLongf gz_cap = compressBound((uLong)len) + 64;
    unsigned char *gz = malloc(gz_cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = (unsigned char *)text;
    z.avail_in = (uInt)len;
    z.next_out = gz;
    z.avail_out = (uInt)gz_cap;
    CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    size_t gz_len = z.total_out;
    deflateEnd(&z);
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(gz, gz_len, "tiny.heapsnapshot.gz", NULL, &s) == RG_OK);
    if (s) {
        check_tiny_graph(s);
        CHECK_STR(rg_snapshot_info_get(s)->compression, "gzip");
        rg_snapshot_free(s);
    }
    /* a truncated gzip stream is an error that names the file */
    s = NULL;
    CHECK(rg_snapshot_open_memory(gz, gz_len / 2, "half.heapsnapshot.gz", NULL, &s) != RG_OK);
    CHECK_CONTAINS(rg_last_error(), "half.heapsnapshot.gz");
    free(gz);

    /* zstd */
    size_t zs_cap = ZSTD_compressBound(len);
    void *zs = malloc(zs_cap);
    size_t zs_len = ZSTD_compress(zs, zs_cap, text, len, 3);
    CHECK(!ZSTD_isError(zs_len));
    s = NULL;
    CHECK(rg_snapshot_open_memory(zs, zs_len, "tiny.heapsnapshot.zst", NULL, &s) == RG_OK);
    if (s) {
        check_tiny_graph(s);
        CHECK_STR(rg_snapshot_info_get(s)->compression, "zstd");
        rg_snapshot_free(s);
    }
    free(zs);
    free(text);
}

static void bad_v8_snapshot_is_an_error_naming_file_and_byte(void)
{
    static const struct {
        const char *file;
        int code;
        const char *needle;
    } cases[] = {
        {"truncated.heapsnapshot", RG_EFORMAT, "truncated file: it ends inside the \"edges\" array, after 4 of 16 edges"},
        {"truncated_strings.heapsnapshot", RG_EFORMAT, "ends inside the \"strings\" array"},
        {"no_strings.heapsnapshot", RG_EFORMAT, "the \"strings\" array or object is missing"},
        {"malformed.heapsnapshot", RG_EFORMAT, "invalid JSON in the \"nodes\" array"},
        {"edge_out_of_range.heapsnapshot", RG_EFORMAT, "edge 0: to_node 700 is not the start of one of the 14 nodes"},
        {"no_id_field.heapsnapshot", RG_EFORMAT, "meta.node_fields has no \"id\" field"},
        {"node_count_mismatch.heapsnapshot", RG_EFORMAT, "\"node_count\" says 15 nodes, but the \"nodes\" array holds 14"},
        {"edge_count_mismatch.heapsnapshot", RG_EFORMAT, "holds more edges than the nodes' edge_count fields add up to (16)"},
        {"hostile_counts.heapsnapshot", RG_EFORMAT, "99999999999999999999999 is out of range"},
        {"hostile_size.heapsnapshot", RG_EFORMAT, "node 0: field 3: 18446744073709551616 is out of range"},
        {"huge_edge_count.heapsnapshot", RG_EFORMAT, "add up to 4000000014"},
        {"name_out_of_range.heapsnapshot", RG_EFORMAT, "node 0 (id 1) has name string index 5000, but the \"strings\" array has only"},
        {"duplicate_id.heapsnapshot", RG_EFORMAT, "node 2 has the same id 3 as node 1"},
        {"bad_type.heapsnapshot", RG_EFORMAT, "node 0: type 99 is not one of the 15 types"},
        {"nodes_not_array.heapsnapshot", RG_EFORMAT, "\"nodes\" must be an array, found an object"},
        {"empty_meta.heapsnapshot", RG_EFORMAT, "has no node_fields"},
        {"fraction.heapsnapshot", RG_EFORMAT, "1.5 is not a non-negative integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, V8_DATA "%s", cases[i].file);
        rg_snapshot *s = NULL;
        rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .flags = RG_OPEN_NO_CACHE};
        int rc = rg_snapshot_open(path, &o, &s);
        if (rc == RG_OK) {
            fprintf(stderr, "%s loaded but must not\n", cases[i].file);
            rg_snapshot_free(s);
        }
        CHECK(rc == cases[i].code);
        const char *err = rg_last_error();
        CHECK_CONTAINS(err, cases[i].file);
        CHECK_CONTAINS(err, ": byte ");
        CHECK_CONTAINS(err, cases[i].needle);
    }
}

/* Every prefix of a valid snapshot is an error with a byte offset (or, for
 * the whole file, a success); none may crash or leak under ASan. */
static void every_truncated_v8_snapshot_is_an_error_with_a_byte_offset(void)
{
    size_t len;
    char *text = slurp(V8_DATA "tiny.heapsnapshot", &len);
    REQUIRE(text != NULL);
    int bad = 0;
    for (size_t n = 1; n < len; n++) {
        rg_snapshot *s = NULL;
        int rc = rg_snapshot_open_memory(text, n, "cut.heapsnapshot", NULL, &s);
        if (rc == RG_OK) {
            rg_snapshot_free(s);
            /* only trailing whitespace may be cut from a valid file */
            for (size_t i = n; i < len; i++)
                bad += text[i] != ' ' && text[i] != '\n';
        } else if (!strstr(rg_last_error(), "cut.heapsnapshot") || !strstr(rg_last_error(), "byte ")) {
            fprintf(stderr, "prefix %zu: %s\n", n, rg_last_error());
            bad++;
        }
    }
    CHECK_EQ_U64(bad, 0);
    free(text);
}

/* Flip each byte to a few hostile values: the reader either loads a graph or
 * reports an error; the sanitizers check it never misbehaves. */
static void v8_snapshot_with_flipped_bytes_loads_or_fails_cleanly(void)
{
    size_t len;
    char *text = slurp(V8_DATA "tiny.heapsnapshot", &len);
    REQUIRE(text != NULL);
    static const char repl[] = {'9', '-', '"', ']', '{', 'x', '\0'};
    CHECK_EQ_U64(flip_sweep(text, len, repl, sizeof repl, "flip.heapsnapshot"), 0);
    free(text);
}

static void v8_sniffing_accepts_heapsnapshots_and_declines_other_formats(void)
{
    CHECK(rg_sniff_v8("{\"snapshot\":{\"meta\"", 19));
    CHECK(rg_sniff_v8("  \n{ \"snapshot\" : {}", 20));
    CHECK(!rg_sniff_v8("{\"rec\":\"header\"", 15));
    CHECK(!rg_sniff_v8("{\"snaps", 7));
    CHECK(!rg_sniff_v8("", 0));
    CHECK(!rg_sniff_v8("[{\"snapshot\"", 12));
    /* a refgraph JSONL snapshot still goes to its own reader */
    const char *jsonl = "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1}\n";
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(jsonl, strlen(jsonl), "x.jsonl", NULL, &s) == RG_OK);
    if (s) {
        CHECK_STR(rg_snapshot_info_get(s)->format, "refgraph-snapshot");
        rg_snapshot_free(s);
    }
}

/* The reader consumes V8's flat arrays directly, so unknown top-level keys
 * and extra meta lists must be skipped however deeply they nest. */
static void unknown_v8_keys_are_skipped_however_deeply_nested(void)
{
    const char *text =
        "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
        "\"node_types\":[[\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
        "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
        "\"edge_types\":[[\"property\",\"element\"],\"string_or_number\",\"node\"],"
        "\"future\":{\"a\":[[1,{\"b\":[]}]]}},\"extra_native_bytes\":12},"
        "\"nodes\":[1,0,1,0,1, 0,1,3,16,0],"
        "\"edges\":[0,2,5],"
        "\"samples\":[1,2],\"locations\":[[1],{\"x\":null}],"
        "\"strings\":[\"\",\"Thing\",\"x\"],\"more\":{\"z\":[true,false,null,1.5]}}";
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(text, strlen(text), "keys.heapsnapshot", NULL, &s) == RG_OK);
    if (!s) {
        fprintf(stderr, "%s\n", rg_last_error());
        return;
    }
    CHECK_EQ_U64(rg_node_count(s), 2);
    CHECK_EQ_U64(rg_edge_count(s), 1);
    CHECK_EQ_U64(type_count(s, "Thing"), 1);
    CHECK_STR(rg_snapshot_info_get(s)->runtime, "v8");
    rg_node t = node(s, 3);
    CHECK_STR(edge_label(s, node(s, 1), t, NULL), ".x");
    rg_snapshot_free(s);
}

/* Ids rise through most of a real snapshot; a duplicate among the nodes
 * after that sorted prefix, or one that repeats an id from inside it, is
 * still found and named. */
static void duplicate_v8_ids_are_found_in_any_order(void)
{
    static const char *const cases[][2] = {
        {"[1,0,9,0,0, 1,0,5,0,0, 1,0,7,0,0, 1,0,5,0,0]", "node 3 has the same id 5 as node 1"},
        {"[1,0,1,0,0, 1,0,3,0,0, 1,0,9,0,0, 1,0,3,0,0]", "node 3 has the same id 3 as node 1"},
        {"[1,0,1,0,0, 1,0,3,0,0, 1,0,9,0,0, 1,0,4,0,0]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                 "\"node_types\":[[\"object\",\"synthetic\"]],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
                 "\"edge_types\":[[\"property\"]]}},\"nodes\":%s,\"edges\":[],\"strings\":[\"\"]}",
                 cases[i][0]);
        rg_snapshot *s = NULL;
        int rc = rg_snapshot_open_memory(text, strlen(text), "dup.heapsnapshot", NULL, &s);
        if (cases[i][1]) {
            CHECK(rc == RG_EFORMAT);
            CHECK_CONTAINS(rg_last_error(), cases[i][1]);
        } else {
            CHECK(rc == RG_OK);
            if (s)
                CHECK_EQ_U64(rg_node_count(s), 4);
        }
        rg_snapshot_free(s);
    }
}

/* V8 writes JS strings with lone surrogates as \\uXXXX escapes; what
 * refgraph hands on must still be UTF-8. */
static void lone_surrogates_become_valid_utf8(void)
{
    const char *text =
        "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
        "\"node_types\":[[\"object\",\"string\"]],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
        "\"edge_types\":[[\"property\"]]}},\"nodes\":[0,1,1,0,1,1,2,3,8,0],\"edges\":[0,1,5],"
        "\"strings\":[\"\",\"Lone\\udc00x\",\"a\\ud83d\\ude00b\"]}";
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(text, strlen(text), "lone.heapsnapshot", NULL, &s) == RG_OK);
    if (!s)
        return;
    CHECK_STR(rg_node_type_name(s, node(s, 1)), "Lone\xef\xbf\xbdx");
    CHECK_STR(rg_node_repr(s, node(s, 3)), "a\xf0\x9f\x98\x80" "b");
    rg_snapshot_free(s);
}

/* Strict UTF-8, checked on the raw bytes as they stream: the boundary code
 * points load (also when a sequence straddles two reads),
 * and overlong forms, surrogates and code points above U+10FFFF are errors
 * naming line and byte. */
static void invalid_utf8_in_v8_strings_is_an_error_naming_line_and_byte(void)
{
    static const char head[] =
        "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
        "\"node_types\":[[\"object\",\"string\"]],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
        "\"edge_types\":[[\"property\"]]}},\"nodes\":[0,1,1,0,0],\"edges\":[],\n\"strings\":[\"\",\"";
    static const char tail[] = "\"]}";
    /* U+0800, U+D7FF, U+E000, U+10000, U+10FFFF: the edges of each range */
    static const char valid[] = "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
    /* the first read hands over the 64 KiB the format sniffer peeked at */
    const size_t chunk = 64u << 10;
    for (size_t shift = 0; shift < 4; shift++) {
        /* a 4-byte sequence starting 0-3 bytes before the chunk boundary */
        size_t pad = chunk - (sizeof head - 1) - shift;
        size_t n = (sizeof head - 1) + pad + 4 + (sizeof valid - 1) + (sizeof tail - 1);
        char *text = malloc(n);
        REQUIRE(text != NULL);
        char *p = text;
        memcpy(p, head, sizeof head - 1), p += sizeof head - 1;
        memset(p, 'a', pad), p += pad;
        memcpy(p, "\xf0\x9f\x98\x80", 4), p += 4;
        memcpy(p, valid, sizeof valid - 1), p += sizeof valid - 1;
        memcpy(p, tail, sizeof tail - 1);
        rg_snapshot *s = NULL;
        int rc = rg_snapshot_open_memory(text, n, "straddle.heapsnapshot", NULL, &s);
        CHECK(rc == RG_OK);
        if (rc != RG_OK)
            fprintf(stderr, "shift %zu: %s\n", shift, rg_last_error());
        rg_snapshot_free(s);
        free(text);
    }
    static const char *const bad[] = {"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3(", "\x80", "\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        int n = snprintf(text, sizeof text, "%sx%s%s", head, bad[i], tail);
        rg_snapshot *s = NULL;
        int rc = rg_snapshot_open_memory(text, (size_t)n, "bad.heapsnapshot", NULL, &s);
        CHECK(rc == RG_EFORMAT);
        char want[128];
        snprintf(want, sizeof want, "bad.heapsnapshot:2: byte %zu: invalid UTF-8", sizeof head);
        CHECK_CONTAINS(rg_last_error(), want);
        rg_snapshot_free(s);
    }
}

/* ------------------------------------------ the fast reader vs the reference */

static int differ_file(const char *path, int why)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    int d = v8_differ(text, len, path, why) != NULL;
    free(text);
    return d;
}

/* Every fixture, good or bad, gives the same graph or the same error code. */
static void fast_v8_reader_equals_the_yajl_reference_on_every_fixture(void)
{
    DIR *dir = opendir(V8_DATA);
    CHECK(dir != NULL);
    if (!dir)
        return;
    int files = 0, differ = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 13 || strcmp(e->d_name + n - 13, ".heapsnapshot") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, V8_DATA "%s", e->d_name);
        files++;
        differ += differ_file(path, 1);
    }
    closedir(dir);
    CHECK(files >= 19);
    CHECK_EQ_U64(differ, 0);
}

/* Every prefix and a byte-flip sweep of the tiny snapshot, and of a copy
 * laid out as DevTools writes it (one node per line, spaces after commas). */
static void fast_v8_reader_equals_the_yajl_reference_on_every_cut_and_byte_flip(void)
{
    size_t len;
    char *text = slurp(V8_DATA "tiny.heapsnapshot", &len);
    CHECK(text != NULL);
    if (!text)
        return;
    int differ = 0;
    for (size_t n = 0; n <= len; n++)
        differ += v8_differ(text, n, "cut.heapsnapshot", 1) != NULL;
    static const char repl[] = {'9', '-', '"', ']', '[', '{', '}', ',', ':', 'x', '\\', ' ', '.', 'e', '0', '\0', '\n'};
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof repl; k++) {
            char saved = text[i];
            text[i] = repl[k];
            differ += v8_differ(text, len, "flip.heapsnapshot", 1) != NULL;
            text[i] = saved;
        }
    CHECK_EQ_U64(differ, 0);
    free(text);
}

/* The values the fast paths hand to yajl, each in a node array, an edge
 * array, the strings and the keys, must come out as the reference reads them. */
static void fast_v8_reader_equals_the_yajl_reference_on_odd_json_values(void)
{
    static const char head[] =
        "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
        "\"node_types\":[[\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
        "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
        "\"edge_types\":[[\"property\",\"element\"],\"string_or_number\",\"node\"]},\"node_count\":2},";
    static const char *const bodies[] = {
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\" : [ 1 , 0 , 1 , 0 , 1 ,\n0,1,3,16,0 ] ,\"edges\":[0,2,5]\n,\"strings\":[\"\",\"Th\\u0069ng\",\"x\\n\\ud800\"]}\n\n",
        "\"nodes\":[1,0,1,0,1,0,1,3,16.0,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,1e1,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,-0,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,03,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0,],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,\"5\"],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,null],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,[5]],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,99999999999999999999,0],\"edges\":[0,2,5],\"strings\":[\"\",\"T\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",7]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Th\tng\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Th\\qng\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}x",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"],}",
        "\"no\\u0064es\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"x\":\"a\\\"]}\",\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"x\":tru,\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0] \"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]}",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x\"]",
        "\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5],\"strings\":[\"\",\"Thing\",\"x",
        "\"nodes\":[1,0,1,0,1,0,1,3,16",
        "\"nodes\":[]",
        "\"nodes\":5",
        "\"strings\":[],\"nodes\":[1,0,1,0,1,0,1,3,16,0],\"edges\":[0,2,5]}",
    };
    int differ = 0;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char text[2048];
        int n = snprintf(text, sizeof text, "%s%s", head, bodies[i]);
        char name[64];
        snprintf(name, sizeof name, "odd%zu.heapsnapshot", i);
        differ += v8_differ(text, (size_t)n, name, 1) != NULL;
    }
    static const char *const whole[] = {"", "   ", "5", "\"x\"", "[1]", "{}", "{\"snapshot\":{}}", "{\"a\":1}{",
                                        "null", "{\"snapshot\":5}", "{\"snapshot\":{\"meta\":{\"node_fields\":tr"};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        differ += v8_differ(whole[i], strlen(whole[i]), "whole.heapsnapshot", 1) != NULL;
    CHECK_EQ_U64(differ, 0);
    /* and the plain one really loads */
    char text[2048];
    int n = snprintf(text, sizeof text, "%s%s", head, bodies[1]);
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(text, (size_t)n, "spaced.heapsnapshot", NULL, &s) == RG_OK);
    if (s)
        CHECK_EQ_U64(rg_node_count(s), 2);
    rg_snapshot_free(s);
}

/* A snapshot of many 1 MiB chunks, with ",\n" between nodes (so some
 * chunk ends just after a comma and a newline): `bad_edge`, when below the
 * edge count, gets a to_node that is no node's start, and `junk_after` more
 * edges later a value the record scanner does not take. */
static char *big_snapshot(uint32_t nodes, uint64_t bad_edge, uint64_t junk_after, size_t *len)
{
    size_t cap = (size_t)nodes * 80 + 4096, n = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    n += (size_t)snprintf(t + n, cap - n,
                          "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                          "\"node_types\":[[\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
                          "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
                          "\"edge_types\":[[\"property\",\"element\"],\"string_or_number\",\"node\"]},\"node_count\":%u},"
                          "\"nodes\":[",
                          nodes);
    for (uint32_t i = 0; i < nodes; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s%d,%d,%u,%u,3", i ? ",\n" : "", i == 0 ? 1 : 0, 1 + i % 2,
                              2 * i + 1, 16 + i % 7);
    n += (size_t)snprintf(t + n, cap - n, "],\n\"edges\":[");
    for (uint64_t e = 0; e < 3ull * nodes; e++) {
        uint64_t to = (e * 7919 % nodes) * 5;
        if (e == bad_edge)
            to += 2;
        if (bad_edge < 3ull * nodes && e == bad_edge + junk_after)
            n += (size_t)snprintf(t + n, cap - n, "%s0,2,-0", e ? "," : "");
        else
            n += (size_t)snprintf(t + n, cap - n, "%s%u,2,%llu", e ? "," : "", (unsigned)(e % 2), (unsigned long long)to);
    }
    n += (size_t)snprintf(t + n, cap - n, "],\n\"strings\":[\"\",\"Thing\",\"x\"]}\n");
    *len = n;
    return t;
}

/* A big snapshot loads as the reference reads it (a chunk that ended after
 * ",\n" used to be refused), and a refused record far into it is reported
 * at itself, not at a later value the scanner hands to yajl. */
static void big_v8_snapshot_across_chunks_agrees_with_the_reference_and_names_the_refused_edge(void)
{
    static const struct {
        uint64_t bad, junk_after;
    } cases[] = {{UINT64_MAX, 0}, {400000, 5}, {400000, 100000}, {7, 1}, {599998, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len;
        char *text = big_snapshot(200000, cases[c].bad, cases[c].junk_after, &len);
        REQUIRE(text != NULL);
        CHECK(len > 4 * (1u << 20));
        CHECK(v8_differ(text, len, "big.heapsnapshot", 1) == NULL);
        v8_outcome o = v8_load(text, len, "big.heapsnapshot", 0);
        if (cases[c].bad == UINT64_MAX) {
            CHECK(o.rc == RG_OK);
            if (o.s)
                CHECK_EQ_U64(rg_node_count(o.s), 200000);
        } else {
            CHECK(o.rc == RG_EFORMAT);
            char want[96];
            snprintf(want, sizeof want, "edge %llu: to_node", (unsigned long long)cases[c].bad);
            CHECK_CONTAINS(o.err, want);
            CHECK_CONTAINS(o.err, "big.heapsnapshot:");
        }
        rg_snapshot_free(o.s);
        free(text);
    }
}

/* test_v8 --compare FILE...: the e2e tests check the snapshots node writes. */
static int compare_files(int argc, char **argv)
{
    int differ = 0;
    for (int i = 2; i < argc; i++) {
        int d = differ_file(argv[i], 1);
        printf("%s %s\n", d ? "DIFFERENT" : "same", argv[i]);
        differ += d;
    }
    return differ ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--compare") == 0)
        return compare_files(argc, argv);
    TEST_MAIN_BEGIN(argc, argv);
    RUN(v8_heapsnapshot_loads_nodes_edges_and_roots);
    RUN(v8_reader_follows_meta_field_order_not_fixed_offsets);
    RUN(gzip_and_zstd_v8_snapshots_load_like_plain_ones);
    RUN(bad_v8_snapshot_is_an_error_naming_file_and_byte);
    RUN(every_truncated_v8_snapshot_is_an_error_with_a_byte_offset);
    RUN(v8_snapshot_with_flipped_bytes_loads_or_fails_cleanly);
    RUN(v8_sniffing_accepts_heapsnapshots_and_declines_other_formats);
    RUN(unknown_v8_keys_are_skipped_however_deeply_nested);
    RUN(duplicate_v8_ids_are_found_in_any_order);
    RUN(lone_surrogates_become_valid_utf8);
    RUN(invalid_utf8_in_v8_strings_is_an_error_naming_line_and_byte);
    RUN(fast_v8_reader_equals_the_yajl_reference_on_every_fixture);
    RUN(fast_v8_reader_equals_the_yajl_reference_on_every_cut_and_byte_flip);
    RUN(fast_v8_reader_equals_the_yajl_reference_on_odd_json_values);
    RUN(big_v8_snapshot_across_chunks_agrees_with_the_reference_and_names_the_refused_edge);
    TEST_MAIN_END();
}
