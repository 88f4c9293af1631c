/* Checkpoints: the engine's state (engine/state.h) in a file of named tensors (io/tensor_file.h).
 * The commands and the tests save and load through here; neither the engine nor io knows the
 * other. Functions return 0, or -1 with a message that starts with the file's path in err. */
#ifndef MNIST_CLI_CHECKPOINT_H
#define MNIST_CLI_CHECKPOINT_H

#include <stddef.h>

#include "engine/adam.h"
#include "engine/model.h"
#include "engine/state.h"

/* opt may be NULL (a model without optimizer state), run too (all zeros). Written atomically:
 * path always holds either the old or the new complete checkpoint. */
int checkpoint_save(const char *path, const Model *m, const Adam *opt, const RunInfo *run,
                    char *err, size_t errlen);

/* A run that averages its weights (engine/ema.h): m is the average, the model every reader gets
 * (model/), trained the weights the optimizer steps (/optimizer/weights). */
int checkpoint_save_averaged(const char *path, const Model *m, const Model *trained,
                             const Adam *opt, const RunInfo *run, char *err, size_t errlen);
/* Its reading for a resume (opt not NULL): m gets model/ and trained the trained weights, which
 * are model/ itself in a file of a run without averaging (run->ema 0). trained NULL or opt NULL:
 * checkpoint_load. */
int checkpoint_load_averaged(const char *path, Model *m, Model *trained, Adam *opt, RunInfo *run,
                             char *err, size_t errlen);

/* Reads a checkpoint into caller-allocated m (model_alloc) and, when not NULL, opt (adam_alloc:
 * the file must then hold /optimizer) and run (the file must then have our attributes; without
 * opt and run, a bare state_dict saved from PyTorch with h5py loads too). Every name, shape and
 * dtype is checked, entries the model does not know are errors (like load_state_dict(strict=True)),
 * and so are values no training can produce (engine/state.h state_check: NaN, negative variances,
 * absurd counters). On failure nothing passed in is modified. */
int checkpoint_load(const char *path, Model *m, Adam *opt, RunInfo *run, char *err, size_t errlen);

/* Only the run's position and options (the root attributes), for commands that need no more. */
int checkpoint_load_run(const char *path, RunInfo *run, char *err, size_t errlen);

/* The best epoch's checkpoint a run with --val keeps beside its checkpoint: runs/model.h5 ->
 * runs/model-best.h5. 0, or -1 when the name does not fit in n. */
int best_checkpoint_path(const char *checkpoint, char *buf, size_t n);

/* Whose metric log goes with the checkpoint at path, into buf: path itself (its log beside it,
 * or inside it), or for RUN-best.h5, which has no log of its own, the run it was copied from
 * (RUN.h5) when that run's log exists. */
void checkpoint_log_owner(const char *path, char *buf, size_t n);

/* *has = whether the checkpoint holds optimizer state. */
int checkpoint_has_optimizer(const char *path, int *has, char *err, size_t errlen);

#endif
