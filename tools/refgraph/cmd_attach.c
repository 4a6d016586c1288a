/* cmd_attach.c: refgraph attach PID: snapshot a running CPython process that
 * never imported refgraph. A thin wrapper: the debugger dance (sys.remote_exec
 * on 3.14+, lldb or gdb in batch mode before) lives in the Python helper
 * refgraph_attach.py beside the dumper; this finds both and runs the helper.
 * docs/attach.md explains the mechanism, docs/cli.md the exit statuses. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef REFGRAPH_PYTHON_SOURCE_DIR
#define REFGRAPH_PYTHON_SOURCE_DIR ""
#endif
#ifndef REFGRAPH_PYTHON_BUILD_DIR
#define REFGRAPH_PYTHON_BUILD_DIR ""
#endif
#ifndef REFGRAPH_PYTHON_INSTALL_REL
#define REFGRAPH_PYTHON_INSTALL_REL "../share/refgraph/python"
#endif

/* Exit statuses of attach beyond the shared ones (docs/cli.md). */
enum { EXIT_ATTACH_FAILED = 7 };

/* attach's options are parsed by refgraph_attach.py (argparse); this table
 * lists them for the completions, and tests/cli/test_completion.py checks it
 * against --help. */
const struct option cli_attach_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"every", required_argument, NULL, 0},
    {"count", required_argument, NULL, 0},
    {"timeout", required_argument, NULL, 0},
    {"dump-timeout", required_argument, NULL, 0},
    {"debugger", required_argument, NULL, 0},
    {"compress", required_argument, NULL, 0},
    {"collect", no_argument, NULL, 0},
    {"help", no_argument, NULL, 'h'},
    {0, 0, 0, 0},
};

static void help(FILE *out)
{
    fprintf(out,
            "usage: refgraph attach PID [-o DIR] [--every S --count N] [--timeout S]\n"
            "                       [--dump-timeout S] [--debugger auto|lldb|gdb]\n"
            "                       [--compress gz|zst] [--collect]\n"
            "\n"
            "Take a snapshot of a running CPython (3.8 or later) process that never\n"
            "imported refgraph. Snapshots go to DIR/run-<pid>-<UTC start>/snap-NNNN-….jsonl,\n"
            "so 'refgraph report DIR' or 'refgraph suspects DIR' read them directly.\n"
            "CPython 3.14+ is entered with sys.remote_exec; older versions through lldb\n"
            "(or gdb) in batch mode, which needs ptrace permission on the process.\n"
            "\n"
            "  -o DIR            where the run directory goes (default ./refgraph-snapshots)\n"
            "  --every S --count N  N snapshots, S seconds apart (default: one)\n"
            "  --timeout S       how long the target's interpreter may take to run the\n"
            "                    injected code (default 10); then attach gives up (exit 6)\n"
            "  --dump-timeout S  how long one snapshot may take (default 600)\n"
            "  --debugger NAME   lldb, gdb, or auto: lldb, then gdb (default auto)\n"
            "  --compress gz|zst compress the snapshots\n"
            "  --collect         run gc.collect() in the target first\n"
            "\n"
            "Environment: REFGRAPH_PYTHON_DIR (where refgraph_dump.py and\n"
            "refgraph_attach.py are), REFGRAPH_PYTHON (the python3 that runs the helper).\n"
            "Exit status: 0 written, 1 DIR cannot be made, 2 usage, 4 no such process or\n"
            "not CPython, 5 not permitted (ptrace refused), 6 timed out (the interpreter\n"
            "did not run the injected code), 7 no usable debugger, or the dump failed.\n");
}

static int has_helper(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/refgraph_attach.py", dir);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where refgraph_attach.py is: $REFGRAPH_PYTHON_DIR, the install beside this
 * binary (BINDIR/../share/refgraph/python), or the source tree it was built
 * from. Fills `dir`; 0 when found. */
static int find_python_dir(char *dir, size_t cap)
{
    const char *env = getenv("REFGRAPH_PYTHON_DIR");
    if (env && *env) {
        snprintf(dir, cap, "%s", env);
        return has_helper(dir) ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int w = snprintf(dir, cap, "%s/%s", exe, REFGRAPH_PYTHON_INSTALL_REL);
            if (w > 0 && (size_t)w < cap && has_helper(dir))
                return 0;
        }
    }
    snprintf(dir, cap, "%s", REFGRAPH_PYTHON_SOURCE_DIR);
    return dir[0] && has_helper(dir) ? 0 : -1;
}

int cmd_attach(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return EXIT_OK;
        }
    }
    if (argc < 2)
        return cli_usage_error("attach", "no PID given");

    char pydir[PATH_MAX];
    if (find_python_dir(pydir, sizeof pydir) != 0) {
        fprintf(stderr, "refgraph attach: cannot find refgraph_attach.py (looked in %s); "
                        "set REFGRAPH_PYTHON_DIR to the directory holding it\n", pydir);
        return EXIT_ATTACH_FAILED;
    }
    char helper[PATH_MAX + 32];
    snprintf(helper, sizeof helper, "%s/refgraph_attach.py", pydir);
    const char *python = getenv("REFGRAPH_PYTHON");
    if (!python || !*python)
        python = "python3";

    /* python3 -I helper [--python-path BUILD/python] ARGS...: -I so that the
     * user's PYTHONPATH cannot replace the helper's modules. A build tree keeps
     * the agent and the C accelerator apart from the sources; the helper looks
     * beside itself first. */
    const char *accel = REFGRAPH_PYTHON_BUILD_DIR;
    struct stat st;
    int with_accel = accel[0] && strcmp(pydir, accel) != 0 && stat(accel, &st) == 0 &&
                     S_ISDIR(st.st_mode);
    char **args = calloc((size_t)argc + 6, sizeof *args);
    if (!args) {
        fprintf(stderr, "refgraph attach: out of memory\n");
        return EXIT_ATTACH_FAILED;
    }
    size_t k = 0;
    args[k++] = (char *)python;
    args[k++] = "-I";
    args[k++] = helper;
    if (with_accel) {
        args[k++] = "--python-path";
        args[k++] = (char *)accel;
    }
    for (int i = 1; i < argc; i++)
        args[k++] = argv[i];
    args[k] = NULL;

    fflush(stdout);
    fflush(stderr);
    pid_t child;
    int err = posix_spawnp(&child, python, NULL, NULL, args, environ);
    free(args);
    if (err) {
        fprintf(stderr, "refgraph attach: cannot run %s: %s (set REFGRAPH_PYTHON to a python3)\n",
                python, strerror(err));
        return EXIT_ATTACH_FAILED;
    }
    /* The helper bounds every wait on the target (--timeout, --dump-timeout)
     * and kills its debugger when one runs out, so waiting here cannot hang. */
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "refgraph attach: waitpid: %s\n", strerror(errno));
            return EXIT_ATTACH_FAILED;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fprintf(stderr, "refgraph attach: the helper %s was killed by signal %d\n", helper,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return EXIT_ATTACH_FAILED;
}
