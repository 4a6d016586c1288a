/*
 * judge.c: the one judgement. Every suspect gets a level (no leak, possible
 * leak, leak) and the rule that decided it; `refgraph suspects`, `refgraph
 * diff` and the report's Summary all read it, so they cannot disagree.
 *
 * The rules, in order (docs/diagnosis.md names each with its threshold):
 *
 *   grows-every-step  over >= 3 snapshots the count rose at every step, by
 *                     RG_JUDGE_MIN_GROWTH objects or
 *                     RG_JUDGE_EVERY_STEP_MIN_BYTES bytes at least: a leak
 *                     when it gained RG_JUDGE_MIN_GROWTH objects or is of
 *                     consequence, else a possible leak;
 *   grew              it rose overall but not at every step (or over only
 *                     two snapshots): a possible leak when it is of
 *                     consequence or gained RG_JUDGE_MIN_GROWTH objects;
 *   unreachable       no root reaches it (cycles, held from outside) and it
 *                     is of consequence: waste, so a leak in one snapshot; in
 *                     a series that shows it steady, a possible leak;
 *   large             one snapshot, of consequence: a possible leak; a single
 *                     snapshot never claims growth;
 *   steady            several snapshots, of consequence, no growth: no leak
 *                     (a bounded table);
 *   none              otherwise: no leak.
 *
 * "Of consequence" (rg_suspect.significant) is RG_JUDGE_RETAINED_SHARE of the
 * heap and RG_JUDGE_RETAINED_MIN_BYTES for reachable groups, which may be
 * legitimate tables, and RG_JUDGE_UNREACHABLE_SHARE for unreachable causes.
 */
#include "judge.h"

#include <string.h>

const char *rg_leak_level_name(rg_leak_level level)
{
    switch (level) {
    case RG_LEVEL_LEAK: return "leak";
    case RG_LEVEL_POSSIBLE_LEAK: return "possible leak";
    default: return "no leak";
    }
}

const char *rg_leak_reason_name(rg_leak_reason reason)
{
    switch (reason) {
    case RG_REASON_GROWS_EVERY_STEP: return "grows at every step";
    case RG_REASON_GREW: return "grew";
    case RG_REASON_UNREACHABLE: return "unreachable";
    case RG_REASON_LARGE: return "large";
    case RG_REASON_STEADY: return "steady";
    default: return "none";
    }
}

void rg_judge_significance(rg_suspect *sp, uint64_t total_bytes)
{
    sp->share = total_bytes ? (double)sp->retained_bytes / (double)total_bytes : 0;
    if (sp->cause == RG_CAUSE_RETAINED)
        sp->significant = sp->share >= RG_JUDGE_RETAINED_SHARE &&
                          sp->retained_bytes >= RG_JUDGE_RETAINED_MIN_BYTES;
    else
        sp->significant = sp->share >= RG_JUDGE_UNREACHABLE_SHARE;
}

int rg_judge_growth(bool every_step, bool grew, bool enough, bool significant, rg_leak_level *level,
                    rg_leak_reason *reason)
{
    if (every_step) {
        *reason = RG_REASON_GROWS_EVERY_STEP;
        *level = enough || significant ? RG_LEVEL_LEAK : RG_LEVEL_POSSIBLE_LEAK;
        return 1;
    }
    if (grew && (enough || significant)) {
        *reason = RG_REASON_GREW;
        *level = RG_LEVEL_POSSIBLE_LEAK;
        return 1;
    }
    return 0;
}

void rg_judge_suspect(rg_suspect *sp, uint32_t n_snapshots)
{
    int series = n_snapshots >= 2;
    int gained = sp->has_growth && sp->growth_count > 0;
    int every_step = gained && n_snapshots >= 3 && sp->growth_steps >= 2 &&
                     sp->growth_steps_up == sp->growth_steps &&
                     !rg_judge_rise_is_noise(sp->growth_count, sp->growth_bytes);
    int many = gained && (uint64_t)sp->growth_count >= RG_JUDGE_MIN_GROWTH;
    sp->level = RG_LEVEL_NO_LEAK;
    sp->reason = RG_REASON_NONE;
    if (rg_judge_growth(every_step, gained && sp->growth_bytes > 0, many, sp->significant, &sp->level,
                        &sp->reason)) {
        /* decided by growth */
    } else if (sp->significant && sp->cause != RG_CAUSE_RETAINED) {
        sp->reason = RG_REASON_UNREACHABLE;
        sp->level = series ? RG_LEVEL_POSSIBLE_LEAK : RG_LEVEL_LEAK;
    } else if (sp->significant && !series) {
        sp->reason = RG_REASON_LARGE;
        sp->level = RG_LEVEL_POSSIBLE_LEAK;
    } else if (sp->significant) {
        sp->reason = RG_REASON_STEADY;
    }
}

int rg_judge_rank_cmp(const rg_suspect *x, const rg_suspect *y)
{
    if (x->level != y->level)
        return x->level > y->level ? -1 : 1;
    /* Within a level: what grew at every step, by bytes grown; then by
     * retained bytes. */
    int gx = x->reason == RG_REASON_GROWS_EVERY_STEP, gy = y->reason == RG_REASON_GROWS_EVERY_STEP;
    if (gx != gy)
        return gx ? -1 : 1;
    if (gx && x->growth_bytes != y->growth_bytes)
        return x->growth_bytes < y->growth_bytes ? 1 : -1;
    if (x->significant != y->significant)
        return x->significant ? -1 : 1;
    if (x->interpreter_table != y->interpreter_table)
        return x->interpreter_table ? 1 : -1;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes < y->retained_bytes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->signature, y->signature);
}
