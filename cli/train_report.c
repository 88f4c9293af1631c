/* What mnist-cnn train prints: the first line, progress, one line (or JSON object) per epoch,
 * how an unfinished run ended and how to resume it, and the summary. Rank 0 of an MPI run, or the
 * only process, prints; nothing here decides anything. */
#include "cli/train_run.h"
#include "simd/isa.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>

/* Seconds as "42s", "7m05s" or "1h02m". */
static void format_duration(double s, char *buf, size_t n)
{
    long t = s > 0 && s < 1e7 ? (long)(s + 0.5) : 0;
    if (t < 60) snprintf(buf, n, "%lds", t);
    else if (t < 3600) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

void train_on_progress(void *ctx, int epoch, int done, int total, float loss, double sps)
{
    TrainRun *r = ctx;
    if (r->o.quiet || r->o.json || !r->tty) return;
    /* the rest of the run, not of the epoch: this epoch's samples left and the epochs after it
     * (at this rate; the evaluations after each epoch are not counted) */
    double left = (double)(total - done) + (double)(r->o.epochs - epoch) * total;
    char eta[32];
    format_duration(left / (sps > 0 ? sps : 1), eta, sizeof eta);
    fprintf(stderr, "\r\033[Kepoch %d/%d  %5.1f%%  %7.0f samples/s  loss %.4f  ETA %s (run)",
            epoch, r->run.epochs, 100.0 * done / total, sps, loss, eta);
    fflush(stderr);
}

/* A float for JSON: null when not measured. */
static void json_number(float v)
{
    if (isnan(v)) printf("null");
    else printf("%.6f", v);
}

void train_print_epoch(const TrainRun *r, int epoch, const EpochMetrics *e, int best)
{
    if (r->o.json) {
        printf("{\"epoch\": %d, \"train_loss\": %.6f, \"train_accuracy\": %.6f, \"val_loss\": ",
               epoch, e->train_loss, e->train_acc);
        json_number(e->val_loss);
        printf(", \"val_accuracy\": ");
        json_number(e->val_acc);
        printf(", \"test_loss\": %.6f, \"test_accuracy\": %.6f, \"lr\": %g, \"seconds\": %.3f,"
               " \"samples_per_s\": %.1f, \"eval_seconds\": ",
               e->test_loss, e->test_acc, e->lr, e->seconds, e->samples_per_s);
        json_number(e->eval_seconds);
        printf(", \"best\": %s, \"checkpoint\": \"", best ? "true" : "false");
        json_string(stdout, r->o.out);
        printf("\"}\n");
    } else if (!r->o.quiet) {
        printf("epoch %2d/%d  train loss %.4f  acc %.2f%%  ", epoch, r->run.epochs,
               e->train_loss, 100 * e->train_acc);
        if (!isnan(e->val_acc))
            printf("val loss %.4f  acc %.2f%%%s  ", e->val_loss, 100 * e->val_acc,
                   best ? " (best)" : "       ");
        printf("test loss %.4f  acc %.2f%%  lr %.2e  %.1fs  %.0f samples/s\n", e->test_loss,
               100 * e->test_acc, e->lr, e->seconds, e->samples_per_s);
    }
    fflush(stdout);
}

void train_print_start(const TrainRun *r)
{
    const TrainOptions *o = &r->o;
    if (o->quiet || o->json) return;
    if (o->resume && r->start.samples)
        printf("resuming %s in epoch %d, after %lld of its samples\n", o->resume, r->start.epoch,
               (long long)r->start.samples);
    else if (o->resume)
        printf("resuming %s after epoch %d\n", o->resume, r->start.epoch - 1);
    printf("training on %d images (%s), ", r->tr.n, o->data);
    if (r->va.n) printf("validating on %d held out, ", r->va.n);
    printf("testing on %d; %ld epochs, batch %ld, lr %g %s", r->te.n, o->epochs, o->batch, o->lr,
           schedule_name(o->schedule));
    if (o->warmup > 0) printf(" (warm-up %g of the steps)", o->warmup);
    if (o->weight_decay > 0) printf(", weight decay %g", o->weight_decay);
    if (o->label_smoothing > 0) printf(", label smoothing %g", o->label_smoothing);
    if (o->ema > 0) printf(", weight average (EMA %g)", o->ema);
    if (r->comm) printf(", %d processes", r->comm->ranks);
    printf(", %d threads, %s kernels%s, augmentation %s", r->nthreads, isa_name(isa_current()),
           o->conv == CONV_WINOGRAD ? " (conv2 by Winograd)"
           : o->precision == PRECISION_BF16 ? " (conv2 in BF16)" : "",
           o->augment ? "on" : "off");
    if (o->augment && o->augment_strength != 1.0f) printf(" (strength %g)", o->augment_strength);
    printf("\n");
}

/* Why a run stopped, in words. */
static const char *stop_cause(int signal)
{
    switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP (its terminal closed)";
    case SIGPIPE: return "SIGPIPE (the reader of its output went away)";
    default: return "SIGINT";
    }
}

