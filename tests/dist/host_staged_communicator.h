// Host buffers over any communicator: every collective copies its host inputs to the inner
// communicator's memory (the GPU for NCCL, plain host copies otherwise), runs the inner
// collective there and copies the results back. It lets the host-side checks (collectives,
// expert-parallel layer and model) run through NCCL unchanged.
#pragma once

#include <algorithm>
#include <cstring>
#include <numeric>

#include "dist/communicator.h"
#include "kernels/tensor.h"

namespace rlvr::dist::testing {

class HostStagedCommunicator final : public Communicator {
 public:
  explicit HostStagedCommunicator(Communicator& inner)
      : inner_(inner), memory_(inner.device_buffers() ? Device::CUDA : Device::CPU) {}

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  std::string backend() const override { return inner_.backend(); }

  void all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) override {
    Tensor d = stage(buf, count * comm_dtype_size(t));
    inner_.all_reduce(d.raw(), count, t, op);
    unstage(d, buf, count * comm_dtype_size(t));
  }
  void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp op) override {
    const size_t n = recv_count * comm_dtype_size(t);
    const Tensor s = stage(send, n * size_t(size()));
    Tensor r = scratch(n);
    inner_.reduce_scatter(s.raw(), r.raw(), recv_count, t, op);
    unstage(r, recv, n);
  }
  void all_gather(const void* send, void* recv, size_t send_count, CommDType t) override {
    const size_t n = send_count * comm_dtype_size(t);
    const Tensor s = stage(send, n);
    Tensor r = scratch(n * size_t(size()));
    inner_.all_gather(s.raw(), r.raw(), send_count, t);
    unstage(r, recv, n * size_t(size()));
  }
  void broadcast(void* buf, size_t count, CommDType t, int root) override {
    Tensor d = stage(buf, count * comm_dtype_size(t));
    inner_.broadcast(d.raw(), count, t, root);
    unstage(d, buf, count * comm_dtype_size(t));
  }
  void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                  const std::vector<size_t>& recv_counts, CommDType t) override {
    const size_t es = comm_dtype_size(t);
    const size_t sn = std::accumulate(send_counts.begin(), send_counts.end(), size_t(0)) * es;
    const size_t rn = std::accumulate(recv_counts.begin(), recv_counts.end(), size_t(0)) * es;
    const Tensor s = stage(send, sn);
    Tensor r = scratch(rn);
    inner_.all_to_all(s.raw(), send_counts, r.raw(), recv_counts, t);
    unstage(r, recv, rn);
  }
  void barrier() override { inner_.barrier(); }
  std::vector<size_t> exchange_counts(const std::vector<size_t>& send_counts) override {
    return inner_.exchange_counts(send_counts);
  }

 private:
  Tensor scratch(size_t bytes) const { return Tensor::empty({int64_t(std::max<size_t>(bytes, 1))}, DType::E4M3, memory_); }
  Tensor stage(const void* host, size_t bytes) const {
    Tensor h = Tensor::empty({int64_t(std::max<size_t>(bytes, 1))}, DType::E4M3);
    if (bytes) std::memcpy(h.raw(), host, bytes);
    return memory_ == Device::CPU ? h : h.to(memory_);
  }
  static void unstage(const Tensor& d, void* host, size_t bytes) {
    const Tensor h = d.to(Device::CPU);
    if (bytes) std::memcpy(host, h.raw(), bytes);
  }

  Communicator& inner_;
  Device memory_;
};

}  // namespace rlvr::dist::testing
