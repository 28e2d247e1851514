// CPU vs CUDA for every op on the same seeded random inputs (odd shapes included). Skips
// cleanly without a CUDA device, and reports an op without a CUDA implementation in this build
// as unsupported (a skip naming it), apart from a wrong result (a failure).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/ops.h"
#include "kernels/quantize.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

using Dims = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;

// Builds the inputs on the CPU from the seed, runs the op on `dev`, returns the outputs on the CPU.
using DeviceRun = std::function<Tensors(const Dims&, Rng&, Device)>;

struct CrossOp {
  const char* op;
  std::vector<Dims> shapes;
  DeviceRun run;
  double atol, rtol;  // float outputs; i32 outputs must match exactly
};

Tensor on(Device dev, const Tensor& t) { return t.to(dev); }
Tensor out(Device dev, const Shape& s, DType dt = DType::F32) { return Tensor::zeros(s, dt, dev); }
Tensor rand_f32(Rng& rng, const Shape& s, double lo = -2, double hi = 2) { return f32(s, rng.floats(shape_numel(s), lo, hi)); }
Tensors to_cpu(Tensors ts) {
  for (Tensor& t : ts) t = t.to(Device::CPU);
  return ts;
}

// Values whose magnitude changes by powers of two from one 128-wide tile (and row) to the next,
// so a scale read from the wrong place gives O(1) errors, never a near miss.
Tensor tile_scaled(Rng& rng, int64_t R, int64_t C) {
  Vec v = rng.floats(R * C);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) v[size_t(r * C + c)] = std::ldexp(v[size_t(r * C + c)], int((r * 5 + c / 128 * 3) % 7) - 3);
  return f32({R, C}, v);
}

// The bytes of a (CPU-copied) E4M3 tensor as I32 values, so NaN encodings compare exactly.
Tensor bytes_as_i32(const Tensor& t) {
  const Tensor c = t.to(Device::CPU);
  const auto* b = static_cast<const uint8_t*>(c.raw());
  std::vector<int32_t> v(b, b + c.numel());
  return i32(c.shape(), v);
}

// tile_scaled with NaN and +-inf planted in a few rows: the quantizers' amax must treat them as
// the CPU does (NaN tile: scale 1; inf: the largest float scale).
Tensor with_non_finite(Rng& rng, int64_t R, int64_t C) {
  std::vector<float> v = tile_scaled(rng, R, C).to_floats();
  for (int64_t r = 0; r < R; r += 3) v[size_t(r * C + (r * 7) % C)] = r % 2 ? NAN : (r % 4 ? -INFINITY : INFINITY);
  return f32({R, C}, Vec(v.begin(), v.end()));
}

// y (+)= op(a) op(b) for f32 or bf16 operands; dims {M, N, K, trans_a, trans_b, accumulate}.
Tensors run_gemm(const Dims& d, Rng& rng, Device dev, DType dt) {
  const int64_t M = d[0], N = d[1], K = d[2];
  const bool ta = d[3] != 0, tb = d[4] != 0, acc = d[5] != 0;
  const Tensor a = rand_f32(rng, ta ? Shape{K, M} : Shape{M, K}).to(dt), b = rand_f32(rng, tb ? Shape{N, K} : Shape{K, N}).to(dt);
  Tensor y = on(dev, rand_f32(rng, {M, N}));
  gemm(y, on(dev, a), ta, on(dev, b), tb, acc);
  return to_cpu({y});
}

