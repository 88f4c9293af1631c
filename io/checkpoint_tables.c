/* Compound types for the metrics tables: see checkpoint_tables.h. */
#include "io/checkpoint_tables.h"

#include "engine/metrics.h"

static const TableField epoch_fields[] = {
    {"epoch", offsetof(EpochMetrics, epoch), FIELD_I32},
    {"train_loss", offsetof(EpochMetrics, train_loss), FIELD_F32},
    {"train_acc", offsetof(EpochMetrics, train_acc), FIELD_F32},
    {"test_loss", offsetof(EpochMetrics, test_loss), FIELD_F32},
    {"test_acc", offsetof(EpochMetrics, test_acc), FIELD_F32},
    {"seconds", offsetof(EpochMetrics, seconds), FIELD_F32},
    {"samples_per_s", offsetof(EpochMetrics, samples_per_s), FIELD_F32},
    {"lr", offsetof(EpochMetrics, lr), FIELD_F32},
};

static const TableField step_fields[] = {
    {"step", offsetof(StepMetrics, step), FIELD_I64},
    {"loss", offsetof(StepMetrics, loss), FIELD_F32},
    {"acc", offsetof(StepMetrics, acc), FIELD_F32},
};

const TableDesc epoch_table = {"/metrics/epochs", epoch_fields,
                               (int)(sizeof epoch_fields / sizeof epoch_fields[0]),
                               sizeof(EpochMetrics), 64};
/* Steps grow by thousands per epoch: bigger chunks keep the chunk index small. */
const TableDesc step_table = {"/metrics/steps", step_fields,
                              (int)(sizeof step_fields / sizeof step_fields[0]),
                              sizeof(StepMetrics), 1024};

hid_t table_type(const TableDesc *t, int for_file)
{
    size_t packed = 0;
    for (int i = 0; i < t->n_fields; i++) packed += t->fields[i].kind == FIELD_I64 ? 8 : 4;
    hid_t ct = H5Tcreate(H5T_COMPOUND, for_file ? packed : t->row_size);
    if (ct < 0) return -1;
    size_t off = 0;
    for (int i = 0; i < t->n_fields; i++) {
        const TableField *f = &t->fields[i];
        hid_t ft;
        switch (f->kind) {
        case FIELD_I32: ft = for_file ? H5T_STD_I32LE : H5T_NATIVE_INT32; break;
        case FIELD_I64: ft = for_file ? H5T_STD_I64LE : H5T_NATIVE_INT64; break;
        default: ft = for_file ? H5T_IEEE_F32LE : H5T_NATIVE_FLOAT; break;
        }
        if (H5Tinsert(ct, f->name, for_file ? off : f->offset, ft) < 0) {
            H5Tclose(ct);
            return -1;
        }
        off += f->kind == FIELD_I64 ? 8 : 4;
    }
    return ct;
}
