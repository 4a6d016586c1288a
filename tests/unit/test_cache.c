/* test_cache.c: the index cache gives the graph a fresh load gives, and a
 * stale, foreign, truncated or corrupt cache is noticed, noted and rebuilt,
 * never trusted. */
#include "graph_equal.h"
#include "harness.h"
#include "analyze/paths_impl.h"
#include "graph/cache_impl.h"
#include "refgraph.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A small snapshot with every feature the cache must keep. */
static void write_snapshot(const char *path, int variant)
{
    char *buf = malloc(1 << 20);
    size_t n = 0;
    n += (size_t)sprintf(buf + n, "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,"
                                  "\"producer\":\"cache test %d\",\"runtime\":\"CPython 3.11\",\"pid\":%d,\"time\":12.5,\"seq\":3}\n",
                         variant, 100 + variant);
    for (int i = 0; i < 500; i++)
        n += (size_t)sprintf(buf + n,
                             "{\"rec\":\"object\",\"id\":%d,\"type\":\"m.T%d\",\"size\":%d,\"len\":%d,\"rc\":%d,\"repr\":\"'r%d'\","
                             "\"flags\":[\"gc\"],\"refs\":[[%d,\"attr\",\"a%d\"],[%d,\"index\",%d],[999999,\"attr\",\"gone\"]]}\n",
                             1000 + i, i % (7 + variant), 16 + i, i % 9, i % 4, i, 1000 + (i * 37) % 500, i % 3,
                             1000 + (i + 1) % 500, i);
    n += (size_t)sprintf(buf + n, "{\"rec\":\"root\",\"id\":1000,\"kind\":\"module\",\"label\":\"m\"}\n"
                                  "{\"rec\":\"root\",\"id\":5,\"kind\":\"thread\"}\n{\"rec\":\"other\"}\n");
    buf[n] = '\0';
    write_file(path, buf);
    free(buf);
}

static rg_snapshot *open_with(const char *path, unsigned flags, const char *cache_dir)
{
    rg_open_options o = {.version = RG_OPEN_OPTIONS_VERSION, .flags = flags, .cache_dir = cache_dir};
    rg_snapshot *s = NULL;
    int rc = rg_snapshot_open(path, &o, &s);
    if (rc != RG_OK)
        fprintf(stderr, "open %s: %s\n", path, rg_last_error());
    return s;
}

