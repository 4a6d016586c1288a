/**
 * @file
 * refgraph/growth.h: growth across snapshots: summaries, objgraph logs, diffs and gates.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/growth/.
 */
#ifndef REFGRAPH_GROWTH_H
#define REFGRAPH_GROWTH_H

#include "suspects.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== growth across snapshots (diff.c) ==== */
/**
 * Growth is found by comparing *summaries*, not graphs. A summary keeps what
 * a comparison needs from one snapshot: the type table (name -> count,
 * shallow bytes), the retention-group table (signature -> count, bytes,
 * readable path), every object's id with its type, size and group, and the
 * header's time, pid and seq. It is built from a loaded snapshot, after which
 * the snapshot can be freed, so a series of any length holds one graph at a
 * time plus N summaries (24 bytes per object each).
 *
 *   rg_summary *sums[3];
 *   for (i = 0; i < 3; i++) {
 *       rg_snapshot_open(path[i], NULL, &snap);
 *       rg_summary_compute(snap, NULL, &sums[i]);
 *       rg_snapshot_free(snap);
 *   }
 *   rg_diff *d; rg_diff_compute(sums, 3, NULL, &d);
 *   ... rg_diff_verdict(d)->text ...
 *   rg_diff_free(d); then rg_summary_free each summary.
 *
 * A series can also come from an objgraph log (show_growth() and
 * show_most_common_types() output): type counts only, no bytes, ids or paths.
 * docs/diff.md describes the analysis, its thresholds and its caveats.
 */
typedef struct rg_summary rg_summary;

/** What a summary holds (bits of rg_summary_info.flags). */
#define RG_SUMMARY_HAS_BYTES  0x1u  /**< type and group tables carry bytes */
#define RG_SUMMARY_HAS_IDS    0x2u  /**< per-object ids: lifetime analysis possible */
#define RG_SUMMARY_HAS_GROUPS 0x4u  /**< retention groups were computed */
#define RG_SUMMARY_PARTIAL    0x8u  /**< the type table lists only some types (objgraph top-N) */

/** What a summary holds (rg_summary_info_get). */
typedef struct rg_summary_info {
    const char *source;       /**< snapshot path, or "log:block N"; owned by the summary */
    const char *format;       /**< "refgraph-snapshot", ..., or "objgraph-log" */
    int64_t pid;              /**< -1 when unknown */
    double time;              /**< Unix seconds; 0 when unknown */
    int64_t seq;              /**< -1 when unknown */
    uint64_t objects;         /**< objects in the snapshot (sum of listed counts for a log) */
    uint64_t total_bytes;     /**< 0 without RG_SUMMARY_HAS_BYTES */
    uint32_t types;           /**< entries in the type table */
    uint32_t groups;          /**< entries in the group table */
    unsigned flags;           /**< RG_SUMMARY_* */
    uint64_t memory_bytes;    /**< heap the summary itself holds */
} rg_summary_info;

/** Options for rg_summary_compute (versioned: start from RG_SUMMARY_OPTIONS_INIT). */
typedef struct rg_summary_options {
    /** RG_SUMMARY_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** Do not compute retention groups: faster, but no per-group growth and
     * the verdict can only name types. */
    int no_groups;
    /** Retention groups already computed for this snapshot with the default
     * path options (rg_groups_compute), so they are not computed twice;
     * borrowed for the call. NULL: compute them. */
    const rg_groups *groups;
    /** The held-from-outside analysis of this snapshot, when `groups` is
     * given, so that it is not computed twice; borrowed for the call. Its
     * groups join the group table (signatures "o1:..."), so that growth
     * outside the heap is measured like any other. */
    const rg_outside *outside;
} rg_summary_options;

/** The version of rg_summary_options this header describes. */
#define RG_SUMMARY_OPTIONS_VERSION 1
/** rg_summary_options with the version set and every default filled in:
 * `rg_summary_options o = RG_SUMMARY_OPTIONS_INIT;`. */
#define RG_SUMMARY_OPTIONS_INIT {RG_SUMMARY_OPTIONS_VERSION, 0, NULL, NULL}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_SUMMARY_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_summary_options_init(rg_summary_options *opts, unsigned int version);

/** @{ */
/** Summarise a loaded snapshot. NULL options = defaults. On success *out is
 * owned by the caller (rg_summary_free) and borrows nothing: `snap` may be
 * freed at once. */
