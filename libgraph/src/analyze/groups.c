/*
 * groups.c: retention groups.
 *
 * The shortest-path parents (rg_paths) form a tree; an object's retention
 * signature is its parent's signature plus one hop (normalised edge label,
 * type). So signatures form a trie over that tree, and one pass that gives
 * every object the trie node of its parent hop groups the whole heap in
 * linear time. A group is a trie node.
 *
 * Label normalisation, the rule that decides what "similar" means
 * (docs/suspects.md has the reasoning, and how memlab and LeakCanary do it):
 *   [17] in a list, deque, set or long tuple   -> [i]
 *   [2]  in a tuple of at most 16 items        -> [2]   (a tuple is a record)
 *   ['k'] in a dict of 8 entries or more       -> [str], [int], [bytes],
 *                                                 [float], [tuple], [object]
 *   ['user:42'] in a smaller dict              -> ['user:#'] (digit runs -> #)
 *   <key ...>                                  -> the same, as <key ...>
 *   .attr, .slot, .global, <cell 'x'>, frame local 'x'  -> unchanged
 *   <internal text>                            -> digit runs -> #
 * ("digit runs" includes 0x-prefixed hex numbers: object addresses in reprs).
 * Thread and "other" root labels get the digit rule too ("Thread-#").
 * A hop equal to its parent's hop (.next Node after .next Node) is recursion
 * and stays in the parent's group: a linked list is one group.
 */
#include "rules.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_DICT 8u
#define RECORD_TUPLE 16u
#define MAX_PERIOD 4u             /* longest run of hops recognised as recursion */

typedef struct group_rec {
    rg_group parent;
    uint32_t depth;
    uint32_t label;           /* string id in groups->strings */
    uint32_t type;
    uint8_t root_kind;
    uint32_t root_label;      /* string id in groups->strings */
    uint64_t count, shallow, retained;
    rg_node rep;
    uint64_t h1, h2;          /* signature hash */
    uint32_t min_dist, max_dist; /* members' hops from the root */
    uint8_t recursive;        /* the hop repeats: members follow members */
} group_rec;

typedef struct group_slot {
    uint32_t a;               /* parent group, or root kind for a root hop */
    uint32_t label;
    uint32_t type;
    uint32_t gid;             /* group + 1, 0 = empty; high bit: root hop */
} group_slot;

#define ROOT_BIT 0x80000000u

typedef struct label_slot {
    uint64_t key;             /* kind << 40 | variant << 32 | raw label, + 1 */
    uint32_t sid;
} label_slot;

struct rg_groups {
    const rg_snapshot *snap;
    uint32_t n;
    rg_group *of;             /* node -> group */
    group_rec *g;
    uint32_t n_groups;
    size_t cap;
    rg_strtab strings;        /* normalised labels, root labels */
    /* open addressing: key (parent or root kind, label, type) -> group,
     * stored inline so a probe touches one cache line */
    group_slot *slots;
    uint64_t mask;
    /* memo: (edge kind, raw label, variant) -> normalised label id */
    label_slot *memo;
    uint64_t memo_mask, memo_used;
    uint32_t sid_index;       /* "[i]" */
    uint32_t sid_tuple[RECORD_TUPLE + 1];
    uint32_t tuple_type;      /* type id of "tuple", or UINT32_MAX */
};

/* ---------------------------------------------------------------- hashing */

static inline uint64_t mix(uint64_t h, uint64_t x)
{
    return rg_hash64(h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    uint64_t f = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        f ^= (unsigned char)*s;
        f *= 0x100000001b3ULL;
    }
    return mix(h, f);
}

static uint64_t key_hash(uint32_t a, uint32_t b, uint32_t c, int root)
{
    return rg_hash64(((uint64_t)a << 32 | b) ^ rg_hash64((uint64_t)c << 1 | (uint64_t)root));
}

/* ---------------------------------------------------------- normalisation */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Copy `in` to `out` with each run of digits, and each 0x-prefixed hex
 * number (an address in "<Foo object at 0x7f...>"), replaced by '#'. */
