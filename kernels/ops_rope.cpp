// RoPE ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_rope.h"

#include <cmath>

#include "kernels/ops_dispatch.h"

namespace rlvr {
namespace {

void check_rope_args(const char* op, const Tensor& x, const char* x_name, const Tensor& positions,
                     int head_dim, float theta) {
  check_ndim(op, x, x_name, 2);
  check_dtype(op, x, x_name, DType::F32);
  check_dtype(op, positions, "positions", DType::I32);
  check_shape(op, positions, "positions", {x.dim(0)});
  RLVR_CHECK(head_dim > 0 && head_dim % 2 == 0 && x.dim(1) % head_dim == 0, "kernels", op,
             ": head_dim ", head_dim, " must be even and divide the width of ", x_name, " ", x.describe());
  RLVR_CHECK(std::isfinite(theta) && theta > 0.0f, "kernels", op, ": theta is ", theta, ", expected > 0");
}

}  // namespace

void rope_forward(Tensor& x, const Tensor& positions, int head_dim, float theta) {
  const char* op = "rope_forward";
  const Device dev = detail::op_device(op, {{"x", &x}, {"positions", &positions}});
  check_rope_args(op, x, "x", positions, head_dim, theta);
  detail::backend(dev, op).rope_forward(x, positions, head_dim, theta);
}

void rope_backward(Tensor& dx, const Tensor& positions, int head_dim, float theta) {
  const char* op = "rope_backward";
  const Device dev = detail::op_device(op, {{"dx", &dx}, {"positions", &positions}});
  check_rope_args(op, dx, "dx", positions, head_dim, theta);
  detail::backend(dev, op).rope_backward(dx, positions, head_dim, theta);
}

}  // namespace rlvr
