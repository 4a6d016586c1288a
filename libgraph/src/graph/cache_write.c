/* cache_write.c: writing the index cache (its layout: cache.c, cache_impl.h):
 * each section raw while the cache fits the snapshot's size, else the
 * compact forms that save the most, into a temporary file renamed into
 * place. */
#include "graph/cache_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    /* node columns the graph keeps narrow or packed, expanded */
    uint64_t *ids, *sizes;
    uint32_t *lengths, *reprs, *names, *types;
} plan;

static void plan_free(plan *p)
{
    for (int k = 0; k < S_COUNT; k++)
        rg_free(p->own[k]);
    rg_free(p->ids);
    rg_free(p->sizes);
    rg_free(p->lengths);
    rg_free(p->reprs);
    rg_free(p->names);
    rg_free(p->types);
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
    /* The cache stores every node column whole, 64-bit ids and sizes
     * (narrowed, delta-coded, when the cache is packed) whatever the form
     * in memory: the columns a graph keeps narrow or packed are expanded
     * into the plan for the write. */
    const uint64_t *ids = s->node_id, *sizes = s->node_size;
    const uint32_t *lengths = s->node_len, *reprs = s->node_repr, *names = s->node_name, *types = s->node_type;
    if (n && ((!ids && !(ids = p->ids = rg_xmalloc(n, sizeof *p->ids))) ||
              (!sizes && !(sizes = p->sizes = rg_xmalloc(n, sizeof *p->sizes))) ||
              (!lengths && !(lengths = p->lengths = rg_xmalloc(n, sizeof *p->lengths))) ||
              (!reprs && !(reprs = p->reprs = rg_xmalloc(n, sizeof *p->reprs))) ||
              (!names && !(names = p->names = rg_xmalloc(n, sizeof *p->names))) ||
              (!types && !(types = p->types = rg_xmalloc(n, sizeof *p->types))))) {
        plan_free(p);
        return RG_ENOMEM;
    }
    for (uint32_t v = 0; v < n; v++) {
        if (p->ids)
            p->ids[v] = rg_node_id_at(s, v);
        if (p->sizes)
            p->sizes[v] = rg_node_size_at(s, v);
        if (p->lengths)
            p->lengths[v] = rg_node_len_at(s, v);
        if (p->reprs)
            p->reprs[v] = rg_node_repr_at(s, v);
        if (p->names)
            p->names[v] = rg_node_name_at(s, v);
        if (p->types)
            p->types[v] = rg_node_type_at(s, v);
    }
#define SEC(k, ptr, cnt) (p->mem[k] = (ptr), p->count[k] = (cnt))
    SEC(S_NODE_ID, ids, n);
    SEC(S_NODE_TYPE, types, n);
    SEC(S_NODE_SIZE, sizes, n);
    SEC(S_NODE_LEN, lengths, n);
    SEC(S_NODE_RC, s->node_rc, s->node_rc ? n : 0);
    SEC(S_NODE_REPR, reprs, n);
    SEC(S_NODE_NAME, names, n);
    SEC(S_NODE_FLAGS, s->node_flags, n);
    SEC(S_FWD_OFF, s->fwd_off, n + 1);
    SEC(S_FWD_DST, s->fwd_dst, e);
    SEC(S_FWD_KIND, s->fwd_kind, e);
    SEC(S_FWD_LABEL, s->fwd_label, e);
    SEC(S_REV_OFF, s->rev_off, n + 1);
    SEC(S_REV_SRC, s->rev_src, e);
    SEC(S_REV_EDGE, s->rev_edge, s->rev_edge ? e : 0);
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

int rg_cache_write(const rg_snapshot *s, const char *cache_path, const rg_cache_key *key, char **note)
{
    const rg_snapshot_info *i = &s->info;
    /* the info strings, NUL-separated */
    size_t lf = strlen(i->format) + 1, lc = strlen(i->compression) + 1, lp = strlen(i->producer) + 1,
           lr = strlen(i->runtime) + 1;
    char *info = rg_xmalloc(lf + lc + lp + lr, 1);
    plan p;
    if (!info || make_plan(s, info, lf + lc + lp + lr, &p) != RG_OK) {
        rg_free(info);
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
    h.id_sorted_end = s->ids_sorted_end;
    h.has_rc = s->node_rc != NULL;
    h.has_rev_edge = s->rev_edge != NULL;
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
        rg_free(info);
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
        rg_free(tmp);
        rg_free(info);
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
    rg_free(tmp);
    rg_free(info);
    plan_free(&p);
    return rc;
}
