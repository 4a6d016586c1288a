/* cache.c: the index cache: a finished graph written to one binary file
 * that a later open reads instead of parsing the snapshot again (Eclipse
 * MAT keeps its index files the same way).
 *
 * It stores only what cannot be recomputed cheaply, each column as narrow
 * as its values allow (cache_impl.h): the reverse CSR, the string offsets
 * and the id map are rebuilt on open, in less time than reading them back
 * would take on a cold disk, and the file stays below the size of the
 * snapshot it replaces. Analyses that want to keep their own results
 * beside a cached graph store them as named blobs (cache_blob.c).
 *
 * Layout (all integers little-endian, as written by this machine; a cache
 * from a machine of the other byte order is "foreign" and ignored):
 *
 *   header       struct cache_header: magic, version, byte-order mark, the
 *                identity of the source (size, mtime, a hash of sampled
 *                blocks, and ctime, inode and device, which an edit in
 *                place that restores size and mtime still changes), counts,
 *                the info fields, and a table of sections
 *   sections     one per stored column (enum section), 64-byte aligned,
 *                each with its own checksum and byte width
 *
 * Opening checks, in order: magic and version, byte order, the source's
 * identity, the header checksum, every section's checksum, and then the
 * structure itself (every column decodes to exactly its count, every node,
 * edge, type and string index in range, ids unique), so that even a cache
 * forged with valid checksums cannot make a query read out of bounds or
 * loop. Anything wrong gives a note and a rebuild, never a wrong answer. */
#include "graph/cache_impl.h"

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
/* 2: the path forest; 3: ctime, inode and device of the source, id map key;
 * 4: a codec per section (narrow, delta, rebuilt), no forest */
#define CACHE_VERSION 4u
#define CACHE_BOM 0x01020304u
#define ALIGN 64u

enum section {
    S_NODE_ID, S_NODE_TYPE, S_NODE_SIZE, S_NODE_LEN, S_NODE_RC, S_NODE_REPR, S_NODE_NAME, S_NODE_FLAGS,
    S_FWD_OFF, S_FWD_DST, S_FWD_KIND, S_FWD_LABEL, S_REV_OFF, S_REV_SRC, S_REV_EDGE, S_TYPE_NAME,
    S_ROOT_NODE, S_ROOT_KIND, S_ROOT_LABEL, S_STR_OFFSETS, S_STR_ARENA, S_ID_SLOTS,
    S_INFO_STRINGS, S_COUNT   /* S_INFO_STRINGS stays last: it ends the file */
};

/* How a section is stored. C_RAW is the array as it is in memory, used in
 * place from the mapping (no copy, no page to clear); the others are
 * smaller and decoded on open (cache_impl.h); C_REBUILT sections are empty
 * and recomputed from others (the reverse CSR from the forward one, the
 * string offsets from the arena's NULs). */
enum codec { C_RAW, C_N32, C_N64, C_DELTA, C_DEGREES, C_REBUILT };

/* Per section: the element size in memory, and its one compact codec
 * (C_RAW when it has none). */
static const unsigned char elem_of[S_COUNT] = {
    [S_NODE_ID] = 8,   [S_NODE_TYPE] = 4, [S_NODE_SIZE] = 8,  [S_NODE_LEN] = 4,   [S_NODE_RC] = 4,
    [S_NODE_REPR] = 4, [S_NODE_NAME] = 4, [S_NODE_FLAGS] = 1, [S_FWD_OFF] = 8,    [S_FWD_DST] = 4,
    [S_FWD_KIND] = 1,  [S_FWD_LABEL] = 4, [S_REV_OFF] = 8,    [S_REV_SRC] = 4,    [S_REV_EDGE] = 4,
    [S_TYPE_NAME] = 4, [S_ROOT_NODE] = 4, [S_ROOT_KIND] = 1,  [S_ROOT_LABEL] = 4, [S_STR_OFFSETS] = 8,
    [S_STR_ARENA] = 1, [S_ID_SLOTS] = 4,  [S_INFO_STRINGS] = 1,
};
static const unsigned char compact_of[S_COUNT] = {
    [S_NODE_ID] = C_DELTA,     [S_NODE_TYPE] = C_N32,      [S_NODE_SIZE] = C_N64,    [S_NODE_LEN] = C_N32,
    [S_NODE_RC] = C_N32,       [S_NODE_REPR] = C_N32,      [S_NODE_NAME] = C_N32,    [S_FWD_OFF] = C_DEGREES,
    [S_FWD_DST] = C_N32,       [S_FWD_LABEL] = C_N32,      [S_REV_OFF] = C_REBUILT,  [S_REV_SRC] = C_REBUILT,
    [S_REV_EDGE] = C_REBUILT,  [S_TYPE_NAME] = C_N32,      [S_ROOT_NODE] = C_N32,    [S_ROOT_LABEL] = C_N32,
    [S_STR_OFFSETS] = C_REBUILT, [S_ID_SLOTS] = C_N32,
};

