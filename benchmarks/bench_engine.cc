// Engine-level benchmarks, per supported ISA (isa_set; ISAs the CPU lacks are not registered):
//   layer/<name>/<isa>          each kernel of a layer over a batch of 64 exactly as engine/net.c
//                               calls it (per 4-sample chunk or per column block), one thread: the
//                               direct convolutions, fc1's dense products and the memory-bound BatchNorm +
//                               ReLU + pool passes around them;
//   train_step/<isa>/threads:T  net_train_step + adam_update at batch 64 (T = 1 and all cores;
//                               "/augment" adds building the batch with the random affine;
//                               "/winograd" computes conv2 with Winograd F(2x2, 3x3): GFLOP/s and
//                               pct_peak still count the direct convolution's 25 MFLOP/sample;
//                               "/bf16" computes conv2 direct with BF16 products, simd/conv_bf16.h:
//                               pct_peak against the FP32 peak, so it can pass 100, and
//                               pct_peak_bf16 against the BF16 one, peak_bf16 x threads);
//   eval_batch64/<isa>/threads:T  net_eval_forward on 64 images (weights packed once before);
//   infer/<isa>                 infer_run on one image: median/p90/mean microseconds per call;
//   eval10k/<isa>/threads:T     evaluate() over 10,000 images: real MNIST t10k from $MNIST_DATA or
//                               data/mnist when present, else synthetic 28x28 images (label says).
// Counters (all from the wall time of the timed loop): images/s, GFLOP/s and pct_peak = GFLOP/s
// over peak_gflops(isa) (benchmarks/peak.c: the highest one-core peak measured in this process,
// before and after each timed loop) x threads used.
// peak_fma_mt/<isa>/threads:T runs peak.c's FMA chains on T threads at once, for comparison: on a
// shared or SMT machine T cores do not always give T x the one-core peak.
// peak_bf16/<isa> runs the set's independent BF16 pair-product chains (vdpbf16ps) on one core,
// where the set has them natively.
#include <benchmark/benchmark.h>

#include "benchmarks/bench_util.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <omp.h>
#include <sys/stat.h>

#include "benchmarks/peak.h"
#include "simd/conv.h"
#include "simd/dense.h"
#include "simd/pool.h"
#include "simd/winograd.h"
#include "simd/isa.h"

// The engine and io headers have no extern "C" guards of their own.
extern "C" {
#include "engine/adam.h"
#include "engine/augment.h"
#include "engine/input.h"
#include "engine/layout.h"
#include "engine/infer.h"
#include "engine/model.h"
#include "engine/net.h"
#include "engine/train.h"
#include "io/idx.h"
}

#ifndef MNIST_SOURCE_DIR
#define MNIST_SOURCE_DIR "."
#endif

