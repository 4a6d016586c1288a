/*
 * gen_snapshot.c: a seeded synthetic refgraph snapshot (docs/snapshot-format.md)
 * with the shapes real Python heaps have, for bench/run.sh.
 *
 *   gen_snapshot --objects N [--seed S] [--answer FILE] > snap.jsonl
 *   gen_snapshot --objects N --shape dicts [--seed S] > snap.jsonl
 *
 * --shape dicts is the dict-heavy heap of issue 15's table (a service that
 * caches decoded JSON rows): one module list of rows, each row a dict of 12
 * string keys (labels "['customer_field_K']") whose values are strs of its
 * own (with reprs) or shared small ints; ~145 bytes an object (the
 * heap that loaded at 233 MB/s had ~200). The default shape:
 *
 * Shapes (fractions of N):
 *   - units: an instance of one of 200 classes (Zipf-like popularity) with
 *     .name -> str, .items -> list of small shared ints, .meta -> tuple that
 *     points back at the instance (a cycle), .config -> one singleton (huge
 *     fan-in: every unit refers to it), <type> -> its class;
 *   - registries: lists of ~1000 units hanging off module globals;
 *   - app.index.by_key: ONE dict with N/10 keys (huge fan-out, a line of
 *     tens of megabytes at N = 10^7), its keys are str objects only it holds;
 *   - app.chain.head: a linked list of N/10 __slots__ nodes (10^6 hops at
 *     N = 10^7) ending in one app.chain.Tail;
 *   - N/1000 unreachable two-object cycles (garbage the collector would find);
 *   - the planted leak: module app.cache, global _sessions -> dict with N/100
 *     entries ['sess:K'] -> leak.Session -> .buffer -> a 64 KiB bytearray.
 *
 * Ids look like CPython addresses (0x7f.. + 16 * a scrambled index), so the
 * loader's id map sees the random order it sees in real dumps. Everything
 * comes from one splitmix64 stream, so a seed gives the same bytes on every
 * machine. --answer writes what the planted leak is, for checking analyses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

/* ---- output buffer ---- */
static char obuf[1 << 20];
static size_t olen;

static void flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
        perror("gen_snapshot: write");
        exit(1);
    }
    olen = 0;
}

static void put(const char *s, size_t n)
{
    if (olen + n > sizeof obuf)
        flush_out();
    if (n > sizeof obuf) {
        fwrite(s, 1, n, stdout);
        return;
    }
    memcpy(obuf + olen, s, n);
    olen += n;
}

static void puts_(const char *s) { put(s, strlen(s)); }

static void putu(uint64_t v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(tmp + i, (size_t)(24 - i));
}

/* ---- ids ---- */
static unsigned id_bits;

/* A bijection on [0, 2^id_bits): distinct indices get distinct ids. */
static uint64_t obj_id(uint64_t i)
{
    uint64_t mask = (1ULL << id_bits) - 1, x = i;
    x = (x * 0x9E3779B97F4A7C15ULL) & mask;
    x ^= x >> (id_bits / 2);
    x = (x * 0xD6E8FEB86659FD93ULL) & mask;
    x ^= x >> (id_bits / 3 + 1);
    return 0x7f3a00000000ULL + 16 * x;
}

/* ---- record writers ---- */
static int nrefs;

static void obj_begin(uint64_t i, const char *type, uint64_t size)
{
    puts_("{\"rec\":\"object\",\"id\":");
    putu(obj_id(i));
    puts_(",\"type\":\"");
    puts_(type);
    puts_("\",\"size\":");
    putu(size);
    nrefs = -1;
}

static void obj_field_u(const char *key, uint64_t v)
{
    puts_(",\"");
    puts_(key);
    puts_("\":");
    putu(v);
}

static void obj_field_s(const char *key, const char *v)
{
    puts_(",\"");
    puts_(key);
    puts_("\":\"");
    puts_(v);
    puts_("\"");
}

static void ref_begin(uint64_t target, const char *kind)
{
    puts_(nrefs < 0 ? ",\"refs\":[[" : ",[");
    nrefs = nrefs < 0 ? 1 : nrefs + 1;
    putu(obj_id(target));
    puts_(",\"");
    puts_(kind);
    puts_("\"");
}

