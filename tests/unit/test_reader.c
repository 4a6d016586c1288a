/* test_reader.c: the JSONL reader and the graph it builds, including every
 * class of bad input the foundation issue lists. */
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#define HDR "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,\"producer\":\"test\",\"pid\":7,\"time\":1700000000.5}\n"

static rg_snapshot *load(const char *text)
{
    rg_snapshot *s = NULL;
    if (rg_snapshot_open_memory(text, strlen(text), "mem.jsonl", NULL, &s) != RG_OK)
        return NULL;
    return s;
}

/* Load text that must fail; return the error text. */
static const char *load_error(const char *text, size_t len, int *code)
{
    rg_snapshot *s = NULL;
    int rc = rg_snapshot_open_memory(text, len, "bad.jsonl", NULL, &s);
    if (code)
        *code = rc;
    if (rc == RG_OK) {
        rg_snapshot_free(s);
        return NULL;
    }
    return rg_last_error();
}

static const char *small =
    HDR
    "{\"rec\":\"object\",\"id\":10,\"type\":\"module\",\"size\":72,\"name\":\"app\",\"refs\":[[11,\"global\",\"jobs\"]]}\n"
    "{\"rec\":\"object\",\"id\":11,\"type\":\"queue.Queue\",\"size\":48,\"refs\":[[12,\"attr\",\"queue\"],[99,\"attr\",\"gone\"]]}\n"
    "{\"rec\":\"object\",\"id\":12,\"type\":\"collections.deque\",\"size\":600,\"len\":2,\"refs\":[[13,\"index\",0],[14,\"index\",1]]}\n"
    "{\"rec\":\"object\",\"id\":13,\"type\":\"tuple\",\"size\":64,\"len\":3,\"rc\":1,\"flags\":[\"gc\"],\"refs\":[[15,\"index\",2]]}\n"
    "{\"rec\":\"object\",\"id\":14,\"type\":\"tuple\",\"size\":64,\"len\":3,\"future\":{\"a\":[1,2,{\"b\":null}]}}\n"
    "{\"rec\":\"object\",\"id\":15,\"type\":\"app.Job\",\"size\":56,\"repr\":\"\\u00e9t\\u00e9\",\"refs\":[[13,\"weird-kind\"]]}\n"
    "{\"rec\":\"root\",\"id\":10,\"kind\":\"module\",\"label\":\"app\"}\n"
    "{\"rec\":\"root\",\"id\":77,\"kind\":\"thread\",\"label\":\"gone\"}\n"
    "{\"rec\":\"comment\",\"text\":\"unknown kinds are skipped\"}\n"
    "\n";

