// The world-size-1 backend: every collective is a copy (or nothing).
#include <cstring>

#include "common/error.h"
#include "parallel/communicator.h"

namespace rlvr::parallel {

namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }

  void all_reduce(void*, size_t, CommDType t, ReduceOp) override { check_reducible(t, "all_reduce"); }
  void reduce_scatter(const void* send, void* recv, size_t recv_count, CommDType t, ReduceOp) override {
    check_reducible(t, "reduce_scatter");
    copy(recv, send, recv_count, t);
  }
  void all_gather(const void* send, void* recv, size_t send_count, CommDType t) override {
    copy(recv, send, send_count, t);
  }
  void broadcast(void*, size_t, CommDType, int root) override { check_root(root); }
  void reduce(void*, size_t, CommDType t, ReduceOp, int root) override {
    check_reducible(t, "reduce");
    check_root(root, "reduce");
  }
  void all_to_all(const void* send, const std::vector<size_t>& send_counts, void* recv,
                  const std::vector<size_t>& recv_counts, CommDType t) override {
    check_counts(send_counts, "send_counts");
    check_counts(recv_counts, "recv_counts");
    RLVR_CHECK(send_counts[0] == recv_counts[0], "parallel", "all_to_all: rank 0 sends ", send_counts[0],
               " elements to itself but expects ", recv_counts[0]);
    copy(recv, send, send_counts[0], t);
  }
  void barrier() override {}

 private:
  static void copy(void* dst, const void* src, size_t count, CommDType t) {
    if (count > 0 && dst != src) std::memmove(dst, src, count * comm_dtype_size(t));
  }
};

}  // namespace

std::unique_ptr<Communicator> make_single_communicator() { return std::make_unique<SingleProcess>(); }

}  // namespace rlvr::parallel
