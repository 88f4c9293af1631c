// Engine-level benchmarks, per supported ISA (isa_set; ISAs the CPU lacks are not registered):
//   layer/<name>/<isa>          each kernel of a layer over a batch of 64 exactly as engine/net.c
//                               calls it (per 4-sample chunk or per column block), one thread: the
//                               direct convolutions, fc1's dense products and the memory-bound BatchNorm +
//                               ReLU + pool passes around them; "/winograd" and "/bf16" for the
//                               passes that differ with Winograd conv2 and in BF16 training;
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
#include "engine/net_passes.h"
#include "engine/step_phases.h"
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

// At least n images of the named set (all its images when its files are there; callers take the
// first n); synthetic blobs with random labels when the files are missing.
const Images &load_images(const char *prefix, int n)
{
    static Images cache[2];
    Images &im = cache[std::string(prefix) == "train" ? 0 : 1];
    if (im.n >= n || (im.n && im.source != "synthetic")) return im;
    const std::string dir = data_dir(prefix);
    if (!dir.empty()) {
        Dataset ds{};
        char err[512];
        if (dataset_load(dir.c_str(), prefix, &ds, err, sizeof err) == 0 && ds.rows == IMG_H &&
            ds.cols == IMG_W) {
            const int take = ds.n;
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

// ---- training batches ----------------------------------------------------------------------

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

// ---- per-layer: the engine's own passes (engine/net_passes.h), as a training step runs them --

// Operations per batch of 64 in each pass (0: memory-bound, no GFLOP/s counter).
double pass_flops(NetPass p)
{
    const double conv2 = 2.0 * kBatch * P1_H * P1_W * C2 * C1 * 9, fc1 = 2.0 * kBatch * FC1_IN * FC1_OUT;
    switch (p) {
    case NET_PASS_CONV1_FWD: case NET_PASS_CONV1_BWD: return kBatch * kConv1Flops;
    case NET_PASS_CONV2_FWD: return conv2;
    case NET_PASS_CONV2_BWD: return 2 * conv2;   // weight and input gradients
    case NET_PASS_FC1_FWD: return fc1;
    case NET_PASS_FC1_BWD: return 2 * fc1;
    default: return 0;
    }
}

// One pass over a batch of 64 on one thread: every chunk, or the whole-batch pass once, on a
// workspace that has just trained a step on real data (so every buffer holds a step's values).
void BM_layer_pass(benchmark::State &state, const IsaDesc *isa, NetPass pass, ConvAlgo conv,
                   Precision prec)
{
    if (!select_isa(state, isa)) return;
    omp_set_num_threads(1);
    ModelHolder mh;
    Workspace *ws = workspace_create_precision(kBatch, 1, conv, prec);
    if (!mh.ok || !ws) {
        workspace_free(ws);
        state.SkipWithError("out of memory");
        omp_set_num_threads(all_cores());
        return;
    }
    const Batches &bt = train_batches();
    net_train_step(ws, &mh.m, bt.x.data(), bt.y.data(), kBatch, nullptr, 1, 1, nullptr);
    const bool per_chunk = net_pass_per_chunk(pass);
    auto run = [&] {
        for (int k = 0; k < (per_chunk ? kBatch / NET_CHUNK : 1); k++)
            net_run_pass(ws, &mh.m, bt.y.data(), pass, k);
    };
    run();
    peak_measure(isa);
    int64_t batches = 0;
    const double secs = bench::timed_loop(state, run, &batches);
    const double flops = pass_flops(pass);
    if (flops > 0)
        set_rate_counters(state, (double)batches * kBatch, flops * (double)batches, secs, isa, 1);
    else
        state.counters["images/s"] = (double)batches * kBatch / secs;
    state.counters["us/batch"] = 1e6 * secs / (double)batches;
    state.SetLabel(std::string(isa_name(isa)) + (flops > 0 ? ", " : ", memory-bound, ") +
                   (per_chunk ? std::to_string(kBatch / NET_CHUNK) + " chunks of " +
                                    std::to_string(NET_CHUNK)
                              : std::string("the whole batch")) +
                   ", engine/net.c's pass, 1 thread");
    workspace_free(ws);
    omp_set_num_threads(all_cores());
}

// ---- whole training step, eval batch, single image, 10k evaluation ----------------------------

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

// The whole step as training runs it: train_run (engine/train.c) over 200 batches of real
// MNIST with augmentation, its phases timed by the engine's own clock (engine/step_phases.h).
// Counters: ms/step = the run's wall time per step; one "ms:<phase>" per phase; ms:outside = what
// is left (the workspace's allocation, the epoch's shuffle), so the rows add up to ms/step.
void BM_step_phases(benchmark::State &state, const IsaDesc *isa, int threads, ConvAlgo conv,
                    Precision prec)
{
    if (!select_isa(state, isa)) return;
    constexpr int kSteps = 200;
    omp_set_num_threads(threads);   // adam_update uses the OpenMP default team
    ModelHolder mh;
    Adam opt{};
    const Images &im = load_images("train", kSteps * kBatch);
    if (!mh.ok || adam_alloc(&opt, 1e-3f) || im.n < kBatch) {
        state.SkipWithError("out of memory or no images");
        return;
    }
    const ImageSet set{im.pixels.data(), im.labels.data(), std::min(im.n, kSteps * kBatch) / kBatch * kBatch};
    double phases[STEP_N_PHASES] = {0};
    TrainConfig cfg{};
    cfg.epochs = 1;
    cfg.batch = kBatch;
    cfg.threads = threads;
    cfg.augment = 1;
    cfg.conv = conv;
    cfg.precision = prec;
    cfg.seed = 1;
    cfg.phase_seconds = phases;
    peak_measure(isa);
    int64_t steps = 0;
    double secs = 0;
    char err[256];
    for (auto _ : state) {
        const TrainPosition start{1, 0, 0, 0};
        const auto t0 = std::chrono::steady_clock::now();
        const TrainResult r = train_run(&mh.m, &opt, nullptr, &set, nullptr, nullptr, &cfg, &start,
                                        nullptr, err, sizeof err);
        secs += seconds_since(t0);
        if (r != TRAIN_DONE) {
            state.SkipWithError(err);
            break;
        }
        steps += set.n / kBatch;
    }
    if (steps > 0) {
        double sum = 0;
        for (int p = 0; p < STEP_N_PHASES; p++) {
            state.counters[std::string("ms:") + step_phase_names[p]] = 1e3 * phases[p] / (double)steps;
            sum += phases[p];
        }
        state.counters["ms:outside"] = 1e3 * (secs - sum) / (double)steps;
        // how each phase is shared out (the thread-scaling model of step_phases.sh --model): up
        // to 16 threads, and the finer split used above 16
        for (int wide = 0; wide < 2; wide++)
            if (Workspace *ws = workspace_create_precision(kBatch, wide ? 64 : 1, conv, prec)) {
                for (int p = 0; p < STEP_N_PHASES; p++)
                    state.counters[std::string(wide ? "tasks64:" : "tasks:") + step_phase_names[p]] =
                        net_phase_tasks(ws, (StepPhase)p, kBatch);
                workspace_free(ws);
            }
        state.counters["ms/step"] = 1e3 * secs / (double)steps;
        set_rate_counters(state, (double)steps * kBatch,
                          (double)steps * kBatch * kTrainFlopsPerSample, secs, isa, threads);
    }
    state.SetLabel(std::string(isa_name(isa)) + ", " + conv_algo_name(conv) + " conv2" +
                   (prec == PRECISION_BF16 ? " in bf16" : "") + ", train_run with augmentation, batch 64, " + im.source);
    adam_free(&opt);
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
        for (int p = 0; p < NET_N_PASSES; p++)
            for (ConvAlgo conv : {CONV_DIRECT, CONV_WINOGRAD}) {
                // only conv2's passes differ with Winograd
                if (conv == CONV_WINOGRAD && p != NET_PASS_CONV2_FWD && p != NET_PASS_CONV2_BWD)
                    continue;
                const std::string name = "layer/" + std::string(net_pass_names[p]) + "/" + is +
                                         (conv == CONV_WINOGRAD ? "/winograd" : "");
                benchmark::RegisterBenchmark(name.c_str(), BM_layer_pass, isa, (NetPass)p, conv,
                                             PRECISION_FP32)
                    ->Unit(benchmark::kMicrosecond)
                    ->UseRealTime();
            }
        // and those that differ in BF16 training
        if (isa_bf16_native(isa))
            for (int p = 0; p < NET_N_PASSES; p++)
                if (net_pass_bf16_differs((NetPass)p))
                    benchmark::RegisterBenchmark(
                        ("layer/" + std::string(net_pass_names[p]) + "/" + is + "/bf16").c_str(),
                        BM_layer_pass, isa, (NetPass)p, CONV_DIRECT, PRECISION_BF16)
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
            for (ConvAlgo conv : {CONV_DIRECT, CONV_WINOGRAD})
                benchmark::RegisterBenchmark(("step_phases/" + is + ts +
                                              (conv == CONV_WINOGRAD ? "/winograd" : ""))
                                                 .c_str(),
                                             BM_step_phases, isa, t, conv, PRECISION_FP32)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime()
                    ->Iterations(3);
            if (isa_bf16_native(isa))
                benchmark::RegisterBenchmark(("step_phases/" + is + ts + "/bf16").c_str(),
                                             BM_step_phases, isa, t, CONV_DIRECT, PRECISION_BF16)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime()
                    ->Iterations(3);
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
