// CPU token permutation by expert: building it, gathering rows, and the gated combine back.
#include <cstring>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/vec_math.h"

namespace rlvr::cpu {
namespace {

// row_of_slot[i] checked against R: a hand-built Permutation must not write out of bounds.
int64_t checked_row(const char* op, const Permutation& p, int64_t slot) {
  const int32_t row = p.row_of_slot.data<int32_t>()[slot];
  RLVR_CHECK(row >= 0 && row < p.n_rows(), "kernels", op, ": p.row_of_slot[", slot, "] = ", row,
             " is outside [0, ", p.n_rows(), ")");
  return row;
}

}  // namespace

Permutation make_permutation(const Tensor& expert_ids, int n_experts, int pad_to) {
  const int64_t T = expert_ids.dim(0), K = expert_ids.dim(1), E = n_experts;
  const int32_t* ids = expert_ids.data<int32_t>();
  Permutation p;
  p.n_experts = n_experts;
  p.top_k = int(K);
  p.n_tokens = T;
  std::vector<int64_t> count(size_t(E), 0);
  for (int64_t i = 0; i < T * K; ++i) {
    RLVR_CHECK(ids[i] >= 0 && ids[i] < E, "kernels", "make_permutation: expert_ids[", i / K, ", ", i % K,
               "] = ", ids[i], " is outside [0, ", E, ")");
    ++count[size_t(ids[i])];
  }
  p.offsets.assign(size_t(E) + 1, 0);
  for (int64_t e = 0; e < E; ++e)
    p.offsets[size_t(e) + 1] = p.offsets[size_t(e)] + (count[size_t(e)] + pad_to - 1) / pad_to * pad_to;
  const int64_t R = p.offsets.back();
  p.row_of_slot = Tensor::empty({T * K}, DType::I32);
  p.token_of_row = Tensor::empty({R}, DType::I32);
  int32_t* row_of_slot = p.row_of_slot.data<int32_t>();
  int32_t* token_of_row = p.token_of_row.data<int32_t>();
  for (int64_t r = 0; r < R; ++r) token_of_row[r] = -1;
  std::vector<int64_t> next(p.offsets.begin(), p.offsets.end() - 1);
  for (int64_t i = 0; i < T * K; ++i) {
    const int64_t row = next[size_t(ids[i])]++;
    row_of_slot[i] = int32_t(row);
    token_of_row[row] = int32_t(i / K);
  }
  return p;
}

void permute_rows(Tensor& out, const Tensor& x, const Permutation& p) {
  const int64_t R = p.n_rows(), C = x.dim(1), T = p.n_tokens;
  const int32_t* token_of_row = p.token_of_row.data<int32_t>();
  const float* xp = x.data<float>();
  float* o = out.data<float>();
  for (int64_t r = 0; r < R; ++r) {
    const int32_t t = token_of_row[r];
    RLVR_CHECK(t >= -1 && t < T, "kernels", "permute_rows: p.token_of_row[", r, "] = ", t, " is outside [-1, ",
               T, ")");
    if (t < 0) std::memset(o + r * C, 0, size_t(C) * sizeof(float));
    else std::memcpy(o + r * C, xp + int64_t(t) * C, size_t(C) * sizeof(float));
  }
}

void permute_rows_backward(Tensor& dx, const Tensor& dout, const Permutation& p) {
  const int64_t T = p.n_tokens, K = p.top_k, C = dx.dim(1);
  const float* d = dout.data<float>();
  float* dxp = dx.data<float>();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < K; ++j) {
      const float* src = d + checked_row("permute_rows_backward", p, t * K + j) * C;
      float* dst = dxp + t * C;
      for (int64_t c = 0; c < C; ++c) dst[c] += src[c];
    }
}

void unpermute_combine(Tensor& y, const Tensor& expert_out, const Tensor& gates, const Permutation& p) {
  const int64_t T = p.n_tokens, K = p.top_k, C = y.dim(1);
  const float* eo = expert_out.data<float>();
  const float* g = gates.data<float>();
  float* yp = y.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    float* dst = yp + t * C;
    std::memset(dst, 0, size_t(C) * sizeof(float));
    for (int64_t j = 0; j < K; ++j) {
      const float* src = eo + checked_row("unpermute_combine", p, t * K + j) * C;
      const float w = g[t * K + j];
      for (int64_t c = 0; c < C; ++c) dst[c] += w * src[c];
    }
  }
}

void unpermute_combine_backward(Tensor& dexpert_out, Tensor& dgates, const Tensor& dy,
                                const Tensor& expert_out, const Tensor& gates, const Permutation& p) {
  const int64_t T = p.n_tokens, K = p.top_k, C = dy.dim(1);
  const float* eo = expert_out.data<float>();
  const float* g = gates.data<float>();
  const float* dyp = dy.data<float>();
  float* deo = dexpert_out.data<float>();
  float* dg = dgates.data<float>();
  dexpert_out.zero_();  // padding rows get zero gradient
  for (int64_t t = 0; t < T; ++t) {
    const float* dyt = dyp + t * C;
    for (int64_t j = 0; j < K; ++j) {
      const int64_t row = checked_row("unpermute_combine_backward", p, t * K + j);
      const float w = g[t * K + j];
      float* dst = deo + row * C;
      for (int64_t c = 0; c < C; ++c) dst[c] += w * dyt[c];
      dg[t * K + j] = dot(dyt, eo + row * C, C);
    }
  }
}

}  // namespace rlvr::cpu
