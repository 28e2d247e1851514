// Throughput of reading run logs: `rlvr logs summary` (read every sample and tally), `logs show`
// with a --grep filter and with a one-step filter, and bare line splitting (the floor), in MB/s
// of rollouts.jsonl.
// The log (about 380 MB, 256k samples) is generated once into $RLVR_BENCH_LOGS_DIR
// (default /tmp/rlvr_bench_logs) and reused; it is never committed.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "runlog/select.h"
#include "runlog/summary.h"
#include "testsupport/fake_run.h"

namespace {

namespace fs = std::filesystem;
using namespace rlvr::runlog;

const std::string& big_run() {
  static const std::string dir = [] {
    const char* env = std::getenv("RLVR_BENCH_LOGS_DIR");
    std::string d = env ? env : "/tmp/rlvr_bench_logs";
    rlvr::testsupport::FakeRun run;
    run.steps = 500;
    run.prompts_per_step = 64;
    run.group_size = 8;
    run.padding_lines = 16;
    if (!fs::exists(d + "/rollouts.jsonl")) rlvr::testsupport::write_fake_run(d, run);
    return d;
  }();
  return dir;
}

long long log_bytes() { return static_cast<long long>(fs::file_size(big_run() + "/rollouts.jsonl")); }

void BM_Summary(benchmark::State& state) {
  long samples = 0;
  for (auto _ : state) {
    Summary s = summarize(big_run());
    samples = s.rollouts.samples;
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * log_bytes());
  state.counters["samples"] = static_cast<double>(samples);
  state.counters["MB"] = static_cast<double>(log_bytes()) / 1e6;
}

void BM_ShowGrep(benchmark::State& state) {
  SampleFilter filter;
  filter.grep = std::make_shared<Regex>(R"(\\boxed\{1\d\})");
  filter.status = "wrong";
  long matched = 0;
  for (auto _ : state) {
    Selection s = select_samples(open_run_dir(big_run()), filter, SortKey::kNone, false, 20);
    matched = s.matched;
  }
  state.SetBytesProcessed(state.iterations() * log_bytes());
  state.counters["matched"] = static_cast<double>(matched);
}

void BM_ShowOneStep(benchmark::State& state) {
  SampleFilter filter;
  filter.steps = parse_step_range("250");
  filter.status = "wrong";
  long matched = 0;
  for (auto _ : state) matched = select_samples(open_run_dir(big_run()), filter, SortKey::kReward, false, 20).matched;
  state.SetBytesProcessed(state.iterations() * log_bytes());
  state.counters["matched"] = static_cast<double>(matched);
}

void BM_LineSplitOnly(benchmark::State& state) {
  for (auto _ : state) {
    LineReader reader(big_run() + "/rollouts.jsonl");
    std::string_view line;
    bool terminated;
    long lines = 0;
    while (reader.next(line, terminated)) ++lines;
    benchmark::DoNotOptimize(lines);
  }
  state.SetBytesProcessed(state.iterations() * log_bytes());
}

BENCHMARK(BM_Summary)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_ShowGrep)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_ShowOneStep)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_LineSplitOnly)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
