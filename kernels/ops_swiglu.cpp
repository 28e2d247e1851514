// SwiGLU ops: argument checks, then dispatch to the CPU or CUDA implementation.
#include "kernels/ops_swiglu.h"

#include "kernels/ops_dispatch.h"

namespace rlvr {

void swiglu_forward(Tensor& out, const Tensor& gate, const Tensor& up) {
  const char* op = "swiglu_forward";
  const Device dev = detail::op_device(op, {{"out", &out}, {"gate", &gate}, {"up", &up}});
  check_ndim(op, gate, "gate", 2);
  for (auto [name, t] : {detail::NamedTensor{"out", &out}, {"gate", &gate}, {"up", &up}}) {
    check_dtype(op, *t, name, DType::F32);
    check_shape(op, *t, name, gate.shape());
  }
  detail::backend(dev, op).swiglu_forward(out, gate, up);
}

void swiglu_backward(Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up) {
  const char* op = "swiglu_backward";
  const Device dev = detail::op_device(
      op, {{"dgate", &dgate}, {"dup", &dup}, {"dout", &dout}, {"gate", &gate}, {"up", &up}});
  check_ndim(op, gate, "gate", 2);
  for (auto [name, t] : {detail::NamedTensor{"dgate", &dgate}, {"dup", &dup}, {"dout", &dout},
                         {"gate", &gate}, {"up", &up}}) {
    check_dtype(op, *t, name, DType::F32);
    check_shape(op, *t, name, gate.shape());
  }
  detail::backend(dev, op).swiglu_backward(dgate, dup, dout, gate, up);
}

}  // namespace rlvr
