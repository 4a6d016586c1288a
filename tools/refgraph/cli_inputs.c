/* cli_inputs.c: turning command-line arguments into snapshot paths. A
 * directory (the dumper's output) stands for the snapshots in it, or in its
 * newest run-<pid>-<start>/ subdirectory; a one-snapshot command takes the
 * newest of them. What is a snapshot is told by content, never by name. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_strlist_add(cli_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

void cli_strlist_free(cli_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int cli_sniff(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return CLI_IN_UNREADABLE;
    unsigned char *buf = malloc(64 * 1024);
    if (!buf) {
        fclose(f);
        return CLI_IN_UNREADABLE;
    }
    size_t n = fread(buf, 1, 64 * 1024, f);
    fclose(f);
    int kind = CLI_IN_OTHER;
    size_t i = 0;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
        kind = CLI_IN_SNAPSHOT;
    else if (n >= 4 && buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f && buf[3] == 0xfd)
        kind = CLI_IN_SNAPSHOT;
    else if (i < n && (buf[i] == '{' || buf[i] == '[')) {
        /* JSON: a snapshot only if it starts by naming itself (refgraph's
         * "rec", V8's "snapshot", meliae's "address"), so that other JSON files
         * in a directory of snapshots are passed over. */
        size_t end = n - i > 4096 ? i + 4096 : n;
        static const char *const keys[] = {"\"rec\"", "\"snapshot\"", "\"address\""};
        kind = CLI_IN_JSON;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0] && kind == CLI_IN_JSON; k++) {
            size_t kl = strlen(keys[k]);
            for (size_t j = i; j + kl <= end; j++)
                if (memcmp(buf + j, keys[k], kl) == 0) {
                    kind = CLI_IN_SNAPSHOT;
                    break;
                }
        }
    } else if (rg_objgraph_log_detect(buf, n)) {
        kind = CLI_IN_LOG;
    }
    free(buf);
    return kind;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "dir/name" in a new string; NULL when out of memory. */
static char *join_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    size_t len = dl + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s%s%s", dir, sep, name);
    return p;
}

/* The snapshots directly in `dir`, in name order, into `names`. Returns 0, or
 * -1 with errno set when the directory cannot be read or memory runs out. */
static int list_snapshots(const char *dir, cli_strlist *names)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* dotfiles, and the dumper's in-progress temporaries */
        char *p = join_path(dir, e->d_name);
        if (!p) {
            rc = -1;
            break;
        }
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && cli_sniff(p) == CLI_IN_SNAPSHOT &&
            cli_strlist_add(names, p)) {
            free(p);
            rc = -1;
            break;
        }
        free(p);
    }
    closedir(d);
    if (rc)
        errno = ENOMEM;
    else if (names->n)
        qsort(names->v, names->n, sizeof *names->v, by_name);
    return rc;
}

/* A run directory of the dumper: run-<pid>-<UTC start>[.<n>]. Its start time
 * (20261206T004403Z sorts as text) is returned through `start`. */
static int is_run_dir_name(const char *name, const char **start)
{
    if (strncmp(name, "run-", 4) != 0)
        return 0;
    const char *p = name + 4;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p != '-' || strlen(p + 1) < 16)
        return 0;
    *start = p + 1;
    return 1;
}

/* The newest run directory in `dir` that holds a snapshot: the latest start
 * time, then the latest change (a snapshot renamed into it). NULL if none;
 * *n_runs counts the runs with snapshots. */
static char *newest_run(const char *dir, size_t *n_runs)
{
    *n_runs = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *best = NULL, *best_start = NULL;
    struct timespec best_mtime = {0, 0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *start;
        if (!is_run_dir_name(e->d_name, &start))
            continue;
        char *p = join_path(dir, e->d_name);
        struct stat st;
        if (!p || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            free(p);
            continue;
        }
        cli_strlist snaps = {0};
        int has = list_snapshots(p, &snaps) == 0 && snaps.n > 0;
        cli_strlist_free(&snaps);
        if (!has) {
            free(p); /* a run that never wrote a snapshot */
            continue;
        }
        (*n_runs)++;
        int c = best ? strcmp(start, best_start) : 1;
        if (c == 0)
            c = st.st_mtim.tv_sec != best_mtime.tv_sec
                    ? (st.st_mtim.tv_sec > best_mtime.tv_sec ? 1 : -1)
                    : (st.st_mtim.tv_nsec > best_mtime.tv_nsec ? 1 : -1);
        char *start_copy = c > 0 ? strdup(start) : NULL;
        if (start_copy) {
            free(best);
            free(best_start);
            best = p;
            best_start = start_copy;
            best_mtime = st.st_mtim;
        } else {
            free(p);
        }
    }
    closedir(d);
    free(best_start);
    return best;
}

int cli_expand_dir(const char *dir, cli_strlist *out)
{
    cli_strlist names = {0};
    int rc = EXIT_OK;
    if (list_snapshots(dir, &names) != 0) {
        fprintf(stderr, "refgraph: %s: %s\n", cli_term(dir), strerror(errno));
        cli_strlist_free(&names);
        return EXIT_BAD_INPUT;
    }
    if (names.n == 0) {
        /* The dumper's output directory: one run-<pid>-<start>/ per run. A
         * series never mixes two runs, so take the newest one. */
        size_t n_runs;
        char *run = newest_run(dir, &n_runs);
        if (run) {
            if (list_snapshots(run, &names) != 0)
                rc = EXIT_BAD_INPUT;
            else
                fprintf(stderr, "refgraph: %s: using the newest run%s, %s\n", cli_term(dir),
                        n_runs > 1 ? " of several" : "", cli_term(run));
            free(run);
        }
    }
    for (size_t i = 0; rc == EXIT_OK && i < names.n; i++)
        if (cli_strlist_add(out, names.v[i]))
            rc = EXIT_BAD_INPUT;
    if (rc)
        fprintf(stderr, "refgraph: %s: %s\n", cli_term(dir), strerror(errno ? errno : ENOMEM));
    else if (names.n == 0) {
        fprintf(stderr, "refgraph: %s: no snapshots in this directory (nor in a run-*/ in it)\n",
                cli_term(dir));
        rc = EXIT_BAD_INPUT;
    }
    cli_strlist_free(&names);
    return rc;
}

char *cli_newest_snapshot(const char *dir)
{
    cli_strlist all = {0};
    char *path = NULL;
    if (cli_expand_dir(dir, &all) == EXIT_OK) {
        path = strdup(all.v[all.n - 1]);
        if (path)
            fprintf(stderr, "refgraph: %s: using its newest snapshot, %s\n", cli_term(dir), cli_term(path));
        else
            fprintf(stderr, "refgraph: out of memory\n");
    }
    cli_strlist_free(&all);
    return path;
}

int cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
