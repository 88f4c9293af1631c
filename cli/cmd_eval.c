/* mnist-cnn eval: test loss and accuracy, per-class accuracy and the confusion matrix; with
 * --report DIR also as files: the confusion matrix as a picture, a gallery of the worst mistakes,
 * and the tables as text. */
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/argmax.h"
#include "engine/train.h"
#include "io/idx.h"
#include "io/plot.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Misclassified images shown in DIR/worst.png (and listed in DIR/worst.txt). */
enum { WORST_SHOWN = 24, WORST_COLS = 8 };

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn eval FILE.h5 [OPTIONS]\n"
        "Evaluate a checkpoint on the test set (t10k-*).\n\n"
        "  --data DIR      folder with the t10k- IDX files (default: $MNIST_DATA or data/mnist)\n"
        "  --threads N     OpenMP threads (default: all cores)\n"
        "  --report DIR    also write DIR/confusion.png (heat map with counts), DIR/worst.png\n"
        "                  (the %d most confident mistakes with true and predicted labels),\n"
        "                  DIR/worst.txt (all mistakes, most confident first), DIR/per_class.txt\n"
        "                  and DIR/confusion.txt\n"
        "  --json          one JSON object: accuracy (0-1), loss, per_class, confusion\n"
        "  -h, --help      this help\n",
        WORST_SHOWN);
}

typedef struct {
    const char *path;   /* checkpoint */
    int n;
    float acc, loss;
    long conf[10][10], total[10];
} EvalResult;

static void print_per_class(FILE *f, const EvalResult *r)
{
    fprintf(f, "class  images  accuracy\n");
    for (int k = 0; k < 10; k++)
        fprintf(f, "%5d  %6ld  %7.2f%%\n", k, r->total[k],
                r->total[k] ? 100.0 * r->conf[k][k] / r->total[k] : 0.0);
}

static void print_confusion(FILE *f, const EvalResult *r)
{
    fprintf(f, "confusion matrix (rows: true digit, columns: predicted)\n     ");
    for (int j = 0; j < 10; j++) fprintf(f, "%6d", j);
    fprintf(f, "\n");
    for (int k = 0; k < 10; k++) {
        fprintf(f, "%5d", k);
        for (int j = 0; j < 10; j++) fprintf(f, "%6ld", r->conf[k][j]);
        fprintf(f, "\n");
    }
}

static void print_summary(FILE *f, const EvalResult *r)
{
    fprintf(f, "%s on %d test images: accuracy %.2f%%, loss %.4f\n", r->path, r->n, 100 * r->acc,
            r->loss);
}

static void print_json(const EvalResult *r)
{
    printf("{\"checkpoint\": \"");
    json_string(stdout, r->path);
    printf("\", \"images\": %d, \"accuracy\": %.6f, \"loss\": %.6f, \"per_class\": [", r->n,
           r->acc, r->loss);
    for (int k = 0; k < 10; k++)
        printf("%s%.6f", k ? ", " : "", r->total[k] ? (double)r->conf[k][k] / r->total[k] : 0.0);
    printf("], \"confusion\": [");
    for (int k = 0; k < 10; k++) {
        printf("%s[", k ? ", " : "");
        for (int j = 0; j < 10; j++) printf("%s%ld", j ? ", " : "", r->conf[k][j]);
        printf("]");
    }
    printf("]}\n");
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st)) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

typedef struct {
    int index, truth, pred;
    float prob, prob_truth;
} Mistake;

static int by_confidence(const void *a, const void *b)
{
    const Mistake *x = a, *y = b;
    if (x->prob != y->prob) return x->prob < y->prob ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Opens dir/name for writing; prints the error and returns NULL on failure. */
static FILE *open_report_file(const char *dir, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "mnist-cnn eval: %s: cannot write: %s\n", path, strerror(errno));
    return f;
}

