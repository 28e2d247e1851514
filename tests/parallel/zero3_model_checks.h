// ZeRO-3 (parallel::ParamShards) on a whole Transformer against ZeRO-1 on the same ranks: every
// rank takes its sequences of one global batch through two micro-batches of forward and
// backward, then an optimizer step, three times, once with the parameters held whole (ZeRO-1)
// and once held in slices. The gathered weights are ZeRO-1's bits, so the logits must agree to
// the last few bits (the gradients are summed in another order: per micro-batch over ranks,
// then over micro-batches), and between steps the ZeRO-3 model must hold no parameter ZeRO
// updates, nor any FP8 copy of one.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "model/weights.h"
#include "parallel/param_shards.h"
#include "parallel/sharded_adamw.h"
#include "tests/parallel/ep_model_checks.h"
#include "tests/parallel/ep_moe_fixture.h"
#include "testsupport/small_moe.h"

namespace rlvr::parallel::testing {

inline std::vector<ShardedParam> zero_params(model::Transformer& m) {
  std::vector<ShardedParam> out;
  for (model::ParamRef& p : m.params())
    if (p.trainable) out.push_back({p.name, p.value, p.grad, p.version, p.value->ndim() != 1});
  return out;
}

// Bytes of parameter values, gradients and low-precision copies the model holds of `params`.
inline size_t held_bytes(model::Transformer& m) {
  size_t n = 0;
  for (model::ParamRef& p : m.params()) {
    if (!p.trainable) continue;
    for (const Tensor* t : {p.value, p.grad}) n += t->defined() ? t->nbytes() : 0;
    if (p.linear) n += p.linear->copies_bytes();
  }
  return n;
}

// Relative errors allowed after the first step (before it both read the same bits).
struct Zero3Tolerance {
  double logits, grad_norm, masters;
};
// FP32: only the order of the gradient sums differs (measured <= 1.2e-6 at 4 ranks).
constexpr Zero3Tolerance kZero3Fp32{1e-5, 1e-5, 1e-6};
// FP8: a last-bit difference of a weight can move an E4M3 rounding of its block, and with it a
// gradient (measured at 4 ranks: grad norm 1.4e-4, masters 7.9e-5 after 3 steps).
constexpr Zero3Tolerance kZero3Fp8{2e-2, 2e-3, 1e-3};

// device: where the models live (CUDA: the slices, unit buffers and reductions on the GPU; comm
// then takes host buffers, which ShardedAdamW stages).
inline void check_zero3_model(Communicator& comm, model::Precision p, Zero3Tolerance tol, Device device = Device::CPU) {
  model::ModelConfig cfg = testsupport::small_moe();
  cfg.num_experts = 8;
  const auto seqs = ep_model_sequences();
  const int W = comm.size(), me = comm.rank();
  const size_t s0 = seqs.size() * size_t(me) / size_t(W), s1 = seqs.size() * size_t(me + 1) / size_t(W);
  // Two micro-batches per rank: its first sequence, then the rest.
  std::vector<model::Batch> micro;
  micro.push_back(model::Batch::pack({seqs.begin() + long(s0), seqs.begin() + long(s0 + 1)}));
  micro.push_back(model::Batch::pack({seqs.begin() + long(s0 + 1), seqs.begin() + long(s1)}));

  model::Transformer whole(cfg), sliced(cfg);
  model::init_weights(cfg, whole.weights(), 5, 0.05f);
  model::init_weights(cfg, sliced.weights(), 5, 0.05f);
  whole.to(device);
  sliced.to(device);
  const AdamWParams hp{.lr = 1e-3f, .weight_decay = 0.01f};
  ShardedAdamW zero1(comm, zero_params(whole), hp, {.max_grad_norm = 1.0f});
  ShardedAdamW zero3(comm, zero_params(sliced), hp, {.max_grad_norm = 1.0f, .shard_params = true});
  ParamShards shards(sliced, zero3);
  const std::string tag = std::string(model::precision_name(p)) + " rank " + std::to_string(me) + " of " +
                          std::to_string(W) + " on " + std::string(device_name(device));
  EXPECT_EQ(held_bytes(sliced), 0u) << tag << ": parameters held before the first pass";

  double worst = 0;
  for (int step = 1; step <= 3; ++step) {
    whole.zero_grad();
    sliced.zero_grad();
    for (size_t k = 0; k < micro.size(); ++k) {
      const model::Batch& b = micro[k];
      const Tensor dlogits =
          normal({b.n_tokens(), cfg.vocab_size}, uint64_t(100 * step + 10 * me + int(k)), 1.0f).to(device);
      model::ForwardCache cw, cs;
      const Tensor lw = whole.forward(b, p, &cw);
      const Tensor ls = sliced.forward(b, p, &cs);
      const double d = compare(ls.to(Device::CPU), lw.to(Device::CPU), 1e30).rel;
      EXPECT_LE(d, step == 1 ? 0.0 : tol.logits) << tag << " step " << step << " micro-batch " << k << " logits";
      worst = std::max(worst, d);
      whole.backward(dlogits, b, cw);
      sliced.backward(dlogits, b, cs);
    }
    shards.release_all();
    const StepStats a = zero1.step(), s = zero3.step();
    EXPECT_NEAR(s.grad_norm, a.grad_norm, (step == 1 ? 1e-5 : tol.grad_norm) * a.grad_norm) << tag << " step " << step << " gradient norm";
    EXPECT_EQ(held_bytes(sliced), 0u) << tag << ": parameters held between steps";
  }
  const Diff masters = compare(zero3.master().to(Device::CPU), zero1.master().to(Device::CPU), 1e30);
  EXPECT_LE(masters.rel, tol.masters) << tag << " master slices after 3 steps";
  // An inference pass (no cache) leaves nothing held either.
  const Tensor logits = sliced.forward(micro[1], p);
  EXPECT_EQ(held_bytes(sliced), 0u) << tag << ": parameters held after an inference pass";
  // Every parameter whole again, for another optimizer.
  shards.restore();
  EXPECT_GT(held_bytes(sliced), 0u) << tag;
  EXPECT_LE(compare(sliced.forward(micro[1], p).to(Device::CPU), logits.to(Device::CPU), 1e30).rel, 0.0)
      << tag << " logits after restore";
  if (me == 0) std::printf("[zero3_model] %s: logits within %.2e of ZeRO-1, masters %.2e\n", tag.c_str(), worst, masters.rel);
}

}  // namespace rlvr::parallel::testing
