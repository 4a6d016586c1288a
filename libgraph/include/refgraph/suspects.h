/**
 * @file
 * refgraph/suspects.h: leak suspects from every cause, ranked and judged.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/suspects.c, analyze/judge.c.
 */
#ifndef REFGRAPH_SUSPECTS_H
#define REFGRAPH_SUSPECTS_H

#include "groups.h"
#include "cycles.h"
#include "outside.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== suspects: ranking (suspects.c) ==== */
/**
 * Leak suspects from every cause, in one ranked list:
 *   RG_CAUSE_RETAINED  many similar objects a root keeps alive (a retention
 *                      group), with the container they accumulate in;
 *   RG_CAUSE_CYCLE     unreachable reference cycles, by shape;
 *   RG_CAUSE_OUTSIDE   objects held by references from outside the heap, by type.
 * Ranking (docs/suspects.md): with growth given, suspects that grew come
 * first, by bytes grown; then by the bytes freeing the suspect would release,
 * then by instance count.
 */
typedef enum rg_cause {
    RG_CAUSE_RETAINED = 0,
    RG_CAUSE_CYCLE,
    RG_CAUSE_OUTSIDE
} rg_cause;

/** "retained", "cycle", "outside". Static string. */
RG_API const char *rg_cause_name(rg_cause cause);

/** Growth of one suspect across snapshots, matched by signature (a group's,
 * a cycle shape's, or "outside:" and the type name). */
typedef struct rg_group_growth {
    /** sizeof(rg_group_growth), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    const char *signature;    /**< borrowed for the call */
    int64_t count_delta; /**< instances, last minus first */
    int64_t bytes_delta; /**< bytes, last minus first */
    /** Optional detail for the judgement (0 when unknown): the snapshots
     * compared minus one, how many of those steps the count rose, and the
     * rates (NaN or 0 when the series has no times). */
    uint32_t steps;
    uint32_t steps_up; /**< steps at which the count rose */
    double count_per_min; /**< count_delta per minute */
    double bytes_per_min; /**< bytes_delta per minute */
} rg_group_growth;

/** The judgement (judge.c, docs/diagnosis.md): one verdict per suspect, the
 * same for `suspects`, `diff` and the report, so that they cannot disagree. */
typedef enum rg_leak_level {
    RG_LEVEL_NO_LEAK = 0,
    RG_LEVEL_POSSIBLE_LEAK = 1,
    RG_LEVEL_LEAK = 2
} rg_leak_level;

/** The rule that decided a suspect's level. */
typedef enum rg_leak_reason {
    RG_REASON_NONE = 0,         /**< below the threshold of consequence, no growth */
    RG_REASON_GROWS_EVERY_STEP, /**< rose at every step over >= 3 snapshots */
    RG_REASON_GREW,             /**< rose between snapshots, not at every step */
    RG_REASON_UNREACHABLE,      /**< no root reaches it and it is of consequence: waste */
    RG_REASON_LARGE,            /**< one snapshot, of consequence: growth not measured */
    RG_REASON_STEADY            /**< several snapshots, of consequence, did not grow */
} rg_leak_reason;

/** @{ */
/** "no leak", "possible leak", "leak"; and a short name per reason
 * ("grows at every step", ...). Static strings. */
RG_API const char *rg_leak_level_name(rg_leak_level level);
RG_API const char *rg_leak_reason_name(rg_leak_reason reason);
/** @} */

/** Options for rg_suspects_compute (versioned: start from RG_SUSPECT_OPTIONS_INIT). */
typedef struct rg_suspect_options {
    /** RG_SUSPECT_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** A retention group is a suspect only with at least this many members.
     * rg_suspect_options_init sets 2. */
    uint32_t min_instances;
    /** Suspects with less than this share of all bytes are left out
     * (0 keeps all). rg_suspect_options_init sets 0.001 (0.1 %). */
    double min_share;
    /** Optional growth per signature (borrowed for the call). */
    const rg_group_growth *growth;
    size_t n_growth;          /**< entries in growth */
    /** Snapshots the growth compares (0 or 1: one snapshot, no growth). The
     * judgement needs it to tell "did not grow" from "not measured". */
    uint32_t n_snapshots;
} rg_suspect_options;

/** The version of rg_suspect_options this header describes. */
#define RG_SUSPECT_OPTIONS_VERSION 1
/** rg_suspect_options with the version set and every default filled in:
 * `rg_suspect_options o = RG_SUSPECT_OPTIONS_INIT;`. */
#define RG_SUSPECT_OPTIONS_INIT {RG_SUSPECT_OPTIONS_VERSION, 2, 0.001, NULL, 0, 0}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_SUSPECT_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_suspect_options_init(rg_suspect_options *opts, unsigned int version);

