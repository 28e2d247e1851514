// The CPU ops that run in pieces on the backend's threads give the same bits as the same pieces
// run one after another on one thread: shapes large enough to be split, random non-zero inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/thread_pool.h"
#include "kernels/gemm.h"
#include "kernels/gemm_decode.h"
#include "kernels/ops_attention.h"
#include "kernels/ops_sampling.h"
#include "kernels/quantize.h"
#include "op_test_util.h"

using namespace rlvr;

namespace {

// Values in [-2, 2), none near zero, so every quantization group has its own scale.
Tensor randn(int64_t R, int64_t C, uint64_t seed) {
  test::Rng rng(seed);
  return test::f32({R, C}, rng.floats(R * C));
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Runs op on the pool and again with SerialPieces; op returns the tensors to compare.
template <class Op>
void expect_pool_matches_serial(const char* what, const Op& op) {
  const std::vector<Tensor> pooled = op();
  std::vector<Tensor> serial;
  {
    cpu::SerialPieces one_thread;
    serial = op();
  }
  ASSERT_EQ(pooled.size(), serial.size());
  for (size_t i = 0; i < pooled.size(); ++i) EXPECT_TRUE(same_bytes(pooled[i], serial[i])) << what << " output " << i;
}

}  // namespace

// Attention backward in double, straight from its formula: p = exp(s q.k - lse),
// ds = p (dout.v - dout.out), dq += s ds k, dk += s ds q, dv += p dout.
struct AttentionGrads { std::vector<double> dq, dk, dv; };
AttentionGrads attention_backward_f64(const std::vector<float>& q, const std::vector<float>& k,
                                      const std::vector<float>& v, const std::vector<float>& dout, int64_t T, int64_t H,
                                      int64_t Hkv, int64_t D, double scale) {
  AttentionGrads g{std::vector<double>(q.size()), std::vector<double>(k.size()), std::vector<double>(v.size())};
  const int64_t Wq = H * D, Wk = Hkv * D;
  for (int64_t h = 0; h < H; ++h) {
    const int64_t kc = (h / (H / Hkv)) * D;
    for (int64_t i = 0; i < T; ++i) {
      std::vector<double> sc(size_t(i + 1)), out(size_t(D), 0.0);
      double m = -1e300, l = 0;
      for (int64_t j = 0; j <= i; ++j) {
        double d = 0;
        for (int64_t c = 0; c < D; ++c) d += double(q[i * Wq + h * D + c]) * k[j * Wk + kc + c];
        sc[size_t(j)] = scale * d;
        m = std::max(m, sc[size_t(j)]);
      }
      for (int64_t j = 0; j <= i; ++j) l += std::exp(sc[size_t(j)] - m);
      for (int64_t j = 0; j <= i; ++j)
        for (int64_t c = 0; c < D; ++c) out[size_t(c)] += std::exp(sc[size_t(j)] - m) / l * v[j * Wk + kc + c];
      double delta = 0;
      for (int64_t c = 0; c < D; ++c) delta += double(dout[i * Wq + h * D + c]) * out[size_t(c)];
      for (int64_t j = 0; j <= i; ++j) {
        const double p = std::exp(sc[size_t(j)] - m) / l;
        double dv = 0;
        for (int64_t c = 0; c < D; ++c) dv += double(dout[i * Wq + h * D + c]) * v[j * Wk + kc + c];
        const double ds = p * (dv - delta) * scale;
        for (int64_t c = 0; c < D; ++c) {
          g.dq[size_t(i * Wq + h * D + c)] += ds * k[j * Wk + kc + c];
          g.dk[size_t(j * Wk + kc + c)] += ds * q[i * Wq + h * D + c];
          g.dv[size_t(j * Wk + kc + c)] += p * dout[i * Wq + h * D + c];
        }
      }
    }
  }
  return g;
}

void expect_near_f64(const char* what, const Tensor& got, const std::vector<double>& want) {
  const std::vector<float> g = got.to_floats();
  double scale = 1e-30, worst = 0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::fabs(g[i] - want[i]) / scale);
  EXPECT_LT(worst, 1e-5) << what;
}

TEST(ThreadPool, HasAtLeastTheCallingThread) { EXPECT_GE(cpu::cpu_threads(), 1); }

TEST(ThreadPool, PiecedOpsMatchOneThread) {
  const Tensor x = randn(1024, 512, 1), w = randn(384, 512, 2);
  expect_pool_matches_serial("sgemm", [&] {
    Tensor y = Tensor::empty({1024, 384}, DType::F32);
    gemm(y, x, false, w, true);
    return std::vector<Tensor>{y};
  });
  expect_pool_matches_serial("quantize", [&] {
    std::vector<Tensor> out;
    for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128}) {
      const QuantizedTensor q = quantize_fp8(x, l);
      out.push_back(q.data);
      out.push_back(q.scales);
      out.push_back(dequantize_fp8(q));
    }
    return out;
  });
  expect_pool_matches_serial("fp8 gemm", [&] {
    Tensor y = Tensor::empty({1024, 384}, DType::F32);
    gemm_fp8(y, quantize_fp8(x, QuantLayout::Tile1x128), quantize_fp8(w, QuantLayout::Block128x128));
    return std::vector<Tensor>{y};
  });
  expect_pool_matches_serial("fp8 decode gemm", [&] {
    const Tensor xs = randn(64, 512, 3);
    Tensor y = Tensor::empty({64, 384}, DType::F32);
    gemm_fp8_decode(y, xs, quantize_fp8(w, QuantLayout::Block128x128));
    return std::vector<Tensor>{y};
  });
  expect_pool_matches_serial("attention", [&] {
    const int64_t T = 256, heads = 4, kv_heads = 2, D = 64;
    const Tensor q = randn(T, heads * D, 4), k = randn(T, kv_heads * D, 5), v = randn(T, kv_heads * D, 6);
    Tensor out = Tensor::empty({T, heads * D}, DType::F32), lse = Tensor::empty({heads, T}, DType::F32);
    attention_forward(out, lse, q, k, v, int(heads), int(kv_heads), 0.125f, 0);
    return std::vector<Tensor>{out, lse};
  });
}

