// The CPU ops that run in pieces on the backend's threads give the same bits as the same pieces
// run one after another on one thread: shapes large enough to be split, random non-zero inputs.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/cpu/thread_pool.h"
#include "kernels/gemm.h"
#include "kernels/gemm_decode.h"
#include "kernels/ops_attention.h"
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
