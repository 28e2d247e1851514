// A whole Transformer trained expert-parallel (parallel::ExpertParallelExperts) against data
// parallelism: every rank takes its sequences of one global batch through forward and backward,
// once with the experts split over the ranks and once running all experts itself; logits must
// agree, and so must the gradients summed over ranks (what data parallelism reduces), every
// parameter. In FP32 also against one process over the whole batch. With router replay, every
// forward takes another model's expert choices (some tokens without one route live).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "parallel/ep_experts.h"
#include "model/transformer.h"
#include "model/weights.h"
#include "tests/parallel/ep_moe_fixture.h"
#include "testsupport/route_records.h"
#include "testsupport/small_moe.h"

namespace rlvr::parallel::testing {

// Eight sequences of uneven lengths over the small MoE's vocabulary.
inline std::vector<std::vector<int32_t>> ep_model_sequences() {
  std::vector<std::vector<int32_t>> seqs;
  for (int s = 0; s < 8; ++s) {
    std::vector<int32_t> t;
    for (int i = 0; i < 5 + 3 * s; ++i) t.push_back(int32_t((s * 17 + i * 7 + i * i) % 64));
    seqs.push_back(t);
  }
  return seqs;
}

struct EpModelTolerance {
  double logits, grad;  // normalized error ||got - want|| / ||want||
};

// FP32: every exchange is FP32, so expert parallelism is data parallelism with the expert GEMMs
// regrouped; only the order of sums differs (measured <= 9e-7).
constexpr EpModelTolerance kEpModelFp32{1e-6, 1e-5};
// FP8: the recipe's BF16 combine (expert outputs and their gradients travel in BF16, where data
// parallelism keeps them FP32) changes logits by ~4e-4. Upstream gradients then differ by one
// FP8 requantization: a BF16-sized change moves a tile's amax, hence its scale, hence where
// every value of the tile rounds in E4M3 (rms error ~3.6% of a value): measured 6.4e-2 on the
// dense layer's projections. A misrouted token or a lost gradient costs O(1).
constexpr EpModelTolerance kEpModelFp8{2e-3, 1.2e-1};

// Tokens [t0, t1) of routes [M, T, k].
inline Tensor routes_of_tokens(const Tensor& routes, int64_t t0, int64_t t1) {
  const int64_t M = routes.dim(0), T = routes.dim(1), K = routes.dim(2);
  Tensor out = Tensor::empty({M, t1 - t0, K}, DType::I32);
  for (int64_t m = 0; m < M; ++m)
    std::copy(routes.data<int32_t>() + (m * T + t0) * K, routes.data<int32_t>() + (m * T + t1) * K,
              out.data<int32_t>() + m * (t1 - t0) * K);
  return out;
}

// Gradients of model `m` summed over the ranks (what the data-parallel reduction hands AdamW), on
// the host. comm takes host buffers.
inline std::vector<Tensor> summed_grads(Communicator& comm, model::Transformer& m) {
  std::vector<Tensor> out;
  for (const model::ParamRef& p : m.params()) {
    Tensor g = p.grad->to(Device::CPU).clone();
    comm.all_reduce(g.raw(), size_t(g.numel()), CommDType::F32, ReduceOp::Sum);
    out.push_back(g);
  }
  return out;
}

// comm takes host buffers (the reductions here); the experts exchange over experts_comm when
// given (e.g. NCCL itself, with device tensors), else over comm. The models run on `device`.
inline void check_ep_model(Communicator& comm, model::Precision p, EpModelTolerance tol, Device device = Device::CPU,
                           Communicator* experts_comm = nullptr, bool replay = false) {
  model::ModelConfig cfg = testsupport::small_moe();
  cfg.num_experts = 8;  // two per rank at 4 ranks
  const auto seqs = ep_model_sequences();
  const int W = comm.size(), me = comm.rank();
  model::Batch all = model::Batch::pack(seqs);
  const Tensor dlogits_all = normal({all.n_tokens(), cfg.vocab_size}, 9, 1.0f);
  // This rank's sequences: a contiguous block, as data parallelism deals them.
  const size_t s0 = seqs.size() * size_t(me) / size_t(W), s1 = seqs.size() * size_t(me + 1) / size_t(W);
  model::Batch batch = model::Batch::pack({seqs.begin() + long(s0), seqs.begin() + long(s1)});
  const int64_t t0 = all.seq_offsets[s0], t1 = all.seq_offsets[s1];
  if (replay) {
    // Another model's choices; every third token has none and routes live.
    all.routes = testsupport::foreign_routes(cfg, all, 6, 0.05f, [](int64_t t) { return t % 3 != 2; });
    batch.routes = routes_of_tokens(all.routes, t0, t1);
    all.replay_routes = batch.replay_routes = true;
  }
  const Tensor dlogits = dlogits_all.slice_rows(t0, t1).clone().to(device);

  // Reference: data parallelism, every rank running all experts on its own tokens.
  model::Transformer dp(cfg);
  model::init_weights(cfg, dp.weights(), 5, 0.05f);
  dp.to(device);
  model::ForwardCache dp_cache;
  const Tensor logits_dp = dp.forward(batch, p, &dp_cache);
  dp.backward(dlogits, batch, dp_cache);
  const std::vector<Tensor> want = summed_grads(comm, dp);

  model::Transformer ep_model(cfg);
  model::init_weights(cfg, ep_model.weights(), 5, 0.05f);
  ep_model.to(device);
  ExpertParallelExperts experts(experts_comm ? *experts_comm : comm, cfg);
  model::ForwardCache cache;
  const Tensor logits = ep_model.forward(batch, p, &cache, nullptr, &experts);
  ep_model.backward(dlogits, batch, cache);
  const std::vector<Tensor> got = summed_grads(comm, ep_model);

  const std::string tag = std::string(model::precision_name(p)) + (replay ? " replay" : "") +
                          " rank " + std::to_string(me) + " of " +
                          std::to_string(W) + " on " + std::string(device_name(device));
  const Diff dl = compare(logits.to(Device::CPU), logits_dp.to(Device::CPU), 1e30);
  EXPECT_LE(dl.rel, tol.logits) << tag << " logits";
  const auto names = ep_model.params();
  double worst = 0;
  std::string worst_name;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!names[i].trainable) continue;
    const Diff d = compare(got[i], want[i], 1e30);
    EXPECT_LE(d.rel, tol.grad) << tag << " grad of " << names[i].name;
    if (d.rel > worst) worst = d.rel, worst_name = names[i].name;
  }
  if (p == model::Precision::FP32) {
    // And the one-process model over the whole batch (no ranks at all).
    model::Transformer one(cfg);
    model::init_weights(cfg, one.weights(), 5, 0.05f);
    one.to(device);
    model::ForwardCache one_cache;
    const Tensor logits_one = one.forward(all, p, &one_cache).to(Device::CPU);
    one.backward(dlogits_all.to(device), all, one_cache);
    EXPECT_LE(compare(logits.to(Device::CPU), logits_one.slice_rows(t0, t1).clone(), 1e30).rel, tol.logits) << tag;
    auto one_params = one.params();
    for (size_t i = 0; i < got.size(); ++i) {
      if (!names[i].trainable) continue;
      EXPECT_LE(compare(got[i], one_params[i].grad->to(Device::CPU), 1e30).rel, tol.grad)
          << tag << " vs one process: " << names[i].name;
    }
  }
  if (me == 0)
    std::printf("[ep_model] %s: logits %.2e, worst gradient %.2e (%s), dispatched %zu bytes\n", tag.c_str(), dl.rel,
                worst, worst_name.c_str(), experts.take_dispatch_bytes());
}

}  // namespace rlvr::parallel::testing
