/* cache_dir.c: where index caches live, and how many are kept.
 *
 * By default in the user's cache directory ($XDG_CACHE_HOME/refgraph, else
 * ~/.cache/refgraph), never beside the user's snapshot; with a size cap and
 * least-recently-used eviction, as ccache keeps its cache. A cache
 * directory must be ours: a directory owned by someone else, a world-writable
 * one without the sticky bit, or a symbolic link is refused (another user
 * could plant or swap caches there). Every cache file is checked on open
 * anyway (cache.c); this keeps them from being planted in the first place. */
#include "graph/graph_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *rg_cache_default_dir(void)
{
    /* The XDG base directory spec: a relative $XDG_CACHE_HOME is invalid
     * and ignored. */
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    const char *base, *sub;
    if (xdg && xdg[0] == '/') {
        base = xdg;
        sub = "/refgraph";
    } else if (home && home[0] == '/') {
        base = home;
        sub = "/.cache/refgraph";
    } else {
        return NULL;
    }
    size_t n = strlen(base) + strlen(sub) + 1;
    char *out = rg_xmalloc(n, 1);
    if (out)
        snprintf(out, n, "%s%s", base, sub);
    return out;
}

/* mkdir -p, each directory it creates with mode 0700. */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = c;
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
        if (c == '\0')
            return 0;
    }
}

int rg_cache_dir_prepare(const char *dir, char **note)
{
    *note = NULL;
    char *copy = rg_xstrndup(dir, strlen(dir));
    if (!copy)
        return RG_ENOMEM;
    size_t len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    if (make_dirs(copy) != 0) {
        *note = rg_cache_note("index cache not written: cannot create directory %s: %s", dir, strerror(errno));
        rg_free(copy);
        return RG_EIO;
    }
    struct stat st;
    const char *why = NULL;
    char whybuf[160];
    if (lstat(copy, &st) != 0) {
        snprintf(whybuf, sizeof whybuf, "%s", strerror(errno));
        why = whybuf;
    } else if (S_ISLNK(st.st_mode)) {
        why = "it is a symbolic link";
    } else if (!S_ISDIR(st.st_mode)) {
        why = "not a directory";
    } else if (st.st_uid != geteuid()) {
        snprintf(whybuf, sizeof whybuf, "owned by another user (uid %lu)", (unsigned long)st.st_uid);
        why = whybuf;
    } else if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        why = "writable by every user, without the sticky bit";
    }
    rg_free(copy);
    if (why) {
        *note = rg_cache_note("index cache directory %s not used: %s", dir, why);
        return RG_EIO;
    }
    return RG_OK;
}

/* "2G", "500M", "1048576", "64MiB": bytes (k, M, G, T are powers of 1024).
 * 0 for anything else. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (shift && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return 0;
    return (uint64_t)v << shift;
}

uint64_t rg_cache_max_bytes(uint64_t asked)
{
    if (asked)
        return asked;
    const char *env = getenv("REFGRAPH_CACHE_MAX");
    uint64_t v = env && *env ? parse_size(env) : 0;
    return v ? v : RG_CACHE_DEFAULT_MAX;
}

typedef struct cache_file {
    char *name;
    uint64_t bytes;
    int64_t used_ns;  /* mtime: a cache hit touches it (rg_cache_load) */
} cache_file;

static int by_use(const void *a, const void *b)
{
    const cache_file *x = a, *y = b;
    if (x->used_ns != y->used_ns)
        return x->used_ns < y->used_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int is_cache_name(const char *name)
{
    size_t n = strlen(name);
    return n > 8 && strcmp(name + n - 8, ".rgcache") == 0;
}

void rg_cache_evict(const char *dir, const char *keep, uint64_t max_bytes)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    const char *keep_base = keep ? strrchr(keep, '/') : NULL;
    keep_base = keep_base ? keep_base + 1 : keep;
    cache_file *files = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_cache_name(e->d_name))
            continue;
        struct stat st;
        /* Only our own regular files count, and only they are removed. */
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        total += (uint64_t)st.st_size;
        if (keep_base && strcmp(e->d_name, keep_base) == 0)
            continue;
        if (rg_grow((void **)&files, &cap, n + 1, sizeof *files))
            break;
        files[n].name = rg_xstrndup(e->d_name, strlen(e->d_name));
        if (!files[n].name)
            break;
        files[n].bytes = (uint64_t)st.st_size;
        files[n].used_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        n++;
    }
    if (total > max_bytes && n) {
        qsort(files, n, sizeof *files, by_use);
        for (size_t i = 0; i < n && total > max_bytes; i++)
            if (unlinkat(dfd, files[i].name, 0) == 0)
                total -= files[i].bytes;
    }
    for (size_t i = 0; i < n; i++)
        rg_free(files[i].name);
    rg_free(files);
    closedir(d);
}
