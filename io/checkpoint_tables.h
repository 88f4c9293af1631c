/* The HDF5 compound types of the /metrics tables (EpochMetrics and StepMetrics rows), built from
 * one field list so the writer, the reader and the summary agree on names. Internal to io/. */
#ifndef MNIST_IO_CHECKPOINT_TABLES_H
#define MNIST_IO_CHECKPOINT_TABLES_H

#include <hdf5.h>
#include <stddef.h>

typedef enum { FIELD_I32, FIELD_I64, FIELD_F32 } FieldKind;

typedef struct {
    const char *name;
    size_t offset;   /* in the C struct */
    FieldKind kind;
} TableField;

typedef struct {
    const char *dpath;          /* "/metrics/epochs" */
    const TableField *fields;
    int n_fields;
    size_t row_size;            /* sizeof the C struct */
    size_t chunk_rows;
} TableDesc;

extern const TableDesc epoch_table, step_table;

/* Memory type (the C struct's layout) or file type (packed, little-endian); negative on error. */
hid_t table_type(const TableDesc *t, int for_file);

#endif
