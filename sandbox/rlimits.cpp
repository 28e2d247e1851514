// Resource limits: CPU seconds, address space, processes, file size, open files, and zero
// core dumps, locked memory and message queues.
#include "sandbox/rlimits.h"

#include <cmath>

#include "sandbox/limit_fields.h"

namespace rlvr::sandbox::detail {

RlimitPlan plan_rlimits(const SandboxLimits& limits) {
  check_limits(limits);
  const rlim_t mb = 1 << 20;
  RlimitPlan plan;
  plan.entries = {{
      {RLIMIT_CPU, static_cast<rlim_t>(std::ceil(limits.cpu_time_s))},
      {RLIMIT_AS, static_cast<rlim_t>(limits.memory_mb) * mb},
      {RLIMIT_NPROC, static_cast<rlim_t>(limits.max_processes)},
      {RLIMIT_FSIZE, static_cast<rlim_t>(limits.max_file_mb) * mb},
      {RLIMIT_NOFILE, static_cast<rlim_t>(limits.max_open_files)},
      {RLIMIT_CORE, 0},
      {RLIMIT_MEMLOCK, 0},
      {RLIMIT_MSGQUEUE, 0},
      {RLIMIT_STACK, 8 * mb},
  }};
  return plan;
}

const char* apply_rlimits(const RlimitPlan& plan) {
  for (const auto& [resource, value] : plan.entries) {
    rlimit r{value, value};
    if (setrlimit(resource, &r) == -1) {
      switch (resource) {
        case RLIMIT_CPU:
          return "setrlimit(RLIMIT_CPU)";
        case RLIMIT_AS:
          return "setrlimit(RLIMIT_AS)";
        case RLIMIT_NPROC:
          return "setrlimit(RLIMIT_NPROC)";
        case RLIMIT_FSIZE:
          return "setrlimit(RLIMIT_FSIZE)";
        case RLIMIT_NOFILE:
          return "setrlimit(RLIMIT_NOFILE)";
        default:
          return "setrlimit";
      }
    }
  }
  return nullptr;
}

}  // namespace rlvr::sandbox::detail
