/* test_cache.c: the index cache gives the graph a fresh load gives, and a
 * stale, foreign, truncated or corrupt cache is noticed, noted and rebuilt,
 * never trusted. */
#include "graph_equal.h"
#include "harness.h"
#include "analyze/paths_impl.h"
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
    rg_open_options o = {.flags = flags, .cache_dir = cache_dir};
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
        CHECK(rg_type_stats(c, RG_SORT_SIZE, &a, &na) == RG_OK);
        CHECK(rg_type_stats(fresh, RG_SORT_SIZE, &b, &nb) == RG_OK);
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

static void test_roundtrip(void)
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

static void test_corruption_rebuilds(void)
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

static void test_foreign_and_stale(void)
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

static void test_unwritable_and_off(void)
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
        rg_unreachable u;
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
    if (rg_paths_group(p, all, n, &gs, &ng, &members) == RG_OK) {
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
        rg_unreachable ua, ub;
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

static void test_forest_roundtrip(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/forest.jsonl", dir);
    write_forest_snapshot(snap);
    rg_snapshot *fresh = open_with(snap, RG_OPEN_NO_CACHE, NULL);
    rg_snapshot *first = open_with(snap, 0, dir);  /* writes the cache */
    rg_snapshot *c = open_with(snap, 0, dir);      /* maps it */
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
    rg_unreachable u;
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
    rg_path_options_init(&o);
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
    rg_path_options_init(&o);
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

/* A forest made inconsistent and given valid checksums: refused. */
static void test_forest_forged(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/forest-forged.jsonl", dir);
    write_forest_snapshot(snap);
    rg_snapshot_free(open_with(snap, 0, dir));
    char *cp = cache_file_of(snap);
    FILE *f = fopen(cp, "rb");
    CHECK(f != NULL);
    if (!f) {
        free(cp);
        return;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *orig = malloc(size);
    CHECK(fread(orig, 1, size, f) == size);
    fclose(f);
    /* where the forest lies, from a good parse of a private copy */
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(map, orig, size);
    rg_snapshot *g = NULL;
    char *why = NULL;
    CHECK(rg_cache_parse(map, size, NULL, 1ULL << 30, 1, &g, &why) == RG_OK);
    if (!g) {
        munmap(map, size);
        free(orig);
        free(cp);
        return;
    }
    size_t o_dist = (size_t)((const unsigned char *)g->forest.dist - (unsigned char *)map);
    size_t o_parent = (size_t)((const unsigned char *)g->forest.parent - (unsigned char *)map);
    size_t o_pidx = (size_t)((const unsigned char *)g->forest.pidx - (unsigned char *)map);
    size_t o_why = (size_t)((const unsigned char *)g->forest.why - (unsigned char *)map);
    size_t o_scc = (size_t)((const unsigned char *)g->forest.scc_size - (unsigned char *)map);
    rg_node n2, n4, n5, n6, n7;
    CHECK(rg_node_find(g, 2, &n2) == RG_OK && rg_node_find(g, 4, &n4) == RG_OK &&
          rg_node_find(g, 5, &n5) == RG_OK && rg_node_find(g, 6, &n6) == RG_OK && rg_node_find(g, 7, &n7) == RG_OK);
    CHECK_EQ_U64(g->forest.n_scc, 2);
    rg_snapshot_free(g);
    for (int damage = 0; damage < 5; damage++) {
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char *m = map;
        memcpy(m, orig, size);
        uint32_t *parent = (uint32_t *)(m + o_parent), *pidx = (uint32_t *)(m + o_pidx);
        uint32_t *dist = (uint32_t *)(m + o_dist), *scc = (uint32_t *)(m + o_scc);
        switch (damage) {
        case 0: parent[n4] = n2; break;                  /* not one hop nearer a root */
        case 1: parent[n5] = n6, pidx[n5] = 0; break;    /* a holder walk that never ends */
        case 2: scc[0] += 1000000; break;                /* a cycle's size */
        case 3: m[o_why + n7] = RG_REACHABLE; break;     /* a cycle member called reachable */
        case 4: dist[n2] = 0; break;                     /* a node called a root */
        }
        rg_cache_fix_checksums(map, size);
        why = NULL;
        g = NULL;
        int rc = rg_cache_parse(map, size, NULL, 1ULL << 30, 1, &g, &why);
        if (rc != RG_EFORMAT)
            fprintf(stderr, "forest damage %d accepted\n", damage);
        CHECK(rc == RG_EFORMAT);
        if (why)
            CHECK_CONTAINS(why, "path forest");
        free(why);
        if (g)
            rg_snapshot_free(g);
        else
            munmap(map, size);
    }
    /* and through the loader: a damaged forest is a note and a rebuild */
    unsigned char *bad = malloc(size);
    memcpy(bad, orig, size);
    bad[o_dist + 4 * n4] ^= 0x01;
    f = fopen(cp, "wb");
    CHECK(f && fwrite(bad, 1, size, f) == size);
    if (f)
        fclose(f);
    free(bad);
    rg_snapshot *s = open_with(snap, 0, dir);
    CHECK(s && !rg_snapshot_info_get(s)->from_cache);
    if (s)
        CHECK_CONTAINS(rg_snapshot_info_get(s)->cache_note, "rebuilt");
    rg_snapshot_free(s);
    s = open_with(snap, 0, dir);
    CHECK(s && rg_snapshot_info_get(s)->from_cache);
    rg_snapshot_free(s);
    free(orig);
    free(cp);
}

/* A cache whose checksums were recomputed after damage reaches the
 * structural checks: they must reject it (or it must be harmless). */
static void test_forged_checksums(void)
{
    char snap[512];
    snprintf(snap, sizeof snap, "%s/f.jsonl", dir);
    write_snapshot(snap, 6);
    rg_snapshot *s = open_with(snap, 0, dir);
    rg_snapshot_free(s);
    char *cp = cache_file_of(snap);
    FILE *f = fopen(cp, "rb");
    CHECK(f != NULL);
    if (!f) {
        free(cp);
        return;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *orig = malloc(size);
    CHECK(fread(orig, 1, size, f) == size);
    fclose(f);
    int rejected = 0;
    for (size_t at = 0; at < size; at += 97) {
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
            if (rg_type_stats(g, RG_SORT_COUNT, &st, &n) == RG_OK)
                rg_free(st);
            for (uint32_t v = 0; v < rg_node_count(g); v++) {
                rg_edge e;
                for (uint32_t i = 0; i < rg_referrer_count(g, v); i++)
                    rg_referrer_get(g, v, i, &e);
                (void)rg_node_repr(g, v);
            }
            walk_all_paths(g); /* the stored forest, lent to rg_paths */
            rg_snapshot_free(g); /* unmaps */
        } else {
            rejected++;
            munmap(map, size);
        }
        free(why);
    }
    CHECK(rejected > 0);
    free(orig);
    free(cp);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/rgcache-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_roundtrip);
    RUN(test_corruption_rebuilds);
    RUN(test_foreign_and_stale);
    RUN(test_unwritable_and_off);
    RUN(test_forged_checksums);
    RUN(test_forest_roundtrip);
    RUN(test_forest_forged);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_MAIN_END();
}
