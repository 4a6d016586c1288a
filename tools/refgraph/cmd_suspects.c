/* cmd_suspects.c: refgraph suspects (ranked leak suspects, with sections for
 * unreachable cycles and objects held from outside the heap) and refgraph
 * dominators (the biggest retainers). Numbers come from the library; this
 * file only formats them. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define ARROW " \xe2\x86\x92 "

/* "collections.deque 'name' (id 140..., len 5,542)" */
static void describe(const rg_snapshot *s, rg_node v, char *buf, size_t cap)
{
    char len[32];
    const char *name = rg_node_name(s, v);
    int64_t l = rg_node_length(s, v);
    int w = snprintf(buf, cap, "%s", rg_node_type_name(s, v));
    if (*name && w >= 0 && (size_t)w < cap)
        w += snprintf(buf + w, cap - (size_t)w, " '%s'", name);
    if (w >= 0 && (size_t)w < cap)
        w += snprintf(buf + w, cap - (size_t)w, " (id %llu", (unsigned long long)rg_node_id(s, v));
    if (l >= 0 && w >= 0 && (size_t)w < cap)
        w += snprintf(buf + w, cap - (size_t)w, ", len %s", cli_fmt_count(len, sizeof len, (uint64_t)l));
    if (w >= 0 && (size_t)w < cap)
        snprintf(buf + w, cap - (size_t)w, ")");
}

/* The actual chain from a root to `v`: "module __main__ → .jobs queue.Queue
 * → .queue collections.deque"; long chains keep both ends. Caller frees. */
static char *chain_text(const rg_snapshot *s, const rg_paths *p, rg_node v)
{
    rg_edge *edges = NULL;
    size_t n = 0;
    uint32_t ri;
    if (!p || rg_paths_chain(p, v, &edges, &n) != RG_OK || rg_paths_root(p, v, &ri) != RG_OK) {
        rg_free(edges);
        return NULL;
    }
    rg_root root;
    rg_root_get(s, ri, &root);
    size_t cap = 256 + n * 96, w = 0;
    char *out = malloc(cap);
    if (!out) {
        rg_free(edges);
        return NULL;
    }
    rg_node first = n ? edges[0].from : v;
    const char *kind = rg_root_kind_name(root.kind), *tn = rg_node_type_name(s, first);
    w += (size_t)snprintf(out + w, cap - w, "%s%s%s%s%s", kind, *root.label ? " " : "", root.label,
                          strcmp(kind, tn) ? " " : "", strcmp(kind, tn) ? tn : "");
    for (size_t i = 0; i < n && w < cap; i++) {
        if (n > 24 && i == 8) {
            w += (size_t)snprintf(out + w, cap - w, ARROW "\xe2\x80\xa6 %zu hops \xe2\x80\xa6", n - 20);
            i = n - 13;
            continue;
        }
        char label[128];
        rg_edge_label_format(s, &edges[i], label, sizeof label);
        w += (size_t)snprintf(out + w, cap - w, ARROW "%s %s", label, rg_node_type_name(s, edges[i].to));
    }
    rg_free(edges);
    return out;
}

/* "Node@140... .next → Node@140... .next → (back)" for a cycle. */
static void print_cycle(const rg_snapshot *s, const rg_edge *cycle, uint32_t len, const char *indent)
{
    printf("%s", indent);
    for (uint32_t i = 0; i < len && i < 12; i++) {
        char label[128];
        rg_edge_label_format(s, &cycle[i], label, sizeof label);
        printf("%s %s" ARROW, cli_term(rg_node_type_name(s, cycle[i].from)), cli_term(label));
    }
    if (len > 12)
        printf("\xe2\x80\xa6 (%u more) \xe2\x80\xa6" ARROW, len - 12);
    printf("back to the first\n");
}

