// boxed_math throughput on MATH-500: verifications per second of the 500 reference solutions
// (whole completions ending in \boxed{}) against the gold answers, on one thread and through the
// reward service with 2 threads; plus the comparison alone on answers rewritten in another form.
// Run: build/bench/bench_boxed_math --benchmark_min_time=2   (figures go to BENCHMARKS.md)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "rewards/reward_service.h"
#include "rewards/verifiers/boxed_math.h"

namespace {

using rlvr::rewards::Sample;

// CPU seconds of the whole process (every thread): the cost independent of machine load.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Verifications per CPU-second of the process, next to Google Benchmark's wall-clock rate.
void report_cpu_rate(benchmark::State& state, double cpu_start, long items) {
  double cpu = process_cpu_seconds() - cpu_start;
  state.counters["checks_per_cpu_s"] = cpu > 0 ? items / cpu : 0.0;
}

std::vector<Sample> math500_samples() {
  // The repository root, from this file's path (bench/ has no RLVR_SOURCE_DIR).
  std::string root = std::filesystem::path(__FILE__).parent_path().parent_path().string();
  std::ifstream in(root + "/data/math500/test.jsonl");
  std::vector<Sample> samples;
  for (std::string line; std::getline(in, line);) {
    auto row = nlohmann::json::parse(line);
    samples.push_back({row["problem"], row["solution"], {{"answer", row["answer"]}}});
  }
  if (samples.size() != 500) throw std::runtime_error("data/math500/test.jsonl: expected 500 rows");
  return samples;
}

// One thread, one verify() call per sample: the verifier's own cost.
void BM_BoxedMathMath500OneThread(benchmark::State& state) {
  const auto samples = math500_samples();
  const rlvr::rewards::BoxedMathVerifier verifier{rlvr::rewards::BoxedMathOptions{}};
  long correct = 0;
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state)
    for (const Sample& s : samples) correct += verifier.verify(s).status == "correct";
  benchmark::DoNotOptimize(correct);
  state.SetItemsProcessed(state.iterations() * static_cast<long>(samples.size()));
  report_cpu_rate(state, cpu_start, state.iterations() * static_cast<long>(samples.size()));
}
BENCHMARK(BM_BoxedMathMath500OneThread)->Unit(benchmark::kMillisecond)->UseRealTime();

// The reward service scoring the 500 samples as one batch on `threads` worker threads.
void BM_BoxedMathMath500Service(benchmark::State& state) {
  const auto samples = math500_samples();
  auto verifier = std::make_shared<rlvr::rewards::BoxedMathVerifier>(rlvr::rewards::BoxedMathOptions{});
  rlvr::rewards::RewardService service({{"boxed_math", 1.0, verifier}}, {static_cast<int>(state.range(0)), 30.0});
  long correct = 0;
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state)
    for (const auto& scored : service.score(samples)) correct += scored.reward == 1.0;
  benchmark::DoNotOptimize(correct);
  state.SetItemsProcessed(state.iterations() * static_cast<long>(samples.size()));
  report_cpu_rate(state, cpu_start, state.iterations() * static_cast<long>(samples.size()));
  state.counters["correct"] = static_cast<double>(correct) / state.iterations();
}
BENCHMARK(BM_BoxedMathMath500Service)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The comparison alone: gold vs "\boxed{gold}" with a few rewrites (\dfrac, spaces, \left).
void BM_BoxedMathGradeOnly(benchmark::State& state) {
  const auto samples = math500_samples();
  const rlvr::rewards::BoxedMathVerifier verifier{rlvr::rewards::BoxedMathOptions{}};
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const Sample& s : samples) {
    std::string gold = s.row["answer"];
    pairs.push_back({gold, "\\boxed{\\displaystyle " + gold + "}"});
  }
  long correct = 0;
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state)
    for (const auto& [gold, pred] : pairs) correct += verifier.grade(gold, pred).status == "correct";
  benchmark::DoNotOptimize(correct);
  state.SetItemsProcessed(state.iterations() * static_cast<long>(pairs.size()));
  report_cpu_rate(state, cpu_start, state.iterations() * static_cast<long>(pairs.size()));
}
BENCHMARK(BM_BoxedMathGradeOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
