/* cache.c: the index cache: a finished graph written to one binary file
 * that a later open memory-maps instead of parsing the snapshot again
 * (Eclipse MAT keeps its index files the same way).
 *
 * Layout (all integers little-endian, as written by this machine; a cache
 * from a machine of the other byte order is "foreign" and ignored):
 *
 *   header       struct cache_header: magic, version, byte-order mark, the
 *                identity of the source (size, mtime, a hash of sampled
 *                blocks, and ctime, inode and device, which an edit in
 *                place that restores size and mtime still changes), the
 *                id map's hash key, counts, the info fields, and a table of sections
 *   sections     each array of struct rg_snapshot, 64-byte aligned, each
 *                with its own checksum; then the retention paths under
 *                default options (the "path forest": dist, parent, pidx,
 *                why per node, and the size of each unreachable cycle),
 *                computed once here so that `refgraph chain` on a cached
 *                snapshot reads them instead of running the BFS again
 *
 * Opening checks, in order: magic and version, byte order, the source's
 * identity, the header checksum, every section's checksum, and then the
 * structure itself (offsets monotonic, every node, edge, type and string
 * index in range), so that even a cache forged with valid checksums cannot
 * make a query read out of bounds or loop: the forest is checked to be a
 * forest (every parent one hop nearer a root, every holder walk ending).
 * Anything wrong gives a note and a rebuild, never a wrong answer. */
#include "analyze/paths_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "RGCACHE"
#define CACHE_VERSION 3u   /* 2: the path forest; 3: ctime, inode and device of the source, id map key */
#define CACHE_BOM 0x01020304u
#define ALIGN 64u

enum section {
    S_NODE_ID, S_NODE_TYPE, S_NODE_SIZE, S_NODE_LEN, S_NODE_RC, S_NODE_REPR, S_NODE_NAME,
    S_NODE_FLAGS, S_FWD_OFF, S_FWD_DST, S_FWD_KIND, S_FWD_LABEL, S_REV_OFF, S_REV_SRC, S_REV_EDGE,
    S_TYPE_NAME, S_ROOT_NODE, S_ROOT_KIND, S_ROOT_LABEL, S_STR_OFFSETS, S_STR_ARENA, S_ID_SLOTS,
    S_PATH_DIST, S_PATH_PARENT, S_PATH_PIDX, S_PATH_WHY, S_PATH_SCC_SIZE,
    S_INFO_STRINGS, S_COUNT   /* S_INFO_STRINGS stays last: it ends the file */
};

typedef struct cache_section {
    uint64_t offset, size, checksum;
} cache_section;

typedef struct cache_header {
    char magic[8];
    uint32_t version, bom, header_size, n_sections;
    uint64_t file_size;
    /* the source this graph was built from */
    uint64_t src_size, src_sample;
    int64_t src_mtime_ns;
    int64_t src_ctime_ns;
    uint64_t src_ino, src_dev;
    uint64_t longest_line;
    uint64_t id_k0, id_k1;   /* the id map's hash key (internal.h) */
    /* counts */
    uint64_t n_nodes, n_edges, n_types, n_roots, n_strings, arena_len, id_mask, id_used;
    uint64_t n_scc;  /* unreachable cycles in the path forest */
    /* info */
    uint64_t objects, edges, roots, total_bytes, input_bytes, skipped, dangling_refs, dangling_roots;
    int64_t pid, seq, format_version;
    double time;
    /* offsets of NUL-terminated strings inside S_INFO_STRINGS */
    uint64_t str_format, str_compression, str_producer, str_runtime;
    cache_section sections[S_COUNT];
    uint64_t header_checksum;   /* of every byte above */
} cache_header;

/* ------------------------------------------------------------ checksum */

/* A 64-bit hash with four independent lanes (the structure of XXH64), so it
 * runs at memory speed: the whole cache is checked on every open. */
static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t lane(uint64_t acc, uint64_t w) { return rotl(acc + w * P2, 31) * P1; }

static uint64_t checksum(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t a = seed + P1 + P2, b = seed + P2, c = seed, d = seed - P1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        a = lane(a, w[0]);
        b = lane(b, w[1]);
        c = lane(c, w[2]);
        d = lane(d, w[3]);
    }
    uint64_t h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + (uint64_t)n;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = rotl(h ^ lane(0, w), 27) * P1 + P3;
    }
    for (; i < n; i++)
        h = rotl(h ^ (p[i] * P3), 11) * P1;
    return rg_hash64(h);
}

/* ------------------------------------------------------------ identity */

