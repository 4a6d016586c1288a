/**
 * @file
 * refgraph/groups.h: retention groups: objects grouped by the shape of their chain.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/groups.c.
 */
#ifndef REFGRAPH_GROUPS_H
#define REFGRAPH_GROUPS_H

#include "paths.h"
#include "dominators.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== retention groups (groups.c) ==== */
/**
 * Every object a root reaches is put in a group by its retention signature:
 * the hops (edge label, type) on its shortest chain from a root (rg_paths),
 * starting with the root's kind, label and type. Labels are normalised so that
 * data does not split groups: list/deque/set indices become [i] (tuple indices
 * stay, a tuple is a record), keys of large dicts become their key type
 * ([str], [int]), and digit runs in other keys become '#'. A hop that
 * repeats its parent's hop (.next Node, .next Node, ...) stays in the
 * parent's group, so a linked list of any length is one group. The exact rule
 * is in docs/suspects.md. A group's retained size counts each byte once.
 */
typedef struct rg_groups rg_groups;
/** A retention group: 0 .. rg_groups_count()-1. */
typedef uint32_t rg_group;
/** No group: objects no root reaches, and the parent of a root group. */
#define RG_GROUP_NONE UINT32_MAX

/** One retention group (rg_groups_get). */
typedef struct rg_group_info {
    /** sizeof(rg_group_info), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    rg_group parent;          /**< group of the previous hop; RG_GROUP_NONE at a root */
    uint32_t depth;           /**< hops from the root (0 for root objects) */
    const char *label;        /**< normalised label of the last hop ("[i]", ".jobs"); "" at a root */
    uint32_t type;            /**< type of the members */
    const char *type_name;    /**< their type's name; owned by the snapshot */
    rg_root_kind root_kind;   /**< the chain's root */
    const char *root_label;   /**< normalised root label ("__main__"); owned by the groups */
    uint64_t count;           /**< members */
    uint64_t shallow_bytes;   /**< the members' own bytes */
    uint64_t retained_bytes;  /**< 0 when computed without dominators */
    rg_node representative;   /**< the lowest-numbered member */
    /** 0, or for a recursive group (its hop repeats: a linked list, nested
     * lists) the longest run of members one after another. */
    uint32_t repeat;
} rg_group_info;

/** @{ */
/** Group every reachable object. `paths` gives the chains (its options decide
 * which edges count); `dom` may be NULL (retained sizes are then 0). Both are
 * borrowed for the call only. On success *out is owned by the caller
 * (rg_groups_free); its strings stay valid while `snap` lives. */
RG_API int rg_groups_compute(const rg_snapshot *snap, const rg_paths *paths,
                             const rg_dominators *dom, rg_groups **out);
RG_API void rg_groups_free(rg_groups *groups);
/** @} */

/** Groups in the handle. */
RG_API uint32_t rg_groups_count(const rg_groups *groups);
/** Describe group `grp` (< rg_groups_count). */
RG_API int rg_groups_get(const rg_groups *groups, rg_group grp, rg_group_info *out);
/** Write the signature of group `grp` to buf, like snprintf (at most `cap`
 * bytes with the NUL; returns the length of the whole signature, 0 for a
 * group out of range). The signature is "g1:" and 32 hex digits, a hash of
 * the normalised hops, type names and root: equal in any snapshot with the
 * same chain shape, so groups are matched across snapshots with it. It is
 * computed on demand, so the record does not carry it. */
RG_API size_t rg_groups_signature(const rg_groups *groups, rg_group grp, char *buf, size_t cap);
/** The group of `node`; RG_GROUP_NONE for objects no root reaches. */
RG_API rg_group rg_groups_of(const rg_groups *groups, rg_node node);
/** The group with this signature; RG_ENOTFOUND when none. */
RG_API int rg_groups_find(const rg_groups *groups, const char *signature, rg_group *out);
/** The signature as a person reads it, root first:
 * "module __main__ → .jobs queue.Queue → .queue collections.deque → [i] tuple
 * → [2] __main__.Job". Chains deeper than 24 hops keep the first 8 and the
 * last 12 with "→ … N hops …" between. *out is owned by the caller (rg_free). */
RG_API int rg_groups_path(const rg_groups *groups, rg_group grp, char **out);
/** The members of `grp` in node order (one pass over all objects). *out is
 * owned by the caller (rg_free). */
RG_API int rg_groups_members(const rg_groups *groups, rg_group grp, rg_node **out, uint64_t *n);
/** All groups ordered by retained bytes, then count, then signature, all
 * descending but the signature. *out (*n entries) is owned by the caller. */
RG_API int rg_groups_ranked(const rg_groups *groups, rg_group **out, uint32_t *n);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_GROUPS_H */
