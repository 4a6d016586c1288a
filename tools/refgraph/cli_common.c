/* cli_common.c: option handling, snapshot opening, number formatting, JSON
 * and atomic file output shared by every subcommand. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    /* The message may quote an argument: escaped like any other string. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "refgraph %s: %s\n(see 'refgraph %s --help')\n", cmd, cli_term(msg), cmd);
    return EXIT_USAGE;
}

long long cli_parse_count(const char *cmd, const char *opt, const char *arg)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || v < 0) {
        cli_usage_error(cmd, "%s needs a non-negative integer, not '%s'", opt, arg);
        return -1;
    }
    return v;
}

int cli_load_option(cli_load_options *lo, int code, const char *arg)
{
    switch (code) {
    case CLI_OPT_NO_CACHE: lo->no_cache = 1; return 1;
    case CLI_OPT_CACHE_DIR: lo->cache_dir = arg; return 1;
    case CLI_OPT_COLOR:
        if (cli_color_parse(arg) != 0) {
            cli_usage_error("", "--color takes auto, always or never, not '%s'", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_CACHE_MAX: {
        /* "2G", "500M", "64MiB", bytes: powers of 1024, as the library reads
         * $REFGRAPH_CACHE_MAX. */
        char *end;
        errno = 0;
        unsigned long long v = strtoull(arg, &end, 10);
        unsigned shift = 0;
        if (!errno && end != arg && arg[0] != '-') {
            const char *units = "kKmMgGtT", *u = *end ? strchr(units, *end) : NULL;
            if (u) {
                shift = 10u * (unsigned)((u - units) / 2 + 1);
                end++;
                if (*end == 'i')
                    end++;
            }
            if (*end == 'B' || *end == 'b')
                end++;
        }
        if (errno || end == arg || *end || arg[0] == '-' || v == 0 || v > (UINT64_MAX >> shift)) {
            cli_usage_error("", "--cache-max needs a size such as 500M or 2G, not '%s'", arg);
            return -1;
        }
        lo->cache_max_bytes = (uint64_t)v << shift;
        return 1;
    }
    case CLI_OPT_THREADS: {
        long long v = cli_parse_count("", "--threads", arg);
        if (v < 0)
            return -1;
        lo->threads = (unsigned)v;
        return 1;
    }
    case CLI_OPT_MAX_LINE_BYTES: {
        long long v = cli_parse_count("", "--max-line-bytes", arg);
        if (v < 0)
            return -1;
        if (v == 0) {
            cli_usage_error("", "--max-line-bytes needs a positive number of bytes");
            return -1;
        }
        lo->max_line_bytes = (uint64_t)v;
        return 1;
    }
    default: return 0;
    }
}

int cli_open(const char *path, const cli_load_options *lo, rg_snapshot **out)
{
    if (cli_is_dir(path)) { /* a directory of snapshots: its newest */
        char *newest = cli_newest_snapshot(path);
        int rc = newest ? cli_open(newest, lo, out) : EXIT_BAD_INPUT;
        free(newest);
        return rc;
    }
    rg_open_options o = RG_OPEN_OPTIONS_INIT;
    if (lo) {
        if (lo->no_cache)
            o.flags |= RG_OPEN_NO_CACHE;
        o.cache_dir = lo->cache_dir;
        o.threads = lo->threads;
        o.max_line_bytes = lo->max_line_bytes;
        o.cache_max_bytes = lo->cache_max_bytes;
    }
    char what[300];
    snprintf(what, sizeof what, "loading %s", path);
    cli_progress_begin(what);
    int rc = rg_snapshot_open(path, &o, out);
    cli_progress_end();
    if (rc != RG_OK) {
        const char *err = rg_last_error();
        fprintf(stderr, "refgraph: %s%s\n", cli_term(err),
                strstr(err, "line is longer than the limit") ?
                    " (raise the limit with --max-line-bytes N)" : "");
        return EXIT_BAD_INPUT;
    }
    const rg_snapshot_info *info = rg_snapshot_info_get(*out);
    if (info->cache_note[0])
        fprintf(stderr, "refgraph: note: %s\n", cli_term(info->cache_note));
    return EXIT_OK;
}

const char *cli_fmt_count(char *buf, size_t cap, uint64_t n)
{
    return rg_format_count(buf, cap, n);
}

const char *cli_fmt_bytes(char *buf, size_t cap, uint64_t n)
{
    return rg_format_bytes(buf, cap, (double)n);
}

yajl_gen cli_json_new(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    }
    return g;
}

