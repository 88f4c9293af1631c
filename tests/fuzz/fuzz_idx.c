/* libFuzzer target: the IDX reader (io/idx.h) on any bytes. */
#include "io/idx.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    IdxArray a;
    if (idx_load(path, &a, err, sizeof err) == 0) {
        /* what callers rely on: the sizes agree with the data */
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < a.count * a.item_size; i += 4096) sink ^= a.data[i];
        (void)sink;
        idx_free(&a);
    }
    close(fd);
    return 0;
}
