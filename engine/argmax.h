/* The predicted class: the index of the largest score (logits or probabilities), the first one
 * on ties, as torch.argmax does. Defined once for training, evaluation, inference and reports. */
#ifndef MNIST_ENGINE_ARGMAX_H
#define MNIST_ENGINE_ARGMAX_H

static inline int argmax(const float *v, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[best]) best = j;
    return best;
}

#endif
