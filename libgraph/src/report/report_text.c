/* report_text.c: the sentences a person reads first. The Summary names the
 * most likely cause in plain words and says which of the usual causes it
 * is; each suspect gets a "what to look at" line derived from the kind of
 * container that holds it, the edges on its path and whether it grew. */
#include "report_internal.h"
#include "analyze/judge.h"

#include <stdlib.h>
#include <string.h>

#define SUMMARY_MORE 4            /* other suspects of consequence named in the Summary */

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

/* The mechanism that holds a suspect, in a few words for the Summary's first
 * sentence, and the advice for its "what to look at" line. */
typedef struct mechanism {
    const char *name;         /* NULL when nothing more specific than the container is known */
    const char *advice;
} mechanism;

static int path_has_label(const rg_rpt_path *p, const char *label)
{
    for (size_t i = 0; i < p->n_hops; i++)
        if (strcmp(p->hops[i].label, label) == 0)
            return 1;
    return 0;
}

/* A function kept in a container: a hop into a closure by index or key,
 * followed by its captured variables. */
static int closure_in_container(const rg_rpt_path *p)
{
    for (size_t i = 0; i + 1 < p->n_hops; i++) {
        const rg_rpt_hop *h = &p->hops[i];
        if ((type_is(h->type, "function") || type_is(h->type, "(closure)")) && h->label[0] == '[' &&
            (strncmp(p->hops[i + 1].label, "<cell", 5) == 0 || strncmp(p->hops[i + 1].label, "<context>", 9) == 0))
            return 1;
    }
    return 0;
}

