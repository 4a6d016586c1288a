/* test_threads.c: one loaded snapshot is queried from several threads at once
 * and every thread gets the answers a single thread gets (refgraph.h: "A const
 * rg_snapshot may be read from many threads at once").
 *
 * Built with -DREFGRAPH_SANITIZE=thread (scripts/test.sh), ThreadSanitizer
 * turns any unsynchronised write the queries make to shared state (a lazy
 * cache on the snapshot, a static buffer, a shared sort context) into a
 * failure; without it the digests still catch a race that corrupts results.
 * Each thread reads two snapshots of the same heap: one parsed from the file,
 * one mapped from the index cache (whose path forest is lent, not copied). */
#include "harness.h"
#include "refgraph.h"

#include <pthread.h>
#include <stdlib.h>

#define THREADS 4
#define ROUNDS 2
#define ERROR_TRIES 500
#define SESSIONS 1500
#define ORPHAN_PAIRS 120
#define HELD_FROM_C 40

static char dir[256];
static char path[300];

/* A heap with one of each thing the analyses look for: a growing dict of
 * sessions each holding a buffer and its server (a cycle through a root), a
 * weak edge, unreachable cycles, and objects whose refcount says something
 * outside the heap holds them. */
static void write_heap(const char *to)
{
    FILE *f = fopen(to, "wb");
    REQUIRE(f != NULL);
    fprintf(f, "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,"
               "\"producer\":\"test_threads\",\"runtime\":\"CPython 3.11\",\"pid\":7,\"time\":100.5}\n");
    fprintf(f, "{\"rec\":\"object\",\"id\":1,\"type\":\"module\",\"size\":72,\"name\":\"app\","
               "\"refs\":[[2,\"global\",\"sessions\"],[3,\"global\",\"server\"],[4,\"global\",\"observers\"]]}\n");
    fprintf(f, "{\"rec\":\"object\",\"id\":2,\"type\":\"dict\",\"size\":%d,\"len\":%d,\"refs\":[", 40 * SESSIONS,
            SESSIONS);
    for (int i = 0; i < SESSIONS; i++)
        fprintf(f, "%s[%d,\"value\",\"'s%d'\"]", i ? "," : "", 1000 + i, i);
    fprintf(f, "]}\n");
    fprintf(f, "{\"rec\":\"object\",\"id\":3,\"type\":\"app.Server\",\"size\":56,\"rc\":%d,\"flags\":[\"gc\"],"
               "\"refs\":[[2,\"attr\",\"sessions\"]]}\n",
            SESSIONS + 1);
    fprintf(f, "{\"rec\":\"object\",\"id\":4,\"type\":\"list\",\"size\":88,\"len\":1,"
               "\"refs\":[[1000,\"weak\",\"\"]]}\n");
    for (int i = 0; i < SESSIONS; i++) {
        fprintf(f, "{\"rec\":\"object\",\"id\":%d,\"type\":\"app.Session\",\"size\":64,\"rc\":1,\"flags\":[\"gc\"],"
                   "\"refs\":[[%d,\"attr\",\"buf\"],[3,\"attr\",\"server\"]]}\n",
                1000 + i, 100000 + i);
        fprintf(f, "{\"rec\":\"object\",\"id\":%d,\"type\":\"bytearray\",\"size\":%d,\"len\":%d,\"rc\":1}\n",
                100000 + i, 4096 + i % 7, 4000);
    }
    for (int i = 0; i < ORPHAN_PAIRS; i++) {
        int a = 200000 + 2 * i, b = a + 1;
        fprintf(f, "{\"rec\":\"object\",\"id\":%d,\"type\":\"app.Node\",\"size\":48,\"rc\":1,\"flags\":[\"gc\"],"
                   "\"refs\":[[%d,\"attr\",\"next\"]]}\n",
                a, b);
        fprintf(f, "{\"rec\":\"object\",\"id\":%d,\"type\":\"app.Node\",\"size\":48,\"rc\":1,\"flags\":[\"gc\"],"
                   "\"refs\":[[%d,\"attr\",\"prev\"]]}\n",
                b, a);
    }
    for (int i = 0; i < HELD_FROM_C; i++)
        fprintf(f, "{\"rec\":\"object\",\"id\":%d,\"type\":\"app.Handle\",\"size\":2048,\"rc\":3}\n", 300000 + i);
    fprintf(f, "{\"rec\":\"root\",\"id\":1,\"kind\":\"module\",\"label\":\"app\"}\n");
    REQUIRE(fclose(f) == 0);
}

