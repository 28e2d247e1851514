// Bytes of host (CPU) tensor storage: in use now and the most at once since the last reset. What
// the memory plan (trainer/memory_plan.h) is checked against; the CUDA side has
// cuda_memory_stats().
#pragma once

#include <cstddef>

namespace rlvr {

struct HostMemoryStats {
  size_t bytes_in_use = 0;
  size_t peak_bytes_in_use = 0;
};

HostMemoryStats host_memory_stats();
void reset_host_memory_peak();  // the peak restarts from what is in use now

}  // namespace rlvr
