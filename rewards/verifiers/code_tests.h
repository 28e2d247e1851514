// The `code_tests` verifier: runs the program in a completion against the dataset row's tests
// in the sandbox. Test forms: MBPP `test_list` (+ `test_setup_code`), HumanEval `test` +
// `entry_point`, and stdin/stdout pairs `io` ([{"input", "output"}], compared modulo trailing
// whitespace). Options (all optional; unknown keys are an error):
//   "reward": "all_or_nothing" (default) or "fraction" of tests passed
//   "time_limit_s": wall-clock and CPU seconds per sandbox run (wall_time_s, cpu_time_s win)
//   "zygote": fork a pre-initialized Python per run (default true) or start a fresh one
//   each key of sandbox::limit_fields() ("memory_mb", "max_output_bytes", "wall_time_s", ...):
//   that sandbox::SandboxLimits member, whose default is the default here
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "rewards/verifier.h"
#include "sandbox/sandbox.h"

namespace rlvr::rewards {

std::unique_ptr<Verifier> make_code_tests_verifier(const nlohmann::json& options);

// The options with every sandbox limit they leave unset taken from `limits` (a run's [sandbox]
// table); time_limit_s counts as setting wall_time_s and cpu_time_s.
nlohmann::json with_sandbox_limits(const nlohmann::json& options, const sandbox::SandboxLimits& limits);

}  // namespace rlvr::rewards