static void test_small_graph(void)
{
    rg_snapshot *s = load(small);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "error: %s\n", rg_last_error());
        return;
    }
    const rg_snapshot_info *i = rg_snapshot_info_get(s);
    CHECK_EQ_U64(rg_node_count(s), 6);
    CHECK_EQ_U64(rg_edge_count(s), 6); /* 7 refs, one dangling */
    CHECK_EQ_U64(i->dangling_refs, 1);
    CHECK_EQ_U64(i->dangling_roots, 1);
    CHECK_EQ_U64(i->skipped_records, 1);
    CHECK_EQ_U64(i->roots, 1);
    CHECK_EQ_U64(i->total_bytes, 72 + 48 + 600 + 64 + 64 + 56);
    CHECK_EQ_U64(i->pid, 7);
    CHECK_STR(i->producer, "test");
    CHECK_STR(i->format, "refgraph-snapshot");
    CHECK_STR(i->compression, "none");

    rg_node q, d, t, job;
    CHECK(rg_node_find(s, 11, &q) == RG_OK);
    CHECK(rg_node_find(s, 12, &d) == RG_OK);
    CHECK(rg_node_find(s, 13, &t) == RG_OK);
    CHECK(rg_node_find(s, 15, &job) == RG_OK);
    CHECK(rg_node_find(s, 99, &q) == RG_ENOTFOUND);
    rg_node_find(s, 11, &q);
    CHECK_STR(rg_node_type_name(s, q), "queue.Queue");
    CHECK_EQ_U64(rg_node_length(s, d), 2);
    CHECK(rg_node_length(s, q) == -1);
    CHECK(rg_node_refcount(s, t) == 1);
    CHECK(rg_node_refcount(s, q) == -1);
    CHECK(rg_node_flags(s, t) & RG_NODE_GC_TRACKED);
    CHECK_STR(rg_node_repr(s, job), "\xc3\xa9t\xc3\xa9");

    /* forward edges with labels as a person writes them */
    rg_edge e;
    char buf[64];
    CHECK_EQ_U64(rg_referent_count(s, q), 1);
    rg_referent_get(s, q, 0, &e);
    CHECK(e.to == d && e.kind == RG_EDGE_ATTR);
    rg_edge_label_format(s, &e, buf, sizeof buf);
    CHECK_STR(buf, ".queue");
    rg_referent_get(s, d, 1, &e);
    rg_edge_label_format(s, &e, buf, sizeof buf);
    CHECK_STR(buf, "[1]");
    rg_referent_get(s, job, 0, &e);
    CHECK(e.kind == RG_EDGE_INTERNAL);
    rg_edge_label_format(s, &e, buf, sizeof buf);
    CHECK_STR(buf, "<weird-kind>");

    /* reverse edges: the tuple is referred to by the deque and by the Job */
    CHECK_EQ_U64(rg_referrer_count(s, t), 2);
    rg_referrer_get(s, t, 0, &e);
    CHECK(e.from == d && e.to == t && e.kind == RG_EDGE_INDEX && e.label == 0);
    rg_referrer_get(s, t, 1, &e);
    CHECK(e.from == job);

    rg_root r;
    rg_root_get(s, 0, &r);
    CHECK(r.kind == RG_ROOT_MODULE);
    CHECK_STR(r.label, "app");
    CHECK(rg_node_flags(s, r.node) & RG_NODE_ROOT);

    uint32_t ty;
    CHECK(rg_type_find(s, "Job", &ty) == RG_OK);
    CHECK_STR(rg_type_name(s, ty), "app.Job");
    CHECK(rg_type_find(s, "Nope", &ty) == RG_ENOTFOUND);

    rg_type_stat *st;
    uint32_t n;
    CHECK(rg_type_stats(s, RG_SORT_COUNT, &st, &n) == RG_OK);
    CHECK_EQ_U64(n, 5);
    CHECK_STR(st[0].name, "tuple");
    CHECK_EQ_U64(st[0].count, 2);
    CHECK_EQ_U64(st[0].bytes, 128);
    rg_free(st);
    CHECK(rg_type_stats(s, RG_SORT_SIZE, &st, &n) == RG_OK);
    CHECK_STR(st[0].name, "collections.deque");
    rg_free(st);
    rg_snapshot_free(s);
}

static void test_builder_api(void)
{
    rg_builder *b;
    CHECK(rg_builder_new(&b) == RG_OK);
    rg_object_desc o1 = {.id = 1, .type = "A", .size = 10, .refcount = -1};
    rg_object_desc o2 = {.id = 2, .type = "B", .size = 20, .refcount = 3};
    CHECK(rg_builder_add_object(b, &o1) == RG_OK);
    CHECK(rg_builder_add_ref(b, 2, RG_EDGE_INDEX, NULL, 4) == RG_OK);
    CHECK(rg_builder_add_object(b, &o2) == RG_OK);
    CHECK(rg_builder_add_object(b, &o1) == RG_EFORMAT); /* duplicate id */
    CHECK(rg_builder_add_root(b, 1, RG_ROOT_OTHER, "r") == RG_OK);
    rg_snapshot *s;
    CHECK(rg_builder_finish(b, &s) == RG_OK);
    CHECK_EQ_U64(rg_node_count(s), 2);
    rg_edge e;
    rg_referent_get(s, 0, 0, &e);
    CHECK(e.kind == RG_EDGE_INDEX && e.label == 4 && e.to == 1);
    rg_snapshot_free(s);
    rg_snapshot_free(NULL);
    rg_builder_free(NULL);
}