/* What a run that did not finish tells the user; returns the exit code. */
int train_report_unfinished(const TrainRun *r, TrainResult result, const char *err, int signal)
{
    switch (result) {
    case TRAIN_STOPPED:
        fprintf(stderr, "\nmnist-cnn train: stopped by %s after step %lld (epoch %d); checkpoint %s "
                        "saved. Resume with:\n  %s%s train --resume %s\n", stop_cause(signal),
                (long long)r->opt.step, r->run.epoch + 1, r->o.out,
                r->comm ? "mpirun -np N " : "", program_name, r->o.out);
        return 128 + (signal ? signal : SIGINT);
    case TRAIN_COMM_FAILED:
        if (r->saved || r->o.resume)
            fprintf(stderr, "mnist-cnn train: %s. Training stopped; the last checkpoint, %s "
                            "(after step %lld), is intact. Resume with:\n  mpirun -np N "
                            "mnist-cnn train --resume %s   (any N, or without mpirun)\n",
                    err, r->o.out, (long long)r->run.step, r->o.out);
        else
            fprintf(stderr, "mnist-cnn train: %s. Training stopped before its first checkpoint\n",
                    err);
        return EXIT_RUNTIME;
    case TRAIN_NOT_FINITE:
        if (r->saved || r->o.resume)
            fprintf(stderr, "mnist-cnn train: %s: training stopped. The last checkpoint, %s (epoch "
                            "%d, step %lld), is kept; a lower --lr may help\n",
                    err, r->o.out, r->run.epoch, (long long)r->run.step);
        else
            fprintf(stderr, "mnist-cnn train: %s: training stopped before its first checkpoint; a "
                            "lower --lr may help\n", err);
        return EXIT_RUNTIME;
    case TRAIN_NO_MEMORY: fprintf(stderr, "mnist-cnn train: out of memory\n"); return EXIT_RUNTIME;
    default: return EXIT_RUNTIME;   /* a callback reported its error */
    }
}

void train_print_summary(const TrainRun *r)
{
    const TrainOptions *o = &r->o;
    if (!o->json && r->log.n_epochs) {
        double secs = 0;
        for (size_t i = 0; i < r->log.n_epochs; i++) secs += r->log.epochs[i].seconds;
        const EpochMetrics *last = &r->log.epochs[r->log.n_epochs - 1];
        printf("test accuracy %.2f%% (loss %.4f) after %d epoch%s, %.0f s training, "
               "%.0f samples/s; checkpoint %s, metric log %s\n",
               100 * last->test_acc, last->test_loss, last->epoch, last->epoch == 1 ? "" : "s", secs,
               (double)r->tr.n * (double)r->log.n_epochs / secs, o->out, r->files.metrics);
        long b = metrics_best_epoch(&r->log, last->epoch);
        if (b >= 0)
            printf("best by validation: epoch %d (val acc %.2f%%), test accuracy %.2f%% "
                   "(loss %.4f); checkpoint %s\n", r->log.epochs[b].epoch,
                   100 * r->log.epochs[b].val_acc, 100 * r->log.epochs[b].test_acc,
                   r->log.epochs[b].test_loss, r->files.best);
    }
}