// The three FP8 GEMMs of a Linear layer from X [T, Cin], W [Cout, Cin], dY [T, Cout];
// dims {T, Cin, Cout, bf16 output}. Quantized on `dev` (bit-identical on both, test_quantize_cuda).
Tensors run_fp8_linear(const Dims& d, Rng& rng, Device dev) {
  const int64_t T = d[0], Cin = d[1], Cout = d[2];
  const DType out_type = d[3] ? DType::BF16 : DType::F32;
  const Tensor x = on(dev, tile_scaled(rng, T, Cin)), w = on(dev, tile_scaled(rng, Cout, Cin));
  const Tensor dy = on(dev, tile_scaled(rng, T, Cout));
  const QuantizedTensor xq = quantize_fp8(x, QuantLayout::Tile1x128), wq = quantize_fp8(w, QuantLayout::Block128x128);
  const QuantizedTensor dyq = quantize_fp8(dy, QuantLayout::Tile1x128);
  const QuantizedTensor dyt = quantize_fp8(dy, QuantLayout::Tile128x1), xt = quantize_fp8(x, QuantLayout::Tile128x1);
  Tensor y = Tensor::zeros({T, Cout}, out_type, dev), dx = Tensor::zeros({T, Cin}, out_type, dev);
  Tensor dw = Tensor::zeros({Cout, Cin}, out_type, dev);
  gemm_fp8(y, xq, wq);                        // fprop  Y  = X W^T:  1x128 x 128x128
  gemm_fp8(dx, dyq, transpose_blocks(wq));    // dgrad  dX = dY W:   1x128 x 128x128 (W^T)
  gemm_fp8(dw, dyt, xt);                      // wgrad  dW = dY^T X: 128x1 x 128x1
  gemm_fp8(dw, dyt, xt, /*accumulate=*/true);  // twice: 2 dW
  return to_cpu({y, dx, dw});
}

