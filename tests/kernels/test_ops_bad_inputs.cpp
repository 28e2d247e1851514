// Bad arguments: every public op rejects wrong shapes, dtypes, devices, undefined tensors and
// out-of-range indices with an rlvr::Error that names the op and the offending tensor's shape.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

Tensor F(const Shape& s) { return Tensor::zeros(s, DType::F32); }
Tensor I(const Shape& s) { return Tensor::zeros(s, DType::I32); }

struct BadCall {
  const char* what;
  std::function<void()> call;
  std::vector<std::string> mentions;  // substrings the message must contain
};

std::vector<BadCall> bad_calls() {
  return {
      {"embedding out width", [] { Tensor o = F({3, 5}); embedding_forward(o, I({3}), F({10, 4})); },
       {"embedding_forward", "out", "f32[3, 5]", "[3, 4]"}},
      {"embedding float tokens", [] { Tensor o = F({3, 4}); embedding_forward(o, F({3}), F({10, 4})); },
       {"embedding_forward", "tokens", "expected dtype i32"}},
      {"embedding token out of range",
       [] { Tensor o = F({2, 4}); embedding_forward(o, i32({2}, {1, 10}), F({10, 4})); },
       {"embedding_forward", "tokens[1] = 10", "[0, 10)"}},
      {"embedding_backward negative token",
       [] { Tensor d = F({10, 4}); embedding_backward(d, F({2, 4}), i32({2}, {-1, 0})); },
       {"embedding_backward", "tokens[0] = -1"}},
      {"rmsnorm weight", [] { Tensor o = F({2, 8}), r = F({2}); rmsnorm_forward(o, r, F({2, 8}), F({7}), 1e-6f); },
       {"rmsnorm_forward", "weight", "f32[7]", "[8]"}},
      {"rmsnorm undefined rstd", [] { Tensor o = F({2, 8}), r; rmsnorm_forward(o, r, F({2, 8}), F({8}), 1e-6f); },
       {"rmsnorm_forward", "rstd is undefined"}},
      {"rmsnorm bf16 x",
       [] { Tensor o = F({2, 8}), r = F({2}); rmsnorm_forward(o, r, F({2, 8}).to(DType::BF16), F({8}), 1e-6f); },
       {"rmsnorm_forward", "x is bf16[2, 8]", "expected dtype f32"}},
      {"rmsnorm_backward dweight",
       [] { Tensor dx = F({2, 8}), dw = F({2, 8}); rmsnorm_backward(dx, dw, F({2, 8}), F({2, 8}), F({8}), F({2})); },
       {"rmsnorm_backward", "dweight", "f32[2, 8]", "[8]"}},
      {"rope odd head_dim", [] { Tensor x = F({2, 9}); rope_forward(x, I({2}), 3, 1e4f); },
       {"rope_forward", "head_dim 3", "f32[2, 9]"}},
      {"rope positions", [] { Tensor x = F({2, 8}); rope_forward(x, I({3}), 4, 1e4f); },
       {"rope_forward", "positions", "i32[3]", "[2]"}},
      {"rope negative position", [] { Tensor x = F({1, 8}); rope_backward(x, i32({1}, {-5}), 4, 1e4f); },
       {"rope_backward", "positions[0] = -5"}},
      {"rope frequency count", [] { Tensor x = F({2, 8}); rope_forward(x, I({2}), RopeParams{4, {1.0f}}); },
       {"rope_forward", "1 inverse frequencies", "head_dim 4"}},
      {"copy_columns range", [] { Tensor d = F({2, 8}); copy_columns(d, 6, F({2, 4}), 1, 3); },
       {"copy_columns", "columns [1, 4)", "[6, 9)", "f32[2, 8]"}},
      {"copy_columns rows", [] { Tensor d = F({2, 8}); copy_columns(d, 0, F({3, 4}), 0, 4); },
       {"copy_columns", "different row counts"}},
      {"attention heads", [] { Tensor o = F({2, 8}), l = F({3, 2}); attention_forward(o, l, F({2, 8}), F({2, 8}), F({2, 8}), 3, 1, 1.0f, 0); },
       {"attention_forward", "f32[2, 8]", "does not split into 3 heads"}},
      {"attention gqa ratio", [] { Tensor o = F({2, 8}), l = F({4, 2}); attention_forward(o, l, F({2, 8}), F({2, 6}), F({2, 6}), 4, 3, 1.0f, 0); },
       {"attention_forward", "n_kv_heads 3"}},
      {"attention kv width", [] { Tensor o = F({2, 8}), l = F({4, 2}); attention_forward(o, l, F({2, 8}), F({2, 8}), F({2, 8}), 4, 2, 1.0f, 0); },
       {"attention_forward", "k is f32[2, 8]", "[2, 4]"}},
      {"attention q_offset", [] { Tensor o = F({2, 8}), l = F({4, 2}); attention_forward(o, l, F({2, 8}), F({3, 4}), F({3, 4}), 4, 2, 1.0f, 2); },
       {"attention_forward", "q_offset 2", "S = 3"}},
      {"attention_backward dk",
       [] {
         Tensor dq = F({2, 8}), dk = F({2, 8}), dv = F({2, 4});
         attention_backward(dq, dk, dv, F({2, 8}), F({2, 8}), F({4, 2}), F({2, 8}), F({2, 4}), F({2, 4}), 4, 2, 1.0f, 0);
       },
       {"attention_backward", "dk is f32[2, 8]", "[2, 4]"}},
      {"swiglu up", [] { Tensor o = F({2, 3}); swiglu_forward(o, F({2, 3}), F({3, 2})); },
       {"swiglu_forward", "up is f32[3, 2]", "[2, 3]"}},
      {"softmax out", [] { Tensor o = F({2, 4}); softmax_forward(o, F({2, 5})); },
       {"softmax_forward", "out is f32[2, 4]", "[2, 5]"}},
      {"log_softmax target range",
       [] { Tensor lp = F({2}), l = F({2}); log_softmax_gather(lp, l, F({2, 5}), i32({2}, {0, 5})); },
       {"log_softmax_gather", "targets[1] = 5", "[0, 5)"}},
      {"log_softmax_gather_backward lse",
       [] { Tensor d = F({2, 5}); log_softmax_gather_backward(d, F({2}), F({2, 5}), F({3}), I({2})); },
       {"log_softmax_gather_backward", "lse is f32[3]", "[2]"}},
      {"entropy lse", [] { Tensor e = F({2}); softmax_entropy(e, F({2, 5}), F({5})); },
       {"softmax_entropy", "lse is f32[5]", "[2]"}},
      {"topk_route top_k > E",
       [] { Tensor ids = I({2, 5}), g = F({2, 5}), s = F({2, 4}); topk_route(ids, g, s, F({2, 4}), Tensor(), {5}); },
       {"topk_route", "top_k 5", "[1, 4]"}},
      {"topk_route bias",
       [] { Tensor ids = I({2, 2}), g = F({2, 2}), s = F({2, 4}); topk_route(ids, g, s, F({2, 4}), F({3}), {2}); },
       {"topk_route", "bias is f32[3]", "[4]"}},
      {"topk_route_backward dgates",
       [] { Tensor d = F({2, 4}); topk_route_backward(d, F({2, 3}), I({2, 2}), F({2, 4}), {2}); },
       {"topk_route_backward", "dgates is f32[2, 3]", "[2, 2]"}},
      {"expert_load id range", [] { Tensor c = F({4}); expert_load(c, i32({1, 2}, {0, 4})); },
       {"expert_load", "= 4", "[0, 4)"}},
      {"make_permutation id range", [] { make_permutation(i32({2, 1}, {0, 7}), 4, 1); },
       {"make_permutation", "expert_ids[1, 0] = 7", "[0, 4)"}},
      {"make_permutation pad_to", [] { make_permutation(I({2, 1}), 4, 0); }, {"make_permutation", "pad_to is 0"}},
      {"permute_rows out rows",
       [] {
         const Permutation p = make_permutation(I({3, 2}), 2, 4);
         Tensor o = F({6, 5});
         permute_rows(o, F({3, 5}), p);
       },
       {"permute_rows", "out is f32[6, 5]", "[8, 5]"}},
      {"permute_rows malformed permutation",
       [] {
         Permutation p;
         Tensor o = F({1, 5});
         permute_rows(o, F({3, 5}), p);
       },
       {"permute_rows", "malformed permutation"}},
      {"unpermute_combine gates",
       [] {
         const Permutation p = make_permutation(I({3, 2}), 2, 1);
         Tensor y = F({3, 5});
         unpermute_combine(y, F({6, 5}), F({3, 1}), p);
       },
       {"unpermute_combine", "gates is f32[3, 1]", "[3, 2]"}},
      {"sample_tokens streams",
       [] { Tensor t = I({2}), lp = F({2}); sample_tokens(t, lp, F({2, 5}), {}, {1}, {1, 2}); },
       {"sample_tokens", "1 streams", "f32[2, 5]"}},
      {"sample_tokens top_p", [] { Tensor t = I({1}), lp = F({1}); sample_tokens(t, lp, F({1, 5}), {1.0f, 0, 0.0f, 0}, {0}, {0}); },
       {"sample_tokens", "top_p is 0"}},
      {"sample_tokens temperature",
       [] { Tensor t = I({1}), lp = F({1}); sample_tokens(t, lp, F({1, 5}), {-1.0f, 0, 1.0f, 0}, {0}, {0}); },
       {"sample_tokens", "temperature is -1"}},
      {"adamw moments dtype", [] { Tensor w = F({4}), m = F({4}), v = F({4}).to(DType::BF16); adamw_step(w, F({4}), m, v, {}); },
       {"adamw_step", "m is f32[4]", "expected dtype bf16"}},
      {"adamw grad shape",
       [] { Tensor w = F({4}), m = F({4}).to(DType::BF16), v = F({4}).to(DType::BF16); adamw_step(w, F({5}), m, v, {}); },
       {"adamw_step", "grad is f32[5]", "[4]"}},
      {"adamw step 0",
       [] {
         Tensor w = F({4}), m = F({4}).to(DType::BF16), v = F({4}).to(DType::BF16);
         AdamWParams p;
         p.step = 0;
         adamw_step(w, F({4}), m, v, p);
       },
       {"adamw_step", "step is 0"}},
  };
}

TEST(OpBadInputs, EveryBadCallNamesTheOpAndTheShapes) {
  for (const BadCall& c : bad_calls()) {
    SCOPED_TRACE(c.what);
    expect_error_mentions(c.call, c.mentions);
  }
}

}  // namespace
}  // namespace rlvr::test
