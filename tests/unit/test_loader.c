/* test_loader.c: the fast JSONL loader against the reference yajl path:
 * the specialised scanner and the two-thread pipeline must build exactly the
 * graph (and report exactly the error) the plain yajl parser does. */
#include "graph_equal.h"
#include "harness.h"
#include "refgraph.h"

#include <stdlib.h>

#define HDR "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,\"producer\":\"t\"}\n"

typedef struct outcome {
    int rc;
    char err[1024];
    rg_snapshot *s;
} outcome;

static outcome load_with(const char *data, size_t size, int plain, unsigned threads, uint64_t max_line)
{
    outcome o = {0};
    rg_input *in;
    rg_builder *b;
    o.rc = rg_input_open_memory(data, size, "t.jsonl", &in);
    if (o.rc)
        return o;
    if ((o.rc = rg_builder_new(&b)) != RG_OK) {
        rg_input_close(in);
        return o;
    }
    rg_builder_set_threads(b, threads);
    rg_builder_set_plain_parser(b, plain);
    o.rc = rg_read_jsonl(in, b, max_line ? max_line : (1ULL << 30));
    if (o.rc == RG_OK) {
        rg_builder_set_info_strings(b, "t.jsonl", rg_input_compression(in), rg_input_total(in));
        o.rc = rg_builder_finish(b, &o.s);
    } else {
        rg_builder_free(b);
    }
    if (o.rc)
        snprintf(o.err, sizeof o.err, "%s", rg_last_error());
    rg_input_close(in);
    return o;
}

/* Load `text` with the scanner and with plain yajl, with 1 and 2 threads:
 * all four must agree. Returns the number of disagreements. */
static int agree(const char *text, size_t len, uint64_t max_line)
{
    outcome ref = load_with(text, len, 1, 1, max_line);
    int bad = 0;
    for (int plain = 0; plain <= 1; plain++)
        for (unsigned t = 1; t <= 2; t++) {
            if (plain && t == 1)
                continue;
            outcome o = load_with(text, len, plain, t, max_line);
            if (o.rc != ref.rc || strcmp(o.err, ref.err) != 0) {
                fprintf(stderr, "plain=%d threads=%u: rc %d '%s'\n  reference rc %d '%s'\n", plain, t, o.rc,
                        o.err, ref.rc, ref.err);
                bad++;
            } else if (o.s) {
                const char *d = rg_graph_diff(o.s, ref.s);
                if (d) {
                    fprintf(stderr, "plain=%d threads=%u: graphs differ in %s\n", plain, t, d);
                    bad++;
                }
            }
            rg_snapshot_free(o.s);
        }
    rg_snapshot_free(ref.s);
    return bad;
}

static int agree_line(const char *line)
{
    char buf[8192];
    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n%s\n"
                                  "{\"rec\":\"root\",\"id\":1}\n", line);
    int bad = agree(buf, strlen(buf), 0);
    if (bad)
        fprintf(stderr, "  for line: %s\n", line);
    return bad;
}

/* Lines the scanner reads, lines it must decline, and malformed lines: the
 * graph or the error must be the reference parser's in every case. */
