/* cli_color.c: colour for the headings and verdicts of the text output, on
 * a terminal only (never in a pipe or file), off with NO_COLOR (any
 * non-empty value, no-color.org) or --color=never; --color=always forces it,
 * as an explicit option overrides the environment there. And a progress
 * line on stderr while a snapshot loads, on a terminal only. */
#include "cli.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int color_mode = CLI_COLOR_AUTO;

int cli_color_parse(const char *arg)
{
    if (strcmp(arg, "auto") == 0)
        color_mode = CLI_COLOR_AUTO;
    else if (strcmp(arg, "always") == 0)
        color_mode = CLI_COLOR_ALWAYS;
    else if (strcmp(arg, "never") == 0)
        color_mode = CLI_COLOR_NEVER;
    else
        return -1;
    return 0;
}

static int color_on(void)
{
    static int decided = -1;
    if (color_mode == CLI_COLOR_ALWAYS)
        return 1;
    if (color_mode == CLI_COLOR_NEVER)
        return 0;
    if (decided < 0) {
        const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
        decided = isatty(STDOUT_FILENO) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
    }
    return decided;
}

const char *cli_color(int what)
{
    if (!color_on())
        return "";
    switch (what) {
    case CLI_C_HEAD: return "\033[1m";
    case CLI_C_BAD: return "\033[1;31m";
    case CLI_C_WARN: return "\033[1;33m";
    case CLI_C_GOOD: return "\033[32m";
    default: return "\033[0m";
    }
}

const char *cli_color_level(int level)
{
    return cli_color(level == RG_LEVEL_LEAK ? CLI_C_BAD : level == RG_LEVEL_POSSIBLE_LEAK ? CLI_C_WARN : CLI_C_GOOD);
}

/* ------------------------------------------------------------ progress */

/* A thread that, after a delay (about a second; REFGRAPH_PROGRESS_DELAY_MS
 * overrides it, for tests), rewrites one line on stderr with the seconds
 * spent, until the load ends; then the line is erased. */
typedef struct progress {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, shown, running;
    char what[200];
} progress;

static progress prog = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *progress_main(void *arg)
{
    long delay_ms = (long)(intptr_t)arg, elapsed_ms = delay_ms;
    struct timespec ts;
    pthread_mutex_lock(&prog.mu);
    deadline_in(&ts, delay_ms);
    while (!prog.done) {
        if (pthread_cond_timedwait(&prog.cv, &prog.mu, &ts) == 0)
            continue; /* woken: done, or spurious */
        if (prog.done)
            break;
        fprintf(stderr, "\r\033[Krefgraph: %s (%ld s)", prog.what, elapsed_ms / 1000);
        fflush(stderr);
        prog.shown = 1;
        elapsed_ms += 500;
        deadline_in(&ts, 500);
    }
    pthread_mutex_unlock(&prog.mu);
    return NULL;
}

void cli_progress_begin(const char *what)
{
    if (!isatty(STDERR_FILENO) || prog.running)
        return;
    long delay_ms = 1000;
    const char *env = getenv("REFGRAPH_PROGRESS_DELAY_MS");
    if (env && *env)
        delay_ms = strtol(env, NULL, 10);
    if (delay_ms < 0)
        delay_ms = 0;
    snprintf(prog.what, sizeof prog.what, "%s", cli_term(what));
    prog.done = prog.shown = 0;
    if (delay_ms == 0) {
        /* No delay: the line is there before the load starts, whatever the
         * scheduler does (the tests rely on it). */
        fprintf(stderr, "\r\033[Krefgraph: %s (0 s)", prog.what);
        fflush(stderr);
        prog.shown = 1;
        delay_ms = 500;
    }
    if (pthread_create(&prog.thread, NULL, progress_main, (void *)(intptr_t)delay_ms) == 0)
        prog.running = 1;
}

void cli_progress_end(void)
{
    if (!prog.running)
        return;
    pthread_mutex_lock(&prog.mu);
    prog.done = 1;
    pthread_cond_signal(&prog.cv);
    pthread_mutex_unlock(&prog.mu);
    pthread_join(prog.thread, NULL);
    prog.running = 0;
    if (prog.shown) {
        fprintf(stderr, "\r\033[K"); /* erase the line */
        fflush(stderr);
    }
}
