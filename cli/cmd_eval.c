/* mnist-cnn eval: test loss and accuracy, per-class accuracy and the confusion matrix; with
 * --report DIR also as files: the confusion matrix as a picture, a gallery of the worst mistakes,
 * and the tables as text. */
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/argmax.h"
#include "engine/finite.h"
#include "engine/train.h"
#include "io/atomic_file.h"
#include "io/idx.h"
#include "io/plot.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Misclassified images shown in DIR/worst.png (and listed in DIR/worst.txt). */
enum { WORST_SHOWN = 24, WORST_COLS = 8 };

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn eval [FILE.h5] [OPTIONS]\n"
        "Evaluate a checkpoint on the test set (t10k-*): accuracy with its 95%% interval, per\n"
        "class, the confusion matrix. FILE.h5 defaults to the newest run's (" DEFAULT_CHECKPOINT ",\n"
        "runs/model-2.h5, ...) best epoch when it exists, else its checkpoint.\n\n"
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
    long conf[N_CLASSES][N_CLASSES], total[N_CLASSES];
} EvalResult;

static void print_per_class(FILE *f, const EvalResult *r)
{
    fprintf(f, "class  images  accuracy\n");
    for (int k = 0; k < N_CLASSES; k++)
        fprintf(f, "%5d  %6ld  %7.2f%%\n", k, r->total[k],
                r->total[k] ? 100.0 * r->conf[k][k] / r->total[k] : 0.0);
}

static void print_confusion(FILE *f, const EvalResult *r)
{
    fprintf(f, "confusion matrix (rows: true digit, columns: predicted)\n     ");
    for (int j = 0; j < N_CLASSES; j++) fprintf(f, "%6d", j);
    fprintf(f, "\n");
    for (int k = 0; k < N_CLASSES; k++) {
        fprintf(f, "%5d", k);
        for (int j = 0; j < N_CLASSES; j++) fprintf(f, "%6ld", r->conf[k][j]);
        fprintf(f, "\n");
    }
}

/* The 95 % Wilson score interval of an accuracy measured on n images: how far another set of
 * n images from the same source could put it (10,000 images at 99.5 %: about +-0.14 points). */
