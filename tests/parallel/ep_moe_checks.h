// One expert-parallel forward/backward on this rank's tokens, compared with the single-rank
// reference (ep_moe_fixture.h): outputs and input gradients on the rank's token rows, the local
// experts' weight gradients, and the router gradient summed over ranks.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>

#include "parallel/ep_experts.h"
#include "tests/parallel/ep_moe_fixture.h"

namespace rlvr::parallel::testing {

struct EpTolerance {
  double y, dh, expert_grad, router_grad;  // on the normalized error ||got-want|| / ||want||
};

// Every tolerance also bounds each element: |got - want| <= 8 * tol * max|want|.
inline void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  const Diff d = compare(got, want, 8 * tol);
  EXPECT_LE(d.rel, tol) << what << ": normalized error " << d.rel;
  if (d.first_bad >= 0)
    ADD_FAILURE() << what << ": first bad index " << d.first_bad << " got " << got.to_floats()[size_t(d.first_bad)]
                  << " want " << want.to_floats()[size_t(d.first_bad)];
}

inline void check_ep_moe(Communicator& comm, const std::string& scoring, model::Precision p, EpTolerance tol) {
  const model::ModelConfig cfg = ep_config(scoring);
  const int W = comm.size(), me = comm.rank();
  const int64_t Tg = token_begin(W), C = cfg.hidden_size;
  const Tensor h = normal({Tg, C}, 7, 1.0f), dy = normal({Tg, C}, 8, 1.0f);
  const Reference ref = reference_moe(cfg, h, dy, p);

  ExpertParallelExperts ep(comm, cfg);
  model::MoeWeights w = moe_weights(cfg, ep.first_expert(), ep.local_experts());
  model::MoeCache cache;
  Tensor y, dh;
  std::vector<int64_t> load;
  model::moe_forward(y, rows_of_rank(h, me), w, cfg, p, ep, &cache, &load);
  const size_t dispatch_bytes = ep.take_dispatch_bytes();
  model::moe_backward(dh, rows_of_rank(dy, me), w, cfg, cache);
  int64_t routed = 0;
  for (int64_t n : load) routed += n;
  EXPECT_EQ(routed, tokens_of_rank(me) * cfg.num_experts_per_tok);

  const std::string tag = std::string(model::precision_name(p)) + " " + scoring + " rank " + std::to_string(me) +
                          " of " + std::to_string(W);
  expect_close(y, rows_of_rank(ref.y, me), tol.y, tag + " y");
  expect_close(dh, rows_of_rank(ref.dh, me), tol.dh, tag + " dh");
  for (int i = 0; i < ep.local_experts(); ++i) {
    const model::MlpWeights& want = ref.w.experts[size_t(ep.first_expert() + i)];
    const model::MlpWeights& got = w.experts[size_t(i)];
    const std::string e = tag + " expert " + std::to_string(ep.first_expert() + i);
    if (!want.gate.grad.defined()) {  // no token chose this expert
      EXPECT_FALSE(got.gate.grad.defined()) << e;
      continue;
    }
    expect_close(got.gate.grad, want.gate.grad, tol.expert_grad, e + " gate grad");
    expect_close(got.up.grad, want.up.grad, tol.expert_grad, e + " up grad");
    expect_close(got.down.grad, want.down.grad, tol.expert_grad, e + " down grad");
    if (me == 0 && i == 0)
      std::printf("[ep_moe] %s: expert gate grad %.2e\n", e.c_str(), compare(got.gate.grad, want.gate.grad, 1).rel);
  }
  Tensor router = w.router.grad.clone();
  if (comm.device_buffers()) {  // NCCL reduces device memory
    Tensor d = router.to(Device::CUDA);
    comm.all_reduce(d.raw(), size_t(d.numel()), CommDType::F32, ReduceOp::Sum);
    router = d.to(Device::CPU);
  } else {
    comm.all_reduce(router.raw(), size_t(router.numel()), CommDType::F32, ReduceOp::Sum);
  }
  expect_close(router, ref.w.router.grad, tol.router_grad, tag + " router grad");
  if (me == 0)
    std::printf("[ep_moe] %s: y %.2e dh %.2e router %.2e, dispatch %zu bytes\n", tag.c_str(),
                compare(y, rows_of_rank(ref.y, me), 1).rel, compare(dh, rows_of_rank(ref.dh, me), 1).rel,
                compare(router, ref.w.router.grad, 1).rel, dispatch_bytes);
}

// FP32: every exchange is FP32 and each expert sees the same rows in the same order, so the
// layer is the single-rank one; measured bit-equal at 1 and 2 ranks, within 1e-6 at 4 (the
// router gradient is a sum over ranks, and OpenBLAS may block GEMMs differently).
constexpr EpTolerance kFp32Tolerance{1e-6, 1e-6, 1e-6, 1e-6};
// FP8 (the recipe): the dispatch itself is exact (the experts requantize the power-of-2-scaled
// payload to the same bytes) and the forward differs only by the combine rounding expert
// outputs to BF16 (2^-9 relative; measured 1.7e-3). Gradients travel in BF16 both ways, and a
// BF16-sized change of a gradient moves its tile's amax, hence its FP8 scale, hence where every
// value of the tile rounds in E4M3 (3 mantissa bits: rms rounding error ~3.6% of a value):
// backward results differ by one FP8 requantization, measured 1.4e-2 (softmax) and 2.4e-2
// (sigmoid) on dh. The bound is 5e-2; a misrouted row or a misplaced scale costs O(1).
constexpr EpTolerance kFp8Tolerance{4e-3, 5e-2, 5e-2, 4e-3};

}  // namespace rlvr::parallel::testing
