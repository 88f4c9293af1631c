/* The fast path (engine/net.c on every ISA this CPU runs) against the reference model: loss,
 * every gradient, BatchNorm running statistics and eval logits, on batch sizes that do and do
 * not fill the chunks (1, 3, 5, 13, 64).
 *
 * Tolerance: |fast - ref| <= 1e-4 * max|ref of that tensor| + 1e-3 * |ref| per entry. The two
 * differ only in summation order (GEMM blocking, chunked statistics), so errors are float
 * rounding ~1e-6 relative, amplified by BatchNorm's division by the batch std.
 *
 * BF16 training (conv2's operands rounded to bfloat16, up to 2^-9 relative each) is checked
 * against the same float reference in BF16's terms: the loss within 2e-3 relative (measured at
 * most 5.4e-4), each gradient tensor within 0.15 of the reference's Euclidean norm (measured at
 * most 0.09, conv1's and conv2's weights at B = 1; fc2's about 3e-3), the running statistics
 * within 1e-2. The gradients of this untrained model are that sensitive to any perturbation of
 * its forward: ReLU and max-pool decisions flip, and BatchNorm's gradients cancel. An FP32 step
 * on the input scaled by 1 +- 4e-3 moves every tensor as much (conv2.weight 6.7e-2, fc1.bias
 * 3.7e-2; BF16: 7.3e-2, 4.3e-2), including fc1.bias and bn2.bias, which no BF16 product touches
 * on the way back. Eval mode, FP32 in either precision, gives the bits of an FP32 workspace. */
#include "engine/augment.h"
#include "engine/input.h"
#include "engine/model.h"
#include "engine/model_ref.h"
#include "engine/net.h"
#include "simd/isa.h"
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

