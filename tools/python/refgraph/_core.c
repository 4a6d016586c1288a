/* _core.c: the CPython extension over librefgraph behind the `refgraph` package.
 *
 * Thin on purpose: every function hands the library's numbers back as plain
 * tuples, lists and dicts, and refgraph/__init__.py turns them into dataclasses
 * and text. A Snapshot object owns one rg_snapshot and the analyses computed on
 * it (paths, dominators, groups, cycles, held-from-outside), each computed once,
 * on first use, with the GIL released; no Python object is made per heap object.
 *
 * Errors: a failing library call raises the Python class given to
 * _set_error_class (refgraph.Error) with the library's text, its rg_error code
 * and the file involved; refgraph.Error parses line and byte offset from it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include <refgraph.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ errors */

static PyObject *error_class; /* refgraph.Error, set by _set_error_class */

/* Raise refgraph.Error(text, code, file) for a failed library call. `text` is
 * the rg_last_error() copied on the thread that failed. */
static PyObject *raise_rg(int code, const char *text, const char *file)
{
    PyObject *cls = error_class ? error_class : PyExc_RuntimeError;
    PyObject *exc = PyObject_CallFunction(cls, "sis", text, code, file ? file : "");
    if (exc) {
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* A failure captured while the GIL was released. */
typedef struct failure {
    int code;
    char text[1024];
} failure;

static void failure_capture(failure *f, int code)
{
    f->code = code;
    snprintf(f->text, sizeof f->text, "%s", rg_last_error());
}

static PyObject *set_error_class(PyObject *self, PyObject *cls)
{
    (void)self;
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, (PyTypeObject *)PyExc_Exception)) {
        PyErr_SetString(PyExc_TypeError, "_set_error_class needs an Exception subclass");
        return NULL;
    }
    Py_INCREF(cls);
    Py_XSETREF(error_class, cls);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- Snapshot */

typedef struct {
    PyObject_HEAD
    rg_snapshot *snap;
    PyThread_type_lock lock; /* serialises the lazy analyses below */
    rg_paths *paths;
    rg_dominators *dom;
    rg_groups *groups;
    rg_cycles *cycles;
    rg_outside *outside;
    char *path;
} SnapshotObject;

static PyTypeObject Snapshot_Type;

static void Snapshot_dealloc(SnapshotObject *s)
{
    rg_outside_free(s->outside);
    rg_cycles_free(s->cycles);
    rg_groups_free(s->groups);
    rg_dominators_free(s->dom);
    rg_paths_free(s->paths);
    rg_snapshot_free(s->snap);
    if (s->lock)
        PyThread_free_lock(s->lock);
    free(s->path);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* How much of the analysis pipeline a query needs; each level needs the ones
 * before it. */
enum { NEED_PATHS = 1, NEED_DOM, NEED_GROUPS, NEED_ALL };

/* Compute, once, what a query needs. Called with the GIL released. */
static int ensure_locked(SnapshotObject *s, int need, failure *f)
{
    int rc = RG_OK;
    if (!s->paths && (rc = rg_paths_compute(s->snap, NULL, &s->paths)) != RG_OK)
        goto fail;
    if (need >= NEED_DOM && !s->dom && (rc = rg_dominators_compute(s->snap, &s->dom)) != RG_OK)
        goto fail;
    if (need >= NEED_GROUPS && !s->groups &&
        (rc = rg_groups_compute(s->snap, s->paths, s->dom, &s->groups)) != RG_OK)
        goto fail;
    if (need >= NEED_ALL && !s->cycles && (rc = rg_cycles_compute(s->snap, s->dom, &s->cycles)) != RG_OK)
        goto fail;
    if (need >= NEED_ALL && !s->outside &&
        (rc = rg_outside_compute(s->snap, s->dom, NULL, &s->outside)) != RG_OK)
        goto fail;
    return RG_OK;
fail:
    failure_capture(f, rc);
    return rc;
}

/* Ensure `need` with the GIL released; raises on failure. */
static int ensure(SnapshotObject *s, int need)
{
    failure f;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(s->lock, WAIT_LOCK);
    rc = ensure_locked(s, need, &f);
    PyThread_release_lock(s->lock);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK) {
        raise_rg(f.code, f.text, s->path);
        return -1;
    }
    return 0;
}

static int check_node(SnapshotObject *s, unsigned long long node)
{
    if (node >= rg_node_count(s->snap)) {
        PyErr_Format(PyExc_IndexError, "node %llu out of range (the snapshot has %u objects)", node,
                     rg_node_count(s->snap));
        return -1;
    }
    return 0;
}

/* A Python sequence of node indices -> a malloc'd array (caller frees). */
static rg_node *nodes_from_seq(SnapshotObject *s, PyObject *seq, size_t *n)
{
    PyObject *fast = PySequence_Fast(seq, "nodes must be a sequence of node indices");
    if (!fast)
        return NULL;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    rg_node *v = malloc((len ? (size_t)len : 1) * sizeof *v);
    if (!v) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned long long x = PyLong_AsUnsignedLongLong(PySequence_Fast_GET_ITEM(fast, i));
        if ((x == (unsigned long long)-1 && PyErr_Occurred()) || check_node(s, x) < 0) {
            free(v);
            Py_DECREF(fast);
            return NULL;
        }
        v[i] = (rg_node)x;
    }
    Py_DECREF(fast);
    *n = (size_t)len;
    return v;
}

