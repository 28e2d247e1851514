// Private to kernels/: how a public op reaches the backend of its tensors' device. Each backend
// is a table of function pointers generated from the op list (kernels/backend_ops.h); a public op
// checks its arguments (op_device and the check_* helpers), then makes one call:
//   detail::backend(dev, op).rmsnorm_forward(out, rstd, x, weight, eps);
#pragma once

#include <initializer_list>
#include <utility>

#include "kernels/backend_ops.h"

namespace rlvr::detail {

// One backend: a pointer to its implementation of every op of the list.
struct Backend {
#define RLVR_BACKEND_POINTER(ret, name, params) ret(*name) params;
  RLVR_BACKEND_OPS(RLVR_BACKEND_POINTER)
#undef RLVR_BACKEND_POINTER
};

// Inside a backend's namespace, `Backend{RLVR_BACKEND_OPS(RLVR_BACKEND_ENTRY)}` lists its table.
// NOTE: the unqualified name finds the backend's own declaration (generated in that namespace
// from the same list), never the public op of the same signature in rlvr.
#define RLVR_BACKEND_ENTRY(ret, name, params) &name,

// The tables: the CPU one always (kernels/cpu/backend_cpu.cpp); the CUDA one from
// kernels/cuda/backend_cuda.cpp, or nullptr in a build without the CUDA backend (no_cuda.cpp).
const Backend& cpu_backend();
const Backend* cuda_backend();

// The backend of dev, or nullptr when this build has none.
const Backend* find_backend(Device dev);
// The backend of dev; throws "op: CUDA tensors in a build without the CUDA backend" when absent.
const Backend& backend(Device dev, const char* op);

using NamedTensor = std::pair<const char*, const Tensor*>;

// The device shared by every tensor of an op; throws naming the op when one is undefined or two
// disagree.
Device op_device(const char* op, std::initializer_list<NamedTensor> tensors);

// An FP8 operand's data (E4M3 [stored_rows, stored_k]) and scales (F32, the layout's shape,
// kernels/quantize.h) agree with its layout and sizes.
void check_quantized(const char* op, const QuantizedTensor& q, const char* name);

}  // namespace rlvr::detail
