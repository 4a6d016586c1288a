/*
 * diff_verdict_text.c: the diff's verdict in words (rg_verdict.text), from
 * the judged data diff.c leaves in d->verdict (kind, growth, level, reason).
 * The one piece of English the growth layer writes, kept apart so that the
 * rule (analyze/judge.c) and the words never share a function: the public
 * rg_verdict carries the text, and nothing below the report may call it.
 */
#include "diff_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void describe_growth(const rg_diff *d, const rg_growth *g, char *buf, size_t cap)
{
    size_t w = 0;
    char a[48], b[48];
    uint32_t n = d->n;
    for (uint32_t i = 0; i < n && w < cap; i++) {
        if (n > 6 && i == 3 && n - 3 > i) {
            w += (size_t)snprintf(buf + w, cap - w, " → …");
            i = n - 3;
        }
        int k = snprintf(buf + w, cap - w, "%s%s", i ? " → " : "", rg_format_count(a, sizeof a, g->count[i]));
        w = k < 0 ? w : w + (size_t)k;
    }
    if (w >= cap)
        return;
    int k = snprintf(buf + w, cap - w, " objects (%s", rg_format_signed_count(a, sizeof a, g->count_delta));
    w = k < 0 ? w : w + (size_t)k;
    if (w < cap && !isnan(g->count_per_min)) {
        k = snprintf(buf + w, cap - w, ", %s/min",
                     rg_format_signed_count(a, sizeof a, (int64_t)llround(g->count_per_min)));
        w = k < 0 ? w : w + (size_t)k;
    }
    if (w < cap && d->has_bytes) {
        rg_format_bytes(b, sizeof b, (double)g->bytes_delta);
        k = snprintf(buf + w, cap - w, "; %s%s%s", g->bytes_delta >= 0 ? "+" : "", b,
                     g->flags & RG_GROWTH_RETAINED ? " retained" : "");
        w = k < 0 ? w : w + (size_t)k;
        if (w < cap && !isnan(g->bytes_per_min)) {
            rg_format_bytes(b, sizeof b, g->bytes_per_min);
            k = snprintf(buf + w, cap - w, ", %s%s/min", g->bytes_per_min >= 0 ? "+" : "", b);
            w = k < 0 ? w : w + (size_t)k;
        }
    }
    if (w < cap)
        snprintf(buf + w, cap - w, ")");
}

int rg_diff_word_verdict(rg_diff *d)
{
    rg_verdict *v = &d->verdict;
    const rg_growth *g = v->growth;
    /* Rose at every step, but by too little to confirm. */
    int small = v->reason == RG_REASON_GROWS_EVERY_STEP && v->level == RG_LEVEL_POSSIBLE_LEAK;
    char growth[512] = "", text[2048];
    char a[32];
    if (g)
        describe_growth(d, g, growth, sizeof growth);
    if (v->kind == RG_VERDICT_NONE) {
        snprintf(text, sizeof text,
                 "No leak suspected: no retention group (type) grew %s by at least %s objects and "
                 "%.0f%% (%.0f%%) over %u snapshots.",
                 d->n >= 3 ? "at every step" : "between the two snapshots",
                 rg_format_count(a, sizeof a, d->opts.min_growth), d->opts.min_group_ratio * 100,
                 d->opts.min_ratio * 100, d->n);
    } else if (small) {
        snprintf(text, sizeof text, "Possible leak: %s grew at every step, though by fewer than %s objects: %s.",
                 g->container[0] ? g->member : g->name, rg_format_count(a, sizeof a, d->opts.min_growth), growth);
    } else if (v->kind == RG_VERDICT_GROUP && g->container[0]) {
        snprintf(text, sizeof text, "%s: the container %s keeps accumulating %s, %s: %s.%s",
                 v->confirmed ? "Most likely leak" : "Possible leak", g->container, g->member,
                 v->confirmed ? "growing at every step" : "grown between the two snapshots", growth,
                 v->confirmed ? "" : " Take a third snapshot to confirm the growth is steady.");
    } else if (v->kind == RG_VERDICT_GROUP) {
        snprintf(text, sizeof text, "%s: the roots %s %s: %s.%s",
                 v->confirmed ? "Most likely leak" : "Possible leak", g->name,
                 v->confirmed ? "grew at every step" : "grew between the two snapshots", growth,
                 v->confirmed ? "" : " Take a third snapshot to confirm the growth is steady.");
    } else {
        const char *why = d->has_groups ? " No retention group explains it: the objects are spread over "
                                          "many containers; see 'refgraph suspects' on the last snapshot."
                          : d->objgraph ? " The objgraph log has type counts only, so no container or path "
                                          "can be named; take refgraph snapshots to find it."
                                        : " Retention groups were not computed, so no container is named.";
        snprintf(text, sizeof text, "%s: type %s %s: %s.%s%s",
                 v->confirmed ? "Most likely leak" : "Possible leak", g->name,
                 v->confirmed ? "grew at every step" : "grew between the two snapshots", growth, why,
                 v->confirmed ? "" : " Take a third snapshot to confirm the growth is steady.");
    }
    d->verdict_text = rg_xstrndup(text, strlen(text));
    if (!d->verdict_text)
        return RG_ENOMEM;
    v->text = d->verdict_text;
    return RG_OK;
}
