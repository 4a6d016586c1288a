/* input.c: a byte stream over a file or a buffer that undoes gzip or zstd
 * compression, chosen by the magic bytes, never by the file name. */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

#define RAW_CHUNK (1u << 20)

/* Decompression bombs: past the first RG_BOMB_FREE_BYTES of output, a
 * stream may not expand more than RG_BOMB_MAX_RATIO times the compressed
 * bytes consumed so far. Snapshots compress 5-30x (docs/performance.md);
 * a bomb (a 28 KB .zst of 900 MB of spaces) is above 30000x. */
#define RG_BOMB_FREE_BYTES (64ULL << 20)
#define RG_BOMB_MAX_RATIO 1000u

struct rg_input {
    char *name;
    int fd;                      /* -1 for memory input */
    const unsigned char *mem;    /* memory input */
    size_t mem_size, mem_pos;

    unsigned char *raw;          /* compressed bytes read but not yet consumed; for
                                    memory input, the caller's buffer itself */
    size_t raw_len, raw_pos;
    uint64_t raw_total;          /* compressed bytes read so far */
    int raw_eof;
    int raw_owned;               /* raw was allocated here */

    enum codec codec;
    z_stream z;
    int z_live, z_member_done;
    ZSTD_DStream *zs;
    size_t zs_last;              /* last ZSTD_decompressStream hint; 0 = frame complete */

    unsigned char *peeked;       /* decompressed bytes held back by rg_input_peek */
    size_t peeked_len, peeked_pos;
    uint64_t total;              /* decompressed bytes handed out */
    uint64_t decoded;            /* decompressed bytes produced (check_ratio) */
};

static int fill_raw(rg_input *in)
{
    if (in->raw_pos < in->raw_len || in->raw_eof)
        return RG_OK;
    in->raw_pos = in->raw_len = 0;
    if (in->fd < 0) {
        /* the whole buffer is one raw block: nothing to copy */
        in->raw = in->mem ? (unsigned char *)in->mem + in->mem_pos : NULL;
        in->raw_len = in->mem_size - in->mem_pos;
        in->mem_pos = in->mem_size;
    } else {
        ssize_t n;
        do
            n = read(in->fd, in->raw, RAW_CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return rg_fail(RG_EIO, "%s: read error at byte %llu: %s", in->name,
                           (unsigned long long)in->raw_total, strerror(errno));
        in->raw_len = (size_t)n;
    }
    in->raw_total += in->raw_len;
    if (in->raw_len == 0)
        in->raw_eof = 1;
    return RG_OK;
}

static int64_t read_plain(rg_input *in, unsigned char *buf, size_t cap)
{
    if (in->fd >= 0 && in->raw_pos == in->raw_len && !in->raw_eof && cap >= RAW_CHUNK) {
        /* a big read of an uncompressed file goes straight to the caller */
        ssize_t n;
        do
            n = read(in->fd, buf, cap > (1u << 30) ? (1u << 30) : cap);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return rg_fail(RG_EIO, "%s: read error at byte %llu: %s", in->name,
                           (unsigned long long)in->raw_total, strerror(errno));
        in->raw_total += (uint64_t)n;
        if (n == 0)
            in->raw_eof = 1;
        return (int64_t)n;
    }
    if (fill_raw(in))
        return RG_EIO;
    size_t n = in->raw_len - in->raw_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, in->raw + in->raw_pos, n);
    in->raw_pos += n;
    return (int64_t)n;
}

static int64_t read_gzip(rg_input *in, unsigned char *buf, size_t cap)
{
    size_t produced = 0;
    while (produced == 0) {
        if (fill_raw(in))
            return RG_EIO;
        if (in->raw_pos == in->raw_len) {
            if (!in->z_member_done)
                return rg_fail(RG_EFORMAT, "%s: truncated gzip stream (ends at compressed byte %llu)",
                               in->name, (unsigned long long)in->raw_total);
            return 0;
        }
        if (in->z_member_done) {
            /* Concatenated gzip members are one stream (as gzip -d reads them). */
            inflateReset(&in->z);
            in->z_member_done = 0;
        }
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->z.next_out = buf;
        in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->raw_pos = in->raw_len - in->z.avail_in;
        produced = (cap > UINT32_MAX ? UINT32_MAX : cap) - in->z.avail_out;
        if (zr == Z_STREAM_END)
            in->z_member_done = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return rg_fail(RG_EFORMAT, "%s: corrupt gzip data near compressed byte %llu: %s", in->name,
                           (unsigned long long)(in->raw_total - (in->raw_len - in->raw_pos)),
                           in->z.msg ? in->z.msg : "inflate failed");
    }
    return (int64_t)produced;
}

static int64_t read_zstd(rg_input *in, unsigned char *buf, size_t cap)
{
    size_t produced = 0;
    while (produced == 0) {
        if (fill_raw(in))
            return RG_EIO;
        if (in->raw_pos == in->raw_len) {
            if (in->zs_last != 0)
                return rg_fail(RG_EFORMAT, "%s: truncated zstd stream (ends at compressed byte %llu)",
                               in->name, (unsigned long long)in->raw_total);
            return 0;
        }
        ZSTD_inBuffer ib = {in->raw, in->raw_len, in->raw_pos};
        ZSTD_outBuffer ob = {buf, cap, 0};
        size_t r = ZSTD_decompressStream(in->zs, &ob, &ib);
        in->raw_pos = ib.pos;
        if (ZSTD_isError(r))
            return rg_fail(RG_EFORMAT, "%s: corrupt zstd data near compressed byte %llu: %s", in->name,
                           (unsigned long long)(in->raw_total - (in->raw_len - in->raw_pos)),
                           ZSTD_getErrorName(r));
        in->zs_last = r;
        produced = ob.pos;
    }
    return (int64_t)produced;
}