RG_API int rg_summary_compute(const rg_snapshot *snap, const rg_summary_options *opts,
                            rg_summary **out);
RG_API void rg_summary_free(rg_summary *sum);
/** @} */

/** Owned by the summary. */
RG_API const rg_summary_info *rg_summary_info_get(const rg_summary *sum);

/** Type table entry i (< info->types), sorted by name. out->type is i and
 * out->name is owned by the summary. */
RG_API int rg_summary_type_get(const rg_summary *sum, uint32_t i, rg_type_stat *out);

/** One row of a summary's group table (rg_summary_group_get). */
typedef struct rg_summary_group {
    /** sizeof(rg_summary_group), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    const char *signature;    /**< what matches a group across snapshots */
    const char *path;         /**< readable path (rg_groups_path) */
    const char *container;    /**< the parent group's path: where members accumulate; "" at a root */
    const char *member;       /**< the path's last hop, e.g. "[i] tuple" */
    uint32_t depth;           /**< hops from the root */
    uint64_t count;           /**< member objects */
    uint64_t bytes;           /**< shallow bytes of the members */
    uint64_t retained;        /**< bytes the members keep alive; 0 when unknown */
} rg_summary_group;

/** Group table entry i (< info->groups), sorted by signature. Strings are
 * owned by the summary. */
RG_API int rg_summary_group_get(const rg_summary *sum, uint32_t i, rg_summary_group *out);

/** Is this text an objgraph log rather than a snapshot? 1 when it holds at
 * least one block of objgraph output and does not start like a snapshot
 * (JSON, gzip or zstd), else 0. Looks at the first `len` bytes only. */
RG_API int rg_objgraph_log_detect(const void *data, size_t len);

/** Parse objgraph output. A block is a run of consecutive lines of one shape:
 * "NAME COUNT" (show_most_common_types) or "NAME COUNT +DELTA" (show_growth);
 * any other line ends a block; every block is one point of the series. A
 * date-time "YYYY-MM-DD HH:MM:SS" on the text lines before a block becomes
 * that point's time. *out is an array of *n summaries (RG_SUMMARY_PARTIAL,
 * no bytes, ids or groups): free each with rg_summary_free and the array with
 * rg_free. RG_EFORMAT when the text holds no block. `name` is used in
 * sources and errors. */
RG_API int rg_objgraph_log_open_memory(const void *data, size_t len, const char *name,
                                 rg_summary ***out, uint32_t *n);
/** Same, reading a file (gzip and zstd are decompressed). */
RG_API int rg_objgraph_log_open(const char *path, rg_summary ***out, uint32_t *n);

/** The analysis of a series of summaries (opaque). */
typedef struct rg_diff rg_diff;

/** Options for rg_diff_compute (versioned: start from RG_DIFF_OPTIONS_INIT). */
typedef struct rg_diff_options {
    /** RG_DIFF_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** A type or group is "growing" when its count rises at every step of a
     * series of >= 3 snapshots and the whole-series rise is at least
     * min_growth objects and at least min_ratio (types) or min_group_ratio
     * (groups) times its first count. A group is one path shape, a far more
     * specific signal than a type that gathers objects from everywhere, so
     * its bar is lower. rg_diff_options_init sets 100, 0.10 and 0.02. */
    uint64_t min_growth;      /**< objects; default 100 */
    double min_ratio;         /**< of the first count, for types; default 0.10 */
    double min_group_ratio;   /**< of the first count, for groups; default 0.02 */
} rg_diff_options;

/** The version of rg_diff_options this header describes. */
#define RG_DIFF_OPTIONS_VERSION 1
/** rg_diff_options with the version set and every default filled in:
 * `rg_diff_options o = RG_DIFF_OPTIONS_INIT;`. */
#define RG_DIFF_OPTIONS_INIT {RG_DIFF_OPTIONS_VERSION, 100, 0.10, 0.02}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_DIFF_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_diff_options_init(rg_diff_options *opts, unsigned int version);

/** @{ */
/** Analyse a series of >= 2 summaries, given in any order: when every one has
 * a header time they are put in time order (ties by seq, then the order
 * given); otherwise the order given is kept, with a warning. The summaries are
 * borrowed and must outlive the diff (rg_diff_point_get hands them back); names
 * and arrays in results are owned by the diff.
 * NULL options = defaults. RG_EINVAL for fewer than 2 summaries. On success
 * *out is owned by the caller (rg_diff_free). */
