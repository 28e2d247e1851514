// Every backward op against central finite differences of the float64 reference forward:
// with a random upstream gradient w, d(sum w * f(x))/dx must match the kernel's gradient.
// Gradients marked "+=" in the headers start from random values to check they accumulate.
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

// The float32 kernels against float64 differences (truncation ~1e-10): what remains is float32
// rounding of gradients of size O(1..10) summed over at most a few hundred terms.
constexpr double kAtol = 3e-5, kRtol = 1e-4;

Vec plus(const Vec& a, const Vec& b) {
  Vec c(a.size());
  for (size_t i = 0; i < a.size(); ++i) c[i] = a[i] + b[i];
  return c;
}

// dims: T, V, C.
void grad_embedding(const Dims& d, Rng& rng) {
  const int64_t T = d[0], V = d[1], C = d[2];
  const Vec table = rng.floats(V * C), dout = rng.floats(T * C), dtable0 = rng.floats(V * C);
  const std::vector<int32_t> tokens = rng.ints(T, 0, int32_t(V - 1));
  Tensor dtable = f32({V, C}, dtable0);
  embedding_backward(dtable, f32({T, C}, dout), i32({T}, tokens));
  const Vec fd = numeric_grad([&](const Vec& tb) { return weighted_sum(dout, ref::embedding(tokens, tb, C)); }, table);
  EXPECT_TRUE(all_close("dtable", plus(dtable0, fd), to_vec(dtable), kAtol, kRtol));
}

// dims: N, C.
void grad_rmsnorm(const Dims& d, Rng& rng) {
  const int64_t N = d[0], C = d[1];
  const double eps = 1e-5;
  const Vec x = rng.floats(N * C), w = rng.floats(C), dout = rng.floats(N * C), dw0 = rng.floats(C);
  const Tensor xt = f32({N, C}, x), wt = f32({C}, w);
  Tensor out = Tensor::empty({N, C}, DType::F32), rstd = Tensor::empty({N}, DType::F32);
  rmsnorm_forward(out, rstd, xt, wt, float(eps));
  Tensor dx = Tensor::empty({N, C}, DType::F32), dw = f32({C}, dw0);
  rmsnorm_backward(dx, dw, f32({N, C}, dout), xt, wt, rstd);
  const Vec fd_x = numeric_grad([&](const Vec& v) { return weighted_sum(dout, ref::rmsnorm(v, w, N, C, eps)); }, x);
  const Vec fd_w = numeric_grad([&](const Vec& v) { return weighted_sum(dout, ref::rmsnorm(x, v, N, C, eps)); }, w);
  EXPECT_TRUE(all_close("dx", fd_x, to_vec(dx), kAtol, kRtol));
  EXPECT_TRUE(all_close("dweight", plus(dw0, fd_w), to_vec(dw), kAtol, kRtol));
}

// dims: T, H, D, interleaved, scaled (cos and sin times 1.3).
void grad_rope(const Dims& d, Rng& rng) {
  const int64_t T = d[0], H = d[1], D = d[2], W = H * D;
  const Vec x = rng.floats(T * W), dout = rng.floats(T * W);
  const std::vector<int32_t> pos = rng.ints(T, 0, 500);
  const RopeParams p{int(D), rope_inv_freq(int(D), 10000.0f), d[4] ? 1.3f : 1.0f, d[3] != 0};
  Tensor dx = f32({T, W}, dout);
  rope_backward(dx, i32({T}, pos), p);
  const Vec fd = numeric_grad(
      [&](const Vec& v) {
        return weighted_sum(dout, ref::rope_table(v, pos, W, D, p.inv_freq, double(p.attention_scaling), p.interleaved));
      },
      x);
  EXPECT_TRUE(all_close("dx", fd, to_vec(dx), kAtol, kRtol));
}

