// The way from a device to its backend, the device agreement check of every op, and the
// FP8 operand check GEMM and dequantization share.
#include "kernels/ops_dispatch.h"

#include <string>

#include "kernels/quantize.h"

namespace rlvr::detail {

const Backend* find_backend(Device dev) { return dev == Device::CPU ? &cpu_backend() : cuda_backend(); }

const Backend& backend(Device dev, const char* op) {
  const Backend* b = find_backend(dev);
  if (!b) RLVR_FAIL("kernels", std::string(op) + ": CUDA tensors in a build without the CUDA backend");
  return *b;
}

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

void check_quantized(const char* op, const QuantizedTensor& q, const char* name) {
  const std::string data = std::string(name) + ".data", scales = std::string(name) + ".scales";
  check_dtype(op, q.data, data.c_str(), DType::E4M3);
  check_dtype(op, q.scales, scales.c_str(), DType::F32);
  check_shape(op, q.data, data.c_str(), {q.stored_rows(), q.stored_k()});
  const Shape want = q.layout == QuantLayout::Block128x128
                         ? Shape{ceil_div(q.stored_rows(), kQuantTile), block_scale_ld(q.stored_k())}
                         : Shape{ceil_div(q.stored_k(), kQuantTile), q.stored_rows()};
  check_shape(op, q.scales, scales.c_str(), want);
}

}  // namespace rlvr::detail
