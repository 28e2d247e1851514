// Every SandboxLimits member that a config table sets, under the key that names it there (a run's
// [sandbox] table, the code_tests verifier's options), with the smallest value the sandbox
// accepts. The readers of those tables and the sandbox's own check all loop over this one list.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "sandbox/sandbox.h"

namespace rlvr::sandbox {

struct LimitField {
  using Member = std::variant<double SandboxLimits::*, std::int64_t SandboxLimits::*, bool SandboxLimits::*>;
  std::string_view key;  // the member's name, e.g. "memory_mb"
  Member member;
  double minimum = 0;         // numbers: the smallest value accepted (exclusive when minimum_open)
  bool minimum_open = false;

  bool accepts(double value) const;
  std::string allowed() const;  // "> 0", ">= 4"
};

// In SandboxLimits' order. use_zygote is not a key of any config table (code_tests names it
// 'zygote' among its own options).
std::span<const LimitField> limit_fields();

// Throws rlvr::Error naming the first limit the sandbox cannot apply.
void check_limits(const SandboxLimits& limits);

}  // namespace rlvr::sandbox
