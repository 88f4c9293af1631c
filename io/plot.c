/* Training graphs, confusion matrix and image gallery with PLplot: see plot.h. */
#include "io/plot.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MNIST_HAVE_PLPLOT

static const char no_plplot[] = "this mnist-cnn was built without PLplot (meson option 'plots'; "
                                "install libplplot-dev and plplot-driver-cairo and rebuild)";

int plot_available(char *why, size_t whylen)
{
    io_fail(why, whylen, "%s", no_plplot);
    return 0;
}

int plot_training(const MetricLog *log, double steps_per_epoch, const char *png_path,
                  const char *svg_path, int width, int height, char *err, size_t errlen)
{
    (void)log, (void)steps_per_epoch, (void)width, (void)height;
    return io_fail(err, errlen, "%s: %s", png_path ? png_path : svg_path ? svg_path : "plot",
                no_plplot);
}

int plot_confusion(const long conf[10][10], const char *title, const char *png_path, char *err,
                   size_t errlen)
{
    (void)conf, (void)title;
    return io_fail(err, errlen, "%s: %s", png_path, no_plplot);
}

int plot_gallery(const GalleryItem *items, int n, int cols, const char *title, const char *png_path,
                 char *err, size_t errlen)
{
    (void)items, (void)n, (void)cols, (void)title;
    return io_fail(err, errlen, "%s: %s", png_path, no_plplot);
}

#else

#include <plplot.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Colour map 0 used by every figure. */
enum { C_BG, C_FG, C_GRID, C_TRAIN, C_TEST, C_BATCH, C_WHITE, C_MUTED, C_VAL, C_LR, C_COUNT };
static const PLINT cmap0_r[C_COUNT] = {255, 0, 225, 31, 230, 160, 255, 90, 44, 150};
static const PLINT cmap0_g[C_COUNT] = {255, 0, 225, 90, 110, 190, 255, 90, 160, 150};
static const PLINT cmap0_b[C_COUNT] = {255, 0, 225, 180, 20, 230, 255, 90, 44, 150};

static int list_errno;   /* errno when PLplot could not read its list of drivers */

/* PLplot complains while reading its driver list: keep errno of that moment (the cause). The
 * message itself is not read: libplplot 5.15 hands over a buffer it has already freed. */
static int list_failed;
static void on_list_abort(const char *msg)
{
    (void)msg;
    if (!list_failed) list_errno = errno;
    list_failed = 1;
}

/* 0 when the process can open k more files at once, else the errno that stopped it (EMFILE: out
 * of descriptors). PLplot holds its driver folder and a driver's file open while it lists them;
 * out of descriptors it fails, and libplplot 5.15 then reads a message it has already freed: so
 * that case is told apart before PLplot is asked. */
static int files_openable(int k)
{
    int fds[8], n = 0, e = 0;
    for (; n < k && n < 8; n++)
        if ((fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
            e = errno;
            break;
        }
    while (n > 0) close(fds[--n]);
    return e;
}

/* 1 when PLplot has output device dev, 0 when it does not; -1 with the reason in why when it could
 * not read its list of drivers at all (it opens a file per driver: a process out of file
 * descriptors sees none, which is no reason to tell the user to install a driver). */
static int has_device(const char *dev, char *why, size_t whylen)
{
    const char **menu = NULL, **names = NULL;
    int n = 64;
    /* plgDevs fills at most *n entries of caller-provided arrays */
    menu = calloc((size_t)n, sizeof *menu);
    names = calloc((size_t)n, sizeof *names);
    int found = 0;
    if (!menu || !names) {
        free(menu);
        free(names);
        io_fail(why, whylen, "out of memory");
        return -1;
    }
    list_failed = 0;
    list_errno = files_openable(3);
    if (list_errno == EMFILE || list_errno == ENFILE) {
        list_failed = 1;
        n = 0;
    }
    /* PLplot prints its complaints on stderr unless given a buffer for them: ours says more.
     * Static, and large (its messages may hold a path): PLplot may keep them after this call. */
    static char quiet[16384];
    static PLINT code;
    plsError(&code, quiet);
    plsabort(on_list_abort);
    if (!list_failed) plgDevs(&menu, &names, &n);
    plsabort(NULL);
    plsError(NULL, NULL);
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], dev) == 0) found = 1;
    free(menu);
    free(names);
    if (found || !list_failed) return found;
    struct rlimit rl;
    if ((list_errno == EMFILE || list_errno == ENFILE) && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY)
        io_fail(why, whylen, "PLplot cannot read its list of output devices: %s (this process may "
                "open %llu files: ulimit -n)", strerror(list_errno), (unsigned long long)rl.rlim_cur);
    else
        io_fail(why, whylen, "PLplot cannot read its list of output devices%s%s",
                list_errno ? ": " : "", list_errno ? strerror(list_errno) : "");
    return -1;
}

