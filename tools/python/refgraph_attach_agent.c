/* refgraph_attach_agent.c: loaded into a running CPython by `refgraph attach`
 * (tools/python/refgraph_attach.py, docs/attach.md).
 *
 * The debugger only calls dlopen() on this library and refgraph_attach_start(),
 * neither of which waits for the GIL, then detaches. The work happens on a new
 * thread that takes the GIL the ordinary way (PyGILState_Ensure), runs one line
 * of Python and gives the GIL back. A debugger that called PyGILState_Ensure
 * itself would have to interrupt it when another thread keeps the GIL, and an
 * interrupted wait corrupts the GIL's condition variable; a thread of our own can
 * wait as long as it takes, and the process never notices the debugger.
 *
 * No Python headers and no libpython link: the three functions are found with
 * dlsym in the process, so one build serves every CPython 3.x. */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*gil_ensure_fn)(void);
typedef void (*gil_release_fn)(int);
typedef int (*run_string_fn)(const char *);
typedef int (*is_initialized_fn)(void);

int refgraph_attach_start(const char *code);

/* 1 while a debugger is attached to this process (TracerPid in /proc/self/status). */
static int traced(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    int pid = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "TracerPid: %d", &pid) == 1)
            break;
    fclose(f);
    return pid != 0;
}

static void *agent_main(void *arg)
{
    char *code = arg;
    /* Start only once the debugger that started us has detached: the Python code
     * loads extension modules, and a dlopen() while the debugger still watches the
     * loader's breakpoint can leave this thread stopped after it goes. Bounded:
     * after 60 s of a tracer (one that never leaves), go anyway. */
    struct timespec tick = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 12000 && traced(); i++)
        nanosleep(&tick, NULL);
    gil_ensure_fn ensure = (gil_ensure_fn)dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    gil_release_fn release = (gil_release_fn)dlsym(RTLD_DEFAULT, "PyGILState_Release");
    run_string_fn run = (run_string_fn)dlsym(RTLD_DEFAULT, "PyRun_SimpleString");
    is_initialized_fn initialized = (is_initialized_fn)dlsym(RTLD_DEFAULT, "Py_IsInitialized");
    if (ensure && release && run && (!initialized || initialized())) {
        int state = ensure();
        run(code);
        release(state);
    }
    free(code);
    return NULL;
}

/* Start the agent thread that runs `code` (copied) under the GIL. Returns 0,
 * or a negative errno. The thread starts with every signal blocked, so that
 * signals meant for the program still go to its own threads. */
__attribute__((visibility("default"))) int refgraph_attach_start(const char *code)
{
    char *copy = strdup(code);
    if (!copy)
        return -12;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, agent_main, copy);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free(copy);
        return -rc;
    }
    return 0;
}
