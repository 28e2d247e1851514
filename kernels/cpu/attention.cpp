// CPU causal GQA attention: one pass per (query, head) over its visible keys, O(T*S*D) per
// head; backward recomputes the probabilities from the cached log-sum-exp. Large calls run in
// pieces on the CPU backend's threads: forward per (head, block of queries), backward per block
// of queries within each KV group, each piece summing its dk, dv terms in its own buffer.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu/vec_math.h"
#include "kernels/quantize.h"

namespace rlvr::cpu {
namespace {

// Multiply-adds below which attention runs as one piece.
constexpr int64_t kAttentionPieceWork = int64_t(1) << 20;
constexpr int64_t kQueryBlock = 32;
constexpr int64_t kBackwardPieces = 4;

inline void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// Key and value rows are touched this many rows ahead (the rows of one head are a strided walk
// that the hardware prefetchers follow late). A prefetch past the end is harmless.
constexpr int64_t kPrefetchRows = 12;
inline void prefetch_row(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(p + i);
}

// Shapes and pointers of one call.
struct Attn {
  int64_t T, D, Wq, Wk, group, q_offset;
  float scale;
  const float *q, *k, *v;
};

// The loops read every field into a local first: a lambda's captures (or a struct reached
// through a pointer) would be reloaded after each store through a float pointer.
void forward_rows(Attn a, float* out, float* lse, int64_t h0, int64_t h1, int64_t i0, int64_t i1) {
  const int64_t T = a.T, D = a.D, Wq = a.Wq, Wk = a.Wk, group = a.group, q_offset = a.q_offset;
  const float scale = a.scale;
  const float *qp = a.q, *kp = a.k, *vp = a.v;
  std::vector<float> p(size_t(q_offset + i1));
  for (int64_t h = h0; h < h1; ++h) {
    const int64_t kv_col = (h / group) * D;
    for (int64_t i = i0; i < i1; ++i) {
      const float* qi = qp + i * Wq + h * D;
      const int64_t visible = q_offset + i + 1;  // keys [0, visible)
      float m = -INFINITY;
      for (int64_t j = 0; j < visible; ++j) {
        prefetch_row(kp + (j + kPrefetchRows) * Wk + kv_col, D);
        p[size_t(j)] = scale * dot(qi, kp + j * Wk + kv_col, D);
        m = std::max(m, p[size_t(j)]);
      }
      float l = 0.0f;
      for (int64_t j = 0; j < visible; ++j) {
        p[size_t(j)] = exp_fast(p[size_t(j)] - m);
        l += p[size_t(j)];
      }
      float* oi = out + i * Wq + h * D;
      std::memset(oi, 0, size_t(D) * sizeof(float));
      for (int64_t j = 0; j < visible; ++j) {
        prefetch_row(vp + (j + kPrefetchRows) * Wk + kv_col, D);
        axpy(oi, p[size_t(j)], vp + j * Wk + kv_col, D);
      }
      const float inv_l = 1.0f / l;
      for (int64_t d = 0; d < D; ++d) oi[d] *= inv_l;
      lse[h * T + i] = m + std::log(l);
    }
  }
}

// p_ij = exp(scale q_i.k_j - lse_i); ds_ij = p_ij (dout_i.v_j - dout_i.out_i);
// dq_i += scale ds_ij k_j; dk_j += scale ds_ij q_i; dv_j += p_ij dout_i.
// Heads [h0, h1) of one KV group and queries [i0, i1); dk, dv are [S, ld_kv] with this group's
// columns at kv_col (the outputs, or a piece's own partial sums with kv_col 0).
void backward_rows(Attn a, const float* out, const float* dout, const float* lse, float* dq, float* dk, float* dv,
                   int64_t ld_kv, int64_t h0, int64_t h1, int64_t i0, int64_t i1, bool own_kv) {
  const int64_t T = a.T, D = a.D, Wq = a.Wq, Wk = a.Wk, group = a.group, q_offset = a.q_offset;
  const float scale = a.scale;
  const float *qp = a.q, *kp = a.k, *vp = a.v;
  for (int64_t h = h0; h < h1; ++h) {
    const int64_t kv_col = (h / group) * D, out_col = own_kv ? 0 : kv_col;
    for (int64_t i = i0; i < i1; ++i) {
      const float* qi = qp + i * Wq + h * D;
      const float* doi = dout + i * Wq + h * D;
      float* dqi = dq + i * Wq + h * D;
      const float delta = dot(doi, out + i * Wq + h * D, D);
      const float lse_i = lse[h * T + i];
      const int64_t visible = q_offset + i + 1;
      for (int64_t j = 0; j < visible; ++j) {
        const float* kj = kp + j * Wk + kv_col;
        const float* vj = vp + j * Wk + kv_col;
        const float pij = exp_fast(scale * dot(qi, kj, D) - lse_i);
        const float ds = pij * (dot(doi, vj, D) - delta) * scale;
        axpy(dqi, ds, kj, D);
        axpy(dk + j * ld_kv + out_col, ds, qi, D);
        axpy(dv + j * ld_kv + out_col, pij, doi, D);
      }
    }
  }
}

Attn attn(const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, int n_kv_heads, float scale,
          int64_t q_offset) {
  return {q.dim(0), q.dim(1) / n_heads, q.dim(1),        k.dim(1),        n_heads / n_kv_heads,
          q_offset, scale,              q.data<float>(), k.data<float>(), v.data<float>()};
}

bool split(const Attn& a, int n_heads) { return n_heads * a.T * (a.q_offset + a.T) * a.D >= 2 * kAttentionPieceWork; }

}  // namespace

void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const Attn a = attn(q, k, v, n_heads, n_kv_heads, scale, q_offset);
  float* op = out.data<float>();
  float* lp = lse.data<float>();
  if (!split(a, n_heads)) {
    forward_rows(a, op, lp, 0, n_heads, 0, a.T);
    return;
  }
  const int64_t q_blocks = ceil_div(a.T, kQueryBlock);
  parallel_for(n_heads * q_blocks, [&](int64_t piece) {
    const int64_t h = piece / q_blocks, i0 = (piece % q_blocks) * kQueryBlock;
    forward_rows(a, op, lp, h, h + 1, i0, std::min(a.T, i0 + kQueryBlock));
  });
}