static void check_bad(const char *text, size_t len, const char *needle, int want_code)
{
    int code;
    const char *err = load_error(text, len, &code);
    CHECK(err != NULL);
    if (err) {
        CHECK_CONTAINS(err, "bad.jsonl");
        CHECK_CONTAINS(err, needle);
        if (want_code)
            CHECK(code == want_code);
    }
}

static void test_bad_inputs(void)
{
    check_bad("", 0, "empty file", RG_EFORMAT);
    check_bad("   \n\n", 5, "no header record", RG_EFORMAT);
    check_bad("not json at all\n", 16, ":1: byte", RG_EFORMAT);
    check_bad("[1,2,3]\n", 8, "expected a JSON object", RG_EFORMAT);
    const char *v9 = "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":9}\n";
    check_bad(v9, strlen(v9), "unsupported snapshot format version 9", RG_EVERSION);
    const char *noh = "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n";
    check_bad(noh, strlen(noh), "expected a header record first", RG_EFORMAT);

    char buf[4096];
    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n{\"rec\":\"object\",\"id\":2,\"ty");
    check_bad(buf, strlen(buf), "bad.jsonl:3:", RG_EFORMAT);
    check_bad(buf, strlen(buf), "truncated", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":\"one\",\"type\":\"x\",\"size\":1}\n");
    check_bad(buf, strlen(buf), ":2: byte", RG_EFORMAT);
    check_bad(buf, strlen(buf), "\"id\" must be", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\"}\n");
    check_bad(buf, strlen(buf), "\"size\" is missing", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1,\"refs\":[5]}\n");
    check_bad(buf, strlen(buf), "[target, kind, label]", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n"
                                  "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1}\n"
                                  "{\"rec\":\"object\",\"id\":1,\"type\":\"y\",\"size\":1}\n");
    check_bad(buf, strlen(buf), "bad.jsonl:4: byte", RG_EFORMAT);
    check_bad(buf, strlen(buf), "duplicate object id 1 (first defined at line 2)", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"\xff\xfe\",\"size\":1}\n");
    check_bad(buf, strlen(buf), ":2: byte", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"root\",\"id\":1} {\"rec\":\"root\",\"id\":2}\n");
    check_bad(buf, strlen(buf), "more than one record on a line", RG_EFORMAT);

    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\n\"id\":1,\"type\":\"x\",\"size\":1}\n");
    check_bad(buf, strlen(buf), "does not end on its line", RG_EFORMAT);

    /* a huge line, against a small limit */
    rg_open_options o = {.max_line_bytes = 200};
    char big[1024];
    snprintf(big, sizeof big, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"%0600d\",\"size\":1}\n", 0);
    rg_snapshot *s;
    CHECK(rg_snapshot_open_memory(big, strlen(big), "bad.jsonl", &o, &s) == RG_ELIMIT);
    CHECK_CONTAINS(rg_last_error(), "bad.jsonl:2:");
    CHECK_CONTAINS(rg_last_error(), "longer than the limit");
}

