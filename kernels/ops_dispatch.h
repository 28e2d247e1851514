// Private to kernels/: the device check every public op runs, and the one place that decides
// what a CUDA tensor does in a build whose CUDA op set is not there yet.
#pragma once

#include <initializer_list>
#include <utility>

#include "kernels/tensor.h"

#ifdef RLVR_HAVE_CUDA_OPS
#include "kernels/cuda/ops_cuda.h"
#endif

namespace rlvr::detail {

using NamedTensor = std::pair<const char*, const Tensor*>;

// The device shared by every defined tensor of an op; throws naming the op when one is
// undefined or two disagree.
Device op_device(const char* op, std::initializer_list<NamedTensor> tensors);

[[noreturn]] void fail_no_cuda_op(const char* op);

}  // namespace rlvr::detail

// Inside a public op: `RLVR_IF_CUDA(dev, "rmsnorm_forward", cuda::rmsnorm_forward(...));`
// forwards to the CUDA backend, or throws "op X has no CUDA implementation in this build".
// The CUDA issue defines RLVR_HAVE_CUDA_OPS once kernels/cuda/ implements ops_cuda.h.
#ifdef RLVR_HAVE_CUDA_OPS
#define RLVR_IF_CUDA(device, op_name, ...) \
  if ((device) == ::rlvr::Device::CUDA) return __VA_ARGS__
#else
#define RLVR_IF_CUDA(device, op_name, ...) \
  if ((device) == ::rlvr::Device::CUDA) ::rlvr::detail::fail_no_cuda_op(op_name)
#endif