static char *cache_file_of(const char *snap)
{
    rg_cache_key key;
    if (rg_cache_key_of(snap, &key) != RG_OK)
        return NULL;
    return rg_cache_path(snap, dir, &key);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Load via the cache dir and check it equals a fresh load; returns from_cache. */
static int check_same(const char *snap, const char *want_note)
{
    rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    rg_snapshot *c = open_with(snap, 0, dir);
    int from = -1;
    CHECK(fresh && c);
    if (fresh && c) {
        const char *d = rg_graph_diff(c, fresh);
        if (d)
            fprintf(stderr, "cache differs from a fresh load in %s\n", d);
        CHECK(d == NULL);
        CHECK_STR(rg_snapshot_info_get(c)->path, snap);
        from = rg_snapshot_info_get(c)->from_cache;
        if (want_note)
            CHECK_CONTAINS(rg_snapshot_info_get(c)->cache_note, want_note);
        else
            CHECK_STR(rg_snapshot_info_get(c)->cache_note, "");
        /* the public accessors agree too */
        rg_type_stat *a, *b;
        uint32_t na, nb;
        CHECK(rg_type_stats(c, RG_SORT_SIZE, sizeof(rg_type_stat), &a, &na) == RG_OK);
        CHECK(rg_type_stats(fresh, RG_SORT_SIZE, sizeof(rg_type_stat), &b, &nb) == RG_OK);
        CHECK_EQ_U64(na, nb);
        for (uint32_t i = 0; i < na && i < nb; i++) {
            CHECK_STR(a[i].name, b[i].name);
            CHECK_EQ_U64(a[i].bytes, b[i].bytes);
        }
        rg_free(a);
        rg_free(b);
        rg_node v;
        CHECK(rg_node_find(c, 1250, &v) == RG_OK);
        CHECK_STR(rg_node_repr(c, v), "'r250'");
        CHECK(rg_node_find(c, 999999, &v) == RG_ENOTFOUND);
    }
    rg_snapshot_free(fresh);
    rg_snapshot_free(c);
    return from;
}

static void second_open_maps_the_cache_the_first_wrote_and_gives_the_same_graph(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/a.jsonl", dir);
    write_snapshot(snap, 0);
    char *cp = cache_file_of(snap);
    CHECK(!exists(cp));
    CHECK(check_same(snap, NULL) == 0); /* first open writes it */
    CHECK(exists(cp));
    CHECK(check_same(snap, NULL) == 1); /* second open maps it */
    rg_snapshot *s = open_with(snap, 0, dir);
    CHECK(s && rg_snapshot_info_get(s)->from_cache);
    if (s) {
        const rg_snapshot_info *i = rg_snapshot_info_get(s);
        CHECK_EQ_U64(i->dangling_refs, 500);
        CHECK_EQ_U64(i->dangling_roots, 1);
        CHECK_EQ_U64(i->skipped_records, 1);
        CHECK_STR(i->producer, "cache test 0");
        CHECK(i->seq == 3 && i->pid == 100 && i->time == 12.5);
    }
    rg_snapshot_free(s);
    free(cp);
}

static void flip(const char *path, long at_from_end_or_start, int from_end)
{
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t at = from_end ? size - at_from_end_or_start : at_from_end_or_start;
    unsigned char c;
    CHECK(pread(fd, &c, 1, at) == 1);
    c ^= 0x5a;
    CHECK(pwrite(fd, &c, 1, at) == 1);
    close(fd);
}

static void damaged_or_truncated_cache_is_noted_and_rebuilt_never_trusted(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/b.jsonl", dir);
    write_snapshot(snap, 1);
    char *cp = cache_file_of(snap);
    CHECK(check_same(snap, NULL) == 0);
    struct stat st;
    CHECK(stat(cp, &st) == 0);
    long size = (long)st.st_size;
    /* a flipped byte anywhere: magic, header, each part of the body */
    long spots[] = {0, 9, 40, 300, 700, size / 3, size / 2, size - 70, size - 1};
    for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
        flip(cp, spots[k], 0);
        CHECK(check_same(snap, "rebuilt") == 0);
        CHECK(check_same(snap, NULL) == 1); /* and the rebuilt one is good */
    }
    /* truncated, and with bytes appended */
    CHECK(truncate(cp, size / 2) == 0);
    CHECK(check_same(snap, "rebuilt") == 0);
    CHECK(truncate(cp, size + 10) == 0);
    CHECK(check_same(snap, "truncated or has trailing bytes") == 0);
    CHECK(truncate(cp, 0) == 0);
    CHECK(check_same(snap, "empty") == 0);
    char text[4096];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    write_file(cp, text);
    CHECK(check_same(snap, "not a refgraph index cache") == 0);
    CHECK(check_same(snap, NULL) == 1);
    free(cp);
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    CHECK(a && b);
    char buf[65536];
    size_t n;
    while (a && b && (n = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, n, b);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
}

static void cache_of_another_snapshot_or_an_older_source_is_ignored(void)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/c.jsonl", dir);
    snprintf(b, sizeof b, "%s/d.jsonl", dir);
    write_snapshot(a, 2);
    write_snapshot(b, 3);
    CHECK(check_same(a, NULL) == 0);
    CHECK(check_same(b, NULL) == 0);
    char *ca = cache_file_of(a), *cb = cache_file_of(b);
    copy_file(cb, ca); /* swap in the other snapshot's cache */
    CHECK(check_same(a, "belongs to another snapshot") == 0);
    CHECK(check_same(a, NULL) == 1);
    /* the source changes after the cache was written */
    write_snapshot(a, 4);
    struct timespec ts[2] = {{0, UTIME_NOW}, {1, 0}};
    CHECK(utimensat(AT_FDCWD, a, ts, 0) == 0);
    CHECK(check_same(a, "stale") == 0);
    free(ca);
    free(cb);
}

static void unwritable_cache_dir_is_a_note_and_no_cache_flag_reads_and_writes_none(void)
{
    char snap[512], bad[600];
    snprintf(snap, sizeof snap, "%s/e.jsonl", dir);
    write_snapshot(snap, 5);
    /* a cache directory that cannot exist: a note, not an error */
    snprintf(bad, sizeof bad, "%s/e.jsonl/sub", dir);
    rg_snapshot *s = open_with(snap, 0, bad);
    CHECK(s != NULL);
    if (s) {
        CHECK_CONTAINS(rg_snapshot_info_get(s)->cache_note, "not written");
        CHECK(!rg_snapshot_info_get(s)->from_cache);
    }
    rg_snapshot_free(s);
    /* RG_OPEN_NO_CACHE neither reads nor writes */
    char *cp = cache_file_of(snap);
    s = open_with(snap, RG_OPEN_NO_CACHE, dir);
    CHECK(s && !exists(cp));
    rg_snapshot_free(s);
    /* a small snapshot gets no cache beside it */
    char beside[600];
    snprintf(beside, sizeof beside, "%s.rgcache", snap);
    s = open_with(snap, 0, NULL);
    CHECK(s && !exists(beside));
    rg_snapshot_free(s);
    /* memory snapshots never cache */
    const char *text = "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1}\n";
    CHECK(rg_snapshot_open_memory(text, strlen(text), "mem", NULL, &s) == RG_OK);
    CHECK(s && !rg_snapshot_info_get(s)->from_cache);
    rg_snapshot_free(s);
    free(cp);
}

/* Every query over paths, for every node: on a forged cache they must stay
 * in bounds and end. */
