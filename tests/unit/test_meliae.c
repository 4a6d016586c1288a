/* test_meliae.c: the meliae dump reader: labels reconstructed from bare
 * addresses (dict key/value pairs, instance and module dicts collapsed,
 * reversed list/tuple traversal), derived roots, duplicates, the JSON-list
 * wrapper, and every class of bad input; tests/data/meliae/small.json is a
 * dump in meliae's exact line format. */
#include "harness.h"
#include "fixture.h"
#include "read/readers.h"
#include "refgraph.h"

#include <stdlib.h>

#define SMALL RG_TEST_DATA "/meliae/small.json"

/* Every formatted label from `from` to `to`, joined by '|'. */
static const char *labels(const rg_snapshot *s, rg_node from, rg_node to)
{
    static char out[512];
    out[0] = '\0';
    for (uint32_t i = 0; i < rg_referent_count(s, from); i++) {
        rg_edge e;
        rg_referent_get(s, from, i, &e);
        if (e.to != to)
            continue;
        char buf[256];
        rg_edge_label_format(s, &e, buf, sizeof buf);
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s", l ? "|" : "", buf);
    }
    return out;
}

static void check_small(rg_snapshot *s)
{
    const rg_snapshot_info *i = rg_snapshot_info_get(s);
    CHECK_STR(i->format, "meliae");
    CHECK_STR(i->producer, "meliae");
    CHECK_STR(i->runtime, "CPython");
    /* 34 records: one duplicate skipped, three dicts collapsed into their owner */
    CHECK_EQ_U64(i->skipped_records, 1);
    CHECK_EQ_U64(rg_node_count(s), 30);
    CHECK_EQ_U64(i->dangling_refs, 1);
    CHECK(rg_node_find(s, 3001, &(rg_node){0}) == RG_ENOTFOUND);
    CHECK(rg_node_find(s, 4300, &(rg_node){0}) == RG_ENOTFOUND);

    rg_node module = node(s, 1000), mdict = node(s, 1001), queue = node(s, 3000);
    rg_node qtype = node(s, 3100), deque = node(s, 3200), tup = node(s, 3300);
    rg_node job = node(s, 4000), job2 = node(s, 4001), jtype = node(s, 4400);
    rg_node payload = node(s, 4500), boolean = node(s, 4601), minint = node(s, 4600);
    rg_node name = node(s, 2003), longstr = node(s, 2007), fn = node(s, 1500);
    rg_node cell = node(s, 5100), far = node(s, 18446744073709551000ULL);

    /* the module keeps its shared dict (functions' __globals__) and gets
     * the globals as labelled edges */
    CHECK_STR(labels(s, module, mdict), ".__dict__");
    CHECK_STR(labels(s, module, queue), ".jobs");
    CHECK_STR(labels(s, module, fn), ".work");
    CHECK_STR(labels(s, module, node(s, 2001)), "<key 'jobs'>");
    CHECK_STR(labels(s, mdict, queue), "['jobs']");
    CHECK_STR(labels(s, mdict, name), "['name']");
    CHECK_STR(labels(s, fn, mdict), "<internal>");
    /* the instance absorbed its __dict__ (size included) */
    CHECK_STR(labels(s, queue, deque), ".queue");
    CHECK_STR(labels(s, queue, qtype), "<type>");
    CHECK_EQ_U64(rg_node_size(s, queue), 64 + 280);
    CHECK_EQ_U64(rg_node_size(s, job), 64 + 280);
    CHECK_STR(labels(s, job, payload), ".payload");
    CHECK_STR(labels(s, job, jtype), "<type>");
    CHECK_STR(labels(s, job2, name), ".?");
    /* indices: deques in order, lists and tuples were traversed backwards */
    CHECK_STR(labels(s, deque, tup), "[0]");
    CHECK_STR(labels(s, tup, job), "[2]");
    CHECK_STR(labels(s, payload, boolean), "[1]");
    CHECK_STR(labels(s, payload, minint), "[0]");
    CHECK_STR(labels(s, cell, far), "<cell>");

    /* values, names, lengths */
    CHECK_STR(rg_node_type_name(s, job), "Job");
    CHECK_STR(rg_node_repr(s, name), "'\xc3\xa9t\xc3\xa9'");
    CHECK_STR(rg_node_repr(s, minint), "-9223372036854775808");
    CHECK_STR(rg_node_repr(s, boolean), "True");
    CHECK_STR(rg_node_repr(s, far), "'h/\"\\'");
    CHECK_CONTAINS(rg_node_repr(s, longstr), "xxx'...");
    CHECK_EQ_U64(rg_node_length(s, longstr), 150);
    CHECK_STR(rg_node_name(s, module), "__main__");
    CHECK_STR(rg_node_name(s, fn), "work");
    CHECK(rg_node_refcount(s, job) == -1);

    /* roots: modules, threads' top frames, and objects nothing refers to */
    CHECK_EQ_U64(rg_root_count(s), 3);
    for (uint32_t r = 0; r < rg_root_count(s); r++) {
        rg_root rt;
        rg_root_get(s, r, &rt);
        if (rt.node == module) {
            CHECK(rt.kind == RG_ROOT_MODULE);
            CHECK_STR(rt.label, "__main__");
        } else if (rt.node == cell) {
            CHECK(rt.kind == RG_ROOT_OTHER);
        } else {
            CHECK_STR(rg_node_type_name(s, rt.node), "frame");
            CHECK(rt.kind == RG_ROOT_THREAD);
            CHECK_STR(rt.label, "main_loop");
        }
    }
}

