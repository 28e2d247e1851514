// The CPU backend's worker threads: one pool per process, sized to the cores this process may
// use (its CPU affinity divided among the MPI ranks on this node, or RLVR_CPU_THREADS), shared
// by the CPU ops. Ops cut their work into pieces that depend on the shapes only, never on the
// thread count, and each piece writes outputs no other piece touches: results are the same bits
// whatever the number of threads.
//
// FP32 GEMMs stay with OpenBLAS's own threads. Tried (2026-12-03, 2-core Xeon): OpenBLAS at one
// thread per call with the pool splitting its GEMMs into row pieces. Its idle workers no longer
// spun beside ours, but the pieces (each packing the other operand again) ran no faster, and
// their other call shapes changed the FP32 results' rounding.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

namespace rlvr::cpu {

// Threads the pool runs pieces on, the caller included (>= 1).
int cpu_threads();

// Runs piece(i) for every i in [0, pieces) and returns when all have run. Pieces run on the pool
// when it is idle and there is more than one; otherwise (a single piece, a one-thread pool, a
// call from inside a piece or from a second thread while the pool is busy) in order, here.
void parallel_for(int64_t pieces, const std::function<void(int64_t)>& piece);

// While alive, this thread's parallel_for calls run their pieces here, in order: the same
// pieces as on the pool (tests compare the two, bit for bit).
class SerialPieces {
 public:
  SerialPieces();
  ~SerialPieces();
  SerialPieces(const SerialPieces&) = delete;
  SerialPieces& operator=(const SerialPieces&) = delete;

 private:
  bool saved_;
};

// body(begin, end) over [0, n): in pieces of `step` when `split`, else as one call here. body
// should pass its bounds on to a function that takes its pointers by value: loops that read
// them from a lambda's captures reload them after every byte store (char stores may alias).
template <class Body>
void parallel_ranges(int64_t n, int64_t step, bool split, const Body& body) {
  if (!split || step >= n) {
    if (n > 0) body(int64_t(0), n);
    return;
  }
  parallel_for((n + step - 1) / step, [&](int64_t i) { body(i * step, std::min(n, (i + 1) * step)); });
}

}  // namespace rlvr::cpu