static void walk_all_paths(const rg_snapshot *g)
{
    rg_paths *p = NULL;
    if (rg_paths_compute(g, NULL, &p) != RG_OK)
        return;
    uint32_t n = rg_node_count(g);
    rg_node *all = malloc((n ? n : 1) * sizeof *all);
    for (uint32_t v = 0; v < n; v++) {
        rg_edge e, *es;
        size_t ne;
        uint32_t r;
        rg_unreachable u = {.struct_size = sizeof u};
        all[v] = v;
        (void)rg_paths_parent(p, v, &e);
        (void)rg_paths_root(p, v, &r);
        (void)rg_paths_why_unreachable(p, v, &u);
        if (rg_paths_chain(p, v, &es, &ne) == RG_OK)
            rg_free(es);
        if (rg_paths_holder_chain(p, v, &es, &ne) == RG_OK)
            rg_free(es);
        if (rg_paths_cycle(p, v, &es, &ne) == RG_OK)
            rg_free(es);
    }
    rg_chain_group *gs;
    size_t ng;
    rg_node *members;
    if (rg_paths_group(p, all, n, sizeof(rg_chain_group), &gs, &ng, &members) == RG_OK) {
        rg_free(gs);
        rg_free(members);
    }
    free(all);
    rg_paths_free(p);
}

/* Every kind of path and of unreachability: a named chain, a node only an
 * internal edge reaches (the tiered rule), one behind a <type> edge and its
 * child (excluded, with a back edge that makes 5 and 6 a cycle too), a
 * two-node cycle and what it holds, a holder outside the heap, a self
 * cycle, and an object nothing explains (only a weak reference). */
static void write_forest_snapshot(const char *path)
{
    write_file(path,
               "{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1}\n"
               "{\"rec\":\"object\",\"id\":1,\"type\":\"module\",\"size\":1,\"rc\":1,"
               "\"refs\":[[2,\"attr\",\"a\"],[5,\"type\",\"\"],[12,\"weak\",\"\"]]}\n"
               "{\"rec\":\"object\",\"id\":2,\"type\":\"m.T\",\"size\":2,\"rc\":2,\"refs\":[[3,\"attr\",\"b\"]]}\n"
               "{\"rec\":\"object\",\"id\":3,\"type\":\"m.T\",\"size\":3,\"rc\":1,\"refs\":[[4,\"internal\",\"x\"]]}\n"
               "{\"rec\":\"object\",\"id\":4,\"type\":\"m.U\",\"size\":4,\"rc\":1}\n"
               "{\"rec\":\"object\",\"id\":5,\"type\":\"m.U\",\"size\":5,\"rc\":2,\"refs\":[[6,\"attr\",\"c\"]]}\n"
               "{\"rec\":\"object\",\"id\":6,\"type\":\"m.U\",\"size\":6,\"rc\":1,\"refs\":[[5,\"attr\",\"back\"]]}\n"
               "{\"rec\":\"object\",\"id\":7,\"type\":\"m.C\",\"size\":7,\"rc\":1,\"refs\":[[8,\"attr\",\"n\"],[9,\"attr\",\"held\"]]}\n"
               "{\"rec\":\"object\",\"id\":8,\"type\":\"m.C\",\"size\":8,\"rc\":1,\"refs\":[[7,\"attr\",\"n\"]]}\n"
               "{\"rec\":\"object\",\"id\":9,\"type\":\"m.U\",\"size\":9,\"rc\":1}\n"
               "{\"rec\":\"object\",\"id\":10,\"type\":\"m.X\",\"size\":10,\"rc\":3,\"refs\":[[11,\"index\",0]]}\n"
               "{\"rec\":\"object\",\"id\":11,\"type\":\"m.U\",\"size\":11,\"rc\":1}\n"
               "{\"rec\":\"object\",\"id\":12,\"type\":\"m.U\",\"size\":12,\"rc\":0}\n"
               "{\"rec\":\"object\",\"id\":13,\"type\":\"m.C\",\"size\":13,\"rc\":1,\"refs\":[[13,\"attr\",\"me\"]]}\n"
               "{\"rec\":\"root\",\"id\":1,\"kind\":\"module\",\"label\":\"m\"}\n");
}

static int same_edge(const rg_edge *a, const rg_edge *b)
{
    return a->from == b->from && a->to == b->to && a->kind == b->kind && a->label == b->label;
}

/* Paths on a cached snapshot against paths computed on a fresh load: every
 * accessor, every node. */