static void accuracy_interval(double acc, int n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    if (n <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double z2n = z * z / n, centre = (acc + z2n / 2) / (1 + z2n);
    double half = z * sqrt(acc * (1 - acc) / n + z2n / (4.0 * n)) / (1 + z2n);
    *lo = centre - half;
    *hi = centre + half;
}

static void print_summary(FILE *f, const EvalResult *r)
{
    double lo, hi;
    accuracy_interval(r->acc, r->n, &lo, &hi);
    fprintf(f, "%s on %d test images: accuracy %.2f%% (95%% interval %.2f-%.2f%%), loss %.4f\n",
            r->path, r->n, 100 * r->acc, 100 * lo, 100 * hi, r->loss);
}

static void print_json(const EvalResult *r)
{
    printf("{\"checkpoint\": \"");
    json_string(stdout, r->path);
    double lo, hi;
    accuracy_interval(r->acc, r->n, &lo, &hi);
    printf("\", \"images\": %d, \"accuracy\": %.6f, \"accuracy_95\": [%.6f, %.6f], \"loss\": %.6f, "
           "\"per_class\": [", r->n, r->acc, lo, hi, r->loss);
    for (int k = 0; k < N_CLASSES; k++)
        printf("%s%.6f", k ? ", " : "", r->total[k] ? (double)r->conf[k][k] / r->total[k] : 0.0);
    printf("], \"confusion\": [");
    for (int k = 0; k < N_CLASSES; k++) {
        printf("%s[", k ? ", " : "");
        for (int j = 0; j < N_CLASSES; j++) printf("%s%ld", j ? ", " : "", r->conf[k][j]);
        printf("]");
    }
    printf("]}\n");
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

/* A text file of the report, written atomically: print fills a memory stream with what goes in
 * it. Prints the error and returns -1 on failure. */
static int write_text(const char *dir, const char *name, void (*print)(FILE *, const void *),
                      const void *ctx)
{
    char path[4200], err[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc = -1;
    if (f) print(f, ctx);
    if (f && fclose(f) == 0) rc = atomic_write_bytes(path, text, len, err, sizeof err);
    else snprintf(err, sizeof err, "%s: out of memory", path);
    if (rc) fprintf(stderr, "mnist-cnn eval: %s\n", err);
    free(text);
    return rc;
}

static void print_per_class_file(FILE *f, const void *ctx)
{
    print_summary(f, ctx);
    fprintf(f, "\n");
    print_per_class(f, ctx);
}

static void print_confusion_file(FILE *f, const void *ctx)
{
    print_summary(f, ctx);
    fprintf(f, "\n");
    print_confusion(f, ctx);
}

/* The misclassified test images, most confident first. */
typedef struct {
    const EvalResult *r;
    Mistake *list;
    int n;
} Mistakes;

static int find_mistakes(const EvalResult *r, const ImageSet *set, const float *probs, Mistakes *m)
{
    m->r = r;
    m->n = 0;
    m->list = malloc(sizeof(Mistake) * (size_t)(r->n > 0 ? r->n : 1));
    if (!m->list) {
        fprintf(stderr, "mnist-cnn eval: out of memory\n");
        return -1;
    }
    for (int i = 0; i < r->n; i++) {
        const float *p = probs + (size_t)i * N_CLASSES;
        int best = argmax(p, N_CLASSES);
        if (best != set->labels[i])
            m->list[m->n++] = (Mistake){i, set->labels[i], best, p[best], p[set->labels[i]]};
    }
    qsort(m->list, (size_t)m->n, sizeof *m->list, by_confidence);
    return 0;
}

static void print_mistakes_file(FILE *f, const void *ctx)
{
    const Mistakes *m = ctx;
    fprintf(f, "# %d misclassified of %d test images in %s, most confident first\n", m->n, m->r->n,
            m->r->path);
    fprintf(f, "# rank  index  true  predicted  p(predicted)  p(true)\n");
    for (int i = 0; i < m->n; i++)
        fprintf(f, "%6d  %5d  %4d  %9d  %12.4f  %7.4f\n", i + 1, m->list[i].index, m->list[i].truth,
                m->list[i].pred, m->list[i].prob, m->list[i].prob_truth);
}

/* confusion.png: the matrix as a heat map. */
static int write_confusion_picture(const char *dir, const EvalResult *r)
{
    char path[4200], title[4300], err[512];
    snprintf(title, sizeof title, "%s: %d test images, accuracy %.2f%%", r->path, r->n, 100 * r->acc);
    snprintf(path, sizeof path, "%s/confusion.png", dir);
    _Static_assert(N_CLASSES == 10, "io/plot.h's confusion matrix is MNIST's 10x10 (and io/idx.c "
                                    "takes labels 0..9): give them the class count to change it");
    if (plot_confusion((const long(*)[N_CLASSES])r->conf, title, path, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn eval: %s\n", err);
        return -1;
    }
    return 0;
}

/* worst.png: the most confident mistakes; no stale gallery when there is no mistake. */
static int write_mistakes_picture(const char *dir, const Mistakes *m, const ImageSet *set)
{
    char path[4200], title[300], err[512];
    snprintf(path, sizeof path, "%s/worst.png", dir);
    if (m->n == 0) {
        if (remove(path) && errno != ENOENT) {
            fprintf(stderr, "mnist-cnn eval: %s: cannot remove: %s\n", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    int shown = m->n < WORST_SHOWN ? m->n : WORST_SHOWN;
    GalleryItem items[WORST_SHOWN];
    for (int i = 0; i < shown; i++)
        items[i] = (GalleryItem){set->images + (size_t)m->list[i].index * IMG_PIXELS,
                                 m->list[i].truth, m->list[i].pred, m->list[i].prob,
                                 m->list[i].index, IMG_W, IMG_H};
    snprintf(title, sizeof title,
             "The %d most confident of %d mistakes in %d test images: true \u2192 predicted "
             "(p, #index)",
             shown, m->n, m->r->n);
    if (plot_gallery(items, shown, WORST_COLS, title, path, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn eval: %s\n", err);
        return -1;
    }
    return 0;
}

/* Writes the report files into dir (created before); returns 0 when all were written. */
static int write_report(const char *dir, const EvalResult *r, const ImageSet *set,
                        const float *probs)
{
    Mistakes m;
    if (find_mistakes(r, set, probs, &m)) return -1;
    int rc = 0;
    rc |= write_text(dir, "per_class.txt", print_per_class_file, r);
    rc |= write_text(dir, "confusion.txt", print_confusion_file, r);
    rc |= write_text(dir, "worst.txt", print_mistakes_file, &m);
    char why[256];
    if (!plot_available(why, sizeof why)) {
        fprintf(stderr, "mnist-cnn eval: no confusion.png, worst.png in %s: %s\n", dir, why);
        rc = -1;
    } else {
        rc |= write_confusion_picture(dir, r);
        rc |= write_mistakes_picture(dir, &m, set);
    }
    free(m.list);
    return rc;
}

typedef struct {
    const char *data, *report, *path;
    DataOrigin data_from;
    long threads;
    int json;
} EvalOptions;

/* Returns -1 to go on, else the exit code (help printed, or a usage error reported). */
static int parse_options(int argc, char **argv, EvalOptions *o)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
        {"json", no_argument, 0, 'j'},       {"report", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    *o = (EvalOptions){.data = default_data_dir(), .data_from = default_data_origin()};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; o->data_from = DATA_FROM_OPTION; break;
        case 't':
            if (parse_long("eval", "--threads", optarg, 1, 1024, &o->threads)) return usage_error("eval");
            break;
        case 'j': o->json = 1; break;
        case 'r': o->report = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("eval");
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "mnist-cnn eval: expected one checkpoint file\n");
        return usage_error("eval");
    }
    if (o->report && !*o->report) {
        fprintf(stderr, "mnist-cnn eval: --report expects a folder\n");
        return usage_error("eval");
    }
    o->path = optind < argc ? argv[optind] : default_model();
    return -1;
}

/* Everything one evaluation holds, freed in one place. */
typedef struct {
    Model m;
    Dataset test;
    ImageSet set;
    float *probs;   /* every test image's probabilities */
    EvalResult r;
} EvalRun;

static void eval_run_free(EvalRun *e)
{
    free(e->probs);
    dataset_free(&e->test);
    model_free(&e->m);
}

/* Load the model and the test set, evaluate, count the confusion matrix. */
static int evaluate_checkpoint(const EvalOptions *o, EvalRun *e)
{
    char err[512];
    if (load_model_and_say("eval", o->path, &e->m)) return -1;
    if (dataset_load(o->data, "t10k", &e->test, err, sizeof err)) {
        report_data_error("eval", o->data, o->data_from, err);
        return -1;
    }
    if (e->test.rows != IMG_H || e->test.cols != IMG_W) {
        fprintf(stderr, "mnist-cnn eval: %s: test images are %dx%d, the model needs %dx%d\n",
                o->data, e->test.rows, e->test.cols, IMG_H, IMG_W);
        return -1;
    }
    e->set = (ImageSet){e->test.images.data, e->test.labels.data, e->test.n};
    e->r = (EvalResult){.path = o->path, .n = e->test.n};
    e->probs = malloc(sizeof(float) * N_CLASSES * (size_t)(e->test.n > 0 ? e->test.n : 1));
    int not_finite = e->probs ? evaluate(&e->m, &e->set, set_threads(o->threads), &e->r.loss,
                                         &e->r.acc, e->probs)
                              : -1;
    if (not_finite < 0) {
        fprintf(stderr, "mnist-cnn eval: out of memory\n");
        return -1;
    }
    if (not_finite > 0) {   /* no loss, accuracy or confusion matrix is worth printing then */
        fprintf(stderr, "mnist-cnn eval: %s: " NOT_FINITE_WHY " (%d of the %d test images)\n",
                o->path, not_finite, e->test.n);
        return -1;
    }
    for (int i = 0; i < e->test.n; i++) {
        e->r.conf[e->set.labels[i]][argmax(e->probs + (size_t)i * N_CLASSES, N_CLASSES)]++;
        e->r.total[e->set.labels[i]]++;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    EvalOptions o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.report && make_folders(o.report)) {
        fprintf(stderr, "mnist-cnn eval: %s: cannot create the report folder: %s\n", o.report,
                strerror(errno));
        return EXIT_RUNTIME;
    }
    EvalRun e = {0};
    rc = EXIT_RUNTIME;
    if (evaluate_checkpoint(&o, &e) == 0) {
        if (o.json) {
            print_json(&e.r);
        } else {
            print_summary(stdout, &e.r);
            printf("\n");
            print_per_class(stdout, &e.r);
            printf("\n");
            print_confusion(stdout, &e.r);
        }
        fflush(stdout);
        rc = EXIT_OK;
        if (o.report) {
            if (write_report(o.report, &e.r, &e.set, e.probs))
                rc = EXIT_RUNTIME;
            else if (!o.json)
                printf("\nreport in %s: confusion.png, worst.png, worst.txt, per_class.txt, "
                       "confusion.txt\n", o.report);
        }
    }
    eval_run_free(&e);
    return rc;
}