static PyObject *Snapshot_info(SnapshotObject *s, PyObject *unused)
{
    (void)unused;
    const rg_snapshot_info *i = rg_snapshot_info_get(s->snap);
    return Py_BuildValue(
        "{s:s,s:s,s:i,s:s,s:s,s:s,s:L,s:d,s:L,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:d,s:O,s:s}", "path", i->path,
        "format", i->format, "format_version", i->format_version, "compression", i->compression, "producer",
        i->producer, "runtime", i->runtime, "pid", (long long)i->pid, "time", i->time, "seq", (long long)i->seq,
        "objects", (unsigned long long)i->objects, "edges", (unsigned long long)i->edges, "roots",
        (unsigned long long)i->roots, "total_bytes", (unsigned long long)i->total_bytes, "input_bytes",
        (unsigned long long)i->input_bytes, "skipped_records", (unsigned long long)i->skipped_records,
        "dangling_refs", (unsigned long long)i->dangling_refs, "load_seconds", i->load_seconds, "from_cache",
        i->from_cache ? Py_True : Py_False, "cache_note", i->cache_note);
}

static PyObject *Snapshot_types(SnapshotObject *s, PyObject *args)
{
    int by_size = 0;
    if (!PyArg_ParseTuple(args, "|p", &by_size))
        return NULL;
    rg_type_stat *st = NULL;
    uint32_t n = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_type_stats(s->snap, by_size ? RG_SORT_SIZE : RG_SORT_COUNT, sizeof(rg_type_stat), &st, &n);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK)
        return raise_rg(rc, rg_last_error(), s->path);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(sKK)", st[i].name, (unsigned long long)st[i].count,
                                    (unsigned long long)st[i].bytes);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, t);
    }
    rg_free(st);
    return list;
}

/* (id, type, size, length, refcount, repr, name, flags) of one node. */
static PyObject *Snapshot_node(SnapshotObject *s, PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(arg);
    if ((v == (unsigned long long)-1 && PyErr_Occurred()) || check_node(s, v) < 0)
        return NULL;
    rg_node n = (rg_node)v;
    return Py_BuildValue("(KsKLLssI)", (unsigned long long)rg_node_id(s->snap, n), rg_node_type_name(s->snap, n),
                         (unsigned long long)rg_node_size(s->snap, n), (long long)rg_node_length(s->snap, n),
                         (long long)rg_node_refcount(s->snap, n), rg_node_repr(s->snap, n),
                         rg_node_name(s->snap, n), rg_node_flags(s->snap, n));
}

static PyObject *Snapshot_find(SnapshotObject *s, PyObject *arg)
{
    unsigned long long id = PyLong_AsUnsignedLongLong(arg);
    if (id == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    rg_node n;
    int rc = rg_node_find(s->snap, id, &n);
    if (rc != RG_OK)
        return raise_rg(rc, rg_last_error(), s->path);
    return PyLong_FromUnsignedLong(n);
}

/* Every instance of the type `name` (matched like rg_type_find), as a list of
 * node indices, and the type's full name. */
static PyObject *Snapshot_instances(SnapshotObject *s, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name))
        return NULL;
    uint32_t type;
    int rc = rg_type_find(s->snap, name, &type);
    if (rc != RG_OK)
        return raise_rg(rc, rg_last_error(), s->path);
    uint32_t total = rg_node_count(s->snap), k = 0;
    rg_node *v = malloc(((size_t)total + 1) * sizeof *v);
    if (!v)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    for (uint32_t i = 0; i < total; i++)
        if (rg_node_type(s->snap, i) == type)
            v[k++] = i;
    Py_END_ALLOW_THREADS
    PyObject *list = PyList_New(k);
    for (uint32_t i = 0; list && i < k; i++) {
        PyObject *x = PyLong_FromUnsignedLong(v[i]);
        if (!x) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, x);
    }
    free(v);
    if (!list)
        return NULL;
    return Py_BuildValue("(Ns)", list, rg_type_name(s->snap, type));
}

