// When a CUDA op's check of untrusted indices (token ids, targets, positions, expert ids,
// permutation rows) is read. Its kernel reports the first bad index through a device slot
// instead of reading out of bounds, and the op throws the CPU's message; reading the slot waits
// for the kernel, so by default every such op synchronizes the device. Inside a
// DeferredIndexChecks scope (on this host thread) those ops only launch; check() reads every
// report of the scope in one copy and throws the first failure, in launch order, with the
// message the op would have thrown. The model's passes run in one scope each: their indices were
// checked on the host or made by our own kernels, so one synchronization per pass is enough.
// CPU ops always throw at once; without the CUDA backend a scope does nothing.
#pragma once

namespace rlvr {

class DeferredIndexChecks {
 public:
  DeferredIndexChecks();
  // Reports not yet checked are dropped: only reached without check() when an exception is
  // already on its way out of the pass.
  ~DeferredIndexChecks();
  DeferredIndexChecks(const DeferredIndexChecks&) = delete;
  DeferredIndexChecks& operator=(const DeferredIndexChecks&) = delete;

  // Reads the reports so far (one device synchronization); throws the first failure.
  void check();
};

}  // namespace rlvr
