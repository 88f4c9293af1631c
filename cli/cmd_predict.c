/* mnist-cnn predict: read digits from image files (or one image of an IDX file) and print what
 * the network sees. Images go through the same MNIST-like preprocessing as the drawing window. */
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/infer.h"
#include "engine/preprocess.h"
#include "io/idx.h"
#include "io/image.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn predict FILE.h5 IMAGE... [OPTIONS]\n"
        "       mnist-cnn predict FILE.h5 --idx FILE --index K [OPTIONS]\n"
        "Predict the digit in each image (PNG or PGM/PPM, any size, colour or gray, dark-on-light\n"
        "or light-on-dark: detected). Images are cropped to the ink, scaled to 20 px and centred\n"
        "by centre of mass in 28x28, like MNIST.\n\n"
        "  --idx FILE      take the image from an IDX file of 28x28 images instead\n"
        "  --index K       which image of --idx (0-based)\n"
        "  --json          one JSON object per image: {\"file\", \"digit\", \"probs\": [10]}\n"
        "                  (digit and probs null for a blank image)\n"
        "  -h, --help      this help\n");
}

/* digit < 0 (probs NULL): no digit in the image. */
static void print_result(const char *name, int digit, const float probs[10], int json)
{
    if (json) {
        printf("{\"file\": \"");
        json_string(stdout, name);
        if (digit < 0) {
            printf("\", \"digit\": null, \"probs\": null}\n");
            return;
        }
        printf("\", \"digit\": %d, \"probs\": [", digit);
        for (int j = 0; j < 10; j++) printf("%s%.6f", j ? ", " : "", probs[j]);
        printf("]}\n");
    } else if (digit < 0) {
        printf("%s: no digit (blank image)\n", name);
    } else {
        printf("%s: %d  (", name, digit);
        for (int j = 0; j < 10; j++) printf("%s%d:%.3f", j ? " " : "", j, probs[j]);
        printf(")\n");
    }
}

/* One 28x28 image out of an IDX file, as MNIST stores it (no preprocessing needed). */
static int predict_idx(Infer *inf, const char *path, long index, int json)
{
    IdxArray a;
    char err[512];
    if (idx_load(path, &a, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn predict: %s\n", err);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    if (a.ndim != 3 || a.dims[1] != 28 || a.dims[2] != 28) {
        fprintf(stderr, "mnist-cnn predict: %s: not a file of 28x28 images\n", path);
        rc = EXIT_RUNTIME;
    } else if (index < 0 || (size_t)index >= a.count) {
        fprintf(stderr, "mnist-cnn predict: %s: --index %ld is out of range (file holds %zu images)\n",
                path, index, a.count);
        rc = EXIT_USAGE;
    } else {
        float img[784], probs[10];
        for (int i = 0; i < 784; i++) img[i] = a.data[(size_t)index * 784 + i] / 255.0f;
        int digit = infer_run(inf, img, NULL, probs, NULL, NULL);
        char name[1100];
        snprintf(name, sizeof name, "%s[%ld]", path, index);
        print_result(name, digit, probs, json);
    }
    idx_free(&a);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    static const struct option opts[] = {
        {"idx", required_argument, 0, 'i'}, {"index", required_argument, 0, 'k'},
        {"json", no_argument, 0, 'j'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *idx = NULL;
    long index = -1;
    int json = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': idx = optarg; break;
        case 'k':
            if (parse_long("predict", "--index", optarg, 0, 0x7fffffff, &index))
                return usage_error("predict");
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("predict");
        }
    }
    int nimages = argc - optind - 1;
    if (argc - optind < 1 || (!idx && nimages < 1) || (idx && index < 0)) {
        fprintf(stderr, "mnist-cnn predict: expected a checkpoint and at least one image "
                        "(or --idx FILE --index K)\n");
        return usage_error("predict");
    }
    if (!idx && index >= 0) {
        fprintf(stderr, "mnist-cnn predict: --index needs --idx FILE\n");
        return usage_error("predict");
    }
    Model m;
    if (load_model_and_say("predict", argv[optind], &m)) return EXIT_RUNTIME;
    Infer *inf = infer_create(&m);
    if (!inf) {
        fprintf(stderr, "mnist-cnn predict: out of memory\n");
        model_free(&m);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    if (idx) rc = predict_idx(inf, idx, index, json);
    for (int i = optind + 1; i < argc; i++) {
        GrayImage gi;
        char err[512];
        if (image_load(argv[i], &gi, err, sizeof err)) {
            fprintf(stderr, "mnist-cnn predict: %s\n", err);
            rc = EXIT_RUNTIME;
            continue;
        }
        float img[784], probs[10];
        if (preprocess_digit(gi.pix, gi.w, gi.h, img)) {
            /* nothing to read: say so rather than print a guess about an empty field */
            fprintf(stderr, "mnist-cnn predict: %s: no ink found (blank image)\n", argv[i]);
            print_result(argv[i], -1, NULL, json);
        } else {
            int digit = infer_run(inf, img, NULL, probs, NULL, NULL);
            print_result(argv[i], digit, probs, json);
        }
        image_free(&gi);
    }
    infer_free(inf);
    model_free(&m);
    return rc;
}