static size_t digits_to_hash(const char *in, char *out, size_t cap)
{
    size_t w = 0;
    while (*in && w + 1 < cap) {
        if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X') && is_hex(in[2])) {
            out[w++] = '#';
            in += 2;
            while (is_hex(*in))
                in++;
        } else if (*in >= '0' && *in <= '9') {
            out[w++] = '#';
            while (*in >= '0' && *in <= '9')
                in++;
        } else {
            out[w++] = *in++;
        }
    }
    out[w] = '\0';
    return w;
}

/* The kind of key a dict key's repr shows. */
static const char *key_kind(const char *k)
{
    if (k[0] == '\'' || k[0] == '"')
        return "str";
    if ((k[0] == 'b' || k[0] == 'B') && (k[1] == '\'' || k[1] == '"'))
        return "bytes";
    const char *p = k[0] == '-' ? k + 1 : k;
    if (*p >= '0' && *p <= '9') {
        for (; *p; p++)
            if (*p == '.' || *p == 'e' || *p == 'E')
                return "float";
        return "int";
    }
    if (k[0] == '(')
        return "tuple";
    if (strcmp(k, "True") == 0 || strcmp(k, "False") == 0)
        return "bool";
    if (strcmp(k, "None") == 0)
        return "None";
    return "object";
}

static int big_dict(const rg_snapshot *s, rg_node d)
{
    uint32_t len = rg_node_len_at(s, d);
    uint64_t n = len != RG_LEN_NONE ? len : (s->fwd_off[d + 1] - s->fwd_off[d]) / 2;
    return n >= BIG_DICT;
}

/* The normalised label of the edge (kind, label) leaving `from`. */
static void normal_label(const rg_snapshot *s, rg_node from, uint8_t kind, uint32_t label,
                         char *buf, size_t cap)
{
    const char *l = rg_strtab_get(&s->strings, label);
    char tmp[300];
    switch (kind) {
    case RG_EDGE_INDEX: {
        const char *tn = rg_type_name(s, rg_node_type_at(s, from));
        uint32_t len = rg_node_len_at(s, from);
        if (strcmp(tn, "tuple") == 0 && (len == RG_LEN_NONE || len <= RECORD_TUPLE))
            snprintf(buf, cap, "[%u]", label);
        else
            snprintf(buf, cap, "[i]");
        return;
    }
    case RG_EDGE_DICT_VALUE:
    case RG_EDGE_DICT_KEY: {
        int value = kind == RG_EDGE_DICT_VALUE;
        if (big_dict(s, from)) {
            snprintf(buf, cap, value ? "[%s]" : "<key %s>", key_kind(l));
        } else {
            digits_to_hash(l, tmp, sizeof tmp);
            snprintf(buf, cap, value ? "[%s]" : "<key %s>", tmp);
        }
        return;
    }
    case RG_EDGE_INTERNAL:
        digits_to_hash(l, tmp, sizeof tmp);
        snprintf(buf, cap, *tmp ? "<%s>" : "<internal>", tmp);
        return;
    default: {
        rg_edge e = {from, 0, (rg_edge_kind)kind, label};
        rg_edge_label_format(s, &e, buf, cap);
        return;
    }
    }
}

/* ------------------------------------------------------------- the trie */

static int grow_slots(rg_groups *G)
{
    uint64_t nslots = G->mask ? (G->mask + 1) * 2 : 1024;
    group_slot *slots = rg_xcalloc(nslots, sizeof *slots);
    if (!slots)
        return RG_ENOMEM;
    for (uint64_t i = 0; G->mask && i <= G->mask; i++) {
        const group_slot *o = &G->slots[i];
        if (!o->gid)
            continue;
        uint64_t h = key_hash(o->a, o->label, o->type, (o->gid & ROOT_BIT) != 0) & (nslots - 1);
        while (slots[h].gid)
            h = (h + 1) & (nslots - 1);
        slots[h] = *o;
    }
    rg_free(G->slots);
    G->slots = slots;
    G->mask = nslots - 1;
    return RG_OK;
}

/* Find or add the group for (parent, label, type), or for a root hop
 * (root kind, root label, type) when parent is RG_GROUP_NONE. */