static mechanism container_mechanism(const rg_rpt_suspect *s)
{
    const char *h = s->holder_type ? s->holder_type : "";
    const rg_rpt_hop *up = parent_of_holder(s);
    size_t all = s->path.n_hops;
    if (is_queue(h) || (type_is(h, "collections.deque") && up && is_queue(up->type)))
        return (mechanism){"a queue whose producers outpace its consumers",
                           "a queue whose producers outpace its consumers: items go in faster than they are "
                           "taken out (bound it with maxsize, or add consumers)"};
    /* What the path passes through says more than the container's type. */
    if (path_has_type(&s->path, all, "logging.Manager") || path_has_label(&s->path, ".loggerDict"))
        return (mechanism){"logging.getLogger called with a new name each time: logging.Manager.loggerDict "
                           "keeps one logger per unique name forever",
                           "logging.getLogger(name) with a name made per request or per object: a logger is "
                           "made per unique name and kept in logging.Manager.loggerDict forever (use one "
                           "logger per module and put the varying part in the message or a LoggerAdapter)"};
    if (path_has_type(&s->path, all, "_thread._local") || path_has_type(&s->path, all, "_threading_local.local"))
        return (mechanism){"thread-local storage on a long-lived thread",
                           "thread-local storage on a long-lived thread: it lives as long as the thread, and "
                           "what each task puts there stays"};
    if (path_has_type(&s->path, all, "functools._lru_cache_wrapper"))
        return (mechanism){"an lru_cache whose keys keep every argument alive",
                           "an lru_cache on a method or with no maxsize: the cache keeps every argument "
                           "(self included) alive; bound it or cache outside the instance"};
    if (path_has_type(&s->path, all, "traceback") || path_has_label_prefix(&s->path, all, ".__traceback__") ||
        path_has_label_prefix(&s->path, all, ".tb_frame"))
        return (mechanism){"stored exceptions whose tracebacks keep frames alive",
                           "stored exceptions: each keeps its traceback, and the traceback keeps every frame "
                           "and local variable alive; store the message (or call traceback.clear_frames)"};
    if (path_has_type(&s->path, all, "method") || path_has_label_prefix(&s->path, all, ".__self__"))
        return (mechanism){"bound methods registered as callbacks and never unregistered",
                           "bound methods registered as callbacks and never unregistered: each keeps its "
                           "object alive (unsubscribe, or hold them with weakref.WeakMethod)"};
    if (s->chain_link && *s->chain_link && path_has_label_prefix(&s->path, all, "<context>"))
        return (mechanism){"closures made in one scope share one context, so each new closure keeps the "
                           "previous object alive",
                           "closures made in one function share one context: a closure that lives on (a method "
                           "of the new object) keeps every variable of that scope alive, including the previous "
                           "object, so they form a chain (set the variable to null when done, or move the "
                           "closure that captures it out of that scope)"};
    if (s->chain_link && *s->chain_link)
        return (mechanism){"a chain in which each object keeps the one before it",
                           "a linked chain that is only ever extended: each new object keeps the previous one "
                           "(cut the link when the old one is no longer needed)"};
    if (path_has_type(&s->path, all, "EventEmitter") || path_has_label(&s->path, "._events"))
        return (mechanism){"event listeners added and never removed: each listener closure keeps what it captures",
                           "event listeners added (emitter.on) and never removed: each listener closure keeps "
                           "its captured objects alive (call removeListener/off when done, or use once)"};
    if (closure_in_container(&s->path))
        return (mechanism){"closures kept in a container, each capturing its variables",
                           "closures that capture objects: each function kept in the container keeps its "
                           "captured variables alive (remove the callback when done)"};
    if (path_has_type(&s->path, all, "logging.Logger"))
        return (mechanism){"a logging handler that keeps every record",
                           "a logging handler that keeps every record it handles"};
    if (path_has_label_prefix(&s->path, all, "frame local") ||
        (s->path.root && strcmp(s->path.root, "thread") == 0 && path_has_type(&s->path, all, "frame")))
        return (mechanism){"a local variable of a function that is still running",
                           "a local variable of a function that is still running (a long loop, or a suspended "
                           "generator or coroutine)"};
    if (type_is(h, "collections.deque"))
        return (mechanism){NULL, "a deque appended to faster than it is popped (a maxlen bounds it)"};
    if (type_is(h, "dict") || type_is(h, "collections.OrderedDict") || type_is(h, "collections.defaultdict") ||
        type_is(h, "Map")) {
        if ((up && type_is(up->type, "type")) || strcmp(holder_label(s), ".__dict__") == 0)
            return (mechanism){"a class attribute used as a registry",
                               "a class attribute used as a registry: entries are added for each instance and "
                               "never removed"};
        return (mechanism){NULL, "a dict used as a cache or registry without eviction: entries go in and are never "
                                 "deleted (bound it, e.g. functools.lru_cache(maxsize=...), or delete entries when done)"};
    }
    if ((type_is(h, "list") || type_is(h, "set")) && up && type_is(up->type, "type"))
        return (mechanism){"a class attribute used as a registry",
                           "a class attribute used as a registry: entries are added for each instance and "
                           "never removed"};
    if (type_is(h, "list") || type_is(h, "Array"))
        return (mechanism){NULL, "a list that is appended to and never trimmed"};
    if (type_is(h, "set") || type_is(h, "Set"))
        return (mechanism){NULL, "a set that only grows"};
    return (mechanism){NULL, NULL};
}

static const char *outside_mechanism =
    "a C-level table the heap does not show: an atexit or signal handler registry, a ctypes "
    "callback, or a C extension that took references and never released them";

/* The mechanism's few words for a suspect; NULL when the container says it all. */
static const char *mechanism_name(const rg_rpt_suspect *s)
{
    switch (s->cause) {
    case RG_RPT_CAUSE_OUTSIDE: return outside_mechanism;
    case RG_RPT_CAUSE_CYCLES: return NULL;
    default: return container_mechanism(s).name;
    }
}

