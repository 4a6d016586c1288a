/* reader.h: the skeleton the snapshot readers share (JSON Lines, V8,
 * meliae). Each reader has its own grammar; what they have in common lives
 * here once: how a failure is recorded while parsing (often inside a yajl
 * callback, which can only say "stop"), how it is then reported ("FILE:LINE:
 * byte N: what"), how the input is read in chunks with an unfinished tail
 * carried to the next chunk, and what happens after the last byte (the parse
 * buffers go back before the graph is built, and a build error names the
 * file). */
#ifndef RG_READER_H
#define RG_READER_H

#include "read/readers.h"

/* ------------------------------------------------------------ errors */

/* The first failure of a parse. Later failures are consequences of the
 * first and are dropped, so the message names the real cause. */
typedef struct rg_read_error {
    int failed;
    int code;          /* RG_EFORMAT unless said otherwise */
    char msg[600];
} rg_read_error;

/* Record a failure with its code (printf-style). Returns 0, which is what
 * a yajl callback returns to stop the parse. */
RG_INTERNAL int rg_read_errorf(rg_read_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
RG_INTERNAL int rg_read_verrorf(rg_read_error *e, int code, const char *fmt, va_list ap);
/* Record an allocation failure (RG_ENOMEM, with rg_last_error's text). */
RG_INTERNAL int rg_read_oom(rg_read_error *e);

/* The one formatter: sets the library error to "FILE:LINE: byte N: text"
 * and returns `code`. */
RG_INTERNAL int rg_read_fail_at(int code, const char *file, uint64_t line, uint64_t offset,
                                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Report a recorded failure at that position (RG_EFORMAT "unknown error"
 * when nothing was recorded). */
RG_INTERNAL int rg_read_error_report(const rg_read_error *e, const char *file, uint64_t line,
                                     uint64_t offset);
/* Report yajl's own complaint about a byte it refused, the first line of
 * its message, after "invalid JSON" and `where` (may be NULL). */
RG_INTERNAL int rg_read_yajl_error(void *handle, const char *file, uint64_t line, uint64_t offset,
                                   const char *where);
/* Strict UTF-8 of a whole buffer, or a failure naming the first bad byte
 * (whose offset in the input is `offset` + its index, on line `line`). A
 * sequence cut by the end of the buffer is allowed when `tail` is not NULL,
 * and *tail is then its length. */
RG_INTERNAL int rg_read_check_utf8(const unsigned char *p, size_t n, const char *file, uint64_t line,
                                   uint64_t offset, size_t *tail);

/* ------------------------------------------------------------ chunks */

/* The chunk loop: buf[0, len) holds input bytes from `offset` on; a reader
 * parses what it can, says how much it used, and rg_chunks_next keeps the
 * rest (a token cut by the end of the chunk) at the front and reads more
 * after it. The buffer grows when a carried tail fills it, up to `max`. */
typedef struct rg_chunks {
    rg_input *in;
    const char *name;
    unsigned char *buf;
    size_t cap, max;
    size_t len;        /* valid bytes in buf */
    uint64_t offset;   /* input offset of buf[0] */
    uint64_t line;     /* 1-based line of buf[0] */
    int eof;           /* the input has no more bytes */
} rg_chunks;

/* Bytes the buffer has beyond its capacity, which a reader may overwrite
 * with a sentinel (a byte that ends every token) while it scans, so that
 * its inner loops need no bounds check. */
#define RG_CHUNK_SLACK 16

/* A buffer of `cap` bytes (plus the slack) that may grow to `max`. Returns
 * RG_OK or RG_ENOMEM. */
RG_INTERNAL int rg_chunks_open(rg_chunks *c, rg_input *in, size_t cap, size_t max);
/* Drop buf[0, used), keep buf[used, len) and read more. Returns 1 when
 * bytes were added, 0 at the end of the input, or a negative error code
 * (the input's error, prefixed with the line, or RG_ELIMIT when a tail of
 * `max` bytes cannot be carried). */
RG_INTERNAL int rg_chunks_next(rg_chunks *c, size_t used);
/* The line (1-based) of buf[i]. */
RG_INTERNAL uint64_t rg_chunks_line_at(const rg_chunks *c, size_t i);
RG_INTERNAL void rg_chunks_close(rg_chunks *c);

/* Newlines in p[0, n). */
RG_INTERNAL uint64_t rg_count_lines(const unsigned char *p, size_t n);

/* ------------------------------------------------------- end of read */

/* After the last byte: give the parse buffers back (the builder is about to
 * double the memory), build the graph from what the reader holds, and name
 * the file in a build error. Returns build's code. */
RG_INTERNAL int rg_read_end(rg_chunks *c, const char *file, int (*build)(void *reader), void *reader);

#endif
