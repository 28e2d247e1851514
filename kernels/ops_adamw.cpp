// AdamW op: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_adamw.h"

#include <cmath>

#include "kernels/ops_dispatch.h"

namespace rlvr {

void adamw_step(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWParams& p) {
  const char* op = "adamw_step";
  const Device dev = detail::op_device(op, {{"param", &param}, {"grad", &grad}, {"m", &m}, {"v", &v}});
  check_dtype(op, param, "param", DType::F32);
  check_dtype(op, grad, "grad", DType::F32);
  check_dtype(op, m, "m", DType::BF16);
  check_dtype(op, v, "v", DType::BF16);
  for (auto [name, t] : {detail::NamedTensor{"grad", &grad}, {"m", &m}, {"v", &v}})
    check_shape(op, *t, name, param.shape());
  RLVR_CHECK(p.step >= 1, "kernels", op, ": step is ", p.step, ", expected >= 1");
  RLVR_CHECK(p.beta1 >= 0.0f && p.beta1 < 1.0f && p.beta2 >= 0.0f && p.beta2 < 1.0f, "kernels", op,
             ": betas (", p.beta1, ", ", p.beta2, ") must be in [0, 1)");
  RLVR_CHECK(std::isfinite(p.lr) && p.eps > 0.0f && std::isfinite(p.weight_decay), "kernels", op, ": lr ",
             p.lr, ", eps ", p.eps, ", weight_decay ", p.weight_decay);
  detail::backend(dev, op).adamw_step(param, grad, m, v, p);
}

}  // namespace rlvr
