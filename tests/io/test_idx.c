/* IDX reader and Dataset loader against fixtures written here: a good pair, then one defect per
 * case, each checked for the error and for the message naming the file and the problem. */
#include "io/idx.h"
#include "tests/check.h"
#include "tests/tmpdir.h"

#include <string.h>

/* IDX file with dims[0..ndim); data bytes are i*7 mod 256 (or the given labels), plus `extra`
 * trailing bytes, minus `cut` bytes from the end. */
static int write_idx(const char *path, int ndim, const int *dims, const uint8_t *data, size_t extra,
                     size_t cut)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)dims[i];
    size_t len = 4 + 4 * (size_t)ndim + n + extra;
    uint8_t *b = calloc(len, 1);
    b[2] = 0x08;
    b[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        uint32_t d = (uint32_t)dims[i];
        b[4 + 4 * i] = (uint8_t)(d >> 24);
        b[5 + 4 * i] = (uint8_t)(d >> 16);
        b[6 + 4 * i] = (uint8_t)(d >> 8);
        b[7 + 4 * i] = (uint8_t)d;
    }
    for (size_t i = 0; i < n; i++) b[4 + 4 * ndim + i] = data ? data[i] : (uint8_t)(i * 7);
    int rc = tmp_write(path, b, len - cut);
    free(b);
    return rc;
}

static const uint8_t labels5[5] = {3, 1, 4, 1, 5};

/* "train" pair of 5 images of 4x3 in directory tmp. */
static void write_good_pair(void)
{
    int idims[3] = {5, 4, 3}, ldims[1] = {5};
    write_idx(tmp_path("train-images-idx3-ubyte"), 3, idims, NULL, 0, 0);
    write_idx(tmp_path("train-labels-idx1-ubyte"), 1, ldims, labels5, 0, 0);
}

static void idx_good_file(void)
{
    int dims[3] = {5, 4, 3};
    write_idx(tmp_path("good.idx"), 3, dims, NULL, 0, 0);
    IdxArray a;
    char err[512] = "";
    CHECK(idx_load(tmp_path("good.idx"), &a, err, sizeof err) == 0, "%s", err);
    CHECK(a.ndim == 3 && a.dims[0] == 5 && a.dims[1] == 4 && a.dims[2] == 3, "dims %d %d %d %d", a.ndim,
          a.dims[0], a.dims[1], a.dims[2]);
    CHECK(a.dims[3] == 0, "unused dim %d", a.dims[3]);
    CHECK(a.count == 5 && a.item_size == 12, "count %zu item %zu", a.count, a.item_size);
    int same = a.data != NULL;
    for (size_t i = 0; same && i < 60; i++) same = a.data[i] == (uint8_t)(i * 7);
    CHECK(same, "pixel data differs from what was written");
    idx_free(&a);
    CHECK(a.data == NULL, "idx_free leaves data");
}

static void idx_four_dims(void)
{
    int dims[4] = {2, 3, 4, 5};
    write_idx(tmp_path("four.idx"), 4, dims, NULL, 0, 0);
    IdxArray a;
    char err[512] = "";
    CHECK(idx_load(tmp_path("four.idx"), &a, err, sizeof err) == 0, "%s", err);
    CHECK(a.ndim == 4 && a.count == 2 && a.item_size == 60, "ndim %d count %zu item %zu", a.ndim, a.count,
          a.item_size);
    idx_free(&a);
}

/* Expect idx_load(path) to fail with a message containing the path and every needle. */
static void expect_idx_error(const char *path, const char *needle1, const char *needle2)
{
    IdxArray a;
    char err[512] = "";
    CHECK(idx_load(path, &a, err, sizeof err) == -1, "loaded a bad file %s", path);
    printf("# %s\n", err);
    CHECK(strstr(err, path) != NULL, "message does not name the file: %s", err);
    CHECK(strstr(err, needle1) != NULL, "message lacks '%s': %s", needle1, err);
    if (needle2) CHECK(strstr(err, needle2) != NULL, "message lacks '%s': %s", needle2, err);
    CHECK(a.data == NULL, "data left allocated after an error");
}

static void idx_missing_file(void) { expect_idx_error(tmp_path("does-not-exist"), "cannot open", "No such file"); }

static void idx_truncated_header(void)
{
    const uint8_t two[2] = {0, 0};
    tmp_write(tmp_path("short2"), two, 2);
    expect_idx_error(tmp_path("short2"), "truncated header", NULL);
    /* magic says 3 dims but only one dimension follows */
    const uint8_t partial[8] = {0, 0, 8, 3, 0, 0, 0, 5};
    tmp_write(tmp_path("short8"), partial, 8);
    expect_idx_error(tmp_path("short8"), "truncated header", "3 dimensions");
}