static void scanner_and_reference_parser_agree_on_every_line(void)
{
    static const char *const lines[] = {
        "{\"rec\":\"object\",\"id\":2,\"type\":\"app.Job\",\"size\":56,\"len\":3,\"rc\":2,\"flags\":[\"gc\",\"garbage\",\"x\"],"
        "\"refs\":[[1,\"attr\",\"payload\"],[1,\"index\",2],[1,\"type\"],[1,\"weak\",null],[1,\"index\",-5],[1,\"index\",99999999999]]}",
        "{ \"rec\" : \"object\" , \"id\" : 2 , \"type\" : \"t\" , \"size\" : 0 }  \r",
        "{\"id\":2,\"size\":3,\"type\":\"late rec\",\"rec\":\"object\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"\\u00e9t\\u00e9 \\\"q\\\" \\\\ \\/ \\n\\t\",\"size\":1,\"repr\":\"\\ud83d\\ude00\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"nul\\u0000cut\",\"size\":1,\"name\":\"a\\u0000b\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"repr\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"len\":null,\"rc\":null,\"repr\":null,\"name\":null,\"flags\":null,\"refs\":null}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"future\":{\"a\":[1,{\"b\":null}]},\"more\":1.5e3,\"s\":\"x\",\"t\":true}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"weird-kind\",\"ignored\"],[1,\"attr\",7],[1,\"index\",\"12\"],[1,\"index\",\"x\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"attr\",\"a\",\"extra\"],[1,\"cell\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"type\":\"dup\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"attr\",\"a\"]],\"refs\":[[1,\"attr\",\"b\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"pid\":5,\"time\":1.5}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"kind\":\"x\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"repr\":\"" /* 300 bytes: truncated to 256 */
        "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        "012345678901234567890123456789012345678901234567890123\xc3\xa9\xc3\xa9\xc3\xa9" "012345678901234567890123456789\"}",
        "{\"rec\":\"root\",\"id\":1,\"kind\":\"thread\",\"label\":\"main \\u2192 run\"}",
        "{\"rec\":\"root\",\"id\":1,\"kind\":\"nonsense\"}",
        "{\"rec\":\"root\",\"id\":1,\"label\":null,\"size\":3}",
        "{\"rec\":\"root\",\"id\":1,\"refs\":[[1,\"attr\",\"dropped\"]]}",
        "{\"rec\":\"comment\",\"text\":\"skipped\"}",
        /* the dumpers' own shape (object_fast), and near misses of it that
         * the general path must take over from the start of the line */
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"len\":3,\"rc\":2,\"repr\":\"r\",\"name\":\"n\","
        "\"flags\":[\"gc\"],\"refs\":[[1,\"index\",0],[1,\"attr\",\"a\"],[1,\"attr\"],[1,\"index\",null],[1,\"type\"],"
        "[1,\"attr\",null],[1,\"index\",7,8]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"len\":null,\"rc\":null,\"repr\":null,\"name\":null,"
        "\"flags\":null,\"refs\":null}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"flags\":[\"gc\"],\"refs\":[]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"len\":2,\"len\":3}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[],\"refs\":[[1,\"attr\",\"b\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"rc\":1,\"len\":2,\"name\":\"n\",\"repr\":\"r\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1, \"index\",0],[1,\"index\" ,1],[ 1,\"attr\",\"a\" ]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"indexx\",0],[1,\"attrs\",\"a\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"attr\",\"a\"],[1,\"key\"],[1,\"value\",\"v\"],"
        "[1,\"index\",3],[1,\"internal\",\"i\"],[1,\"slot\",\"s\"],[1,\"cell\",\"c\"],[1,\"local\",\"l\"],[1,\"global\",\"g\"],"
        "[1,\"type\"],[1,\"weak\",null],[1,\"internal\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"keys\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"glob\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"interna\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"w",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"attr\",5],[1,\"index\",\"5\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"ind\\u0065x\",0]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1} \t",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"extra\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"rec\":\"root\"}",
        "{\"rec\":\"object\",\"id\": 2,\"type\": \"t\",\"size\": 1,\"rc\": 5}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1}}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"index\",0]}",
        /* numbers and strings the scanner reads eight bytes at a time: runs
         * that end at, before and after an 8-byte boundary, near the line's
         * end (fewer than 8 bytes left), and at the 18-digit limit */
        "{\"rec\":\"object\",\"id\":123456789012345678,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":123456789012345,\"type\":\"x\",\"size\":9,\"refs\":[[0,\"index\",123456789012345],"
        "[100000000,\"index\",10000000],[99999999,\"attr\",\"a\"],[123456789012345,\"index\",1234567890123456]]}",
        "{\"rec\":\"object\",\"id\":1234567890123456789,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":1234567812345678,\"type\":\"x\",\"size\":87654321}",
        "{\"rec\":\"object\",\"type\":\"x\",\"size\":1,\"id\":12345678}",
        "{\"rec\":\"object\",\"type\":\"x\",\"size\":1,\"id\":1234567}",
        "{\"rec\":\"object\",\"type\":\"x\",\"size\":1,\"id\":123456789}",
        "{\"rec\":\"object\",\"type\":\"x\",\"size\":1,\"id\":1234567890123456}",
        "{\"rec\":\"object\",\"type\":\"x\",\"size\":1,\"id\":99999999,\"rc\":-12345678901,\"len\":100000000}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1,\"refs\":[[1,\"index\",12345678901],[1,\"index\",0],"
        "[1,\"index\",4294967296],[12345678,\"index\",87654321]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefg\",\"size\":1,\"repr\":\"abcdefgh\",\"name\":\"abcdefghi\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefghij\\\"k\",\"size\":1,\"repr\":\"abcdefghijklmnop\\u00e9q\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefghi\xc3\xa9jklmnopq\",\"size\":1,\"name\":\"abcdefghij\x7fk\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"t\",\"size\":1,\"refs\":[[1,\"attr\",\"abcdefgh\"],[1,\"attr\",\"abcdefghijklmnopqrstuvwxyz0123\"]]}",
        "   \t ",
        /* malformed: every one must give the reference error */
        "{\"rec\":\"object\",\"id\":\"one\",\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\"}",
        "{\"rec\":\"object\",\"id\":-2,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":02,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2.0,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":99999999999999999999,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":0123456789,\"type\":\"x\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":12345678.5}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":123.5,\"name\":\"a long enough tail\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1e5,\"name\":\"a long enough tail\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":123456789012E3,\"name\":\"a long enough tail\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":123456789e3}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":12345678a}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefgh\x01\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefghijk\xc3\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"abcdefghijklmnop",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1,\"refs\":[5]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1,\"refs\":[[5]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1,\"refs\":[[-5,\"attr\"]]}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1,\"flags\":\"gc\"}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"\xff\xfe\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"\xed\xa0\x80\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"\\ud800\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"\\uZZZZ\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"a\tb\",\"size\":1}",
        "{\"rec\":\"object\",\"id\":1,\"type\":\"dup id\",\"size\":1}",
        "{\"rec\":\"root\",\"id\":1} {\"rec\":\"root\",\"id\":2}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1},",
        "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1}",
        "{\"rec\":\"object\",\"id\":2,\"type\":\"x\",\"size\":1",
        "{\"id\":2}",
        "[]",
        "nul",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        CHECK(agree_line(lines[i]) == 0);
}