int rg_cache_key_of(const char *path, rg_cache_key *key)
{
    /* Only a regular file has an identity to key on. A FIFO (a snapshot
     * streamed from another process) must not even be opened here: an
     * open and close would end the writer's stream before the reader
     * opens it. O_NONBLOCK keeps the open after the check from waiting if
     * the path was swapped for a FIFO in between. */
    struct stat pst;
    if (stat(path, &pst) != 0 || !S_ISREG(pst.st_mode))
        return rg_fail(RG_EIO, "%s: not a regular file", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return rg_fail(RG_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rg_fail(RG_EIO, "%s: not a regular file", path);
    }
    key->size = (uint64_t)st.st_size;
    key->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    key->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    key->ino = (uint64_t)st.st_ino;
    key->dev = (uint64_t)st.st_dev;
    /* A hash of 18 blocks spread over the file: the first and last 64 KiB
     * and 16 of 4 KiB between. Size and mtime catch edits; the sample
     * catches a copy of another snapshot that kept both. */
    unsigned char *buf = rg_xmalloc(65536, 1);
    if (!buf) {
        close(fd);
        return RG_ENOMEM;
    }
    uint64_t h = key->size;
    uint64_t offs[18];
    size_t lens[18];
    int n = 0;
    offs[n] = 0, lens[n++] = 65536;
    for (int i = 1; i <= 16; i++)
        offs[n] = key->size / 17 * (uint64_t)i, lens[n++] = 4096;
    offs[n] = key->size > 65536 ? key->size - 65536 : 0, lens[n++] = 65536;
    for (int i = 0; i < n; i++) {
        ssize_t got = pread(fd, buf, lens[i], (off_t)offs[i]);
        if (got < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return rg_fail(RG_EIO, "%s: read error: %s", path, strerror(e));
        }
        h = checksum(buf, (size_t)got, h);
    }
    close(fd);
    free(buf);
    key->sample = h;
    return RG_OK;
}

char *rg_cache_path(const char *path, const char *cache_dir, const rg_cache_key *key)
{
    /* In a shared directory the name must tell snapshots apart: the base
     * name for people, a hash of the absolute path and the file's identity
     * for uniqueness. */
    char *abs = realpath(path, NULL);
    const char *full = abs ? abs : path;
    const char *base = strrchr(full, '/');
    base = base ? base + 1 : full;
    uint64_t h = checksum(full, strlen(full), 0);
    h = checksum(&key->dev, sizeof key->dev, h);
    h = checksum(&key->ino, sizeof key->ino, h);
    size_t n = strlen(cache_dir) + strlen(base) + 40;
    char *out = rg_xmalloc(n, 1);
    if (out)
        snprintf(out, n, "%s/%s.%016llx.rgcache", cache_dir, base, (unsigned long long)h);
    rg_libc_free(abs); /* realpath's, from the C library */
    return out;
}

/* ------------------------------------------------------------ writing */

typedef struct plan {
    const void *data[S_COUNT];
    uint64_t size[S_COUNT];
} plan;

static void make_plan(const rg_snapshot *s, const rg_paths *paths, const char *info_strings, size_t info_len,
                      plan *p)
{
    uint64_t n = s->n_nodes, e = s->n_edges;
#define SEC(id, ptr, count) (p->data[id] = (ptr), p->size[id] = (uint64_t)(count) * sizeof *(ptr))
    SEC(S_NODE_ID, s->node_id, n);
    SEC(S_NODE_TYPE, s->node_type, n);
    SEC(S_NODE_SIZE, s->node_size, n);
    SEC(S_NODE_LEN, s->node_len, n);
    SEC(S_NODE_RC, s->node_rc, n);
    SEC(S_NODE_REPR, s->node_repr, n);
    SEC(S_NODE_NAME, s->node_name, n);
    SEC(S_NODE_FLAGS, s->node_flags, n);
    SEC(S_FWD_OFF, s->fwd_off, n + 1);
    SEC(S_FWD_DST, s->fwd_dst, e);
    SEC(S_FWD_KIND, s->fwd_kind, e);
    SEC(S_FWD_LABEL, s->fwd_label, e);
    SEC(S_REV_OFF, s->rev_off, n + 1);
    SEC(S_REV_SRC, s->rev_src, e);
    SEC(S_REV_EDGE, s->rev_edge, e);
    SEC(S_TYPE_NAME, s->type_name, s->n_types);
    SEC(S_ROOT_NODE, s->root_node, s->n_roots);
    SEC(S_ROOT_KIND, s->root_kind, s->n_roots);
    SEC(S_ROOT_LABEL, s->root_label, s->n_roots);
    SEC(S_STR_OFFSETS, s->strings.offsets, s->strings.count);
    SEC(S_STR_ARENA, s->strings.arena, s->strings.arena_len);
    SEC(S_ID_SLOTS, s->ids.slots, s->ids.mask + 1);
    SEC(S_PATH_DIST, paths->dist, n);
    SEC(S_PATH_PARENT, paths->parent, n);
    SEC(S_PATH_PIDX, paths->pidx, n);
    SEC(S_PATH_WHY, paths->why, n);
    SEC(S_PATH_SCC_SIZE, paths->scc_size, paths->n_scc);
    SEC(S_INFO_STRINGS, info_strings, info_len);
#undef SEC
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

char *rg_cache_note(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return rg_xstrndup(buf, strlen(buf));
}

int rg_cache_write(const rg_snapshot *s, const char *cache_path, const rg_cache_key *key, char **note)
{
    const rg_snapshot_info *i = &s->info;
    /* the info strings, NUL-separated */
    size_t lf = strlen(i->format) + 1, lc = strlen(i->compression) + 1, lp = strlen(i->producer) + 1,
           lr = strlen(i->runtime) + 1;
    char *info = rg_xmalloc(lf + lc + lp + lr, 1);
    if (!info) {
        *note = rg_cache_note("index cache %s not written: out of memory", cache_path);
        return RG_ENOMEM;
    }
    memcpy(info, i->format, lf);
    memcpy(info + lf, i->compression, lc);
    memcpy(info + lf + lc, i->producer, lp);
    memcpy(info + lf + lc + lp, i->runtime, lr);
    /* The forest under default options: what every plain `refgraph chain`
     * asks for. Costs one BFS now, saves one on every later open. */
    rg_paths *paths = NULL;
    int prc = rg_paths_compute(s, NULL, &paths);
    if (prc != RG_OK) {
        free(info);
        *note = rg_cache_note("index cache %s not written: retention paths: %s", cache_path, rg_last_error());
        return prc;
    }

    plan p;
    make_plan(s, paths, info, lf + lc + lp + lr, &p);
    cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CACHE_MAGIC, sizeof CACHE_MAGIC);
    h.version = CACHE_VERSION;
    h.bom = CACHE_BOM;
    h.header_size = sizeof h;
    h.n_sections = S_COUNT;
    h.src_size = key->size;
    h.src_mtime_ns = key->mtime_ns;
    h.src_sample = key->sample;
    h.src_ctime_ns = key->ctime_ns;
    h.src_ino = key->ino;
    h.src_dev = key->dev;
    h.id_k0 = s->ids.k0;
    h.id_k1 = s->ids.k1;
    h.longest_line = s->longest_line;
    h.n_nodes = s->n_nodes;
    h.n_edges = s->n_edges;
    h.n_types = s->n_types;
    h.n_roots = s->n_roots;
    h.n_strings = s->strings.count;
    h.arena_len = s->strings.arena_len;
    h.id_mask = s->ids.mask;
    h.id_used = s->ids.used;
    h.n_scc = paths->n_scc;
    h.objects = i->objects;
    h.edges = i->edges;
    h.roots = i->roots;
    h.total_bytes = i->total_bytes;
    h.input_bytes = i->input_bytes;
    h.skipped = i->skipped_records;
    h.dangling_refs = i->dangling_refs;
    h.dangling_roots = i->dangling_roots;
    h.pid = i->pid;
    h.seq = i->seq;
    h.format_version = i->format_version;
    h.time = i->time;
    h.str_format = 0;
    h.str_compression = lf;
    h.str_producer = lf + lc;
    h.str_runtime = lf + lc + lp;
    uint64_t at = (sizeof h + ALIGN - 1) / ALIGN * ALIGN;
    for (int k = 0; k < S_COUNT; k++) {
        h.sections[k].offset = at;
        h.sections[k].size = p.size[k];
        h.sections[k].checksum = checksum(p.data[k], (size_t)p.size[k], (uint64_t)k);
        at = (at + p.size[k] + ALIGN - 1) / ALIGN * ALIGN;
    }
    h.file_size = h.sections[S_COUNT - 1].offset + h.sections[S_COUNT - 1].size;
    h.header_checksum = checksum(&h, offsetof(cache_header, header_checksum), 0);

    /* Write a temporary file and rename it into place, so a reader never
     * sees half a cache and two writers never mix their bytes. */
    size_t tn = strlen(cache_path) + 48;
    char *tmp = rg_xmalloc(tn, 1);
    if (!tmp) {
        free(info);
        rg_paths_free(paths);
        *note = rg_cache_note("index cache %s not written: out of memory", cache_path);
        return RG_ENOMEM;
    }
    snprintf(tmp, tn, "%s.tmp-%ld-%p", cache_path, (long)getpid(), (const void *)&h);
    /* 0600: a cache holds the snapshot's strings (reprs can be secrets). */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = RG_OK;
    if (fd < 0) {
        *note = rg_cache_note("index cache %s not written: %s", cache_path, strerror(errno));
        free(tmp);
        free(info);
        rg_paths_free(paths);
        return RG_EIO;
    }
    static const char zeros[ALIGN];
    uint64_t pos = 0;
    if (write_all(fd, &h, sizeof h))
        rc = RG_EIO;
    pos = sizeof h;
    for (int k = 0; k < S_COUNT && rc == RG_OK; k++) {
        uint64_t pad = h.sections[k].offset - pos;
        if (write_all(fd, zeros, (size_t)pad) || write_all(fd, p.data[k], (size_t)p.size[k]))
            rc = RG_EIO;
        pos = h.sections[k].offset + p.size[k];
    }
    int err = errno;
    if (close(fd) != 0 && rc == RG_OK) {
        rc = RG_EIO;
        err = errno;
    }
    if (rc == RG_OK && rename(tmp, cache_path) != 0) {
        rc = RG_EIO;
        err = errno;
    }
    if (rc != RG_OK) {
        unlink(tmp);
        *note = rg_cache_note("index cache %s not written: %s", cache_path, strerror(err));
    }
    free(tmp);
    free(info);
    rg_paths_free(paths);
    return rc;
}

/* ------------------------------------------------------------ reading */

typedef struct verify_job {
    const unsigned char *base;
    const cache_header *h;
    int first, step;
    int bad;  /* section index + 1 of a mismatch */
} verify_job;

static void *verify_sections(void *arg)
{
    verify_job *j = arg;
    for (int k = j->first; k < S_COUNT; k += j->step) {
        const cache_section *sec = &j->h->sections[k];
        if (checksum(j->base + sec->offset, (size_t)sec->size, (uint64_t)k) != sec->checksum) {
            j->bad = k + 1;
            return NULL;
        }
    }
    return NULL;
}

/* Every index of the graph in range: what makes a checksummed-but-forged
 * cache harmless. Written as branch-free reductions over each array so the
 * compiler vectorises them: this pass reads most of the file. */
static uint32_t max32(const uint32_t *a, uint64_t n)
{
    uint32_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        m = a[i] > m ? a[i] : m;
    return m;
}

static int increasing(const uint64_t *a, uint64_t n)
{
    unsigned bad = 0;
    for (uint64_t i = 0; i + 1 < n; i++)
        bad |= a[i] > a[i + 1];
    return !bad;
}

static const char *check_structure(const rg_snapshot *s, const cache_header *h)
{
    uint64_t n = s->n_nodes, e = s->n_edges;
    uint32_t strings = s->strings.count;
    if (s->fwd_off[0] != 0 || s->fwd_off[n] != e || s->rev_off[0] != 0 || s->rev_off[n] != e ||
        !increasing(s->fwd_off, n + 1) || !increasing(s->rev_off, n + 1))
        return "edge offsets";
    if (n && max32(s->node_type, n) >= s->n_types)
        return "node types";
    if (n && (max32(s->node_repr, n) >= strings || max32(s->node_name, n) >= strings))
        return "node strings";
    if (e && (max32(s->fwd_dst, e) >= n || max32(s->rev_src, e) >= n || max32(s->rev_edge, e) >= e))
        return "edges";
    unsigned bad = 0;
    for (uint64_t k = 0; k < e; k++)
        bad |= (s->fwd_kind[k] >= RG_EDGE_KIND_COUNT) |
               ((s->fwd_kind[k] != RG_EDGE_INDEX) & (s->fwd_label[k] >= strings));
    if (bad)
        return "edge labels";
    if (s->n_types && max32(s->type_name, s->n_types) >= strings)
        return "type names";
    for (uint32_t r = 0; r < s->n_roots; r++)
        if (s->root_node[r] >= n || s->root_kind[r] >= RG_ROOT_KIND_COUNT || s->root_label[r] >= strings)
            return "roots";
    /* strings: increasing offsets inside the arena, which ends in a NUL */
    if (strings == 0 || s->strings.arena_len == 0 || s->strings.arena[s->strings.arena_len - 1] != '\0' ||
        s->strings.offsets[0] != 0 || s->strings.offsets[strings - 1] >= s->strings.arena_len)
        return "strings";
    bad = 0;
    for (uint32_t k = 1; k < strings; k++)
        bad |= s->strings.offsets[k] <= s->strings.offsets[k - 1];
    if (bad)
        return "strings";
    /* id map: every slot empty or a node, and at least one empty slot so
     * every probe ends */
    uint64_t used = 0, slots = s->ids.mask + 1;
    uint32_t m = 0;
    for (uint64_t k = 0; k < slots; k++) {
        m = s->ids.slots[k] > m ? s->ids.slots[k] : m;
        used += s->ids.slots[k] != 0;
    }
    if (m > n || used != h->id_used || used > s->ids.mask)
        return "id map";
    return NULL;
}

/* The stored path forest is one that rg_paths_compute could have made, as
 * far as anything that reads it depends on: every edge index names the
 * edge parent -> node, a reachable node's parent is one hop nearer a root
 * (so chain walks end at a root after exactly dist hops), roots name a
 * root record, an unreachable node's holder walk ends (no parent cycle),
 * and each cycle's recorded size is its member count (rg_paths_cycle sizes
 * its tables by it). */
static const char *check_forest(rg_snapshot *s)
{
    const uint32_t *dist = s->forest.dist, *parent = s->forest.parent, *pidx = s->forest.pidx;
    const uint8_t *why = s->forest.why;
    uint32_t n = s->n_nodes, n_scc = s->forest.n_scc, holders = 0;
    for (rg_node v = 0; v < n; v++) {
        /* The parent's dist, offsets and edge are random reads: fetch them
         * ahead in two stages (the edge needs the offsets), as the id map's
         * batch lookup does, so many misses are in flight at once. */
        if (v + 16 < n && parent[v + 16] < n) {
            __builtin_prefetch(&dist[parent[v + 16]]);
            __builtin_prefetch(&s->fwd_off[parent[v + 16]]);
        }
        if (v + 8 < n && parent[v + 8] < n) {
            uint64_t e = s->fwd_off[parent[v + 8]] + pidx[v + 8];
            if (e < s->n_edges)
                __builtin_prefetch(&s->fwd_dst[e]);
        }
        uint32_t d = dist[v], u = parent[v], x = pidx[v];
        if (d != RG_DISTANCE_NONE) {
            if (why[v] != RG_REACHABLE)
                return "path forest";
            if (d == 0) {
                if (u != RG_NODE_NONE || x >= s->n_roots)
                    return "path forest";
                continue;
            }
            if (u >= n || dist[u] + 1 != d)
                return "path forest";
        } else {
            if (why[v] < RG_UNREACHABLE_EXCLUDED || why[v] > RG_UNREACHABLE_UNEXPLAINED)
                return "path forest";
            if (u == RG_NODE_NONE) {
                if (why[v] == RG_UNREACHABLE_CYCLE && x >= n_scc)
                    return "path forest";
                continue;
            }
            if (u >= n || why[v] == RG_UNREACHABLE_CYCLE || why[v] == RG_UNREACHABLE_UNEXPLAINED)
                return "path forest";
            holders += dist[u] == RG_DISTANCE_NONE;
        }
        if (x >= s->fwd_off[u + 1] - s->fwd_off[u] || s->fwd_dst[s->fwd_off[u] + x] != v)
            return "path forest";
    }
    const char *bad = NULL;
    uint32_t *members = rg_xcalloc(n_scc ? n_scc : 1, sizeof *members);
    uint8_t *state = holders ? rg_xcalloc(n, 1) : NULL;
    if (!members || (holders && !state)) {
        /* not wrong, only unaffordable now: compute paths on demand */
        memset(&s->forest, 0, sizeof s->forest);
        rg_clear_error();
        goto done;
    }
    for (rg_node v = 0; v < n; v++)
        if (why[v] == RG_UNREACHABLE_CYCLE)
            members[pidx[v]]++;
    for (uint32_t c = 0; c < n_scc; c++)
        if (members[c] != s->forest.scc_size[c] || members[c] == 0)
            bad = "path forest";
    /* Holder walks among unreachable nodes: 1 = on the walk in progress,
     * 2 = known to end. Each node is walked over at most twice. */
    for (rg_node v = 0; v < n && holders && !bad; v++) {
        rg_node cur = v;
        while (dist[cur] == RG_DISTANCE_NONE && parent[cur] != RG_NODE_NONE && state[cur] == 0) {
            state[cur] = 1;
            cur = parent[cur];
        }
        if (state[cur] == 1) {
            bad = "path forest";
            break;
        }
        for (rg_node w = v; w != cur; w = parent[w])
            state[w] = 2;
    }
done:
    free(members);
    free(state);
    return bad;
}

static int section_ok(const cache_header *h, uint64_t size, int k, uint64_t count, uint64_t elem)
{
    const cache_section *sec = &h->sections[k];
    if (sec->offset % ALIGN || sec->offset < sizeof *h || sec->offset > size || sec->size > size - sec->offset)
        return 0;
    if (elem && count > UINT64_MAX / elem)
        return 0;
    return sec->size == count * elem;
}

/* The header alone, before anything is mapped: magic, byte order,
 * version, checksum, the source's identity, the file's size and the line
 * limit. RG_OK, or an error code with *why set. */
static int check_header(const cache_header *hp, uint64_t size, const rg_cache_key *key, uint64_t max_line,
                        char **why)
{
    const cache_header h = *hp;
    if (memcmp(h.magic, CACHE_MAGIC, sizeof CACHE_MAGIC) != 0) {
        *why = rg_cache_note("is not a refgraph index cache");
        return RG_EFORMAT;
    }
    if (h.bom != CACHE_BOM) {
        *why = rg_cache_note("was written on a machine of another byte order");
        return RG_EVERSION;
    }
    if (h.version != CACHE_VERSION || h.header_size != sizeof h || h.n_sections != S_COUNT) {
        *why = rg_cache_note("has cache format version %u (this refgraph writes %u)", h.version, CACHE_VERSION);
        return RG_EVERSION;
    }
    if (h.header_checksum != checksum(&h, offsetof(cache_header, header_checksum), 0)) {
        *why = rg_cache_note("is corrupt (header checksum mismatch)");
        return RG_EFORMAT;
    }
    if (key && (h.src_size != key->size || h.src_mtime_ns != key->mtime_ns || h.src_sample != key->sample ||
                h.src_ctime_ns != key->ctime_ns || h.src_ino != key->ino || h.src_dev != key->dev)) {
        *why = rg_cache_note("is stale or belongs to another snapshot (source size, time, inode or content differ)");
        return RG_EFORMAT;
    }
    if (h.file_size != size) {
        *why = rg_cache_note("is truncated or has trailing bytes (%llu bytes, expected %llu)",
                       (unsigned long long)size, (unsigned long long)h.file_size);
        return RG_EFORMAT;
    }
    if (h.longest_line > max_line) {
        *why = rg_cache_note("not used: the snapshot has a line of %llu bytes, over the limit of %llu",
                       (unsigned long long)h.longest_line, (unsigned long long)max_line);
        return RG_ELIMIT;
    }
    return RG_OK;
}

int rg_cache_parse(void *data, size_t size, const rg_cache_key *key, uint64_t max_line, unsigned threads,
                   rg_snapshot **out, char **why)
{
    const unsigned char *base = data;
    cache_header h;
    *why = NULL;
    if (size < sizeof h) {
        *why = rg_cache_note("is truncated");
        return RG_EFORMAT;
    }
    memcpy(&h, data, sizeof h);
    int hrc = check_header(&h, size, key, max_line, why);
    if (hrc != RG_OK)
        return hrc;
    uint64_t n = h.n_nodes, e = h.n_edges;
    if (n >= UINT32_MAX || e >= UINT32_MAX || h.n_types > UINT32_MAX || h.n_roots > UINT32_MAX ||
        h.n_strings >= UINT32_MAX || h.id_mask >= UINT32_MAX || ((h.id_mask + 1) & h.id_mask) ||
        !section_ok(&h, size, S_NODE_ID, n, 8) || !section_ok(&h, size, S_NODE_TYPE, n, 4) ||
        !section_ok(&h, size, S_NODE_SIZE, n, 8) || !section_ok(&h, size, S_NODE_LEN, n, 4) ||
        !section_ok(&h, size, S_NODE_RC, n, 4) || !section_ok(&h, size, S_NODE_REPR, n, 4) ||
        !section_ok(&h, size, S_NODE_NAME, n, 4) || !section_ok(&h, size, S_NODE_FLAGS, n, 1) ||
        !section_ok(&h, size, S_FWD_OFF, n + 1, 8) || !section_ok(&h, size, S_FWD_DST, e, 4) ||
        !section_ok(&h, size, S_FWD_KIND, e, 1) || !section_ok(&h, size, S_FWD_LABEL, e, 4) ||
        !section_ok(&h, size, S_REV_OFF, n + 1, 8) || !section_ok(&h, size, S_REV_SRC, e, 4) ||
        !section_ok(&h, size, S_REV_EDGE, e, 4) || !section_ok(&h, size, S_TYPE_NAME, h.n_types, 4) ||
        !section_ok(&h, size, S_ROOT_NODE, h.n_roots, 4) || !section_ok(&h, size, S_ROOT_KIND, h.n_roots, 1) ||
        !section_ok(&h, size, S_ROOT_LABEL, h.n_roots, 4) ||
        !section_ok(&h, size, S_STR_OFFSETS, h.n_strings, 8) ||
        !section_ok(&h, size, S_STR_ARENA, h.arena_len, 1) ||
        !section_ok(&h, size, S_ID_SLOTS, h.id_mask + 1, 4) || h.n_scc > n ||
        !section_ok(&h, size, S_PATH_DIST, n, 4) || !section_ok(&h, size, S_PATH_PARENT, n, 4) ||
        !section_ok(&h, size, S_PATH_PIDX, n, 4) || !section_ok(&h, size, S_PATH_WHY, n, 1) ||
        !section_ok(&h, size, S_PATH_SCC_SIZE, h.n_scc, 4) ||
        !section_ok(&h, size, S_INFO_STRINGS, h.sections[S_INFO_STRINGS].size, 1)) {
        *why = rg_cache_note("is corrupt (section table)");
        return RG_EFORMAT;
    }
    /* The gaps between sections are zeros (the checksums do not cover
     * them, and every byte of a cache must mean something). */
    uint64_t pos = sizeof h;
    for (int k = 0; k < S_COUNT; k++) {
        const cache_section *sec = &h.sections[k];
        if (sec->offset < pos || sec->offset - pos >= ALIGN) {
            *why = rg_cache_note("is corrupt (section table)");
            return RG_EFORMAT;
        }
        for (uint64_t z = pos; z < sec->offset; z++)
            if (base[z]) {
                *why = rg_cache_note("is corrupt (padding)");
                return RG_EFORMAT;
            }
        pos = sec->offset + sec->size;
    }
    if (pos != size) {
        *why = rg_cache_note("is corrupt (section table)");
        return RG_EFORMAT;
    }
    const char *info = (const char *)base + h.sections[S_INFO_STRINGS].offset;
    uint64_t info_len = h.sections[S_INFO_STRINGS].size;
    uint64_t soffs[4] = {h.str_format, h.str_compression, h.str_producer, h.str_runtime};
    for (int k = 0; k < 4; k++)
        if (soffs[k] >= info_len || !memchr(info + soffs[k], '\0', (size_t)(info_len - soffs[k]))) {
            *why = rg_cache_note("is corrupt (info strings)");
            return RG_EFORMAT;
        }

    rg_snapshot *s = rg_xcalloc(1, sizeof *s);
    if (!s)
        return RG_ENOMEM;
#define AT(k) ((void *)(base + h.sections[k].offset))
    s->n_nodes = (uint32_t)n;
    s->n_edges = e;
    s->node_id = AT(S_NODE_ID);
    s->node_type = AT(S_NODE_TYPE);
    s->node_size = AT(S_NODE_SIZE);
    s->node_len = AT(S_NODE_LEN);
    s->node_rc = AT(S_NODE_RC);
    s->node_repr = AT(S_NODE_REPR);
    s->node_name = AT(S_NODE_NAME);
    s->node_flags = AT(S_NODE_FLAGS);
    s->fwd_off = AT(S_FWD_OFF);
    s->fwd_dst = AT(S_FWD_DST);
    s->fwd_kind = AT(S_FWD_KIND);
    s->fwd_label = AT(S_FWD_LABEL);
    s->rev_off = AT(S_REV_OFF);
    s->rev_src = AT(S_REV_SRC);
    s->rev_edge = AT(S_REV_EDGE);
    s->n_types = (uint32_t)h.n_types;
    s->type_name = AT(S_TYPE_NAME);
    s->n_roots = (uint32_t)h.n_roots;
    s->root_node = AT(S_ROOT_NODE);
    s->root_kind = AT(S_ROOT_KIND);
    s->root_label = AT(S_ROOT_LABEL);
    s->strings.offsets = AT(S_STR_OFFSETS);
    s->strings.arena = AT(S_STR_ARENA);
    s->strings.count = (uint32_t)h.n_strings;
    s->strings.arena_len = h.arena_len;
    s->ids.slots = AT(S_ID_SLOTS);
    s->ids.mask = h.id_mask;
    s->ids.used = h.id_used;
    s->ids.k0 = h.id_k0;
    s->ids.k1 = h.id_k1;
    if (n) {
        s->forest.dist = AT(S_PATH_DIST);
        s->forest.parent = AT(S_PATH_PARENT);
        s->forest.pidx = AT(S_PATH_PIDX);
        s->forest.why = AT(S_PATH_WHY);
        s->forest.scc_size = AT(S_PATH_SCC_SIZE);
        s->forest.n_scc = (uint32_t)h.n_scc;
    }
#undef AT
    s->longest_line = h.longest_line;
    /* Two passes over the file: the checksums (every byte) and the structure
     * (every index). They read different things and neither writes, so with
     * two threads they run at the same time. The section table was checked
     * above, so the structural pass stays in bounds even on a damaged file. */
    verify_job job = {base, &h, 0, 1, 0};
    pthread_t th;
    int started = threads != 1 && size > (8u << 20) && pthread_create(&th, NULL, verify_sections, &job) == 0;
    const char *what = check_structure(s, &h);
    if (!what && n)
        what = check_forest(s);
    if (started)
        pthread_join(th, NULL);
    else
        verify_sections(&job);
    if (job.bad || what) {
        free(s);
        if (job.bad)
            *why = rg_cache_note("is corrupt (checksum mismatch in section %d)", job.bad - 1);
        else
            *why = rg_cache_note("is corrupt (%s out of range)", what);
        return RG_EFORMAT;
    }
    s->info_format_storage = rg_xstrndup(info + h.str_format, strlen(info + h.str_format));
    s->info_compression_storage = rg_xstrndup(info + h.str_compression, strlen(info + h.str_compression));
    s->info_producer = rg_xstrndup(info + h.str_producer, strlen(info + h.str_producer));
    s->info_runtime = rg_xstrndup(info + h.str_runtime, strlen(info + h.str_runtime));
    if (!s->info_format_storage || !s->info_compression_storage || !s->info_producer || !s->info_runtime) {
        rg_snapshot_free(s);
        return RG_ENOMEM;
    }
    rg_snapshot_info *i = &s->info;
    i->path = "";
    i->format = s->info_format_storage;
    i->format_version = (int)h.format_version;
    i->compression = s->info_compression_storage;
    i->producer = s->info_producer;
    i->runtime = s->info_runtime;
    i->pid = h.pid;
    i->time = h.time;
    i->seq = h.seq;
    i->objects = h.objects;
    i->edges = h.edges;
    i->roots = h.roots;
    i->total_bytes = h.total_bytes;
    i->input_bytes = h.input_bytes;
    i->skipped_records = h.skipped;
    i->dangling_refs = h.dangling_refs;
    i->dangling_roots = h.dangling_roots;
    i->from_cache = 1;
    i->cache_note = "";
    s->mapping = data;
    s->mapping_size = size;
    *out = s;
    return RG_OK;
}

int rg_cache_load(const char *cache_path, const rg_cache_key *key, uint64_t max_line, unsigned threads,
                  rg_snapshot **out, char **note)
{
    *note = NULL;
    /* O_NONBLOCK: a FIFO planted at the cache path opens at once instead of
     * waiting forever for a writer, and is then refused as not a regular
     * file; O_NOFOLLOW: a symlink there is not ours. */
    int fd = open(cache_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return RG_ENOTFOUND;
        *note = rg_cache_note("index cache %s not read: %s; rebuilt", cache_path,
                        errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return RG_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        *note = rg_cache_note("index cache %s is empty or not a regular file; rebuilt", cache_path);
        return RG_EFORMAT;
    }
    size_t size = (size_t)st.st_size;
    /* Check the header from a plain read before mapping anything: a large
     * (or sparse) file that is no cache of this snapshot costs one read,
     * not a populated mapping of its whole size. */
    cache_header h;
    ssize_t got = pread(fd, &h, sizeof h, 0);
    char *hwhy = NULL;
    int hrc = got != (ssize_t)sizeof h ? (hwhy = rg_cache_note("is truncated"), RG_EFORMAT)
                                       : check_header(&h, size, key, max_line, &hwhy);
    if (hrc != RG_OK) {
        close(fd);
        if (hwhy) {
            *note = rg_cache_note("index cache %s %s; rebuilt", cache_path, hwhy);
            free(hwhy);
        }
        return hrc;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    /* A use: the mtime orders eviction (least recently used first); atime
     * is not kept on many mounts. Fails quietly on a cache not ours. */
    futimens(fd, NULL);
    close(fd);
    if (map == MAP_FAILED) {
        *note = rg_cache_note("index cache %s not mapped: %s; rebuilt", cache_path, strerror(errno));
        return RG_EIO;
    }
    char *why;
    int rc = rg_cache_parse(map, size, key, max_line, threads, out, &why);
    if (rc != RG_OK) {
        munmap(map, size);
        if (why) {
            *note = rg_cache_note("index cache %s %s; rebuilt", cache_path, why);
            free(why);
        }
        return rc;
    }
    return RG_OK;
}

void rg_cache_fix_checksums(void *data, size_t size)
{
    cache_header h;
    if (size < sizeof h)
        return;
    memcpy(&h, data, sizeof h);
    for (int k = 0; k < S_COUNT; k++) {
        const cache_section *sec = &h.sections[k];
        if (sec->offset <= size && sec->size <= size - sec->offset)
            h.sections[k].checksum = checksum((const char *)data + sec->offset, (size_t)sec->size, (uint64_t)k);
    }
    h.header_checksum = checksum(&h, offsetof(cache_header, header_checksum), 0);
    memcpy(data, &h, sizeof h);
}
