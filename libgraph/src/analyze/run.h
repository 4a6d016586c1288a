/* run.h: the five analyses behind suspects and the report, computed on two
 * cores where there are two (run.c). Not installed. */
#ifndef RG_ANALYZE_RUN_H
#define RG_ANALYZE_RUN_H

#include "graph/graph_internal.h"

typedef struct rg_analyses {
    rg_paths *paths;
    rg_dominators *dom;
    rg_groups *groups;
    rg_cycles *cycles;
    rg_outside *outside;
} rg_analyses;

/* Paths (with `paths_opts`, NULL = defaults), dominators, groups, cycles and
 * held-from-outside, each exactly as its own rg_*_compute gives it. On
 * failure nothing is left in *out and rg_last_error() says why, on the
 * calling thread. */
RG_INTERNAL int rg_analyses_run(const rg_snapshot *s, const rg_path_options *paths_opts,
                                rg_analyses *out);
RG_INTERNAL void rg_analyses_free(rg_analyses *a);

/* rg_groups_compute in two steps (groups.c), so that the first, which needs
 * only the paths, can run while the dominators are computed: assign every
 * object its group, then count, size and (with `dom`) retain. */
RG_INTERNAL int rg_groups_assign(const rg_snapshot *s, const rg_paths *paths, rg_groups **out);
RG_INTERNAL void rg_groups_tally(rg_groups *G, const rg_paths *paths, const rg_dominators *dom);

#endif
