/* mnist-cnn: the command-line entry point. Picks the kernel ISA once, then hands over to the
 * subcommand. */
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/omp_wait.h"
#include "simd/isa.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"train", cmd_train, "train the network and write a checkpoint"},
    {"eval", cmd_eval, "test accuracy, per-class accuracy and confusion matrix of a checkpoint"},
    {"predict", cmd_predict, "read digits from PNG, JPEG or PGM/PPM images (photos too) or an IDX file"},
    {"draw", cmd_draw, "window to draw a digit and watch the network read it (X11)"},
    {"info", cmd_info, "what a checkpoint holds"},
    {"plot", cmd_plot, "training graphs (loss and accuracy over epochs) as PNG and SVG"},
};

/* What --precision bf16 runs on with the kernels in use. */
static const char *bf16_support(void)
{
    const IsaDesc *isa = isa_current();
    return isa_bf16_native(isa) ? "native" : isa_has_bf16(isa) ? "emulated" : "none";
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: mnist-cnn COMMAND [OPTIONS]   (mnist-cnn COMMAND --help for more)\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  --version   version and the kernel instruction set in use\n"
               "Environment: MNIST_CNN_ISA=scalar|avx2|avx512 forces a kernel path; MNIST_DATA sets "
               "the default data folder.\n");
}

/* A program started with stdin, stdout or stderr closed (`cmd >&-`) would hand that number to the
 * next file it opens, and its output would land in that file (the run lock, a checkpoint). Each
 * closed one is held by /dev/null instead: read-only for output, so writing there fails and is
 * reported (below) instead of vanishing. */
static void hold_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int null = open("/dev/null", O_RDONLY);
            if (null >= 0 && null != fd) dup2(null, fd), close(null);
        }
}

/* What a command printed on stdout must have reached it: a full disk, a closed stdout or a
 * reader gone is exit 1 with a message, not a silent success. */
static int check_stdout(const char *cmd, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    /* a train stopped by SIGPIPE has said why already */
    if (!bad || rc == 128 + SIGPIPE) return rc;
    int e = errno;
    fprintf(stderr, "mnist-cnn %s: cannot write to standard output%s%s\n", cmd, e ? ": " : "",
            e ? strerror(e) : "");
    return rc == EXIT_OK ? EXIT_RUNTIME : rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2) omp_wait_default(argv[1], argv);   /* may run the program again, once */
    char err[256];
    hold_standard_fds();
    if (argc > 0 && argv[0] && argv[0][0]) program_name = argv[0];
    if (isa_init_from_env(err, sizeof err)) {
        fprintf(stderr, "mnist-cnn: %s\n", err);
        return EXIT_USAGE;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return check_stdout("--help", EXIT_OK);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("mnist-cnn %s (kernels: %s; conv2 in training: winograd by default, eval direct; "
               "bf16: %s)\n", MNIST_CNN_VERSION, isa_name(isa_current()), bf16_support());
        return check_stdout("--version", EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return check_stdout(commands[i].name, commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "mnist-cnn: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
