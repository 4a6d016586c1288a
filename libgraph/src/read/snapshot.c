/* snapshot.c: rg_snapshot_open: use the index cache when it is valid;
 * otherwise pick the reader for the stream, build the graph, and write the
 * cache for next time (docs/design.md, "Loader"). */
#include "readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_LINE (1ULL << 30)

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(rg_input *in, const rg_open_options *opts, rg_snapshot **out)
{
    double t0 = now_seconds();
    uint64_t max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : DEFAULT_MAX_LINE;
    const void *head;
    int64_t n = rg_input_peek(in, &head);
    if (n < 0)
        return (int)rg_last_error_code();

    rg_builder *b;
    int rc = rg_builder_new(&b);
    if (rc)
        return rc;
    rg_builder_set_threads(b, opts ? opts->threads : 0);
    rg_builder_set_input_size(b, rg_input_stored_size(in));
    if (rg_sniff_v8(head, (size_t)n))
        rc = rg_read_v8(in, b, max_line);
    else if (rg_sniff_meliae(head, (size_t)n))
        rc = rg_read_meliae(in, b, max_line);
    else
        rc = rg_read_jsonl(in, b, max_line);
    if (rc) {
        rg_builder_free(b);
        return rc;
    }
    rg_builder_set_info_strings(b, rg_input_name(in), rg_input_compression(in), rg_input_total(in));
    rg_snapshot *s;
    rc = rg_builder_finish(b, &s);
    if (rc) {
        rg_error_prefix("%s", rg_input_name(in));
        return rc;
    }
    s->info.load_seconds = now_seconds() - t0;
    *out = s;
    return RG_OK;
}

static void set_note(rg_snapshot *s, char *note)
{
    if (!note)
        return;
    if (s->info_cache_note) {
        /* two notes: the cache that was ignored, then the one not written */
        size_t n = strlen(s->info_cache_note) + strlen(note) + 3;
        char *both = rg_malloc(n);
        if (both) {
            snprintf(both, n, "%s; %s", s->info_cache_note, note);
            rg_free(note);
            note = both;
        }
        rg_free(s->info_cache_note);
    }
    s->info_cache_note = note;
    s->info.cache_note = note;
}

static int set_path(rg_snapshot *s, const char *path)
{
    rg_free(s->info_path);
    s->info_path = rg_xstrndup(path, strlen(path));
    if (!s->info_path)
        return RG_ENOMEM;
    s->info.path = s->info_path;
    return RG_OK;
}

int rg_open_options_init(rg_open_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_OPEN_OPTIONS_VERSION, "rg_open_options")
               : rg_fail(RG_EINVAL, "rg_open_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_open_options)RG_OPEN_OPTIONS_INIT;
    return rc;
}

int rg_snapshot_open(const char *path, const rg_open_options *opts, rg_snapshot **out)
{
    if (!path || !out)
        return rg_fail(RG_EINVAL, "rg_snapshot_open: NULL path or out");
    if (opts && rg_options_version(opts->version, RG_OPEN_OPTIONS_VERSION, "rg_snapshot_open: rg_open_options") != RG_OK)
        return RG_EINVAL;
    rg_clear_error();
    double t0 = now_seconds();
    uint64_t max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : DEFAULT_MAX_LINE;
    int use_cache = !(opts && (opts->flags & RG_OPEN_NO_CACHE));
    int explicit_dir = opts && opts->cache_dir && *opts->cache_dir;
    rg_cache_key key;
    char *cache_dir = NULL, *cache_path = NULL, *note = NULL, *dir_note = NULL;
    if (use_cache && rg_cache_key_of(path, &key) != RG_OK) {
        use_cache = 0; /* the open below reports an unreadable file */
        rg_clear_error();
    }
    if (use_cache) {
        cache_dir = explicit_dir ? rg_xstrndup(opts->cache_dir, strlen(opts->cache_dir)) : rg_cache_default_dir();
        if (!cache_dir) {
            use_cache = 0; /* no $XDG_CACHE_HOME nor $HOME: no cache */
        } else if (rg_cache_dir_prepare(cache_dir, &dir_note) != RG_OK ||
                   !(cache_path = rg_cache_path(path, cache_dir, &key))) {
            use_cache = 0; /* dir_note says why */
        }
        rg_clear_error();
    }
    if (use_cache) {
        rg_snapshot *s;
        int rc = rg_cache_load(cache_path, &key, max_line, opts ? opts->threads : 0, &s, &note);
        if (rc == RG_OK) {
            rg_free(cache_path);
            rg_free(cache_dir);
            if (set_path(s, path)) {
                rg_snapshot_free(s);
                return RG_ENOMEM;
            }
            s->info.load_seconds = now_seconds() - t0;
            *out = s;
            return RG_OK;
        }
        rg_clear_error();
    }
    rg_input *in;
    int rc = rg_input_open_file(path, &in);
    if (rc) {
        rg_free(cache_path);
        rg_free(cache_dir);
        rg_free(note);
        rg_free(dir_note);
        return rc;
    }
    rc = load(in, opts, out);
    rg_input_close(in);
    if (rc) {
        rg_free(cache_path);
        rg_free(cache_dir);
        rg_free(note);
        rg_free(dir_note);
        return rc;
    }
    rg_snapshot *s = *out;
    int bad_cache = note != NULL;
    set_note(s, note);
    /* An unusable cache directory matters only when a cache was due: the
     * default directory is not a concern of every small snapshot's open. */
    if (dir_note && (explicit_dir || s->info.input_bytes >= RG_CACHE_MIN_INPUT))
        set_note(s, dir_note);
    else
        rg_free(dir_note);
    /* A cache of a small snapshot costs more than it saves; one in an
     * explicit directory was asked for. */
    if (use_cache && (explicit_dir || s->info.input_bytes >= RG_CACHE_MIN_INPUT)) {
        char *wnote = NULL;
        if (rg_cache_write(s, cache_path, &key, &wnote) != RG_OK) {
            set_note(s, wnote);
        } else {
            /* later blobs (the retention paths) go beside this cache */
            rg_cache_attach(s, cache_path);
            rg_cache_evict(cache_dir, cache_path, rg_cache_max_bytes(opts ? opts->cache_max_bytes : 0));
        }
        rg_clear_error();
    } else if (use_cache && bad_cache) {
        /* an unusable cache that will not be replaced would repeat its note
         * on every open: it is ours, remove it */
        unlink(cache_path);
    }
    rg_free(cache_path);
    rg_free(cache_dir);
    s->info.load_seconds = now_seconds() - t0;
    return RG_OK;
}

int rg_snapshot_open_memory(const void *data, size_t size, const char *name,
                            const rg_open_options *opts, rg_snapshot **out)
{
    if (!out || (!data && size))
        return rg_fail(RG_EINVAL, "rg_snapshot_open_memory: NULL data or out");
    if (opts && rg_options_version(opts->version, RG_OPEN_OPTIONS_VERSION, "rg_snapshot_open_memory: rg_open_options") != RG_OK)
        return RG_EINVAL;
    rg_clear_error();
    rg_input *in;
    int rc = rg_input_open_memory(data, size, name, &in);
    if (rc)
        return rc;
    rc = load(in, opts, out);
    rg_input_close(in);
    return rc;
}
