/* test_fuzz_corpus.c: replay the fuzz corpus (tests/fuzz/corpus) through
 * the fuzz targets, as an ordinary test under gcc and ASan: every input the
 * fuzzers ever kept stays a regression test without clang or libFuzzer. */
#define LLVMFuzzerTestOneInput fuzz_snapshot_one
#include "../fuzz/fuzz_snapshot.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cache_one
#define query_all cache_query_all
#define try_parse cache_try_parse
#include "../fuzz/fuzz_cache.c"
#undef LLVMFuzzerTestOneInput

#include "harness.h"

#include <dirent.h>

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
        FILE *f = fopen(file, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        size_t got = fread(buf, 1, (size_t)(len > 0 ? len : 0), f);
        fclose(f);
        one(buf, got); /* aborts on a disagreement; ASan reports the rest */
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void test_snapshot_corpus(void) { CHECK(replay("snapshot", fuzz_snapshot_one) > 10); }
static void test_cache_corpus(void) { CHECK(replay("cache", fuzz_cache_one) > 2); }

int main(void)
{
    RUN(test_snapshot_corpus);
    RUN(test_cache_corpus);
    TEST_MAIN_END();
}
