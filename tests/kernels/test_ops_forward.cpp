// Forward ops against the float64 references: one table of ops x shapes (odd sizes included),
// each case on seeded random inputs. Tolerances are per op, with the reason next to them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "tests/kernels/op_test_util.h"
#include "tests/kernels/reference_ops.h"

namespace rlvr::test {
namespace {

using Dims = std::vector<int64_t>;

// dims: T, V, C. A copy: exact.
void check_embedding(const Dims& d, Rng& rng) {
  const int64_t T = d[0], V = d[1], C = d[2];
  const Vec table = rng.floats(V * C);
  const std::vector<int32_t> tokens = rng.ints(T, 0, int32_t(V - 1));
  Tensor out = Tensor::empty({T, C}, DType::F32);
  embedding_forward(out, i32({T}, tokens), f32({V, C}, table));
  EXPECT_TRUE(all_close("out", ref::embedding(tokens, table, C), to_vec(out), 0, 0));
}

// dims: N, C. Float32 products of values computed in double: a few ulp.
void check_rmsnorm(const Dims& d, Rng& rng) {
  const int64_t N = d[0], C = d[1];
  const Vec x = rng.floats(N * C), w = rng.floats(C);
  Tensor out = Tensor::empty({N, C}, DType::F32), rstd = Tensor::empty({N}, DType::F32);
  rmsnorm_forward(out, rstd, f32({N, C}, x), f32({C}, w), 1e-6f);
  Vec want_rstd;
  const Vec want = ref::rmsnorm(x, w, N, C, double(1e-6f), &want_rstd);
  EXPECT_TRUE(all_close("out", want, to_vec(out), 1e-6, 1e-6));
  EXPECT_TRUE(all_close("rstd", want_rstd, to_vec(rstd), 0, 1e-6));
}

// dims: T, H, D, max position, interleaved, scaled (per-pair frequencies and cos/sin times 1.37,
// as YaRN). Same float32 angles; cos/sin rounded to float: a few ulp of |x|.
void check_rope(const Dims& d, Rng& rng) {
  const int64_t T = d[0], H = d[1], D = d[2], W = H * D;
  const Vec x = rng.floats(T * W);
  const std::vector<int32_t> pos = rng.ints(T, 0, int32_t(d[3]));
  Tensor xt = f32({T, W}, x);
  if (d[4] == 0 && d[5] == 0) {
    rope_forward(xt, i32({T}, pos), int(D), 1e6f);
    EXPECT_TRUE(all_close("x", ref::rope(x, pos, W, D, 1e6), to_vec(xt), 2e-6, 1e-6));
    return;
  }
  RopeParams p{int(D), rope_inv_freq(int(D), 1e4f), d[5] ? 1.37f : 1.0f, d[4] != 0};
  if (d[5])
    for (size_t i = 0; i < p.inv_freq.size(); ++i) p.inv_freq[i] *= 0.25f + 0.1f * float(i % 4);
  rope_forward(xt, i32({T}, pos), p);
  const Vec want = ref::rope_table(x, pos, W, D, p.inv_freq, double(p.attention_scaling), p.interleaved);
  EXPECT_TRUE(all_close("x", want, to_vec(xt), 3e-6, 1e-6));
}

// dims: T, S, Hq, Hkv, D, q_offset. Float32 dot products over D and sums over S keys with a
// 2-ulp exp: relative error grows like sqrt(S) ulp, far below 1e-5 for these sizes.
void check_attention(const Dims& d, Rng& rng) {
  const ref::AttnDims a{d[0], d[1], d[2], d[3], d[4], d[5], 1.0 / std::sqrt(double(d[4]))};
  const Vec q = rng.floats(a.T * a.Hq * a.D), k = rng.floats(a.S * a.Hkv * a.D), v = rng.floats(a.S * a.Hkv * a.D);
  Tensor out = Tensor::empty({a.T, a.Hq * a.D}, DType::F32), lse = Tensor::empty({a.Hq, a.T}, DType::F32);
  attention_forward(out, lse, f32({a.T, a.Hq * a.D}, q), f32({a.S, a.Hkv * a.D}, k), f32({a.S, a.Hkv * a.D}, v),
                    int(a.Hq), int(a.Hkv), float(a.scale), a.q_offset);
  Vec want_lse;
  const Vec want = ref::attention(q, k, v, a, &want_lse);
  EXPECT_TRUE(all_close("out", want, to_vec(out), 1e-5, 1e-5));
  EXPECT_TRUE(all_close("lse", want_lse, to_vec(lse), 1e-5, 1e-6));
}

// dims: N, F. One exp (2 ulp) and three roundings.
void check_swiglu(const Dims& d, Rng& rng) {
  const int64_t N = d[0], F = d[1];
  const Vec g = rng.floats(N * F, -8, 8), u = rng.floats(N * F);
  Tensor out = Tensor::empty({N, F}, DType::F32);
  swiglu_forward(out, f32({N, F}, g), f32({N, F}, u));
  EXPECT_TRUE(all_close("out", ref::swiglu(g, u), to_vec(out), 1e-7, 2e-6));
}

// dims: N, C. One float add per element: exact to the rounding of a + b.
void check_add_inplace(const Dims& d, Rng& rng) {
  const int64_t N = d[0], C = d[1];
  const Vec a = rng.floats(N * C), b = rng.floats(N * C);
  Tensor x = f32({N, C}, a);
  add_inplace(x, f32({N, C}, b));
  Vec want(a.size());
  for (size_t i = 0; i < a.size(); ++i) want[i] = double(float(a[i]) + float(b[i]));
  EXPECT_TRUE(all_close("a", want, to_vec(x), 0, 0));
}

// dims: R, source width, destination width, source column, destination column, columns: a copy
// then an accumulation into the same block; every other column untouched.
void check_copy_columns(const Dims& d, Rng& rng) {
  const int64_t R = d[0], Ws = d[1], Wd = d[2], sc = d[3], dc = d[4], n = d[5];
  const Vec src = rng.floats(R * Ws), dst = rng.floats(R * Wd);
  Tensor copied = f32({R, Wd}, dst), summed = f32({R, Wd}, dst);
  copy_columns(copied, dc, f32({R, Ws}, src), sc, n);
  copy_columns(summed, dc, f32({R, Ws}, src), sc, n, /*accumulate=*/true);
  Vec want_copy = dst, want_sum = dst;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t j = 0; j < n; ++j) {
      want_copy[size_t(r * Wd + dc + j)] = double(float(src[size_t(r * Ws + sc + j)]));
      want_sum[size_t(r * Wd + dc + j)] = double(float(dst[size_t(r * Wd + dc + j)]) + float(src[size_t(r * Ws + sc + j)]));
    }
  for (double& v : want_copy) v = double(float(v));
  for (double& v : want_sum) v = double(float(v));
  EXPECT_TRUE(all_close("copied", want_copy, to_vec(copied), 0, 0));
  EXPECT_TRUE(all_close("summed", want_sum, to_vec(summed), 0, 0));
}

// dims: N, C. Probabilities in [0,1] from a 2-ulp exp and a float sum of C terms.
void check_softmax(const Dims& d, Rng& rng) {
  const int64_t N = d[0], C = d[1];
  const Vec x = rng.floats(N * C, -10, 10);
  Tensor out = Tensor::empty({N, C}, DType::F32);
  softmax_forward(out, f32({N, C}, x));
  EXPECT_TRUE(all_close("out", ref::softmax(x, N, C), to_vec(out), 1e-7, 2e-6));
}

// dims: T, V. lse = max + log(sum): absolute error of a few ulp of |lse| <= ~15.
void check_log_softmax_gather(const Dims& d, Rng& rng) {
  const int64_t T = d[0], V = d[1];
  const Vec logits = rng.floats(T * V, -10, 10);
  const std::vector<int32_t> targets = rng.ints(T, 0, int32_t(V - 1));
  Tensor logp = Tensor::empty({T}, DType::F32), lse = Tensor::empty({T}, DType::F32);
  const Tensor lt = f32({T, V}, logits);
  log_softmax_gather(logp, lse, lt, i32({T}, targets));
  Vec want_lse(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) want_lse[size_t(t)] = ref::lse_row(logits, t, V);
  EXPECT_TRUE(all_close("logp", ref::log_softmax_gather(logits, targets, V), to_vec(logp), 1e-5, 1e-6));
  EXPECT_TRUE(all_close("lse", want_lse, to_vec(lse), 1e-5, 1e-6));
  Tensor ent = Tensor::empty({T}, DType::F32);
  softmax_entropy(ent, lt, lse);
  EXPECT_TRUE(all_close("entropy", ref::entropy(logits, T, V), to_vec(ent), 2e-5, 1e-5));
}

struct OpShapes {
  const char* op;
  void (*check)(const Dims&, Rng&);
  std::vector<Dims> shapes;
};

const std::vector<OpShapes>& op_table() {
  static const std::vector<OpShapes> table = {
      {"embedding", check_embedding, {{1, 1, 1}, {5, 11, 7}, {33, 50, 130}}},
      {"rmsnorm", check_rmsnorm, {{1, 1}, {5, 7}, {33, 128}, {5, 130}, {2, 4096}}},
      {"rope", check_rope,
       {{1, 1, 2, 0, 0, 0}, {5, 3, 8, 40, 0, 0}, {33, 2, 128, 4000, 0, 0}, {5, 1, 130, 100, 0, 0}, {7, 3, 16, 300, 1, 0},
        {7, 2, 64, 3000, 0, 1}, {9, 4, 16, 500, 1, 1}}},
      {"attention", check_attention,
       {{1, 1, 1, 1, 1, 0},      // one query, one key
        {5, 5, 4, 2, 7, 0},      // GQA, odd head dim
        {33, 33, 4, 4, 64, 0},   // prefill
        {1, 17, 4, 1, 32, 16},   // decode with a KV cache, MQA
        {5, 12, 2, 2, 130, 7}}}, // a chunk after a cached prefix
      {"swiglu", check_swiglu, {{1, 1}, {5, 7}, {33, 128}, {5, 130}}},
      {"add_inplace", check_add_inplace, {{1, 1}, {5, 7}, {33, 130}}},
      {"copy_columns", check_copy_columns, {{1, 1, 1, 0, 0, 1}, {5, 48, 16, 32, 0, 16}, {12, 7, 30, 0, 20, 7}, {3, 9, 9, 2, 4, 0}}},
      {"softmax", check_softmax, {{1, 1}, {5, 7}, {33, 128}, {5, 130}, {2, 5000}}},
      {"log_softmax_gather+entropy", check_log_softmax_gather, {{1, 1}, {5, 7}, {33, 128}, {5, 130}, {3, 30000}}},
  };
  return table;
}

struct Case { const OpShapes* op; Dims dims; };

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const OpShapes& op : op_table())
    for (const Dims& d : op.shapes) cases.push_back({&op, d});
  return cases;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.op->op;
  for (int64_t d : c.dims) *os << " " << d;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.op->op;
  for (int64_t d : info.param.dims) name.append("_").append(std::to_string(d));
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class OpForward : public ::testing::TestWithParam<Case> {};

