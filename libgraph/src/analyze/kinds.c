/*
 * kinds.c: what kind of thing a type or a retention group is, for the
 * judgement. One home for the type lists that the suspects ranking, the
 * held-from-outside analysis and the report's sentences all use, so that
 * they cannot drift apart (docs/diagnosis.md lists them with their reasons).
 *
 *  - plumbing: containers and closure machinery that carry what a person
 *    wrote. A leak is named by the user type a plumbing group carries, not
 *    by "10,000 function objects".
 *  - function-like: objects a person names by their function's qualname;
 *    groups of them are split by that name.
 *  - interpreter tables: groups that every process of a runtime has, held by
 *    the interpreter's own bookkeeping (import caches, codec tables, a
 *    module's own namespace, compiled code). Never a suspect unless they
 *    grow at every step.
 */
#include "kinds.h"

#include <string.h>

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof(list)[0])

int rg_kind_is_plumbing(const char *type)
{
    static const char *const plumbing[] = {
        /* CPython containers */
        "tuple", "list", "dict", "set", "frozenset", "collections.deque", "collections.OrderedDict",
        "collections.defaultdict", "weakref.WeakValueDictionary", "weakref.WeakKeyDictionary",
        "types.SimpleNamespace",
        /* CPython closure and call machinery */
        "cell", "function", "method", "frame", "functools.partial", "functools._lru_list_elem",
        "traceback", "generator", "coroutine", "async_generator",
        /* V8 */
        "(closure)", "(array)", "system / Context", "Array", "system / FixedArray",
        "system / PropertyArray",
    };
    return type && IN_LIST(type, plumbing);
}

int rg_kind_is_function_like(const char *type)
{
    static const char *const fns[] = {
        "function", "method", "builtin_function_or_method", "generator", "coroutine",
        "async_generator", "frame", "code", "(closure)", "functools.partial",
    };
    return type && IN_LIST(type, fns);
}

int rg_kind_is_runtime_internal(const char *type)
{
    /* V8's own heap structures: never what a person wrote. */
    static const char *const v8[] = {
        "(compiled code)", "(system)", "(object shape)", "(code)", "(hidden)", "(synthetic)",
        "(native)", "system / Map", "system / DescriptorArray", "system / SharedFunctionInfo",
        "system / ScopeInfo", "system / FeedbackVector", "system / FeedbackCell",
        "system / FeedbackMetadata", "system / BytecodeArray", "system / TransitionArray",
        "system / PrototypeInfo", "system / Script",
    };
    return type && IN_LIST(type, v8);
}

/* A retention group held by the interpreter's own tables: matched by the
 * root (a module name) and the first hop below it. */
typedef struct table_rule {
    const char *module;       /* root label; NULL matches every module */
    const char *first_hop;    /* normalised label of the first hop */
} table_rule;

static const table_rule interpreter_tables[] = {
    {"sys", ".path_importer_cache"}, {"sys", ".stdlib_module_names"}, {"sys", ".modules"},
    {"sys", ".builtin_module_names"}, {"sys", ".path_hooks"}, {"sys", ".meta_path"},
    {"sys", ".path"}, {"sys", ".flags"}, {"sys", ".__dict__"}, {"sys", ".audit_hooks"},
    {"encodings", "._cache"}, {"encodings.aliases", ".aliases"}, {"locale", ".locale_alias"},
    {"locale", ".windows_locale"}, {"locale", ".locale_encoding_alias"},
    {"html.entities", ".html5"}, {"html.entities", ".name2codepoint"},
    {"html.entities", ".codepoint2name"}, {"html.entities", ".entitydefs"},
    {"unicodedata", ".ucd_3_2_0"}, {"keyword", ".kwlist"}, {"keyword", ".softkwlist"},
    {"re", "._cache"}, {"re._parser", ".CATEGORIES"}, {"sre_parse", ".CATEGORIES"},
    {"typing", "._cleanups"}, {"abc", "._abc_registry"}, {"copyreg", ".dispatch_table"},
    {"copyreg", "._extension_registry"}, {"pickle", ".__dict__"}, {"_collections_abc", ".__dict__"},
    {"email._header_value_parser", ".__dict__"}, {"token", ".tok_name"}, {"token", ".EXACT_TOKEN_TYPES"},
    {"opcode", ".opmap"}, {"opcode", ".opname"}, {"dis", ".opmap"}, {"dis", ".opname"},
    {"posix", ".__dict__"}, {"nt", ".__dict__"}, {"posix", ".sysconf_names"},
    {"posix", ".confstr_names"}, {"posix", ".pathconf_names"}, {"os", ".sysconf_names"},
    {"os", ".confstr_names"}, {"os", ".pathconf_names"}, {"errno", ".errorcode"},
    {"signal", ".__dict__"}, {"_signal", ".__dict__"}, {"stat", ".__dict__"}, {"builtins", ".__dict__"},
    {"_frozen_importlib", ".__dict__"}, {"_frozen_importlib_external", ".__dict__"},
    /* The dumper's own modules, should a dump of an older dumper carry them. */
    {"refgraph_dump", NULL}, {"_refgraph_accel", NULL},
};

int rg_kind_is_interpreter_table(rg_root_kind root, const char *root_label, const char *first_hop,
                                 const char *item_type, int through_code)
{
    /* Compiled code and what hangs off it (constants, names) is program text. */
    if (through_code || (item_type && strcmp(item_type, "code") == 0))
        return 1;
    if (item_type && rg_kind_is_runtime_internal(item_type))
        return 1;
    if (root == RG_ROOT_BUILTINS || root == RG_ROOT_STATIC)
        return 1;
    if (root != RG_ROOT_MODULE || !root_label)
        return 0;
    for (size_t i = 0; i < sizeof interpreter_tables / sizeof interpreter_tables[0]; i++) {
        const table_rule *r = &interpreter_tables[i];
        if (strcmp(r->module, root_label) != 0)
            continue;
        if (!r->first_hop || (first_hop && strcmp(r->first_hop, first_hop) == 0))
            return 1;
    }
    /* A module's namespace keys are its names: program text. */
    return first_hop && strcmp(first_hop, ".__dict__") == 0 && item_type && strcmp(item_type, "str") == 0;
}

int rg_kind_is_user_type(const char *type)
{
    /* JavaScript's own constructors, which V8 names like user classes. */
    static const char *const js_builtins[] = {
        "Array", "Object", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "String", "Function",
        "Number", "Boolean", "Symbol", "Promise", "ArrayBuffer", "SharedArrayBuffer", "DataView",
        "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
        "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Buffer", "Error",
        "TypeError", "RangeError", "RegExp", "Date", "Arguments", "Generator", "AsyncFunction",
        "FinalizationRegistry",
    };
    if (!type || !*type || rg_kind_is_plumbing(type) || rg_kind_is_runtime_internal(type))
        return 0;
    if (type[0] == '(' || strncmp(type, "system / ", 9) == 0)
        return 0;
    /* CPython's builtins are written bare and lower-case (list, bytes). */
    if (strchr(type, '.'))
        return strncmp(type, "builtins.", 9) != 0;
    return type[0] >= 'A' && type[0] <= 'Z' && !IN_LIST(type, js_builtins);
}

int rg_kind_is_runtime_table(const char *type)
{
    return type && (strcmp(type, "(array)") == 0 || strcmp(type, "system / FixedArray") == 0 ||
                    strcmp(type, "system / PropertyArray") == 0 || strcmp(type, "system / Context") == 0 ||
                    strcmp(type, "(object properties)") == 0 || strcmp(type, "(system)") == 0);
}
