/* `mpirun -np R mnist-cnn train`: what rank 0 hands the other processes before the first step.
 * Rank 0 alone reads files (options, checkpoint, data) and writes them; the others receive the
 * run's configuration, instruction set, model, optimizer, position and images from it, so a
 * resumed run restarts the same on any number of processes, and the data need only be on rank
 * 0's host. */
#ifndef MNIST_CLI_TRAIN_SHARED_H
#define MNIST_CLI_TRAIN_SHARED_H

#include "engine/adam.h"
#include "engine/collective.h"
#include "engine/model.h"
#include "engine/train.h"

#include <stddef.h>
#include <stdint.h>

/* What a process other than rank 0 holds of the run. */
typedef struct {
    uint8_t *images;   /* train, val and test images and labels, received */
} SharedData;

/* Rank 0 sends, the others receive (allocating m, opt, avg when rank 0 averages its weights
 * (cfg->ema), and the images into held; the pointers and threads of cfg stay theirs). 0, or -1
 * with the reason in err. */
int share_run_state(Collective *c, TrainConfig *cfg, Model *m, Model *avg, Adam *opt,
                    TrainPosition *start, ImageSet *tr, ImageSet *va, ImageSet *te,
                    SharedData *held, char *err, size_t errlen);
void shared_data_free(SharedData *held);

/* Rank 0's int on every process (an exit code, a decision); 0, or -1 with the reason in err. */
int share_int(Collective *c, int *v, char *err, size_t errlen);

#endif
