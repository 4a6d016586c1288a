/* report_text.c: the sentences a person reads first. The Summary names the
 * most likely cause in plain words and says which of the usual causes it
 * is; each suspect gets a "what to look at" line derived from the kind of
 * container that holds it, the edges on its path and whether it grew. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

/* The last dotted component: "collections.deque" -> "deque". */
static const char *base_name(const char *type)
{
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

static int type_is(const char *type, const char *name) { return strcmp(type, name) == 0; }

static int is_queue(const char *type)
{
    static const char *const queues[] = {
        "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue",
        "_queue.SimpleQueue", "asyncio.queues.Queue", "asyncio.queues.LifoQueue",
        "asyncio.queues.PriorityQueue", "multiprocessing.queues.Queue",
    };
    for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++)
        if (type_is(type, queues[i]))
            return 1;
    return 0;
}

static int path_has_label_prefix(const rg_rpt_path *p, size_t upto, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i <= upto && i < p->n_hops; i++)
        if (strncmp(p->hops[i].label, prefix, n) == 0)
            return 1;
    return 0;
}

static int path_has_type(const rg_rpt_path *p, size_t upto, const char *type)
{
    for (size_t i = 0; i <= upto && i < p->n_hops; i++)
        if (type_is(p->hops[i].type, type))
            return 1;
    return 0;
}

/* The hop that holds the accumulation point (its parent), or NULL. */
static const rg_rpt_hop *parent_of_holder(const rg_rpt_suspect *s)
{
    return s->holder_hop > 0 && s->holder_hop < s->path.n_hops ? &s->path.hops[s->holder_hop - 1] : NULL;
}

/* The label of the edge into the holder, or "". */
static const char *holder_label(const rg_rpt_suspect *s)
{
    return s->holder_hop < s->path.n_hops ? s->path.hops[s->holder_hop].label : "";
}

static const char *container_advice(const rg_rpt_suspect *s)
{
    const char *h = s->holder_type;
    const rg_rpt_hop *up = parent_of_holder(s);
    size_t all = s->path.n_hops;
    if (is_queue(h) || (type_is(h, "collections.deque") && up && is_queue(up->type)))
        return "a queue whose producers outpace its consumers: items go in faster than they are "
               "taken out (bound it with maxsize, or add consumers)";
    /* What the path passes through says more than the container's type. */
    if (path_has_type(&s->path, all, "_thread._local") || path_has_type(&s->path, all, "_threading_local.local"))
        return "thread-local storage on a long-lived thread: it lives as long as the thread, and "
               "what each task puts there stays";
    if (path_has_type(&s->path, all, "functools._lru_cache_wrapper"))
        return "an lru_cache on a method or with no maxsize: the cache keeps every argument "
               "(self included) alive; bound it or cache outside the instance";
    if (path_has_type(&s->path, all, "traceback") || path_has_label_prefix(&s->path, all, ".__traceback__"))
        return "stored exceptions: each keeps its traceback, and the traceback keeps every frame "
               "and local variable alive; store the message (or call traceback.clear_frames)";
    if (path_has_type(&s->path, all, "method") || path_has_label_prefix(&s->path, all, ".__self__"))
        return "bound methods registered as callbacks and never unregistered: each keeps its "
               "object alive (unsubscribe, or hold them with weakref.WeakMethod)";
    if (path_has_label_prefix(&s->path, all, "<cell"))
        return "closures that capture objects: each function kept in the container keeps its "
               "captured variables alive";
    if (path_has_type(&s->path, all, "logging.Logger"))
        return "a logging handler that keeps every record it handles";
    if (path_has_label_prefix(&s->path, all, "frame local") || (s->path.root && strcmp(s->path.root, "thread") == 0))
        return "a local variable of a function that is still running (a long loop, or a suspended "
               "generator or coroutine)";
    if (type_is(h, "collections.deque"))
        return "a deque appended to faster than it is popped (a maxlen bounds it)";
    if (type_is(h, "dict") || type_is(h, "collections.OrderedDict") ||
        type_is(h, "collections.defaultdict")) {
        if ((up && type_is(up->type, "type")) || strcmp(holder_label(s), ".__dict__") == 0)
            return "a class attribute used as a registry: entries are added for each instance and "
                   "never removed";
        return "a dict used as a cache or registry without eviction: entries go in and are never "
               "deleted (bound it, e.g. functools.lru_cache(maxsize=...), or delete entries when done)";
    }
    if ((type_is(h, "list") || type_is(h, "set")) && up && type_is(up->type, "type"))
        return "a class attribute used as a registry: entries are added for each instance and "
               "never removed";
    if (type_is(h, "list"))
        return "a list that is appended to and never trimmed";
    if (type_is(h, "set"))
        return "a set that only grows";
    return NULL;
}

