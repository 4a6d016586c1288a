/* error.c: the thread-local last-error text behind rg_last_error(). */
#include "base.h"

#include <stdio.h>
#include <string.h>

/* Thread-local so that distinct handles on distinct threads do not trample
 * each other's messages, as in libgit2. */
static _Thread_local char last_error[1024];
static _Thread_local int last_code;

const char *rg_last_error(void) { return last_error; }
int rg_last_error_code(void) { return last_code; }

void rg_clear_error(void)
{
    last_error[0] = '\0';
    last_code = RG_OK;
}

int rg_vfail(int code, const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    last_code = code;
    return code;
}

int rg_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

int rg_options_version(unsigned int version, unsigned int known, const char *what)
{
    if (version == known)
        return RG_OK;
    return rg_fail(RG_EINVAL, "%s: version %u is not one librefgraph %s knows (it knows %u); "
                   "start from the _OPTIONS_INIT macro or _options_init()",
                   what, version, RG_VERSION_STRING, known);
}

void rg_error_prefix(const char *fmt, ...)
{
    char prefix[512], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof last_error - 3)
        n = sizeof last_error - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    size_t room = sizeof last_error - n - 3;
    size_t m = strlen(old);
    if (m > room)
        m = room;
    memcpy(last_error + n + 2, old, m);
    last_error[n + 2 + m] = '\0';
}

const char *rg_version(void) { return RG_VERSION_STRING; }