static void meliae_dump_reads_with_labels_rebuilt_from_addresses(void)
{
    rg_snapshot *s = NULL;
    rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .flags = RG_OPEN_NO_CACHE};
    CHECK(rg_snapshot_open(SMALL, &o, &s) == RG_OK);
    if (!s) {
        fprintf(stderr, "%s\n", rg_last_error());
        return;
    }
    check_small(s);
    rg_snapshot_free(s);
}

/* A dump written as a JSON list ("[", records ending in ",", "]"), which
 * meliae's loader also accepts, reads the same. */
static void meliae_dump_as_a_json_list_reads_the_same(void)
{
    size_t len;
    char *text = slurp(SMALL, &len);
    REQUIRE(text != NULL);
    char *wrapped = malloc(len * 2 + 16);
    size_t w = 0;
    w += (size_t)sprintf(wrapped, "[\n");
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        w += (size_t)sprintf(wrapped + w, "%s,\r\n", line);
    w += (size_t)sprintf(wrapped + w, "]\n");
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(wrapped, w, "list.json", NULL, &s) == RG_OK);
    if (s) {
        check_small(s);
        rg_snapshot_free(s);
    } else {
        fprintf(stderr, "%s\n", rg_last_error());
    }
    free(wrapped);
    free(text);
}

static const char *load_error(const char *text, uint64_t max_line, int *code)
{
    rg_snapshot *s = NULL;
    rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .max_line_bytes = max_line, .flags = RG_OPEN_NO_CACHE};
    int rc = rg_snapshot_open_memory(text, strlen(text), "bad.json", &o, &s);
    if (code)
        *code = rc;
    if (rc == RG_OK) {
        rg_snapshot_free(s);
        return "(loaded)";
    }
    return rg_last_error();
}

#define REC "{\"address\": 1, \"type\": \"str\", \"size\": 40, \"refs\": []}\n"

