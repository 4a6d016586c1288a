/*
 * growth.h: the layout of a per-snapshot summary, shared by summary.c (built
 * from a graph), objgraph_log.c (built from a log), diff.c (the series
 * analysis) and diff_gate.c. Not installed.
 */
#ifndef RG_GROWTH_H
#define RG_GROWTH_H

#include "graph/graph_internal.h"

/* Type table entry; `name` is a string id in the summary's strtab. */
typedef struct rg_sum_type {
    uint32_t name;
    uint64_t count;
    uint64_t bytes;
} rg_sum_type;

typedef struct rg_sum_group {
    uint32_t signature;       /* string ids */
    uint32_t path;
    uint32_t container;       /* the parent group's path; 0 ("") at a root */
    uint32_t member;          /* the last hop of the path, e.g. "[i] tuple" */
    uint32_t depth;
    uint64_t count;
    uint64_t bytes;
    uint64_t retained;
} rg_sum_group;

#define RG_SUM_NO_GROUP UINT32_MAX

/* One object: 24 bytes. `type` indexes the (name-sorted) type table, `group`
 * the group table or RG_SUM_NO_GROUP. Sorted by id. */
typedef struct rg_sum_obj {
    uint64_t id;
    uint64_t size;
    uint32_t type;
    uint32_t group;
} rg_sum_obj;

/* A string table shared by the summaries of one objgraph log: a log of N
 * points names the same few types N times, so each point keeps ids only.
 * Freed with the last summary that holds it. */
typedef struct rg_sum_strings {
    rg_strtab names;
    size_t refs;              /* summaries holding it; changed atomically */
} rg_sum_strings;

struct rg_summary {
    rg_summary_info info;
    char *source;
    char *format;             /* NULL when info.format is a literal */
    rg_strtab names;          /* type names, group signatures and paths */
    rg_sum_strings *shared;   /* when set, names are here and `names` is empty */
    rg_sum_type *types;       /* info.types entries, sorted by name */
    rg_sum_group *groups;     /* info.groups entries, sorted by signature */
    rg_sum_obj *objs;         /* n_objs entries, sorted by id */
    uint64_t n_objs;
};

/* A new summary with an empty string table; source and format are copied. */
RG_INTERNAL int rg_summary_new(const char *source, const char *format, rg_summary **out);

/* A summary with no string table of its own, which holds a reference to
 * `shared` (taken here) for its names; format is a string literal. For the
 * points of an objgraph log. */
RG_INTERNAL int rg_summary_new_shared(const char *source, const char *format_literal, rg_sum_strings *shared,
                                      rg_summary **out);

/* Sort the type table by name and return, in *remap (caller frees; may be
 * NULL when not wanted), the new index of each old entry. Seals names. */
RG_INTERNAL int rg_summary_sort_types(rg_summary *s, uint32_t **remap);

/* Recompute info.memory_bytes from the tables. */
RG_INTERNAL void rg_summary_account(rg_summary *s);

static inline const char *rg_sum_str(const rg_summary *s, uint32_t id)
{
    return rg_strtab_get(s->shared ? &s->shared->names : &s->names, id);
}

/* Fill a snapshot summary's group table and each object's group from the
 * retention-group analysis (summary_groups.c). Called while s->objs is still
 * in node order: s->objs[n] is node n. */
RG_INTERNAL int rg_summary_fill_groups(rg_summary *s, const rg_snapshot *snap, const rg_groups *given,
                                       const rg_outside *given_outside);

#endif
