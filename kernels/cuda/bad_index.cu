// The per-host-thread device slot through which kernels report a bad untrusted index.
#include "kernels/cuda/device_utils.cuh"

namespace rlvr::cuda {
namespace {

unsigned long long* slot() {
  // NOTE: one small allocation per host thread, kept for the life of the process.
  thread_local unsigned long long* p = [] {
    unsigned long long* q = nullptr;
    RLVR_CUDA_CHECK(cudaMalloc(&q, sizeof(unsigned long long)));
    return q;
  }();
  return p;
}

}  // namespace

unsigned long long* bad_index_reset() {
  unsigned long long* p = slot();
  RLVR_CUDA_CHECK(cudaMemcpy(p, &kNoBadIndex, sizeof(kNoBadIndex), cudaMemcpyHostToDevice));
  return p;
}

int64_t bad_index_read() {
  unsigned long long v = kNoBadIndex;
  RLVR_CUDA_CHECK(cudaMemcpy(&v, slot(), sizeof(v), cudaMemcpyDeviceToHost));
  return v == kNoBadIndex ? -1 : int64_t(v);
}

}  // namespace rlvr::cuda