/* Edges as [(label, from, to)]. */
static PyObject *edges_to_list(SnapshotObject *s, const rg_edge *e, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        char label[512];
        rg_edge_label_format(s->snap, &e[i], label, sizeof label);
        PyObject *t = Py_BuildValue("(sII)", label, (unsigned)e[i].from, (unsigned)e[i].to);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

/* How a root reaches `node`, or why none does:
 *   ("reachable", root_kind, root_label, [(label, from, to)...])
 *   (why, "", "", holder hops) for an unreachable node (hops from its holder). */
static PyObject *chain_of(SnapshotObject *s, rg_node node)
{
    rg_edge *e = NULL;
    size_t n = 0;
    uint32_t ri;
    if (rg_paths_chain(s->paths, node, &e, &n) == RG_OK && rg_paths_root(s->paths, node, &ri) == RG_OK) {
        rg_root root;
        rg_root_get(s->snap, ri, &root);
        PyObject *hops = edges_to_list(s, e, n);
        rg_free(e);
        return hops ? Py_BuildValue("(sssN)", "reachable", rg_root_kind_name(root.kind), root.label, hops) : NULL;
    }
    rg_free(e);
    rg_unreachable u = {.struct_size = sizeof u};
    int rc = rg_paths_why_unreachable(s->paths, node, &u);
    if (rc != RG_OK)
        return raise_rg(rc, rg_last_error(), s->path);
    e = NULL;
    n = 0;
    if (u.kind == RG_UNREACHABLE_CYCLE)
        rg_paths_cycle(s->paths, node, &e, &n);
    else if (u.kind != RG_UNREACHABLE_UNEXPLAINED)
        rg_paths_holder_chain(s->paths, node, &e, &n);
    rg_clear_error();
    PyObject *hops = edges_to_list(s, e, n);
    rg_free(e);
    return hops ? Py_BuildValue("(sssN)", rg_unreachable_kind_name(u.kind), "", "", hops) : NULL;
}

static PyObject *Snapshot_chain(SnapshotObject *s, PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(arg);
    if ((v == (unsigned long long)-1 && PyErr_Occurred()) || check_node(s, v) < 0 || ensure(s, NEED_PATHS) < 0)
        return NULL;
    return chain_of(s, (rg_node)v);
}

/* Group nodes by chain shape: [(count, bytes, why, representative)], largest
 * first (rg_paths_group's order). */
static PyObject *Snapshot_chain_groups(SnapshotObject *s, PyObject *args)
{
    PyObject *seq;
    if (!PyArg_ParseTuple(args, "O", &seq) || ensure(s, NEED_PATHS) < 0)
        return NULL;
    size_t n;
    rg_node *nodes = nodes_from_seq(s, seq, &n);
    if (!nodes)
        return NULL;
    rg_chain_group *g = NULL;
    rg_node *members = NULL;
    size_t ng = 0;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_paths_group(s->paths, nodes, n, sizeof(rg_chain_group), &g, &ng, &members);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    free(nodes);
    if (rc != RG_OK)
        return raise_rg(f.code, f.text, s->path);
    PyObject *list = PyList_New((Py_ssize_t)ng);
    for (size_t i = 0; list && i < ng; i++) {
        PyObject *t = Py_BuildValue("(KKsI)", (unsigned long long)g[i].count, (unsigned long long)g[i].bytes,
                                    rg_unreachable_kind_name(g[i].why), (unsigned)g[i].representative);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    rg_free(g);
    rg_free(members);
    return list;
}

/* ---------------------------------------------------------------- Diagram */

typedef struct {
    PyObject_HEAD
    rg_diagram *d;
} DiagramObject;

static PyTypeObject Diagram_Type;

static void Diagram_dealloc(DiagramObject *d)
{
    rg_diagram_free(d->d);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

/* render(format) -> bytes, format one of "dot", "svg", "png", "pdf". Graphviz
 * layout runs with the GIL released. */
static PyObject *Diagram_render(DiagramObject *d, PyObject *args)
{
    const char *fmt;
    if (!PyArg_ParseTuple(args, "s", &fmt))
        return NULL;
    int f = rg_diagram_format_from_name(fmt);
    if (f < 0) {
        PyErr_Format(PyExc_ValueError, "unknown diagram format '%s' (dot, svg, png, pdf)", fmt);
        return NULL;
    }
    char *out = NULL;
    size_t len = 0;
    int rc;
    failure fl;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_diagram_render(d->d, (rg_diagram_format)f, &out, &len);
    if (rc != RG_OK)
        failure_capture(&fl, rc);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK)
        return raise_rg(fl.code, fl.text, NULL);
    PyObject *b = PyBytes_FromStringAndSize(out, (Py_ssize_t)len);
    rg_free(out);
    return b;
}

static PyObject *Diagram_stats(DiagramObject *d, PyObject *unused)
{
    (void)unused;
    rg_diagram_stats st = {.struct_size = sizeof st};
    rg_diagram_stats_get(d->d, &st);
    return Py_BuildValue("{s:I,s:I,s:I,s:I,s:K,s:s}", "nodes", st.nodes, "fold_nodes", st.fold_nodes, "edges",
                         st.edges, "omitted", st.omitted, "folded", (unsigned long long)st.folded, "note",
                         rg_diagram_note(d->d));
}

static PyMethodDef Diagram_methods[] = {
    {"render", (PyCFunction)Diagram_render, METH_VARARGS, "render(format) -> bytes"},
    {"stats", (PyCFunction)Diagram_stats, METH_NOARGS, "what was drawn and left out"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Diagram_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "refgraph._core.Diagram",
    .tp_basicsize = sizeof(DiagramObject),
    .tp_dealloc = (destructor)Diagram_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A diagram built from a snapshot (it no longer needs the snapshot).",
    .tp_methods = Diagram_methods,
};

/* diagram(nodes, referents=False, depth=0, max_nodes=0, too_many=0,
 *         highlight_type=None, title=None) -> Diagram */
static PyObject *Snapshot_diagram(SnapshotObject *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"nodes", "referents", "depth", "max_nodes", "too_many", "highlight_type", "title", NULL};
    PyObject *seq;
    int referents = 0;
    unsigned depth = 0, max_nodes = 0, too_many = 0;
    const char *highlight = NULL, *title = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|pIIIzz", kwlist, &seq, &referents, &depth, &max_nodes,
                                     &too_many, &highlight, &title) ||
        ensure(s, NEED_PATHS) < 0)
        return NULL;
    size_t n;
    rg_node *nodes = nodes_from_seq(s, seq, &n);
    if (!nodes)
        return NULL;
    rg_diagram_options o;
    rg_diagram_options_init(&o, RG_DIAGRAM_OPTIONS_VERSION);
    o.direction = referents ? RG_DIAGRAM_REFERENTS : RG_DIAGRAM_REFERRERS;
    if (depth)
        o.depth = depth;
    o.max_nodes = max_nodes;
    o.too_many = too_many;
    o.highlight_type = highlight;
    o.title = title;
    o.paths = s->paths;
    rg_diagram *d = NULL;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_diagram_compute(s->snap, nodes, n, &o, &d);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    free(nodes);
    if (rc != RG_OK)
        return raise_rg(f.code, f.text, s->path);
    DiagramObject *obj = PyObject_New(DiagramObject, &Diagram_Type);
    if (!obj) {
        rg_diagram_free(d);
        return NULL;
    }
    obj->d = d;
    return (PyObject *)obj;
}

