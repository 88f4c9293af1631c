/* mnist-cnn info: what a checkpoint holds. */
#include "cli/commands.h"
#include "cli/common.h"
#include "io/checkpoint.h"
#include "simd/isa.h"

#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: mnist-cnn info FILE.h5\n"
                   "Print what a checkpoint holds: options, tensors, optimizer state, metrics.\n");
            return EXIT_OK;
        }
        return usage_error("info");
    }
    if (argc - optind != 1) {
        fprintf(stderr, "mnist-cnn info: expected exactly one checkpoint file\n");
        return usage_error("info");
    }
    char err[512];
    if (checkpoint_info(argv[optind], stdout, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn info: %s\n", err);
        return EXIT_RUNTIME;
    }
    /* the log `train` keeps beside the checkpoint */
    char side[4096];
    MetricLog log = {0};
    struct stat st;
    if (metrics_path_for(argv[optind], side, sizeof side) == 0 && stat(side, &st) == 0) {
        if (metrics_load(side, &log, err, sizeof err)) {
            printf("metric log: %s\n", err);
        } else if (log.n_epochs > 0) {
            const EpochMetrics *e = &log.epochs[log.n_epochs - 1];
            printf("metric log: %s (%zu epochs, %zu step rows; epoch %d: test accuracy %.2f%%, "
                   "%.0f samples/s)\n",
                   side, log.n_epochs, log.n_steps, e->epoch, 100 * e->test_acc, e->samples_per_s);
        } else {
            printf("metric log: %s (empty)\n", side);
        }
        metrics_free(&log);
    }
    printf("kernels in use here: %s\n", isa_name(isa_current()));
    return EXIT_OK;
}
