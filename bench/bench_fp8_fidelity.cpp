// FP8 vs BF16 training fidelity: the same small MoE, seed and synthetic next-token data trained
// with precision bf16 and fp8 (DeepSeek-V3 recipe), and fp32 as a control; prints the loss curves
// and the relative difference of the final loss (DeepSeek-V3 reports < 0.25%).
//
// Tasks:
//   bigram      text from a fixed random order-1 Markov chain over 32 symbols: the model learns
//               the table within a few hundred steps and then sits near the chain's entropy, so
//               the final losses compare the numerics of converged runs;
//   markov      the same with an order-2 chain (1024 contexts, needs attention to the token
//               before last): learned gradually, still falling after 1000 steps;
//   arithmetic  "a+b=c" lines (a, b < 1000): the model learns the carry rule in a sudden drop
//               whose timing varies between runs of any precision.
// Each seed changes the initialization and the data; the final loss is measured on a fixed
// held-out set (the same tokens for every precision) after the last step, in fp32.
// Models: qwen3_moe (GQA, softmax top-2 of 4 + a shared expert) or deepseek (the same width with
// DeepSeek-V3's architecture: MLA, sigmoid routing limited to 2 of 4 expert groups, top-2 of 8, a
// shared expert). Also prints the activation memory held for backward per token.
// Usage: bench_fp8_fidelity [steps=1000] [bigram|markov|arithmetic] [seeds=3] [qwen3_moe|deepseek]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "model/token_logprobs.h"
#include "model/transformer.h"
#include "testsupport/small_moe.h"
#include "trainer/optimizer.h"

using namespace rlvr;
using namespace rlvr::model;

namespace {

struct Task {
  virtual ~Task() = default;
  virtual int vocab() const = 0;
  virtual std::vector<int32_t> sequence(std::mt19937& rng, int len) const = 0;
};

class ArithmeticTask : public Task {
 public:
  int vocab() const override { return int(kAlphabet.size()); }
  std::vector<int32_t> sequence(std::mt19937& rng, int len) const override {
    std::string s;
    while (int(s.size()) < len) {
      const int a = int(rng() % 1000), b = int(rng() % 1000);
      s += std::to_string(a) + "+" + std::to_string(b) + "=" + std::to_string(a + b) + "\n";
    }
    std::vector<int32_t> ids;
    for (int i = 0; i < len; ++i) ids.push_back(int32_t(kAlphabet.find(s[size_t(i)])));
    return ids;
  }

 private:
  inline static const std::string kAlphabet = "0123456789+=\n";
};

// Next-symbol distributions p(c | context) over the last `order` symbols: softmax of 2.5 x
// standard normal logits, drawn once from a fixed seed (the chain is the same for every run;
// its entropy is printed).
class MarkovTask : public Task {
 public:
  static constexpr int kV = 32;
  explicit MarkovTask(int order) : order_(order), contexts_(order == 1 ? kV : kV * kV), cdf_(size_t(contexts_) * kV) {
    std::mt19937 rng(7);
    std::normal_distribution<double> normal;
    for (int ctx = 0; ctx < contexts_; ++ctx) {
      std::vector<double> p(kV);
      double z = 0;
      for (double& x : p) z += x = std::exp(2.5 * normal(rng));
      double acc = 0;
      for (int c = 0; c < kV; ++c) {
        const double q = p[size_t(c)] / z;
        entropy_ -= q * std::log(q) / double(contexts_);
        cdf_[size_t(ctx) * kV + size_t(c)] = acc += q;
      }
    }
  }
  int vocab() const override { return kV; }
  double entropy() const { return entropy_; }  // per symbol, averaged over uniform contexts
  std::vector<int32_t> sequence(std::mt19937& rng, int len) const override {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<int32_t> ids{int32_t(rng() % kV), int32_t(rng() % kV)};
    while (int(ids.size()) < len) {
      const size_t ctx = order_ == 1 ? size_t(ids.back()) : size_t(ids[ids.size() - 2]) * kV + size_t(ids.back());
      const double r = u(rng);
      int c = 0;
      while (c + 1 < kV && cdf_[ctx * kV + size_t(c)] < r) ++c;
      ids.push_back(int32_t(c));
    }
    ids.resize(size_t(len));
    return ids;
  }