char *rg_rpt_advice(const rg_rpt_suspect *s)
{
    rg_sbuf b = {0};
    const char *base;
    switch (s->cause) {
    case RG_RPT_CAUSE_OUTSIDE:
        rg_sbuf_puts(&b, "a C extension or ctypes call that takes references (Py_IncRef) and "
                         "never releases them");
        break;
    case RG_RPT_CAUSE_CYCLES:
        rg_sbuf_puts(&b, "objects that refer to each other in cycles while the cycle collector is "
                         "disabled or cannot free them (look for gc.disable() and __del__ methods)");
        break;
    default:
        base = container_advice(s);
        if (base) {
            rg_sbuf_puts(&b, base);
        } else {
            rg_sbuf_puts(&b, "the code that adds to this ");
            rg_sbuf_puts(&b, base_name(s->holder_type));
            rg_sbuf_puts(&b, ", and whether anything ever takes out of it");
        }
    }
    if (s->has_growth) {
        char a[48];
        if (s->count_delta > 0)
            rg_sbuf_printf(&b, "; it gained %s objects over the snapshots",
                           rg_rpt_fmt_count(a, sizeof a, (uint64_t)s->count_delta));
        else
            rg_sbuf_puts(&b, "; it did not grow over the snapshots, so it may be a bounded cache "
                             "rather than a leak");
    }
    return rg_sbuf_take(&b);
}

int rg_rpt_cause_significant(const rg_rpt *m, rg_rpt_cause c)
{
    /* A cause counts only when the suspects analysis ranks one of its
     * suspects as of consequence (or growing). Every CPython process has a
     * few kB of objects whose references the interpreter holds in tables no
     * dump sees; naming them as "the cause" would be a false alarm. */
    for (size_t i = 0; i < m->n_suspects; i++) {
        const rg_rpt_suspect *s = &m->suspects[i];
        rg_rpt_cause sc = s->cause ? s->cause : RG_RPT_CAUSE_CONTAINER;
        if (sc == c && (s->significant || s->has_growth))
            return 1;
    }
    /* The report lists only the top suspects; an unreachable cause below
     * them still counts by the suspects analysis' rule for unreachable
     * memory: at least 1 % of the heap (rg_suspect.significant). */
    const uint64_t total = m->n_snaps ? m->snaps[m->n_snaps - 1].total_bytes : 0;
    const uint64_t bytes = c == RG_RPT_CAUSE_CYCLES ? m->cycle_bytes
                           : c == RG_RPT_CAUSE_OUTSIDE ? m->outside_bytes : 0;
    return total && bytes * 100 >= total;
}

rg_rpt_cause rg_rpt_main_cause(const rg_rpt *m)
{
    if (m->n_suspects && (m->suspects[0].significant || m->suspects[0].has_growth))
        return m->suspects[0].cause ? m->suspects[0].cause : RG_RPT_CAUSE_CONTAINER;
    if (rg_rpt_cause_significant(m, RG_RPT_CAUSE_OUTSIDE))
        return RG_RPT_CAUSE_OUTSIDE;
    if (rg_rpt_cause_significant(m, RG_RPT_CAUSE_CYCLES))
        return RG_RPT_CAUSE_CYCLES;
    return RG_RPT_CAUSE_NONE;
}

