// rlvr's learner step and sampled decode on a Hugging Face model directory, timed the way the
// CPU peer (bench/peers/torch_cpu_qwen3moe.py, run beside it by bench/cpu_vs_torch.sh) times itself, so
// the two print comparable tokens/s: a full SFT learner step (forward, cross-entropy, backward,
// AdamW; trainer::sft_step, the path `rlvr train` runs) on B random sequences of T tokens, median
// of 4 after one warm-up step; and a whole generate() call per batch size: a 64-token random
// prompt's prefill and NEW sampled tokens per sequence (no EOS), batch x NEW over the wall time.
// Each line is one JSON object; floors use the ceilings given on the command line.
// Usage: bench_cpu_model MODEL_DIR [--B 8] [--T 256] [--new 128] [--batches 1,16,64]
//                       [--precisions fp32,fp8,bf16] [--decode-precisions fp8,fp32]
//                       [--gemm-gflops 190] [--copy-gbs 11]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/gemm.h"
#include "model/transformer.h"
#include "rollout/generation.h"
#include "trainer/learner.h"
#include "trainer/optimizer.h"

using namespace rlvr;

namespace {

struct Args {
  std::string dir;
  int B = 8, T = 256, new_tokens = 128;
  std::vector<int> batches{1, 16, 64};
  std::vector<std::string> precisions{"fp32", "fp8", "bf16"}, decode_precisions{"fp8", "fp32"};
  double gemm_gflops = 190, copy_gbs = 11;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) throw std::runtime_error("usage: bench_cpu_model MODEL_DIR [--B 8] [--T 256] [--new 128] [--batches 1,16,64] "
                            "[--precisions fp32,fp8,bf16] [--decode-precisions fp8,fp32] [--gemm-gflops 190] "
                            "[--copy-gbs 11]");
  a.dir = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--B") a.B = std::stoi(v);
    else if (k == "--T") a.T = std::stoi(v);
    else if (k == "--new") a.new_tokens = std::stoi(v);
    else if (k == "--batches") {
      a.batches.clear();
      for (const auto& b : split(v)) a.batches.push_back(std::stoi(b));
    } else if (k == "--precisions") a.precisions = split(v);
    else if (k == "--decode-precisions") a.decode_precisions = split(v);
    else if (k == "--gemm-gflops") a.gemm_gflops = std::stod(v);
    else if (k == "--copy-gbs") a.copy_gbs = std::stod(v);
    else throw std::runtime_error("bench_cpu_model: unknown option " + k);
  }
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<int32_t> random_tokens(std::mt19937& rng, int n, int vocab) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = int32_t(rng() % uint32_t(vocab));
  return t;
}

void learner_rows(const Args& a) {
  for (const std::string& name : a.precisions) {
    model::Transformer m = model::Transformer::from_dir(a.dir);
    const model::ModelConfig& cfg = m.config();
    std::mt19937 rng(3);
    std::vector<trainer::TrainSequence> batch(size_t(a.B));
    for (auto& s : batch) {
      s.tokens = random_tokens(rng, a.T, cfg.vocab_size);
      s.prompt_len = 1;  // every later token is trained on, as the peer's cross-entropy does
    }
    trainer::OptimizerConfig oc;
    trainer::AdamW opt(m.params(), oc);
    trainer::LearnerOptions lo;
    lo.precision = model::parse_precision(name);
    lo.micro_batch_tokens = int64_t(a.B) * a.T;  // one forward/backward, as the peer
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      trainer::sft_step(m, opt, batch, 1e-5f, lo);
      if (i >= 1) times.push_back(seconds_since(t0));
    }
    std::sort(times.begin(), times.end());
    const double med = times[times.size() / 2];
    const double tokens = double(a.B) * (a.T - 1);
    const double active = double(model::count_active_params(cfg, m.weights()));
    const double gflops = 6.0 * active * tokens / med / 1e9;
    std::printf("%s\n", nlohmann::json({{"what", "train step " + name},
                                        {"B", a.B},
                                        {"T", a.T},
                                        {"median_s", med},
                                        {"tokens_per_s", tokens / med},
                                        {"gflops", gflops},
                                        {"of_gemm_ceiling", gflops / a.gemm_gflops}})
                            .dump()
                            .c_str());
    std::fflush(stdout);
  }
}

void decode_rows(const Args& a) {
  for (const std::string& name : a.decode_precisions) {
    model::Transformer m = model::Transformer::from_dir(a.dir);
    const model::ModelConfig& cfg = m.config();
    const double params = double(model::count_params(cfg, m.weights()));
    const double active = double(model::count_active_params(cfg, m.weights()));
    for (int bs : a.batches) {
      std::mt19937 rng(7);
      std::vector<std::vector<int32_t>> prompts;
      for (int b = 0; b < bs; ++b) prompts.push_back(random_tokens(rng, 64, cfg.vocab_size));
      rollout::GenerationParams gp;
      gp.n = 1;
      gp.max_new_tokens = a.new_tokens;
      gp.max_batch = bs;
      gp.precision = model::parse_precision(name);
      gp.sampling.temperature = 1.0f;
      rollout::GenerationStats stats;
      const auto t0 = std::chrono::steady_clock::now();
      rollout::generate(m, prompts, gp, {}, &stats);
      const double s = seconds_since(t0);
      // Floor of one decode step at batch bs: every weight read once (FP32 bytes; the FP8
      // copies would read a quarter of that), or the active FLOPs at the GEMM ceiling.
      const double step_floor_s = std::max(params * 4.0 / (a.copy_gbs * 1e9),
                                           2.0 * active * bs / (a.gemm_gflops * 1e9));
      const double floor_tok_s = bs / step_floor_s;
      const double tok_s = double(bs) * a.new_tokens / s;
      std::printf("%s\n", nlohmann::json({{"what", "sampled decode " + name},
                                          {"batch", bs},
                                          {"new", a.new_tokens},
                                          {"s", s},
                                          {"tokens_per_s", tok_s},
                                          {"decode_steps", stats.decode_steps},
                                          {"prefill_s", stats.prefill_seconds},
                                          {"floor_tokens_per_s", floor_tok_s},
                                          {"of_floor", tok_s / floor_tok_s}})
                              .dump()
                              .c_str());
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  select_blas_kernels(argv);  // as rlvr itself does: OpenBLAS kernels that match the CPU
  try {
    const Args a = parse(argc, argv);
    learner_rows(a);
    decode_rows(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cpu_model: %s\n", e.what());
    return 2;
  }
  return 0;
}
