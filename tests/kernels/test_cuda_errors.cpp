// The CUDA backend's clear errors: cuBLASLt's FP8 constraints caught before the call, and
// untrusted indices (tokens, targets, expert ids, positions) reported with the CPU's message
// instead of read out of bounds, at once or when a DeferredIndexChecks scope checks (these skip
// without a CUDA device); and in a build without the backend, the error a CUDA request gets.
#include <gtest/gtest.h>

#include "kernels/gemm.h"
#include "kernels/index_checks.h"
#include "kernels/ops.h"
#include "kernels/ops_dispatch.h"
#include "kernels/quantize.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

#define SKIP_WITHOUT_CUDA() \
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend)"

Tensor cuda_rand(Rng& rng, const Shape& s) { return f32(s, rng.floats(shape_numel(s))).to(Device::CUDA); }
Tensor cuda_i32(const Shape& s, const std::vector<int32_t>& v) { return i32(s, v).to(Device::CUDA); }

TEST(CudaErrors, Fp8GemmConstraintsAreNamed) {
  SKIP_WITHOUT_CUDA();
  Rng rng(3);
  const QuantizedTensor w = quantize_fp8(cuda_rand(rng, {16, 128}), QuantLayout::Block128x128);
  {  // 6 tokens: VEC128 scales need a row count that is a multiple of 4
    const QuantizedTensor x = quantize_fp8(cuda_rand(rng, {6, 128}), QuantLayout::Tile1x128);
    Tensor y = Tensor::empty({6, 16}, DType::F32, Device::CUDA);
    expect_error_mentions([&] { gemm_fp8(y, x, w); }, {"gemm_fp8", "6 stored rows", "multiple of 4"});
  }
  {  // K = 40: FP8 GEMMs need K a multiple of 16
    const QuantizedTensor x = quantize_fp8(cuda_rand(rng, {8, 40}), QuantLayout::Tile1x128);
    const QuantizedTensor w40 = quantize_fp8(cuda_rand(rng, {16, 40}), QuantLayout::Block128x128);
    Tensor y = Tensor::empty({8, 16}, DType::F32, Device::CUDA);
    expect_error_mentions([&] { gemm_fp8(y, x, w40); }, {"K = 40", "multiple of 16"});
  }
  {  // scales 4 bytes past a 16-byte boundary
    QuantizedTensor x = quantize_fp8(cuda_rand(rng, {8, 128}), QuantLayout::Tile1x128);
    const Tensor flat = Tensor::zeros({9}, DType::F32, Device::CUDA);
    x.scales = flat.slice_rows(1, 9).reshape({1, 8});
    Tensor y = Tensor::empty({8, 16}, DType::F32, Device::CUDA);
    expect_error_mentions([&] { gemm_fp8(y, x, w); }, {"not 16-byte aligned"});
  }
  {  // operands on two devices
    Tensor y = Tensor::empty({4, 4}, DType::F32);
    const Tensor a = cuda_rand(rng, {4, 8}), b = cuda_rand(rng, {8, 4});
    expect_error_mentions([&] { gemm(y, a, false, b, false); }, {"gemm", "share a device"});
  }
}

TEST(CudaErrors, UntrustedIndicesGetTheCpuMessage) {
  SKIP_WITHOUT_CUDA();
  Rng rng(4);
  const Tensor table = cuda_rand(rng, {10, 8});
  Tensor out = Tensor::empty({3, 8}, DType::F32, Device::CUDA);
  expect_error_mentions([&] { embedding_forward(out, cuda_i32({3}, {1, 99, 2}), table); },
                        {"embedding_forward", "tokens[1] = 99", "[0, 10)"});
  Tensor dtable = Tensor::zeros({10, 8}, DType::F32, Device::CUDA);
  expect_error_mentions([&] { embedding_backward(dtable, out, cuda_i32({3}, {-1, 0, 0})); },
                        {"embedding_backward", "tokens[0] = -1"});
  Tensor logp = Tensor::empty({2}, DType::F32, Device::CUDA), lse = Tensor::empty({2}, DType::F32, Device::CUDA);
  expect_error_mentions([&] { log_softmax_gather(logp, lse, cuda_rand(rng, {2, 5}), cuda_i32({2}, {0, 5})); },
                        {"log_softmax_gather", "targets[1] = 5", "[0, 5)"});
  expect_error_mentions([&] { make_permutation(cuda_i32({2, 2}, {0, 1, 3, 7}), 4, 4); },
                        {"make_permutation", "expert_ids[1, 1] = 7", "[0, 4)"});
  Tensor x = cuda_rand(rng, {2, 8});
  expect_error_mentions([&] { rope_forward(x, cuda_i32({2}, {0, -3}), 8, 1e4f); },
                        {"rope_forward", "positions[1] = -3"});
}

TEST(CudaErrors, DeferredIndexChecksThrowTheFirstReportAtCheck) {
  SKIP_WITHOUT_CUDA();
  Rng rng(5);
  const Tensor table = cuda_rand(rng, {10, 8});
  Tensor out = Tensor::empty({3, 8}, DType::F32, Device::CUDA), x = cuda_rand(rng, {2, 8});
  {
    DeferredIndexChecks checks;
    embedding_forward(out, cuda_i32({3}, {1, 2, 3}), table);
    rope_forward(x, cuda_i32({2}, {0, -3}), 8, 1e4f);          // reported, not thrown yet
    embedding_forward(out, cuda_i32({3}, {1, 99, 2}), table);  // reported too
    expect_error_mentions([&] { checks.check(); }, {"rope_forward", "positions[1] = -3"});  // the first launched
    checks.check();  // nothing left
  }
  {
    DeferredIndexChecks dropped;  // left without check(), as when a pass throws
    embedding_forward(out, cuda_i32({3}, {1, 99, 2}), table);
  }
  // Every slot is clean again: no stale report, and an op outside a scope throws at once.
  embedding_forward(out, cuda_i32({3}, {1, 2, 3}), table);
  expect_error_mentions([&] { embedding_forward(out, cuda_i32({3}, {0, 10, 0}), table); },
                        {"embedding_forward", "tokens[1] = 10"});
}

TEST(CudaErrors, CpuOpsThrowAtOnceInsideADeferredScope) {
  DeferredIndexChecks checks;
  Tensor out = Tensor::empty({2, 4}, DType::F32);
  expect_error_mentions([&] { embedding_forward(out, i32({2}, {1, 10}), Tensor::zeros({10, 4}, DType::F32)); },
                        {"embedding_forward", "tokens[1] = 10"});
  checks.check();
}

TEST(CudaErrors, BuildWithoutTheBackendSaysSo) {
  if (detail::find_backend(Device::CUDA)) GTEST_SKIP() << "this build has the CUDA backend";
  EXPECT_FALSE(cuda_available());
  expect_error_mentions([] { Tensor::empty({2}, DType::F32, Device::CUDA); }, {"this build has no CUDA backend"});
  expect_error_mentions([] { detail::backend(Device::CUDA, "rmsnorm_forward"); },
                        {"rmsnorm_forward: CUDA tensors in a build without the CUDA backend"});
}

}  // namespace
}  // namespace rlvr::test
