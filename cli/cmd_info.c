/* mnist-cnn info: what a checkpoint holds. */
#include "cli/commands.h"
#include "cli/common.h"
#include "io/checkpoint.h"
#include "simd/isa.h"

#include <getopt.h>
#include <stdio.h>

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
    printf("kernels in use here: %s\n", isa_name(isa_current()));
    return EXIT_OK;
}
