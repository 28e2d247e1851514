// CPU op set throughput at the shapes of the tiny-MoE demo and of a Qwen3-sized vocabulary.
// Reports bytes or elements per second; results go to BENCHMARKS.md by hand with the machine.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ops.h"

using namespace rlvr;

namespace {

Tensor random_f32(const Shape& s, float lo = -2.0f, float hi = 2.0f, uint64_t seed = 1) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape_numel(s)));
  for (float& x : v) x = dist(gen);
  return Tensor::from_floats(s, v);
}

Tensor random_i32(int64_t n, int32_t hi, uint64_t seed = 2) {
  std::mt19937_64 gen(seed);
  Tensor t = Tensor::empty({n}, DType::I32);
  for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = int32_t(gen() % uint64_t(hi));
  return t;
}

void BM_rmsnorm_fwd_bwd(benchmark::State& st) {
  const int64_t N = st.range(0), C = st.range(1);
  const Tensor x = random_f32({N, C}), w = random_f32({C}), dout = random_f32({N, C});
  Tensor out = Tensor::empty({N, C}, DType::F32), rstd = Tensor::empty({N}, DType::F32);
  Tensor dx = Tensor::empty({N, C}, DType::F32), dw = Tensor::zeros({C}, DType::F32);
  for (auto _ : st) {
    rmsnorm_forward(out, rstd, x, w, 1e-6f);
    rmsnorm_backward(dx, dw, dout, x, w, rstd);
  }
  st.SetItemsProcessed(st.iterations() * N * C);
}
BENCHMARK(BM_rmsnorm_fwd_bwd)->Args({512, 256})->Args({4096, 1024});

void BM_rope(benchmark::State& st) {
  const int64_t T = st.range(0), H = st.range(1), D = st.range(2);
  Tensor x = random_f32({T, H * D});
  const Tensor pos = random_i32(T, 4096);
  for (auto _ : st) rope_forward(x, pos, int(D), 1e6f);
  st.SetItemsProcessed(st.iterations() * T * H * D);
}
BENCHMARK(BM_rope)->Args({512, 4, 64})->Args({4096, 32, 128});

// items = multiply-adds of q k^T and p v (causal: half of T * S).
void BM_attention(benchmark::State& st) {
  const int64_t T = st.range(0), Hq = st.range(1), Hkv = st.range(2), D = st.range(3), bwd = st.range(4);
  const Tensor q = random_f32({T, Hq * D}), k = random_f32({T, Hkv * D}), v = random_f32({T, Hkv * D});
  const Tensor dout = random_f32({T, Hq * D});
  Tensor out = Tensor::empty({T, Hq * D}, DType::F32), lse = Tensor::empty({Hq, T}, DType::F32);
  Tensor dq = Tensor::empty({T, Hq * D}, DType::F32), dk = Tensor::empty({T, Hkv * D}, DType::F32);
  Tensor dv = Tensor::empty({T, Hkv * D}, DType::F32);
  const float scale = 1.0f / std::sqrt(float(D));
  attention_forward(out, lse, q, k, v, int(Hq), int(Hkv), scale, 0);
  for (auto _ : st) {
    if (bwd) attention_backward(dq, dk, dv, dout, out, lse, q, k, v, int(Hq), int(Hkv), scale, 0);
    else attention_forward(out, lse, q, k, v, int(Hq), int(Hkv), scale, 0);
  }
  st.SetItemsProcessed(st.iterations() * Hq * T * (T + 1) / 2 * D * 2);
}
BENCHMARK(BM_attention)->ArgNames({"T", "Hq", "Hkv", "D", "bwd"})->Args({256, 4, 2, 64, 0})->Args({256, 4, 2, 64, 1})
    ->Args({1024, 4, 2, 64, 0})->Args({1024, 4, 2, 64, 1});

