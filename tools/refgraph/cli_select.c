/* cli_select.c: resolve --id, --type [--all] and --name to objects. */
#include "cli_select.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_select_option(cli_selector *sel, int code, const char *arg)
{
    switch (code) {
    case CLI_OPT_SEL_ID: sel->id = arg; return 1;
    case CLI_OPT_SEL_TYPE: sel->type = arg; return 1;
    case CLI_OPT_SEL_NAME: sel->name = arg; return 1;
    case CLI_OPT_SEL_ALL: sel->all = 1; return 1;
    default: return 0;
    }
}

int cli_select_check(const char *cmd, const cli_selector *sel)
{
    int given = !!sel->id + !!sel->type + !!sel->name;
    if (given == 0)
        return cli_usage_error(cmd, "no object selected: use --id ID, --type NAME or --name NAME");
    if (given > 1)
        return cli_usage_error(cmd, "use only one of --id, --type and --name");
    if (sel->all && !sel->type)
        return cli_usage_error(cmd, "--all goes with --type");
    if ((sel->type && !*sel->type) || (sel->name && !*sel->name))
        return cli_usage_error(cmd, "an empty name selects nothing");
    if (sel->id) {
        char *end;
        errno = 0;
        strtoull(sel->id, &end, 0);
        if (errno || end == sel->id || *end || sel->id[0] == '-')
            return cli_usage_error(cmd, "--id needs an object id (decimal or 0x hex), not '%s'", sel->id);
    }
    return EXIT_OK;
}

void cli_selection_free(cli_selection *s)
{
    if (!s)
        return;
    rg_free(s->instances);
    rg_free(s->groups);
    rg_free(s->members);
    memset(s, 0, sizeof *s);
}

/* Append the first `max` bytes of `s` to buf, made safe for a terminal
 * (cli_term), so one object stays on one line whatever its repr holds. */