TEST_P(OpForward, MatchesFloat64Reference) {
  Rng rng(1234 + GetParam().dims.size() * 7 + uint64_t(GetParam().dims[0]));
  GetParam().op->check(GetParam().dims, rng);
}

INSTANTIATE_TEST_SUITE_P(Table, OpForward, ::testing::ValuesIn(all_cases()), case_name);

TEST(OpForward, SoftmaxFamilyHandlesMaskedLogits) {
  // -inf logits (masked tokens) get probability 0 and add nothing to the entropy.
  const Tensor x = Tensor::from_floats({1, 4}, {1.0f, -INFINITY, 2.0f, -INFINITY});
  Tensor p = Tensor::empty({1, 4}, DType::F32), logp = Tensor::empty({1}, DType::F32);
  Tensor lse = Tensor::empty({1}, DType::F32), ent = Tensor::empty({1}, DType::F32);
  softmax_forward(p, x);
  EXPECT_EQ(p.to_floats()[1], 0.0f);
  EXPECT_NEAR(p.to_floats()[2], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  log_softmax_gather(logp, lse, x, i32({1}, {2}));
  softmax_entropy(ent, x, lse);
  const double p2 = 1.0 / (1.0 + std::exp(-1.0));
  EXPECT_NEAR(ent.to_floats()[0], -(p2 * std::log(p2) + (1 - p2) * std::log(1 - p2)), 1e-6);
}

TEST(OpForward, SumSquaresOfAListIsTheSumOfEachInOrder) {
  // The gradient norm's one call: on the CPU bit for bit the per-tensor sums added in list order.
  Rng rng(77);
  const Tensor a = f32({3, 5}, rng.floats(15)), b = f32({1}, {-3.0}), c = f32({1000}, rng.floats(1000));
  EXPECT_EQ(sum_squares(std::vector<const Tensor*>{&a, &b, &c}), sum_squares(a) + sum_squares(b) + sum_squares(c));
  EXPECT_EQ(sum_squares(b), 9.0);
  EXPECT_EQ(sum_squares(std::vector<const Tensor*>{}), 0.0);
  const Tensor h = a.to(DType::BF16);
  expect_error_mentions([&] { sum_squares(std::vector<const Tensor*>{&a, &h}); },
                        {"sum_squares", "tensors[1] is bf16[3, 5]", "expected dtype f32"});
  const Tensor undefined;
  expect_error_mentions([&] { sum_squares(std::vector<const Tensor*>{&undefined}); }, {"tensors[0] is undefined"});
}

}  // namespace
}  // namespace rlvr::test