static void idx_wrong_magic(void)
{
    const uint8_t png[16] = {0x89, 'P', 'N', 'G', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    tmp_write(tmp_path("notidx"), png, sizeof png);
    expect_idx_error(tmp_path("notidx"), "not an IDX file", NULL);
    const uint8_t floats[12] = {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    tmp_write(tmp_path("floatidx"), floats, sizeof floats);
    expect_idx_error(tmp_path("floatidx"), "0x0d", "not supported");
    const uint8_t dims0[5] = {0, 0, 8, 0, 0};
    tmp_write(tmp_path("dims0"), dims0, sizeof dims0);
    expect_idx_error(tmp_path("dims0"), "0 dimensions", NULL);
    const uint8_t dims5[5] = {0, 0, 8, 5, 0};
    tmp_write(tmp_path("dims5"), dims5, sizeof dims5);
    expect_idx_error(tmp_path("dims5"), "5 dimensions", NULL);
}

static void idx_zero_and_absurd_dims(void)
{
    int zero[2] = {4, 0};
    write_idx(tmp_path("zero.idx"), 2, zero, NULL, 0, 0);
    expect_idx_error(tmp_path("zero.idx"), "dimension 1", "is 0");
    /* 0x7fffffff^4 overflows 64 bits: must be reported, not wrapped around. */
    const uint8_t huge[20] = {0, 0, 8, 4, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff,
                              0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff};
    tmp_write(tmp_path("huge.idx"), huge, sizeof huge);
    expect_idx_error(tmp_path("huge.idx"), "absurd", NULL);
    const uint8_t neg[8] = {0, 0, 8, 1, 0x80, 0, 0, 0};
    tmp_write(tmp_path("neg.idx"), neg, sizeof neg);
    expect_idx_error(tmp_path("neg.idx"), "absurd", NULL);
}

static void idx_header_claims_more(void)
{
    int dims[3] = {10, 28, 28};
    write_idx(tmp_path("short.idx"), 3, dims, NULL, 0, 28 * 28 * 3 + 5);
    /* 10 images of 784 bytes claimed; 7 images minus 5 bytes present */
    expect_idx_error(tmp_path("short.idx"), "header claims 10 items of 28x28 (7840 bytes)",
                     "holds only 5483 bytes");
}

static void idx_trailing_bytes(void)
{
    int dims[1] = {6};
    write_idx(tmp_path("trail.idx"), 1, dims, NULL, 3, 0);
    expect_idx_error(tmp_path("trail.idx"), "3 extra bytes", NULL);
}

static void dataset_good(void)
{
    write_good_pair();
    Dataset d;
    char err[512] = "";
    CHECK(dataset_load(tmp_dir_, "train", &d, err, sizeof err) == 0, "%s", err);
    CHECK(d.n == 5 && d.rows == 4 && d.cols == 3, "n %d rows %d cols %d", d.n, d.rows, d.cols);
    CHECK(d.labels.data && memcmp(d.labels.data, labels5, 5) == 0, "labels differ");
    CHECK(d.images.data && d.images.data[13] == (uint8_t)(13 * 7), "pixel 13 differs");
    dataset_free(&d);
    CHECK(d.images.data == NULL && d.labels.data == NULL && d.n == 0, "dataset_free leaves data");
}

static void expect_dataset_error(const char *needle1, const char *needle2)
{
    Dataset d;
    char err[512] = "";
    CHECK(dataset_load(tmp_dir_, "train", &d, err, sizeof err) == -1, "loaded a bad data set");
    printf("# %s\n", err);
    CHECK(strstr(err, needle1) != NULL, "message lacks '%s': %s", needle1, err);
    if (needle2) CHECK(strstr(err, needle2) != NULL, "message lacks '%s': %s", needle2, err);
    CHECK(d.images.data == NULL && d.labels.data == NULL, "data left allocated after an error");
}

static void dataset_count_mismatch(void)
{
    write_good_pair();
    int ldims[1] = {4};
    write_idx(tmp_path("train-labels-idx1-ubyte"), 1, ldims, labels5, 0, 0);
    expect_dataset_error("holds 4 labels", "holds 5 images");
}

static void dataset_label_out_of_range(void)
{
    write_good_pair();
    const uint8_t bad[5] = {3, 1, 4, 10, 5};
    int ldims[1] = {5};
    write_idx(tmp_path("train-labels-idx1-ubyte"), 1, ldims, bad, 0, 0);
    expect_dataset_error("label 3 is 10", "train-labels-idx1-ubyte");
}

static void dataset_wrong_rank(void)
{
    write_good_pair();
    int idims[2] = {5, 12};
    write_idx(tmp_path("train-images-idx3-ubyte"), 2, idims, NULL, 0, 0);
    expect_dataset_error("images must be 3-D", "5x12");
    write_good_pair();
    int ldims[2] = {5, 1};
    write_idx(tmp_path("train-labels-idx1-ubyte"), 2, ldims, labels5, 0, 0);
    expect_dataset_error("labels must be 1-D", "5x1");
}

static void dataset_missing_labels(void)
{
    write_good_pair();
    unlink(tmp_path("train-labels-idx1-ubyte"));
    expect_dataset_error("train-labels-idx1-ubyte: cannot open", NULL);
}

int main(void)
{
    tmp_setup("idx");
    RUN(idx_good_file);
    RUN(idx_four_dims);
    RUN(idx_missing_file);
    RUN(idx_truncated_header);
    RUN(idx_wrong_magic);
    RUN(idx_zero_and_absurd_dims);
    RUN(idx_header_claims_more);
    RUN(idx_trailing_bytes);
    RUN(dataset_good);
    RUN(dataset_count_mismatch);
    RUN(dataset_label_out_of_range);
    RUN(dataset_wrong_rank);
    RUN(dataset_missing_labels);
    tmp_cleanup();
    return check_done();
}
