// Softmax-family ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_softmax.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void softmax_forward(Tensor& out, const Tensor& x) {
  const char* op = "softmax_forward";
  const Device dev = detail::op_device(op, {{"out", &out}, {"x", &x}});
  check_ndim(op, x, "x", 2);
  check_dtype(op, x, "x", DType::F32);
  check_dtype(op, out, "out", DType::F32);
  check_shape(op, out, "out", x.shape());
  detail::backend(dev, op).softmax_forward(out, x);
}

void log_softmax_gather(Tensor& logp, Tensor& lse, const Tensor& logits, const Tensor& targets) {
  const char* op = "log_softmax_gather";
  const Device dev =
      detail::op_device(op, {{"logp", &logp}, {"lse", &lse}, {"logits", &logits}, {"targets", &targets}});
  check_ndim(op, logits, "logits", 2);
  for (auto [name, t] : {detail::NamedTensor{"logp", &logp}, {"lse", &lse}, {"logits", &logits}})
    check_dtype(op, *t, name, DType::F32);
  check_dtype(op, targets, "targets", DType::I32);
  for (auto [name, t] : {detail::NamedTensor{"logp", &logp}, {"lse", &lse}, {"targets", &targets}})
    check_shape(op, *t, name, {logits.dim(0)});
  detail::backend(dev, op).log_softmax_gather(logp, lse, logits, targets);
}

void log_softmax_gather_backward(Tensor& dlogits, const Tensor& dlogp, const Tensor& logits,
                                 const Tensor& lse, const Tensor& targets) {
  const char* op = "log_softmax_gather_backward";
  const Device dev = detail::op_device(op, {{"dlogits", &dlogits}, {"dlogp", &dlogp}, {"logits", &logits},
                                            {"lse", &lse}, {"targets", &targets}});
  check_ndim(op, logits, "logits", 2);
  for (auto [name, t] : {detail::NamedTensor{"dlogits", &dlogits}, {"dlogp", &dlogp}, {"logits", &logits},
                         {"lse", &lse}})
    check_dtype(op, *t, name, DType::F32);
  check_dtype(op, targets, "targets", DType::I32);
  check_shape(op, dlogits, "dlogits", logits.shape());
  for (auto [name, t] : {detail::NamedTensor{"dlogp", &dlogp}, {"lse", &lse}, {"targets", &targets}})
    check_shape(op, *t, name, {logits.dim(0)});
  detail::backend(dev, op).log_softmax_gather_backward(dlogits, dlogp, logits, lse, targets);
}

void softmax_entropy(Tensor& ent, const Tensor& logits, const Tensor& lse) {
  const char* op = "softmax_entropy";
  const Device dev = detail::op_device(op, {{"ent", &ent}, {"logits", &logits}, {"lse", &lse}});
  check_ndim(op, logits, "logits", 2);
  for (auto [name, t] : {detail::NamedTensor{"ent", &ent}, {"logits", &logits}, {"lse", &lse}})
    check_dtype(op, *t, name, DType::F32);
  check_shape(op, ent, "ent", {logits.dim(0)});
  check_shape(op, lse, "lse", {logits.dim(0)});
  detail::backend(dev, op).softmax_entropy(ent, logits, lse);
}

}  // namespace rlvr