char *rg_rpt_advice(const rg_rpt_suspect *s)
{
    rg_sbuf b = {0};
    const char *base;
    switch (s->cause) {
    case RG_RPT_CAUSE_OUTSIDE:
        rg_sbuf_puts(&b, "what registers these objects with C code: atexit.register, signal.signal, "
                         "ctypes callbacks, or a C extension that takes references (Py_IncRef) and "
                         "never releases them");
        break;
    case RG_RPT_CAUSE_CYCLES:
        rg_sbuf_puts(&b, "objects that refer to each other in cycles while the cycle collector is "
                         "disabled or cannot free them (look for gc.disable() and __del__ methods)");
        break;
    default:
        base = container_mechanism(s).advice;
        if (base) {
            rg_sbuf_puts(&b, base);
        } else if (s->holder_type && *s->holder_type) {
            rg_sbuf_puts(&b, "the code that adds to this ");
            rg_sbuf_puts(&b, base_name(s->holder_type));
            rg_sbuf_puts(&b, ", and whether anything ever takes out of it");
        } else {
            rg_sbuf_puts(&b, "the code that creates these objects and what keeps a reference to them "
                             "(the path above)");
        }
    }
    if (s->has_growth) {
        char a[48];
        if (s->count_delta > 0)
            rg_sbuf_printf(&b, "; it gained %s objects over the snapshots",
                           rg_format_count(a, sizeof a, (uint64_t)s->count_delta));
        else
            rg_sbuf_puts(&b, "; it did not grow over the snapshots, so it may be a bounded cache "
                             "rather than a leak");
    }
    return rg_sbuf_take(&b);
}

int rg_rpt_cause_significant(const rg_rpt *m, rg_rpt_cause c)
{
    /* A cause counts only when the judgement calls one of its suspects at
     * least a possible leak. Every CPython process has a few kB of objects
     * whose references the interpreter holds in tables no dump sees; naming
     * them as "the cause" would be a false alarm. */
    for (size_t i = 0; i < m->n_suspects; i++) {
        const rg_rpt_suspect *s = &m->suspects[i];
        rg_rpt_cause sc = s->cause ? s->cause : RG_RPT_CAUSE_CONTAINER;
        if (sc == c && s->level >= RG_LEVEL_POSSIBLE_LEAK)
            return 1;
    }
    /* The report lists only the top suspects; an unreachable cause below
     * them still counts by the judgement's rule for unreachable memory. */
    const uint64_t total = m->n_snaps ? m->snaps[m->n_snaps - 1].total_bytes : 0;
    const uint64_t bytes = c == RG_RPT_CAUSE_CYCLES ? m->cycle_bytes
                           : c == RG_RPT_CAUSE_OUTSIDE ? m->outside_bytes : 0;
    return total && (double)bytes >= RG_JUDGE_UNREACHABLE_SHARE * (double)total;
}

rg_rpt_cause rg_rpt_main_cause(const rg_rpt *m)
{
    if (m->n_suspects && m->suspects[0].level >= RG_LEVEL_POSSIBLE_LEAK)
        return m->suspects[0].cause ? m->suspects[0].cause : RG_RPT_CAUSE_CONTAINER;
    return RG_RPT_CAUSE_NONE;
}

static const char *cause_sentence(rg_rpt_cause c, int growth_measured)
{
    switch (c) {
    case RG_RPT_CAUSE_CONTAINER:
        return growth_measured
                   ? "Of the usual causes, this is a growing global container: something keeps adding "
                     "to it and nothing removes from it."
                   : "Of the usual causes, this looks like a global container that keeps what is added "
                     "to it; a report over several snapshots shows whether it grows.";
    case RG_RPT_CAUSE_OUTSIDE:
        return "Of the usual causes, this is objects held from outside the Python heap: their "
               "reference counts exceed the references the snapshot shows, which is what C code "
               "holding references looks like (a C extension that forgets a Py_DECREF, or a C-level "
               "table such as atexit's).";
    case RG_RPT_CAUSE_CYCLES:
        return "Of the usual causes, this is unreachable cycles: no root reaches these objects, "
               "they only keep each other alive, and the cycle collector has not freed them.";
    default:
        return "None of the usual causes shows: no growing container, nothing held from outside "
               "the heap, no unreachable cycles.";
    }
}