static void append_clean(char *buf, size_t cap, const char *s, size_t max)
{
    size_t w = strlen(buf), len = strlen(s);
    int cut = len > max;
    if (cut) {
        /* Do not cut a UTF-8 sequence in half. */
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    if (w + 4 >= cap)
        return;
    char *part = strndup(s, len);
    if (!part)
        return;
    size_t room = cap - w - (cut ? 3 : 0);
    size_t need = cli_term_escape(part, buf + w, room);
    free(part);
    w = need < room ? w + need : strlen(buf);
    if (cut) {
        memcpy(buf + w, "\xe2\x80\xa6", 4); /* with the NUL */
    }
}

void cli_describe_node(const rg_snapshot *s, rg_node n, char *buf, size_t cap)
{
    buf[0] = '\0';
    append_clean(buf, cap, rg_node_type_name(s, n), 80);
    const char *name = rg_node_name(s, n), *repr = rg_node_repr(s, n);
    if (*name) {
        append_clean(buf, cap, " ", 1);
        append_clean(buf, cap, name, 60);
    } else if (*repr) {
        append_clean(buf, cap, " ", 1);
        append_clean(buf, cap, repr, 60);
    } else if (rg_node_length(s, n) >= 0) {
        char len[40];
        snprintf(len, sizeof len, " len %lld", (long long)rg_node_length(s, n));
        append_clean(buf, cap, len, sizeof len);
    }
}

static int by_id(const rg_snapshot *s, const char *cmd, const char *text, cli_selection *out)
{
    uint64_t id = strtoull(text, NULL, 0);
    if (rg_node_find(s, id, &out->target) != RG_OK) {
        fprintf(stderr, "refgraph %s: no object with id %s in %s\n", cmd, cli_term(text),
                cli_term(rg_snapshot_info_get(s)->path));
        return EXIT_BAD_INPUT;
    }
    snprintf(out->what, sizeof out->what, "--id %s", text);
    return EXIT_OK;
}

static int by_type(const rg_snapshot *s, const rg_paths *p, const char *cmd, const cli_selector *sel,
                   cli_selection *out)
{
    if (rg_type_find(s, sel->type, &out->type) != RG_OK) {
        char dym[512] = "";
        if (rg_last_error_code() == RG_ENOTFOUND)
            cli_did_you_mean_type(dym, sizeof dym, s, sel->type);
        fprintf(stderr, "refgraph %s: %s%s\n", cmd, cli_term(rg_last_error()), dym);
        return EXIT_BAD_INPUT;
    }
    uint32_t n = rg_node_count(s);
    size_t count = 0;
    for (rg_node v = 0; v < n; v++)
        count += rg_node_type(s, v) == out->type;
    const char *tname = rg_type_name(s, out->type);
    if (count == 0) {
        fprintf(stderr, "refgraph %s: type '%s' has no instances in %s\n", cmd, cli_term(tname),
                cli_term(rg_snapshot_info_get(s)->path));
        return EXIT_BAD_INPUT;
    }
    out->instances = malloc(count * sizeof *out->instances);
    if (!out->instances) {
        fprintf(stderr, "refgraph %s: out of memory\n", cmd);
        return EXIT_BAD_INPUT;
    }
    size_t k = 0;
    for (rg_node v = 0; v < n; v++)
        if (rg_node_type(s, v) == out->type)
            out->instances[k++] = v;
    out->n_instances = count;
    if (rg_paths_group(p, out->instances, count, &out->groups, &out->n_groups, &out->members) != RG_OK) {
        fprintf(stderr, "refgraph %s: %s\n", cmd, cli_term(rg_last_error()));
        return EXIT_BAD_INPUT;
    }
    out->target = out->groups[0].representative;
    char a[32], b[32];
    snprintf(out->what, sizeof out->what, "%s of %s instance%s of %s; %s share%s this chain shape",
             sel->all ? "all" : "1", cli_fmt_count(a, sizeof a, count), count == 1 ? "" : "s", tname,
             cli_fmt_count(b, sizeof b, out->groups[0].count), out->groups[0].count == 1 ? "s" : "");
    return EXIT_OK;
}

typedef struct candidates {
    rg_node first;
    size_t count;
    char list[400];
} candidates;

static void candidate(const rg_snapshot *s, candidates *c, rg_node v, const char *how)
{
    if (c->count++ == 0)
        c->first = v;
    size_t w = strlen(c->list);
    if (w + 80 < sizeof c->list)
        snprintf(c->list + w, sizeof c->list - w, "%s%s (id %llu)", w ? ", " : "", how,
                 (unsigned long long)rg_node_id(s, v));
}

/* Globals named `var` of modules named `module` (any module when NULL). */
static void find_globals(const rg_snapshot *s, const char *module, const char *var, candidates *all,
                         candidates *in_main)
{
    uint32_t n = rg_node_count(s);
    for (rg_node m = 0; m < n; m++) {
        if (strcmp(rg_node_type_name(s, m), "module") != 0)
            continue;
        const char *mname = rg_node_name(s, m);
        if (module && strcmp(mname, module) != 0)
            continue;
        uint32_t k = rg_referent_count(s, m);
        for (uint32_t i = 0; i < k; i++) {
            rg_edge e;
            rg_referent_get(s, m, i, &e);
            if (e.kind != RG_EDGE_GLOBAL || strcmp(rg_string(s, e.label), var) != 0)
                continue;
            char how[200];
            snprintf(how, sizeof how, "%.90s.%.90s", mname, var);
            candidate(s, all, e.to, how);
            if (in_main && strcmp(mname, "__main__") == 0)
                candidate(s, in_main, e.to, how);
            break;
        }
    }
}

static int by_name(const rg_snapshot *s, const char *cmd, const char *name, cli_selection *out)
{
    candidates globals = {0}, main_globals = {0}, named = {0};
    /* "pkg.mod.var": a module "pkg.mod" with a global "var". */
    const char *dot = strrchr(name, '.');
    if (dot && dot != name && dot[1]) {
        size_t ml = (size_t)(dot - name);
        char *module = malloc(ml + 1);
        if (!module) {
            fprintf(stderr, "refgraph %s: out of memory\n", cmd);
            return EXIT_BAD_INPUT;
        }
        memcpy(module, name, ml);
        module[ml] = '\0';
        find_globals(s, module, dot + 1, &globals, NULL);
        free(module);
    }
    if (globals.count == 0)
        find_globals(s, NULL, name, &globals, &main_globals);
    candidates *pick = globals.count == 1 ? &globals : main_globals.count == 1 ? &main_globals : NULL;
    if (!pick && globals.count == 0) {
        /* A function, class or module by its own name. */
        uint32_t n = rg_node_count(s);
        for (rg_node v = 0; v < n; v++)
            if (strcmp(rg_node_name(s, v), name) == 0) {
                char how[200];
                snprintf(how, sizeof how, "%.90s %.90s", rg_node_type_name(s, v), name);
                candidate(s, &named, v, how);
            }
        if (named.count == 1)
            pick = &named;
    }
    if (pick) {
        out->target = pick->first;
        snprintf(out->what, sizeof out->what, "--name %.200s: %.280s", name, pick->list);
        return EXIT_OK;
    }
    const candidates *amb = globals.count ? &globals : &named;
    if (amb->count == 0)
        fprintf(stderr, "refgraph %s: no module global or named object '%s' in %s\n", cmd, cli_term(name),
                cli_term(rg_snapshot_info_get(s)->path));
    else
        fprintf(stderr, "refgraph %s: --name '%s' is ambiguous (%zu matches): %s\n", cmd, cli_term(name),
                amb->count, cli_term(amb->list));
    return EXIT_BAD_INPUT;
}

int cli_select(const char *cmd, const rg_snapshot *s, const rg_paths *p, const cli_selector *sel,
               cli_selection *out)
{
    memset(out, 0, sizeof *out);
    out->type = UINT32_MAX;
    int rc;
    if (sel->id)
        rc = by_id(s, cmd, sel->id, out);
    else if (sel->type)
        rc = by_type(s, p, cmd, sel, out);
    else
        rc = by_name(s, cmd, sel->name, out);
    if (rc != EXIT_OK)
        cli_selection_free(out);
    return rc;
}