static void ref_s(uint64_t target, const char *kind, const char *label)
{
    ref_begin(target, kind);
    if (label) {
        puts_(",\"");
        puts_(label);
        puts_("\"");
    }
    puts_("]");
}

static void ref_i(uint64_t target, uint64_t index)
{
    ref_begin(target, "index");
    puts_(",");
    putu(index);
    puts_("]");
}

static void obj_end(void)
{
    puts_(nrefs < 0 ? "}\n" : "]}\n");
}

static void root(uint64_t i, const char *kind, const char *label)
{
    puts_("{\"rec\":\"root\",\"id\":");
    putu(obj_id(i));
    puts_(",\"kind\":\"");
    puts_(kind);
    puts_("\",\"label\":\"");
    puts_(label);
    puts_("\"}\n");
}

/* The dict-heavy shape (see the top): rows of 12 keyed values. */
static int dict_heap(uint64_t n)
{
    const uint64_t keys = 12, n_int = 1000;
    const uint64_t MOD = 0, LIST = 1, TYPES = 2, INT = 5;   /* types: module, list, dict */
    const uint64_t ROW = INT + n_int;
    uint64_t n_rows = (n - ROW) / (1 + keys);
    const uint64_t total = ROW + n_rows * (1 + keys);
    id_bits = 4;
    while ((1ULL << id_bits) < total)
        id_bits++;
    puts_("{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,"
          "\"producer\":\"bench/gen_snapshot --shape dicts\",\"runtime\":\"synthetic\",\"pid\":1,"
          "\"time\":1764115200,\"objects\":");
    putu(total);
    puts_(",\"edges\":");
    putu(n_rows * (keys + 2) + 2);
    puts_("}\n");
    obj_begin(MOD, "module", 72);
    obj_field_s("name", "rows.store");
    ref_s(LIST, "attr", "rows");
    obj_end();
    root(MOD, "module", "rows.store");
    const char *tnames[] = {"module", "list", "dict"};
    for (uint64_t t = 0; t < 3; t++) {
        obj_begin(TYPES + t, "type", 1072);
        obj_field_s("name", tnames[t]);
        obj_end();
    }
    for (uint64_t k = 0; k < n_int; k++) {
        obj_begin(INT + k, "int", 28);
        char r[24];
        snprintf(r, sizeof r, "%llu", (unsigned long long)k);
        obj_field_s("repr", r);
        obj_end();
    }
    obj_begin(LIST, "list", 56 + 8 * n_rows);
    obj_field_u("len", n_rows);
    for (uint64_t i = 0; i < n_rows; i++)
        ref_i(ROW + i * (1 + keys), i);
    obj_end();
    char label[40], repr[64];
    for (uint64_t i = 0; i < n_rows; i++) {
        uint64_t row = ROW + i * (1 + keys);
        obj_begin(row, "dict", 640);
        obj_field_u("len", keys);
        for (uint64_t k = 0; k < keys; k++) {
            snprintf(label, sizeof label, "['customer_field_%llu']", (unsigned long long)k);
            uint64_t v = k % 3 == 2 ? INT + rnd() % n_int : row + 1 + k;
            ref_s(v, "attr", label);
        }
        obj_end();
        for (uint64_t k = 0; k < keys; k++) {
            if (k % 3 == 2) {
                /* the value is a shared int: this slot's str is garbage */
                obj_begin(row + 1 + k, "str", 49);
                obj_field_u("len", 0);
                obj_field_s("repr", "''");
                obj_end();
                continue;
            }
            uint64_t r = rnd();
            snprintf(repr, sizeof repr, "'v%016llx-%llu'", (unsigned long long)r, (unsigned long long)k);
            obj_begin(row + 1 + k, "str", 49 + 20);
            obj_field_u("len", 20);
            obj_field_u("rc", 1);
            obj_field_s("repr", repr);
            obj_end();
        }
    }
    flush_out();
    return fflush(stdout) == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_snapshot --objects N [--shape dicts] [--seed S] [--answer FILE] > snap.jsonl\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 1;
    const char *answer = NULL;
    int dicts = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--objects") && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--answer") && i + 1 < argc)
            answer = argv[++i];
        else if (!strcmp(argv[i], "--shape") && i + 1 < argc && !strcmp(argv[i + 1], "dicts"))
            dicts = 1, i++;
        else
            usage();
    }
    if (n < 10000 || (dicts && answer))
        usage();
    rng_state = seed;
    if (dicts)
        return dict_heap(n);

    /* index space */
    const uint64_t n_mod = 8 + n / 50000;       /* 0 app.cache, 1 app.chain, 2 app.index, 3.. app.mK */
    const uint64_t n_cls = 200, n_int = 1000, n_pstr = 500;
    const uint64_t depth = n / 10, n_keys = n / 10, n_leak = n / 100, n_garbage = n / 1000;
    uint64_t at = 0;
    const uint64_t MOD = at; at += n_mod;
    const uint64_t CLS = at; at += n_cls;
    const uint64_t INT = at; at += n_int;
    const uint64_t PSTR = at; at += n_pstr;
    const uint64_t CONFIG = at++;
    const uint64_t BIGDICT = at++;
    const uint64_t KEYS = at; at += n_keys;
    const uint64_t CHAIN = at; at += depth;
    const uint64_t TAIL = at++;
    const uint64_t LEAKDICT = at++;
    const uint64_t SESS = at; at += n_leak;
    const uint64_t BUF = at; at += n_leak;
    const uint64_t GARB = at; at += 2 * n_garbage;
    /* the rest: registries of ~1000 units, each unit 4 objects */
    uint64_t rest = n > at ? n - at : 0;
    uint64_t n_units = rest / 4;
    uint64_t n_reg = n_units / 1000 + 1;
    n_units = (rest - n_reg) / 4;
    const uint64_t REG = at; at += n_reg;
    const uint64_t UNIT = at; at += 4 * n_units;
    const uint64_t total = at;
    id_bits = 4;
    while ((1ULL << id_bits) < total)
        id_bits++;

    /* counts for the header hint */
    uint64_t est_edges = 3 * total;
    char tmp[256];
    puts_("{\"rec\":\"header\",\"format\":\"refgraph-snapshot\",\"version\":1,"
          "\"producer\":\"bench/gen_snapshot\",\"runtime\":\"synthetic\",\"pid\":1,\"time\":1764115200,");
    puts_("\"objects\":");
    putu(total);
    puts_(",\"edges\":");
    putu(est_edges);
    puts_("}\n");

    /* modules */
    for (uint64_t m = 0; m < n_mod; m++) {
        const char *name;
        if (m == 0) name = "app.cache";
        else if (m == 1) name = "app.chain";
        else if (m == 2) name = "app.index";
        else {
            snprintf(tmp, sizeof tmp, "app.m%" PRIu64, m);
            name = tmp;
        }
        obj_begin(MOD + m, "module", 400 + 64 * (m % 7));
        obj_field_s("name", name);
        if (m == 0) {
            ref_s(LEAKDICT, "global", "_sessions");
            ref_s(CONFIG, "global", "config");
        } else if (m == 1) {
            ref_s(CHAIN, "global", "head");
        } else if (m == 2) {
            ref_s(BIGDICT, "global", "by_key");
        } else {
            for (uint64_t c = m - 3; c < n_cls; c += n_mod - 3) {
                snprintf(tmp + 128, 64, "Class%" PRIu64, c);
                ref_s(CLS + c, "global", tmp + 128);
            }
            for (uint64_t r = m - 3, k = 0; r < n_reg; r += n_mod - 3, k++) {
                snprintf(tmp + 128, 64, "registry%" PRIu64, k);
                ref_s(REG + r, "global", tmp + 128);
            }
            ref_s(PSTR + m % n_pstr, "global", "__name__");
        }
        obj_end();
    }
    for (uint64_t m = 0; m < n_mod; m++) {
        if (m == 0) root(MOD, "module", "app.cache");
        else if (m == 1) root(MOD + 1, "module", "app.chain");
        else if (m == 2) root(MOD + 2, "module", "app.index");
        else {
            snprintf(tmp, sizeof tmp, "app.m%" PRIu64, m);
            root(MOD + m, "module", tmp);
        }
    }
    /* classes */
    for (uint64_t c = 0; c < n_cls; c++) {
        snprintf(tmp, sizeof tmp, "Class%" PRIu64, c);
        obj_begin(CLS + c, "type", 1064);
        obj_field_s("name", tmp);
        obj_field_u("rc", 5 + c);
        puts_(",\"flags\":[\"gc\"]");
        ref_s(PSTR + c % n_pstr, "attr", "__module__");
        obj_end();
    }
    /* shared small ints and strings */
    for (uint64_t k = 0; k < n_int; k++) {
        obj_begin(INT + k, "int", 28);
        snprintf(tmp, sizeof tmp, "%" PRIu64, k);
        obj_field_s("repr", tmp);
        obj_field_u("rc", 100 + k);
        obj_end();
    }
    for (uint64_t k = 0; k < n_pstr; k++) {
        snprintf(tmp, sizeof tmp, "'shared_%" PRIu64 "'", k);
        obj_begin(PSTR + k, "str", 58);
        obj_field_u("len", 8);
        obj_field_s("repr", tmp);
        obj_end();
    }
    obj_begin(CONFIG, "app.Config", 56);
    puts_(",\"flags\":[\"gc\"]");
    obj_end();
    /* the huge dict: key -> str (only here), value -> a unit instance */
    obj_begin(BIGDICT, "dict", 40 + 64 * n_keys);
    obj_field_u("len", n_keys);
    puts_(",\"flags\":[\"gc\"]");
    for (uint64_t k = 0; k < n_keys; k++) {
        snprintf(tmp, sizeof tmp, "'k%" PRIu64 "'", k);
        ref_s(KEYS + k, "key", tmp);
        if (n_units)
            ref_s(UNIT + 4 * rnd_below(n_units), "value", tmp);
    }
    obj_end();
    for (uint64_t k = 0; k < n_keys; k++) {
        snprintf(tmp, sizeof tmp, "'k%" PRIu64 "'", k);
        obj_begin(KEYS + k, "str", 49 + 8);
        obj_field_u("len", strlen(tmp) - 2);
        obj_field_s("repr", tmp);
        obj_end();
    }
    /* the deep chain */
    for (uint64_t d = 0; d < depth; d++) {
        obj_begin(CHAIN + d, "app.chain.Node", 48);
        puts_(",\"flags\":[\"gc\"]");
        ref_s(d + 1 < depth ? CHAIN + d + 1 : TAIL, "slot", "next");
        obj_end();
    }
    obj_begin(TAIL, "app.chain.Tail", 48);
    puts_(",\"flags\":[\"gc\"]");
    obj_end();
    /* the planted leak */
    obj_begin(LEAKDICT, "dict", 40 + 64 * n_leak);
    obj_field_u("len", n_leak);
    puts_(",\"flags\":[\"gc\"]");
    for (uint64_t k = 0; k < n_leak; k++) {
        snprintf(tmp, sizeof tmp, "'sess:%" PRIu64 "'", k);
        ref_s(SESS + k, "value", tmp);
    }
    obj_end();
    for (uint64_t k = 0; k < n_leak; k++) {
        obj_begin(SESS + k, "leak.Session", 72);
        obj_field_u("rc", 1);
        puts_(",\"flags\":[\"gc\"]");
        ref_s(BUF + k, "attr", "buffer");
        ref_s(PSTR + rnd_below(n_pstr), "attr", "user");
        ref_s(CONFIG, "attr", "config");
        obj_end();
        obj_begin(BUF + k, "bytearray", 65536 + 57);
        obj_field_u("len", 65536);
        obj_field_u("rc", 1);
        obj_end();
    }
    /* unreachable cycles */
    for (uint64_t g = 0; g < n_garbage; g++) {
        for (int s = 0; s < 2; s++) {
            obj_begin(GARB + 2 * g + (uint64_t)s, "app.gc.Node", 56);
            obj_field_u("rc", 1);
            puts_(",\"flags\":[\"gc\"]");
            ref_s(GARB + 2 * g + (uint64_t)(1 - s), "attr", "other");
            obj_end();
        }
    }
    /* registries */
    for (uint64_t r = 0; r < n_reg; r++) {
        uint64_t first = r * n_units / n_reg, last = (r + 1) * n_units / n_reg;
        obj_begin(REG + r, "list", 56 + 8 * (last - first));
        obj_field_u("len", last - first);
        obj_field_u("rc", 1);
        puts_(",\"flags\":[\"gc\"]");
        for (uint64_t u = first; u < last; u++)
            ref_i(UNIT + 4 * u, u - first);
        obj_end();
    }
    /* units: instance, str, list, tuple */
    for (uint64_t u = 0; u < n_units; u++) {
        uint64_t base = UNIT + 4 * u;
        double x = (double)(rnd() >> 11) / 9007199254740992.0;
        uint64_t cls = (uint64_t)((double)n_cls * x * x);
        uint64_t mod = 3 + cls % (n_mod - 3);
        snprintf(tmp, sizeof tmp, "app.m%" PRIu64 ".Class%" PRIu64, mod, cls);
        obj_begin(base, tmp, 56);
        obj_field_u("rc", 2 + rnd_below(3));
        puts_(",\"flags\":[\"gc\"]");
        ref_s(CLS + cls, "type", NULL);
        ref_s(base + 1, "attr", "name");
        ref_s(base + 2, "attr", "items");
        ref_s(base + 3, "attr", "meta");
        ref_s(CONFIG, "attr", "config");
        obj_end();

        snprintf(tmp, sizeof tmp, "'item-%" PRIu64 "-%" PRIu64 "'", u, rnd_below(1000));
        obj_begin(base + 1, "str", 49 + strlen(tmp));
        obj_field_u("len", strlen(tmp) - 2);
        obj_field_u("rc", 1);
        obj_field_s("repr", tmp);
        obj_end();

        uint64_t k = rnd_below(9);
        obj_begin(base + 2, "list", 56 + 8 * k);
        obj_field_u("len", k);
        obj_field_u("rc", 1);
        puts_(",\"flags\":[\"gc\"]");
        for (uint64_t j = 0; j < k; j++)
            ref_i(INT + rnd_below(n_int), j);
        obj_end();

        obj_begin(base + 3, "tuple", 64);
        obj_field_u("len", 3);
        obj_field_u("rc", 1);
        puts_(",\"flags\":[\"gc\"]");
        ref_i(base + 1, 0);
        ref_i(base, 1);
        ref_i(PSTR + rnd_below(n_pstr), 2);
        obj_end();
    }
    flush_out();
    if (fflush(stdout) != 0) {
        perror("gen_snapshot: write");
        return 1;
    }
    if (answer) {
        FILE *f = fopen(answer, "w");
        if (!f) {
            fprintf(stderr, "gen_snapshot: %s: %s\n", answer, strerror(errno));
            return 1;
        }
        fprintf(f,
                "{\n  \"objects\": %" PRIu64 ",\n  \"seed\": %" PRIu64 ",\n"
                "  \"leak_type\": \"leak.Session\",\n  \"leak_count\": %" PRIu64 ",\n"
                "  \"leak_holder_type\": \"dict\",\n  \"leak_holder_id\": %" PRIu64 ",\n"
                "  \"leak_chain\": [\"module app.cache\", \"._sessions\", \"dict\", \"['sess:K']\", \"leak.Session\"],\n"
                "  \"leak_retained_bytes\": %" PRIu64 ",\n"
                "  \"chain_depth\": %" PRIu64 ",\n  \"chain_tail_type\": \"app.chain.Tail\",\n"
                "  \"big_dict_keys\": %" PRIu64 ",\n  \"config_fan_in\": %" PRIu64 ",\n"
                "  \"garbage_cycles\": %" PRIu64 "\n}\n",
                total, seed, n_leak, obj_id(LEAKDICT),
                (40 + 64 * n_leak) + n_leak * (72 + 65536 + 57), depth + 1, n_keys, n_units + n_leak + 1,
                n_garbage);
        fclose(f);
    }
    return 0;
}
