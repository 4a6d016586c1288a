/*
 * run.c: the five analyses of suspects and the report, on two threads.
 *
 * Dominators take about half of their time and need nothing but the graph;
 * paths need nothing but the graph either, and the groups' assignment needs
 * only the paths. So the dominators run on a helper thread while this one
 * computes the paths and assigns the groups; then, with both known, the
 * helper finds the objects held from outside while this one tallies the
 * groups (their retained sizes need the dominators) and finds the cycles:
 * the two halves take about as long as each other. Each analysis reads the snapshot only (no lazy state in it), and
 * each result is the same as computed alone: only the wall time changes.
 * Where there is one core, or no thread can be had, the same order runs on
 * the calling thread.
 */
#include "run.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Work of the helper thread, and its error text: rg_last_error() is
 * per-thread, so a failure there is repeated on the caller's thread. */
typedef struct helper {
    const rg_snapshot *s;
    rg_analyses *a;
    int stage;      /* 1: dominators; 2: held from outside */
    int rc;
    char error[1024];
} helper;

static void run_stage(helper *h)
{
    rg_analyses *a = h->a;
    if (h->stage == 1)
        h->rc = rg_dominators_compute(h->s, &a->dom);
    else
        h->rc = rg_outside_compute(h->s, a->dom, NULL, &a->outside);
    if (h->rc != RG_OK)
        snprintf(h->error, sizeof h->error, "%s", rg_last_error());
}

static void *helper_main(void *arg)
{
    run_stage(arg);
    return NULL;
}

static int two_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1;
}

/* Run stage `stage` of the helper beside `mine` (run on this thread). */
static int beside(helper *h, int stage, int (*mine)(const rg_snapshot *, const rg_path_options *, rg_analyses *),
                  const rg_path_options *po)
{
    h->stage = stage;
    h->rc = RG_OK;
    h->error[0] = '\0';
    pthread_t t;
    int threaded = two_cores() && pthread_create(&t, NULL, helper_main, h) == 0;
    int rc = mine(h->s, po, h->a);
    char mine_error[1024];
    if (rc != RG_OK)
        snprintf(mine_error, sizeof mine_error, "%s", rg_last_error());
    if (threaded)
        pthread_join(t, NULL);
    else if (rc == RG_OK)
        run_stage(h);
    if (rc != RG_OK)
        return rg_fail(rc, "%s", mine_error);
    if (h->rc != RG_OK)
        return rg_fail(h->rc, "%s", h->error);
    return RG_OK;
}

static int paths_stage(const rg_snapshot *s, const rg_path_options *po, rg_analyses *a)
{
    int rc = rg_paths_compute(s, po, &a->paths);
    return rc == RG_OK ? rg_groups_assign(s, a->paths, &a->groups) : rc;
}

static int groups_stage(const rg_snapshot *s, const rg_path_options *po, rg_analyses *a)
{
    (void)po;
    rg_groups_tally(a->groups, a->paths, a->dom);
    return rg_cycles_compute(s, a->dom, &a->cycles);
}

int rg_analyses_run(const rg_snapshot *s, const rg_path_options *paths_opts, rg_analyses *out)
{
    memset(out, 0, sizeof *out);
    helper h = {.s = s, .a = out};
    int rc = beside(&h, 1, paths_stage, paths_opts);
    if (rc == RG_OK)
        rc = beside(&h, 2, groups_stage, paths_opts);
    if (rc != RG_OK)
        rg_analyses_free(out);
    return rc;
}

void rg_analyses_free(rg_analyses *a)
{
    rg_paths_free(a->paths);
    rg_dominators_free(a->dom);
    rg_groups_free(a->groups);
    rg_cycles_free(a->cycles);
    rg_outside_free(a->outside);
    memset(a, 0, sizeof *a);
}