static void help_suspects(FILE *out)
{
    fprintf(out,
            "usage: refgraph suspects [--top N] [--min-instances N] [--json] SNAPSHOT\n"
            "\n"
            "Leak suspects, ranked: groups of similar objects kept alive by the same\n"
            "chain shape (with the container they accumulate in), unreachable reference\n"
            "cycles, and objects held by references from outside the heap. Then a section\n"
            "for each of the last two. docs/suspects.md explains grouping and ranking.\n"
            "\n"
            "  --top N            show N suspects (default 10; 0 = all)\n"
            "  --min-instances N  smallest group that can be a suspect (default 2)\n"
            "  --json             machine-readable output\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n");
}

static void help_dominators(FILE *out)
{
    fprintf(out,
            "usage: refgraph dominators [--top N] [--json] SNAPSHOT\n"
            "\n"
            "The objects with the largest retained size: the bytes that would be freed\n"
            "if the object were freed (everything only it keeps alive), from the\n"
            "dominator tree of the whole heap, like Eclipse MAT's dominator tree.\n"
            "\n"
            "  --top N     show N objects (default 20; 0 = all)\n"
            "  --json      machine-readable output\n"
            "  --no-cache, --cache-dir DIR, --cache-max SIZE   index cache control\n"
            "  --color auto|always|never   colour on a terminal (NO_COLOR turns it off)\n");
}

typedef struct cmd_args {
    long long top;
    long long min_instances;
    int json;
    const char *path;
    cli_load_options lo;
} cmd_args;

/* Parse the options both commands share; returns -1 to go on, else an exit
 * status. */
/* The options getopt_long parses; --completion reads them too (cli_complete.c). */
const struct option cli_suspects_options[] = {
    {"top", required_argument, NULL, 'n'},
    {"min-instances", required_argument, NULL, 'm'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    CLI_LOAD_LONG_OPTIONS,
    {0, 0, 0, 0},
};

static int parse(const char *cmd, int argc, char **argv, cmd_args *a, void (*help)(FILE *))
{
    const struct option *opts = cli_suspects_options;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if ((a->top = cli_parse_count(cmd, "--top", optarg)) < 0)
                return EXIT_USAGE;
            break;
        case 'm':
            if (help != help_suspects)
                return cli_usage_error(cmd, "unknown option --min-instances");
            if ((a->min_instances = cli_parse_count(cmd, "--min-instances", optarg)) < 0)
                return EXIT_USAGE;
            break;
        case 'j': a->json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: {
            int r = cli_load_option(&a->lo, c, optarg);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0)
                return cli_option_error(cmd, opts, argc, argv);
        }
        }
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "no snapshot given");
    if (argc - optind > 1)
        return cli_usage_error(cmd, "one snapshot at a time (use 'refgraph diff' for growth)");
    a->path = argv[optind];
    return -1;
}

/* ------------------------------------------------------------- suspects */

static void suspect_headline(const rg_snapshot *s, const rg_suspects *S, const rg_suspect *sp,
                             char *buf, size_t cap)
{
    char n[32];
    switch (sp->cause) {
    case RG_CAUSE_RETAINED: {
        rg_group_info gi = {.struct_size = sizeof gi};
        rg_groups_get(rg_suspects_groups(S), sp->group, &gi);
        if (sp->count == 1 && sp->group == sp->top_group)
            snprintf(buf, cap, "one %s holding %.0f%% of the heap", gi.type_name, 100.0 * sp->share);
        else
            snprintf(buf, cap, "%s \xc3\x97 %s kept alive by one chain shape", cli_fmt_count(n, sizeof n, sp->count),
                     gi.type_name);
        break;
    }
    case RG_CAUSE_CYCLE: {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(rg_suspects_cycles(S), sp->index, &sh);
        snprintf(buf, cap, "%s unreachable reference cycle%s of %s", cli_fmt_count(n, sizeof n, sh.components),
                 sh.components == 1 ? "" : "s", sh.description);
        break;
    }
    case RG_CAUSE_OUTSIDE: {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(rg_suspects_outside(S), sp->index, &og);
        snprintf(buf, cap, "%s \xc3\x97 %s%s%s held by references from outside the heap",
                 cli_fmt_count(n, sizeof n, og.objects), og.type_name, *og.name ? " " : "", og.name);
        break;
    }
    }
}