static const char *cause_sentence(rg_rpt_cause c)
{
    switch (c) {
    case RG_RPT_CAUSE_CONTAINER:
        return "Of the usual causes, this is a growing global container: something keeps adding "
               "to it and nothing removes from it.";
    case RG_RPT_CAUSE_OUTSIDE:
        return "Of the usual causes, this is objects held from outside the Python heap: their "
               "reference counts exceed the references the snapshot shows, which is what a C "
               "extension that forgets a Py_DECREF looks like.";
    case RG_RPT_CAUSE_CYCLES:
        return "Of the usual causes, this is unreachable cycles: no root reaches these objects, "
               "they only keep each other alive, and the cycle collector has not freed them.";
    default:
        return "None of the usual causes shows: no growing container, nothing held from outside "
               "the heap, no unreachable cycles.";
    }
}

static void growth_sentence(cmark_node *p, const rg_rpt *m, const rg_rpt_suspect *s)
{
    char a[48], b[48], c[48];
    if (m->n_snaps < 2) {
        rg_md_text(p, " This is one snapshot, so growth is not measured; a report over several "
                      "snapshots shows which groups grow.");
        return;
    }
    if (!s->has_growth) {
        rg_md_textf(p, " The group is new since the first of %zu snapshots.", m->n_snaps);
        return;
    }
    double span = m->snaps[m->n_snaps - 1].time - m->snaps[0].time;
    rg_md_textf(p, " Over %zu snapshots the group changed by %s objects (%s)", m->n_snaps,
                rg_rpt_fmt_delta(a, sizeof a, s->count_delta),
                rg_rpt_fmt_bytes_delta(b, sizeof b, s->bytes_delta));
    if (span > 0 && s->bytes_delta > 0) {
        double per_min = (double)s->bytes_delta * 60.0 / span;
        rg_md_textf(p, ", about %s/min", rg_rpt_fmt_bytes(c, sizeof c, (uint64_t)(per_min + 0.5)));
    }
    rg_md_text(p, ".");
}