/* "closures", "bound methods"...: what a function-like head is called. */
static const char *function_noun(const char *type, int one)
{
    if (type_is(type, "function") || type_is(type, "(closure)"))
        return one ? "closure" : "closures";
    if (type_is(type, "method"))
        return one ? "bound method" : "bound methods";
    if (type_is(type, "frame"))
        return one ? "frame of" : "frames of";
    if (type_is(type, "generator") || type_is(type, "coroutine"))
        return one ? "suspended generator" : "suspended generators";
    if (type_is(type, "code"))
        return one ? "code object" : "code objects";
    return NULL;
}

/* "6,000 closures `f.<locals>.g` capturing `__main__.Job`" or
 * "11,078 `__main__.Job` objects". */
static void what(cmark_node *p, const rg_rpt_suspect *s)
{
    char a[48], c[48];
    int one = s->count == 1;
    const char *noun = s->name && *s->name ? function_noun(s->type, one) : NULL;
    rg_md_textf(p, "%s ", rg_format_count(a, sizeof a, s->count));
    if (s->cause == RG_RPT_CAUSE_CYCLES) {
        rg_md_textf(p, "object%s on %s unreachable cycle%s of the shape ", one ? "" : "s",
                    rg_format_count(c, sizeof c, s->components), s->components == 1 ? "" : "s");
        rg_md_code(p, s->type);
        return;
    }
    if (noun) {
        rg_md_textf(p, "%s ", noun);
        rg_md_code(p, s->name);
    } else {
        rg_md_code(p, s->type);
        rg_md_textf(p, " object%s", one ? "" : "s");
    }
    if (s->carried_type && *s->carried_type && strcmp(s->carried_type, s->type) != 0) {
        rg_md_text(p, noun && (type_is(s->type, "function") || type_is(s->type, "(closure)"))
                          ? " capturing " : " carrying ");
        rg_md_code(p, s->carried_type);
    }
}

/* ", and grew at every step over 4 snapshots (+4,500 objects, +8.65 MB,
 * about 468 MB/min)" and the like: the judgement's evidence. */
static void evidence(cmark_node *p, const rg_rpt *m, const rg_rpt_suspect *s)
{
    char a[48], b[48], c[48];
    switch (s->reason) {
    case RG_REASON_GROWS_EVERY_STEP:
    case RG_REASON_GREW:
        rg_md_textf(p, ", and %s over %zu snapshots (%s objects, %s",
                    s->reason == RG_REASON_GROWS_EVERY_STEP ? "grew at every step" : "grew",
                    m->n_snaps, rg_rpt_fmt_delta(a, sizeof a, s->count_delta),
                    rg_rpt_fmt_bytes_delta(b, sizeof b, s->bytes_delta));
        if (s->bytes_per_min > 0 && s->bytes_delta > 0)
            rg_md_textf(p, ", about %s/min", rg_format_bytes(c, sizeof c, (uint64_t)(s->bytes_per_min + 0.5)));
        rg_md_text(p, s->reason == RG_REASON_GREW ? "), though not at every step" : ")");
        break;
    case RG_REASON_UNREACHABLE:
        rg_md_text(p, m->n_snaps < 2 ? "; no root reaches them, so they are waste (one snapshot: growth "
                                       "is not measured)"
                                     : "; no root reaches them, so they are waste, though they did not "
                                       "grow over the snapshots");
        break;
    case RG_REASON_LARGE:
        rg_md_text(p, "; this is one snapshot, so growth is not measured");
        break;
    default:
        break;
    }
}

