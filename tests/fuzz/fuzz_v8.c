/* fuzz_v8.c: libFuzzer target for the V8 .heapsnapshot reader (v8.c). */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader_run(rg_read_v8, data, size);
    return 0;
}