static void print_suspect_text(const rg_snapshot *s, const rg_suspects *S, const rg_suspect *sp, uint32_t rank)
{
    char head[512], b1[32], b2[32], n1[32], desc[512];
    suspect_headline(s, S, sp, head, sizeof head);
    printf("%s#%u  %s%s\n", cli_color(CLI_C_HEAD), rank, cli_term(head), cli_color(CLI_C_OFF));
    printf("    verdict:       %s%s%s (%s)\n", cli_color_level(sp->level), rg_leak_level_name(sp->level),
           cli_color(CLI_C_OFF), rg_leak_reason_name(sp->reason));
    if (sp->name && *sp->name)
        printf("    function:      %s\n", cli_term(sp->name));
    if (sp->carried_type && *sp->carried_type)
        printf("    carries:       %s\n", cli_term(sp->carried_type));
    printf("    retained:      %s (%.1f%% of the heap)%s\n", cli_fmt_bytes(b1, sizeof b1, sp->retained_bytes),
           100.0 * sp->share, sp->significant ? "" : "  [below the threshold of consequence]");
    if (sp->has_growth)
        printf("    growth:        %+lld objects, %+lld bytes across the series\n", (long long)sp->growth_count,
               (long long)sp->growth_bytes);
    if (sp->cause == RG_CAUSE_RETAINED) {
        const rg_groups *G = rg_suspects_groups(S);
        rg_group_info item = {.struct_size = sizeof item}, top = {.struct_size = sizeof top};
        rg_groups_get(G, sp->group, &item);
        rg_groups_get(G, sp->top_group, &top);
        char *path = NULL;
        if (rg_groups_path(G, sp->group, &path) == RG_OK)
            printf("    path:          %s\n", cli_term(path));
        rg_free(path);
        printf("    count:         %s %s, shallow %s\n", cli_fmt_count(n1, sizeof n1, item.count), cli_term(item.type_name),
               cli_fmt_bytes(b1, sizeof b1, item.shallow_bytes));
        if (sp->top_group != sp->group)
            printf("                   held through %s %s (the retained size counts them too)\n",
                   cli_fmt_count(n1, sizeof n1, top.count), cli_term(top.type_name));
        if (sp->accumulation != RG_NODE_NONE) {
            describe(s, sp->accumulation, desc, sizeof desc);
            printf("    accumulation:  %s retains %s\n", cli_term(desc),
                   cli_fmt_bytes(b2, sizeof b2, sp->accumulation_retained));
            char *chain = chain_text(s, rg_suspects_paths(S), sp->accumulation);
            if (chain)
                printf("                   reached by %s\n", cli_term(chain));
            free(chain);
        } else {
            printf("    accumulation:  none: the instances hang off several roots\n");
        }
        if (sp->bulk_group != RG_GROUP_NONE) {
            rg_group_info bulk = {.struct_size = sizeof bulk};
            rg_groups_get(G, sp->bulk_group, &bulk);
            char *bp = NULL;
            if (rg_groups_path(G, sp->bulk_group, &bp) == RG_OK) {
                /* show only the part below the item */
                const char *tail = bp;
                char *ip = NULL;
                if (rg_groups_path(G, sp->group, &ip) == RG_OK && strncmp(bp, ip, strlen(ip)) == 0)
                    tail = bp + strlen(ip);
                printf("    most bytes in: \xe2\x80\xa6%s (%s, retains %s)\n", cli_term(tail),
                       cli_fmt_count(n1, sizeof n1, bulk.count), cli_fmt_bytes(b1, sizeof b1, bulk.retained_bytes));
                rg_free(ip);
            }
            rg_free(bp);
        }
        if (sp->representative != RG_NODE_NONE) {
            char *chain = chain_text(s, rg_suspects_paths(S), sp->representative);
            if (chain)
                printf("    example:       %s (id %llu)\n", cli_term(chain),
                       (unsigned long long)rg_node_id(s, sp->representative));
            free(chain);
        }
    } else if (sp->cause == RG_CAUSE_CYCLE) {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(rg_suspects_cycles(S), sp->index, &sh);
        printf("    count:         %s objects on the cycles (%s each), shallow %s\n",
               cli_fmt_count(n1, sizeof n1, sh.objects), cli_fmt_count(b2, sizeof b2, sh.objects_each),
               cli_fmt_bytes(b1, sizeof b1, sh.bytes));
        if (sh.garbage)
            printf("    gc.garbage:    %s of them are listed in gc.garbage (the collector gave up on them)\n",
                   cli_fmt_count(n1, sizeof n1, sh.garbage));
        printf("    why:           no root reaches them; each cycle keeps itself alive until the\n"
               "                   cycle collector runs (never, with gc disabled or gc.garbage)\n");
        printf("    example cycle:\n");
        print_cycle(s, sh.cycle, sh.cycle_len, "                   ");
    } else {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(rg_suspects_outside(S), sp->index, &og);
        printf("    count:         %s objects (%s unreachable), shallow %s\n", cli_fmt_count(n1, sizeof n1, og.objects),
               cli_fmt_count(b2, sizeof b2, og.unreachable), cli_fmt_bytes(b1, sizeof b1, og.shallow_bytes));
        printf("    excess:        %s references more than the heap shows (a C extension's\n"
               "                   Py_INCREF never released, an embedding application)\n",
               cli_fmt_count(n1, sizeof n1, og.excess));
        describe(s, og.representative, desc, sizeof desc);
        printf("    example:       %s, refcount %lld, %lld unexplained\n", cli_term(desc),
               (long long)rg_node_refcount(s, og.representative), (long long)og.representative_excess);
    }
}