static void check_paths_equal(const rg_paths *c, const rg_paths *f, uint32_t n)
{
    for (rg_node v = 0; v < n; v++) {
        rg_edge a, b;
        uint32_t ra = 0, rb = 0;
        rg_unreachable ua = {.struct_size = sizeof ua}, ub = {.struct_size = sizeof ub};
        CHECK_EQ_U64(rg_paths_distance(c, v), rg_paths_distance(f, v));
        int pa = rg_paths_parent(c, v, &a), pb = rg_paths_parent(f, v, &b);
        CHECK(pa == pb);
        if (pa == RG_OK && pb == RG_OK)
            CHECK(same_edge(&a, &b));
        CHECK(rg_paths_root(c, v, &ra) == rg_paths_root(f, v, &rb));
        CHECK_EQ_U64(ra, rb);
        CHECK(rg_paths_why_unreachable(c, v, &ua) == RG_OK && rg_paths_why_unreachable(f, v, &ub) == RG_OK);
        CHECK(ua.kind == ub.kind && ua.holder == ub.holder && ua.hops == ub.hops &&
              ua.unexplained_refs == ub.unexplained_refs && ua.cycle_size == ub.cycle_size);
        rg_edge *ea = NULL, *eb = NULL;
        size_t na = 0, nb = 0;
        CHECK(rg_paths_cycle(c, v, &ea, &na) == rg_paths_cycle(f, v, &eb, &nb));
        CHECK_EQ_U64(na, nb);
        for (size_t i = 0; i < na && i < nb; i++)
            CHECK(same_edge(&ea[i], &eb[i]));
        rg_free(ea);
        rg_free(eb);
    }
    /* and the raw forest, byte for byte */
    CHECK(memcmp(c->dist, f->dist, n * sizeof *c->dist) == 0);
    CHECK(memcmp(c->parent, f->parent, n * sizeof *c->parent) == 0);
    CHECK(memcmp(c->pidx, f->pidx, n * sizeof *c->pidx) == 0);
    CHECK(memcmp(c->why, f->why, n) == 0);
    CHECK_EQ_U64(c->n_scc, f->n_scc);
    if (c->n_scc == f->n_scc)
        CHECK(memcmp(c->scc_size, f->scc_size, c->n_scc * sizeof *c->scc_size) == 0);
}

static void cached_path_forest_equals_a_fresh_computation(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/forest.jsonl", dir);
    write_forest_snapshot(snap);
    rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    rg_snapshot *first = open_with(snap, 0, dir);  /* writes the cache */
    rg_snapshot *c = open_with(snap, 0, dir);      /* reads it */
    CHECK(fresh && first && c);
    if (!fresh || !first || !c)
        goto out;
    CHECK(!rg_snapshot_info_get(first)->from_cache && rg_snapshot_info_get(c)->from_cache);
    rg_paths *pf = NULL, *pc = NULL, *pfirst = NULL;
    CHECK(rg_paths_compute(fresh, NULL, &pf) == RG_OK);
    CHECK(rg_paths_compute(first, NULL, &pfirst) == RG_OK);
    CHECK(rg_paths_compute(c, NULL, &pc) == RG_OK);
    CHECK(pf && !pf->borrowed && pfirst && !pfirst->borrowed);
    CHECK(pc && pc->borrowed);   /* the stored forest, not a new BFS */
    if (pf && pc)
        check_paths_equal(pc, pf, rg_node_count(fresh));
    /* the fixture has every classification */
    rg_node v;
    rg_unreachable u = {.struct_size = sizeof u};
    int kinds[RG_UNREACHABLE_UNEXPLAINED + 1] = {0};
    for (v = 0; pc && v < rg_node_count(c); v++)
        if (rg_paths_why_unreachable(pc, v, &u) == RG_OK)
            kinds[u.kind]++;
    for (int k = 0; k <= RG_UNREACHABLE_UNEXPLAINED; k++)
        CHECK(kinds[k] > 0);
    CHECK(rg_node_find(c, 4, &v) == RG_OK);
    CHECK_EQ_U64(rg_paths_distance(pc, v), 3); /* the internal edge, as a last resort */
    rg_paths_free(pf);
    rg_paths_free(pc);
    rg_paths_free(pfirst);
    /* other options compute, and agree with a fresh computation */
    rg_path_options o;
    rg_path_options_init(&o, RG_PATH_OPTIONS_VERSION);
    const char *labels[] = {".a"};
    o.ignore_labels = labels;
    o.n_ignore_labels = 1;
    pf = pc = NULL;
    CHECK(rg_paths_compute(fresh, &o, &pf) == RG_OK);
    CHECK(rg_paths_compute(c, &o, &pc) == RG_OK);
    CHECK(pc && !pc->borrowed);
    if (pf && pc)
        check_paths_equal(pc, pf, rg_node_count(fresh));
    CHECK(rg_node_find(c, 3, &v) == RG_OK);
    CHECK(rg_paths_why_unreachable(pc, v, &u) == RG_OK && u.kind == RG_UNREACHABLE_EXCLUDED);
    rg_paths_free(pf);
    rg_paths_free(pc);
    /* options spelled differently that select the default edges still lend */
    rg_path_options_init(&o, RG_PATH_OPTIONS_VERSION);
    const char *weak[] = {"<weak>", ".no_such_attribute"};
    o.ignore_labels = weak;
    o.n_ignore_labels = 2;
    pc = NULL;
    CHECK(rg_paths_compute(c, &o, &pc) == RG_OK);
    CHECK(pc && pc->borrowed);
    rg_paths_free(pc);
out:
    rg_snapshot_free(fresh);
    rg_snapshot_free(first);
    rg_snapshot_free(c);
}

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*size ? *size : 1);
    if (fread(buf, 1, *size, f) != *size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void write_whole(const char *path, const unsigned char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size);
    if (f)
        fclose(f);
}

