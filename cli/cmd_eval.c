/* mnist-cnn eval: test loss and accuracy, per-class accuracy and the confusion matrix. */
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/train.h"
#include "io/idx.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn eval FILE.h5 [OPTIONS]\n"
        "Evaluate a checkpoint on the test set (t10k-*).\n\n"
        "  --data DIR      folder with the t10k- IDX files (default: $MNIST_DATA or data/mnist)\n"
        "  --threads N     OpenMP threads (default: all cores)\n"
        "  --json          one JSON object: accuracy (0-1), loss, per_class, confusion\n"
        "  -h, --help      this help\n");
}

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"json", no_argument, 0, 'j'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data = default_data_dir();
    long threads = 0;
    int json = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 't':
            if (parse_long("eval", "--threads", optarg, 1, 1024, &threads)) return usage_error("eval");
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("eval");
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "mnist-cnn eval: expected exactly one checkpoint file\n");
        return usage_error("eval");
    }
    const char *path = argv[optind];
    int nthreads = set_threads(threads);

    Model m;
    if (load_checkpoint_or_report(path, &m, NULL, NULL)) return EXIT_RUNTIME;
    char err[512];
    Dataset test = {0};
    if (dataset_load(data, "t10k", &test, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn eval: %s\n", err);
        model_free(&m);
        return EXIT_RUNTIME;
    }
    ImageSet set = {test.images.data, test.labels.data, test.n};
    float loss, acc, *probs = malloc(sizeof(float) * 10 * (size_t)test.n);
    if (!probs || evaluate(&m, &set, nthreads, &loss, &acc, probs)) {
        fprintf(stderr, "mnist-cnn eval: out of memory\n");
        return EXIT_RUNTIME;
    }
    long conf[10][10] = {{0}}, total[10] = {0};
    for (int i = 0; i < test.n; i++) {
        int best = 0;
        for (int j = 1; j < 10; j++)
            if (probs[i * 10 + j] > probs[i * 10 + best]) best = j;
        conf[set.labels[i]][best]++;
        total[set.labels[i]]++;
    }
    if (json) {
        printf("{\"checkpoint\": \"");
        json_string(stdout, path);
        printf("\", \"images\": %d, \"accuracy\": %.6f, \"loss\": %.6f, \"per_class\": [", test.n,
               acc, loss);
        for (int k = 0; k < 10; k++)
            printf("%s%.6f", k ? ", " : "", total[k] ? (double)conf[k][k] / total[k] : 0.0);
        printf("], \"confusion\": [");
        for (int k = 0; k < 10; k++) {
            printf("%s[", k ? ", " : "");
            for (int j = 0; j < 10; j++) printf("%s%ld", j ? ", " : "", conf[k][j]);
            printf("]");
        }
        printf("]}\n");
    } else {
        printf("%s on %d test images: accuracy %.2f%%, loss %.4f\n\n", path, test.n, 100 * acc,
               loss);
        printf("class  images  accuracy\n");
        for (int k = 0; k < 10; k++)
            printf("%5d  %6ld  %7.2f%%\n", k, total[k],
                   total[k] ? 100.0 * conf[k][k] / total[k] : 0.0);
        printf("\nconfusion matrix (rows: true digit, columns: predicted)\n     ");
        for (int j = 0; j < 10; j++) printf("%6d", j);
        printf("\n");
        for (int k = 0; k < 10; k++) {
            printf("%5d", k);
            for (int j = 0; j < 10; j++) printf("%6ld", conf[k][j]);
            printf("\n");
        }
    }
    free(probs);
    dataset_free(&test);
    model_free(&m);
    return EXIT_OK;
}
