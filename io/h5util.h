/* Small HDF5 helpers for io/tensor_file_*.c: deterministic object creation, the file and memory
 * types of each element type, names of types and shapes for messages, and HDF5's own reason for
 * a failure. Internal to io/. */
#ifndef MNIST_IO_H5UTIL_H
#define MNIST_IO_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

#include "common/tensor_list.h"

/* Turns off HDF5's printing of its error stack (library code never prints) and its loading of
 * filter plugins from disk (a file must not make us load code). */
void h5u_quiet(void);

/* " (HDF5: <its most specific message>)" when HDF5 recorded an error since the last call, else
 * ""; clears HDF5's error stack. For the end of an io_fail message. The text lives in a
 * thread-local buffer until the next call. */
const char *h5u_why(void);

/* Object-creation lists with timestamps off, so identical saves give identical files. */
hid_t h5u_gcpl(void);
hid_t h5u_dcpl(void);

/* File type (little-endian, as stored) and memory type of an element type. ELEM_STR: a new
 * variable-length UTF-8 string type the caller closes with H5Tclose; the others are constants. */
hid_t h5u_file_type(ElemType t);
hid_t h5u_mem_type(ElemType t);

/* The compound type of a table's records: the C struct's layout in memory, or packed
 * little-endian as stored in the file. Fields i with skip[i] set are left out (skip may be NULL).
 * Negative on error; the caller closes it. */
hid_t h5u_record_type(const RecordTable *t, int for_file, const unsigned char *skip);

/* "float32", "int64", "uint8", "string", "compound", ... for messages. */
void h5u_type_name(hid_t type, char *buf, size_t len);
/* "128x3136", or "a scalar" for rank 0. */
void h5u_shape_str(int ndim, const unsigned long long *dims, char *buf, size_t len);

/* Walks path ("a/b/c": "a", then "a/b", then "a/b/c") through the file's links: H5U_FOUND when
 * every step is there and a hard link (an object of this file), H5U_MISSING when one is not there,
 * H5U_NOT_HARD when one is a soft or external link (never followed: an external link could make a
 * load read another file of the machine). The first step that is not found or not hard goes to
 * where. */
enum { H5U_FOUND, H5U_MISSING, H5U_NOT_HARD };
int h5u_walk(hid_t fid, const char *path, char *where, size_t len);

/* Whether dataset d keeps its data in this file: not in external files (H5Pset_external), not a
 * virtual dataset made of other files' datasets. */
int h5u_data_is_internal(hid_t d);

/* Whether dataset d of n elements has any data stored: 0 when it was created but never written
 * (HDF5 reads it as the fill value, zeros, without a word). An empty dataset has nothing to store
 * and counts as stored. (HDF5 also reports a table written in full but extendible, whose last
 * chunk is not full, as partly allocated: only "none" is told apart.) */
int h5u_data_stored(hid_t d, unsigned long long n);

#endif
