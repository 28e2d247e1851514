// Rollout speed on the CPU: prefill and decode tokens/s of a small MoE at batch 1, 16, 64 with
// fp32 / bf16 / fp8 weights, each decode figure next to its memory floor (weight + KV bytes read
// per step over the measured copy bandwidth); then the FP8/BF16-rollout vs FP32-learner
// log-prob mismatch on generated tokens. Run with OPENBLAS_NUM_THREADS=1 for one-thread figures.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>

#include <time.h>

#include "model/kv_cache.h"
#include "model/token_logprobs.h"
#include "model/transformer.h"
#include "rollout/generation.h"

using namespace rlvr;
using model::Precision;

namespace {

constexpr int64_t kPromptLen = 64;   // prompt tokens before the timed decode steps
constexpr int64_t kDecodeSteps = 32;  // decode steps per benchmark iteration

// hidden 512, 4 MoE layers of 8 experts (top-2, 512 wide), GQA 8/4 heads of 64, vocab 4096.
model::ModelConfig bench_config() {
  model::ModelConfig c;
  c.vocab_size = 4096;
  c.hidden_size = 512;
  c.intermediate_size = 1024;
  c.moe_intermediate_size = 512;
  c.num_hidden_layers = 4;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 4;
  c.head_dim = 64;
  c.max_position_embeddings = 1024;
  c.num_experts = 8;
  c.num_experts_per_tok = 2;
  c.validate();
  return c;
}

model::Transformer& bench_model() {
  static model::Transformer m = [] {
    model::Transformer t(bench_config());
    model::init_weights(t.config(), t.weights(), 1234);
    return t;
  }();
  return m;
}

std::vector<std::vector<int32_t>> random_prompts(int64_t n, int64_t len, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> tok(0, vocab - 1);
  std::vector<std::vector<int32_t>> out{size_t(n), std::vector<int32_t>(size_t(len))};
  for (auto& p : out)
    for (auto& t : p) t = tok(rng);
  return out;
}

std::vector<int> first_slots(int64_t n) {
  std::vector<int> slots;
  for (int s = 0; s < int(n); ++s) slots.push_back(s);
  return slots;
}

double weight_bytes_per_element(Precision p) {
  switch (p) {
    case Precision::FP32: return 4;
    case Precision::BF16: return 2;
    case Precision::FP8: return 1 + 4.0 / (128 * 128);  // E4M3 byte + its share of the block scale
  }
  return 4;
}

// Bytes of weights one decode step of B tokens reads: attention and touched experts at the
// precision's width; router and output head in FP32 (the recipe keeps them there); B embedding
// rows. Experts touched under uniform routing: E (1 - (1 - k/E)^B).
double decode_weight_bytes(const model::ModelConfig& c, Precision p, int64_t B) {
  const double w = weight_bytes_per_element(p), C = c.hidden_size;
  const double attn = C * (2.0 * c.q_dim() + 2.0 * c.kv_dim());
  const double touched = c.num_experts * (1 - std::pow(1 - double(c.num_experts_per_tok) / c.num_experts, double(B)));
  const double experts = touched * 3.0 * C * c.moe_intermediate_size;
  const double per_layer = (attn + experts) * w + 4.0 * c.num_experts * C;
  return c.num_hidden_layers * per_layer + 4.0 * c.vocab_size * C + 4.0 * B * C;
}

// Keys and values read by one decode step of B sequences that hold `len` positions each.
double decode_kv_bytes(const model::ModelConfig& c, int64_t B, double len) {
  return double(B) * c.num_hidden_layers * len * c.kv_dim() * 2 * 4;
}

// Multiply-adds x 2 of one token: every matrix it meets (attention, k experts, router, head)
// and attention over `len` cached positions.
double flops_per_token(const model::ModelConfig& c, double len) {
  const double C = c.hidden_size;
  const double attn = C * (2.0 * c.q_dim() + 2.0 * c.kv_dim()) + 2.0 * len * c.q_dim();
  const double experts = c.num_experts_per_tok * 3.0 * C * c.moe_intermediate_size + c.num_experts * C;
  return 2.0 * (c.num_hidden_layers * (attn + experts) + double(c.vocab_size) * C);
}

double thread_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// One-thread copy bandwidth (read + write bytes per CPU second, the clock the decode figures
// use, so other processes on a shared machine do not lower it) of a 256 MiB buffer; best of 5.
double copy_bandwidth() {
  static const double bw = [] {
    const size_t n = size_t(256) << 20;
    std::vector<char> a(n, 1), b(n, 2);
    double best = 0;
    for (int r = 0; r < 5; ++r) {
      const double t0 = thread_seconds();
      std::memcpy(b.data(), a.data(), n);
      benchmark::DoNotOptimize(b.data());
      best = std::max(best, 2.0 * double(n) / (thread_seconds() - t0));
    }
    return best;
  }();
  return bw;
}

// args: precision, batch. Prefill of `batch` prompts of kPromptLen tokens in one pass.
void BM_Prefill(benchmark::State& st) {
  const auto precision = Precision(st.range(0));
  const int64_t B = st.range(1);
  model::Transformer& m = bench_model();
  const auto prompts = random_prompts(B, kPromptLen, m.config().vocab_size, 1);
  model::KvCache kv(m.config(), int(B), kPromptLen);
  const std::vector<int> slots = first_slots(B);
  const model::Batch batch = model::Batch::pack(prompts);
  for (auto _ : st) {
    for (int s : slots) kv.clear(s);
    benchmark::DoNotOptimize(m.forward_cached(batch, slots, kv, precision, model::CachedPass::Prefill));
  }
  st.SetLabel(model::precision_name(precision));
  st.counters["tok/s"] = benchmark::Counter(double(B * kPromptLen), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["GFLOP/s"] =
      benchmark::Counter(double(B * kPromptLen) * flops_per_token(m.config(), 0.5 * double(kPromptLen)) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}

// args: precision, batch. kDecodeSteps decode steps of `batch` sequences after a kPromptLen prefill.
void BM_Decode(benchmark::State& st) {
  const auto precision = Precision(st.range(0));
  const int64_t B = st.range(1);
  model::Transformer& m = bench_model();
  const model::ModelConfig& c = m.config();
  const auto prompts = random_prompts(B, kPromptLen, c.vocab_size, 2);
  model::KvCache kv(c, int(B), kPromptLen + kDecodeSteps);
  const std::vector<int> slots = first_slots(B);
  m.forward_cached(model::Batch::pack(prompts), slots, kv, precision, model::CachedPass::Prefill);
  const auto steps = random_prompts(kDecodeSteps, B, c.vocab_size, 3);  // the token each sequence feeds per step
  std::vector<model::Batch> feeds;
  for (const auto& tokens : steps) {
    std::vector<std::vector<int32_t>> one{size_t(B)};
    for (int64_t b = 0; b < B; ++b) one[size_t(b)] = {tokens[size_t(b)]};
    feeds.push_back(model::Batch::pack(one));
  }
  for (auto _ : st) {
    for (int s : slots) kv.set_length(s, kPromptLen);
    for (const model::Batch& feed : feeds)
      benchmark::DoNotOptimize(m.forward_cached(feed, slots, kv, precision, model::CachedPass::Decode));
  }
  // The floor of one iteration: every step's weights, and the KV rows at the mean length.
  const double bytes = kDecodeSteps * (decode_weight_bytes(c, precision, B) +
                                       decode_kv_bytes(c, B, double(kPromptLen) + 0.5 * double(kDecodeSteps + 1)));
  const double floor_s = bytes / copy_bandwidth();
  st.SetLabel(model::precision_name(precision));
  st.counters["tok/s"] = benchmark::Counter(double(B * kDecodeSteps), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["floor_tok/s"] = double(B * kDecodeSteps) / floor_s;
  st.counters["MB/step"] = bytes / kDecodeSteps / 1e6;
  st.counters["GFLOP/s"] = benchmark::Counter(
      double(B * kDecodeSteps) * flops_per_token(c, double(kPromptLen) + 0.5 * double(kDecodeSteps)) / 1e9,
      benchmark::Counter::kIsIterationInvariantRate);
}

// args: precision, n. End to end generate(): 4 prompts x n samples, 32 new tokens each, sampling.
void BM_Generate(benchmark::State& st) {
  const auto precision = Precision(st.range(0));
  const int n = int(st.range(1));
  model::Transformer& m = bench_model();
  const auto prompts = random_prompts(4, kPromptLen, m.config().vocab_size, 4);
  rollout::GenerationParams p;
  p.n = n;
  p.max_new_tokens = 32;
  p.precision = precision;
  p.sampling.seed = 5;
  int64_t tokens = 0;
  for (auto _ : st) {
    const auto out = rollout::generate(m, prompts, p);
    for (const auto& c : out) tokens += int64_t(c.tokens.size());
  }
  st.SetLabel(model::precision_name(precision));
  st.counters["tok/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsRate);
}

// Generated-token log-probs of the rollout precision vs the FP32 learner's full forward.
void report_mismatch(const char* name, model::Transformer& m, int vocab) {
  const auto prompts = random_prompts(8, 32, vocab, 6);
  std::printf("logprob mismatch on %s (8 prompts x 4 samples x 48 tokens, temperature 1):\n", name);
  for (Precision rollout_precision : {Precision::FP32, Precision::BF16, Precision::FP8}) {
    rollout::GenerationParams p;
    p.n = 4;
    p.max_new_tokens = 48;
    p.precision = rollout_precision;
    p.sampling.seed = 7;
    const auto out = rollout::generate(m, prompts, p);
    std::vector<std::vector<int32_t>> seqs;
    for (const auto& c : out) {
      seqs.push_back(prompts[size_t(c.prompt_index)]);
      seqs.back().insert(seqs.back().end(), c.tokens.begin(), c.tokens.end());
    }
    const model::Batch batch = model::Batch::pack(seqs);
    const auto learner = model::sequence_logprobs(m, batch, Precision::FP32);
    // The same precision's full forward: separates the precision's error from the decode path's.
    const auto same = model::sequence_logprobs(m, batch, rollout_precision);
    double sum = 0, max = 0, mean_lp = 0, ratio_dev = 0, same_max = 0, same_sum = 0;
    int64_t n = 0;
    for (size_t i = 0; i < out.size(); ++i)
      for (size_t t = 0; t < out[i].tokens.size(); ++t) {
        const double d = double(out[i].logprobs[t]) - learner[i][31 + t];
        sum += std::abs(d);
        max = std::max(max, std::abs(d));
        ratio_dev = std::max(ratio_dev, std::abs(std::exp(-d) - 1));
        mean_lp += learner[i][31 + t];
        const double ds = std::abs(double(out[i].logprobs[t]) - same[i][31 + t]);
        same_max = std::max(same_max, ds);
        same_sum += ds;
        ++n;
      }
    std::printf("  %-4s rollout vs fp32 learner: mean |dlogp| %.2e  max %.2e  max |ratio-1| %.2e  (mean logp %.3f, "
                "%lld tokens); vs a %s full forward: mean %.2e max %.2e\n",
                model::precision_name(rollout_precision), sum / double(n), max, ratio_dev, mean_lp / double(n),
                (long long)n, model::precision_name(rollout_precision), same_sum / double(n), same_max);
  }
}

}  // namespace

BENCHMARK(BM_Prefill)->ArgsProduct({{0, 1, 2}, {1, 16, 64}})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Decode)->ArgsProduct({{0, 1, 2}, {1, 16, 64}})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Generate)->ArgsProduct({{0, 2}, {16}})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

int main(int argc, char** argv) {
  // --no-mismatch skips the log-prob mismatch report (e.g. to profile the timed part alone).
  bool mismatch = true;
  int kept = 1;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--no-mismatch")
      mismatch = false;
    else
      argv[kept++] = argv[i];
  argc = kept;
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("copy_bandwidth_GBps", std::to_string(copy_bandwidth() / 1e9));
  benchmark::AddCustomContext("precision_args", "0 = fp32, 1 = bf16, 2 = fp8");
  const model::ModelConfig c = bench_config();
  for (Precision p : {Precision::FP32, Precision::BF16, Precision::FP8})
    std::printf("decode weight bytes per step (%s): batch 1 %.1f MB, batch 16 %.1f MB, batch 64 %.1f MB\n",
                model::precision_name(p), decode_weight_bytes(c, p, 1) / 1e6, decode_weight_bytes(c, p, 16) / 1e6,
                decode_weight_bytes(c, p, 64) / 1e6);
  if (mismatch) report_mismatch("the bench MoE (random init, std 0.02)", bench_model(), c.vocab_size);
  const char* fixture_dir = "data/hf_fixtures/qwen3_moe_tiny";  // run from the repository root
  if (std::FILE* f = mismatch ? std::fopen((std::string(fixture_dir) + "/config.json").c_str(), "r") : nullptr) {
    std::fclose(f);
    model::Transformer fixture = model::Transformer::from_dir(fixture_dir);
    report_mismatch("the HF qwen3_moe_tiny fixture", fixture, fixture.config().vocab_size);
  }
  std::fflush(stdout);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