 private:
  int order_, contexts_;
  std::vector<double> cdf_;
  double entropy_ = 0;
};

// The small models the precision tests train (testsupport/small_moe.h), over the task's vocabulary.
ModelConfig bench_config(const std::string& model, int vocab) {
  ModelConfig c = model == "deepseek" ? testsupport::small_deepseek() : testsupport::small_moe();
  c.vocab_size = vocab;
  c.max_position_embeddings = 256;
  return c;
}

struct Curve {
  std::vector<double> train;  // per step, in the run's precision
  double heldout = 0;         // after the last step, fp32 forward
  double activation_bytes_per_token = 0;  // held for backward, first step
};

double batch_loss(Transformer& m, const Batch& b, Precision p, ForwardCache* cache, Tensor* dlogits) {
  const Tensor logits = m.forward(b, p, cache);
  return cross_entropy(logits, b, std::vector<float>(size_t(b.n_tokens()), 1.0f), dlogits);
}

Curve train(const std::string& model, const Task& task, Precision p, unsigned seed, int steps, int batch, int seq_len,
            const Batch& heldout) {
  Transformer m(bench_config(model, task.vocab()));
  init_weights(m.config(), m.weights(), 1234 + seed);
  trainer::OptimizerConfig oc;
  oc.lr = 2e-3f;
  trainer::AdamW opt(m.params(), oc);
  std::mt19937 data_rng(42 + seed);  // same data for every precision
  Curve out;
  for (int step = 0; step < steps; ++step) {
    std::vector<std::vector<int32_t>> seqs;
    for (int b = 0; b < batch; ++b) seqs.push_back(task.sequence(data_rng, seq_len));
    const Batch bt = Batch::pack(seqs);
    ForwardCache cache;
    Tensor dlogits;
    const double loss = batch_loss(m, bt, p, &cache, &dlogits);
    if (step == 0) out.activation_bytes_per_token = double(cache.activation_bytes()) / double(bt.n_tokens());
    m.zero_grad();
    m.backward(dlogits, bt, cache);
    const float warm = std::min(1.0f, float(step + 1) / 50.0f);
    const float decay = 0.5f * (1.0f + std::cos(3.14159265f * float(step) / float(steps)));
    opt.step(oc.lr * warm * (0.1f + 0.9f * decay));
    out.train.push_back(loss);
  }
  out.heldout = batch_loss(m, heldout, Precision::FP32, nullptr, nullptr);
  return out;
}

double window_mean(const std::vector<double>& l, size_t end, size_t n) {
  double s = 0;
  for (size_t i = end - n; i < end; ++i) s += l[i];
  return s / double(n);
}

double pct(double x, double ref) { return 100.0 * (x - ref) / ref; }

}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::string task_name = argc > 2 ? argv[2] : "markov";
  const int seeds = argc > 3 ? std::atoi(argv[3]) : 3;
  const std::string model = argc > 4 ? argv[4] : "qwen3_moe";
  if (steps < 100 || seeds < 1 || (task_name != "bigram" && task_name != "markov" && task_name != "arithmetic") ||
      (model != "qwen3_moe" && model != "deepseek")) {
    std::fprintf(stderr, "usage: bench_fp8_fidelity [steps>=100] [bigram|markov|arithmetic] [seeds>=1] "
                         "[qwen3_moe|deepseek]\n");
    return 2;
  }
  const MarkovTask markov(task_name == "bigram" ? 1 : 2);
  const ArithmeticTask arithmetic;
  const Task& task = task_name == "arithmetic" ? static_cast<const Task&>(arithmetic) : markov;
  const int batch = 8, seq_len = 96;
  std::printf("FP8 vs BF16 fidelity: task %s, %d steps, %d seeds, batch %d x %d tokens, MoE hidden 128, 2 layers %s\n",
              task_name.c_str(), steps, seeds, batch, seq_len,
              model == "deepseek" ? "(DeepSeek-V3: MLA; dense, then 8 experts in 4 groups, 2 groups, top-2 + 1 shared)"
                                  : "(GQA; dense, then 4 experts top-2 + 1 shared)");
  if (task_name != "arithmetic") std::printf("chain entropy (the loss floor): %.4f nats/symbol\n", markov.entropy());

  std::mt19937 heldout_rng(999);
  std::vector<std::vector<int32_t>> held;
  for (int i = 0; i < 64; ++i) held.push_back(task.sequence(heldout_rng, seq_len));
  const Batch heldout = Batch::pack(held);

  const Precision precisions[3] = {Precision::BF16, Precision::FP8, Precision::FP32};
  std::vector<std::vector<Curve>> runs(3);  // [precision][seed]
  double seconds[3] = {0, 0, 0};
  for (unsigned s = 0; s < unsigned(seeds); ++s)
    for (int p = 0; p < 3; ++p) {
      const auto t0 = std::chrono::steady_clock::now();
      runs[size_t(p)].push_back(train(model, task, precisions[p], s, steps, batch, seq_len, heldout));
      seconds[p] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

  // Curves: the mean over seeds of each 50-step window of training loss.
  auto mean_window = [&](int p, size_t end) {
    double s = 0;
    for (const Curve& c : runs[size_t(p)]) s += window_mean(c.train, end, 50);
    return s / double(seeds);
  };
  std::printf("\ntraining loss, mean over seeds of each 50-step window\n");
  std::printf("| step | bf16 loss | fp8 loss | fp8 vs bf16 | fp32 loss | fp32 vs bf16 |\n|---|---|---|---|---|---|\n");
  for (int s = std::max(50, steps / 10); s <= steps; s += std::max(50, steps / 10)) {
    const double a = mean_window(0, size_t(s)), b = mean_window(1, size_t(s)), c = mean_window(2, size_t(s));
    std::printf("| %d | %.4f | %.4f | %+.3f%% | %.4f | %+.3f%% |\n", s, a, b, pct(b, a), c, pct(c, a));
  }

  std::printf("\nfinal loss per seed: mean of the last 100 training steps, and held-out (64 x %d tokens, fp32 forward)\n",
              seq_len);
  std::printf("| seed | bf16 train | fp8 train | fp8 vs bf16 | fp32 vs bf16 | bf16 held-out | fp8 held-out | fp8 vs bf16 | "
              "fp32 vs bf16 |\n|---|---|---|---|---|---|---|---|---|\n");
  double tr[3] = {0, 0, 0}, ho[3] = {0, 0, 0};
  for (int s = 0; s < seeds; ++s) {
    double t[3], h[3];
    for (int p = 0; p < 3; ++p) {
      const Curve& c = runs[size_t(p)][size_t(s)];
      t[p] = window_mean(c.train, c.train.size(), 100);
      h[p] = c.heldout;
      tr[p] += t[p] / seeds;
      ho[p] += h[p] / seeds;
    }
    std::printf("| %d | %.5f | %.5f | %+.3f%% | %+.3f%% | %.5f | %.5f | %+.3f%% | %+.3f%% |\n", s, t[0], t[1],
                pct(t[1], t[0]), pct(t[2], t[0]), h[0], h[1], pct(h[1], h[0]), pct(h[2], h[0]));
  }
  std::printf("| mean | %.5f | %.5f | %+.3f%% | %+.3f%% | %.5f | %.5f | %+.3f%% | %+.3f%% |\n", tr[0], tr[1],
              pct(tr[1], tr[0]), pct(tr[2], tr[0]), ho[0], ho[1], pct(ho[1], ho[0]), pct(ho[2], ho[0]));
  std::printf("\ntime per run: bf16 %.1f s, fp8 %.1f s, fp32 %.1f s\n", seconds[0] / seeds, seconds[1] / seeds,
              seconds[2] / seeds);
  std::printf("activation memory held for backward (ForwardCache::activation_bytes): bf16 %.0f, fp8 %.0f, fp32 %.0f "
              "bytes/token\n",
              runs[0][0].activation_bytes_per_token, runs[1][0].activation_bytes_per_token,
              runs[2][0].activation_bytes_per_token);
  return 0;
}