/* FNV-1a over everything a thread learns, so threads compare one number. */
typedef struct digest {
    uint64_t h;
    int failed;
} digest;

/* REQUIRE jumps to the main thread's RUN, so the queries, which also run on
 * other threads, stop this way instead: the digest is spoilt, and compares
 * unequal. */
#define QUERY_OK(d, call)                                                             \
    do {                                                                              \
        if ((call) != RG_OK) {                                                        \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,      \
                    rg_last_error());                                                 \
            (d)->failed = 1;                                                          \
            return;                                                                   \
        }                                                                             \
    } while (0)

static void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ c[i]) * 1099511628211ull;
}
static void mix_u64(digest *d, uint64_t v) { mix(d, &v, sizeof v); }
static void mix_str(digest *d, const char *s) { mix(d, s ? s : "(null)", strlen(s ? s : "(null)") + 1); }

/* Paths: every distance and why-unreachable, and the chain of sampled nodes
 * with its labels as a person reads them. */
static void query_paths(const rg_snapshot *s, digest *d)
{
    rg_paths *p = NULL;
    QUERY_OK(d, rg_paths_compute(s, NULL, &p));
    uint32_t n = rg_node_count(s);
    for (rg_node v = 0; v < n; v++) {
        mix_u64(d, rg_paths_distance(p, v));
        rg_unreachable u = {.struct_size = sizeof u};
        QUERY_OK(d, rg_paths_why_unreachable(p, v, &u));
        mix_u64(d, u.kind);
        mix_u64(d, u.holder);
        if (v % 97 != 0)
            continue;
        rg_edge *chain = NULL;
        size_t len = 0;
        if (rg_paths_chain(p, v, &chain, &len) == RG_OK) {
            for (size_t i = 0; i < len; i++) {
                char label[128];
                rg_edge_label_format(s, &chain[i], label, sizeof label);
                mix_str(d, label);
                mix_str(d, rg_node_type_name(s, chain[i].to));
            }
            rg_free(chain);
            uint32_t root;
            QUERY_OK(d, rg_paths_root(p, v, &root));
            mix_u64(d, root);
        }
    }
    rg_paths_free(p);
}

static void query_dominators(const rg_snapshot *s, digest *d)
{
    rg_dominators *dom = NULL;
    QUERY_OK(d, rg_dominators_compute(s, &dom));
    for (rg_node v = 0; v < rg_node_count(s); v++) {
        mix_u64(d, rg_dominators_idom(dom, v));
        mix_u64(d, rg_dominators_retained(dom, v));
    }
    rg_node *top = NULL;
    uint32_t n = 0;
    QUERY_OK(d, rg_dominators_top(dom, 10, &top, &n));
    for (uint32_t i = 0; i < n; i++)
        mix_u64(d, top[i]);
    rg_free(top);
    rg_dominators_free(dom);
}

/* Everything rg_suspects_compute_all runs (paths, dominators, groups, cycles,
 * outside), then what the ranking says and the groups' readable paths. */
