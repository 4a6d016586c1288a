/* test_allocator.c: rg_set_allocator sees every allocation of the library.
 * The hooks keep a header before each block, so memory freed by the wrong
 * allocator (the C library's free on a hooked block, or a hook on the C
 * library's) is caught, by the sanitizers or by the count; at the end every
 * byte allocated through the hooks must have been freed through them. */
#include "harness.h"
#include "refgraph.h"

#include <pthread.h>
#include <stdlib.h>

#define MAGIC 0x7267616c6c6f6321ULL /* "rgalloc!" */

typedef struct header {
    uint64_t magic;
    size_t size;
} header;

/* The library allocates from its own threads too (the loader, the analyses
 * beside each other), so the hooks, like any host's, must be thread-safe. */
typedef struct account {
    pthread_mutex_t lock;
    uint64_t allocs, frees, live_bytes, peak_bytes, bad_frees;
} account;

static void *hook_malloc(void *opaque, size_t size)
{
    account *a = opaque;
    header *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->magic = MAGIC;
    h->size = size;
    pthread_mutex_lock(&a->lock);
    a->allocs++;
    a->live_bytes += size;
    if (a->live_bytes > a->peak_bytes)
        a->peak_bytes = a->live_bytes;
    pthread_mutex_unlock(&a->lock);
    return h + 1;
}