// dims: T, S, Hq, Hkv, D, q_offset.
void grad_attention(const Dims& d, Rng& rng) {
  const ref::AttnDims a{d[0], d[1], d[2], d[3], d[4], d[5], 1.0 / std::sqrt(double(d[4]))};
  const Shape qs{a.T, a.Hq * a.D}, ks{a.S, a.Hkv * a.D};
  const Vec q = rng.floats(a.T * a.Hq * a.D), k = rng.floats(a.S * a.Hkv * a.D), v = rng.floats(a.S * a.Hkv * a.D);
  const Vec dout = rng.floats(a.T * a.Hq * a.D);
  const Tensor qt = f32(qs, q), kt = f32(ks, k), vt = f32(ks, v);
  Tensor out = Tensor::empty(qs, DType::F32), lse = Tensor::empty({a.Hq, a.T}, DType::F32);
  attention_forward(out, lse, qt, kt, vt, int(a.Hq), int(a.Hkv), float(a.scale), a.q_offset);
  Tensor dq = Tensor::empty(qs, DType::F32), dk = Tensor::empty(ks, DType::F32), dv = Tensor::empty(ks, DType::F32);
  attention_backward(dq, dk, dv, f32(qs, dout), out, lse, qt, kt, vt, int(a.Hq), int(a.Hkv), float(a.scale),
                     a.q_offset);
  const auto loss = [&](const Vec& qq, const Vec& kk, const Vec& vv) {
    return weighted_sum(dout, ref::attention(qq, kk, vv, a));
  };
  EXPECT_TRUE(all_close("dq", numeric_grad([&](const Vec& x) { return loss(x, k, v); }, q), to_vec(dq), kAtol, kRtol));
  EXPECT_TRUE(all_close("dk", numeric_grad([&](const Vec& x) { return loss(q, x, v); }, k), to_vec(dk), kAtol, kRtol));
  EXPECT_TRUE(all_close("dv", numeric_grad([&](const Vec& x) { return loss(q, k, x); }, v), to_vec(dv), kAtol, kRtol));
}

// dims: N, F.
void grad_swiglu(const Dims& d, Rng& rng) {
  const int64_t N = d[0], F = d[1];
  const Vec g = rng.floats(N * F, -6, 6), u = rng.floats(N * F), dout = rng.floats(N * F);
  Tensor dg = Tensor::empty({N, F}, DType::F32), du = Tensor::empty({N, F}, DType::F32);
  swiglu_backward(dg, du, f32({N, F}, dout), f32({N, F}, g), f32({N, F}, u));
  EXPECT_TRUE(all_close("dgate", numeric_grad([&](const Vec& x) { return weighted_sum(dout, ref::swiglu(x, u)); }, g),
                        to_vec(dg), kAtol, kRtol));
  EXPECT_TRUE(all_close("dup", numeric_grad([&](const Vec& x) { return weighted_sum(dout, ref::swiglu(g, x)); }, u),
                        to_vec(du), kAtol, kRtol));
}

// dims: T, V.
void grad_log_softmax_gather(const Dims& d, Rng& rng) {
  const int64_t T = d[0], V = d[1];
  const Vec logits = rng.floats(T * V, -5, 5), dlogp = rng.floats(T);
  const std::vector<int32_t> targets = rng.ints(T, 0, int32_t(V - 1));
  const Tensor lt = f32({T, V}, logits), tt = i32({T}, targets);
  Tensor logp = Tensor::empty({T}, DType::F32), lse = Tensor::empty({T}, DType::F32);
  log_softmax_gather(logp, lse, lt, tt);
  Tensor dlogits = Tensor::empty({T, V}, DType::F32);
  log_softmax_gather_backward(dlogits, f32({T}, dlogp), lt, lse, tt);
  const Vec fd = numeric_grad(
      [&](const Vec& x) { return weighted_sum(dlogp, ref::log_softmax_gather(x, targets, V)); }, logits);
  EXPECT_TRUE(all_close("dlogits", fd, to_vec(dlogits), kAtol, kRtol));
}

// dims: T, E, k, variant (bit 0: sigmoid, bit 1: normalize, bit 2: scaling 2.5).
void grad_topk_route(const Dims& d, Rng& rng) {
  const int64_t T = d[0], E = d[1];
  const int k = int(d[2]);
  const RoutingConfig cfg{k, d[3] & 1 ? RouterScoring::Sigmoid : RouterScoring::Softmax, bool(d[3] & 2),
                          d[3] & 4 ? 2.5f : 1.0f};
  const Vec logits = rng.floats(T * E, -3, 3), dgates = rng.floats(T * k);
  const Tensor lt = f32({T, E}, logits);
  Tensor ids = Tensor::empty({T, k}, DType::I32), gates = Tensor::empty({T, k}, DType::F32);
  Tensor scores = Tensor::empty({T, E}, DType::F32);
  topk_route(ids, gates, scores, lt, Tensor(), cfg);
  Tensor dlogits = Tensor::empty({T, E}, DType::F32);
  topk_route_backward(dlogits, f32({T, k}, dgates), ids, scores, cfg);
  const std::vector<int32_t> sel(ids.data<int32_t>(), ids.data<int32_t>() + T * k);
  const Vec fd = numeric_grad(
      [&](const Vec& x) {
        return weighted_sum(dgates, ref::gates_of(x, sel, T, E, k, cfg.scoring == RouterScoring::Softmax,
                                                  cfg.normalize, cfg.scaling));
      },
      logits);
  EXPECT_TRUE(all_close("drouter_logits", fd, to_vec(dlogits), kAtol, kRtol));
}