static int close_report_file(FILE *f, const char *path)
{
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "mnist-cnn eval: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes the report files into dir; returns 0 when all were written. */
static int write_report(const char *dir, const EvalResult *r, const ImageSet *set,
                        const float *probs)
{
    if (make_dirs(dir)) {
        fprintf(stderr, "mnist-cnn eval: %s: cannot create the report folder: %s\n", dir,
                strerror(errno));
        return -1;
    }
    int rc = 0;
    char path[4200], err[512];

    /* the tables as text */
    FILE *f = open_report_file(dir, "per_class.txt", path, sizeof path);
    if (f) {
        print_summary(f, r);
        fprintf(f, "\n");
        print_per_class(f, r);
        rc |= close_report_file(f, path);
    } else {
        rc = -1;
    }
    f = open_report_file(dir, "confusion.txt", path, sizeof path);
    if (f) {
        print_summary(f, r);
        fprintf(f, "\n");
        print_confusion(f, r);
        rc |= close_report_file(f, path);
    } else {
        rc = -1;
    }

    /* the mistakes, most confident first */
    Mistake *wrong = malloc(sizeof(Mistake) * (size_t)(r->n > 0 ? r->n : 1));
    if (!wrong) {
        fprintf(stderr, "mnist-cnn eval: out of memory\n");
        return -1;
    }
    int nw = 0;
    for (int i = 0; i < r->n; i++) {
        const float *p = probs + (size_t)i * 10;
        int best = argmax(p, N_CLASSES);
        if (best != set->labels[i])
            wrong[nw++] = (Mistake){i, set->labels[i], best, p[best], p[set->labels[i]]};
    }
    qsort(wrong, (size_t)nw, sizeof *wrong, by_confidence);
    f = open_report_file(dir, "worst.txt", path, sizeof path);
    if (f) {
        fprintf(f, "# %d misclassified of %d test images in %s, most confident first\n", nw, r->n,
                r->path);
        fprintf(f, "# rank  index  true  predicted  p(predicted)  p(true)\n");
        for (int i = 0; i < nw; i++)
            fprintf(f, "%6d  %5d  %4d  %9d  %12.4f  %7.4f\n", i + 1, wrong[i].index,
                    wrong[i].truth, wrong[i].pred, wrong[i].prob, wrong[i].prob_truth);
        rc |= close_report_file(f, path);
    } else {
        rc = -1;
    }

    /* the pictures */
    char why[256];
    if (!plot_available(why, sizeof why)) {
        fprintf(stderr, "mnist-cnn eval: no confusion.png, worst.png in %s: %s\n", dir, why);
        free(wrong);
        return -1;
    }
    char title[4300];
    snprintf(title, sizeof title, "%s: %d test images, accuracy %.2f%%", r->path, r->n,
             100 * r->acc);
    snprintf(path, sizeof path, "%s/confusion.png", dir);
    if (plot_confusion((const long(*)[10])r->conf, title, path, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn eval: %s\n", err);
        rc = -1;
    }
    snprintf(path, sizeof path, "%s/worst.png", dir);
    if (nw == 0) {
        /* nothing to show: no stale gallery from an earlier report either */
        if (remove(path) && errno != ENOENT) {
            fprintf(stderr, "mnist-cnn eval: %s: cannot remove: %s\n", path, strerror(errno));
            rc = -1;
        }
    } else {
        int shown = nw < WORST_SHOWN ? nw : WORST_SHOWN;
        GalleryItem items[WORST_SHOWN];
        for (int i = 0; i < shown; i++)
            items[i] = (GalleryItem){set->images + (size_t)wrong[i].index * 28 * 28,
                                     wrong[i].truth, wrong[i].pred, wrong[i].prob, wrong[i].index};
        snprintf(title, sizeof title,
                 "The %d most confident of %d mistakes in %d test images: true \u2192 predicted "
                 "(p, #index)",
                 shown, nw, r->n);
        if (plot_gallery(items, shown, WORST_COLS, title, path, err, sizeof err)) {
            fprintf(stderr, "mnist-cnn eval: %s\n", err);
            rc = -1;
        }
    }
    free(wrong);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"json", no_argument, 0, 'j'},       {"report", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *data = default_data_dir(), *report = NULL;
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
        case 'r': report = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("eval");
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "mnist-cnn eval: expected exactly one checkpoint file\n");
        return usage_error("eval");
    }
    if (report && !*report) {
        fprintf(stderr, "mnist-cnn eval: --report expects a folder\n");
        return usage_error("eval");
    }
    const char *path = argv[optind];
    if (report && make_dirs(report)) {
        fprintf(stderr, "mnist-cnn eval: %s: cannot create the report folder: %s\n", report,
                strerror(errno));
        return EXIT_RUNTIME;
    }
    int nthreads = set_threads(threads);

    Model m;
    if (load_checkpoint_or_report("eval", path, &m, NULL)) return EXIT_RUNTIME;
    char err[512];
    Dataset test = {0};
    if (dataset_load(data, "t10k", &test, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn eval: %s\n", err);
        model_free(&m);
        return EXIT_RUNTIME;
    }
    if (test.rows != 28 || test.cols != 28) {
        fprintf(stderr, "mnist-cnn eval: %s: test images are %dx%d, the model needs 28x28\n", data,
                test.rows, test.cols);
        dataset_free(&test);
        model_free(&m);
        return EXIT_RUNTIME;
    }
    ImageSet set = {test.images.data, test.labels.data, test.n};
    EvalResult r = {.path = path, .n = test.n};
    float *probs = malloc(sizeof(float) * 10 * (size_t)(test.n > 0 ? test.n : 1));
    if (!probs || evaluate(&m, &set, nthreads, &r.loss, &r.acc, probs)) {
        fprintf(stderr, "mnist-cnn eval: out of memory\n");
        free(probs);
        dataset_free(&test);
        model_free(&m);
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < test.n; i++) {
        r.conf[set.labels[i]][argmax(probs + (size_t)i * N_CLASSES, N_CLASSES)]++;
        r.total[set.labels[i]]++;
    }
    if (json) {
        print_json(&r);
    } else {
        print_summary(stdout, &r);
        printf("\n");
        print_per_class(stdout, &r);
        printf("\n");
        print_confusion(stdout, &r);
    }
    fflush(stdout);
    int rc = EXIT_OK;
    if (report) {
        if (write_report(report, &r, &set, probs))
            rc = EXIT_RUNTIME;
        else if (!json)
            printf("\nreport in %s: confusion.png, worst.png, worst.txt, per_class.txt, "
                   "confusion.txt\n", report);
    }
    free(probs);
    dataset_free(&test);
    model_free(&m);
    return rc;
}