void BM_swiglu_fwd_bwd(benchmark::State& st) {
  const int64_t N = st.range(0), F = st.range(1);
  const Tensor g = random_f32({N, F}), u = random_f32({N, F}), d = random_f32({N, F});
  Tensor out = Tensor::empty({N, F}, DType::F32), dg = Tensor::empty({N, F}, DType::F32), du = Tensor::empty({N, F}, DType::F32);
  for (auto _ : st) {
    swiglu_forward(out, g, u);
    swiglu_backward(dg, du, d, g, u);
  }
  st.SetItemsProcessed(st.iterations() * N * F);
}
BENCHMARK(BM_swiglu_fwd_bwd)->Args({1024, 512});

// items = logits read (forward + backward reads them once each).
void BM_log_softmax_gather_fwd_bwd(benchmark::State& st) {
  const int64_t T = st.range(0), V = st.range(1);
  const Tensor logits = random_f32({T, V}, -10, 10), targets = random_i32(T, int32_t(V)), dlogp = random_f32({T});
  Tensor logp = Tensor::empty({T}, DType::F32), lse = Tensor::empty({T}, DType::F32);
  Tensor dlogits = Tensor::empty({T, V}, DType::F32);
  for (auto _ : st) {
    log_softmax_gather(logp, lse, logits, targets);
    log_softmax_gather_backward(dlogits, dlogp, logits, lse, targets);
  }
  st.SetItemsProcessed(st.iterations() * T * V * 2);
}
BENCHMARK(BM_log_softmax_gather_fwd_bwd)->Args({512, 256})->Args({16, 151936});

void BM_moe_route_permute_combine(benchmark::State& st) {
  const int64_t T = st.range(0), E = st.range(1), k = st.range(2), C = st.range(3);
  const Tensor logits = random_f32({T, E}), x = random_f32({T, C});
  const RoutingConfig cfg{int(k), RouterScoring::Softmax, true, 1.0f};
  Tensor ids = Tensor::empty({T, k}, DType::I32), gates = Tensor::empty({T, k}, DType::F32);
  Tensor scores = Tensor::empty({T, E}, DType::F32), y = Tensor::empty({T, C}, DType::F32);
  for (auto _ : st) {
    topk_route(ids, gates, scores, logits, Tensor(), cfg);
    const Permutation p = make_permutation(ids, int(E), 4);
    Tensor rows = Tensor::empty({p.n_rows(), C}, DType::F32);
    permute_rows(rows, x, p);
    unpermute_combine(y, rows, gates, p);
  }
  st.SetItemsProcessed(st.iterations() * T);
}
BENCHMARK(BM_moe_route_permute_combine)->Args({512, 8, 2, 256});

// arg 1: 0 = plain, 1 = top-k 50, 2 = top-p 0.9.
void BM_sample_tokens(benchmark::State& st) {
  const int64_t B = st.range(0), V = st.range(1);
  const Tensor logits = random_f32({B, V}, -5, 5);
  SamplingParams p{0.8f, st.range(2) == 1 ? 50 : 0, st.range(2) == 2 ? 0.9f : 1.0f, 1};
  std::vector<uint64_t> streams(static_cast<size_t>(B)), counters(static_cast<size_t>(B));
  Tensor tokens = Tensor::empty({B}, DType::I32), logprobs = Tensor::empty({B}, DType::F32);
  for (auto _ : st) {
    for (auto& c : counters) ++c;
    sample_tokens(tokens, logprobs, logits, p, streams, counters);
  }
  st.SetItemsProcessed(st.iterations() * B);
}
BENCHMARK(BM_sample_tokens)->ArgNames({"B", "V", "mode"})->Args({8, 151936, 0})->Args({8, 151936, 1})
    ->Args({8, 151936, 2})->Args({64, 256, 2});

void BM_adamw(benchmark::State& st) {
  const int64_t n = st.range(0);
  Tensor w = random_f32({n}), m = Tensor::zeros({n}, DType::BF16), v = Tensor::zeros({n}, DType::BF16);
  const Tensor g = random_f32({n});
  AdamWParams p;
  for (auto _ : st) {
    adamw_step(w, g, m, v, p);
    ++p.step;
  }
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_adamw)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();
