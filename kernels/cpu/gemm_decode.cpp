// Public decode GEMMs (kernels/gemm_decode.h): argument checks, activation preparation (BF16
// rounding or online 1x128 FP8 quantization), the fp8 scale factors, and the ISA dispatch.
#include <vector>

#include "kernels/cpu/gemm_decode_cpu.h"
#include "kernels/fp_codec.h"
#include "kernels/gemm_decode.h"

namespace rlvr {

const char* cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Best: return cpu_isa_name(cpu_isa_best());
    case CpuIsa::Scalar: return "scalar";
    case CpuIsa::Avx2: return "avx2";
    case CpuIsa::Avx512: return "avx512";
  }
  return "?";
}

bool cpu_isa_supported(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Best:
    case CpuIsa::Scalar: return true;
    case CpuIsa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CpuIsa::Avx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl");
  }
  return false;
}

CpuIsa cpu_isa_best() {
  static const CpuIsa best = cpu_isa_supported(CpuIsa::Avx512) ? CpuIsa::Avx512
                             : cpu_isa_supported(CpuIsa::Avx2) ? CpuIsa::Avx2
                                                               : CpuIsa::Scalar;
  return best;
}

namespace {

void run(const cpu::DecodeGemmArgs* args, int64_t count, CpuIsa isa) {
  if (isa == CpuIsa::Best) isa = cpu_isa_best();
  RLVR_CHECK(cpu_isa_supported(isa), "kernels", "decode gemm: this CPU lacks ", cpu_isa_name(isa));
  switch (isa) {
    case CpuIsa::Avx512: cpu::decode_gemm_avx512(args, count); break;
    case CpuIsa::Avx2: cpu::decode_gemm_avx2(args, count); break;
    default: cpu::decode_gemm_scalar(args, count); break;
  }
}

void run(const cpu::DecodeGemmArgs& a, CpuIsa isa) { run(&a, 1, isa); }

void check_common(const char* op, const Tensor& y, const Tensor& x, int64_t N, int64_t K) {
  check_cpu(op, y, "y");
  check_cpu(op, x, "x");
  check_ndim(op, x, "x", 2);
  check_dtype(op, x, "x", DType::F32);
  check_dtype(op, y, "y", DType::F32);
  RLVR_CHECK(x.dim(1) == K, "kernels", op, ": x ", x.describe(), " has K = ", x.dim(1), ", the weights K = ", K);
  check_shape(op, y, "y", {x.dim(0), N});
}

}  // namespace

void gemm_fp8_decode(Tensor& y, const Tensor& x, const QuantizedTensor& w, bool pow2_x, CpuIsa isa) {
  const DecodeProduct p{&y, &w, 0, x.dim(0)};
  gemm_fp8_decode_products({&p, 1}, x, pow2_x, isa);
}

void gemm_fp8_decode_products(std::span<const DecodeProduct> products, const Tensor& x, bool pow2_x, CpuIsa isa) {
  const char* op = "gemm_fp8_decode";
  if (products.empty()) return;
  check_cpu(op, x, "x");
  check_ndim(op, x, "x", 2);
  for (const DecodeProduct& p : products) {
    const QuantizedTensor& w = *p.w;
    RLVR_CHECK(w.layout == QuantLayout::Block128x128, "kernels", op, ": weights must be 128x128 blocks, got ",
               quant_layout_name(w.layout));
    check_cpu(op, w.data, "w.data");
    RLVR_CHECK(0 <= p.row0 && p.row0 <= p.row1 && p.row1 <= x.dim(0), "kernels", op, ": rows [", p.row0, ", ",
               p.row1, ") of x ", x.describe());
    check_common(op, *p.y, x.slice_rows(p.row0, p.row1), w.rows, w.cols);
  }
  const int64_t M = x.dim(0), K = x.dim(1);
  if (M == 0) return;
  // x's 1x128 tiles are per row: quantizing all rows once gives every product its rows' bits.
  const QuantizedTensor xq = quantize_fp8(x, QuantLayout::Tile1x128, {pow2_x});
  const int64_t Kb = ceil_div(K, kQuantTile), ld = block_scale_ld(K);
  std::vector<float> xa(size_t(M * K));
  const uint8_t* xb = static_cast<const uint8_t*>(xq.data.raw());
  for (int64_t i = 0; i < M * K; ++i) xa[size_t(i)] = e4m3_bits_to_float(xb[i]) * cpu::kE4M3RawScale;
  const float* sx = xq.scales.data<float>();  // [Kb][M]
  std::vector<std::vector<float>> facs(products.size());
  std::vector<cpu::DecodeGemmArgs> args;
  for (size_t i = 0; i < products.size(); ++i) {
    const DecodeProduct& p = products[i];
    const int64_t N = p.w->rows, Nb = ceil_div(N, kQuantTile), Mp = p.row1 - p.row0;
    if (N == 0 || Mp == 0) continue;
    std::vector<float>& fac = facs[i];
    fac.resize(size_t(Nb * Mp * Kb));
    const float* sw = p.w->scales.data<float>();  // [Nb][ld]
    for (int64_t nb = 0; nb < Nb; ++nb)
      for (int64_t m = 0; m < Mp; ++m)
        for (int64_t kb = 0; kb < Kb; ++kb)
          fac[size_t((nb * Mp + m) * Kb + kb)] =
              float(double(sx[kb * M + p.row0 + m]) * double(sw[nb * ld + kb]) * double(cpu::kE4M3RawScale));
    cpu::DecodeGemmArgs a;
    a.M = Mp, a.N = N, a.K = K, a.x = xa.data() + p.row0 * K, a.ldx = K, a.w = p.w->data.raw();
    a.format = cpu::DecodeWeights::E4M3, a.fac = fac.data(), a.y = p.y->data<float>();
    args.push_back(a);
  }
  run(args.data(), int64_t(args.size()), isa);
}

void gemm_bf16_decode(Tensor& y, const Tensor& x, const Tensor& w, CpuIsa isa) {
  check_cpu("gemm_bf16_decode", w, "w");
  check_ndim("gemm_bf16_decode", w, "w", 2);
  check_dtype("gemm_bf16_decode", w, "w", DType::BF16);
  check_common("gemm_bf16_decode", y, x, w.dim(0), w.dim(1));
  const int64_t M = x.dim(0), K = x.dim(1);
  std::vector<float> xa(size_t(M * K));
  const float* xp = x.data<float>();
  for (int64_t i = 0; i < M * K; ++i) xa[size_t(i)] = round_bf16(xp[i]);
  cpu::DecodeGemmArgs a;
  a.M = M, a.N = w.dim(0), a.K = K, a.x = xa.data(), a.ldx = K, a.w = w.raw(), a.format = cpu::DecodeWeights::BF16;
  a.y = y.data<float>();
  run(a, isa);
}

void gemm_f32_decode(Tensor& y, const Tensor& x, const Tensor& w, CpuIsa isa) {
  check_cpu("gemm_f32_decode", w, "w");
  check_ndim("gemm_f32_decode", w, "w", 2);
  check_dtype("gemm_f32_decode", w, "w", DType::F32);
  check_common("gemm_f32_decode", y, x, w.dim(0), w.dim(1));
  cpu::DecodeGemmArgs a;
  a.M = x.dim(0), a.N = w.dim(0), a.K = x.dim(1), a.x = x.data<float>(), a.ldx = x.dim(1), a.w = w.raw();
  a.format = cpu::DecodeWeights::F32, a.y = y.data<float>();
  run(a, isa);
}

}  // namespace rlvr