static float max_abs(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

static int compare(const char *what, const float *fast, const float *ref, size_t n, double rel_to_max)
{
    double scale = max_abs(ref, n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double tol = rel_to_max * scale + 1e-3 * fabs(ref[i]) + 1e-7;
        if (!(fabs((double)fast[i] - ref[i]) <= tol)) {
            if (bad < 3) printf("# %s[%zu]: fast %.8g ref %.8g\n", what, i, fast[i], ref[i]);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %d of %zu entries differ", what, bad, n);
    return bad;
}

/* Random-ish digits: real structure matters little, but keep values in the normalised range. */
static void make_batch(float *x, uint8_t *labels, int B, unsigned seed)
{
    for (int b = 0; b < B; b++) {
        uint8_t img[IMG_PIXELS];
        for (int i = 0; i < IMG_PIXELS; i++) {
            seed = seed * 1664525u + 1013904223u;
            int yy = i / IMG_W, xx = i % IMG_W;
            int stroke = (abs(yy - 14) < 8 && abs(xx - 10 - b % 7) < 3) || (abs(yy - 6 - b % 5) < 2 && xx > 6 && xx < 22);
            img[i] = stroke ? (uint8_t)(200 + (seed >> 28)) : (uint8_t)((seed >> 24) < 8 ? (seed >> 26) : 0);
        }
        normalize_image(x + (size_t)b * IMG_PIXELS, img);
        labels[b] = (uint8_t)((b * 7 + 3) % 10);
    }
}

/* The reference's results for one batch: the same for every instruction set and conv algorithm,
 * so computed once (the scalar reference is most of this test's time, under sanitizers above
 * all). */
typedef struct {
    int B;
    float eps;              /* label smoothing */
    Model start, after;     /* the model before the step, and the reference's after it */
    float *x, *grad, *logits, loss;
    uint8_t *labels;
} RefBatch;

static void ref_batch(RefBatch *r, int B, float eps)
{
    r->B = B;
    r->eps = eps;
    model_alloc(&r->start);
    model_alloc(&r->after);
    model_init(&r->start, 42);
    /* non-trivial BatchNorm affine and running stats, so every term is exercised */
    for (int c = 0; c < C1; c++) model_param(&r->start, P_BN1_W)[c] = 0.5f + 0.03f * c;
    for (int c = 0; c < C2; c++) model_param(&r->start, P_BN2_B)[c] = 0.1f - 0.004f * c;
    model_copy(&r->after, &r->start);
    r->x = malloc(sizeof(float) * IMG_PIXELS * (size_t)B);
    r->labels = malloc((size_t)B);
    make_batch(r->x, r->labels, B, 99u + (unsigned)B);
    r->grad = malloc(sizeof(float) * MODEL_N_PARAMS);
    r->logits = malloc(sizeof(float) * N_CLASSES * (size_t)B);
    r->loss = ref_model_pass(&r->after, r->grad, NULL, r->x, r->labels, B, 1, 11, 3, eps);
    /* eval mode on the updated running statistics */
    ref_model_pass(&r->after, NULL, r->logits, r->x, r->labels, B, 0, 0, 0, 0.0f);
}

static void ref_batch_free(RefBatch *r)
{
    free(r->x); free(r->labels); free(r->grad); free(r->logits);
    model_free(&r->start);
    model_free(&r->after);
}

static void check_batch(const RefBatch *r, ConvAlgo conv)
{
    const int B = r->B;
    Model fast;
    model_alloc(&fast);
    model_copy(&fast, &r->start);
    Workspace *ws = workspace_create(B, 2, conv);
    workspace_set_label_smoothing(ws, r->eps);
    float lfast = net_train_step(ws, &fast, r->x, r->labels, B, NULL, 11, 3, NULL);
    CHECK_CLOSE(lfast, r->loss, 1e-5, 1e-4);
    char what[64];
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        const float *gf = workspace_grad(ws) + e->offset, *gr = r->grad + e->offset;
        if (p == P_CONV1_B || p == P_CONV2_B) {
            /* A bias right before BatchNorm has an exactly zero gradient (BN removes the mean),
             * so both paths hold only rounding noise: require it tiny next to the weights'. */
            const StateEntry *w = model_param_entry((ParamId)(p - 1));
            float scale = max_abs(r->grad + w->offset, w->numel);
            CHECK(max_abs(gf, e->numel) < 1e-4f * scale && max_abs(gr, e->numel) < 1e-4f * scale,
                  "B=%d %s gradient not ~0: fast %g ref %g (weights %g)", B, e->name,
                  max_abs(gf, e->numel), max_abs(gr, e->numel), scale);
            continue;
        }
        snprintf(what, sizeof what, "%s B=%d grad %s", conv_algo_name(conv), B, e->name);
        compare(what, gf, gr, e->numel, 1e-4);
    }
    snprintf(what, sizeof what, "B=%d running stats", B);
    compare(what, fast.buffers, r->after.buffers, MODEL_N_BUFFERS, 1e-5);
    CHECK(fast.counters[0] == r->after.counters[0] && fast.counters[1] == r->after.counters[1],
          "counters");

    float *zf = malloc(sizeof(float) * N_CLASSES * (size_t)B);
    net_eval_prepare(ws, &fast);
    net_eval_forward(ws, r->x, B, zf);
    snprintf(what, sizeof what, "B=%d eval logits", B);
    compare(what, zf, r->logits, N_CLASSES * (size_t)B, 1e-5);

    workspace_free(ws);
    free(zf);
    model_free(&fast);
}

/* |fast - ref| / |ref| over a tensor, in the Euclidean norm. */
static double worst_relative(const float *fast, const float *ref, size_t n)
{
    double d = 0, r = 1e-30;
    for (size_t i = 0; i < n; i++) {
        d += ((double)fast[i] - ref[i]) * ((double)fast[i] - ref[i]);
        r += (double)ref[i] * ref[i];
    }
    return sqrt(d / r);
}

static void check_batch_bf16(const RefBatch *r)
{
    const int B = r->B;
    Model fast;
    model_alloc(&fast);
    model_copy(&fast, &r->start);
    Workspace *ws = workspace_create_precision(B, 2, CONV_DIRECT, PRECISION_BF16);
    float loss = net_train_step(ws, &fast, r->x, r->labels, B, NULL, 11, 3, NULL);
    CHECK_CLOSE(loss, r->loss, 0, 2e-3);
    double worst = 0;
    const char *worst_name = "";
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        if (p == P_CONV1_B || p == P_CONV2_B) continue;   /* ~0 both ways (check_batch) */
        const double d = worst_relative(workspace_grad(ws) + e->offset, r->grad + e->offset, e->numel);
        CHECK(d <= 0.15, "bf16 B=%d grad %s: %.3g of its norm off", B, e->name, d);
        if (d > worst) worst = d, worst_name = e->name;
    }
    printf("# bf16 B=%d: loss %.7g (float %.7g), worst gradient %s %.2e of its norm\n", B,
           loss, r->loss, worst_name, worst);
    CHECK(worst_relative(fast.buffers, r->after.buffers, MODEL_N_BUFFERS) <= 1e-2,
          "bf16 B=%d running stats", B);

    /* eval mode is FP32 in a BF16 workspace: the bits of an FP32 one */
    Workspace *ws32 = workspace_create(B, 2, CONV_DIRECT);
    float *z = malloc(sizeof(float) * N_CLASSES * (size_t)B), *z32 = malloc(sizeof(float) * N_CLASSES * (size_t)B);
    net_eval_prepare(ws, &fast);
    net_eval_forward(ws, r->x, B, z);
    net_eval_prepare(ws32, &fast);
    net_eval_forward(ws32, r->x, B, z32);
    CHECK(memcmp(z, z32, sizeof(float) * N_CLASSES * (size_t)B) == 0, "bf16 B=%d: eval not FP32", B);
    CHECK(workspace_create_precision(B, 2, CONV_WINOGRAD, PRECISION_BF16) == NULL,
          "BF16 with Winograd is refused");
    workspace_free(ws);
    workspace_free(ws32);
    free(z), free(z32);
    model_free(&fast);
}

static const int sizes[] = {1, 3, 5, 13, 64};
enum { N_SIZES = sizeof sizes / sizeof sizes[0] };
static RefBatch refs[N_SIZES];
static RefBatch smoothed;   /* a batch of 5 with label smoothing 0.1 */

static void all_batches(void)
{
    for (int conv = CONV_DIRECT; conv <= CONV_WINOGRAD; conv++)
        for (int i = 0; i < N_SIZES; i++) check_batch(&refs[i], (ConvAlgo)conv);
    for (int conv = CONV_DIRECT; conv <= CONV_WINOGRAD; conv++) check_batch(&smoothed, (ConvAlgo)conv);
    /* BF16 where the set has its tiles; the portable emulation (the scalar set) on the small
     * batches only, for time */
    if (!isa_has_bf16(isa_current())) return;
    for (int i = 0; i < N_SIZES; i++)
        if (isa_current() != isa_list[0] || sizes[i] <= 13) check_batch_bf16(&refs[i]);
}

/* Every set of the list: those this CPU runs are checked, the others say so. */
static void one_isa(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    all_batches();
}

int main(void)
{
    for (int i = 0; i < N_SIZES; i++) ref_batch(&refs[i], sizes[i], 0.0f);
    ref_batch(&smoothed, 5, 0.1f);
    for (int i = 0; isa_list[i]; i++) {
        char name[64];
        snprintf(name, sizeof name, "fast path = reference, %s", isa_list[i]->name);
        RUN_AS(name, one_isa(isa_list[i]));
    }
    for (int i = 0; i < N_SIZES; i++) ref_batch_free(&refs[i]);
    ref_batch_free(&smoothed);
    return check_done();
}
