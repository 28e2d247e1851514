// format: rewards a completion for following a structure. Rules (each an option):
// require_think (a leading <think>...</think> block, exactly one), require_boxed (a \boxed{}
// answer after it), pattern (a POSIX extended regex the completion must contain a match of).
// Reward 1 when every rule holds, else 0; the detail names the first rule that failed.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

std::unique_ptr<Verifier> make_format_verifier(const nlohmann::json& options);

}  // namespace rlvr::rewards
