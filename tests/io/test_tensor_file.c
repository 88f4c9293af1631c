/* io/tensor_file.h on lists made here, knowing no model: every element type and shape round trips
 * bit for bit, tables grow back into arrays, the same list gives the same bytes, and a file that
 * does not match the list is refused with a message naming the file and the item, leaving the
 * described memory untouched. */
#include "io/seal.h"
#include "io/tensor_file.h"
#include "tests/check.h"
#include "tests/tmpdir.h"

#include <hdf5.h>
#include <math.h>

typedef struct {
    int32_t id;
    float value;
    int64_t big;
} Row;

static const RecordField row_fields[] = {
    {"id", offsetof(Row, id), ELEM_I32, 0},
    {"value", offsetof(Row, value), ELEM_F32, 0},
    {"big", offsetof(Row, big), ELEM_I64, 0},
};
static const RecordTable row_table = {row_fields, 3, sizeof(Row), 16, 100};

/* The memory a list describes. */
typedef struct {
    float w[2][3];
    float b[4];
    int64_t count;
    int32_t version;
    uint64_t seed;
    float rate;
    char name[8];
    Row *rows;
    size_t n_rows;
} Thing;

static void describe(TensorList *l, Thing *t)
{
    *l = (TensorList){0};
    tensor_list_attr(l, "version", ELEM_I32, &t->version, 0);
    tensor_list_attr(l, "name", ELEM_STR, t->name, sizeof t->name);
    tensor_list_tensor(l, "layer/w", ELEM_F32, 2, (int[]){2, 3}, t->w);
    tensor_list_tensor(l, "layer/b", ELEM_F32, 1, (int[]){4}, t->b);
    tensor_list_tensor(l, "layer/count", ELEM_I64, 0, NULL, &t->count);
    tensor_list_attr(l, "opt/seed", ELEM_U64, &t->seed, 0);
    tensor_list_attr(l, "opt/rate", ELEM_F32, &t->rate, 0);
    tensor_list_table(l, "log/rows", &row_table, (void **)&t->rows, &t->n_rows);
}

static TensorList list;

static void make(Thing *t)
{
    *t = (Thing){.count = -7, .version = 3, .seed = 0xfedcba9876543210ull, .rate = 0.25f};
    for (int i = 0; i < 6; i++) t->w[i / 3][i % 3] = sinf((float)i);
    for (int i = 0; i < 4; i++) t->b[i] = i == 2 ? NAN : -1.5f * (float)i;
    snprintf(t->name, sizeof t->name, "abc");
    t->n_rows = 5;
    t->rows = calloc(5, sizeof(Row));
    for (int i = 0; i < 5; i++) t->rows[i] = (Row){i, 0.5f * (float)i, (int64_t)1 << (40 + i)};
}