static void print_cycles_section(const rg_snapshot *s, const rg_cycles *c)
{
    rg_cycles_summary sum = {.struct_size = sizeof sum};
    rg_cycles_summary_get(c, &sum);
    char a[32], b[32], d[32], e[32], f[32];
    printf("\n%sUnreachable cycles%s\n", cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF));
    printf("  %s objects (%s) no root reaches; %s of them on %s reference cycle%s (%s)\n",
           cli_fmt_count(a, sizeof a, sum.unreachable_objects), cli_fmt_bytes(b, sizeof b, sum.unreachable_bytes),
           cli_fmt_count(d, sizeof d, sum.cyclic_objects), cli_fmt_count(e, sizeof e, sum.components),
           sum.components == 1 ? "" : "s", cli_fmt_bytes(f, sizeof f, sum.cyclic_bytes));
    if (sum.garbage_objects)
        printf("  %s of them are in gc.garbage\n", cli_fmt_count(a, sizeof a, sum.garbage_objects));
    if (sum.held_components)
        printf("  (%s more cycle%s, %s objects, are held from outside the heap: not garbage)\n",
               cli_fmt_count(a, sizeof a, sum.held_components), sum.held_components == 1 ? "" : "s",
               cli_fmt_count(b, sizeof b, sum.held_objects));
    for (uint32_t i = 0; i < sum.shapes && i < 5; i++) {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(c, i, &sh);
        printf("  %s \xc3\x97 [%s]: %s objects, %s, frees %s%s\n", cli_fmt_count(a, sizeof a, sh.components),
               cli_term(sh.description), cli_fmt_count(b, sizeof b, sh.objects), cli_fmt_bytes(d, sizeof d, sh.bytes),
               cli_fmt_bytes(e, sizeof e, sh.retained_bytes), sh.garbage ? " (some in gc.garbage)" : "");
        print_cycle(s, sh.cycle, sh.cycle_len, "      ");
    }
    if (sum.shapes > 5)
        printf("  (%u more shapes)\n", sum.shapes - 5);
}

