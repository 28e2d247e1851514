// RMSNorm ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_norm.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void rmsnorm_forward(Tensor& out, Tensor& rstd, const Tensor& x, const Tensor& weight, float eps) {
  const char* op = "rmsnorm_forward";
  const Device dev =
      detail::op_device(op, {{"out", &out}, {"rstd", &rstd}, {"x", &x}, {"weight", &weight}});
  check_ndim(op, x, "x", 2);
  for (auto [name, t] : {detail::NamedTensor{"out", &out}, {"rstd", &rstd}, {"x", &x}, {"weight", &weight}})
    check_dtype(op, *t, name, DType::F32);
  check_shape(op, out, "out", x.shape());
  check_shape(op, weight, "weight", {x.dim(1)});
  check_shape(op, rstd, "rstd", {x.dim(0)});
  RLVR_CHECK(eps >= 0.0f, "kernels", op, ": eps is ", eps, ", expected >= 0");
  detail::backend(dev, op).rmsnorm_forward(out, rstd, x, weight, eps);
}

void rmsnorm_backward(Tensor& dx, Tensor& dweight, const Tensor& dout, const Tensor& x,
                      const Tensor& weight, const Tensor& rstd) {
  const char* op = "rmsnorm_backward";
  const Device dev = detail::op_device(op, {{"dx", &dx}, {"dweight", &dweight}, {"dout", &dout},
                                            {"x", &x}, {"weight", &weight}, {"rstd", &rstd}});
  check_ndim(op, x, "x", 2);
  for (auto [name, t] : {detail::NamedTensor{"dx", &dx}, {"dweight", &dweight}, {"dout", &dout},
                         {"x", &x}, {"weight", &weight}, {"rstd", &rstd}})
    check_dtype(op, *t, name, DType::F32);
  check_shape(op, dx, "dx", x.shape());
  check_shape(op, dout, "dout", x.shape());
  check_shape(op, weight, "weight", {x.dim(1)});
  check_shape(op, dweight, "dweight", {x.dim(1)});
  check_shape(op, rstd, "rstd", {x.dim(0)});
  detail::backend(dev, op).rmsnorm_backward(dx, dweight, dout, x, weight, rstd);
}

}  // namespace rlvr
