// GPU kernel lab for the FP8 recipe: cuBLASLt block-scaled FP8 (1x128 x 128x128 fprop, 128x1 x
// 128x1 wgrad) vs BF16 TFLOP/s at MoE shapes, and the quantizers' GB/s vs a plain copy kernel.
// CUDA events around every call, 5 warm-up calls, median of 30. Prints a table at the end
// (bench/gpu_check.sh runs it). Without a CUDA device every benchmark reports the skip.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/quantize.h"
#include "kernels/tensor.h"

#ifdef RLVR_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/cuda/copy_cuda.h"
#include "kernels/cuda/cublaslt.h"
#include "kernels/cuda/cuda_check.h"
#endif

namespace {

using rlvr::DType;
using rlvr::Device;
using rlvr::QuantLayout;
using rlvr::Tensor;

struct Row { std::string what, shape; double us, rate; const char* unit; };
std::vector<Row> g_rows;

#ifdef RLVR_HAVE_CUDA

// Median milliseconds of `reps` event-timed calls after `warmup` untimed ones.
double median_ms(const std::function<void()>& fn, int warmup = 5, int reps = 30) {
  for (int i = 0; i < warmup; ++i) fn();
  cudaEvent_t start, stop;
  RLVR_CUDA_CHECK(cudaEventCreate(&start));
  RLVR_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<float> ms(static_cast<size_t>(reps));
  for (float& m : ms) {
    RLVR_CUDA_CHECK(cudaEventRecord(start));
    fn();
    RLVR_CUDA_CHECK(cudaEventRecord(stop));
    RLVR_CUDA_CHECK(cudaEventSynchronize(stop));
    RLVR_CUDA_CHECK(cudaEventElapsedTime(&m, start, stop));
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::nth_element(ms.begin(), ms.begin() + reps / 2, ms.end());
  return ms[size_t(reps / 2)];
}

// Random values (never zeros) whose magnitude changes by powers of two per 128-wide tile, made
// on the host with a cheap generator and copied to the device.
Tensor random_device(int64_t R, int64_t C, DType dt) {
  std::vector<float> v(size_t(R * C));
  uint64_t s = 0x9E3779B97F4A7C15ull ^ uint64_t(R * 31 + C);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      const float u = float((s >> 40) + 1) * 0x1p-24f;  // (0, 1]
      v[size_t(r * C + c)] = std::ldexp(2.0f * u - 1.0f + 0x1p-20f, int((r / 128 * 5 + c / 128 * 3) % 7) - 3);
    }
  return Tensor::from_floats({R, C}, v, dt).to(Device::CUDA);
}

std::string mnk(int64_t M, int64_t N, int64_t K) { return std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K); }

void report(benchmark::State& state, const std::string& what, const std::string& shape, double ms, double rate,
            const char* unit) {
  state.SetIterationTime(ms * 1e-3);
  state.counters[unit] = rate;
  g_rows.push_back({what, shape, ms * 1e3, rate, unit});
}

bool skip_without_gpu(benchmark::State& state) {
  if (rlvr::cuda_available()) return false;
  state.SkipWithError("no CUDA device");
  return true;
}

