// CPU kernel throughput: FP32 / BF16 / FP8-emulated GEMM GFLOP/s, FP8 quantization GB/s, and a
// large memcpy (the bandwidth floor), next to the machine's single-precision peak estimate.
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "kernels/gemm.h"
#include "kernels/quantize.h"

using namespace rlvr;

namespace {

Tensor randn(int64_t R, int64_t C) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  std::vector<float> v(size_t(R * C));
  for (float& x : v) x = nd(rng);
  return Tensor::from_floats({R, C}, v);
}

// args: M, N, K; Y[M,N] = X[M,K]·W[N,K]^T
void BM_GemmF32(benchmark::State& st) {
  const int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  Tensor x = randn(M, K), w = randn(N, K), y = Tensor::empty({M, N}, DType::F32);
  for (auto _ : st) gemm(y, x, false, w, true);
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

void BM_GemmBF16(benchmark::State& st) {
  const int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  Tensor x = randn(M, K).to(DType::BF16), w = randn(N, K).to(DType::BF16), y = Tensor::empty({M, N}, DType::F32);
  for (auto _ : st) gemm(y, x, false, w, true);
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

// The fprop GEMM of an FP8 Linear on already-quantized operands.
void BM_GemmFp8(benchmark::State& st) {
  const int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  const QuantizedTensor x = quantize_fp8(randn(M, K), QuantLayout::Tile1x128);
  const QuantizedTensor w = quantize_fp8(randn(N, K), QuantLayout::Block128x128);
  Tensor y = Tensor::empty({M, N}, DType::F32);
  for (auto _ : st) gemm_fp8(y, x, w);
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

// Bytes moved: 4 read + 1 written per element (+ scales, negligible).
void BM_Quantize(benchmark::State& st) {
  const auto layout = static_cast<QuantLayout>(st.range(0));
  const int64_t R = st.range(1), C = st.range(2);
  const Tensor x = randn(R, C);
  for (auto _ : st) benchmark::DoNotOptimize(quantize_fp8(x, layout));
  st.SetLabel(quant_layout_name(layout));
  st.counters["GB/s"] = benchmark::Counter(5.0 * R * C, benchmark::Counter::kIsIterationInvariantRate,
                                           benchmark::Counter::kIs1000);
}

// Read + write bytes per second of a 64 MiB copy: the memory-bandwidth floor for comparison.
void BM_Memcpy(benchmark::State& st) {
  const size_t n = size_t(64) << 20;
  std::vector<char> a(n, 1), b(n, 2);
  for (auto _ : st) {
    std::memcpy(b.data(), a.data(), n);
    benchmark::ClobberMemory();
  }
  st.counters["GB/s"] = benchmark::Counter(2.0 * n, benchmark::Counter::kIsIterationInvariantRate,
                                           benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK(BM_GemmF32)->Args({1024, 1024, 1024})->Args({256, 2048, 768})->Args({64, 4096, 1024})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GemmBF16)->Args({1024, 1024, 1024})->Args({256, 2048, 768})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GemmFp8)->Args({1024, 1024, 1024})->Args({256, 2048, 768})->Args({64, 4096, 1024})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Quantize)->Args({0, 4096, 2048})->Args({1, 4096, 2048})->Args({2, 4096, 2048})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  // Peak estimate: cores x clock x 32 FP32 FLOP/cycle (two 256-bit FMA pipes, or one 512-bit).
  double mhz = 0;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("cpu MHz", 0) == 0) { mhz = std::stod(line.substr(line.find(':') + 1)); break; }
  const unsigned cores = std::thread::hardware_concurrency();
  benchmark::AddCustomContext("fp32_peak_estimate_GFLOPs", std::to_string(cores * mhz * 1e-3 * 32));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