static int intern_group(rg_groups *G, rg_group parent, uint8_t root_kind, uint32_t label,
                        uint32_t type, rg_group *out)
{
    int root = parent == RG_GROUP_NONE;
    uint32_t a = root ? root_kind : parent;
    if ((uint64_t)(G->n_groups + 1) * 2 > G->mask + 1 && grow_slots(G) != RG_OK)
        return RG_ENOMEM;
    uint64_t h = key_hash(a, label, type, root) & G->mask;
    uint32_t want_root = root ? ROOT_BIT : 0;
    for (; G->slots[h].gid; h = (h + 1) & G->mask) {
        const group_slot *x = &G->slots[h];
        if (x->a == a && x->label == label && x->type == type && (x->gid & ROOT_BIT) == want_root) {
            *out = (x->gid & ~ROOT_BIT) - 1;
            return RG_OK;
        }
    }
    if (G->n_groups >= ROOT_BIT - 1)
        return rg_fail(RG_ELIMIT, "rg_groups_compute: too many groups");
    if (rg_grow((void **)&G->g, &G->cap, (size_t)G->n_groups + 1, sizeof *G->g) != RG_OK)
        return RG_ENOMEM;
    const rg_snapshot *s = G->snap;
    group_rec *g = &G->g[G->n_groups];
    memset(g, 0, sizeof *g);
    g->parent = parent;
    g->type = type;
    g->rep = RG_NODE_NONE;
    const char *tn = rg_type_name(s, type);
    if (root) {
        g->root_kind = root_kind;
        g->root_label = label;
        const char *rl = rg_strtab_get(&G->strings, label);
        g->h1 = mix_str(mix_str(mix_str(0x51ed2701a3b4c5d6ULL, rg_root_kind_name(root_kind)), rl), tn);
        g->h2 = mix_str(mix_str(mix_str(0x7f4a7c159e3779b9ULL, rg_root_kind_name(root_kind)), rl), tn);
    } else {
        const group_rec *p = &G->g[parent];
        const char *ll = rg_strtab_get(&G->strings, label);
        g->depth = p->depth + 1;
        g->label = label;
        g->root_kind = p->root_kind;
        g->root_label = p->root_label;
        g->h1 = mix_str(mix_str(p->h1, ll), tn);
        g->h2 = mix_str(mix_str(p->h2 ^ 0x2545f4914f6cdd1dULL, ll), tn);
    }
    G->slots[h] = (group_slot){a, label, type, (G->n_groups + 1) | want_root};
    *out = G->n_groups++;
    return RG_OK;
}

static int intern_text(rg_groups *G, const char *text, uint32_t *sid)
{
    return rg_strtab_intern(&G->strings, text, strlen(text), sid);
}

/* The normalised label id of edge (kind, label) leaving `from`, memoised by
 * (kind, raw label, variant): the variant is what normalisation reads from
 * the container (a record tuple, a big dict), so the text is built once per
 * distinct label rather than once per object. */