static void round_trip(void)
{
    Thing a, b = {0};
    make(&a);
    char err[512] = "";
    const char *p = tmp_path("thing.h5"), *q = tmp_path("again.h5");
    describe(&list, &a);
    CHECK(tensor_file_save(p, &list, err, sizeof err) == 0, "%s", err);
    describe(&list, &b);
    CHECK(tensor_file_load(p, &list, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(a.w, b.w, sizeof a.w) == 0 && memcmp(a.b, b.b, sizeof a.b) == 0, "tensors differ");
    CHECK(isnan(b.b[2]), "NaN lost");
    CHECK(b.count == -7 && b.version == 3 && b.seed == a.seed && b.rate == 0.25f, "scalars");
    CHECK(strcmp(b.name, "abc") == 0, "string '%s'", b.name);
    CHECK(b.n_rows == 5 && b.rows && memcmp(a.rows, b.rows, 5 * sizeof(Row)) == 0, "table");
    /* the same list gives the same bytes */
    describe(&list, &b);
    CHECK(tensor_file_save(q, &list, err, sizeof err) == 0, "%s", err);
    size_t la = 0, lb = 0;
    uint8_t *fa = tmp_read(p, &la), *fb = tmp_read(q, &lb);
    CHECK(fa && fb && la == lb && memcmp(fa, fb, la) == 0, "save -> load -> save differs");
    free(fa);
    free(fb);
    free(a.rows);
    free(b.rows);
}

/* Save a Thing, edit the file with HDF5, reseal it, and expect the load to fail naming needle,
 * with the memory untouched. */
typedef void (*Edit)(hid_t f);

static void expect_error(const char *name, Edit edit, const char *needle)
{
    Thing a, b;
    make(&a);
    char err[512] = "";
    const char *p = tmp_path(name);
    describe(&list, &a);
    CHECK(tensor_file_save(p, &list, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0, "reopen");
    if (f < 0) return;
    edit(f);
    H5Fclose(f);
    CHECK(seal_file(p, err, sizeof err) == 0, "%s", err);
    memset(&b, 0x5a, sizeof b);
    b.rows = NULL;
    b.n_rows = 99;
    Thing before = b;
    describe(&list, &b);
    CHECK(tensor_file_load(p, &list, err, sizeof err) == -1, "%s: loaded", name);
    printf("# %s\n", err);
    CHECK(strncmp(err, p, strlen(p)) == 0, "message does not start with the file: %s", err);
    CHECK(strstr(err, needle) != NULL, "message lacks '%s': %s", needle, err);
    CHECK(memcmp(&b, &before, sizeof b) == 0, "memory changed by a failed load");
    free(a.rows);
}

static void drop(hid_t f, const char *path) { H5Ldelete(f, path, H5P_DEFAULT); }
static void dataset(hid_t f, const char *path, hid_t type, int nd, const hsize_t *dims)
{
    if (H5Lexists(f, path, H5P_DEFAULT) > 0) drop(f, path);
    hid_t s = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, path, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(s);
}

static void edit_no_group(hid_t f) { drop(f, "/layer"); }
static void edit_no_tensor(hid_t f) { drop(f, "/layer/b"); }
static void edit_shape(hid_t f) { dataset(f, "/layer/w", H5T_IEEE_F32LE, 2, (hsize_t[]){3, 2}); }
static void edit_dtype(hid_t f) { dataset(f, "/layer/b", H5T_IEEE_F64LE, 1, (hsize_t[]){4}); }
static void edit_sign(hid_t f) { dataset(f, "/layer/count", H5T_STD_U64LE, 0, NULL); }
static void edit_extra(hid_t f) { dataset(f, "/layer/extra", H5T_IEEE_F32LE, 1, (hsize_t[]){1}); }
static void edit_extra_group(hid_t f)
{
    hid_t g = H5Gcreate2(f, "/log/more", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
}
static void edit_table(hid_t f) { dataset(f, "/log/rows", H5T_IEEE_F32LE, 1, (hsize_t[]){5}); }
static void edit_table_long(hid_t f)
{
    hid_t d = H5Dopen2(f, "/log/rows", H5P_DEFAULT);
    H5Dset_extent(d, (hsize_t[]){101});
    H5Dclose(d);
}
static void edit_no_attr(hid_t f) { H5Adelete(f, "version"); }
static void edit_attr_class(hid_t f)
{
    H5Adelete(f, "version");
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "version", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT);
    float v = 3;
    H5Awrite(a, H5T_NATIVE_FLOAT, &v);
    H5Aclose(a);
    H5Sclose(s);
}
/* A string attribute stored as an array of 64 strings (h5py: attrs.create(name, ['x'] * 64)) */
static void edit_string_array(hid_t f)
{
    H5Adelete(f, "name");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t s = H5Screate_simple(1, (hsize_t[]){64}, NULL);
    hid_t a = H5Acreate2(f, "name", t, s, H5P_DEFAULT, H5P_DEFAULT);
    const char *v[64];
    for (int i = 0; i < 64; i++) v[i] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}
/* A long fixed-length string is cut to the buffer, never written past it */
static void edit_long_string(hid_t f)
{
    H5Adelete(f, "name");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 200);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "name", t, s, H5P_DEFAULT, H5P_DEFAULT);
    char v[200];
    memset(v, 'y', sizeof v);
    H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static void refused(void)
{
    expect_error("nogroup.h5", edit_no_group, "/layer is missing");
    expect_error("notensor.h5", edit_no_tensor, "/layer/b is missing");
    expect_error("shape.h5", edit_shape, "/layer/w has shape 3x2, expected 2x3");
    expect_error("dtype.h5", edit_dtype, "/layer/b has dtype float64, expected float32");
    expect_error("sign.h5", edit_sign, "/layer/count has dtype uint64, expected int64");
    expect_error("extra.h5", edit_extra, "unexpected entry /layer/extra");
    expect_error("extragroup.h5", edit_extra_group, "unexpected entry /log/more");
    expect_error("table.h5", edit_table, "/log/rows has dtype float32, expected a compound table");
    expect_error("long.h5", edit_table_long, "/log/rows has 101 rows, more than the 100");
    expect_error("noattr.h5", edit_no_attr, "attribute 'version' of / is missing");
    expect_error("attrclass.h5", edit_attr_class, "attribute 'version' of / is float32, expected an integer");
    expect_error("strarray.h5", edit_string_array, "attribute 'name' of / holds 64 values, expected one");
}

static void long_string_is_cut(void)
{
    Thing a, b;
    make(&a);
    char err[512] = "";
    const char *p = tmp_path("longstr.h5");
    describe(&list, &a);
    CHECK(tensor_file_save(p, &list, err, sizeof err) == 0, "%s", err);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    edit_long_string(f);
    H5Fclose(f);
    CHECK(seal_file(p, err, sizeof err) == 0, "%s", err);
    memset(&b, 0, sizeof b);
    describe(&list, &b);
    CHECK(tensor_file_load(p, &list, err, sizeof err) == 0, "%s", err);
    CHECK(strlen(b.name) == sizeof b.name - 1 && b.seed == a.seed, "name '%.8s' seed", b.name);
    free(a.rows);
    free(b.rows);
}

/* Groups that hold no listed tensor, and the root, may hold anything: a model-only list loads
 * from a file that also has other groups. */
static void partial_lists(void)
{
    Thing a, b = {0};
    make(&a);
    char err[512] = "";
    const char *p = tmp_path("partial.h5");
    describe(&list, &a);
    CHECK(tensor_file_save(p, &list, err, sizeof err) == 0, "%s", err);
    list = (TensorList){0};
    tensor_list_tensor(&list, "layer/w", ELEM_F32, 2, (int[]){2, 3}, b.w);
    tensor_list_tensor(&list, "layer/b", ELEM_F32, 1, (int[]){4}, b.b);
    tensor_list_tensor(&list, "layer/count", ELEM_I64, 0, NULL, &b.count);
    CHECK(tensor_file_load(p, &list, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(a.w, b.w, sizeof a.w) == 0 && b.count == -7, "values");
    int has = 0;
    CHECK(tensor_file_has(p, "opt", &has, err, sizeof err) == 0 && has, "has opt");
    CHECK(tensor_file_has(p, "nothing/here", &has, err, sizeof err) == 0 && !has, "has nothing");
    free(a.rows);
}

/* A file that starts like our seal but is shorter than the seal itself: refused, never read past
 * its end. */
static void short_file_with_a_seal(void)
{
    const char *p = tmp_path("short.h5");
    const char text[] = "mnist-cnn sealed HDF5 file v1\nsize 60\ncrc32 0\n";
    char buf[60] = {0};
    memcpy(buf, text, sizeof text - 1);
    tmp_write(p, buf, sizeof buf);
    Thing t;
    char err[512] = "";
    describe(&list, &t);
    CHECK(tensor_file_load(p, &list, err, sizeof err) == -1 && strstr(err, "truncated"), "%s", err);
}

static void overflow_is_an_error(void)
{
    float x = 0;
    char err[512] = "";
    list = (TensorList){0};
    for (int i = 0; i < TENSOR_LIST_MAX + 1; i++) tensor_list_tensor(&list, "t/x", ELEM_F32, 0, NULL, &x);
    CHECK(list.overflow, "no overflow flag");
    CHECK(tensor_file_save(tmp_path("over.h5"), &list, err, sizeof err) == -1, "saved");
    CHECK(tensor_file_load(tmp_path("over.h5"), &list, err, sizeof err) == -1, "loaded");
}

int main(void)
{
    tmp_setup("tensor-file");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    RUN(round_trip);
    RUN(refused);
    RUN(long_string_is_cut);
    RUN(partial_lists);
    RUN(short_file_with_a_seal);
    RUN(overflow_is_an_error);
    tmp_cleanup();
    return check_done();
}
