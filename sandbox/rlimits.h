// Resource limits for the sandboxed program (setrlimit in the child, soft = hard so that the
// program cannot raise them back).
#pragma once

#include <sys/resource.h>

#include <array>

#include "sandbox/sandbox.h"

namespace rlvr::sandbox::detail {

struct RlimitPlan {
  std::array<std::pair<int, rlim_t>, 9> entries{};  // resource, value
};

RlimitPlan plan_rlimits(const SandboxLimits& limits);

// Child side: applies every entry. Returns 0, or the failing resource's name with errno set.
const char* apply_rlimits(const RlimitPlan& plan);

}  // namespace rlvr::sandbox::detail
