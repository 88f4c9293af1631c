/* Files of named items (common/tensor_list.h) as HDF5, readable with h5py or h5dump alone:
 * tensors are datasets (little-endian, row-major, contiguous), attributes are scalar attributes
 * (strings variable-length UTF-8, as h5py writes them), tables are 1-D compound datasets, chunked
 * and extendible. io knows nothing of what the items mean: the engine describes its state, the
 * metric log its rows.
 *
 * Files we write are deterministic (no object timestamps: the same list gives the same bytes),
 * sealed (io/seal.h: size and CRC-32 checked before HDF5 parses anything) and written atomically
 * (io/atomic_file.h). All functions return 0, or -1 with a message that starts with the file's
 * path in err. */
#ifndef MNIST_IO_TENSOR_FILE_H
#define MNIST_IO_TENSOR_FILE_H

#include <stddef.h>

#include "common/tensor_list.h"

int tensor_file_save(const char *path, const TensorList *list, char *err, size_t errlen);

/* Reads every item of list from the file. Each must be there with the described type and shape
 * (any byte order), unless the item is optional (its `found` says whether it was); every group
 * that holds a listed tensor or table, and every group above one (the root aside), must hold
 * nothing the list does not name, as load_state_dict(strict=True) wants. Tables are handed over as malloc'ed arrays (*rows, *n_rows; the caller frees the old
 * ones first). On failure nothing the list points to is modified. */
int tensor_file_load(const char *path, TensorList *list, char *err, size_t errlen);

/* *has = whether the object (group, dataset) at item_path exists in the file. */
int tensor_file_has(const char *path, const char *item_path, int *has, char *err, size_t errlen);

#endif
