// The per-host-thread device slots through which kernels report a bad untrusted index, and the
// deferral of their reads (kernels/index_checks.h).
#include <functional>
#include <vector>

#include "kernels/cuda/device_utils.cuh"
#include "kernels/index_checks.h"

namespace rlvr::cuda {
namespace {

// Reports a scope may hold before it reads them early (8 KB of slots per host thread).
constexpr size_t kMaxPending = 1024;

// Every slot holds kNoBadIndex (all bits set) while no report uses it: a slot is reset only
// after it reported, so handing one out costs no copy.
struct ThreadSlots {
  unsigned long long* device = nullptr;           // kMaxPending slots, allocated by the first report
  std::vector<std::function<void(int64_t)>> fail;  // slot i -> its report's thrower; empty: not armed yet
  int defer_depth = 0;
};

// NOTE: plain thread_local state: a scope on a thread that runs no CUDA op touches no device.
ThreadSlots& slots() {
  thread_local ThreadSlots s;
  return s;
}

// The slots of this host thread, allocated once and kept for the life of the process.
unsigned long long* device_slots(ThreadSlots& s) {
  if (!s.device) {
    RLVR_CUDA_CHECK(cudaMalloc(&s.device, kMaxPending * sizeof(unsigned long long)));
    RLVR_CUDA_CHECK(cudaMemset(s.device, 0xff, kMaxPending * sizeof(unsigned long long)));
  }
  return s.device;
}

// Reads every pending report in one copy, leaves the slots clean and nothing pending, then
// throws the first failure in launch order.
void read_pending(ThreadSlots& s) {
  const size_t n = s.fail.size();
  if (n == 0) return;
  std::vector<std::function<void(int64_t)>> fail;
  fail.swap(s.fail);
  std::vector<unsigned long long> host(n);
  RLVR_CUDA_CHECK(cudaMemcpy(host.data(), s.device, n * sizeof(unsigned long long), cudaMemcpyDeviceToHost));
  bool any = false;
  for (unsigned long long v : host) any |= v != kNoBadIndex;
  if (!any) return;
  RLVR_CUDA_CHECK(cudaMemsetAsync(s.device, 0xff, n * sizeof(unsigned long long)));  // clean again
  for (size_t i = 0; i < n; ++i)
    if (host[i] != kNoBadIndex && fail[i]) {
      fail[i](int64_t(host[i]));
      RLVR_FAIL("kernels", "bad index", "a kernel reported index ", host[i]);  // fail[i] should have thrown
    }
}

}  // namespace

BadIndexReport::BadIndexReport() {
  ThreadSlots& s = slots();
  device_slots(s);
  if (s.fail.size() == kMaxPending) read_pending(s);
  index_ = s.fail.size();
  s.fail.emplace_back();
}

BadIndexReport::~BadIndexReport() {
  if (armed_) return;
  // The op threw between the launch and check(): forget this slot (the last one handed out).
  ThreadSlots& s = slots();
  if (index_ + 1 == s.fail.size()) {
    s.fail.pop_back();
    cudaMemsetAsync(s.device + index_, 0xff, sizeof(unsigned long long));  // NOTE: unchecked, in a destructor
  }
}

unsigned long long* BadIndexReport::slot() const { return slots().device + index_; }

void BadIndexReport::check(std::function<void(int64_t)> fail) {
  ThreadSlots& s = slots();
  s.fail[index_] = std::move(fail);
  armed_ = true;
  if (s.defer_depth == 0) read_pending(s);
}

}  // namespace rlvr::cuda

namespace rlvr {

DeferredIndexChecks::DeferredIndexChecks() { ++cuda::slots().defer_depth; }

DeferredIndexChecks::~DeferredIndexChecks() {
  cuda::ThreadSlots& s = cuda::slots();
  if (--s.defer_depth > 0 || s.fail.empty()) return;
  const size_t n = s.fail.size();
  s.fail.clear();
  cudaMemsetAsync(s.device, 0xff, n * sizeof(unsigned long long));  // NOTE: unchecked, in a destructor
}

void DeferredIndexChecks::check() { cuda::read_pending(cuda::slots()); }

}  // namespace rlvr