/* The reason dev cannot be used, into why; 0 when it can. */
static int device_ready(const char *dev, char *why, size_t whylen)
{
    int has = has_device(dev, why, whylen);
    if (has > 0) return 0;
    if (has == 0)
        io_fail(why, whylen, "PLplot has no '%s' output device (install plplot-driver-cairo)", dev);
    return -1;
}

int plot_available(char *why, size_t whylen)
{
    static const char *const devs[] = {"pngcairo", "svgcairo"};
    for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++)
        if (device_ready(devs[i], why, whylen)) return 0;
    return 1;
}

/* PLplot reports fatal errors through plexit(), which would end the process after calling the
 * exit handler: the handler jumps back into render() instead, so a plotting failure is an error
 * return like any other. Non-fatal complaints (plabort) are recorded and fail the picture too. */
static jmp_buf plot_jmp;
static char plot_msg[256];

static int on_plexit(const char *msg)
{
    snprintf(plot_msg, sizeof plot_msg, "%s", msg && *msg ? msg : "PLplot error");
    longjmp(plot_jmp, 1);
    return 1;
}

static void on_plabort(const char *msg)
{
    if (!plot_msg[0]) snprintf(plot_msg, sizeof plot_msg, "%s", msg && *msg ? msg : "PLplot error");
}

typedef void (*DrawFn)(const void *fig);

typedef struct {
    const char *dev;
    int w, h;
    DrawFn draw;
    const void *fig;
} Render;

/* Draws one figure into the temporary file by name (PLplot opens files itself). A PLplot failure
 * jumps back here, so atomic_write still removes the temporary file. */
static int fill_plot(int fd, const char *tmp_path, const char *path, void *ctx, char *err,
                     size_t errlen)
{
    const Render *r = ctx;
    static volatile int in_use;
    if (in_use) return io_fail(err, errlen, "%s: PLplot is busy (plots are drawn one at a time)", path);
    in_use = 1;
    plot_msg[0] = 0;
    plsexit(on_plexit);
    plsabort(on_plabort);
    if (setjmp(plot_jmp)) {
        plsexit(NULL);
        plsabort(NULL);
        in_use = 0;
        return io_fail(err, errlen, "%s: PLplot failed: %s", path, plot_msg);
    }
    plsdev(r->dev);
    plsfnam(tmp_path);
    plspage(0, 0, r->w, r->h, 0, 0);
    plscmap0(cmap0_r, cmap0_g, cmap0_b, C_COUNT);
    plinit();
    pladv(0);
    r->draw(r->fig);
    plend();
    plsexit(NULL);
    plsabort(NULL);
    in_use = 0;
    struct stat st;
    if (plot_msg[0] || fstat(fd, &st) || st.st_size == 0)
        return io_fail(err, errlen, "%s: PLplot failed: %s", path,
                       plot_msg[0] ? plot_msg : "nothing was written");
    return 0;
}

/* Draws one figure with device dev into path, atomically (io/atomic_file.h). */
static int render(const char *dev, const char *path, int w, int h, DrawFn draw, const void *fig,
                  char *err, size_t errlen)
{
    char why[300];
    if (device_ready(dev, why, sizeof why)) return io_fail(err, errlen, "%s: %s", path, why);
    Render r = {dev, w, h, draw, fig};
    return atomic_write(path, fill_plot, &r, err, errlen);
}

/* ---- training graphs ---- */

typedef struct {
    const MetricLog *log;
    double steps_per_epoch;   /* > 0: draw batch losses */
} TrainingFig;

/* Lines through the finite points of (x, y), broken where y is NaN, with a marker at each. */
static void curve(const PLFLT *x, const PLFLT *y, int n, int colour, PLFLT width, int marker)
{
    plcol0(colour);
    plwidth(width);
    for (int i = 0; i < n;) {
        while (i < n && !isfinite(y[i])) i++;
        int j = i;
        while (j < n && isfinite(y[j])) j++;
        if (j - i > 1) plline(j - i, x + i, y + i);
        if (marker && j > i) {
            plssym(0, 1.1);
            plpoin(j - i, x + i, y + i, marker);
        }
        i = j;
    }
    plwidth(1);
}