namespace {

// Arithmetic cost of the model per sample, counting a multiply-add as 2 FLOP:
//   conv1  2 * 32 * 784 * 9       =  0.45 MFLOP      conv2  2 * 64 * 196 * 288  =  7.23 MFLOP
//   fc1    2 * 128 * 3136         =  0.80 MFLOP      fc2    2 * 10 * 128        =  0.003 MFLOP
//   forward total ~8.5 MFLOP. Backward: weight gradients of every layer (same cost as forward,
//   ~8.5) plus input gradients of conv2, fc1 and fc2 (conv1 needs none, ~8.0): ~16.5 MFLOP.
//   One training sample: ~25 MFLOP. BatchNorm, ReLU, pooling, dropout, loss and Adam are
//   O(activations) and not counted (as in the project's reference figures).
// (From engine/model.h, so they follow its sizes: 8.48 and 25.0 MFLOP at 28 x 28.)
constexpr double kConv1Flops = 2.0 * C1 * IMG_PIXELS * 9;
constexpr double kFwdFlopsPerSample =
    kConv1Flops + 2.0 * C2 * P1_H * P1_W * C1 * 9 + 2.0 * FC1_OUT * FC1_IN + 2.0 * N_CLASSES * FC1_OUT;
constexpr double kTrainFlopsPerSample = 3 * kFwdFlopsPerSample - kConv1Flops;
constexpr int kBatch = 64;
constexpr int kFc1Block = 224;   // fc1's backward blocks, as engine/net_workspace.h

int all_cores()
{
    const int n = omp_get_num_procs();
    return n > 0 ? n : 1;
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// RAII wrappers for C-allocated aligned buffers and engine objects.
struct AlignedBuf {
    float *p;
    explicit AlignedBuf(size_t n) : p(static_cast<float *>(aligned_calloc(n, sizeof(float)))) {}
    ~AlignedBuf() { aligned_free(p); }
    AlignedBuf(const AlignedBuf &) = delete;
    AlignedBuf &operator=(const AlignedBuf &) = delete;
};

struct ModelHolder {
    Model m{};
    bool ok;
    ModelHolder() : ok(model_alloc(&m) == 0) { if (ok) model_init(&m, 1); }
    ~ModelHolder() { if (ok) model_free(&m); }
    ModelHolder(const ModelHolder &) = delete;
    ModelHolder &operator=(const ModelHolder &) = delete;
};

// ---- image data: real MNIST when present, else synthetic --------------------------------------

struct Images {
    std::vector<uint8_t> pixels, labels;
    int n = 0;
    std::string source;
};

bool dir_has(const std::string &dir, const char *file)
{
    struct stat st;
    return stat((dir + "/" + file).c_str(), &st) == 0;
}

// The data folder the CLI would use ($MNIST_DATA, else data/mnist relative to the current folder,
// else the source tree's data/mnist), or "" if none holds the files.
std::string data_dir(const char *prefix)
{
    const std::string img = std::string(prefix) + "-images-idx3-ubyte";
    std::vector<std::string> cands;
    if (const char *e = std::getenv("MNIST_DATA"); e && *e) cands.push_back(e);
    cands.push_back("data/mnist");
    cands.push_back(std::string(MNIST_SOURCE_DIR) + "/data/mnist");
    for (const auto &d : cands)
        if (dir_has(d, img.c_str())) return d;
    return "";
}

// n images of the named set; synthetic blobs with random labels when the files are missing.
const Images &load_images(const char *prefix, int n)
{
    static Images cache[2];
    Images &im = cache[std::string(prefix) == "train" ? 0 : 1];
    if (im.n) return im;
    const std::string dir = data_dir(prefix);
    if (!dir.empty()) {
        Dataset ds{};
        char err[512];
        if (dataset_load(dir.c_str(), prefix, &ds, err, sizeof err) == 0 && ds.rows == IMG_H &&
            ds.cols == IMG_W) {
            const int take = std::min(n, ds.n);
            im.pixels.assign(ds.images.data, ds.images.data + (size_t)take * IMG_PIXELS);
            im.labels.assign(ds.labels.data, ds.labels.data + take);
            im.n = take;
            im.source = "real MNIST " + std::string(prefix);
            dataset_free(&ds);
            return im;
        }
        dataset_free(&ds);
    }
    im.pixels.resize((size_t)n * IMG_PIXELS);
    im.labels.resize(n);
    uint32_t s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        const int cx = 8 + (int)(s >> 28), cy = 8 + (int)((s >> 24) & 15);
        im.labels[i] = (uint8_t)((s >> 8) % 10);
        for (int y = 0; y < IMG_H; y++)
            for (int x = 0; x < IMG_W; x++) {
                const int d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                im.pixels[(size_t)i * IMG_PIXELS + y * IMG_W + x] =
                    (uint8_t)(d2 < 30 ? 255 - 8 * d2 : 0);
            }
    }
    im.n = n;
    im.source = "synthetic";
    return im;
}

bool select_isa(benchmark::State &state, const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        state.SkipWithError("ISA not supported");
        return false;
    }
    return true;
}

// Rates of a timed loop. The peak is measured again right after it (it was just before, too):
// pct_peak is against the highest one-core peak seen in this process, times the threads.
void set_rate_counters(benchmark::State &state, double images, double flops, double secs,
                       const IsaDesc *isa, int threads)
{
    peak_measure(isa);
    const double peak = peak_gflops(isa) * threads;
    const double gflops = flops / secs / 1e9;
    state.counters["images/s"] = images / secs;
    state.counters["GFLOP/s"] = gflops;
    state.counters["pct_peak"] = peak > 0 ? 100.0 * gflops / peak : 0.0;
    state.counters["peak_GFLOP/s"] = peak;
    state.counters["threads"] = threads;
    state.SetItemsProcessed((int64_t)images);
}

// ---- per-layer: each kernel as engine/net.c calls it over a batch of 64 ----------------------

enum { HW1 = IMG_PIXELS, HW2 = P1_H * P1_W, CH = NET_CHUNK, CHUNKS = kBatch / NET_CHUNK };

