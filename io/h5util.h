/* Small HDF5 helpers shared by the checkpoint writer, reader and summary: deterministic object
 * creation, typed attributes, and dataset reads that check name, dtype and shape with messages
 * a user can act on. Internal to io/. All int functions return 0 or -1 with err filled, the
 * message starting with `file` (the checkpoint's path as the user gave it). */
#ifndef MNIST_IO_H5UTIL_H
#define MNIST_IO_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

/* Turns off HDF5's printing of its error stack (library code never prints). */
void h5u_quiet(void);

/* printf into err, then append ": <HDF5's most specific message>" when HDF5 recorded one. */
int h5u_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Object-creation lists with timestamps off, so identical saves give identical files. */
hid_t h5u_gcpl(void);
hid_t h5u_dcpl(void);

/* Create group `name` under loc (timestamps off); returns its id or a negative value. */
hid_t h5u_group(hid_t loc, const char *name);

/* Scalar attributes; ftype is the file type (e.g. H5T_STD_I32LE), mtype the memory type. */
int h5u_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *value);
/* Variable-length UTF-8 string attribute (h5py reads it back as str). */
int h5u_attr_write_str(hid_t obj, const char *name, const char *value);

/* Dataset of shape[0..ndim) (ndim 0: scalar), contiguous, written whole from data. */
int h5u_dataset_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int ndim,
                      const int *shape, const void *data);

/* "float32", "int64", "uint8", "string", "compound", ... for messages. */
void h5u_type_name(hid_t type, char *buf, size_t len);
/* "128x3136", or "a scalar" for rank 0. */
void h5u_shape_str(int ndim, const unsigned long long *dims, char *buf, size_t len);

/* Read numeric scalar attribute `name` of obj (called objname in messages, e.g. "/" or
 * "/optimizer") into value as mtype; the stored class must be want_class (H5T_INTEGER or
 * H5T_FLOAT). */
int h5u_attr_read(hid_t obj, const char *file, const char *objname, const char *name,
                  H5T_class_t want_class, hid_t mtype, void *value, char *err, size_t errlen);
/* Read string attribute (variable or fixed length) into buf, truncated to len-1 characters. */
int h5u_attr_read_str(hid_t obj, const char *file, const char *objname, const char *name,
                      char *buf, size_t len, char *err, size_t errlen);

/* Read dataset dpath (absolute, e.g. "/model/fc1.weight") into buf as mtype. Its dtype must match
 * want (class, size and, for integers, sign; either byte order) and its shape must be
 * shape[0..ndim) (ndim 0: scalar). */
int h5u_dataset_read(hid_t fid, const char *file, const char *dpath, hid_t want, int ndim,
                     const int *shape, hid_t mtype, void *buf, char *err, size_t errlen);

/* 1 if the absolute path exists in the file (every parent too), 0 if not. */
int h5u_exists(hid_t fid, const char *path);

#endif