typedef struct cache_section {
    uint64_t offset, size, checksum;
    uint32_t codec;   /* enum codec */
    uint32_t width;   /* bytes per value of a narrow column; 0 otherwise */
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
    /* counts */
    uint64_t n_nodes, n_edges, n_types, n_roots, n_strings, arena_len, id_mask, id_used;
    uint64_t id_k0, id_k1;   /* the id map's hash key (internal.h) */
    /* info */
    uint64_t objects, edges, roots, total_bytes, input_bytes, skipped, dangling_refs, dangling_roots;
    int64_t pid, seq, format_version;
    double time;
    /* offsets of NUL-terminated strings inside S_INFO_STRINGS */
    uint64_t str_format, str_compression, str_producer, str_runtime;
    cache_section sections[S_COUNT];
    uint64_t header_checksum;   /* of every byte above */
} cache_header;

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
        h = rg_cache_checksum(buf, (size_t)got, h);
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
    uint64_t h = rg_cache_checksum(full, strlen(full), 0);
    h = rg_cache_checksum(&key->dev, sizeof key->dev, h);
    h = rg_cache_checksum(&key->ino, sizeof key->ino, h);
    size_t n = strlen(cache_dir) + strlen(base) + 40;
    char *out = rg_xmalloc(n, 1);
    if (out)
        snprintf(out, n, "%s/%s.%016llx.rgcache", cache_dir, base, (unsigned long long)h);
    free(abs);
    return out;
}


/* ------------------------------------------------------------ writing */

/* What the cache of a graph may cost on disk, beside the forest blob the
 * retention paths add (13 bytes a node, paths_store.c): no more than the
 * snapshot itself. Within it, sections stay raw (fastest to open). */
static uint64_t budget_of(const rg_snapshot *s)
{
    uint64_t forest = 13ull * s->n_nodes;
    return s->info.input_bytes > forest ? s->info.input_bytes - forest : 0;
}

/* Each section: its array as in memory and the compact form it may take
 * instead; then, per section, what is written. */
typedef struct plan {
    const void *mem[S_COUNT];
    uint64_t count[S_COUNT];
    unsigned width[S_COUNT];          /* of the compact form, when narrow */
    uint64_t compact_size[S_COUNT];
    int compact[S_COUNT];             /* chosen */
    unsigned char *own[S_COUNT];      /* the compact bytes */
} plan;

static void plan_free(plan *p)
{
    for (int k = 0; k < S_COUNT; k++)
        free(p->own[k]);
}

static uint64_t raw_size(const plan *p, int k) { return p->count[k] * elem_of[k]; }

static uint64_t chosen_size(const plan *p, int k)
{
    return p->compact[k] ? p->compact_size[k] : raw_size(p, k);
}

/* The compact size of section k, without encoding it yet. */
static void size_compact(plan *p, int k)
{
    const void *a = p->mem[k];
    uint64_t n = p->count[k];
    switch (compact_of[k]) {
    case C_N32:
        p->width[k] = rg_col_width32(a, n);
        p->compact_size[k] = n * p->width[k];
        break;
    case C_N64:
        p->width[k] = rg_col_width64(a, n);
        p->compact_size[k] = n * p->width[k];
        break;
    case C_DELTA:
        p->compact_size[k] = rg_col_delta_size(a, n);
        break;
    case C_DEGREES:
        p->compact_size[k] = rg_col_degrees_size(a, n - 1);
        break;
    case C_REBUILT:
        p->compact_size[k] = 0;
        break;
    default:
        p->compact_size[k] = raw_size(p, k);
        break;
    }
}