/* " are held by the `collections.deque` at `__main__.jobs.queue`" */
static void held(cmark_node *p, const rg_rpt_suspect *s, const char *verb)
{
    if (s->cause == RG_RPT_CAUSE_CYCLES) {
        rg_md_textf(p, "%s kept alive only by each other", verb);
    } else if (s->cause == RG_RPT_CAUSE_OUTSIDE) {
        rg_md_textf(p, "%s held from outside the Python heap", verb);
    } else if (s->chain_link && *s->chain_link) {
        rg_md_textf(p, "%s held in a chain, each by the one before it through ", verb);
        rg_md_code(p, s->chain_link);
    } else if (s->holder_type && *s->holder_type) {
        rg_md_textf(p, "%s held by the ", verb);
        rg_md_code(p, s->holder_type);
        if (s->holder_where && *s->holder_where) {
            rg_md_text(p, " at ");
            rg_md_code(p, s->holder_where);
        }
    } else if (s->holder_where && *s->holder_where) {
        rg_md_textf(p, "%s held at ", verb);
        rg_md_code(p, s->holder_where);
    } else {
        rg_md_textf(p, "%s kept alive by the path under Leak suspects", verb);
    }
}

/* What no root reaches, in words: the suspects among it, the interpreter's
 * own baseline, the cycles. */
static void unreachable_sentence(cmark_node *p, const rg_rpt *m)
{
    char a[48], b[48], c[48];
    if (!m->unreachable_objects)
        return;
    rg_md_textf(p, " %s object%s (%s) no root reaches", rg_format_count(a, sizeof a, m->unreachable_objects),
                m->unreachable_objects == 1 ? "" : "s", rg_format_bytes(b, sizeof b, m->unreachable_bytes));
    if (m->baseline_objects) {
        rg_md_textf(p, "; %s of them (%s) belong to the interpreter's own types and tables, which C "
                       "code holds by design (a type's dictionary, its singletons), and are normal",
                    rg_format_count(a, sizeof a, m->baseline_objects),
                    rg_format_bytes(c, sizeof c, m->baseline_bytes));
    }
    rg_md_text(p, ".");
}

