/* mnist-cnn predict: read digits from image files (or one image of an IDX file) and print what
 * the network sees. Image files are photos and scans as often as clean drawings, so they are
 * cleaned up first (engine/photo_clean.h: a desk around the sheet, lighting, shadows, grain,
 * specks; --no-clean skips it), then go through the same MNIST-like preprocessing as the drawing
 * window. --show DIR writes, per image, the picture beside what the clean-up kept and the 28x28
 * input the network saw. */
#include "cli/commands.h"
#include "cli/common.h"
#include "io/path.h"
#include "engine/infer.h"
#include "engine/photo_clean.h"
#include "engine/preprocess.h"
#include "io/idx.h"
#include "io/image.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn predict [FILE.h5] IMAGE... [OPTIONS]\n"
        "       mnist-cnn predict [FILE.h5] --idx FILE --index K [OPTIONS]\n"
        "FILE.h5 (a first argument ending in .h5 or .hdf5) defaults to the newest run's\n"
        "(" DEFAULT_CHECKPOINT ", runs/model-2.h5, ...) best epoch, else its checkpoint.\n"
        "Predict the digit in each image (PNG, JPEG or PGM/PPM, any size, colour or gray,\n"
        "dark-on-light or light-on-dark: detected; JPEGs turned upright by their Exif\n"
        "Orientation). Photos and scans are cleaned up first: uneven lighting and shadows divided\n"
        "out, ink told from paper (Otsu), specks away from the digit dropped. Then, like MNIST,\n"
        "cropped to the ink, scaled to 20 px and centred by centre of mass in 28x28.\n\n"
        "  --idx FILE      take the image from an IDX file of 28x28 images instead\n"
        "  --index K       which image of --idx (0-based)\n"
        "  --json          one JSON object per image: {\"file\", \"digit\", \"probs\": [10]}\n"
        "                  (digit and probs null for a blank image; \"seen\" with --show)\n"
        "  --show DIR      write DIR/NAME-seen.png per image (DIR made if missing): the picture,\n"
        "                  what the clean-up kept and the network's 28x28 input, magnified;\n"
        "                  NAME-2-seen.png, ... when an image of the same name came first or a\n"
        "                  file there is not an earlier --show picture (left alone)\n"
        "  --no-clean      skip the clean-up (for pictures that are clean already)\n"
        "  -h, --help      this help\n");
}

/* digit < 0 (probs NULL): no digit in the image. seen: the --show picture written, or NULL. */
static void print_result(const char *name, int digit, const float probs[N_CLASSES], const char *seen,
                         int json)
{
    if (json) {
        printf("{\"file\": \"");
        json_string(stdout, name);
        if (digit < 0) {
            printf("\", \"digit\": null, \"probs\": null");
        } else {
            printf("\", \"digit\": %d, \"probs\": [", digit);
            for (int j = 0; j < N_CLASSES; j++) printf("%s%.6f", j ? ", " : "", probs[j]);
            printf("]");
        }
        if (seen) {
            printf(", \"seen\": \"");
            json_string(stdout, seen);
            printf("\"");
        }
        printf("}\n");
        return;
    }
    if (digit < 0) {
        printf("%s: no digit (blank image)\n", name);
    } else {
        printf("%s: %d  (", name, digit);
        for (int j = 0; j < N_CLASSES; j++) printf("%s%d:%.3f", j ? " " : "", j, probs[j]);
        printf(")\n");
    }
    if (seen) printf("  wrote %s\n", seen);
}

/* ---- --show: what the network saw --------------------------------------------------------- */

enum { SHOW_H = 280, SHOW_MAX_W = 560, SHOW_GAP = 8, SHOW_ZOOM = SHOW_H / IMG_H };
_Static_assert(SHOW_ZOOM >= 1, "--show's picture must be at least IMG_H high");

/* Size of a w x h picture scaled to fit SHOW_MAX_W x SHOW_H (aspect kept, at least 1 px). */
static void fit(int w, int h, int *fw, int *fh)
{
    double s = (double)SHOW_H / h;
    if (w * s > SHOW_MAX_W) s = (double)SHOW_MAX_W / w;
    *fw = (int)(w * s + 0.5), *fh = (int)(h * s + 0.5);
    *fw = *fw < 1 ? 1 : *fw, *fh = *fh < 1 ? 1 : *fh;
}

