/* fuzz_v8.c: libFuzzer target for the V8 .heapsnapshot reader (v8.c).
 *
 * Differential: besides the usual run (a graph it accepts is queried
 * everywhere), every input is loaded by the fast reader and by the yajl
 * reference (v8_reference.c); they must build the same graph or refuse
 * with the same error code. A disagreement is a finding. */
#include "fuzz_reader.h"
#include "v8_differential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader_run(rg_read_v8, data, size);
    if (v8_differ(data, size, "fuzz", 1))
        abort();
    return 0;
}