/* Open snap from the cache and compute its default paths: whether the
 * stored forest was lent, with every answer checked against a fresh load. */
static int paths_lent(const char *snap, const rg_snapshot *fresh, const rg_paths *pf)
{
    rg_snapshot *c = open_with(snap, 0, dir);
    rg_paths *pc = NULL;
    CHECK(c && rg_snapshot_info_get(c)->from_cache);
    CHECK(c && rg_paths_compute(c, NULL, &pc) == RG_OK);
    int lent = pc && pc->borrowed;
    if (pc)
        check_paths_equal(pc, pf, rg_node_count(fresh));
    rg_paths_free(pc);
    rg_snapshot_free(c);
    return lent;
}

/* A stored forest made inconsistent and given valid checksums, damaged
 * without them, or belonging to another cache: never lent; the paths are
 * computed again and the blob replaced. */
static void forged_damaged_or_foreign_path_forest_is_never_lent(void)
{
    char snap[512], other[512];
    snprintf(snap, sizeof snap, "%s/forest-forged.jsonl", dir);
    snprintf(other, sizeof other, "%s/forest-other.jsonl", dir);
    write_forest_snapshot(snap);
    write_forest_snapshot(other);
    rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    rg_paths *pf = NULL;
    CHECK(fresh && rg_paths_compute(fresh, NULL, &pf) == RG_OK);
    if (!pf) {
        rg_snapshot_free(fresh);
        return;
    }
    /* the open that writes the cache, then the paths that write the blob */
    rg_snapshot *first = open_with(snap, 0, dir);
    rg_paths *p1 = NULL;
    CHECK(first && rg_paths_compute(first, NULL, &p1) == RG_OK && !p1->borrowed);
    rg_paths_free(p1);
    rg_snapshot_free(first);
    CHECK(paths_lent(snap, fresh, pf));
    char *cp = cache_file_of(snap);
    char *bp = rg_cache_blob_path(cp, "paths");
    size_t size = 0;
    unsigned char *orig = read_whole(bp, &size);
    CHECK(orig != NULL);
    uint32_t n = rg_node_count(fresh);
    /* after the blob's 64-byte header: n_nodes, n_scc, n_edges, then the arrays */
    size_t base = 64 + 16, o_dist = base, o_parent = base + 4 * n, o_pidx = base + 8 * n, o_scc = base + 12 * n;
    CHECK_EQ_U64(pf->n_scc, 2);
    CHECK_EQ_U64(size, o_scc + 4 * pf->n_scc + n);
    size_t o_why = o_scc + 4 * pf->n_scc;
    rg_node n2, n4, n5, n6, n7;
    CHECK(rg_node_find(fresh, 2, &n2) == RG_OK && rg_node_find(fresh, 4, &n4) == RG_OK &&
          rg_node_find(fresh, 5, &n5) == RG_OK && rg_node_find(fresh, 6, &n6) == RG_OK &&
          rg_node_find(fresh, 7, &n7) == RG_OK);
    for (int damage = 0; orig && size == o_why + n && damage < 8; damage++) {
        unsigned char *m = malloc(size);
        memcpy(m, orig, size);
        uint32_t *parent = (uint32_t *)(m + o_parent), *pidx = (uint32_t *)(m + o_pidx);
        uint32_t *dist = (uint32_t *)(m + o_dist), *scc = (uint32_t *)(m + o_scc);
        int fix = 1;
        switch (damage) {
        case 0: parent[n4] = n2; break;                  /* not one hop nearer a root */
        case 1: parent[n5] = n6, pidx[n5] = 0; break;    /* a holder walk that never ends */
        case 2: scc[0] += 1000000; break;                /* a cycle's size */
        case 3: m[o_why + n7] = RG_REACHABLE; break;     /* a cycle member called reachable */
        case 4: dist[n2] = 0; break;                     /* a node called a root */
        case 5: m[base] ^= 1; break;                     /* the node count */
        case 6: dist[n4] ^= 1, fix = 0; break;           /* a checksum mismatch */
        case 7: size--, fix = 0; break;                  /* truncated */
        }
        if (fix)
            rg_cache_blob_fix_checksums(m, size);
        write_whole(bp, m, size);
        if (damage == 7)
            size++;
        free(m);
        int lent = paths_lent(snap, fresh, pf);
        if (lent)
            fprintf(stderr, "forest damage %d lent\n", damage);
        CHECK(!lent);
        /* recomputed, and stored again whole */
        CHECK(paths_lent(snap, fresh, pf));
    }
    /* a blob of another cache (the same graph from another file) */
    rg_snapshot *o = open_with(other, 0, dir);
    rg_paths *po = NULL;
    CHECK(o && rg_paths_compute(o, NULL, &po) == RG_OK);
    rg_paths_free(po);
    rg_snapshot_free(o);
    char *ocp = cache_file_of(other);
    char *obp = rg_cache_blob_path(ocp, "paths");
    size_t osize = 0;
    unsigned char *ob = read_whole(obp, &osize);
    CHECK(ob != NULL);
    if (ob)
        write_whole(bp, ob, osize);
    CHECK(!paths_lent(snap, fresh, pf));
    CHECK(paths_lent(snap, fresh, pf));
    free(ob);
    free(ocp);
    free(obp);
    free(orig);
    free(cp);
    free(bp);
    rg_paths_free(pf);
    rg_snapshot_free(fresh);
}

