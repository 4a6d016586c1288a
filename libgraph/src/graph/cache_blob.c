/* cache_blob.c: named blobs kept beside an index cache, for the layers
 * above the graph: they store what they computed from a cached graph
 * (the retention paths' forest) and read it back on the next open, while
 * the graph layer knows nothing of what the bytes mean.
 *
 * A blob is its own file, "<cache without .rgcache>.<name>.rgcache", so it
 * is written when its owner has it (the cache is written before any
 * analysis runs), is evicted like a cache, and never makes the cache
 * itself bigger than it needs to be. Its header names the cache it
 * belongs to by that file's header checksum: a blob left from an older
 * cache of another graph is never used. The payload is checksummed whole;
 * what it means is for its owner to check. */
#include "graph/cache_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOB_MAGIC "RGBLOB1"
#define BLOB_BOM 0x01020304u
#define BLOB_DATA 64u   /* the payload's offset: aligned for any element type */

typedef struct blob_header {
    char magic[8];
    uint32_t bom, header_size;
    uint64_t owner;     /* the cache's header checksum (rg_snapshot.cache_id) */
    uint64_t size;      /* payload bytes */
    uint64_t checksum;  /* of the payload */
    uint64_t header_checksum;
} blob_header;

struct rg_cache_blob {
    void *map;
    size_t map_size;
    uint64_t size;
};

static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
            return 0;
    return 1;
}

char *rg_cache_blob_path(const char *cache_path, const char *name)
{
    size_t n = strlen(cache_path);
    size_t stem = n > 8 && strcmp(cache_path + n - 8, ".rgcache") == 0 ? n - 8 : n;
    size_t len = stem + strlen(name) + 10;
    char *out = rg_xmalloc(len, 1);
    if (out)
        snprintf(out, len, "%.*s.%s.rgcache", (int)stem, cache_path, name);
    return out;
}

int rg_cache_blob_open(const rg_snapshot *s, const char *name, rg_cache_blob **out)
{
    *out = NULL;
    if (!s->cache_path || !name_ok(name))
        return RG_ENOTFOUND;
    char *path = rg_cache_blob_path(s->cache_path, name);
    if (!path)
        return RG_ENOMEM;
    /* as rg_cache_load: no FIFO, no symbolic link, nothing mapped before
     * the header says it is ours */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        rg_free(path);
        return RG_ENOTFOUND;
    }
    struct stat st = {0};
    blob_header h;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
             memcmp(h.magic, BLOB_MAGIC, sizeof BLOB_MAGIC) == 0 && h.bom == BLOB_BOM &&
             h.header_size == sizeof h &&
             h.header_checksum == rg_cache_checksum(&h, offsetof(blob_header, header_checksum), 0) &&
             h.owner == s->cache_id && (uint64_t)st.st_size >= BLOB_DATA &&
             h.size == (uint64_t)st.st_size - BLOB_DATA;
    void *map = MAP_FAILED;
    if (ok)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map != MAP_FAILED)
        futimens(fd, NULL); /* a use, for eviction (rg_cache_evict) */
    close(fd);
    if (map != MAP_FAILED) {
        /* the payload's checksum, and zeros between header and payload */
        const unsigned char *c = map;
        unsigned pad = 0;
        for (size_t z = sizeof h; z < BLOB_DATA; z++)
            pad |= c[z];
        if (pad || rg_cache_checksum(c + BLOB_DATA, (size_t)h.size, 0) != h.checksum) {
            munmap(map, (size_t)st.st_size);
            map = MAP_FAILED;
        }
    }
    if (map == MAP_FAILED) {
        /* damaged or another cache's: a regular file there is ours to
         * replace (the cache directory was checked to be ours) */
        if (S_ISREG(st.st_mode))
            unlink(path);
        rg_free(path);
        return RG_ENOTFOUND;
    }
    rg_free(path);
    rg_cache_blob *b = rg_xcalloc(1, sizeof *b);
    if (!b) {
        munmap(map, (size_t)st.st_size);
        return RG_ENOMEM;
    }
    b->map = map;
    b->map_size = (size_t)st.st_size;
    b->size = h.size;
    *out = b;
    return RG_OK;
}

const void *rg_cache_blob_data(const rg_cache_blob *b, uint64_t *size)
{
    *size = b->size;
    return (const char *)b->map + BLOB_DATA;
}

void rg_cache_blob_close(rg_cache_blob *b)
{
    if (!b)
        return;
    munmap(b->map, b->map_size);
    rg_free(b);
}

static int write_all(int fd, const void *p, uint64_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : (size_t)n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (uint64_t)w;
    }
    return 0;
}

int rg_cache_blob_store(const rg_snapshot *s, const char *name, const void *const *parts, const uint64_t *sizes,
                        unsigned n_parts)
{
    if (!s->cache_path || !name_ok(name))
        return RG_ENOTFOUND;
    blob_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, BLOB_MAGIC, sizeof BLOB_MAGIC);
    h.bom = BLOB_BOM;
    h.header_size = sizeof h;
    h.owner = s->cache_id;
    /* the checksum of the parts as one run of bytes: hash a copy */
    for (unsigned k = 0; k < n_parts; k++)
        h.size += sizes[k];
    unsigned char *all = rg_xmalloc(h.size ? h.size : 1, 1);
    if (!all)
        return RG_ENOMEM;
    uint64_t at = 0;
    for (unsigned k = 0; k < n_parts; k++) {
        memcpy(all + at, parts[k], (size_t)sizes[k]);
        at += sizes[k];
    }
    h.checksum = rg_cache_checksum(all, (size_t)h.size, 0);
    h.header_checksum = rg_cache_checksum(&h, offsetof(blob_header, header_checksum), 0);

    char *path = rg_cache_blob_path(s->cache_path, name);
    size_t tn = path ? strlen(path) + 48 : 0;
    char *tmp = path ? rg_xmalloc(tn, 1) : NULL;
    if (!tmp) {
        rg_free(all);
        rg_free(path);
        return RG_ENOMEM;
    }
    snprintf(tmp, tn, "%s.tmp-%ld-%p", path, (long)getpid(), (const void *)&h);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = RG_OK;
    if (fd < 0) {
        rc = rg_fail(RG_EIO, "%s: %s", tmp, strerror(errno));
    } else {
        static const char zeros[BLOB_DATA];
        if (write_all(fd, &h, sizeof h) || write_all(fd, zeros, BLOB_DATA - sizeof h) || write_all(fd, all, h.size))
            rc = rg_fail(RG_EIO, "%s: %s", tmp, strerror(errno));
        if (close(fd) != 0 && rc == RG_OK)
            rc = rg_fail(RG_EIO, "%s: %s", tmp, strerror(errno));
        if (rc == RG_OK && rename(tmp, path) != 0)
            rc = rg_fail(RG_EIO, "%s: %s", path, strerror(errno));
        if (rc != RG_OK)
            unlink(tmp);
    }
    rg_free(tmp);
    rg_free(path);
    rg_free(all);
    return rc;
}

void rg_cache_blob_fix_checksums(void *data, size_t size)
{
    blob_header h;
    if (size < BLOB_DATA)
        return;
    memcpy(&h, data, sizeof h);
    h.checksum = rg_cache_checksum((const char *)data + BLOB_DATA, size - BLOB_DATA, 0);
    h.header_checksum = rg_cache_checksum(&h, offsetof(blob_header, header_checksum), 0);
    memcpy(data, &h, sizeof h);
}