// Tolerances: the CUDA kernels may sum in another order and use CUDA's expf (2 ulp), so
// elementwise ops get a few float ulp, reductions over a row ~1e-5 relative. GEMMs: cuBLASLt
// sums K products in another order (|y| ~ sqrt(K) * 2 here, so 1e-4 absolute); the FP8 ones
// also apply the scales per 128-block instead of to each dequantized element (1e-4 relative),
// and with BF16 output a last-bit difference can flip one BF16 rounding (2^-8 relative).
const std::vector<CrossOp>& cross_table() {
  static const std::vector<CrossOp> table = {
      {"embedding", {{1, 1, 1}, {33, 50, 130}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor tokens = i32({d[0]}, rng.ints(d[0], 0, int32_t(d[1] - 1))), table = rand_f32(rng, {d[1], d[2]});
         Tensor o = out(dev, {d[0], d[2]}), dtable = out(dev, {d[1], d[2]});
         embedding_forward(o, on(dev, tokens), on(dev, table));
         embedding_backward(dtable, on(dev, o), on(dev, tokens));
         return to_cpu({o, dtable});
       },
       1e-6, 1e-6},
      {"rmsnorm", {{1, 1}, {5, 7}, {33, 130}, {4, 4096}, {3, 7168}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor x = on(dev, rand_f32(rng, {d[0], d[1]})), w = on(dev, rand_f32(rng, {d[1]}));
         const Tensor dout = on(dev, rand_f32(rng, {d[0], d[1]}));
         Tensor o = out(dev, {d[0], d[1]}), rstd = out(dev, {d[0]}), dx = out(dev, {d[0], d[1]}), dw = out(dev, {d[1]});
         rmsnorm_forward(o, rstd, x, w, 1e-6f);
         rmsnorm_backward(dx, dw, dout, x, w, rstd);
         return to_cpu({o, rstd, dx, dw});
       },
       1e-5, 1e-5},
      {"rope", {{1, 1, 2}, {33, 4, 128}, {5, 3, 130}},
       [](const Dims& d, Rng& rng, Device dev) {
         Tensor x = on(dev, rand_f32(rng, {d[0], d[1] * d[2]}));
         const Tensor pos = on(dev, i32({d[0]}, rng.ints(d[0], 0, 4000)));
         rope_forward(x, pos, int(d[2]), 1e6f);
         Tensor dx = x.clone();
         rope_backward(dx, pos, int(d[2]), 1e6f);
         return to_cpu({x, dx});
       },
       1e-5, 1e-5},
      {"attention",
       // several key tiles with a partial last one; head_dim 256 needs over 48 KB of shared memory;
       // a chunk of queries after a 40-token prefix (q_offset), as in chunked prefill
       {{1, 1, 1, 1, 1, 0}, {5, 5, 4, 2, 7, 0}, {33, 33, 4, 4, 64, 0}, {1, 17, 4, 1, 128, 16}, {100, 100, 8, 2, 128, 0},
        {7, 47, 4, 2, 256, 40}},
       [](const Dims& d, Rng& rng, Device dev) {
         const int64_t T = d[0], S = d[1], Hq = d[2], Hkv = d[3], D = d[4];
         const Tensor q = on(dev, rand_f32(rng, {T, Hq * D})), k = on(dev, rand_f32(rng, {S, Hkv * D}));
         const Tensor v = on(dev, rand_f32(rng, {S, Hkv * D})), dout = on(dev, rand_f32(rng, {T, Hq * D}));
         Tensor o = out(dev, {T, Hq * D}), lse = out(dev, {Hq, T});
         Tensor dq = out(dev, {T, Hq * D}), dk = out(dev, {S, Hkv * D}), dv = out(dev, {S, Hkv * D});
         const float scale = float(1.0 / std::sqrt(double(D)));
         attention_forward(o, lse, q, k, v, int(Hq), int(Hkv), scale, d[5]);
         attention_backward(dq, dk, dv, dout, o, lse, q, k, v, int(Hq), int(Hkv), scale, d[5]);
         return to_cpu({o, lse, dq, dk, dv});
       },
       2e-5, 1e-4},
      {"add_inplace and f32 <-> bf16", {{1, 1}, {33, 130}},
       [](const Dims& d, Rng& rng, Device dev) {
         Tensor a = on(dev, rand_f32(rng, {d[0], d[1]}));
         add_inplace(a, on(dev, rand_f32(rng, {d[0], d[1]})));
         const Tensor b = a.to(DType::BF16);
         Tensor copy = out(dev, {d[0], d[1]});
         copy.copy_(b.to(DType::F32));
         return to_cpu({a, copy});
       },
       0, 0},
      {"swiglu", {{1, 1}, {33, 130}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor g = on(dev, rand_f32(rng, {d[0], d[1]}, -8, 8)), u = on(dev, rand_f32(rng, {d[0], d[1]}));
         Tensor o = out(dev, {d[0], d[1]}), dg = out(dev, {d[0], d[1]}), du = out(dev, {d[0], d[1]});
         swiglu_forward(o, g, u);
         swiglu_backward(dg, du, o, g, u);
         return to_cpu({o, dg, du});
       },
       1e-6, 1e-5},
      {"softmax family", {{1, 1}, {5, 7}, {33, 128}, {3, 30000}, {2, 151936}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor x = on(dev, rand_f32(rng, {d[0], d[1]}, -10, 10));
         const Tensor tg = on(dev, i32({d[0]}, rng.ints(d[0], 0, int32_t(d[1] - 1))));
         const Tensor dlogp = on(dev, rand_f32(rng, {d[0]}));
         Tensor p = out(dev, {d[0], d[1]}), logp = out(dev, {d[0]}), lse = out(dev, {d[0]}), ent = out(dev, {d[0]});
         Tensor dx = out(dev, {d[0], d[1]});
         softmax_forward(p, x);
         log_softmax_gather(logp, lse, x, tg);
         log_softmax_gather_backward(dx, dlogp, x, lse, tg);
         softmax_entropy(ent, x, lse);
         return to_cpu({p, logp, lse, dx, ent});
       },
       1e-5, 1e-5},
      {"moe", {{1, 1, 1, 1, 1}, {33, 8, 2, 4, 130}, {5, 64, 6, 16, 7}, {300, 32, 8, 4, 64}},
       [](const Dims& d, Rng& rng, Device dev) {
         const int64_t T = d[0], E = d[1], C = d[4];
         const RoutingConfig cfg{int(d[2]), E > 8 ? RouterScoring::Sigmoid : RouterScoring::Softmax, true, 1.5f};
         const Tensor logits = on(dev, rand_f32(rng, {T, E}, -3, 3)), bias = on(dev, rand_f32(rng, {E}, -0.1, 0.1));
         Tensor ids = out(dev, {T, cfg.top_k}, DType::I32), gates = out(dev, {T, cfg.top_k}), scores = out(dev, {T, E});
         topk_route(ids, gates, scores, logits, bias, cfg);
         Tensor dlogits = out(dev, {T, E}), load = out(dev, {E}, DType::I32);
         topk_route_backward(dlogits, gates, ids, scores, cfg);
         expert_load(load, ids);
         const Permutation p = make_permutation(ids, int(E), int(d[3]));
         const Tensor x = on(dev, rand_f32(rng, {T, C}));
         Tensor rows = out(dev, {p.n_rows(), C}), y = out(dev, {T, C}), dx = out(dev, {T, C});
         Tensor drows = out(dev, {p.n_rows(), C}), dgates = out(dev, {T, cfg.top_k});
         permute_rows(rows, x, p);
         unpermute_combine(y, rows, gates, p);
         unpermute_combine_backward(drows, dgates, y, rows, gates, p);
         permute_rows_backward(dx, drows, p);
         return to_cpu({ids, gates, scores, dlogits, load, p.row_of_slot, p.token_of_row, rows, y, drows, dgates, dx});
       },
       1e-5, 1e-5},
      {"sample_tokens", {{1, 1}, {8, 130}, {4, 151936}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor logits = on(dev, rand_f32(rng, {d[0], d[1]}, -5, 5));
         std::vector<uint64_t> streams, counters;
         for (int64_t b = 0; b < d[0]; ++b) {
           streams.push_back(uint64_t(b));
           counters.push_back(uint64_t(b) * 5 + 1);
         }
         Tensors outs;
         for (const SamplingParams& sp : {SamplingParams{1.0f, 0, 1.0f, 3}, SamplingParams{0.7f, 50, 0.9f, 3},
                                          SamplingParams{0.0f, 0, 1.0f, 3}}) {
           Tensor tokens = out(dev, {d[0]}, DType::I32), logprobs = out(dev, {d[0]});
           sample_tokens(tokens, logprobs, logits, sp, streams, counters);
           outs.push_back(tokens);
           outs.push_back(logprobs);
         }
         return to_cpu(outs);
       },
       1e-5, 1e-5},
      {"gemm f32", {{1, 1, 1, 0, 0, 0}, {5, 7, 3, 1, 0, 1}, {33, 17, 130, 0, 1, 0}, {64, 48, 300, 1, 1, 1}},
       [](const Dims& d, Rng& rng, Device dev) { return run_gemm(d, rng, dev, DType::F32); },
       2e-4, 1e-4},
      {"gemm bf16", {{1, 1, 1, 0, 0, 0}, {5, 7, 3, 1, 0, 1}, {33, 17, 130, 0, 1, 0}, {64, 48, 300, 1, 1, 1}},
       [](const Dims& d, Rng& rng, Device dev) { return run_gemm(d, rng, dev, DType::BF16); },
       2e-4, 1e-4},
      // T and the row counts of tile-scaled operands are multiples of 4, K multiples of 16
      // (cuBLASLt's rules); Cin = 656 has a partial last K block, Cout = 208 a partial weight block.
      {"fp8 linear f32 out", {{16, 128, 16, 0}, {48, 656, 208, 0}, {256, 256, 384, 0}, {20, 144, 136, 0}},
       [](const Dims& d, Rng& rng, Device dev) { return run_fp8_linear(d, rng, dev); },
       1e-3, 1e-4},
      {"fp8 linear bf16 out", {{48, 656, 208, 1}},
       [](const Dims& d, Rng& rng, Device dev) { return run_fp8_linear(d, rng, dev); },
       1e-2, 8e-3},
      {"fp8 quantize and dequantize", {{1, 1}, {5, 7}, {130, 257}, {300, 200}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor x = on(dev, tile_scaled(rng, d[0], d[1]));
         Tensors outs;
         for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128})
           for (bool pow2 : {false, true}) {
             const QuantizedTensor q = quantize_fp8(x, l, {pow2});
             outs.insert(outs.end(), {q.data, q.scales, dequantize_fp8(q), dequantize_fp8_stored(q)});
             if (l == QuantLayout::Block128x128) {
               const QuantizedTensor t = transpose_blocks(q);
               outs.insert(outs.end(), {t.data, t.scales});
             }
           }
         return to_cpu(outs);
       },
       0, 0},  // bit for bit: the same formula, IEEE division and E4M3 rounding on both
      // Operands and output that start mid-allocation (slice_rows views): cuBLASLt must be told
      // the real pointer alignment (4 bytes here), not the 256 its heuristic assumes.
      {"gemm f32 row views", {{5, 7, 3, 1}, {33, 17, 130, 3}},
       [](const Dims& d, Rng& rng, Device dev) {
         const int64_t M = d[0], N = d[1], K = d[2], off = d[3];
         const Tensor a = on(dev, rand_f32(rng, {M + off, K})), b = on(dev, rand_f32(rng, {N + off, K}));
         Tensor ybuf = on(dev, rand_f32(rng, {M + off, N}));
         Tensor y = ybuf.slice_rows(off, off + M);
         gemm(y, a.slice_rows(off, off + M), false, b.slice_rows(off, off + N), true, /*accumulate=*/true);
         return to_cpu({ybuf});
       },
       2e-4, 1e-4},
      {"fp8 quantize non-finite", {{7, 130}, {130, 257}},
       [](const Dims& d, Rng& rng, Device dev) {
         const Tensor x = on(dev, with_non_finite(rng, d[0], d[1]));
         Tensors outs;
         for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128}) {
           const QuantizedTensor q = quantize_fp8(x, l);
           outs.insert(outs.end(), {bytes_as_i32(q.data), q.scales});
         }
         return to_cpu(outs);
       },
       0, 0},
      {"adamw", {{1}, {130}, {100000}},
       [](const Dims& d, Rng& rng, Device dev) {
         Tensor w = on(dev, rand_f32(rng, {d[0]})), m = on(dev, Tensor::zeros({d[0]}, DType::BF16));
         Tensor v = on(dev, Tensor::zeros({d[0]}, DType::BF16));
         for (int64_t s = 1; s <= 3; ++s)
           adamw_step(w, on(dev, rand_f32(rng, {d[0]})), m, v, AdamWParams{1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, s});
         return to_cpu({w, m, v});
       },
       1e-6, 1e-5},
  };
  return table;
}

