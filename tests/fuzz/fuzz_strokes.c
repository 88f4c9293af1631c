/* libFuzzer target: the stroke-file reader of `draw --replay` (gui/replay.h). */
#include "gui/replay.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    Replay r;
    if (replay_load(path, &r, err, sizeof err) == 0) replay_free(&r);
    close(fd);
    return 0;
}
