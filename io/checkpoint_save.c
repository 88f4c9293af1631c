/* checkpoint_save and metrics_save: build the whole file under a temporary name next to the target, fsyncs it and
 * renames it into place, so a crash or error at any point leaves the previous checkpoint intact. */
#include "io/checkpoint.h"
#include "io/checkpoint_tables.h"
#include "io/h5util.h"
#include "io/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_root_attrs(hid_t fid, const CheckpointMeta *mt)
{
    int32_t version = CHECKPOINT_FORMAT_VERSION;
    char isa[sizeof mt->isa + 1], dir[sizeof mt->data_dir + 1];
    /* The struct's char arrays need not be terminated; never read past them. */
    snprintf(isa, sizeof isa, "%.*s", (int)sizeof mt->isa, mt->isa);
    snprintf(dir, sizeof dir, "%.*s", (int)sizeof mt->data_dir, mt->data_dir);
    const struct { const char *name; hid_t ft, mt; const void *v; } attrs[] = {
        {"format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &version},
        {"epoch", H5T_STD_I32LE, H5T_NATIVE_INT32, &mt->epoch},
        {"step", H5T_STD_I64LE, H5T_NATIVE_INT64, &mt->step},
        {"seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &mt->seed},
        {"epochs", H5T_STD_I32LE, H5T_NATIVE_INT32, &mt->epochs},
        {"batch", H5T_STD_I32LE, H5T_NATIVE_INT32, &mt->batch},
        {"limit", H5T_STD_I32LE, H5T_NATIVE_INT32, &mt->limit},
        {"augment", H5T_STD_I32LE, H5T_NATIVE_INT32, &mt->augment},
        {"lr", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &mt->lr},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (h5u_attr_write(fid, attrs[i].name, attrs[i].ft, attrs[i].mt, attrs[i].v)) return -1;
    if (h5u_attr_write_str(fid, "isa", isa) || h5u_attr_write_str(fid, "data_dir", dir)) return -1;
    return 0;
}

static int write_model(hid_t fid, const Model *m, const char *file, char *err, size_t errlen)
{
    hid_t g = h5u_group(fid, "model");
    if (g < 0) return h5u_fail(err, errlen, "%s: cannot create group /model", file);
    int rc = 0;
    for (int i = 0; i < N_STATE_ENTRIES && rc == 0; i++) {
        const StateEntry *e = &model_state[i];
        if (e->kind == T_COUNTER)
            rc = h5u_dataset_write(g, e->name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL,
                                   &m->counters[e->offset]);
        else
            rc = h5u_dataset_write(g, e->name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, e->ndim, e->shape,
                                   model_tensor(m, e));
        if (rc) h5u_fail(err, errlen, "%s: cannot write /model/%s", file, e->name);
    }
    H5Gclose(g);
    return rc;
}

static int write_moments(hid_t opt_group, const char *name, const float *buf, const char *file,
                         char *err, size_t errlen)
{
    hid_t g = h5u_group(opt_group, name);
    if (g < 0) return h5u_fail(err, errlen, "%s: cannot create group /optimizer/%s", file, name);
    int rc = 0;
    for (int p = 0; p < N_PARAM_TENSORS && rc == 0; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        rc = h5u_dataset_write(g, e->name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, e->ndim, e->shape,
                               buf + e->offset);
        if (rc) h5u_fail(err, errlen, "%s: cannot write /optimizer/%s/%s", file, name, e->name);
    }
    H5Gclose(g);
    return rc;
}

static int write_optimizer(hid_t fid, const Adam *a, const char *file, char *err, size_t errlen)
{
    hid_t g = h5u_group(fid, "optimizer");
    if (g < 0) return h5u_fail(err, errlen, "%s: cannot create group /optimizer", file);
    int rc = -1;
    if (h5u_attr_write(g, "step", H5T_STD_I64LE, H5T_NATIVE_INT64, &a->step) ||
        h5u_attr_write(g, "lr", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &a->lr) ||
        h5u_attr_write(g, "beta1", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &a->beta1) ||
        h5u_attr_write(g, "beta2", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &a->beta2) ||
        h5u_attr_write(g, "eps", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &a->eps))
        h5u_fail(err, errlen, "%s: cannot write the attributes of /optimizer", file);
    else if (write_moments(g, "exp_avg", a->m, file, err, errlen) == 0 &&
             write_moments(g, "exp_avg_sq", a->v, file, err, errlen) == 0)
        rc = 0;
    H5Gclose(g);
    return rc;
}

/* One extendible (chunked, unlimited maxdims) table of n rows. */
static int write_table(hid_t g, const char *name, const TableDesc *t, const void *rows, size_t n)
{
    hsize_t dims[1] = {n}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {t->chunk_rows};
    hid_t ft = table_type(t, 1), mt = table_type(t, 0);
    hid_t sp = H5Screate_simple(1, dims, maxdims);
    hid_t dcpl = h5u_dcpl();
    hid_t d = -1;
    int rc = -1;
    if (ft >= 0 && mt >= 0 && sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, chunk) >= 0) {
        d = H5Dcreate2(g, name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0 && (n == 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0)) rc = 0;
    }
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    return rc;
}

static int write_metrics(hid_t fid, const MetricLog *log, const char *file, char *err, size_t errlen)
{
    hid_t g = h5u_group(fid, "metrics");
    if (g < 0) return h5u_fail(err, errlen, "%s: cannot create group /metrics", file);
    int rc = -1;
    if (write_table(g, "epochs", &epoch_table, log->epochs, log->n_epochs))
        h5u_fail(err, errlen, "%s: cannot write /metrics/epochs", file);
    else if (write_table(g, "steps", &step_table, log->steps, log->n_steps))
        h5u_fail(err, errlen, "%s: cannot write /metrics/steps", file);
    else
        rc = 0;
    H5Gclose(g);
    return rc;
}

/* Builds the checkpoint as an in-memory HDF5 file (core driver, no backing store) and returns its
 * bytes in *image. Disk I/O stays out of HDF5: a full disk then fails in our write() with errno,
 * instead of leaving HDF5 with a file it can neither flush nor close. */
static int build_image(const char *name, const char *file, const Model *m, const Adam *opt, const CheckpointMeta *meta,
                       const MetricLog *log, void **image, size_t *size, char *err, size_t errlen)
{
    *image = NULL;
    *size = 0;
    /* The root group's timestamps come from the file-creation list. */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fcpl < 0 || fapl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_userblock(fcpl, SEAL_BLOCK) < 0 ||
        H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) < 0) {
        if (fcpl >= 0) H5Pclose(fcpl);
        if (fapl >= 0) H5Pclose(fapl);
        return h5u_fail(err, errlen, "%s: cannot set up an HDF5 file in memory", file);
    }
    /* The name only identifies the in-memory file; nothing is created on disk. */
    hid_t fid = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (fid < 0) return h5u_fail(err, errlen, "%s: cannot create an HDF5 file in memory", file);

    int rc = -1;
    int32_t version = CHECKPOINT_FORMAT_VERSION;
    /* a metric-log file (no model) carries only the format version at its root */
    if (m ? write_root_attrs(fid, meta)
          : h5u_attr_write(fid, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &version))
        h5u_fail(err, errlen, "%s: cannot write the root attributes", file);
    else if ((!m || write_model(fid, m, file, err, errlen) == 0) &&
             (!opt || write_optimizer(fid, opt, file, err, errlen) == 0) &&
             (!log || (m && log->n_epochs == 0 && log->n_steps == 0) ||
              write_metrics(fid, log, file, err, errlen) == 0))
        rc = 0;
    if (rc == 0) {
        /* Flush the metadata cache into the in-memory file before copying it out. */
        ssize_t n = H5Fflush(fid, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(fid, NULL, 0);
        /* The image starts at the superblock; the user block (SEAL_BLOCK bytes, reserved by the
         * creation list) goes in front of it and carries the seal (io/seal.h). */
        unsigned char *buf = n > 0 ? malloc(SEAL_BLOCK + (size_t)n) : NULL;
        if (!buf || H5Fget_file_image(fid, buf + SEAL_BLOCK, (size_t)n) != n) {
            rc = h5u_fail(err, errlen, "%s: cannot take the HDF5 file image (out of memory?)", file);
            free(buf);
        } else {
            *size = SEAL_BLOCK + (size_t)n;
            seal_image(buf, *size);
            *image = buf;
        }
    }
    H5Fclose(fid);
    return rc;
}

/* write() all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fail_errno(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    int e = errno;
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    snprintf(err, errlen, "%s: %s", msg, strerror(e));
    return -1;
}

/* Build the file in memory, write it under a temporary name, fsync, rename over path. */
static int save_file(const char *path, const Model *m, const Adam *opt, const CheckpointMeta *meta,
                     const MetricLog *log, char *err, size_t errlen)
{
    CheckpointMeta zero = {0};
    if (!meta) meta = &zero;

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fail_errno(err, errlen, "%s: cannot create a temporary file %s", path, tmp);
        free(tmp);
        return -1;
    }
    /* mkstemp makes 0600; keep the old file's permissions, else the usual 0644. */
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    if (fchmod(fd, mode) != 0) { /* not fatal: the checkpoint is still correct */ }

    void *image = NULL;
    size_t size = 0;
    int rc = build_image(tmp, path, m, opt, meta, log, &image, &size, err, errlen);
    if (rc == 0 && (write_all(fd, image, size) != 0 || fsync(fd) != 0))
        rc = fail_errno(err, errlen, "%s: cannot write %s", path, tmp);
    free(image);
    if (close(fd) != 0 && rc == 0) rc = fail_errno(err, errlen, "%s: cannot write %s", path, tmp);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = fail_errno(err, errlen, "%s: cannot rename %s over it", path, tmp);
    if (rc != 0) {
        unlink(tmp);
    } else {
        /* Make the rename itself durable (best effort: some file systems refuse dir fsync). */
        char *dcopy = strdup(path);
        if (dcopy) {
            int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY);
            if (dfd >= 0) {
                if (fsync(dfd) != 0) { /* ignored, see above */ }
                close(dfd);
            }
            free(dcopy);
        }
    }
    free(tmp);
    return rc;
}

int checkpoint_save(const char *path, const Model *m, const Adam *opt, const CheckpointMeta *meta,
                    const MetricLog *log, char *err, size_t errlen)
{
    h5u_quiet();
    if (!m || !m->params || !m->buffers) {
        snprintf(err, errlen, "%s: no model to save", path);
        return -1;
    }
    if (opt && (!opt->m || !opt->v)) {
        snprintf(err, errlen, "%s: optimizer state is not allocated", path);
        return -1;
    }
    return save_file(path, m, opt, meta, log, err, errlen);
}

int metrics_save(const char *path, const MetricLog *log, char *err, size_t errlen)
{
    h5u_quiet();
    MetricLog empty = {0};
    return save_file(path, NULL, NULL, NULL, log ? log : &empty, err, errlen);
}
