/*
 * diagram_render.c: hand a built diagram to Graphviz. The DOT is a libcgraph
 * graph written by agwrite (never text we concatenate); images are laid out
 * with the dot engine and rendered by libgvc in-process. All of it runs under
 * the Graphviz lock (gv_lock.c).
 */
#include "diagram_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fill colour by hops from the selection: warm near it, cool far away. */
static void node_colour(const rg_diagram *d, const rg_dg_node *n, char *buf, size_t cap)
{
    if (n->role & RG_DG_FOLD)
        snprintf(buf, cap, "#eeeeee");
    else if (n->role & RG_DG_TARGET)
        snprintf(buf, cap, "#f4a6a6");
    else if (d->max_level == 0)
        snprintf(buf, cap, "#dfe9f5");
    else
        snprintf(buf, cap, "%.3f 0.280 1.000", 0.08 + 0.52 * (double)n->level / (double)d->max_level);
}

static void set(void *obj, const char *name, const char *value)
{
    agsafeset(obj, (char *)name, (char *)value, (char *)"");
}

static void style_node(const rg_diagram *d, const rg_dg_node *dn, Agnode_t *n)
{
    char fill[32];
    node_colour(d, dn, fill, sizeof fill);
    set(n, "label", dn->label);
    set(n, "fillcolor", fill);
    if (dn->role & RG_DG_FOLD) {
        set(n, "shape", "note");
        set(n, "style", "filled");
    } else if (dn->role & RG_DG_ROOT) {
        set(n, "shape", "doubleoctagon");
        set(n, "style", "filled");
    } else if (dn->role & RG_DG_STOPPED) {
        set(n, "style", "rounded,filled,dashed");
    }
    if (dn->role & RG_DG_HIGHLIGHT) {
        set(n, "color", "#c00000");
        set(n, "penwidth", "3");
    }
    if (dn->role & RG_DG_TARGET)
        set(n, "penwidth", dn->role & RG_DG_HIGHLIGHT ? "3" : "2");
}

static void style_edge(const rg_dg_edge *de, const rg_diagram *d, Agedge_t *e)
{
    /* Only edges that step one level outward in the reading direction set
     * the ranks; the others (cycles, back and cross references, common in
     * heaps) would otherwise stretch the layout over dozens of ranks and cost
     * dot's ranking and positioning orders of magnitude more time (12 s
     * instead of 0.2 s for 100 nodes). Their labels are external labels:
     * a non-constraint edge may end up flat (both ends on one rank), and
     * Graphviz 2.43 corrupts its heap freeing labelled flat edges. */
    uint32_t lf = d->nodes[de->from].level, lt = d->nodes[de->to].level;
    int outward = d->direction == RG_DIAGRAM_REFERRERS ? lf == lt + 1 : lt == lf + 1;
    if (!outward)
        set(e, "constraint", "false");
    if (de->label[0])
        set(e, outward ? "label" : "xlabel", de->label);
    if (d->nodes[de->from].role & RG_DG_FOLD || d->nodes[de->to].role & RG_DG_FOLD) {
        set(e, "style", "dashed");
        set(e, "color", "gray50");
        return;
    }
    switch (de->kind) {
    case RG_EDGE_WEAK:
        set(e, "style", "dashed");
        set(e, "color", "gray50");
        break;
    case RG_EDGE_TYPE:
    case RG_EDGE_INTERNAL:
        set(e, "style", "dotted");
        break;
    default: break;
    }
}

/* Build the cgraph graph. Called with the Graphviz lock held. */
static Agraph_t *to_cgraph(const rg_diagram *d)
{
    Agraph_t *g = agopen((char *)"refgraph", Agdirected, NULL);
    if (!g)
        return NULL;
    agattr(g, AGRAPH, (char *)"rankdir", (char *)"TB");
    agattr(g, AGRAPH, (char *)"fontname", (char *)"Helvetica");
    agattr(g, AGRAPH, (char *)"fontsize", (char *)"10");
    agattr(g, AGRAPH, (char *)"labelloc", (char *)"b");
    agattr(g, AGNODE, (char *)"shape", (char *)"box");
    agattr(g, AGNODE, (char *)"style", (char *)"rounded,filled");
    agattr(g, AGNODE, (char *)"fontname", (char *)"Helvetica");
    agattr(g, AGNODE, (char *)"fontsize", (char *)"10");
    agattr(g, AGEDGE, (char *)"fontname", (char *)"Helvetica");
    agattr(g, AGEDGE, (char *)"fontsize", (char *)"9");
    if (d->caption[0])
        set(g, "label", d->caption);
    Agnode_t **nodes = rg_xmalloc(d->n_nodes ? d->n_nodes : 1, sizeof *nodes);
    if (!nodes) {
        agclose(g);
        return NULL;
    }
    for (size_t i = 0; i < d->n_nodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s%zu", d->nodes[i].role & RG_DG_FOLD ? "more" : "n", i);
        nodes[i] = agnode(g, name, 1);
        if (!nodes[i])
            goto fail;
        style_node(d, &d->nodes[i], nodes[i]);
    }
    for (size_t i = 0; i < d->n_edges; i++) {
        const rg_dg_edge *de = &d->edges[i];
        Agedge_t *e = agedge(g, nodes[de->from], nodes[de->to], NULL, 1);
        if (!e)
            goto fail;
        style_edge(de, d, e);
    }
    rg_free(nodes);
    return g;
fail:
    rg_free(nodes);
    agclose(g);
    return NULL;
}