void attention_forward_sequences(std::vector<AttentionSequence>& seqs, int n_heads, int n_kv_heads, float scale) {
  if (seqs.size() == 1) {
    // one sequence (a prefill): attention_forward's own pieces
    AttentionSequence& a = seqs[0];
    Tensor lse = Tensor::empty({n_heads, a.q.dim(0)}, DType::F32);
    cpu::attention_forward(a.out, lse, a.q, a.k, a.v, n_heads, n_kv_heads, scale, a.k.dim(0) - a.q.dim(0));
    return;
  }
  // One piece per sequence, each as one serial attention_forward call would run it.
  parallel_for(int64_t(seqs.size()), [&](int64_t s) {
    AttentionSequence& a = seqs[size_t(s)];
    std::vector<float> lse(size_t(n_heads * a.q.dim(0)));
    forward_rows(attn(a.q, a.k, a.v, n_heads, n_kv_heads, scale, a.k.dim(0) - a.q.dim(0)), a.out.data<float>(),
                 lse.data(), 0, n_heads, 0, a.q.dim(0));
  });
}

void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const Attn a = attn(q, k, v, n_heads, n_kv_heads, scale, q_offset);
  dq.zero_();
  dk.zero_();
  dv.zero_();
  const float* op = out.data<float>();
  const float* dop = dout.data<float>();
  const float* lp = lse.data<float>();
  float* dqp = dq.data<float>();
  float* dkp = dk.data<float>();
  float* dvp = dv.data<float>();
  if (!split(a, n_heads)) {
    backward_rows(a, op, dop, lp, dqp, dkp, dvp, a.Wk, 0, n_heads, 0, a.T, false);
    return;
  }
  // Per KV group, kBackwardPieces pieces of queries, cut where the causal work (~i^2) is equal:
  // each owns its rows of dq and sums its dk, dv terms into its own buffer; the buffers are
  // added up in piece order (fixed by T alone; it differs from one piece's order in rounding).
  const int64_t S = k.dim(0), D = a.D;
  int64_t cut[kBackwardPieces + 1];
  for (int64_t b = 0; b <= kBackwardPieces; ++b)
    cut[b] = std::min(a.T, int64_t(std::ceil(double(a.T) * std::sqrt(double(b) / kBackwardPieces))));
  std::vector<float> part_k(size_t(kBackwardPieces * S * D)), part_v(part_k.size());
  for (int64_t g = 0; g < n_kv_heads; ++g) {
    parallel_for(kBackwardPieces, [&](int64_t b) {
      float* pk = part_k.data() + b * S * D;
      float* pv = part_v.data() + b * S * D;
      const int64_t keys = std::min(S, a.q_offset + cut[b + 1]);
      std::fill(pk, pk + keys * D, 0.0f);
      std::fill(pv, pv + keys * D, 0.0f);
      backward_rows(a, op, dop, lp, dqp, pk, pv, D, g * a.group, (g + 1) * a.group, cut[b], cut[b + 1], true);
    });
    for (int64_t b = 0; b < kBackwardPieces; ++b) {
      const int64_t keys = std::min(S, a.q_offset + cut[b + 1]);
      for (int64_t j = 0; j < keys; ++j) {
        axpy(dkp + j * a.Wk + g * D, 1.0f, part_k.data() + (b * S + j) * D, D);
        axpy(dvp + j * a.Wk + g * D, 1.0f, part_v.data() + (b * S + j) * D, D);
      }
    }
  }
}

}  // namespace rlvr::cpu