/* ------------------------------------------------------------ suspects etc */

static PyObject *group_path(SnapshotObject *s, rg_group g)
{
    char *p = NULL;
    if (g == RG_GROUP_NONE || rg_groups_path(s->groups, g, &p) != RG_OK) {
        rg_clear_error();
        Py_RETURN_NONE;
    }
    PyObject *r = PyUnicode_FromString(p);
    rg_free(p);
    return r;
}

/* One suspect as a dict; the keys are documented in refgraph/__init__.py. */
static PyObject *suspect_dict(SnapshotObject *s, const rg_suspects *S, const rg_suspect *sp)
{
    PyObject *d = Py_BuildValue("{s:s,s:s,s:K,s:K,s:K,s:d,s:O,s:O}", "cause", rg_cause_name(sp->cause),
                                "signature", sp->signature, "count", (unsigned long long)sp->count,
                                "shallow_bytes", (unsigned long long)sp->shallow_bytes, "retained_bytes",
                                (unsigned long long)sp->retained_bytes, "share", sp->share, "significant",
                                sp->significant ? Py_True : Py_False, "growth",
                                sp->has_growth ? Py_True : Py_False);
    if (!d)
        return NULL;
    PyObject *v = NULL;
#define PUT(key, expr) \
    do { \
        if (!(v = (expr)) || PyDict_SetItemString(d, key, v) < 0) \
            goto fail; \
        Py_CLEAR(v); \
    } while (0)
    PUT("representative", sp->representative == RG_NODE_NONE ? Py_NewRef(Py_None)
                                                               : PyLong_FromUnsignedLong(sp->representative));
    switch (sp->cause) {
    case RG_CAUSE_RETAINED: {
        rg_group_info item = {.struct_size = sizeof item}, top = {.struct_size = sizeof top};
        rg_groups_get(S ? rg_suspects_groups(S) : s->groups, sp->group, &item);
        rg_groups_get(s->groups, sp->top_group, &top);
        PUT("type", PyUnicode_FromString(item.type_name));
        PUT("path", group_path(s, sp->group));
        PUT("bulk_path", group_path(s, sp->bulk_group));
        PUT("held_through", Py_BuildValue("(sK)", top.type_name, (unsigned long long)top.count));
        PUT("container", sp->accumulation == RG_NODE_NONE ? Py_NewRef(Py_None)
                                                          : PyLong_FromUnsignedLong(sp->accumulation));
        PUT("container_retained", PyLong_FromUnsignedLongLong(sp->accumulation_retained));
        break;
    }
    case RG_CAUSE_CYCLE: {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(s->cycles, sp->index, &sh);
        PUT("type", PyUnicode_FromString(sh.description));
        PUT("components", PyLong_FromUnsignedLongLong(sh.components));
        PUT("cycle", edges_to_list(s, sh.cycle, sh.cycle_len));
        break;
    }
    case RG_CAUSE_OUTSIDE: {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(s->outside, sp->index, &og);
        PUT("type", PyUnicode_FromString(og.type_name));
        PUT("excess", PyLong_FromUnsignedLongLong(og.excess));
        PUT("unreachable", PyLong_FromUnsignedLongLong(og.unreachable));
        break;
    }
    }
#undef PUT
    return d;
fail:
    Py_XDECREF(v);
    Py_DECREF(d);
    return NULL;
}

/* suspects(min_instances=2, min_share=0.001) -> [dict] best first. */
static PyObject *Snapshot_suspects(SnapshotObject *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"min_instances", "min_share", NULL};
    rg_suspect_options o;
    rg_suspect_options_init(&o, RG_SUSPECT_OPTIONS_VERSION);
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|Id", kwlist, &o.min_instances, &o.min_share) ||
        ensure(s, NEED_ALL) < 0)
        return NULL;
    rg_suspects *S = NULL;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_suspects_compute(s->snap, s->dom, s->groups, s->cycles, s->outside, &o, &S);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK)
        return raise_rg(f.code, f.text, s->path);
    uint32_t n = rg_suspects_count(S);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *d = suspect_dict(s, S, rg_suspects_get(S, i));
        if (!d) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, d);
    }
    rg_suspects_free(S);
    return list;
}