void rg_rpt_summary(cmark_node *doc, const rg_rpt *m)
{
    char a[48], b[48], c[48];
    const rg_rpt_snap *last = &m->snaps[m->n_snaps - 1];
    rg_rpt_cause cause = rg_rpt_main_cause(m);
    cmark_node *p = rg_md_para(doc);
    const rg_rpt_suspect *s = m->n_suspects ? &m->suspects[0] : NULL;

    if (s && s->level >= RG_LEVEL_POSSIBLE_LEAK) {
        rg_md_text(p, s->level == RG_LEVEL_LEAK ? "Leak: " : "Possible leak: ");
        what(p, s);
        rg_md_textf(p, " (%s retained, %s of the heap)", rg_format_bytes(a, sizeof a, s->retained),
                    rg_rpt_fmt_share(b, sizeof b, s->retained, last->total_bytes));
        held(p, s, s->count == 1 ? " is" : " are");
        const char *mech = mechanism_name(s);
        if (mech) {
            rg_md_text(p, " (");
            rg_md_text(p, mech);
            rg_md_text(p, ")");
        }
        evidence(p, m, s);
        rg_md_text(p, ".");
        if (s->bulk_type && *s->bulk_type) {
            rg_md_text(p, " Most of those bytes are in the ");
            rg_md_code(p, s->bulk_type);
            rg_md_text(p, " objects they reach.");
        }
        int measured = s->reason == RG_REASON_GROWS_EVERY_STEP || s->reason == RG_REASON_GREW;
        rg_md_text(p, " ");
        rg_md_text(p, cause_sentence(cause, measured));
        rg_md_text(p, " Look at ");
        rg_md_text(p, s->advice);
        rg_md_text(p, ".");
    } else {
        rg_md_text(p, "No suspect stands out");
        if (m->n_snaps > 1)
            rg_md_textf(p, ": nothing grew at every step over %zu snapshots, and nothing is of consequence",
                        m->n_snaps);
        rg_md_text(p, ".");
        if (s) {
            rg_md_text(p, " The largest group is ");
            what(p, s);
            rg_md_textf(p, " (%s retained, %s of the heap)", rg_format_bytes(a, sizeof a, s->retained),
                        rg_rpt_fmt_share(b, sizeof b, s->retained, last->total_bytes));
            held(p, s, ",");
            rg_md_text(p, s->reason == RG_REASON_STEADY ? ", and it did not grow: a bounded table rather than a leak."
                                                        : ": small enough to be ordinary use rather than a leak.");
        } else if (m->n_top_types) {
            rg_md_text(p, " The most common type is ");
            rg_md_code(p, m->top_types[0].type);
            rg_md_textf(p, " with %s object%s (%s, %s of the heap).",
                        rg_format_count(a, sizeof a, m->top_types[0].count),
                        m->top_types[0].count == 1 ? "" : "s",
                        rg_format_bytes(b, sizeof b, m->top_types[0].bytes),
                        rg_rpt_fmt_share(c, sizeof c, m->top_types[0].bytes, last->total_bytes));
        }
        rg_md_text(p, " ");
        rg_md_text(p, cause_sentence(RG_RPT_CAUSE_NONE, 0));
        unreachable_sentence(p, m);
        if (m->n_snaps < 2)
            rg_md_text(p, " This is one snapshot; a report over several shows whether anything grows.");
    }

    /* One last sentence names the rest, so one look at the summary tells the
     * whole story: more suspects, and the other causes when present too. */
    int cycles = cause != RG_RPT_CAUSE_CYCLES && rg_rpt_cause_significant(m, RG_RPT_CAUSE_CYCLES);
    int outside = cause != RG_RPT_CAUSE_OUTSIDE && rg_rpt_cause_significant(m, RG_RPT_CAUSE_OUTSIDE);
    size_t more = 0;
    for (size_t i = 1; i < m->n_suspects; i++)
        more += m->suspects[i].level >= RG_LEVEL_POSSIBLE_LEAK;
    /* One snapshot cannot tell a small leak from a table: name the next
     * groups too, marked as such, so a second leak is not silent. */
    if (m->n_snaps < 2 && s && s->level >= RG_LEVEL_POSSIBLE_LEAK) {
        size_t named = 0;
        for (size_t i = 1; i < m->n_suspects && named < SUMMARY_MORE; i++) {
            const rg_rpt_suspect *o = &m->suspects[i];
            if (o->level >= RG_LEVEL_POSSIBLE_LEAK || o->interpreter_table)
                continue;
            rg_md_text(p, named++ ? "; " : " Next, below the threshold of consequence (a series of snapshots "
                                           "tells whether they grow): ");
            what(p, o);
            held(p, o, "");
        }
        if (named)
            rg_md_text(p, ".");
    }
    if (!more && !cycles && !outside)
        return;
    if (more) {
        /* Name every other leak, so a heap with three leaks shows all three
         * here, not only the biggest. */
        rg_md_textf(p, " %zu more suspect%s of consequence follow%s below: ", more, more == 1 ? "" : "s",
                    more == 1 ? "s" : "");
        size_t named = 0;
        for (size_t i = 1; i < m->n_suspects && named < SUMMARY_MORE; i++) {
            const rg_rpt_suspect *o = &m->suspects[i];
            if (o->level < RG_LEVEL_POSSIBLE_LEAK)
                continue;
            rg_md_text(p, named++ ? "; " : "");
            what(p, o);
            held(p, o, "");
        }
        if (more > named)
            rg_md_textf(p, "; and %zu more", more - named);
    } else {
        rg_md_text(p, " Also");
    }
    if (cycles)
        rg_md_textf(p, "%s%s object%s (%s) sit on unreachable cycles", more ? "; " : ": ",
                    rg_format_count(a, sizeof a, m->cycle_objects), m->cycle_objects == 1 ? "" : "s",
                    rg_format_bytes(b, sizeof b, m->cycle_bytes));
    if (outside)
        rg_md_textf(p, "%s%s object%s held from outside the Python heap",
                    cycles ? " and " : more ? "; " : ": ",
                    rg_format_count(a, sizeof a, m->outside_objects),
                    m->outside_objects == 1 ? " is" : "s are");
    rg_md_text(p, ".");
}
