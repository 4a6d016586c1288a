/* main.c: the refgraph command line. Dispatches to one file per subcommand. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    cli_command_fn fn;
    const char *summary;
} command;

static const command commands[] = {
    {"info", cmd_info, "what a snapshot holds: format, producer, counts, load time"},
    {"types", cmd_types, "objects and bytes per type (like objgraph.show_most_common_types)"},
    {"chain", cmd_chain, "what keeps an object alive: the shortest labelled chain from a root"},
    {"backrefs", cmd_backrefs, "draw the referrers around an object (DOT, SVG, PNG, PDF)"},
    {"refs", cmd_refs, "draw what an object refers to (DOT, SVG, PNG, PDF)"},
    {"suspects", cmd_suspects, "leak suspects: growing groups, their container, cycles, outside refs"},
    {"dominators", cmd_dominators, "the biggest retainers: objects by retained size (dominator tree)"},
    {"diff", cmd_diff, "growth across snapshots or an objgraph log: what grows, where, how fast; CI gate"},
    {"report", cmd_report, "a Markdown + HTML report with diagrams, to attach to a bug ticket"},
    {"attach", cmd_attach, "snapshot a running Python process by its pid (no code change needed)"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: refgraph <command> [options] SNAPSHOT...\n"
            "\n"
            "refgraph answers \"what is keeping these objects alive?\" from a heap snapshot.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Run 'refgraph <command> --help' for a command's options.\n"
            "Exit status: 0 ok, 1 bad input, 2 usage error, 3 a --fail-if-grows gate tripped.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("refgraph %s (library %s)\n", RG_VERSION_STRING, rg_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "refgraph: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