static void print_outside_section(const rg_snapshot *s, const rg_outside *o)
{
    uint32_t n = rg_outside_group_count(o);
    char a[32], b[32], d[32], e[32];
    printf("\n%sHeld from outside the heap%s (refcount above the references the snapshot shows;\n"
           "runtime-owned types and one spare reference per reachable object discounted)\n",
           cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF));
    if (n == 0)
        printf("  none\n");
    uint64_t total = rg_snapshot_info_get(s)->total_bytes;
    uint32_t shown = 0, exempt = 0;
    uint64_t exempt_objects = 0, exempt_bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(o, i, &og);
        /* The runtime tiers (docs/diagnosis.md): the interpreter's baseline
         * is summed on one line, not listed. */
        if (!rg_outside_group_shown(&og, total)) {
            exempt++;
            exempt_objects += og.unreachable;
            exempt_bytes += og.retained_bytes;
            continue;
        }
        if (shown++ >= 10)
            continue;
        printf("  %-30s %s object%s (%s unreachable), %s excess ref%s, keeps %s alive\n",
               cli_term(og.name && *og.name ? og.name : og.type_name),
               cli_fmt_count(a, sizeof a, og.objects), og.objects == 1 ? "" : "s",
               cli_fmt_count(b, sizeof b, og.unreachable), cli_fmt_count(d, sizeof d, og.excess),
               og.excess == 1 ? "" : "s", cli_fmt_bytes(e, sizeof e, og.retained_bytes));
    }
    if (shown > 10)
        printf("  (%u more types)\n", shown - 10);
    if (exempt)
        printf("  (not counted: %s objects, %s, of the interpreter's own types and tables that C code\n"
               "   holds by design: a type's dictionary, its singletons, functions it registered)\n",
               cli_fmt_count(a, sizeof a, exempt_objects), cli_fmt_bytes(e, sizeof e, exempt_bytes));
}

static void json_node(yajl_gen g, const rg_snapshot *s, const rg_paths *p, const char *key, rg_node v)
{
    cli_json_str(g, key);
    if (v == RG_NODE_NONE) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_map_open(g);
    cli_json_kv_uint(g, "id", rg_node_id(s, v));
    cli_json_kv_str(g, "type", rg_node_type_name(s, v));
    cli_json_kv_uint(g, "size", rg_node_size(s, v));
    cli_json_kv_int(g, "length", rg_node_length(s, v));
    cli_json_kv_int(g, "refcount", rg_node_refcount(s, v));
    char *chain = chain_text(s, p, v);
    cli_json_kv_str(g, "chain", chain ? chain : "");
    free(chain);
    yajl_gen_map_close(g);
}