struct Case { const CrossOp* op; Dims dims; };

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.op->op;
  for (int64_t d : c.dims) *os << " " << d;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const CrossOp& op : cross_table())
    for (const Dims& d : op.shapes) cases.push_back({&op, d});
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.op->op;
  for (int64_t d : info.param.dims) name += "_" + std::to_string(d);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class CrossBackend : public ::testing::TestWithParam<Case> {};

TEST_P(CrossBackend, CudaMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend): CPU only";
  const Case& c = GetParam();
  const uint64_t seed = 77 + uint64_t(c.dims[0]);
  Rng cpu_rng(seed), cuda_rng(seed);
  const Tensors want = c.op->run(c.dims, cpu_rng, Device::CPU);
  Tensors got;
  try {
    got = c.op->run(c.dims, cuda_rng, Device::CUDA);
  } catch (const Error& e) {
    if (std::string(e.what()).find("has no CUDA implementation") != std::string::npos)
      GTEST_SKIP() << "unsupported: " << e.what();
    throw;
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i) + " " + want[i].describe());
    ASSERT_EQ(got[i].shape(), want[i].shape());
    const bool exact = want[i].dtype() == DType::I32;
    EXPECT_TRUE(all_close("cuda vs cpu", to_vec(want[i]), to_vec(got[i]), exact ? 0 : c.op->atol, exact ? 0 : c.op->rtol));
  }
}

INSTANTIATE_TEST_SUITE_P(Table, CrossBackend, ::testing::ValuesIn(all_cases()), case_name);

// The same table on the CPU twice: each run is deterministic, so the scaffold itself is sound
// even on machines where the CUDA half skips.
TEST(CrossBackendScaffold, CpuRunsAreDeterministic) {
  for (const CrossOp& op : cross_table()) {
    const Dims& d = op.shapes.back();
    if (op.op == std::string("sample_tokens") && d[1] > 10000) continue;  // keep the suite fast
    Rng a(5), b(5);
    const Tensors x = op.run(d, a, Device::CPU), y = op.run(d, b, Device::CPU);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(all_close(std::string(op.op) + " output " + std::to_string(i), to_vec(x[i]), to_vec(y[i]), 0, 0));
  }
}

}  // namespace
}  // namespace rlvr::test
