/* checkpoint_info: a human-readable summary, built on checkpoint_load so that anything it prints
 * has passed the same checks as a real load. */
#include "io/checkpoint.h"
#include "io/h5util.h"
#include "io/seal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void tensor_line(FILE *out, const StateEntry *e, const Model *m)
{
    char shape[64] = "scalar";
    if (e->ndim) {
        unsigned long long d[4];
        for (int i = 0; i < e->ndim; i++) d[i] = (unsigned long long)e->shape[i];
        h5u_shape_str(e->ndim, d, shape, sizeof shape);
    }
    if (e->kind == T_COUNTER) {
        fprintf(out, "  %-26s int64   %-12s value %lld\n", e->name, shape,
                (long long)m->counters[e->offset]);
        return;
    }
    const float *x = model_tensor(m, e);
    double lo = x[0], hi = x[0], sum = 0;
    for (size_t i = 0; i < e->numel; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        sum += x[i];
    }
    fprintf(out, "  %-26s float32 %-12s min %+.4g  max %+.4g  mean %+.4g\n", e->name, shape, lo, hi,
            sum / (double)e->numel);
}

int checkpoint_info(const char *path, FILE *out, char *err, size_t errlen)
{
    h5u_quiet();
    /* Which optional parts exist decides what to ask checkpoint_load for (which checks the file
     * fully); the seal comes first, before HDF5 opens anything. */
    if (seal_check(path, err, errlen) < 0) return -1;
    int has_opt = 0;
    if (H5Fis_hdf5(path) > 0) {
        hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (fid >= 0) {
            has_opt = h5u_exists(fid, "/optimizer");
            H5Fclose(fid);
        }
    }
    H5Eclear2(H5E_DEFAULT);

    Model m = {0};
    Adam a = {0};
    CheckpointMeta meta;
    MetricLog log = {0};
    int rc = -1;
    if (model_alloc(&m)) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (has_opt) {
        a.m = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
        a.v = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
        if (!a.m || !a.v) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    if (checkpoint_load(path, &m, has_opt ? &a : NULL, &meta, &log, err, errlen)) goto out;

    fprintf(out, "%s: mnist-cnn checkpoint, format version %d\n", path, CHECKPOINT_FORMAT_VERSION);
    fprintf(out, "  epochs completed %d of %d, optimizer steps %lld, seed %llu\n", meta.epoch,
            meta.epochs, (long long)meta.step, (unsigned long long)meta.seed);
    fprintf(out, "  options: batch %d, lr %g, limit %d, augment %d, isa %s\n", meta.batch,
            (double)meta.lr, meta.limit, meta.augment, meta.isa[0] ? meta.isa : "-");
    fprintf(out, "  data dir: %s\n", meta.data_dir[0] ? meta.data_dir : "-");
    fprintf(out, "model (%zu trainable floats):\n", MODEL_N_PARAMS);
    for (int i = 0; i < N_STATE_ENTRIES; i++) tensor_line(out, &model_state[i], &m);
    if (has_opt)
        fprintf(out, "optimizer: Adam, step %lld, lr %g, betas (%g, %g), eps %g\n", (long long)a.step,
                (double)a.lr, (double)a.beta1, (double)a.beta2, (double)a.eps);
    else
        fprintf(out, "optimizer: none (model only; training cannot resume Adam's moments)\n");
    if (log.n_epochs || log.n_steps) {
        fprintf(out, "metrics: %zu epochs, %zu steps\n", log.n_epochs, log.n_steps);
        if (log.n_epochs) {
            const EpochMetrics *e = &log.epochs[log.n_epochs - 1];
            fprintf(out, "  last epoch %d: train loss %.4f acc %.2f%%", e->epoch, (double)e->train_loss,
                    100.0 * e->train_acc);
            if (isnan(e->test_acc))
                fprintf(out, ", not evaluated on the test set\n");
            else
                fprintf(out, ", test loss %.4f acc %.2f%%\n", (double)e->test_loss, 100.0 * e->test_acc);
        }
    } else {
        fprintf(out, "metrics: none in this file\n");
    }
    rc = 0;
out:
    metrics_free(&log);
    aligned_free(a.m);
    aligned_free(a.v);
    model_free(&m);
    return rc;
}