/* dominators(top) -> [(node, retained_bytes)] largest first. */
static PyObject *Snapshot_dominators(SnapshotObject *s, PyObject *args)
{
    unsigned top = 20;
    if (!PyArg_ParseTuple(args, "|I", &top) || ensure(s, NEED_DOM) < 0)
        return NULL;
    rg_node *v = NULL;
    uint32_t n = 0;
    int rc = rg_dominators_top(s->dom, top, &v, &n);
    if (rc != RG_OK)
        return raise_rg(rc, rg_last_error(), s->path);
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(IK)", (unsigned)v[i], (unsigned long long)rg_dominators_retained(s->dom, v[i]));
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, t);
    }
    rg_free(v);
    return list;
}

/* retained(node) -> bytes that node keeps alive. */
static PyObject *Snapshot_retained(SnapshotObject *s, PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(arg);
    if ((v == (unsigned long long)-1 && PyErr_Occurred()) || check_node(s, v) < 0 || ensure(s, NEED_DOM) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(rg_dominators_retained(s->dom, (rg_node)v));
}

/* ---------------------------------------------------------------- Summary */

typedef struct {
    PyObject_HEAD
    rg_summary *sum;
} SummaryObject;

static PyTypeObject Summary_Type;

static void Summary_dealloc(SummaryObject *o)
{
    rg_summary_free(o->sum);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *Summary_info(SummaryObject *o, PyObject *unused)
{
    (void)unused;
    const rg_summary_info *i = rg_summary_info_get(o->sum);
    return Py_BuildValue("{s:s,s:s,s:L,s:d,s:L,s:K,s:K,s:I,s:I}", "source", i->source, "format", i->format, "pid",
                         (long long)i->pid, "time", i->time, "seq", (long long)i->seq, "objects",
                         (unsigned long long)i->objects, "total_bytes", (unsigned long long)i->total_bytes,
                         "types", i->types, "groups", i->groups);
}

static PyMethodDef Summary_methods[] = {
    {"info", (PyCFunction)Summary_info, METH_NOARGS, "what the summary holds"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Summary_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "refgraph._core.Summary",
    .tp_basicsize = sizeof(SummaryObject),
    .tp_dealloc = (destructor)Summary_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "What a growth comparison needs from one snapshot (it no longer needs the snapshot).",
    .tp_methods = Summary_methods,
};

/* summary() -> Summary, reusing the retention groups when already computed. */
static PyObject *Snapshot_summary(SnapshotObject *s, PyObject *unused)
{
    (void)unused;
    rg_summary *sum = NULL;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(s->lock, WAIT_LOCK);
    rg_summary_options o = RG_SUMMARY_OPTIONS_INIT;
    o.groups = s->groups;
    rc = rg_summary_compute(s->snap, &o, &sum);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    PyThread_release_lock(s->lock);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK)
        return raise_rg(f.code, f.text, s->path);
    SummaryObject *obj = PyObject_New(SummaryObject, &Summary_Type);
    if (!obj) {
        rg_summary_free(sum);
        return NULL;
    }
    obj->sum = sum;
    return (PyObject *)obj;
}

static PyMethodDef Snapshot_methods[] = {
    {"info", (PyCFunction)Snapshot_info, METH_NOARGS, "header and load statistics"},
    {"types", (PyCFunction)Snapshot_types, METH_VARARGS, "types(by_size=False) -> [(name, count, bytes)]"},
    {"node", (PyCFunction)Snapshot_node, METH_O, "node(i) -> (id, type, size, length, refcount, repr, name, flags)"},
    {"find", (PyCFunction)Snapshot_find, METH_O, "find(id) -> node index"},
    {"instances", (PyCFunction)Snapshot_instances, METH_VARARGS, "instances(type) -> ([node], full type name)"},
    {"chain", (PyCFunction)Snapshot_chain, METH_O, "chain(node) -> (why, root kind, root label, hops)"},
    {"chain_groups", (PyCFunction)Snapshot_chain_groups, METH_VARARGS,
     "chain_groups(nodes) -> [(count, bytes, why, representative)]"},
    {"diagram", (PyCFunction)(void (*)(void))Snapshot_diagram, METH_VARARGS | METH_KEYWORDS, "diagram(nodes, ...)"},
    {"suspects", (PyCFunction)(void (*)(void))Snapshot_suspects, METH_VARARGS | METH_KEYWORDS,
     "suspects(min_instances=2, min_share=0.001) -> [dict]"},
    {"dominators", (PyCFunction)Snapshot_dominators, METH_VARARGS, "dominators(top=20) -> [(node, retained)]"},
    {"retained", (PyCFunction)Snapshot_retained, METH_O, "retained(node) -> bytes"},
    {"summary", (PyCFunction)Snapshot_summary, METH_NOARGS, "summary() -> Summary (for diff)"},
    {NULL, NULL, 0, NULL},
};

static PyObject *Snapshot_get_node_count(SnapshotObject *s, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLong(rg_node_count(s->snap));
}

static PyGetSetDef Snapshot_getset[] = {
    {"node_count", (getter)Snapshot_get_node_count, NULL, "objects in the snapshot", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Snapshot_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "refgraph._core.Snapshot",
    .tp_basicsize = sizeof(SnapshotObject),
    .tp_dealloc = (destructor)Snapshot_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A loaded snapshot (librefgraph's rg_snapshot) and the analyses computed on it.",
    .tp_methods = Snapshot_methods,
    .tp_getset = Snapshot_getset,
};

/* ----------------------------------------------------------- module level */

/* open(path, no_cache=False, cache_dir=None) -> Snapshot; the load runs with
 * the GIL released. */
static PyObject *core_open(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"path", "no_cache", "cache_dir", NULL};
    PyObject *pathobj;
    int no_cache = 0;
    const char *cache_dir = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|pz", kwlist, PyUnicode_FSConverter, &pathobj, &no_cache,
                                     &cache_dir))
        return NULL;
    SnapshotObject *s = PyObject_New(SnapshotObject, &Snapshot_Type);
    if (!s) {
        Py_DECREF(pathobj);
        return NULL;
    }
    s->snap = NULL;
    s->paths = NULL;
    s->dom = NULL;
    s->groups = NULL;
    s->cycles = NULL;
    s->outside = NULL;
    s->path = strdup(PyBytes_AS_STRING(pathobj));
    s->lock = PyThread_allocate_lock();
    Py_DECREF(pathobj);
    if (!s->path || !s->lock) {
        Py_DECREF(s);
        return PyErr_NoMemory();
    }
    rg_open_options o = RG_OPEN_OPTIONS_INIT;
    o.flags = no_cache ? RG_OPEN_NO_CACHE : 0;
    o.cache_dir = cache_dir;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_snapshot_open(s->path, &o, &s->snap);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK) {
        raise_rg(f.code, f.text, s->path);
        Py_DECREF(s);
        return NULL;
    }
    return (PyObject *)s;
}

