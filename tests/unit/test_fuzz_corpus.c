/* test_fuzz_corpus.c: replay the fuzz corpus (tests/fuzz/corpus) through
 * the fuzz targets, as an ordinary test under gcc and ASan: every input the
 * fuzzers ever kept stays a regression test without clang or libFuzzer.
 *
 * It also owns the cache seeds. They are index caches written by this
 * build, and go stale whenever the cache format moves on (the fuzzer then
 * spends its time on the version check). cache_seeds_are_what_this_build_writes fails
 * when that happens; regenerate them with
 *   build/tests/test_fuzz_corpus --write-cache-seeds tests/fuzz/corpus/cache */
#define LLVMFuzzerTestOneInput fuzz_snapshot_one
#include "../fuzz/fuzz_snapshot.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cache_one
#define query_all cache_query_all
#define try_parse cache_try_parse
#include "../fuzz/fuzz_cache.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_v8_one
#include "../fuzz/fuzz_v8.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_meliae_one
#include "../fuzz/fuzz_meliae.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_objgraph_log_one
#include "../fuzz/fuzz_objgraph_log.c"
#undef LLVMFuzzerTestOneInput
#if REFGRAPH_RENDER
#define LLVMFuzzerTestOneInput fuzz_report_one
#include "../fuzz/fuzz_report.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_diagram_one
#include "../fuzz/fuzz_diagram.c"
#undef LLVMFuzzerTestOneInput
#else
#include "../fuzz/fuzz_graph.h" /* the cache seeds' hostile graph */
#endif

#include "harness.h"

#include <dirent.h>
#include <unistd.h>

static uint8_t *read_all(const char *file, size_t *size)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    *size = fread(buf, 1, (size_t)(len > 0 ? len : 0), f);
    fclose(f);
    return buf;
}

static size_t replay(const char *sub, int (*one)(const uint8_t *, size_t))
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../fuzz/corpus/%s", RG_TEST_DATA, sub);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char file[2048];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        size_t got;
        uint8_t *buf = read_all(file, &got);
        if (!buf)
            continue;
        one(buf, got); /* aborts on a disagreement or a failed check; ASan reports the rest */
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void snapshot_corpus_replays_without_crashing(void) { CHECK(replay("snapshot", fuzz_snapshot_one) > 10); }
static void cache_corpus_replays_without_crashing(void) { CHECK(replay("cache", fuzz_cache_one) > 2); }
static void v8_corpus_replays_without_crashing(void) { CHECK(replay("v8", fuzz_v8_one) > 4); }
static void meliae_corpus_replays_without_crashing(void) { CHECK(replay("meliae", fuzz_meliae_one) > 1); }
static void objgraph_log_corpus_replays_without_crashing(void) { CHECK(replay("objgraph_log", fuzz_objgraph_log_one) > 2); }
#if REFGRAPH_RENDER
static void report_corpus_replays_without_crashing(void) { CHECK(replay("report", fuzz_report_one) > 3); }
static void diagram_corpus_replays_without_crashing(void) { CHECK(replay("diagram", fuzz_diagram_one) > 3); }
#endif

/* ------------------------------------------------------- the cache seeds */

/* The sources of the cache seeds: one per reader, and a builder-made graph
 * of hostile names (fuzz_graph.h's grammar). */
static const char *const cache_seed_sources[] = {
    "small.jsonl",
    "meliae/small.json",
    "v8/tiny.heapsnapshot",
    "../fuzz/corpus/report/cycle.bin",
};
#define CACHE_SEED_COUNT (sizeof cache_seed_sources / sizeof cache_seed_sources[0])
#define CACHE_VERSION_OFFSET 8 /* after the 8-byte magic "RGCACHE\0" */

static int cache_seed_write(size_t i, const char *cache_path)
{
    char src[1024];
    snprintf(src, sizeof src, "%s/%s", RG_TEST_DATA, cache_seed_sources[i]);
    rg_snapshot *s = NULL;
    int rc;
    if (strstr(src, ".bin")) {
        size_t size;
        uint8_t *bytes = read_all(src, &size);
        rc = bytes && fuzz_graph(bytes, size, 0, &s) == 0 ? RG_OK : RG_EFORMAT;
        free(bytes);
    } else {
        rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .flags = RG_OPEN_NO_CACHE};
        rc = rg_snapshot_open(src, &o, &s);
    }
    if (rc != RG_OK) {
        fprintf(stderr, "%s: %s\n", src, rg_last_error());
        return rc;
    }
    /* The cache's budget is the snapshot's size: seeds this small come out
     * compact; the first gets a budget that keeps every section raw. */
    if (i == 0)
        s->info.input_bytes = UINT64_MAX / 2;
    rg_cache_key key = {0};
    char *note = NULL;
    rc = rg_cache_write(s, cache_path, &key, &note);
    if (rc != RG_OK)
        fprintf(stderr, "%s\n", note ? note : rg_last_error());
    free(note);
    rg_snapshot_free(s);
    return rc;
}