/* Draws src (w x h, 0..1; invert: 1 - v) into the canvas at column x0, scaled to fw x fh: the
 * mean of the source pixels each output pixel covers (the nearest one when enlarging). */
static void blit(uint8_t *canvas, int cw, int x0, const float *src, int w, int h, int fw, int fh,
                 int invert)
{
    for (int y = 0; y < fh; y++) {
        int sy0 = (int)((long long)y * h / fh), sy1 = (int)((long long)(y + 1) * h / fh);
        sy1 = sy1 > sy0 ? sy1 : sy0 + 1;
        for (int x = 0; x < fw; x++) {
            int sx0 = (int)((long long)x * w / fw), sx1 = (int)((long long)(x + 1) * w / fw);
            sx1 = sx1 > sx0 ? sx1 : sx0 + 1;
            double sum = 0;
            for (int yy = sy0; yy < sy1; yy++)
                for (int xx = sx0; xx < sx1; xx++) sum += src[(size_t)yy * w + xx];
            double v = sum / ((double)(sy1 - sy0) * (sx1 - sx0));
            v = invert ? 1 - v : v;
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            canvas[(size_t)y * cw + x0 + x] = (uint8_t)(v * 255 + 0.5);
        }
    }
}

/* The file name of path without its folder and extension, as (start, length). */
static const char *stem(const char *path, int *len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    *len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    return base;
}

/* --show's Software tag: the pictures it finds in DIR with it are its own, to replace. */
#define SHOW_SOFTWARE "mnist-cnn predict --show"
enum { SEEN_PATH_MAX = 1100, SEEN_MAX_TRIES = 10000 };

/* The --show pictures of this run so far: no two inputs may share one. */
typedef struct {
    char (*names)[SEEN_PATH_MAX];
    int n;
} SeenNames;

static int taken(const SeenNames *s, const char *path)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], path) == 0) return 1;
    return 0;
}

/* The --show picture of image path, into buf: DIR/<stem>-seen.png, else DIR/<stem>-N-seen.png for
 * the smallest N >= 2 whose name no earlier image of this run took and which holds nothing but an
 * earlier --show picture (a file with our Software tag, replaced). So a/x.png, b/x.jpg and x-2.png
 * get x-seen, x-2-seen and x-2-2-seen, and a file of the user's named x-seen.png is left alone.
 * The name is recorded in seen. -1 when no name fits in n bytes. */
static int seen_path(const char *dir, const char *path, SeenNames *seen, char *buf, size_t n)
{
    int len;
    const char *base = stem(path, &len);
    int dlen = (int)strlen(dir);
    while (dlen > 0 && dir[dlen - 1] == '/') dlen--;   /* "seen/" names seen/x-seen.png, "/" /x-seen.png */
    for (int k = 1; k <= SEEN_MAX_TRIES; k++) {
        int r = k > 1 ? snprintf(buf, n, "%.*s/%.*s-%d-seen.png", dlen, dir, len, base, k)
                      : snprintf(buf, n, "%.*s/%.*s-seen.png", dlen, dir, len, base);
        if (r < 0 || (size_t)r >= n || (size_t)r >= SEEN_PATH_MAX) return -1;
        struct stat st;
        if (taken(seen, buf)) continue;
        if (lstat(buf, &st) == 0 && !image_png_written_by(buf, SHOW_SOFTWARE)) continue;
        snprintf(seen->names[seen->n++], SEEN_PATH_MAX, "%s", buf);
        return 0;
    }
    return -1;
}

/* The picture as loaded, what the clean-up kept (dark on white, like the picture; absent with
 * --no-clean) and the network's input (IMG_W x IMG_H) magnified SHOW_ZOOM times (nearest neighbour), side by side
 * on white. */
