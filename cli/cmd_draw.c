/* mnist-cnn draw: the drawing window (gui/). Parses the options, checks for a display first (so
 * "no display" is a clear usage error, exit 2), loads the checkpoint (cli/draw_model.h) and hands
 * over to the GUI, with the callback that reloads it when training replaces it. Built without
 * X11, it says so. */
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/draw_model.h"
#include "engine/finite.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef MNIST_HAVE_GUI
#include "gui/gui.h"
#endif

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: mnist-cnn draw [FILE.h5] [OPTIONS]\n"
        "Open a window to draw a digit with the mouse and watch the network read it: the\n"
        "predicted digit and the 10 probabilities update while you draw. Default checkpoint:\n"
        "the newest run's (" DEFAULT_CHECKPOINT ", runs/model-2.h5, ...) best epoch when it\n"
        "exists, else its checkpoint.\n\n"
        "Mouse: left button draws, right button erases. Keys: c or Backspace clear, p or Enter\n"
        "predict, d debug view (network input, conv1/conv2 feature maps, training curves),\n"
        "s save the canvas as digit-DATE.png, q or Esc quit.\n"
        "The window follows a training run: when the checkpoint is replaced (train saves it\n"
        "after every epoch) it loads it again and reads the drawing again; the status line says\n"
        "which model it holds (epoch, its validation or test accuracy, best or latest).\n\n"
        "  --replay STROKES      replay a stroke file as if drawn with the mouse: one stroke per\n"
        "                        line, 'x,y x,y ...' in canvas pixels (0..280); '# comments',\n"
        "                        'erase x,y ...' (right button) and 'clear' lines too. With\n"
        "                        --print or --screenshot the program exits after the replay\n"
        "  --print               print each finished stroke's prediction as JSON on stdout:\n"
        "                        {\"stroke\": N, \"digit\": D, \"probs\": [10]} (digit null: blank);\n"
        "                        on each reload {\"reload\": FILE, \"epoch\": N, \"epochs\": M,\n"
        "                        \"role\": R, \"val_accuracy\": A, \"test_accuracy\": A} (or\n"
        "                        \"error\": ...), then the drawing's prediction again\n"
        "  --screenshot FILE.png after the replay (if any), save the window as PNG and exit\n"
        "  --linger SECONDS      with --print or --screenshot, stay open this long after the replay\n"
        "                        (following the checkpoint) before the screenshot and exiting\n"
        "  --no-follow           do not reload the checkpoint when it is replaced\n"
        "  --debug               start in the debug view\n"
        "  --pen PX              pen width on the canvas, in its pixels (default 22)\n"
        "  --input-stroke PX     the network is given the strokes drawn again at this width in\n"
        "                        its 28x28 input, whatever the pen and the digit's size (default\n"
        "                        2.5, MNIST's; at most 4); 0: the canvas as drawn, scaled to 20\n"
        "                        px with the pen, so a small digit's strokes come out thick\n"
        "  --timing              per-event cost (input + forward + maps + redraw) on stderr\n"
        "  -h, --help            this help\n"
        "Needs an X display: without one, use Xvfb (xvfb-run mnist-cnn draw ...) or ssh -X.\n");
}

#ifdef MNIST_HAVE_GUI
/* What --print's callback knows: the model, to name it, and whether a prediction failed. */
typedef struct {
    const char *model;
    int not_finite;   /* the network's output was not a number at least once: exit 1 */
} PrintCtx;

/* --print: each prediction the window makes as one JSON line on stdout; one whose output is not
 * a number is no prediction, said on stderr and in the line, never printed as numbers. */
static void print_prediction(void *ctx, int stroke, int digit, const float probs[N_CLASSES])
{
    PrintCtx *pc = ctx;
    printf("{\"stroke\": %d, \"digit\": ", stroke);
    if (digit == GUI_NOT_FINITE) {
        fprintf(stderr, "mnist-cnn draw: %s: stroke %d: " NOT_FINITE_WHY "\n", pc->model, stroke);
        printf("null, \"probs\": null, \"error\": \"" NOT_FINITE_WHY "\"}\n");
        pc->not_finite = 1;
    } else if (digit < 0) {
        printf("null, \"probs\": null}\n");
    } else {
        printf("%d, \"probs\": [", digit);
        for (int j = 0; j < N_CLASSES; j++) printf("%s%.6f", j ? ", " : "", probs[j]);
        printf("]}\n");
    }
    fflush(stdout);
}