/* Every byte of a cache image damaged in turn (every 97th, or every one
 * when `every`), its checksums recomputed so the damage reaches the
 * structural checks: they must reject it, or it must be harmless to
 * query. Returns how many were rejected. */
static int forge_each_byte(const unsigned char *orig, size_t size, size_t step)
{
    int rejected = 0;
    for (size_t at = 0; at < size; at += step) {
        void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(map != MAP_FAILED);
        memcpy(map, orig, size);
        ((unsigned char *)map)[at] ^= 0xff;
        rg_cache_fix_checksums(map, size);
        char *why = NULL;
        rg_snapshot *g = NULL;
        if (rg_cache_parse(map, size, NULL, 1ULL << 30, 1, &g, &why) == RG_OK) {
            /* accepted: then every query must stay in bounds */
            rg_type_stat *st;
            uint32_t n;
            if (rg_type_stats(g, RG_SORT_COUNT, sizeof(rg_type_stat), &st, &n) == RG_OK)
                rg_free(st);
            for (uint32_t v = 0; v < rg_node_count(g); v++) {
                rg_edge e;
                for (uint32_t i = 0; i < rg_referrer_count(g, v); i++)
                    rg_referrer_get(g, v, i, &e);
                (void)rg_node_repr(g, v);
                rg_node found;
                (void)rg_node_find(g, rg_node_id(g, v), &found);
            }
            walk_all_paths(g);
            rg_snapshot_free(g); /* unmaps */
        } else {
            rejected++;
            munmap(map, size);
        }
        free(why);
    }
    return rejected;
}

static void forged_checksums_are_caught_by_the_structural_checks(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/f.jsonl", dir);
    write_snapshot(snap, 6);
    rg_snapshot *s = open_with(snap, 0, dir);
    rg_snapshot_free(s);
    char *cp = cache_file_of(snap);
    size_t size = 0;
    unsigned char *orig = read_whole(cp, &size);
    CHECK(orig != NULL);
    if (orig)
        CHECK(forge_each_byte(orig, size, 97) > 0);
    free(orig);
    free(cp);
}

/* Write the cache of a fresh load of `snap` to `path` with the snapshot's
 * size set to `input_bytes` (which sets the cache's budget); its size. */
