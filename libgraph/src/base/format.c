/* format.c: byte counts as people read them, the one formatter the report,
 * the diagrams, the diff's messages and the CLI all print with. */
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
