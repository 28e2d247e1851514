// The `code_tests` verifier: runs the program in a completion against the dataset row's tests
// in the sandbox. Test forms: MBPP `test_list` (+ `test_setup_code`), HumanEval `test` +
// `entry_point`, and stdin/stdout pairs `io` ([{"input", "output"}], compared modulo trailing
// whitespace). Options (all optional; unknown keys are an error):
//   "reward": "all_or_nothing" (default) or "fraction" of tests passed
//   "time_limit_s": wall-clock seconds per sandbox run (default 10)
//   "memory_mb": address-space limit per run (default 512)
//   "max_output_bytes": stdout/stderr cap per run (default 1 MiB)
//   "zygote": fork a pre-initialized Python per run (default true) or start a fresh one
//   "wall_time_s", "cpu_time_s", "max_processes", "max_file_mb", "max_open_files", "work_dir_mb",
//   "use_namespaces": the other sandbox::SandboxLimits (a run's [sandbox] table fills them)
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

std::unique_ptr<Verifier> make_code_tests_verifier(const nlohmann::json& options);

}  // namespace rlvr::rewards