static int run_window(const char *path, int follow, const GuiOptions *o)
{
    char err[512];
    Gui *g = gui_open(o, err, sizeof err);
    if (!g) {
        fprintf(stderr, "mnist-cnn draw: %s\n", err);
        return EXIT_USAGE;
    }
    DrawModel d;
    if (draw_model_open(&d, path, follow, o->on_prediction != NULL)) {
        gui_close(g);
        return EXIT_RUNTIME;
    }
    if (d.watch.fd >= 0) gui_follow(g, d.watch.fd, draw_model_reload, &d);
    char about[200];
    draw_model_about(&d, about, sizeof about);
    int rc = EXIT_OK;
    if (gui_run(g, &d.m, &d.log, about, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn draw: %s\n", err);
        rc = EXIT_RUNTIME;
    }
    const PrintCtx *pc = o->ctx;
    if (pc && pc->not_finite) rc = EXIT_RUNTIME;   /* printed no prediction for some stroke */
    if (o->timing && gui_timing_summary(g, err, sizeof err) == 0)
        fprintf(stderr, "mnist-cnn draw: %s\n", err);
    gui_close(g);
    draw_model_close(&d);
    return rc;
}
#endif

int cmd_draw(int argc, char **argv)
{
    static const struct option opts[] = {
        {"replay", required_argument, 0, 'r'}, {"print", no_argument, 0, 'p'},
        {"screenshot", required_argument, 0, 's'}, {"debug", no_argument, 0, 'd'},
        {"pen", required_argument, 0, 'w'}, {"timing", no_argument, 0, 't'},
        {"input-stroke", required_argument, 0, 'i'}, {"linger", required_argument, 0, 'l'},
        {"no-follow", no_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *replay = NULL, *shot = NULL;
    int print = 0, debug = 0, timing = 0, follow = 1, c;
    float pen = 0, input_stroke = -1, linger = 0;   /* input_stroke -1: the window's default */
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': replay = optarg; break;
        case 'p': print = 1; break;
        case 's': shot = optarg; break;
        case 'd': debug = 1; break;
        case 'w':
            if (parse_float("draw", "--pen", optarg, 1, 100, &pen)) return usage_error("draw");
            break;
        case 'i':
            /* at most gui/restroke.h's RESTROKE_MAX_WIDTH */
            if (parse_float("draw", "--input-stroke", optarg, 0, 4, &input_stroke))
                return usage_error("draw");
            break;
        case 'l':
            if (parse_float("draw", "--linger", optarg, 0, 86400, &linger))
                return usage_error("draw");
            break;
        case 'n': follow = 0; break;
        case 't': timing = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: return usage_error("draw");
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "mnist-cnn draw: expected at most one checkpoint\n");
        return usage_error("draw");
    }
    const char *path = optind < argc ? argv[optind] : default_model();
#ifdef MNIST_HAVE_GUI
    PrintCtx pc = {.model = path};
    GuiOptions o = {.replay = replay, .screenshot = shot,
                    .on_prediction = print ? print_prediction : NULL, .ctx = print ? &pc : NULL,
                    .exit_after_replay = print, .debug = debug, .timing = timing,
                    .pen_width = pen, .input_stroke = input_stroke, .linger = linger,
                    .infer_threads = single_image_threads()};
    return run_window(path, follow, &o);
#else
    (void)replay; (void)shot; (void)print; (void)debug; (void)timing; (void)path; (void)pen;
    (void)input_stroke; (void)linger; (void)follow;
    fprintf(stderr, "mnist-cnn draw: built without X11 support (install libx11-dev and "
                    "rebuild with -Dgui=enabled)\n");
    return EXIT_RUNTIME;
#endif
}