static PyObject *growth_dict(const rg_growth *g, uint32_t np, int group)
{
    PyObject *counts = PyList_New(np), *bytes = PyList_New(np), *retained = NULL;
    if (!counts || !bytes)
        goto fail;
    for (uint32_t i = 0; i < np; i++) {
        PyList_SET_ITEM(counts, i, PyLong_FromUnsignedLongLong(g->count[i]));
        PyList_SET_ITEM(bytes, i, PyLong_FromUnsignedLongLong(g->bytes[i]));
    }
    if (g->retained) {
        if (!(retained = PyList_New(np)))
            goto fail;
        for (uint32_t i = 0; i < np; i++)
            PyList_SET_ITEM(retained, i, PyLong_FromUnsignedLongLong(g->retained[i]));
    } else {
        retained = Py_NewRef(Py_None);
    }
    return Py_BuildValue("{s:s,s:s,s:s,s:s,s:O,s:N,s:N,s:N,s:L,s:L,s:d,s:d,s:O,s:O,s:O}", "name", g->name,
                         "signature", g->signature, "container", g->container, "member", g->member, "is_group",
                         group ? Py_True : Py_False, "counts", counts, "bytes", bytes, "retained", retained,
                         "count_delta", (long long)g->count_delta, "bytes_delta", (long long)g->bytes_delta,
                         "count_per_min", g->count_per_min, "bytes_per_min", g->bytes_per_min, "monotonic",
                         (g->flags & RG_GROWTH_MONOTONIC) ? Py_True : Py_False, "significant",
                         (g->flags & RG_GROWTH_SIGNIFICANT) ? Py_True : Py_False, "growing",
                         (g->flags & RG_GROWTH_GROWING) ? Py_True : Py_False);
fail:
    Py_XDECREF(counts);
    Py_XDECREF(bytes);
    Py_XDECREF(retained);
    return NULL;
}

/* The judgement of a series, as `refgraph diff` prints it: the time-last
 * snapshot's suspects, judged with the growth of the diff and worded as the
 * report's Summary words it (rg_report_verdict). `last` is that snapshot.
 * *leak: its top suspect is at least a possible leak. *text: rg_free. */
static int judge_last(const rg_snapshot *last, const rg_diff *d, char **text, int *leak)
{
    rg_suspect_options so;
    rg_suspect_options_init(&so, RG_SUSPECT_OPTIONS_VERSION);
    rg_group_growth *gg = NULL;
    rg_suspects *S = NULL;
    int rc = rg_suspect_options_from_diff(&so, d, &gg);
    if (rc == RG_OK)
        rc = rg_suspects_compute_all(last, &so, &S);
    if (rc == RG_OK)
        rc = rg_report_verdict(last, S, rg_diff_point_count(d), text);
    if (rc == RG_ERENDER) {
        /* A librefgraph built without reports (REFGRAPH_RENDER=OFF) cannot
         * word the judgement: the diff's own verdict stands, as in the CLI. */
        rg_clear_error();
        *text = NULL;
        free(gg);
        rg_suspects_free(S);
        return RG_OK;
    }
    if (rc == RG_OK) {
        const rg_suspect *top = rg_suspects_count(S) ? rg_suspects_get(S, 0) : NULL;
        *leak = top && top->level >= RG_LEVEL_POSSIBLE_LEAK;
    }
    rg_free(gg);
    rg_suspects_free(S);
    return rc;
}