static void json_edges(yajl_gen g, const rg_snapshot *s, const rg_edge *e, uint32_t n)
{
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < n; i++) {
        char label[128];
        rg_edge_label_format(s, &e[i], label, sizeof label);
        yajl_gen_map_open(g);
        cli_json_kv_uint(g, "from", rg_node_id(s, e[i].from));
        cli_json_kv_str(g, "from_type", rg_node_type_name(s, e[i].from));
        cli_json_kv_str(g, "label", label);
        cli_json_kv_uint(g, "to", rg_node_id(s, e[i].to));
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void print_json(const rg_snapshot *s, const rg_suspects *S, uint32_t shown)
{
    const rg_snapshot_info *info = rg_snapshot_info_get(s);
    const rg_groups *G = rg_suspects_groups(S);
    const rg_paths *P = rg_suspects_paths(S);
    yajl_gen g = cli_json_new();
    yajl_gen_map_open(g);
    cli_json_kv_str(g, "file", info->path);
    cli_json_kv_uint(g, "objects", info->objects);
    cli_json_kv_uint(g, "total_bytes", info->total_bytes);
    cli_json_kv_uint(g, "suspect_count", rg_suspects_count(S));
    char *verdict = NULL;
    if (rg_report_verdict(s, S, 1, &verdict) == RG_OK)
        cli_json_kv_str(g, "verdict", verdict);
    rg_free(verdict);
    cli_json_str(g, "suspects");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < shown; i++) {
        const rg_suspect *sp = rg_suspects_get(S, i);
        yajl_gen_map_open(g);
        cli_json_kv_uint(g, "rank", i + 1);
        cli_json_kv_str(g, "cause", rg_cause_name(sp->cause));
        cli_json_kv_str(g, "signature", sp->signature);
        cli_json_kv_uint(g, "count", sp->count);
        cli_json_kv_uint(g, "shallow_bytes", sp->shallow_bytes);
        cli_json_kv_uint(g, "retained_bytes", sp->retained_bytes);
        cli_json_kv_double(g, "share", sp->share);
        cli_json_str(g, "significant");
        yajl_gen_bool(g, sp->significant);
        cli_json_kv_str(g, "verdict", rg_leak_level_name(sp->level));
        cli_json_kv_str(g, "reason", rg_leak_reason_name(sp->reason));
        cli_json_kv_str(g, "name", sp->name ? sp->name : "");
        cli_json_kv_str(g, "carried_type", sp->carried_type ? sp->carried_type : "");
        if (sp->has_growth) {
            cli_json_kv_int(g, "growth_count", sp->growth_count);
            cli_json_kv_int(g, "growth_bytes", sp->growth_bytes);
        }
        if (sp->cause == RG_CAUSE_RETAINED) {
            rg_group_info item = {.struct_size = sizeof item}, top = {.struct_size = sizeof top};
            rg_groups_get(G, sp->group, &item);
            rg_groups_get(G, sp->top_group, &top);
            char *path = NULL;
            rg_groups_path(G, sp->group, &path);
            cli_json_kv_str(g, "type", item.type_name);
            cli_json_kv_str(g, "path", path ? path : "");
            rg_free(path);
            char sig[64];
            rg_groups_signature(G, sp->group, sig, sizeof sig);
            cli_json_kv_str(g, "group_signature", sig);
            cli_json_kv_str(g, "holder_type", top.type_name);
            cli_json_kv_uint(g, "holder_count", top.count);
            json_node(g, s, P, "accumulation", sp->accumulation);
            if (sp->accumulation != RG_NODE_NONE)
                cli_json_kv_uint(g, "accumulation_retained", sp->accumulation_retained);
            if (sp->bulk_group != RG_GROUP_NONE) {
                char *bp = NULL;
                rg_groups_path(G, sp->bulk_group, &bp);
                cli_json_kv_str(g, "bulk_path", bp ? bp : "");
                rg_free(bp);
            }
            json_node(g, s, P, "example", sp->representative);
        } else if (sp->cause == RG_CAUSE_CYCLE) {
            rg_cycle_shape sh = {.struct_size = sizeof sh};
            rg_cycles_shape_get(rg_suspects_cycles(S), sp->index, &sh);
            cli_json_kv_str(g, "shape", sh.description);
            cli_json_kv_uint(g, "cycles", sh.components);
            cli_json_kv_uint(g, "objects_each", sh.objects_each);
            cli_json_kv_uint(g, "in_gc_garbage", sh.garbage);
            cli_json_str(g, "cycle");
            json_edges(g, s, sh.cycle, sh.cycle_len);
        } else {
            rg_outside_group og = {.struct_size = sizeof og};
            rg_outside_group_get(rg_suspects_outside(S), sp->index, &og);
            cli_json_kv_str(g, "type", og.type_name);
            cli_json_kv_uint(g, "unreachable", og.unreachable);
            cli_json_kv_uint(g, "excess_refs", og.excess);
            json_node(g, s, P, "example", og.representative);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);

    rg_cycles_summary cs = {.struct_size = sizeof cs};
    rg_cycles_summary_get(rg_suspects_cycles(S), &cs);
    cli_json_str(g, "cycles");
    yajl_gen_map_open(g);
    cli_json_kv_uint(g, "unreachable_objects", cs.unreachable_objects);
    cli_json_kv_uint(g, "unreachable_bytes", cs.unreachable_bytes);
    cli_json_kv_uint(g, "components", cs.components);
    cli_json_kv_uint(g, "cyclic_objects", cs.cyclic_objects);
    cli_json_kv_uint(g, "cyclic_bytes", cs.cyclic_bytes);
    cli_json_kv_uint(g, "in_gc_garbage", cs.garbage_objects);
    cli_json_kv_uint(g, "largest_component", cs.largest_component);
    cli_json_kv_uint(g, "held_from_outside_components", cs.held_components);
    cli_json_str(g, "shapes");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < cs.shapes; i++) {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(rg_suspects_cycles(S), i, &sh);
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "signature", sh.signature);
        cli_json_kv_str(g, "shape", sh.description);
        cli_json_kv_uint(g, "cycles", sh.components);
        cli_json_kv_uint(g, "objects", sh.objects);
        cli_json_kv_uint(g, "bytes", sh.bytes);
        cli_json_kv_uint(g, "retained_bytes", sh.retained_bytes);
        cli_json_kv_uint(g, "in_gc_garbage", sh.garbage);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);

    const rg_outside *o = rg_suspects_outside(S);
    cli_json_str(g, "outside");
    yajl_gen_array_open(g);
    for (uint32_t i = 0; i < rg_outside_group_count(o); i++) {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(o, i, &og);
        if (!rg_outside_group_shown(&og, rg_snapshot_info_get(s)->total_bytes))
            continue;
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "type", og.type_name);
        cli_json_kv_str(g, "name", og.name);
        cli_json_kv_str(g, "signature", og.signature);
        cli_json_kv_uint(g, "objects", og.objects);
        cli_json_kv_uint(g, "unreachable", og.unreachable);
        cli_json_kv_uint(g, "excess_refs", og.excess);
        cli_json_kv_uint(g, "shallow_bytes", og.shallow_bytes);
        cli_json_kv_uint(g, "retained_bytes", og.retained_bytes);
        cli_json_kv_uint(g, "example_id", rg_node_id(s, og.representative));
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    cli_json_finish(g, stdout);
}

