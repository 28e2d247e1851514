// Host buffers over any communicator (see host_staged.h).
#include "parallel/host_staged.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace rlvr::parallel {

HostStagedCommunicator::HostStagedCommunicator(Communicator& inner, std::optional<Device> staging)
    : inner_(inner), staging_(staging) {
  if (!staging_ && inner.device_buffers()) staging_ = Device::CUDA;
}

Tensor HostStagedCommunicator::scratch(size_t bytes) const {
  return Tensor::empty({int64_t(std::max<size_t>(bytes, 1))}, DType::E4M3, *staging_);
}

Tensor HostStagedCommunicator::stage(const void* host, size_t bytes) const {
  Tensor h = Tensor::empty({int64_t(std::max<size_t>(bytes, 1))}, DType::E4M3);
  if (bytes) std::memcpy(h.raw(), host, bytes);
  return *staging_ == Device::CPU ? h : h.to(*staging_);
}

void HostStagedCommunicator::unstage(const Tensor& staged, void* host, size_t bytes) {
  const Tensor h = staged.to(Device::CPU);
  if (bytes) std::memcpy(host, h.raw(), bytes);
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