static int write_seen(const char *path, const GrayImage *gi, const PhotoClean *pc, const float *input,
                      char *err, size_t errlen)
{
    int fw, fh, cw2 = 0, ch2 = 0;
    fit(gi->w, gi->h, &fw, &fh);
    if (pc) fit(pc->w, pc->h, &cw2, &ch2);
    int width = fw + SHOW_GAP + (pc ? cw2 + SHOW_GAP : 0) + IMG_W * SHOW_ZOOM;
    uint8_t *canvas = malloc((size_t)width * SHOW_H);
    if (!canvas) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memset(canvas, 255, (size_t)width * SHOW_H);
    blit(canvas, width, 0, gi->pix, gi->w, gi->h, fw, fh, 0);
    int x = fw + SHOW_GAP;
    if (pc) {
        blit(canvas, width, x, pc->ink, pc->w, pc->h, cw2, ch2, 1);
        x += cw2 + SHOW_GAP;
    }
    blit(canvas, width, x, input, IMG_W, IMG_H, IMG_W * SHOW_ZOOM, IMG_H * SHOW_ZOOM, 0);
    int rc = image_save_png_by(path, canvas, width, SHOW_H, 1, SHOW_SOFTWARE, err, errlen);
    free(canvas);
    return rc;
}

/* --show's folder: made if missing (its parent must exist), and must be a folder. */
static int show_dir_ready(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "mnist-cnn predict: %s: cannot create the --show folder: %s\n", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mnist-cnn predict: %s: --show needs a folder, and this is not one\n", dir);
        return -1;
    }
    return 0;
}

typedef struct {
    int json, clean;
    const char *show;    /* --show DIR or NULL */
    const char *model;   /* the checkpoint, as messages name it */
    SeenNames seen;      /* with --show: the pictures written so far */
} PredictOpts;

/* The prediction for one input (what is read from it, name) into *digit and probs: -1 with the
 * reason on stderr when the network's output is not a number (engine/infer.h), which is never
 * printed as a result. */
static int predict_one(Infer *inf, const float img[IMG_PIXELS], const char *model, const char *name,
                       int *digit, float probs[N_CLASSES])
{
    *digit = infer_run(inf, img, NULL, probs, NULL, NULL);
    if (*digit != INFER_NOT_FINITE) return 0;
    fprintf(stderr, "mnist-cnn predict: %s: %s: " NOT_FINITE_WHY "\n", model, name);
    return -1;
}

/* One image file: load, clean up, preprocess, predict, print, and --show's picture. Returns an
 * exit code. */
