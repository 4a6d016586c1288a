/* main.c: the refgraph command line. Dispatches to one file per subcommand. */
#define _GNU_SOURCE /* fopencookie */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
            "Run 'refgraph help <command>' or 'refgraph <command> --help' for a command's options.\n"
            "Exit status: 0 ok, 1 bad input, 2 usage error, 3 a --fail-if-grows gate tripped.\n");
}

/* A standard descriptor that was closed before we started gets /dev/null
 * opened read-only in its place: writes to it then fail (and are reported)
 * instead of landing in whatever file the program opens next, which would
 * take the lowest free descriptor. */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", O_RDONLY);
        if (got >= 0 && got != fd) /* a lower one was closed too and took it */
            close(got);
    }
}

/* stdout goes through a stream of our own over fd 1 that remembers why the
 * first write failed: commands flush at various points, and by the time
 * main() looks, stdio has kept only the error flag, not errno. */
static int stdout_errno;

static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(STDOUT_FILENO, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!stdout_errno)
                stdout_errno = w < 0 ? errno : EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return (ssize_t)len;
}

static int stdout_close(void *cookie)
{
    (void)cookie;
    if (close(STDOUT_FILENO) != 0 && errno != EINTR) {
        if (!stdout_errno)
            stdout_errno = errno;
        return -1;
    }
    return 0;
}

static void checked_stdout(void)
{
    cookie_io_functions_t io = {.read = NULL, .write = stdout_write, .seek = NULL, .close = stdout_close};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f)
        return; /* keep glibc's stdout; finish_stdout still sees its errors */
    setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
    fflush(stdout);
    stdout = f;
}

/* Everything a command prints goes through stdout's buffer; much of it is
 * written only here, when the buffer is flushed. So the output is known to
 * be complete only after fflush and fclose succeed (as coreutils'
 * close_stdout checks): a full disk or a closed stdout is an error, with a
 * message and a non-zero exit, never a silent empty file. */
static int finish_stdout(int status)
{
    int bad = ferror(stdout);
    if (fflush(stdout) != 0) {
        bad = 1;
        if (!stdout_errno)
            stdout_errno = errno;
    }
    if (fclose(stdout) != 0) {
        bad = 1;
        if (!stdout_errno)
            stdout_errno = errno;
    }
    if (!bad)
        return status;
    fprintf(stderr, "refgraph: cannot write the output to stdout: %s\n",
            strerror(stdout_errno ? stdout_errno : EIO));
    return status == EXIT_OK ? EXIT_BAD_INPUT : status;
}

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const char *cli_command_summary(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].summary;
    return "";
}

/* "refgraph: unknown command 'sugpects'; did you mean 'suspects'?" */
static int unknown_command(const char *cmd)
{
    const char *names[N_COMMANDS + 2];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    names[N_COMMANDS] = "help";
    names[N_COMMANDS + 1] = "version";
    char dym[256];
    cli_did_you_mean(dym, sizeof dym, "", cmd, names, N_COMMANDS + 2);
    fprintf(stderr, "refgraph: unknown command '%s'%s\n(see 'refgraph --help' for the commands)\n",
            cli_term(cmd), dym);
    return EXIT_USAGE;
}

static int run_command(const char *cmd, int argc, char **argv)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc, argv);
    return unknown_command(cmd);
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 && argc > 2) {
        /* refgraph help CMD: the same as refgraph CMD --help. */
        char *help_argv[] = {argv[2], "--help", NULL};
        return run_command(argv[2], 2, help_argv);
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--completion") == 0) /* hidden: the build writes the scripts */
        return cli_completion(argc > 2 ? argv[2] : NULL);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("refgraph %s (library %s)\n", RG_VERSION_STRING, rg_version());
        return EXIT_OK;
    }
    return run_command(cmd, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    guard_std_fds();
    opterr = 0; /* the commands say what was wrong, with a "did you mean" */
    checked_stdout();
    return finish_stdout(dispatch(argc, argv));
}