static int encode_compact(plan *p, int k)
{
    const void *a = p->mem[k];
    uint64_t n = p->count[k], size = p->compact_size[k];
    if (compact_of[k] == C_REBUILT)
        return RG_OK;
    if (!(p->own[k] = rg_xmalloc(size ? size : 1, 1)))
        return RG_ENOMEM;
    switch (compact_of[k]) {
    case C_N32: rg_col_put32(p->own[k], a, n, p->width[k]); break;
    case C_N64: rg_col_put64(p->own[k], a, n, p->width[k]); break;
    case C_DELTA: rg_col_put_delta(p->own[k], a, n); break;
    case C_DEGREES: rg_col_put_degrees(p->own[k], a, n - 1); break;
    default: break;
    }
    return RG_OK;
}

/* Raw where the budget allows; else the compact forms that save the most
 * first (the reverse CSR goes as one), until the cache fits or nothing is
 * left to compact. */
static int make_plan(const rg_snapshot *s, const char *info_strings, size_t info_len, plan *p)
{
    uint64_t n = s->n_nodes, e = s->n_edges;
    memset(p, 0, sizeof *p);
#define SEC(k, ptr, cnt) (p->mem[k] = (ptr), p->count[k] = (cnt))
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
    SEC(S_INFO_STRINGS, info_strings, info_len);
#undef SEC
    uint64_t total = 0, budget = budget_of(s);
    for (int k = 0; k < S_COUNT; k++)
        total += raw_size(p, k) + ALIGN;
    if (total > budget)
        for (int k = 0; k < S_COUNT; k++)
            if (compact_of[k] != C_RAW)
                size_compact(p, k);
    while (total > budget) {
        int best = -1;
        uint64_t best_gain = 0;
        for (int k = 0; k < S_COUNT; k++) {
            if (compact_of[k] == C_RAW || p->compact[k] || k == S_REV_SRC || k == S_REV_EDGE)
                continue;
            uint64_t gain = raw_size(p, k) > p->compact_size[k] ? raw_size(p, k) - p->compact_size[k] : 0;
            if (k == S_REV_OFF)
                gain += raw_size(p, S_REV_SRC) + raw_size(p, S_REV_EDGE);
            if (gain > best_gain)
                best = k, best_gain = gain;
        }
        if (best < 0)
            break;
        p->compact[best] = 1;
        if (best == S_REV_OFF)
            p->compact[S_REV_SRC] = p->compact[S_REV_EDGE] = 1;
        total -= best_gain;
    }
    for (int k = 0; k < S_COUNT; k++)
        if (p->compact[k] && encode_compact(p, k) != RG_OK) {
            plan_free(p);
            return RG_ENOMEM;
        }
    return RG_OK;
}

