/* fuzz_objgraph_log.c: libFuzzer target for the objgraph log parser
 * (objgraph_log.c). A log it accepts is a series: the growth analysis then
 * runs over it, as `refgraph diff` does. */
#include "refgraph.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)rg_objgraph_log_detect(data, size);
    rg_summary **sums;
    uint32_t n;
    if (rg_objgraph_log_open_memory(data, size, "fuzz", &sums, &n) != RG_OK) {
        if (rg_last_error()[0] == '\0')
            abort(); /* an error always says what went wrong */
        return 0;
    }
    if (n == 0)
        abort(); /* documented: RG_EFORMAT when the text holds no block */
    for (uint32_t i = 0; i < n; i++) {
        const rg_summary_info *info = rg_summary_info_get(sums[i]);
        uint64_t total = 0;
        for (uint32_t t = 0; t < info->types; t++) {
            rg_type_stat st;
            rg_summary_type_get(sums[i], t, &st);
            if (!st.name)
                abort();
            total += st.count;
        }
        if (total != info->objects)
            abort(); /* a log's objects are the sum of its listed counts */
    }
    rg_diff_options o;
    rg_diff_options_init(&o);
    rg_diff *d;
    if (rg_diff_compute(sums, n, &o, &d) == RG_OK) {
        for (uint32_t i = 0; i < rg_diff_warning_count(d); i++)
            (void)rg_diff_warning_get(d, i);
        rg_diff_free(d);
    }
    for (uint32_t i = 0; i < n; i++)
        rg_summary_free(sums[i]);
    rg_free(sums);
    return 0;
}
