/* Which data a run trained on: each IDX file's name, dimensions and CRC-32 (taken while reading
 * it, io/idx.h), recorded in the checkpoint, so that --resume on data that changed underneath
 * (other labels, another set under the same folder name) is refused instead of silently training
 * on it. */
#ifndef MNIST_CLI_DATA_FINGERPRINT_H
#define MNIST_CLI_DATA_FINGERPRINT_H

#include "io/idx.h"

#include <stddef.h>

/* The fingerprint of a training and a test set: "train-images-idx3-ubyte 60000x28x28 crc32 ...,
 * train-labels-idx1-ubyte 60000 crc32 ..., t10k-...", into buf. */
void data_fingerprint(const Dataset *train, const Dataset *test, char *buf, size_t n);

/* 0 when now matches the fingerprint a checkpoint recorded (or it recorded none), else -1 with
 * "DIR/FILE is not the file CHECKPOINT was trained on (then: ...; now: ...)" in msg, naming the
 * first file that differs. */
int data_fingerprint_compare(const char *recorded, const char *now, const char *data_dir,
                             const char *checkpoint, char *msg, size_t n);

#endif
