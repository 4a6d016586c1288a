/*
 * diff_internal.h: the rg_diff handle, shared by diff.c (ordering, growth,
 * verdict), diff_lifetime.c (ids) and diff_gate.c (the CI gate). Not
 * installed.
 */
#ifndef RG_DIFF_INTERNAL_H
#define RG_DIFF_INTERNAL_H

#include "growth.h"

/* Values of every type (or group) at every point: row r, point i at r*n + i.
 * Rows are string ids in `keys`. */
typedef struct table {
    rg_strtab keys;           /* type names or group signatures */
    rg_strtab paths;          /* groups: readable paths */
    uint64_t *count, *bytes, *retained;
    uint8_t *known;           /* the point listed this row */
    uint8_t *is_key;          /* per row: a real key (not a gap in the ids) */
    uint32_t *path;           /* per row: ids in `paths` */
    uint32_t *container;
    uint32_t *member;
    size_t rows, cap;
    int retained_too;         /* keep `retained` (the group table) */
} table;

/* Every row of a growth table holds a value per point: rows x points cells
 * (17 bytes a cell for types: count, bytes, known; 25 for groups), which a
 * small input can make huge (N one-line log blocks naming N types ask for
 * N^2). A table may hold RG_DIFF_MAX_CELLS cells (68 MiB of types), or
 * RG_DIFF_CELLS_PER_ROW cells per row the points list, whichever is more:
 * the data that backs it. Past that the series is refused before anything
 * is allocated. docs/reliability.md. */
#define RG_DIFF_MAX_CELLS (1ULL << 22)
#define RG_DIFF_CELLS_PER_ROW 16u

struct rg_diff {
    rg_diff_options opts;
    uint32_t n;
    const rg_summary **pts;   /* time order */
    uint32_t *input_index;
    double span;              /* seconds, first to last; 0 when unknown */
    int has_bytes, has_groups, objgraph, pids_differ;

    char **warnings;
    uint32_t n_warnings;
    size_t warnings_cap;

    /* type_map[i][k]: row in type_table of point i's type k; same for groups. */
    uint32_t **type_map, **group_map;
    table type_table, group_table;
    rg_growth *types, *groups;
    uint32_t n_types, n_groups;

    int has_lifetimes;
    rg_lifetime lt_total;
    rg_lifetime *lt_types, *lt_groups;
    uint32_t n_lt_types, n_lt_groups;
    uint64_t reused_ids;

    rg_verdict verdict;
    char *verdict_text;
};

/* Add a warning (printf-style). RG_OK or RG_ENOMEM. */
RG_INTERNAL int rg_diff_warn(rg_diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Compute the lifetime tables (diff_lifetime.c). Needs ids in every point. */
RG_INTERNAL int rg_diff_lifetimes(rg_diff *d);
/* Word d->verdict (judged by diff.c) into d->verdict_text and verdict.text
 * (diff_verdict_text.c). */
RG_INTERNAL int rg_diff_word_verdict(rg_diff *d);

#endif
