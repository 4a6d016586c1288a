/* report_write.c: put a report's files into a directory all-or-nothing.
 *
 * Everything is rendered in memory first. Each file is then written under a
 * hidden temporary name (".report.md.tmp-PID") beside its final name, and
 * only when every file is complete are they renamed into place: diagrams
 * first, then report.md, then report.html, so a reader who sees the new
 * report also sees its diagrams. Any failure before the renames removes the
 * temporaries and leaves the directory as it was. Last, the diagrams of an
 * earlier report in the same directory that this one does not have (its
 * suspect-7.svg when this one has six) are removed: only files named as the
 * report names its diagrams, so nothing else in the directory is touched. */
#include "report_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct out_file {
    const char *name;   /* final base name */
    const char *data;
    size_t len;
    char *final_path;
    char *tmp_path;
    int written;
} out_file;

/* mkdir -p, iteratively. */
static int make_dirs(const char *dir)
{
    char *p = rg_rpt_strdup(dir);
    if (!p)
        return RG_ENOMEM;
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    for (char *c = p + 1;; c++) {
        int at_end = *c == '\0';
        if (*c == '/' || at_end) {
            char saved = *c;
            *c = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                rg_free(p);
                return rg_fail(RG_EIO, "%s: cannot create directory: %s", dir, strerror(e));
            }
            *c = saved;
        }
        if (at_end)
            break;
    }
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rg_free(p);
        return rg_fail(RG_EIO, "%s: not a directory", dir);
    }
    rg_free(p);
    return RG_OK;
}

static char *join(const char *dir, const char *prefix, const char *name, const char *suffix)
{
    rg_sbuf b = {0};
    rg_sbuf_puts(&b, dir);
    if (b.len && b.data[b.len - 1] != '/')
        rg_sbuf_puts(&b, "/");
    rg_sbuf_puts(&b, prefix);
    rg_sbuf_puts(&b, name);
    rg_sbuf_puts(&b, suffix);
    return rg_sbuf_take(&b);
}

static int write_all(const out_file *f)
{
    /* O_EXCL: never follow or clobber something that is already there. */
    int fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return rg_fail(RG_EIO, "%s: cannot write: %s", f->tmp_path, strerror(errno));
    size_t off = 0;
    while (off < f->len) {
        ssize_t w = write(fd, f->data + off, f->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return rg_fail(RG_EIO, "%s: cannot write: %s", f->final_path, strerror(e));
        }
        off += (size_t)w;
    }
    if (close(fd) != 0)
        return rg_fail(RG_EIO, "%s: cannot write: %s", f->final_path, strerror(errno));
    return RG_OK;
}

/* Is `name` one the report gives its diagrams (report_model.c):
 * "suspect-N.svg" or "cycle-N.svg", N decimal? */
static int diagram_name(const char *name)
{
    const char *p;
    if (strncmp(name, "suspect-", 8) == 0)
        p = name + 8;
    else if (strncmp(name, "cycle-", 6) == 0)
        p = name + 6;
    else
        return 0;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    return strcmp(p, ".svg") == 0;
}

/* Remove the diagrams an earlier report left in `dir` that are not among
 * this report's `files`. */
static int remove_stale(const char *dir, const out_file *files, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return rg_fail(RG_EIO, "%s: cannot list the directory: %s", dir, strerror(errno));
    int rc = RG_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!diagram_name(e->d_name))
            continue;
        int ours = 0;
        for (size_t i = 0; i < n && !ours; i++)
            ours = strcmp(files[i].name, e->d_name) == 0;
        if (ours)
            continue;
        char *path = join(dir, "", e->d_name, "");
        if (!path) {
            rc = RG_ENOMEM;
            break;
        }
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(path) != 0 && errno != ENOENT) {
            rc = rg_fail(RG_EIO, "%s: cannot remove this diagram of an earlier report: %s", path,
                         strerror(errno));
            rg_free(path);
            break;
        }
        rg_free(path);
    }
    closedir(d);
    return rc;
}

int rg_report_write(const rg_report *r, const char *dir, unsigned formats)
{
    if (!r || !dir || !*dir)
        return rg_fail(RG_EINVAL, "rg_report_write: NULL argument");
    if (!formats || (formats & ~(RG_REPORT_MARKDOWN | RG_REPORT_HTML)))
        return rg_fail(RG_EINVAL, "rg_report_write: formats must be RG_REPORT_MARKDOWN and/or RG_REPORT_HTML");

    char *md = NULL, *html = NULL;
    int rc = RG_OK;
    if ((formats & RG_REPORT_MARKDOWN) && (rc = rg_rpt_render_markdown(&r->m, &md)) != RG_OK)
        return rc;
    if ((formats & RG_REPORT_HTML) && (rc = rg_rpt_render_html(&r->m, &html)) != RG_OK) {
        rg_free(md);
        return rc;
    }

    size_t n = 0, cap = r->m.n_diagrams + 2;
    out_file *files = rg_xcalloc(cap, sizeof *files);
    if (!files) {
        rg_free(md);
        rg_free(html);
        return RG_ENOMEM;
    }
    for (size_t i = 0; i < r->m.n_diagrams; i++) {
        const rg_rpt_diagram *d = &r->m.diagrams[i];
        if (d->svg)
            files[n++] = (out_file){.name = d->file, .data = d->svg, .len = d->svg_len};
    }
    if (md)
        files[n++] = (out_file){.name = "report.md", .data = md, .len = strlen(md)};
    if (html)
        files[n++] = (out_file){.name = "report.html", .data = html, .len = strlen(html)};

    if ((rc = make_dirs(dir)) != RG_OK)
        goto done;

    char pid[32];
    snprintf(pid, sizeof pid, ".tmp-%ld", (long)getpid());
    for (size_t i = 0; i < n; i++) {
        files[i].final_path = join(dir, "", files[i].name, "");
        files[i].tmp_path = join(dir, ".", files[i].name, pid);
        if (!files[i].final_path || !files[i].tmp_path) {
            rc = RG_ENOMEM;
            goto done;
        }
        struct stat st;
        if (lstat(files[i].final_path, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = rg_fail(RG_EIO, "%s: is a directory; not replacing it", files[i].final_path);
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        /* A temporary left by a crashed run with our pid would block O_EXCL. */
        unlink(files[i].tmp_path);
        files[i].written = 1;
        if ((rc = write_all(&files[i])) != RG_OK)
            goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (rename(files[i].tmp_path, files[i].final_path) != 0) {
            rc = rg_fail(RG_EIO, "%s: cannot rename into place: %s", files[i].final_path,
                         strerror(errno));
            goto done;
        }
        files[i].written = 0;
    }
    rc = remove_stale(dir, files, n);

done:
    for (size_t i = 0; i < n; i++) {
        if (files[i].written && files[i].tmp_path)
            unlink(files[i].tmp_path);
        rg_free(files[i].final_path);
        rg_free(files[i].tmp_path);
    }
    rg_free(files);
    rg_free(md);
    rg_free(html);
    return rc;
}