// dims: T, E, k, pad_to, C. Both permute_rows and unpermute_combine backward.
void grad_permute_combine(const Dims& d, Rng& rng) {
  const int64_t T = d[0], E = d[1], C = d[4];
  const int k = int(d[2]);
  std::vector<int32_t> ids;
  for (int64_t t = 0; t < T; ++t)
    for (int j = 0; j < k; ++j) ids.push_back(int32_t((t + j * 3) % E));
  const Permutation p = make_permutation(i32({T, k}, ids), int(E), int(d[3]));
  const int64_t R = p.n_rows();
  const std::vector<int32_t> token_of_row(p.token_of_row.data<int32_t>(), p.token_of_row.data<int32_t>() + R);
  const std::vector<int32_t> row_of_slot(p.row_of_slot.data<int32_t>(), p.row_of_slot.data<int32_t>() + T * k);

  const Vec x = rng.floats(T * C), drows = rng.floats(R * C), dx0 = rng.floats(T * C);
  Tensor dx = f32({T, C}, dx0);
  permute_rows_backward(dx, f32({R, C}, drows), p);
  const auto permute_ref = [&](const Vec& xx) {
    Vec rows(size_t(R * C), 0.0);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C && token_of_row[r] >= 0; ++c) rows[r * C + c] = xx[token_of_row[r] * C + c];
    return rows;
  };
  const Vec fd_x = numeric_grad([&](const Vec& xx) { return weighted_sum(drows, permute_ref(xx)); }, x);
  EXPECT_TRUE(all_close("permute dx", plus(dx0, fd_x), to_vec(dx), kAtol, kRtol));

  const Vec eo = rng.floats(R * C), gates = rng.floats(T * k, 0, 1), dy = rng.floats(T * C);
  Tensor deo = Tensor::empty({R, C}, DType::F32), dgates = Tensor::empty({T, k}, DType::F32);
  unpermute_combine_backward(deo, dgates, f32({T, C}, dy), f32({R, C}, eo), f32({T, k}, gates), p);
  const Vec fd_eo = numeric_grad(
      [&](const Vec& v) { return weighted_sum(dy, ref::combine(v, gates, row_of_slot, T, k, C)); }, eo);
  const Vec fd_g = numeric_grad(
      [&](const Vec& g) { return weighted_sum(dy, ref::combine(eo, g, row_of_slot, T, k, C)); }, gates);
  EXPECT_TRUE(all_close("dexpert_out", fd_eo, to_vec(deo), kAtol, kRtol));
  EXPECT_TRUE(all_close("dgates", fd_g, to_vec(dgates), kAtol, kRtol));
}

struct GradOp {
  const char* op;
  void (*check)(const Dims&, Rng&);
  std::vector<Dims> shapes;
};

const std::vector<GradOp>& grad_table() {
  static const std::vector<GradOp> table = {
      {"embedding", grad_embedding, {{1, 1, 1}, {5, 3, 7}, {6, 4, 33}}},
      {"rmsnorm", grad_rmsnorm, {{1, 1}, {5, 7}, {3, 130}}},
      {"rope", grad_rope, {{1, 1, 2, 0, 0}, {5, 2, 8, 0, 0}, {3, 1, 34, 0, 0}, {4, 2, 8, 1, 0}, {3, 3, 16, 1, 1}}},
      {"attention", grad_attention, {{1, 1, 1, 1, 1, 0}, {5, 5, 4, 2, 3, 0}, {3, 7, 2, 1, 8, 4}, {1, 6, 2, 2, 5, 5}}},
      {"swiglu", grad_swiglu, {{1, 1}, {5, 7}, {3, 130}}},
      {"log_softmax_gather", grad_log_softmax_gather, {{1, 1}, {5, 7}, {3, 130}}},
      {"topk_route", grad_topk_route,
       {{1, 1, 1, 2}, {5, 8, 2, 2}, {5, 8, 2, 0}, {3, 7, 3, 1}, {3, 7, 3, 7}, {4, 16, 4, 6}}},
      {"permute_combine", grad_permute_combine, {{1, 1, 1, 1, 1}, {5, 4, 2, 1, 7}, {7, 3, 2, 4, 5}}},
  };
  return table;
}

struct Case { const GradOp* op; Dims dims; };

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const GradOp& op : grad_table())
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
  return name;
}

class OpBackward : public ::testing::TestWithParam<Case> {};

TEST_P(OpBackward, MatchesFiniteDifferences) {
  Rng rng(99 + uint64_t(GetParam().dims[0]) * 13 + GetParam().dims.size());
  GetParam().op->check(GetParam().dims, rng);
}

INSTANTIATE_TEST_SUITE_P(Table, OpBackward, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace rlvr::test