static size_t write_cache_budget(const char *snap, const char *path, uint64_t input_bytes)
{
    rg_snapshot *s = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    CHECK(s != NULL);
    if (!s)
        return 0;
    s->info.input_bytes = input_bytes;
    rg_cache_key key = {0};
    char *note = NULL;
    CHECK(rg_cache_write(s, path, &key, &note) == RG_OK);
    free(note);
    rg_snapshot_free(s);
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* A cache over its budget (the snapshot's size) stores narrow columns and
 * leaves out what is rebuilt on open; it reads back as the same graph, and
 * forged variants of it are refused or harmless as the raw ones are. */
static void cache_packed_to_fit_the_snapshot_size_gives_the_same_graph(void)
{
    char snap[512], raw[512], compact[512];
    snprintf(snap, sizeof snap, "%s/compact.jsonl", dir);
    snprintf(raw, sizeof raw, "%s/compact-raw.bin", dir);
    snprintf(compact, sizeof compact, "%s/compact-small.bin", dir);
    write_snapshot(snap, 3);
    size_t raw_size = write_cache_budget(snap, raw, UINT64_MAX / 2);
    size_t compact_size = write_cache_budget(snap, compact, 0);
    CHECK(raw_size > 0 && compact_size > 0);
    /* 500 nodes, 1000 edges: raw is over 30 bytes a node and 17 an edge;
     * narrow ids of two bytes or less, no reverse CSR, offsets or slots */
    CHECK(compact_size * 2 < raw_size);
    rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    const char *files[] = {raw, compact};
    for (int i = 0; i < 2 && fresh; i++) {
        size_t size = 0;
        unsigned char *img = read_whole(files[i], &size);
        CHECK(img != NULL);
        if (!img)
            continue;
        void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memcpy(map, img, size);
        rg_snapshot *g = NULL;
        char *why = NULL;
        CHECK(rg_cache_parse(map, size, NULL, 1ULL << 30, i ? 2 : 1, &g, &why) == RG_OK);
        if (g) {
            /* the size the budget was made of, as written */
            CHECK_EQ_U64(g->info.input_bytes, i ? 0 : UINT64_MAX / 2);
            g->info.input_bytes = fresh->info.input_bytes;
            const char *d = rg_graph_diff(g, fresh);
            if (d)
                fprintf(stderr, "%s differs from a fresh load in %s\n", files[i], d);
            CHECK(d == NULL);
            rg_node v;
            CHECK(rg_node_find(g, 1250, &v) == RG_OK);
            CHECK_STR(rg_node_repr(g, v), "'r250'");
            rg_snapshot_free(g);
        } else {
            munmap(map, size);
        }
        free(why);
        if (i == 1)
            CHECK(forge_each_byte(img, size, 7) > 0);
        free(img);
    }
    rg_snapshot_free(fresh);
}

/* A V8 snapshot keeps its narrow forms through the cache: ids rising but
 * for a tail (which alone is in the id map), ids and sizes in 32 bits or
 * (variant 1) beyond, lengths, reprs and names packed, no refcounts and no reverse edge indices (with
 * weak and repeated edges, whose kinds the referrers must still give). */
static void write_v8_snapshot(const char *path, int variant)
{
    enum { N = 300, TAIL = 250 };
    char *buf = malloc(1 << 20);
    size_t n = 0;
    n += (size_t)sprintf(buf + n,
                         "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                         "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\","
                         "\"number\",\"native\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
                         "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
                         "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\","
                         "\"weak\"],\"string_or_number\",\"node\"]}},\"nodes\":[");
    int edges[N];
    for (int i = 0; i < N; i++) {
        edges[i] = i == 0 ? 5 : 2 + (i % 3 == 0) + (i % 5 == 0);
        unsigned long long id = i < TAIL ? 1 + 2ull * (unsigned)i
                                         : (variant ? 5000000000ull : 1000000ull) - (unsigned)i;
        unsigned long long size = variant && i == 7 ? 5000000000ull : 10ull + (unsigned)i;
        int type = i == 0 ? 9 : i % 7 == 1 ? 2 : i % 7 == 2 ? 5 : 3; /* strings have reprs, closures names */
        n += (size_t)sprintf(buf + n, "%s%d,%d,%llu,%llu,%d", i ? "," : "", type, i ? 1 : 0, id, size, edges[i]);
    }
    n += (size_t)sprintf(buf + n, "],\"edges\":[");
    const char *sep = "";
    for (int i = 0; i < N; i++) {
        if (i == 0) {
            for (int k = 1; k <= 5; k++, sep = ",")
                n += (size_t)sprintf(buf + n, "%s1,%d,%d", sep, k, k * 5);
            continue;
        }
        int t = (i * 7) % N;
        n += (size_t)sprintf(buf + n, "%s2,2,%d,6,2,%d", sep, t * 5, ((i * 11) % N) * 5);
        sep = ",";
        if (i % 3 == 0) /* a second edge to the same target */
            n += (size_t)sprintf(buf + n, ",2,3,%d", t * 5);
        if (i % 5 == 0)
            n += (size_t)sprintf(buf + n, ",1,0,%d", ((i + 1) % N) * 5);
    }
    n += (size_t)sprintf(buf + n, "],\"strings\":[\"\",\"Thing\",\"x\",\"y\"]}");
    buf[n] = '\0';
    write_file(path, buf);
    free(buf);
}

/* c (from a cache) is the graph `fresh` is, through the accessors too. */
static void check_v8_same(const rg_snapshot *c, const rg_snapshot *fresh)
{
    const char *d = rg_graph_diff(c, fresh);
    if (d)
        fprintf(stderr, "v8 cache differs from a fresh load in %s\n", d);
    CHECK(d == NULL);
    for (rg_node v = 0; v < rg_node_count(fresh); v++) {
        rg_node a = RG_NODE_NONE, b = RG_NODE_NONE;
        CHECK(rg_node_find(fresh, rg_node_id(fresh, v), &a) == RG_OK && a == v);
        CHECK(rg_node_find(c, rg_node_id(fresh, v), &b) == RG_OK && b == v);
        CHECK_EQ_U64(rg_referrer_count(c, v), rg_referrer_count(fresh, v));
        for (uint32_t i = 0; i < rg_referrer_count(fresh, v); i++) {
            rg_edge x, y;
            rg_referrer_get(fresh, v, i, &x);
            rg_referrer_get(c, v, i, &y);
            CHECK(x.from == y.from && x.kind == y.kind && x.label == y.label);
        }
    }
    rg_dominators *dc = NULL, *df = NULL;
    CHECK(rg_dominators_compute(c, &dc) == RG_OK && rg_dominators_compute(fresh, &df) == RG_OK);
    for (rg_node v = 0; dc && df && v < rg_node_count(fresh); v++) {
        CHECK_EQ_U64(rg_dominators_idom(dc, v), rg_dominators_idom(df, v));
        CHECK_EQ_U64(rg_dominators_retained(dc, v), rg_dominators_retained(df, v));
    }
    rg_dominators_free(dc);
    rg_dominators_free(df);
    rg_node none;
    CHECK(rg_node_find(c, 2, &none) == RG_ENOTFOUND);
    CHECK(rg_node_find(c, 999999999999ull, &none) == RG_ENOTFOUND);
}

static void v8_graph_keeps_its_narrow_forms_through_the_cache(void)
{
    for (int variant = 0; variant < 2; variant++) {
        char snap[512], img_path[512];
        snprintf(snap, sizeof snap, "%s/narrow-%d.heapsnapshot", dir, variant);
        write_v8_snapshot(snap, variant);
        rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
        rg_snapshot *first = open_with(snap, 0, dir), *c = open_with(snap, 0, dir);
        CHECK(fresh && first && c);
        if (!fresh || !c) {
            rg_snapshot_free(fresh);
            rg_snapshot_free(first);
            rg_snapshot_free(c);
            continue;
        }
        CHECK(rg_snapshot_info_get(c)->from_cache);
        CHECK(fresh->rev_edge == NULL && fresh->node_rc == NULL && fresh->node_len == NULL);
        CHECK(fresh->len_packed.bits && fresh->repr_packed.bits && fresh->name_packed.bits);
        CHECK(!fresh->node_repr && !fresh->node_name);
        rg_node str, fn;
        CHECK(rg_node_find(fresh, 3, &str) == RG_OK && rg_node_find(fresh, 5, &fn) == RG_OK);
        CHECK_STR(rg_node_repr(fresh, str), "Thing");
        CHECK_STR(rg_node_name(fresh, str), "");
        CHECK_STR(rg_node_name(fresh, fn), "Thing");
        CHECK_STR(rg_node_repr(fresh, fn), "");
        CHECK_EQ_U64(fresh->ids_sorted_end, 251); /* the tail's first id still rises */
        CHECK(variant ? fresh->node_id != NULL : fresh->node_id32 != NULL);
        CHECK(variant ? fresh->node_size != NULL : fresh->node_size32 != NULL);
        rg_node big;
        CHECK(rg_node_find(fresh, 1 + 2 * 7, &big) == RG_OK &&
              rg_node_size(fresh, big) == (variant ? 5000000000ull : 17));
        rg_node arr;
        CHECK(rg_node_find(fresh, 1 + 2 * 5, &arr) == RG_OK && rg_node_length(fresh, arr) == 1);
        CHECK(rg_node_find(fresh, 1 + 2 * 7, &arr) == RG_OK && rg_node_length(fresh, arr) == -1);
        check_v8_same(c, fresh);
        /* raw (the reverse CSR stored, without edge indices) and compact
         * (rebuilt); forged bytes in either are refused or harmless */
        for (int raw = 0; raw < 2; raw++) {
            snprintf(img_path, sizeof img_path, "%s/narrow-%d-%d.bin", dir, variant, raw);
            CHECK(write_cache_budget(snap, img_path, raw ? UINT64_MAX / 2 : 0) > 0);
            size_t size = 0;
            unsigned char *img = read_whole(img_path, &size);
            CHECK(img != NULL);
            if (!img)
                continue;
            void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            memcpy(map, img, size);
            rg_snapshot *g = NULL;
            char *why = NULL;
            CHECK(rg_cache_parse(map, size, NULL, 1ULL << 30, 2, &g, &why) == RG_OK);
            if (g) {
                g->info.input_bytes = fresh->info.input_bytes;
                check_v8_same(g, fresh);
                rg_snapshot_free(g);
            } else {
                munmap(map, size);
            }
            free(why);
            CHECK(forge_each_byte(img, size, 5) > 0);
            free(img);
        }
        rg_snapshot_free(fresh);
        rg_snapshot_free(first);
        rg_snapshot_free(c);
    }
}

int main(int argc, char **argv)
{
    TEST_MAIN_BEGIN(argc, argv);
    snprintf(dir, sizeof dir, "%s/rgcache-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(second_open_maps_the_cache_the_first_wrote_and_gives_the_same_graph);
    RUN(damaged_or_truncated_cache_is_noted_and_rebuilt_never_trusted);
    RUN(cache_of_another_snapshot_or_an_older_source_is_ignored);
    RUN(unwritable_cache_dir_is_a_note_and_no_cache_flag_reads_and_writes_none);
    RUN(forged_checksums_are_caught_by_the_structural_checks);
    RUN(cache_packed_to_fit_the_snapshot_size_gives_the_same_graph);
    RUN(cached_path_forest_equals_a_fresh_computation);
    RUN(forged_damaged_or_foreign_path_forest_is_never_lent);
    RUN(v8_graph_keeps_its_narrow_forms_through_the_cache);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_MAIN_END();
}
