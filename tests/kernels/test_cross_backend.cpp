// CPU vs CUDA for every op of kernels/backend_ops.h on the same seeded random inputs (odd shapes
// included). Every output the table allocates is guarded (tests/kernels/guarded_outputs.h): the
// CPU half of each row runs and has its guards checked everywhere; the CUDA half, its guards and
// the comparison skip cleanly without a CUDA device. A test fails for a list entry no row names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "kernels/backend_ops.h"
#include "kernels/gemm.h"
#include "kernels/ops.h"
#include "kernels/quantize.h"
#include "tests/kernels/guarded_outputs.h"
#include "tests/kernels/op_test_util.h"

namespace rlvr::test {
namespace {

using Dims = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;

// Builds the inputs on the CPU from the seed, runs the ops on r.dev() with outputs from r.out,
// returns the outputs on the CPU.
using DeviceRun = std::function<Tensors(const Dims&, Rng&, GuardedRun& r)>;

struct CrossOp {
  const char* op;
  std::vector<std::string> covers;  // the entries of kernels/backend_ops.h the row runs
  std::vector<Dims> shapes;
  DeviceRun run;
  double atol, rtol;  // float outputs; i32 outputs must match exactly
};

Tensor rand_f32(Rng& rng, const Shape& s, double lo = -2, double hi = 2) { return f32(s, rng.floats(shape_numel(s), lo, hi)); }
Tensors to_cpu(Tensors ts) {
  for (Tensor& t : ts) t = t.to(Device::CPU);
  return ts;
}

// The bits of a (CPU-copied) F32 tensor as I32 values, so NaN outputs compare exactly.
Tensor f32_bits_as_i32(const Tensor& t) {
  const Tensor c = t.to(Device::CPU);
  const auto* b = static_cast<const int32_t*>(c.raw());
  return i32(c.shape(), std::vector<int32_t>(b, b + c.numel()));
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
Tensors run_gemm(const Dims& d, Rng& rng, GuardedRun& r, DType dt) {
  const int64_t M = d[0], N = d[1], K = d[2];
  const bool ta = d[3] != 0, tb = d[4] != 0, acc = d[5] != 0;
  const Tensor a = rand_f32(rng, ta ? Shape{K, M} : Shape{M, K}).to(dt), b = rand_f32(rng, tb ? Shape{N, K} : Shape{K, N}).to(dt);
  Tensor y = r.inout(rand_f32(rng, {M, N}));
  gemm(y, r.on(a), ta, r.on(b), tb, acc);
  return to_cpu({y});
}

// The three FP8 GEMMs of a Linear layer from X [T, Cin], W [Cout, Cin], dY [T, Cout];
// dims {T, Cin, Cout, bf16 output}. Quantized on r.dev() (bit-identical on both, test_quantize_cuda).
Tensors run_fp8_linear(const Dims& d, Rng& rng, GuardedRun& r) {
  const int64_t T = d[0], Cin = d[1], Cout = d[2];
  const DType out_type = d[3] ? DType::BF16 : DType::F32;
  const Tensor x = r.on(tile_scaled(rng, T, Cin)), w = r.on(tile_scaled(rng, Cout, Cin));
  const Tensor dy = r.on(tile_scaled(rng, T, Cout));
  const QuantizedTensor xq = quantize_fp8(x, QuantLayout::Tile1x128), wq = quantize_fp8(w, QuantLayout::Block128x128);
  const QuantizedTensor dyq = quantize_fp8(dy, QuantLayout::Tile1x128);
  const QuantizedTensor dyt = quantize_fp8(dy, QuantLayout::Tile128x1), xt = quantize_fp8(x, QuantLayout::Tile128x1);
  Tensor y = r.out({T, Cout}, out_type), dx = r.out({T, Cin}, out_type), dw = r.out({Cout, Cin}, out_type);
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
      {"embedding", {"embedding_forward", "embedding_backward"}, {{1, 1, 1}, {33, 50, 130}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor tokens = i32({d[0]}, rng.ints(d[0], 0, int32_t(d[1] - 1))), table = rand_f32(rng, {d[1], d[2]});
         Tensor o = r.out({d[0], d[2]}), dtable = r.out({d[1], d[2]});
         embedding_forward(o, r.on(tokens), r.on(table));
         embedding_backward(dtable, r.on(o), r.on(tokens));
         return to_cpu({o, dtable});
       },
       1e-6, 1e-6},
      {"rmsnorm", {"rmsnorm_forward", "rmsnorm_backward"}, {{1, 1}, {5, 7}, {33, 130}, {4, 4096}, {3, 7168}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(rand_f32(rng, {d[0], d[1]})), w = r.on(rand_f32(rng, {d[1]}));
         const Tensor dout = r.on(rand_f32(rng, {d[0], d[1]}));
         Tensor o = r.out({d[0], d[1]}), rstd = r.out({d[0]}), dx = r.out({d[0], d[1]}), dw = r.out({d[1]});
         rmsnorm_forward(o, rstd, x, w, 1e-6f);
         rmsnorm_backward(dx, dw, dout, x, w, rstd);
         return to_cpu({o, rstd, dx, dw});
       },
       1e-5, 1e-5},
      // dweight over many rows (q/k-norm shaped: one head wide), which CUDA reduces across
      // blocks in double: the CPU adds the rows one by one in float, so its own rounding walks
      // about sqrt(N) half-ulps of partial sums near sqrt(N): 5e-4 absolute at N = 3000.
      {"rmsnorm dweight, many rows", {"rmsnorm_backward"}, {{3000, 128}, {1030, 7}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(rand_f32(rng, {d[0], d[1]})), w = r.on(rand_f32(rng, {d[1]}));
         const Tensor dout = r.on(rand_f32(rng, {d[0], d[1]})), rstd = r.on(rand_f32(rng, {d[0]}, 0.5, 1.5));
         Tensor dx = r.out({d[0], d[1]}), dw = r.inout(rand_f32(rng, {d[1]}));
         rmsnorm_backward(dx, dw, dout, x, w, rstd);
         return to_cpu({dw});
       },
       5e-4, 1e-5},
      // dims {T, H, D, interleaved, YaRN-like: frequencies scaled per pair and cos/sin by 1.3}
      {"rope", {"rope_forward", "rope_backward"}, {{1, 1, 2, 0, 0}, {33, 4, 128, 0, 0}, {5, 3, 130, 1, 0}, {9, 2, 64, 1, 1}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         Tensor x = r.inout(rand_f32(rng, {d[0], d[1] * d[2]}));
         const Tensor pos = r.on(i32({d[0]}, rng.ints(d[0], 0, 4000)));
         RopeParams p{int(d[2]), rope_inv_freq(int(d[2]), 1e6f), d[4] ? 1.3f : 1.0f, d[3] != 0};
         if (d[4])
           for (size_t i = 0; i < p.inv_freq.size(); ++i) p.inv_freq[i] /= 1.0f + float(i % 5);
         rope_forward(x, pos, p);
         Tensor dx = r.inout(x);
         rope_backward(dx, pos, p);
         return to_cpu({x, dx});
       },
       1e-5, 1e-5},
      {"attention", {"attention_forward", "attention_backward"},
       // several key tiles with a partial last one; head_dim 256 needs over 48 KB of shared memory;
       // a chunk of queries after a 40-token prefix (q_offset), as in chunked prefill
       {{1, 1, 1, 1, 1, 0}, {5, 5, 4, 2, 7, 0}, {33, 33, 4, 4, 64, 0}, {1, 17, 4, 1, 128, 16}, {100, 100, 8, 2, 128, 0},
        {7, 47, 4, 2, 256, 40}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const int64_t T = d[0], S = d[1], Hq = d[2], Hkv = d[3], D = d[4];
         const Tensor q = r.on(rand_f32(rng, {T, Hq * D})), k = r.on(rand_f32(rng, {S, Hkv * D}));
         const Tensor v = r.on(rand_f32(rng, {S, Hkv * D})), dout = r.on(rand_f32(rng, {T, Hq * D}));
         Tensor o = r.out({T, Hq * D}), lse = r.out({Hq, T});
         Tensor dq = r.out({T, Hq * D}), dk = r.out({S, Hkv * D}), dv = r.out({S, Hkv * D});
         const float scale = float(1.0 / std::sqrt(double(D)));
         attention_forward(o, lse, q, k, v, int(Hq), int(Hkv), scale, d[5]);
         attention_backward(dq, dk, dv, dout, o, lse, q, k, v, int(Hq), int(Hkv), scale, d[5]);
         return to_cpu({o, lse, dq, dk, dv});
       },
       2e-5, 1e-4},
      {"add_inplace and f32 <-> bf16", {"add_inplace", "convert_dtype"}, {{1, 1}, {33, 130}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         Tensor a = r.inout(rand_f32(rng, {d[0], d[1]}));
         add_inplace(a, r.on(rand_f32(rng, {d[0], d[1]})));
         const Tensor b = a.to(DType::BF16);
         Tensor copy = r.out({d[0], d[1]});
         copy.copy_(b.to(DType::F32));
         return to_cpu({a, copy});
       },
       0, 0},
      // dims {R, src width, dst width, src column, dst column, columns}: a copy, then an accumulation
      {"copy_columns", {"copy_columns"}, {{1, 1, 1, 0, 0, 1}, {33, 48, 130, 16, 100, 30}, {300, 7, 5, 2, 0, 5}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor src = r.on(rand_f32(rng, {d[0], d[1]}));
         Tensor dst = r.inout(rand_f32(rng, {d[0], d[2]})), acc = r.inout(rand_f32(rng, {d[0], d[2]}));
         copy_columns(dst, d[4], src, d[3], d[5]);
         copy_columns(acc, d[4], src, d[3], d[5], /*accumulate=*/true);
         return to_cpu({dst, acc});
       },
       0, 0},
      // sum_squares adds in double, in another order on CUDA (per-block partial sums): the
      // difference is far below the float it is compared as. Scaling is one IEEE multiply.
      // The list form: a and 70 tensors of odd lengths (two launches' worth on CUDA).
      {"scale_inplace and sum_squares", {"scale_inplace", "sum_squares"}, {{1}, {4097}, {1000003}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         Tensor a = r.inout(rand_f32(rng, {d[0]}));
         scale_inplace(a, -0.37f);
         Tensors more;
         for (int64_t i = 0; i < 70; ++i) more.push_back(r.on(rand_f32(rng, {1 + (i * 37) % 200})));
         std::vector<const Tensor*> list{&a};
         for (const Tensor& t : more) list.push_back(&t);
         const Tensor sum = Tensor::from_floats({2}, {float(sum_squares(a)), float(sum_squares(list))});
         return to_cpu({a, sum});
       },
       0, 1e-6},
      {"swiglu", {"swiglu_forward", "swiglu_backward"}, {{1, 1}, {33, 130}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor g = r.on(rand_f32(rng, {d[0], d[1]}, -8, 8)), u = r.on(rand_f32(rng, {d[0], d[1]}));
         Tensor o = r.out({d[0], d[1]}), dg = r.out({d[0], d[1]}), du = r.out({d[0], d[1]});
         swiglu_forward(o, g, u);
         swiglu_backward(dg, du, o, g, u);
         return to_cpu({o, dg, du});
       },
       1e-6, 1e-5},
      {"softmax family",
       {"softmax_forward", "log_softmax_gather", "log_softmax_gather_backward", "softmax_entropy"},
       {{1, 1}, {5, 7}, {33, 128}, {3, 30000}, {2, 151936}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(rand_f32(rng, {d[0], d[1]}, -10, 10));
         const Tensor tg = r.on(i32({d[0]}, rng.ints(d[0], 0, int32_t(d[1] - 1))));
         const Tensor dlogp = r.on(rand_f32(rng, {d[0]}));
         Tensor p = r.out({d[0], d[1]}), logp = r.out({d[0]}), lse = r.out({d[0]}), ent = r.out({d[0]});
         Tensor dx = r.out({d[0], d[1]});
         softmax_forward(p, x);
         log_softmax_gather(logp, lse, x, tg);
         log_softmax_gather_backward(dx, dlogp, x, lse, tg);
         softmax_entropy(ent, x, lse);
         return to_cpu({p, logp, lse, dx, ent});
       },
       1e-5, 1e-5},
      {"moe",
       {"topk_route", "topk_route_backward", "expert_load", "make_permutation", "permute_rows", "unpermute_combine",
        "unpermute_combine_backward", "permute_rows_backward"},
       // dims {T, E, top_k, pad_to, C, n_group, topk_group}
       {{1, 1, 1, 1, 1, 1, 1}, {33, 8, 2, 4, 130, 1, 1}, {5, 64, 6, 16, 7, 1, 1}, {300, 32, 8, 4, 64, 1, 1},
        {77, 16, 3, 1, 8, 4, 2}, {40, 8, 2, 4, 16, 8, 3}, {64, 64, 8, 16, 32, 8, 4}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const int64_t T = d[0], E = d[1], C = d[4];
         const RoutingConfig cfg{int(d[2]), E > 8 ? RouterScoring::Sigmoid : RouterScoring::Softmax, true, 1.5f,
                                 int(d[5]), int(d[6])};
         const Tensor logits = r.on(rand_f32(rng, {T, E}, -3, 3)), bias = r.on(rand_f32(rng, {E}, -0.1, 0.1));
         Tensor ids = r.out({T, cfg.top_k}, DType::I32), gates = r.out({T, cfg.top_k}), scores = r.out({T, E});
         topk_route(ids, gates, scores, logits, bias, cfg);
         Tensor dlogits = r.out({T, E}), load = r.out({E}, DType::I32), load_f32 = r.out({E});
         topk_route_backward(dlogits, gates, ids, scores, cfg);
         expert_load(load, ids);
         expert_load(load_f32, ids);
         const Permutation p = make_permutation(ids, int(E), int(d[3]));
         const Tensor x = r.on(rand_f32(rng, {T, C}));
         Tensor rows = r.out({p.n_rows(), C}), y = r.out({T, C}), dx = r.out({T, C});
         Tensor drows = r.out({p.n_rows(), C}), dgates = r.out({T, cfg.top_k});
         permute_rows(rows, x, p);
         unpermute_combine(y, rows, gates, p);
         unpermute_combine_backward(drows, dgates, y, rows, gates, p);
         permute_rows_backward(dx, drows, p);
         return to_cpu(
             {ids, gates, scores, dlogits, load, p.row_of_slot, p.token_of_row, rows, y, drows, dgates, dx, load_f32});
       },
       1e-5, 1e-5},
      {"replay_route", {"replay_route"},
       // dims {T, E, top_k}
       {{1, 1, 1}, {33, 8, 2}, {130, 64, 8}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const int64_t T = d[0], E = d[1], K = d[2];
         const RoutingConfig cfg{int(K), RouterScoring::Sigmoid, true, 2.5f};
         const Tensor logits = r.on(rand_f32(rng, {T, E}, -3, 3));
         // Every third token without a record, the others k distinct random experts.
         std::vector<int32_t> rec;
         for (int64_t t = 0; t < T; ++t) {
           std::vector<int32_t> all(static_cast<size_t>(E));
           for (int32_t e = 0; e < E; ++e) all[size_t(e)] = t % 3 == 2 ? -1 : e;
           std::shuffle(all.begin(), all.end(), rng.gen);
           rec.insert(rec.end(), all.begin(), all.begin() + K);
         }
         const Tensor recorded = r.on(i32({T, K}, rec));
         Tensors outs;
         for (bool replay : {false, true}) {
           Tensor ids = r.out({T, K}, DType::I32), gates = r.out({T, K}), scores = r.out({T, E});
           Tensor counts = r.out({2}, DType::I32), dlogits = r.out({T, E});
           topk_route(ids, gates, scores, logits, Tensor(), cfg);
           replay_route(ids, gates, counts, scores, recorded, replay, cfg);
           topk_route_backward(dlogits, gates, ids, scores, cfg);
           for (const Tensor& t : {ids, gates, counts, dlogits}) outs.push_back(t);
         }
         return to_cpu(outs);
       },
       1e-5, 1e-5},
      {"sample_tokens", {"sample_tokens"}, {{1, 1}, {8, 130}, {4, 151936}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor logits = r.on(rand_f32(rng, {d[0], d[1]}, -5, 5));
         std::vector<uint64_t> streams, counters;
         for (int64_t b = 0; b < d[0]; ++b) {
           streams.push_back(uint64_t(b));
           counters.push_back(uint64_t(b) * 5 + 1);
         }
         Tensors outs;
         for (const SamplingParams& sp : {SamplingParams{1.0f, 0, 1.0f, 3}, SamplingParams{0.7f, 50, 0.9f, 3},
                                          SamplingParams{0.0f, 0, 1.0f, 3}}) {
           Tensor tokens = r.out({d[0]}, DType::I32), logprobs = r.out({d[0]});
           sample_tokens(tokens, logprobs, logits, sp, streams, counters);
           outs.push_back(tokens);
           outs.push_back(logprobs);
         }
         return to_cpu(outs);
       },
       1e-5, 1e-5},
      {"sampling_logprobs", {"sampling_logprobs"}, {{1, 1}, {8, 130}, {4, 151936}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor logits = r.on(rand_f32(rng, {d[0], d[1]}, -5, 5));
         const Tensor tgt = r.on(i32({d[0]}, rng.ints(d[0], 0, int32_t(d[1] - 1))));
         Tensors outs;
         for (const SamplingParams& sp : {SamplingParams{0.7f, 0, 1.0f, 0}, SamplingParams{0.7f, 50, 0.9f, 0},
                                          SamplingParams{1.0f, 0, 0.5f, 0}}) {
           Tensor logprobs = r.out({d[0]});
           sampling_logprobs(logprobs, logits, tgt, sp);
           outs.push_back(logprobs);
         }
         return to_cpu(outs);
       },
       1e-5, 1e-5},
      {"gemm f32", {"gemm"},
       {{1, 1, 1, 0, 0, 0}, {5, 7, 3, 1, 0, 1}, {33, 17, 130, 0, 1, 0}, {64, 48, 300, 1, 1, 1}},
       [](const Dims& d, Rng& rng, GuardedRun& r) { return run_gemm(d, rng, r, DType::F32); },
       2e-4, 1e-4},
      {"gemm bf16", {"gemm"},
       {{1, 1, 1, 0, 0, 0}, {5, 7, 3, 1, 0, 1}, {33, 17, 130, 0, 1, 0}, {64, 48, 300, 1, 1, 1}},
       [](const Dims& d, Rng& rng, GuardedRun& r) { return run_gemm(d, rng, r, DType::BF16); },
       2e-4, 1e-4},
      // T and the row counts of tile-scaled operands are multiples of 4, K multiples of 16
      // (cuBLASLt's rules); Cin = 656 has a partial last K block, Cout = 208 a partial weight block.
      {"fp8 linear f32 out", {"quantize_fp8", "transpose_blocks", "gemm_fp8"},
       {{16, 128, 16, 0}, {48, 656, 208, 0}, {256, 256, 384, 0}, {20, 144, 136, 0}},
       [](const Dims& d, Rng& rng, GuardedRun& r) { return run_fp8_linear(d, rng, r); },
       1e-3, 1e-4},
      {"fp8 linear bf16 out", {"quantize_fp8", "transpose_blocks", "gemm_fp8"}, {{48, 656, 208, 1}},
       [](const Dims& d, Rng& rng, GuardedRun& r) { return run_fp8_linear(d, rng, r); },
       1e-2, 8e-3},
      {"fp8 quantize and dequantize", {"quantize_fp8", "dequantize_fp8", "transpose_blocks"},
       {{1, 1}, {5, 7}, {130, 257}, {300, 200}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(tile_scaled(rng, d[0], d[1]));
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
      {"gemm f32 row views", {"gemm"}, {{5, 7, 3, 1}, {33, 17, 130, 3}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const int64_t M = d[0], N = d[1], K = d[2], off = d[3];
         const Tensor a = r.on(rand_f32(rng, {M + off, K})), b = r.on(rand_f32(rng, {N + off, K}));
         Tensor ybuf = r.on(rand_f32(rng, {M + off, N}));
         Tensor y = ybuf.slice_rows(off, off + M);
         gemm(y, a.slice_rows(off, off + M), false, b.slice_rows(off, off + N), true, /*accumulate=*/true);
         return to_cpu({ybuf});
       },
       2e-4, 1e-4},
      {"fp8 round trip", {"fp8_round_trip"}, {{1, 1}, {5, 7}, {130, 257}, {300, 200}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(with_non_finite(rng, d[0], d[1]));
         Tensors outs;
         for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128})
           for (bool pow2 : {false, true}) outs.push_back(f32_bits_as_i32(fp8_round_trip(x, l, pow2)));
         return to_cpu(outs);
       },
       0, 0},
      {"fp8 quantize non-finite", {"quantize_fp8"}, {{7, 130}, {130, 257}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         const Tensor x = r.on(with_non_finite(rng, d[0], d[1]));
         Tensors outs;
         for (QuantLayout l : {QuantLayout::Tile1x128, QuantLayout::Tile128x1, QuantLayout::Block128x128}) {
           const QuantizedTensor q = quantize_fp8(x, l);
           outs.insert(outs.end(), {bytes_as_i32(q.data), q.scales});
         }
         return to_cpu(outs);
       },
       0, 0},
      {"adamw", {"adamw_step"}, {{1}, {130}, {100000}},
       [](const Dims& d, Rng& rng, GuardedRun& r) {
         Tensor w = r.inout(rand_f32(rng, {d[0]})), m = r.out({d[0]}, DType::BF16), v = r.out({d[0]}, DType::BF16);
         for (int64_t s = 1; s <= 3; ++s)
           adamw_step(w, r.on(rand_f32(rng, {d[0]})), m, v, AdamWParams{1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, s});
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
  for (int64_t d : info.param.dims) name.append("_").append(std::to_string(d));
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// Runs a case's row on dev from the case's seed; the outputs' guard rows must be untouched.
Tensors run_guarded(const Case& c, Device dev) {
  GuardedRun r(dev);
  Rng rng(77 + uint64_t(c.dims[0]));
  Tensors outs = c.op->run(c.dims, rng, r);
  EXPECT_TRUE(r.guards_intact()) << device_name(dev) << " backend wrote outside an output";
  return outs;
}

class CrossBackend : public ::testing::TestWithParam<Case> {};

TEST_P(CrossBackend, CpuWritesOnlyItsOutputs) { run_guarded(GetParam(), Device::CPU); }

TEST_P(CrossBackend, CudaMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device (or a build without the CUDA backend): CPU only";
  const Case& c = GetParam();
  const Tensors want = run_guarded(c, Device::CPU), got = run_guarded(c, Device::CUDA);
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
    GuardedRun ra(Device::CPU), rb(Device::CPU);
    const Tensors x = op.run(d, a, ra), y = op.run(d, b, rb);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(all_close(std::string(op.op) + " output " + std::to_string(i), to_vec(x[i]), to_vec(y[i]), 0, 0));
  }
}

// The guards themselves: one element written just before or just after a view is found.
TEST(CrossBackendScaffold, GuardsCatchWritesJustOutsideTheView) {
  for (const int64_t offset : {int64_t(-1), int64_t(12)}) {
    GuardedRun r(Device::CPU);
    Tensor ok = r.out({3}, DType::I32), v = r.out({3, 4});
    v.data<float>()[11] = 1.0f;  // the view's last element: fine
    EXPECT_TRUE(r.guards_intact());
    v.data<float>()[offset] = 1.0f;
    EXPECT_FALSE(r.guards_intact()) << "a write at view element " << offset << " went unnoticed";
    EXPECT_EQ(ok.to_floats(), std::vector<float>(3, 0.0f));
  }
}

// Adding an op to kernels/backend_ops.h without a row here fails; so does a row naming no entry.
TEST(CrossBackendScaffold, EveryBackendOpHasARow) {
  std::set<std::string> listed, named;
#define RLVR_LIST_NAME(ret, name, params) listed.insert(#name);
  RLVR_BACKEND_OPS(RLVR_LIST_NAME)
#undef RLVR_LIST_NAME
  for (const CrossOp& op : cross_table())
    for (const std::string& n : op.covers) {
      EXPECT_TRUE(listed.count(n)) << "row '" << op.op << "' names '" << n << "', not in kernels/backend_ops.h";
      named.insert(n);
    }
  for (const std::string& n : listed) EXPECT_TRUE(named.count(n)) << n << " (kernels/backend_ops.h) has no row";
}

}  // namespace
}  // namespace rlvr::test