// The convolutions and the passes around them, 16 chunks of 4 samples as net.c runs them, and
// fc1's products over the batch in net.c's blocks; one thread, on channels-last buffers of a batch
// of 64 (padded where net.c pads).
enum PassKind {
    CONV1_FWD, CONV1_WGRAD, CONV2_FWD, CONV2_WGRAD, CONV2_IGRAD,
    BNPOOL1_FWD, BNPOOL2_FWD, POOL2_BWD, BN2_BWD, POOL1_BWD, BN1_BWD,
    FC1_FWD, FC1_WGRAD, FC1_IGRAD, WINO2_FWD, WINO2_WGRAD, WINO2_IGRAD,
};

struct Pass {
    const char *name;
    PassKind kind;
    double flops;   // per batch of 64 (0: memory-bound, no GFLOP/s counter)
};

const Pass kPasses[] = {
    {"conv1_fwd", CONV1_FWD, 2.0 * kBatch * HW1 * C1 * 9},
    {"conv1_wgrad", CONV1_WGRAD, 2.0 * kBatch * HW1 * C1 * 9},
    {"conv2_fwd", CONV2_FWD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
    {"conv2_wgrad", CONV2_WGRAD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
    {"conv2_igrad", CONV2_IGRAD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
    {"bn1_relu_pool1_fwd", BNPOOL1_FWD, 0},
    {"bn2_relu_pool2_fwd", BNPOOL2_FWD, 0},
    {"relu_pool2_bwd_bn2_sums", POOL2_BWD, 0},
    {"bn2_bwd_unpool", BN2_BWD, 0},
    {"relu_pool1_bwd_bn1_sums", POOL1_BWD, 0},
    {"bn1_bwd_unpool", BN1_BWD, 0},
    {"fc1_fwd", FC1_FWD, 2.0 * kBatch * FC1_IN * FC1_OUT},
    {"fc1_wgrad", FC1_WGRAD, 2.0 * kBatch * FC1_IN * FC1_OUT},
    {"fc1_igrad", FC1_IGRAD, 2.0 * kBatch * FC1_IN * FC1_OUT},
    // Winograd F(2x2, 3x3): GFLOP/s and pct_peak count the direct convolution's operations (the
    // work done for the user), so they compare with conv2_* above and can pass 100 %
    {"conv2_fwd_winograd", WINO2_FWD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
    {"conv2_wgrad_winograd", WINO2_WGRAD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
    {"conv2_igrad_winograd", WINO2_IGRAD, 2.0 * kBatch * HW2 * C2 * C1 * 9},
};

struct PassBuffers {
    // padded (zero rim) buffers as net.c keeps them: X1 conv1's input, P1 conv2's, DZ2 its
    // output gradient; TILES conv2's Winograd tiles (2x2 outputs each)
    enum { X1 = (IMG_H + 2) * (IMG_W + 2), Z1 = HW1 * C1, P1 = (P1_H + 2) * (P1_W + 2) * C1,
           Q1 = HW2 * C1, Z2 = HW2 * C2, DZ2 = (P1_H + 2) * (P1_W + 2) * C2, W2 = 9 * C1 * C2,
           TILES = (P1_H / 2) * (P1_W / 2) };
    AlignedBuf x1{kBatch * X1}, z1{(size_t)kBatch * Z1}, p1{(size_t)kBatch * P1},
        q1{(size_t)kBatch * Q1}, z2{(size_t)kBatch * Z2}, p2{(size_t)kBatch * FC1_IN},
        dp2{(size_t)kBatch * FC1_IN}, q2{(size_t)kBatch * FC1_IN}, dz2{(size_t)CH * DZ2},
        dp1{(size_t)CH * Q1}, dz1{(size_t)CH * Z1}, w1{9 * C1}, w2{W2}, w2t{W2}, dw{W2},
        fc1w{(size_t)FC1_OUT * FC1_IN}, fc1t{(size_t)FC1_OUT * FC1_IN},
        fc1dw{(size_t)FC1_OUT * FC1_IN}, h{(size_t)kBatch * FC1_OUT}, u2{WINO_POINTS * C1 * C2},
        u2t{WINO_POINTS * C1 * C2}, du{WINO_POINTS * C1 * C2},
        wscratch{2 * WINO_POINTS * CH * TILES * (C1 + C2)};
    std::vector<uint8_t> win1 = std::vector<uint8_t>((size_t)kBatch * Q1),
                         win2 = std::vector<uint8_t>((size_t)kBatch * FC1_IN);
    std::vector<float> bias = std::vector<float>(FC1_OUT, 0.1f), scale = std::vector<float>(C2, 1.1f),
                       shift = std::vector<float>(C2, 0.05f), mean = std::vector<float>(C2, 0.01f),
                       k1 = std::vector<float>(C2, 0.9f), k2 = std::vector<float>(C2, -0.01f),
                       k0 = std::vector<float>(C2, 0.001f);
    std::vector<float> zero = std::vector<float>(FC1_IN, 0.0f);
    std::vector<double> sums = std::vector<double>(2 * C2);
    PassBuffers()
    {
        // random interiors, zero rims, as net.c keeps them
        std::vector<float> r = bench::random_vec((size_t)kBatch * Z1, 3);
        for (int s = 0; s < kBatch; s++)
            for (int y = 0; y < IMG_H; y++)
                std::copy_n(&r[(size_t)s * HW1 + y * IMG_W], IMG_W,
                            x1.p + s * X1 + (y + 1) * (IMG_W + 2) + 1);
        std::copy(r.begin(), r.end(), z1.p);
        std::copy_n(r.begin(), (size_t)kBatch * Z2, z2.p);
        std::copy_n(r.begin(), (size_t)kBatch * FC1_IN, dp2.p);
        for (int s = 0; s < CH; s++)
            for (int y = 0; y < P1_H; y++)
                std::copy_n(&r[(size_t)(s * HW2 + y * P1_W) * C2], P1_W * C2,
                            dz2.p + s * DZ2 + ((y + 1) * (P1_W + 2) + 1) * C2);
        std::copy_n(r.begin(), (size_t)CH * Q1, dp1.p);
        std::copy_n(r.begin(), 9 * C1, w1.p);
        std::copy_n(r.begin(), W2, w2.p);
        std::copy_n(r.begin() + W2, W2, w2t.p);
        std::copy_n(r.begin(), (size_t)FC1_OUT * FC1_IN, fc1w.p);
        dense_pack(fc1w.p, FC1_OUT, FC1_IN, 0, FC1_OUT, fc1t.p);
        winograd_pack(w2.p, C2, C1, u2.p);
        winograd_pack_transposed(w2.p, C2, C1, u2t.p);
        std::copy_n(r.begin(), (size_t)kBatch * FC1_OUT, h.p);
    }
};

void run_pass(PassBuffers &b, PassKind kind, int k)
{
    using P = PassBuffers;
    const size_t s0 = (size_t)k * CH;
    const ConvShape c1{IMG_H, IMG_W, 1, C1}, c2{P1_H, P1_W, C1, C2}, c2t{P1_H, P1_W, C2, C1};
    const PoolShape q1{CH, IMG_H, IMG_W, C1}, q2{CH, P1_H, P1_W, C2};
    const ImageStrides p1s = image_strides_padded(P1_H, P1_W, C1), p2s = image_strides(P2_H, P2_W, C2);
    const ImageStrides dz2s = image_strides_padded(P1_H, P1_W, C2);
    float *p1 = b.p1.p + s0 * P::P1 + p1s.row + C1;
    const BnBackward bb{b.k1.data(), b.k2.data(), b.k0.data(), b.mean.data()};
    switch (kind) {
    case CONV1_FWD:
        conv3x3_forward(&c1, CH, b.x1.p + s0 * P::X1, b.w1.p, b.bias.data(), b.z1.p + s0 * P::Z1,
                        b.mean.data(), b.sums.data());
        break;
    case CONV1_WGRAD: conv3x3_weight_grad(&c1, CH, b.x1.p + s0 * P::X1, b.dz1.p, 0, b.dw.p); break;
    case CONV2_FWD:
        conv3x3_forward(&c2, CH, b.p1.p + s0 * P::P1, b.w2.p, b.bias.data(), b.z2.p + s0 * P::Z2,
                        b.mean.data(), b.sums.data());
        break;
    case CONV2_WGRAD: conv3x3_weight_grad(&c2, CH, b.p1.p + s0 * P::P1, b.dz2.p, 1, b.dw.p); break;
    case CONV2_IGRAD: conv3x3_forward(&c2t, CH, b.dz2.p, b.w2t.p, nullptr, b.dp1.p, nullptr, nullptr); break;
    case BNPOOL1_FWD:
        bn_relu_pool_forward(&q1, b.z1.p + s0 * P::Z1, b.scale.data(), b.shift.data(), p1, p1s,
                             b.win1.data() + s0 * P::Q1);
        break;
    case BNPOOL2_FWD:
        bn_relu_pool_forward(&q2, b.z2.p + s0 * P::Z2, b.scale.data(), b.shift.data(),
                             b.p2.p + s0 * FC1_IN, p2s, b.win2.data() + s0 * FC1_IN);
        break;
    case POOL2_BWD:
        relu_pool_backward_bn_sums(&q2, b.dp2.p + s0 * FC1_IN, p2s, b.p2.p + s0 * FC1_IN, p2s,
                                   b.win2.data() + s0 * FC1_IN, b.z2.p + s0 * P::Z2, b.mean.data(),
                                   b.q2.p + s0 * FC1_IN, b.sums.data());
        break;
    case BN2_BWD:
        unpool_bn_backward_sum_dx(&q2, b.q2.p + s0 * FC1_IN, b.win2.data() + s0 * FC1_IN,
                                  b.z2.p + s0 * P::Z2, &bb, b.dz2.p + dz2s.row + C2, dz2s,
                                  b.sums.data());
        break;
    case POOL1_BWD:
        relu_pool_backward_bn_sums(&q1, b.dp1.p, image_strides(P1_H, P1_W, C1), p1, p1s,
                                   b.win1.data() + s0 * P::Q1, b.z1.p + s0 * P::Z1, b.mean.data(),
                                   b.q1.p + s0 * P::Q1, b.sums.data());
        break;
    case FC1_FWD:   // net.c's tasks: 16 rows by 64 columns
        for (int r0 = 0; k == 0 && r0 < kBatch; r0 += 16)
            for (int c0 = 0; c0 < FC1_OUT; c0 += 64)
                dense_forward(16, FC1_IN, FC1_OUT, c0, 64, b.dp2.p + (size_t)r0 * FC1_IN, FC1_IN,
                              b.fc1t.p, b.bias.data(), b.h.p + (size_t)r0 * FC1_OUT, FC1_OUT);
        break;
    case FC1_WGRAD:   // blocks of 224 input columns as net.c (14 at 28 x 28)
        for (int i0 = 0; k == 0 && i0 < FC1_IN; i0 += kFc1Block)
            dense_weight_grad(kBatch, b.h.p, FC1_OUT, 0, FC1_OUT, b.dp2.p, FC1_IN, i0,
                              std::min(kFc1Block, FC1_IN - i0), b.fc1dw.p, FC1_IN);
        break;
    case FC1_IGRAD:
        for (int i0 = 0; k == 0 && i0 < FC1_IN; i0 += kFc1Block)
            dense_forward(kBatch, FC1_OUT, FC1_IN, i0, std::min(kFc1Block, FC1_IN - i0), b.h.p,
                          FC1_OUT, b.fc1w.p, b.zero.data(), b.dp2.p, FC1_IN);
        break;
    case WINO2_FWD:
        winograd_forward(&c2, CH, b.p1.p + s0 * P::P1, b.u2.p, b.bias.data(), b.z2.p + s0 * P::Z2,
                         b.mean.data(), b.sums.data(), b.wscratch.p);
        break;
    case WINO2_WGRAD: winograd_weight_grad(&c2, CH, b.p1.p + s0 * P::P1, b.dz2.p, b.du.p, b.wscratch.p); break;
    case WINO2_IGRAD:
        winograd_forward(&c2t, CH, b.dz2.p, b.u2t.p, nullptr, b.dp1.p, nullptr, nullptr, b.wscratch.p);
        break;
    case BN1_BWD:
        unpool_bn_backward_sum_dx(&q1, b.q1.p + s0 * P::Q1, b.win1.data() + s0 * P::Q1,
                                  b.z1.p + s0 * P::Z1, &bb, b.dz1.p, image_strides(IMG_H, IMG_W, C1),
                                  b.sums.data());
        break;
    }
}

void BM_layer_pass(benchmark::State &state, const IsaDesc *isa, Pass pass)
{
    if (!select_isa(state, isa)) return;
    PassBuffers b;
    // the backward passes read the forward's winners: run both forwards once first
    for (int k = 0; k < CHUNKS; k++) {
        run_pass(b, BNPOOL1_FWD, k);
        run_pass(b, BNPOOL2_FWD, k);
    }
    auto run = [&] {
        for (int k = 0; k < CHUNKS; k++) run_pass(b, pass.kind, k);
    };
    run();
    peak_measure(isa);
    int64_t batches = 0;
    const double secs = bench::timed_loop(state, run, &batches);
    if (pass.flops > 0)
        set_rate_counters(state, (double)batches * kBatch, pass.flops * (double)batches, secs, isa, 1);
    else
        state.counters["images/s"] = (double)batches * kBatch / secs;
    state.counters["us/batch"] = 1e6 * secs / (double)batches;
    const bool fc = pass.kind >= FC1_FWD && pass.kind <= FC1_IGRAD;
    state.SetLabel(std::string(isa_name(isa)) + (pass.flops > 0 ? ", " : ", memory-bound, ") +
                   (fc ? "net.c's blocks of the batch" : "16 chunks of 4, channels-last"));
}

// ---- whole training step, eval batch, single image, 10k evaluation ----------------------------

// Normalised training batches (real MNIST train images when present) to cycle through.
struct Batches {
    std::vector<float> x;
    std::vector<uint8_t> y;
    int count;
    std::string source;
};

const Batches &train_batches()
{
    static Batches b;
    if (b.count) return b;
    const int nb = 8;
    const Images &im = load_images("train", nb * kBatch);
    b.count = nb;
    b.source = im.source;
    b.x.resize((size_t)nb * kBatch * IMG_PIXELS);
    b.y.resize((size_t)nb * kBatch);
    for (int i = 0; i < nb * kBatch; i++) {
        const int j = i % im.n;
        normalize_image(&b.x[(size_t)i * IMG_PIXELS], &im.pixels[(size_t)j * IMG_PIXELS]);
        b.y[i] = im.labels[j];
    }
    return b;
}

// The set's one-core BF16 peak (GFLOP/s, a pair product counting 4), measured once per set.
double peak_bf16_gflops(const IsaDesc *isa)
{
    static std::map<const IsaDesc *, double> best;
    auto it = best.find(isa);
    if (it != best.end()) return it->second;
    double rate = 0;
    if (isa->peak_bf16_chains)
        for (int rep = 0; rep < 5; rep++) {
            const auto t0 = std::chrono::steady_clock::now();
            const double flops = isa->peak_bf16_chains(1 << 18);
            rate = std::max(rate, flops / seconds_since(t0) / 1e9);
        }
    return best[isa] = rate;
}

void BM_train_step(benchmark::State &state, const IsaDesc *isa, int threads, bool augment,
                   ConvAlgo conv, Precision prec)
{
    if (!select_isa(state, isa)) return;
    omp_set_num_threads(threads);   // adam_update uses the OpenMP default team
    ModelHolder mh;
    Adam opt{};
    Workspace *ws = workspace_create_precision(kBatch, threads, conv, prec);
    const Batches &bt = train_batches();
    const Images &im = load_images("train", bt.count * kBatch);
    AlignedBuf xa((size_t)kBatch * IMG_PIXELS);
    if (!mh.ok || !ws || adam_alloc(&opt, 1e-3f)) {
        workspace_free(ws);
        state.SkipWithError("out of memory");
        return;
    }
    peak_measure(isa);
    int64_t steps = 0;
    auto step = [&] {
        const int b = (int)(steps % bt.count);
        const float *x = &bt.x[(size_t)b * kBatch * IMG_PIXELS];
        if (augment) {
            // what engine/train.c's build_batch does with augmentation on
#pragma omp parallel for schedule(static) num_threads(threads)
            for (int i = 0; i < kBatch; i++) {
                const int idx = (b * kBatch + i) % im.n;
                affine_apply(xa.p + (size_t)i * IMG_PIXELS, &im.pixels[(size_t)idx * IMG_PIXELS],
                             affine_draw(1, 1, (uint64_t)(steps * kBatch + i)));
            }
            x = xa.p;
        }
        net_train_step(ws, &mh.m, x, &bt.y[(size_t)b * kBatch], kBatch, nullptr, 1,
                       (uint64_t)opt.step + 1, nullptr);
        adam_update(&opt, mh.m.params, workspace_grad(ws), MODEL_N_PARAMS);
        steps++;
    };
    for (int i = 0; i < 3; i++) step();   // warm-up: page in every buffer
    steps = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) step();
    const double secs = seconds_since(t0);
    set_rate_counters(state, (double)steps * kBatch, (double)steps * kBatch * kTrainFlopsPerSample,
                      secs, isa, threads);
    state.counters["ms/step"] = 1e3 * secs / (double)steps;
    if (prec == PRECISION_BF16) {
        const double peak = peak_bf16_gflops(isa) * threads;
        state.counters["pct_peak_bf16"] =
            peak > 0 ? 100.0 * (double)steps * kBatch * kTrainFlopsPerSample / secs / 1e9 / peak : 0.0;
    }
    state.SetLabel(std::string(isa_name(isa)) + ", " + conv_algo_name(conv) + " conv2 " +
                   precision_name(prec) + ", batch 64, " + bt.source +
                   (augment ? ", + random affine batch build" : ", pre-normalised batches") +
                   "; 25 MFLOP/sample");
    adam_free(&opt);
    workspace_free(ws);
    omp_set_num_threads(all_cores());
}

void BM_eval_batch(benchmark::State &state, const IsaDesc *isa, int threads)
{
    if (!select_isa(state, isa)) return;
    ModelHolder mh;
    Workspace *ws = workspace_create(kBatch, threads, CONV_DIRECT);
    if (!mh.ok || !ws) {
        workspace_free(ws);
        state.SkipWithError("out of memory");
        return;
    }
    const Batches &bt = train_batches();
    float logits[kBatch * N_CLASSES];
    peak_measure(isa);
    net_eval_prepare(ws, &mh.m);
    net_eval_forward(ws, bt.x.data(), kBatch, logits);
    int64_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        net_eval_forward(ws, &bt.x[(size_t)(n % bt.count) * kBatch * IMG_PIXELS], kBatch, logits);
        benchmark::DoNotOptimize(logits);
        n++;
    }
    const double secs = seconds_since(t0);
    set_rate_counters(state, (double)n * kBatch, (double)n * kBatch * kFwdFlopsPerSample, secs, isa,
                      threads);
    state.SetLabel(std::string(isa_name(isa)) + ", net_eval_forward, batch 64; 8.5 MFLOP/sample");
    workspace_free(ws);
}

void BM_infer(benchmark::State &state, const IsaDesc *isa)
{
    if (!select_isa(state, isa)) return;
    ModelHolder mh;
    Infer *inf = mh.ok ? infer_create(&mh.m, 0) : nullptr;   // every core, as before
    if (!mh.ok || !inf) {
        infer_free(inf);
        state.SkipWithError("out of memory");
        return;
    }
    const Images &im = load_images("t10k", 10000);
    std::vector<float> imgs((size_t)16 * IMG_PIXELS);
    for (size_t i = 0; i < imgs.size(); i++) imgs[i] = im.pixels[i % im.pixels.size()] / 255.0f;
    float probs[N_CLASSES];
    for (int i = 0; i < 20; i++) infer_run(inf, imgs.data(), nullptr, probs, nullptr, nullptr);
    std::vector<double> us;
    us.reserve(1 << 16);
    int64_t n = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const int d = infer_run(inf, &imgs[(size_t)(n & 15) * IMG_PIXELS], nullptr, probs, nullptr,
                                nullptr);
        benchmark::DoNotOptimize(d);
        if (us.size() < us.capacity()) us.push_back(1e6 * seconds_since(t0));
        n++;
    }
    std::sort(us.begin(), us.end());
    const size_t c = us.size();
    double sum = 0;
    for (double v : us) sum += v;
    state.counters["median_us"] = c ? us[c / 2] : 0.0;
    state.counters["p90_us"] = c ? us[c * 9 / 10] : 0.0;
    state.counters["min_us"] = c ? us[0] : 0.0;
    state.counters["mean_us"] = c ? sum / (double)c : 0.0;
    state.counters["calls"] = (double)c;
    state.SetLabel(std::string(isa_name(isa)) + ", infer_run on one 28x28 image (1 thread, " +
                   (im.source == "synthetic" ? std::string("synthetic") : im.source) +
                   " images), probabilities out");
    infer_free(inf);
}

void BM_eval10k(benchmark::State &state, const IsaDesc *isa, int threads)
{
    if (!select_isa(state, isa)) return;
    ModelHolder mh;
    const Images &im = load_images("t10k", 10000);
    // Always 10,000 images: repeat the available ones if a set is shorter.
    std::vector<uint8_t> px((size_t)10000 * IMG_PIXELS), lab(10000);
    for (int i = 0; i < 10000; i++) {
        std::copy_n(&im.pixels[(size_t)(i % im.n) * IMG_PIXELS], IMG_PIXELS,
                    &px[(size_t)i * IMG_PIXELS]);
        lab[i] = im.labels[i % im.n];
    }
    const ImageSet set{px.data(), lab.data(), 10000};
    float loss = 0, acc = 0;
    if (!mh.ok || evaluate(&mh.m, &set, threads, &loss, &acc, nullptr)) {
        state.SkipWithError("out of memory");
        return;
    }
    peak_measure(isa);
    int64_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        evaluate(&mh.m, &set, threads, &loss, &acc, nullptr);
        benchmark::DoNotOptimize(acc);
        n++;
    }
    const double secs = seconds_since(t0);
    set_rate_counters(state, (double)n * 10000, (double)n * 10000 * kFwdFlopsPerSample, secs, isa,
                      threads);
    state.counters["ms/10k"] = 1e3 * secs / (double)n;
    state.SetLabel(std::string(isa_name(isa)) + ", evaluate() on 10,000 " +
                   (im.source == "synthetic" ? std::string("synthetic 28x28 images (no MNIST found)")
                                             : im.source + " images (" + data_dir("t10k") + ")") +
                   ", untrained weights");
}

// peak.c's FMA chains on one core.
void BM_peak(benchmark::State &state, const IsaDesc *isa)
{
    const long iters = 1 << 16;
    double flops = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) flops += peak_run(isa, iters);
    state.counters["GFLOP/s"] = flops / seconds_since(t0) / 1e9;
    state.SetLabel(isa_name(isa));
}