static void bad_meliae_input_is_an_error_naming_line_and_byte(void)
{
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        {REC "{\"address\": 2, \"type\": \"list\", \"size\": 40, \"refs\": [1, 2",
         "bad.json:2: byte 110: truncated record (the file ends in the middle of it)"},
        {REC "{\"address\": 2, \"type\": \"list\" \"size\": 40, \"refs\": []}\n", "bad.json:2: byte 86: invalid JSON"},
        {REC "{\"address\": 2, \"type\": \"list\", \"size\": 40, \"refs\": 7}\n", "bad.json:2: byte 106: \"refs\" must be a list"},
        {REC "{\"address\": \"2\", \"type\": \"x\", \"size\": 4, \"refs\": []}\n", "\"address\" must be a number"},
        {REC "{\"address\": 2, \"type\": \"x\", \"size\": -4, \"refs\": []}\n", "\"size\" holds -4, which is not a non-negative integer"},
        {REC "{\"address\": 2, \"type\": \"x\", \"size\": 4.5, \"refs\": []}\n", "\"size\" holds 4.5"},
        {REC "{\"address\": 18446744073709551616, \"type\": \"x\", \"size\": 4, \"refs\": []}\n",
         "\"address\" holds 18446744073709551616, which is out of range"},
        {REC "{\"address\": 2, \"type\": \"x\", \"size\": 4, \"refs\": [99999999999999999999999]}\n", "is out of range"},
        {REC "{\"type\": \"x\", \"size\": 4, \"refs\": []}\n", "bad.json:2: byte 90: record has no \"address\""},
        {REC "{\"address\": 2, \"size\": 4, \"refs\": []}\n", "record has no \"type\""},
        {REC "{\"address\": 2, \"type\": \"x\", \"refs\": []}\n", "record has no \"size\""},
        {REC "{\"address\": 2, \"type\": \"\", \"size\": 4, \"refs\": []}\n", "\"type\" is empty"},
        {REC REC, "(loaded)"},
        {"{\"address\": 1, \"type\": \"a\", \"size\": 1, \"refs\": []} {\"address\": 2, \"type\": \"a\", \"size\": 1, \"refs\": []}\n",
         "more than one record on a line"},
        {REC "{\"address\": 2, \"type\": \"x\",\n \"size\": 4, \"refs\": []}\n", "bad.json:2: byte 80: record does not end on its line"},
        {REC "[1, 2]\n", "expected a JSON object, found an array"},
        {REC "{\"address\": 2, \"type\": \"x\", \"size\": 4, \"refs\": [[1]]}\n", "\"refs\" must be a list of integer addresses"},
        {REC "{\"address\": 2, \"type\": {\"a\": 1}, \"size\": 4, \"refs\": []}\n", "\"type\" must be a scalar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int code = 0;
        const char *err = load_error(cases[i].text, 0, &code);
        CHECK_CONTAINS(err, cases[i].needle);
        if (strcmp(cases[i].needle, "(loaded)") != 0) {
            CHECK(code == RG_EFORMAT);
            CHECK_CONTAINS(err, "bad.json:");
            CHECK_CONTAINS(err, ": byte ");
        }
    }
    /* a line over the limit is RG_ELIMIT, named with its line and offset */
    int code = 0;
    const char *err = load_error(REC "{\"address\": 2, \"type\": \"x\", \"size\": 4, \"refs\": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n",
                                 80, &code);
    CHECK(code == RG_ELIMIT);
    CHECK_CONTAINS(err, "bad.json:2: byte 54: line is longer than the limit of 80 bytes");
}

static void every_truncated_meliae_dump_is_an_error_with_a_byte_offset(void)
{
    size_t len;
    char *text = slurp(SMALL, &len);
    REQUIRE(text != NULL);
    int bad = 0;
    for (size_t n = 1; n < len; n++) {
        rg_snapshot *s = NULL;
        int rc = rg_snapshot_open_memory(text, n, "cut.json", NULL, &s);
        if (rc == RG_OK) {
            /* cut exactly after a whole line (or its closing brace) */
            if (text[n - 1] != '\n' && text[n - 1] != '}')
                bad++;
            rg_snapshot_free(s);
        } else if (!strstr(rg_last_error(), "cut.json:") || !strstr(rg_last_error(), "byte ")) {
            fprintf(stderr, "prefix %zu: %s\n", n, rg_last_error());
            bad++;
        }
    }
    CHECK_EQ_U64(bad, 0);
    free(text);
}

static void meliae_dump_with_flipped_bytes_loads_or_fails_cleanly(void)
{
    size_t len;
    char *text = slurp(SMALL, &len);
    REQUIRE(text != NULL);
    static const char repl[] = {'9', '-', '"', ']', '{', '\n', '\0'};
    CHECK_EQ_U64(flip_sweep(text, len, repl, sizeof repl, "flip.json"), 0);
    free(text);
}

static void meliae_sniffing_accepts_dumps_and_declines_other_formats(void)
{
    CHECK(rg_sniff_meliae("{\"address\": 1", 13));
    CHECK(rg_sniff_meliae("[\n{\"address\": 1", 15));
    CHECK(!rg_sniff_meliae("{\"rec\":\"header\"", 15));
    CHECK(!rg_sniff_meliae("{\"snapshot\":{", 13));
    CHECK(!rg_sniff_meliae("{\"addr", 6));
    CHECK(!rg_sniff_meliae("", 0));
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    RUN(meliae_dump_reads_with_labels_rebuilt_from_addresses);
    RUN(meliae_dump_as_a_json_list_reads_the_same);
    RUN(bad_meliae_input_is_an_error_naming_line_and_byte);
    RUN(every_truncated_meliae_dump_is_an_error_with_a_byte_offset);
    RUN(meliae_dump_with_flipped_bytes_loads_or_fails_cleanly);
    RUN(meliae_sniffing_accepts_dumps_and_declines_other_formats);
    TEST_MAIN_END();
}