static int label_id(rg_groups *G, rg_node from, uint8_t kind, uint32_t label, uint32_t *sid)
{
    const rg_snapshot *s = G->snap;
    uint32_t variant = 0;
    if (kind == RG_EDGE_INDEX) {
        uint32_t len = rg_node_len_at(s, from);
        if (rg_node_type_at(s, from) != G->tuple_type || (len != RG_LEN_NONE && len > RECORD_TUPLE)) {
            *sid = G->sid_index;
            return RG_OK;
        }
        if (label <= RECORD_TUPLE) {
            *sid = G->sid_tuple[label];
            return RG_OK;
        }
    } else if (kind == RG_EDGE_DICT_VALUE || kind == RG_EDGE_DICT_KEY) {
        variant = (uint32_t)big_dict(s, from);
    }
    uint64_t key = (((uint64_t)kind << 40) | ((uint64_t)variant << 32) | label) + 1;
    if ((G->memo_used + 1) * 2 > G->memo_mask + 1) {
        uint64_t n = G->memo_mask ? (G->memo_mask + 1) * 2 : 1024;
        label_slot *m = rg_xcalloc(n, sizeof *m);
        if (!m)
            return RG_ENOMEM;
        for (uint64_t i = 0; G->memo_mask && i <= G->memo_mask; i++) {
            if (!G->memo[i].key)
                continue;
            uint64_t h = rg_hash64(G->memo[i].key) & (n - 1);
            while (m[h].key)
                h = (h + 1) & (n - 1);
            m[h] = G->memo[i];
        }
        rg_free(G->memo);
        G->memo = m;
        G->memo_mask = n - 1;
    }
    uint64_t h = rg_hash64(key) & G->memo_mask;
    for (; G->memo[h].key; h = (h + 1) & G->memo_mask)
        if (G->memo[h].key == key) {
            *sid = G->memo[h].sid;
            return RG_OK;
        }
    char buf[400];
    normal_label(s, from, kind, label, buf, sizeof buf);
    if (intern_text(G, buf, sid) != RG_OK)
        return RG_ENOMEM;
    G->memo[h].key = key;
    G->memo[h].sid = *sid;
    G->memo_used++;
    return RG_OK;
}

/* The group of v, whose parent edge (if any) is *pe. */
static int hop_group(rg_groups *G, const rg_paths *paths, rg_node v, const rg_edge *pe, rg_group *out)
{
    const rg_snapshot *s = G->snap;
    char buf[400];
    uint32_t sid;
    if (!pe) {
        uint32_t ri;
        if (rg_paths_root(paths, v, &ri) != RG_OK)
            return RG_ENOTFOUND;
        uint8_t kind = s->root_kind[ri];
        const char *rl = rg_strtab_get(&s->strings, s->root_label[ri]);
        if (kind == RG_ROOT_THREAD || kind == RG_ROOT_OTHER)
            digits_to_hash(rl, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "%s", rl);
        if (rg_strtab_intern(&G->strings, buf, strlen(buf), &sid) != RG_OK)
            return RG_ENOMEM;
        return intern_group(G, RG_GROUP_NONE, kind, sid, rg_node_type_at(s, v), out);
    }
    rg_edge e = *pe;
    if (label_id(G, e.from, (uint8_t)e.kind, e.label, &sid) != RG_OK)
        return RG_ENOMEM;
    /* A hop that repeats its parent's hop (.next Node after .next Node, a
     * list in a list in a list) is recursion: stay in the parent's group, so
     * a linked list of any length is one group, in every snapshot. */
    rg_group pg = G->of[e.from];
    group_rec *pr = &G->g[pg];
    if (pr->parent != RG_GROUP_NONE && pr->label == sid && pr->type == rg_node_type_at(s, v)) {
        pr->recursive = 1;
        *out = pg;
        return RG_OK;
    }
    /* A run of up to MAX_PERIOD hops that repeats (Thing → .someMethod
     * closure → <context> → <cell 'originalThing'> Thing → ...) is recursion
     * too: once the run has repeated in full, stay in the group where the
     * run began, so the chain of Things is one group. */
    rg_group anc[2 * MAX_PERIOD + 1];
    uint32_t na = 0;
    for (rg_group x = pg; x != RG_GROUP_NONE && na < 2 * MAX_PERIOD; x = G->g[x].parent)
        anc[++na] = x;
    for (uint32_t k = 2; k <= MAX_PERIOD && 2 * k - 1 <= na; k++) {
        group_rec *ak = &G->g[anc[k]];
        if (ak->parent == RG_GROUP_NONE || ak->label != sid || ak->type != rg_node_type_at(s, v))
            continue;
        int same = 1;
        for (uint32_t j = 1; j < k && same; j++)
            same = G->g[anc[j]].label == G->g[anc[j + k]].label && G->g[anc[j]].type == G->g[anc[j + k]].type;
        if (!same)
            continue;
        for (uint32_t j = 1; j <= k; j++)
            G->g[anc[j]].recursive = 1;
        *out = anc[k];
        return RG_OK;
    }
    return intern_group(G, pg, 0, sid, rg_node_type_at(s, v), out);
}

