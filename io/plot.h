/* Pictures of a run, drawn with PLplot's cairo devices: the training graphs (loss and accuracy
 * over epochs, train and test), the confusion matrix as a heat map with counts, and a gallery of
 * digit images with their true and predicted labels.
 *
 * Every file is written to a temporary file next to its path and renamed over it, so a path holds
 * either its old content or a complete new picture. Functions return 0, or -1 with a message
 * naming the file in err; nothing prints. When the build has no PLplot (meson option `plots`),
 * plot_available() is 0 and every drawing function fails with a message saying so.
 *
 * PLplot keeps global state: call these from one thread at a time. */
#ifndef MNIST_IO_PLOT_H
#define MNIST_IO_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "common/metric_log.h"

/* 1 when this build can draw (PLplot found at build time and its pngcairo and svgcairo devices
 * installed); otherwise 0, with the reason in why when why is non-NULL. */
int plot_available(char *why, size_t whylen);

/* Default size of the training graphs: pixels for PNG, points (1/72 in) for SVG. */
enum { PLOT_TRAINING_W = 1200, PLOT_TRAINING_H = 480 };

/* Loss (left panel) and accuracy in % (right panel) against the epoch, train and test, with axes,
 * ticks, labels and a legend in each panel. When steps_per_epoch > 0 and the log holds step
 * rows, each recorded batch loss is drawn faintly behind the loss curves at x = step /
 * steps_per_epoch. Epochs whose test metrics are NaN leave a gap in the test curves.
 * png_path and svg_path: either may be NULL (not written); width, height <= 0: defaults.
 * Fails when the log has no epochs. */
int plot_training(const MetricLog *log, double steps_per_epoch, const char *png_path,
                  const char *svg_path, int width, int height, char *err, size_t errlen);

/* The 10x10 confusion matrix (rows: true digit, columns: predicted) as a PNG heat map, each cell
 * coloured by its share of the row and labelled with its count. title may be NULL. */
int plot_confusion(const long conf[10][10], const char *title, const char *png_path, char *err,
                   size_t errlen);

/* One picture in a gallery: a w x h uint8 image (white ink on black, as in MNIST: 28x28), drawn
 * dark on light, captioned with its true and predicted labels and the predicted probability. */
typedef struct {
    const uint8_t *pixels;
    int truth, pred;
    float prob;      /* probability of pred */
    int index;       /* position in its data set, shown as #index */
    int w, h;        /* the size of pixels (row-major, h rows of w) */
} GalleryItem;

/* n items in a grid of `cols` columns (<= 0: 8) as a PNG, under title (may be NULL). */
int plot_gallery(const GalleryItem *items, int n, int cols, const char *title, const char *png_path,
                 char *err, size_t errlen);

#endif