// Y[M,N] = X[M,K] W[N,K]^T with BF16 operands (F32 output).
void BM_gemm_bf16(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const Tensor x = random_device(M, K, DType::BF16), w = random_device(N, K, DType::BF16);
  Tensor y = Tensor::empty({M, N}, DType::F32, Device::CUDA);
  for (auto _ : state) {
    const double ms = median_ms([&] { rlvr::gemm(y, x, false, w, true); });
    report(state, "BF16 cuBLASLt (f32 out)", mnk(M, N, K), ms, 2.0 * M * N * K / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
}

// fprop: X 1x128 tiles x W 128x128 blocks, BF16 output (DeepSeek-V3's forward and dgrad GEMM).
void BM_gemm_fp8_fprop(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const auto xq = rlvr::quantize_fp8(random_device(M, K, DType::F32), QuantLayout::Tile1x128);
  const auto wq = rlvr::quantize_fp8(random_device(N, K, DType::F32), QuantLayout::Block128x128);
  Tensor y = Tensor::empty({M, N}, DType::BF16, Device::CUDA);
  for (auto _ : state) {
    const double ms = median_ms([&] { rlvr::gemm_fp8(y, xq, wq); });
    report(state, "FP8 1x128 x 128x128 (bf16 out)", mnk(M, N, K), ms, 2.0 * M * N * K / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
}

// wgrad: both operands 128x1 tiles of token-major tensors [K tokens, M] and [K tokens, N]; into
// BF16, or as the model runs it, accumulated into the F32 weight gradient (on CUDA an F32 scratch
// GEMM plus an add, kernels/cuda/cublaslt.cpp: the difference is the add's cost).
void BM_gemm_fp8_wgrad(benchmark::State& state, bool accumulate) {
  if (skip_without_gpu(state)) return;
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  const auto a = rlvr::quantize_fp8(random_device(K, M, DType::F32), QuantLayout::Tile128x1);
  const auto b = rlvr::quantize_fp8(random_device(K, N, DType::F32), QuantLayout::Tile128x1);
  Tensor y = Tensor::zeros({M, N}, accumulate ? DType::F32 : DType::BF16, Device::CUDA);
  for (auto _ : state) {
    const double ms = median_ms([&] { rlvr::gemm_fp8(y, a, b, accumulate); });
    report(state, accumulate ? "FP8 128x1 x 128x1 wgrad (+= f32, the model's)" : "FP8 128x1 x 128x1 wgrad (bf16 out)",
           mnk(M, N, K), ms, 2.0 * M * N * K / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
}

// Quantize X [R, C] f32: bytes = 4 read + 1 written per element, plus the scales.
void BM_quantize(benchmark::State& state, QuantLayout layout) {
  if (skip_without_gpu(state)) return;
  const int64_t R = state.range(0), C = state.range(1);
  const Tensor x = random_device(R, C, DType::F32);
  const double n_scales = layout == QuantLayout::Block128x128 ? double(rlvr::ceil_div(R, 128) * rlvr::block_scale_ld(C))
                          : layout == QuantLayout::Tile128x1  ? double(rlvr::ceil_div(R, 128) * C)
                                                              : double(rlvr::ceil_div(C, 128) * R);
  const double bytes = double(R * C) * 5.0 + 4.0 * n_scales;
  for (auto _ : state) {
    const double ms = median_ms([&] { benchmark::DoNotOptimize(rlvr::quantize_fp8(x, layout)); });
    report(state, std::string("quantize ") + rlvr::quant_layout_name(layout) +
                      (layout == QuantLayout::Tile128x1 ? " (+ transpose)" : ""),
           std::to_string(R) + "x" + std::to_string(C) + " f32", ms, bytes / (ms * 1e-3) / 1e9, "GB/s");
  }
}

// The floor: copying the f32 input (read + write).
void BM_copy(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t R = state.range(0), C = state.range(1);
  const Tensor x = random_device(R, C, DType::F32);
  Tensor y = Tensor::empty({R, C}, DType::F32, Device::CUDA);
  for (auto _ : state) {
    const double ms = median_ms([&] { rlvr::cuda::copy_device(y.raw(), x.raw(), x.nbytes()); });
    report(state, "copy kernel (floor)", std::to_string(R) + "x" + std::to_string(C) + " f32", ms,
           2.0 * double(x.nbytes()) / (ms * 1e-3) / 1e9, "GB/s");
  }
}

// MoE shapes (DeepSeek-V3-like expert GEMMs: hidden 7168, expert width 2048) and a square one.
void gemm_shapes(benchmark::internal::Benchmark* b) {
  b->Args({4096, 4096, 4096})->Args({4096, 2048, 7168})->Args({4096, 7168, 2048});
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
}
void quant_shapes(benchmark::internal::Benchmark* b) {
  b->Args({8192, 7168})->Args({16384, 2048});  // 235 and 134 MB of f32: far over the 50 MB L2
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_gemm_bf16)->Apply(gemm_shapes);
BENCHMARK(BM_gemm_fp8_fprop)->Apply(gemm_shapes);
BENCHMARK_CAPTURE(BM_gemm_fp8_wgrad, bf16_out, false)->Apply(gemm_shapes);
BENCHMARK_CAPTURE(BM_gemm_fp8_wgrad, accumulate_f32, true)->Apply(gemm_shapes);
BENCHMARK(BM_copy)->Apply(quant_shapes);
BENCHMARK_CAPTURE(BM_quantize, tile_1x128, QuantLayout::Tile1x128)->Apply(quant_shapes);
BENCHMARK_CAPTURE(BM_quantize, tile_128x1, QuantLayout::Tile128x1)->Apply(quant_shapes);
BENCHMARK_CAPTURE(BM_quantize, block_128x128, QuantLayout::Block128x128)->Apply(quant_shapes);

void print_device() {
  if (!rlvr::cuda_available()) return;
  cudaDeviceProp prop{};
  RLVR_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs, sm_%d%d; %s\n", prop.name, prop.multiProcessorCount, prop.major, prop.minor,
              rlvr::cuda::cublaslt_describe().c_str());
}

#else

void BM_gpu_gemm(benchmark::State& state) { state.SkipWithError("built without the CUDA backend (-DRLVR_CUDA=ON)"); }
BENCHMARK(BM_gpu_gemm);
void print_device() {}

#endif

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_device();
  std::printf("\n| kernel | shape | median us | rate |\n| --- | --- | --- | --- |\n");
  for (const Row& r : g_rows)
    std::printf("| %s | %s | %.1f | %.1f %s |\n", r.what.c_str(), r.shape.c_str(), r.us, r.rate, r.unit);
  return 0;
}