/* A file of many chunks, built in memory: long enough that the reader
 * thread runs, with one line longer than a chunk. */
static char *big_snapshot(size_t *len, uint64_t objects, int with_error_at)
{
    size_t cap = 64 + objects * 160 + (12u << 20), n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, HDR);
    /* one huge dict first: a line of ~11 MB, longer than a chunk */
    n += (size_t)snprintf(buf + n, cap - n, "{\"rec\":\"object\",\"id\":1,\"type\":\"dict\",\"size\":1,\"refs\":[");
    for (uint64_t k = 0; k < 400000; k++)
        n += (size_t)snprintf(buf + n, cap - n, "%s[%llu,\"value\",\"'k%llu'\"]", k ? "," : "",
                              (unsigned long long)(2 + k % objects), (unsigned long long)k);
    n += (size_t)snprintf(buf + n, cap - n, "]}\n");
    for (uint64_t i = 0; i < objects; i++) {
        uint64_t id = 2 + i;
        if (with_error_at && i == (uint64_t)with_error_at)
            n += (size_t)snprintf(buf + n, cap - n, "{\"rec\":\"object\",\"id\":%llu,\"type\":\"T%llu\",\"size\":oops}\n",
                                  (unsigned long long)id, (unsigned long long)(i % 50));
        else
            n += (size_t)snprintf(buf + n, cap - n,
                                  "{\"rec\":\"object\",\"id\":%llu,\"type\":\"mod.T%llu\",\"size\":%llu,\"repr\":\"'s%llu'\","
                                  "\"refs\":[[%llu,\"attr\",\"next\"],[%llu,\"index\",%llu],[1,\"attr\",\"d\"]]}\n",
                                  (unsigned long long)id, (unsigned long long)(i % 50), (unsigned long long)(i % 97),
                                  (unsigned long long)(i % 1000), (unsigned long long)(2 + (i * 7919) % objects),
                                  (unsigned long long)(2 + (i + 1) % objects), (unsigned long long)(i % 5));
    }
    n += (size_t)snprintf(buf + n, cap - n, "{\"rec\":\"root\",\"id\":1,\"kind\":\"module\",\"label\":\"m\"}");
    *len = n; /* no final newline: the last line ends the stream */
    return buf;
}