int cmd_suspects(int argc, char **argv)
{
    cmd_args a = {.top = 10, .min_instances = 2};
    int r = parse("suspects", argc, argv, &a, help_suspects);
    if (r >= 0)
        return r;
    rg_snapshot *s;
    if (cli_open(a.path, &a.lo, &s) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_suspect_options o;
    rg_suspect_options_init(&o, RG_SUSPECT_OPTIONS_VERSION);
    o.min_instances = a.min_instances > UINT32_MAX ? UINT32_MAX : (uint32_t)a.min_instances;
    rg_suspects *S;
    cli_progress_begin("analysing suspects");
    int arc = rg_suspects_compute_all(s, &o, &S);
    cli_progress_end();
    if (arc != RG_OK) {
        fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
        rg_snapshot_free(s);
        return EXIT_BAD_INPUT;
    }
    uint32_t n = rg_suspects_count(S);
    uint32_t shown = a.top == 0 || (uint64_t)a.top > n ? n : (uint32_t)a.top;
    if (a.json) {
        print_json(s, S, shown);
    } else {
        const rg_snapshot_info *info = rg_snapshot_info_get(s);
        char c[32], b[32];
        printf("%sLeak suspects in %s (%s objects, %s)%s\n\n", cli_color(CLI_C_HEAD), cli_term(info->path),
               cli_fmt_count(c, sizeof c, info->objects), cli_fmt_bytes(b, sizeof b, info->total_bytes),
               cli_color(CLI_C_OFF));
        /* The verdict as the report's Summary words it: one judgement. */
        char *verdict = NULL;
        if (rg_report_verdict(s, S, 1, &verdict) == RG_OK)
            printf("%sVerdict:%s %s%s%s\n\n", cli_color(CLI_C_HEAD), cli_color(CLI_C_OFF),
                   cli_color_level(n ? (int)rg_suspects_get(S, 0)->level : RG_LEVEL_NO_LEAK), cli_term(verdict),
                   cli_color(CLI_C_OFF));
        rg_free(verdict);
        if (n == 0)
            printf("No suspects: no group, cycle or outside reference holds %g%% of the heap.\n",
                   o.min_share * 100); /* the library's default, not a second copy of it */
        for (uint32_t i = 0; i < shown; i++) {
            print_suspect_text(s, S, rg_suspects_get(S, i), i + 1);
            printf("\n");
        }
        if (shown < n)
            printf("(%u more suspects; --top 0 shows all)\n", n - shown);
        print_cycles_section(s, rg_suspects_cycles(S));
        print_outside_section(s, rg_suspects_outside(S));
    }
    rg_suspects_free(S);
    rg_snapshot_free(s);
    return EXIT_OK;
}

/* ----------------------------------------------------------- dominators */

int cmd_dominators(int argc, char **argv)
{
    cmd_args a = {.top = 20};
    int r = parse("dominators", argc, argv, &a, help_dominators);
    if (r >= 0)
        return r;
    rg_snapshot *s;
    if (cli_open(a.path, &a.lo, &s) != EXIT_OK)
        return EXIT_BAD_INPUT;
    rg_dominators *d = NULL;
    rg_paths *p = NULL;
    rg_node *top = NULL;
    uint32_t n = 0;
    uint32_t k = a.top > UINT32_MAX ? UINT32_MAX : (uint32_t)a.top;
    cli_progress_begin("analysing dominators");
    int bad = rg_dominators_compute(s, &d) != RG_OK || rg_paths_compute(s, NULL, &p) != RG_OK ||
              rg_dominators_top(d, k, &top, &n) != RG_OK;
    cli_progress_end();
    if (bad) {
        fprintf(stderr, "refgraph: %s\n", cli_term(rg_last_error()));
        rg_dominators_free(d);
        rg_paths_free(p);
        rg_snapshot_free(s);
        return EXIT_BAD_INPUT;
    }
    uint64_t total = rg_dominators_retained(d, RG_NODE_NONE);
    const rg_snapshot_info *info = rg_snapshot_info_get(s);
    if (a.json) {
        yajl_gen g = cli_json_new();
        yajl_gen_map_open(g);
        cli_json_kv_str(g, "file", info->path);
        cli_json_kv_uint(g, "objects", info->objects);
        cli_json_kv_uint(g, "total_bytes", total);
        cli_json_str(g, "retainers");
        yajl_gen_array_open(g);
        for (uint32_t i = 0; i < n; i++) {
            rg_node v = top[i], idom = rg_dominators_idom(d, v);
            yajl_gen_map_open(g);
            cli_json_kv_uint(g, "rank", i + 1);
            cli_json_kv_uint(g, "retained_bytes", rg_dominators_retained(d, v));
            cli_json_kv_double(g, "share", total ? (double)rg_dominators_retained(d, v) / (double)total : 0);
            cli_json_str(g, "reachable");
            yajl_gen_bool(g, rg_dominators_reachable(d, v));
            json_node(g, s, p, "object", v);
            if (idom == RG_NODE_NONE) {
                cli_json_str(g, "dominator");
                yajl_gen_null(g);
            } else {
                cli_json_kv_uint(g, "dominator", rg_node_id(s, idom));
            }
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        cli_json_finish(g, stdout);
    } else {
        char c[32], b[32], sh[32], desc[512];
        printf("%sBiggest retainers in %s (%s objects, %s)%s\n\n", cli_color(CLI_C_HEAD), cli_term(info->path),
               cli_fmt_count(c, sizeof c, info->objects), cli_fmt_bytes(b, sizeof b, total), cli_color(CLI_C_OFF));
        printf("%4s %10s %6s %10s  %s\n", "#", "retained", "share", "shallow", "object");
        for (uint32_t i = 0; i < n; i++) {
            rg_node v = top[i];
            uint64_t ret = rg_dominators_retained(d, v);
            describe(s, v, desc, sizeof desc);
            printf("%4u %10s %5.1f%% %10s  %s%s\n", i + 1, cli_fmt_bytes(b, sizeof b, ret),
                   total ? 100.0 * (double)ret / (double)total : 0.0,
                   cli_fmt_bytes(sh, sizeof sh, rg_node_size(s, v)), cli_term(desc),
                   rg_dominators_reachable(d, v) ? "" : "  [unreachable]");
            char *chain = chain_text(s, p, v);
            if (chain)
                printf("%23s  reached by %s\n", "", cli_term(chain));
            free(chain);
        }
        if (a.top && (uint64_t)n == (uint64_t)a.top && n < rg_node_count(s))
            printf("(--top 0 shows every object)\n");
    }
    rg_free(top);
    rg_paths_free(p);
    rg_dominators_free(d);
    rg_snapshot_free(s);
    return EXIT_OK;
}