/** One leak suspect, owned by its rg_suspects (rg_suspects_get). */
typedef struct rg_suspect {
    rg_cause cause;           /**< what kind of suspect */
    const char *signature;    /**< the key for growth: group, cycle shape or "outside:TYPE"; owned by the handle */
    uint64_t count;           /**< instances: of the item group, on the cycles, of the type */
    uint64_t shallow_bytes;   /**< of those instances */
    uint64_t retained_bytes;  /**< bytes freed if the suspect were released */
    double share;             /**< retained_bytes / all bytes */
    /** "Of consequence": share >= 10 % and retained >= 1 MB, or share >= 1 %
     * for unreachable causes (their bytes are waste by definition). */
    int significant;

    /** RG_CAUSE_RETAINED */
    rg_group top_group;       /**< first group of the leak: its retained is reported */
    rg_group group;           /**< the item group, the end of the path shown */
    rg_group bulk_group;      /**< deeper group holding most bytes; RG_GROUP_NONE if none */
    rg_node accumulation;     /**< the container whose children hold it; RG_NODE_NONE if none */
    uint64_t accumulation_retained; /**< bytes the accumulation point retains */
    /** RG_CAUSE_CYCLE: index for rg_cycles_shape_get. RG_CAUSE_OUTSIDE: index for
     * rg_outside_group_get. */
    uint32_t index;

    rg_node representative;   /**< one instance, to show */
    int has_growth;           /**< 1 when growth was given for its signature */
    int64_t growth_count;     /**< rg_group_growth.count_delta */
    int64_t growth_bytes;     /**< rg_group_growth.bytes_delta */
    uint32_t growth_steps;    /**< rg_group_growth.steps */
    uint32_t growth_steps_up; /**< rg_group_growth.steps_up */
    double growth_count_per_min; /**< rg_group_growth.count_per_min */
    double growth_bytes_per_min; /**< rg_group_growth.bytes_per_min */

    /** The judgement: rg_leak_level and the rule that decided it. */
    rg_leak_level level;
    rg_leak_reason reason;    /**< the rule that decided it */
    /** What a person wrote: for a head of function-like objects its qualname
     * (the representative's), else ""; when the head is plumbing (tuples,
     * closures, cells, frames), the first user type below it and how many
     * of it ("" and 0 when none). Owned by the snapshot. */
    const char *name;
    const char *carried_type; /**< the first user type below plumbing, or "" */
    uint64_t carried_count;   /**< how many of it */
    /** 1 for a group held by the interpreter's own tables (import caches,
     * codec tables, compiled code): listed only when it grows. */
    int interpreter_table;
} rg_suspect;

/** Ranked leak suspects and the analyses behind them (opaque). */
typedef struct rg_suspects rg_suspects;

/** Rank suspects from analyses already computed (all borrowed; they must
 * outlive the result, whose accessors hand them back). `dom` and `groups` are
 * required, `cycles` and `outside` may be NULL. NULL options = defaults. */
RG_API int rg_suspects_compute(const rg_snapshot *snap, const rg_dominators *dom,
                               const rg_groups *groups, const rg_cycles *cycles,
                               const rg_outside *outside, const rg_suspect_options *opts,
                               rg_suspects **out);

/** @{ */
/** Run everything (paths with default options, dominators, groups, cycles,
 * outside with default options) and rank. The result owns the analyses; it
 * borrows `snap`, which must outlive it. */
RG_API int rg_suspects_compute_all(const rg_snapshot *snap, const rg_suspect_options *opts,
                               rg_suspects **out);
RG_API void rg_suspects_free(rg_suspects *suspects);
/** @} */

/** Suspects in the handle. */
RG_API uint32_t rg_suspects_count(const rg_suspects *suspects);
/** Suspect i (< count), best first. Owned by the handle. */
RG_API const rg_suspect *rg_suspects_get(const rg_suspects *suspects, uint32_t i);

/** @{ */
/** The analyses behind the suspects (owned or borrowed by the handle; NULL
 * for cycles/outside when none were given). */
RG_API const rg_paths *rg_suspects_paths(const rg_suspects *suspects);
RG_API const rg_dominators *rg_suspects_dominators(const rg_suspects *suspects);
RG_API const rg_groups *rg_suspects_groups(const rg_suspects *suspects);
RG_API const rg_cycles *rg_suspects_cycles(const rg_suspects *suspects);
RG_API const rg_outside *rg_suspects_outside(const rg_suspects *suspects);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_SUSPECTS_H */