/* yajl escapes the C0 controls in strings; the C1 controls (U+009B is a
 * terminal's CSI), the line separators and the bidi overrides are valid
 * unescaped in JSON but act on a terminal that shows the output, so they
 * are written as \uNNNN too: the same string to a JSON parser. They can
 * only occur inside strings, as everything else yajl writes is ASCII. */
static int json_escape_cp(const unsigned char *p, size_t left, unsigned *cp)
{
    if (left >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
        *cp = p[1];
        return 2;
    }
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xA8 && p[2] <= 0xAE) {
        *cp = 0x2000 + (p[2] - 0x80); /* U+2028..U+202E */
        return 3;
    }
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9) {
        *cp = 0x2040 + (p[2] - 0x80); /* U+2066..U+2069 */
        return 3;
    }
    return 0;
}

int cli_json_write(const unsigned char *buf, size_t len, FILE *out)
{
    int rc = 0;
    size_t start = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        unsigned cp;
        int n = json_escape_cp(buf + i, len - i, &cp);
        if (!n) {
            i++;
            continue;
        }
        if (fwrite(buf + start, 1, i - start, out) != i - start || fprintf(out, "\\u%04x", cp) < 0)
            rc = -1;
        i += (size_t)n;
        start = i;
    }
    if (rc == 0 && fwrite(buf + start, 1, len - start, out) != len - start)
        rc = -1;
    return rc;
}

int cli_json_flush(yajl_gen g, FILE *out, size_t min_bytes)
{
    const unsigned char *buf;
    size_t len;
    int rc = 0;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        rc = -1;
    } else if (len >= min_bytes && len > 0) {
        /* yajl's buffer always ends between two tokens, so no escape is ever
         * cut in two by a flush */
        rc = cli_json_write(buf, len, out);
        yajl_gen_clear(g);
    }
    return rc;
}

int cli_json_finish(yajl_gen g, FILE *out)
{
    int rc = cli_json_flush(g, out, 0);
    yajl_gen_free(g);
    return rc;
}

void cli_json_str(yajl_gen g, const char *s)
{
    if (yajl_gen_string(g, (const unsigned char *)s, strlen(s)) != yajl_gen_status_ok)
        yajl_gen_string(g, (const unsigned char *)"\xEF\xBF\xBD", 3); /* invalid UTF-8: U+FFFD */
}

void cli_json_kv_str(yajl_gen g, const char *key, const char *val)
{
    cli_json_str(g, key);
    cli_json_str(g, val ? val : "");
}

void cli_json_kv_int(yajl_gen g, const char *key, long long val)
{
    cli_json_str(g, key);
    yajl_gen_integer(g, val);
}

void cli_json_kv_uint(yajl_gen g, const char *key, uint64_t val)
{
    cli_json_str(g, key);
    yajl_gen_integer(g, val > (uint64_t)INT64_MAX ? INT64_MAX : (long long)val);
}

void cli_json_kv_double(yajl_gen g, const char *key, double val)
{
    cli_json_str(g, key);
    yajl_gen_double(g, val);
}

int cli_atomic_open(cli_atomic_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    size_t n = strlen(path) + 32;
    f->final_path = strdup(path);
    f->tmp_path = malloc(n);
    if (!f->final_path || !f->tmp_path) {
        cli_atomic_abort(f);
        fprintf(stderr, "refgraph: out of memory\n");
        return -1;
    }
    snprintf(f->tmp_path, n, "%s.tmp-%ld", path, (long)getpid());
    f->fp = fopen(f->tmp_path, "wb");
    if (!f->fp) {
        fprintf(stderr, "refgraph: %s: cannot write: %s\n", cli_term(path), strerror(errno));
        cli_atomic_abort(f);
        return -1;
    }
    return 0;
}

int cli_atomic_commit(cli_atomic_file *f)
{
    int rc = 0;
    if (fflush(f->fp) != 0 || ferror(f->fp))
        rc = -1;
    if (fclose(f->fp) != 0)
        rc = -1;
    f->fp = NULL;
    if (rc == 0 && rename(f->tmp_path, f->final_path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "refgraph: %s: cannot write: %s\n", cli_term(f->final_path), strerror(errno));
        unlink(f->tmp_path);
    }
    free(f->final_path);
    free(f->tmp_path);
    f->final_path = f->tmp_path = NULL;
    return rc;
}

void cli_atomic_abort(cli_atomic_file *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path)
        unlink(f->tmp_path);
    free(f->final_path);
    free(f->tmp_path);
    memset(f, 0, sizeof *f);
}