static void test_compressed(void)
{
    size_t len = strlen(small);
    /* gzip */
    unsigned char gz[8192];
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)small;
    z.avail_in = (uInt)len;
    z.next_out = gz;
    z.avail_out = sizeof gz;
    deflate(&z, Z_FINISH);
    size_t gzlen = sizeof gz - z.avail_out;
    deflateEnd(&z);
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(gz, gzlen, "x.gz", NULL, &s) == RG_OK);
    if (s) {
        CHECK_EQ_U64(rg_node_count(s), 6);
        CHECK_STR(rg_snapshot_info_get(s)->compression, "gzip");
        rg_snapshot_free(s);
    }
    int code;
    const char *err = load_error((const char *)gz, gzlen / 2, &code);
    CHECK(err && code == RG_EFORMAT);
    CHECK_CONTAINS(err, "truncated gzip");

    /* zstd */
    unsigned char zs[8192];
    size_t zlen = ZSTD_compress(zs, sizeof zs, small, len, 3);
    CHECK(!ZSTD_isError(zlen));
    CHECK(rg_snapshot_open_memory(zs, zlen, "x.zst", NULL, &s) == RG_OK);
    if (s) {
        CHECK_EQ_U64(rg_node_count(s), 6);
        CHECK_STR(rg_snapshot_info_get(s)->compression, "zstd");
        rg_snapshot_free(s);
    }
    err = load_error((const char *)zs, zlen - 5, &code);
    CHECK(err && code == RG_EFORMAT);
    CHECK_CONTAINS(err, "truncated zstd");
}

static void test_missing_file(void)
{
    rg_snapshot *s;
    CHECK(rg_snapshot_open("/nonexistent/snap.jsonl", NULL, &s) == RG_EIO);
    CHECK_CONTAINS(rg_last_error(), "/nonexistent/snap.jsonl");
}

/* Strict UTF-8 on the lines yajl reads (the scanner declines anything
 * else): the edges of each range load, through both parsers; overlong
 * forms, surrogates and code points above U+10FFFF are errors naming line
 * and byte, through both parsers. */
static void test_utf8_strict(void)
{
    static const char *const valid[] = {"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
                                        "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"};
    static const char *const bad[] = {"\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
                                      "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80", "\xfe"};
    for (int plain = 0; plain < 2; plain++) {
        rg_open_options o = {0};
        for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
            char text[512];
            /* a \n escape sends the line to yajl even when the scanner runs */
            int n = snprintf(text, sizeof text, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"T%s%s\",\"size\":1}\n",
                             valid[i], plain ? "\\n" : "");
            rg_snapshot *s = NULL;
            CHECK(rg_snapshot_open_memory(text, (size_t)n, "ok.jsonl", &o, &s) == RG_OK);
            rg_snapshot_free(s);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char text[512];
            int n = snprintf(text, sizeof text, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"T%s%s\",\"size\":1}\n",
                             bad[i], plain ? "\\n" : "");
            rg_snapshot *s = NULL;
            CHECK(rg_snapshot_open_memory(text, (size_t)n, "bad.jsonl", &o, &s) == RG_EFORMAT);
            char want[64];
            snprintf(want, sizeof want, "bad.jsonl:2: byte %zu: invalid UTF-8", strlen(HDR) + 32);
            CHECK_CONTAINS(rg_last_error(), want);
            rg_snapshot_free(s);
        }
    }
}

/* The header's "objects" is exact or a lower bound: fewer records is a
 * file cut short, even at a line boundary; more is fine. */
static void test_header_count_truncation(void)
{
    static const char hdr3[] = "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,\"objects\":3}\n";
    static const char obj[] = "{\"rec\":\"object\",\"id\":%d,\"type\":\"T\",\"size\":1}\n";
    char text[1024];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "%s", hdr3);
    for (int i = 1; i <= 2; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, obj, i);
    int code = 0;
    const char *err = load_error(text, n, &code);
    CHECK(code == RG_EFORMAT);
    CHECK_CONTAINS(err, "bad.jsonl:4: byte");
    CHECK_CONTAINS(err, "truncated: the header announces 3 objects, the file has 2");
    for (int i = 3; i <= 4; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, obj, i);
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(text, n, "more.jsonl", NULL, &s) == RG_OK);
    if (s)
        CHECK_EQ_U64(rg_node_count(s), 4);
    rg_snapshot_free(s);
}

int main(void)
{
    RUN(test_small_graph);
    RUN(test_builder_api);
    RUN(test_bad_inputs);
    RUN(test_compressed);
    RUN(test_missing_file);
    RUN(test_utf8_strict);
    RUN(test_header_count_truncation);
    TEST_MAIN_END();
}
