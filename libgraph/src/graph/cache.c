/* cache.c: the index cache: a finished graph written to one binary file
 * that a later open reads instead of parsing the snapshot again (Eclipse
 * MAT keeps its index files the same way).
 *
 * A cache costs no more than the snapshot it replaces (cache_write.c):
 * each section is stored raw, the array as it is in memory and used in
 * place from the mapping, while the whole fits; beyond, sections take their
 * compact form (narrow columns, varints; cache_impl.h), and the reverse CSR
 * and the string offsets are left out and rebuilt here on open. Analyses
 * that want to keep their own results beside a cached graph store them as
 * named blobs (cache_blob.c).
 *
 * Layout (all integers little-endian, as written by this machine; a cache
 * from a machine of the other byte order is "foreign" and ignored):
 *
 *   header       struct cache_header: magic, version, byte-order mark, the
 *                identity of the source (size, mtime, a hash of sampled
 *                blocks, and ctime, inode and device, which an edit in
 *                place that restores size and mtime still changes), counts,
 *                the info fields, and a table of sections
 *   sections     one per array of the graph (enum section), 64-byte
 *                aligned, each with its codec, width and checksum
 *
 * Opening checks, in order: magic and version, byte order, the source's
 * identity, the header checksum, every section's checksum, and then the
 * structure itself (every column decodes to exactly its count, every node,
 * edge, type and string index in range, each node once in the id map), so
 * that even a cache forged with valid checksums cannot make a query read
 * out of bounds or loop. Anything wrong gives a note and a rebuild, never a
 * wrong answer. */
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
            rg_free(buf);
            return rg_fail(RG_EIO, "%s: read error: %s", path, strerror(e));
        }
        h = rg_cache_checksum(buf, (size_t)got, h);
    }
    close(fd);
    rg_free(buf);
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
    rg_libc_free(abs); /* realpath's, from the C library */
    return out;
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
        /* Zero bytes a value (a column all "none") only where the count is
         * bounded by a raw section of the file: the nodes' (flags) and the
         * edges' (kinds). Elsewhere a forged count would size an allocation
         * that nothing in the file backs. */
        if (sec->width == 0 && count && (k == S_TYPE_NAME || k == S_ID_SLOTS || k == S_ROOT_NODE ||
                                         k == S_ROOT_LABEL))
            return 0;
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
                                             S_NODE_REPR, S_NODE_NAME, S_NODE_FLAGS};
    static const unsigned char edge_sec[] = {S_FWD_DST, S_FWD_KIND, S_FWD_LABEL, S_REV_SRC};
    int ok = n < UINT32_MAX && e < UINT32_MAX && h.n_types <= UINT32_MAX && h.n_roots <= UINT32_MAX &&
             h.n_strings < UINT32_MAX && h.n_strings > 0 && h.n_strings <= h.arena_len && h.id_mask < UINT32_MAX && h.id_sorted_end <= n &&
             h.has_rc <= 1 && h.has_rev_edge <= 1 &&
             !((h.id_mask + 1) & h.id_mask);
    for (size_t k = 0; ok && k < sizeof node_sec; k++)
        ok = section_ok(&h, size, node_sec[k], n);
    for (size_t k = 0; ok && k < sizeof edge_sec; k++)
        ok = section_ok(&h, size, edge_sec[k], e);
    ok = ok && section_ok(&h, size, S_NODE_RC, h.has_rc ? n : 0) &&
         section_ok(&h, size, S_REV_EDGE, h.has_rev_edge ? e : 0) && section_ok(&h, size, S_FWD_OFF, n + 1) && section_ok(&h, size, S_REV_OFF, n + 1) &&
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

static int increasing(const uint32_t *a, uint64_t n)
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

/* The id map as stored: every slot empty or a node after the rising
 * prefix, each such node in exactly one slot, and at least one slot empty
 * so every probe ends. */
static const char *check_ids(const rg_snapshot *s, const cache_header *h)
{
    /* the prefix the map leaves out: a binary search needs it rising */
    uint32_t end = s->ids_sorted_end;
    unsigned bad = 0;
    for (uint32_t v = 1; v < end; v++)
        bad |= s->node_id[v - 1] >= s->node_id[v];
    uint64_t slots = s->ids.mask + 1, used = 0;
    uint32_t n = s->n_nodes;
    uint64_t *seen = rg_xcalloc(n / 64 + 1, sizeof *seen);
    if (!seen)
        return "memory";
    for (uint64_t k = 0; k < slots; k++) {
        uint32_t v = s->ids.slots[k];
        if (!v)
            continue;
        if (v > n || v <= end) {
            bad = 1;
            break;
        }
        v--;
        bad |= (unsigned)(seen[v / 64] >> (v % 64)) & 1u;
        seen[v / 64] |= 1ULL << (v % 64);
        used++;
    }
    rg_free(seen);
    return bad || used != n - end || used != h->id_used || used > s->ids.mask ? "id map" : NULL;
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
    s->node_rc = h->has_rc ? column(j, S_NODE_RC, n) : NULL;
    s->node_repr = column(j, S_NODE_REPR, n);
    s->node_name = column(j, S_NODE_NAME, n);
    s->node_flags = column(j, S_NODE_FLAGS, n);
    s->type_name = column(j, S_TYPE_NAME, s->n_types);
    s->root_node = column(j, S_ROOT_NODE, s->n_roots);
    s->root_kind = column(j, S_ROOT_KIND, s->n_roots);
    s->root_label = column(j, S_ROOT_LABEL, s->n_roots);
    s->ids_sorted_end = (uint32_t)h->id_sorted_end;
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
    s->rev_edge = h->has_rev_edge ? column(j, S_REV_EDGE, e) : NULL;
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
        int rc = rg_snapshot_build_reverse(s, h->has_rev_edge != 0);
        s->owned[S_REV_OFF] = s->rev_off;
        s->owned[S_REV_SRC] = s->rev_src;
        s->owned[S_REV_EDGE] = s->rev_edge;
        _Static_assert(S_COUNT < sizeof s->owned / sizeof s->owned[0], "a spare slot for rev_weak");
        s->owned[S_COUNT] = s->rev_weak; /* the spare slot: no section */
        j->what = rc == RG_OK ? NULL : "memory";
        return NULL;
    }
    if (s->rev_off[0] != 0 || s->rev_off[n] != e || !increasing(s->rev_off, n + 1))
        j->what = "edge offsets";
    else if (e && (max32(s->rev_src, e) >= n || (s->rev_edge && max32(s->rev_edge, e) >= e)))
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
    for (size_t k = 0; k < sizeof s->owned / sizeof s->owned[0]; k++)
        rg_free(s->owned[k]);
    rg_free(s->info_format_storage);
    rg_free(s->info_compression_storage);
    rg_free(s->info_producer);
    rg_free(s->info_runtime);
    rg_free(s);
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
            rg_free(hwhy);
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
            rg_free(why);
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
    rg_free(s->cache_path);
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