static const void *chosen_data(const plan *p, int k) { return p->compact[k] ? p->own[k] : p->mem[k]; }

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
    plan p;
    if (!info || make_plan(s, info, lf + lc + lp + lr, &p) != RG_OK) {
        free(info);
        *note = rg_cache_note("index cache %s not written: out of memory", cache_path);
        return RG_ENOMEM;
    }
    memcpy(info, i->format, lf);
    memcpy(info + lf, i->compression, lc);
    memcpy(info + lf + lc, i->producer, lp);
    memcpy(info + lf + lc + lp, i->runtime, lr);

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
    h.longest_line = s->longest_line;
    h.n_nodes = s->n_nodes;
    h.n_edges = s->n_edges;
    h.n_types = s->n_types;
    h.n_roots = s->n_roots;
    h.n_strings = s->strings.count;
    h.arena_len = s->strings.arena_len;
    h.id_mask = s->ids.mask;
    h.id_used = s->ids.used;
    h.id_k0 = s->ids.k0;
    h.id_k1 = s->ids.k1;
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
        uint64_t size = chosen_size(&p, k);
        h.sections[k].offset = at;
        h.sections[k].size = size;
        h.sections[k].codec = p.compact[k] ? compact_of[k] : C_RAW;
        h.sections[k].width = p.compact[k] ? p.width[k] : 0;
        h.sections[k].checksum = rg_cache_checksum(chosen_data(&p, k), (size_t)size, (uint64_t)k);
        at = (at + size + ALIGN - 1) / ALIGN * ALIGN;
    }
    h.file_size = h.sections[S_COUNT - 1].offset + h.sections[S_COUNT - 1].size;
    h.header_checksum = rg_cache_checksum(&h, offsetof(cache_header, header_checksum), 0);

    /* Write a temporary file and rename it into place, so a reader never
     * sees half a cache and two writers never mix their bytes. */
    size_t tn = strlen(cache_path) + 48;
    char *tmp = rg_xmalloc(tn, 1);
    if (!tmp) {
        free(info);
        plan_free(&p);
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
        plan_free(&p);
        return RG_EIO;
    }
    static const char zeros[ALIGN];
    uint64_t pos = 0;
    if (write_all(fd, &h, sizeof h))
        rc = RG_EIO;
    pos = sizeof h;
    for (int k = 0; k < S_COUNT && rc == RG_OK; k++) {
        uint64_t pad = h.sections[k].offset - pos;
        if (write_all(fd, zeros, (size_t)pad) || write_all(fd, chosen_data(&p, k), (size_t)h.sections[k].size))
            rc = RG_EIO;
        pos = h.sections[k].offset + h.sections[k].size;
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
    plan_free(&p);
    return rc;
}

/* ------------------------------------------------------------ reading */

typedef struct verify_job {
    const unsigned char *base;
    const cache_header *h;
    int bad;  /* section index + 1 of a mismatch */
} verify_job;

static void *verify_sections(void *arg)
{
    verify_job *j = arg;
    for (int k = 0; k < S_COUNT; k++) {
        const cache_section *sec = &j->h->sections[k];
        if (rg_cache_checksum(j->base + sec->offset, (size_t)sec->size, (uint64_t)k) != sec->checksum) {
            j->bad = k + 1;
            return NULL;
        }
    }
    return NULL;
}

/* Every index of the graph in range: what makes a checksummed-but-forged
 * cache harmless. Written as branch-free reductions over each array so the
 * compiler vectorises them. */
static uint32_t max32(const uint32_t *a, uint64_t n)
{
    uint32_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        m = a[i] > m ? a[i] : m;
    return m;
}

/* Section k where the table says, inside the file, in a codec it may
 * have, of the size `count` values take in it. */
