/* cli_inputs.c: turning command-line arguments into snapshot paths. A
 * directory (the dumper's output) stands for the snapshots in it; what is a
 * snapshot is told by content, never by name. Shared by diff and report. */
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

int cli_expand_dir(const char *dir, cli_strlist *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "refgraph: %s: %s\n", cli_term(dir), strerror(errno));
        return EXIT_BAD_INPUT;
    }
    cli_strlist names = {0};
    struct dirent *e;
    int rc = EXIT_OK;
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* dotfiles, and the dumper's in-progress temporaries */
        size_t len = dl + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) {
            rc = EXIT_BAD_INPUT;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, sep, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && cli_sniff(p) == CLI_IN_SNAPSHOT &&
            cli_strlist_add(&names, p)) {
            free(p);
            rc = EXIT_BAD_INPUT;
            break;
        }
        free(p);
    }
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, by_name);
    for (size_t i = 0; rc == EXIT_OK && i < names.n; i++)
        if (cli_strlist_add(out, names.v[i]))
            rc = EXIT_BAD_INPUT;
    if (rc)
        fprintf(stderr, "refgraph: out of memory\n");
    else if (names.n == 0) {
        fprintf(stderr, "refgraph: %s: no snapshots in this directory\n", cli_term(dir));
        rc = EXIT_BAD_INPUT;
    }
    cli_strlist_free(&names);
    return rc;
}

int cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