typedef struct walk_item {
    rg_node node;
    int has_edge;
    rg_edge edge;
} walk_item;

int rg_groups_assign(const rg_snapshot *s, const rg_paths *paths, rg_groups **out)
{
    if (!s || !paths || !out)
        return rg_fail(RG_EINVAL, "rg_groups_compute: NULL argument");
    uint32_t n = s->n_nodes;
    rg_groups *G = rg_xcalloc(1, sizeof *G);
    if (!G)
        return RG_ENOMEM;
    G->snap = s;
    G->n = n;
    int rc = rg_strtab_init(&G->strings);
    G->of = rg_xmalloc(n ? n : 1, sizeof *G->of);
    walk_item *stack = NULL;
    if (rc != RG_OK || !G->of || grow_slots(G) != RG_OK) {
        rg_free(stack);
        rg_groups_free(G);
        return RG_ENOMEM;
    }
    for (rg_node v = 0; v < n; v++)
        G->of[v] = RG_GROUP_NONE;
    G->tuple_type = UINT32_MAX;
    for (uint32_t t = 0; t < s->n_types; t++)
        if (strcmp(rg_type_name(s, t), "tuple") == 0)
            G->tuple_type = t;
    rc = intern_text(G, "[i]", &G->sid_index);
    for (uint32_t k = 0; k <= RECORD_TUPLE && rc == RG_OK; k++) {
        char b[16];
        snprintf(b, sizeof b, "[%u]", k);
        rc = intern_text(G, b, &G->sid_tuple[k]);
    }
    if (rc != RG_OK) {
        rg_free(stack);
        rg_groups_free(G);
        return RG_ENOMEM;
    }
    /* Give each object the group of its hop, parents first: walk up to an
     * object already grouped (or a root), keeping the edges, then come back
     * down. */
    size_t cap = 0;
    for (rg_node v = 0; v < n; v++) {
        if (G->of[v] != RG_GROUP_NONE || rg_paths_distance(paths, v) == RG_DISTANCE_NONE)
            continue;
        size_t sp = 0;
        rg_node x = v;
        for (;;) {
            if (rg_grow((void **)&stack, &cap, sp + 1, sizeof *stack) != RG_OK) {
                rg_free(stack);
                rg_groups_free(G);
                return RG_ENOMEM;
            }
            stack[sp].node = x;
            stack[sp].has_edge = rg_paths_parent(paths, x, &stack[sp].edge) == RG_OK;
            sp++;
            if (!stack[sp - 1].has_edge || G->of[stack[sp - 1].edge.from] != RG_GROUP_NONE)
                break;
            x = stack[sp - 1].edge.from;
        }
        while (sp > 0) {
            const walk_item *it = &stack[--sp];
            rg_group g;
            rc = hop_group(G, paths, it->node, it->has_edge ? &it->edge : NULL, &g);
            if (rc == RG_ENOTFOUND)
                continue;
            if (rc != RG_OK) {
                rg_free(stack);
                rg_groups_free(G);
                return rc;
            }
            G->of[it->node] = g;
        }
    }
    rg_free(stack);
    *out = G;
    return RG_OK;
}

void rg_groups_tally(rg_groups *G, const rg_paths *paths, const rg_dominators *dom)
{
    const rg_snapshot *s = G->snap;
    uint32_t n = G->n;
    for (rg_node v = 0; v < n; v++) {
        rg_group g = G->of[v];
        if (g == RG_GROUP_NONE)
            continue;
        group_rec *r = &G->g[g];
        uint32_t dist = rg_paths_distance(paths, v);
        if (r->count == 0 || dist < r->min_dist)
            r->min_dist = dist;
        if (r->count == 0 || dist > r->max_dist)
            r->max_dist = dist;
        r->count++;
        r->shallow += rg_node_size_at(s, v);
        /* A dominator of v lies on v's shortest chain; within a group that
         * can only happen in a recursive run, and then the dominating member
         * already counts v. */
        if (dom) {
            /* A periodic run's dominating member is up to MAX_PERIOD
             * dominators up. */
            rg_node d = rg_dominators_idom(dom, v);
            int counted = 0;
            for (uint32_t up = 0; up < MAX_PERIOD && d != RG_NODE_NONE && !counted; up++) {
                counted = G->of[d] == g;
                d = rg_dominators_idom(dom, d);
            }
            if (!counted)
                r->retained += rg_dominators_retained(dom, v);
        }
        if (r->rep == RG_NODE_NONE)
            r->rep = v; /* objects are visited in node order */
    }
    rg_free(G->slots);
    rg_free(G->memo);
    G->slots = NULL;
    G->memo = NULL;
    G->mask = G->memo_mask = 0;
}

