// Linear layer forward/backward in fp32, bf16 and the FP8 recipe (see model/linear.h).
#include "model/linear.h"

#include "kernels/gemm.h"
#include "kernels/gemm_decode.h"

namespace rlvr::model {

namespace {

// cuBLASLt's block-scaled FP8 GEMMs want the token count of a tile-scaled operand to be a
// multiple of 4 (fprop, dgrad: its rows) and of 16 (wgrad: the reduction dimension). Zero rows
// change no tile's amax, so a padded operand quantizes its real rows to the same bytes and
// scales as the CPU does; only CUDA pads (the CPU GEMM has no such constraint).
constexpr int64_t kCudaFp8TokenMultiple = 16;

Tensor pad_tokens(const Tensor& x) {
  const int64_t T = x.dim(0);
  if (x.device() != Device::CUDA || T % kCudaFp8TokenMultiple == 0) return x;
  Tensor p = Tensor::zeros({ceil_div(T, kCudaFp8TokenMultiple) * kCudaFp8TokenMultiple, x.dim(1)}, x.dtype(), x.device());
  p.slice_rows(0, T).copy_(x);
  return p;
}

// y [T, N] = the FP8 GEMM of a (quantized from x padded to the token multiple) with b.
void gemm_fp8_tokens(Tensor& y, const Tensor& x, QuantOptions opts, const QuantizedTensor& b) {
  const Tensor xp = pad_tokens(x);
  const QuantizedTensor a = quantize_fp8(xp, QuantLayout::Tile1x128, opts);
  if (xp.dim(0) == x.dim(0)) {
    gemm_fp8(y, a, b);
    return;
  }
  Tensor yp = Tensor::empty({xp.dim(0), y.dim(1)}, DType::F32, y.device());
  gemm_fp8(yp, a, b);
  y.copy_(yp.slice_rows(0, x.dim(0)));
}

// A copy is rebuilt from the master, which a weight kept in one low precision no longer has.
void check_master(const LinearWeight& w, const char* copy) {
  RLVR_CHECK(w.weight.defined(), "model", "linear: the ", copy, " copy of a weight kept only in another precision (",
             w.out_features(), "x", w.in_features(), ") cannot be rebuilt: it has no F32 master");
}

// The CPU without AMX multiplies FP8 operands as F32 values (kernels/cpu/gemm_cpu.cpp): there an
// activation goes through fp8_round_trip (no bytes, no transposed copy) and meets the weight's
// dequantized blocks in a plain GEMM, transposed as the product needs; the same values and sums
// as gemm_fp8 on the quantized operands.
bool round_trips(const Tensor& x) { return x.device() == Device::CPU && cpu_fp8_gemm_reads_dequantized(); }

const QuantizedTensor& with_dequantized(QuantizedTensor& q) {
  if (q.data.device() == Device::CPU && !q.dequantized.defined() && cpu_fp8_gemm_reads_dequantized())
    q.dequantized = dequantize_fp8(q);
  return q;
}

}  // namespace

const QuantizedTensor& LinearWeight::fp8() const {
  if (fp8_version_ != version) {
    check_master(*this, "FP8");
    fp8_ = quantize_fp8(weight, QuantLayout::Block128x128);
    fp8_t_ = QuantizedTensor();
    fp8_version_ = version;
  }
  return fp8_;
}

const QuantizedTensor& LinearWeight::fp8_t() const {
  fp8();
  if (!fp8_t_.data.defined()) {
    check_master(*this, "transposed FP8");
    fp8_t_ = transpose_blocks(fp8_);
  }
  return fp8_t_;
}

// A weight reduced to its FP8 copy (keep_only) keeps no F32 values either: its GEMMs dequantize.
const QuantizedTensor& LinearWeight::fp8_gemm() const {
  fp8();
  return weight.defined() ? with_dequantized(fp8_) : fp8_;
}

Tensor LinearWeight::fp8_values() const {
  const QuantizedTensor& q = fp8_gemm();
  return q.dequantized.defined() ? q.dequantized : dequantize_fp8_stored(q);
}

const Tensor& LinearWeight::bf16() const {
  if (bf16_version_ != version) {
    check_master(*this, "BF16");
    bf16_ = weight.to(DType::BF16);
    bf16_version_ = version;
  }
  return bf16_;
}

void LinearWeight::keep_only(Precision p) {
  if (p == Precision::FP32) return;
  if (p == Precision::FP8) fp8(); else bf16();
  out_ = out_features();
  in_ = in_features();
  weight = Tensor();
  grad = Tensor();
  fp8_t_ = QuantizedTensor();
  if (p == Precision::FP8) {
    bf16_ = Tensor();
    bf16_version_ = ~uint64_t(0);
  } else {
    fp8_ = QuantizedTensor();
    fp8_version_ = ~uint64_t(0);
  }
}

Device LinearWeight::device() const {
  if (weight.defined()) return weight.device();
  return fp8_.data.defined() ? fp8_.data.device() : bf16_.defined() ? bf16_.device() : Device::CPU;
}

void LinearWeight::release() {
  out_ = out_features();
  in_ = in_features();
  weight = Tensor();
  grad = Tensor();
  fp8_ = fp8_t_ = QuantizedTensor();
  bf16_ = Tensor();
  fp8_version_ = bf16_version_ = ~uint64_t(0);
}

LinearCache make_linear_cache(const Tensor& x, Precision p, LinearOptions opts) {
  LinearCache c;
  c.precision = p;
  c.pow2_grad = opts.pow2_grad;
  switch (p) {
    case Precision::FP32: c.x = x; break;
    case Precision::BF16: c.x = x.to(DType::BF16); break;
    case Precision::FP8: c.x_t = quantize_fp8(pad_tokens(x), QuantLayout::Tile128x1, {opts.pow2_input}); break;
  }
  return c;
}

Tensor as_linear_input(const Tensor& x, Precision p, LinearOptions opts) {
  switch (p) {
    case Precision::FP32: return x;
    case Precision::BF16: return x.to(DType::BF16).to(DType::F32);
    case Precision::FP8: return fp8_round_trip(x, QuantLayout::Tile1x128, opts.pow2_input);
  }
  return x;
}

void linear_forward(Tensor& y, const Tensor& x, const LinearWeight& w, Precision p, LinearCache* cache,
                    LinearOptions opts) {
  RLVR_CHECK(x.ndim() == 2 && x.dim(1) == w.in_features(), "model", "linear: input ", x.describe(),
             " does not fit weight ", w.weight.describe());
  if (!y.defined()) y = Tensor::empty({x.dim(0), w.out_features()}, DType::F32, x.device());
  switch (p) {
    case Precision::FP32: gemm(y, x, false, w.weight, true); break;
    case Precision::BF16: gemm(y, x.to(DType::BF16), false, w.bf16(), true); break;
    case Precision::FP8:
      if (round_trips(x))
        gemm(y, fp8_round_trip(x, QuantLayout::Tile1x128, opts.pow2_input), false, w.fp8_values(), true);
      else
        gemm_fp8_tokens(y, x, {opts.pow2_input}, w.fp8_gemm());
      break;
  }
  if (cache) *cache = make_linear_cache(x, p, opts);
}

void linear_backward(Tensor* dx, const Tensor& dy, LinearWeight& w, const LinearCache& cache) {
  if (!w.grad.defined()) w.grad = Tensor::zeros(w.weight.shape(), DType::F32, w.weight.device());
  if (dx && !dx->defined()) *dx = Tensor::empty({dy.dim(0), w.in_features()}, DType::F32, dy.device());
  switch (cache.precision) {
    case Precision::FP32:
      if (dx) gemm(*dx, dy, false, w.weight, false);
      gemm(w.grad, dy, true, cache.x, false, /*accumulate=*/true);
      break;
    case Precision::BF16: {
      const Tensor dyb = dy.to(DType::BF16);
      if (dx) gemm(*dx, dyb, false, w.bf16(), false);
      gemm(w.grad, dyb, true, cache.x, false, /*accumulate=*/true);
      break;
    }
    case Precision::FP8: {
      if (round_trips(dy)) {
        // dx = dy·W, dW += dy^T·x with dy through 1x128 and 128x1 tiles, x's 128x1 tiles stored as X^T.
        if (dx) gemm(*dx, fp8_round_trip(dy, QuantLayout::Tile1x128, cache.pow2_grad), false, w.fp8_values(), false);
        gemm(w.grad, fp8_round_trip(dy, QuantLayout::Tile128x1, cache.pow2_grad), true, dequantize_fp8_stored(cache.x_t),
             true, /*accumulate=*/true);
        break;
      }
      if (dx) gemm_fp8_tokens(*dx, dy, {cache.pow2_grad}, w.fp8_t());
      const QuantizedTensor dyq_t = quantize_fp8(pad_tokens(dy), QuantLayout::Tile128x1, {cache.pow2_grad});
      gemm_fp8(w.grad, dyq_t, cache.x_t, /*accumulate=*/true);
      break;
    }
  }
}

void Gemms::linear(Tensor& y, const Tensor& x, const LinearWeight& w, LinearCache* cache, LinearOptions opts) const {
  if (!decode) {
    linear_forward(y, x, w, precision, cache, opts);
    return;
  }
  RLVR_CHECK(cache == nullptr, "model", "linear: the decode GEMMs keep nothing for backward");
  if (!y.defined()) y = Tensor::empty({x.dim(0), w.out_features()}, DType::F32, x.device());
  switch (precision) {
    case Precision::FP32: gemm_f32_decode(y, x, w.weight); break;
    case Precision::BF16: gemm_bf16_decode(y, x, w.bf16()); break;
    case Precision::FP8: gemm_fp8_decode(y, x, w.fp8(), opts.pow2_input); break;
  }
}

void Gemms::linears(std::span<const Out> outs, const Tensor& x, LinearOptions opts) const {
  const auto rows_of = [&](const Out& o) { return o.row1 < 0 ? x.dim(0) : o.row1; };
  if (!decode || precision != Precision::FP8) {
    for (const Out& o : outs) {
      const bool all = o.row0 == 0 && rows_of(o) == x.dim(0);
      linear(*o.y, all ? x : x.slice_rows(o.row0, rows_of(o)), *o.w, nullptr, opts);
    }
    return;
  }
  std::vector<DecodeProduct> products;
  for (const Out& o : outs) {
    if (!o.y->defined()) *o.y = Tensor::empty({rows_of(o) - o.row0, o.w->out_features()}, DType::F32, x.device());
    products.push_back({o.y, &o.w->fp8(), o.row0, rows_of(o)});
  }
  gemm_fp8_decode_products(products, x, opts.pow2_input);
}

void Gemms::fp32(Tensor& y, const Tensor& x, const Tensor& w) const {
  if (decode)
    gemm_f32_decode(y, x, w);
  else
    gemm(y, x, false, w, true);
}

size_t LinearWeight::copies_bytes() const {
  size_t n = bf16_.defined() ? bf16_.nbytes() : 0;
  for (const QuantizedTensor* q : {&fp8_, &fp8_t_})
    if (q->data.defined()) n += q->nbytes();
  return n;
}

}  // namespace rlvr::model
