/* The one order in which every sum over a batch is taken, so that any split of the batch, over
 * threads or over processes, gives the same bits.
 *
 * The leaves are the batch's chunks (engine/net.h NET_CHUNK samples each), numbered from 0; the
 * sum is the complete binary tree over them: node (i, w), aligned (i a multiple of w, w a power of
 * two), is node (i, w/2) + node (i + w/2, w/2) when its right half holds a leaf, else its left
 * half. Every aligned block of leaves is a node, so a process that holds an aligned block (a
 * power of two of them) computes its node alone, and the nodes of the processes combine, in the
 * same tree, into the same total as one process summing every leaf. Float addition commutes, so
 * which side is added to which does not matter; only the pairing does. */
#ifndef MNIST_COMMON_TREE_SUM_H
#define MNIST_COMMON_TREE_SUM_H

#include <stddef.h>

/* Leaf k is v[k*stride + j] for j in [j0, j1); on return leaf 0 holds the sum over the n leaves
 * (the others are overwritten). n <= 1 leaves leaf 0 as it is. */
static inline void tree_sum_floats(float *v, int n, size_t stride, size_t j0, size_t j1)
{
    for (int w = 1; w < n; w *= 2)
        for (int i = 0; i + w < n; i += 2 * w) {
            float *a = v + (size_t)i * stride;
            const float *b = v + (size_t)(i + w) * stride;
            for (size_t j = j0; j < j1; j++) a[j] += b[j];
        }
}

static inline void tree_sum_doubles(double *v, int n, size_t stride, size_t j0, size_t j1)
{
    for (int w = 1; w < n; w *= 2)
        for (int i = 0; i + w < n; i += 2 * w) {
            double *a = v + (size_t)i * stride;
            const double *b = v + (size_t)(i + w) * stride;
            for (size_t j = j0; j < j1; j++) a[j] += b[j];
        }
}

/* The smallest power of two >= n (n >= 1). */
static inline int tree_leaves_pow2(int n)
{
    int p = 1;
    while (p < n) p *= 2;
    return p;
}

#endif
