// A Linear layer y = x·W^T in three precisions. fp32: plain; bf16: operands rounded to BF16,
// FP32 accumulation; fp8: DeepSeek-V3's recipe — x in 1x128 tiles, W in 128x128 blocks for
// fprop and dgrad, 128x1 (token-major) tiles of x and dy for wgrad, the input cached for
// backward in FP8 only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "kernels/quantize.h"
#include "kernels/tensor.h"
#include "model/config.h"

namespace rlvr::model {

struct LinearWeight {
  Tensor weight;  // F32 master weights [out, in]
  Tensor grad;    // F32 [out, in], accumulated by backward (allocated on demand)

  // Low-precision copies of the master weights, rebuilt lazily after each update.
  uint64_t version = 0;  // bump after changing `weight`
  const QuantizedTensor& fp8() const;    // 128x128 blocks of W (fprop)
  const QuantizedTensor& fp8_t() const;  // 128x128 blocks of W^T (dgrad), transposed exactly, on first use
  const Tensor& bf16() const;
  // fp8() with, on the CPU, its dequantized values (QuantizedTensor::dequantized), made once per
  // version: the weight operand of every FP8 forward GEMM (dgrad, once per step, dequantizes).
  const QuantizedTensor& fp8_gemm() const;
  // fp8()'s blocks as F32 values [out, in]: fp8_gemm()'s dequantized ones where it keeps them.
  Tensor fp8_values() const;
  size_t copies_bytes() const;  // what the low-precision copies built so far hold

  // A forward-only weight read in precision p (the KL reference held in BF16 or FP8): builds the
  // copy p's GEMMs read (BF16, or the FP8 blocks of fprop) and releases the F32 master and every
  // other copy, so `weight` is undefined from then on and no copy can be rebuilt; fp32: nothing
  // changes.
  void keep_only(Precision p);
  // Drops the master weight, its gradient and every copy, keeping the shape: a parameter held in
  // shards between uses (model/param_gather.h), assigned again (and its version bumped) before
  // the next.
  void release();

  int64_t out_features() const { return weight.defined() ? weight.dim(0) : out_; }
  Device device() const;  // the master's, or the kept copy's (keep_only)
  int64_t in_features() const { return weight.defined() ? weight.dim(1) : in_; }

 private:
  mutable QuantizedTensor fp8_, fp8_t_;
  mutable Tensor bf16_;
  mutable uint64_t fp8_version_ = ~uint64_t(0), bf16_version_ = ~uint64_t(0);
  int64_t out_ = 0, in_ = 0;  // the shape, once keep_only released the master
};

// What backward needs from forward.
struct LinearCache {
  Precision precision = Precision::FP32;
  bool pow2_grad = false;  // power-of-2 scales for the activation gradient (recipe: MoE down proj)
  Tensor x;                // fp32: F32 input; bf16: BF16 input
  QuantizedTensor x_t;     // fp8: the input as 128x1 tiles (token-major), for wgrad
  size_t cached_bytes() const { return x.defined() ? x.nbytes() : x_t.nbytes(); }
};

struct LinearOptions {
  bool pow2_input = false;  // power-of-2 scales for this layer's input
  bool pow2_grad = false;   // ... and for the gradient arriving at its output
};
// Recipe: power-of-2 scales for the attention output projection's input.
inline constexpr LinearOptions kAttentionOutput{true, false};

// The cache of a Linear whose input is x (what forward keeps; backward can also rebuild it
// from a recomputed input, as the MoE/MLP down projection does for SwiGLU's output).
LinearCache make_linear_cache(const Tensor& x, Precision p, LinearOptions opts = {});

// x as a Linear's batch GEMM reads its input, in F32: fp32 as is, bf16 rounded to BF16, fp8
// quantized in 1x128 tiles and dequantized (MLA's absorbed decode rounds its cached latent so).
Tensor as_linear_input(const Tensor& x, Precision p, LinearOptions opts = {});

// x [T, in] -> y [T, out]. cache may be null (inference).
void linear_forward(Tensor& y, const Tensor& x, const LinearWeight& w, Precision p, LinearCache* cache,
                    LinearOptions opts = {});
// dy [T, out] -> dx [T, in] (overwritten; may be undefined to skip), w.grad += dW.
void linear_backward(Tensor* dx, const Tensor& dy, LinearWeight& w, const LinearCache& cache);

// Which GEMMs a forward runs: the batch GEMMs of a precision (training, scoring, prefill), or
// with `decode` the decode kernels that read the weights at their stored width (CPU decode
// steps: a row's result does not depend on the other rows). Every block takes one.
struct Gemms {
  Precision precision = Precision::FP32;
  bool decode = false;
  Gemms(Precision p, bool decode_kernels = false) : precision(p), decode(decode_kernels) {}

  // y [T, out] (allocated when undefined) = x·W^T by the recipe; cache (batch GEMMs only) keeps
  // what linear_backward needs.
  void linear(Tensor& y, const Tensor& x, const LinearWeight& w, LinearCache* cache = nullptr,
              LinearOptions opts = {}) const;
  // linear(*o.y, x[o.row0 : o.row1], *o.w, nullptr, opts) for each o (row1 < 0: to the end), for
  // weights that read rows of the same x (q, k, v; gate, up; each expert on its rows): the same
  // bits; fp8 decode quantizes x once and runs every product in one round of pieces.
  struct Out {
    Tensor* y;
    const LinearWeight* w;
    int64_t row0 = 0, row1 = -1;
  };
  void linears(std::span<const Out> outs, const Tensor& x, LinearOptions opts = {}) const;
  void linears(std::initializer_list<Out> outs, const Tensor& x, LinearOptions opts = {}) const {
    linears(std::span<const Out>(outs.begin(), outs.size()), x, opts);
  }
  // y [T, N] = x·W^T in FP32, for the weights the recipe keeps out of FP8 (router, output head).
  void fp32(Tensor& y, const Tensor& x, const Tensor& w) const;
};

}  // namespace rlvr::model