/* Major tick spacing on an epoch axis: integers, at most ~10 labels. */
static PLFLT epoch_tick(double span)
{
    static const int nice[] = {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000};
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (span / nice[i] <= 10) return nice[i];
    return 0; /* let PLplot choose */
}

/* Character scale of the training graphs (PLplot's default is large for a 1200x480 page). */
#define CHR 0.8
/* Panel viewports leave room for the title above and the axis label and legend below. */
#define VP_BOTTOM 0.22
#define VP_TOP 0.9

static void panel_frame(PLFLT xmin, PLFLT xmax, PLFLT ymin, PLFLT ymax, PLFLT xtick,
                        const char *ylabel, const char *title)
{
    plwind(xmin, xmax, ymin, ymax);
    plcol0(C_GRID);
    plbox("g", xtick, 0, "g", 0, 0);
    plcol0(C_FG);
    plwidth(1.2);
    plbox("bcnst", xtick, xtick == 1 ? 1 : xtick >= 2 ? 2 : 0, "bcnstv", 0, 0);
    plwidth(1);
    pllab("epoch", ylabel, "");
    plschr(0, 1.0);
    plmtex("t", 1.0, 0.5, 0.5, title);
    plschr(0, CHR);
}

/* Approximate width in mm of text at the current character height: PLplot's public API has no
 * string-length query, and sans-serif glyphs average about 0.7 of PLplot's character height. */
static double text_mm(const char *text)
{
    PLFLT def, ht;
    plgchr(&def, &ht);
    size_t chars = 0;
    for (const char *c = text; *c; c++) chars += ((unsigned char)*c & 0xc0) != 0x80;
    return 0.7 * ht * (double)chars;
}

/* A one-row legend centred under the panel spanning vx0..vx1 (subpage fractions), at height vy:
 * for each entry a line sample (with a marker when with_marker[i]) and its text. Drawn by hand:
 * pllegend's column widths leave too much room in a row this narrow. */