int rg_groups_compute(const rg_snapshot *s, const rg_paths *paths, const rg_dominators *dom,
                      rg_groups **out)
{
    rg_groups *G;
    int rc = rg_groups_assign(s, paths, &G);
    if (rc != RG_OK)
        return rc;
    rg_groups_tally(G, paths, dom);
    *out = G;
    return RG_OK;
}

void rg_groups_free(rg_groups *G)
{
    if (!G)
        return;
    rg_free(G->of);
    rg_free(G->g);
    rg_free(G->slots);
    rg_free(G->memo);
    rg_strtab_free(&G->strings);
    rg_free(G);
}

uint32_t rg_groups_count(const rg_groups *G) { return G->n_groups; }

static void signature_of(const group_rec *g, char *buf, size_t cap)
{
    snprintf(buf, cap, "g1:%016llx%016llx", (unsigned long long)g->h1, (unsigned long long)g->h2);
}

int rg_groups_get(const rg_groups *G, rg_group grp, rg_group_info *caller_)
{
    rg_group_info full_ = {.struct_size = sizeof full_}, *out = &full_;
    memset(out, 0, sizeof *out);
    if (grp >= G->n_groups) {
        out->parent = RG_GROUP_NONE;
        out->label = out->type_name = out->root_label = "";
        out->representative = RG_NODE_NONE;
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_groups_get");
    }
    const group_rec *g = &G->g[grp];
    out->parent = g->parent;
    out->depth = g->depth;
    out->label = rg_strtab_get(&G->strings, g->label);
    out->type = g->type;
    out->type_name = rg_type_name(G->snap, g->type);
    out->root_kind = (rg_root_kind)g->root_kind;
    out->root_label = rg_strtab_get(&G->strings, g->root_label);
    out->count = g->count;
    out->shallow_bytes = g->shallow;
    out->retained_bytes = g->retained;
    out->representative = g->rep;
    out->repeat = g->recursive ? g->max_dist - g->min_dist + 1 : 0;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_groups_get");
}

size_t rg_groups_signature(const rg_groups *G, rg_group grp, char *buf, size_t cap)
{
    if (!G || grp >= G->n_groups) {
        if (buf && cap)
            buf[0] = '\0';
        return 0;
    }
    const group_rec *g = &G->g[grp];
    int n = snprintf(buf, buf ? cap : 0, "g1:%016llx%016llx", (unsigned long long)g->h1,
                     (unsigned long long)g->h2);
    return n > 0 ? (size_t)n : 0;
}

rg_group rg_groups_of(const rg_groups *G, rg_node v) { return v < G->n ? G->of[v] : RG_GROUP_NONE; }

int rg_groups_find(const rg_groups *G, const char *sig, rg_group *out)
{
    if (!G || !sig || !out)
        return rg_fail(RG_EINVAL, "rg_groups_find: NULL argument");
    char buf[40];
    for (rg_group i = 0; i < G->n_groups; i++) {
        signature_of(&G->g[i], buf, sizeof buf);
        if (strcmp(buf, sig) == 0) {
            *out = i;
            return RG_OK;
        }
    }
    return rg_fail(RG_ENOTFOUND, "no retention group with signature '%s'", sig);
}

