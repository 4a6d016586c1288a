/*
 * gv_lock.c: the one place that owns Graphviz's process-wide state.
 *
 * libcgraph and libgvc keep globals (the error handler and its buffer, the
 * plugin registry, layout scratch state), so the library serialises every
 * Graphviz call behind one mutex and keeps one GVC context for the life of
 * the process. Graphviz's messages go to a buffer here instead of stderr,
 * because the library never prints.
 */
#include "diagram_impl.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <pthread.h>
#include <string.h>

static pthread_mutex_t gv_mutex = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gv_context;
static char gv_msgs[2048];
static size_t gv_msgs_len;

static int capture(char *msg)
{
    size_t n = strlen(msg);
    if (gv_msgs_len + n >= sizeof gv_msgs)
        n = sizeof gv_msgs - 1 - gv_msgs_len;
    memcpy(gv_msgs + gv_msgs_len, msg, n);
    gv_msgs_len += n;
    gv_msgs[gv_msgs_len] = '\0';
    return 0;
}

GVC_t *rg_gv_lock(void)
{
    pthread_mutex_lock(&gv_mutex);
    gv_msgs_len = 0;
    gv_msgs[0] = '\0';
    agseterrf(capture);
    agreseterrors();
    if (!gv_context) {
        gv_context = gvContext();
        if (!gv_context) {
            pthread_mutex_unlock(&gv_mutex);
            rg_fail(RG_ERENDER, "Graphviz: cannot create a context");
            return NULL;
        }
    }
    return gv_context;
}

void rg_gv_unlock(void) { pthread_mutex_unlock(&gv_mutex); }

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only: leaks inside Graphviz and its dependencies, which
 * LeakSanitizer would otherwise report in every program that renders.
 * fontconfig (loaded by the pango plugin to measure and draw text) keeps its
 * font caches until exit; Graphviz 2.43's dot layout loses about 180 bytes
 * per reversed or non-constraint edge in each layout (gmalloc'd in libgvc,
 * never freed by gvFreeLayout). Neither is ours to fix; our own allocations
 * never go through Graphviz's allocator, so nothing of ours is hidden.
 * Weak, so a program's own suppression list takes precedence. */
const char *__lsan_default_suppressions(void) __attribute__((weak, visibility("default")));
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libgvc.so\nleak:libgvplugin_dot_layout.so\n";
}
#endif

const char *rg_gv_messages(void)
{
    /* Drop the trailing newline Graphviz puts on each message. */
    while (gv_msgs_len && (gv_msgs[gv_msgs_len - 1] == '\n' || gv_msgs[gv_msgs_len - 1] == ' '))
        gv_msgs[--gv_msgs_len] = '\0';
    return gv_msgs;
}