// The set's BF16 pair-product chains on one core.
void BM_peak_bf16(benchmark::State &state, const IsaDesc *isa)
{
    if (!select_isa(state, isa)) return;
    const long iters = 1 << 16;
    double flops = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) flops += isa->peak_bf16_chains(iters);
    state.counters["GFLOP/s"] = flops / seconds_since(t0) / 1e9;
    state.counters["x_fma_peak"] = state.counters["GFLOP/s"] / peak_gflops(isa);
    state.SetLabel(isa_name(isa));
}

// peak.c's FMA chains on T threads at once: the measured multi-core peak.
void BM_peak_mt(benchmark::State &state, const IsaDesc *isa, int threads)
{
    if (!select_isa(state, isa)) return;
    const long iters = 1 << 18;
    double flops = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        std::vector<std::thread> ts;
        std::vector<double> f(threads);
        for (int t = 0; t < threads; t++)
            ts.emplace_back([&f, t, isa] { f[t] = peak_run(isa, iters); });
        for (auto &t : ts) t.join();
        for (double v : f) flops += v;
    }
    const double secs = seconds_since(t0);
    const double one = peak_gflops(isa);
    state.counters["GFLOP/s"] = flops / secs / 1e9;
    state.counters["one_core_x_threads"] = one * threads;
    state.SetLabel(isa_name(isa));
}