static int section_ok(const cache_header *h, uint64_t size, int k, uint64_t count)
{
    const cache_section *sec = &h->sections[k];
    if (sec->offset % ALIGN || sec->offset < sizeof *h || sec->offset > size || sec->size > size - sec->offset)
        return 0;
    if (sec->codec != C_RAW && (sec->codec != compact_of[k] || compact_of[k] == C_RAW))
        return 0;
    switch (sec->codec) {
    case C_RAW:
        return sec->width == 0 && count <= UINT64_MAX / 8 && sec->size == count * elem_of[k];
    case C_N32:
    case C_N64:
        return sec->width <= (sec->codec == C_N32 ? 4u : 8u) && count <= UINT64_MAX / 8 &&
               sec->size == count * sec->width;
    case C_REBUILT:
        return sec->width == 0 && sec->size == 0;
    default: { /* varints: one to ten bytes a value; degrees: one fewer value */
        uint64_t values = sec->codec == C_DEGREES ? count - 1 : count;
        return sec->width == 0 && sec->size >= values && sec->size / 10 <= values;
    }
    }
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
    if (h.header_checksum != rg_cache_checksum(&h, offsetof(cache_header, header_checksum), 0)) {
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

/* The section table: every section where the counts say, the gaps between
 * them zeros (the checksums do not cover them, and every byte of a cache
 * must mean something), the info strings terminated. */
static int check_sections(const cache_header *hp, const unsigned char *base, uint64_t size, char **why)
{
    const cache_header h = *hp;
    uint64_t n = h.n_nodes, e = h.n_edges;
    static const unsigned char node_sec[] = {S_NODE_ID, S_NODE_TYPE, S_NODE_SIZE, S_NODE_LEN,
                                             S_NODE_RC, S_NODE_REPR, S_NODE_NAME, S_NODE_FLAGS};
    static const unsigned char edge_sec[] = {S_FWD_DST, S_FWD_KIND, S_FWD_LABEL, S_REV_SRC, S_REV_EDGE};
    int ok = n < UINT32_MAX && e < UINT32_MAX && h.n_types <= UINT32_MAX && h.n_roots <= UINT32_MAX &&
             h.n_strings < UINT32_MAX && h.n_strings > 0 && h.id_mask < UINT32_MAX &&
             !((h.id_mask + 1) & h.id_mask);
    for (size_t k = 0; ok && k < sizeof node_sec; k++)
        ok = section_ok(&h, size, node_sec[k], n);
    for (size_t k = 0; ok && k < sizeof edge_sec; k++)
        ok = section_ok(&h, size, edge_sec[k], e);
    ok = ok && section_ok(&h, size, S_FWD_OFF, n + 1) && section_ok(&h, size, S_REV_OFF, n + 1) &&
         section_ok(&h, size, S_TYPE_NAME, h.n_types) && section_ok(&h, size, S_ROOT_NODE, h.n_roots) &&
         section_ok(&h, size, S_ROOT_KIND, h.n_roots) && section_ok(&h, size, S_ROOT_LABEL, h.n_roots) &&
         section_ok(&h, size, S_STR_OFFSETS, h.n_strings) && section_ok(&h, size, S_STR_ARENA, h.arena_len) &&
         section_ok(&h, size, S_ID_SLOTS, h.id_mask + 1) &&
         section_ok(&h, size, S_INFO_STRINGS, h.sections[S_INFO_STRINGS].size);
    /* the reverse CSR is stored whole or rebuilt whole */
    ok = ok && h.sections[S_REV_SRC].codec == h.sections[S_REV_OFF].codec &&
         h.sections[S_REV_EDGE].codec == h.sections[S_REV_OFF].codec;
    if (!ok) {
        *why = rg_cache_note("is corrupt (section table)");
        return RG_EFORMAT;
    }
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
    return RG_OK;
}

/* The string offsets from the arena: string k starts after the k-th NUL
 * (no string holds a NUL, rg_strtab_intern). Fails unless the arena holds
 * exactly `count` strings. */
static int rebuild_offsets(uint64_t *off, const char *arena, uint64_t len, uint32_t count)
{
    uint64_t at = 0;
    uint32_t k = 0;
    while (at < len) {
        if (k == count)
            return 0;
        off[k++] = at;
        const char *z = memchr(arena + at, '\0', (size_t)(len - at));
        at = (uint64_t)(z - arena) + 1;
    }
    return k == count;
}

static int increasing(const uint64_t *a, uint64_t n)
{
    unsigned bad = 0;
    for (uint64_t i = 0; i + 1 < n; i++)
        bad |= a[i] > a[i + 1];
    return !bad;
}

/* Every string id in range needs a well-formed table: the arena ends in a
 * NUL and the offsets rise inside it. */
static const char *check_strings(const rg_strtab *t)
{
    uint32_t strings = t->count;
    if (strings == 0 || t->arena_len == 0 || t->arena[t->arena_len - 1] != '\0' || t->offsets[0] != 0 ||
        t->offsets[strings - 1] >= t->arena_len)
        return "strings";
    unsigned bad = 0;
    for (uint32_t k = 1; k < strings; k++)
        bad |= t->offsets[k] <= t->offsets[k - 1];
    return bad ? "strings" : NULL;
}

/* The id map as stored: every slot empty or a node, each node in exactly
 * one slot, and at least one slot empty so every probe ends. */
static const char *check_ids(const rg_snapshot *s, const cache_header *h)
{
    uint64_t slots = s->ids.mask + 1, used = 0;
    uint32_t n = s->n_nodes;
    uint64_t *seen = rg_xcalloc(n / 64 + 1, sizeof *seen);
    if (!seen)
        return "memory";
    unsigned bad = 0;
    for (uint64_t k = 0; k < slots; k++) {
        uint32_t v = s->ids.slots[k];
        if (!v)
            continue;
        if (v > n) {
            bad = 1;
            break;
        }
        v--;
        bad |= (unsigned)(seen[v / 64] >> (v % 64)) & 1u;
        seen[v / 64] |= 1ULL << (v % 64);
        used++;
    }
    free(seen);
    return bad || used != n || used != h->id_used || used > s->ids.mask ? "id map" : NULL;
}

/* Decoding, split in two halves that read and write disjoint arrays: the
 * nodes (with the id map and the strings) and the edges (with the reverse
 * CSR), run at once on two threads. Each half leaves NULL or what is wrong
 * in `what`; "memory" means allocation failed. */
typedef struct half_job {
    rg_snapshot *s;
    const cache_header *h;
    const unsigned char *base;
    const char *what;
} half_job;

/* Section k as the graph's array of `count` values: in place when raw,
 * else decoded into an allocation the snapshot owns (s->owned[k]). NULL
 * for a rebuilt section, and on failure with j->what set. */
static void *column(half_job *j, int k, uint64_t count)
{
    const cache_section *sec = &j->h->sections[k];
    const unsigned char *in = j->base + sec->offset;
    if (sec->codec == C_RAW)
        return (void *)in;
    if (sec->codec == C_REBUILT)
        return NULL;
    void *out = rg_xmalloc(count, elem_of[k]);
    if (!out) {
        j->what = "memory";
        return NULL;
    }
    j->s->owned[k] = out;
    switch (sec->codec) {
    case C_N32:
        rg_col_get32(in, count, sec->width, out);
        break;
    case C_N64:
        rg_col_get64(in, count, sec->width, out);
        break;
    case C_DELTA:
        if (!rg_col_get_delta(in, sec->size, count, out)) {
            j->what = "node ids";
            return NULL;
        }
        break;
    case C_DEGREES:
        if (!rg_col_get_degrees(in, sec->size, count - 1, j->h->n_edges, out)) {
            j->what = "edge offsets";
            return NULL;
        }
        break;
    default:
        break;
    }
    return out;
}

static void *decode_nodes(void *arg)
{
    half_job *j = arg;
    rg_snapshot *s = j->s;
    const cache_header *h = j->h;
    uint64_t n = h->n_nodes;
    j->what = NULL;
    s->node_id = column(j, S_NODE_ID, n);
    s->node_type = column(j, S_NODE_TYPE, n);
    s->node_size = column(j, S_NODE_SIZE, n);
    s->node_len = column(j, S_NODE_LEN, n);
    s->node_rc = column(j, S_NODE_RC, n);
    s->node_repr = column(j, S_NODE_REPR, n);
    s->node_name = column(j, S_NODE_NAME, n);
    s->node_flags = column(j, S_NODE_FLAGS, n);
    s->type_name = column(j, S_TYPE_NAME, s->n_types);
    s->root_node = column(j, S_ROOT_NODE, s->n_roots);
    s->root_kind = column(j, S_ROOT_KIND, s->n_roots);
    s->root_label = column(j, S_ROOT_LABEL, s->n_roots);
    s->ids.slots = column(j, S_ID_SLOTS, h->id_mask + 1);
    s->ids.mask = h->id_mask;
    s->ids.used = h->id_used;
    s->ids.k0 = h->id_k0;
    s->ids.k1 = h->id_k1;
    s->strings.arena = column(j, S_STR_ARENA, h->arena_len);
    s->strings.arena_len = h->arena_len;
    s->strings.count = (uint32_t)h->n_strings;
    s->strings.offsets = column(j, S_STR_OFFSETS, h->n_strings);
    if (j->what)
        return NULL;
    if (!s->strings.offsets) {
        s->strings.offsets = s->owned[S_STR_OFFSETS] = rg_xmalloc(h->n_strings, sizeof *s->strings.offsets);
        if (!s->strings.offsets) {
            j->what = "memory";
            return NULL;
        }
        if (!rebuild_offsets(s->strings.offsets, s->strings.arena, h->arena_len, s->strings.count)) {
            j->what = "strings";
            return NULL;
        }
    }
    uint32_t strings = s->strings.count;
    if ((j->what = check_strings(&s->strings)))
        return NULL;
    if (n && max32(s->node_type, n) >= s->n_types)
        j->what = "node types";
    else if (n && (max32(s->node_repr, n) >= strings || max32(s->node_name, n) >= strings))
        j->what = "node strings";
    else if (s->n_types && max32(s->type_name, s->n_types) >= strings)
        j->what = "type names";
    for (uint32_t r = 0; r < s->n_roots && !j->what; r++)
        if (s->root_node[r] >= n || s->root_kind[r] >= RG_ROOT_KIND_COUNT || s->root_label[r] >= strings)
            j->what = "roots";
    if (!j->what)
        j->what = check_ids(s, h);
    return NULL;
}

static void *decode_edges(void *arg)
{
    half_job *j = arg;
    rg_snapshot *s = j->s;
    const cache_header *h = j->h;
    uint64_t n = h->n_nodes, e = h->n_edges;
    j->what = NULL;
    s->fwd_off = column(j, S_FWD_OFF, n + 1);
    s->fwd_dst = column(j, S_FWD_DST, e);
    s->fwd_kind = column(j, S_FWD_KIND, e);
    s->fwd_label = column(j, S_FWD_LABEL, e);
    s->rev_off = column(j, S_REV_OFF, n + 1);
    s->rev_src = column(j, S_REV_SRC, e);
    s->rev_edge = column(j, S_REV_EDGE, e);
    if (j->what)
        return NULL;
    if (s->fwd_off[0] != 0 || s->fwd_off[n] != e || !increasing(s->fwd_off, n + 1)) {
        j->what = "edge offsets";
        return NULL;
    }
    /* labels are string ids except for index edges; the string count is
     * in the header (the node half checks the arena holds that many) */
    uint32_t strings = (uint32_t)h->n_strings;
    if (e && max32(s->fwd_dst, e) >= n) {
        j->what = "edges";
        return NULL;
    }
    unsigned bad = 0;
    for (uint64_t k = 0; k < e; k++)
        bad |= (s->fwd_kind[k] >= RG_EDGE_KIND_COUNT) |
               ((s->fwd_kind[k] != RG_EDGE_INDEX) & (s->fwd_label[k] >= strings));
    if (bad) {
        j->what = "edge labels";
        return NULL;
    }
    if (h->sections[S_REV_OFF].codec == C_REBUILT) {
        int rc = rg_snapshot_build_reverse(s);
        s->owned[S_REV_OFF] = s->rev_off;
        s->owned[S_REV_SRC] = s->rev_src;
        s->owned[S_REV_EDGE] = s->rev_edge;
        j->what = rc == RG_OK ? NULL : "memory";
        return NULL;
    }
    if (s->rev_off[0] != 0 || s->rev_off[n] != e || !increasing(s->rev_off, n + 1))
        j->what = "edge offsets";
    else if (e && (max32(s->rev_src, e) >= n || max32(s->rev_edge, e) >= e))
        j->what = "edges";
    return NULL;
}

/* The graph's arrays from the mapping: NULL, or what is wrong ("memory"
 * when allocation failed). */
static const char *decode(rg_snapshot *s, const cache_header *h, const unsigned char *base, unsigned threads)
{
    s->n_nodes = (uint32_t)h->n_nodes;
    s->n_edges = h->n_edges;
    s->n_types = (uint32_t)h->n_types;
    s->n_roots = (uint32_t)h->n_roots;
    half_job nodes = {s, h, base, NULL}, edges = {s, h, base, NULL};
    pthread_t th;
    int started = threads != 1 && h->n_edges > (1u << 16) && pthread_create(&th, NULL, decode_edges, &edges) == 0;
    decode_nodes(&nodes);
    if (started)
        pthread_join(th, NULL);
    else
        decode_edges(&edges);
    return nodes.what ? nodes.what : edges.what;
}

/* A snapshot that failed to open: what it allocated, not the mapping
 * (which stays the caller's). */
static void drop(rg_snapshot *s)
{
    for (int k = 0; k < S_COUNT; k++)
        free(s->owned[k]);
    free(s->info_format_storage);
    free(s->info_compression_storage);
    free(s->info_producer);
    free(s->info_runtime);
    free(s);
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
    if (hrc == RG_OK)
        hrc = check_sections(&h, base, size, why);
    if (hrc != RG_OK)
        return hrc;

    rg_snapshot *s = rg_xcalloc(1, sizeof *s);
    if (!s)
        return RG_ENOMEM;
    s->longest_line = h.longest_line;
    s->mapping = data;
    s->mapping_size = size;
    /* The checksums (every byte) and the decoding (every value) read the
     * file at the same time on two threads; the section table was checked
     * above, so decoding stays in bounds even on a damaged file. */
    verify_job job = {base, &h, 0};
    pthread_t th;
    int started = threads != 1 && size > (8u << 20) && pthread_create(&th, NULL, verify_sections, &job) == 0;
    const char *what = decode(s, &h, base, threads);
    if (started)
        pthread_join(th, NULL);
    else
        verify_sections(&job);
    if (job.bad || what) {
        drop(s);
        int oom = !job.bad && strcmp(what, "memory") == 0;
        if (job.bad)
            *why = rg_cache_note("is corrupt (checksum mismatch in section %d)", job.bad - 1);
        else if (!oom)
            *why = rg_cache_note("is corrupt (%s out of range)", what);
        return oom ? RG_ENOMEM : RG_EFORMAT;
    }
    const char *info = (const char *)base + h.sections[S_INFO_STRINGS].offset;
    s->info_format_storage = rg_xstrndup(info + h.str_format, strlen(info + h.str_format));
    s->info_compression_storage = rg_xstrndup(info + h.str_compression, strlen(info + h.str_compression));
    s->info_producer = rg_xstrndup(info + h.str_producer, strlen(info + h.str_producer));
    s->info_runtime = rg_xstrndup(info + h.str_runtime, strlen(info + h.str_runtime));
    if (!s->info_format_storage || !s->info_compression_storage || !s->info_producer || !s->info_runtime) {
        drop(s);
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
    s->cache_id = h.header_checksum;
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
    (*out)->cache_path = rg_xstrndup(cache_path, strlen(cache_path));
    if (!(*out)->cache_path) {
        rg_snapshot_free(*out);
        *out = NULL;
        return RG_ENOMEM;
    }
    return RG_OK;
}

int rg_cache_attach(rg_snapshot *s, const char *cache_path)
{
    int fd = open(cache_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return rg_fail(RG_EIO, "%s: cannot open: %s", cache_path, strerror(errno));
    cache_header h;
    ssize_t got = pread(fd, &h, sizeof h, 0);
    close(fd);
    if (got != (ssize_t)sizeof h || memcmp(h.magic, CACHE_MAGIC, sizeof CACHE_MAGIC) != 0 ||
        h.header_checksum != rg_cache_checksum(&h, offsetof(cache_header, header_checksum), 0))
        return rg_fail(RG_EFORMAT, "%s: not an index cache", cache_path);
    char *p = rg_xstrndup(cache_path, strlen(cache_path));
    if (!p)
        return RG_ENOMEM;
    free(s->cache_path);
    s->cache_path = p;
    s->cache_id = h.header_checksum;
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
            h.sections[k].checksum = rg_cache_checksum((const char *)data + sec->offset, (size_t)sec->size, (uint64_t)k);
    }
    h.header_checksum = rg_cache_checksum(&h, offsetof(cache_header, header_checksum), 0);
    memcpy(data, &h, sizeof h);
}

_Static_assert(S_COUNT <= sizeof ((rg_snapshot *)0)->owned / sizeof(void *), "rg_snapshot.owned holds a slot per section");