static int predict_file(Infer *inf, const char *path, PredictOpts *o)
{
    GrayImage gi;
    char err[1200];
    if (image_load(path, &gi, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn predict: %s\n", err);
        return EXIT_RUNTIME;
    }
    PhotoClean pc;
    if (o->clean && photo_clean(gi.pix, gi.w, gi.h, &pc)) {
        fprintf(stderr, "mnist-cnn predict: %s: out of memory cleaning up the picture\n", path);
        image_free(&gi);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK, digit = -1;
    float img[IMG_PIXELS], probs[N_CLASSES];
    const float *pix = o->clean ? pc.ink : gi.pix;
    if (preprocess_digit(pix, o->clean ? pc.w : gi.w, o->clean ? pc.h : gi.h, img)) {
        /* nothing to read: say so rather than print a guess about an empty field */
        fprintf(stderr, "mnist-cnn predict: %s: no ink found (blank image)\n", path);
    } else if (predict_one(inf, img, o->model, path, &digit, probs)) {
        if (o->clean) photo_clean_free(&pc);
        image_free(&gi);
        return EXIT_RUNTIME;
    }
    char seen[SEEN_PATH_MAX];
    const char *wrote = NULL;
    if (o->show) {
        if (seen_path(o->show, path, &o->seen, seen, sizeof seen)) {
            fprintf(stderr, "mnist-cnn predict: %s: no --show file name free in %s (too long, or "
                    "%d taken)\n", path, o->show, SEEN_MAX_TRIES);
            rc = EXIT_RUNTIME;
        } else if (write_seen(seen, &gi, o->clean ? &pc : NULL, img, err, sizeof err)) {
            fprintf(stderr, "mnist-cnn predict: %s\n", err);
            rc = EXIT_RUNTIME;
        } else {
            wrote = seen;
        }
    }
    print_result(path, digit, digit < 0 ? NULL : probs, wrote, o->json);
    if (o->clean) photo_clean_free(&pc);
    image_free(&gi);
    return rc;
}

/* One IMG_H x IMG_W (28x28) image out of an IDX file, as MNIST stores it (no preprocessing needed). */
static int predict_idx(Infer *inf, const char *path, long index, const PredictOpts *o)
{
    IdxArray a;
    char err[512];
    if (idx_load(path, &a, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn predict: %s\n", err);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    if (a.ndim != 3 || a.dims[1] != IMG_H || a.dims[2] != IMG_W) {
        fprintf(stderr, "mnist-cnn predict: %s: not a file of %dx%d images\n", path, IMG_H, IMG_W);
        rc = EXIT_RUNTIME;
    } else if (index < 0 || (size_t)index >= a.count) {
        fprintf(stderr, "mnist-cnn predict: %s: --index %ld is out of range (file holds %zu images)\n",
                path, index, a.count);
        rc = EXIT_USAGE;
    } else {
        float img[IMG_PIXELS], probs[N_CLASSES];
        for (int i = 0; i < IMG_PIXELS; i++) img[i] = a.data[(size_t)index * IMG_PIXELS + i] / 255.0f;
        char name[1100];
        snprintf(name, sizeof name, "%s[%ld]", path, index);
        int digit;
        if (predict_one(inf, img, o->model, name, &digit, probs)) rc = EXIT_RUNTIME;
        else print_result(name, digit, probs, NULL, o->json);
    }
    idx_free(&a);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    static const struct option opts[] = {
        {"idx", required_argument, 0, 'i'}, {"index", required_argument, 0, 'k'},
        {"json", no_argument, 0, 'j'},      {"help", no_argument, 0, 'h'},
        {"show", required_argument, 0, 's'}, {"no-clean", no_argument, 0, 'n'},
        {0, 0, 0, 0}};
    const char *idx = NULL;
    long index = -1;
    PredictOpts po = {.json = 0, .clean = 1, .show = NULL};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': idx = optarg; break;
        case 'k':
            if (parse_long("predict", "--index", optarg, 0, 0x7fffffff, &index))
                return usage_error("predict");
            break;
        case 'j': po.json = 1; break;
        case 's': po.show = optarg; break;
        case 'n': po.clean = 0; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("predict");
        }
    }
    /* the model: a first argument that names a checkpoint, else the newest run's */
    int given = optind < argc && path_has_ext(argv[optind], path_hdf5_exts);
    const char *model = given ? argv[optind] : default_model();
    char **images = argv + optind + given;
    int nimages = argc - optind - given;
    if ((!idx && nimages < 1) || (idx && index < 0)) {
        fprintf(stderr, "mnist-cnn predict: expected at least one image (or --idx FILE --index "
                        "K), after the checkpoint if one is named\n");
        return usage_error("predict");
    }
    if (!idx && index >= 0) {
        fprintf(stderr, "mnist-cnn predict: --index needs --idx FILE\n");
        return usage_error("predict");
    }
    if (po.show && !*po.show) {
        fprintf(stderr, "mnist-cnn predict: --show expects a folder\n");
        return usage_error("predict");
    }
    if (po.show && nimages < 1) {
        fprintf(stderr, "mnist-cnn predict: --show draws image files, not --idx images\n");
        return usage_error("predict");
    }
    if (po.show && show_dir_ready(po.show)) return EXIT_RUNTIME;
    Model m;
    if (load_model_and_say("predict", model, &m)) return EXIT_RUNTIME;
    Infer *inf = infer_create(&m, single_image_threads());
    if (!inf) {
        fprintf(stderr, "mnist-cnn predict: out of memory\n");
        model_free(&m);
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    po.model = model;
    if (po.show && !(po.seen.names = calloc((size_t)nimages, sizeof *po.seen.names))) {
        fprintf(stderr, "mnist-cnn predict: out of memory\n");
        rc = EXIT_RUNTIME;
        nimages = 0;
    }
    if (idx) rc = predict_idx(inf, idx, index, &po);
    for (int i = 0; i < nimages; i++) {
        int r = predict_file(inf, images[i], &po);
        if (r != EXIT_OK) rc = r;
    }
    free(po.seen.names);
    infer_free(inf);
    model_free(&m);
    return rc;
}