static int64_t check_ratio(rg_input *in, int64_t n)
{
    if (n <= 0)
        return n;
    in->decoded += (uint64_t)n;
    uint64_t consumed = in->raw_total - (in->raw_len - in->raw_pos);
    if (in->decoded > RG_BOMB_FREE_BYTES && in->decoded / RG_BOMB_MAX_RATIO > consumed)
        return rg_fail(RG_ELIMIT, "%s: compressed byte %llu: decompresses to more than %u times its size "
                       "(%llu bytes from %llu): refused as a decompression bomb",
                       in->name, (unsigned long long)consumed, RG_BOMB_MAX_RATIO,
                       (unsigned long long)in->decoded, (unsigned long long)consumed);
    return n;
}

static int64_t read_decoded(rg_input *in, void *buf, size_t cap)
{
    switch (in->codec) {
    case CODEC_GZIP: return check_ratio(in, read_gzip(in, buf, cap));
    case CODEC_ZSTD: return check_ratio(in, read_zstd(in, buf, cap));
    default: return read_plain(in, buf, cap);
    }
}

static int start(rg_input *in)
{
    if (in->fd >= 0) {
        in->raw = rg_xmalloc(RAW_CHUNK, 1);
        if (!in->raw)
            return RG_ENOMEM;
        in->raw_owned = 1;
    }
    if (fill_raw(in))
        return RG_EIO;
    const unsigned char *m = in->raw;
    if (in->raw_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        in->codec = CODEC_GZIP;
        if (inflateInit2(&in->z, 15 + 16) != Z_OK)
            return rg_fail(RG_ENOMEM, "%s: cannot initialise zlib", in->name);
        in->z_live = 1;
    } else if (rg_zstd_magic(m, in->raw_len)) {
        in->codec = CODEC_ZSTD;
        in->zs = ZSTD_createDStream();
        if (!in->zs)
            return rg_fail(RG_ENOMEM, "%s: cannot initialise zstd", in->name);
        ZSTD_initDStream(in->zs);
        in->zs_last = 1;
    }
    return RG_OK;
}

static rg_input *new_input(const char *name)
{
    rg_input *in = rg_xcalloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->fd = -1;
    in->name = rg_xstrndup(name, strlen(name));
    if (!in->name) {
        rg_free(in);
        return NULL;
    }
    return in;
}

int rg_input_open_file(const char *path, rg_input **out)
{
    if (!path)
        return rg_fail(RG_EINVAL, "no snapshot path given");
    rg_input *in = new_input(path);
    if (!in)
        return RG_ENOMEM;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        int err = errno;
        rg_input_close(in);
        return rg_fail(RG_EIO, "%s: cannot open: %s", path, strerror(err));
    }
    int rc = start(in);
    if (rc) {
        rg_input_close(in);
        return rc;
    }
    *out = in;
    return RG_OK;
}

int rg_input_open_memory(const void *data, size_t size, const char *name, rg_input **out)
{
    rg_input *in = new_input(name ? name : "<memory>");
    if (!in)
        return RG_ENOMEM;
    in->mem = data;
    in->mem_size = data ? size : 0;
    int rc = start(in);
    if (rc) {
        rg_input_close(in);
        return rc;
    }
    *out = in;
    return RG_OK;
}

int64_t rg_input_peek(rg_input *in, const void **data)
{
    if (!in->peeked) {
        const size_t want = 64 * 1024;
        in->peeked = rg_xmalloc(want, 1);
        if (!in->peeked)
            return RG_ENOMEM;
        while (in->peeked_len < want) {
            int64_t n = read_decoded(in, in->peeked + in->peeked_len, want - in->peeked_len);
            if (n < 0)
                return n;
            if (n == 0)
                break;
            in->peeked_len += (size_t)n;
        }
    }
    *data = in->peeked + in->peeked_pos;
    return (int64_t)(in->peeked_len - in->peeked_pos);
}

int64_t rg_input_read(rg_input *in, void *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    if (in->peeked_pos < in->peeked_len) {
        size_t n = in->peeked_len - in->peeked_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, in->peeked + in->peeked_pos, n);
        in->peeked_pos += n;
        in->total += n;
        return (int64_t)n;
    }
    int64_t n = read_decoded(in, buf, cap);
    if (n > 0)
        in->total += (uint64_t)n;
    return n;
}

const char *rg_input_name(const rg_input *in) { return in->name; }

uint64_t rg_input_stored_size(const rg_input *in)
{
    if (in->fd < 0)
        return in->mem_size;
    struct stat st;
    return fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}
uint64_t rg_input_total(const rg_input *in) { return in->total; }

const char *rg_input_compression(const rg_input *in)
{
    return in->codec == CODEC_GZIP ? "gzip" : in->codec == CODEC_ZSTD ? "zstd" : "none";
}

void rg_input_close(rg_input *in)
{
    if (!in)
        return;
    if (in->fd >= 0)
        close(in->fd);
    if (in->z_live)
        inflateEnd(&in->z);
    ZSTD_freeDStream(in->zs);
    if (in->raw_owned)
        rg_free(in->raw);
    rg_free(in->peeked);
    rg_free(in->name);
    rg_free(in);
}