int register_engine_benchmarks()
{
    const int cores = all_cores();
    std::vector<int> tcounts{1};
    if (cores > 1) tcounts.push_back(cores);
    for (const IsaDesc *isa : bench::supported_isas()) {
        const std::string is = isa_name(isa);
        benchmark::RegisterBenchmark(("peak_fma/" + is).c_str(), BM_peak, isa);
        if (isa_bf16_native(isa) && isa->peak_bf16_chains)
            benchmark::RegisterBenchmark(("peak_bf16/" + is).c_str(), BM_peak_bf16, isa);
        for (int t : tcounts)
            if (t > 1)
                benchmark::RegisterBenchmark(
                    ("peak_fma_mt/" + is + "/threads:" + std::to_string(t)).c_str(), BM_peak_mt, isa,
                    t)->UseRealTime();
        for (const Pass &p : kPasses)
            benchmark::RegisterBenchmark(("layer/" + std::string(p.name) + "/" + is).c_str(),
                                         BM_layer_pass, isa, p)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
        for (int t : tcounts) {
            const std::string ts = "/threads:" + std::to_string(t);
            benchmark::RegisterBenchmark(("train_step/" + is + ts).c_str(), BM_train_step, isa, t,
                                         false, CONV_DIRECT, PRECISION_FP32)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
            benchmark::RegisterBenchmark(("train_step/" + is + ts + "/winograd").c_str(),
                                         BM_train_step, isa, t, false, CONV_WINOGRAD,
                                         PRECISION_FP32)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
            if (isa_bf16_native(isa))
                benchmark::RegisterBenchmark(("train_step/" + is + ts + "/bf16").c_str(),
                                             BM_train_step, isa, t, false, CONV_DIRECT,
                                             PRECISION_BF16)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
            benchmark::RegisterBenchmark(("train_step/" + is + ts + "/augment").c_str(),
                                         BM_train_step, isa, t, true, CONV_DIRECT, PRECISION_FP32)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
            benchmark::RegisterBenchmark(("eval_batch64/" + is + ts).c_str(), BM_eval_batch, isa, t)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
        }
        benchmark::RegisterBenchmark(("infer/" + is).c_str(), BM_infer, isa)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
        for (int t : tcounts)
            benchmark::RegisterBenchmark(("eval10k/" + is + "/threads:" + std::to_string(t)).c_str(),
                                         BM_eval10k, isa, t)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
    }
    return 0;
}

const int registered = register_engine_benchmarks();

} // namespace
