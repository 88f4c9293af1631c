/* io/path.h: the names of the files that go with a checkpoint. */
#include "io/path.h"
#include "tests/check.h"

#include <string.h>

static void hdf5_suffixes(void)
{
    char b[64];
    CHECK(path_with_suffix("runs/model.h5", path_hdf5_exts, "-training", b, sizeof b) == 0 &&
              !strcmp(b, "runs/model-training"), "%s", b);
    CHECK(path_with_suffix("runs/model.h5", path_hdf5_exts, "-metrics.h5", b, sizeof b) == 0 &&
              !strcmp(b, "runs/model-metrics.h5"), "%s", b);
    CHECK(path_with_suffix("a.hdf5", path_hdf5_exts, "-training", b, sizeof b) == 0 &&
              !strcmp(b, "a-training"), "%s", b);
    CHECK(path_with_suffix("A.H5", path_hdf5_exts, "-x", b, sizeof b) == 0 && !strcmp(b, "A-x"), "%s", b);
    CHECK(path_with_suffix("run", path_hdf5_exts, "-training", b, sizeof b) == 0 &&
              !strcmp(b, "run-training"), "%s", b);
    CHECK(path_with_suffix("a.b/run", path_hdf5_exts, "-metrics.h5", b, sizeof b) == 0 &&
              !strcmp(b, "a.b/run-metrics.h5"), "%s", b);
    /* a name that is only an extension keeps it */
    CHECK(path_with_suffix("d/.h5", path_hdf5_exts, "-training", b, sizeof b) == 0 &&
              !strcmp(b, "d/.h5-training"), "%s", b);
    CHECK(path_with_suffix(".h5", path_hdf5_exts, "-x", b, sizeof b) == 0 && !strcmp(b, ".h5-x"), "%s", b);
}

static void picture_suffixes(void)
{
    char b[64];
    CHECK(path_with_suffix("g.png", path_picture_exts, "", b, sizeof b) == 0 && !strcmp(b, "g"), "%s", b);
    CHECK(path_with_suffix("g.svg", path_picture_exts, "", b, sizeof b) == 0 && !strcmp(b, "g"), "%s", b);
    CHECK(path_with_suffix("g.pdf", path_picture_exts, "", b, sizeof b) == 0 && !strcmp(b, "g.pdf"), "%s", b);
}

static void too_long(void)
{
    char b[64];
    CHECK(path_with_suffix("0123456789012345678901234567890123456789012345678901234567890.h5",
                           path_hdf5_exts, "-training", b, sizeof b) == -1, "too long accepted");
    CHECK(path_with_suffix("runs/model.h5", path_hdf5_exts, "-metrics.h5", b, 8) == -1,
          "too small a buffer accepted");
}

int main(void)
{
    RUN(hdf5_suffixes);
    RUN(picture_suffixes);
    RUN(too_long);
    return check_done();
}