/* Append to a growing string. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->oom)
        return;
    if (rg_grow((void **)&b->p, &b->cap, b->len + l + 1, 1) != RG_OK) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->len, s, l + 1);
    b->len += l;
}

int rg_groups_path(const rg_groups *G, rg_group grp, char **out)
{
    if (!G || !out || grp >= G->n_groups)
        return rg_fail(RG_EINVAL, "rg_groups_path: bad argument");
    uint32_t depth = G->g[grp].depth;
    rg_group *hops = rg_xmalloc((size_t)depth + 1, sizeof *hops);
    if (!hops)
        return RG_ENOMEM;
    for (rg_group x = grp; x != RG_GROUP_NONE; x = G->g[x].parent)
        hops[G->g[x].depth] = x;
    sbuf b = {0};
    const group_rec *r = &G->g[hops[0]];
    const char *kind = rg_root_kind_name((rg_root_kind)r->root_kind);
    const char *rl = rg_strtab_get(&G->strings, r->root_label);
    const char *tn = rg_type_name(G->snap, r->type);
    sb_add(&b, kind);
    if (*rl) {
        sb_add(&b, " ");
        sb_add(&b, rl);
    }
    if (strcmp(tn, kind) != 0) {
        sb_add(&b, " ");
        sb_add(&b, tn);
    }
    for (uint32_t i = 1; i <= depth; i++) {
        if (!rg_path_hop_shown(depth, i - 1)) {
            char gap[64];
            uint32_t skipped = (uint32_t)rg_path_hops_left_out(depth);
            snprintf(gap, sizeof gap, " \xe2\x86\x92 \xe2\x80\xa6 %u hops \xe2\x80\xa6", skipped);
            sb_add(&b, gap);
            i += skipped - 1;
            continue;
        }
        const group_rec *g = &G->g[hops[i]];
        sb_add(&b, " \xe2\x86\x92 ");
        sb_add(&b, rg_strtab_get(&G->strings, g->label));
        sb_add(&b, " ");
        sb_add(&b, rg_type_name(G->snap, g->type));
        if (g->recursive) {
            char rep[64];
            snprintf(rep, sizeof rep, " (repeated, up to %u deep)", g->max_dist - g->min_dist + 1);
            sb_add(&b, rep);
        }
    }
    rg_free(hops);
    if (b.oom) {
        rg_free(b.p);
        return RG_ENOMEM;
    }
    *out = b.p;
    return RG_OK;
}

int rg_groups_members(const rg_groups *G, rg_group grp, rg_node **out, uint64_t *n)
{
    if (!G || !out || !n || grp >= G->n_groups)
        return rg_fail(RG_EINVAL, "rg_groups_members: bad argument");
    uint64_t count = G->g[grp].count, k = 0;
    rg_node *m = rg_xmalloc(count ? count : 1, sizeof *m);
    if (!m)
        return RG_ENOMEM;
    for (rg_node v = 0; v < G->n && k < count; v++)
        if (G->of[v] == grp)
            m[k++] = v;
    *out = m;
    *n = k;
    return RG_OK;
}

typedef struct ranked {
    uint64_t retained, count, h1, h2;
    rg_group g;
} ranked;

static int by_weight(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained < y->retained ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->h1 != y->h1)
        return x->h1 < y->h1 ? -1 : 1;
    return (x->h2 > y->h2) - (x->h2 < y->h2);
}

int rg_groups_ranked(const rg_groups *G, rg_group **out, uint32_t *n)
{
    if (!G || !out || !n)
        return rg_fail(RG_EINVAL, "rg_groups_ranked: NULL argument");
    ranked *r = rg_xmalloc(G->n_groups ? G->n_groups : 1, sizeof *r);
    rg_group *o = rg_xmalloc(G->n_groups ? G->n_groups : 1, sizeof *o);
    if (!r || !o) {
        rg_free(r);
        rg_free(o);
        return RG_ENOMEM;
    }
    for (rg_group i = 0; i < G->n_groups; i++)
        r[i] = (ranked){G->g[i].retained, G->g[i].count, G->g[i].h1, G->g[i].h2, i};
    qsort(r, G->n_groups, sizeof *r, by_weight);
    for (rg_group i = 0; i < G->n_groups; i++)
        o[i] = r[i].g;
    rg_free(r);
    *out = o;
    *n = G->n_groups;
    return RG_OK;
}
