/* cli_select.h: the object selectors every query command shares:
 *   --id ID       one object by its snapshot id (decimal or 0x hex)
 *   --type NAME   the instance of NAME with the most typical chain (the
 *                 largest group of instances whose chains have one shape;
 *                 ties go to the longer chain); with --all, every instance,
 *                 grouped by chain shape
 *   --name NAME   a module global ("mod.var", or "var" when one module, or
 *                 __main__, has it) or a named object such as a function
 *                 or class ("handler", "Job")
 * A bad selector VALUE (nothing matches, ambiguous) is bad input: exit 1. A
 * bad selector SYNTAX (none given, two given, --all without --type, a
 * malformed id) is a usage error: exit 2. */
#ifndef RG_CLI_SELECT_H
#define RG_CLI_SELECT_H

#include "cli.h"

#define CLI_OPT_SEL_ID 1101
#define CLI_OPT_SEL_TYPE 1102
#define CLI_OPT_SEL_NAME 1103
#define CLI_OPT_SEL_ALL 1104
#define CLI_SELECT_LONG_OPTIONS \
    {"id", required_argument, NULL, CLI_OPT_SEL_ID}, \
    {"type", required_argument, NULL, CLI_OPT_SEL_TYPE}, \
    {"name", required_argument, NULL, CLI_OPT_SEL_NAME}, \
    {"all", no_argument, NULL, CLI_OPT_SEL_ALL}

#define CLI_SELECT_HELP \
    "selectors (exactly one):\n" \
    "  --id ID        the object with this snapshot id (decimal or 0x hex)\n" \
    "  --type NAME    the instance of NAME with the most typical chain; NAME may\n" \
    "                 omit the module ('Job' for '__main__.Job')\n" \
    "  --all          with --type: every instance, grouped by chain shape\n" \
    "  --name NAME    a module global ('app.cache', or 'cache' if unambiguous)\n" \
    "                 or a named function/class/module\n"

typedef struct cli_selector {
    const char *id;
    const char *type;
    const char *name;
    int all;
} cli_selector;

/* Handle a selector option code: 1 if it was one, 0 if not. */
int cli_select_option(cli_selector *sel, int code, const char *arg);

/* Check the selector syntax; prints a usage error and returns EXIT_USAGE,
 * or returns EXIT_OK. */
int cli_select_check(const char *cmd, const cli_selector *sel);

/* What a selector picked. */
typedef struct cli_selection {
    rg_node target;            /* the chosen object (the first group's representative with --all) */
    char what[512];            /* how it was chosen, for a header line */
    uint32_t type;             /* --type: the type; else UINT32_MAX */
    /* --type only: every instance, grouped by chain shape (rg_paths_group). */
    rg_node *instances;
    size_t n_instances;
    rg_chain_group *groups;
    size_t n_groups;
    rg_node *members;
} cli_selection;

/* Resolve the selector. `paths` is needed for --type (to rank chains).
 * Prints "refgraph <cmd>: ..." on failure and returns EXIT_BAD_INPUT; else
 * EXIT_OK. Free with cli_selection_free. */
int cli_select(const char *cmd, const rg_snapshot *snap, const rg_paths *paths,
               const cli_selector *sel, cli_selection *out);
void cli_selection_free(cli_selection *s);

/* "queue.Queue" + " 'repr or name'" (short), for one line of output. */
void cli_describe_node(const rg_snapshot *snap, rg_node n, char *buf, size_t cap);

#endif
