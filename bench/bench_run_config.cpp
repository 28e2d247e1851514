// Cost of reading and checking a run config before a run starts: parsing alone, parsing plus
// the file checks (every dataset row is read), and writing the resolved config.
// Run from the repository root (the configs name data/ relative to it).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "trainer/run_config.h"

using namespace rlvr;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::vector<std::string> kFixtureModel = {"model.path=data/hf_fixtures/qwen3_moe_tiny", "model.tokenizer=char"};

void BM_parse_config(benchmark::State& st, const char* path) {
  const std::string text = read_text(path);
  if (text.empty()) return st.SkipWithError("run from the repository root");
  trainer::LoadOptions options;
  options.check_files = false;
  for (auto _ : st) benchmark::DoNotOptimize(trainer::parse_run_config(text, path, {}, options));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(text.size()));
}

// With the file checks: the dataset is read row by row and each row parsed as JSON.
void BM_validate_with_files(benchmark::State& st, const char* path, const char* dataset) {
  if (!std::filesystem::exists(path)) return st.SkipWithError("run from the repository root");
  for (auto _ : st) benchmark::DoNotOptimize(trainer::load_run_config(path, kFixtureModel));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(std::filesystem::file_size(dataset)));
}

void BM_write_resolved_text(benchmark::State& st) {
  trainer::LoadOptions options;
  options.check_files = false;
  if (!std::filesystem::exists("configs/default.toml")) return st.SkipWithError("run from the repository root");
  const trainer::RunConfig cfg = trainer::load_run_config("configs/default.toml", {}, options);
  for (auto _ : st) benchmark::DoNotOptimize(cfg.to_toml());
}

}  // namespace

BENCHMARK_CAPTURE(BM_parse_config, default_toml, "configs/default.toml")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_parse_config, code_toml, "configs/code.toml")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_validate_with_files, math_toml_math500, "configs/math.toml", "data/math500/test.jsonl")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_validate_with_files, code_toml_mbpp, "configs/code.toml", "data/mbpp/mbpp.jsonl")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_write_resolved_text)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
