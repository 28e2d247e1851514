// GPU learner step and decode: a full SFT learner step (forward, cross-entropy, backward, AdamW
// with BF16 moments; trainer::sft_step, the path `rlvr train` runs) of an MoE, in fp8 and bf16, and
// rollout decode tokens/s at batch 1, 32 and 128 in fp8 and bf16.
// Each figure is the median of CUDA-event-timed repetitions after warm-up, next to its floor
// (FLOPs over 1100 TFLOP/s FP8 / 670 BF16; decode bytes over 3.0 TB/s). With --export DIR it also
// writes the model (config.json + model.safetensors) and the token batch (tokens.jsonl) for the
// PyTorch peer, bench/peers/torch_train_step.py.
// Usage: bench_gpu_train [--preset small|moe489m|fill] [--export DIR]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/block_cache.h"
#include "kernels/tensor.h"
#include "model/atomic_file.h"
#include "model/safetensors.h"
#include "model/transformer.h"
#include "rollout/generation.h"
#include "trainer/learner.h"
#include "trainer/optimizer.h"

#ifdef RLVR_HAVE_CUDA
#include <cuda_runtime.h>
#endif

using namespace rlvr;

namespace {

struct Preset {
  model::ModelConfig cfg;
  int seqs, seq_len;
};

Preset preset(const std::string& name) {
  model::ModelConfig c;
  c.vocab_size = 32000;
  c.num_attention_heads = 16;
  c.num_key_value_heads = 4;
  c.head_dim = 128;
  c.num_experts_per_tok = 4;
  c.max_position_embeddings = 4096;
  if (name == "small") {
    c.hidden_size = 512;
    c.intermediate_size = 1024;
    c.moe_intermediate_size = 256;
    c.num_hidden_layers = 2;
    c.num_experts = 8;
    return {c, 8, 256};
  }
  if (name == "moe489m") {
    // Issue 23's figure: 489 M parameters, 137 M active per token (untied head), B = 8, T = 1024.
    c.hidden_size = 1024;
    c.num_attention_heads = 16;
    c.head_dim = 64;
    c.intermediate_size = 0;  // every layer MoE
    c.moe_intermediate_size = 512;
    c.num_hidden_layers = 8;
    c.num_experts = 32;
    return {c, 8, 1024};
  }
  // About 1.7 B parameters (0.35 B active per token): weights, gradients and BF16 moments take
  // ~20 GB, activations of 8192 tokens a few more.
  c.hidden_size = 2048;
  c.intermediate_size = 5632;
  c.moe_intermediate_size = 1024;
  c.num_hidden_layers = 8;
  c.num_experts = 32;
  return {c, 16, 512};
}

std::vector<trainer::TrainSequence> token_batch(const Preset& p) {
  std::mt19937 rng(5);
  std::vector<trainer::TrainSequence> out(size_t(p.seqs));
  for (auto& s : out) {
    for (int i = 0; i < p.seq_len; ++i) s.tokens.push_back(int32_t(rng() % uint32_t(p.cfg.vocab_size)));
    s.prompt_len = 1;  // every later token is trained on
  }
  return out;
}

#ifdef RLVR_HAVE_CUDA

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Milliseconds of fn, CUDA events on the legacy default stream (every kernel of ours runs there).
double event_ms(const std::function<void()>& fn) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a);
  fn();
  cudaEventRecord(b);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return double(ms);
}

struct Row { std::string what; double ms, rate, floor_ratio; const char* unit; };

void train_rows(const Preset& p, std::vector<Row>& rows) {
  const auto batch = token_batch(p);
  int64_t tokens = 0;
  for (const auto& s : batch) tokens += int64_t(s.tokens.size());
  for (model::Precision prec : {model::Precision::BF16, model::Precision::FP8}) {
    model::Transformer m(p.cfg);
    model::init_weights(m.config(), m.weights(), 1);
    m.to(Device::CUDA);
    trainer::OptimizerConfig oc;
    trainer::AdamW opt(m.params(), oc);
    trainer::LearnerOptions lo;
    lo.precision = prec;
    lo.micro_batch_tokens = tokens;  // one micro-batch: the whole step in one forward/backward
    std::vector<double> ms;
    for (int i = 0; i < 7; ++i) {
      const double t = event_ms([&] { trainer::sft_step(m, opt, batch, 1e-4f, lo); });
      if (i >= 2) ms.push_back(t);  // two warm-up steps (cuBLASLt heuristics, allocations)
    }
    const double med = median(ms);
    const double active = double(model::count_active_params(m.config(), m.weights()));
    const double tflops = 6.0 * active * double(tokens) / (med * 1e-3) / 1e12;
    const double ceiling = prec == model::Precision::FP8 ? 1100.0 : 670.0;
    rows.push_back({std::string("learner step ") + model::precision_name(prec) + " (" + std::to_string(tokens) +
                        " tokens)",
                    med, tflops, tflops / ceiling, "TFLOP/s"});
  }
}