// Attention backward large enough to run in pieces (queries cut per KV group, each piece's dk
// and dv terms summed apart and added in order): the pool's bits equal one thread's, and both
// match the formula in double.
TEST(ThreadPool, AttentionBackwardInPiecesMatchesFloat64) {
  const int64_t T = 256, H = 4, Hkv = 2, D = 64;
  const float scale = 0.125f;
  const Tensor q = randn(T, H * D, 7), k = randn(T, Hkv * D, 8), v = randn(T, Hkv * D, 9), dout = randn(T, H * D, 10);
  Tensor out = Tensor::empty({T, H * D}, DType::F32), lse = Tensor::empty({H, T}, DType::F32);
  attention_forward(out, lse, q, k, v, int(H), int(Hkv), scale, 0);
  const auto backward = [&] {
    Tensor dq = Tensor::empty({T, H * D}, DType::F32), dk = Tensor::empty({T, Hkv * D}, DType::F32),
           dv = Tensor::empty({T, Hkv * D}, DType::F32);
    attention_backward(dq, dk, dv, dout, out, lse, q, k, v, int(H), int(Hkv), scale, 0);
    return std::vector<Tensor>{dq, dk, dv};
  };
  expect_pool_matches_serial("attention backward", backward);
  const std::vector<Tensor> g = backward();
  const AttentionGrads want = attention_backward_f64(q.to_floats(), k.to_floats(), v.to_floats(), dout.to_floats(), T,
                                                     H, Hkv, D, scale);
  expect_near_f64("dq", g[0], want.dq);
  expect_near_f64("dk", g[1], want.dk);
  expect_near_f64("dv", g[2], want.dv);
}

// Decode attention over many sequences at once (one piece per sequence) gives each sequence the
// bits of its own attention_forward call, on the pool and on one thread.
TEST(ThreadPool, AttentionSequencesMatchOneCallEach) {
  const int heads = 4, kv_heads = 2;
  const int64_t D = 64;
  const std::vector<std::pair<int64_t, int64_t>> shapes{{1, 70}, {1, 1}, {3, 130}, {1, 200}, {2, 2}};  // (T, S)
  std::vector<Tensor> q, k, v, want;
  for (size_t s = 0; s < shapes.size(); ++s) {
    const auto [T, S] = shapes[s];
    q.push_back(randn(T, heads * D, 10 + s));
    k.push_back(randn(S, kv_heads * D, 20 + s));
    v.push_back(randn(S, kv_heads * D, 30 + s));
    Tensor out = Tensor::empty({T, heads * D}, DType::F32), lse = Tensor::empty({heads, T}, DType::F32);
    attention_forward(out, lse, q[s], k[s], v[s], heads, kv_heads, 0.125f, S - T);
    want.push_back(out);
  }
  expect_pool_matches_serial("attention sequences", [&] {
    std::vector<AttentionSequence> seqs;
    for (size_t s = 0; s < shapes.size(); ++s)
      seqs.push_back({Tensor::empty(q[s].shape(), DType::F32), q[s], k[s], v[s]});
    attention_forward_sequences(seqs, heads, kv_heads, 0.125f);
    std::vector<Tensor> outs;
    for (size_t s = 0; s < seqs.size(); ++s) {
      EXPECT_TRUE(same_bytes(seqs[s].out, want[s])) << "sequence " << s;
      outs.push_back(seqs[s].out);
    }
    return outs;
  });
}

// Sampling in pieces of rows (each its own scratch) draws what one thread draws, for every kind
// of support.
TEST(ThreadPool, SamplingInPiecesMatchesOneThread) {
  const int64_t B = 37, V = 4096;
  const Tensor logits = randn(B, V, 7);
  std::vector<uint64_t> streams, counters;
  for (int64_t b = 0; b < B; ++b) streams.push_back(uint64_t(b) * 977), counters.push_back(uint64_t(b % 5));
  for (const SamplingParams& p : {SamplingParams{1.0f, 0, 1.0f, 3}, SamplingParams{0.7f, 40, 1.0f, 4},
                                  SamplingParams{1.0f, 0, 0.9f, 5}, SamplingParams{0.0f, 0, 1.0f, 6}})
    expect_pool_matches_serial("sampling", [&] {
      Tensor tok = Tensor::empty({B}, DType::I32), lp = Tensor::empty({B}, DType::F32);
      sample_tokens(tok, lp, logits, p, streams, counters);
      return std::vector<Tensor>{tok, lp};
    });
}
