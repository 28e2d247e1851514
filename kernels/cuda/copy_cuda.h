// A plain device-to-device copy kernel (16-byte loads and stores): the bandwidth floor the
// memory-bound kernels (quantize, quantize + transpose) are measured against in bench/.
#pragma once

#include <cstddef>

namespace rlvr::cuda {

// dst, src: device pointers, 16-byte aligned; bytes a multiple of 16.
void copy_device(void* dst, const void* src, size_t bytes);

}  // namespace rlvr::cuda
