/* cli_suggest.c: "did you mean ...?" for a mistyped command, option or type
 * name, as git does: the candidates nearest by edit distance (ignoring
 * case), or that contain the word. One helper serves every caller so the
 * three answer alike. */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Optimal string alignment distance (a swap of two neighbours costs 1, as a
 * typist makes it), ignoring ASCII case. Long strings are compared on their
 * first 63 bytes: a suggestion, not a proof. */
size_t cli_edit_distance(const char *a, const char *b)
{
    enum { MAX = 63 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX)
        la = MAX;
    if (lb > MAX)
        lb = MAX;
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* How far `cand` is from `word`; SIZE_MAX when too far to suggest. A type
 * name is also compared by its last dotted part ("Jbo" -> "app.Job"). */
static size_t closeness(const char *word, const char *cand)
{
    size_t wl = strlen(word);
    size_t limit = wl < 4 ? 1 : wl < 9 ? 2 : wl / 4 + 1;
    size_t d = cli_edit_distance(word, cand);
    const char *dot = strrchr(cand, '.');
    if (dot && dot[1] && dot != cand) {
        size_t dl = cli_edit_distance(word, dot + 1);
        if (dl < d)
            d = dl;
    }
    if (d <= limit)
        return d;
    /* "Item" for "app.LineItem": a case-insensitive substring, ranked after
     * every near miss. A one- or two-letter word is in too many names. */
    if (wl >= 3 && contains_nocase(cand, word))
        return limit + 1;
    return SIZE_MAX;
}

size_t cli_suggest(const char *word, const char *const *cands, size_t n, const char **out, size_t max)
{
    size_t best = SIZE_MAX, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || !*cands[i])
            continue;
        size_t d = closeness(word, cands[i]);
        if (d == SIZE_MAX || d > best)
            continue;
        if (d < best) {
            best = d;
            k = 0;
        }
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(out[j], cands[i]) == 0;
        if (!dup && k < max)
            out[k++] = cands[i];
    }
    return k;
}

const char *cli_did_you_mean(char *buf, size_t cap, const char *prefix, const char *word,
                             const char *const *cands, size_t n)
{
    const char *pick[3];
    size_t k = cli_suggest(word, cands, n, pick, 3);
    buf[0] = '\0';
    if (k == 0 || cap == 0)
        return buf;
    size_t w = (size_t)snprintf(buf, cap, "; did you mean ");
    for (size_t i = 0; i < k && w < cap; i++)
        w += (size_t)snprintf(buf + w, cap - w, "%s'%s%s'", i == 0 ? "" : i + 1 == k ? " or " : ", ", prefix,
                              cli_term(pick[i]));
    if (w < cap)
        snprintf(buf + w, cap - w, "?");
    return buf;
}

int cli_option_error(const char *cmd, const struct option *opts, int argc, char **argv)
{
    const char *arg = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "";
    if (optopt && arg[0] == '-' && arg[1] != '-') {
        /* A short option: unknown, or without its value ("-n" last). */
        if (optopt > 0 && optopt < 128) {
            for (const struct option *o = opts; o->name; o++)
                if (o->val == optopt && o->has_arg == required_argument)
                    return cli_usage_error(cmd, "option '-%c' needs a value", optopt);
            return cli_usage_error(cmd, "unknown option '-%c'", optopt);
        }
        return cli_usage_error(cmd, "unknown option '%s'", arg);
    }
    if (optopt) {
        /* A known long option without its value, or a value given to a flag. */
        for (const struct option *o = opts; o->name; o++) {
            if (o->val != optopt)
                continue;
            if (o->has_arg == required_argument && !strchr(arg, '='))
                return cli_usage_error(cmd, "option '--%s' needs a value", o->name);
            if (o->has_arg == no_argument && strchr(arg, '='))
                return cli_usage_error(cmd, "option '--%s' takes no value", o->name);
        }
    }
    if (strncmp(arg, "--", 2) != 0)
        return cli_usage_error(cmd, "unknown option '%s'", arg);
    /* An unknown or ambiguous long option: "--jsn" or "--jsn=x". */
    size_t len = strcspn(arg + 2, "=");
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), arg + 2);
    size_t n = 0, prefixed = 0;
    for (const struct option *o = opts; o->name; o++)
        n++;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return cli_usage_error(cmd, "unknown option '--%s'", word);
    char list[512] = "";
    for (size_t i = 0; i < n; i++) {
        names[i] = opts[i].name;
        if (*word && strncmp(opts[i].name, word, strlen(word)) == 0) {
            size_t w = strlen(list);
            snprintf(list + w, sizeof list - w, "%s'--%s'", prefixed++ ? ", " : "", opts[i].name);
        }
    }
    int rc;
    if (prefixed > 1) {
        rc = cli_usage_error(cmd, "option '--%s' is ambiguous: %s", word, list);
    } else {
        char dym[256];
        cli_did_you_mean(dym, sizeof dym, "--", word, names, n);
        rc = cli_usage_error(cmd, "unknown option '--%s'%s", word, dym);
    }
    free(names);
    return rc;
}

const char *cli_did_you_mean_type(char *buf, size_t cap, const rg_snapshot *snap, const char *word)
{
    uint32_t n = rg_type_count(snap);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    buf[0] = '\0';
    if (!names)
        return buf;
    for (uint32_t t = 0; t < n; t++)
        names[t] = rg_type_name(snap, t);
    cli_did_you_mean(buf, cap, "", word, names, n);
    free(names);
    return buf;
}
