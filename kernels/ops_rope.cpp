// RoPE ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_rope.h"

#include <cmath>

#include "kernels/ops_dispatch.h"

namespace rlvr {
namespace {

void check_rope_args(const char* op, const Tensor& x, const char* x_name, const Tensor& positions,
                     const RopeParams& p) {
  check_ndim(op, x, x_name, 2);
  check_dtype(op, x, x_name, DType::F32);
  check_dtype(op, positions, "positions", DType::I32);
  check_shape(op, positions, "positions", {x.dim(0)});
  const int D = p.head_dim;
  RLVR_CHECK(D > 0 && D % 2 == 0 && x.dim(1) % D == 0, "kernels", op, ": head_dim ", D,
             " must be even and divide the width of ", x_name, " ", x.describe());
  RLVR_CHECK(p.inv_freq.size() == size_t(D / 2), "kernels", op, ": ", p.inv_freq.size(), " inverse frequencies for ",
             "head_dim ", D, " (expected ", D / 2, ")");
  for (size_t i = 0; i < p.inv_freq.size(); ++i)
    RLVR_CHECK(std::isfinite(p.inv_freq[i]) && p.inv_freq[i] >= 0.0f, "kernels", op, ": inv_freq[", i, "] is ",
               p.inv_freq[i]);
  RLVR_CHECK(std::isfinite(p.attention_scaling), "kernels", op, ": attention_scaling is ", p.attention_scaling);
}

RopeParams plain_rope(const char* op, int head_dim, float theta) {
  RLVR_CHECK(std::isfinite(theta) && theta > 0.0f, "kernels", op, ": theta is ", theta, ", expected > 0");
  return RopeParams{head_dim, rope_inv_freq(head_dim, theta)};
}

}  // namespace

std::vector<float> rope_inv_freq(int head_dim, float theta) {
  std::vector<float> f(size_t(std::max(head_dim / 2, 0)));
  for (size_t i = 0; i < f.size(); ++i) f[i] = float(1.0 / std::pow(double(theta), double(2 * i) / double(head_dim)));
  return f;
}

void rope_forward(Tensor& x, const Tensor& positions, const RopeParams& p) {
  const char* op = "rope_forward";
  const Device dev = detail::op_device(op, {{"x", &x}, {"positions", &positions}});
  check_rope_args(op, x, "x", positions, p);
  detail::backend(dev, op).rope_forward(x, positions, p);
}

void rope_backward(Tensor& dx, const Tensor& positions, const RopeParams& p) {
  const char* op = "rope_backward";
  const Device dev = detail::op_device(op, {{"dx", &dx}, {"positions", &positions}});
  check_rope_args(op, dx, "dx", positions, p);
  detail::backend(dev, op).rope_backward(dx, positions, p);
}

void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta) {
  rope_forward(x, positions, plain_rope("rope_forward", head_dim, theta));
}

void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta) {
  rope_backward(dx, positions, plain_rope("rope_backward", head_dim, theta));
}

}  // namespace rlvr