/* The library's verdict on a series, as a dict: kind ("none", "group",
 * "type"), confirmed, text, the growth record it names, and leak. With a
 * judgement (judge_last) text and leak are its. This is the one place that
 * reads the verdict API; refgraph.diff and the pytest plugin both go through
 * it (refgraph._series_verdict on the Python side). */
static PyObject *verdict_dict(const rg_diff *d, const char *judgement, int judged_leak)
{
    const rg_verdict *v = rg_diff_verdict(d);
    const char *kind = v->kind == RG_VERDICT_GROUP ? "group" : v->kind == RG_VERDICT_TYPE ? "type" : "none";
    PyObject *growth = v->growth ? growth_dict(v->growth, rg_diff_point_count(d), v->kind == RG_VERDICT_GROUP)
                                 : Py_NewRef(Py_None);
    if (!growth)
        return NULL;
    int leak = judgement ? judged_leak : v->kind != RG_VERDICT_NONE && v->confirmed;
    return Py_BuildValue("{s:s,s:O,s:s,s:N,s:O}", "kind", kind, "confirmed", v->confirmed ? Py_True : Py_False,
                         "text", judgement ? judgement : v->text, "growth", growth, "leak",
                         leak ? Py_True : Py_False);
}

/* Growth records [start, start+n) of one table as a list of dicts. */
static PyObject *growth_list(const rg_diff *d, int groups, uint32_t top)
{
    uint32_t n = groups ? rg_diff_group_count(d) : rg_diff_type_count(d), np = rg_diff_point_count(d);
    if (top && n > top)
        n = top;
    PyObject *list = PyList_New(n);
    for (uint32_t i = 0; list && i < n; i++) {
        PyObject *g = growth_dict(groups ? rg_diff_group_get(d, i) : rg_diff_type_get(d, i), np, groups);
        if (!g) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, g);
    }
    return list;
}

/* diff(summaries, min_growth=100, min_ratio=0.10, min_group_ratio=0.02, top=20)
 * -> {"points": [...], "warnings": [...], "types": [...], "groups": [...],
 *     "verdict": {...}} */
static PyObject *core_diff(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"summaries", "min_growth", "min_ratio", "min_group_ratio", "top", "sources", NULL};
    PyObject *sources = NULL;
    rg_diff_options o;
    rg_diff_options_init(&o, RG_DIFF_OPTIONS_VERSION);
    unsigned long long min_growth = o.min_growth;
    unsigned top = 20;
    PyObject *seq;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|KddIO", kwlist, &seq, &min_growth, &o.min_ratio,
                                     &o.min_group_ratio, &top, &sources))
        return NULL;
    o.min_growth = min_growth;
    PyObject *fast = PySequence_Fast(seq, "diff needs a sequence of summaries");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    rg_summary **sums = malloc((n ? (size_t)n : 1) * sizeof *sums);
    if (!sums) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyObject_TypeCheck(x, &Summary_Type)) {
            free(sums);
            Py_DECREF(fast);
            PyErr_SetString(PyExc_TypeError, "diff needs Summary objects (Snapshot.summary())");
            return NULL;
        }
        sums[i] = ((SummaryObject *)x)->sum;
    }
    rg_diff *d = NULL;
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_diff_compute(sums, (uint32_t)n, &o, &d);
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    free(sums);
    PyObject *result = NULL;
    if (rc != RG_OK) {
        raise_rg(f.code, f.text, NULL);
        goto out;
    }
    uint32_t np = rg_diff_point_count(d), nw = rg_diff_warning_count(d);
    char *judgement = NULL;
    int judged_leak = 0;
    if (sources && sources != Py_None) {
        /* Judge the time-last snapshot, loaded again, as refgraph diff does. */
        PyObject *src = PySequence_GetItem(sources, rg_diff_point_input_index(d, np - 1));
        PyObject *b = NULL;
        if (!src || !PyUnicode_FSConverter(src, &b)) {
            Py_XDECREF(src);
            goto out;
        }
        Py_DECREF(src);
        rg_snapshot *last = NULL;
        rg_open_options oo = RG_OPEN_OPTIONS_INIT;
        oo.flags = RG_OPEN_NO_CACHE;
        const char *path = PyBytes_AS_STRING(b);
        Py_BEGIN_ALLOW_THREADS
        rc = rg_snapshot_open(path, &oo, &last);
        if (rc == RG_OK)
            rc = judge_last(last, d, &judgement, &judged_leak);
        if (rc != RG_OK)
            failure_capture(&f, rc);
        rg_snapshot_free(last);
        Py_END_ALLOW_THREADS
        if (rc != RG_OK) {
            raise_rg(f.code, f.text, path);
            Py_DECREF(b);
            goto out;
        }
        Py_DECREF(b);
    }
    PyObject *points = PyList_New(np), *warnings = PyList_New(nw);
    for (uint32_t i = 0; points && i < np; i++)
        PyList_SET_ITEM(points, i, PyLong_FromUnsignedLong(rg_diff_point_input_index(d, i)));
    for (uint32_t i = 0; warnings && i < nw; i++)
        PyList_SET_ITEM(warnings, i, PyUnicode_FromString(rg_diff_warning_get(d, i)));
    PyObject *types = growth_list(d, 0, top), *groups = growth_list(d, 1, top), *verdict = verdict_dict(d, judgement, judged_leak);
    rg_free(judgement);
    if (points && warnings && types && groups && verdict)
        result = Py_BuildValue("{s:O,s:O,s:O,s:O,s:O,s:d}", "points", points, "warnings", warnings, "types",
                               types, "groups", groups, "verdict", verdict, "span_seconds",
                               rg_diff_span_seconds(d));
    Py_XDECREF(points);
    Py_XDECREF(warnings);
    Py_XDECREF(types);
    Py_XDECREF(groups);
    Py_XDECREF(verdict);