static void two_thread_load_of_a_big_file_equals_the_reference_parse(void)
{
    size_t len;
    char *text = big_snapshot(&len, 60000, 0);
    CHECK(len > 2 * (8u << 20));
    CHECK(agree(text, len, 0) == 0);
    outcome o = load_with(text, len, 0, 2, 0);
    CHECK(o.rc == RG_OK);
    if (o.s) {
        CHECK_EQ_U64(rg_node_count(o.s), 60001);
        CHECK_EQ_U64(rg_edge_count(o.s), 400000 + 3 * 60000);
        CHECK(o.s->longest_line > (8u << 20));
        rg_snapshot_free(o.s);
    }
    free(text);
}

/* An error deep in the file names the right line and byte, whichever thread
 * parsed it. */
static void error_deep_in_a_big_file_names_its_line_and_byte_whichever_thread_parsed_it(void)
{
    size_t len;
    char *text = big_snapshot(&len, 60000, 50000);
    outcome o = load_with(text, len, 0, 2, 0);
    CHECK(o.rc == RG_EFORMAT);
    CHECK_CONTAINS(o.err, "t.jsonl:50003: byte ");
    /* the byte offset falls on the bad value, inside that line */
    const char *at = strstr(o.err, "byte ");
    unsigned long long off = at ? strtoull(at + 5, NULL, 10) : 0;
    const char *bad = strstr(text, ":oops}");
    CHECK(bad != NULL);
    if (bad)
        CHECK(off >= (unsigned long long)(bad - text) && off <= (unsigned long long)(bad - text) + 6);
    CHECK(agree(text, len, 0) == 0);
    free(text);
}

/* Duplicate ids are found by the builder, after parsing: the message still
 * names both lines, and an earlier duplicate wins over a later syntax error. */
static void earlier_duplicate_id_wins_over_a_later_syntax_error(void)
{
    const char *t = HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n"
                        "{\"rec\":\"object\",\"id\":1,\"type\":\"x\",\"size\":1}\n"
                        "{\"rec\":\"object\",\"id\":3,\"type\":\"x\",\"size\":1\n";
    outcome o = load_with(t, strlen(t), 0, 2, 0);
    CHECK(o.rc == RG_EFORMAT);
    CHECK_CONTAINS(o.err, "t.jsonl:3: byte ");
    CHECK_CONTAINS(o.err, "duplicate object id 1 (first defined at line 2)");
    CHECK(agree(t, strlen(t), 0) == 0);
}

static void line_over_the_limit_is_an_error_naming_line_and_byte(void)
{
    char buf[4096];
    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":1,\"type\":\"%0300d\",\"size\":1}\n", 0);
    outcome o = load_with(buf, strlen(buf), 0, 2, 200);
    CHECK(o.rc == RG_ELIMIT);
    char want[128];
    snprintf(want, sizeof want, "t.jsonl:2: byte %zu: line is longer than the limit of 200 bytes", strlen(HDR));
    CHECK_CONTAINS(o.err, want);
    CHECK(agree(buf, strlen(buf), 200) == 0);
    /* a syntax error inside the limit is reported first */
    snprintf(buf, sizeof buf, HDR "{\"rec\":\"object\",\"id\":[[[,\"type\":\"%0300d\",\"size\":1}\n", 0);
    o = load_with(buf, strlen(buf), 0, 2, 200);
    CHECK(o.rc == RG_EFORMAT);
    CHECK_CONTAINS(o.err, "t.jsonl:2: byte ");
    CHECK_CONTAINS(o.err, "\"id\" must be");
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(scanner_and_reference_parser_agree_on_every_line);
    RUN(two_thread_load_of_a_big_file_equals_the_reference_parse);
    RUN(error_deep_in_a_big_file_names_its_line_and_byte_whichever_thread_parsed_it);
    RUN(earlier_duplicate_id_wins_over_a_later_syntax_error);
    RUN(line_over_the_limit_is_an_error_naming_line_and_byte);
    TEST_MAIN_END();
}
