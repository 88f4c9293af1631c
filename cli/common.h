/* What the subcommands share: exit codes, option parsing with clear messages, model loading. */
#ifndef MNIST_CLI_COMMON_H
#define MNIST_CLI_COMMON_H

#include "engine/model.h"
#include "engine/state.h"

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The program as the user typed it (argv[0], e.g. "build/mnist-cnn"), for the commands a message
 * suggests. */
extern const char *program_name;

/* Parse an integer / float option value in [lo, hi]; on error print
 * "mnist-cnn CMD: --OPT expects ..." and return -1. */
int parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi, float *out);

/* Unknown option / missing argument from getopt_long: print a hint and return EXIT_USAGE. */
int usage_error(const char *cmd);

/* The data directory: $MNIST_DATA if set, else "data/mnist". */
const char *default_data_dir(void);
/* Where a command's data folder came from: --data, $MNIST_DATA, the default "data/mnist" (relative
 * to the current folder), or the checkpoint a run resumes. */
typedef enum { DATA_FROM_OPTION, DATA_FROM_ENV, DATA_FROM_DEFAULT, DATA_FROM_CHECKPOINT } DataOrigin;
/* DATA_FROM_ENV or DATA_FROM_DEFAULT, as default_data_dir chose. */
DataOrigin default_data_origin(void);
/* After dataset_load failed: prints "mnist-cnn CMD: ERR" and, when the folder itself does not
 * exist and --data did not name it, a second line saying where its name came from and how to give
 * one (--data DIR, MNIST_DATA). */
void report_data_error(const char *cmd, const char *dir, DataOrigin from, const char *err);
/* The checkpoint the main job writes (a second run without --out takes runs/model-2.h5, ...). */
#define DEFAULT_CHECKPOINT "runs/model.h5"

/* The model a command reads when given none: the newest run's (of runs/model.h5,
 * runs/model-2.h5, ..., the names train gives runs without --out; by the time its checkpoint was
 * last written) best checkpoint when it exists, else its latest; runs/model.h5 when there is none. */
#define DEFAULT_RUNS_DIR "runs"
const char *default_model(void);

/* load_checkpoint_or_report, then one line on stderr saying which model was read: "mnist-cnn
 * CMD: model PATH: the best epoch by validation (epoch 27 of 30)" or "...: the latest checkpoint
 * (epoch 30 of 30)"; a file without our attributes (a state_dict from PyTorch) is just named. */
int load_model_and_say(const char *cmd, const char *path, Model *m);
/* Its line on stderr alone, for a model already loaded (run->format_version 0: weights only). */
void say_model(const char *cmd, const char *path, const RunInfo *run);

/* Allocate m and load a checkpoint into it (run optional). Prints the error as
 * "mnist-cnn CMD: ..." and returns -1 on failure (m then holds nothing to free). */
int load_checkpoint_or_report(const char *cmd, const char *path, Model *m, RunInfo *run);

/* OpenMP thread count to use: n if > 0, else all cores. Sets it for the whole process. */
int set_threads(long n);

/* mkdir -p dir: 0, or -1 with errno (ENOTDIR when something on the way is not a folder). */
int make_folders(const char *dir);

/* OpenMP threads for predict's and draw's inference, one image at a time: 1, or OpenMP's default
 * (0) when OMP_NUM_THREADS is set. One thread takes ~65 us for an image where two take ~50 us when
 * called back to back, but never waits for another thread, which on a busy machine can wait for a
 * core at each of the pass's barriers (engine/infer.h). */
int single_image_threads(void);

/* Print JSON-escaped s (without quotes) to f. */
void json_string(FILE *f, const char *s);

#endif