out:
    rg_diff_free(d);
    Py_DECREF(fast);
    return result;
}

/* report(snapshots, out_dir, title=None, top=0, formats="md,html",
 *        command_line=None) -> (summary text, [diagram files]). The snapshots
 * are Snapshot objects, in time order. */
static PyObject *core_report(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"snapshots", "out_dir", "title", "top", "markdown", "html", "command_line", NULL};
    PyObject *seq, *dirobj;
    const char *title = NULL, *cmdline = NULL;
    unsigned top = 0;
    int md = 1, html = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO&|zIppz", kwlist, &seq, PyUnicode_FSConverter, &dirobj, &title,
                                     &top, &md, &html, &cmdline))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "report needs a sequence of snapshots");
    if (!fast) {
        Py_DECREF(dirobj);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    const rg_snapshot **snaps = malloc((n ? (size_t)n : 1) * sizeof *snaps);
    PyObject *result = NULL;
    rg_report *r = NULL;
    if (!snaps) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyObject_TypeCheck(x, &Snapshot_Type)) {
            PyErr_SetString(PyExc_TypeError, "report needs Snapshot objects");
            goto out;
        }
        snaps[i] = ((SnapshotObject *)x)->snap;
    }
    rg_report_options o;
    rg_report_options_init(&o, RG_REPORT_OPTIONS_VERSION);
    o.title = title;
    o.top = top;
    o.command_line = cmdline;
    const char *dir = PyBytes_AS_STRING(dirobj);
    int rc;
    failure f;
    Py_BEGIN_ALLOW_THREADS
    rc = rg_report_compute(snaps, (size_t)n, &o, &r);
    if (rc == RG_OK)
        rc = rg_report_write(r, dir, (md ? RG_REPORT_MARKDOWN : 0u) | (html ? RG_REPORT_HTML : 0u));
    if (rc != RG_OK)
        failure_capture(&f, rc);
    Py_END_ALLOW_THREADS
    if (rc != RG_OK) {
        raise_rg(f.code, f.text, dir);
        goto out;
    }
    size_t nd = rg_report_diagram_count(r);
    PyObject *files = PyList_New((Py_ssize_t)nd);
    for (size_t i = 0; files && i < nd; i++) {
        const char *file, *svg;
        size_t len;
        rg_report_diagram_get(r, i, &file, &svg, &len);
        PyList_SET_ITEM(files, (Py_ssize_t)i, PyUnicode_FromString(file));
    }
    if (files)
        result = Py_BuildValue("(sN)", rg_report_summary(r), files);
out:
    rg_report_free(r);
    free(snaps);
    Py_DECREF(fast);
    Py_DECREF(dirobj);
    return result;
}

static PyObject *core_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyUnicode_FromString(rg_version());
}

static PyMethodDef core_methods[] = {
    {"open", (PyCFunction)(void (*)(void))core_open, METH_VARARGS | METH_KEYWORDS,
     "open(path, no_cache=False, cache_dir=None) -> Snapshot"},
    {"diff", (PyCFunction)(void (*)(void))core_diff, METH_VARARGS | METH_KEYWORDS,
     "diff(summaries, min_growth=100, min_ratio=0.1, min_group_ratio=0.02, top=20) -> dict"},
    {"report", (PyCFunction)(void (*)(void))core_report, METH_VARARGS | METH_KEYWORDS,
     "report(snapshots, out_dir, ...) -> (summary, diagram files)"},
    {"version", core_version, METH_NOARGS, "the linked librefgraph's version"},
    {"_set_error_class", set_error_class, METH_O, "the exception class raised for library errors"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, .m_name = "refgraph._core",
    .m_doc = "librefgraph for Python; use the refgraph package, not this module.",
    .m_size = -1, .m_methods = core_methods,
};

PyMODINIT_FUNC PyInit__core(void)
{
    if (PyType_Ready(&Snapshot_Type) < 0 || PyType_Ready(&Diagram_Type) < 0 || PyType_Ready(&Summary_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Snapshot", (PyObject *)&Snapshot_Type) < 0 ||
        PyModule_AddObjectRef(m, "Diagram", (PyObject *)&Diagram_Type) < 0 ||
        PyModule_AddObjectRef(m, "Summary", (PyObject *)&Summary_Type) < 0 ||
        PyModule_AddStringConstant(m, "HEADER_VERSION", RG_VERSION_STRING) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