static void query_suspects(const rg_snapshot *s, digest *d)
{
    rg_suspects *sus = NULL;
    QUERY_OK(d, rg_suspects_compute_all(s, NULL, &sus));
    for (uint32_t i = 0; i < rg_suspects_count(sus); i++) {
        const rg_suspect *x = rg_suspects_get(sus, i);
        mix_u64(d, x->cause);
        mix_str(d, x->signature);
        mix_u64(d, x->retained_bytes);
        mix_u64(d, x->level);
        mix_u64(d, x->reason);
        mix_str(d, x->name);
    }
    const rg_groups *g = rg_suspects_groups(sus);
    for (rg_group i = 0; i < rg_groups_count(g); i++) {
        char *p = NULL;
        QUERY_OK(d, rg_groups_path(g, i, &p));
        mix_str(d, p);
        rg_free(p);
    }
    rg_cycles_summary cs = {.struct_size = sizeof cs};
    rg_cycles_summary_get(rg_suspects_cycles(sus), &cs);
    mix_u64(d, cs.components);
    mix_u64(d, cs.cyclic_bytes);
    mix_u64(d, rg_outside_group_count(rg_suspects_outside(sus)));
    rg_suspects_free(sus);
}

static void query_types_and_summary(const rg_snapshot *s, digest *d)
{
    rg_type_stat *t = NULL;
    uint32_t n = 0;
    QUERY_OK(d, rg_type_stats(s, RG_SORT_SIZE, sizeof *t, &t, &n));
    for (uint32_t i = 0; i < n; i++) {
        mix_str(d, t[i].name);
        mix_u64(d, t[i].bytes);
    }
    rg_free(t);
    rg_summary *sum = NULL;
    QUERY_OK(d, rg_summary_compute(s, NULL, &sum));
    const rg_summary_info *info = rg_summary_info_get(sum);
    mix_u64(d, info->groups);
    for (uint32_t i = 0; i < info->groups; i++) {
        rg_summary_group g = {.struct_size = sizeof g};
        rg_summary_group_get(sum, i, &g);
        mix_str(d, g.signature);
        mix_u64(d, g.retained);
    }
    rg_summary_free(sum);
}

/* Each thread's failed call leaves its own text in rg_last_error(), while the
 * other threads fail with theirs: returns how many of `tries` did. */
static int own_errors_survive(const rg_snapshot *s, unsigned me, int tries)
{
    int ok = 0;
    for (int i = 0; i < tries; i++) {
        uint64_t id = 1000000000ull + me * 100000ull + (uint64_t)i;
        char want[64];
        snprintf(want, sizeof want, "no object with id %llu", (unsigned long long)id);
        rg_node v;
        if (rg_node_find(s, id, &v) == RG_ENOTFOUND && strstr(rg_last_error(), want))
            ok++;
    }
    return ok;
}

static uint64_t all_queries(const rg_snapshot *s)
{
    digest d = {.h = 14695981039346656037ull};
    query_paths(s, &d);
    query_dominators(s, &d);
    query_suspects(s, &d);
    query_types_and_summary(s, &d);
    return d.failed ? 0 : d.h;
}

typedef struct worker {
    const rg_snapshot *snaps[2];
    pthread_barrier_t *start;
    unsigned id;
    uint64_t got[ROUNDS][2];
    int own_errors;
    int failed;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->start);
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < 2; k++) {
            /* Alternate the order so both snapshots are read at once. */
            const rg_snapshot *s = w->snaps[(k + w->id) % 2];
            w->got[r][(k + w->id) % 2] = all_queries(s);
            w->own_errors += own_errors_survive(s, w->id, ERROR_TRIES);
        }
    return NULL;
}

/* Opened with the index cache in dir/<cache>: the first open writes it. */
static int open_snapshot(const char *cache, rg_snapshot **out)
{
    char cache_dir[320];
    snprintf(cache_dir, sizeof cache_dir, "%s/%s", dir, cache);
    rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .cache_dir = cache_dir};
    return rg_snapshot_open(path, &o, out);
}

