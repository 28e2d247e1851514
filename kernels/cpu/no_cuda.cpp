// Device-memory hooks and the CUDA backend's table for a build without the CUDA backend: every
// CUDA request is a clear error.
#ifndef RLVR_HAVE_CUDA
#include "kernels/block_cache.h"
#include "kernels/device_choice.h"
#include "kernels/index_checks.h"
#include "kernels/ops_dispatch.h"
#include "kernels/tensor.h"

namespace rlvr {

const detail::Backend* detail::cuda_backend() { return nullptr; }

bool cuda_available() { return false; }
uint64_t cuda_device_memory_bytes() { return 0; }
BlockCacheStats cuda_memory_stats() { return {}; }
void select_cuda_device(int) { RLVR_FAIL("kernels", "CUDA device requested", "this build has no CUDA backend"); }
void* cuda_malloc(size_t) { RLVR_FAIL("kernels", "CUDA tensor requested", "this build has no CUDA backend"); }
void cuda_free(void*) {}
void cuda_copy(void*, const void*, size_t, Device, Device) {
  RLVR_FAIL("kernels", "CUDA copy requested", "this build has no CUDA backend");
}
void cuda_memset_zero(void*, size_t) {
  RLVR_FAIL("kernels", "CUDA memset requested", "this build has no CUDA backend");
}

// No CUDA op runs, so nothing is ever deferred.
DeferredIndexChecks::DeferredIndexChecks() = default;
DeferredIndexChecks::~DeferredIndexChecks() = default;
void DeferredIndexChecks::check() {}

}  // namespace rlvr
#endif
