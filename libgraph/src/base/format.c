/* format.c: counts and byte sizes as people read them, the one formatter
 * the report, the diagrams, the diff's messages and the CLI all print with. */
#include "base.h"

#include <math.h>
#include <stdio.h>

const char *rg_format_bytes(char *buf, size_t cap, double bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    if (!buf || cap == 0)
        return "";
    const char *sign = bytes < 0 ? "-" : "";
    double v = fabs(bytes);
    if (v >= 999.5) {
        /* Round before choosing the unit, so 999,960 bytes reads "1.00 MB",
         * never "1000 kB", and 9,996 bytes "10.0 kB", never "10.00 kB". */
        int u = 0;
        do {
            v /= 1000;
            u++;
        } while (v >= 999.95 && u < 6);
        snprintf(buf, cap, "%s%.*f %s", sign, v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, units[u]);
    } else {
        snprintf(buf, cap, "%s%.0f B", sign, v);
    }
    return buf;
}

const char *rg_format_count(char *buf, size_t cap, uint64_t n)
{
    if (!buf || cap == 0)
        return "";
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
    size_t w = 0;
    for (int i = 0; i < len && w + 1 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            if (w + 2 >= cap)
                break;
            buf[w++] = ',';
        }
        buf[w++] = tmp[i];
    }
    buf[w] = '\0';
    return buf;
}

const char *rg_format_signed_count(char *buf, size_t cap, int64_t n)
{
    char tmp[40];
    rg_format_count(tmp, sizeof tmp, n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n);
    snprintf(buf, cap, "%s%s", n < 0 ? "-" : "+", tmp);
    return buf;
}
