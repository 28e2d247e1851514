// Device agreement checks for the op set and the single "no CUDA implementation" error.
#include "kernels/ops_dispatch.h"

namespace rlvr::detail {

Device op_device(const char* op, std::initializer_list<NamedTensor> tensors) {
  const Tensor* first = nullptr;
  const char* first_name = "";
  for (const auto& [name, t] : tensors) {
    RLVR_CHECK(t->defined(), "kernels", op, ": ", name, " is undefined");
    if (!first) {
      first = t;
      first_name = name;
    } else {
      RLVR_CHECK(t->device() == first->device(), "kernels", op, ": ", name, " is ", t->describe(),
                 " but ", first_name, " is ", first->describe(), " (all tensors must share a device)");
    }
  }
  return first ? first->device() : Device::CPU;
}

void fail_no_cuda_op(const char* op) {
  RLVR_FAIL("kernels", "CUDA tensor", "op ", op, " has no CUDA implementation in this build");
}

}  // namespace rlvr::detail
