/* test_cache.c: the index cache gives the graph a fresh load gives, and a
 * stale, foreign, truncated or corrupt cache is noticed, noted and rebuilt,
 * never trusted. */
#include "graph_equal.h"
#include "harness.h"
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
    return rg_cache_path(snap, dir);
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
        CHECK_STR(rg_snapshot_get_info(c)->path, snap);
        from = rg_snapshot_get_info(c)->from_cache;
        if (want_note)
            CHECK_CONTAINS(rg_snapshot_get_info(c)->cache_note, want_note);
        else
            CHECK_STR(rg_snapshot_get_info(c)->cache_note, "");
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
    CHECK(s && rg_snapshot_get_info(s)->from_cache);
    if (s) {
        const rg_snapshot_info *i = rg_snapshot_get_info(s);
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
        CHECK_CONTAINS(rg_snapshot_get_info(s)->cache_note, "not written");
        CHECK(!rg_snapshot_get_info(s)->from_cache);
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
    CHECK(s && !rg_snapshot_get_info(s)->from_cache);
    rg_snapshot_free(s);
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
                    rg_referrer(g, v, i, &e);
                (void)rg_node_repr(g, v);
            }
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
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_MAIN_END();
}