static uint32_t cache_version_of(const uint8_t *buf, size_t size)
{
    uint32_t v = 0;
    if (size >= CACHE_VERSION_OFFSET + sizeof v && memcmp(buf, "RGCACHE", 8) == 0)
        memcpy(&v, buf + CACHE_VERSION_OFFSET, sizeof v);
    return v;
}

/* The seeds are what this build writes: same version, and each one opens. */
static void cache_seeds_are_what_this_build_writes(void)
{
    char tmp[] = "/tmp/rg-cache-seed-XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    CHECK(cache_seed_write(0, tmp) == RG_OK);
    size_t size;
    uint8_t *fresh = read_all(tmp, &size);
    unlink(tmp);
    uint32_t current = fresh ? cache_version_of(fresh, size) : 0;
    free(fresh);
    CHECK(current != 0);
    for (size_t i = 0; i < CACHE_SEED_COUNT; i++) {
        char file[1024];
        snprintf(file, sizeof file, "%s/../fuzz/corpus/cache/cache-%zu.rgcache", RG_TEST_DATA, i + 1);
        uint8_t *seed = read_all(file, &size);
        CHECK(seed != NULL);
        if (!seed)
            continue;
        uint32_t v = cache_version_of(seed, size);
        if (v != current)
            fprintf(stderr, "%s is index cache format %u, this build writes %u: regenerate the seeds with\n"
                            "  build/tests/test_fuzz_corpus --write-cache-seeds tests/fuzz/corpus/cache\n",
                    file, v, current);
        CHECK_EQ_U64(v, current);
        void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(map != MAP_FAILED);
        if (map != MAP_FAILED) {
            memcpy(map, seed, size);
            rg_snapshot *g = NULL;
            char *why = NULL;
            int rc = rg_cache_parse(map, size, NULL, 1u << 30, 1, &g, &why);
            if (rc != RG_OK)
                fprintf(stderr, "%s does not open: %s\n", file, why ? why : rg_last_error());
            CHECK(rc == RG_OK);
            if (rc == RG_OK)
                rg_snapshot_free(g);
            else
                munmap(map, size);
            free(why);
        }
        free(seed);
    }
}

/* --write-cache-seeds DIR: write cache-N.rgcache for every source, and
 * truncated-header.rgcache (the first 300 bytes of cache-1). */
static int write_cache_seeds(const char *dir)
{
    for (size_t i = 0; i < CACHE_SEED_COUNT; i++) {
        char file[1024];
        snprintf(file, sizeof file, "%s/cache-%zu.rgcache", dir, i + 1);
        if (cache_seed_write(i, file) != RG_OK)
            return 1;
        printf("wrote %s\n", file);
    }
    char first[1024], cut[1024];
    snprintf(first, sizeof first, "%s/cache-1.rgcache", dir);
    snprintf(cut, sizeof cut, "%s/truncated-header.rgcache", dir);
    size_t size;
    uint8_t *buf = read_all(first, &size);
    FILE *f = buf ? fopen(cut, "wb") : NULL;
    if (!f || fwrite(buf, 1, size < 300 ? size : 300, f) != (size < 300 ? size : 300) || fclose(f) != 0) {
        fprintf(stderr, "%s: could not write\n", cut);
        free(buf);
        return 1;
    }
    free(buf);
    printf("wrote %s\n", cut);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-cache-seeds") == 0)
        return write_cache_seeds(argv[2]);
    TEST_MAIN_BEGIN(argc, argv);
    RUN(snapshot_corpus_replays_without_crashing);
    RUN(cache_corpus_replays_without_crashing);
    RUN(cache_seeds_are_what_this_build_writes);
    RUN(v8_corpus_replays_without_crashing);
    RUN(meliae_corpus_replays_without_crashing);
    RUN(objgraph_log_corpus_replays_without_crashing);
#if REFGRAPH_RENDER
    RUN(report_corpus_replays_without_crashing);
    RUN(diagram_corpus_replays_without_crashing);
#endif
    TEST_MAIN_END();
}
