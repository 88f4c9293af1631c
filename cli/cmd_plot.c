/* mnist-cnn plot: the training graphs of a run (loss and accuracy over epochs) as PNG and SVG,
 * from the metric log in its checkpoint. */
#include "cli/commands.h"
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "io/metric_log_file.h"
#include "io/path.h"
#include "io/plot.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn plot RUN.h5 [OPTIONS]\n"
        "Draw a run's loss and accuracy over epochs (train and test) from the metric log in its\n"
        "checkpoint, as a PNG and an SVG picture with the same base name.\n\n"
        "  -o, --out FILE    FILE.png and FILE.svg (a .png or .svg ending is dropped first;\n"
        "                    default: RUN-training.png/.svg next to the checkpoint)\n"
        "  --width N         picture width (default %d; pixels in the PNG, points in the SVG)\n"
        "  --height N        picture height (default %d)\n"
        "  --no-steps        leave out the recorded batch losses\n"
        "  -h, --help        this help\n",
        PLOT_TRAINING_W, PLOT_TRAINING_H);
}

/* -o DIR/NAME: DIR is made when missing, as eval --report and predict --show do. */
static int make_folder_of(const char *out, const char *base)
{
    char folder[4096];
    snprintf(folder, sizeof folder, "%s", base);
    char *slash = strrchr(folder, '/');
    if (!slash || slash == folder) return 0;
    *slash = 0;
    if (make_folders(folder) == 0) return 0;
    fprintf(stderr, "mnist-cnn plot: -o %s: cannot create the folder %s: %s\n", out, folder,
            strerror(errno));
    return -1;
}

int cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},   {"width", required_argument, 0, 'W'},
        {"height", required_argument, 0, 'H'}, {"no-steps", no_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char *out = NULL;
    long width = PLOT_TRAINING_W, height = PLOT_TRAINING_H;
    int steps = 1, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': out = optarg; break;
        case 'W': bad = parse_long("plot", "--width", optarg, 200, 10000, &width); break;
        case 'H': bad = parse_long("plot", "--height", optarg, 150, 10000, &height); break;
        case 'S': steps = 0; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("plot");
        }
        if (bad) return usage_error("plot");
    }
    if (argc - optind != 1) {
        fprintf(stderr, "mnist-cnn plot: expected exactly one checkpoint file\n");
        return usage_error("plot");
    }
    const char *path = argv[optind];
    char why[256];
    if (!plot_available(why, sizeof why)) {
        fprintf(stderr, "mnist-cnn plot: %s\n", why);
        return EXIT_RUNTIME;
    }

    char base[4096];
    if ((out ? path_with_suffix(out, path_picture_exts, "", base, sizeof base)
             : path_with_suffix(path, path_hdf5_exts, "-training", base, sizeof base))) {
        fprintf(stderr, "mnist-cnn plot: output path too long\n");
        return EXIT_RUNTIME;
    }
    /* the run's position (epochs and steps done) places the batch losses; nothing else is read */
    RunInfo run;
    MetricLog log = {0};
    char err[512], side[4096], log_of[PATH_MAX];
    checkpoint_log_owner(path, log_of, sizeof log_of);
    if (checkpoint_load_run(path, &run, err, sizeof err) ||
        metric_log_load_for(log_of, &log, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn plot: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (log.n_epochs == 0) {
        if (metric_log_path(log_of, side, sizeof side)) snprintf(side, sizeof side, "-");
        fprintf(stderr,
                "mnist-cnn plot: %s: no training metrics to plot (no %s beside it and no "
                "/metrics/epochs in it, or an empty one: the checkpoint was not written by "
                "`mnist-cnn train`, or before its first epoch ended)\n",
                path, side);
        metrics_free(&log);
        return EXIT_RUNTIME;
    }
    double steps_per_epoch = steps && run.epoch > 0 && run.step > 0
                                 ? (double)run.step / run.epoch : 0;
    char png[4100], svg[4100];
    if (out && make_folder_of(out, base)) {
        metrics_free(&log);
        return EXIT_RUNTIME;
    }
    snprintf(png, sizeof png, "%s.png", base);
    snprintf(svg, sizeof svg, "%s.svg", base);
    int rc = plot_training(&log, steps_per_epoch, png, svg, (int)width, (int)height, err,
                           sizeof err);
    if (rc)
        fprintf(stderr, "mnist-cnn plot: %s\n", err);
    else
        printf("%s: %zu epoch%s -> %s, %s\n", path, log.n_epochs, log.n_epochs == 1 ? "" : "s",
               png, svg);
    metrics_free(&log);
    return rc ? EXIT_RUNTIME : EXIT_OK;
}
