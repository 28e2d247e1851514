// CPU embedding lookup and scatter-add gradient.
#include <cstring>

#include "kernels/cpu/ops_cpu.h"

namespace rlvr::cpu {
namespace {

int64_t checked_token(const char* op, const int32_t* tokens, int64_t t, int64_t V) {
  const int32_t tok = tokens[t];
  RLVR_CHECK(tok >= 0 && tok < V, "kernels", op, ": tokens[", t, "] = ", tok, " is outside the table's [0, ",
             V, ")");
  return tok;
}

}  // namespace

void embedding_forward(Tensor& out, const Tensor& tokens, const Tensor& table) {
  const int64_t T = tokens.dim(0), V = table.dim(0), C = table.dim(1);
  const int32_t* tok = tokens.data<int32_t>();
  const float* tab = table.data<float>();
  float* o = out.data<float>();
  for (int64_t t = 0; t < T; ++t) {
    const int64_t row = checked_token("embedding_forward", tok, t, V);
    std::memcpy(o + t * C, tab + row * C, size_t(C) * sizeof(float));
  }
}

void embedding_backward(Tensor& dtable, const Tensor& dout, const Tensor& tokens) {
  const int64_t T = tokens.dim(0), V = dtable.dim(0), C = dtable.dim(1);
  const int32_t* tok = tokens.data<int32_t>();
  const float* d = dout.data<float>();
  float* dt = dtable.data<float>();
  for (int64_t t = 0; t < T; ++t) checked_token("embedding_backward", tok, t, V);  // before any write
  for (int64_t t = 0; t < T; ++t) {
    float* dst = dt + int64_t(tok[t]) * C;
    const float* src = d + t * C;
    for (int64_t c = 0; c < C; ++c) dst[c] += src[c];
  }
}

}  // namespace rlvr::cpu
