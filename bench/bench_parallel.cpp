// Communicator and ZeRO-1 throughput: all-to-all of an FP8 MoE dispatch payload, FP32
// all-reduce, and one sharded AdamW step. Runs alone (world size 1) or under
// `mpirun -np N build/bench/bench_parallel`; every benchmark has a fixed iteration count so that the
// ranks stay in lockstep, and only rank 0 reports. Bytes/s count what this rank sends.
// `--backend=nccl` (or single, mpi; default auto) picks the communicator; with NCCL the
// collectives' buffers are on the GPU (the ZeRO-1 step, host-only, is skipped there).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parallel/communicator.h"
#include "parallel/sharded_adamw.h"
#include "kernels/tensor.h"

namespace {

std::unique_ptr<rlvr::parallel::Communicator> g_comm;

// n bytes in the memory the communicator reduces (the GPU for NCCL), filled with `fill`.
rlvr::Tensor comm_buffer(size_t n, uint8_t fill) {
  rlvr::Tensor h = rlvr::Tensor::empty({int64_t(n)}, rlvr::DType::E4M3);
  std::memset(h.raw(), fill, n);
  return g_comm->device_buffers() ? h.to(rlvr::Device::CUDA) : h;
}

// Tokens x top-k rows of hidden size C in E4M3, spread evenly over the ranks (plus the
// 1x128-tile scales, as ExpertParallelExperts sends them).
void BM_AllToAllFp8Dispatch(benchmark::State& state) {
  auto& comm = *g_comm;
  const size_t rows = size_t(state.range(0)), C = size_t(state.range(1)), W = size_t(comm.size());
  const size_t row_bytes = C + (C + 127) / 128 * 4;
  std::vector<size_t> counts(W, rows / W * row_bytes);
  const rlvr::Tensor send = comm_buffer(counts[0] * W, 7);
  rlvr::Tensor recv = comm_buffer(counts[0] * W, 0);
  for (auto _ : state) comm.all_to_all(send.raw(), counts, recv.raw(), counts, rlvr::parallel::CommDType::E4M3);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(send.nbytes()));
  state.counters["ranks"] = double(W);
}
BENCHMARK(BM_AllToAllFp8Dispatch)->Args({4096 * 8, 2048})->Args({512 * 8, 2048})->Iterations(20)->UseRealTime();

void BM_AllReduceF32(benchmark::State& state) {
  auto& comm = *g_comm;
  const size_t n = size_t(state.range(0));
  rlvr::Tensor buf = comm_buffer(n * 4, 0);  // zeros: sums stay finite over any iteration count
  for (auto _ : state) comm.all_reduce(buf.raw(), n, rlvr::parallel::CommDType::F32, rlvr::parallel::ReduceOp::Sum);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n * 4));
  state.counters["ranks"] = double(comm.size());
}
BENCHMARK(BM_AllReduceF32)->Arg(1 << 16)->Arg(1 << 22)->Iterations(20)->UseRealTime();

// One ZeRO-1 step over n parameters: reduce-scatter, AdamW on the slice, all-gather.
void BM_ShardedAdamWStep(benchmark::State& state) {
  auto& comm = *g_comm;
  if (comm.device_buffers()) {
    state.SkipWithError("ShardedAdamW keeps host buffers");
    return;
  }
  const int64_t n = state.range(0);
  rlvr::Tensor value = rlvr::Tensor::zeros({n}, rlvr::DType::F32), grad = rlvr::Tensor::zeros({n}, rlvr::DType::F32);
  for (int64_t i = 0; i < n; ++i) grad.data<float>()[i] = float(i % 97) * 1e-3f;
  rlvr::parallel::ShardedAdamW opt(comm, {{"w", &value, &grad}}, {});
  for (auto _ : state) opt.step();
  state.counters["params/s"] = benchmark::Counter(double(n) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["ranks"] = double(comm.size());
}
BENCHMARK(BM_ShardedAdamWStep)->Arg(1 << 20)->Arg(1 << 24)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond);

class Silent : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  rlvr::parallel::CommOptions opts;
  for (int i = 1; i < argc; ++i)
    if (std::string a = argv[i]; a.rfind("--backend=", 0) == 0) opts.backend = rlvr::parallel::parse_backend(a.substr(10));
  try {
    g_comm = rlvr::parallel::make_communicator(opts);
  } catch (const rlvr::Error& e) {
    std::fprintf(stderr, "bench_parallel: %s\n", e.what());
    return 1;
  }
  if (g_comm->rank() == 0) std::printf("communicator: %s, %d rank(s)\n", g_comm->backend().c_str(), g_comm->size());
  if (g_comm->rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    Silent silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  g_comm.reset();
  benchmark::Shutdown();
  return 0;
}