void rg_rpt_summary(cmark_node *doc, const rg_rpt *m)
{
    char a[48], b[48], c[48];
    const rg_rpt_snap *last = &m->snaps[m->n_snaps - 1];
    rg_rpt_cause cause = rg_rpt_main_cause(m);
    cmark_node *p = rg_md_para(doc);

    if (m->n_suspects) {
        const rg_rpt_suspect *s = &m->suspects[0];
        int one = s->count == 1;
        int quiet = !s->significant && !s->has_growth;
        if (quiet)
            rg_md_text(p, "No suspect stands out. The largest is ");
        rg_md_textf(p, "%s ", rg_rpt_fmt_count(a, sizeof a, s->count));
        if (s->cause == RG_RPT_CAUSE_CYCLES) {
            rg_md_textf(p, "object%s on %s unreachable cycle%s of the shape ", one ? "" : "s",
                        rg_rpt_fmt_count(c, sizeof c, s->components), s->components == 1 ? "" : "s");
            rg_md_code(p, s->type);
        } else {
            rg_md_code(p, s->type);
            rg_md_textf(p, " object%s", one ? "" : "s");
        }
        rg_md_textf(p, " (%s retained, %s of the heap)", rg_rpt_fmt_bytes(a, sizeof a, s->retained),
                    rg_rpt_fmt_share(b, sizeof b, s->retained, last->total_bytes));
        /* "are held by" in a sentence of its own; ", held by" after "The
         * largest is". */
        const char *verb = quiet ? "," : one ? " is" : " are";
        if (s->cause == RG_RPT_CAUSE_CYCLES) {
            rg_md_textf(p, "%s kept alive only by each other", verb);
        } else if (s->cause == RG_RPT_CAUSE_OUTSIDE) {
            rg_md_textf(p, "%s held by references from outside the Python heap", verb);
        } else if (s->holder_type && *s->holder_type) {
            rg_md_textf(p, "%s held by the ", verb);
            rg_md_code(p, s->holder_type);
            if (s->holder_where && *s->holder_where) {
                rg_md_text(p, " at ");
                rg_md_code(p, s->holder_where);
            }
        } else {
            rg_md_textf(p, "%s kept alive by the path under Leak suspects", verb);
        }
        if (s->bulk_type && *s->bulk_type) {
            rg_md_text(p, "; most of those bytes are in the ");
            rg_md_code(p, s->bulk_type);
            rg_md_text(p, " objects they reach");
        }
        rg_md_text(p, ".");
        if (quiet)
            rg_md_text(p, " That is small enough to be ordinary use rather than a leak.");
        growth_sentence(p, m, s);
        if (quiet) {
            rg_md_text(p, " ");
            rg_md_text(p, cause_sentence(RG_RPT_CAUSE_NONE));
        } else {
            rg_md_text(p, " ");
            rg_md_text(p, cause_sentence(cause));
        }
        rg_md_text(p, " Look at ");
        rg_md_text(p, s->advice);
        rg_md_text(p, ".");
    } else if (cause == RG_RPT_CAUSE_OUTSIDE) {
        rg_md_textf(p, "%s objects (%s retained) are held by references from outside the "
                       "Python heap. ",
                    rg_rpt_fmt_count(a, sizeof a, m->outside_objects),
                    rg_rpt_fmt_bytes(b, sizeof b, m->outside_bytes));
        rg_md_text(p, cause_sentence(cause));
        if (m->n_outside) {
            rg_md_text(p, " The most affected type is ");
            rg_md_code(p, m->outside[0].type);
            rg_md_text(p, ".");
        }
    } else if (cause == RG_RPT_CAUSE_CYCLES) {
        rg_md_textf(p, "%s objects (%s) sit on %s reference cycles that no root reaches. ",
                    rg_rpt_fmt_count(a, sizeof a, m->cycle_objects),
                    rg_rpt_fmt_bytes(b, sizeof b, m->cycle_bytes),
                    rg_rpt_fmt_count(c, sizeof c, m->cycle_components));
        rg_md_text(p, cause_sentence(cause));
        rg_md_text(p, " Look for gc.disable() and for __del__ methods on the types in the cycles.");
    } else {
        rg_md_text(p, "No leak stands out: no group of objects is held in one place. ");
        rg_md_text(p, cause_sentence(cause));
        if (m->n_top_types) {
            rg_md_text(p, " The most common type is ");
            rg_md_code(p, m->top_types[0].type);
            rg_md_textf(p, " with %s object%s (%s, %s of the heap).",
                        rg_rpt_fmt_count(a, sizeof a, m->top_types[0].count),
                        m->top_types[0].count == 1 ? "" : "s",
                        rg_rpt_fmt_bytes(b, sizeof b, m->top_types[0].bytes),
                        rg_rpt_fmt_share(c, sizeof c, m->top_types[0].bytes, last->total_bytes));
        }
        if (m->n_snaps < 2)
            rg_md_text(p, " This is one snapshot; a report over several shows whether anything grows.");
    }

    /* One last sentence names the rest, so one look at the summary tells the
     * whole story: more suspects, and the other causes when present too. */
    int cycles = cause != RG_RPT_CAUSE_CYCLES && rg_rpt_cause_significant(m, RG_RPT_CAUSE_CYCLES);
    int outside = cause != RG_RPT_CAUSE_OUTSIDE && rg_rpt_cause_significant(m, RG_RPT_CAUSE_OUTSIDE);
    size_t more = m->n_suspects > 1 ? m->n_suspects - 1 : 0;
    if (!more && !cycles && !outside)
        return;
    if (more)
        rg_md_textf(p, " %zu more suspect%s follow%s below", more, more == 1 ? "" : "s",
                    more == 1 ? "s" : "");
    else
        rg_md_text(p, " Also");
    if (cycles)
        rg_md_textf(p, "%s%s object%s (%s) sit on unreachable cycles", more ? "; " : ": ",
                    rg_rpt_fmt_count(a, sizeof a, m->cycle_objects), m->cycle_objects == 1 ? "" : "s",
                    rg_rpt_fmt_bytes(b, sizeof b, m->cycle_bytes));
    if (outside)
        rg_md_textf(p, "%s%s object%s held from outside the Python heap",
                    cycles ? " and " : more ? "; " : ": ",
                    rg_rpt_fmt_count(a, sizeof a, m->outside_objects),
                    m->outside_objects == 1 ? " is" : "s are");
    rg_md_text(p, ".");
}