void decode_rows(const Preset& p, std::vector<Row>& rows) {
  model::Transformer m(p.cfg);
  model::init_weights(m.config(), m.weights(), 1);
  m.to(Device::CUDA);
  for (model::Precision prec : {model::Precision::BF16, model::Precision::FP8}) {
    for (int batch : {1, 32, 128}) {
      std::vector<std::vector<int32_t>> prompts(size_t(batch), std::vector<int32_t>(64, 7));
      for (int b = 0; b < batch; ++b) prompts[size_t(b)][0] = int32_t(b % p.cfg.vocab_size);
      rollout::GenerationParams gp;
      gp.n = 1;
      gp.max_new_tokens = 32;
      gp.max_batch = batch;
      gp.precision = prec;
      gp.sampling.temperature = 1.0f;
      rollout::GenerationStats warm, stats;
      rollout::generate(m, prompts, gp, {}, &warm);
      rollout::generate(m, prompts, gp, {}, &stats);
      const double tok_s = double(stats.decode_tokens) / stats.decode_seconds;
      // Floor: every weight read once per step at its width (FP8 bytes + scales, or BF16), the
      // FP32 head and router, over 3.0 TB/s.
      const double params = double(model::count_params(m.config(), m.weights()));
      const double width = prec == model::Precision::FP8 ? 1.0 : 2.0;
      const double floor_step_s = params * width / 3.0e12;
      const double floor_tok_s = double(batch) / floor_step_s;
      rows.push_back({std::string("decode ") + model::precision_name(prec) + " batch " + std::to_string(batch),
                      1e3 * stats.decode_seconds / double(stats.decode_steps), tok_s, tok_s / floor_tok_s, "tok/s"});
    }
  }
}

#endif

void export_for_peer(const Preset& p, const std::string& dir) {
  model::Transformer m(p.cfg);
  model::init_weights(m.config(), m.weights(), 1);
  std::filesystem::create_directories(dir);
  TensorMap weights;
  for (const auto& pr : m.params())
    if (pr.trainable) weights.emplace(pr.name, *pr.value);
  save_safetensors(dir + "/model.safetensors", weights, {{"format", "pt"}});
  nlohmann::json cfg = m.config().to_json();
  write_file_atomic(dir + "/config.json", cfg.dump(2) + "\n");
  std::string lines;
  for (const auto& s : token_batch(p)) lines += nlohmann::json({{"tokens", s.tokens}}).dump() + "\n";
  write_file_atomic(dir + "/tokens.jsonl", lines);
  std::printf("exported the %s model and its token batch to %s\n", "bench", dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset_name = "fill", export_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--preset") == 0) preset_name = argv[i + 1];
    else if (std::strcmp(argv[i], "--export") == 0) export_dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: bench_gpu_train [--preset small|moe489m|fill] [--export DIR]\n");
      return 2;
    }
  }
  const Preset p = preset(preset_name);
  if (!export_dir.empty()) export_for_peer(p, export_dir);
  if (!cuda_available()) {
    std::printf("bench_gpu_train: no CUDA device (or a build without the CUDA backend): nothing timed\n");
    return 0;
  }
#ifdef RLVR_HAVE_CUDA
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  std::printf("device: %s, preset %s: hidden %d, %d layers, %d experts top-%d, vocab %d\n", prop.name,
              preset_name.c_str(), p.cfg.hidden_size, p.cfg.num_hidden_layers, p.cfg.num_experts,
              p.cfg.num_experts_per_tok, p.cfg.vocab_size);
  std::vector<Row> rows;
  train_rows(p, rows);
  decode_rows(p, rows);
  std::printf("| what | ms (median) | rate | vs floor |\n| --- | --- | --- | --- |\n");
  for (const Row& r : rows) std::printf("| %s | %.3f | %.1f %s | %.3f |\n", r.what.c_str(), r.ms, r.rate, r.unit, r.floor_ratio);
  const BlockCacheStats m = cuda_memory_stats();
  std::printf("device memory: peak %.2f GiB held by tensors; %zu cudaMalloc calls, %zu allocations from the cache\n",
              double(m.peak_bytes_in_use) / double(1 << 30), m.backend_allocs, m.hits);
#endif
  return 0;
}