static void snapshot_queried_from_many_threads_answers_as_one_thread_does(void)
{
    write_heap(path);
    rg_snapshot *fresh = NULL, *cached = NULL;
    REQUIRE_OK(open_snapshot("cache", &fresh)); /* writes the index cache */
    REQUIRE_OK(open_snapshot("cache", &cached));
    REQUIRE(!rg_snapshot_info_get(fresh)->from_cache);
    REQUIRE(rg_snapshot_info_get(cached)->from_cache);

    /* The heap holds what the queries are meant to find, so that equal
     * digests are not equal emptiness. */
    rg_suspects *sus = NULL;
    REQUIRE_OK(rg_suspects_compute_all(fresh, NULL, &sus));
    rg_cycles_summary cs = {.struct_size = sizeof cs};
    rg_cycles_summary_get(rg_suspects_cycles(sus), &cs);
    CHECK_EQ_U64(cs.components, ORPHAN_PAIRS);
    CHECK(rg_outside_group_count(rg_suspects_outside(sus)) >= 1);
    uint64_t sessions_retained = 0;
    for (uint32_t i = 0; i < rg_suspects_count(sus); i++)
        if (rg_suspects_get(sus, i)->cause == RG_CAUSE_RETAINED && rg_suspects_get(sus, i)->count == SESSIONS)
            sessions_retained = rg_suspects_get(sus, i)->retained_bytes;
    CHECK(sessions_retained >= (uint64_t)SESSIONS * 4096);
    rg_suspects_free(sus);

    uint64_t want = all_queries(fresh);
    CHECK(want != 0);
    CHECK_EQ_U64(all_queries(cached), want);

    pthread_barrier_t start;
    REQUIRE(pthread_barrier_init(&start, NULL, THREADS) == 0);
    worker w[THREADS];
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (worker){.snaps = {fresh, cached}, .start = &start, .id = i};
        REQUIRE(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (unsigned i = 0; i < THREADS; i++) {
        for (int r = 0; r < ROUNDS; r++) {
            CHECK_EQ_U64(w[i].got[r][0], want);
            CHECK_EQ_U64(w[i].got[r][1], want);
        }
        CHECK_EQ_U64(w[i].own_errors, ROUNDS * 2 * ERROR_TRIES);
    }
    rg_snapshot_free(cached);
    rg_snapshot_free(fresh);
}

typedef struct opener {
    pthread_barrier_t *start;
    int rc;
    uint64_t got;
} opener;

static void *open_and_query(void *arg)
{
    opener *o = arg;
    rg_snapshot *s = NULL;
    pthread_barrier_wait(o->start);
    o->rc = open_snapshot("cache-raced", &s);
    if (o->rc == RG_OK)
        o->got = all_queries(s);
    rg_snapshot_free(s);
    return NULL;
}

/* Threads opening one file at once, with one cache directory: some write the
 * index cache while others read it, and every one gets the same graph. */
static void snapshots_opened_from_many_threads_at_once_are_the_same_graph(void)
{
    write_heap(path);
    rg_snapshot *ref = NULL;
    rg_open_options plain = {.version = RG_OPEN_OPTIONS_VERSION, .flags = RG_OPEN_NO_CACHE};
    REQUIRE_OK(rg_snapshot_open(path, &plain, &ref));
    uint64_t want = all_queries(ref);
    rg_snapshot_free(ref);

    pthread_barrier_t start;
    REQUIRE(pthread_barrier_init(&start, NULL, THREADS) == 0);
    opener o[THREADS];
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        o[i] = (opener){.start = &start};
        REQUIRE(pthread_create(&t[i], NULL, open_and_query, &o[i]) == 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (unsigned i = 0; i < THREADS; i++) {
        CHECK_EQ_U64(o[i].rc, RG_OK);
        CHECK_EQ_U64(o[i].got, want);
    }
    /* And the cache they left behind is a good one. */
    rg_snapshot *after = NULL;
    REQUIRE_OK(open_snapshot("cache-raced", &after));
    CHECK(rg_snapshot_info_get(after)->from_cache);
    CHECK_EQ_U64(all_queries(after), want);
    rg_snapshot_free(after);
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    snprintf(dir, sizeof dir, "%s/rgthreads-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/heap.jsonl", dir);
    RUN(snapshot_queried_from_many_threads_answers_as_one_thread_does);
    RUN(snapshots_opened_from_many_threads_at_once_are_the_same_graph);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_MAIN_END();
}
