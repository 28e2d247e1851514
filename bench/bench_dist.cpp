// Communicator and ZeRO-1 throughput: all-to-all of an FP8 MoE dispatch payload, FP32
// all-reduce, and one sharded AdamW step. Runs alone (world size 1) or under
// `mpirun -np N build/bench/bench_dist`; every benchmark has a fixed iteration count so that the
// ranks stay in lockstep, and only rank 0 reports. Bytes/s count what this rank sends.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "dist/communicator.h"
#include "dist/sharded_adamw.h"

namespace {

std::unique_ptr<rlvr::dist::Communicator> g_comm;

// Tokens x top-k rows of hidden size C in E4M3, spread evenly over the ranks (plus the
// 1x128-tile scales, as ExpertParallelMoe sends them).
void BM_AllToAllFp8Dispatch(benchmark::State& state) {
  auto& comm = *g_comm;
  const size_t rows = size_t(state.range(0)), C = size_t(state.range(1)), W = size_t(comm.size());
  const size_t row_bytes = C + (C + 127) / 128 * 4;
  std::vector<size_t> counts(W, rows / W * row_bytes);
  std::vector<uint8_t> send(counts[0] * W, 7), recv(counts[0] * W);
  for (auto _ : state) comm.all_to_all(send.data(), counts, recv.data(), counts, rlvr::dist::CommDType::E4M3);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(send.size()));
  state.counters["ranks"] = double(W);
}
BENCHMARK(BM_AllToAllFp8Dispatch)->Args({4096 * 8, 2048})->Args({512 * 8, 2048})->Iterations(20)->UseRealTime();

void BM_AllReduceF32(benchmark::State& state) {
  auto& comm = *g_comm;
  std::vector<float> buf(size_t(state.range(0)), 1.0f);
  for (auto _ : state) comm.all_reduce(std::span<float>(buf), rlvr::dist::ReduceOp::Sum);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(buf.size() * 4));
  state.counters["ranks"] = double(comm.size());
}
BENCHMARK(BM_AllReduceF32)->Arg(1 << 16)->Arg(1 << 22)->Iterations(20)->UseRealTime();

// One ZeRO-1 step over n parameters: reduce-scatter, AdamW on the slice, all-gather.
void BM_ShardedAdamWStep(benchmark::State& state) {
  auto& comm = *g_comm;
  const int64_t n = state.range(0);
  rlvr::Tensor value = rlvr::Tensor::zeros({n}, rlvr::DType::F32), grad = rlvr::Tensor::zeros({n}, rlvr::DType::F32);
  for (int64_t i = 0; i < n; ++i) grad.data<float>()[i] = float(i % 97) * 1e-3f;
  rlvr::dist::ShardedAdamW opt(comm, {{"w", &value, &grad}}, {});
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
  g_comm = rlvr::dist::make_communicator();
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