RG_API int rg_diff_compute(rg_summary *const *sums, uint32_t n, const rg_diff_options *opts,
                           rg_diff **out);
RG_API void rg_diff_free(rg_diff *d);
/** @} */

/** @{ */
/** The series in analysis (time) order: point i < rg_diff_point_count. */
RG_API uint32_t rg_diff_point_count(const rg_diff *d);
RG_API const rg_summary *rg_diff_point_get(const rg_diff *d, uint32_t i);
/** @} */
/** Index of point i in the array given to rg_diff_compute. */
RG_API uint32_t rg_diff_point_input_index(const rg_diff *d, uint32_t i);
/** Seconds from the first point to the last; 0 when a time is unknown. */
RG_API double rg_diff_span_seconds(const rg_diff *d);

/** @{ */
/** Warnings about the input (reordered, different pids, missing times,
 * partial data). Owned by the diff. */
RG_API uint32_t rg_diff_warning_count(const rg_diff *d);
RG_API const char *rg_diff_warning_get(const rg_diff *d, uint32_t i);
/** @} */

/** Growth record flags. */
#define RG_GROWTH_MONOTONIC       0x1u  /**< count rose at every step, >= 3 points */
#define RG_GROWTH_MONOTONIC_BYTES 0x2u  /**< bytes rose at every step, >= 3 points */
#define RG_GROWTH_SIGNIFICANT     0x4u  /**< rise >= min_growth and >= the ratio x first */
#define RG_GROWTH_GROWING         0x8u  /**< MONOTONIC and SIGNIFICANT: a leak suspect */
#define RG_GROWTH_ESTIMATED       0x10u /**< some points were filled in (objgraph top-N) */
#define RG_GROWTH_RETAINED        0x20u /**< bytes_delta and the rates are retained bytes */

/** One type or group across the series. Arrays have rg_diff_point_count
 * entries in time order; everything is owned by the diff. */
typedef struct rg_growth {
    const char *name;         /**< type name, or a group's readable path */
    const char *signature;    /**< groups: the matching key; types: the name */
    const char *container;    /**< groups: the parent group's path ("" at a root); types: "" */
    const char *member;       /**< groups: the last hop ("[i] tuple"); types: the name */
    const uint64_t *count;    /**< instances at each point */
    const uint64_t *bytes;    /**< shallow bytes; all 0 without bytes */
    const uint64_t *retained; /**< groups: retained bytes (0 when unknown); types: NULL */
    int64_t count_delta;      /**< last - first */
    int64_t bytes_delta;      /**< last - first (retained when known, for groups) */
    double count_per_min;     /**< NaN when the timestamps do not give a span */
    double bytes_per_min;     /**< bytes_delta per minute; NaN without a span */
    uint32_t steps_up;        /**< steps at which the count rose */
    unsigned flags;           /**< RG_GROWTH_* */
} rg_growth;

/** @{ */
/** Types and groups, most growth first: GROWING first, then types by
 * count_delta, bytes_delta, name, and groups by bytes_delta (retained when
 * known), count_delta, signature; shrinking ones come last.
 * Groups exist only when every summary has RG_SUMMARY_HAS_GROUPS. */
RG_API uint32_t rg_diff_type_count(const rg_diff *d);
RG_API const rg_growth *rg_diff_type_get(const rg_diff *d, uint32_t i);
RG_API uint32_t rg_diff_group_count(const rg_diff *d);
RG_API const rg_growth *rg_diff_group_get(const rg_diff *d, uint32_t i);
/** @} */
/** The growth of one group as the suspects ranking takes it
 * (rg_suspect_options.growth): its signature is borrowed from the diff. */
RG_API int rg_growth_key(const rg_diff *d, const rg_growth *g, rg_group_growth *out);
/** Fill opts->growth (an array the caller frees with rg_free) from every group
 * of the diff, and opts->n_growth and opts->n_snapshots. */
RG_API int rg_suspect_options_from_diff(rg_suspect_options *opts, const rg_diff *d, rg_group_growth **owned);

/** Object lifetimes by id, in the style of memlab's find-leaks. Baseline is
 * the first point, final the last, target the one before final (the final
 * itself for two points). An id is the same object in two snapshots only
 * if its type and size are equal, and it is in every snapshot between them;
 * otherwise the address was reused and the objects count as freed + new.
 * Available when every summary has ids and all known pids agree. */
