// CPU causal GQA attention: one pass per (query, head) over its visible keys, O(T*S*D) per
// head; backward recomputes the probabilities from the cached log-sum-exp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"

namespace rlvr::cpu {
namespace {

inline void axpy(float* y, float a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace

void attention_forward(Tensor& out, Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                       int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const int64_t T = q.dim(0), S = k.dim(0), D = q.dim(1) / n_heads;
  const int64_t Wq = q.dim(1), Wk = k.dim(1), group = n_heads / n_kv_heads;
  const float* qp = q.data<float>();
  const float* kp = k.data<float>();
  const float* vp = v.data<float>();
  float* op = out.data<float>();
  float* lp = lse.data<float>();
  std::vector<float> p(size_t(std::max<int64_t>(S, 1)));
  for (int64_t h = 0; h < n_heads; ++h) {
    const int64_t kv_col = (h / group) * D;
    for (int64_t i = 0; i < T; ++i) {
      const float* qi = qp + i * Wq + h * D;
      const int64_t visible = q_offset + i + 1;  // keys [0, visible)
      float m = -INFINITY;
      for (int64_t j = 0; j < visible; ++j) {
        p[size_t(j)] = scale * dot(qi, kp + j * Wk + kv_col, D);
        m = std::max(m, p[size_t(j)]);
      }
      float l = 0.0f;
      for (int64_t j = 0; j < visible; ++j) {
        p[size_t(j)] = exp_fast(p[size_t(j)] - m);
        l += p[size_t(j)];
      }
      float* oi = op + i * Wq + h * D;
      std::memset(oi, 0, size_t(D) * sizeof(float));
      for (int64_t j = 0; j < visible; ++j) axpy(oi, p[size_t(j)], vp + j * Wk + kv_col, D);
      const float inv_l = 1.0f / l;
      for (int64_t d = 0; d < D; ++d) oi[d] *= inv_l;
      lp[h * T + i] = m + std::log(l);
    }
  }
}

// p_ij = exp(scale q_i.k_j - lse_i); ds_ij = p_ij (dout_i.v_j - dout_i.out_i);
// dq_i += scale ds_ij k_j; dk_j += scale ds_ij q_i; dv_j += p_ij dout_i.
void attention_backward(Tensor& dq, Tensor& dk, Tensor& dv, const Tensor& dout, const Tensor& out,
                        const Tensor& lse, const Tensor& q, const Tensor& k, const Tensor& v,
                        int n_heads, int n_kv_heads, float scale, int64_t q_offset) {
  const int64_t T = q.dim(0), D = q.dim(1) / n_heads;
  const int64_t Wq = q.dim(1), Wk = k.dim(1), group = n_heads / n_kv_heads;
  const float* qp = q.data<float>();
  const float* kp = k.data<float>();
  const float* vp = v.data<float>();
  const float* op = out.data<float>();
  const float* dop = dout.data<float>();
  const float* lp = lse.data<float>();
  float* dqp = dq.data<float>();
  float* dkp = dk.data<float>();
  float* dvp = dv.data<float>();
  dq.zero_();
  dk.zero_();
  dv.zero_();
  for (int64_t h = 0; h < n_heads; ++h) {
    const int64_t kv_col = (h / group) * D;
    for (int64_t i = 0; i < T; ++i) {
      const float* qi = qp + i * Wq + h * D;
      const float* doi = dop + i * Wq + h * D;
      float* dqi = dqp + i * Wq + h * D;
      const float delta = dot(doi, op + i * Wq + h * D, D);
      const float lse_i = lp[h * T + i];
      const int64_t visible = q_offset + i + 1;
      for (int64_t j = 0; j < visible; ++j) {
        const float* kj = kp + j * Wk + kv_col;
        const float* vj = vp + j * Wk + kv_col;
        const float pij = exp_fast(scale * dot(qi, kj, D) - lse_i);
        const float ds = pij * (dot(doi, vj, D) - delta) * scale;
        axpy(dqi, ds, kj, D);
        axpy(dkp + j * Wk + kv_col, ds, qi, D);
        axpy(dvp + j * Wk + kv_col, pij, doi, D);
      }
    }
  }
}

}  // namespace rlvr::cpu
