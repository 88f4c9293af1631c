/* The seam between what the engine holds and what io stores: state described as an ordered list
 * of named items (tensors, scalar attributes, tables of records) that io saves to and loads from
 * a file without knowing what any of them means. Header only; nothing here does I/O.
 *
 * Paths name where an item lives: "model/conv1.weight" is the tensor conv1.weight in group model;
 * an attribute's path is its object's path plus its name ("epoch" is an attribute of the root,
 * "optimizer/step" of the group optimizer). Groups exist where paths say so. The list's order is
 * the order things are written, so the same list gives the same file, byte for byte.
 *
 * Saving reads every item's data; loading checks every item (presence, type, shape, size) before
 * it writes any of them, so a file that does not match leaves the described memory untouched. */
#ifndef MNIST_COMMON_TENSOR_LIST_H
#define MNIST_COMMON_TENSOR_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { ELEM_F32, ELEM_F64, ELEM_U8, ELEM_I32, ELEM_I64, ELEM_U64, ELEM_STR } ElemType;
typedef enum { ITEM_ATTR, ITEM_TENSOR, ITEM_TABLE } ItemKind;

/* One field of a table's records: a member of a C struct. */
typedef struct {
    const char *name;
    size_t offset;
    ElemType type;    /* a number: not ELEM_STR */
    int optional;     /* loading: may be missing from a file (older files); then float fields
                         read as NaN and integers as 0 */
} RecordField;

/* A table of records: a growable array of C structs stored as a 1-D extendible table. */
typedef struct {
    const RecordField *fields;
    int n_fields;
    size_t record_size;  /* sizeof the C struct */
    size_t chunk_rows;   /* storage chunk, in rows */
    size_t max_rows;     /* loading refuses tables longer than this */
} RecordTable;

enum { ITEM_PATH_MAX = 96, ITEM_MAX_DIMS = 4, TENSOR_LIST_MAX = 128 };

typedef struct {
    ItemKind kind;
    char path[ITEM_PATH_MAX];
    ElemType type;                /* tensors and attributes */
    int ndim;                     /* tensors: 0 for a scalar */
    int shape[ITEM_MAX_DIMS];
    void *data;                   /* tensors and attributes; ELEM_STR: a char buffer */
    size_t cap;                   /* ELEM_STR: the buffer's size, terminator included */
    const RecordTable *table;     /* tables: the record layout */
    void **rows;                  /* tables: the records; loading hands over a malloc'ed array */
    size_t *n_rows;
    int optional;                 /* loading: may be absent (then data is left as it is) */
    int found;                    /* loading: set to whether it was there */
} TensorItem;

typedef struct {
    TensorItem items[TENSOR_LIST_MAX];
    int n;
    int overflow;                 /* set when an add did not fit: the list is not usable */
} TensorList;

static inline TensorItem *tensor_list_add(TensorList *l, ItemKind kind, const char *path)
{
    if (l->n >= TENSOR_LIST_MAX) {
        l->overflow = 1;
        return NULL;
    }
    TensorItem *it = &l->items[l->n];
    *it = (TensorItem){.kind = kind};
    if (snprintf(it->path, sizeof it->path, "%s", path) >= (int)sizeof it->path) {
        l->overflow = 1;
        return NULL;
    }
    l->n++;
    return it;
}

/* A tensor of ndim dimensions (0: a scalar) at data. */
static inline void tensor_list_tensor(TensorList *l, const char *path, ElemType type, int ndim,
                                      const int *shape, void *data)
{
    TensorItem *it = tensor_list_add(l, ITEM_TENSOR, path);
    if (!it) return;
    it->type = type;
    it->ndim = ndim;
    for (int i = 0; i < ndim && i < ITEM_MAX_DIMS; i++) it->shape[i] = shape[i];
    it->data = data;
}

/* A scalar attribute at data (ELEM_STR: a buffer of cap bytes). */
static inline void tensor_list_attr(TensorList *l, const char *path, ElemType type, void *data,
                                    size_t cap)
{
    TensorItem *it = tensor_list_add(l, ITEM_ATTR, path);
    if (!it) return;
    it->type = type;
    it->data = data;
    it->cap = cap;
}

/* A table of *n_rows records at *rows. */
static inline void tensor_list_table(TensorList *l, const char *path, const RecordTable *t,
                                     void **rows, size_t *n_rows)
{
    TensorItem *it = tensor_list_add(l, ITEM_TABLE, path);
    if (!it) return;
    it->table = t;
    it->rows = rows;
    it->n_rows = n_rows;
}

/* Items from index `from` to the end may be absent from a file. */
static inline void tensor_list_optional(TensorList *l, int from)
{
    for (int i = from; i < l->n; i++) l->items[i].optional = 1;
}

/* Number of elements of a tensor item. */
static inline size_t tensor_item_numel(const TensorItem *it)
{
    size_t n = 1;
    for (int i = 0; i < it->ndim; i++) n *= (size_t)it->shape[i];
    return n;
}

static inline size_t elem_size(ElemType t)
{
    switch (t) {
    case ELEM_U8: return 1;
    case ELEM_F32: case ELEM_I32: return 4;
    case ELEM_F64: case ELEM_I64: case ELEM_U64: return 8;
    default: return 0;
    }
}

#endif
