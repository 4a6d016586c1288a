/* judge.h: the judgement's rules and thresholds (judge.c). Not installed. */
#ifndef RG_JUDGE_H
#define RG_JUDGE_H

#include "graph/graph_internal.h"

/* A reachable group is of consequence from this share of the heap and this
 * many retained bytes: below, it is ordinary use even if it is a leak's
 * beginning (growth then decides). */
#define RG_JUDGE_RETAINED_SHARE 0.10
#define RG_JUDGE_RETAINED_MIN_BYTES 1000000u
/* Unreachable memory (cycles, objects held from outside) is waste by
 * definition, so it needs less: this share of the heap. */
#define RG_JUDGE_UNREACHABLE_SHARE 0.01
/* Growth of at least this many objects makes a steady riser a leak rather
 * than a possible leak; growth at every step is a possible leak below it. */
#define RG_JUDGE_MIN_GROWTH 100u
/* Growth at every step that gained fewer objects than RG_JUDGE_MIN_GROWTH
 * and fewer bytes than this is noise, not evidence: among the thousands of
 * groups of a busy heap some rise at every step of three snapshots by chance
 * (a running function's locals, a bounded queue's backlog, a cache's churn),
 * by a few objects and a few kB. Such a rise decides nothing. */
#define RG_JUDGE_EVERY_STEP_MIN_BYTES 65536u
/* The suspects' defaults (rg_suspect_options_init): a group is ranked from
 * this share of the heap (smaller ones only when they grow at every step),
 * and from this many objects. */
#define RG_SUSPECTS_MIN_SHARE 0.001
#define RG_SUSPECTS_MIN_INSTANCES 2u

/* Is a rise of `objects` and `bytes` too small for the grows-every-step
 * rule (RG_JUDGE_EVERY_STEP_MIN_BYTES)? */
static inline bool rg_judge_rise_is_noise(int64_t objects, int64_t bytes)
{
    return objects < (int64_t)RG_JUDGE_MIN_GROWTH && bytes < (int64_t)RG_JUDGE_EVERY_STEP_MIN_BYTES;
}
/* The judgement's growth rules, the one home for the suspects
 * (rg_judge_suspect) and the diff's verdict (growth/diff.c): a count that
 * rose at every step over >= 3 snapshots (`every_step`, by more than noise:
 * rg_judge_rise_is_noise) is a leak when it gained enough (`enough`:
 * RG_JUDGE_MIN_GROWTH objects, or the diff's thresholds) or is of
 * consequence, else a possible leak, however small;
 * one that rose otherwise (`grew`) is a possible leak when it gained enough
 * or is of consequence. Returns 0, leaving *level and *reason alone, when
 * growth decides nothing. */
RG_INTERNAL int rg_judge_growth(bool every_step, bool grew, bool enough, bool significant,
                                rg_leak_level *level, rg_leak_reason *reason);
/* Set sp->share and sp->significant from its retained bytes. */
RG_INTERNAL void rg_judge_significance(rg_suspect *sp, uint64_t total_bytes);
/* Set sp->level and sp->reason from significance and growth. */
RG_INTERNAL void rg_judge_suspect(rg_suspect *sp, uint32_t n_snapshots);
/* Ranking order: level, growth at every step (by bytes grown), significance,
 * interpreter tables last, retained bytes, count, signature. */
RG_INTERNAL int rg_judge_rank_cmp(const rg_suspect *x, const rg_suspect *y);

#endif
