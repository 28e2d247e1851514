// Host buffers over any communicator. Over a device-buffer backend (NCCL) every collective
// copies its host inputs to the GPU, runs there and copies the results back (through page-locked
// host memory, asynchronously on the compute stream the collective is ordered with); over a host
// backend (single, MPI) calls pass straight through. Whatever takes host memory (the trainer's
// reductions and gathers, ZeRO-1's flat buffers, the expert-parallel exchanges) talks through
// one of these, so it runs unchanged on every backend.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "parallel/communicator.h"
#include "kernels/tensor.h"

namespace rlvr::parallel {

class HostStagedCommunicator final : public Communicator {
 public:
  // staging: where host data goes before the inner collective; default: the GPU for a
  // device-buffer backend, none (pass-through) otherwise. Device::CPU forces copies through
  // scratch host tensors (what the tests use to check the staging itself without a GPU).
  explicit HostStagedCommunicator(Communicator& inner, std::optional<Device> staging = std::nullopt);

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  std::string backend() const override { return inner_.backend(); }

  void all_reduce(void* buf, size_t count, CommDType t, ReduceOp op) override;
  void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp op) override;
  void all_gather(const void* send, void* recv, size_t send_count, CommDType t) override;
  void broadcast(void* buf, size_t count, CommDType t, int root) override;
  void reduce(void* buf, size_t count, CommDType t, ReduceOp op, int root) override;
  void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                  const std::vector<size_t>& recv_counts, CommDType t) override;
  void barrier() override { inner_.barrier(); }
  std::vector<size_t> exchange_counts(const std::vector<size_t>& send_counts) override {
    return inner_.exchange_counts(send_counts);
  }

 private:
  Tensor scratch(size_t bytes) const;
  Tensor stage(const void* host, size_t bytes) const;
  void unstage(const Tensor& staged, void* host, size_t bytes) const;
  void* pinned(size_t bytes) const;
  // buf staged, run on the staged copy, copied back.
  void in_place(void* buf, size_t bytes, const std::function<void(void*)>& run) const;

  Communicator& inner_;
  std::optional<Device> staging_;  // none: pass-through
  mutable std::shared_ptr<void> pinned_;  // GPU staging: page-locked host memory, reused
  mutable size_t pinned_bytes_ = 0;
};

}  // namespace rlvr::parallel
