/* fuzz_meliae.c: libFuzzer target for the meliae dump reader (meliae.c). */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader_run(rg_read_meliae, data, size);
    return 0;
}
