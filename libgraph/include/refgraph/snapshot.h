/**
 * @file
 * refgraph/snapshot.h: opening a snapshot file and what it says about itself.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/the one-call path.
 */
#ifndef REFGRAPH_SNAPSHOT_H
#define REFGRAPH_SNAPSHOT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- the one-call path */
/*
 *   rg_snapshot *snap;
 *   if (rg_snapshot_open("snap.jsonl.gz", NULL, &snap) != RG_OK) {
 *       fprintf(stderr, "%s\n", rg_last_error());
 *       return 1;
 *   }
 *   rg_type_stat *stats; uint32_t n;
 *   rg_type_stats(snap, RG_SORT_COUNT, sizeof *stats, &stats, &n);
 *   ... stats[0].name, stats[0].count, stats[0].bytes ...
 *   rg_free(stats);
 *   rg_snapshot_free(snap);
 */

/** A loaded snapshot: the whole graph, read-only once loaded (opaque). */
typedef struct rg_snapshot rg_snapshot;

/** Options for rg_snapshot_open. Start from RG_OPEN_OPTIONS_INIT (or
 * rg_open_options_init), then set what you need; NULL options mean all
 * defaults. */
typedef struct rg_open_options {
    /** RG_OPEN_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    /** Longest line accepted, in bytes; 0 means the default of 1 GiB. */
    uint64_t max_line_bytes;
    /** Flags: RG_OPEN_* below. */
    unsigned flags;
    /** Directory for the index cache, created (mode 0700) when missing; NULL
     * means the user's cache directory, $XDG_CACHE_HOME/refgraph, else
     * ~/.cache/refgraph (there only snapshots of 32 MiB and more are cached).
     * A cache is never written beside the snapshot. A directory not owned
     * by the user, world-writable without the sticky bit, or a symbolic
     * link is not used (cache_note says so). */
    const char *cache_dir;
    /** Number of threads the loader may use; 0 means "choose" (up to 2). */
    unsigned threads;
    /** Size cap of the cache directory in bytes: after writing a cache, the
     * least recently used caches there are removed until the rest fit.
     * 0 means $REFGRAPH_CACHE_MAX ("2G", "500M", bytes), else 2 GiB. */
    uint64_t cache_max_bytes;
} rg_open_options;

/** The version of rg_open_options this header describes. */
#define RG_OPEN_OPTIONS_VERSION 1
/** rg_open_options with the version set and every default filled in:
 * `rg_open_options o = RG_OPEN_OPTIONS_INIT;`. */
#define RG_OPEN_OPTIONS_INIT {RG_OPEN_OPTIONS_VERSION, 0, 0, NULL, 0, 0}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_OPEN_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_open_options_init(rg_open_options *opts, unsigned int version);

#define RG_OPEN_NO_CACHE 0x1u   /**< neither read nor write an index cache */

/** Open and load a snapshot file. The format (refgraph JSONL, V8
 * .heapsnapshot, meliae) and compression (gzip, zstd) are detected from the
 * content. On success *out owns the whole graph; free it with
 * rg_snapshot_free. On failure *out is untouched and rg_last_error() names
 * the file and line/offset. */
RG_API int rg_snapshot_open(const char *path, const rg_open_options *opts,
                            rg_snapshot **out);

/** Load a snapshot from memory (the bytes may be compressed). `name` is used
 * in error messages only. The buffer is not retained. */
RG_API int rg_snapshot_open_memory(const void *data, size_t size, const char *name,
                                   const rg_open_options *opts, rg_snapshot **out);

/** Free a snapshot and everything it owns. NULL is a no-op. */
RG_API void rg_snapshot_free(rg_snapshot *snap);

/** What a snapshot says about itself and about its loading. All strings are
 * owned by the snapshot and may be "" but never NULL. */
typedef struct rg_snapshot_info {
    const char *path;         /**< as given to rg_snapshot_open */
    const char *format;       /**< "refgraph-snapshot", "v8-heapsnapshot", "meliae" */
    int format_version; /**< the format's version */
    const char *compression;  /**< "none", "gzip", "zstd" */
    const char *producer; /**< the program that wrote the snapshot */
    const char *runtime; /**< the runtime it describes */
    int64_t pid;              /**< -1 when unknown */
    double time;              /**< Unix seconds; 0 when unknown */
    int64_t seq;              /**< sequence in a series; -1 when unknown */
    uint64_t objects; /**< objects in the graph */
    uint64_t edges;           /**< edges kept in the graph */
    uint64_t roots; /**< root records */
    uint64_t total_bytes;     /**< sum of shallow sizes */
    uint64_t input_bytes;     /**< uncompressed bytes read */
    uint64_t skipped_records; /**< records of an unknown kind */
    uint64_t dangling_refs;   /**< references whose target is not in the snapshot */
    uint64_t dangling_roots;  /**< roots whose id is not in the snapshot */
    double load_seconds; /**< how long loading took */
    int from_cache;           /**< 1 when the graph came from the index cache */
    const char *cache_note;   /**< why a cache was ignored or not written; "" if none */
} rg_snapshot_info;

/** Owned by the snapshot. Never NULL for a valid snapshot. */
RG_API const rg_snapshot_info *rg_snapshot_info_get(const rg_snapshot *snap);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_SNAPSHOT_H */