static void *hook_calloc(void *opaque, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size - sizeof(header))
        return NULL;
    void *p = hook_malloc(opaque, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

static void hook_free(void *opaque, void *p)
{
    account *a = opaque;
    header *h = (header *)p - 1;
    pthread_mutex_lock(&a->lock);
    if (h->magic != MAGIC) {
        a->bad_frees++; /* not ours: leave it rather than corrupt the heap */
        pthread_mutex_unlock(&a->lock);
        return;
    }
    a->frees++;
    a->live_bytes -= h->size;
    pthread_mutex_unlock(&a->lock);
    h->magic = 0;
    free(h);
}

static void *hook_realloc(void *opaque, void *p, size_t size)
{
    header *old = (header *)p - 1;
    void *q = hook_malloc(opaque, size);
    if (!q)
        return NULL;
    memcpy(q, p, old->size < size ? old->size : size);
    hook_free(opaque, p);
    return q;
}

static account acct = {.lock = PTHREAD_MUTEX_INITIALIZER};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

/* Every analysis, render and report on one snapshot, everything freed. */
static void exercise(const char *data, size_t len)
{
    rg_open_options oo = RG_OPEN_OPTIONS_INIT;
    oo.flags = RG_OPEN_NO_CACHE;
    rg_snapshot *s = NULL;
    CHECK(rg_snapshot_open_memory(data, len, "small.jsonl", &oo, &s) == RG_OK);
    if (!s)
        return;
    rg_type_stat *st = NULL;
    uint32_t nst = 0;
    CHECK(rg_type_stats(s, RG_SORT_SIZE, sizeof(rg_type_stat), &st, &nst) == RG_OK);
    rg_free(st);

    rg_suspects *sus = NULL;
    CHECK(rg_suspects_compute_all(s, NULL, &sus) == RG_OK);
    const rg_paths *paths = rg_suspects_paths(sus);
    rg_node all[64];
    size_t n = rg_node_count(s) < 64 ? rg_node_count(s) : 64;
    for (size_t i = 0; i < n; i++)
        all[i] = (rg_node)i;
    rg_chain_group *cg = NULL;
    rg_node *members = NULL;
    size_t ncg = 0;
    CHECK(rg_paths_group(paths, all, n, sizeof(rg_chain_group), &cg, &ncg, &members) == RG_OK);
    rg_free(cg);
    rg_free(members);
    char *groups_path = NULL;
    if (rg_groups_count(rg_suspects_groups(sus)) > 0) {
        CHECK(rg_groups_path(rg_suspects_groups(sus), 0, &groups_path) == RG_OK);
        rg_free(groups_path);
    }

#if REFGRAPH_RENDER
    rg_diagram_options dopt = RG_DIAGRAM_OPTIONS_INIT;
    dopt.paths = paths;
    rg_diagram *d = NULL;
    CHECK(rg_diagram_compute(s, all, 1, &dopt, &d) == RG_OK);
    char *out = NULL;
    size_t out_len = 0;
    CHECK(rg_diagram_render(d, RG_FORMAT_DOT, &out, &out_len) == RG_OK);
    rg_free(out);
    CHECK(rg_diagram_render(d, RG_FORMAT_SVG, &out, &out_len) == RG_OK);
    rg_free(out);
    rg_diagram_free(d);
#endif

    rg_summary *sum[2] = {NULL, NULL};
    CHECK(rg_summary_compute(s, NULL, &sum[0]) == RG_OK);
    CHECK(rg_summary_compute(s, NULL, &sum[1]) == RG_OK);
    rg_diff *diff = NULL;
    CHECK(rg_diff_compute(sum, 2, NULL, &diff) == RG_OK);
    rg_gate_result gate = {.struct_size = sizeof gate};
    CHECK(rg_diff_gate(diff, "module", &gate) == RG_OK);
    rg_free(gate.message);
    rg_diff_free(diff);
    rg_summary_free(sum[0]);
    rg_summary_free(sum[1]);

#if REFGRAPH_RENDER
    char *verdict = NULL;
    CHECK(rg_report_verdict(s, sus, 1, &verdict) == RG_OK);
    rg_free(verdict);
#endif
    rg_suspects_free(sus);

#if REFGRAPH_RENDER
    const rg_snapshot *one[1] = {s};
    rg_report *r = NULL;
    CHECK(rg_report_compute(one, 1, NULL, &r) == RG_OK);
    char *md = NULL, *html = NULL, *json = NULL;
    CHECK(rg_report_markdown(r, &md) == RG_OK);
    CHECK(rg_report_html(r, &html) == RG_OK);
    CHECK(rg_report_json(r, &json) == RG_OK);
    rg_free(md);
    rg_free(html);
    rg_free(json);
    rg_report_free(r);
#endif
    rg_snapshot_free(s);
}

static void every_allocation_goes_through_the_hooks_and_every_byte_comes_back(void)
{
    size_t len = 0;
    char *data = read_file(RG_TEST_DATA "/small.jsonl", &len);
    REQUIRE(data != NULL && len > 0);
    exercise(data, len);
    free(data);
    CHECK(acct.allocs > 100);
    CHECK(acct.peak_bytes > 0);
    CHECK_EQ_U64(acct.bad_frees, 0);
    CHECK_EQ_U64(acct.frees, acct.allocs);
    CHECK_EQ_U64(acct.live_bytes, 0);
}

static void incomplete_or_too_old_allocator_hooks_are_refused(void)
{
    rg_allocator bad = {.struct_size = sizeof bad, .malloc_fn = hook_malloc};
    CHECK(rg_set_allocator(&bad) == RG_EINVAL);
    CHECK_CONTAINS(rg_last_error(), "all required");
    rg_allocator old = {.struct_size = 8};
    CHECK(rg_set_allocator(&old) == RG_EINVAL);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    /* Before any other call, as rg_set_allocator asks. */
    rg_allocator hooks = {.struct_size = sizeof hooks, .malloc_fn = hook_malloc, .calloc_fn = hook_calloc,
                          .realloc_fn = hook_realloc, .free_fn = hook_free, .opaque = &acct};
    if (rg_set_allocator(&hooks) != RG_OK) {
        fprintf(stderr, "rg_set_allocator: %s\n", rg_last_error());
        return 1;
    }
    RUN(every_allocation_goes_through_the_hooks_and_every_byte_comes_back);
    RUN(incomplete_or_too_old_allocator_hooks_are_refused);
    TEST_MAIN_END();
}
