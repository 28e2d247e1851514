// Host buffers over any communicator (see host_staged.h).
#include "parallel/host_staged.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#ifdef RLVR_HAVE_CUDA
#include "kernels/cuda/cuda_check.h"
#endif

namespace rlvr::parallel {

#ifdef RLVR_HAVE_CUDA
using cuda::kComputeStream;  // where device buffers are filled and read, and collectives ordered
#endif

HostStagedCommunicator::HostStagedCommunicator(Communicator& inner, std::optional<Device> staging)
    : inner_(inner), staging_(staging) {
  if (!staging_ && inner.device_buffers()) staging_ = Device::CUDA;
}

// Page-locked host memory, grown to the largest staged buffer (at least doubling) and kept.
void* HostStagedCommunicator::pinned(size_t bytes) const {
#ifdef RLVR_HAVE_CUDA
  if (bytes > pinned_bytes_) {
    const size_t grown = std::max(bytes, pinned_bytes_ * 2);
    RLVR_CUDA_CHECK(cudaStreamSynchronize(kComputeStream));  // no copy still reads the old buffer
    pinned_.reset();
    pinned_bytes_ = 0;
    void* p = nullptr;
    RLVR_CUDA_CHECK(cudaHostAlloc(&p, grown, cudaHostAllocDefault));
    pinned_ = std::shared_ptr<void>(p, [](void* q) { cudaFreeHost(q); });  // NOTE: unchecked, in a deleter
    pinned_bytes_ = grown;
  }
  return pinned_.get();
#else
  (void)bytes;
  RLVR_FAIL("parallel", "staging through the GPU", "this build has no CUDA backend");
#endif
}

Tensor HostStagedCommunicator::scratch(size_t bytes) const {
  return Tensor::empty({int64_t(std::max<size_t>(bytes, 1))}, DType::E4M3, *staging_);
}

// Host scratch: a plain copy. GPU scratch: through pinned memory and an asynchronous copy on the
// compute stream, which the collective that reads it waits for.
Tensor HostStagedCommunicator::stage(const void* host, size_t bytes) const {
  Tensor t = scratch(bytes);
  if (bytes == 0) return t;
  if (*staging_ == Device::CPU) {
    std::memcpy(t.raw(), host, bytes);
    return t;
  }
  void* p = pinned(bytes);
  std::memcpy(p, host, bytes);
#ifdef RLVR_HAVE_CUDA
  RLVR_CUDA_CHECK(cudaMemcpyAsync(t.raw(), p, bytes, cudaMemcpyHostToDevice, kComputeStream));
#endif
  return t;
}

// The reverse, after the collective that wrote it (the compute stream waits for it).
void HostStagedCommunicator::unstage(const Tensor& staged, void* host, size_t bytes) const {
  if (bytes == 0) return;
  if (*staging_ == Device::CPU) {
    std::memcpy(host, staged.raw(), bytes);
    return;
  }
  void* p = pinned(bytes);
#ifdef RLVR_HAVE_CUDA
  RLVR_CUDA_CHECK(cudaMemcpyAsync(p, staged.raw(), bytes, cudaMemcpyDeviceToHost, kComputeStream));
  RLVR_CUDA_CHECK(cudaStreamSynchronize(kComputeStream));
#endif
  std::memcpy(host, p, bytes);
}

void HostStagedCommunicator::in_place(void* buf, size_t bytes, const std::function<void(void*)>& run) const {
  Tensor d = stage(buf, bytes);
  run(d.raw());
  unstage(d, buf, bytes);
}

void HostStagedCommunicator::all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) {
  if (!staging_) return inner_.all_reduce(buf, count, t, op);
  in_place(buf, count * comm_dtype_size(t), [&](void* d) { inner_.all_reduce(d, count, t, op); });
}

void HostStagedCommunicator::reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t,
                                            ReduceOp op) {
  if (!staging_) return inner_.reduce_scatter(send, recv, recv_count, t, op);
  const size_t n = recv_count * comm_dtype_size(t);
  const Tensor s = stage(send, n * size_t(size()));
  Tensor r = scratch(n);
  inner_.reduce_scatter(s.raw(), r.raw(), recv_count, t, op);
  unstage(r, recv, n);
}

void HostStagedCommunicator::all_gather(const void* send, void* recv, size_t send_count, CommDType t) {
  if (!staging_) return inner_.all_gather(send, recv, send_count, t);
  const size_t n = send_count * comm_dtype_size(t);
  const Tensor s = stage(send, n);
  Tensor r = scratch(n * size_t(size()));
  inner_.all_gather(s.raw(), r.raw(), send_count, t);
  unstage(r, recv, n * size_t(size()));
}

void HostStagedCommunicator::broadcast(void* buf, size_t count, CommDType t, int root) {
  if (!staging_) return inner_.broadcast(buf, count, t, root);
  in_place(buf, count * comm_dtype_size(t), [&](void* d) { inner_.broadcast(d, count, t, root); });
}

void HostStagedCommunicator::reduce(void* buf, size_t count, CommDType t, ReduceOp op, int root) {
  if (!staging_) return inner_.reduce(buf, count, t, op, root);
  in_place(buf, count * comm_dtype_size(t), [&](void* d) { inner_.reduce(d, count, t, op, root); });
}

void HostStagedCommunicator::all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                                        const std::vector<size_t>& recv_counts, CommDType t) {
  if (!staging_) return inner_.all_to_all(send, send_counts, recv, recv_counts, t);
  const size_t es = comm_dtype_size(t);
  const size_t sn = std::accumulate(send_counts.begin(), send_counts.end(), size_t(0)) * es;
  const size_t rn = std::accumulate(recv_counts.begin(), recv_counts.end(), size_t(0)) * es;
  const Tensor s = stage(send, sn);
  Tensor r = scratch(rn);
  inner_.all_to_all(s.raw(), send_counts, r.raw(), recv_counts, t);
  unstage(r, recv, rn);
}

}  // namespace rlvr::parallel
