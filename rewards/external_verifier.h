// External verifiers: any executable speaking one JSON object per line. For each sample we write
// {"prompt", "completion", "row"} on its stdin and read {"reward", "status"?, "detail"?} from its
// stdout. A pool of such processes (Boost.Process) is kept alive; a worker that crashes is
// restarted for the next sample, one that exceeds the per-sample timeout is killed and
// restarted, and what it wrote to stderr goes into the verdict's detail.
// Options: command (string or list), workers (2), timeout_s (10), max_line_bytes (1 MiB).
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "rewards/verifier.h"

namespace rlvr::rewards {

std::unique_ptr<Verifier> make_external_verifier(const nlohmann::json& options);

}  // namespace rlvr::rewards