typedef struct rg_lifetime {
    const char *name;         /**< type name or group path; "" for the totals */
    uint64_t new_count;       /**< in final, not the same object in baseline */
    uint64_t new_bytes;       /**< their bytes */
    uint64_t freed_count;     /**< in baseline, not the same object in final */
    uint64_t freed_bytes;     /**< their bytes */
    uint64_t surviving_count; /**< the same object from baseline to final */
    uint64_t surviving_bytes; /**< their bytes */
    /** memlab's leak set: in target but not in baseline, and still the same
     * object in final. 0 with two points. */
    uint64_t leaked_count;
    uint64_t leaked_bytes;    /**< their bytes */
} rg_lifetime;

/** 1 when the diff has object lifetimes (ids in every summary, one pid). */
RG_API int rg_diff_has_lifetimes(const rg_diff *d);
/** Totals over all objects; NULL without lifetimes. */
RG_API const rg_lifetime *rg_diff_lifetime_total(const rg_diff *d);
/** Ids present in baseline and final whose type or size differ (reused
 * addresses), and ids equal in both but missing from a snapshot between. */
RG_API uint64_t rg_diff_reused_ids(const rg_diff *d);
/** @{ */
/** Per type / per group (by the object's group in final, or in baseline for
 * freed objects), sorted by leaked_count, new_count, name, all descending
 * except name. Zero entries without lifetimes. */
RG_API uint32_t rg_diff_lifetime_type_count(const rg_diff *d);
RG_API const rg_lifetime *rg_diff_lifetime_type_get(const rg_diff *d, uint32_t i);
RG_API uint32_t rg_diff_lifetime_group_count(const rg_diff *d);
RG_API const rg_lifetime *rg_diff_lifetime_group_get(const rg_diff *d, uint32_t i);
/** @} */

/** What the verdict of a diff names. */
typedef enum rg_verdict_kind {
    RG_VERDICT_NONE = 0,      /**< nothing grew past the thresholds */
    RG_VERDICT_GROUP,         /**< a retention group grew: `growth` names its path */
    RG_VERDICT_TYPE           /**< a type grew but no group explains it (or no groups) */
} rg_verdict_kind;

/** The verdict of a diff (rg_diff_verdict). */
typedef struct rg_verdict {
    rg_verdict_kind kind;     /**< what it names */
    const rg_growth *growth;  /**< the suspect; NULL for RG_VERDICT_NONE */
    int confirmed;            /**< 1 when monotonic over >= 3 points */
    const char *text;         /**< one or two sentences; owned by the diff */
    /** The judgement's growth rule (the one rg_suspect.level comes from):
     * RG_LEVEL_LEAK when confirmed, RG_LEVEL_POSSIBLE_LEAK for growth over
     * two snapshots or too small to confirm, RG_LEVEL_NO_LEAK for
     * RG_VERDICT_NONE. */
    rg_leak_level level;
    rg_leak_reason reason; /**< why, as rg_suspect.reason says it */
} rg_verdict;

/** Never NULL for a valid diff. */
RG_API const rg_verdict *rg_diff_verdict(const rg_diff *d);

/** A CI gate. `spec` is SELECTOR[:THRESHOLD]:
 *   SELECTOR   "type:NAME", "group:TEXT", or bare: an exact type name, else a
 *              type whose last dotted part is NAME, else every group whose
 *              path or signature contains TEXT.
 *   THRESHOLD  (default 0) growth from first to last point must not exceed:
 *              N or +N   objects (k and M suffixes: 10k);
 *              N%        percent of the first count;
 *              NB, NkB, NMB, NGB, NKiB, NMiB, NGiB   bytes (groups: retained
 *                        bytes when known, else shallow);
 *              any of these followed by /min: the rate per minute instead.
 * The gate trips when the growth is strictly greater. RG_EINVAL for a spec
 * that does not parse, or a /min threshold without timestamps. */
typedef struct rg_gate_result {
    /** sizeof(rg_gate_result), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    int tripped;              /**< 1 when the growth exceeds the threshold */
    uint32_t matched;         /**< types or groups the selector matched */
    /** What grew by how much, against what threshold. The caller frees it
     * with rg_free (also on failure it is NULL or allocated). */
    char *message;
} rg_gate_result;

RG_API int rg_diff_gate(const rg_diff *d, const char *spec, rg_gate_result *out);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_GROWTH_H */