static void panel_legend(double vx0, double vx1, double vy, int n, const char **text,
                         const int *colours, const int *with_marker)
{
    if (n > 5) n = 5;
    PLFLT sx0, sx1, sy0, sy1;
    plgspa(&sx0, &sx1, &sy0, &sy1); /* the subpage in mm */
    double width_mm = (vx1 - vx0) * (sx1 - sx0);
    plvpor(vx0, vx1, vy - 0.03, vy + 0.03);
    plwind(0, width_mm, -1, 1);
    double seg = 9, gap = 2, sep = n > 4 ? 5 : 8, total = 0, len[5];
    /* a small page: text, samples and gaps shrink together until the row fits the panel */
    for (double scale = 1; scale >= 0.5; scale *= 0.9) {
        plschr(0, CHR * scale);
        seg = 9 * scale, gap = 2 * scale, sep = (n > 4 ? 5 : 8) * scale, total = 0;
        for (int i = 0; i < n; i++) {
            len[i] = text_mm(text[i]);
            total += (i ? sep : 0) + seg + gap + len[i];
        }
        if (total <= 0.98 * width_mm) break;
    }
    double x = (width_mm - total) / 2;
    for (int i = 0; i < n; i++) {
        PLFLT lx[2] = {x, x + seg}, ly[2] = {0, 0}, mx = x + seg / 2, my = 0;
        plcol0(colours[i]);
        plwidth(with_marker[i] ? 2.2 : 1.0);
        plline(2, lx, ly);
        plwidth(1);
        if (with_marker[i]) {
            plssym(0, 1.1);
            plpoin(1, &mx, &my, 17);
        }
        plcol0(C_FG);
        plptex(x + seg + gap, 0, 1, 0, 0, text[i]);
        x += seg + gap + len[i] + sep;
    }
    plschr(0, CHR);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The x axis of both panels: epochs 1..n, from 0 when batch losses (which start at step 1) are
 * drawn. */
typedef struct {
    PLFLT xmin, xmax, xpad, xtick;
} EpochAxis;

static EpochAxis epoch_axis(const PLFLT *x, int n, int steps)
{
    EpochAxis ax = {steps ? 0 : x[0], x[n - 1], 0, 0};
    for (int i = 0; i < n; i++) {
        if (x[i] < ax.xmin) ax.xmin = x[i];
        if (x[i] > ax.xmax) ax.xmax = x[i];
    }
    if (ax.xmax - ax.xmin < 1) ax.xmin -= 0.5, ax.xmax += 0.5;
    ax.xpad = 0.03 * (ax.xmax - ax.xmin);
    ax.xtick = epoch_tick(ax.xmax - ax.xmin);
    return ax;
}

/* The recorded batch losses as points (x in epochs) in sx, sy (malloc'ed, *ns of them); their
 * 95th percentile goes to *q95 (0 when there are none). */
static void batch_losses(const TrainingFig *f, PLFLT **sx, PLFLT **sy, int *ns, double *q95)
{
    const MetricLog *log = f->log;
    *sx = *sy = NULL;
    *ns = 0;
    *q95 = 0;
    if (!(f->steps_per_epoch > 0 && log->n_steps > 0)) return;
    *sx = malloc(sizeof(PLFLT) * log->n_steps);
    *sy = malloc(sizeof(PLFLT) * log->n_steps);
    float *sorted = malloc(sizeof(float) * log->n_steps);
    if (*sx && *sy && sorted) {
        for (size_t i = 0; i < log->n_steps; i++) {
            if (!isfinite(log->steps[i].loss)) continue;
            (*sx)[*ns] = (double)log->steps[i].step / f->steps_per_epoch;
            (*sy)[*ns] = log->steps[i].loss;
            sorted[(*ns)++] = log->steps[i].loss;
        }
        if (*ns > 0) {
            qsort(sorted, (size_t)*ns, sizeof *sorted, cmp_float);
            *q95 = sorted[(size_t)(0.95 * (*ns - 1))];
        }
    }
    free(sorted);
}

/* Whether any epoch has a validation figure (a run with --val). */
static int has_val(const MetricLog *log)
{
    for (size_t i = 0; i < log->n_epochs; i++)
        if (isfinite(log->epochs[i].val_acc)) return 1;
    return 0;
}

/* The learning rate over the run on the loss panel, against its own axis on the right: from the
 * logged steps when they carry it, else one point per epoch. */
static void lr_curve(const TrainingFig *f, EpochAxis ax)
{
    const MetricLog *log = f->log;
    size_t cap = log->n_steps > log->n_epochs ? log->n_steps : log->n_epochs;
    PLFLT *x = malloc(sizeof(PLFLT) * (cap ? cap : 1)), *y = malloc(sizeof(PLFLT) * (cap ? cap : 1));
    int n = 0;
    double top = 0;
    if (x && y && f->steps_per_epoch > 0)
        for (size_t i = 0; i < log->n_steps; i++)
            if (isfinite(log->steps[i].lr)) {
                x[n] = (double)log->steps[i].step / f->steps_per_epoch;
                y[n++] = log->steps[i].lr;
            }
    if (x && y && n == 0)
        for (size_t i = 0; i < log->n_epochs; i++)
            if (isfinite(log->epochs[i].lr)) {
                x[n] = log->epochs[i].epoch;
                y[n++] = log->epochs[i].lr;
            }
    for (int i = 0; i < n; i++)
        if (y[i] > top) top = y[i];
    if (n > 0 && top > 0) {
        /* in units of 10^e, named in the axis label: PLplot would otherwise put its own
         * "(x10^e)" above the axis, where it reads as belonging to neither panel */
        int e = (int)floor(log10(top));
        double unit = pow(10, e);
        for (int i = 0; i < n; i++) y[i] /= unit;
        plwind(ax.xmin - ax.xpad, ax.xmax + ax.xpad, 0, top / unit * 1.12);
        plcol0(C_LR);
        plbox("", 0, 0, "cmstv", 0, 0);
        char label[48];
        snprintf(label, sizeof label, "learning rate (10#u%d#d)", e);
        plmtex("r", 2.4, 0.5, 0.5, label);
        curve(x, y, n, C_LR, 1.4, 0);
    }
    free(x);
    free(y);
}

/* Left: the loss per epoch, train and test, with the batch losses faintly behind. The range runs
 * from 0 to a little above every epoch loss and nearly every batch loss (the first batches, at
 * ~2.3, would otherwise flatten the curves; they run off the top instead). */
static void loss_panel(const TrainingFig *f, const PLFLT *x, const PLFLT *trl, const PLFLT *tel,
                       const PLFLT *val, int n, EpochAxis ax)
{
    PLFLT *sx, *sy;
    int ns;
    double lmax;
    batch_losses(f, &sx, &sy, &ns, &lmax);
    for (int i = 0; i < n; i++) {
        if (isfinite(trl[i]) && trl[i] > lmax) lmax = trl[i];
        if (isfinite(tel[i]) && tel[i] > lmax) lmax = tel[i];
        if (isfinite(val[i]) && val[i] > lmax) lmax = val[i];
    }
    if (!(lmax > 0)) lmax = 1;
    plschr(0, CHR);
    plvpor(0.07, 0.45, VP_BOTTOM, VP_TOP);
    panel_frame(ax.xmin - ax.xpad, ax.xmax + ax.xpad, 0, lmax * 1.12, ax.xtick, "cross-entropy loss",
                "Loss");
    if (ns > 1) curve(sx, sy, ns, C_BATCH, 0.8, 0);
    curve(x, trl, n, C_TRAIN, 2.2, 17);
    curve(x, tel, n, C_TEST, 2.2, 17);
    int v = has_val(f->log);
    if (v) curve(x, val, n, C_VAL, 2.2, 17);
    lr_curve(f, ax);
    /* the legend lists what was drawn: train, [val], test, [batch], lr */
    const char *text[5];
    int col[5], mk[5], k = 0;
    text[k] = v ? "train" : "train (epoch mean)", col[k] = C_TRAIN, mk[k++] = 1;
    if (v) text[k] = "val", col[k] = C_VAL, mk[k++] = 1;
    text[k] = "test", col[k] = C_TEST, mk[k++] = 1;
    if (ns > 1) text[k] = "batch", col[k] = C_BATCH, mk[k++] = 0;
    text[k] = "lr (right)", col[k] = C_LR, mk[k++] = 0;
    panel_legend(0.07, 0.45, 0.06, k, text, col, mk);
    free(sx);
    free(sy);
}

/* Right: the accuracy in % per epoch, train and test, the last test figure in the legend. The
 * range is what people look at: the second half of the run (the first epochs, far lower, would
 * squash the end, where validation and test lines lie on each other); earlier points run off the
 * bottom. */
static void accuracy_panel(const MetricLog *log, const PLFLT *x, const PLFLT *tra, const PLFLT *tea,
                           const PLFLT *vaa, int n, EpochAxis ax)
{
    double amin = 100;
    for (int i = n / 2; i < n; i++) {
        if (isfinite(tra[i]) && tra[i] < amin) amin = tra[i];
        if (isfinite(tea[i]) && tea[i] < amin) amin = tea[i];
        if (isfinite(vaa[i]) && vaa[i] < amin) amin = vaa[i];
    }
    double lo = amin - 0.25 * (100 - amin);
    lo = lo < 0 ? 0 : lo > 95 ? floor(2 * lo) / 2 : floor(lo);
    if (lo > 99.5) lo = 99.5;
    char test_text[96];
    const EpochMetrics *last = &log->epochs[n - 1];
    if (isfinite(last->test_acc))
        snprintf(test_text, sizeof test_text, "test (%.2f%%, epoch %d)",
                 100 * last->test_acc, last->epoch);
    else
        snprintf(test_text, sizeof test_text, "test");
    plvpor(0.61, 0.98, VP_BOTTOM, VP_TOP);
    panel_frame(ax.xmin - ax.xpad, ax.xmax + ax.xpad, lo, 100 + 0.04 * (100 - lo), ax.xtick,
                "accuracy (%)", "Accuracy");
    curve(x, tra, n, C_TRAIN, 2.2, 17);
    curve(x, tea, n, C_TEST, 2.2, 17);
    int v = has_val(log);
    if (v) curve(x, vaa, n, C_VAL, 2.2, 17);
    const char *text[3] = {"train", v ? "val" : test_text, test_text};
    int col[3] = {C_TRAIN, v ? C_VAL : C_TEST, C_TEST}, mk[3] = {1, 1, 1};
    panel_legend(0.61, 0.98, 0.06, v ? 3 : 2, text, col, mk);
}

static void draw_training(const void *p)
{
    const TrainingFig *f = p;
    const MetricLog *log = f->log;
    int n = (int)log->n_epochs;
    PLFLT *x = malloc(sizeof(PLFLT) * 7 * (size_t)n);
    if (!x) {
        on_plabort("out of memory");
        return;
    }
    PLFLT *trl = x + n, *tel = trl + n, *tra = tel + n, *tea = tra + n, *val = tea + n,
          *vaa = val + n;
    for (int i = 0; i < n; i++) {
        x[i] = log->epochs[i].epoch;
        trl[i] = log->epochs[i].train_loss;
        tel[i] = log->epochs[i].test_loss;
        tra[i] = 100.0 * log->epochs[i].train_acc;
        tea[i] = 100.0 * log->epochs[i].test_acc;
        val[i] = log->epochs[i].val_loss;
        vaa[i] = 100.0 * log->epochs[i].val_acc;
    }
    EpochAxis ax = epoch_axis(x, n, f->steps_per_epoch > 0 && log->n_steps > 0);
    loss_panel(f, x, trl, tel, val, n, ax);
    accuracy_panel(log, x, tra, tea, vaa, n, ax);
    free(x);
}

int plot_training(const MetricLog *log, double steps_per_epoch, const char *png_path,
                  const char *svg_path, int width, int height, char *err, size_t errlen)
{
    const char *name = png_path ? png_path : svg_path ? svg_path : "plot";
    if (!log || log->n_epochs == 0)
        return io_fail(err, errlen, "%s: the metric log has no epochs to plot", name);
    if (width <= 0) width = PLOT_TRAINING_W;
    if (height <= 0) height = PLOT_TRAINING_H;
    TrainingFig fig = {log, steps_per_epoch};
    if (png_path && render("pngcairo", png_path, width, height, draw_training, &fig, err, errlen))
        return -1;
    if (svg_path && render("svgcairo", svg_path, width, height, draw_training, &fig, err, errlen))
        return -1;
    return 0;
}

/* ---- confusion matrix ---- */

typedef struct {
    const long (*conf)[10];
    const char *title;
} ConfusionFig;

static void draw_confusion(const void *p)
{
    const ConfusionFig *f = p;
    PLFLT cells[10][10], *cols[10];
    for (int t = 0; t < 10; t++) {
        long row = 0;
        for (int k = 0; k < 10; k++) row += f->conf[t][k];
        for (int k = 0; k < 10; k++)
            /* colour: square root of the row share, so a handful of mistakes still shows */
            cells[k][t] = row ? sqrt((double)f->conf[t][k] / row) : 0;
    }
    for (int k = 0; k < 10; k++) cols[k] = cells[k];
    /* white -> dark blue */
    PLINT r[2] = {255, 8}, g[2] = {255, 48}, b[2] = {255, 107};
    plscmap1n(256);
    PLFLT pos[2] = {0, 1}, rr[2] = {r[0] / 255.0, r[1] / 255.0}, gg[2] = {g[0] / 255.0, g[1] / 255.0},
          bb[2] = {b[0] / 255.0, b[1] / 255.0};
    plscmap1l(1, 2, pos, rr, gg, bb, NULL);

    plschr(0, 0.85);
    plvpor(0.13, 0.95, 0.10, 0.86);
    plwind(-0.5, 9.5, 9.5, -0.5); /* row 0 at the top */
    /* plimage draws cell i over [xmin + i d, xmin + (i + 1) d] with d = (xmax - xmin) / (nx - 1)
     * (so the last cell lies beyond xmax): cell k over [k - 0.5, k + 0.5] */
    plimage((PLFLT_MATRIX)cols, 10, 10, -0.5, 8.5, -0.5, 8.5, 0, 1, -0.5, 8.5, -0.5, 8.5);
    plschr(0, 0.8);
    for (int t = 0; t < 10; t++)
        for (int k = 0; k < 10; k++) {
            char s[24];
            snprintf(s, sizeof s, "%ld", f->conf[t][k]);
            plcol0(cells[k][t] > 0.55 ? C_WHITE : f->conf[t][k] ? C_FG : C_MUTED);
            plptex(k, t, 1, 0, 0.5, s);
        }
    plcol0(C_FG);
    plschr(0, 1.0);
    plbox("bcmt", 1, 0, "bcntv", 1, 0); /* digits on top (x) and left (y) */
    plmtex("t", 3.0, 0.5, 0.5, "predicted digit");
    plmtex("l", 3.2, 0.5, 0.5, "true digit");
    if (f->title) {
        plschr(0, 0.85);
        plmtex("b", 2.0, 0.5, 0.5, f->title);
    }
    plschr(0, 1.0);
}

int plot_confusion(const long conf[10][10], const char *title, const char *png_path, char *err,
                   size_t errlen)
{
    ConfusionFig fig = {conf, title};
    return render("pngcairo", png_path, 760, 760, draw_confusion, &fig, err, errlen);
}

/* ---- gallery ---- */

typedef struct {
    const GalleryItem *items;
    int n, cols, rows;
    const char *title;
    PLFLT *img, **cols_of;   /* room for the largest item: its values, a pointer per column */
} GalleryFig;

static void draw_gallery(const void *p)
{
    const GalleryFig *f = p;
    /* gray ramp: 0 = white paper, 1 = black ink */
    PLFLT pos[2] = {0, 1}, v[2] = {1, 0};
    plscmap1n(256);
    plscmap1l(1, 2, pos, v, v, v, NULL);

    double top = f->title ? 0.93 : 0.98, bottom = 0.01;
    double cw = 0.98 / f->cols, ch = (top - bottom) / f->rows;
    for (int i = 0; i < f->n; i++) {
        const GalleryItem *it = &f->items[i];
        int r = i / f->cols, c = i % f->cols;
        double x0 = 0.01 + c * cw, y1 = top - r * ch;
        /* the image as a square in the lower part of the cell, its captions above it */
        const int iw = it->w, ih = it->h;
        plvpas(x0 + cw * 0.06, x0 + cw * 0.94, y1 - ch * 0.97, y1 - ch * 0.24, (double)ih / iw);
        plwind(0, iw, 0, ih);
        /* plimage's matrix is [x][y], y upwards */
        PLFLT **cols = f->cols_of;
        for (int x = 0; x < iw; x++) cols[x] = f->img + (size_t)x * ih;
        for (int y = 0; y < ih; y++)
            for (int x = 0; x < iw; x++) cols[x][ih - 1 - y] = it->pixels[y * iw + x] / 255.0;
        /* pixel x over [x, x + 1]: see draw_confusion on plimage's cells */
        plimage((PLFLT_MATRIX)cols, iw, ih, 0, iw - 1, 0, ih - 1, 0, 1, 0, iw - 1, 0, ih - 1);
        plcol0(C_GRID);
        plbox("bc", 0, 0, "bc", 0, 0);
        char s[64];
        plcol0(C_FG);
        plschr(0, 0.8);
        snprintf(s, sizeof s, "%d \u2192 %d", it->truth, it->pred);
        plmtex("t", 2.0, 0.5, 0.5, s);
        plcol0(C_MUTED);
        plschr(0, 0.55);
        snprintf(s, sizeof s, "p %.3f  #%d", it->prob, it->index);
        plmtex("t", 0.9, 0.5, 0.5, s);
    }
    if (f->title) {
        plvpor(0, 1, top, 1);
        plwind(0, 1, 0, 1);
        plcol0(C_FG);
        plschr(0, 0.8);
        plptex(0.5, 0.4, 1, 0, 0.5, f->title);
    }
    plschr(0, 1);
}

int plot_gallery(const GalleryItem *items, int n, int cols, const char *title, const char *png_path,
                 char *err, size_t errlen)
{
    if (n <= 0) return io_fail(err, errlen, "%s: no images to draw", png_path);
    if (cols <= 0) cols = 8;
    if (cols > n) cols = n;
    int rows = (n + cols - 1) / cols;
    size_t most = 0, widest = 0;
    for (int i = 0; i < n; i++) {
        if (items[i].w <= 0 || items[i].h <= 0)
            return io_fail(err, errlen, "%s: image %d has no pixels", png_path, i);
        size_t px = (size_t)items[i].w * (size_t)items[i].h;
        most = px > most ? px : most;
        widest = (size_t)items[i].w > widest ? (size_t)items[i].w : widest;
    }
    GalleryFig fig = {items, n, cols, rows, title, malloc(most * sizeof(PLFLT)),
                      malloc(widest * sizeof(PLFLT *))};
    int w = 40 + cols * 170, h = (title ? 60 : 20) + rows * 230;
    int rc = fig.img && fig.cols_of
                 ? render("pngcairo", png_path, w, h, draw_gallery, &fig, err, errlen)
                 : io_fail(err, errlen, "%s: out of memory", png_path);
    free(fig.img);
    free(fig.cols_of);
    return rc;
}

#endif