static int graphviz_error(const char *what)
{
    const char *m = rg_gv_messages();
    return rg_fail(RG_ERENDER, "Graphviz could not %s%s%s", what, *m ? ": " : "", m);
}

/* With the lock held: the bytes of `g` in `format`, malloc'd and NUL-ended. */
static int render_locked(GVC_t *gvc, Agraph_t *g, rg_diagram_format format, char **out, size_t *len)
{
    if (format == RG_FORMAT_DOT) {
        char *buf = NULL;
        size_t size = 0;
        FILE *fp = open_memstream(&buf, &size);
        if (!fp)
            return rg_fail(RG_ENOMEM, "cannot open a memory stream for DOT output");
        int bad = agwrite(g, fp) != 0;
        bad |= fclose(fp) != 0;
        if (bad) {
            rg_libc_free(buf);
            return graphviz_error("write DOT");
        }
        /* The stream's buffer is the C library's; the caller frees with
         * rg_free, which may be a host's allocator (rg_set_allocator). */
        char *copy = rg_xstrndup(buf, size);
        rg_libc_free(buf);
        if (!copy)
            return RG_ENOMEM;
        *out = copy;
        *len = size;
        return RG_OK;
    }
    if (gvLayout(gvc, g, "dot") != 0)
        return graphviz_error("lay out the diagram");
    char *data = NULL;
    unsigned int n = 0;
    int rc = RG_OK;
    if (gvRenderData(gvc, g, (char *)rg_diagram_format_name(format), &data, &n) != 0 || !data) {
        rc = graphviz_error(format == RG_FORMAT_PNG || format == RG_FORMAT_PDF
                                ? "render (is the cairo/pango plugin installed?)" : "render");
    } else {
        char *copy = rg_xmalloc((size_t)n + 1, 1);
        if (!copy) {
            rc = RG_ENOMEM;
        } else {
            memcpy(copy, data, n);
            copy[n] = '\0';
            *out = copy;
            *len = n;
        }
    }
    if (data)
        gvFreeRenderData(data);
    gvFreeLayout(gvc, g);
    return rc;
}

int rg_diagram_render(const rg_diagram *d, rg_diagram_format format, char **out, size_t *len)
{
    if (!d || !out || !len)
        return rg_fail(RG_EINVAL, "rg_diagram_render: NULL argument");
    if ((unsigned)format >= 4)
        return rg_fail(RG_EINVAL, "rg_diagram_render: unknown format %d", (int)format);
    GVC_t *gvc = rg_gv_lock();
    if (!gvc)
        return RG_ERENDER;
    int rc;
    Agraph_t *g = to_cgraph(d);
    if (!g) {
        rc = graphviz_error("build the graph");
    } else {
        rc = render_locked(gvc, g, format, out, len);
        agclose(g);
    }
    rg_gv_unlock();
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int rg_diagram_write(const rg_diagram *d, rg_diagram_format format, const char *path)
{
    if (!path || !*path)
        return rg_fail(RG_EINVAL, "rg_diagram_write: no path");
    char *data;
    size_t len;
    int rc = rg_diagram_render(d, format, &data, &len);
    if (rc)
        return rc;
    size_t tl = strlen(path) + 48;
    char *tmp = rg_xmalloc(tl, 1);
    if (!tmp) {
        rg_free(data);
        return RG_ENOMEM;
    }
    /* O_EXCL on a name of our own beside the target, created with 0666 so
     * the umask applies as for any file the user writes. */
    static unsigned counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, tl, "%s.tmp-%ld-%u", path, (long)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = rg_fail(RG_EIO, "%s: cannot write: %s", path, strerror(errno));
    } else {
        int bad = write_all(fd, data, len) != 0;
        int err = errno;
        if (close(fd) != 0 && !bad) {
            bad = 1;
            err = errno;
        }
        if (!bad && rename(tmp, path) != 0) {
            bad = 1;
            err = errno;
        }
        if (bad) {
            unlink(tmp);
            rc = rg_fail(RG_EIO, "%s: cannot write: %s", path, strerror(err));
        }
    }
    rg_free(tmp);
    rg_free(data);
    return rc;
}
